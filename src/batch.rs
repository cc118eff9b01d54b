//! `provision --batch=FILE` and `provision --all-sites`: many sites, one
//! token, one HTTP agent, `--jobs` sites at a time. Each site's result is one
//! JSON line on stdout; a summary goes to stderr (with a progress line when
//! stderr is a terminal); exit 1 if any site failed.

use crate::cli::ProvisionArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output;
use crate::provision;
use crate::Outcome;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

const DEFAULT_JOBS: usize = 4;
const MAX_JOBS: usize = 64;

/// One site to provision: its label in the results, and its flags (or why
/// its input line cannot be used).
struct Job {
    site: String,
    args: std::result::Result<ProvisionArgs, Error>,
}

pub fn run(base: &ProvisionArgs, ctx: &Context) -> Result<Outcome> {
    let jobs = jobs(base.jobs.as_deref())?;
    let mut list = match &base.batch {
        Some(file) => read_batch(file, base)?,
        None => all_sites(base, ctx)?,
    };
    let done = match &base.skip_done {
        Some(f) => done_sites(f)?,
        None => HashSet::new(),
    };
    // A site listed twice, or already done, is not provisioned (again).
    let mut seen = HashSet::new();
    let total_input = list.len();
    list.retain(|j| !done.contains(&j.site) && seen.insert(j.site.clone()));
    let skipped = total_input - list.len();

    let session = if ctx.dry_run {
        None
    } else {
        let api = ctx.api()?;
        let token = ctx.token(&api)?;
        Some((api, token))
    };

    let total = list.len();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(String, std::result::Result<Value, Error>)>();
    let progress = std::io::stderr().is_terminal();
    let (mut ok, mut failed) = (0usize, 0usize);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(total.max(1)) {
            let tx = tx.clone();
            let (list, next, session) = (&list, &next, &session);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = list.get(i) else { break };
                let result = match &job.args {
                    Ok(args) => one_site(args, ctx, session.as_ref()),
                    Err(e) => Err(Error::InvalidInput(e.message().to_string())),
                };
                if tx.send((job.site.clone(), result)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (site, result) in rx {
            let line = match result {
                Ok(v) => {
                    ok += 1;
                    result_line(&site, v)
                }
                Err(e) => {
                    failed += 1;
                    failure_line(&site, &e)
                }
            };
            println_flush(&line);
            if progress {
                eprint!(
                    "\r{} of {total} sites: {ok} ok, {failed} failed ",
                    ok + failed
                );
            }
        }
    });
    if progress {
        eprintln!();
    }
    let verb = if ctx.dry_run {
        "planned"
    } else {
        "provisioned"
    };
    eprintln!(
        "jetpack-partner: {} sites: {ok} {verb}, {failed} failed, {skipped} skipped (done or listed twice)",
        total_input
    );
    Ok(Outcome::Printed { failed: failed > 0 })
}

/// Provision one site with the shared token, or describe it in a dry run.
fn one_site(
    args: &ProvisionArgs,
    ctx: &Context,
    session: Option<&(crate::api::Api, String)>,
) -> std::result::Result<Value, Error> {
    let plan = provision::prepare(args, ctx)?;
    let Some((api, token)) = session else {
        return Ok(ctx.dry_run_output(&plan.requests(ctx)));
    };
    let body = provision::send(plan, api, token)?;
    serde_json::from_slice(&body)
        .map_err(|e| Error::InvalidResponse(format!("the provision answer is not JSON: {e}")))
}

/// `{"site": …, "success": true, …the API's fields}`.
fn result_line(site: &str, v: Value) -> String {
    let mut pairs = vec![("site".to_string(), Value::String(site.to_string()))];
    match v {
        Value::Object(o) => {
            if !o.contains_key("success") {
                pairs.push(("success".into(), Value::Bool(true)));
            }
            pairs.extend(o);
        }
        other => {
            pairs.push(("success".into(), Value::Bool(true)));
            pairs.push(("response".into(), other));
        }
    }
    output::object_text(&pairs)
}

/// `{"site": …, "success": false, "error_code": …, "error_message": …}`.
fn failure_line(site: &str, e: &Error) -> String {
    let mut pairs = vec![("site".to_string(), Value::String(site.to_string()))];
    pairs.extend(output::error_pairs(e));
    output::object_text(&pairs)
}

fn println_flush(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn jobs(v: Option<&str>) -> Result<usize> {
    let Some(v) = v else {
        return Ok(DEFAULT_JOBS);
    };
    match v.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(Error::InvalidInput(format!(
            "--jobs={v:?} is not a number of sites from 1 to {MAX_JOBS}"
        ))),
    }
}

/// The input lines: one JSON object per line; blank lines and `#` comments
/// are skipped. A line that cannot be used becomes that site's error.
fn read_batch(file: &str, base: &ProvisionArgs) -> Result<Vec<Job>> {
    let text = if file == "-" {
        let mut s = String::new();
        for line in std::io::stdin().lock().lines() {
            let line = line
                .map_err(|e| Error::InvalidInput(format!("--batch=-: cannot read stdin: {e}")))?;
            s.push_str(&line);
            s.push('\n');
        }
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| {
            Error::InvalidInput(format!(
                "--batch={file}: cannot read it ({e}); check the path"
            ))
        })?
    };
    let mut jobs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let fallback_label = format!("line {}", n + 1);
        let job = match serde_json::from_str::<Value>(t) {
            Ok(Value::Object(o)) => {
                let site = label(&o).unwrap_or(fallback_label);
                Job {
                    args: apply(base, &o).map_err(|e| {
                        Error::InvalidInput(format!("--batch line {}: {}", n + 1, e.message()))
                    }),
                    site,
                }
            }
            _ => Job {
                site: fallback_label,
                args: Err(Error::InvalidInput(format!(
                    "--batch line {}: not a JSON object like {{\"url\":\"https://example.com\",\"user\":\"admin\"}}",
                    n + 1
                ))),
            },
        };
        jobs.push(job);
    }
    Ok(jobs)
}

/// The site's name in results: its url, else site_url, else path.
fn label(o: &Map<String, Value>) -> Option<String> {
    ["url", "site_url", "path"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
        .map(str::to_string)
}

/// The base flags with this line's fields on top (the line wins).
fn apply(base: &ProvisionArgs, o: &Map<String, Value>) -> Result<ProvisionArgs> {
    let mut a = base.clone();
    a.batch = None;
    a.all_sites = false;
    for (k, v) in o {
        let value = match v {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                return Err(Error::InvalidInput(format!(
                    "field {k:?} must be a string, number or boolean"
                )))
            }
        };
        let slot: &mut Option<String> = match k.replace('-', "_").as_str() {
            "url" => &mut a.common.url,
            "user" | "user_id" | "local_user" => &mut a.user,
            "plan" => &mut a.plan,
            "onboarding" => &mut a.onboarding,
            "wpcom_user_id" => &mut a.wpcom_user_id,
            "wpcom_user_email" => &mut a.wpcom_user_email,
            "force_register" => &mut a.force_register,
            "force_connect" => &mut a.force_connect,
            "site_url" | "siteurl" => &mut a.site_url,
            "home_url" => &mut a.home_url,
            "partner_tracking_id" => &mut a.common.partner_tracking_id,
            "path" => &mut a.common.wp.path,
            "ssh_host" => &mut a.ssh_host,
            "ssh_port" => &mut a.ssh_port,
            "ssh_user" => &mut a.ssh_user,
            "ssh_pass" => &mut a.ssh_pass,
            "ftp_host" => &mut a.ftp_host,
            "ftp_port" => &mut a.ftp_port,
            "ftp_user" => &mut a.ftp_user,
            "ftp_pass" => &mut a.ftp_pass,
            "ssh_private_key" => {
                a.ssh_private_key = value.map(std::path::PathBuf::from);
                continue;
            }
            _ => {
                return Err(Error::InvalidInput(format!(
                    "unknown field {k:?}; use the provision flag names (url, user, plan, site_url, path, ...)"
                )))
            }
        };
        *slot = value;
    }
    Ok(a)
}

/// Every site of the multisite network, from `wp site list --field=url`.
fn all_sites(base: &ProvisionArgs, ctx: &Context) -> Result<Vec<Job>> {
    let wp = ctx.wp(&base.common.wp, None)?;
    let out = wp.run(&[], &["site", "list", "--field=url"])?;
    if !out.status.success() {
        return Err(wp.failure("wp site list", &out));
    }
    let urls: Vec<String> = out
        .stdout_text()
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
        .map(str::to_string)
        .collect();
    if urls.is_empty() {
        return Err(Error::WpFailed(
            "wp site list printed no site URLs; is this a multisite network?".into(),
        ));
    }
    Ok(urls
        .into_iter()
        .map(|url| {
            let mut a = base.clone();
            a.all_sites = false;
            a.common.url = Some(url.clone());
            Job {
                site: url,
                args: Ok(a),
            }
        })
        .collect())
}

/// Sites with a successful result line in FILE (a missing FILE is an empty
/// one, so the same command line works on the first run and on resumes).
fn done_sites(file: &str) -> Result<HashSet<String>> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Error::InvalidInput(format!(
                "--skip-done={file}: cannot read it ({e})"
            )))
        }
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("success") == Some(&Value::Bool(true)))
        .filter_map(|v| v.get("site").and_then(Value::as_str).map(str::to_string))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_flags() {
        let o = serde_json::json!({"url": "https://a.test", "user": 5, "plan": "premium", "force_register": true, "site-url": "https://a.test/wp"});
        let a = apply(
            &ProvisionArgs::default(),
            o.as_object().unwrap_or(&Map::new()),
        );
        let a = a.ok().unwrap_or_default();
        assert_eq!(a.common.url.as_deref(), Some("https://a.test"));
        assert_eq!(a.user.as_deref(), Some("5"));
        assert_eq!(a.force_register.as_deref(), Some("true"));
        assert_eq!(a.site_url.as_deref(), Some("https://a.test/wp"));
        let bad = serde_json::json!({"usr": "x"});
        assert!(apply(
            &ProvisionArgs::default(),
            bad.as_object().unwrap_or(&Map::new())
        )
        .is_err());
    }

    #[test]
    fn jobs_are_checked() {
        assert_eq!(jobs(None).ok(), Some(4));
        assert_eq!(jobs(Some("8")).ok(), Some(8));
        assert!(jobs(Some("0")).is_err());
        assert!(jobs(Some("many")).is_err());
    }
}
