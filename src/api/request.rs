//! One request, as data: what the endpoint table builds, the transport
//! sends, and `--dry-run` shows.

use super::encode::encode_pairs;
use super::retry::Retry;
use super::Base;
use crate::output::REDACTED;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// `get`, `POST`, ...; None for methods we do not send.
    pub fn parse(name: &str) -> Option<Method> {
        [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }
}

/// Which token a request carries in `Authorization: Bearer …`: each API
/// takes its own (SPEC §11). The executor fetches or reads each kind once
/// per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bearer {
    /// No token (the token call, the error catalogue, product families).
    None,
    /// The partner token (client credentials, or one given).
    Partner,
    /// The licensing token (`--licensing-token-file`,
    /// `JETPACK_LICENSING_TOKEN`), else the partner token.
    Licensing,
    /// The reporting token: a WordPress.com user token, for the partner
    /// reports only.
    Reporting,
}

/// What a request carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    /// application/x-www-form-urlencoded.
    Form(Vec<(String, String)>),
    /// application/json, as given.
    Json(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    /// A query as given (`api` PATH's own `?...`), before `query`.
    pub raw_query: Option<String>,
    pub query: Vec<(String, String)>,
    pub body: Body,
    /// The token it is sent with, if any.
    pub bearer: Bearer,
    pub retry: Retry,
    /// Form fields whose values are secrets (shown as `<redacted>`).
    pub secret_fields: &'static [&'static str],
    /// The endpoint answers with a JSON object (anything else is
    /// `invalid_response`).
    pub object: bool,
}

impl Request {
    /// `POST /path`, for judging answers.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// `POST https://host/path` for transport messages (no query: it may
    /// hold ids).
    pub fn what(&self, base: &Base) -> String {
        format!("{} {}{}", self.method.as_str(), base.url, self.path)
    }

    pub fn url(&self, base: &Base) -> String {
        let mut u = format!("{}{}", base.url, self.path);
        let mut parts = Vec::new();
        parts.extend(self.raw_query.clone().filter(|q| !q.is_empty()));
        if !self.query.is_empty() {
            parts.push(encode_pairs(&self.query, false));
        }
        if !parts.is_empty() {
            u.push('?');
            u.push_str(&parts.join("&"));
        }
        u
    }

    /// What `--dry-run` prints: method, URL, headers and form, secrets and
    /// tokens replaced by `<redacted>`.
    pub fn describe(&self, base: &Base) -> Value {
        let mut headers = Map::new();
        if let Some(h) = base.host_header {
            headers.insert("Host".into(), Value::String(h.into()));
        }
        if self.bearer != Bearer::None {
            headers.insert(
                "Authorization".into(),
                Value::String(format!("Bearer {REDACTED}")),
            );
        }
        if let Some(t) = self.content_type() {
            headers.insert("Content-Type".into(), Value::String(t.into()));
        }
        let mut o = Map::new();
        o.insert("method".into(), Value::String(self.method.as_str().into()));
        o.insert("url".into(), Value::String(self.url(base)));
        o.insert("headers".into(), Value::Object(headers));
        if let Body::Json(bytes) = &self.body {
            let shown = serde_json::from_slice(bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()));
            o.insert("json".into(), shown);
        }
        if let Body::Form(form) = &self.body {
            let f = form
                .iter()
                .map(|(k, v)| {
                    let shown = if self.secret_fields.contains(&k.as_str()) {
                        REDACTED.to_string()
                    } else {
                        v.clone()
                    };
                    (k.clone(), Value::String(shown))
                })
                .collect::<Map<_, _>>();
            o.insert("form".into(), Value::Object(f));
        }
        Value::Object(o)
    }

    /// The body's media type, if it has one.
    pub fn content_type(&self) -> Option<&'static str> {
        match self.body {
            Body::None => None,
            Body::Form(_) => Some("application/x-www-form-urlencoded"),
            Body::Json(_) => Some("application/json"),
        }
    }
}
