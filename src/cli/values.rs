//! Flag values: read, checked and turned into what plans hold (settings,
//! credentials and the secrets read from files, numbers, formats, the
//! `api` PATH). Every `invalid_input` about a single value is raised here.

use super::args::{FormatArgs, RunArgs, WpArgs};
use super::{given, AuthSource, CredSource, Env, SecretSource};
use crate::api::{split_scheme, Base, REQUEST_TIMEOUT};
use crate::error::{Error, Expected, FileProblem, PathProblem, Result};
use crate::output;
use crate::output::format::Format;
use crate::plan::{Auth, Credentials, Settings, WpSettings};
use crate::wp;
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

const DEFAULT_JOBS: usize = 4;

const MAX_JOBS: usize = 64;
// Each worker keeps its connection between sites.
const _: () = assert!(MAX_JOBS <= crate::api::IDLE_CONNECTIONS);

/// `api`'s PATH: it must start with `/` (not `//`), hold no spaces or
/// control characters, and the URL it makes must still point at the API
/// host — so the partner token never goes anywhere else.
pub fn api_path(path: &str, base: &Base) -> Result<(String, Option<String>)> {
    let bad = |why: PathProblem| Error::BadApiPath {
        path: path.to_string(),
        why,
    };
    if !path.starts_with('/') {
        return Err(bad(PathProblem::NotRelative));
    }
    if path.starts_with("//") {
        return Err(bad(PathProblem::OtherHost));
    }
    if path.contains(|c: char| c.is_whitespace() || c.is_control() || c == '\\' || c == '#') {
        return Err(bad(PathProblem::BadCharacters));
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
        _ => Err(bad(PathProblem::LeavesTheHost)),
    }
}

/// `--input=FILE` (`-` for stdin): JSON, checked before anything is sent.
/// `api --input`: a request body, never near this (`/dev/zero` must not
/// eat the memory).
const INPUT_LIMIT: u64 = 1 << 20;

pub(super) fn read_json(file: &str) -> Result<Vec<u8>> {
    let bad = |problem| Error::BadFile {
        flag: "--input".into(),
        path: file.into(),
        problem,
    };
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin()
            .lock()
            .take(INPUT_LIMIT + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(INPUT_LIMIT + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
    if bytes.len() as u64 > INPUT_LIMIT {
        return Err(bad(FileProblem::TooLarge(INPUT_LIMIT)));
    }
    serde_json::from_slice::<Value>(&bytes)
        .map_err(|e| bad(FileProblem::NotJson(e.to_string())))?;
    Ok(bytes)
}

pub(super) fn settings(run: &RunArgs, env: Env) -> Result<Settings> {
    Ok(Settings {
        base: Base::from_env_value(env("JETPACK_START_API_HOST").as_deref()),
        timeout: seconds("--timeout", given(&run.timeout), REQUEST_TIMEOUT)?,
        dry_run: run.dry_run,
        verbose: run.verbose,
    })
}

pub(super) fn wp_settings(w: &WpArgs) -> Result<WpSettings> {
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
pub(super) fn read_auth(a: AuthSource) -> Result<Auth> {
    let (token, source) = match a {
        AuthSource::Client(c) => return read_credentials(c).map(Auth::Client),
        AuthSource::TokenFile(p) => (
            read_first_line("--access-token-file", &p)?,
            "--access-token-file",
        ),
        AuthSource::TokenValue(t) => (t, crate::environment::TOKEN_VAR),
    };
    output::register_secret(&token);
    let token = token.trim().to_string();
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::BadToken { source });
    }
    Ok(Auth::Token(token))
}

/// The secret read (from its file when it comes from one) and registered,
/// so that it is scrubbed from everything we print.
pub(super) fn read_credentials(c: CredSource) -> Result<Credentials> {
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
pub(super) fn read_file(flag: &str, path: &Path) -> Result<String> {
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
    String::from_utf8(bytes).map_err(|_| bad(FileProblem::NotUtf8))
}

/// A secret file's first line (a trailing newline from `echo` or an editor
/// is not part of it).
pub(super) fn read_first_line(flag: &str, path: &Path) -> Result<String> {
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
pub(super) fn blog_id(v: &str) -> Result<u64> {
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
pub(super) fn format(f: &FormatArgs) -> Result<Format> {
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
pub(super) fn jobs(v: &Option<String>) -> Result<usize> {
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
