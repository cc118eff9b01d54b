//! List output (batch results, `sites`, `apply` plans) in WP-CLI's formats:
//! JSON lines (the default, streamed, one write per line), CSV, or a table
//! sized to the terminal. Tables and CSV show a fixed set of columns per
//! list; JSON lines carry everything.

use serde_json::Value;
use std::io;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Table,
    Csv,
}

impl Format {
    pub fn parse(v: &str) -> Option<Format> {
        match v.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "table" => Some(Format::Table),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// A column: its heading and where its value is in a row (a JSON pointer).
pub type Column = (&'static str, &'static str);

/// Writes one list. JSON lines and CSV go out row by row; a table waits
/// for all rows to size its columns.
pub struct List {
    format: Format,
    columns: &'static [Column],
    /// A table's rows, with the place each had in the input.
    rows: Vec<(usize, Vec<String>)>,
    started: bool,
}

impl List {
    pub fn new(format: Format, columns: &'static [Column]) -> List {
        List {
            format,
            columns,
            rows: Vec::new(),
            started: false,
        }
    }

    /// One row. `text` is its JSON line as the caller built it (so an API
    /// answer inside it stays as received); `order` is its place in the
    /// input (a table shows rows in input order, whatever order they were
    /// done in).
    pub fn row(&mut self, row: &Value, text: &str, order: usize) -> io::Result<()> {
        match self.format {
            Format::Json => super::raw_line(text),
            Format::Csv => {
                if !self.started {
                    self.started = true;
                    let head: Vec<String> = self.columns.iter().map(|(h, _)| csv(h)).collect();
                    super::raw_line(&head.join(","))?;
                }
                let cells: Vec<String> = self.cells(row).iter().map(|c| csv(c)).collect();
                super::raw_line(&cells.join(","))
            }
            Format::Table => {
                let cells = self.cells(row);
                self.rows.push((order, cells));
                Ok(())
            }
        }
    }

    /// The end of the list: a table is printed now.
    pub fn finish(mut self) -> io::Result<()> {
        if self.format != Format::Table || self.rows.is_empty() {
            return Ok(());
        }
        self.rows.sort_by_key(|(order, _)| *order);
        // A column no row fills (no failures: no error columns) is left out.
        let keep: Vec<bool> = (0..self.columns.len())
            .map(|i| {
                self.rows
                    .iter()
                    .any(|(_, r)| r.get(i).is_some_and(|c| !c.is_empty()))
            })
            .collect();
        let pick = |cells: &[String]| -> Vec<String> {
            cells
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c.clone())
                .collect()
        };
        let rows: Vec<Vec<String>> = self.rows.iter().map(|(_, r)| pick(r)).collect();
        let heads: Vec<String> = pick(
            &self
                .columns
                .iter()
                .map(|(h, _)| h.to_string())
                .collect::<Vec<_>>(),
        );
        let mut widths: Vec<usize> = heads.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        fit(&mut widths, terminal_width());
        let line = |cells: &[String]| -> String {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    s.push_str("  ");
                }
                let cut = cut(c, *w);
                let pad = w.saturating_sub(cut.chars().count());
                s.push_str(&cut);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
            s.trim_end().to_string()
        };
        let mut text = line(&heads);
        text.push('\n');
        for row in &rows {
            text.push_str(&line(row));
            text.push('\n');
        }
        super::raw_line(text.trim_end_matches('\n'))
    }

    fn cells(&self, row: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|(_, at)| match row.pointer(at) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                // A list: its items, comma-separated; an object item by its
                // text fields (apply's actions: "provision premium").
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        Value::Object(o) => o
                            .values()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(" "),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Some(other) => other.to_string(),
            })
            .map(|c| super::redact(&c).replace(['\n', '\r', '\t'], " "))
            .collect()
    }
}

/// A CSV cell (RFC 4180 quoting). A value a spreadsheet would run as a
/// formula (`=HYPERLINK(…)` in a site's answer) gets a leading `'`, as
/// OWASP advises: the sheet shows it as text.
fn csv(s: &str) -> String {
    let guarded;
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        guarded = format!("'{s}");
        guarded.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// At most `w` characters, with `…` where something was cut.
fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    let mut out: String = s.chars().take(w.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Shrink the widest columns until the line fits (two spaces between
/// columns), keeping every column at least 6 wide.
fn fit(widths: &mut [usize], total: usize) {
    let gaps = 2 * widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > total {
        let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else {
            return;
        };
        if w <= 6 {
            return;
        }
        widths[i] = w - 1;
    }
}

/// `COLUMNS`, else the terminal's width, else 100.
fn terminal_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n >= 20)
    {
        return n;
    }
    tty_width().unwrap_or(100)
}

#[cfg(unix)]
fn tty_width() -> Option<usize> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills a winsize struct we own; fd 1 is ours to ask.
    let rc = unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_col >= 20).then_some(usize::from(ws.ws_col))
}

#[cfg(not(unix))]
fn tty_width() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_text() {
        assert_eq!(csv("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv("+1 day"), "'+1 day");
        assert_eq!(csv("-12.5"), "-12.5");
        assert_eq!(csv("premium"), "premium");
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv("a"), "a");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn columns_shrink_to_fit() {
        let mut w = vec![10, 40, 30];
        fit(&mut w, 60);
        assert!(w.iter().sum::<usize>() + 4 <= 60, "{w:?}");
        assert_eq!(w[0], 10);
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
