//! The Hugging Face Daily Papers source: `GET {base}/api/daily_papers?date=YYYY-MM-DD` per day.
// SKELETON: owned by the sources helper.
