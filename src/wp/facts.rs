//! What we ask WordPress: everything in one `wp eval` (one bootstrap, the
//! programs in `programs`), or, where eval is not available, one command
//! per value.

use super::parse::{parse_blog_id, parse_id, parse_marked, parse_url, snippet, wp_error_words};
use super::programs::{FACTS_PHP, NETWORK_FACTS_PHP};
use super::{refuse_option_like, Wp};
use crate::error::{Error, Result};
use crate::output;
use serde_json::Value;

/// One site of a network, as [`NETWORK_FACTS_PHP`] found it.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSite {
    /// The site's URL (`home_url('/')`), as `wp site list` gives it.
    pub url: String,
    pub facts: Facts,
    /// None: no user asked for; Some(false): no such user on this site.
    pub user_ok: Option<bool>,
}

/// What a command wants to know about the site.
#[derive(Debug, Default, Clone)]
pub struct Want<'a> {
    /// Jetpack's safe-mode check (a copy of another site).
    pub safe_mode: bool,
    /// Check this user exists (ID, email, login).
    pub user: Option<&'a str>,
    pub siteurl: bool,
    pub home: bool,
    pub blog_id: bool,
    /// Activate the `jetpack` plugin (only once the user is known to exist).
    pub activate: bool,
}

/// What WordPress told us.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Facts {
    pub siteurl: Option<String>,
    pub home: Option<String>,
    /// Jetpack's WordPress.com blog id; None when the site was never connected.
    pub blog_id: Option<u64>,
    /// Jetpack's safe-mode check: Some(true) for a copy of another site
    /// (its blog id is the original's); None when not asked or there is no
    /// Jetpack to ask.
    pub safe_mode: Option<bool>,
    /// Jetpack's safe-mode check failed (its words): neither answer is
    /// known, so a command that acts by blog id must not go on.
    pub safe_mode_error: Option<String>,
    /// Jetpack's last license attach error (`jetpack_options
    /// ['licensing_error']`: never cleared by Jetpack, only overwritten).
    pub license_error: Option<String>,
    /// The products whose license keys are in `jetpack_licenses` (the part
    /// of each key before its `_`): a key there waits to be attached, so
    /// no second license is issued for that product.
    pub licensed: Vec<String>,
}

/// A non-empty string member.
fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// siteurl, home and the Jetpack blog id of a facts answer.
fn facts_of(v: &Value) -> Facts {
    Facts {
        siteurl: text(v, "siteurl"),
        home: text(v, "home"),
        blog_id: v.get("blog_id").and_then(Value::as_u64).filter(|n| *n > 0),
        safe_mode: v.get("safe_mode").and_then(Value::as_bool),
        safe_mode_error: text(v, "safe_mode_error"),
        license_error: text(v, "licensing_error"),
        licensed: v
            .get("licensed")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

impl Wp {
    /// Everything `want` asks for, from one `wp eval` (one WordPress
    /// bootstrap, plugins and themes skipped). When eval is not available
    /// (disabled in wp-cli.yml, an old WP-CLI, unreadable answer) it falls
    /// back to one command per fact; failures that are about the site itself
    /// (no WordPress, root, time-out) are reported as they are.
    pub fn facts(&self, want: &Want) -> Result<Facts> {
        match self.facts_by_eval(want)? {
            Some(f) => Ok(f),
            None => self.facts_by_commands(want),
        }
    }

    /// Run a facts program (one `wp eval`, plugins and themes skipped):
    /// its marked answer, or Ok(None) when eval ran but gave no answer we
    /// can read (the caller falls back to plain commands).
    fn eval_facts(&self, program: &str, want: &Want) -> Result<Option<Value>> {
        // No user asked for: an empty value, so nothing the caller's shell
        // exported can slip in.
        let on = |b: bool| if b { "1" } else { "0" };
        let env = [
            ("JETPACK_WP_ACTIVATE", on(want.activate)),
            ("JETPACK_WP_SAFE_MODE", on(want.safe_mode)),
            ("JETPACK_WP_USER", want.user.unwrap_or("")),
        ];
        let pre = ["--skip-themes".to_string(), "--skip-plugins".to_string()];
        let out = self.run(&pre, &["eval", program], &env)?;
        let marked = parse_marked(&out.stdout_text());
        match (out.status.success(), marked) {
            (true, Some(v)) => Ok(Some(v)),
            _ => {
                let err = self.failure("wp eval", &out);
                // Failures of the site itself are the answer; anything else
                // (eval disabled in wp-cli.yml, an odd WP-CLI) gets a second
                // chance with plain commands.
                let (stderr, stdout) = (out.stderr_text(), out.stdout_text());
                let site_broken = super::parse::php_fatal(&stderr, &stdout).is_some()
                    || stderr.contains("critical error");
                if site_broken || !matches!(err, Error::WpFailed { .. }) {
                    return Err(err);
                }
                output::verbose(&format!(
                    "wp eval gave no facts ({err}); asking with one command per value"
                ));
                Ok(None)
            }
        }
    }

    /// Every site of the network in one bootstrap; Ok(None) when eval gave
    /// no answer (the caller falls back to `wp site list`).
    pub fn network_facts(&self, want: &Want) -> Result<Option<Vec<NetworkSite>>> {
        let Some(v) = self.eval_facts(NETWORK_FACTS_PHP, want)? else {
            return Ok(None);
        };
        if v.get("multisite") != Some(&Value::Bool(true)) {
            return Err(Error::WpNoSites);
        }
        let sites = v
            .get("sites")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(sites.len());
        for s in sites {
            let Some(url) = text(s, "url") else { continue };
            if let Some(msg) = s
                .get("activate")
                .and_then(Value::as_str)
                .filter(|a| *a != "ok")
            {
                output::verbose(&format!(
                    "{url}: could not activate jetpack (going on): {msg}"
                ));
            }
            out.push(NetworkSite {
                facts: facts_of(s),
                user_ok: s.get("user_id").map(|id| id.as_u64().unwrap_or(0) > 0),
                url,
            });
        }
        if out.is_empty() {
            return Err(Error::WpNoSites);
        }
        Ok(Some(out))
    }

    /// Ok(None): eval ran but gave no answer we can read (fall back).
    fn facts_by_eval(&self, want: &Want) -> Result<Option<Facts>> {
        let Some(v) = self.eval_facts(FACTS_PHP, want)? else {
            return Ok(None);
        };

        if let Some(u) = want.user {
            if v.get("user_id").and_then(Value::as_u64).unwrap_or(0) == 0 {
                return Err(self.no_such_user(u));
            }
        }
        if let Some(msg) = v
            .get("activate")
            .and_then(|a| a.as_str())
            .filter(|a| *a != "ok")
        {
            output::verbose(&format!("could not activate jetpack (going on): {msg}"));
        }
        Ok(Some(facts_of(&v)))
    }

    fn facts_by_commands(&self, want: &Want) -> Result<Facts> {
        let mut f = Facts::default();
        if let Some(u) = want.user {
            self.user_id(u)?;
        }
        if want.siteurl {
            f.siteurl = Some(self.url_option("siteurl")?);
        }
        if want.activate {
            self.activate_jetpack();
        }
        if want.blog_id {
            f.blog_id = self.jetpack_blog_id()?;
        }
        if want.home && f.blog_id.is_none() {
            f.home = Some(self.url_option("home")?);
        }
        if want.safe_mode && f.blog_id.is_some() {
            f.safe_mode = Some(self.idc_option_set()?);
        }
        Ok(f)
    }

    /// Without eval, Jetpack's own safe-mode check cannot run; it holds
    /// only while Jetpack's `jetpack_sync_error_idc` option is set, so a
    /// site without it is no copy, and one with it is taken for one (the
    /// safe side: nothing is sent by its blog id).
    fn idc_option_set(&self) -> Result<bool> {
        let option = "jetpack_sync_error_idc";
        let out = self.run(&[], &["option", "get", option, "--format=json"], &[])?;
        if out.status.success() {
            output::verbose(&format!(
                "{option} is set and Jetpack's safe-mode check cannot run without wp eval: taking the site for a copy"
            ));
            return Ok(true);
        }
        if out
            .stderr_text()
            .contains("Could not get 'jetpack_sync_error_idc' option")
        {
            return Ok(false);
        }
        Err(self.failure(&format!("wp option get {option}"), &out))
    }

    /// Confirm `user` exists (WP-CLI looks it up as ID, then email, then login).
    fn user_id(&self, user: &str) -> Result<u64> {
        refuse_option_like(user)?;
        let out = self.run(&[], &["user", "get", user, "--field=ID"], &[])?;
        if !out.status.success() {
            if out.stderr_text().contains("Invalid user") {
                return Err(self.no_such_user(user));
            }
            return Err(self.failure("wp user get", &out));
        }
        parse_id(&out.stdout_text()).ok_or_else(|| Error::WpNoValue {
            what: format!("wp user get {user:?}"),
            wanted: "user ID",
            printed: snippet(&out.stdout_text()),
        })
    }

    /// Read a URL option (`siteurl`, `home`) of the `--url` site.
    fn url_option(&self, name: &str) -> Result<String> {
        let out = self.run_ok(&["option", "get", name])?;
        parse_url(&out.stdout_text()).ok_or_else(|| Error::WpNoValue {
            what: format!("wp option get {name}"),
            wanted: "URL",
            printed: snippet(&out.stdout_text()),
        })
    }

    /// The Jetpack blog id (`id` in `jetpack_options`), None when the site
    /// was never connected.
    fn jetpack_blog_id(&self) -> Result<Option<u64>> {
        let out = self.run(
            &[],
            &["option", "get", "jetpack_options", "--format=json"],
            &[],
        )?;
        if !out.status.success() {
            if out
                .stderr_text()
                .contains("Could not get 'jetpack_options' option")
            {
                return Ok(None);
            }
            return Err(self.failure("wp option get jetpack_options", &out));
        }
        Ok(parse_blog_id(&out.stdout_text()))
    }

    /// Activate the `jetpack` plugin. Failure is not fatal (as in the
    /// scripts); we say why only with --verbose.
    fn activate_jetpack(&self) {
        match self.run(&[], &["plugin", "activate", "jetpack"], &[]) {
            Ok(out) if out.status.success() => {}
            Ok(out) => output::verbose(&format!(
                "could not activate jetpack (going on): {}",
                wp_error_words(&out.stderr_text(), &out.stdout_text())
            )),
            Err(e) => output::verbose(&format!("could not activate jetpack (going on): {e}")),
        }
    }
}
