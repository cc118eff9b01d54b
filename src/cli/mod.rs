//! The flag layer: argv in, a typed [`Invocation`] out. Usage problems
//! (unknown flag, missing required value) come back as [`Failure::Usage`];
//! values that cannot be used (a bad number, an unreadable file) as
//! [`Failure::Invalid`] — both before anything runs or is sent. No clap type
//! leaves this module.
//!
//! `args` holds the clap definitions, `help` their words, `plan` the step
//! from plain strings to validated plans (ripgrep's low-level → high-level
//! args).

pub mod args;
pub mod fields;
pub mod help;
mod lines;
mod plan;
mod values;

pub use values::{api_path, seconds};

use crate::environment::{ID_VAR, SECRET_VAR, TOKEN_VAR};
use crate::error::Error;
use crate::plan::Invocation;
use args::{CancelArgs, Cli, Cmd, CredArgs, PartnerKeyCmd, ProvisionArgs};
use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
    error: clap::Error,
    usage: String,
    /// Values given to secret flags, scrubbed from what is printed.
    secrets: Vec<String>,
}

impl Usage {
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
            return (
                format!("jetpack-partner {}\n", env!("CARGO_PKG_VERSION")),
                &self.usage,
            );
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

/// Where the client secret comes from; a file is read in `plan`, so that an
/// unreadable file is an `invalid_input` JSON error, not a usage error.
#[derive(Debug, Clone)]
pub enum SecretSource {
    Value(String),
    File(PathBuf),
}

/// The credentials as the flags and environment give them.
#[derive(Debug, Clone)]
pub struct CredSource {
    pub id: String,
    pub secret: SecretSource,
}

/// Where the partner token will come from.
#[derive(Debug, Clone)]
pub enum AuthSource {
    /// The token call, with these credentials.
    Client(CredSource),
    /// `--access-token-file`.
    TokenFile(PathBuf),
    /// `JETPACK_PARTNER_ACCESS_TOKEN`.
    TokenValue(String),
}

/// The environment, injected so tests can supply it.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Which command an executable name stands for, if it is one of the old
/// script names (`partner-provision.sh` and friends).
fn multi_call_name(argv0: &OsString) -> Option<&'static str> {
    let name = Path::new(argv0).file_name()?.to_str()?;
    match name {
        "partner-provision" | "partner-provision.sh" => Some("partner-provision.sh"),
        "partner-cancel" | "partner-cancel.sh" => Some("partner-cancel.sh"),
        _ => None,
    }
}

/// Parse the whole argv (argv[0] included) into a validated invocation.
pub fn parse(argv: Vec<OsString>, env: Env) -> Result<Invocation, Failure> {
    parse_argv(argv.clone(), env).map_err(|f| match f {
        Failure::Usage(u) => {
            // A secret given by variable may also turn up in argv (a stray
            // word): scrubbed all the same.
            let mut secrets = secret_values(&argv);
            secrets.extend(
                [SECRET_VAR, TOKEN_VAR]
                    .iter()
                    .filter_map(|k| env(k))
                    .filter(|v| !v.trim().is_empty()),
            );
            Failure::Usage(Usage { secrets, ..u })
        }
        other => other,
    })
}

/// The values given to secret flags anywhere in argv, in every form clap
/// takes them (`--flag=v`, `--flag v`, `-s=v`, `-sv`).
fn secret_values(argv: &[OsString]) -> Vec<String> {
    let names = fields::secret_flags();
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

fn parse_argv(argv: Vec<OsString>, env: Env) -> Result<Invocation, Failure> {
    let argv0 = argv.first().cloned().unwrap_or_default();
    match multi_call_name(&argv0) {
        // The old scripts' names: their flags only (batch lines included).
        Some(name) if name.starts_with("partner-provision") => {
            let (a, lines) = old_script::<ProvisionArgs>(name, "provision", argv)?;
            plan::provision(a, &lines, env)
        }
        Some(name) => {
            let (a, lines) = old_script::<CancelArgs>(name, "cancel", argv)?;
            plan::cancel(a, &lines, env)
        }
        None => {
            let mut top = command();
            let m = match top.try_get_matches_from_mut(argv.clone()) {
                Ok(m) => m,
                Err(e) => {
                    // Name the subcommand in the usage when there is one.
                    let names: Vec<&str> = argv.iter().skip(1).filter_map(|a| a.to_str()).collect();
                    return Err(usage(e, &sub_command(&mut top, &names)));
                }
            };
            let cli = Cli::from_arg_matches(&m).map_err(|e| usage(e, &top))?;
            // A batch line is parsed as the subcommand's flags plus its own.
            let mut lines = |name: &'static str| {
                let mut line_argv = vec![argv0.clone()];
                line_argv.extend(after(&argv, name));
                LineCommand {
                    name,
                    cmd: sub_command(&mut top, &[name]),
                    argv: line_argv,
                }
            };
            match cli.cmd {
                Cmd::Provision(a) => plan::provision(a, &lines("provision"), env),
                Cmd::Cancel(a) => plan::cancel(a, &lines("cancel"), env),
                Cmd::Status(a) => plan::status(a, &lines("status"), env),
                Cmd::UpgradePaths(a) => plan::upgrade_paths(a, &lines("upgrade-paths"), env),
                Cmd::BackupCredentials(a) => {
                    plan::backup_credentials(a, &lines("backup-credentials"), env)
                }
                Cmd::Errors(a) => plan::errors(a, env),
                Cmd::MagicLink(a) => plan::magic_link(a, &lines("magic-link").cmd, env),
                Cmd::Api(a) => plan::api(a, &lines("api").cmd, env),
                Cmd::Token(a) => plan::token(a, &lines("token").cmd, env),
                Cmd::Apply(a) => plan::apply(a, &lines("apply"), env),
                Cmd::Sites(a) => plan::sites(a, &lines("sites").cmd, env),
                Cmd::PartnerKey(PartnerKeyCmd::New(a)) => {
                    plan::partner_key_new(a, &sub_command(&mut top, &["partner-key", "new"]), env)
                }
                Cmd::Verify(a) => plan::verify(a, &lines("verify").cmd, env),
            }
        }
    }
}

/// Called as an old script (`partner-provision.sh`): that command's flags,
/// under the script's name.
fn old_script<T: CommandFactory + FromArgMatches>(
    script: &'static str,
    name: &'static str,
    argv: Vec<OsString>,
) -> Result<(T, LineCommand), Failure> {
    let cmd = T::command().name(script).bin_name(script);
    let a: T = matches(cmd.clone(), argv.clone())?;
    Ok((a, LineCommand { name, cmd, argv }))
}

/// The command's own clap definition and argv, for parsing batch lines as
/// the same flags.
pub(crate) struct LineCommand {
    name: &'static str,
    cmd: clap::Command,
    argv: Vec<OsString>,
}

/// The arguments after the first `name` (the subcommand's own flags).
fn after(argv: &[OsString], name: &str) -> Vec<OsString> {
    argv.iter()
        .skip(1)
        .skip_while(|a| a.to_str() != Some(name))
        .skip(1)
        .cloned()
        .collect()
}

/// Parse `argv` with `cmd` into `T`, or the usage error.
fn matches<T: FromArgMatches>(mut cmd: clap::Command, argv: Vec<OsString>) -> Result<T, Failure> {
    cmd.try_get_matches_from_mut(argv)
        .and_then(|m| T::from_arg_matches(&m))
        .map_err(|e| usage(e, &cmd))
}

fn usage(error: clap::Error, cmd: &clap::Command) -> Failure {
    let mut cmd = cmd.clone();
    Failure::Usage(Usage {
        usage: cmd.render_usage().to_string(),
        error,
        secrets: Vec::new(),
    })
}

/// The deepest subcommand named at the start of `names`, built, so usage
/// errors name `jetpack-partner partner-key new` and not just the top.
fn sub_command(cmd: &mut clap::Command, names: &[&str]) -> clap::Command {
    cmd.build();
    let mut current = cmd.clone();
    for name in names {
        match current.find_subcommand(name) {
            Some(sub) => current = sub.clone(),
            None => break,
        }
    }
    current
}

/// A required value is missing: the usage error naming it.
fn missing(cmd: &clap::Command, what: &str) -> Failure {
    let mut c = cmd.clone();
    let e = c.error(
        ErrorKind::MissingRequiredArgument,
        format!("the following required argument was not provided: {what}"),
    );
    usage(e, cmd)
}

/// `--plan=` (empty) means "not given", as it did in the scripts.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// Flags win over the environment: `--access-token-file`; then a client
/// secret flag (--partner_secret, then --partner_secret_file, with
/// --partner_id or JETPACK_PARTNER_ID); then JETPACK_PARTNER_ACCESS_TOKEN;
/// then JETPACK_PARTNER_ID and JETPACK_PARTNER_SECRET. `token` (which asks for a token) takes no token.
fn credentials(
    c: &CredArgs,
    cmd: &clap::Command,
    env: Env,
    token_ok: bool,
) -> Result<AuthSource, Failure> {
    let from_env = |k: &str| env(k).filter(|s| !s.is_empty());
    if token_ok {
        if let Some(p) = c
            .access_token_file
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty())
        {
            return Ok(AuthSource::TokenFile(p.clone()));
        }
        // A secret flag asks for a token of its own; `--partner_id` alone
        // does not (a token needs no id), so the token in the environment
        // stands.
        let secret_flag = given(&c.partner_secret).is_some()
            || c.partner_secret_file
                .as_ref()
                .is_some_and(|p| !p.as_os_str().is_empty());
        let env_token = from_env(TOKEN_VAR).filter(|t| !t.trim().is_empty());
        if let (false, Some(t)) = (secret_flag, env_token) {
            return Ok(AuthSource::TokenValue(t));
        }
    }
    client_credentials(c, cmd, env).map(AuthSource::Client)
}

fn client_credentials(c: &CredArgs, cmd: &clap::Command, env: Env) -> Result<CredSource, Failure> {
    let from_env = |k: &str| env(k).filter(|s| !s.is_empty());
    let id = given(&c.partner_id)
        .map(str::to_string)
        .or_else(|| from_env(ID_VAR))
        .ok_or_else(|| missing(cmd, "--partner_id=<ID> (or JETPACK_PARTNER_ID)"))?;
    let file = c
        .partner_secret_file
        .as_ref()
        .filter(|p| !p.as_os_str().is_empty());
    let secret = match (given(&c.partner_secret), file) {
        (Some(s), _) => SecretSource::Value(s.to_string()),
        (None, Some(p)) => SecretSource::File(p.clone()),
        (None, None) => SecretSource::Value(from_env(SECRET_VAR).ok_or_else(|| {
            missing(
                cmd,
                "--partner_secret=<SECRET> (or --partner_secret_file, or JETPACK_PARTNER_SECRET)",
            )
        })?),
    };
    Ok(CredSource { id, secret })
}

/// The clap definition of the top-level command (also for the man pages
/// and completions). Flags a command shares with the others but does not
/// use are accepted and left out of its help.
pub fn command() -> clap::Command {
    let hide = |names: &'static [&'static str]| {
        move |mut c: clap::Command| {
            for n in names {
                c = c.mut_arg(*n, |a| a.hide(true));
            }
            c
        }
    };
    Cli::command()
        .mut_subcommand("sites", hide(&["path", "timeout", "dry_run"]))
        .mut_subcommand(
            "errors",
            hide(&[
                "partner_id",
                "partner_secret",
                "partner_secret_file",
                "access_token_file",
            ]),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Auth, Command, Target};

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse_ok(args: &[&str]) -> Invocation {
        let v = args.iter().map(OsString::from).collect();
        match parse(v, &no_env) {
            Ok(i) => i,
            Err(e) => panic!("parse failed: {e:?}"),
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
        ProvisionArgs::command().debug_assert();
        CancelArgs::command().debug_assert();
    }

    #[test]
    fn short_equals_form_is_a_value() {
        let inv = parse_ok(&[
            "partner-provision.sh",
            "-c=12",
            "-s=a=b",
            "-i=1",
            "-p=premium",
        ]);
        let Command::Site {
            auth: Auth::Client(creds),
            target: Target::One(job),
        } = inv.command
        else {
            panic!("not a single site")
        };
        assert_eq!(creds.client_id, "12");
        assert_eq!(creds.client_secret, "a=b");
        let Action::Provision(p) = job.action else {
            panic!("not provision")
        };
        assert_eq!(p.user, "1");
        assert_eq!(p.fields, vec![("plan".to_string(), "premium".to_string())]);
    }

    #[test]
    fn multi_call_names() {
        for argv in [
            &[
                "/x/bin/partner-cancel",
                "--partner_id=1",
                "--partner_secret=2",
            ][..],
            &["jetpack-partner", "cancel", "-c", "1", "-s", "2"],
        ] {
            let inv = parse_ok(argv);
            assert!(matches!(
                inv.command,
                Command::Site {
                    target: Target::One(ref j),
                    ..
                } if j.command() == "cancel"
            ));
        }
    }

    #[test]
    fn environment_supplies_credentials_flags_win() {
        let env = |k: &str| match k {
            "JETPACK_PARTNER_ID" => Some("env-id".to_string()),
            "JETPACK_PARTNER_SECRET" => Some("env-secret".to_string()),
            _ => None,
        };
        let v = ["jetpack-partner", "cancel", "--partner_id=flag-id"]
            .iter()
            .map(OsString::from)
            .collect();
        let Ok(Invocation {
            command:
                Command::Site {
                    auth: Auth::Client(creds),
                    ..
                },
            ..
        }) = parse(v, &env)
        else {
            panic!("parse failed")
        };
        assert_eq!(creds.client_id, "flag-id");
        assert_eq!(creds.client_secret, "env-secret");
    }

    #[test]
    fn missing_user_is_a_usage_error() {
        let v = ["partner-provision.sh", "-c=1", "-s=2"]
            .iter()
            .map(OsString::from)
            .collect();
        let kind = match parse(v, &no_env) {
            Err(Failure::Usage(u)) => Some(u.kind()),
            _ => None,
        };
        assert_eq!(kind, Some(ErrorKind::MissingRequiredArgument));
    }
}
