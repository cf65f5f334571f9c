//! Desktop notifications through the terminal for `[[views]]` entries with `notify = true`:
//! "paperboat: 3 new in MoE" when a sync brings the view papers not seen before. Never for a
//! view's first papers (a first run would announce the whole cache), at most once per view per
//! sync round. The sequence carries only the view's name (from the config, sanitised) and a
//! count: no byte that came from a feed. Imports nothing above `app`.

use std::collections::{HashMap, HashSet};

use super::msg::Effect;
use super::state::App;
use super::view::View;
use crate::config::NotifyVia;
use crate::model::PaperId;

/// Longest text a notification carries.
const MAX_TEXT_CHARS: usize = 120;

/// What the notifications have seen.
#[derive(Debug, Default)]
pub struct Notifier {
    pub via: NotifyVia,
    /// Per saved view (by name): the papers seen so far.
    seen: HashMap<String, HashSet<PaperId>>,
    /// Views notified during the current sync round.
    notified: HashSet<String>,
}

impl Notifier {
    /// A sync round started: each view may notify once more.
    pub fn sync_started(&mut self) {
        self.notified.clear();
    }
}

/// The terminal sequence for `text`: OSC 9 or OSC 777, terminated by BEL. Control characters
/// (and `;`, OSC 777's separator) never reach the terminal; the text is cut short.
pub fn notification_sequence(via: NotifyVia, text: &str) -> Option<String> {
    let safe: String = text
        .chars()
        .map(|c| if c.is_control() || c == ';' { ' ' } else { c })
        .take(MAX_TEXT_CHARS)
        .collect();
    match via {
        NotifyVia::Osc9 => Some(format!("\x1b]9;{safe}\x07")),
        NotifyVia::Osc777 => Some(format!("\x1b]777;notify;paperboat;{safe}\x07")),
        NotifyVia::Off => None,
    }
}

impl App {
    /// After a complete catalog load: a notification per notifying view with new papers.
    pub(super) fn notifications(&mut self) -> Vec<Effect> {
        // Only a whole catalog with its abstracts: a view's query may match abstract words, and
        // the rows-only catalog the loader sends first would make them look new a moment later.
        if !self.catalog.complete
            || !self.catalog.text.has_abstracts
            || self.notifier.via == NotifyVia::Off
        {
            return Vec::new();
        }
        let today = self.today();
        let mut effects = Vec::new();
        for saved in self.saved_views.iter().filter(|saved| saved.notify) {
            let view = View::Saved(Box::new(saved.clone()));
            let ids: HashSet<PaperId> = view
                .rows_at(&self.catalog, today)
                .into_iter()
                .filter_map(|row| self.catalog.rows.get(row).map(|r| r.id.clone()))
                .collect();
            let notifier = &mut self.notifier;
            let seen = notifier.seen.entry(saved.name.clone()).or_default();
            if seen.is_empty() {
                // The view's first papers: what it had, not news.
                *seen = ids;
                continue;
            }
            let new = ids.iter().filter(|id| !seen.contains(*id)).count();
            seen.extend(ids);
            if new == 0 || !notifier.notified.insert(saved.name.clone()) {
                continue;
            }
            let text = format!("paperboat: {new} new in {}", saved.name);
            if let Some(sequence) = notification_sequence(notifier.via, &text) {
                effects.push(Effect::Notify(sequence));
            }
        }
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_are_terminated_and_carry_no_control_bytes() {
        let text = "paperboat: 2 new in Mo\x1b]52;c;x\x07E";
        let osc9 = notification_sequence(NotifyVia::Osc9, text).unwrap();
        assert_eq!(osc9, "\x1b]9;paperboat: 2 new in Mo ]52 c x E\x07");
        let osc777 = notification_sequence(NotifyVia::Osc777, text).unwrap();
        assert!(osc777.starts_with("\x1b]777;notify;paperboat;paperboat: 2 new"));
        assert_eq!(osc777.matches('\x1b').count(), 1);
        assert_eq!(osc777.matches('\x07').count(), 1);
        assert_eq!(notification_sequence(NotifyVia::Off, text), None);
    }
}
