//! Text from findings (folder names customers create, API answers) made
//! safe for HTML: markup characters become entities, and characters that
//! hide or reorder text (terminal controls, bidi overrides, zero-width
//! marks) are shown as `\u{…}` so the reader sees what is really there.

use std::fmt::Write;

/// For HTML text: escaped controls are marked up (`<span class="ctl">`)
/// so a literal backslash in a name cannot pass for one.
pub fn html(out: &mut String, s: &str) {
    push(out, s, true);
}

/// For attribute values and SVG text, where markup cannot go: the same
/// escaping, controls as plain `\u{…}`.
pub fn plain(out: &mut String, s: &str) {
    push(out, s, false);
}

/// `plain` of at most `max` characters, with "…" when cut (chart labels;
/// the full text is in the tables).
pub fn plain_cut(out: &mut String, s: &str, max: usize) {
    match s.char_indices().nth(max) {
        Some((at, _)) => {
            plain(out, &s[..at]);
            out.push('…');
        }
        None => plain(out, s),
    }
}

fn push(out: &mut String, s: &str, marked: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if hidden(c) && marked => {
                let _ = write!(out, "<span class=\"ctl\">\\u{{{:x}}}</span>", u32::from(c));
            }
            c if hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// What is shown as `\u{…}`: the same characters a terminal gets escaped.
pub use crate::output::visible::hidden;
