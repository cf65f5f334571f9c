//! Integration tests for the three feed sources (HF Daily Papers, arXiv, generic feeds): request
//! URLs and parsing of the real saved responses in tests/fixtures/ plus small inline documents.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use paperboat::model::{Paper, PaperId, SourceId};
use paperboat::source::arxiv::ArxivSource;
use paperboat::source::feed::FeedSource;
use paperboat::source::hf_daily::HfDailySource;
use paperboat::source::{ParseError, Source, SourceRequest};

const HF_FIXTURE: &str = include_str!("fixtures/hf_daily_papers_2026-07-13.json");
const ARXIV_API_FIXTURE: &str =
    include_str!("fixtures/arxiv_api_atom_cs.LG_OR_cs.AI_2026-04-30.xml");
const ARXIV_RSS_FIXTURE: &str =
    include_str!("fixtures/arxiv_rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24.xml");

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid timestamp")
        .with_timezone(&Utc)
}

fn id(text: &str) -> PaperId {
    PaperId::from_stored(text.to_string())
}

fn find<'a>(papers: &'a [Paper], wanted: &str) -> &'a Paper {
    papers
        .iter()
        .find(|p| p.id.as_str() == wanted)
        .unwrap_or_else(|| panic!("no paper {wanted}"))
}

// ---- Hugging Face Daily Papers --------------------------------------------------------------

fn hf() -> HfDailySource {
    HfDailySource::new("https://huggingface.co", 7, None)
}

fn hf_request(day: Option<NaiveDate>) -> SourceRequest {
    SourceRequest {
        url: "https://huggingface.co/api/daily_papers?date=2026-07-13".into(),
        label: "2026-07-13".into(),
        day,
        empty_on_400: true,
    }
}

fn hf_parse(body: &str) -> Result<Vec<Paper>, ParseError> {
    hf().parse(&hf_request(Some(date(2026, 7, 13))), body.as_bytes())
}

#[test]
fn hf_fixture_puts_counts_links_and_ai_fields_where_they_belong() {
    let papers = hf_parse(HF_FIXTURE).expect("fixture parses");
    assert_eq!(papers.len(), 25);

    let flow = find(&papers, "2607.06957");
    assert!(
        flow.title
            .starts_with("Flow-ERD: Agent-type Aware Flow Matching")
    );
    assert_eq!(flow.upvotes, Some(3), "upvotes live on item.paper");
    assert_eq!(
        flow.comments,
        Some(2),
        "numComments lives on the outer item"
    );
    assert_eq!(flow.links.github, None);
    assert_eq!(
        flow.links.project.as_deref(),
        Some("https://seulbinhwang.github.io/flow-erd-project-page/")
    );
    assert_eq!(
        flow.links.abs.as_deref(),
        Some("https://arxiv.org/abs/2607.06957")
    );
    assert_eq!(
        flow.links.pdf.as_deref(),
        Some("https://arxiv.org/pdf/2607.06957")
    );
    assert_eq!(
        flow.links.hf.as_deref(),
        Some("https://huggingface.co/papers/2607.06957")
    );
    assert!(
        flow.ai_summary
            .as_deref()
            .is_some_and(|s| s.starts_with("Flow-ERD is a multi-agent"))
    );
    assert_eq!(flow.ai_keywords.len(), 7);
    assert_eq!(flow.ai_keywords[1], "flow matching");
    assert_eq!(flow.published, Some(utc("2026-07-08T00:00:00Z")));
    assert_eq!(
        flow.authors.first().map(String::as_str),
        Some("Seulbin Hwang")
    );
    assert!(
        flow.abstract_text
            .starts_with("Realistic and diverse traffic simulation")
    );
    assert_eq!(flow.sources, BTreeSet::from([SourceId::hf()]));

    let med = find(&papers, "2607.07673");
    assert_eq!(med.upvotes, Some(0));
    assert_eq!(med.comments, Some(1));
    assert_eq!(
        med.links.github.as_deref(),
        Some("https://github.com/Yale-BIDS-Chen-Lab/MedPMC")
    );
    assert_eq!(med.github_stars, Some(1));

    let with_code = papers.iter().filter(|p| p.links.github.is_some()).count();
    let with_ai = papers.iter().filter(|p| p.ai_summary.is_some()).count();
    assert_eq!(
        (with_code, with_ai),
        (18, 10),
        "the field counts of this real sample"
    );
}

#[test]
fn hf_fixture_files_papers_under_their_daily_dates() {
    let papers = hf_parse(HF_FIXTURE).expect("fixture parses");
    let on = |day| papers.iter().filter(|p| p.daily_date == Some(day)).count();
    assert_eq!(on(date(2026, 7, 13)), 14);
    assert_eq!(on(date(2026, 7, 10)), 11);
}

#[test]
fn hf_hidden_authors_are_dropped() {
    let body = r#"[{"paper":{"id":"2607.00001","title":"T","summary":"S","upvotes":1,
        "authors":[{"_id":"a","name":"Shown One","hidden":false},
                   {"_id":"b","name":"Hidden Person","hidden":true},
                   {"_id":"c","name":"Shown Two"},
                   {"_id":"d","name":"","hidden":false,"user":{"fullname":"Claimed Name"}}]},
        "numComments":0}]"#;
    let papers = hf_parse(body).expect("parses");
    assert_eq!(
        papers[0].authors,
        ["Shown One", "Shown Two", "Claimed Name"]
    );
}

/// The 2024 shape (docs/ARCHITECTURE.md §7): no `submittedOnDailyAt`, no outer summary, no `ai_*`,
/// no `_id` on `submittedBy`, hard-wrapped title and abstract.
const HF_2024_ITEM: &str = r#"[{"paper":{"id":"2410.17243","authors":[{"_id":"671b005026d87414f5a61579",
  "user":{"_id":"65b2529285b6c21448a10d65","avatarUrl":"/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg",
  "isPro":false,"fullname":"Zesen Cheng","user":"ClownRat","type":"user"},"name":"Zesen Cheng",
  "status":"claimed_verified","statusLastChangedAt":"2024-10-25T09:30:02.067Z","hidden":false}],
  "publishedAt":"2024-10-22T17:59:30.000Z",
  "title":"Breaking the Memory Barrier: Near Infinite Batch Size Scaling for\n  Contrastive Loss",
  "summary":"Contrastive loss is a powerful approach for representation learning, where\nlarger batch sizes improve performance.",
  "upvotes":64,"discussionId":"671b005126d87414f5a615f4"},
 "publishedAt":"2024-10-25T00:57:09.392Z",
 "title":"Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss",
 "mediaUrls":["https://cdn-uploads.huggingface.co/production/uploads/65b2529285b6c21448a10d65/mw9sCBrGyt97zD4dXEem1.png"],
 "thumbnail":"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png",
 "numComments":3,
 "submittedBy":{"avatarUrl":"/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg","fullname":"Zesen Cheng",
  "name":"ClownRat","type":"user","isPro":false,"isHf":false,"isMod":false,"followerCount":2}}]"#;

#[test]
fn hf_2024_shape_parses_and_falls_back_to_the_request_day() {
    let request = hf_request(Some(date(2024, 10, 25)));
    let papers = hf()
        .parse(&request, HF_2024_ITEM.as_bytes())
        .expect("2024 shape parses");
    assert_eq!(papers.len(), 1);
    let paper = &papers[0];
    assert_eq!(paper.id, id("2410.17243"));
    assert_eq!(
        paper.title,
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    );
    assert!(
        paper
            .abstract_text
            .starts_with("Contrastive loss is a powerful approach")
    );
    assert_eq!(paper.upvotes, Some(64));
    assert_eq!(paper.comments, Some(3));
    assert_eq!(
        paper.daily_date,
        Some(date(2024, 10, 25)),
        "no submittedOnDailyAt: request day"
    );
    assert_eq!(
        paper.published,
        Some(utc("2024-10-22T17:59:30Z")),
        "paper.publishedAt, not outer"
    );
    assert_eq!(paper.ai_summary, None);
    assert!(paper.ai_keywords.is_empty());
    assert_eq!(paper.authors, ["Zesen Cheng"]);
}

#[test]
fn hf_empty_array_gives_no_papers() {
    assert_eq!(hf_parse("[]").expect("parses"), Vec::<Paper>::new());
    assert_eq!(hf_parse(" \n[ ]\n").expect("parses"), Vec::<Paper>::new());
}

#[test]
fn hf_unknown_fields_and_nulls_are_ignored() {
    let body = r#"[{"brandNew":{"x":[1,2]},"numComments":null,"paper":{"id":"2607.00002",
        "title":"Known","summary":"S","upvotes":5.0,"githubRepo":null,"githubStars":null,
        "ai_keywords":null,"futureField":true,"authors":[{"name":"A","extra":1}]}}]"#;
    let papers = hf_parse(body).expect("parses");
    assert_eq!(papers.len(), 1);
    assert_eq!(papers[0].title, "Known");
    assert_eq!(papers[0].upvotes, Some(5));
    assert_eq!(papers[0].comments, None);
    assert_eq!(papers[0].links.github, None);
    assert_eq!(papers[0].authors, ["A"]);
}

#[test]
fn hf_a_malformed_item_is_skipped_not_fatal() {
    let body = r#"[{"paper":5},{"nopaper":true},
        {"paper":{"id":"2607.00003","title":"Good","summary":"S"}}]"#;
    let papers = hf_parse(body).expect("parses");
    assert_eq!(
        papers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["2607.00003"]
    );
}

#[test]
fn hf_malformed_json_is_a_json_error() {
    assert!(matches!(
        hf_parse(r#"[{"paper":"#),
        Err(ParseError::Json(_))
    ));
    assert!(matches!(
        hf_parse("<html>rate limited</html>"),
        Err(ParseError::Json(_))
    ));
    assert!(matches!(
        hf_parse(r#"{"papers":[]}"#),
        Err(ParseError::Json(_))
    ));
    assert!(matches!(hf_parse("42"), Err(ParseError::Json(_))));
}

#[test]
fn hf_error_object_is_an_api_error() {
    let result = hf_parse(r#"{"error":"Too big: expected number to be <=100"}"#);
    assert_eq!(
        result,
        Err(ParseError::Api(
            "Too big: expected number to be <=100".into()
        ))
    );
}

#[test]
fn hf_invalid_utf8_is_an_encoding_error() {
    let body = b"[{\"paper\":{\"id\":\"2607.00004\",\"title\":\"bad \xff byte\"}}]";
    assert_eq!(
        hf().parse(&hf_request(None), body),
        Err(ParseError::Encoding)
    );
}

#[test]
fn hf_duplicate_ids_in_one_response_merge_into_one_paper() {
    let body = r#"[
        {"paper":{"id":"2607.00005","title":"Same","summary":"short","upvotes":1},"numComments":0},
        {"paper":{"id":"2607.00006","title":"Other","summary":"x"}},
        {"paper":{"id":"2607.00005","title":"Same","summary":"a longer abstract","upvotes":7,
          "githubRepo":"https://github.com/o/r"},"numComments":4}]"#;
    let papers = hf_parse(body).expect("parses");
    assert_eq!(papers.len(), 2);
    assert_eq!(
        papers[0].id,
        id("2607.00005"),
        "first appearance keeps its place"
    );
    assert_eq!(papers[0].abstract_text, "a longer abstract");
    assert_eq!(papers[0].upvotes, Some(7));
    assert_eq!(papers[0].comments, Some(4));
    assert_eq!(
        papers[0].links.github.as_deref(),
        Some("https://github.com/o/r")
    );
}

#[test]
fn hf_items_without_ids_get_stable_ids_from_their_titles() {
    // The shape of the offline demo feed: empty `paper.id`, no counts.
    let body = r#"[{"paper":{"id":"","authors":[],"submittedOnDailyAt":"2025-04-30T00:00:00.000Z",
        "title":"MAR-3D: Progressive Masked Auto-regressor","summary":"Recent advances."},
        "title":"MAR-3D: Progressive Masked Auto-regressor"}]"#;
    let papers = hf_parse(body).expect("parses");
    let expected = PaperId::scoped(&SourceId::hf(), "MAR-3D: Progressive Masked Auto-regressor");
    assert_eq!(papers[0].id, expected);
    assert!(!papers[0].id.is_arxiv());
    assert_eq!(papers[0].daily_date, Some(date(2025, 4, 30)));
    assert_eq!((papers[0].upvotes, papers[0].comments), (None, None));
    assert_eq!(papers[0].links.abs, None, "no arXiv id, no arXiv links");
    assert_eq!(
        hf_parse(body).expect("parses")[0].id,
        expected,
        "same input, same id"
    );
}

#[test]
fn hf_non_web_links_are_dropped() {
    let body = r#"[{"paper":{"id":"2607.00007","title":"T","summary":"S",
        "githubRepo":"javascript:alert(1)","projectPage":"https://example.org/p\u001b[2J"}}]"#;
    let papers = hf_parse(body).expect("parses");
    assert_eq!(
        (
            papers[0].links.github.as_ref(),
            papers[0].links.project.as_ref()
        ),
        (None, None)
    );
}

#[test]
fn hf_requests_cover_today_and_the_days_before_newest_first() {
    let source = HfDailySource::new("https://huggingface.co/", 3, None);
    let requests = source.requests(date(2026, 3, 1));
    let urls: Vec<&str> = requests.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://huggingface.co/api/daily_papers?date=2026-03-01",
            "https://huggingface.co/api/daily_papers?date=2026-02-28",
            "https://huggingface.co/api/daily_papers?date=2026-02-27",
        ]
    );
    let labels: Vec<&str> = requests.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["2026-03-01", "2026-02-28", "2026-02-27"]);
    assert_eq!(requests[1].day, Some(date(2026, 2, 28)));
    let empty_on_400: Vec<bool> = requests.iter().map(|r| r.empty_on_400).collect();
    assert_eq!(
        empty_on_400,
        [true, false, false],
        "only today may not exist yet"
    );
}

#[test]
fn hf_zero_days_still_fetches_today() {
    let requests = HfDailySource::new("http://127.0.0.1:9", 0, None).requests(date(2026, 7, 13));
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].url,
        "http://127.0.0.1:9/api/daily_papers?date=2026-07-13"
    );
}

#[test]
fn hf_only_date_fetches_just_that_day() {
    let source = HfDailySource::new("https://huggingface.co", 7, Some(date(2026, 7, 10)));
    let requests = source.requests(date(2026, 7, 13));
    assert_eq!(
        requests,
        [SourceRequest {
            url: "https://huggingface.co/api/daily_papers?date=2026-07-10".into(),
            label: "2026-07-10".into(),
            day: Some(date(2026, 7, 10)),
            empty_on_400: false,
        }]
    );
    // A `--date` typed in a zone ahead of UTC can be HF's tomorrow: "no list yet", not a failure.
    let ahead = HfDailySource::new("https://huggingface.co", 7, Some(date(2026, 7, 14)));
    assert!(ahead.requests(date(2026, 7, 13))[0].empty_on_400);
}

#[test]
fn hf_file_base_is_one_request_for_the_file_as_is() {
    let source = HfDailySource::new("file:///tmp/demo/daily_papers.json", 7, None);
    assert_eq!(
        source.requests(date(2026, 7, 13)),
        [SourceRequest {
            url: "file:///tmp/demo/daily_papers.json".into(),
            label: "file".into(),
            day: None,
            empty_on_400: false,
        }]
    );
}

// ---- arXiv ----------------------------------------------------------------------------------

fn arxiv() -> ArxivSource {
    ArxivSource::new(
        "https://rss.arxiv.org",
        "https://export.arxiv.org",
        &[],
        &[],
        200,
        Duration::from_secs(3),
    )
}

fn arxiv_parse(body: &str) -> Result<Vec<Paper>, ParseError> {
    let request = SourceRequest {
        url: "https://export.arxiv.org/api/query?search_query=cat%3Acs.LG".into(),
        label: "cat:cs.LG".into(),
        day: None,
        empty_on_400: false,
    };
    arxiv().parse(&request, body.as_bytes())
}

#[test]
fn arxiv_api_fixture_yields_every_entry_with_its_arxiv_extras() {
    let papers = arxiv_parse(ARXIV_API_FIXTURE).expect("fixture parses");
    assert_eq!(papers.len(), 20);
    assert!(
        papers
            .iter()
            .all(|p| p.id.is_arxiv() && p.sources.contains(&SourceId::arxiv()))
    );
    assert!(
        papers
            .iter()
            .all(|p| p.daily_date.is_none() && p.published.is_some())
    );

    let tide = &papers[0];
    assert_eq!(tide.id, id("2604.26951"));
    assert_eq!(
        tide.title,
        "Turning the TIDE: Cross-Architecture Distillation for Diffusion Large Language Models"
    );
    assert_eq!(tide.categories, ["cs.CL", "cs.AI", "cs.LG"]);
    assert_eq!(
        tide.arxiv_comment.as_deref(),
        Some("15 pages, 3 figures. Code: https://github.com/PKU-YuanGroup/TIDE")
    );
    assert_eq!(
        tide.links.github.as_deref(),
        Some("https://github.com/PKU-YuanGroup/TIDE")
    );
    assert_eq!(tide.published, Some(utc("2026-04-29T17:59:01Z")));
    assert_eq!(
        tide.links.abs.as_deref(),
        Some("https://arxiv.org/abs/2604.26951")
    );
    assert_eq!(
        tide.links.pdf.as_deref(),
        Some("https://arxiv.org/pdf/2604.26951")
    );
    assert_eq!(&tide.authors[..3], ["Gongbo Zhang", "Wen Wang", "Ye Tian"]);
    assert!(
        tide.abstract_text
            .starts_with("Diffusion large language models (dLLMs)")
    );
    assert_eq!(tide.journal_ref, None);
    assert_eq!(tide.announce_type, None);

    let admm = find(&papers, "2604.26932");
    assert_eq!(admm.categories, ["math.OC", "cs.LG"]);
    assert_eq!(admm.arxiv_comment, None);

    let mann = find(&papers, "2604.26888");
    assert!(
        mann.journal_ref
            .as_deref()
            .is_some_and(|j| j.starts_with("In: Bäck, T. et al."))
    );
    assert_eq!(
        mann.links.doi.as_deref(),
        Some("https://doi.org/10.1007/978-3-031-85252-7_10")
    );
    assert_eq!(mann.authors, ["Janis Mohr", "Jörg Frochte"]);
    assert_eq!(mann.links.github, None);

    let with_doi = papers.iter().filter(|p| p.links.doi.is_some()).count();
    let with_journal = papers.iter().filter(|p| p.journal_ref.is_some()).count();
    let with_comment = papers.iter().filter(|p| p.arxiv_comment.is_some()).count();
    assert_eq!(
        (with_doi, with_journal, with_comment),
        (2, 1, 12),
        "the counts of this real sample"
    );
}

/// A real pre-Nov-2025 entry (docs/ARCHITECTURE.md §7): inline namespaces, hard wraps, `scheme` on the
/// primary category, http links.
const ARXIV_OLD_FORMAT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3Dall%3Aall%26id_list%3D%26start%3D0%26max_results%3D1" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=all:all&amp;id_list=&amp;start=0&amp;max_results=1</title>
  <id>http://arxiv.org/api/0lNbmbMoEkz1WMc2ZSPvyUAjTmw</id>
  <updated>2024-10-01T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2309.13541v2</id>
    <updated>2024-04-25T20:40:57Z</updated>
    <published>2023-09-24T03:56:35Z</published>
    <title>Efficient All-to-All Collective Communication Schedules for
  Direct-Connect Topologies</title>
    <summary>  The all-to-all collective communications primitive is widely used in machine
learning (ML) and high performance computing (HPC) workloads.
</summary>
    <author><name>Prithwish Basu</name></author>
    <author><name>Liangyu Zhao</name></author>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">HPDC '24</arxiv:comment>
    <link href="http://arxiv.org/abs/2309.13541v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2309.13541v2" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.DC" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.DC" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.NI" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>"#;

#[test]
fn arxiv_old_format_entry_parses_with_an_unwrapped_title() {
    let papers = arxiv_parse(ARXIV_OLD_FORMAT).expect("old format parses");
    assert_eq!(papers.len(), 1);
    let paper = &papers[0];
    assert_eq!(paper.id, id("2309.13541"));
    assert_eq!(
        paper.title,
        "Efficient All-to-All Collective Communication Schedules for Direct-Connect Topologies"
    );
    assert!(
        paper
            .abstract_text
            .starts_with("The all-to-all collective communications primitive")
    );
    assert!(
        paper.abstract_text.contains("machine learning"),
        "hard wrap joined"
    );
    assert_eq!(paper.categories, ["cs.DC", "cs.NI"]);
    assert_eq!(paper.arxiv_comment.as_deref(), Some("HPDC '24"));
    assert_eq!(paper.authors, ["Prithwish Basu", "Liangyu Zhao"]);
    assert_eq!(paper.published, Some(utc("2023-09-24T03:56:35Z")));
    assert_eq!(
        paper.links.abs.as_deref(),
        Some("https://arxiv.org/abs/2309.13541")
    );
}

#[test]
fn arxiv_primary_category_is_moved_first() {
    let body = r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
      <entry><id>http://arxiv.org/abs/2604.00001v3</id><title>T</title><summary>S</summary>
        <category term="cs.LG"/><category term="stat.ML"/><category term="cs.AI"/>
        <arxiv:primary_category term="stat.ML"/></entry></feed>"#;
    let papers = arxiv_parse(body).expect("parses");
    assert_eq!(papers[0].categories, ["stat.ML", "cs.LG", "cs.AI"]);
    assert_eq!(papers[0].id, id("2604.00001"), "version dropped");
}

#[test]
fn arxiv_error_feed_is_an_api_error() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>arXiv Query: search_query=&amp;id_list=1234.12345</title>
  <id>https://arxiv.org/api/vQp1KHKkY3EjuZ5ezYYgXrvbDsA</id>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.12345</summary>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>"#;
    assert_eq!(
        arxiv_parse(body),
        Err(ParseError::Api("incorrect id format for 1234.12345".into()))
    );
}

#[test]
fn arxiv_rss_fixture_reads_the_announcement_listing() {
    let papers = arxiv_parse(ARXIV_RSS_FIXTURE).expect("fixture parses");
    let ids: Vec<&str> = papers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["2609.26811", "2609.26820", "2205.06398", "2009.13987"],
        "versionless"
    );
    let types: Vec<Option<&str>> = papers.iter().map(|p| p.announce_type.as_deref()).collect();
    assert_eq!(
        types,
        [Some("new"), Some("new"), Some("cross"), Some("replace")]
    );
    assert!(
        papers
            .iter()
            .all(|p| p.daily_date == Some(date(2026, 9, 24)) && p.published.is_none())
    );

    let signal = &papers[1];
    assert_eq!(
        signal.authors,
        ["Naser Mansour", "Sidahmed Benabderrahmane", "Ameer Rahwan"]
    );
    assert_eq!(signal.categories, ["cs.LG", "cs.AI"]);
    assert!(
        signal
            .abstract_text
            .starts_with("Physiological time series"),
        "prefix stripped"
    );
    assert_eq!(
        signal.links.abs.as_deref(),
        Some("https://arxiv.org/abs/2609.26820")
    );

    let cross = &papers[2];
    assert_eq!(
        cross.links.doi.as_deref(),
        Some("https://doi.org/10.1093/bioinformatics/btac431")
    );
    assert_eq!(cross.categories, ["stat.ME", "stat.AP", "stat.ML"]);
    assert_eq!(
        cross.authors,
        ["Pritam Dey", "Zhengwu Zhang", "David B. Dunson"]
    );
    assert_eq!(papers.iter().filter(|p| p.links.doi.is_some()).count(), 1);

    assert_eq!(papers[0].authors, ["Fabien Polly"]);
}

#[test]
fn arxiv_rss_atom_variant_reads_like_the_rss_listing() {
    let body = r#"<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <id>http://rss.arxiv.org/atom/cs.LG</id><title>cs.LG updates on arXiv.org</title>
  <updated>2026-09-25T04:00:11.600680+00:00</updated>
  <entry>
    <id>oai:arXiv.org:2609.27001v2</id>
    <title>An Atom Listing Item</title>
    <updated>2026-09-25T04:00:11.600680+00:00</updated>
    <link href="https://arxiv.org/abs/2609.27001" rel="alternate" type="text/html"/>
    <summary>arXiv:2609.27001v2 Announce Type: replace-cross 
Abstract: Short abstract.</summary>
    <category term="math.ST"/><category term="cs.LG"/>
    <published>2026-09-25T00:00:00-04:00</published>
    <arxiv:announce_type>replace-cross</arxiv:announce_type>
    <arxiv:journal_reference>J. Stat. 12 (2026)</arxiv:journal_reference>
    <arxiv:DOI>10.1000/xyz123</arxiv:DOI>
    <dc:creator>Ann Author, Bo Writer and Cy Third</dc:creator>
  </entry>
</feed>"#;
    let papers = arxiv_parse(body).expect("parses");
    let paper = &papers[0];
    assert_eq!(paper.id, id("2609.27001"));
    assert_eq!(paper.announce_type.as_deref(), Some("replace-cross"));
    assert_eq!(paper.abstract_text, "Short abstract.");
    assert_eq!(
        paper.daily_date,
        Some(date(2026, 9, 25)),
        "the announcement day in its offset"
    );
    assert_eq!(paper.published, None);
    assert_eq!(paper.authors, ["Ann Author", "Bo Writer", "Cy Third"]);
    assert_eq!(paper.journal_ref.as_deref(), Some("J. Stat. 12 (2026)"));
    assert_eq!(
        paper.links.doi.as_deref(),
        Some("https://doi.org/10.1000/xyz123")
    );
    assert_eq!(paper.categories, ["math.ST", "cs.LG"]);
}

#[test]
fn arxiv_empty_weekend_listing_gives_no_papers() {
    let body =
        r#"<rss version="2.0"><channel><title>cs.LG updates on arXiv.org</title></channel></rss>"#;
    assert_eq!(arxiv_parse(body).expect("parses"), Vec::<Paper>::new());
}

#[test]
fn arxiv_items_without_an_arxiv_id_are_skipped() {
    let body = r#"<rss version="2.0"><channel>
      <item><title>No id</title><link>https://example.org/x</link><description>d</description></item>
      <item><title>Has id</title><guid>oai:arXiv.org:2609.26811v1</guid><description>d</description></item>
    </channel></rss>"#;
    let papers = arxiv_parse(body).expect("parses");
    assert_eq!(
        papers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["2609.26811"]
    );
}

#[test]
fn arxiv_duplicate_entries_merge_into_one_paper() {
    let body = r#"<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>http://arxiv.org/abs/2604.00002v1</id><title>Dup</title><summary>short</summary></entry>
      <entry><id>http://arxiv.org/abs/2604.00002v2</id><title>Dup</title><summary>a longer one</summary></entry>
    </feed>"#;
    let papers = arxiv_parse(body).expect("parses");
    assert_eq!(papers.len(), 1);
    assert_eq!(papers[0].abstract_text, "a longer one");
}

#[test]
fn arxiv_bad_documents_are_the_right_errors() {
    assert!(matches!(
        arxiv_parse("<feed><entry><title>cut off"),
        Err(ParseError::Xml(_))
    ));
    assert!(matches!(
        arxiv_parse("<feed><entry></feed>"),
        Err(ParseError::Xml(_))
    ));
    assert!(matches!(
        arxiv_parse("<html><body>denied</body></html>"),
        Err(ParseError::Feed(_))
    ));
    assert!(matches!(arxiv_parse(""), Err(ParseError::Feed(_))));
    let request = SourceRequest {
        url: String::new(),
        label: String::new(),
        day: None,
        empty_on_400: false,
    };
    // Bytes invalid in the encoding are replaced, not fatal.
    assert_eq!(arxiv().parse(&request, b"<rss>\xfe</rss>"), Ok(Vec::new()));
}

#[test]
fn arxiv_requests_one_listing_and_one_api_query_each() {
    let source = ArxivSource::new(
        "https://rss.arxiv.org/",
        "https://export.arxiv.org",
        &["cs.LG".to_string(), "cs.CL".to_string()],
        &[
            "ti:diffusion AND cat:cs.CV".to_string(),
            "au:\"Hinton, G\"".to_string(),
        ],
        50,
        Duration::from_secs(3),
    );
    let requests = source.requests(date(2026, 9, 24));
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].url, "https://rss.arxiv.org/rss/cs.LG+cs.CL");
    assert_eq!(requests[0].label, "cs.LG+cs.CL");
    assert_eq!(
        requests[1].url,
        "https://export.arxiv.org/api/query?search_query=ti%3Adiffusion+AND+cat%3Acs.CV\
         &start=0&max_results=50&sortBy=submittedDate&sortOrder=descending"
    );
    assert_eq!(requests[1].label, "ti:diffusion AND cat:cs.CV");
    assert!(
        requests[2]
            .url
            .contains("search_query=au%3A%22Hinton%2C+G%22&")
    );
    assert!(requests.iter().all(|r| r.day.is_none() && !r.empty_on_400));
    assert_eq!(source.min_request_interval(), Duration::from_secs(3));
}

#[test]
fn arxiv_without_categories_or_queries_requests_nothing() {
    assert!(arxiv().requests(date(2026, 9, 24)).is_empty());
}

#[test]
fn arxiv_file_bases_build_file_urls() {
    let source = ArxivSource::new(
        "file:///srv/arxiv",
        "file:///srv/arxiv",
        &["cs.LG".to_string()],
        &["cat:cs.LG".to_string()],
        5000,
        Duration::ZERO,
    );
    let urls: Vec<String> = source
        .requests(date(2026, 9, 24))
        .into_iter()
        .map(|r| r.url)
        .collect();
    assert_eq!(urls[0], "file:///srv/arxiv/rss/cs.LG");
    assert!(urls[1].starts_with("file:///srv/arxiv/api/query?search_query=cat%3Acs.LG&"));
    assert!(
        urls[1].contains("&max_results=2000&"),
        "capped at the API's per-call maximum"
    );
}

// ---- Generic feeds --------------------------------------------------------------------------

fn feed() -> FeedSource {
    FeedSource::new("blog", "https://example.org/feed.xml")
}

fn feed_parse(body: &[u8]) -> Result<Vec<Paper>, ParseError> {
    let source = feed();
    let requests = source.requests(date(2026, 7, 13));
    source.parse(&requests[0], body)
}

const GENERIC_RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Paper digest</title>
    <link>https://example.org/</link>
    <description>Papers we liked</description>
    <item>
      <title>Scaling Laws, Revisited</title>
      <link>https://arxiv.org/abs/2504.21318v2</link>
      <guid isPermaLink="false">digest-item-1</guid>
      <description>&lt;p&gt;We revisit &lt;b&gt;scaling&lt;/b&gt; laws.&lt;/p&gt;</description>
      <dc:creator>Ada Lovelace, Alan Turing</dc:creator>
      <category>cs.LG</category>
      <pubDate>Tue, 29 Apr 2025 12:00:00 +0000</pubDate>
    </item>
    <item>
      <title>Our lab retreat</title>
      <link>https://example.org/posts/retreat</link>
      <guid>https://example.org/posts/retreat</guid>
      <description>Photos.</description>
      <pubDate>Wed, 30 Apr 2025 08:00:00 +0000</pubDate>
    </item>
  </channel>
</rss>"#;

#[test]
fn feed_rss_items_become_papers_and_arxiv_links_give_arxiv_ids() {
    let papers = feed_parse(GENERIC_RSS.as_bytes()).expect("parses");
    assert_eq!(papers.len(), 2);

    let scaling = &papers[0];
    assert_eq!(
        scaling.id,
        id("2504.21318"),
        "the arXiv link wins over the guid"
    );
    assert_eq!(scaling.title, "Scaling Laws, Revisited");
    // A generic feed's `dc:creator` is one name: only arXiv listings join names with commas.
    assert_eq!(scaling.authors, ["Ada Lovelace, Alan Turing"]);
    assert_eq!(scaling.categories, ["cs.LG"]);
    assert_eq!(scaling.published, Some(utc("2025-04-29T12:00:00Z")));
    assert_eq!(
        scaling.links.abs.as_deref(),
        Some("https://arxiv.org/abs/2504.21318v2")
    );
    assert_eq!(
        scaling.links.pdf.as_deref(),
        Some("https://arxiv.org/pdf/2504.21318")
    );
    assert!(scaling.abstract_text.contains("scaling"));
    assert_eq!(scaling.sources, BTreeSet::from([SourceId::feed("blog")]));

    let retreat = &papers[1];
    assert_eq!(
        retreat.id,
        PaperId::scoped(&SourceId::feed("blog"), "https://example.org/posts/retreat")
    );
    assert_eq!(
        retreat.links.abs.as_deref(),
        Some("https://example.org/posts/retreat")
    );
    assert_eq!(retreat.links.pdf, None);
    assert_eq!(retreat.abstract_text, "Photos.");
}

#[test]
fn feed_atom_entries_become_papers() {
    let body = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Lab news</title>
  <id>urn:uuid:60a76c80-d399-11d9-b91C-0003939e0af6</id>
  <updated>2025-05-01T00:00:00Z</updated>
  <entry>
    <title type="html">A &lt;em&gt;new&lt;/em&gt; result</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <link rel="related" href="https://example.org/related"/>
    <link rel="alternate" href="https://example.org/posts/new-result"/>
    <updated>2025-05-01T10:00:00Z</updated>
    <author><name>Grace Hopper</name></author>
    <author><name>Edsger Dijkstra</name></author>
    <category term="cs.PL"/>
    <content type="html">&lt;p&gt;Full text.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Preprint out</title>
    <id>https://huggingface.co/papers/2504.21318</id>
    <link href="https://huggingface.co/papers/2504.21318"/>
    <published>2025-04-30T09:00:00Z</published>
    <updated>2025-05-02T09:00:00Z</updated>
    <summary>Our preprint.</summary>
  </entry>
</feed>"#;
    let papers = feed_parse(body.as_bytes()).expect("parses");
    assert_eq!(papers.len(), 2);
    let news = &papers[0];
    assert_eq!(
        news.id,
        PaperId::scoped(
            &SourceId::feed("blog"),
            "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
        )
    );
    assert_eq!(news.authors, ["Grace Hopper", "Edsger Dijkstra"]);
    assert_eq!(
        news.links.abs.as_deref(),
        Some("https://example.org/posts/new-result"),
        "alternate first"
    );
    assert_eq!(
        news.published,
        Some(utc("2025-05-01T10:00:00Z")),
        "updated when not published"
    );
    assert!(
        news.abstract_text.contains("Full text."),
        "content when there is no summary"
    );
    assert_eq!(news.categories, ["cs.PL"]);

    let preprint = &papers[1];
    assert_eq!(preprint.id, id("2504.21318"));
    assert_eq!(
        preprint.published,
        Some(utc("2025-04-30T09:00:00Z")),
        "published over updated"
    );
    assert_eq!(
        preprint.links.pdf.as_deref(),
        Some("https://arxiv.org/pdf/2504.21318")
    );
}

#[test]
fn feed_ids_are_stable_across_parses() {
    let first = feed_parse(GENERIC_RSS.as_bytes()).expect("parses");
    let second = feed_parse(GENERIC_RSS.as_bytes()).expect("parses");
    assert_eq!(first[1].id, second[1].id);
    let body = r#"<rss version="2.0"><channel><title>t</title>
        <item><title>No guid, no link</title></item></channel></rss>"#;
    let once = feed_parse(body.as_bytes()).expect("parses");
    assert_eq!(
        once[0].id,
        PaperId::scoped(&SourceId::feed("blog"), "No guid, no link")
    );
}

#[test]
fn feed_malformed_xml_is_an_error() {
    let result = feed_parse(b"<rss version=\"2.0\"><channel><item><title>oops</channel></rss>");
    assert!(
        matches!(result, Err(ParseError::Xml(_) | ParseError::Feed(_))),
        "{result:?}"
    );
    let result = feed_parse(b"just some text");
    assert!(matches!(result, Err(ParseError::Feed(_))), "{result:?}");
}

#[test]
fn feed_invalid_utf8_is_replaced_and_a_declared_encoding_decoded() {
    let undeclared = b"<rss version=\"2.0\"><channel><title>t</title><item><title>caf\xe9</title></item></channel></rss>";
    let papers = feed_parse(undeclared).expect("invalid bytes are not fatal");
    assert_eq!(papers[0].title, "caf\u{fffd}");
    let declared = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>t</title><item><title>caf\xe9</title><guid>g1</guid></item></channel></rss>";
    let papers = feed_parse(declared).expect("a declared legacy encoding is decoded");
    assert_eq!(papers[0].title, "café");
}

#[test]
fn feed_requests_its_url_once_under_its_name() {
    assert_eq!(
        feed().requests(date(2026, 7, 13)),
        [SourceRequest {
            url: "https://example.org/feed.xml".into(),
            label: "blog".into(),
            day: None,
            empty_on_400: false,
        }]
    );
    assert_eq!(feed().id(), &SourceId::feed("blog"));
}

// ---- Across sources -------------------------------------------------------------------------

#[test]
fn the_same_paper_from_hf_and_arxiv_merges_with_both_badges() {
    let hf_body = r#"[{"paper":{"id":"2604.26951","title":"Turning the TIDE: Cross-Architecture Distillation for Diffusion Large Language Models",
        "summary":"Short HF abstract.","upvotes":42,"publishedAt":"2026-04-29T00:00:00.000Z",
        "submittedOnDailyAt":"2026-04-30T00:00:00.000Z","githubRepo":"https://github.com/PKU-YuanGroup/TIDE",
        "githubStars":120},"numComments":5}]"#;
    let mut from_hf = hf_parse(hf_body).expect("hf parses").remove(0);
    let from_arxiv = arxiv_parse(ARXIV_API_FIXTURE)
        .expect("arxiv parses")
        .into_iter()
        .find(|p| p.id.as_str() == "2604.26951")
        .expect("entry present");
    assert_eq!(from_hf.id, from_arxiv.id);

    assert!(from_hf.merge(from_arxiv));
    assert_eq!(
        from_hf.sources,
        BTreeSet::from([SourceId::hf(), SourceId::arxiv()])
    );
    let row = from_hf.list_row(date(2026, 5, 1));
    let badges: BTreeSet<&str> = row.sources().iter().map(SourceId::badge).collect();
    assert_eq!(badges, BTreeSet::from(["HF", "arXiv"]));
    assert_eq!(from_hf.upvotes, Some(42));
    assert_eq!(from_hf.comments, Some(5));
    assert_eq!(
        from_hf.categories.first().map(String::as_str),
        Some("cs.CL")
    );
    assert!(from_hf.arxiv_comment.is_some());
    assert!(
        from_hf
            .abstract_text
            .starts_with("Diffusion large language models"),
        "longer abstract"
    );
    assert_eq!(
        from_hf.published,
        Some(utc("2026-04-29T00:00:00Z")),
        "earliest date"
    );
    assert_eq!(
        from_hf.daily_date,
        Some(date(2026, 4, 30)),
        "HF daily date kept"
    );
}

// ---- Encodings over HTTP --------------------------------------------------------------------

/// One answer on loopback: `body` with the given `Content-Type`, to the first request.
fn serve_once(content_type: &'static str, body: Vec<u8>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/feed.xml", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let mut response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend(body);
        let _ = stream.write_all(&response);
    });
    url
}

/// Fetches `url` with the real fetcher and parses it as the sync does, with what the server
/// declared (charset, Content-Location).
fn fetch_and_parse(url: &str) -> Vec<Paper> {
    use paperboat::source::fetch::{FetchSettings, FetchedBody, Fetcher};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let fetcher = Fetcher::new(&FetchSettings {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(30),
        user_agent: "paperboat-test".into(),
    })
    .expect("fetcher");
    let fetched = runtime
        .block_on(fetcher.fetch_stream(url, &Default::default(), 1 << 20))
        .expect("fetched");
    let FetchedBody::Body { reader, .. } = fetched else {
        panic!("no body")
    };
    let source = FeedSource::new("blog", url);
    let request = source.requests(date(2026, 1, 1)).remove(0);
    let declared = reader.declared().clone();
    let mut body = std::io::BufReader::new(reader);
    let mut papers = Vec::new();
    let report = source
        .parse_stream_with(&request, &declared, &mut body, &mut |batch| {
            papers.extend(batch);
            Ok(())
        })
        .expect("parsed");
    assert_eq!(report.skipped_count(), 0);
    papers
}

#[test]
fn the_http_charset_decides_when_there_is_no_byte_order_mark() {
    // No declaration: the header's charset is the encoding.
    let koi8 = b"<rss version=\"2.0\"><channel><item><title>\xf0\xd2\xc9\xd7\xc5\xd4</title>\
        <guid>1</guid></item></channel></rss>"
        .to_vec();
    let papers = fetch_and_parse(&serve_once("application/rss+xml; charset=KOI8-R", koi8));
    assert_eq!(papers[0].title, "Привет");
    // The header outranks the declaration (RFC 7303).
    let latin1_declared_utf8 = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel>\
        <item><title>caf\xe9</title><guid>1</guid></item></channel></rss>"
        .to_vec();
    let papers = fetch_and_parse(&serve_once(
        "text/xml; charset=\"iso-8859-1\"",
        latin1_declared_utf8,
    ));
    assert_eq!(papers[0].title, "café");
}

#[test]
fn the_content_location_header_is_the_base_of_relative_links() {
    let body = b"<rss version=\"2.0\"><channel><item><title>One</title><link>posts/1</link>\
        </item></channel></rss>"
        .to_vec();
    let url = serve_once(
        "application/rss+xml\r\nContent-Location: /blog/index.xml",
        body,
    );
    let papers = fetch_and_parse(&url);
    let origin = url.trim_end_matches("/feed.xml");
    assert_eq!(
        papers[0].links.abs.as_deref(),
        Some(format!("{origin}/blog/posts/1").as_str())
    );
}

#[test]
fn utf16_and_utf32_feeds_read_without_a_header() {
    let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
        <entry><id>urn:1</id><title>Ünïcödé 🎯</title></entry></feed>";
    let utf16: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf32: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
    for body in [utf16, utf32] {
        let papers = fetch_and_parse(&serve_once("application/atom+xml", body));
        assert_eq!(papers[0].title, "Ünïcödé 🎯");
    }
}

#[test]
fn items_that_cannot_be_papers_are_counted_with_their_reason() {
    let mut items = String::new();
    for n in 0..17 {
        items.push_str(&format!(
            "<item><title>Paper {n}</title><guid>g{n}</guid></item>"
        ));
    }
    for _ in 0..3 {
        items.push_str("<item><link>https://blog.example/x</link></item>");
    }
    let doc = format!("<rss version=\"2.0\"><channel>{items}</channel></rss>");
    let source = FeedSource::new("blog", "https://blog.example/feed.xml");
    let request = source.requests(date(2026, 1, 1)).remove(0);
    let mut papers = Vec::new();
    let report = source
        .parse_stream(&request, &mut doc.as_bytes(), &mut |batch| {
            papers.extend(batch);
            Ok(())
        })
        .expect("parsed");
    assert_eq!(papers.len(), 17);
    assert_eq!(
        report.note().as_deref(),
        Some("3 of 20 items skipped: no title or summary")
    );
}
