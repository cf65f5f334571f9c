//! Tests of the document model: every block and inline kind from Markdown and from HTML,
//! LaTeXML's math and equations, hostile input, and layout at any width.

use super::*;
use proptest::prelude::*;

fn text(s: &str) -> Inline {
    Inline::Text(s.into())
}

fn lines(rendered: &Rendered) -> Vec<String> {
    rendered.lines.iter().map(RenderedLine::text).collect()
}

fn paragraph(s: &str) -> Block {
    Block::Paragraph(vec![text(s)])
}

// --- Markdown ----------------------------------------------------------------------------

#[test]
fn markdown_blocks() {
    let doc = from_markdown(
        "# Title\n\nPara one\ncontinued.\n\n## Method\n\n> quoted\n\n---\n\n```rust\nfn main() {}\n```\n\n$$E=mc^2$$\n",
    );
    assert_eq!(
        doc.blocks,
        vec![
            Block::Heading {
                level: 1,
                text: vec![text("Title")]
            },
            paragraph("Para one continued."),
            Block::Heading {
                level: 2,
                text: vec![text("Method")]
            },
            Block::Quote(vec![paragraph("quoted")]),
            Block::Rule,
            Block::Code {
                lang: Some("rust".into()),
                text: "fn main() {}".into()
            },
            Block::Math {
                latex: "E=mc^2".into()
            },
        ]
    );
}

#[test]
fn markdown_inlines() {
    let doc = from_markdown(
        "Some *emph*, **strong**, `code`, $\\alpha$, [a link](https://example.org/x) and [no](javascript:alert(1)).  \nNext",
    );
    assert_eq!(
        doc.blocks,
        vec![Block::Paragraph(vec![
            text("Some "),
            Inline::Emph(vec![text("emph")]),
            text(", "),
            Inline::Strong(vec![text("strong")]),
            text(", "),
            Inline::Code("code".into()),
            text(", "),
            Inline::Math("\\alpha".into()),
            text(", "),
            Inline::Link {
                text: vec![text("a link")],
                url: "https://example.org/x".into()
            },
            text(" and no."),
            Inline::LineBreak,
            text("Next"),
        ])]
    );
}

#[test]
fn markdown_nested_lists_and_tables() {
    let doc = from_markdown(
        "- one *x*\n- two\n  1. inner\n  2. more\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    );
    assert_eq!(
        doc.blocks,
        vec![
            Block::List {
                ordered: false,
                items: vec![
                    vec![Block::Paragraph(vec![
                        text("one "),
                        Inline::Emph(vec![text("x")])
                    ])],
                    vec![
                        paragraph("two"),
                        Block::List {
                            ordered: true,
                            items: vec![vec![paragraph("inner")], vec![paragraph("more")]]
                        }
                    ],
                ]
            },
            Block::Table {
                header: vec![vec![text("a")], vec![text("b")]],
                rows: vec![vec![vec![text("1")], vec![text("2")]]]
            },
        ]
    );
}

#[test]
fn markdown_raw_html_is_parsed_and_unknown_tags_stay_text() {
    let doc = from_markdown(
        "Models reason in <think> tags, <b>bold</b>.\n\n<div><script>alert(1)</script><p>html block</p></div>\n",
    );
    assert_eq!(
        doc.blocks,
        vec![
            paragraph("Models reason in <think> tags, bold."),
            paragraph("html block")
        ]
    );
}

// --- HTML --------------------------------------------------------------------------------

#[test]
fn latexml_math_headings_and_equations() {
    let html = r#"<!DOCTYPE html><html><head><title>Doc title</title><style>p{}</style></head><body>
<h1 class="ltx_title ltx_title_document">A Paper</h1>
<section class="ltx_section"><h2 class="ltx_title ltx_title_section"><span class="ltx_tag">1 </span>Intro</h2>
<div class="ltx_para"><p class="ltx_p">Let <math alttext="\alpha+\beta" display="inline"><semantics><mrow><mi>α</mi><mo>+</mo><mi>β</mi></mrow><annotation encoding="application/x-tex">\alpha+\beta</annotation></semantics></math> be small.</p></div>
<table class="ltx_equation ltx_eqn_table"><tbody><tr class="ltx_equation"><td class="ltx_eqn_cell"><math alttext="E=mc^{2}" display="block"><mi>E</mi></math></td><td class="ltx_eqn_cell ltx_align_right"><span class="ltx_tag">(1)</span></td></tr></tbody></table>
<p>No alttext: <math><annotation encoding="application/x-tex">x^2</annotation></math> and <math><mi>y</mi></math>.</p>
</section></body></html>"#;
    let doc = from_html(html);
    assert_eq!(doc.title.as_deref(), Some("Doc title"));
    assert_eq!(
        doc.blocks,
        vec![
            Block::Heading {
                level: 1,
                text: vec![text("A Paper")]
            },
            Block::Heading {
                level: 2,
                text: vec![text("1 Intro")]
            },
            Block::Paragraph(vec![
                text("Let "),
                Inline::Math("\\alpha+\\beta".into()),
                text(" be small.")
            ]),
            Block::Math {
                latex: "E=mc^{2} \\qquad (1)".into()
            },
            Block::Paragraph(vec![
                text("No alttext: "),
                Inline::Math("x^2".into()),
                text(" and y.")
            ]),
        ]
    );
    let plain = to_plain_text(&doc);
    assert!(plain.contains("Let α+β be small."), "{plain}");
    assert!(plain.contains("E=mc²"), "{plain}");
}

#[test]
fn html_inlines_lists_tables_code_quotes() {
    let html = "<p>A <em>b</em> <strong>c</strong> <code>d</code> <a href=\"https://x.org\">e</a> \
        <a href=\"javascript:x\">f</a><br>g</p>\
        <ul><li>one<ol><li>inner</li></ol></li><li>two</li></ul>\
        <table><thead><tr><th>h</th><th>k</th></tr></thead><tbody><tr><td>1</td><td><p>2</p></td></tr></tbody></table>\
        <pre class=\"language-py\">def f():\n\treturn 1\n</pre><blockquote><p>q</p></blockquote><hr>";
    let doc = from_html(html);
    assert_eq!(
        doc.blocks,
        vec![
            Block::Paragraph(vec![
                text("A "),
                Inline::Emph(vec![text("b")]),
                text(" "),
                Inline::Strong(vec![text("c")]),
                text(" "),
                Inline::Code("d".into()),
                text(" "),
                Inline::Link {
                    text: vec![text("e")],
                    url: "https://x.org".into()
                },
                text(" f"),
                Inline::LineBreak,
                text("g"),
            ]),
            Block::List {
                ordered: false,
                items: vec![
                    vec![
                        paragraph("one"),
                        Block::List {
                            ordered: true,
                            items: vec![vec![paragraph("inner")]]
                        }
                    ],
                    vec![paragraph("two")],
                ]
            },
            Block::Table {
                header: vec![vec![text("h")], vec![text("k")]],
                rows: vec![vec![vec![text("1")], vec![text("2")]]]
            },
            Block::Code {
                lang: Some("py".into()),
                text: "def f():\n    return 1".into()
            },
            Block::Quote(vec![paragraph("q")]),
            Block::Rule,
        ]
    );
}

#[test]
fn hostile_html_and_markdown_reach_no_output() {
    let hostile = "<p>a\u{1b}]52;c;ZXZpbA==\u{7}b<script>alert(1)</script>\u{202e}c\u{9b}31m \
        <object>fallback</object><svg><text>drawn</text></svg><iframe>inner</iframe>\
        <button>press</button><select><option>o</option></select><textarea>t</textarea>\
        <details><summary>sum</summary>det</details>\
        <a href=\"https://x.org/\u{1b}[2J\">l</a></p><style>p{}</style>";
    for doc in [from_html(hostile), from_markdown(hostile)] {
        let plain = to_plain_text(&doc);
        for (output, what) in [(plain.clone(), "plain")]
            .into_iter()
            .chain(lines(&render(&doc, 30)).into_iter().map(|l| (l, "render")))
        {
            assert!(
                !output.chars().any(|ch| ch.is_control() && ch != '\n'),
                "{what}: {output:?}"
            );
            for banned in ["alert", "\u{202e}", "drawn", "press", "ZXZp", "p{}"] {
                assert!(!output.contains(banned), "{what}: {banned} in {output:?}");
            }
        }
        assert!(
            plain.contains("fallback") && plain.contains("det"),
            "{plain}"
        );
        for url in &render(&doc, 30).links {
            assert!(!url.chars().any(char::is_control), "{url:?}");
        }
    }
}

#[test]
fn ten_megabytes_of_anything_parse_and_render_in_linear_time() {
    // Every shape most likely to go quadratic (deep nesting, open cells, quotes, unclosed
    // links) at 200 KB, then all of them mixed into 2 MB: the test runs in a debug build, and
    // a quadratic walk over 200 KB is already minutes. (10 MB full texts never get here: the
    // fetch refuses anything over `[fulltext] max_mib`, tests/fulltext.rs.)
    let shapes = [
        "<div>",
        "<b>",
        "<table><tr><td>",
        "> ",
        "x ",
        "<li>",
        "<p>x ",
        "&amp;",
        "<math alttext=\"x\">",
        "<a href=\"https://x\">",
        "*a* ",
        "- ",
        "$x$ ",
        "\u{1b}]52;",
    ];
    let mixed = shapes.concat();
    let mut pieces: Vec<(&str, usize)> = shapes.iter().map(|shape| (*shape, 1)).collect();
    pieces.push((mixed.as_str(), 10));
    let kilobytes_per_unit = 200;
    for (piece, units) in pieces {
        let src = piece.repeat(units * kilobytes_per_unit * 1_000 / piece.len());
        let started = std::time::Instant::now();
        let doc = from_html(&src);
        let rendered = render(&doc, 80);
        assert!(rendered.lines.iter().all(|line| line.width() <= 80));
        let doc = from_markdown(&src);
        let rendered = render(&doc, 80);
        assert!(rendered.lines.iter().all(|line| line.width() <= 80));
        // Not a timing test: a generous bound that only a quadratic blow-up would cross.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "{piece}: {:?}",
            started.elapsed()
        );
    }
}

// --- render -------------------------------------------------------------------------------

#[test]
fn render_styles_sections_and_links() {
    let doc = from_markdown("# One\n\nSee [the site](https://x.org) now.\n\n## Two\n\n- a\n- b\n");
    let rendered = render(&doc, 40);
    assert_eq!(
        lines(&rendered),
        vec![
            "One",
            "═══",
            "",
            "See the site now.",
            "",
            "Two",
            "───",
            "",
            "• a",
            "• b"
        ]
    );
    assert_eq!(
        rendered
            .sections
            .iter()
            .map(|s| (s.line, s.level, s.title.as_str()))
            .collect::<Vec<_>>(),
        vec![(0, 1, "One"), (5, 2, "Two")]
    );
    assert_eq!(rendered.links, vec!["https://x.org".to_string()]);
    let link_span = rendered.lines[3]
        .spans
        .iter()
        .find(|span| span.link == Some(0))
        .map(|span| span.text.clone());
    assert_eq!(link_span.as_deref(), Some("the site"));
    assert_eq!(rendered.lines[0].spans[0].style.heading, Some(1));
    assert_eq!(rendered.next_section(0).map(|s| s.line), Some(5));
    assert_eq!(rendered.previous_section(5).map(|s| s.line), Some(0));
}

#[test]
fn a_wide_table_wraps_its_cells_or_stacks_its_rows() {
    let long = "word ".repeat(30);
    let md = format!(
        "| name | description | value |\n|---|---|---|\n| alpha | {long} | 1 |\n| beta | short | 2 |\n"
    );
    let doc = from_markdown(&md);
    let wide = render(&doc, 80);
    assert!(wide.lines.iter().all(|line| line.width() <= 80));
    assert!(
        lines(&wide)[0].starts_with("name  │ description"),
        "{:#?}",
        lines(&wide)
    );
    assert!(
        wide.lines.len() > 4,
        "the long cell wraps: {:#?}",
        lines(&wide)
    );
    let narrow = render(&doc, 16);
    let text = lines(&narrow);
    assert!(
        narrow.lines.iter().all(|line| line.width() <= 16),
        "{text:#?}"
    );
    assert!(text.contains(&"name:".to_string()), "stacked: {text:#?}");
    assert!(text.contains(&"  alpha".to_string()), "stacked: {text:#?}");
}

#[test]
fn code_lines_are_clipped_with_a_marker_not_wrapped() {
    let doc = from_markdown(&format!("```\n{}\nshort\n```\n", "x".repeat(50)));
    let rendered = render(&doc, 20);
    assert_eq!(
        lines(&rendered),
        vec![format!("{}→", "x".repeat(19)), "short".into()]
    );
    assert!(rendered.lines[0].spans[1].style.decoration);
}

#[test]
fn lists_indent_and_quote_bars_prefix_every_line() {
    let doc =
        from_markdown("> first paragraph that wraps over\n\n1. one\n   - deep item that wraps\n");
    assert_eq!(
        lines(&render(&doc, 20)),
        vec![
            "│ first paragraph",
            "│ that wraps over",
            "",
            "1. one",
            "   • deep item that",
            "     wraps",
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn render_never_panics_nor_exceeds_the_width(
        src in "(<(p|li|ul|ol|table|tr|td|th|pre|em|a href=\"https://x\"|math alttext=\"x\\^2\"|h2|blockquote)>|</(p|li|ul|td|tr|table|em|a|h2)>|[a-zé字😀 ]{0,12}|\\*|`|\\||-|#|\\$|\n|> |\u{1b}\\[|\t){0,60}",
        width in 1u16..100,
    ) {
        for doc in [from_html(&src), from_markdown(&src)] {
            let rendered = render(&doc, width);
            for line in &rendered.lines {
                prop_assert!(line.width() <= usize::from(width), "{:?} at {}", line.text(), width);
                prop_assert!(!line.text().chars().any(char::is_control));
            }
            for section in &rendered.sections {
                prop_assert!(section.line < rendered.lines.len().max(1));
            }
            let _ = to_plain_text(&doc);
        }
    }

    #[test]
    fn arbitrary_strings_parse_and_render(src in any::<String>(), width in 1u16..60) {
        for doc in [from_html(&src), from_markdown(&src)] {
            let rendered = render(&doc, width);
            prop_assert!(rendered.lines.iter().all(|line| line.width() <= usize::from(width)));
        }
    }
}

// --- Incremental layout --------------------------------------------------------------------

/// Lays `doc` out a few lines at a time, checking each step's lines are a prefix of `whole`.
fn lay_out_in_steps(doc: &Doc, width: u16, step: usize, whole: &Rendered) -> Rendered {
    let mut layout = IncrementalLayout::new(width);
    let mut lines = 0;
    while !layout.extend(doc, lines, 0) {
        let so_far = &layout.rendered().lines;
        let shared = so_far.len().min(whole.lines.len());
        assert_eq!(so_far[..shared], whole.lines[..shared]);
        lines += step;
    }
    layout.finish(doc)
}

#[test]
fn a_layout_in_steps_is_the_whole_layout() {
    let mut src = String::new();
    for n in 0..40 {
        src.push_str(&format!(
            "## Part {n}\n\nWords about [part {n}](https://example.org/{}) and $x_{n}$.\n\n- a\n- b\n\n| a | b |\n|---|---|\n| {n} | y |\n\n",
            n % 7
        ));
    }
    let doc = from_markdown(&src);
    for width in [20u16, 78, 158] {
        let whole = render(&doc, width);
        let stepped = lay_out_in_steps(&doc, width, 7, &whole);
        assert_eq!(stepped, whole);
        assert_eq!(whole.block_starts.len(), doc.blocks.len());
    }
}

#[test]
fn an_anchor_keeps_the_block_across_widths() {
    let src = (0..30)
        .map(|n| format!("Paragraph {n} {}", "word ".repeat(40)))
        .collect::<Vec<_>>()
        .join("\n\n");
    let doc = from_markdown(&src);
    let narrow = render(&doc, 30);
    let wide = render(&doc, 120);
    let at = narrow.block_starts[17] + 3;
    let anchor = narrow.anchor_at(at);
    assert_eq!((anchor.block, anchor.offset), (17, 3));
    let line = wide.line_of(anchor).unwrap_or(usize::MAX);
    assert_eq!(wide.anchor_at(line).block, 17);
    assert!(
        lines(&wide)[line].contains("word"),
        "{:?}",
        lines(&wide)[line]
    );
    // A block not laid out yet has no line.
    let mut partial = IncrementalLayout::new(120);
    partial.extend(&doc, 1, 0);
    assert_eq!(partial.rendered().line_of(anchor), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn markdown_parsed_block_by_block_is_the_whole_parse(
        src in "([a-z ]{0,10}|\\*|`|\\||-|#|\\$|\n|\n\n|> |    |1\\. |\\[l\\]: https://y\n|\\[l\\]|\\[\\^1\\]|\\[\\^1\\]: note\n|<div>|</div>){0,80}",
    ) {
        let whole = from_markdown(&src);
        let mut parsing = Parsing::markdown(&src);
        let mut count = 0;
        while !parsing.is_ended() {
            count += 1;
            let blocks = parsing.blocks_until(count);
            prop_assert!(blocks.len() <= whole.blocks.len());
            prop_assert_eq!(blocks, &whole.blocks[..blocks.len()]);
        }
        prop_assert_eq!(parsing.finish(), whole);
    }

    #[test]
    fn layout_in_any_steps_equals_the_whole_layout(
        src in "(<(p|li|ul|ol|table|tr|td|pre|em|a href=\"https://x\"|h2|blockquote)>|</(p|li|ul|td|tr|table|em|a|h2)>|[a-zé字 ]{0,12}|\\*|`|\\||-|#|\\$|\n|\n\n|> |\\[l\\]\\(https://y\\)){0,80}",
        width in 1u16..90,
        step in 1usize..12,
    ) {
        for doc in [from_html(&src), from_markdown(&src)] {
            let whole = render(&doc, width);
            let stepped = lay_out_in_steps(&doc, width, step, &whole);
            prop_assert_eq!(stepped, whole);
        }
    }
}
