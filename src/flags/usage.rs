//! Why argv did not become an invocation, and the usage text that says so:
//! printed where clap says (help and version on stdout), with the usage
//! line added where clap leaves it out, and never a secret in it.

use crate::error::Error;
use clap::error::ErrorKind;
use std::ffi::OsString;

/// Why argv did not become an invocation.
#[derive(Debug)]
pub enum Failure {
    /// Usage text on stderr, exit 1 (or `--help`/`--version` on stdout,
    /// exit 0).
    Usage(Usage),
    /// One JSON error, exit 1.
    Invalid(Error),
}

/// A parse failure (or --help/--version) and the usage of the command it
/// happened in: clap leaves the usage out of some errors, and the scripts'
/// callers expect it on every usage error.
#[derive(Debug)]
pub struct Usage {
    pub(crate) error: clap::Error,
    pub(crate) usage: String,
    /// Values given to secret flags, scrubbed from what is printed.
    pub(crate) secrets: Vec<String>,
}

impl Usage {
    /// The usage problem `error` in `cmd`.
    pub(crate) fn new(error: clap::Error, cmd: &clap::Command) -> Usage {
        Usage {
            usage: cmd.clone().render_usage().to_string(),
            error,
            secrets: Vec::new(),
        }
    }

    /// `--help` or `--version`: printed on stdout, exit 0.
    pub fn is_success(&self) -> bool {
        matches!(
            self.error.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
        )
    }

    /// Print it where clap says (stdout for help, stderr otherwise), with
    /// the usage line added when clap left it out, and no secret in it;
    /// false when help or version could not be written.
    pub fn print(&self) -> bool {
        let (mut text, _) = self.text();
        let add_usage = !self.is_success()
            && self.error.kind() != ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            && !text.contains("Usage:");
        if add_usage {
            text.push_str(&format!("\n{}\n", self.usage));
        }
        if self.error.use_stderr() {
            crate::output::stderr(&text);
            true
        } else {
            // Help or version that cannot be written: exit 1, said nowhere.
            crate::output::raw_line(text.trim_end_matches('\n')).is_ok()
        }
    }

    /// The kind of usage problem (for tests).
    pub fn kind(&self) -> ErrorKind {
        self.error.kind()
    }

    /// What clap would print (secret values scrubbed), and the usage line
    /// of the command.
    pub fn text(&self) -> (String, &str) {
        if self.error.kind() == ErrorKind::DisplayVersion {
            // One name whatever the command (clap would print
            // "jetpack-partner-cancel").
            return (format!("{}\n", crate::version::LINE), &self.usage);
        }
        let mut text = self.error.render().to_string();
        for v in &self.secrets {
            text = text.replace(&format!("'{v}'"), "'<redacted>'");
            if v.len() >= 4 {
                text = text.replace(v.as_str(), crate::output::REDACTED);
            }
        }
        (text, &self.usage)
    }
}

/// The values given to secret flags anywhere in argv, in every form clap
/// takes them (`--flag=v`, `--flag v`, `-s=v`, `-sv`).
pub(crate) fn secret_values(argv: &[OsString]) -> Vec<String> {
    let names = super::fields::secret_flags();
    let args: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut values = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if let Some((name, v)) = a.split_once('=') {
            if names.iter().any(|n| n == name) {
                values.push(v.to_string());
            }
        } else if names.iter().any(|n| n == a) {
            values.extend(args.get(i + 1).cloned());
        } else if let Some(v) = a.strip_prefix("-s").filter(|_| !a.starts_with("--")) {
            values.push(v.to_string());
        }
    }
    values.retain(|v| !v.is_empty());
    values
}
