//! The config file, so that cron lines, units and playbooks need no
//! credentials or settings: `--config=FILE`, else `$JETPACK_PARTNER_CONFIG`,
//! else `$XDG_CONFIG_HOME/jetpack-partner/config.toml` (`~/.config` when
//! unset), else `/etc/jetpack-partner/config.toml` — the first that
//! exists, alone (they are not merged). A default location that is missing
//! or closed to this user is skipped; a file named by the flag or the
//! variable must be there.
//!
//! Its values stand below the flags and the environment (flag >
//! environment > config): the credentials ask it last
//! (`crate::credentials::source`), `api_host` stands in for an unset
//! `JETPACK_START_API_HOST`, and `jobs`, `wp_cli_path` and `timeout` become
//! the defaults of their flags ([`Config::flag_defaults`]), so batch lines
//! and every command see them as the flags' own. Every value is checked
//! here, with the checks of its flag, so that a bad one names this file and
//! its line.

mod toml;

use crate::credentials::files::{read_guarded, Contents, Refused, SECRET_FILE_LIMIT};
use crate::credentials::stdin;
use crate::environment::{Env, CONFIG_VAR};
use crate::error::{ConfigProblem, Error, FileProblem, Result};
use crate::flags::common::{JobsArg, WpArgs, WpProgramArg};
use crate::flags::values;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use toml::Value;

/// The keys a config file takes.
pub const KEYS: &[&str] = &[
    "partner_id",
    "partner_secret_file",
    "access_token_file",
    "licensing_token_file",
    "reporting_token_file",
    "api_host",
    "jobs",
    "wp_cli_path",
    "timeout",
];

/// The system-wide config file.
pub const SYSTEM_CONFIG: &str = "/etc/jetpack-partner/config.toml";

/// What a config file set (nothing, without one).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file, as messages name it (`config file PATH`, `--config=PATH`).
    pub file: Option<String>,
    pub partner_id: Option<String>,
    pub partner_secret_file: Option<FileSetting>,
    pub access_token_file: Option<FileSetting>,
    /// The Licensing API's token (`license`, `connect`).
    pub licensing_token_file: Option<FileSetting>,
    /// The partner reports' token (`audit`).
    pub reporting_token_file: Option<FileSetting>,
    pub api_host: Option<String>,
    pub jobs: Option<String>,
    pub wp_cli_path: Option<String>,
    pub timeout: Option<String>,
}

/// A secret file the config names: where it is (relative paths are taken
/// from the config file's folder), and how messages name the setting.
#[derive(Debug, Clone)]
pub struct FileSetting {
    pub path: PathBuf,
    /// `config file PATH line N: partner_secret_file`.
    pub origin: String,
}

impl Config {
    /// The flags (by clap id) whose default this file sets, and the value.
    pub fn flag_defaults(&self) -> Vec<(&'static str, &str)> {
        [
            ("jobs", &self.jobs),
            ("wp_cli_path", &self.wp_cli_path),
            ("timeout", &self.timeout),
        ]
        .into_iter()
        .filter_map(|(id, v)| v.as_deref().map(|v| (id, v)))
        .collect()
    }
}

/// How the file to read was named.
#[derive(Clone, Copy, PartialEq)]
enum Named {
    Flag,
    Variable,
    /// A default location: skipped when it is not there.
    Default,
}

/// The config file of this run, read and checked; `flag`: `--config`'s
/// value, if given.
pub fn load(flag: Option<&OsStr>, env: Env) -> Result<Config> {
    let given = |v: &OsStr| (!v.is_empty()).then(|| PathBuf::from(v));
    let mut candidates = Vec::new();
    if let Some(p) = flag.and_then(given) {
        candidates.push((p, Named::Flag));
    } else if let Some(p) = env(CONFIG_VAR).and_then(|v| given(OsStr::new(&v))) {
        candidates.push((p, Named::Variable));
    } else {
        candidates.extend(user_config(env).map(|p| (p, Named::Default)));
        candidates.push((PathBuf::from(SYSTEM_CONFIG), Named::Default));
    }
    for (path, named) in candidates {
        let file = match named {
            Named::Flag => format!("--config={}", path.display()),
            Named::Variable => format!("{CONFIG_VAR}={}", path.display()),
            Named::Default => format!("config file {}", path.display()),
        };
        if let Some(contents) = read(&path, named, &file)? {
            return parse(contents, &path, &file, env);
        }
    }
    Ok(Config::default())
}

/// The file's bytes; None for a default location to skip. `-` (or
/// `/dev/stdin`) named by the flag or the variable is stdin.
fn read(path: &Path, named: Named, file: &str) -> Result<Option<Contents>> {
    let bad = |problem| Error::BadConfig {
        file: file.to_string(),
        line: 0,
        problem: ConfigProblem::File(problem),
    };
    if named != Named::Default && stdin::is_stdin(path) {
        let who = if named == Named::Flag {
            "--config"
        } else {
            CONFIG_VAR
        };
        let bytes = stdin::read(who, SECRET_FILE_LIMIT)?;
        if bytes.len() as u64 > SECRET_FILE_LIMIT {
            return Err(bad(FileProblem::TooLarge(SECRET_FILE_LIMIT)));
        }
        return Ok(Some(Contents { bytes, id: None }));
    }
    match read_guarded(path, SECRET_FILE_LIMIT) {
        Ok(contents) => Ok(Some(contents)),
        Err(Refused::Open(e)) if named == Named::Default && skipped(&e) => Ok(None),
        Err(Refused::Open(e)) => Err(bad(FileProblem::Unreadable(e.to_string()))),
        Err(Refused::Problem(p)) => Err(bad(p)),
        Err(Refused::Loose(mode)) => Err(Error::InsecureFile {
            subject: file.to_string(),
            path: path.to_path_buf(),
            mode,
        }),
    }
}

/// The file's lines as a [`Config`], every value checked.
fn parse(contents: Contents, path: &Path, file: &str, env: Env) -> Result<Config> {
    let bad = |line, problem| Error::BadConfig {
        file: file.to_string(),
        line,
        problem,
    };
    let text = String::from_utf8(contents.bytes).map_err(|e| {
        let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        bad(line, ConfigProblem::NotUtf8)
    })?;
    let entries = toml::parse(&text).map_err(|(line, p)| bad(line, p))?;
    let mut config = Config {
        file: Some(file.to_string()),
        ..Config::default()
    };
    let here = Here {
        // `-`: relative paths are taken from the working directory.
        dir: path.parent().unwrap_or(Path::new("")),
        id: contents.id,
        file,
        env,
    };
    set_all(&mut config, entries, &here).map_err(|(line, p)| bad(line, p))?;
    Ok(config)
}

/// `$XDG_CONFIG_HOME/jetpack-partner/config.toml`; XDG says a relative
/// `XDG_CONFIG_HOME` is ignored, and `~/.config` is its default.
fn user_config(env: Env) -> Option<PathBuf> {
    let absolute = |v: String| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let base = env("XDG_CONFIG_HOME")
        .and_then(absolute)
        .or_else(|| env("HOME").and_then(absolute).map(|h| h.join(".config")))?;
    Some(base.join("jetpack-partner").join("config.toml"))
}

/// A default location that is not there, or that this user may not read
/// (root's `/etc` file, 0600 as it must be, for another user's run).
fn skipped(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
    ) || e.raw_os_error() == Some(libc::ENOTDIR)
}

/// The config file being read: its folder, its identity, its name in
/// messages.
struct Here<'a> {
    dir: &'a Path,
    id: Option<(u64, u64)>,
    file: &'a str,
    env: Env<'a>,
}

type Problem = (usize, ConfigProblem);

fn set_all(
    config: &mut Config,
    entries: Vec<toml::Entry>,
    here: &Here,
) -> std::result::Result<(), Problem> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (key, value, line) in entries {
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            let first = *first;
            return Err((line, ConfigProblem::Twice { key, first }));
        }
        seen.push((key.clone(), line));
        set(config, &key, value, line, here).map_err(|p| (line, p))?;
    }
    Ok(())
}

/// One key's value, checked as its flag would check it.
fn set(
    config: &mut Config,
    key: &str,
    value: Value,
    line: usize,
    here: &Here,
) -> std::result::Result<(), ConfigProblem> {
    let Some(&key) = KEYS.iter().find(|k| **k == key) else {
        return Err(ConfigProblem::UnknownKey {
            key: key.to_string(),
            known: KEYS,
        });
    };
    // An empty string is "not given", as an empty flag value is.
    if matches!(&value, Value::Str(s) if s.is_empty()) {
        return Ok(());
    }
    match key {
        "partner_id" => config.partner_id = Some(partner_id(value)?),
        "partner_secret_file" => {
            config.partner_secret_file = Some(secret_file(key, value, line, here)?)
        }
        "access_token_file" => {
            config.access_token_file = Some(secret_file(key, value, line, here)?)
        }
        "licensing_token_file" => {
            config.licensing_token_file = Some(secret_file(key, value, line, here)?)
        }
        "reporting_token_file" => {
            config.reporting_token_file = Some(secret_file(key, value, line, here)?)
        }
        "api_host" => config.api_host = Some(api_host(value, here)?),
        "jobs" => config.jobs = Some(jobs(value)?),
        "wp_cli_path" => config.wp_cli_path = Some(wp_cli_path(value)?),
        _ => config.timeout = Some(timeout(value)?),
    }
    Ok(())
}

type Checked = std::result::Result<String, ConfigProblem>;

fn kind(key: &'static str, expected: &'static str) -> ConfigProblem {
    ConfigProblem::Type { key, expected }
}

fn invalid(key: &'static str) -> impl Fn(Error) -> ConfigProblem {
    move |error| ConfigProblem::Value {
        key,
        error: Box::new(error),
    }
}

/// A number (as TOML writes it) or a string.
fn partner_id(value: Value) -> Checked {
    match value {
        Value::Int(n) if n > 0 => Ok(n.to_string()),
        Value::Str(s) => Ok(s),
        _ => Err(kind("partner_id", "a client id, e.g. partner_id = 1234")),
    }
}

/// Checked as `JETPACK_START_API_HOST` is.
fn api_host(value: Value, here: &Here) -> Checked {
    let Value::Str(text) = value else {
        return Err(kind(
            "api_host",
            "a host or URL in quotes, e.g. \"public-api.wordpress.com\"",
        ));
    };
    let insecure_ok = (here.env)(crate::api::INSECURE_HTTP_VAR).is_some_and(|v| v.trim() == "1");
    match crate::api::Base::from_env_value(Some(&text), insecure_ok) {
        Ok(_) => Ok(text),
        Err(Error::BadApiHost(why)) => Err(ConfigProblem::ApiHost(why)),
        Err(other) => Err(invalid("api_host")(other)),
    }
}

/// Checked as `--jobs` is.
fn jobs(value: Value) -> Checked {
    let Value::Int(n) = value else {
        return Err(kind("jobs", "a whole number, e.g. jobs = 8"));
    };
    let jobs = JobsArg {
        jobs: Some(n.to_string()),
    };
    values::jobs(&jobs).map_err(invalid("jobs"))?;
    Ok(n.to_string())
}

/// Checked as `--wp-cli-path` is.
fn wp_cli_path(value: Value) -> Checked {
    let Value::Str(text) = value else {
        return Err(kind(
            "wp_cli_path",
            "a command in quotes, e.g. \"/usr/local/bin/wp\"",
        ));
    };
    let wp = WpArgs {
        program: WpProgramArg {
            wp_cli_path: Some(text.clone()),
        },
        ..WpArgs::default()
    };
    values::wp_settings(&wp).map_err(invalid("wp_cli_path"))?;
    Ok(text)
}

/// Checked as `--timeout` is.
fn timeout(value: Value) -> Checked {
    let seconds = match value {
        Value::Int(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
        _ => return Err(kind("timeout", "a number of seconds, e.g. timeout = 30")),
    };
    values::seconds("--timeout", Some(&seconds), std::time::Duration::ZERO)
        .map_err(invalid("timeout"))?;
    Ok(seconds)
}

/// A secret file the config names: not stdin, not the config itself;
/// relative to the config's folder.
fn secret_file(
    key: &'static str,
    value: Value,
    line: usize,
    here: &Here,
) -> std::result::Result<FileSetting, ConfigProblem> {
    let Value::Str(text) = value else {
        return Err(kind(key, "a path in quotes, e.g. \"/etc/jetpack/secret\""));
    };
    if text == "-" {
        return Err(ConfigProblem::Stdin(key));
    }
    let path = here.dir.join(text);
    if let (Ok(meta), Some(id)) = (std::fs::metadata(&path), here.id) {
        use std::os::unix::fs::MetadataExt;
        if (meta.dev(), meta.ino()) == id {
            return Err(ConfigProblem::Itself(key));
        }
    }
    Ok(FileSetting {
        path,
        origin: format!("{} line {line}: {key}", here.file),
    })
}

#[cfg(test)]
mod tests;
