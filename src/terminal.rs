//! The terminal guard: raw mode and the alternate screen, restored on quit, error, panic and signal.
