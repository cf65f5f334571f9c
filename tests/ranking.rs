//! For you on a labelled fixture (tests/fixtures/labelled_topics.json: 15 papers on each of
//! three clearly different topics): starring a few papers of one topic puts that topic's papers
//! at the top, for each topic in turn, and the reason names the shared words.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone, Utc};
use paperboat::app::{Catalog, PaperText};
use paperboat::model::{Paper, PaperId, SourceId, UserState};
use paperboat::query::ForYou;

#[derive(serde::Deserialize)]
struct Labelled {
    id: String,
    topic: String,
    title: String,
    #[serde(rename = "abstract")]
    abstract_text: String,
}

fn fixture() -> Vec<Labelled> {
    let text = std::fs::read_to_string("tests/fixtures/labelled_topics.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The catalog of every fixture paper with `starred` starred, and each row's topic.
fn catalog(papers: &[Labelled], starred: &[&str]) -> (Catalog, Vec<String>) {
    let day = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
    let mut texts = HashMap::new();
    let rows = papers
        .iter()
        .map(|labelled| {
            let mut paper = Paper::new(
                PaperId::from_stored(labelled.id.clone()),
                labelled.title.clone(),
                SourceId::hf(),
            );
            paper.abstract_text = labelled.abstract_text.clone();
            paper.daily_date = Some(day);
            texts.insert(paper.id.clone(), PaperText::of(&paper));
            paper.list_row(day)
        })
        .collect();
    let user = starred
        .iter()
        .map(|id| {
            let state = UserState {
                starred_at: Utc.with_ymd_and_hms(2025, 1, 16, 0, 0, 0).single(),
                ..UserState::default()
            };
            (PaperId::from_stored(id.to_string()), state)
        })
        .collect();
    let catalog = Catalog::new(rows, user, true, Some(&texts));
    let topic_of: HashMap<&str, &str> = papers
        .iter()
        .map(|p| (p.id.as_str(), p.topic.as_str()))
        .collect();
    let topics = catalog
        .rows
        .iter()
        .map(|row| topic_of[row.id.as_str()].to_string())
        .collect();
    (catalog, topics)
}

/// Row indices, best For you score first, leaving out the starred papers.
fn ranked(catalog: &Catalog, for_you: &ForYou) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..catalog.rows.len())
        .filter(|&r| !catalog.is_starred(&catalog.rows[r].id))
        .collect();
    rows.sort_by(|&a, &b| for_you.score(b).total_cmp(&for_you.score(a)));
    rows
}

#[test]
fn stars_on_one_topic_put_that_topic_in_the_top_ten() {
    let papers = fixture();
    for topic in ["moe", "protein", "robot"] {
        // Three stars: the 1st, 5th and 9th paper of the topic.
        let starred: Vec<&str> = papers
            .iter()
            .filter(|p| p.topic == topic)
            .step_by(4)
            .take(3)
            .map(|p| p.id.as_str())
            .collect();
        let (catalog, topics) = catalog(&papers, &starred);
        let starred_rows = catalog.starred_rows();
        assert_eq!(starred_rows.len(), 3);
        let for_you = ForYou::compute(&catalog.text, &starred_rows);
        let order = ranked(&catalog, &for_you);
        let top: Vec<&str> = order.iter().take(10).map(|&r| topics[r].as_str()).collect();
        let titles: Vec<String> = order
            .iter()
            .take(10)
            .map(|&r| {
                let reason = for_you.explain(&catalog.text, r).map(|r| r.describe());
                format!("{} ({reason:?})", catalog.rows[r].title())
            })
            .collect();
        assert_eq!(top, [topic; 10], "stars on {topic}: {titles:#?}");
    }
}

#[test]
fn one_star_is_enough_to_lead_with_its_topic_and_the_reason_names_shared_words() {
    let papers = fixture();
    let (catalog, topics) = catalog(&papers, &["2501.00016"]);
    assert_eq!(
        topics[catalog
            .index
            .get(&PaperId::from_stored("2501.00016".into()))
            .unwrap()],
        "protein"
    );
    let for_you = ForYou::compute(&catalog.text, &catalog.starred_rows());
    let order = ranked(&catalog, &for_you);
    let top: Vec<&str> = order.iter().take(5).map(|&r| topics[r].as_str()).collect();
    assert_eq!(top, ["protein"; 5]);
    let reason = for_you.explain(&catalog.text, order[0]).unwrap();
    assert_eq!(reason.like, 1);
    assert!(!reason.words.is_empty());
    assert!(
        reason.describe().starts_with("like 1 starred paper: "),
        "{}",
        reason.describe()
    );
}

#[test]
fn no_stars_score_nothing() {
    let papers = fixture();
    let (catalog, _) = catalog(&papers, &[]);
    let for_you = ForYou::compute(&catalog.text, &[]);
    assert!((0..catalog.rows.len()).all(|r| for_you.score(r) == 0.0));
    assert_eq!(for_you.explain(&catalog.text, 0), None);
}
