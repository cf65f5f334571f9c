//! Fetching one `SourceRequest`: HTTP with conditional GET, timeouts and a body cap, or `file://`.
// SKELETON: owned by the sync helper.
