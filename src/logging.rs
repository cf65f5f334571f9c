//! Logging through tracing to a file under the XDG state dir; never stderr while the screen is up.
