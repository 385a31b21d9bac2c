//! Ladder (sequence) diagrams: one column per party, one arrow per packet, drawn in the
//! terminal or written as SVG.

use std::fmt::Write as _;

/// Both forms fit a 100-column terminal (the SVG at 12 px monospace, ~7.2 px a character).
pub const MAX_COLUMNS: usize = 100;

/// The SVG's width budget: [`MAX_COLUMNS`] characters of 12 px monospace.
const SVG_MAX_WIDTH: usize = 720;

/// Pixels per character of the SVG's 12 px monospace font (7.2, as tenths).
const SVG_CHAR_TENTHS: usize = 72;

/// `text` cut to `max` characters, with `…` when cut.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// One arrow (or a note on one column when `from == to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrow {
    /// Sender column.
    pub from: usize,
    /// Receiver column.
    pub to: usize,
    /// The label: type name and biz_code.
    pub label: String,
}

/// A diagram: the parties and the arrows between them, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ladder {
    /// Column titles.
    pub parties: Vec<String>,
    /// Arrows, top to bottom.
    pub arrows: Vec<Arrow>,
}

impl Ladder {
    /// The column of `party`, added when new.
    pub fn party(&mut self, party: &str) -> usize {
        match self.parties.iter().position(|p| p == party) {
            Some(i) => i,
            None => {
                self.parties.push(party.to_owned());
                self.parties.len().saturating_sub(1)
            }
        }
    }

    /// Adds an arrow between two parties (added as columns when new).
    pub fn arrow(&mut self, from: &str, to: &str, label: impl Into<String>) {
        let from = self.party(from);
        let to = self.party(to);
        self.arrows.push(Arrow {
            from,
            to,
            label: label.into(),
        });
    }

    /// The column width in characters: room for the longest label, but every column within
    /// [`MAX_COLUMNS`] together (down to 8 characters a party).
    fn width(&self) -> usize {
        let longest = self
            .arrows
            .iter()
            .map(|a| a.label.chars().count())
            .chain(self.parties.iter().map(|p| p.chars().count()))
            .max()
            .unwrap_or(8);
        let fit = MAX_COLUMNS
            .checked_div(self.parties.len())
            .unwrap_or(MAX_COLUMNS);
        longest.saturating_add(4).clamp(14, 26).min(fit).max(8)
    }

    /// The diagram as text for a terminal.
    pub fn to_text(&self) -> String {
        let w = self.width();
        let n = self.parties.len();
        let total = n.saturating_mul(w);
        let center = |i: usize| i.saturating_mul(w).saturating_add(w / 2);
        let mut out = String::new();
        let mut line: Vec<char> = vec![' '; total];
        for (i, p) in self.parties.iter().enumerate() {
            let len = p.chars().count();
            let start = center(i).saturating_sub(len / 2);
            for (k, c) in p.chars().enumerate() {
                if let Some(slot) = line.get_mut(start.saturating_add(k)) {
                    *slot = c;
                }
            }
        }
        let _ = writeln!(out, "{}", line.iter().collect::<String>().trim_end());
        let lanes = || {
            let mut l: Vec<char> = vec![' '; total];
            for i in 0..n {
                if let Some(slot) = l.get_mut(center(i)) {
                    *slot = '|';
                }
            }
            l
        };
        let _ = writeln!(out, "{}", lanes().iter().collect::<String>().trim_end());
        for a in &self.arrows {
            let (lo, hi) = (a.from.min(a.to), a.from.max(a.to));
            let (x0, x1) = (center(lo), center(hi));
            // The label on its own line, centred over the arrow.
            let mut label_line = lanes();
            let span = x1.saturating_sub(x0);
            let label = fit(&a.label, total);
            let len = label.chars().count();
            let start = if a.from == a.to {
                x0.saturating_add(2)
            } else {
                x0.saturating_add(span.saturating_sub(len) / 2)
                    .saturating_add(1)
            };
            // Shifted left rather than past the right edge.
            let start = start.min(total.saturating_sub(len));
            for (k, c) in label.chars().enumerate() {
                if let Some(slot) = label_line.get_mut(start.saturating_add(k)) {
                    *slot = c;
                }
            }
            let _ = writeln!(out, "{}", label_line.iter().collect::<String>().trim_end());
            let mut arrow = lanes();
            if a.from == a.to {
                if let Some(slot) = arrow.get_mut(x0) {
                    *slot = '*';
                }
            } else {
                for x in x0.saturating_add(1)..x1 {
                    if let Some(slot) = arrow.get_mut(x) {
                        *slot = '-';
                    }
                }
                if a.to > a.from {
                    if let Some(slot) = arrow.get_mut(x1.saturating_sub(1)) {
                        *slot = '>';
                    }
                } else if let Some(slot) = arrow.get_mut(x0.saturating_add(1)) {
                    *slot = '<';
                }
            }
            let _ = writeln!(out, "{}", arrow.iter().collect::<String>().trim_end());
        }
        out
    }

    /// The diagram as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let n = self.parties.len().max(1);
        let col = SVG_MAX_WIDTH.checked_div(n).unwrap_or(190).clamp(60, 190);
        let row = 34usize;
        let top = 50usize;
        let width = n.saturating_mul(col);
        // A label's half width in pixels, and its centre kept inside the drawing.
        let max_chars = width.saturating_mul(10) / SVG_CHAR_TENTHS;
        let half = |t: &str| t.chars().count().saturating_mul(SVG_CHAR_TENTHS) / 20;
        let inside = |centre: usize, t: &str| {
            let h = half(t).saturating_add(2);
            centre.clamp(h, width.saturating_sub(h).max(h))
        };
        let height = top
            .saturating_add(self.arrows.len().saturating_mul(row))
            .saturating_add(40);
        let x = |i: usize| i.saturating_mul(col).saturating_add(col / 2);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">"#
        );
        let _ = writeln!(
            s,
            r##"<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>"##
        );
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        for (i, p) in self.parties.iter().enumerate() {
            let _ = writeln!(
                s,
                r##"<text x="{}" y="24" text-anchor="middle" font-weight="bold">{}</text>"##,
                inside(x(i), &fit(p, col.saturating_mul(10) / SVG_CHAR_TENTHS)),
                escape(&fit(p, col.saturating_mul(10) / SVG_CHAR_TENTHS))
            );
            let _ = writeln!(
                s,
                r##"<line x1="{0}" y1="32" x2="{0}" y2="{1}" stroke="#999" stroke-dasharray="4 3"/>"##,
                x(i),
                height.saturating_sub(10)
            );
        }
        for (k, a) in self.arrows.iter().enumerate() {
            let y = top.saturating_add(k.saturating_mul(row)).saturating_add(16);
            let (x0, x1) = (x(a.from), x(a.to));
            let label = fit(&a.label, max_chars);
            if a.from == a.to {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{x0}" cy="{y}" r="4" fill="#333"/><text x="{}" y="{}" text-anchor="middle">{}</text>"##,
                    inside(x0.saturating_add(8).saturating_add(half(&label)), &label),
                    y.saturating_add(4),
                    escape(&label)
                );
                continue;
            }
            let _ = writeln!(
                s,
                r##"<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#333" marker-end="url(#arrow)"/>"##
            );
            let _ = writeln!(
                s,
                r##"<text x="{}" y="{}" text-anchor="middle">{}</text>"##,
                inside(x0.saturating_add(x1) / 2, &label),
                y.saturating_sub(5),
                escape(&label)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_svg_hold_the_labels() {
        let mut l = Ladder::default();
        l.arrow("app", "device", "scan");
        l.arrow("device", "app", "scan [1]");
        let t = l.to_text();
        assert!(t.contains("app") && t.contains("device") && t.contains("scan [1]"));
        assert!(t.contains("->") && t.contains("<-"));
        let s = l.to_svg();
        assert!(s.starts_with("<svg") && s.contains("scan [1]"));
    }

    #[test]
    fn both_forms_fit_100_columns() {
        let mut l = Ladder::default();
        let parties = [
            "app",
            "device",
            "gateway",
            "sub-device",
            "cloud",
            "192.168.100.200",
        ];
        for w in parties.windows(2) {
            l.arrow(w[0], w[1], "sub-device script control (104) [1002]");
            l.arrow(
                w[1],
                w[0],
                "a label far longer than any column of this diagram could hold",
            );
        }
        l.arrow(
            "cloud",
            "cloud",
            "a note as long as a label can be, and then some more text",
        );
        let t = l.to_text();
        assert!(
            t.lines().all(|line| line.chars().count() <= MAX_COLUMNS),
            "{t}"
        );
        let s = l.to_svg();
        let width: usize = s
            .split("width=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap_or(usize::MAX);
        assert!(width <= SVG_MAX_WIDTH, "{width}");
        // Every text's extent (x ± half its width) stays inside the drawing.
        for chunk in s.split("<text x=\"").skip(1) {
            let x: usize = chunk.split('"').next().unwrap_or("").parse().unwrap_or(0);
            let text = chunk
                .split('>')
                .nth(1)
                .and_then(|t| t.split('<').next())
                .unwrap_or("");
            let half = text.chars().count() * SVG_CHAR_TENTHS / 20;
            assert!(x >= half && x + half <= width, "{text:?} at {x} of {width}");
        }
    }
}
