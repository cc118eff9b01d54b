//! The flag layer's toolkit: the flag groups commands share (`common`),
//! forwarded form fields (`fields`), checking values (`values`), batch
//! lines parsed as flags (`lines`), usage errors (`usage`) and the words of
//! `--help` shared by every command (`help`). It knows no command: each
//! command module (`crate::commands`) uses it to turn its flags into a typed
//! job, with a [`Context`] saying where it was called from.

pub mod common;
pub mod fields;
pub mod help;
pub mod lines;
pub mod usage;
pub mod values;

pub use usage::{Failure, Usage};

use crate::config::Config;
use crate::credentials::{self, AuthSource, CredArgs};
use crate::environment::{Env, API_HOST_VAR};
use crate::error::Result;
use crate::job::{Invocation, Run, Settings};
use clap::error::ErrorKind;
use common::RunArgs;
use std::ffi::OsString;

/// What a command's flags become: a run, or why not.
pub type Parsed = std::result::Result<Invocation, Failure>;

/// Where a command was called from: its clap definition (for usage errors,
/// and to parse batch lines as the same flags), its own arguments, the
/// environment and the config file.
pub struct Context<'a> {
    pub env: Env<'a>,
    /// The command's clap definition, built.
    pub cmd: clap::Command,
    /// argv[0] and the command's own arguments (a batch line is parsed as
    /// these plus its fields).
    pub argv: Vec<OsString>,
    /// The clap definitions of every command that takes input lines: a
    /// line's field that is one of their flags is not this command's, and
    /// is ignored rather than refused (one file of sites serves them all).
    pub line_commands: fn() -> Vec<clap::Command>,
    /// The config file read for this run (empty without one). Its `jobs`,
    /// `wp_cli_path` and `timeout` are already the defaults of those flags
    /// in `cmd`; the credentials and the API host are read from it here.
    pub config: Config,
}

impl Context<'_> {
    /// A usage problem in this command.
    pub fn usage(&self, error: clap::Error) -> Failure {
        Failure::Usage(Usage::new(error, &self.cmd))
    }

    /// A required value is missing: the usage error naming it.
    pub fn missing(&self, what: &str) -> Failure {
        let mut c = self.cmd.clone();
        let e = c.error(
            ErrorKind::MissingRequiredArgument,
            format!("the following required argument was not provided: {what}"),
        );
        self.usage(e)
    }

    /// Where the partner token comes from (see
    /// [`credentials::source`]); a credential nobody gave is a usage error.
    pub fn credentials(
        &self,
        c: &CredArgs,
        token_ok: bool,
    ) -> std::result::Result<AuthSource, Failure> {
        credentials::source(c, self.env, &self.config, token_ok).map_err(|m| self.missing(m.0))
    }

    /// Settings read, then the run built; any failure there is an
    /// `invalid_input` JSON error (usage problems were found before).
    pub fn invocation(
        &self,
        run: &RunArgs,
        build: impl FnOnce(&Settings) -> Result<Run>,
    ) -> Parsed {
        // The config's api_host stands in for an unset JETPACK_START_API_HOST.
        let env = |k: &str| match (self.env)(k) {
            Some(v) if !v.trim().is_empty() => Some(v),
            _ if k == API_HOST_VAR => self.config.api_host.clone(),
            other => other,
        };
        let settings = values::settings(run, &env).map_err(Failure::Invalid)?;
        Self::finish(settings, build)
    }

    /// The same for a command that never talks to the API (`sites`): the
    /// API host is not read.
    pub fn local_invocation(
        &self,
        run: &RunArgs,
        build: impl FnOnce(&Settings) -> Result<Run>,
    ) -> Parsed {
        let settings = values::local_settings(run).map_err(Failure::Invalid)?;
        Self::finish(settings, build)
    }

    fn finish(settings: Settings, build: impl FnOnce(&Settings) -> Result<Run>) -> Parsed {
        let run = build(&settings).map_err(Failure::Invalid)?;
        Ok(Invocation { settings, run })
    }
}

/// `--plan=` (empty) means "not given", as it did in the scripts.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}
