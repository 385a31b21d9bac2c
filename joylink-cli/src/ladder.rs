//! Ladder (sequence) diagrams: one column per party, one arrow per packet, drawn in the
//! terminal or written as SVG.

use std::fmt::Write as _;

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

    fn width(&self) -> usize {
        let longest = self
            .arrows
            .iter()
            .map(|a| a.label.chars().count())
            .chain(self.parties.iter().map(|p| p.chars().count()))
            .max()
            .unwrap_or(8);
        longest.saturating_add(4).clamp(14, 26)
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
            let len = a.label.chars().count();
            let start = if a.from == a.to {
                x0.saturating_add(2)
            } else {
                x0.saturating_add(span.saturating_sub(len) / 2)
                    .saturating_add(1)
            };
            for (k, c) in a.label.chars().enumerate() {
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
        let col = 190usize;
        let row = 34usize;
        let top = 50usize;
        let n = self.parties.len().max(1);
        let width = n.saturating_mul(col);
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
                x(i),
                escape(p)
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
            if a.from == a.to {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{x0}" cy="{y}" r="4" fill="#333"/><text x="{}" y="{}">{}</text>"##,
                    x0.saturating_add(8),
                    y.saturating_add(4),
                    escape(&a.label)
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
                x0.saturating_add(x1) / 2,
                y.saturating_sub(5),
                escape(&a.label)
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
}
