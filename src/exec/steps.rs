//! The steps that are more than one request: `apply`'s reconcile, calls
//! that are each tried (`backup-credentials` SSH and FTP), and `errors
//! CODE`'s narrowing of the catalogue.

use super::{Done, Executor};
use crate::api::Api;
use crate::api::Request;
use crate::error::{Error, Needed, Result};
use crate::holdings::{self, Change};
use crate::output;
use crate::work::Reconcile;
use serde_json::Value;

impl Executor {
    /// `apply` on one site: its status, the changes, and (unless this is a
    /// dry run) each change sent; `{"changed","actions","status"}`, or the
    /// first failure with that beside it. Every provision is tried (by
    /// license, only until one fails: each is billed); a cancel only while
    /// nothing the file wants is missing or unknown (`--prune` never undoes
    /// a plan because of a typo or a failure).
    pub(super) fn reconcile(&self, api: &Api, mut r: Reconcile) -> Result<Done> {
        let status = self.status(api, &r.status)?;
        let changes = holdings::changes(&status, &r.desired, r.prune);
        let unknown = holdings::unknown(&status, &r.desired);
        let mut actions = Vec::new();
        let mut failed: Option<Error> = None;
        // The last change carried out (a signal after it must say so).
        let mut done: Option<String> = None;
        for change in &changes {
            let mut action = serde_json::Map::new();
            action.insert("action".into(), Value::String(change.name().into()));
            action.insert("plan".into(), Value::String(change.slug().into()));
            if let (Change::Provision(_), Some(_)) = (change, &r.license) {
                action.insert("via".into(), Value::String("license".into()));
            }
            if let Some(why) = hold(change, &unknown, failed.is_some(), r.license.is_some()) {
                action.insert("sent".into(), Value::Bool(false));
                action.insert("why".into(), Value::String(why.to_string()));
                actions.push(Value::Object(action));
                continue;
            }
            if self.dry_run() {
                // A dry run fails where the real run would, sends nothing.
                if let (Change::Provision(_), None, None) = (change, &r.provision, &r.license) {
                    let e = Error::Missing(Needed::UserToProvision);
                    failed_action(&mut action, &e);
                    failed.get_or_insert(e);
                }
            } else {
                match self.change(api, &mut r, change) {
                    Ok((label, answer)) => {
                        action.insert("success".into(), Value::Bool(true));
                        action.insert("answer".into(), answer);
                        done = Some(label);
                    }
                    Err(e) => {
                        if e.license_key().is_some() {
                            // Issued (and billed): the site changed.
                            done = r.license.as_ref().map(|how| how.issue.label());
                        }
                        let e = after(e, &done);
                        failed_action(&mut action, &e);
                        failed.get_or_insert(e);
                    }
                }
            }
            actions.push(Value::Object(action));
        }
        let mut result = serde_json::Map::new();
        let changed = if self.dry_run() {
            result.insert("dry_run".into(), Value::Bool(true));
            !changes.is_empty()
        } else {
            done.is_some()
        };
        result.insert("changed".into(), Value::Bool(changed));
        result.insert("actions".into(), Value::Array(actions));
        result.insert("status".into(), status);
        match failed {
            None => Ok(Done::Applied(result)),
            Some(e) => Err(Error::Partial {
                which: "apply",
                failed: Box::new(e),
                results: result,
            }),
        }
    }

    /// Send one change: the request's label and the answer.
    fn change(&self, api: &Api, r: &mut Reconcile, change: &Change) -> Result<(String, Value)> {
        if let (Change::Provision(slug), Some(how)) = (change, r.license.as_mut()) {
            let issue = how.issue_of(slug);
            let (_, answer) = self.by_license(api, &issue, how)?;
            // Connected now: the next product needs no connection first.
            how.blog_id = answer["blog_id"].as_u64().or(how.blog_id);
            return Ok((issue.label(), answer));
        }
        let plan = vec![("plan".to_string(), change.slug().to_string())];
        let request = match change {
            Change::Provision(_) => r.provision.clone().map(|mut p| {
                if let crate::api::request::Body::Form(form) = &mut p.body {
                    form.extend(plan);
                }
                p
            }),
            Change::Cancel(_) => Some(r.cancel.clone().form(plan)),
        };
        let request = request.ok_or(Error::Missing(Needed::UserToProvision))?;
        let (_, answer) = self.send(api, &request)?;
        Ok((request.label(), answer))
    }

    /// Independent calls, each tried: `{name: answer, ...}`, or the first
    /// failure with every call's answer or error object beside it.
    pub(super) fn each(
        &self,
        api: &Api,
        calls: Vec<(&'static str, Request)>,
    ) -> Result<(Vec<u8>, Value)> {
        let mut results = serde_json::Map::new();
        let mut failed = None;
        for (name, request) in calls {
            match self.send(api, &request) {
                Ok((_, json)) => {
                    results.insert(name.to_string(), json);
                }
                Err(e) => {
                    let pairs = output::error_pairs(&e);
                    results.insert(name.to_string(), Value::Object(pairs.into_iter().collect()));
                    failed.get_or_insert((name, e));
                }
            }
        }
        let all = Value::Object(results.clone());
        match failed {
            None => Ok((all.to_string().into_bytes(), all)),
            Some((name, e)) => Err(Error::Partial {
                which: name,
                failed: Box::new(e),
                results,
            }),
        }
    }
}

/// `errors CODE`: `{"errors":{CODE: entry}}` from the catalogue.
pub(super) fn narrow(catalogue: Option<&Value>, code: &str) -> Result<(Vec<u8>, Value)> {
    let errors = catalogue.and_then(|c| c.get("errors"));
    match errors.and_then(|e| e.get(code)) {
        Some(entry) => {
            let mut one = serde_json::Map::new();
            one.insert(code.to_string(), entry.clone());
            let v = serde_json::json!({ "errors": Value::Object(one) });
            Ok((v.to_string().into_bytes(), v))
        }
        None => Err(Error::UnknownErrorCode {
            code: code.to_string(),
            known: errors.and_then(Value::as_object).map_or(0, |o| o.len()),
        }),
    }
}

/// Why a change is not sent: a cancel while a desired slug is unknown
/// (`unknown`) or a provision `failed`; a provision by license after one
/// failed (`by_license`).
fn hold(change: &Change, unknown: &Option<String>, failed: bool, by_license: bool) -> Option<Held> {
    match (change, unknown) {
        (Change::Cancel(_), Some(slug)) => Some(Held::Unknown(slug.clone())),
        (Change::Cancel(_), None) if failed => Some(Held::Failed),
        (Change::Provision(_), _) if failed && by_license => Some(Held::LicenseFailed),
        _ => None,
    }
}

/// Why `apply` sent no cancel (or, by license, no further provision).
enum Held {
    /// A desired slug neither the API's status nor our list knows.
    Unknown(String),
    /// A desired provision failed.
    Failed,
    /// A provision by license failed: no other license is issued for the
    /// site in this run (what failed would likely fail again, and each
    /// license is billed).
    LicenseFailed,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Held::Unknown(slug) => write!(
                f,
                "not sent: the desired {slug:?} is no plan or product known here (a typo?), so nothing of this site is cancelled"
            ),
            Held::Failed => f.write_str(
                "not sent: a desired provision failed, so nothing of this site is cancelled until it has what the file lists",
            ),
            Held::LicenseFailed => f.write_str(
                "not sent: a provision by license of this site failed, so no other license (each is billed) is issued for it in this run",
            ),
        }
    }
}

/// A failed change as its action says it: ours and the API's fields.
fn failed_action(action: &mut serde_json::Map<String, Value>, e: &Error) {
    action.extend(output::error_pairs(e).into_iter().filter(|(k, _)| {
        matches!(
            k.as_str(),
            "success" | "error_code" | "error_message" | "maybe_sent" | "license_key"
        )
    }));
    if let Some(fields) = e.api_fields() {
        action.insert(
            "answer".into(),
            output::redact_value(&Value::Object(fields.clone())),
        );
    }
}

/// A signal that stopped a later change of a site whose earlier change was
/// carried out: the interruption says so (a resume must look first).
fn after(e: Error, done: &Option<String>) -> Error {
    match (e, done) {
        (Error::Interrupted { signal, sent: None }, Some(label)) => Error::Interrupted {
            signal,
            sent: Some(label.clone()),
        },
        (e, _) => e,
    }
}
