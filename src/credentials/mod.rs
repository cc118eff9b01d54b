//! Where the partner credentials come from, and reading them: flags, then
//! the environment (variables, systemd credentials), then the config file
//! ([`source`] has the order); secret, token and password files are read
//! here (`files`: `-` for stdin, refused when others may read them,
//! bounded, first line) and every value read is registered as a secret at
//! once, so it is scrubbed from everything printed from then on.

use crate::config::Config;
use crate::environment::{
    Env, CREDENTIALS_DIRECTORY, ID_VAR, SECRET_FILE_VAR, SECRET_VAR, SYSTEMD_SECRET, SYSTEMD_TOKEN,
    TOKEN_FILE_VAR, TOKEN_VAR,
};
use crate::error::{Error, FileProblem, Result};
use crate::job::{Auth, Credentials};
use crate::output;
use std::path::{Path, PathBuf};

pub mod files;
pub mod stdin;

pub use files::{read_file, read_first_line};

/// The credential flags, shared by every command that talks to the API.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CredArgs {
    /// OAuth client id of the partner [env: JETPACK_PARTNER_ID]
    #[arg(
        short = 'c',
        long = "partner_id",
        visible_alias = "partner-id",
        value_name = "ID",
        help_heading = "Credentials"
    )]
    pub partner_id: Option<String>,

    /// OAuth client secret [env: JETPACK_PARTNER_SECRET]; prefer the file or env form, argv is visible in ps
    #[arg(
        short = 's',
        long = "partner_secret",
        visible_alias = "partner-secret",
        value_name = "SECRET",
        help_heading = "Credentials",
        // A secret may start with '-': take it as the value, never as a
        // flag (and never echo it in a usage error).
        allow_hyphen_values = true
    )]
    pub partner_secret: Option<String>,

    /// Read the client secret from this file (first line; - for stdin) [env: JETPACK_PARTNER_SECRET_FILE]
    #[arg(
        long = "partner_secret_file",
        visible_alias = "partner-secret-file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub partner_secret_file: Option<PathBuf>,

    /// Use this partner access token instead of asking for one: the file holds the token, or the JSON `token` printed (- for stdin); no token call, no client id or secret needed [env: JETPACK_PARTNER_ACCESS_TOKEN, JETPACK_PARTNER_ACCESS_TOKEN_FILE]
    #[arg(
        long = "access-token-file",
        visible_alias = "access_token_file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub access_token_file: Option<PathBuf>,
}

/// A client secret or a token, and where it comes from: `origin` names
/// the flag, variable, systemd credential or config line in messages.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// Given as it is (`--partner_secret`, a variable).
    Value { origin: String, value: String },
    /// In a file (or `-`, stdin), read later (by [`read_auth`]), so that an
    /// unusable file is an `invalid_input` JSON error, not a usage error.
    File { origin: String, path: PathBuf },
}

/// The client credentials as the flags, environment and config give them.
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
    /// A token given to us: no token call.
    Token(SecretSource),
}

/// A credential nobody gave: the usage line that names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Missing(pub &'static str);

/// What one level (flags, environment, config) gives: a token, a secret.
struct Level {
    token: Option<SecretSource>,
    secret: Option<SecretSource>,
}

/// A non-empty value.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn given_path(p: &Option<PathBuf>) -> Option<&PathBuf> {
    p.as_ref().filter(|p| !p.as_os_str().is_empty())
}

fn value(origin: &str, value: &str) -> SecretSource {
    SecretSource::Value {
        origin: origin.to_string(),
        value: value.to_string(),
    }
}

fn file(origin: &str, path: &Path) -> SecretSource {
    SecretSource::File {
        origin: origin.to_string(),
        path: path.to_path_buf(),
    }
}

/// The flags: `--access-token-file`; `--partner_secret`, then
/// `--partner_secret_file`.
fn flags(c: &CredArgs) -> Level {
    Level {
        token: given_path(&c.access_token_file).map(|p| file("--access-token-file", p)),
        secret: given(&c.partner_secret)
            .map(|s| value("--partner_secret", s))
            .or_else(|| {
                given_path(&c.partner_secret_file).map(|p| file("--partner_secret_file", p))
            }),
    }
}

/// The environment: a variable holding the value, then one naming its
/// file, then the systemd credential (`LoadCredential=` in the unit).
fn environment(env: Env) -> Level {
    let var = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let systemd = |name: &str| {
        let path = PathBuf::from(var(CREDENTIALS_DIRECTORY)?).join(name);
        path.exists()
            .then(|| file(&format!("systemd credential {name}"), &path))
    };
    let pick = |v: &str, f: &str, name: &str| {
        var(v)
            .map(|s| value(v, &s))
            .or_else(|| var(f).map(|p| file(f, Path::new(&p))))
            .or_else(|| systemd(name))
    };
    Level {
        token: pick(TOKEN_VAR, TOKEN_FILE_VAR, SYSTEMD_TOKEN),
        secret: pick(SECRET_VAR, SECRET_FILE_VAR, SYSTEMD_SECRET),
    }
}

/// The config file: `access_token_file`, `partner_secret_file`.
fn configured(config: &Config) -> Level {
    let setting =
        |s: &Option<crate::config::FileSetting>| s.as_ref().map(|s| file(&s.origin, &s.path));
    Level {
        token: setting(&config.access_token_file),
        secret: setting(&config.partner_secret_file),
    }
}

/// Flags, then the environment, then the config file, first found wins;
/// at each level a token wins over a client secret (a secret flag asks for
/// a token of its own; `--partner_id` alone does not, since a token needs
/// no id). In full: `--access-token-file`; `--partner_secret`,
/// `--partner_secret_file`; `JETPACK_PARTNER_ACCESS_TOKEN`,
/// `JETPACK_PARTNER_ACCESS_TOKEN_FILE`, the systemd credential
/// `jetpack-partner-token`; `JETPACK_PARTNER_SECRET`,
/// `JETPACK_PARTNER_SECRET_FILE`, the systemd credential
/// `jetpack-partner-secret`; the config's `access_token_file`, then its
/// `partner_secret_file`. The client id of a secret: `--partner_id`, else
/// `JETPACK_PARTNER_ID`, else the config's `partner_id`. `token` (which
/// asks for a token) takes no token (`token_ok` false).
pub fn source(
    c: &CredArgs,
    env: Env,
    config: &Config,
    token_ok: bool,
) -> std::result::Result<AuthSource, Missing> {
    for level in [flags(c), environment(env), configured(config)] {
        match (level.token, level.secret) {
            (Some(token), _) if token_ok => return Ok(AuthSource::Token(token)),
            (_, Some(secret)) => {
                let id = client_id(c, env, config)?;
                return Ok(AuthSource::Client(CredSource { id, secret }));
            }
            _ => {}
        }
    }
    client_id(c, env, config)?;
    Err(Missing(
        "--partner_secret=<SECRET> (or --partner_secret_file, JETPACK_PARTNER_SECRET, JETPACK_PARTNER_SECRET_FILE, the systemd credential jetpack-partner-secret, or partner_secret_file in the config file)",
    ))
}

/// `--partner_id`, else `JETPACK_PARTNER_ID`, else the config's.
fn client_id(c: &CredArgs, env: Env, config: &Config) -> std::result::Result<String, Missing> {
    given(&c.partner_id)
        .map(str::to_string)
        .or_else(|| env(ID_VAR).filter(|s| !s.is_empty()))
        .or_else(|| config.partner_id.clone())
        .ok_or(Missing(
            "--partner_id=<ID> (or JETPACK_PARTNER_ID, or partner_id in the config file)",
        ))
}

/// The token read (or the client secret), and registered as a secret, so
/// that it is scrubbed from everything we print.
pub fn read_auth(a: AuthSource) -> Result<Auth> {
    match a {
        AuthSource::Client(c) => read_credentials(c).map(Auth::Client),
        AuthSource::Token(t) => read_token(t).map(Auth::Token),
    }
}

/// A token: the value, or the file's; either the token alone (a file's
/// first line) or the JSON `token` prints (its `access_token`). Messages
/// name the variable, or the flag and the file.
fn read_token(t: SecretSource) -> Result<String> {
    let (origin, token) = match t {
        SecretSource::Value { origin, value } => {
            let token = from_json(&origin, &value)?.unwrap_or(value);
            (origin, token)
        }
        SecretSource::File { origin, path } => {
            let text = read_file(&origin, &path)?;
            let shown = format!("{origin}={}", path.display());
            let token = match from_json(&shown, &text)? {
                Some(token) => token,
                None => files::first_line(&text).ok_or_else(|| Error::BadFile {
                    flag: origin,
                    path,
                    problem: FileProblem::Empty,
                })?,
            };
            (shown, token)
        }
    };
    output::register_secret(&token);
    let token = token.trim().to_string();
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::BadToken { source: origin });
    }
    Ok(token)
}

/// The `access_token` of a token answer (`{"access_token":"…",…}`), when
/// the text is one: it starts with `{` and quotes something (a bare token
/// has no `"`).
fn from_json(origin: &str, text: &str) -> Result<Option<String>> {
    if !(text.trim_start().starts_with('{') && text.contains('"')) {
        return Ok(None);
    }
    let bad = |cause| Error::TokenJson {
        source: origin.to_string(),
        cause,
    };
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(Some(e.to_string())))?;
    json.get("access_token")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .map(|t| Some(t.to_string()))
        .ok_or_else(|| bad(None))
}

/// The secret read (from its file when it comes from one) and registered,
/// so that it is scrubbed from everything we print.
pub fn read_credentials(c: CredSource) -> Result<Credentials> {
    let client_secret = match c.secret {
        SecretSource::Value { value, .. } => value,
        SecretSource::File { origin, path } => read_first_line(&origin, &path)?,
    };
    output::register_secret(&client_secret);
    Ok(Credentials {
        client_id: c.id,
        client_secret,
    })
}

#[cfg(test)]
mod tests;
