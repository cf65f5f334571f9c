//! JSON Feed 1.0/1.1 (jsonfeed.org) into `EntryFields`, leniently: a missing or odd field is
//! left out, never fatal. Imports nothing above `source`.

use serde_json::Value;

use super::ParseError;
use super::common::{EntryFields, EntryLink};
use super::feed_values::lenient_date;

/// The entries of a JSON Feed document.
pub(super) fn parse(text: &str) -> Result<Vec<EntryFields>, ParseError> {
    let document: Value =
        serde_json::from_str(text).map_err(|error| ParseError::Json(error.to_string()))?;
    let Some(items) = document.get("items").and_then(Value::as_array) else {
        return Err(ParseError::Feed(
            "a JSON document without \"items\" is not a JSON Feed".to_string(),
        ));
    };
    let feed_authors = authors(&document);
    Ok(items
        .iter()
        .map(|item| entry(item, &feed_authors))
        .collect())
}

fn string(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// `authors` (1.1) or `author` (1.0) names.
fn authors(value: &Value) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(list) = value.get("authors").and_then(Value::as_array) {
        names.extend(list.iter().filter_map(|person| string(person, "name")));
    } else if let Some(person) = value.get("author") {
        names.extend(string(person, "name"));
    }
    names
}

fn entry(item: &Value, feed_authors: &[String]) -> EntryFields {
    let mut links = Vec::new();
    for (key, rel) in [("url", "alternate"), ("external_url", "related")] {
        if let Some(href) = string(item, key) {
            links.push(EntryLink {
                href,
                rel: Some(rel.to_string()),
            });
        }
    }
    let content = string(item, "content_html").or_else(|| {
        string(item, "content_text").map(|text| html_escape::encode_text(&text).into_owned())
    });
    let mut item_authors = authors(item);
    if item_authors.is_empty() {
        item_authors = feed_authors.to_vec();
    }
    EntryFields {
        id: string(item, "id").unwrap_or_default(),
        title: string(item, "title").map(|text| html_escape::encode_text(&text).into_owned()),
        summary: string(item, "summary").map(|text| html_escape::encode_text(&text).into_owned()),
        content,
        links,
        authors: item_authors,
        published: string(item, "date_published").and_then(|d| lenient_date(&d)),
        updated: string(item, "date_modified").and_then(|d| lenient_date(&d)),
        categories: item
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(|tag| tag.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_with_html_or_text_content_and_both_author_forms() {
        let doc = r#"{"version": "https://jsonfeed.org/version/1.1", "authors": [{"name": "Lab"}],
            "items": [
              {"id": 1, "title": "A <b>", "content_text": "x < y", "url": "https://e.org/1",
               "date_published": "2025-05-01T10:00:00Z", "tags": ["ml"]},
              {"id": "2", "content_html": "<p>Body</p>", "author": {"name": "Jane"},
               "authors": [{"name": "Jo"}]},
              "junk"
            ]}"#;
        let entries = parse(doc).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].id, "1");
        assert_eq!(entries[0].title.as_deref(), Some("A &lt;b&gt;"));
        assert_eq!(entries[0].content.as_deref(), Some("x &lt; y"));
        assert_eq!(entries[0].authors, ["Lab"]);
        assert!(entries[0].published.is_some());
        assert_eq!(entries[1].authors, ["Jo"]);
        assert!(parse("[]").is_err());
    }
}
