//! A product given to a site by license (`provision --license`, `apply`'s
//! `"via":"license"`; see `work::ByLicense`): the site connected first
//! when WordPress knows no blog id for it, a license issued, its key set
//! through WordPress (Jetpack attaches it), the site connected afterwards
//! when Jetpack says it is not.
//!
//! Once a license is issued it is billed: every later failure carries its
//! key (`Error::LicenseNotOnSite`, printed as `license_key` with
//! `maybe_sent`, so a resume issues no second one), and so does a signal's
//! error (`signals::issued`).

use super::{license, named, Executor};
use crate::api::{Api, Request};
use crate::error::{Error, Result, WpMissing};
use crate::output;
use crate::signals;
use crate::work::ByLicense;
use crate::wp::{Attach, LicenseChange, Licensed, Wp};
use serde_json::{json, Map, Value};

/// No license key is longer (they are about 40 characters).
const KEY_LIMIT: usize = 200;

impl Executor {
    /// The product of `issue` on the site `how` says: the answer
    /// `{"success":true,"license_key":…,"blog_id":…}` (as printed, and as
    /// JSON) once its key is on the site and attached.
    pub(super) fn by_license(
        &self,
        api: &Api,
        issue: &Request,
        how: &ByLicense,
    ) -> Result<(Vec<u8>, Value)> {
        let Some(wp) = &how.wp else {
            return Err(Error::WpNotFound(WpMissing::NeededForLicense));
        };
        // A key for this product waits on the site already: a second
        // license would be billed too.
        let product = issue.json_str("product").unwrap_or_default();
        if how.licensed.contains(&product) {
            return Err(Error::LicenseWaiting { product });
        }
        // Not connected: connect first, so that a site whose owner refuses
        // the connection costs no license.
        let connected_first = how.blog_id.is_none();
        let mut blog = match how.blog_id {
            Some(id) => Value::from(id),
            None => self.connect_site(api, &how.connect)?,
        };
        let key = self.issue_key(api, issue)?;
        let at_large = |failed, set| Error::LicenseNotOnSite {
            failed: Box::new(failed),
            key: key.clone(),
            set,
        };
        let done = set_key(wp, &key)?;
        match attached(&done) {
            Ok(true) => {}
            // Jetpack attaches the stored key when the site connects.
            Ok(false) if !connected_first => {
                blog = self
                    .connect_site(api, &how.connect)
                    .map_err(|e| at_large(e, Some(true)))?;
            }
            Ok(false) => return Err(at_large(still_not_connected(&done), Some(true))),
            Err(e) => return Err(at_large(e, Some(true))),
        }
        if let Some(id) = done.blog_id {
            blog = Value::from(id);
        }
        let answer = json!({ "success": true, "license_key": key, "blog_id": blog });
        Ok((answer.to_string().into_bytes(), answer))
    }

    /// `POST /site-connection`: the site's blog id as the answer gives it
    /// (a number, also when sent as text); `previously_connected` fails.
    fn connect_site(&self, api: &Api, request: &Request) -> Result<Value> {
        let (answer, json) = self.exchange(api, request)?;
        license::connected(Some(&json), answer.request_id)?;
        Ok(match json.get("blog_id") {
            Some(Value::String(s)) => s.trim().parse::<u64>().map_or(json!(s), Value::from),
            Some(v) => v.clone(),
            None => Value::Null,
        })
    }

    /// `POST /license`: the new key, registered as a secret that API
    /// answers (and this command's answer) may show, and kept for a
    /// signal's error until it is printed.
    fn issue_key(&self, api: &Api, issue: &Request) -> Result<String> {
        let (answer, json) = self.exchange(api, issue)?;
        let key = json
            .get("license_key")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|k| is_key(k));
        let Some(key) = key else {
            let e = Error::NoLicenseKey {
                what: issue.label(),
            };
            return Err(Error::Sent {
                failed: Box::new(named(e, answer.request_id)),
                answer: Some(json),
            });
        };
        output::allow_in_answers(key);
        signals::issued(key);
        Ok(key.to_string())
    }
}

/// A key as the API issues them: letters, digits, `-` and `_`.
fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= KEY_LIMIT
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The key added to the site's `jetpack_licenses`; a failure carries the
/// key, and whether it is there (not known when `wp` ended before it
/// answered).
fn set_key(wp: &Wp, key: &str) -> Result<Licensed> {
    let at_large = |failed, set| Error::LicenseNotOnSite {
        failed: Box::new(failed),
        key: key.to_string(),
        set,
    };
    let change = LicenseChange {
        set: true,
        keys: vec![key.to_string()],
        safe_mode: true,
    };
    // It finishes work carried out already (the license is issued).
    let done = wp.licenses(&change, true).map_err(|e| at_large(e, None))?;
    match license::unwritten(&done) {
        Some(e) => Err(at_large(e, Some(false))),
        None => Ok(done),
    }
}

/// Whether Jetpack attached the key (false: the site is not connected);
/// why not, when it tried and failed. Keys that were there before and
/// failed are not this one's concern.
fn attached(done: &Licensed) -> Result<bool> {
    match &done.attach {
        Attach::Done { failed, .. } => match failed.first() {
            None => Ok(true),
            Some((_, code, message)) => Err(not_attached(
                done,
                format!("WordPress.com did not attach it ({code}: {message})"),
            )),
        },
        Attach::Refused { code, .. } if code == "not_connected" => Ok(false),
        Attach::Refused { code, message } => Err(not_attached(
            done,
            format!("Jetpack's request to attach it failed ({code}: {message}); Jetpack tries again when the site reconnects"),
        )),
        Attach::NoJetpack | Attach::NotTried => Err(not_attached(
            done,
            "Jetpack's licensing is not loaded (is Jetpack active and up to date?)".into(),
        )),
    }
}

/// Connected a moment ago, and Jetpack on the site still says it is not.
fn still_not_connected(done: &Licensed) -> Error {
    not_attached(
        done,
        "WordPress.com connected the site, but Jetpack on it still says it is not connected; it attaches the key when it is".into(),
    )
}

/// `license_error`: the key is in `jetpack_licenses`, not attached.
fn not_attached(done: &Licensed, why: String) -> Error {
    let mut fields = Map::new();
    if let Some(j) = &done.jetpack_error {
        fields.insert("jetpack_error".into(), Value::String(j.clone()));
    }
    Error::NotAttached {
        why: format!("the license is in jetpack_licenses, but {why}"),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(attach: Attach) -> Licensed {
        Licensed {
            blog_id: Some(7),
            copy: false,
            safe_mode_error: None,
            write_error: None,
            changed: true,
            stored: 1,
            added: 1,
            removed: 0,
            attach,
            jetpack_error: None,
        }
    }

    #[test]
    fn only_this_keys_attach_counts() {
        let ok = Attach::Done {
            failed: vec![],
            others_failed: 2,
        };
        assert!(matches!(attached(&done(ok)), Ok(true)));
        let waits = Attach::Refused {
            code: "not_connected".into(),
            message: "no".into(),
        };
        assert!(matches!(attached(&done(waits)), Ok(false)));
        let refused = Attach::Done {
            failed: vec![(1, "invalid_license".into(), "revoked".into())],
            others_failed: 0,
        };
        let e = attached(&done(refused)).err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("license_error"));
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("the license is in jetpack_licenses, but WordPress.com did not attach it (invalid_license: revoked)")
        );
        assert!(attached(&done(Attach::NoJetpack)).is_err());
    }

    #[test]
    fn keys_are_what_the_api_issues() {
        assert!(is_key("jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM"));
        assert!(!is_key(""));
        assert!(!is_key("a b"));
        assert!(!is_key(&"k".repeat(201)));
    }
}
