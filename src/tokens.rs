//! The tokens of the APIs beyond the partner API (SPEC §11): the Licensing
//! API's (`--licensing-token-file`, `JETPACK_LICENSING_TOKEN`; without one,
//! the partner token, as the API's older example does) and the partner
//! reports' (`--reporting-token-file`, `JETPACK_REPORTING_TOKEN`: a
//! WordPress.com user token). Each is a secret like the client secret:
//! registered the moment it is read, and never in a child's environment
//! (`environment::CREDENTIAL_VARS`).

use crate::config::{Config, FileSetting};
use crate::credentials::{self, AuthSource, CredArgs};
use crate::environment::{Env, LICENSING_TOKEN_VAR, REPORTING_TOKEN_VAR};
use crate::error::{Error, Result};
use crate::flags::{Context, Failure, Parsed};
use crate::output;
use std::path::PathBuf;

/// `--licensing-token-file`, for the licensing commands and `connect`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LicensingTokenArg {
    /// The Licensing API token Jetpack gave you, test or production (first line of the file); without it, the partner token is used [env: JETPACK_LICENSING_TOKEN]
    #[arg(
        long = "licensing-token-file",
        visible_alias = "licensing_token_file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub licensing_token_file: Option<PathBuf>,
}

/// `--reporting-token-file`, for the partner reports.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ReportingTokenArg {
    /// The reports' token: a WordPress.com user token of the user tied to the partner key (first line of the file) [env: JETPACK_REPORTING_TOKEN]
    #[arg(
        long = "reporting-token-file",
        visible_alias = "reporting_token_file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub reporting_token_file: Option<PathBuf>,
}

/// A token given for one of these APIs, and where it came from (for
/// messages: never its value).
#[derive(Clone)]
pub struct Given {
    pub token: String,
    pub source: String,
}

/// The tokens given for the APIs beyond the partner API.
#[derive(Clone, Default)]
pub struct Tokens {
    pub licensing: Option<Given>,
    pub reporting: Option<Given>,
}

/// Where a token comes from: a file named by a flag, a variable, or a file
/// the config file names (`origin`: `config file PATH line N: KEY`).
#[derive(Debug, Clone)]
pub enum Source {
    File(&'static str, PathBuf),
    Value(&'static str, String),
    Config { origin: String, path: PathBuf },
}

/// Where the run's tokens come from, read by [`with_tokens`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub licensing: Option<Source>,
    pub reporting: Option<Source>,
}

/// Which tokens a command's requests take.
pub enum Takes<'a> {
    /// None at all (`license set`: WordPress only).
    Nothing,
    /// The partner token.
    Partner(&'a CredArgs),
    /// The licensing token; without one, the partner token.
    Licensing(&'a CredArgs, &'a LicensingTokenArg),
    /// The partner token (for the partner API's own requests, e.g. a
    /// site's status) and the licensing token, when given (`apply`,
    /// `provision --license --if-needed`).
    PartnerAndLicensing(&'a CredArgs, &'a LicensingTokenArg),
}

/// Where a run's partner token (None: none is needed) and other tokens
/// come from.
pub struct Keys {
    pub auth: Option<AuthSource>,
    pub tokens: Sources,
}

/// What `takes` needs from the flags and environment; a credential nobody
/// gave is a usage error, as for every command.
pub fn keys(ctx: &Context, takes: Takes) -> std::result::Result<Keys, Failure> {
    let partner = |c| ctx.credentials(c, true).map(Some);
    Ok(match takes {
        Takes::Nothing => Keys {
            auth: None,
            tokens: Sources::default(),
        },
        Takes::Partner(c) => Keys {
            auth: partner(c)?,
            tokens: Sources::default(),
        },
        Takes::Licensing(c, l) => match licensing_source(l, ctx.env, &ctx.config) {
            // The partner credentials are not needed then (nor read).
            Some(src) => Keys {
                auth: None,
                tokens: Sources {
                    licensing: Some(src),
                    reporting: None,
                },
            },
            None => Keys {
                auth: partner(c)?,
                tokens: Sources::default(),
            },
        },
        Takes::PartnerAndLicensing(c, l) => Keys {
            auth: partner(c)?,
            tokens: Sources {
                licensing: licensing_source(l, ctx.env, &ctx.config),
                reporting: None,
            },
        },
    })
}

/// The flag, else the variable (an empty one is not given), else the
/// config file's `licensing_token_file`.
pub fn licensing_source(arg: &LicensingTokenArg, env: Env, config: &Config) -> Option<Source> {
    source(
        &arg.licensing_token_file,
        "--licensing-token-file",
        LICENSING_TOKEN_VAR,
        env,
    )
    .or_else(|| from_config(&config.licensing_token_file))
}

/// The flag, else the variable (an empty one is not given), else the
/// config file's `reporting_token_file`.
pub fn reporting_source(arg: &ReportingTokenArg, env: Env, config: &Config) -> Option<Source> {
    source(
        &arg.reporting_token_file,
        "--reporting-token-file",
        REPORTING_TOKEN_VAR,
        env,
    )
    .or_else(|| from_config(&config.reporting_token_file))
}

fn from_config(setting: &Option<FileSetting>) -> Option<Source> {
    setting.as_ref().map(|s| Source::Config {
        origin: s.origin.clone(),
        path: s.path.clone(),
    })
}

fn source(
    file: &Option<PathBuf>,
    flag: &'static str,
    var: &'static str,
    env: Env,
) -> Option<Source> {
    if let Some(p) = file.as_ref().filter(|p| !p.as_os_str().is_empty()) {
        return Some(Source::File(flag, p.clone()));
    }
    env(var)
        .filter(|v| !v.trim().is_empty())
        .map(|v| Source::Value(var, v))
}

/// The run with its tokens read (an unreadable file or a token no header
/// can carry is `invalid_input`, before anything is sent).
pub fn with_tokens(parsed: Parsed, sources: Sources) -> Parsed {
    let mut inv = parsed?;
    inv.settings.tokens = read(sources).map_err(Failure::Invalid)?;
    Ok(inv)
}

/// Read and registered as secrets at once.
pub fn read(sources: Sources) -> Result<Tokens> {
    Ok(Tokens {
        licensing: sources.licensing.map(read_one).transpose()?,
        reporting: sources.reporting.map(read_one).transpose()?,
    })
}

fn read_one(src: Source) -> Result<Given> {
    let (token, source) = match src {
        Source::File(flag, path) => (credentials::read_first_line(flag, &path)?, flag.to_string()),
        Source::Value(var, value) => (value, var.to_string()),
        Source::Config { origin, path } => (credentials::read_first_line(&origin, &path)?, origin),
    };
    output::register_secret(&token);
    let token = token.trim().to_string();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::BadToken { source });
    }
    Ok(Given { token, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(var: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |k: &str| (k == var).then(|| value.to_string())
    }

    #[test]
    fn the_flag_wins_over_the_variable_and_empty_is_not_given() {
        let env = env_with(LICENSING_TOKEN_VAR, "from-env");
        let flag = LicensingTokenArg {
            licensing_token_file: Some(PathBuf::from("/tmp/x")),
        };
        assert!(matches!(
            licensing_source(&flag, &env, &Config::default()),
            Some(Source::File("--licensing-token-file", _))
        ));
        let none = LicensingTokenArg::default();
        assert!(matches!(
            licensing_source(&none, &env, &Config::default()),
            Some(Source::Value(LICENSING_TOKEN_VAR, v)) if v == "from-env"
        ));
        let blank = env_with(LICENSING_TOKEN_VAR, "  ");
        assert!(licensing_source(&none, &blank, &Config::default()).is_none());
        let empty_flag = LicensingTokenArg {
            licensing_token_file: Some(PathBuf::new()),
        };
        assert!(licensing_source(&empty_flag, &blank, &Config::default()).is_none());
        let reporting = env_with(REPORTING_TOKEN_VAR, "user-token");
        assert!(matches!(
            reporting_source(
                &ReportingTokenArg::default(),
                &reporting,
                &Config::default()
            ),
            Some(Source::Value(REPORTING_TOKEN_VAR, _))
        ));
    }

    #[test]
    fn a_token_no_header_can_carry_is_refused_by_name() {
        let got = read_one(Source::Value(LICENSING_TOKEN_VAR, "a b".into()));
        assert!(matches!(
            got,
            Err(Error::BadToken { source }) if source == LICENSING_TOKEN_VAR
        ));
        let ok = read_one(Source::Value(LICENSING_TOKEN_VAR, " tok-1\n".into()));
        assert_eq!(ok.ok().map(|g| g.token), Some("tok-1".to_string()));
        assert_eq!(output::redact("x tok-1 y"), "x <redacted> y");
    }
}
