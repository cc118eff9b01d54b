//! Everything the tool prints goes through here: the success body on stdout,
//! lines we build (dry-run documents, batch results), the one JSON error
//! object on stderr, `--verbose` notes, and the panic hook that turns a bug
//! into that same error object.

pub mod clock;
pub mod format;
pub mod progress;
mod redact;
pub mod visible;

pub use redact::{
    allow_in_answers, redact, redact_answer, redact_answer_value, redact_json, redact_value,
    register_secret, REDACTED,
};
pub use visible::visible;

use crate::error::Error;
use serde_json::{Map, Value};
use std::io::{self, Write};
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

static VERBOSE: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no progress, no notes, a summary only when a site failed or
/// changed (cron mails only what needs a look).
pub fn set_quiet(on: bool) {
    QUIET.store(on, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// A progress note on stderr, only with `--verbose`.
pub fn verbose(msg: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        note(msg);
    }
}

/// A note on stderr, `jetpack-partner: MSG`: scrubbed of secrets, and what
/// came from outside (a folder name, `wp`'s or the API's words) cannot act
/// on the terminal (control and bidi characters shown as `\u{1b}`).
pub fn note(msg: &str) {
    if quiet() {
        return;
    }
    stderr(&format!("jetpack-partner: {}\n", visible(&redact(msg))));
}

/// What a successful command prints on stdout.
pub enum Outcome {
    /// The API's body, verbatim.
    Body(Vec<u8>),
    /// A document we built (dry-run).
    Json(Value),
    /// Output already printed line by line (batch); exit 1 if any failed.
    Printed { failed: bool },
}

impl Outcome {
    /// Print it; `Ok(true)` when the run failed anyway (a batch with a
    /// failed site). A stdout that cannot take it is `output_failed`.
    pub fn print(self) -> Result<bool, Error> {
        let (written, carried_out) = match self {
            Outcome::Body(b) => (body(&b), true),
            Outcome::Json(v) => (json_line(&v), false),
            Outcome::Printed { failed } => return Ok(failed),
        };
        written.map(|()| false).map_err(|e| Error::OutputFailed {
            cause: e.to_string(),
            carried_out,
            lost: 0,
        })
    }
}

/// The final answer (or an error about to be printed) has been written:
/// a signal arriving now must not add a second ending.
static GATE: Mutex<bool> = Mutex::new(false);

fn gate() -> MutexGuard<'static, bool> {
    GATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The API body exactly as received, trailing newlines trimmed, one `\n`
/// added: the run's final output.
pub fn body(body: &[u8]) -> io::Result<()> {
    let mut end = body.len();
    while end > 0 && matches!(body[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let body = &body[..end];
    // Byte for byte, unless it carries a secret of ours (an API echoing the
    // partner token or a password back): SPEC §9 allows it in no form.
    let scrubbed = std::str::from_utf8(body).ok().and_then(redact_answer);
    let body = scrubbed.as_ref().map_or(body, |s| s.as_bytes());
    let mut line = Vec::with_capacity(body.len() + 1);
    line.extend_from_slice(body);
    line.push(b'\n');
    let mut g = gate();
    *g = true;
    stdout(&line)
}

/// The run's final output written by `write` (a single site's one-row
/// list): a signal arriving now must not add a second ending.
pub fn last(write: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
    let mut g = gate();
    *g = true;
    write()
}

/// A JSON document we built ourselves (dry run), scrubbed of secrets, the
/// characters that could act on a terminal as `\u` escapes: the run's
/// final output.
pub fn json_line(value: &Value) -> io::Result<()> {
    let mut g = gate();
    *g = true;
    let text = value.to_string();
    let text = redact_json(&text).unwrap_or(text);
    let mut text = visible::json(&text).into_owned();
    text.push('\n');
    stdout(text.as_bytes())
}

/// A line of a list (batch results with the API's answer as received, a
/// CSV row, a table line), scrubbed of secrets as the single-site body is.
pub fn raw_line(text: &str) -> io::Result<()> {
    let scrubbed = redact_answer(text);
    let text = scrubbed.as_deref().unwrap_or(text);
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    stdout(line.as_bytes())
}

/// Part of a document (the audit page, cut between rows), scrubbed of
/// secrets as a line is, written as it is.
pub fn raw_chunk(text: &str) -> io::Result<()> {
    let scrubbed = redact_answer(text);
    stdout(scrubbed.as_deref().unwrap_or(text).as_bytes())
}

/// Write to file descriptor 1 directly: each line goes out in one write
/// call, newline included (std's line buffering could split it), and a
/// failure (closed pipe, full disk) is the caller's to report.
fn stdout(bytes: &[u8]) -> io::Result<()> {
    let _lock = std::io::stdout().lock();
    // SAFETY: fd 1 is open for the whole life of the process (or writes
    // fail with EBADF, which is reported); ManuallyDrop keeps us from
    // closing it.
    let mut out = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    let written = out.write_all(bytes);
    if written
        .as_ref()
        .is_err_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    {
        READER_GONE.store(true, Ordering::SeqCst);
    }
    written
}

/// The run only reads (see `job::Invocation::read_only`).
static READ_ONLY: AtomicBool = AtomicBool::new(false);
/// A write to stdout found no reader (a closed pipe).
static READER_GONE: AtomicBool = AtomicBool::new(false);

pub fn set_read_only(on: bool) {
    READ_ONLY.store(on, Ordering::SeqCst);
}

/// A run that only reads lost its reader (`| head -1`): it stops quietly,
/// exit 0, with no error and no summary (SPEC §9a; ripgrep does the same).
/// A run that changes something still reports `output_failed`.
pub fn quiet_end() -> bool {
    READ_ONLY.load(Ordering::SeqCst) && READER_GONE.load(Ordering::SeqCst)
}

/// Text on stderr, in one write; a stderr that cannot be written is
/// ignored (there is nowhere left to report it).
pub fn stderr(text: &str) {
    let _lock = std::io::stderr().lock();
    // SAFETY: as for stdout; fd 2 is never closed by us.
    let mut err = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
    let _ = err.write_all(text.as_bytes());
}

/// The error object: `success`, `error_code`, `error_message` first (and
/// `"maybe_sent":true` when the request may have been carried out), then the
/// API's own fields (when the error came from the API) that are not already
/// there. Every string is scrubbed of secrets.
pub fn error_json(err: &Error) -> String {
    visible::json(&Value::Object(error_pairs(err)).to_string()).into_owned()
}

/// The fields of the error object, in order (see `error_json`; the map
/// keeps insertion order).
pub fn error_pairs(err: &Error) -> Map<String, Value> {
    let mut pairs = Map::new();
    pairs.insert("success".into(), Value::Bool(false));
    // The API's code is its text: scrubbed like the rest (ours hold no
    // secret, so they stay as they are).
    pairs.insert("error_code".into(), Value::String(redact(err.error_code())));
    pairs.insert(
        "error_message".into(),
        Value::String(redact(&err.message())),
    );
    if err.maybe_sent() {
        // As on a batch line: a request that changes something may have
        // been carried out; a hook must not simply send it again.
        pairs.insert("maybe_sent".into(), Value::Bool(true));
    }
    if let Some(id) = err.request_id() {
        // Support asks for it (the Licensing API's answers carry one).
        pairs.insert("request_id".into(), Value::String(id.to_string()));
    }
    if let Some(key) = err.license_key() {
        // Issued and billed, not on its site: printing it is the point
        // (never scrubbed; everywhere else it is a secret).
        pairs.insert("license_key".into(), Value::String(key.to_string()));
    }
    if let Some(fields) = err.api_fields() {
        for (k, v) in fields {
            if !pairs.contains_key(k) {
                pairs.insert(k.clone(), redact_value(v));
            }
        }
    }
    pairs
}

/// Print the error object on stderr: the run's final output.
pub fn error(err: &Error) {
    let mut g = gate();
    *g = true;
    stderr(&format!("{}\n", error_json(err)));
}

/// A signal ends a single run: print its error unless the run already
/// ended its own way. True when printed; the gate then stays closed, so
/// nothing else is printed before the process exits.
pub fn interrupt(err: &Error) -> bool {
    let mut g = gate();
    if *g {
        return false;
    }
    *g = true;
    stderr(&format!("{}\n", error_json(err)));
    std::mem::forget(g);
    true
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
        // Not through the gate: the panic may have happened while it was held.
        stderr(&format!("{}\n", error_json(&Error::Internal { what, at })));
        std::process::exit(1);
    }));
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
        let err = Error::Api {
            code: "x".into(),
            message: "sent hunter2-very-secret to x".into(),
            fields: Map::new(),
        };
        assert!(!error_json(&err).contains("hunter2"));
        assert!(error_json(&err).contains(REDACTED));
    }
}
