//! Fuzzes arXiv id recognition: `text::parse_arxiv_id` and `PaperId::parse_user`. An id that
//! is recognised must be recognised again from its own output (the store keys on it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use paperboat::model::PaperId;
use paperboat::text::parse_arxiv_id;

fuzz_target!(|text: &str| {
    if let Some(id) = parse_arxiv_id(text) {
        assert_eq!(
            parse_arxiv_id(&id).as_deref(),
            Some(id.as_str()),
            "{text:?}"
        );
        assert!(
            !id.chars().any(|c| c.is_control() || c.is_whitespace()),
            "{id:?}"
        );
    }
    match PaperId::parse_user(text) {
        Ok(id) => assert_eq!(PaperId::parse_user(id.as_str()), Ok(id.clone()), "{text:?}"),
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message
                    .chars()
                    .any(|c| paperboat_fuzz::is_forbidden(c, false)),
                "{message:?}"
            );
        }
    }
});
