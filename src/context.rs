//! What every command needs once the flags are parsed: the secret read,
//! time limits checked, where `wp` is, and (lazily) the API client.

use crate::api::{self, Api, Base, Request};
use crate::cli::{Credentials, RunArgs, Secret, WpArgs};
use crate::error::{Error, Result};
use crate::output;
use crate::wp::{self, Wp};
use serde_json::Value;
use std::time::Duration;

pub struct Context {
    pub client_id: String,
    pub client_secret: String,
    pub base: Base,
    pub timeout: Duration,
    pub dry_run: bool,
}

impl Context {
    pub fn new(run: &RunArgs, creds: &Credentials) -> Result<Context> {
        output::set_verbose(run.verbose);
        let client_secret = match &creds.secret {
            Secret::Value(s) => s.clone(),
            Secret::File(p) => read_secret_file(p)?,
        };
        output::register_secret(&client_secret);
        Ok(Context {
            client_id: creds.id.clone(),
            client_secret,
            base: Base::from_env(),
            timeout: seconds("--timeout", run.timeout.as_deref(), api::REQUEST_TIMEOUT)?,
            dry_run: run.dry_run,
        })
    }

    /// Find `wp` for this site. Errors here other than `invalid_input` are
    /// "wp unavailable" errors the caller may work around with --url.
    pub fn wp(&self, w: &WpArgs, url: Option<&str>) -> Result<Wp> {
        Wp::locate(&wp::Settings {
            wp_cli_path: w.wp_cli_path.as_deref(),
            path: w.path.as_deref(),
            url,
            allow_root: w.allow_root,
            timeout: seconds("--wp-timeout", w.wp_timeout.as_deref(), wp::DEFAULT_TIMEOUT)?,
        })
    }

    /// `{site}` in the API paths that name a connected site: the Jetpack blog
    /// id when WordPress knows it, else the site suffix of the home URL
    /// (`home_url`, WordPress's home, or `url`).
    pub fn jetpack_site(
        &self,
        wp: Result<Wp>,
        url: Option<&str>,
        home_url: Option<&str>,
    ) -> Result<String> {
        let fallback = home_url.or(url);
        let give_up = |e: Error| -> Result<String> {
            match fallback {
                Some(home) if e.is_wp_unavailable() => {
                    output::verbose(&format!(
                        "WordPress not reachable ({}); naming the site by the suffix of {home}",
                        e.message()
                    ));
                    Ok(api::site_suffix(home))
                }
                _ => Err(e),
            }
        };
        let wp = match wp {
            Ok(wp) => wp,
            Err(e) => return give_up(e),
        };
        let want = wp::Want {
            blog_id: true,
            home: home_url.is_none(),
            ..wp::Want::default()
        };
        match wp.facts(&want) {
            Ok(f) => match (f.blog_id, home_url, f.home.as_deref()) {
                (Some(id), _, _) => Ok(id.to_string()),
                (None, Some(home), _) | (None, None, Some(home)) => Ok(api::site_suffix(home)),
                (None, None, None) => give_up(Error::WpFailed(
                    "WordPress reported neither a Jetpack blog id nor a home URL; pass --home_url"
                        .into(),
                )),
            },
            Err(e) => give_up(e),
        }
    }

    /// The `{site}` of a connected site and, unless this is a dry run, a
    /// token fetched while WordPress boots. Without `wp` and without a URL to
    /// fall back on, nothing is sent.
    pub fn site_and_token(
        &self,
        w: &WpArgs,
        url: Option<&str>,
        home_url: Option<&str>,
    ) -> Result<(String, Option<(Api, String)>)> {
        let wp = match self.wp(w, url) {
            Err(e) if home_url.or(url).is_none() || !e.is_wp_unavailable() => return Err(e),
            other => other,
        };
        if self.dry_run {
            return Ok((self.jetpack_site(wp, url, home_url)?, None));
        }
        let api = self.api()?;
        let (site, token) = self.token_while(&api, || self.jetpack_site(wp, url, home_url))?;
        Ok((site, Some((api, token))))
    }

    /// Get the token while `work` (asking WordPress) runs, so the wall time
    /// is the longer of the two, not their sum. For commands where WordPress
    /// cannot veto the run (cancel, upgrade-paths); provision only with
    /// `--early-token`, since by default it confirms the user before any
    /// network call (SPEC §3).
    pub fn token_while<T>(
        &self,
        api: &Api,
        work: impl FnOnce() -> Result<T>,
    ) -> Result<(T, String)> {
        std::thread::scope(|s| {
            let token = s.spawn(|| self.token(api));
            let done = work();
            let token = token.join().unwrap_or_else(|_| {
                Err(Error::Network(
                    "the token request stopped unexpectedly".into(),
                ))
            });
            // WordPress's answer decides first: it says which site, or why not.
            Ok((done?, token?))
        })
    }

    pub fn api(&self) -> Result<Api> {
        Api::new(self.base.clone(), self.timeout)
    }

    /// Get a partner token, or in dry-run mode a stand-in.
    pub fn token(&self, api: &Api) -> Result<String> {
        let answer = api.send(&api::token_request(&self.client_id, &self.client_secret))?;
        // Whatever the verdict, a token in the answer is a secret from now
        // on: a failed answer's fields end up in the error object.
        if let Ok(v) = serde_json::from_slice::<Value>(&answer.body) {
            if let Some(t) = v.get("access_token").and_then(Value::as_str) {
                output::register_secret(t);
            }
        }
        api::token_from(&answer)
    }

    /// `--dry-run`: the requests that would be sent, secrets redacted.
    pub fn dry_run_output(&self, requests: &[Request]) -> Value {
        let list = requests.iter().map(|r| r.describe(&self.base)).collect();
        serde_json::json!({ "dry_run": true, "requests": Value::Array(list) })
    }
}

/// The secret is the file's first line (a trailing newline from `echo` or an
/// editor is not part of it).
fn read_secret_file(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::InvalidInput(format!(
            "--partner_secret_file={}: cannot read it ({e}); check the path and its permissions",
            path.display()
        ))
    })?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(Error::InvalidInput(format!(
            "--partner_secret_file={}: the file is empty; put the partner secret on its first line",
            path.display()
        )));
    }
    Ok(first.to_string())
}

/// A positive number of seconds (fractions allowed).
pub fn seconds(flag: &str, v: Option<&str>, default: Duration) -> Result<Duration> {
    let Some(v) = v else {
        return Ok(default);
    };
    match v.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(Error::InvalidInput(format!(
            "{flag}={v:?} is not a number of seconds between 0 and 86400; e.g. {flag}=30"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_checked() {
        let d = Duration::from_secs(60);
        assert_eq!(seconds("--timeout", None, d).ok(), Some(d));
        assert_eq!(
            seconds("--timeout", Some("2.5"), d).ok(),
            Some(Duration::from_millis(2500))
        );
        for bad in ["0", "-1", "abc", "", "inf", "NaN", "1e9"] {
            assert!(
                matches!(
                    seconds("--timeout", Some(bad), d),
                    Err(Error::InvalidInput(_))
                ),
                "{bad}"
            );
        }
    }
}
