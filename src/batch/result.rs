//! One result line per site: ours first (command, site, plan, success),
//! then either the API's answer unchanged under `answer`, or the error.

use super::entry::Key;
use crate::error::Error;
use crate::exec::Done;
use crate::job::Meta;
use crate::output;
use serde_json::{Map, Value};

/// Our fields first: command, site, plan.
fn head(key: &Key, success: bool) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("command".into(), Value::String(key.command.clone()));
    o.insert("site".into(), Value::String(key.site.clone()));
    if let Some(p) = &key.plan {
        o.insert("plan".into(), Value::String(p.clone()));
    }
    o.insert("success".into(), Value::Bool(success));
    o
}

/// `{"command":…,"site":…,"plan":…,"success":true,"changed":…,"answer":{…}}`
/// (`changed` for the commands that change something); a dry run's
/// requests in place of the answer.
pub fn done(meta: &Meta, key: &Key, done: Done) -> Value {
    let mut o = head(key, true);
    if meta.reports_changed {
        let changed = !matches!(done, Done::Unchanged(_) | Done::DryRun(_));
        o.insert("changed".into(), Value::Bool(changed));
    }
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
    Value::Object(o)
}

/// `{"command":…,"site":…,"plan":…,"success":false,"error_code":…,
/// "error_message":…,"answer":{the API's error body}}`, scrubbed of secrets.
pub fn failed(key: &Key, e: &Error) -> Value {
    let mut o = head(key, false);
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
            if let Value::Object(r) = output::redact_value(&Value::Object(results.clone())) {
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
    Value::Object(o)
}
