//! `paperboat show ID [--full] [--json]`: one paper's detail as text or one JSON object, the
//! same whether the command line runs it or an open reader does (the answer is the text to
//! print). A paper not in the cache is looked up on HF, else arXiv, and kept; `--full` adds the
//! full text, fetched and cached when needed.

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::commands::CommandError;
use crate::export::PaperLine;
use crate::model::{Paper, PaperId, UserState};
use crate::store::StoredFullText;
use crate::sync::FullTextFetcher;

/// `show`'s arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShowParams {
    pub id: String,
    pub full: bool,
    pub json: bool,
}

/// `show`'s answer: exactly what to print (ending in a newline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowResult {
    pub output: String,
}

/// Runs `show` with `fetcher`'s store and hosts. Store work runs on tokio's blocking pool.
pub async fn show(
    fetcher: &FullTextFetcher,
    params: &ShowParams,
) -> Result<ShowResult, CommandError> {
    let id = PaperId::parse_user(&params.id).map_err(|e| CommandError::BadParams(e.to_string()))?;
    let store = fetcher.store().clone();
    let read_id = id.clone();
    let (cached, state, has_full_text) = tokio::task::spawn_blocking(move || {
        let paper = store.paper(&read_id)?;
        let state = store.user_state(&read_id)?;
        let has = store.has_full_text(&read_id)?;
        Ok::<_, crate::store::StoreError>((paper, state, has))
    })
    .await
    .context("the request's worker failed")?
    .context("cannot read the paper cache")?;
    let paper = match cached {
        Some(paper) => paper,
        None => fetcher
            .lookup_paper(&id)
            .await
            .map_err(|e| CommandError::Failed(e.into()))?,
    };
    let full_text = if params.full {
        let (text, _) = fetcher
            .get(&id)
            .await
            .map_err(|e| CommandError::Failed(anyhow::anyhow!("full text: {e}")))?;
        Some(text)
    } else {
        None
    };
    let has_full_text = has_full_text || full_text.is_some();
    let output = if params.json {
        let linked = linked_ids(fetcher, &id).await;
        json_output(&paper, &state, full_text.as_ref(), linked)?
    } else {
        text_output(&paper, &state, has_full_text, full_text.as_ref())
    };
    Ok(ShowResult { output })
}

/// `linked` of `show --json`: the HF models, datasets and Spaces citing the paper (fetched
/// when the cached ones are a day old; any cached ones when HF cannot be asked; `null` when
/// none are known).
async fn linked_ids(fetcher: &FullTextFetcher, id: &PaperId) -> Option<crate::linked::LinkedIds> {
    let sync = crate::sync::SyncSettings::default();
    let linked = crate::linked::LinkedFetcher::with_settings(
        fetcher.store().clone(),
        fetcher.hf_base(),
        &sync,
        fetcher.waits().clone(),
    )
    .ok()?;
    match linked.linked_for(id).await {
        Ok(repos) => Some(crate::linked::LinkedIds::of(&repos)),
        Err(error) => {
            tracing::info!(%id, %error, "show: no linked repos");
            None
        }
    }
}

fn json_output(
    paper: &Paper,
    state: &UserState,
    full_text: Option<&StoredFullText>,
    linked: Option<crate::linked::LinkedIds>,
) -> Result<String, CommandError> {
    let row = paper.list_row(crate::clock::Clock::System.today());
    let line = PaperLine::new(&row, Some(paper), state);
    let mut object = serde_json::to_value(&line).context("cannot write JSON")?;
    if let Some(fields) = object.as_object_mut() {
        fields.insert(
            "linked".into(),
            serde_json::to_value(&linked).context("cannot write JSON")?,
        );
    }
    if let (Some(text), Some(fields)) = (full_text, object.as_object_mut()) {
        fields.insert(
            "fulltext".into(),
            serde_json::json!({
                "format": text.format.name(),
                "url": text.url,
                "text": crate::app::fulltext::plain_text(text),
            }),
        );
    }
    let mut output = serde_json::to_string(&object).context("cannot write JSON")?;
    output.push('\n');
    Ok(output)
}

fn text_output(
    paper: &Paper,
    state: &UserState,
    has_full_text: bool,
    full_text: Option<&StoredFullText>,
) -> String {
    use crate::text::sanitize_line as line;
    let mut out = String::new();
    let mut push = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    push(format!("{}  {}", paper.id, line(&paper.title)));
    if !paper.authors.is_empty() {
        let authors: Vec<String> = paper.authors.iter().map(|a| line(a)).collect();
        push(format!("Authors:   {}", authors.join(", ")));
    }
    let row = paper.list_row(crate::clock::Clock::System.today());
    let mut facts = vec![format!("Day:       {}", row.day)];
    if let Some(upvotes) = paper.upvotes {
        facts.push(format!("{upvotes} upvotes"));
    }
    if let Some(comments) = paper.comments {
        facts.push(format!("{comments} comments"));
    }
    if !paper.categories.is_empty() {
        facts.push(line(&paper.categories.join(" ")));
    }
    push(facts.join("   "));
    let mut marks = Vec::new();
    if state.is_starred() {
        marks.push("starred");
    }
    if state.read {
        marks.push("read");
    }
    if has_full_text {
        marks.push("full text cached");
    }
    if !marks.is_empty() {
        push(format!("State:     {}", marks.join(", ")));
    }
    let links = &paper.links;
    for (name, url) in [
        ("abs", &links.abs),
        ("pdf", &links.pdf),
        ("hf", &links.hf),
        ("github", &links.github),
        ("project", &links.project),
    ] {
        if let Some(url) = url {
            push(format!("{name:<10} {}", line(url)));
        }
    }
    if let Some(note) = &state.note {
        push(format!("Note:      {}", line(note)));
    }
    push(String::new());
    push(crate::text::normalize_block(&paper.abstract_text));
    if let Some(text) = full_text {
        push(String::new());
        push(format!("──── full text ({}) ────", text.format.name()));
        push(crate::app::fulltext::plain_text(text));
    }
    out
}
