//! Where the partner credentials come from, and reading them: flags win
//! over the environment; secret, token and password files are read here
//! (bounded, first line) and every value read is registered as a secret at
//! once, so it is scrubbed from everything printed from then on.

use crate::environment::{Env, ID_VAR, SECRET_VAR, TOKEN_VAR};
use crate::error::{Error, Result};
use crate::job::{Auth, Credentials};
use crate::output;
use std::path::PathBuf;

mod files;

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

    /// Read the client secret from this file (first line)
    #[arg(
        long = "partner_secret_file",
        visible_alias = "partner-secret-file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub partner_secret_file: Option<PathBuf>,

    /// Use this partner access token (first line of the file) instead of asking for one: no token call, no client id or secret needed [env: JETPACK_PARTNER_ACCESS_TOKEN]
    #[arg(
        long = "access-token-file",
        visible_alias = "access_token_file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub access_token_file: Option<PathBuf>,
}

/// Where the client secret comes from; a file is read later (by
/// [`read_auth`]), so that an unreadable file is an `invalid_input` JSON
/// error, not a usage error.
#[derive(Debug, Clone)]
pub enum SecretSource {
    Value(String),
    File(PathBuf),
}

/// The client credentials as the flags and environment give them.
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

/// A credential nobody gave: the usage line that names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Missing(pub &'static str);

/// A non-empty value.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn given_path(p: &Option<PathBuf>) -> Option<&PathBuf> {
    p.as_ref().filter(|p| !p.as_os_str().is_empty())
}

/// Flags win over the environment: `--access-token-file`; then a client
/// secret flag (--partner_secret, then --partner_secret_file, with
/// --partner_id or JETPACK_PARTNER_ID); then JETPACK_PARTNER_ACCESS_TOKEN;
/// then JETPACK_PARTNER_ID and JETPACK_PARTNER_SECRET. `token` (which asks
/// for a token) takes no token (`token_ok` false).
pub fn source(c: &CredArgs, env: Env, token_ok: bool) -> std::result::Result<AuthSource, Missing> {
    let from_env = |k: &str| env(k).filter(|s| !s.is_empty());
    if token_ok {
        if let Some(p) = given_path(&c.access_token_file) {
            return Ok(AuthSource::TokenFile(p.clone()));
        }
        // A secret flag asks for a token of its own; `--partner_id` alone
        // does not (a token needs no id), so the token in the environment
        // stands.
        let secret_flag =
            given(&c.partner_secret).is_some() || given_path(&c.partner_secret_file).is_some();
        let env_token = from_env(TOKEN_VAR).filter(|t| !t.trim().is_empty());
        if let (false, Some(t)) = (secret_flag, env_token) {
            return Ok(AuthSource::TokenValue(t));
        }
    }
    client(c, env).map(AuthSource::Client)
}

/// The client id and where its secret comes from.
pub fn client(c: &CredArgs, env: Env) -> std::result::Result<CredSource, Missing> {
    let from_env = |k: &str| env(k).filter(|s| !s.is_empty());
    let id = given(&c.partner_id)
        .map(str::to_string)
        .or_else(|| from_env(ID_VAR))
        .ok_or(Missing("--partner_id=<ID> (or JETPACK_PARTNER_ID)"))?;
    let secret = match (given(&c.partner_secret), given_path(&c.partner_secret_file)) {
        (Some(s), _) => SecretSource::Value(s.to_string()),
        (None, Some(p)) => SecretSource::File(p.clone()),
        (None, None) => SecretSource::Value(from_env(SECRET_VAR).ok_or(Missing(
            "--partner_secret=<SECRET> (or --partner_secret_file, or JETPACK_PARTNER_SECRET)",
        ))?),
    };
    Ok(CredSource { id, secret })
}

/// The token read (or the client secret), and registered as a secret, so
/// that it is scrubbed from everything we print.
pub fn read_auth(a: AuthSource) -> Result<Auth> {
    let (token, source) = match a {
        AuthSource::Client(c) => return read_credentials(c).map(Auth::Client),
        AuthSource::TokenFile(p) => (
            read_first_line("--access-token-file", &p)?,
            "--access-token-file",
        ),
        AuthSource::TokenValue(t) => (t, TOKEN_VAR),
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
pub fn read_credentials(c: CredSource) -> Result<Credentials> {
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
