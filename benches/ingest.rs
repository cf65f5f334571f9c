//! Ingest benchmark: a synthetic RSS feed parsed, normalised and stored into an empty store.
// SKELETON: owned by the store helper.
fn main() {}
