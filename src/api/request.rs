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
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// None: no body. Some: an application/x-www-form-urlencoded body.
    pub form: Option<Vec<(String, String)>>,
    /// Sent with `Authorization: Bearer <partner token>`.
    pub bearer: bool,
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
        if !self.query.is_empty() {
            u.push('?');
            u.push_str(&encode_pairs(&self.query, false));
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
        if self.bearer {
            headers.insert(
                "Authorization".into(),
                Value::String(format!("Bearer {REDACTED}")),
            );
        }
        if self.form.is_some() {
            headers.insert(
                "Content-Type".into(),
                Value::String("application/x-www-form-urlencoded".into()),
            );
        }
        let mut o = Map::new();
        o.insert("method".into(), Value::String(self.method.as_str().into()));
        o.insert("url".into(), Value::String(self.url(base)));
        o.insert("headers".into(), Value::Object(headers));
        if let Some(form) = &self.form {
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
}
