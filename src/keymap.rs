//! Key bindings: vim-syntax key parsing, a per-context key trie with chords and counts, merging
//! the user's `[keys.*]` over the embedded defaults, and the help entries.
// SKELETON: owned by the keymap helper.
