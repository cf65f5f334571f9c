//! The reader's model (`App`) and `update()`, the only mutator: actions in, effects out.
