//! Pure scheduling rules: when a source is due, exponential backoff with jitter, Retry-After.
// SKELETON: owned by the sync helper.
