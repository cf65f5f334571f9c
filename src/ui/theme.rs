//! Colours and emphasis, readable with 16 colours over SSH on dark and on light backgrounds:
//! no dark blue text (hard on black), no light grey or white text without its own background
//! (invisible on white); read titles differ from unread by weight, not by a grey. `NO_COLOR`
//! drops colour and keeps emphasis (bold, reverse) so the selection and marks still show.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }
    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn star(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn unread(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn read_title(&self) -> Style {
        Style::new()
    }
    pub fn unread_title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn muted(&self) -> Style {
        if self.color {
            self.fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn badge(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn upvotes(&self) -> Style {
        self.fg(Color::Magenta)
    }
    pub fn label(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
    pub fn link(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::UNDERLINED)
    }
    /// `link()` as SGR parameters, for the OSC 8 runs written after the frame.
    pub fn link_sgr(&self) -> &'static str {
        if self.color { "36;4" } else { "4" }
    }
    /// Words the query matched, in the list and the detail.
    pub fn highlight(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        }
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn status(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    /// Every style, for the readability check.
    pub fn all_styles(&self) -> Vec<(&'static str, Style)> {
        vec![
            ("border", self.border(false)),
            ("border focused", self.border(true)),
            ("title", self.title()),
            ("selected", self.selected()),
            ("star", self.star()),
            ("unread", self.unread()),
            ("read_title", self.read_title()),
            ("unread_title", self.unread_title()),
            ("muted", self.muted()),
            ("badge", self.badge()),
            ("upvotes", self.upvotes()),
            ("label", self.label()),
            ("link", self.link()),
            ("highlight", self.highlight()),
            ("error", self.error()),
            ("status", self.status()),
            ("mode", self.mode()),
        ]
    }

    pub fn mode(&self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Cyan)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text colours that are hard to read on a dark (black) background, or on a light (white)
    /// one, when the style sets no background of its own.
    const HARD_ON_DARK: [Color; 3] = [Color::Blue, Color::Black, Color::DarkGray];
    const HARD_ON_LIGHT: [Color; 4] =
        [Color::White, Color::Gray, Color::Yellow, Color::LightYellow];

    #[test]
    fn text_is_readable_on_dark_and_light_backgrounds() {
        let theme = Theme { color: true };
        for (name, style) in theme.all_styles() {
            if style.bg.is_some() {
                // Its own background: checked as a pair below.
                continue;
            }
            let Some(fg) = style.fg else { continue };
            // Muted text and idle borders are meant to recede; dark grey still shows on black.
            if name == "muted" || name == "border" {
                continue;
            }
            assert!(
                !HARD_ON_DARK.contains(&fg),
                "{name}: {fg:?} on a dark background"
            );
            // Yellow is kept for the ★ glyph alone (a mark, never running text); light
            // themes darken their yellow.
            if name != "star" {
                assert!(
                    !HARD_ON_LIGHT.contains(&fg),
                    "{name}: {fg:?} on a light background"
                );
            }
        }
        // Styles with a background pair a light text with a dark one or the reverse.
        assert_eq!(theme.status().fg, Some(Color::White));
        assert_eq!(theme.status().bg, Some(Color::Blue));
        assert_eq!(theme.mode().fg, Some(Color::Black));
        assert_eq!(theme.highlight().fg, Some(Color::Black));
    }

    #[test]
    fn no_color_keeps_emphasis_only() {
        let theme = Theme { color: false };
        for (name, style) in theme.all_styles() {
            assert_eq!(style.fg, None, "{name}");
            assert_eq!(style.bg, None, "{name}");
        }
    }
}
