//! The arXiv source: category listings from the RSS endpoint and API queries (Atom).
// SKELETON: owned by the sources helper.
