//! The endpoint table: every request this tool sends to the partner API —
//! method, path, which token it carries, how it may be
//! retried, which form fields are secrets — in one place. Adding an
//! endpoint is adding a row here; commands fill in the blanks.

use crate::api::request::Body;
use crate::api::{Bearer, Method, Request, Retry};

/// One row: a request's fixed parts. `{site}` in the path is the site
/// (blog id or site suffix) the command works on.
#[derive(Debug)]
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub bearer: Bearer,
    pub retry: Retry,
    pub secret_fields: &'static [&'static str],
    /// Answers with a JSON object (every partner endpoint does).
    pub object: bool,
}

use Method::{Delete, Get, Post};
use Retry::{BeforeSendOnly, Idempotent};

/// `POST /oauth2/token`: the partner token from the client credentials.
pub const TOKEN: Endpoint = Endpoint {
    method: Post,
    path: "/oauth2/token",
    bearer: Bearer::None,
    retry: Idempotent,
    secret_fields: &["client_secret"],
    object: true,
};

pub const PROVISION: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/provision",
    bearer: Bearer::Partner,
    retry: BeforeSendOnly,
    secret_fields: &["ssh_pass", "ftp_pass", "ssh_private_key"],
    object: true,
};

pub const CANCEL: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/{site}/partner-cancel",
    bearer: Bearer::Partner,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

pub const UPGRADE_PATHS: Endpoint = Endpoint {
    method: Get,
    path: "/rest/v1.3/jpphp/{site}/upgrade-paths",
    bearer: Bearer::Partner,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

pub const STATUS: Endpoint = Endpoint {
    method: Get,
    path: "/rest/v1.4/jpphp/{site}/status",
    bearer: Bearer::Partner,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

/// `{site}` is a blog id here: these two take no site suffix.
pub const SSH_CREDENTIALS: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/{site}/ssh-credentials",
    bearer: Bearer::Partner,
    retry: BeforeSendOnly,
    secret_fields: &["ssh_pass", "ssh_private_key"],
    object: true,
};

pub const FTP_CREDENTIALS: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/{site}/ftp-credentials",
    bearer: Bearer::Partner,
    retry: BeforeSendOnly,
    secret_fields: &["ftp_pass"],
    object: true,
};

/// The error catalogue is public: no token.
pub const ERRORS: Endpoint = Endpoint {
    method: Get,
    path: "/rest/v1.3/jpphp/errors",
    bearer: Bearer::None,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

/// Throttled by the API (5 per address per hour): a 429 is the answer,
/// never a reason to send again.
pub const MAGIC_LINK: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/mobile-magic-link",
    bearer: Bearer::Partner,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

pub const PARTNER_KEY_NEW: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/partner-keys/new",
    bearer: Bearer::Partner,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

pub const PARTNER_KEY_VERIFY: Endpoint = Endpoint {
    method: Post,
    path: "/rest/v1.3/jpphp/partner-keys/verify",
    bearer: Bearer::Partner,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

// The Jetpack Licensing API (SPEC §11): the licensing token, else the
// partner token. `{site}` in its paths is the license key (attach, detach).

/// Billed: one POST per license, never sent again once it may have
/// reached the API.
pub const LICENSE_ISSUE: Endpoint = Endpoint {
    method: Post,
    path: "/wpcom/v2/jetpack-licensing/license",
    bearer: Bearer::Licensing,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

/// `?license_key=`.
pub const LICENSE_SHOW: Endpoint = Endpoint {
    method: Get,
    path: "/wpcom/v2/jetpack-licensing/license",
    bearer: Bearer::Licensing,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

/// `?license_key=`; permanent.
pub const LICENSE_REVOKE: Endpoint = Endpoint {
    method: Delete,
    path: "/wpcom/v2/jetpack-licensing/license",
    bearer: Bearer::Licensing,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

pub const LICENSE_ATTACH: Endpoint = Endpoint {
    method: Post,
    path: "/wpcom/v2/jetpack-licensing/license/{site}/site",
    bearer: Bearer::Licensing,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

/// `?cancellation_email=0` keeps the customer's email from going out.
pub const LICENSE_DETACH: Endpoint = Endpoint {
    method: Delete,
    path: "/wpcom/v2/jetpack-licensing/license/{site}/site",
    bearer: Bearer::Licensing,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

/// One page: `{"items":[…],"total_pages":N,…}`.
pub const LICENSES: Endpoint = Endpoint {
    method: Get,
    path: "/wpcom/v2/jetpack-licensing/licenses",
    bearer: Bearer::Licensing,
    retry: Idempotent,
    secret_fields: &[],
    object: true,
};

/// Public (no token); a JSON array.
pub const PRODUCT_FAMILIES: Endpoint = Endpoint {
    method: Get,
    path: "/wpcom/v2/jetpack-licensing/product-families",
    bearer: Bearer::None,
    retry: Idempotent,
    secret_fields: &[],
    object: false,
};

/// Connects a site without a WordPress.com user; `previously_connected`
/// (the owner disconnected it on purpose) is never retried.
pub const SITE_CONNECTION: Endpoint = Endpoint {
    method: Post,
    path: "/wpcom/v2/jetpack-licensing/site-connection",
    bearer: Bearer::Licensing,
    retry: BeforeSendOnly,
    secret_fields: &[],
    object: true,
};

/// The partner report of billed activations (`{site}`:
/// `PARTNER_ID/key/KEY_ID`): the reporting token only. One page:
/// `{"total":N,"activations":[…]}`.
pub const ACTIVATIONS: Endpoint = Endpoint {
    method: Get,
    path: "/wpcom/v2/jetpack-partners/{site}/activations",
    bearer: Bearer::Reporting,
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

    /// Sends this JSON body (as the Licensing API's spec has it).
    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.body = Body::Json(body.to_string().into_bytes());
        self
    }

    /// A string member of its JSON body, if it has one.
    pub fn json_str(&self, key: &str) -> Option<String> {
        let Body::Json(bytes) = &self.body else {
            return None;
        };
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        v.get(key)?.as_str().map(str::to_string)
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
