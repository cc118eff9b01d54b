//! The secrets registry: every secret and token is registered as soon as it
//! is known, and everything we write ourselves is scrubbed of them (the API's
//! success body is printed verbatim, as the SPEC says).

use serde_json::{Map, Value};
use std::sync::Mutex;

pub const REDACTED: &str = "<redacted>";

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remember a value that must never appear in our own output, in any of
/// the forms it travels in: raw, form- and percent-encoded the ways PHP,
/// JavaScript and we write them (either case of hex), JSON-escaped (with or
/// without escaped slashes and non-ASCII, as serde, PHP and Python write
/// it) and HTML-escaped.
pub fn register_secret(secret: &str) {
    // Very short values would blank out ordinary words; real secrets and
    // tokens are long, and a 1–3 character "secret" is not one worth hiding.
    if secret.len() < 4 {
        return;
    }
    if let Ok(mut list) = SECRETS.lock() {
        for form in encodings(secret) {
            if !list.contains(&form) {
                list.push(form);
            }
        }
        // Longest first, so a secret containing another is hidden whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Every form of `secret` an answer or a message could carry.
fn encodings(secret: &str) -> Vec<String> {
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;");
    let mut all = vec![secret.to_string(), html];
    // serde_json and JavaScript; PHP's json_encode (`\/`, `\u00e9`);
    // Python's json.dumps (`\u00e9`); PHP with JSON_UNESCAPED_UNICODE (`\/`).
    for (slashes, ascii) in [(false, false), (true, true), (false, true), (true, false)] {
        all.push(json_escaped(secret, slashes, ascii));
    }
    // Characters kept as they are besides ASCII letters and digits; space as `+`?
    for (keep, plus) in [
        // How we send a form (RFC 3986 unreserved kept, space as `+`).
        ("-._~", true),
        // Percent-encoding (PHP rawurlencode, Python quote).
        ("-._~", false),
        // PHP urlencode and http_build_query: `~` escaped too.
        ("-._", true),
        // JavaScript encodeURIComponent.
        ("-_.!~*'()", false),
    ] {
        let e = percent(secret, keep.as_bytes(), plus);
        all.push(lower_hex(&e));
        all.push(e);
    }
    all.sort();
    all.dedup();
    all
}

/// Percent-encode every byte but ASCII letters, digits and `keep`; a space
/// as `+` when `plus`.
fn percent(s: &str, keep: &[u8], plus: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b' ' if plus => out.push('+'),
            _ if b.is_ascii_alphanumeric() || keep.contains(&b) => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The inside of a JSON string: `"` and `\` escaped, control characters as
/// short escapes where JSON has them (else `\u00XX`), `/` as `\/` when
/// `slashes`, everything past ASCII as `\uXXXX` when `ascii`.
fn json_escaped(s: &str, slashes: bool, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if slashes => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `%2B` → `%2b`: the other spelling of the same escapes.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let esc = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        out.push_str(&esc.to_ascii_lowercase());
        rest = &rest[at + esc.len()..];
    }
    out.push_str(rest);
    out
}

/// Replace every registered secret in `text` with `<redacted>`.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    if let Ok(list) = SECRETS.lock() {
        for secret in list.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
    }
    out
}

/// `redact` on every string of a JSON value.
pub fn redact_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(redact(s)),
        Value::Array(a) => Value::Array(a.iter().map(redact_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), redact_value(v)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::encode::encode;

    #[test]
    fn tiny_values_are_not_treated_as_secrets() {
        register_secret("ab");
        assert_eq!(redact("absent"), "absent");
    }

    #[test]
    fn every_encoding_is_hidden() {
        let secret = "p&ss w/rd+é\"x";
        register_secret(secret);
        for form in [
            secret.to_string(),
            encode(secret, true),
            encode(secret, false),
            encode(secret, true).to_ascii_lowercase(),
            serde_json::to_string(secret).unwrap_or_default(),
            "p&ss w\\/rd+\\u00e9\\\"x".to_string(),
            "p&amp;ss w/rd+é&quot;x".to_string(),
        ] {
            assert!(!redact(&format!("<{form}>")).contains("ss w"), "{form}");
        }
        // PHP's urlencode escapes `~`; its json_encode writes `\n` and `\/`.
        let secret = "n~w/\nline";
        register_secret(secret);
        for form in ["n%7Ew%2F%0Aline", "n%7ew%2f%0aline", "n~w\\/\\nline"] {
            assert_eq!(redact(&format!("<{form}>")), "<<redacted>>", "{form}");
        }
    }

    #[test]
    fn json_with_and_without_escaped_slashes_or_unicode() {
        let secret = "p&ss w/rd+é\"x";
        register_secret(secret);
        for form in [
            "p&ss w/rd+\\u00e9\\\"x".to_string(),
            "p&ss w\\/rd+é\\\"x".to_string(),
        ] {
            assert!(!redact(&format!("<{form}>")).contains("ss w"), "{form}");
        }
    }

    #[test]
    fn longest_secret_first() {
        register_secret("outer-secret-inner-part");
        register_secret("inner-part");
        assert_eq!(redact("x outer-secret-inner-part y"), "x <redacted> y");
    }
}
