//! One result line per site: ours first (command, site, plan, success,
//! changed), then either the API's answer unchanged under `answer`, or the
//! error; last the run record (SPEC §10): `line`, `run`, `ts`,
//! `duration_ms`.

use super::entry::Key;
use crate::error::Error;
use crate::exec::Done;
use crate::job::Meta;
use crate::output::{self, clock};
use serde_json::{Map, Value};
use std::time::{Instant, SystemTime};

/// Where a line stands in its run (SPEC §10 "Run records").
pub struct Record<'a> {
    pub run: &'a str,
    /// The input line, or the site's place in the network.
    pub line: usize,
    /// When work on the site began.
    pub started: Instant,
}

impl Record<'_> {
    /// `line`, `run`, `ts` (when the site finished) and `duration_ms`.
    fn add_to(&self, o: &mut Map<String, Value>) {
        o.insert("line".into(), Value::from(self.line));
        o.insert("run".into(), Value::String(self.run.to_string()));
        o.insert(
            "ts".into(),
            Value::String(clock::rfc3339(SystemTime::now())),
        );
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        o.insert("duration_ms".into(), Value::from(ms));
    }
}

/// Our fields first: command, site, plan, success, changed (settled by the
/// caller).
fn head(key: &Key, success: bool) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("command".into(), Value::String(key.command.clone()));
    o.insert("site".into(), Value::String(key.site.clone()));
    if let Some(p) = &key.plan {
        o.insert("plan".into(), Value::String(p.clone()));
    }
    o.insert("success".into(), Value::Bool(success));
    o.insert("changed".into(), Value::Bool(false));
    o
}

/// `{"command":…,"site":…,"plan":…,"success":true,"changed":…,"answer":{…}}`;
/// a dry run's requests in place of the answer. A read changes nothing;
/// `apply` says itself.
pub fn done(meta: &Meta, key: &Key, done: Done, record: Option<&Record>) -> Value {
    let mut o = head(key, true);
    let changed = !meta.read_only && matches!(done, Done::Body(_));
    o.insert("changed".into(), Value::Bool(changed));
    match done {
        Done::DryRun(Value::Object(doc)) => o.extend(doc),
        Done::DryRun(other) => {
            o.insert("dry_run".into(), other);
        }
        Done::Unchanged(status) => {
            o.insert("answer".into(), status);
        }
        Done::Applied(fields) => o.extend(fields),
        Done::Body(body) => {
            // The answer as received (judged to be JSON already).
            let answer = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            o.insert("answer".into(), answer);
        }
        // Lines of its own (license issue, list): no site command's.
        Done::Printed => {}
    }
    if let Some(r) = record {
        r.add_to(&mut o);
    }
    Value::Object(o)
}

/// `{"command":…,"site":…,"plan":…,"success":false,"changed":…,
/// "error_code":…,"error_message":…,"answer":{the API's error body}}`,
/// scrubbed of secrets. Changed: a request that changes something was
/// carried out before the failure (a provision whose authorize step
/// failed); `apply` says itself.
pub fn failed(key: &Key, e: &Error, record: Option<&Record>) -> Value {
    let mut o = head(key, false);
    let carried_out = matches!(
        e,
        Error::Sent {
            answer: Some(_),
            ..
        } | Error::LicenseNotOnSite { .. }
    );
    o.insert("changed".into(), Value::Bool(carried_out));
    o.insert(
        "error_code".into(),
        Value::String(e.error_code().to_string()),
    );
    o.insert(
        "error_message".into(),
        Value::String(output::redact(&e.message())),
    );
    if e.maybe_sent() {
        // A resume with --skip-done leaves this site alone: check it first.
        o.insert("maybe_sent".into(), Value::Bool(true));
    }
    if let Some(id) = e.request_id() {
        o.insert("request_id".into(), Value::String(id.to_string()));
    }
    if let Some(key) = e.license_key() {
        // Issued and billed, not on its site: the line keeps it.
        o.insert("license_key".into(), Value::String(key.to_string()));
    }
    match e {
        // What the API answered to the request that went through (a
        // provision's, with the site's token to finish authorizing).
        Error::Sent {
            answer: Some(answer),
            ..
        } => {
            o.insert("answer".into(), answer.clone());
        }
        // Ours (apply's changed/actions/status, backup-credentials' ssh/ftp):
        // beside our other fields.
        Error::Partial { results, .. } => {
            // Answers inside (apply's actions): as a successful line's.
            if let Value::Object(r) = output::redact_answer_value(&Value::Object(results.clone())) {
                o.extend(r);
            }
        }
        _ => {
            if let Some(fields) = e.api_fields() {
                o.insert(
                    "answer".into(),
                    output::redact_value(&Value::Object(fields.clone())),
                );
            }
        }
    }
    if let Some(r) = record {
        r.add_to(&mut o);
    }
    Value::Object(o)
}
