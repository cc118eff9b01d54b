//! Flag values checked and turned into what jobs hold (settings, numbers,
//! formats, URLs). An `invalid_input` about one value shared by several
//! commands is raised here; a command's own values are checked in its module.

use super::common::{FormatArgs, JobsArg, RunArgs, WpArgs};
use super::given;
use crate::api::{Base, INSECURE_HTTP_VAR, REQUEST_TIMEOUT};
use crate::environment::{Env, API_HOST_VAR};
use crate::error::{Error, Expected, Result};
use crate::job::{Meta, Settings, LINE_KEYS};
use crate::output::format::{check_fields, known_fields, parse_fields, Column, Format, Listing};
use crate::wp::{self, WpSettings};
use std::time::Duration;

const DEFAULT_JOBS: usize = 4;

const MAX_JOBS: usize = 64;
// Each worker keeps its connection between sites.
const _: () = assert!(MAX_JOBS <= crate::api::IDLE_CONNECTIONS);

/// The run's settings, JETPACK_START_API_HOST among them (refused here,
/// before anything is sent, when it cannot be used: see
/// [`Base::from_env_value`]).
pub fn settings(run: &RunArgs, env: Env) -> Result<Settings> {
    let insecure_ok = env(INSECURE_HTTP_VAR).is_some_and(|v| v.trim() == "1");
    let base = Base::from_env_value(env(API_HOST_VAR).as_deref(), insecure_ok)?;
    with_base(run, base)
}

/// Settings of a command that never talks to the API (`sites`): the API
/// host is not read, so a value meant for other commands does not stop it.
pub fn local_settings(run: &RunArgs) -> Result<Settings> {
    with_base(run, Base::default())
}

fn with_base(run: &RunArgs, base: Base) -> Result<Settings> {
    Ok(Settings {
        base,
        timeout: seconds("--timeout", given(&run.timeout), REQUEST_TIMEOUT)?,
        dry_run: run.dry_run,
        verbose: run.verbose,
        quiet: run.quiet,
        tokens: crate::tokens::Tokens::default(),
    })
}

pub fn wp_settings(w: &WpArgs) -> Result<WpSettings> {
    let program = match given(&w.program.wp_cli_path) {
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
pub fn blog_id(v: &str) -> Result<u64> {
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::BadValue {
            flag: "--blog_id".into(),
            value: v.to_string(),
            expected: Expected::BlogId,
        }),
    }
}

/// `--format` (json, the default; table, csv or count) and `--fields`,
/// checked against the names the list knows (its `columns`' headings and
/// the `keys` its lines carry).
pub fn listing(f: &FormatArgs, columns: &[Column], keys: &[&'static str]) -> Result<Listing> {
    let format = match given(&f.format) {
        None => Format::Json,
        Some(v) => Format::parse(v).ok_or_else(|| Error::BadValue {
            flag: "--format".into(),
            value: v.to_string(),
            expected: Expected::Format,
        })?,
    };
    let fields = given(&f.fields).map(parse_fields);
    if let (Some(names), Some(v)) = (&fields, given(&f.fields)) {
        let valid = known_fields(columns, keys);
        let unknown = check_fields(names, &valid);
        if !unknown.is_empty() {
            return Err(Error::UnknownFields {
                given: v.to_string(),
                unknown,
                valid,
            });
        }
    }
    // `--fields=,` names nothing: as if not given.
    let fields = fields.filter(|names| !names.is_empty());
    Ok(Listing { format, fields })
}

/// [`listing`] for a command's result lines (batch, `apply`, one site).
pub fn lines_listing(f: &FormatArgs, meta: &Meta) -> Result<Listing> {
    listing(f, meta.columns, &[LINE_KEYS, meta.keys].concat())
}

/// `--jobs`: 1 to 64, 4 when not given.
pub fn jobs(v: &JobsArg) -> Result<usize> {
    match given(&v.jobs) {
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

/// A fleet run's limits: `--wait-lock` (None: do not wait),
/// `--max-wait`, `--max-consecutive-failures`.
pub fn fleet(v: &super::common::FleetArgs) -> Result<crate::job::Limits> {
    let wait_lock = given(&v.wait_lock)
        .map(|s| seconds("--wait-lock", Some(s), Duration::ZERO))
        .transpose()?;
    let max_wait = seconds("--max-wait", given(&v.max_wait), MAX_WAIT)?;
    let failures = match given(&v.max_consecutive_failures) {
        None => DEFAULT_FAILURES,
        Some(s) => s.trim().parse::<usize>().map_err(|_| Error::BadValue {
            flag: "--max-consecutive-failures".into(),
            value: s.to_string(),
            expected: Expected::Count,
        })?,
    };
    Ok(crate::job::Limits {
        wait_lock,
        max_wait,
        max_consecutive_failures: failures,
    })
}

/// How a fleet run reports its end: `--summary=text|json` and
/// `--metrics-file` (which must be writable before anything is sent).
pub fn report(v: &super::common::FleetArgs) -> Result<crate::job::Report> {
    let json = summary_json(&v.summary)?;
    let metrics = given(&v.metrics_file).map(std::path::PathBuf::from);
    if let Some(path) = &metrics {
        crate::batch::check_metrics(path)?;
    }
    Ok(crate::job::Report { json, metrics })
}

/// `--max-depth` (default 6): how many folders deep a scan looks.
pub fn depth(v: &Option<String>) -> Result<usize> {
    match given(v) {
        None => Ok(6),
        Some(d) => match d.trim().parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => Ok(n),
            _ => Err(Error::BadValue {
                flag: "--max-depth".into(),
                value: d.to_string(),
                expected: Expected::Depth,
            }),
        },
    }
}

/// `--summary`: text (false) or json (true).
pub fn summary_json(v: &Option<String>) -> Result<bool> {
    match given(v).map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(s) if s == "text" => Ok(false),
        Some(s) if s == "json" => Ok(true),
        Some(_) => Err(Error::BadValue {
            flag: "--summary".into(),
            value: given(v).unwrap_or_default().to_string(),
            expected: Expected::Summary,
        }),
    }
}

/// How long a fleet run's site may wait out rate limits by default.
const MAX_WAIT: Duration = Duration::from_secs(600);
/// Failures in a row with one error code before a fleet run stops.
const DEFAULT_FAILURES: usize = 25;

/// A URL flag that names a site: blank is "not given"; one with no host
/// (`https://`, `http:///x`) would be sent as an empty site, so it is
/// refused.
pub fn site_url(flag: &str, v: &Option<String>) -> Result<Option<String>> {
    let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    if !crate::site::url::names_a_host(v) {
        return Err(Error::BadValue {
            flag: flag.to_string(),
            value: v.to_string(),
            expected: Expected::SiteUrl,
        });
    }
    Ok(Some(v.trim().to_string()))
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
