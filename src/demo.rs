//! The offline demo: the bundled daily feed (assets/demo/), written to a throwaway data dir and
//! served to the reader through a `file://` HF source, the same path a real feed takes.
// SKELETON: owned by the text/demo helper.
