//! The WordPress bridge: `wp` (WP-CLI) run with an argv vector (no shell)
//! and a time limit per call. Finding it is `locate`, what we ask it is
//! `facts`, reading its answers is `parse`; here are the calls themselves
//! and what their failures mean.

mod facts;
mod licenses;
mod locate;
pub mod parse;
mod programs;

pub use facts::{Facts, NetworkSite, Want};
pub use licenses::{Attach, LicenseChange, Licensed};
pub use programs::{FACTS_PHP, LICENSES_PHP, NETWORK_FACTS_PHP};

use crate::error::{Error, Result};
use crate::output;
use crate::process::{self, exit_text, Output};
use parse::wp_error_words;
use std::time::Duration;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where WordPress is and how to run WP-CLI.
#[derive(Clone, Debug, Default, Hash)]
pub struct WpSettings {
    /// `--wp-cli-path` split into words; None: `wp` on PATH.
    pub program: Option<Vec<String>>,
    /// `--path`; None: the WordPress tree this binary sits in, else the
    /// working directory.
    pub path: Option<String>,
    pub allow_root: bool,
    pub timeout: Duration,
}

/// How to reach `wp` and which site to talk to.
#[derive(Debug, Clone)]
pub struct Wp {
    /// The program and any leading words (`php /opt/wp-cli.phar`).
    program: Vec<String>,
    /// `--allow-root`, `--path=`, `--url=`, in WP-CLI's usual order.
    globals: Vec<String>,
    timeout: Duration,
    /// Where WordPress was looked for, for error messages.
    place: String,
}

impl Wp {
    /// Run `wp [globals] [pre] args...` with extra environment variables (how
    /// values reach PHP), and return its output whatever the exit code.
    /// Fails only when it could not run or ran too long.
    pub fn run(&self, pre: &[String], args: &[&str], env: &[(&str, &str)]) -> Result<Output> {
        self.run_child(pre, args, env, false)
    }

    pub(super) fn run_child(
        &self,
        pre: &[String],
        args: &[&str],
        env: &[(&str, &str)],
        finishes_a_request: bool,
    ) -> Result<Output> {
        let mut argv: Vec<String> = self.program[1..].to_vec();
        argv.extend(self.globals.iter().cloned());
        argv.extend(pre.iter().cloned());
        argv.extend(args.iter().map(|a| a.to_string()));
        let shown = match (args.first(), args.get(1)) {
            (Some(&"eval"), Some(&LICENSES_PHP)) => "wp eval (jetpack_licenses)".to_string(),
            (Some(&"eval"), _) => "wp eval (site facts)".to_string(),
            _ => format!("wp {}", args.join(" ")),
        };
        // The whole program (`php /opt/wp-cli.phar`), quoted as a shell
        // would need it, then the globals.
        output::verbose(&format!(
            "running {shown} ({} {})",
            shell_words::join(&self.program),
            self.globals.join(" ")
        ));
        process::run(&process::Child {
            program: &self.program[0],
            args: &argv,
            env,
            limit: self.timeout,
            shown: &shown,
            finishes_a_request,
        })
    }

    /// Run and turn a non-zero exit into the error that names why.
    fn run_ok(&self, args: &[&str]) -> Result<Output> {
        let out = self.run(&[], args, &[])?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(self.failure(&format!("wp {}", args.join(" ")), &out))
        }
    }

    /// Classify a failed call: not WordPress, root without --allow-root, or
    /// anything else (PHP fatal, disabled command, plugin errors).
    pub fn failure(&self, what: &str, out: &Output) -> Error {
        let err = out.stderr_text();
        if err.contains("This does not seem to be a WordPress install") {
            Error::WpNotWordpress {
                what: what.to_string(),
                place: self.place.clone(),
            }
        } else if err.contains("running this as root") || err.contains("YIKES!") {
            Error::WpNeedsAllowRoot {
                what: what.to_string(),
            }
        } else {
            Error::WpFailed {
                what: what.to_string(),
                exit: exit_text(&out.status),
                said: wp_error_words(&err, &out.stdout_text()),
            }
        }
    }

    /// `wp --user=<user> jetpack authorize_user --token=<token>`.
    pub fn authorize_user(&self, user: &str, token: &str) -> Result<()> {
        refuse_option_like(user)?;
        let pre = [format!("--user={user}")];
        let token_arg = format!("--token={token}");
        // It finishes a provision already carried out: a batch's first
        // signal lets it run to its end.
        let out = match self.run_child(&pre, &["jetpack", "authorize_user", &token_arg], &[], true)
        {
            Ok(o) => o,
            Err(e) => {
                return Err(Error::AuthorizationFailure {
                    exit: None,
                    said: e.message(),
                })
            }
        };
        let (o, e) = (out.stdout_text(), out.stderr_text());
        if !out.status.success() || o.contains("Error:") || e.contains("Error:") {
            return Err(Error::AuthorizationFailure {
                exit: Some(exit_text(&out.status)),
                said: wp_error_words(&e, &o),
            });
        }
        Ok(())
    }

    /// The same `wp` for one site of the network (`--url=`).
    pub fn for_url(&self, url: &str) -> Wp {
        let mut wp = self.clone();
        wp.globals.retain(|g| !g.starts_with("--url="));
        wp.globals.push(format!("--url={url}"));
        wp
    }

    /// Where WordPress was looked for (for messages).
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The URLs of every site of the network (`wp site list --field=url`).
    pub fn site_urls(&self) -> Result<Vec<String>> {
        let out = self.run_ok(&["site", "list", "--field=url"])?;
        let urls: Vec<String> = out
            .stdout_text()
            .lines()
            .map(str::trim)
            .filter(|l| parse::is_http_url(l))
            .map(str::to_string)
            .collect();
        if urls.is_empty() {
            return Err(Error::WpNoSites);
        }
        Ok(urls)
    }

    fn no_such_user(&self, user: &str) -> Error {
        Error::InvalidUser {
            place: self.place.clone(),
            user: user.to_string(),
        }
    }
}

/// WP-CLI reads any argument starting with `-` as an option, wherever it
/// stands: a "user" such as `--require=/tmp/x.php` would make it load code.
fn refuse_option_like(user: &str) -> Result<()> {
    if user.starts_with('-') {
        return Err(Error::OptionLikeUser {
            user: user.to_string(),
        });
    }
    Ok(())
}
