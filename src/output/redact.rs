//! The secrets registry: every secret and token is registered as soon as it
//! is known, and everything we write ourselves is scrubbed of them (the API's
//! success body is printed verbatim, as the SPEC says).

use serde_json::{Map, Value};
use std::sync::Mutex;

pub const REDACTED: &str = "<redacted>";

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remember a value that must never appear in our own output.
pub fn register_secret(secret: &str) {
    // Very short values would blank out ordinary words; real secrets and
    // tokens are long, and a 1–3 character "secret" is not one worth hiding.
    if secret.len() < 4 {
        return;
    }
    if let Ok(mut list) = SECRETS.lock() {
        if !list.iter().any(|s| s == secret) {
            list.push(secret.to_string());
            // Longest first, so a secret containing another is hidden whole.
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }
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
    fn longest_secret_first() {
        register_secret("outer-secret-inner-part");
        register_secret("inner-part");
        assert_eq!(redact("x outer-secret-inner-part y"), "x <redacted> y");
    }
}
