//! The secrets registry: every secret and token is registered as soon as it
//! is known, and everything we write ourselves is scrubbed of them (the API's
//! success body is printed verbatim, as the SPEC says).

use crate::api::encode::encode;
use serde_json::{Map, Value};
use std::sync::Mutex;

pub const REDACTED: &str = "<redacted>";

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remember a value that must never appear in our own output, in any of
/// the forms it travels in: raw, form- and percent-encoded (either case of
/// hex), JSON-escaped (as serde and as PHP write it) and HTML-escaped.
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
    let form = encode(secret, true);
    let percent = encode(secret, false);
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_string();
    let mut php = String::new();
    for c in secret.chars() {
        match c {
            '/' => php.push_str("\\/"),
            '"' => php.push_str("\\\""),
            '\\' => php.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => php.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    php.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;");
    let mut all = vec![secret.to_string(), json, php, html];
    for e in [form, percent] {
        all.push(lower_hex(&e));
        all.push(e);
    }
    all.sort();
    all.dedup();
    all
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
    }

    #[test]
    fn longest_secret_first() {
        register_secret("outer-secret-inner-part");
        register_secret("inner-part");
        assert_eq!(redact("x outer-secret-inner-part y"), "x <redacted> y");
    }
}
