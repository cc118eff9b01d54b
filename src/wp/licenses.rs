//! `license set`/`unset`: Jetpack's `jetpack_licenses` option changed
//! through WordPress by one constant PHP program ([`LICENSES_PHP`]), the
//! keys handed over by environment variable (never as PHP source text nor
//! in `ps`).
//!
//! Plugins are loaded for it (unlike the facts calls): Jetpack's licensing
//! is what attaches the keys, at once on a connected site. With
//! `--skip-plugins` the keys would only be stored, and stay unattached
//! until the option next changes or the site next connects.

use super::parse::{parse_marked, snippet};
use super::programs::LICENSES_PHP;
use super::Wp;
use crate::error::{Error, Result};
use serde_json::Value;

/// What to change in `jetpack_licenses`.
#[derive(Debug, Clone, Hash)]
pub struct LicenseChange {
    /// Add the keys (`set`), or remove them (`unset`).
    pub set: bool,
    /// Checked license keys.
    pub keys: Vec<String>,
    /// Run Jetpack's safe-mode check first: a copy is left alone.
    pub safe_mode: bool,
}

/// What the program did.
#[derive(Debug, Clone, PartialEq)]
pub struct Licensed {
    pub blog_id: Option<u64>,
    /// Jetpack's safe-mode check said this is a copy: nothing was written.
    pub copy: bool,
    /// The check itself failed (its words): nothing was written.
    pub safe_mode_error: Option<String>,
    /// WordPress would not write the option (nothing else was done).
    pub write_error: Option<String>,
    pub changed: bool,
    /// Keys in the option now (as Jetpack reads it).
    pub stored: u64,
    pub added: u64,
    pub removed: u64,
    pub attach: Attach,
    /// Jetpack's own `licensing_error`, when this run changed it.
    pub jetpack_error: Option<String>,
}

/// How attaching the stored keys went.
#[derive(Debug, Clone, PartialEq)]
pub enum Attach {
    /// `unset`: nothing to attach.
    NotTried,
    /// Jetpack's licensing is not loaded (Jetpack inactive or missing).
    NoJetpack,
    /// Jetpack refused before asking WordPress.com (`not_connected`) or the
    /// request failed (`request_failed`): its code and words.
    Refused { code: String, message: String },
    /// Asked: the given keys WordPress.com refused (their positions among
    /// those given, 1 first, with its code and words), and how many keys
    /// already there it refused.
    Done {
        failed: Vec<(u64, String, String)>,
        others_failed: u64,
    },
}

impl Wp {
    /// Change `jetpack_licenses` as `change` says, in one `wp eval`.
    /// `finishes`: it finishes work already carried out (a license issued
    /// for this site), so a batch's first signal lets it run to its end.
    pub fn licenses(&self, change: &LicenseChange, finishes: bool) -> Result<Licensed> {
        let keys = change.keys.join("\n");
        let env = [
            (
                "JETPACK_WP_SAFE_MODE",
                if change.safe_mode { "1" } else { "0" },
            ),
            (
                "JETPACK_WP_LICENSE_OP",
                if change.set { "set" } else { "unset" },
            ),
            ("JETPACK_WP_LICENSES", keys.as_str()),
        ];
        let pre = ["--skip-themes".to_string()];
        let out = self.run_child(&pre, &["eval", LICENSES_PHP], &env, finishes)?;
        let what = "wp eval (jetpack_licenses)";
        match (out.status.success(), parse_marked(&out.stdout_text())) {
            (true, Some(v)) => licensed(&v).ok_or_else(|| Error::WpNoValue {
                what: what.into(),
                wanted: "answer about jetpack_licenses",
                printed: snippet(&out.stdout_text()),
            }),
            _ => Err(self.failure(what, &out)),
        }
    }
}

/// The program's answer, typed; None when it is not one.
fn licensed(v: &Value) -> Option<Licensed> {
    let num = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let attach = match v.get("attach") {
        Some(Value::String(s)) if s == "no_jetpack" => Attach::NoJetpack,
        Some(Value::String(s)) if s == "done" => Attach::Done {
            failed: v
                .get("failed")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|f| {
                    let at = f.get("given").and_then(Value::as_u64).unwrap_or(0);
                    let code = text(f, "code").unwrap_or_default();
                    (at, code, text(f, "message").unwrap_or_default())
                })
                .collect(),
            others_failed: num("others_failed"),
        },
        Some(o @ Value::Object(_)) => Attach::Refused {
            code: text(o, "code").unwrap_or_default(),
            message: text(o, "message").unwrap_or_default(),
        },
        _ => Attach::NotTried,
    };
    let copy = v.get("safe_mode").and_then(Value::as_bool) == Some(true);
    let safe_mode_error = text(v, "safe_mode_error");
    if !copy && safe_mode_error.is_none() && v.get("changed").is_none() {
        return None;
    }
    Some(Licensed {
        blog_id: Some(num("blog_id")).filter(|n| *n > 0),
        copy,
        safe_mode_error,
        write_error: text(v, "write_error"),
        changed: v.get("changed").and_then(Value::as_bool) == Some(true),
        stored: num("stored"),
        added: num("added"),
        removed: num("removed"),
        attach,
        jetpack_error: text(v, "jetpack_error").filter(|e| !e.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_are_read() {
        let v = json!({"marker":1,"blog_id":7,"added":1,"removed":0,"changed":true,"stored":2,
            "attach":"done","failed":[{"given":1,"code":"invalid","message":"no"}],"others_failed":1});
        let l = licensed(&v).expect("an answer");
        assert_eq!(l.blog_id, Some(7));
        assert!(l.changed && !l.copy);
        assert_eq!(
            l.attach,
            Attach::Done {
                failed: vec![(1, "invalid".into(), "no".into())],
                others_failed: 1
            }
        );
        let refused = json!({"changed":false,"attach":{"code":"not_connected","message":"m"}});
        assert_eq!(
            licensed(&refused).map(|l| l.attach),
            Some(Attach::Refused {
                code: "not_connected".into(),
                message: "m".into()
            })
        );
        let copy = json!({"marker":1,"blog_id":5,"safe_mode":true});
        assert!(licensed(&copy).is_some_and(|l| l.copy && l.blog_id == Some(5)));
        assert!(licensed(&json!({"marker":1})).is_none());
        let failed = json!({"changed":true,"write_error":"x"});
        assert!(licensed(&failed).is_some_and(|l| l.write_error.as_deref() == Some("x")));
    }
}
