//! The layer stack stays true: no module imports one above it, and every source file says what
//! it owns in a `//!` first line.
//!
//! Every `crate::<module>` (or `paperboat::<module>`) path in `src/**/*.rs` is found, in `use`
//! lines, `use crate::{a, b}` groups and inline paths alike, outside comments. The file's
//! top-level module and the referenced module are mapped to their layers; a reference to a
//! higher layer fails the test with the offending lines. The stack, lowest first, is `LAYERS`;
//! a new top-level module must be given its place there before this test passes.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The stack, lowest first. A module may import its own layer and the ones below.
const LAYERS: &[&[&str]] = &[
    &[
        "model", "rowstore", "text", "link", "clock", "logging", "terminal", "synth", "action",
    ],
    &["source"],
    &["store", "journal", "ownership"],
    &[
        "sync", "query", "config", "export", "feeds", "doctor", "demo", "notices", "pdf", "linked",
    ],
    &["app", "keymap"],
    &["ui"],
    &["reader", "server"],
    &["cli", "main", "lib"],
];

/// Imports within one layer that the stack still forbids: (importer, imported). `"*"` stands
/// for any other module.
const SAME_LAYER_FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "text",
        "*",
        "text is the bottom: it imports nothing from the crate but itself",
    ),
    (
        "journal",
        "store",
        "the store applies the journal; the journal knows no store",
    ),
    (
        "keymap",
        "app",
        "the reader's state holds a KeyState; the keymap knows no app",
    ),
];

/// Known upward imports tolerated while a move that removes them is under way: (file,
/// imported module, the move that removes it). Empty since issue 10's moves landed. The test
/// fails when an entry is no longer needed, so the list cannot outlive its reason.
const ALLOWED: &[(&str, &str, &str)] = &[];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn source_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&crate_root().join("src"), &mut files);
    assert!(files.len() > 20, "found only {} source files", files.len());
    files
}

/// `src/store/recover.rs` for a file under the crate root.
fn shown(path: &Path) -> String {
    path.strip_prefix(crate_root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The top-level module a file belongs to: `src/store/recover.rs` → `store`, `src/cli.rs` →
/// `cli`, `src/lib.rs` → `lib`.
fn module_of(path: &Path) -> String {
    let relative = path
        .strip_prefix(crate_root().join("src"))
        .expect("a file under src/");
    let first = relative
        .components()
        .next()
        .expect("a path under src/")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// The text with `//` comments blanked out (line numbers kept). String literals that contain
/// `//` (URLs) lose the rest of their line, which only ever hides a path, never invents one.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_block = 0usize;
    for line in text.lines() {
        let mut kept = String::new();
        let mut rest = line;
        loop {
            if in_block > 0 {
                match rest.find("*/") {
                    Some(end) => {
                        in_block -= 1;
                        rest = &rest[end + 2..];
                    }
                    None => break,
                }
            } else {
                let line_comment = rest.find("//");
                let block_comment = rest.find("/*");
                match (line_comment, block_comment) {
                    (Some(l), Some(b)) if b < l => {
                        kept.push_str(&rest[..b]);
                        in_block += 1;
                        rest = &rest[b + 2..];
                    }
                    (None, Some(b)) => {
                        kept.push_str(&rest[..b]);
                        in_block += 1;
                        rest = &rest[b + 2..];
                    }
                    (Some(l), _) => {
                        kept.push_str(&rest[..l]);
                        break;
                    }
                    (None, None) => {
                        kept.push_str(rest);
                        break;
                    }
                }
            }
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The leading identifier of `text` (after blanks).
fn leading_ident(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let end = text.find(|c: char| !is_ident_char(c)).unwrap_or(text.len());
    (end > 0).then(|| &text[..end])
}

/// The top-level items of a `{…}` group starting right after its `{`: `{a, b::c, d::{e}}` →
/// `a`, `b`, `d`.
fn group_items(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.extend(leading_ident(&text[start..index]));
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.extend(leading_ident(&text[start..index]));
                start = index + 1;
            }
            _ => {}
        }
    }
    items
}

/// One reference to a top-level module: the 1-based line and the module.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    module: String,
}

/// Every `crate::x` / `paperboat::x` in `code` (comments already removed).
fn references(code: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    for root in ["crate::", "paperboat::"] {
        let mut from = 0;
        while let Some(offset) = code[from..].find(root) {
            let at = from + offset;
            from = at + root.len();
            let before = code[..at].chars().next_back();
            // `$crate::` counts; `my_crate::` or `other::crate::` do not.
            if before.is_some_and(|c| is_ident_char(c) || c == ':') {
                continue;
            }
            let line = code[..at].matches('\n').count() + 1;
            let rest = &code[from..];
            let modules: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                group_items(group)
            } else {
                leading_ident(rest).into_iter().collect()
            };
            for module in modules {
                if module != "self" {
                    found.push(Reference {
                        line,
                        module: module.to_string(),
                    });
                }
            }
        }
    }
    found.sort_by_key(|reference| reference.line);
    found
}

fn forbidden_same_layer(importer: &str, imported: &str) -> Option<&'static str> {
    SAME_LAYER_FORBIDDEN
        .iter()
        .find(|(from, to, _)| *from == importer && (*to == imported || *to == "*"))
        .map(|(_, _, why)| *why)
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let mut failures = String::new();
    let mut used_allowances = BTreeSet::new();
    for path in source_files() {
        let file = shown(&path);
        let module = module_of(&path);
        let Some(own_layer) = layer_of(&module) else {
            writeln!(
                failures,
                "{file}: module `{module}` has no layer: add it to LAYERS in tests/layers.rs"
            )
            .unwrap();
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for reference in references(&without_comments(&text)) {
            if reference.module == module {
                continue;
            }
            let quoted = lines.get(reference.line - 1).map_or("", |line| line.trim());
            let Some(layer) = layer_of(&reference.module) else {
                writeln!(
                    failures,
                    "{file}:{}: `crate::{}` is not a module in LAYERS: {quoted}",
                    reference.line, reference.module
                )
                .unwrap();
                continue;
            };
            let why = if layer > own_layer {
                format!(
                    "`{module}` (layer {own_layer}) imports `{}` (layer {layer}) above it",
                    reference.module
                )
            } else if layer == own_layer
                && let Some(rule) = forbidden_same_layer(&module, &reference.module)
            {
                format!(
                    "`{module}` imports `{}` in its own layer: {rule}",
                    reference.module
                )
            } else {
                continue;
            };
            let allowance = ALLOWED
                .iter()
                .position(|(f, m, _)| *f == file && *m == reference.module);
            if let Some(index) = allowance {
                used_allowances.insert(index);
                continue;
            }
            writeln!(failures, "{file}:{}: {why}\n    {quoted}", reference.line).unwrap();
        }
    }
    for (index, (file, module, reason)) in ALLOWED.iter().enumerate() {
        if !used_allowances.contains(&index) {
            writeln!(
                failures,
                "ALLOWED ({file} → {module}, {reason}) is no longer needed: remove it"
            )
            .unwrap();
        }
    }
    assert!(
        failures.is_empty(),
        "the layer stack is broken (see LAYERS in tests/layers.rs):\n{failures}"
    );
}

#[test]
fn every_source_file_starts_with_what_it_owns() {
    let missing: Vec<String> = source_files()
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            !text
                .lines()
                .next()
                .is_some_and(|line| line.starts_with("//!"))
        })
        .map(|path| shown(&path))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` line saying what they own: {missing:?}"
    );
}

#[test]
fn every_module_has_exactly_one_layer() {
    let mut seen = BTreeSet::new();
    for module in LAYERS.iter().flat_map(|layer| layer.iter()) {
        assert!(seen.insert(*module), "{module} is in two layers");
    }
}

#[test]
fn the_scanner_finds_every_form_of_reference() {
    let code = without_comments(
        "use crate::store::Store;\n\
         use crate::{model::Paper, text, ui::{self, fit}};\n\
         // use crate::app::App;\n\
         let x = crate::query::parse(q); /* crate::reader */ let y = 1;\n\
         /* a block\n crate::cli::run\n */\n\
         macro_rules! m { () => { $crate::link::open() } }\n\
         let z = paperboat::sync::run();\n\
         use other_crate::app; use std::crate::app;\n\
         pub(crate) fn f() {}\n",
    );
    let found = references(&code);
    let found: Vec<(usize, &str)> = found
        .iter()
        .map(|reference| (reference.line, reference.module.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (1, "store"),
            (2, "model"),
            (2, "text"),
            (2, "ui"),
            (4, "query"),
            (8, "link"),
            (9, "sync"),
        ]
    );
}

#[test]
fn same_layer_rules_point_one_way() {
    assert!(layer_of("store") < layer_of("ui"));
    assert!(forbidden_same_layer("text", "model").is_some());
    assert!(forbidden_same_layer("model", "text").is_none());
    assert!(forbidden_same_layer("keymap", "app").is_some());
    assert!(forbidden_same_layer("app", "keymap").is_none());
}
