//! Any RSS/Atom/JSON Feed URL, parsed with feed-rs; arXiv ids in links or guids merge items.
// SKELETON: owned by the sources helper.
