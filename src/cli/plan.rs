//! From plain flag strings to typed plans, validated once: every
//! `invalid_input` of a command line (and of a batch line, which is parsed
//! as the same flags) is raised here, before anything runs.

use super::args::{
    ApiArgs, ApplyArgs, BackupCredentialsArgs, BatchArgs, CancelArgs, ErrorsArgs, MagicLinkArgs,
    PartnerKeyNewArgs, ProvisionArgs, RunArgs, SiteArgs, SiteCommand, SitesArgs, StatusArgs,
    TokenArgs, UpgradePathsArgs, VerifyArgs, WpArgs,
};
use super::fields::{FieldSet, Fields, Kind};
use super::lines::line_parser;
use super::values::{
    blog_id, format, jobs, read_auth, read_credentials, read_file, read_first_line, read_json,
    settings, wp_settings,
};
use super::{api_path, credentials, given, missing, AuthSource, Env, Failure, LineCommand};
use crate::api::Method;
use crate::error::{Error, Expected, Needed, Result};
use crate::output;
use crate::plan::{
    Action, ApiCall, Batch, Command, Invocation, LineParser, Provision, Scan, Settings, SiteJob,
    SiteSpec, Source, Target,
};
use serde_json::{Map, Value};
use std::path::Path;

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
            let lines = line_parser::<T>(lines, &[], move |a, _| job(a));
            Target::Many(batch(command, b, a.wp(), lines, (user, activate))?)
        } else {
            // Checked where unused too, so a typo is not taken silently.
            jobs(&b.jobs)?;
            format(&b.format)?;
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
                url: site_url("--url", &a.url)?,
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
        return Err(Error::Missing(Needed::BackupCredentials));
    }
    for (form, needs) in [
        (
            &ssh,
            [("ssh_host", Needed::SshHost), ("ssh_user", Needed::SshUser)],
        ),
        (
            &ftp,
            [("ftp_host", Needed::FtpHost), ("ftp_user", Needed::FtpUser)],
        ),
    ] {
        if let Some((_, needed)) = needs.iter().find(|(k, _)| form.is_some() && !has(form, k)) {
            return Err(Error::Missing(*needed));
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
        url: site_url("--url", &site.url)?,
        home_url: site_url("--home_url", &site.home_url)?,
        blog_id: given(&site.blog_id).map(blog_id).transpose()?,
        known: None,
    })
}

/// A URL flag that names a site: blank is "not given"; one with no host
/// (`https://`, `http:///x`) would be sent as an empty site, so it is
/// refused.
fn site_url(flag: &str, v: &Option<String>) -> Result<Option<String>> {
    let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    if !crate::site::names_a_host(v) {
        return Err(Error::BadValue {
            flag: flag.to_string(),
            value: v.to_string(),
            expected: Expected::SiteUrl,
        });
    }
    Ok(Some(v.trim().to_string()))
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
        if f.kind == Kind::FileContents {
            // A key echoed back may come line by line, or only its body.
            for line in value.lines().map(str::trim) {
                if line.len() >= 16 && !line.starts_with("-----") {
                    output::register_secret(line);
                }
            }
        }
        form.push((f.api.to_string(), value));
    }
    Ok(form)
}

/// One site's provision, from its flags.
fn provision_job(a: &ProvisionArgs) -> Result<SiteJob> {
    let user = given(&a.user).ok_or(Error::Missing(Needed::User))?;
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
        return Err(Error::Missing(Needed::PlanForIfNeeded));
    }
    Ok(SiteJob {
        site: SiteSpec {
            wp: wp_settings(&a.wp)?,
            url: site_url("--url", &a.url)?,
            // provision forwards --home_url; it does not name the site.
            home_url: None,
            blog_id: None,
            known: None,
        },
        action: Action::Provision(Provision {
            user: user.to_string(),
            site_url: site_url("--site_url", &a.site_url)?,
            check_upgrade: plan.filter(|_| a.check_upgrade),
            authorize: has("wpcom_user_id"),
            fields,
            tracking: given(&a.tracking.partner_tracking_id).map(str::to_string),
            early_token: a.early_token,
            if_needed: a.if_needed,
        }),
    })
}

pub(super) fn apply(a: ApplyArgs, lines: &LineCommand, env: Env) -> Parsed {
    let auth = credentials(&a.creds, &lines.cmd, env, true)?;
    let Some(desired) = given(&a.desired).map(str::to_string) else {
        return Err(missing(&lines.cmd, "--desired=<FILE> (- for stdin)"));
    };
    let prune = a.prune;
    invocation(&a.run, env, |_| {
        let source = match desired.as_str() {
            "-" => Source::Stdin,
            file => Source::File(file.to_string()),
        };
        let line = line_parser::<ApplyArgs>(lines, &["products"], move |a, fields| {
            apply_job(a, fields, prune)
        });
        Ok(Command::Site {
            auth: read_auth(auth)?,
            target: Target::Many(Batch {
                command: "apply",
                source,
                jobs: jobs(&a.jobs)?,
                skip_done: None,
                format: format(&a.format)?,
                line,
            }),
        })
    })
}

/// One site of a desired-state file: its flags and `products`.
fn apply_job(a: &ApplyArgs, fields: &Map<String, Value>, prune: bool) -> Result<SiteJob> {
    let bad = |field: &str| {
        Error::Missing(if field.is_empty() {
            Needed::Products
        } else {
            Needed::ProductSlugs
        })
    };
    let products = match fields.get("products") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("slug"))?,
        // One product as a plain string.
        Some(Value::String(one)) if !one.trim().is_empty() => vec![one.trim().to_string()],
        _ => return Err(bad("")),
    };
    Ok(SiteJob {
        site: site_spec(&a.site, &a.wp)?,
        action: Action::Apply {
            products,
            prune,
            provision: Provision {
                user: given(&a.user).unwrap_or_default().to_string(),
                site_url: site_url("--site_url", &a.site_url)?,
                fields: Vec::new(),
                tracking: given(&a.tracking.partner_tracking_id).map(str::to_string),
                check_upgrade: None,
                authorize: false,
                early_token: false,
                if_needed: false,
            },
        },
    })
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
