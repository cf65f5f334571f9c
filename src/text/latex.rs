//! The LaTeX stage of normalisation: light LaTeX in titles and abstracts rendered as readable
//! text (math delimiters removed, known macros replaced, sub- and superscripts, accents, dashes
//! and quotes); unknown macros are kept as written. The symbol table is in `latex_symbols`.
//!
//! Layer: part of `text`, which imports nothing from the crate but itself.

use std::borrow::Cow;
use std::collections::HashMap;

use super::latex_symbols::{
    accent_mark, compose_accent, double_struck, is_known_word, is_letter_macro, is_switch,
    is_text_argument, latex_symbol, letter_accent_mark, math_accent_mark, subscript_char,
    superscript_char,
};

/// Brace groups nested deeper than this are copied as they are instead of interpreted.
const MAX_GROUP_DEPTH: u32 = 24;

/// Renders light LaTeX as readable text: math delimiters removed, known macros replaced,
/// sub- and superscripts, accents, dashes and quotes. Unknown macros are kept as written.
pub(super) fn render_latex(text: &str) -> Cow<'_, str> {
    if !needs_latex(text) {
        return Cow::Borrowed(text);
    }
    let mut renderer = LatexRenderer::new(text);
    renderer.run(0, text.len(), false, 0);
    Cow::Owned(renderer.out)
}

const fn latex_special_table() -> [bool; 256] {
    let mut table = [false; 256];
    let special = b"\\$}{^_~-`'";
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
}

static LATEX_SPECIAL: [bool; 256] = latex_special_table();

/// The special bytes that can change text on their own. The others the renderer copies as
/// written unless they pair up: a lone `-` (only `--` and `---` become dashes), `'` (a closing
/// quote needs an opening ``` `` ```) and `}` (a group is found from its `{`).
static LATEX_ACTIVE: [bool; 256] = {
    let mut table = [false; 256];
    let active = b"\\$^_{~`";
    let mut i = 0;
    while i < active.len() {
        table[active[i] as usize] = true;
        i += 1;
    }
    table
};

/// False when rendering would copy `text` unchanged: the common case of prose with hyphens
/// and apostrophes, which then skips the renderer altogether.
fn needs_latex(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().any(|b| LATEX_ACTIVE[usize::from(*b)])
        || memchr::memmem::find(bytes, b"--").is_some()
}

struct LatexRenderer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    out: String,
    /// Open brace index → matching close brace index (escaped braces excluded).
    braces: HashMap<usize, usize>,
    /// An opening ``` `` ``` waits for its `''`.
    quote_open: bool,
    /// Where the next `$$`, `\)` and `\]` are: each search resumes from the last one.
    next_display_dollar: NextMatch,
    next_paren_close: NextMatch,
    next_bracket_close: NextMatch,
}

/// The first occurrence of a needle at or after the last search start, remembered so that
/// many openers without a closer cost one scan in total, not one each.
#[derive(Debug, Default)]
struct NextMatch {
    searched: Option<(usize, Option<usize>)>,
}

impl NextMatch {
    fn find(&mut self, haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        if let Some((searched_from, found)) = self.searched
            && from >= searched_from
            && found.is_none_or(|at| at >= from)
        {
            return found;
        }
        let found = haystack
            .get(from..)
            .and_then(|rest| memchr::memmem::find(rest, needle))
            .map(|p| from + p);
        self.searched = Some((from, found));
        found
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Super,
    Sub,
}

impl<'a> LatexRenderer<'a> {
    fn new(src: &'a str) -> LatexRenderer<'a> {
        LatexRenderer {
            src,
            bytes: src.as_bytes(),
            out: String::with_capacity(src.len()),
            braces: match_braces(src.as_bytes()),
            quote_open: false,
            next_display_dollar: NextMatch::default(),
            next_paren_close: NextMatch::default(),
            next_bracket_close: NextMatch::default(),
        }
    }

    /// Renders `src[start..end]` into `out`; `math` says whether this is inside math.
    fn run(&mut self, start: usize, end: usize, math: bool, depth: u32) {
        let mut i = start;
        while i < end {
            let run_end = self.bytes[i..end]
                .iter()
                .position(|b| LATEX_SPECIAL[usize::from(*b)])
                .map_or(end, |p| i + p);
            self.out.push_str(&self.src[i..run_end]);
            i = run_end;
            if i >= end {
                break;
            }
            i = match self.bytes[i] {
                b'\\' => self.macro_at(i, end, math, depth),
                b'$' if !math => self.dollar_at(i, end, depth),
                b'{' => self.group_at(i, end, math, depth),
                b'^' => self.script_at(i, end, math, depth, Script::Super),
                b'_' => self.script_at(i, end, math, depth, Script::Sub),
                b'~' => self.tilde_at(i, end),
                b'-' => self.dashes_at(i, end),
                b'`' => self.open_quote_at(i, end),
                b'\'' => self.close_quote_at(i, end),
                _ => {
                    // `}` and `$` inside math are literal here.
                    self.out.push(char::from(self.bytes[i]));
                    i + 1
                }
            };
        }
    }

    /// Renders a range into a fresh string (for script, fraction and accent arguments).
    fn render_to_string(&mut self, start: usize, end: usize, math: bool, depth: u32) -> String {
        let saved = std::mem::take(&mut self.out);
        self.run(start, end, math, depth);
        std::mem::replace(&mut self.out, saved)
    }

    fn byte(&self, index: usize, end: usize) -> Option<u8> {
        if index < end {
            self.bytes.get(index).copied()
        } else {
            None
        }
    }

    /// The close brace matching an open brace at `open`, if it lies before `end`.
    fn matching_brace(&self, open: usize, end: usize) -> Option<usize> {
        self.braces.get(&open).copied().filter(|close| *close < end)
    }

    /// `$…$` or `$$…$$` math: delimiters removed, content rendered as math. A `$` that opens
    /// nothing (`$5 million`) stays. Close to pandoc's rule: the opening `$` has a non-space
    /// right after it, the closing one a non-space before it and, when the content starts
    /// with a digit, no digit after it. Only the next `$` is tried as the closer, which keeps
    /// this linear and leaves `between $5 and $10` alone.
    fn dollar_at(&mut self, i: usize, end: usize, depth: u32) -> usize {
        if self.byte(i + 1, end) == Some(b'$') {
            let close = self.next_display_dollar.find(self.bytes, b"$$", i + 2);
            if let Some(close) = close
                && close > i + 2
                && close + 2 <= end
                && depth < MAX_GROUP_DEPTH
            {
                self.run(i + 2, close, true, depth + 1);
                return close + 2;
            }
            self.out.push_str("$$");
            return i + 2;
        }
        let opens = self
            .byte(i + 1, end)
            .is_some_and(|b| !b.is_ascii_whitespace());
        if opens {
            let mut search = i + 1;
            while let Some(offset) = memchr::memchr(b'$', &self.bytes[search..end]) {
                let close = search + offset;
                if self.bytes[close - 1] == b'\\' {
                    search = close + 1;
                    continue;
                }
                // The digit rule keeps `$5 to$10` as money but lets `$\sim$10` be math.
                let money_like = self.bytes[i + 1].is_ascii_digit()
                    && self
                        .byte(close + 1, end)
                        .is_some_and(|b| b.is_ascii_digit());
                let closes = !self.bytes[close - 1].is_ascii_whitespace() && !money_like;
                if closes && close > i + 1 && depth < MAX_GROUP_DEPTH {
                    self.run(i + 1, close, true, depth + 1);
                    return close + 1;
                }
                break;
            }
        }
        self.out.push('$');
        i + 1
    }

    /// `\(…\)` or `\[…\]` math, in text mode; `None` when there is no closing delimiter.
    fn delimited_math_at(
        &mut self,
        i: usize,
        end: usize,
        depth: u32,
        display: bool,
    ) -> Option<usize> {
        if depth >= MAX_GROUP_DEPTH {
            return None;
        }
        let close = if display {
            self.next_bracket_close.find(self.bytes, b"\\]", i + 2)
        } else {
            self.next_paren_close.find(self.bytes, b"\\)", i + 2)
        }?;
        if close + 2 > end {
            return None;
        }
        self.run(i + 2, close, true, depth + 1);
        Some(close + 2)
    }

    /// A brace group. In math the braces are grouping and vanish; in text they are literal
    /// unless the group starts with a known macro (`{\em x}`, `{\'e}`).
    fn group_at(&mut self, i: usize, end: usize, math: bool, depth: u32) -> usize {
        let Some(close) = self.matching_brace(i, end) else {
            self.out.push('{');
            return i + 1;
        };
        let latex_group = math || self.starts_with_known_macro(i + 1, close);
        if latex_group && depth < MAX_GROUP_DEPTH {
            self.run(i + 1, close, math, depth + 1);
            return close + 1;
        }
        self.out.push('{');
        i + 1
    }

    fn starts_with_known_macro(&self, start: usize, end: usize) -> bool {
        if self.byte(start, end) != Some(b'\\') {
            return false;
        }
        match self.byte(start + 1, end) {
            Some(b) if b.is_ascii_alphabetic() => {
                let name = self.control_word(start + 1, end);
                is_known_word(name)
            }
            Some(b) => accent_mark(char::from(b)).is_some(),
            None => false,
        }
    }

    fn control_word(&self, start: usize, end: usize) -> &'a str {
        let len = self.bytes[start..end]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        &self.src[start..start + len]
    }

    /// A `\` at `i`: control word, control symbol, accent or math delimiter.
    fn macro_at(&mut self, i: usize, end: usize, math: bool, depth: u32) -> usize {
        let Some(next) = self.byte(i + 1, end) else {
            self.out.push('\\');
            return i + 1;
        };
        if next.is_ascii_alphabetic() {
            let name = self.control_word(i + 1, end);
            let after = i + 1 + name.len();
            return match self.control_word_at(name, after, end, math, depth) {
                Some(next_index) => next_index,
                None => self.unknown_macro(i, after, end, math, depth),
            };
        }
        let after = i + 2;
        match next {
            b'%' | b'&' | b'_' | b'$' | b'#' | b'{' | b'}' => {
                self.out.push(char::from(next));
                after
            }
            b',' | b';' | b':' | b' ' | b'\n' | b'>' => {
                self.out.push(' ');
                after
            }
            b'\\' => {
                self.out.push(' ');
                after
            }
            b'!' | b'-' | b'/' | b'@' => after,
            b'|' => {
                self.out.push('‖');
                after
            }
            b'(' if !math => self
                .delimited_math_at(i, end, depth, false)
                .unwrap_or_else(|| {
                    self.out.push('\\');
                    i + 1
                }),
            b'[' if !math => self
                .delimited_math_at(i, end, depth, true)
                .unwrap_or_else(|| {
                    self.out.push('\\');
                    i + 1
                }),
            _ => match accent_mark(char::from(next)) {
                Some(mark) => self.accent(mark, after, end).unwrap_or_else(|| {
                    self.out.push('\\');
                    i + 1
                }),
                None => {
                    self.out.push('\\');
                    i + 1
                }
            },
        }
    }

    /// Applies an accent to the letter at `at` (`e`, `{e}`, `\i`, `{\i}`); `None` when no
    /// letter follows, so the text is kept as written. Without braces only letters with a
    /// precomposed form count, so code such as `\.txt` is not read as an accent.
    fn accent(&mut self, mark: char, at: usize, end: usize) -> Option<usize> {
        let (letter, after, braced) = match self.byte(at, end)? {
            b'{' => {
                let close = self.matching_brace(at, end)?;
                let (letter, inner_end) = self.accent_letter(at + 1, close)?;
                if inner_end != close {
                    return None;
                }
                (letter, close + 1, true)
            }
            _ => {
                let (letter, after) = self.accent_letter(at, end)?;
                (letter, after, false)
            }
        };
        match compose_accent(mark, letter) {
            Some(composed) => self.out.push(composed),
            None if braced => {
                self.out.push(letter);
                self.out.push(mark);
            }
            None => return None,
        }
        Some(after)
    }

    /// One letter for an accent: an ASCII letter, or dotless `\i` / `\j`.
    fn accent_letter(&self, at: usize, end: usize) -> Option<(char, usize)> {
        let b = self.byte(at, end)?;
        if b.is_ascii_alphabetic() {
            return Some((char::from(b), at + 1));
        }
        if b == b'\\' {
            let name = self.control_word(at + 1, end);
            let letter = match name {
                "i" => 'i',
                "j" => 'j',
                _ => return None,
            };
            let mut after = at + 1 + name.len();
            if self.byte(after, end) == Some(b' ') {
                after += 1;
            }
            return Some((letter, after));
        }
        None
    }

    /// Renders a known control word whose name ends at `after`; `None` if it is not known
    /// or lacks its arguments.
    fn control_word_at(
        &mut self,
        name: &str,
        after: usize,
        end: usize,
        math: bool,
        depth: u32,
    ) -> Option<usize> {
        if let Some(symbol) = latex_symbol(name) {
            self.out.push_str(symbol);
            // A letter written as a macro sits inside a word: TeX eats the space that ends
            // its name (`Stra\ss e` is Straße).
            if is_letter_macro(name) && self.byte(after, end) == Some(b' ') {
                return Some(after + 1);
            }
            // `\alpha{}` ends the control word explicitly.
            if self.byte(after, end) == Some(b'{') && self.byte(after + 1, end) == Some(b'}') {
                return Some(after + 2);
            }
            return Some(after);
        }
        if is_switch(name) {
            return Some(after);
        }
        if name == "left" || name == "right" {
            // `\left.` is an invisible delimiter; others (`\left(`) print their delimiter.
            return Some(if self.byte(after, end) == Some(b'.') {
                after + 1
            } else {
                after
            });
        }
        if let Some(mark) = letter_accent_mark(name) {
            if self.byte(after, end) == Some(b'{') {
                return self.accent(mark, after, end);
            }
            return None;
        }
        if depth >= MAX_GROUP_DEPTH {
            return None;
        }
        let (arg_start, arg_end) = self.brace_argument(after, end)?;
        let next = arg_end + 1;
        match name {
            _ if is_text_argument(name) => {
                let inner_math =
                    math && !name.starts_with("text") && !matches!(name, "emph" | "mbox" | "hbox");
                self.run(arg_start, arg_end, inner_math, depth + 1);
                Some(next)
            }
            "url" => {
                self.out.push_str(&self.src[arg_start..arg_end]);
                Some(next)
            }
            "href" => {
                let (text_start, text_end) = self.brace_argument(next, end)?;
                self.run(text_start, text_end, math, depth + 1);
                Some(text_end + 1)
            }
            "mathbb" | "mathbbm" | "mathds" => {
                let inner = self.render_to_string(arg_start, arg_end, true, depth + 1);
                match double_struck(&inner) {
                    Some(c) => self.out.push(c),
                    None => self.out.push_str(&inner),
                }
                Some(next)
            }
            "frac" | "dfrac" | "tfrac" => {
                let (den_start, den_end) = self.brace_argument(next, end)?;
                let numerator = self.render_to_string(arg_start, arg_end, true, depth + 1);
                let denominator = self.render_to_string(den_start, den_end, true, depth + 1);
                push_operand(&mut self.out, &numerator);
                self.out.push('/');
                push_operand(&mut self.out, &denominator);
                Some(den_end + 1)
            }
            "sqrt" => {
                let radicand = self.render_to_string(arg_start, arg_end, true, depth + 1);
                self.out.push('√');
                push_operand(&mut self.out, &radicand);
                Some(next)
            }
            "textsuperscript" | "textsubscript" => {
                let inner = self.render_to_string(arg_start, arg_end, true, depth + 1);
                let script = if name == "textsuperscript" {
                    Script::Super
                } else {
                    Script::Sub
                };
                push_script(&mut self.out, script, &inner);
                Some(next)
            }
            _ => {
                let mark = math_accent_mark(name)?;
                let inner = self.render_to_string(arg_start, arg_end, true, depth + 1);
                self.out.push_str(&inner);
                if inner.chars().count() == 1 {
                    self.out.push(mark);
                }
                Some(next)
            }
        }
    }

    /// The braced argument starting at `at` (spaces allowed before it): content range.
    fn brace_argument(&self, at: usize, end: usize) -> Option<(usize, usize)> {
        let mut open = at;
        while self.byte(open, end) == Some(b' ') {
            open += 1;
        }
        if self.byte(open, end) != Some(b'{') {
            return None;
        }
        let close = self.matching_brace(open, end)?;
        Some((open + 1, close))
    }

    /// An unknown macro is kept as written, its brace arguments with their braces.
    fn unknown_macro(
        &mut self,
        i: usize,
        after: usize,
        end: usize,
        math: bool,
        depth: u32,
    ) -> usize {
        self.out.push_str(&self.src[i..after]);
        let mut next = after;
        while self.byte(next, end) == Some(b'{') && depth < MAX_GROUP_DEPTH {
            let Some(close) = self.matching_brace(next, end) else {
                break;
            };
            self.out.push('{');
            self.run(next + 1, close, math, depth + 1);
            self.out.push('}');
            next = close + 1;
        }
        next
    }

    /// `^`/`_`: in math any script; in text only `^{…}`, `^2` (digits not followed by a letter
    /// or digit) and `_{…}`, so `snake_case` and `a^b` in prose stay as written.
    fn script_at(&mut self, i: usize, end: usize, math: bool, depth: u32, script: Script) -> usize {
        let marker = if script == Script::Super { '^' } else { '_' };
        let mut at = i + 1;
        if math {
            while self.byte(at, end) == Some(b' ') {
                at += 1;
            }
        }
        let Some(next) = self.byte(at, end) else {
            self.out.push(marker);
            return i + 1;
        };
        let (content, after) = if next == b'{' {
            match self.matching_brace(at, end) {
                Some(close) if depth < MAX_GROUP_DEPTH => (
                    self.render_to_string(at + 1, close, true, depth + 1),
                    close + 1,
                ),
                _ => {
                    self.out.push(marker);
                    return i + 1;
                }
            }
        } else if !math {
            let digits = self.bytes[at..end]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let followed_by_word = self
                .byte(at + digits, end)
                .is_some_and(|b| b.is_ascii_alphanumeric());
            if script == Script::Sub || digits == 0 || followed_by_word {
                self.out.push(marker);
                return i + 1;
            }
            (self.src[at..at + digits].to_string(), at + digits)
        } else if next == b'\\'
            && self
                .byte(at + 1, end)
                .is_some_and(|b| b.is_ascii_alphabetic())
        {
            let name = self.control_word(at + 1, end);
            let after_name = at + 1 + name.len();
            match latex_symbol(name) {
                Some(symbol) => (symbol.to_string(), after_name),
                None => {
                    self.out.push(marker);
                    return i + 1;
                }
            }
        } else if matches!(next, b'}' | b'^' | b'_' | b'\\' | b'$' | b'\n') {
            self.out.push(marker);
            return i + 1;
        } else {
            let ch = self.src[at..end].chars().next().unwrap_or(' ');
            (ch.to_string(), at + ch.len_utf8())
        };
        push_script(&mut self.out, script, &content);
        after
    }

    /// `~` between two words is a tie (a space); elsewhere (`~5%`) it stays.
    fn tilde_at(&mut self, i: usize, end: usize) -> usize {
        let before = i.checked_sub(1).map(|p| self.bytes[p]);
        let after = self.byte(i + 1, end);
        let is_word_side = |b: Option<u8>| b.is_some_and(|b| !b.is_ascii_whitespace() && b != b'~');
        self.out
            .push(if is_word_side(before) && is_word_side(after) {
                ' '
            } else {
                '~'
            });
        i + 1
    }

    /// `--` → en dash and `---` → em dash, unless it reads like a command-line flag
    /// (`--verbose`: after a space, before a word); longer runs stay as written.
    fn dashes_at(&mut self, i: usize, end: usize) -> usize {
        let run = self.bytes[i..end]
            .iter()
            .take_while(|b| **b == b'-')
            .count();
        let before_is_space = i
            .checked_sub(1)
            .is_none_or(|p| self.bytes[p].is_ascii_whitespace());
        let after_is_space = self
            .byte(i + run, end)
            .is_none_or(|b| b.is_ascii_whitespace());
        let is_flag = before_is_space && !after_is_space;
        match run {
            2 if !is_flag => self.out.push('–'),
            3 if !is_flag => self.out.push('—'),
            _ => self.out.push_str(&self.src[i..i + run]),
        }
        i + run
    }

    fn open_quote_at(&mut self, i: usize, end: usize) -> usize {
        if self.byte(i + 1, end) == Some(b'`') {
            self.out.push('“');
            self.quote_open = true;
            return i + 2;
        }
        self.out.push('`');
        i + 1
    }

    fn close_quote_at(&mut self, i: usize, end: usize) -> usize {
        if self.quote_open && self.byte(i + 1, end) == Some(b'\'') {
            self.out.push('”');
            self.quote_open = false;
            return i + 2;
        }
        self.out.push('\'');
        i + 1
    }
}

/// Pairs every unescaped `{` with its `}` in one pass.
fn match_braces(bytes: &[u8]) -> HashMap<usize, usize> {
    let mut pairs = HashMap::new();
    if memchr::memchr(b'{', bytes).is_none() {
        return pairs;
    }
    let mut open = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => open.push(i),
            b'}' => {
                if let Some(start) = open.pop() {
                    pairs.insert(start, i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    pairs
}

/// Writes a fraction or root operand, in parentheses unless it is a single term.
fn push_operand(out: &mut String, operand: &str) {
    let trimmed = operand.trim();
    let single_term =
        trimmed.chars().count() <= 1 || trimmed.chars().all(|c| c.is_alphanumeric() || c == '.');
    if single_term {
        out.push_str(trimmed);
    } else {
        out.push('(');
        out.push_str(trimmed);
        out.push(')');
    }
}

/// Writes a sub- or superscript: Unicode script characters when every character has one,
/// otherwise `^x` / `^(x+y)` / `_i` / `_max` / `_(i,j)`.
fn push_script(out: &mut String, script: Script, content: &str) {
    let content: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    if content.is_empty() {
        return;
    }
    let map = match script {
        Script::Super => superscript_char,
        Script::Sub => subscript_char,
    };
    if content.chars().all(|c| map(c).is_some()) {
        out.extend(content.chars().filter_map(map));
        return;
    }
    let single = content.chars().count() == 1;
    match script {
        Script::Super if single => {
            out.push('^');
            out.push_str(&content);
        }
        Script::Sub if single || content.chars().all(char::is_alphanumeric) => {
            out.push('_');
            out.push_str(&content);
        }
        Script::Super => {
            out.push_str("^(");
            out.push_str(&content);
            out.push(')');
        }
        Script::Sub => {
            out.push_str("_(");
            out.push_str(&content);
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize_line as line;
    use crate::text::test_strategies::{hostile_text, plain_looking_text};
    use proptest::prelude::*;

    #[test]
    fn greek_letters_in_math_become_unicode() {
        assert_eq!(
            line("$\\alpha$-entmax with $\\Omega$ and \\beta"),
            "α-entmax with Ω and β"
        );
        let lower = "$\\alpha\\beta\\gamma\\delta\\epsilon\\zeta\\eta\\theta\\iota\\kappa\\lambda\\mu\\nu\\xi\\omicron\\pi\\rho\\sigma\\tau\\upsilon\\phi\\chi\\psi\\omega$";
        assert_eq!(line(lower), "αβγδεζηθικλμνξοπρστυφχψω");
        let upper = "$\\Alpha\\Beta\\Gamma\\Delta\\Epsilon\\Zeta\\Eta\\Theta\\Iota\\Kappa\\Lambda\\Mu\\Nu\\Xi\\Omicron\\Pi\\Rho\\Sigma\\Tau\\Upsilon\\Phi\\Chi\\Psi\\Omega$";
        assert_eq!(line(upper), "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ");
    }

    #[test]
    fn common_math_symbols_become_unicode() {
        assert_eq!(
            line("$3 \\times 4$, $a \\leq b \\le c$, $x \\geq y \\ge z$, $a \\neq b$"),
            "3 × 4, a ≤ b ≤ c, x ≥ y ≥ z, a ≠ b"
        );
        assert_eq!(
            line("$a \\approx b \\sim c$, $n \\to \\infty$, $x \\rightarrow y \\leftarrow z$"),
            "a ≈ b ∼ c, n → ∞, x → y ← z"
        );
        assert_eq!(
            line(
                "$a \\cdot b \\pm c$, $x \\in \\mathbb{R}^n$, $\\sum_i \\ell_i$, $\\partial f, \\nabla f$"
            ),
            "a · b ± c, x ∈ ℝⁿ, Σ_i ℓ_i, ∂ f, ∇ f"
        );
        assert_eq!(
            line("$\\mathbb{N} \\mathbb{Z} \\mathbb{Q} \\mathbb{C}$"),
            "ℕ ℤ ℚ ℂ"
        );
    }

    #[test]
    fn text_style_macros_keep_their_argument() {
        assert_eq!(
            line(
                "\\textbf{bold} \\textit{it} \\emph{em} \\mathrm{rm} \\mathbf{bf} \\mathcal{L} \\texttt{tt} \\text{t} \\operatorname{softmax}"
            ),
            "bold it em rm bf L tt t softmax"
        );
        assert_eq!(
            line("formalize this as the \\textbf{Knowing--Using Gap}"),
            "formalize this as the Knowing–Using Gap"
        );
        assert_eq!(
            line("{\\em emphasised} and {\\bf bold}"),
            "emphasised and bold"
        );
    }

    #[test]
    fn superscripts_and_subscripts() {
        assert_eq!(
            line("$x^{2}$ and $y^2$ and $O(n^{-1})$ and $A^T$"),
            "x² and y² and O(n⁻¹) and Aᵀ"
        );
        assert_eq!(
            line("$x_{0}$ $x_1$ $x_{12}$ $x_{i}$ $x_{max}$ $x_{i,j}$"),
            "x₀ x₁ x₁₂ x_i x_max x_(i,j)"
        );
        assert_eq!(line("$2^{n+1}$ $e^{ab}$"), "2ⁿ⁺¹ e^(ab)");
        assert_eq!(
            line("costs O(n^2) and 10^{9} ops"),
            "costs O(n²) and 10⁹ ops"
        );
    }

    #[test]
    fn prose_with_carets_and_underscores_stays() {
        assert_eq!(
            line("snake_case a^b x^2y file_name_v2"),
            "snake_case a^b x^2y file_name_v2"
        );
    }

    #[test]
    fn escaped_specials_dashes_quotes_and_ties() {
        assert_eq!(
            line("recovers 58--75\\% of R\\&D in snake\\_case for \\$5"),
            "recovers 58–75% of R&D in snake_case for $5"
        );
        assert_eq!(
            line("pages 3--5 --- and an em dash"),
            "pages 3–5 — and an em dash"
        );
        assert_eq!(line("``quoted'' text"), "“quoted” text");
        assert_eq!(line("Fig.~3 and Smith~et~al."), "Fig. 3 and Smith et al.");
        assert_eq!(line("costs ~5% more"), "costs ~5% more");
        assert_eq!(line("a $\\sim$10\\% gain"), "a ∼10% gain");
    }

    #[test]
    fn command_line_flags_and_rules_keep_their_dashes() {
        assert_eq!(
            line("run with --verbose or ---- here"),
            "run with --verbose or ---- here"
        );
    }

    #[test]
    fn accents_become_precomposed_letters() {
        assert_eq!(
            line(
                "Erd\\H{o}s, G\\\"odel, Poincar\\'e, \\`a la, na\\\"\\i ve, \\c{c}a, \\v{S}koda, {\\'e}t\\'{e}"
            ),
            "Erdős, Gödel, Poincaré, à la, naïve, ça, Škoda, été"
        );
        assert_eq!(line("\\~n \\^o \\=a \\r{a} \\ss"), "ñ ô ā å ß");
    }

    #[test]
    fn math_delimiters_are_removed() {
        assert_eq!(line("a $x$ b \\(y\\) c \\[z\\] d $$w$$"), "a x b y c z d w");
        assert_eq!(
            line("rate $1/\\sqrt{n}$ and $\\frac{a+b}{2}$"),
            "rate 1/√n and (a+b)/2"
        );
        assert_eq!(
            line("remove the $\\ln \\ln T$ factor"),
            "remove the ln ln T factor"
        );
    }

    #[test]
    fn lone_dollars_stay() {
        assert_eq!(line("a $5 million grant"), "a $5 million grant");
        assert_eq!(line("between $5 and $10"), "between $5 and $10");
        assert_eq!(line("from $5 to$10"), "from $5 to$10");
        assert_eq!(line("US$100 and $200 a month"), "US$100 and $200 a month");
        assert_eq!(line("costs $ 3"), "costs $ 3");
    }

    #[test]
    fn unknown_macros_and_code_backslashes_stay() {
        assert_eq!(line("$\\foo{x}$ and \\bar baz"), "\\foo{x} and \\bar baz");
        assert_eq!(
            line("C:\\Users\\me and \\n newline \\ trailing\\"),
            "C:\\Users\\me and \\n newline trailing\\"
        );
        assert_eq!(line("regex \\d+ and \\w*"), "regex \\d+ and \\w*");
        assert_eq!(
            line("glob [a-z]+\\.txt, \\'q\\'"),
            "glob [a-z]+\\.txt, \\'q\\'"
        );
    }

    #[test]
    fn thin_spaces_become_spaces() {
        assert_eq!(line("an 8\\,GB Pi"), "an 8 GB Pi");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn text_the_renderer_would_copy_skips_it(raw in plain_looking_text()) {
            if !needs_latex(&raw) {
                let mut renderer = LatexRenderer::new(&raw);
                renderer.run(0, raw.len(), false, 0);
                prop_assert_eq!(renderer.out, raw);
            }
        }

        #[test]
        fn hostile_text_the_renderer_would_copy_skips_it(raw in hostile_text()) {
            if !needs_latex(&raw) {
                let mut renderer = LatexRenderer::new(&raw);
                renderer.run(0, raw.len(), false, 0);
                prop_assert_eq!(renderer.out, raw);
            }
        }
    }
}
