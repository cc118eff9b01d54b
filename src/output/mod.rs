//! Everything the tool prints goes through here: the success body on stdout,
//! lines we build (dry-run documents, batch results), the one JSON error
//! object on stderr, `--verbose` notes, and the panic hook that turns a bug
//! into that same error object.

mod redact;

pub use redact::{redact, redact_value, register_secret, REDACTED};

use crate::error::Error;
use serde_json::Value;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// A progress note on stderr, only with `--verbose`.
pub fn verbose(msg: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        stderr(&format!("jetpack-partner: {}\n", redact(msg)));
    }
}

/// The API body exactly as received, trailing newlines trimmed, one `\n` added.
pub fn body(body: &[u8]) {
    let mut end = body.len();
    while end > 0 && matches!(body[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let mut line = Vec::with_capacity(end + 1);
    line.extend_from_slice(&body[..end]);
    line.push(b'\n');
    stdout(&line);
}

/// A JSON document or line we built ourselves, scrubbed of secrets.
pub fn json_line(value: &Value) {
    line(&value.to_string());
}

/// One line of text we built, scrubbed of secrets, written in one call.
pub fn line(text: &str) {
    let mut text = redact(text);
    text.push('\n');
    stdout(text.as_bytes());
}

/// A line that carries an API answer verbatim (batch results): the answer
/// is the caller's, like the single-site body; our own parts of the line
/// hold no secrets.
pub fn raw_line(text: &str) {
    let mut text = text.to_string();
    text.push('\n');
    stdout(text.as_bytes());
}

fn stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (caller went away) is not worth a second error.
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

/// Text on stderr; a stderr that cannot be written is ignored (there is
/// nowhere left to report it).
pub fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
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
        (
            "error_message".into(),
            Value::String(redact(&err.message())),
        ),
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

/// Print the error object on stderr.
pub fn error(err: &Error) {
    stderr(&format!("{}\n", error_json(err)));
}

/// A bug must still end as the contract says: exit 1 and one JSON object on
/// stderr, not a Rust panic message (release builds abort on panic).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        error(&Error::Internal { what, at });
        std::process::exit(1);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

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
        let err = Error::Api {
            code: "x".into(),
            message: "sent hunter2-very-secret to x".into(),
            fields: Map::new(),
        };
        assert!(!error_json(&err).contains("hunter2"));
        assert!(error_json(&err).contains(REDACTED));
    }
}
