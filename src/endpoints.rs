//! The endpoint table: every request this tool sends to the partner API —
//! method, path, whether it carries the partner token, how it may be
//! retried, which form fields are secrets — in one place. Adding an
//! endpoint is adding a row here; commands fill in the blanks.

use crate::api::request::Body;
use crate::api::{Method, Request, Retry};

/// One row: a request's fixed parts. `{site}` in the path is the site
/// (blog id or site suffix) the command works on.
#[derive(Debug)]
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub bearer: bool,
    pub retry: Retry,
    pub secret_fields: &'static [&'static str],
    /// Answers with a JSON object (every partner endpoint does).
    pub object: bool,
}

use Method::{Get, Post};
use Retry::{BeforeSendOnly, Idempotent};

/// `POST /oauth2/token`: the partner token from the client credentials.
pub const TOKEN: Endpoint = Endpoint {
    method: Post,
    path: "/oauth2/token",
    bearer: false,
    retry: Idempotent,
    secret_fields: &["client_secret"],
    object: true,
};

pub const PROVISION: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/provision",
    bearer: true,
    retry: BeforeSendOnly,
    secret_fields: &["ssh_pass", "ftp_pass", "ssh_private_key"],
    object: true,
};

pub const CANCEL: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/{site}/partner-cancel",
    bearer: true,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

pub const UPGRADE_PATHS: Endpoint = Endpoint {
    method: Get,
    path: "/rest/v1.3/jpphp/{site}/upgrade-paths",
    bearer: true,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

pub const STATUS: Endpoint = Endpoint {
    method: Get,
    path: "/rest/v1.4/jpphp/{site}/status",
    bearer: true,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

/// `{site}` is a blog id here: these two take no site suffix.
pub const SSH_CREDENTIALS: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/{site}/ssh-credentials",
    bearer: true,
    retry: BeforeSendOnly,
    secret_fields: &["ssh_pass", "ssh_private_key"],
    object: true,
};

pub const FTP_CREDENTIALS: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/{site}/ftp-credentials",
    bearer: true,
    retry: BeforeSendOnly,
    secret_fields: &["ftp_pass"],
    object: true,
};

/// The error catalogue is public: no token.
pub const ERRORS: Endpoint = Endpoint {
    method: Get,
    path: "/rest/v1.3/jpphp/errors",
    bearer: false,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

/// Throttled by the API (5 per address per hour): a 429 is the answer,
/// never a reason to send again.
pub const MAGIC_LINK: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/mobile-magic-link",
    bearer: true,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

pub const PARTNER_KEY_NEW: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/partner-keys/new",
    bearer: true,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

pub const PARTNER_KEY_VERIFY: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/partner-keys/verify",
    bearer: true,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

/// The partner's billed activations (partner reporting), a page at a time;
/// `{site}` is `PARTNER_ID/key/KEY_ID`.
pub const ACTIVATIONS: Endpoint = Endpoint {
    method: Get,
    path: "/wpcom/v2/jetpack-partners/{site}/activations",
    bearer: true,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

impl Endpoint {
    /// The request for `site` (ignored when the path has no `{site}`).
    pub fn at(&self, site: &str) -> Request {
        Request {
            method: self.method,
            path: self.path.replace("{site}", site),
            raw_query: None,
            query: Vec::new(),
            body: Body::None,
            bearer: self.bearer,
            retry: self.retry,
            secret_fields: self.secret_fields,
            object: self.object,
        }
    }

    /// The request for a path without `{site}`.
    pub fn request(&self) -> Request {
        self.at("")
    }
}

impl Request {
    /// Adds a query parameter when `value` is given.
    pub fn query_opt(mut self, name: &str, value: Option<&str>) -> Request {
        if let Some(v) = value {
            self.query.push((name.to_string(), v.to_string()));
        }
        self
    }

    /// Sends these form fields.
    pub fn form(mut self, fields: Vec<(String, String)>) -> Request {
        self.body = Body::Form(fields);
        self
    }
}

/// The token request for these client credentials.
pub fn token(client_id: &str, client_secret: &str) -> Request {
    TOKEN.request().form(vec![
        ("client_id".into(), client_id.into()),
        ("client_secret".into(), client_secret.into()),
        ("grant_type".into(), "client_credentials".into()),
        ("scope".into(), "jetpack-partner".into()),
    ])
}
