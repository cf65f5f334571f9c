//! Tests of the document model: every block and inline kind from Markdown and from HTML,
//! hostile input, layout at narrow widths.

use super::*;
use proptest::prelude::*;

fn text(s: &str) -> Inline {
    Inline::Text(s.into())
}

fn lines(rendered: &Rendered) -> Vec<String> {
    rendered.lines.iter().map(RenderedLine::text).collect()
}

#[test]
fn debug_print() {
    let md = "# Title\n\nSome *emph* and **strong** `code` $\\alpha+\\beta$ [link](https://x.org).\n\n- one\n- two\n  1. nested\n  2. more\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\n$$E=mc^2$$\n\n> quoted\n\n---\n";
    let doc = from_markdown(md);
    eprintln!("{doc:#?}");
    let r = render(&doc, 40);
    for l in lines(&r) {
        eprintln!("R[{l}]");
    }
    eprintln!("{}", to_plain_text(&doc));
    let html = r#"<html><head><title>T</title><script>x</script></head><body><h1 class="ltx_title ltx_title_document">Paper</h1><div class="ltx_para"><p class="ltx_p">Let <math alttext="\alpha+\beta" display="inline"><mi>α</mi></math> be <em>nice</em> <a href="https://a.b">here</a>.</p></div>
<table class="ltx_equation ltx_eqn_table"><tbody><tr><td class="ltx_eqn_cell"><math alttext="E=mc^{2}" display="block"><mi>E</mi></math></td><td><span class="ltx_tag ltx_tag_equation">(1)</span></td></tr></tbody></table>
<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul><table><tr><th>h1</th><th>h2</th></tr><tr><td>x</td><td>y</td></tr></table><pre class="language-py">def f():
    return 1</pre><blockquote>q</blockquote><hr></body></html>"#;
    let doc = from_html(html);
    eprintln!("{doc:#?}");
    let r = render(&doc, 40);
    for l in lines(&r) {
        eprintln!("R[{l}]");
    }
    eprintln!("{}", to_plain_text(&doc));
    let _ = text("x");
}
