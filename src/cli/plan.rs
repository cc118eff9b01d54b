//! From plain flag strings to typed plans, validated once: every
//! `invalid_input` of a command line (and of a batch line, which is parsed
//! as the same flags) is raised here, before anything runs.

use super::args::{
    ApiArgs, BackupCredentialsArgs, BatchArgs, CancelArgs, ErrorsArgs, FieldSet, Fields,
    FormatArgs, Kind, MagicLinkArgs, PartnerKeyNewArgs, ProvisionArgs, RunArgs, SiteArgs,
    SiteCommand, SitesArgs, StatusArgs, TokenArgs, UpgradePathsArgs, VerifyArgs, WpArgs,
};
use super::{
    credentials, given, missing, AuthSource, CredSource, Env, Failure, LineCommand, SecretSource,
};
use crate::api::{split_scheme, Base, Method, REQUEST_TIMEOUT};
use crate::error::{Error, Expected, FileProblem, LineProblem, Result};
use crate::output;
use crate::output::format::Format;
use crate::plan::{
    Action, ApiCall, Auth, Batch, Command, Credentials, Invocation, LineParser, Provision, Scan,
    Settings, SiteJob, SiteSpec, Source, Target, WpSettings,
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
// Each worker keeps its connection between sites.
const _: () = assert!(MAX_JOBS <= crate::api::IDLE_CONNECTIONS);

type Parsed = std::result::Result<Invocation, Failure>;

/// Settings and auth read, then the command built; any failure there is an
/// `invalid_input` JSON error (usage problems were found before).
fn invocation(run: &RunArgs, env: Env, build: impl FnOnce(&Settings) -> Result<Command>) -> Parsed {
    let done = || -> Result<Invocation> {
        let settings = settings(run, env)?;
        let command = build(&settings)?;
        Ok(Invocation { settings, command })
    };
    done().map_err(Failure::Invalid)
}

/// A site command: one site from its flags, or many (`--batch`,
/// `--all-sites`), each line parsed as these flags plus its own.
fn site_command<T: SiteCommand>(
    a: &T,
    lines: &LineCommand,
    env: Env,
    job: fn(&T) -> Result<SiteJob>,
) -> Parsed {
    let auth = credentials(a.creds(), &lines.cmd, env, true)?;
    let command = lines.name;
    invocation(a.run(), env, |settings| {
        let auth = read_auth(auth)?;
        let b = a.batch();
        let target = if many(b) {
            // --all-sites: the network's one bootstrap checks provision's
            // user and activates Jetpack (not in a dry run).
            let user = a.network_user();
            let activate = user.is_some() && !settings.dry_run;
            let lines = line_parser::<T>(lines, job);
            Target::Many(batch(command, b, a.wp(), lines, (user, activate))?)
        } else {
            Target::One(job(a)?)
        };
        Ok(Command::Site { auth, target })
    })
}

fn many(b: &BatchArgs) -> bool {
    given(&b.batch).is_some() || b.all_sites
}

pub(super) fn provision(a: ProvisionArgs, lines: &LineCommand, env: Env) -> Parsed {
    // In a batch each line may name its own user.
    if given(&a.user).is_none() && !many(&a.batch) {
        credentials(&a.creds, &lines.cmd, env, true)?;
        return Err(missing(&lines.cmd, "--user=<USER> (ID, login or email)"));
    }
    site_command(&a, lines, env, provision_job)
}

pub(super) fn cancel(a: CancelArgs, lines: &LineCommand, env: Env) -> Parsed {
    site_command(&a, lines, env, |a| {
        Ok(SiteJob {
            site: site_spec(&a.site, &a.wp)?,
            action: Action::Cancel {
                tracking: given(&a.tracking.partner_tracking_id).map(str::to_string),
                plan: given(&a.plan).map(str::to_string),
                all: a.cancel_all,
                if_needed: a.if_needed,
            },
        })
    })
}

pub(super) fn status(a: StatusArgs, lines: &LineCommand, env: Env) -> Parsed {
    site_command(&a, lines, env, |a| {
        Ok(SiteJob {
            site: site_spec(&a.site, &a.wp)?,
            action: Action::Status,
        })
    })
}

pub(super) fn upgrade_paths(a: UpgradePathsArgs, lines: &LineCommand, env: Env) -> Parsed {
    site_command(&a, lines, env, |a| {
        Ok(SiteJob {
            site: site_spec(&a.site, &a.wp)?,
            action: Action::UpgradePaths,
        })
    })
}

pub(super) fn backup_credentials(
    a: BackupCredentialsArgs,
    lines: &LineCommand,
    env: Env,
) -> Parsed {
    site_command(&a, lines, env, |a| {
        let (ssh, ftp) = backup_forms(&a.fields)?;
        Ok(SiteJob {
            site: SiteSpec {
                wp: wp_settings(&a.wp)?,
                url: given(&a.url).map(str::to_string),
                home_url: None,
                blog_id: given(&a.blog_id).map(blog_id).transpose()?,
                known: None,
            },
            action: Action::BackupCredentials { ssh, ftp },
        })
    })
}

/// The SSH form (when any `--ssh-*` is given) and the FTP form (any
/// `--ftp-*`), each checked as the API would.
#[allow(clippy::type_complexity)]
fn backup_forms<S: FieldSet>(
    fields: &Fields<S>,
) -> Result<(Option<Vec<(String, String)>>, Option<Vec<(String, String)>>)> {
    let form = forwarded(fields)?;
    let part = |prefix: &str| -> Option<Vec<(String, String)>> {
        let part: Vec<_> = form
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .cloned()
            .collect();
        (!part.is_empty()).then_some(part)
    };
    let (ssh, ftp) = (part("ssh_"), part("ftp_"));
    let has = |form: &Option<Vec<(String, String)>>, k: &str| {
        form.as_ref().is_some_and(|f| f.iter().any(|(n, _)| n == k))
    };
    if ssh.is_none() && ftp.is_none() {
        return Err(Error::Missing {
            flag: "--ssh-host/--ssh-user (and a password or key) or --ftp-host/--ftp-user",
            what: "credentials",
        });
    }
    for (form, needs) in [
        (&ssh, ["ssh_host", "ssh_user"]),
        (&ftp, ["ftp_host", "ftp_user"]),
    ] {
        if form.is_some() {
            for k in needs {
                if !has(form, k) {
                    return Err(Error::Missing {
                        flag: if k.ends_with("host") {
                            if k.starts_with("ssh") {
                                "--ssh-host"
                            } else {
                                "--ftp-host"
                            }
                        } else if k.starts_with("ssh") {
                            "--ssh-user"
                        } else {
                            "--ftp-user"
                        },
                        what: if k.ends_with("host") { "host" } else { "user" },
                    });
                }
            }
        }
    }
    if ssh.is_some() && !has(&ssh, "ssh_pass") && !has(&ssh, "ssh_private_key") {
        return Err(Error::SshUserAlone);
    }
    Ok((ssh, ftp))
}

pub(super) fn errors(a: ErrorsArgs, env: Env) -> Parsed {
    invocation(&a.run, env, |settings| {
        Ok(Command::Errors {
            code: given(&a.code).map(str::to_string),
            verbose: settings.verbose,
        })
    })
}

pub(super) fn magic_link(a: MagicLinkArgs, cmd: &clap::Command, env: Env) -> Parsed {
    let auth = credentials(&a.creds, cmd, env, true)?;
    let Some(email) = given(&a.email).map(str::to_string) else {
        return Err(missing(cmd, "--email=<ADDR>"));
    };
    invocation(&a.run, env, |_| {
        Ok(Command::MagicLink {
            auth: read_auth(auth)?,
            email,
        })
    })
}

pub(super) fn api(a: ApiArgs, cmd: &clap::Command, env: Env) -> Parsed {
    let auth = credentials(&a.creds, cmd, env, true)?;
    let Some(path) = given(&a.path).map(str::to_string) else {
        return Err(missing(
            cmd,
            "<PATH> (e.g. /wpcom/v2/sites/12345/rewind/backups)",
        ));
    };
    invocation(&a.run, env, |settings| {
        let method = match given(&a.method) {
            None => Method::Get,
            Some(m) => Method::parse(m).ok_or_else(|| Error::BadValue {
                flag: "--method".into(),
                value: m.to_string(),
                expected: Expected::Method,
            })?,
        };
        let (path, raw_query) = api_path(&path, &settings.base)?;
        let mut fields = Vec::new();
        for f in &a.field {
            let (k, v) = f.split_once('=').ok_or_else(|| Error::BadValue {
                flag: "--field".into(),
                value: f.clone(),
                expected: Expected::KeyValue,
            })?;
            fields.push((k.to_string(), v.to_string()));
        }
        let json = match given(&a.input) {
            None => None,
            Some(file) => Some(read_json(file)?),
        };
        Ok(Command::Api {
            auth: read_auth(auth)?,
            call: ApiCall {
                method,
                path,
                raw_query,
                fields,
                json,
            },
        })
    })
}

/// `api`'s PATH: it must start with `/` (not `//`), hold no spaces or
/// control characters, and the URL it makes must still point at the API
/// host — so the partner token never goes anywhere else.
pub fn api_path(path: &str, base: &Base) -> Result<(String, Option<String>)> {
    let bad = |why: &'static str| Error::BadApiPath {
        path: path.to_string(),
        why,
    };
    if !path.starts_with('/') {
        return Err(bad(
            "it must start with / and is always relative to the API host",
        ));
    }
    if path.starts_with("//") {
        return Err(bad("// would name another host"));
    }
    if path.contains(|c: char| c.is_whitespace() || c.is_control() || c == '\\' || c == '#') {
        return Err(bad("spaces, control characters, \\ and # are not allowed"));
    }
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path.to_string(), None),
    };
    let full = format!("{}{}", base.url, path);
    let same_host = |u: &url::Url| {
        url::Url::parse(&base.url).is_ok_and(|b| {
            b.host_str() == u.host_str() && b.port_or_known_default() == u.port_or_known_default()
        })
    };
    match url::Url::parse(&full) {
        Ok(u) if same_host(&u) && split_scheme(&full).is_some() => Ok((p, q)),
        _ => Err(bad("the URL it makes would not be the API host's")),
    }
}

/// `--input=FILE` (`-` for stdin): JSON, checked before anything is sent.
fn read_json(file: &str) -> Result<Vec<u8>> {
    let bad = |problem| Error::BadFile {
        flag: "--input".into(),
        path: file.into(),
        problem,
    };
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    read.map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
    serde_json::from_slice::<Value>(&bytes)
        .map_err(|e| bad(FileProblem::Unreadable(format!("it is not JSON: {e}"))))?;
    Ok(bytes)
}

pub(super) fn token(a: TokenArgs, cmd: &clap::Command, env: Env) -> Parsed {
    let AuthSource::Client(creds) = credentials(&a.creds, cmd, env, false)? else {
        return Err(missing(cmd, "--partner_id and --partner_secret"));
    };
    invocation(&a.run, env, |_| {
        Ok(Command::Token {
            creds: read_credentials(creds)?,
        })
    })
}

pub(super) fn partner_key_new(a: PartnerKeyNewArgs, cmd: &clap::Command, env: Env) -> Parsed {
    let auth = credentials(&a.creds, cmd, env, true)?;
    let Some(name) = given(&a.name).map(str::to_string) else {
        return Err(missing(cmd, "--name=<NAME>"));
    };
    invocation(&a.run, env, |_| {
        let mut form = vec![("name".to_string(), name)];
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
        Ok(Command::PartnerKeyNew {
            auth: read_auth(auth)?,
            form,
        })
    })
}

pub(super) fn verify(a: VerifyArgs, cmd: &clap::Command, env: Env) -> Parsed {
    let auth = credentials(&a.creds, cmd, env, true)?;
    invocation(&a.run, env, |_| {
        Ok(Command::Verify {
            auth: read_auth(auth)?,
        })
    })
}

/// Which site, for the site commands that find it as cancel does.
fn site_spec(site: &SiteArgs, wp: &WpArgs) -> Result<SiteSpec> {
    Ok(SiteSpec {
        wp: wp_settings(wp)?,
        url: given(&site.url).map(str::to_string),
        home_url: given(&site.home_url).map(str::to_string),
        blog_id: given(&site.blog_id).map(blog_id).transpose()?,
        known: None,
    })
}

/// The forwarded fields as form fields, secrets read from their files and
/// registered; a password file stands in only where its flag was not given.
fn forwarded<S: FieldSet>(fields: &Fields<S>) -> Result<Vec<(String, String)>> {
    let mut form: Vec<(String, String)> = Vec::with_capacity(fields.given.len());
    for (f, v) in &fields.given {
        let value = match f.kind {
            Kind::Value | Kind::Secret => v.clone(),
            Kind::FileContents => read_file(&format!("--{}", f.long), Path::new(v))?,
            Kind::FirstLine => {
                if form.iter().any(|(k, _)| k == f.api) {
                    continue;
                }
                read_first_line(&format!("--{}", f.long), Path::new(v))?
            }
        };
        if f.kind != Kind::Value {
            output::register_secret(&value);
        }
        form.push((f.api.to_string(), value));
    }
    Ok(form)
}

/// One site's provision, from its flags.
fn provision_job(a: &ProvisionArgs) -> Result<SiteJob> {
    let user = given(&a.user).ok_or(Error::Missing {
        flag: "--user (ID, login or email)",
        what: "user",
    })?;
    let has = |k: &str| a.fields.has(k);
    if has("ssh_user") && !has("ssh_pass") && !has("ssh_pass_file") && !has("ssh_private_key") {
        return Err(Error::SshUserAlone);
    }
    let fields = forwarded(&a.fields)?;
    let plan = fields
        .iter()
        .find(|(k, _)| k == "plan")
        .map(|(_, v)| v.clone());
    if a.if_needed && plan.is_none() {
        return Err(Error::Missing {
            flag: "--plan (--if-needed provisions it only when it is not there)",
            what: "plan",
        });
    }
    Ok(SiteJob {
        site: SiteSpec {
            wp: wp_settings(&a.wp)?,
            url: given(&a.url).map(str::to_string),
            // provision forwards --home_url; it does not name the site.
            home_url: None,
            blog_id: None,
            known: None,
        },
        action: Action::Provision(Provision {
            user: user.to_string(),
            site_url: given(&a.site_url).map(str::to_string),
            check_upgrade: plan.filter(|_| a.check_upgrade),
            authorize: has("wpcom_user_id"),
            fields,
            tracking: given(&a.tracking.partner_tracking_id).map(str::to_string),
            early_token: a.early_token,
            if_needed: a.if_needed,
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

/// The token read (or the client secret), and registered as a secret, so
/// that it is scrubbed from everything we print.
fn read_auth(a: AuthSource) -> Result<Auth> {
    let token = match a {
        AuthSource::Client(c) => return read_credentials(c).map(Auth::Client),
        AuthSource::TokenFile(p) => read_first_line("--access-token-file", &p)?,
        AuthSource::TokenValue(t) => t,
    };
    output::register_secret(&token);
    Ok(Auth::Token(token))
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

/// `--format`: json (the default), table or csv.
fn format(f: &FormatArgs) -> Result<Format> {
    match given(&f.format) {
        None => Ok(Format::Json),
        Some(v) => Format::parse(v).ok_or_else(|| Error::BadValue {
            flag: "--format".into(),
            value: v.to_string(),
            expected: Expected::Format,
        }),
    }
}

/// `--jobs`: 1 to 64, 4 when not given.
fn jobs(v: &Option<String>) -> Result<usize> {
    match given(v) {
        None => Ok(DEFAULT_JOBS),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
            _ => Err(Error::BadValue {
                flag: "--jobs".into(),
                value: v.to_string(),
                expected: Expected::Jobs { max: MAX_JOBS },
            }),
        },
    }
}

pub(super) fn sites(a: SitesArgs, cmd: &clap::Command, env: Env) -> Parsed {
    let Some(root) = given(&a.scan).map(std::path::PathBuf::from) else {
        return Err(missing(cmd, "--scan=<DIR>"));
    };
    invocation(&a.run, env, |_| {
        let max_depth = match given(&a.max_depth) {
            None => 6,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => n,
                _ => {
                    return Err(Error::BadValue {
                        flag: "--max-depth".into(),
                        value: v.to_string(),
                        expected: Expected::Depth,
                    })
                }
            },
        };
        Ok(Command::Sites(Scan {
            root,
            max_depth,
            facts: a.facts,
            jobs: jobs(&a.jobs)?,
            format: format(&a.format)?,
            wp: wp_settings(&a.wp)?,
        }))
    })
}

/// `--batch`/`--all-sites` with `--jobs` and `--skip-done`.
fn batch(
    command: &'static str,
    b: &BatchArgs,
    wp: &WpArgs,
    line: LineParser,
    (network_user, activate): (Option<&str>, bool),
) -> Result<Batch> {
    let jobs = jobs(&b.jobs)?;
    let source = match given(&b.batch) {
        Some("-") => Source::Stdin,
        Some(file) => Source::File(file.to_string()),
        None => Source::AllSites {
            wp: wp_settings(wp)?,
            user: network_user.map(str::to_string),
            activate,
        },
    };
    Ok(Batch {
        command,
        source,
        jobs,
        skip_done: given(&b.skip_done).map(str::to_string),
        format: format(&b.format)?,
        line,
    })
}

/// Flags that apply to the whole run, never to one line.
const RUN_WIDE: &[&str] = &[
    "format",
    "access_token_file",
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
    job: fn(&T) -> Result<SiteJob>,
) -> LineParser {
    let command = lines.name;
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
