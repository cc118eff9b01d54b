//! JSON that serde_json cannot read into a `Value` and that is JSON all the
//! same: nested past its recursion limit (128 levels: `[[[…]]]` 200 deep is
//! 401 bytes), a number past f64 (`1e400`), a lone surrogate (`"\ud800"`).
//! `api` prints whatever JSON the API sends, so such an answer is checked
//! for syntax without being built, and redaction reads its strings one by
//! one, in place.
//!
//! Why no checker of our own and no `serde_stacker`: serde_json skips a
//! value it is told to ignore (`IgnoredAny`) with a stack of its own on the
//! heap, not by recursion (`Deserializer::ignore_value`), so the check is
//! serde_json's own grammar at any depth, bounded by the 1 MiB body cap.
//! The tests below hold it to that on a thread with a tiny stack.

use serde::de::IgnoredAny;

/// Is `text` one JSON document, however deep?
pub fn is_json(text: &str) -> bool {
    serde_json::from_str::<IgnoredAny>(text).is_ok()
}

/// `json` (a document [`is_json`] accepts) with each string passed through
/// `f` (decoded; `true` for an object key). A string `f` changes is written
/// back JSON-escaped; every other byte stays as it was.
pub fn map_strings(json: &str, mut f: impl FnMut(&str, bool) -> String) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        // Outside strings valid JSON has no `"`: this one opens a string,
        // which ends at the next `"` not escaped.
        let start = i;
        i += 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let end = (i + 1).min(bytes.len());
        i = end;
        let Some(inner) = json.get(start + 1..end - 1) else {
            continue;
        };
        let key = json[end..]
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with(':');
        let text = unescape(inner);
        let mapped = f(&text, key);
        if mapped != text {
            out.push_str(&json[copied..start]);
            out.push_str(&serde_json::Value::String(mapped).to_string());
            copied = end;
        }
    }
    out.push_str(&json[copied..]);
    out
}

/// The inside of a JSON string, unescaped; a lone surrogate becomes U+FFFD.
fn unescape(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    // `\uXXXX` escapes waiting to be paired into characters.
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        out.extend(char::decode_utf16(units.drain(..)).map(|c| c.unwrap_or('\u{fffd}')));
    };
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            flush(&mut units, &mut out);
            out.push(c);
            continue;
        }
        let escaped = chars.next();
        if escaped == Some('u') {
            let hex: String = chars.by_ref().take(4).collect();
            if let Ok(unit) = u16::from_str_radix(&hex, 16) {
                units.push(unit);
                continue;
            }
        }
        flush(&mut units, &mut out);
        match escaped {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(c) => out.push(c),
            None => {}
        }
    }
    flush(&mut units, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a 64 KiB stack: recursion a level per `[` would overflow it long
    /// before a mebibyte of them.
    fn on_a_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(f)
            .and_then(|t| t.join().map_err(|_| std::io::Error::other("panicked")))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn any_depth_is_json_without_recursion() {
        let deep = format!("{}{}", "[".repeat(1 << 19), "]".repeat(1 << 19));
        let objects = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        let open = "[".repeat(1 << 20);
        let (a, b, c) =
            on_a_small_stack(move || (is_json(&deep), is_json(&objects), is_json(&open)));
        assert!(a && b && !c);
    }

    #[test]
    fn what_serde_cannot_read_is_json_and_the_rest_is_not() {
        for ok in [
            "[1e400]",
            "\"\\ud800\"",
            " {\"a\" : [true, null, -0.5e-3, \"x\\\"y\"]} \n",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in [
            "",
            "[",
            "[1,]",
            "{\"a\"}",
            "[1] x",
            "<html>",
            "[\"\u{1}\"]",
            "'a'",
        ] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    #[test]
    fn strings_are_mapped_in_place() {
        let doc = "[[{\"k\\u0065y\" : \"a\\u0074ok\\n\"}], \"\\ud800tok\", 7]";
        let mut seen = Vec::new();
        let out = map_strings(doc, |s, key| {
            seen.push((s.to_string(), key));
            s.replace("tok", "<redacted>")
        });
        assert_eq!(
            seen,
            [
                ("key".to_string(), true),
                ("atok\n".to_string(), false),
                ("\u{fffd}tok".to_string(), false)
            ]
        );
        assert_eq!(
            out,
            "[[{\"k\\u0065y\" : \"a<redacted>\\n\"}], \"\u{fffd}<redacted>\", 7]"
        );
        assert_eq!(map_strings(doc, |s, _| s.to_string()), doc);
    }
}
