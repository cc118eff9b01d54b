//! Everything the tool prints goes through here: the success body on stdout,
//! the one JSON error object on stderr, and `--verbose` notes. Secrets are
//! registered as soon as they are known and scrubbed from anything we write
//! ourselves (the API's success body is printed verbatim, as the SPEC says).

use crate::error::Error;
use serde_json::{Map, Value};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub const REDACTED: &str = "<redacted>";

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static VERBOSE: AtomicBool = AtomicBool::new(false);

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

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// A progress note on stderr, only with `--verbose`.
pub fn verbose(msg: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        eprintln!("jetpack-partner: {}", redact(msg));
    }
}

/// The API body exactly as received, trailing newlines trimmed, one `\n` added.
pub fn success(body: &[u8]) {
    let mut end = body.len();
    while end > 0 && matches!(body[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let mut out = std::io::stdout().lock();
    // A closed stdout (caller went away) is not worth a second error.
    let _ = out.write_all(&body[..end]);
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

/// A JSON document we built ourselves (dry-run, batch lines) on stdout.
pub fn json_line(value: &Value) {
    let text = redact(&value.to_string());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// The error object: `success`, `error_code`, `error_message` first, then the
/// API's own fields (when the error came from the API) that are not already
/// there. Every string is scrubbed of secrets.
pub fn error_json(err: &Error) -> String {
    object_text(&error_pairs(err))
}

/// The fields of the error object, in order (see `error_json`).
pub fn error_pairs(err: &Error) -> Vec<(String, Value)> {
    let mut pairs: Vec<(String, Value)> = vec![
        ("success".into(), Value::Bool(false)),
        // Codes are ours or the API's identifiers: stable, never scrubbed.
        (
            "error_code".into(),
            Value::String(err.error_code().to_string()),
        ),
        ("error_message".into(), Value::String(redact(err.message()))),
    ];
    if let Some(fields) = err.api_fields() {
        for (k, v) in fields {
            if !matches!(k.as_str(), "success" | "error_code" | "error_message") {
                pairs.push((k.clone(), redact_value(v)));
            }
        }
    }
    pairs
}

/// Serialise pairs as a JSON object in the given order (serde_json's Map
/// would sort the keys, and callers reading by eye expect `success` first).
pub fn object_text(pairs: &[(String, Value)]) -> String {
    let mut s = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&Value::String(k.clone()).to_string());
        s.push(':');
        s.push_str(&v.to_string());
    }
    s.push('}');
    s
}

fn redact_value(v: &Value) -> Value {
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

/// Print the error object on stderr.
pub fn error(err: &Error) {
    let mut out = std::io::stderr().lock();
    let _ = writeln!(out, "{}", error_json(err));
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_object_keeps_api_fields_after_ours() {
        let mut fields = Map::new();
        fields.insert("error".into(), Value::String("invalid_plan".into()));
        fields.insert(
            "message".into(),
            Value::String("x is not a valid plan".into()),
        );
        let err = Error::Api {
            code: "invalid_plan".into(),
            message: "x is not a valid plan".into(),
            fields,
        };
        assert_eq!(
            error_json(&err),
            r#"{"success":false,"error_code":"invalid_plan","error_message":"x is not a valid plan","error":"invalid_plan","message":"x is not a valid plan"}"#
        );
    }

    #[test]
    fn secrets_are_scrubbed_from_messages() {
        register_secret("hunter2-very-secret");
        let err = Error::Network("sent hunter2-very-secret to x".into());
        assert!(!error_json(&err).contains("hunter2"));
        assert!(error_json(&err).contains(REDACTED));
    }

    #[test]
    fn tiny_values_are_not_treated_as_secrets() {
        register_secret("ab");
        assert_eq!(redact("absent"), "absent");
    }
}
