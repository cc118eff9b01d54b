//! From plain flag strings to typed plans, validated once: every
//! `invalid_input` of a command line (and of a batch line, which is parsed
//! as the same flags) is raised here, before anything runs.

use super::args::{
    BatchArgs, CancelArgs, Kind, PartnerKeyNewArgs, ProvisionArgs, RunArgs, UpgradePathsArgs,
    VerifyArgs, WpArgs,
};
use super::{credentials, given, missing, CredSource, Env, Failure, LineCommand, SecretSource};
use crate::api::{Base, REQUEST_TIMEOUT};
use crate::error::{Error, Expected, FileProblem, LineProblem, Result};
use crate::output;
use crate::plan::{
    Action, Batch, Command, Credentials, Invocation, LineParser, Provision, Settings, SiteJob,
    SiteSpec, Source, Target, WpSettings,
};
use crate::wp;
use clap::FromArgMatches;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

const DEFAULT_JOBS: usize = 4;
const MAX_JOBS: usize = 64;

pub(super) fn provision(
    a: ProvisionArgs,
    lines: &LineCommand,
    env: Env,
) -> std::result::Result<Invocation, Failure> {
    let creds = credentials(&a.creds, &lines.cmd, env)?;
    let many = given(&a.batch.batch).is_some() || a.batch.all_sites;
    // In a batch each line may name its own user.
    if given(&a.user).is_none() && !many {
        return Err(missing(&lines.cmd, "--user=<USER> (ID, login or email)"));
    }
    let run = || -> Result<Invocation> {
        let settings = settings(&a.run, env)?;
        let creds = read_credentials(creds)?;
        let target = if many {
            Target::Many(batch(
                "provision",
                &a.batch,
                &a.wp,
                line_parser::<ProvisionArgs>(lines, "provision", provision_job),
            )?)
        } else {
            Target::One(provision_job(&a)?)
        };
        Ok(Invocation {
            settings,
            command: Command::Site { creds, target },
        })
    };
    run().map_err(Failure::Invalid)
}

pub(super) fn cancel(
    a: CancelArgs,
    cmd: &clap::Command,
    env: Env,
) -> std::result::Result<Invocation, Failure> {
    let creds = credentials(&a.creds, cmd, env)?;
    site_command(&a.run, creds, env, || {
        Ok(SiteJob {
            site: SiteSpec {
                wp: wp_settings(&a.wp)?,
                url: given(&a.site.url).map(str::to_string),
                home_url: given(&a.site.home_url).map(str::to_string),
                blog_id: None,
            },
            action: Action::Cancel {
                tracking: given(&a.partner_tracking_id).map(str::to_string),
            },
        })
    })
}

pub(super) fn upgrade_paths(
    a: UpgradePathsArgs,
    cmd: &clap::Command,
    env: Env,
) -> std::result::Result<Invocation, Failure> {
    let creds = credentials(&a.creds, cmd, env)?;
    site_command(&a.run, creds, env, || {
        Ok(SiteJob {
            site: SiteSpec {
                wp: wp_settings(&a.wp)?,
                url: given(&a.site.url).map(str::to_string),
                home_url: given(&a.site.home_url).map(str::to_string),
                blog_id: given(&a.blog_id).map(blog_id).transpose()?,
            },
            action: Action::UpgradePaths,
        })
    })
}

/// A site command on one site: settings, credentials, the job.
fn site_command(
    run: &RunArgs,
    creds: CredSource,
    env: Env,
    job: impl FnOnce() -> Result<SiteJob>,
) -> std::result::Result<Invocation, Failure> {
    let build = || -> Result<Invocation> {
        Ok(Invocation {
            settings: settings(run, env)?,
            command: Command::Site {
                creds: read_credentials(creds)?,
                target: Target::One(job()?),
            },
        })
    };
    build().map_err(Failure::Invalid)
}

pub(super) fn partner_key_new(
    a: PartnerKeyNewArgs,
    cmd: &clap::Command,
    env: Env,
) -> std::result::Result<Invocation, Failure> {
    let creds = credentials(&a.creds, cmd, env)?;
    let Some(name) = given(&a.name) else {
        return Err(missing(cmd, "--name=<NAME>"));
    };
    let build = || -> Result<Invocation> {
        let settings = settings(&a.run, env)?;
        let creds = read_credentials(creds)?;
        let mut form = vec![("name".to_string(), name.to_string())];
        for (field, value) in [
            ("allowed_personal_plans", &a.allowed_personal_plans),
            ("allowed_premium_plans", &a.allowed_premium_plans),
            ("allowed_professional_plans", &a.allowed_professional_plans),
        ] {
            if let Some(v) = given(value) {
                let n = v.trim().parse::<u64>().map_err(|_| Error::BadValue {
                    flag: format!("--{field}"),
                    value: v.to_string(),
                    expected: Expected::PlanCount,
                })?;
                form.push((field.to_string(), n.to_string()));
            }
        }
        if let Some(n) = given(&a.notes) {
            form.push(("notes".to_string(), n.to_string()));
        }
        Ok(Invocation {
            settings,
            command: Command::PartnerKeyNew { creds, form },
        })
    };
    build().map_err(Failure::Invalid)
}

pub(super) fn verify(
    a: VerifyArgs,
    cmd: &clap::Command,
    env: Env,
) -> std::result::Result<Invocation, Failure> {
    let creds = credentials(&a.creds, cmd, env)?;
    let build = || -> Result<Invocation> {
        Ok(Invocation {
            settings: settings(&a.run, env)?,
            command: Command::Verify {
                creds: read_credentials(creds)?,
            },
        })
    };
    build().map_err(Failure::Invalid)
}

/// One site's provision, from its flags.
fn provision_job(a: &ProvisionArgs) -> Result<SiteJob> {
    let user = given(&a.user).ok_or(Error::Missing {
        flag: "--user (ID, login or email)",
        what: "user",
    })?;
    let has = |name: &str| a.fields.given.iter().any(|(f, _)| f.name == name);
    if has("ssh_user") && !has("ssh_pass") && !has("ssh_private_key") {
        return Err(Error::SshUserAlone);
    }
    let mut fields = Vec::with_capacity(a.fields.given.len());
    for (f, v) in &a.fields.given {
        let value = match f.kind {
            Kind::Value => v.clone(),
            Kind::Secret => v.clone(),
            Kind::FileContents => read_file(&format!("--{}", f.long), Path::new(v))?,
        };
        if f.kind != Kind::Value {
            output::register_secret(&value);
        }
        fields.push((f.name.to_string(), value));
    }
    let plan = fields
        .iter()
        .find(|(k, _)| k == "plan")
        .map(|(_, v)| v.clone());
    Ok(SiteJob {
        site: SiteSpec {
            wp: wp_settings(&a.wp)?,
            url: given(&a.url).map(str::to_string),
            // provision forwards --home_url; it does not name the site.
            home_url: None,
            blog_id: None,
        },
        action: Action::Provision(Provision {
            user: user.to_string(),
            site_url: given(&a.site_url).map(str::to_string),
            check_upgrade: plan.filter(|_| a.check_upgrade),
            authorize: has("wpcom_user_id"),
            fields,
            tracking: given(&a.partner_tracking_id).map(str::to_string),
            early_token: a.early_token,
        }),
    })
}

fn settings(run: &RunArgs, env: Env) -> Result<Settings> {
    Ok(Settings {
        base: Base::from_env_value(env("JETPACK_START_API_HOST").as_deref()),
        timeout: seconds("--timeout", given(&run.timeout), REQUEST_TIMEOUT)?,
        dry_run: run.dry_run,
        verbose: run.verbose,
    })
}

fn wp_settings(w: &WpArgs) -> Result<WpSettings> {
    let program = match given(&w.wp_cli_path) {
        None => None,
        Some(words) => {
            let split = shell_words::split(words).map_err(|e| Error::BadWpCliPath {
                value: words.to_string(),
                cause: Some(e.to_string()),
            })?;
            if split.is_empty() {
                return Err(Error::BadWpCliPath {
                    value: words.to_string(),
                    cause: None,
                });
            }
            Some(split)
        }
    };
    Ok(WpSettings {
        program,
        path: given(&w.path).map(str::to_string),
        allow_root: w.allow_root,
        timeout: seconds("--wp-timeout", given(&w.wp_timeout), wp::DEFAULT_TIMEOUT)?,
    })
}

/// The secret read (from its file when it comes from one) and registered,
/// so that it is scrubbed from everything we print.
fn read_credentials(c: CredSource) -> Result<Credentials> {
    let client_secret = match c.secret {
        SecretSource::Value(s) => s,
        SecretSource::File(p) => read_first_line("--partner_secret_file", &p)?,
    };
    output::register_secret(&client_secret);
    Ok(Credentials {
        client_id: c.id,
        client_secret,
    })
}

/// Secret, token, password and key files are small; reading stops here
/// (`--partner_secret_file=/dev/zero` must not eat the memory).
const SECRET_FILE_LIMIT: u64 = 64 * 1024;

/// A secret file named by a flag, whole, up to [`SECRET_FILE_LIMIT`].
fn read_file(flag: &str, path: &Path) -> Result<String> {
    let bad = |problem| Error::BadFile {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        problem,
    };
    let unreadable = |e: std::io::Error| bad(FileProblem::Unreadable(e.to_string()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(SECRET_FILE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > SECRET_FILE_LIMIT {
        return Err(bad(FileProblem::TooLarge(SECRET_FILE_LIMIT)));
    }
    String::from_utf8(bytes)
        .map_err(|_| bad(FileProblem::Unreadable("it is not UTF-8 text".into())))
}

/// A secret file's first line (a trailing newline from `echo` or an editor
/// is not part of it).
fn read_first_line(flag: &str, path: &Path) -> Result<String> {
    let text = read_file(flag, path)?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(Error::BadFile {
            flag: flag.to_string(),
            path: path.to_path_buf(),
            problem: FileProblem::Empty,
        });
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
        _ => Err(Error::BadValue {
            flag: flag.to_string(),
            value: v.to_string(),
            expected: Expected::Seconds,
        }),
    }
}

/// A WordPress.com blog id is a positive number.
fn blog_id(v: &str) -> Result<u64> {
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::BadValue {
            flag: "--blog_id".into(),
            value: v.to_string(),
            expected: Expected::BlogId,
        }),
    }
}

/// `--batch`/`--all-sites` with `--jobs` and `--skip-done`.
fn batch(command: &'static str, b: &BatchArgs, wp: &WpArgs, line: LineParser) -> Result<Batch> {
    let jobs = match given(&b.jobs) {
        None => DEFAULT_JOBS,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_JOBS).contains(&n) => n,
            _ => {
                return Err(Error::BadValue {
                    flag: "--jobs".into(),
                    value: v.to_string(),
                    expected: Expected::Jobs { max: MAX_JOBS },
                })
            }
        },
    };
    let source = match given(&b.batch) {
        Some("-") => Source::Stdin,
        Some(file) => Source::File(file.to_string()),
        None => Source::AllSites(wp_settings(wp)?),
    };
    Ok(Batch {
        command,
        source,
        jobs,
        skip_done: given(&b.skip_done).map(str::to_string),
        line,
    })
}

/// Flags that apply to the whole run, never to one line.
const RUN_WIDE: &[&str] = &[
    "partner_id",
    "partner_secret",
    "partner_secret_file",
    "batch",
    "all_sites",
    "jobs",
    "skip_done",
    "timeout",
    "dry_run",
    "verbose",
    "early_token",
    "help",
];

/// Field names older batch files used besides the flag names.
const LINE_ALIASES: &[(&str, &str)] = &[("local_user", "user"), ("siteurl", "site_url")];

/// A flag as a line may name it: its long name, and whether it takes a value.
struct LineFlag {
    id: String,
    long: String,
    takes_value: bool,
}

/// Parses each batch line as the command line's flags followed by the
/// line's own (`--key=value`), so that a line is validated exactly as flags
/// are and its fields win over the command line's.
fn line_parser<T: FromArgMatches + 'static>(
    lines: &LineCommand,
    command: &'static str,
    job: fn(&T) -> Result<SiteJob>,
) -> LineParser {
    let mut cmd = lines.cmd.clone();
    cmd.build();
    let mut known: HashMap<String, LineFlag> = HashMap::new();
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let flag = || LineFlag {
            id: arg.get_id().to_string(),
            long: long.to_string(),
            takes_value: arg.get_action().takes_values(),
        };
        known.insert(long.to_string(), flag());
        for alias in arg.get_all_aliases().unwrap_or_default() {
            known.insert(alias.to_string(), flag());
        }
    }
    let argv = lines.argv.clone();
    Box::new(move |n, fields| {
        let fail = |problem| Error::BatchLine { line: n, problem };
        let mut full = argv.clone();
        full.extend(
            line_flags(fields, &known, command)
                .map_err(fail)?
                .into_iter()
                .map(Into::into),
        );
        let parsed = cmd
            .clone()
            .try_get_matches_from(full)
            .and_then(|m| T::from_arg_matches(&m))
            .map_err(|e| fail(LineProblem::Unusable(e.kind().to_string())))?;
        job(&parsed).map_err(|e| fail(LineProblem::Invalid(Box::new(e))))
    })
}

/// A line's fields as `--long=value` arguments. Empty and `null` values are
/// "not given" (the command line's value stands); `true` turns a switch on.
fn line_flags(
    fields: &Map<String, Value>,
    known: &HashMap<String, LineFlag>,
    command: &'static str,
) -> std::result::Result<Vec<String>, LineProblem> {
    let mut out = Vec::new();
    for (key, value) in fields {
        let name = LINE_ALIASES
            .iter()
            .find(|(old, _)| old == key)
            .map_or(key.as_str(), |(_, new)| new);
        let flag = known
            .get(name)
            .or_else(|| known.get(&name.replace('-', "_")))
            .or_else(|| known.get(&name.replace('_', "-")))
            .ok_or_else(|| LineProblem::UnknownField {
                field: key.clone(),
                command,
            })?;
        if RUN_WIDE.contains(&flag.id.as_str()) {
            return Err(LineProblem::NotAllowed { field: key.clone() });
        }
        let text = match value {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) if !flag.takes_value => {
                if *b {
                    out.push(format!("--{}", flag.long));
                }
                continue;
            }
            Value::Bool(b) => b.to_string(),
            _ => return Err(LineProblem::FieldType { field: key.clone() }),
        };
        if !flag.takes_value {
            return Err(LineProblem::FieldType { field: key.clone() });
        }
        out.push(format!("--{}={text}", flag.long));
    }
    Ok(out)
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
            assert_eq!(
                seconds("--timeout", Some(bad), d)
                    .err()
                    .map(|e| e.error_code().to_string())
                    .as_deref(),
                Some("invalid_input"),
                "{bad}"
            );
        }
    }
}
