//! `render()`: draws the App into a ratatui frame (list, detail, filter, status bar, help).
