//! The steps of the licensing commands: the product check before an issue,
//! issuing N licenses one line each, printing every page of a list, a
//! site connection's verdict, `jetpack_licenses` through WordPress, and
//! what a dry run shows of them.

use super::{named, Done, Executor};
use crate::api::{Api, Request};
use crate::error::{Error, Result};
use crate::holdings::{PLANS, PRODUCTS};
use crate::output;
use crate::work::{Paging, Step, Work};
use crate::wp::{Attach, LicenseChange, Licensed, Wp};
use serde_json::{json, Map, Value};

impl Executor {
    /// `--dry-run`: the requests that would be sent, after the checks a
    /// real run makes first (an unknown product fails here too) and with
    /// the reads it shows (`Peek`); what would change in WordPress.
    pub(super) fn dry(&self, work: &Work) -> Result<Done> {
        let mut doc = self.describe(work);
        for step in &work.steps {
            match step {
                Step::CheckProduct { families, slug } => {
                    self.check_product(self.api()?, families, slug)?
                }
                Step::Peek { name, request } => {
                    let (_, json) = self.send(self.api()?, request)?;
                    doc[*name] = json;
                }
                Step::Licenses { change, .. } => {
                    let n = change.keys.len();
                    let what = if change.set { "add" } else { "remove" };
                    doc["jetpack_licenses"] = json!({ what: n });
                }
                Step::ByLicense { how, .. } => {
                    doc["jetpack_licenses"] = json!({ "add": 1 });
                    doc["then"] = Value::String(then(how.blog_id.is_some()).into());
                }
                _ => {}
            }
        }
        Ok(Done::DryRun(doc))
    }

    /// A product slug the documentation does not name: one of the API's
    /// product families (public, no token), or `invalid_input` listing
    /// them (the documented ones when the API cannot say).
    pub(super) fn check_product(&self, api: &Api, families: &Request, slug: &str) -> Result<()> {
        let known = match self.send(api, families) {
            Ok((_, json)) => Some(product_slugs(&json)).filter(|s| !s.is_empty()),
            Err(e) => {
                output::verbose(&format!("the product families could not be read ({e})"));
                None
            }
        };
        match known {
            Some(slugs) if slugs.iter().any(|s| s == slug) => Ok(()),
            Some(slugs) => Err(Error::UnknownProduct {
                slug: slug.to_string(),
                known: slugs,
                from_api: true,
            }),
            None => Err(Error::UnknownProduct {
                slug: slug.to_string(),
                known: PLANS
                    .iter()
                    .chain(PRODUCTS)
                    .map(|s| s.to_string())
                    .collect(),
                from_api: false,
            }),
        }
    }

    /// `license issue --count`: one request after the other, each answer
    /// its own line on stdout as it comes. Never sent again once it may
    /// have reached the API (each is billed); a failure stops the rest and
    /// says how many were issued before it.
    pub(super) fn repeat(&self, api: &Api, request: &Request, times: u32) -> Result<Done> {
        for n in 0..times {
            let (body, json) = match self.send(api, request) {
                Ok(answer) => answer,
                // Nothing issued yet: the failure as it is.
                Err(e) if n == 0 => return Err(e),
                Err(e) => return Err(issued(n, times, e, None)),
            };
            if let Err(e) = output::raw_line(&one_line(&body, &json)) {
                let failed = Error::OutputFailed {
                    cause: e.to_string(),
                    carried_out: true,
                    lost: 1,
                };
                // Issued and billed: it goes with the error (stderr).
                return Err(issued(n + 1, times, failed, Some(json)));
            }
        }
        Ok(Done::Printed)
    }

    /// Every item of every page, one line each as its page comes.
    pub(super) fn print_pages(&self, api: &Api, request: &Request, paging: Paging) -> Result<Done> {
        self.pages(api, request, paging, |item| {
            // Re-serialised (not the answer as received): its terminal
            // controls as `\u` escapes, as batch lines have them.
            let line = item.to_string();
            output::raw_line(&output::visible::json(&line)).map_err(|e| Error::OutputFailed {
                cause: e.to_string(),
                carried_out: false,
                lost: 1,
            })
        })?;
        Ok(Done::Printed)
    }
}

/// What a dry run of a product by license says follows the requests it
/// shows (`connected`: WordPress knows the site's blog id, so no
/// connection goes first).
fn then(connected: bool) -> &'static str {
    if connected {
        "the new license key set on the site (jetpack_licenses, through wp); then POST /wpcom/v2/jetpack-licensing/site-connection if Jetpack says the site is not connected"
    } else {
        "the new license key set on the site (jetpack_licenses, through wp)"
    }
}

/// `issued` of `count` licenses were issued before `failed`; `unwritten`:
/// one of them that could not be printed.
fn issued(issued: u32, count: u32, failed: Error, unwritten: Option<Value>) -> Error {
    let mut fields = failed.api_fields().cloned().unwrap_or_default();
    fields.insert("issued".into(), Value::from(issued));
    if let Some(license) = unwritten {
        fields.insert("license".into(), license);
    }
    Error::Issued {
        issued,
        count,
        failed: Box::new(failed),
        fields,
    }
}

/// The answer on one line: as received when it is one already.
fn one_line(body: &[u8], json: &Value) -> String {
    match std::str::from_utf8(body) {
        Ok(text) if !text.trim_end().contains(['\n', '\r']) => text.trim_end().to_string(),
        _ => json.to_string(),
    }
}

/// Every product slug of `/product-families`, in its order, once each.
fn product_slugs(families: &Value) -> Vec<String> {
    let mut slugs: Vec<String> = Vec::new();
    let products = families
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("products").and_then(Value::as_array))
        .flatten();
    for p in products {
        if let Some(s) = p.get("slug").and_then(Value::as_str) {
            if !slugs.iter().any(|k| k == s) {
                slugs.push(s.to_string());
            }
        }
    }
    slugs
}

/// A site connection's answer: `success` and `already_connected` are
/// connected; `previously_connected` (its owner disconnected it on
/// purpose) is not, and is never tried again.
pub(super) fn connected(answer: Option<&Value>, request_id: Option<String>) -> Result<()> {
    let Some(Value::Object(fields)) = answer else {
        return Ok(());
    };
    if fields.get("code").and_then(Value::as_str) != Some("previously_connected") {
        return Ok(());
    }
    let e = Error::Api {
        code: "previously_connected".into(),
        message: "WordPress.com says the site's owner disconnected it on purpose (previously_connected), so it was not connected again; only its owner can connect it now (Jetpack in wp-admin)".into(),
        fields: fields.clone(),
    };
    Err(named(e, request_id))
}

/// `license set`/`unset` on the site's WordPress: what changed, or why the
/// keys were not attached.
pub(super) fn licenses(wp: Option<&Wp>, change: &LicenseChange) -> Result<Done> {
    let Some(wp) = wp else {
        return Err(Error::Internal {
            what: "jetpack_licenses without wp".into(),
            at: String::new(),
        });
    };
    let done = wp.licenses(change, false)?;
    if let Some(e) = unwritten(&done) {
        return Err(e);
    }
    let mut doc = Map::new();
    doc.insert("success".into(), Value::Bool(true));
    doc.insert("changed".into(), Value::Bool(done.changed));
    doc.insert("licenses".into(), Value::from(done.stored));
    if change.set {
        doc.insert("added".into(), Value::from(done.added));
    } else {
        doc.insert("removed".into(), Value::from(done.removed));
    }
    match attached(&done, change.keys.len()) {
        Ok(None) => {}
        Ok(Some((yes, note))) => {
            doc.insert("attached".into(), Value::Bool(yes));
            if let Some(note) = note {
                doc.insert("note".into(), Value::String(note.into()));
            }
        }
        Err(e) => return Err(e),
    }
    Ok(Done::Applied(doc))
}

/// Why WordPress wrote nothing, if it did not: the site is a copy of
/// another (safe mode), Jetpack's check failed, or the option would not
/// be written.
pub(super) fn unwritten(done: &Licensed) -> Option<Error> {
    let what = "wp eval (jetpack_licenses)";
    if done.copy {
        return Some(Error::SiteInSafeMode {
            blog_id: done.blog_id,
        });
    }
    let failed = |what: String, e: &String| Error::WpFailed {
        what,
        exit: "exit code 0".into(),
        said: crate::wp::parse::snippet(e),
    };
    if let Some(e) = &done.safe_mode_error {
        return Some(failed(format!("Jetpack's safe-mode check ({what})"), e));
    }
    done.write_error.as_ref().map(|e| failed(what.into(), e))
}

/// Whether the keys are attached (None: `unset`, nothing to attach), with
/// a note when they wait; `license_error` when WordPress.com refused some.
fn attached(done: &Licensed, given: usize) -> Result<Option<(bool, Option<&'static str>)>> {
    let stored = done.stored;
    let failure = |why: String, mut fields: Map<String, Value>| {
        fields.insert("licenses".into(), Value::from(stored));
        if let Some(j) = &done.jetpack_error {
            fields.insert("jetpack_error".into(), Value::String(j.clone()));
        }
        Err(Error::NotAttached { why, fields })
    };
    match &done.attach {
        Attach::NotTried => Ok(None),
        Attach::NoJetpack => Ok(Some((false, Some("Jetpack's licensing is not loaded (is Jetpack active?): the keys wait in jetpack_licenses until it is and the site is connected")))),
        Attach::Refused { code, .. } if code == "not_connected" => Ok(Some((false, Some("the site is not connected: Jetpack attaches the keys when it connects (connect)")))),
        Attach::Refused { code, message } => failure(
            format!("the keys are in jetpack_licenses ({stored} there now), but Jetpack's request to attach them failed ({code}: {message}); try again later, or reconnect Jetpack"),
            Map::new(),
        ),
        Attach::Done { failed, others_failed } if failed.is_empty() && *others_failed == 0 => Ok(Some((true, None))),
        Attach::Done { failed, others_failed } => {
            let list: Vec<String> = failed
                .iter()
                .map(|(at, code, message)| format!("key {at} of the {given} given ({code}: {message})"))
                .collect();
            let mut said = list.join(", ");
            if *others_failed > 0 {
                if !said.is_empty() {
                    said.push_str("; and ");
                }
                said.push_str(&format!("{others_failed} key(s) already there before"));
            }
            let fields: Map<String, Value> = [
                (
                    "failed".to_string(),
                    failed
                        .iter()
                        .map(|(at, code, message)| json!({"given": at, "code": code, "message": message}))
                        .collect(),
                ),
                ("others_failed".to_string(), Value::from(*others_failed)),
            ]
            .into_iter()
            .collect();
            failure(
                format!("the keys are in jetpack_licenses ({stored} there now), but WordPress.com did not attach {said}: invalid, revoked or in use on another site"),
                fields,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_go_on_one_line() {
        let v = json!({"a": 1});
        assert_eq!(one_line(b"{\"a\": 1}\n", &v), "{\"a\": 1}");
        assert_eq!(one_line(b"{\n  \"a\": 1\n}\n", &v), "{\"a\":1}");
    }

    #[test]
    fn product_slugs_come_once_in_order() {
        let families = json!([
            {"slug": "plans", "products": [{"slug": "free"}, {"slug": "premium"}]},
            {"slug": "scan", "products": [{"slug": "jetpack-scan"}, {"slug": "free"}]},
            {"slug": "odd"}
        ]);
        assert_eq!(
            product_slugs(&families),
            ["free", "premium", "jetpack-scan"]
        );
        assert!(product_slugs(&json!({"x": 1})).is_empty());
    }

    fn executor(tokens: crate::tokens::Tokens) -> Executor {
        let settings = crate::job::Settings {
            base: crate::api::Base::default(),
            timeout: std::time::Duration::from_secs(1),
            dry_run: false,
            verbose: false,
            quiet: false,
            tokens,
        };
        Executor::new(settings, None)
    }

    #[test]
    fn each_kind_of_request_gets_its_own_token() {
        use crate::api::Bearer;
        use crate::tokens::{Given, Tokens};
        let given = |token: &str, source: &str| {
            Some(Given {
                token: token.into(),
                source: source.into(),
            })
        };
        let exec = executor(Tokens {
            licensing: given("lic-1", "--licensing-token-file"),
            reporting: given("rep-1", "JETPACK_REPORTING_TOKEN"),
        });
        assert_eq!(exec.bearer(Bearer::None).ok(), Some(None));
        assert_eq!(
            exec.bearer(Bearer::Licensing).ok(),
            Some(Some("lic-1".into()))
        );
        assert_eq!(
            exec.bearer(Bearer::Reporting).ok(),
            Some(Some("rep-1".into()))
        );
        assert!(!exec.takes_partner_token(Bearer::Licensing));
        assert_eq!(
            exec.token_source(Bearer::Licensing),
            "--licensing-token-file"
        );
        // No reporting token: said before anything is sent.
        let none = executor(Tokens::default());
        let e = none.bearer(Bearer::Reporting).err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("invalid_input"));
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("no reporting token (a WordPress.com user token of the user tied to the partner key) was given: give --reporting-token-file=PATH or JETPACK_REPORTING_TOKEN")
        );
        assert!(none.takes_partner_token(Bearer::Licensing));
        assert_eq!(
            none.token_source(Bearer::Licensing),
            "the partner token (client credentials)"
        );
    }

    #[test]
    fn previously_connected_fails_with_the_request_id() {
        let ok = json!({"code": "already_connected", "blog_id": 5});
        assert!(connected(Some(&ok), None).is_ok());
        let no = json!({"code": "previously_connected", "blog_id": 5});
        let e = connected(Some(&no), Some("req-1".into())).err();
        assert_eq!(
            e.as_ref().map(Error::error_code),
            Some("previously_connected")
        );
        assert_eq!(e.as_ref().and_then(Error::request_id), Some("req-1"));
    }
}
