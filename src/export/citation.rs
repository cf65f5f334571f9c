//! CSL-JSON and RIS, the two formats every reference manager imports (Zotero, pandoc,
//! Mendeley, EndNote). Same citation keys as BibTeX (`citation_key`).
//!
//! CSL-JSON follows the CSL 1.0.2 data schema: an array of items, each with the required `id`
//! and `type` (`article`: Zotero reads it as a preprint), authors split into family and given
//! names, `issued` as date parts. RIS is one `TAG  - value` line per field, each value on one
//! line (feed text can hold newlines and controls: they become spaces), `ER  - ` closing a
//! record; a downloaded PDF goes in `L1` as a `file://` URL, which Zotero attaches.

use chrono::Datelike;
use serde_json::{Value, json};

use super::bibtex::citation_key;
use super::{Exported, bare_doi, is_web_link, paper_url, split_name, year};

/// A CSL-JSON array, one item per paper.
pub fn csl_json(papers: &[Exported]) -> String {
    let items: Vec<Value> = papers.iter().map(csl_item).collect();
    let mut text = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string());
    text.push('\n');
    text
}

fn csl_item(item: &Exported) -> Value {
    let paper = &item.paper;
    let mut csl = serde_json::Map::new();
    csl.insert("id".into(), json!(citation_key(item)));
    csl.insert("type".into(), json!("article"));
    csl.insert("title".into(), json!(paper.title));
    let authors: Vec<Value> = paper
        .authors
        .iter()
        .map(|name| match split_name(name) {
            (family, given) if given.is_empty() => json!({ "literal": family }),
            (family, given) => json!({ "family": family, "given": given }),
        })
        .collect();
    if !authors.is_empty() {
        csl.insert("author".into(), Value::Array(authors));
    }
    let issued = match paper.published {
        Some(at) => json!([[at.year(), at.month(), at.day()]]),
        None => json!([[year(item)]]),
    };
    csl.insert("issued".into(), json!({ "date-parts": issued }));
    if !paper.abstract_text.is_empty() {
        csl.insert("abstract".into(), json!(paper.abstract_text));
    }
    if let Some(url) = paper_url(paper).filter(|u| is_web_link(u)) {
        csl.insert("URL".into(), json!(url));
    }
    if let Some(doi) = &paper.links.doi {
        csl.insert("DOI".into(), json!(bare_doi(doi)));
    }
    if let Some(journal) = &paper.journal_ref {
        csl.insert("container-title".into(), json!(journal));
    }
    if paper.id.is_arxiv() {
        csl.insert("publisher".into(), json!("arXiv"));
        csl.insert("number".into(), json!(format!("arXiv:{}", paper.id)));
    }
    if !paper.categories.is_empty() {
        csl.insert("keyword".into(), json!(paper.categories.join(", ")));
    }
    if let Some(note) = &item.state.note {
        csl.insert("note".into(), json!(note));
    }
    Value::Object(csl)
}

/// RIS records, one per paper, CRLF line ends as the format's specification has them.
pub fn ris(papers: &[Exported]) -> String {
    let mut out = String::new();
    for item in papers {
        let paper = &item.paper;
        let mut line = |tag: &str, value: &str| {
            let value = ris_value(value);
            if !value.is_empty() {
                out.push_str(&format!("{tag}  - {value}\r\n"));
            }
        };
        line(
            "TY",
            if paper.journal_ref.is_some() {
                "JOUR"
            } else {
                "UNPB"
            },
        );
        line("ID", &citation_key(item));
        line("TI", &paper.title);
        for name in &paper.authors {
            match split_name(name) {
                (family, given) if given.is_empty() => line("AU", &family),
                (family, given) => line("AU", &format!("{family}, {given}")),
            }
        }
        line("PY", &year(item).to_string());
        if let Some(at) = paper.published {
            line("DA", &at.format("%Y/%m/%d/").to_string());
        }
        line("AB", &paper.abstract_text);
        if let Some(journal) = &paper.journal_ref {
            line("JO", journal);
        }
        if let Some(url) = paper_url(paper).filter(|u| is_web_link(u)) {
            line("UR", &url);
        }
        if let Some(doi) = &paper.links.doi {
            line("DO", bare_doi(doi));
        }
        if paper.id.is_arxiv() {
            line("PB", "arXiv");
            line("M1", &format!("arXiv:{}", paper.id));
        }
        for category in &paper.categories {
            line("KW", category);
        }
        if let Some(note) = &item.state.note {
            line("N1", note);
        }
        if let Some(pdf) = &item.pdf
            && let Ok(url) = reqwest::Url::from_file_path(pdf)
        {
            line("L1", url.as_str());
        }
        out.push_str("ER  - \r\n\r\n");
    }
    out
}

/// One line of text: every line break, tab and control becomes a space, runs collapse.
fn ris_value(value: &str) -> String {
    value
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::export::tests::item;

    fn sample() -> Vec<Exported> {
        let mut arxiv = item(
            "2504.21318",
            "Sparse LLMs",
            &["Ada Lovelace", "Plato", "Lovelace, Ada King"],
            2025,
        );
        arxiv.paper.abstract_text = "Line one.\r\nER  - line two\u{1b}[2J\tend".into();
        arxiv.paper.categories = vec!["cs.LG".into(), "cs.CL".into()];
        arxiv.paper.links.doi = Some("https://doi.org/10.48550/arXiv.2504.21318".into());
        arxiv.pdf = Some(PathBuf::from(
            "/home/ada/papers/Lovelace2025-sparse-llms.pdf",
        ));
        arxiv.state.note = Some("read §3".into());
        let mut feed = item("feed:x:00000000000000ab", "Dense", &[], 2024);
        feed.paper.journal_ref = Some("Nature 1, 2".into());
        feed.paper.published = None;
        vec![arxiv, feed]
    }

    #[test]
    fn csl_json_items_have_the_schema_required_fields_and_real_types() {
        let text = csl_json(&sample());
        let items: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(items.len(), 2);
        for item in &items {
            // CSL 1.0.2 csl-data.json: `id` (string or number) and `type` are required.
            let object = item.as_object().unwrap();
            assert!(object["id"].is_string());
            assert_eq!(object["type"], "article");
            let date_parts = object["issued"]["date-parts"].as_array().unwrap();
            assert!(date_parts[0].as_array().unwrap().iter().all(Value::is_i64));
            for author in object
                .get("author")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let author = author.as_object().unwrap();
                assert!(author.contains_key("family") || author.contains_key("literal"));
                assert!(author.values().all(Value::is_string));
            }
        }
        let first = &items[0];
        assert_eq!(first["id"], "lovelace2025sparse-21318");
        assert_eq!(first["author"][0]["family"], "Lovelace");
        assert_eq!(first["author"][0]["given"], "Ada");
        assert_eq!(first["author"][1]["literal"], "Plato");
        assert_eq!(first["author"][2]["given"], "Ada King");
        assert_eq!(first["issued"]["date-parts"], json!([[2025, 4, 30]]));
        assert_eq!(first["DOI"], "10.48550/arXiv.2504.21318");
        assert_eq!(first["URL"], "https://arxiv.org/abs/2504.21318");
        assert_eq!(first["number"], "arXiv:2504.21318");
        assert_eq!(items[1]["container-title"], "Nature 1, 2");
        assert_eq!(items[1]["issued"]["date-parts"], json!([[2024]]));
    }

    /// A small RIS reader: records of (tag, values), every line checked against the format.
    fn parse_ris(text: &str) -> Vec<BTreeMap<String, Vec<String>>> {
        let mut records = Vec::new();
        let mut current: Option<BTreeMap<String, Vec<String>>> = None;
        for line in text.split("\r\n") {
            if line.is_empty() {
                continue;
            }
            let (tag, value) = line.split_at(2);
            assert!(
                tag.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                "{line:?}"
            );
            let value = value
                .strip_prefix("  - ")
                .unwrap_or_else(|| panic!("{line:?}"));
            assert!(!value.chars().any(char::is_control), "{line:?}");
            match tag {
                "TY" => {
                    assert!(current.is_none(), "TY inside a record");
                    current = Some(BTreeMap::from([(
                        "TY".to_string(),
                        vec![value.to_string()],
                    )]));
                }
                "ER" => records.push(current.take().expect("ER without TY")),
                _ => current
                    .as_mut()
                    .expect("a field outside a record")
                    .entry(tag.to_string())
                    .or_default()
                    .push(value.to_string()),
            }
        }
        assert!(current.is_none(), "unterminated record");
        records
    }

    #[test]
    fn ris_round_trips_through_a_reader() {
        let papers = sample();
        let records = parse_ris(&ris(&papers));
        assert_eq!(records.len(), 2);
        let first = &records[0];
        let one = |tag: &str| first[tag].join("|");
        assert_eq!(one("TY"), "UNPB");
        assert_eq!(one("ID"), "lovelace2025sparse-21318");
        assert_eq!(one("TI"), "Sparse LLMs");
        assert_eq!(one("AU"), "Lovelace, Ada|Plato|Lovelace, Ada King");
        assert_eq!(one("PY"), "2025");
        assert_eq!(one("DA"), "2025/04/30/");
        assert_eq!(one("AB"), "Line one. ER - line two [2J end");
        assert_eq!(one("DO"), "10.48550/arXiv.2504.21318");
        assert_eq!(one("KW"), "cs.LG|cs.CL");
        assert_eq!(one("N1"), "read §3");
        assert_eq!(
            one("L1"),
            "file:///home/ada/papers/Lovelace2025-sparse-llms.pdf"
        );
        let second = &records[1];
        assert_eq!(second["TY"], ["JOUR"]);
        assert_eq!(second["JO"], ["Nature 1, 2"]);
        assert!(!second.contains_key("AU") && !second.contains_key("L1"));
    }
}
