//! How feeds write the values inside their fields, read leniently: dates in every form feeds
//! use, authors as `email (Name)` and its variants, base64 text, and whether text is HTML.
//! The XML reader (`feed_stream`) and JSON Feed (`json_feed`) share these.
//! Imports nothing above `source`.

use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// The name in an RSS author field: `email (Name)`, `Name (email)`, `Name <email>`, or a bare
/// name; `None` for a bare address.
pub(super) fn person_name(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some((before, after)) = text.split_once('(') {
        let inside = after.trim_end().trim_end_matches(')').trim();
        let before = before.trim();
        return if before.contains('@') || before.is_empty() {
            (!inside.contains('@') && !inside.is_empty()).then(|| inside.to_string())
        } else {
            Some(before.to_string())
        };
    }
    if let Some((before, _)) = text.split_once('<') {
        let before = before.trim();
        return (!before.is_empty()).then(|| before.to_string());
    }
    if text.contains('@') && !text.contains(' ') {
        return None;
    }
    (!text.is_empty()).then(|| text.to_string())
}

/// True when text reads as HTML: an element tag or an entity.
pub(super) fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(2).any(|pair| {
        pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || pair[1] == b'/' || pair[1] == b'!')
    }) || (text.contains('&') && text.contains(';'))
}

pub(super) fn decode_base64(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A date in any of the forms feeds use: RFC 3339 and ISO 8601 variants (date only, no
/// seconds, no colon in the offset, no zone = UTC), RFC 822/2822 with or without weekday, with
/// a wrong weekday, two-digit years or named zones.
pub(crate) fn lenient_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    // RFC 822 with the weekday dropped (a wrong one fails chrono's check).
    let without_weekday = text
        .split_once(',')
        .filter(|(day, _)| day.trim().chars().all(|c| c.is_ascii_alphabetic()))
        .map_or(text, |(_, rest)| rest.trim());
    if let Ok(date) = DateTime::parse_from_rfc2822(without_weekday) {
        return Some(date.with_timezone(&Utc));
    }
    let upper = without_weekday.to_ascii_uppercase();
    for (zone, offset) in [("UTC", "+0000"), ("Z", "+0000"), ("GMT", "+0000")] {
        if let Some(stripped) = upper.strip_suffix(zone)
            && let Ok(date) = DateTime::parse_from_rfc2822(&format!("{} {offset}", stripped.trim()))
        {
            return Some(date.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y%m%dT%H%M%S%z",
    ] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    let without_z = text.trim_end_matches(['Z', 'z']);
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(date) = NaiveDateTime::parse_from_str(without_z, format) {
            return Some(Utc.from_utc_datetime(&date));
        }
    }
    for format in ["%Y-%m-%d", "%Y%m%d", "%d %b %Y", "%B %d, %Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(without_z, format) {
            return date.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d));
        }
    }
    if let Some((year, month)) = without_z.split_once('-')
        && let (Ok(year), Ok(month)) = (year.parse::<i32>(), month.parse::<u32>())
    {
        return NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Utc.from_utc_datetime(&d));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_in_every_form() {
        assert_eq!(
            person_name("jane@example.org (Jane Roe)").as_deref(),
            Some("Jane Roe")
        );
        assert_eq!(
            person_name("Jane Roe (jane@example.org)").as_deref(),
            Some("Jane Roe")
        );
        assert_eq!(
            person_name("Jane Roe <jane@example.org>").as_deref(),
            Some("Jane Roe")
        );
        assert_eq!(person_name("jane@example.org"), None);
        assert_eq!(person_name("Jane Roe").as_deref(), Some("Jane Roe"));
    }

    #[test]
    fn dates_in_the_forms_feeds_use() {
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        for (text, expected) in [
            ("2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"),
            ("2003-12-31T10:14:55.123+02:00", "2003-12-31T08:14:55.123Z"),
            ("2003-12-31T10:14:55+0200", "2003-12-31T08:14:55Z"),
            ("2003-12-31", "2003-12-31T00:00:00Z"),
            ("2003-12-31T10:14", "2003-12-31T10:14:00Z"),
            ("Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"),
            ("Fri, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"),
            ("01 Jan 2004 19:48:21 UTC", "2004-01-01T19:48:21Z"),
        ] {
            assert_eq!(lenient_date(text), Some(utc(expected)), "{text}");
        }
        assert_eq!(lenient_date("soon"), None);
    }
}
