//! paperboat: a terminal reader for research-paper feeds (Hugging Face Daily Papers, arXiv,
//! any RSS/Atom/JSON Feed), with a sled cache kept in sync by a background tokio task.
//!
//! Data flow: sources → sync task → store (sled) → the reader's projections. The reader draws
//! from the store before any network call; the sync task tells it, through events that carry ids
//! and counts, when to re-read.
#![forbid(unsafe_code)]

pub mod action;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod export;
pub mod feeds;
pub mod journal;
pub mod keymap;
pub mod link;
pub mod linked;
pub mod logging;
pub mod model;
pub mod notices;
pub mod ownership;
pub mod pdf;
pub mod query;
pub mod reader;
pub mod rowstore;
pub mod server;
pub mod source;
pub mod store;
pub mod sync;
pub mod synth;
pub mod terminal;
pub mod text;
pub mod ui;
