//! argv in, a typed [`Invocation`] out: which command (by subcommand, or by
//! the old scripts' names: `partner-provision.sh` and friends), its flags
//! parsed by clap, then handed to the command's own module
//! (`crate::commands`). Usage problems come back as [`Failure::Usage`],
//! values that cannot be used as [`Failure::Invalid`] — both before
//! anything runs or is sent.

use crate::commands::{self, Cancel, Cmd, Command, Provision};
use crate::config::{self, Config};
use crate::credentials::stdin;
use crate::environment::{Env, LICENSING_TOKEN_VAR, REPORTING_TOKEN_VAR, SECRET_VAR, TOKEN_VAR};
use crate::flags::help;
use crate::flags::usage::secret_values;
use crate::flags::{Context, Parsed};
pub use crate::flags::{Failure, Usage};
use crate::job::Invocation;
use clap::{CommandFactory, FromArgMatches, Parser};
use std::ffi::OsString;
use std::path::Path;

/// The whole tool, as clap sees it.
#[derive(Parser, Debug)]
#[command(
    name = "jetpack-partner",
    about = "Provision and cancel Jetpack plans through the WordPress.com partner API",
    after_help = help::TOP,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Parse the whole argv (argv[0] included) into a validated invocation.
pub fn parse(argv: Vec<OsString>, env: Env) -> Result<Invocation, Failure> {
    parse_argv(argv.clone(), env).map_err(|f| match f {
        Failure::Usage(mut u) => {
            // A secret given by variable may also turn up in argv (a stray
            // word): scrubbed all the same.
            u.secrets = secret_values(&argv);
            u.secrets.extend(
                [
                    SECRET_VAR,
                    TOKEN_VAR,
                    LICENSING_TOKEN_VAR,
                    REPORTING_TOKEN_VAR,
                ]
                .iter()
                .filter_map(|k| env(k))
                .filter(|v| !v.trim().is_empty()),
            );
            Failure::Usage(u)
        }
        other => other,
    })
}

/// The old script an executable name stands for, if it is one
/// (`partner-provision.sh` and friends).
enum OldScript {
    Provision,
    Cancel,
}

fn old_script(argv0: &OsString) -> Option<OldScript> {
    match Path::new(argv0).file_name()?.to_str()? {
        "partner-provision" | "partner-provision.sh" => Some(OldScript::Provision),
        "partner-cancel" | "partner-cancel.sh" => Some(OldScript::Cancel),
        _ => None,
    }
}

fn parse_argv(argv: Vec<OsString>, env: Env) -> Parsed {
    let argv0 = argv.first().cloned().unwrap_or_default();
    match old_script(&argv0) {
        // The old scripts' names: their flags only (batch lines included).
        Some(OldScript::Provision) => as_script::<Provision>("partner-provision.sh", argv, env),
        Some(OldScript::Cancel) => as_script::<Cancel>("partner-cancel.sh", argv, env),
        None => {
            let mut top = command();
            let m = match top.try_get_matches_from_mut(argv.clone()) {
                Ok(m) => m,
                Err(e) => {
                    // Name the subcommand in the usage when there is one.
                    let names: Vec<&str> = argv.iter().skip(1).filter_map(|a| a.to_str()).collect();
                    return Err(Failure::Usage(Usage::new(
                        e,
                        &sub_command(&mut top, &names),
                    )));
                }
            };
            // The subcommand's own definition and arguments: usage errors
            // name it, and batch lines are parsed as its flags.
            let mut path = Vec::new();
            let mut at = &m;
            while let Some((name, sub)) = at.subcommand() {
                path.push(name.to_string());
                at = sub;
            }
            let names: Vec<&str> = path.iter().map(String::as_str).collect();
            let config = setup(at, &sub_command(&mut top, &names), env)?;
            // The config's settings become flag defaults: parsed again.
            let (mut top, m) = if config.flag_defaults().is_empty() {
                (top, m)
            } else {
                let mut top = with_defaults(command(), &names, &config);
                let m = top
                    .try_get_matches_from_mut(argv.clone())
                    .map_err(|e| Failure::Usage(Usage::new(e, &top)))?;
                (top, m)
            };
            let cli = Cli::from_arg_matches(&m).map_err(|e| Failure::Usage(Usage::new(e, &top)))?;
            let mut own = vec![argv0];
            own.extend(after(&argv, &names));
            let ctx = context(sub_command(&mut top, &names), own, env, config);
            cli.cmd.plan(&ctx)
        }
    }
}

/// Called as an old script (`partner-provision.sh`): that command's flags,
/// under the script's name.
fn as_script<T: CommandFactory + FromArgMatches + Command>(
    script: &'static str,
    argv: Vec<OsString>,
    env: Env,
) -> Parsed {
    let define = || configure(T::command().name(script).bin_name(script));
    let mut cmd = define();
    let (cmd, parsed, config) = match cmd.try_get_matches_from_mut(argv.clone()) {
        Err(e) => (cmd, Err(e), Config::default()),
        Ok(m) => {
            cmd.build();
            let config = setup(&m, &cmd, env)?;
            let mut cmd = with_defaults(define(), &[], &config);
            let parsed = cmd
                .try_get_matches_from_mut(argv.clone())
                .and_then(|m| T::from_arg_matches(&m));
            (cmd, parsed, config)
        }
    };
    let ctx = context(cmd, argv, env, config);
    let a = parsed.map_err(|e| ctx.usage(e))?;
    a.plan(&ctx)
}

/// Before a command plans its run, from its flags: which of them reads
/// stdin (two may not), and the config file (`--config`, else the
/// variable or a default location).
fn setup(m: &clap::ArgMatches, cmd: &clap::Command, env: Env) -> Result<Config, Failure> {
    stdin::claim(m, cmd).map_err(Failure::Invalid)?;
    let flag = m
        .try_get_raw("config")
        .ok()
        .flatten()
        .and_then(|mut values| values.next());
    config::load(flag, env).map_err(Failure::Invalid)
}

/// `cmd` with the config's settings (`jobs`, `wp_cli_path`, `timeout`) as
/// the defaults of the flags they stand for, in the subcommand `names`
/// leads to: a flag given still wins, and batch lines see them too.
fn with_defaults(cmd: clap::Command, names: &[&str], config: &Config) -> clap::Command {
    if let Some((first, rest)) = names.split_first() {
        return cmd.mut_subcommand(first, |sub| with_defaults(sub, rest, config));
    }
    let mut cmd = cmd;
    for (id, value) in config.flag_defaults() {
        if cmd.get_arguments().any(|a| a.get_id() == id) {
            // clap keeps defaults as &'static str; one small string per
            // setting, once per run.
            let value: &'static str = Box::leak(value.to_string().into_boxed_str());
            cmd = cmd.mut_arg(id, |a| a.default_value(value).hide_default_value(true));
        }
    }
    cmd
}

fn context<'a>(
    mut cmd: clap::Command,
    argv: Vec<OsString>,
    env: Env<'a>,
    config: Config,
) -> Context<'a> {
    cmd.build();
    Context {
        env,
        cmd,
        argv,
        line_commands,
        config,
    }
}

/// The clap definitions of the commands that take input lines.
fn line_commands() -> Vec<clap::Command> {
    let names = commands::line_commands();
    let mut top = command();
    top.build();
    top.get_subcommands()
        .filter(|c| names.contains(&c.get_name()))
        .cloned()
        .collect()
}

/// The arguments after the subcommand names (the subcommand's own flags).
fn after(argv: &[OsString], names: &[&str]) -> Vec<OsString> {
    let mut rest = argv.iter().skip(1);
    for name in names {
        rest.by_ref().find(|a| a.to_str() == Some(name));
    }
    rest.cloned().collect()
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

/// What every command shares: the help layout, `-V` (version), our own
/// `-h`/`-V` flags (see `flags::common::RunArgs`), and a flag given twice
/// meaning its last value (as the scripts' loops did).
fn configure(cmd: clap::Command) -> clap::Command {
    // A group of subcommands (`partner-key`) keeps clap's own flags.
    let own_flags = cmd.get_arguments().any(|a| a.get_id() == "help");
    cmd.help_template(help::template())
        .args_override_self(true)
        .version(env!("CARGO_PKG_VERSION"))
        .disable_version_flag(own_flags)
        .disable_help_flag(own_flags)
        .mut_subcommands(configure)
}

/// The clap definition of the top-level command (also for the man pages
/// and completions).
pub fn command() -> clap::Command {
    configure(Cli::command())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Auth, Run, Target};
    use clap::error::ErrorKind;

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
        command().debug_assert();
        configure(Provision::command()).debug_assert();
        configure(Cancel::command()).debug_assert();
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
        let Run::Site {
            auth: Some(Auth::Client(creds)),
            target: Target::One(job),
            ..
        } = inv.run
        else {
            panic!("not a single site")
        };
        assert_eq!(creds.client_id, "12");
        assert_eq!(creds.client_secret, "a=b");
        let action = format!("{:?}", job.action);
        assert!(action.starts_with("ProvisionSite"), "{action}");
        assert!(action.contains(r#"user: "1""#), "{action}");
        assert_eq!(job.action.slug(), Some("premium"));
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
            let Run::Site {
                target: Target::One(job),
                ..
            } = inv.run
            else {
                panic!("not a single site")
            };
            assert!(format!("{:?}", job.action).starts_with("CancelSite"));
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
            run:
                Run::Site {
                    auth: Some(Auth::Client(creds)),
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
