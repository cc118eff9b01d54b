//! The one error type. Every failure the user can see is a variant here with a
//! stable `error_code`; `main` turns any of them into exit 1 plus one JSON
//! object on stderr (see `output::error_json`).

use serde_json::{Map, Value};
use std::fmt;

// Variant names follow the SPEC's error codes (`unknown_error`, `server_error`).
#[allow(clippy::enum_variant_names)]
#[derive(Debug)]
pub enum Error {
    /// A flag value cannot be used (unreadable file, bad number, missing pair).
    InvalidInput(String),
    /// WordPress answered and has no such user.
    InvalidUser(String),
    /// WordPress is needed and there is no `wp` to ask.
    WpNotFound(String),
    /// `wp` runs but finds no WordPress install.
    WpNotWordpress(String),
    /// WP-CLI refuses to run as root without `--allow-root`.
    WpNeedsAllowRoot(String),
    /// Any other `wp` failure: PHP fatal, disabled command, unreadable output.
    WpFailed(String),
    /// A `wp` call ran past its time limit and was killed.
    WpTimeout(String),
    /// The token answer is JSON without `access_token`.
    MissingAccessToken(String),
    /// The API answered with an empty body.
    UnknownError(String),
    /// HTTP status not 2xx and no error in the body.
    ServerError(String),
    /// A 2xx body that is not JSON, or too large.
    InvalidResponse(String),
    /// Connection, DNS, TLS or proxy failure.
    Network(String),
    /// A request ran past its time limit.
    Timeout(String),
    /// `wp jetpack authorize_user` failed.
    AuthorizationFailure(String),
    /// `--check-upgrade`: the plan is not among the site's upgrade paths.
    PlanNotAvailable(String),
    /// An error reported by the API itself; its code passes through unchanged
    /// and its original fields are kept in the JSON error object.
    Api {
        code: String,
        message: String,
        fields: Map<String, Value>,
    },
}

impl Error {
    /// The stable machine-readable code callers match on.
    pub fn error_code(&self) -> &str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::InvalidUser(_) => "invalid_user",
            Error::WpNotFound(_) => "wp_not_found",
            Error::WpNotWordpress(_) => "wp_not_wordpress",
            Error::WpNeedsAllowRoot(_) => "wp_needs_allow_root",
            Error::WpFailed(_) => "wp_failed",
            Error::WpTimeout(_) => "wp_timeout",
            Error::MissingAccessToken(_) => "missing_access_token",
            Error::UnknownError(_) => "unknown_error",
            Error::ServerError(_) => "server_error",
            Error::InvalidResponse(_) => "invalid_response",
            Error::Network(_) => "network_error",
            Error::Timeout(_) => "timeout",
            Error::AuthorizationFailure(_) => "authorization_failure",
            Error::PlanNotAvailable(_) => "plan_not_available",
            Error::Api { code, .. } => code,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Error::InvalidInput(m)
            | Error::InvalidUser(m)
            | Error::WpNotFound(m)
            | Error::WpNotWordpress(m)
            | Error::WpNeedsAllowRoot(m)
            | Error::WpFailed(m)
            | Error::WpTimeout(m)
            | Error::MissingAccessToken(m)
            | Error::UnknownError(m)
            | Error::ServerError(m)
            | Error::InvalidResponse(m)
            | Error::Network(m)
            | Error::Timeout(m)
            | Error::AuthorizationFailure(m)
            | Error::PlanNotAvailable(m) => m,
            Error::Api { message, .. } => message,
        }
    }

    /// Fields of the API's own error body, kept so callers of either script
    /// generation (`error`/`message` or `error_code`/`error_message`) work.
    pub fn api_fields(&self) -> Option<&Map<String, Value>> {
        match self {
            Error::Api { fields, .. } => Some(fields),
            _ => None,
        }
    }

    /// True when `wp` could not answer at all (as opposed to answering "no"):
    /// these are the failures the SPEC lets us work around with `--url`.
    pub fn is_wp_unavailable(&self) -> bool {
        matches!(
            self,
            Error::WpNotFound(_)
                | Error::WpNotWordpress(_)
                | Error::WpNeedsAllowRoot(_)
                | Error::WpFailed(_)
                | Error::WpTimeout(_)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_code(), self.message())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
