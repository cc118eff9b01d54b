//! Text from outside (API answers, folder names customers create, `wp`'s
//! words) on an operator's terminal. A character that acts on the terminal
//! (C0 and C1 controls: ESC starts an escape sequence, U+009B is a CSI on
//! its own) or hides or reorders what is shown (bidi overrides, zero-width
//! and direction marks) is shown as `\u{1b}` in tables, CSV and notes; JSON
//! lines carry it as the JSON escape `\u001b` (same value, valid JSON).
//! A single drop-in answer is printed verbatim (SPEC §5) and never passes
//! through here.

use std::borrow::Cow;
use std::fmt::Write;

/// C0, DEL and C1 (U+009B is a terminal's CSI), plus the format characters
/// that are invisible or reorder what follows: soft hyphen, Arabic letter
/// mark, Mongolian vowel separator, zero-width and direction marks, line
/// and paragraph separators, bidi embeddings/overrides (U+202A–U+202E) and
/// isolates (U+2066–U+2069), word joiner and invisible operators, BOM, and
/// interlinear annotation marks.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `s` with every [`hidden`] character shown as `\u{…}` (hex): what a table
/// cell or a note on stderr shows.
pub fn visible(s: &str) -> Cow<'_, str> {
    visible_keeping(s, &[])
}

/// As [`visible`], keeping the characters in `keep` as they are (CSV keeps
/// tabs and line breaks: inside quotes they are data, RFC 4180).
pub fn visible_keeping<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    let shown = |c: char| hidden(c) && !keep.contains(&c);
    if !s.chars().any(shown) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if shown(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text as serde_json writes it, with the [`hidden`] characters it
/// leaves raw (DEL, C1, bidi and the other format characters; it escapes
/// C0 itself) written as `\uXXXX`. Outside strings JSON text is ASCII, so
/// each one found is inside a string, where the escape means the same
/// character.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            // Every hidden character is in the Basic Multilingual Plane:
            // one escape each.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const HOSTILE: &str = "prem\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil";

    #[test]
    fn controls_and_bidi_are_shown_not_obeyed() {
        assert_eq!(
            visible(HOSTILE),
            "prem\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{202e}evil"
        );
        assert_eq!(
            visible("a\u{7f}b\u{200e}c\u{2066}d\u{61c}e\tf\ng"),
            "a\\u{7f}b\\u{200e}c\\u{2066}d\\u{61c}e\\u{9}f\\u{a}g"
        );
        assert!(matches!(
            visible("plain, ünïcödé 日本 🎉"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            visible_keeping("a\tb\nc\u{1b}", &['\t', '\n']),
            "a\tb\nc\\u{1b}"
        );
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_keeps_the_value() {
        let v = Value::String(HOSTILE.to_string());
        let text = v.to_string();
        // serde_json writes C1 and bidi raw...
        assert!(text.contains('\u{9b}') && text.contains('\u{202e}'));
        let safe = json(&text);
        assert_eq!(
            safe,
            r#""prem\u001b]0;owned\u0007\u001b[2J\u009b31m\u202eevil""#
        );
        // ...the escaped text is the same value.
        assert_eq!(serde_json::from_str::<Value>(&safe).ok(), Some(v));
        assert!(!safe.chars().any(hidden));
    }
}
