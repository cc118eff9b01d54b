//! List output (batch results, `sites`, `apply`, a single site with
//! `--format`) in WP-CLI's formats: JSON lines (the default, streamed, one
//! write per line), CSV (streamed too, so in the order sites finish: each
//! row carries its input `line`), a table (printed at the end, in input
//! order, sized to the terminal only when stdout is one), or `count`.
//! `--fields` picks the columns, or the keys of JSON lines.
//!
//! Nothing from outside reaches the terminal raw: table and CSV cells show
//! control and bidi characters as `\u{1b}` (`super::visible`), JSON lines
//! carry them as `\u001b`.

mod csv;
mod fields;
mod table;

pub use fields::{check as check_fields, known as known_fields, parse as parse_fields};

use super::visible;
use serde_json::{Map, Value};
use std::io;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Table,
    Csv,
    /// Only the number of lines (WP-CLI's `--format=count`).
    Count,
}

impl Format {
    pub fn parse(v: &str) -> Option<Format> {
        match v.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "table" => Some(Format::Table),
            "csv" => Some(Format::Csv),
            "count" => Some(Format::Count),
            _ => None,
        }
    }
}

/// A column: its heading and where its value is in a row (a JSON pointer).
/// A `/line` column no row fills shows the row's place in the input.
pub type Column = (&'static str, &'static str);

/// How a list is printed: `--format` and `--fields` (checked against the
/// list's names already).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub format: Format,
    /// `--fields`, in the order given; None: the list's own columns, or
    /// whole JSON lines.
    pub fields: Option<Vec<String>>,
}

impl Listing {
    /// A single site's answer is printed as a one-row list (instead of the
    /// answer verbatim) only when asked for something other than plain
    /// JSON: `--format` is never silently ignored.
    pub fn for_one_answer(&self) -> bool {
        self.fields.is_some() || self.format != Format::Json
    }
}

/// A column as printed: heading and JSON pointer.
struct Col {
    heading: String,
    at: String,
}

/// Writes one list. JSON lines and CSV go out row by row; a table waits
/// for all rows to size its columns; a count for all rows to count them.
pub struct List {
    format: Format,
    columns: Vec<Col>,
    /// `--fields`: each column was asked for, so shown even when empty;
    /// JSON lines hold those keys only.
    picked: bool,
    /// A table's rows, with the place each had in the input.
    rows: Vec<(usize, Vec<String>)>,
    started: bool,
    count: usize,
}

impl List {
    pub fn new(listing: &Listing, columns: &'static [Column]) -> List {
        let (columns, picked) = match &listing.fields {
            Some(names) => (fields::resolve(names, columns), true),
            None => (
                columns
                    .iter()
                    .map(|(h, at)| Col {
                        heading: h.to_string(),
                        at: at.to_string(),
                    })
                    .collect(),
                false,
            ),
        };
        List {
            format: listing.format,
            columns,
            picked,
            rows: Vec::new(),
            started: false,
            count: 0,
        }
    }

    /// One row. `text` is its JSON line as the caller built it; `order` is
    /// its place in the input (a table shows rows in input order, whatever
    /// order they were done in; a row without `line` shows it there).
    pub fn row(&mut self, row: &Value, text: &str, order: usize) -> io::Result<()> {
        self.count += 1;
        match self.format {
            Format::Json if self.picked => {
                let picked = self.picked(row, order).to_string();
                super::raw_line(&visible::json(&picked))
            }
            Format::Json => super::raw_line(&visible::json(text)),
            Format::Csv => {
                if !self.started {
                    self.started = true;
                    super::raw_line(&csv::line(&self.headings()))?;
                }
                let cells = self.cells(row, order);
                super::raw_line(&csv::line(&cells))
            }
            Format::Table => {
                let cells = self.cells(row, order);
                self.rows.push((order, cells));
                Ok(())
            }
            Format::Count => Ok(()),
        }
    }

    /// The end of the list: a table or the count is printed now.
    pub fn finish(mut self) -> io::Result<()> {
        match self.format {
            Format::Count => super::raw_line(&self.count.to_string()),
            Format::Table if !self.rows.is_empty() => {
                self.rows.sort_by_key(|(order, _)| *order);
                let heads = self.headings();
                let heads: Vec<&str> = heads.iter().map(String::as_str).collect();
                let rows: Vec<&[String]> = self.rows.iter().map(|(_, r)| r.as_slice()).collect();
                let text = table::render(&heads, &rows, !self.picked);
                super::raw_line(text.trim_end_matches('\n'))
            }
            _ => Ok(()),
        }
    }

    /// The headings of a table or CSV (`--fields` as typed, shown safely).
    fn headings(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| visible::visible(&c.heading).into_owned())
            .collect()
    }

    /// `--fields` of a JSON line: those keys, in that order; a key the
    /// line does not have is left out.
    fn picked(&self, row: &Value, order: usize) -> Value {
        let mut o = Map::new();
        for c in &self.columns {
            if let Some(v) = value(row, &c.at, order) {
                o.insert(c.heading.clone(), v);
            }
        }
        Value::Object(o)
    }

    /// The row's cells, scrubbed of secrets; for a table every hidden
    /// character is shown escaped, for CSV all but tabs and line breaks
    /// (data inside quotes).
    fn cells(&self, row: &Value, order: usize) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| value(row, &c.at, order).map_or_else(String::new, |v| text(&v)))
            .map(|c| {
                let c = super::redact(&c);
                match self.format {
                    Format::Csv => visible::visible_keeping(&c, &['\t', '\n', '\r']).into_owned(),
                    _ => visible::visible(&c).into_owned(),
                }
            })
            .collect()
    }
}

/// The value at `at` in `row`; a `/line` the row does not carry is its
/// place in the input.
fn value(row: &Value, at: &str, order: usize) -> Option<Value> {
    match row.pointer(at) {
        Some(v) => Some(v.clone()),
        None if at == "/line" => Some(Value::from(order)),
        None => None,
    }
}

/// A value as a cell's text.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        // A list: its items, comma-separated; an object item by its text
        // fields (apply's actions: "provision premium").
        Value::Array(a) => a
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
        other => other.to_string(),
    }
}
