//! The WordPress.com partner API client: one ureq Agent (so the token call
//! and the call after it share one keep-alive connection), requests as plain
//! data (so `--dry-run` can show them), and the SPEC §5 rules that decide
//! whether an answer is a success.

use crate::error::{Error, Result};
use crate::output;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

pub const DEFAULT_HOST: &str = "public-api.wordpress.com";
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Partner API answers are a few hundred bytes; anything past this is not one.
pub const BODY_LIMIT: u64 = 1 << 20;

/// Where requests go: `https://` + JETPACK_START_API_HOST, or the value as
/// is when it has a scheme. A bare host also gets `Host:
/// public-api.wordpress.com`, so a sandbox address can stand in for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    pub url: String,
    pub host_header: Option<&'static str>,
}

impl Base {
    pub fn from_env_value(v: Option<&str>) -> Base {
        let v = v
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_HOST);
        let v = v.trim_end_matches('/');
        if v.contains("://") {
            Base {
                url: v.to_string(),
                host_header: None,
            }
        } else {
            Base {
                url: format!("https://{v}"),
                host_header: Some(DEFAULT_HOST),
            }
        }
    }

    pub fn from_env() -> Base {
        Base::from_env_value(std::env::var("JETPACK_START_API_HOST").ok().as_deref())
    }

    /// `host[:port]` for messages.
    pub fn host(&self) -> &str {
        let rest = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }
}

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

/// One request, as data.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub bearer: Option<String>,
    /// None: no body. Some: an application/x-www-form-urlencoded body.
    pub form: Option<Vec<(String, String)>>,
    /// Form fields whose values are secrets (shown as `<redacted>`).
    pub secret_fields: Vec<&'static str>,
}

impl Request {
    /// `POST https://host/path` for messages (no query: it may hold ids).
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
        if self.bearer.is_some() {
            headers.insert(
                "Authorization".into(),
                Value::String(format!("Bearer {}", output::REDACTED)),
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
                        output::REDACTED.to_string()
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

/// `POST /oauth2/token` with the client credentials.
pub fn token_request(client_id: &str, client_secret: &str) -> Request {
    Request {
        method: Method::Post,
        path: "/oauth2/token".into(),
        query: vec![],
        bearer: None,
        form: Some(vec![
            ("client_id".into(), client_id.into()),
            ("client_secret".into(), client_secret.into()),
            ("grant_type".into(), "client_credentials".into()),
            ("scope".into(), "jetpack-partner".into()),
        ]),
        secret_fields: vec!["client_secret"],
    }
}

/// The HTTP client. Built only when a request is really about to be sent.
pub struct Api {
    agent: ureq::Agent,
    base: Base,
    timeout: Duration,
    /// " (through the proxy in HTTPS_PROXY)" or "", for messages.
    via: String,
}

/// An answer: status and raw body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// `Retry-After`, for 429/503 answers to the token call.
    pub retry_after: Option<String>,
}

/// Tries per request, first one included.
pub const ATTEMPTS: u32 = 3;
/// Longest we wait on a server's `Retry-After`.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(10);

/// 250 ms, then 500 ms: enough for a blip, short for a sign-up hook.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << (attempt - 1).min(4))
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and falls
/// back to our own backoff), capped.
fn retry_after(answer: &Answer) -> Option<Duration> {
    let secs: u64 = answer.retry_after.as_deref()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(RETRY_AFTER_CAP))
}

/// Failures that happen before a byte of the request reached the server.
fn before_send(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => true,
        ureq::Error::Io(io) if is_dns_failure(io) => true,
        // rustls reports handshake failures as InvalidData I/O errors.
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::InvalidData
                | std::io::ErrorKind::AddrNotAvailable
                | std::io::ErrorKind::NetworkUnreachable
                | std::io::ErrorKind::HostUnreachable
        ),
        _ => false,
    }
}

/// std's resolver (getaddrinfo) reports a failed lookup as a plain I/O
/// error; ureq passes it on as such rather than as HostNotFound.
fn is_dns_failure(io: &std::io::Error) -> bool {
    io.to_string().contains("failed to lookup address")
}

/// The connection broke before a whole answer came back.
fn lost(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe
        ),
        ureq::Error::Protocol(_) => true,
        _ => false,
    }
}

/// A provision or cancel that failed after it was sent may still have been
/// carried out: say so, since it is not re-sent.
fn may_have_reached(err: Error) -> Error {
    let note = "; the request may have reached WordPress.com and been carried out, so check the site (e.g. upgrade-paths) before running it again";
    match err {
        Error::Network(m) => Error::Network(m + note),
        Error::Timeout(m) => Error::Timeout(m + note),
        other => other,
    }
}

/// Say how many tries the final error took, when more than one.
fn with_attempts(err: Error, attempts: u32) -> Error {
    if attempts < 2 {
        return err;
    }
    let note = format!(" (gave up after {attempts} attempts)");
    match err {
        Error::Network(m) => Error::Network(m + &note),
        Error::Timeout(m) => Error::Timeout(m + &note),
        other => other,
    }
}

impl Api {
    pub fn new(base: Base, timeout: Duration) -> Result<Api> {
        let env = |k: &str| std::env::var(k).ok();
        let proxy = proxy_for(&base, &env);
        let via = match &proxy {
            Some((var, _)) => format!(" (through the proxy in {var})"),
            None => String::new(),
        };
        let proxy = match proxy {
            Some((var, url)) => Some(ureq::Proxy::new(&url).map_err(|_| {
                Error::Network(format!(
                    "the proxy in {var} is not a usable URL (e.g. http://proxy.example:3128); fix or unset it"
                ))
            })?),
            None => None,
        };
        let mut cfg = ureq::Agent::config_builder()
            // We judge statuses ourselves: 4xx bodies carry the API's error.
            .http_status_as_error(false)
            // A redirect is an answer to report, never a reason to resend a
            // provision (or a bearer token) somewhere else.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("jetpack-partner/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
            .timeout_global(Some(timeout))
            .proxy(proxy);
        if base.url.starts_with("https://") {
            let (roots, from) = crate::tls::roots();
            output::verbose(&format!("TLS: trusting {from}"));
            cfg = cfg.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
        }
        Ok(Api {
            agent: cfg.build().new_agent(),
            base,
            timeout,
            via,
        })
    }

    /// Send a request, retrying only where that cannot do harm: any request
    /// that failed before it could reach the server (DNS, refused, TLS
    /// handshake, proxy), and the token call also on 429/503 and on a
    /// connection lost before the answer. A provision or cancel that may have
    /// reached the server is never sent twice.
    pub fn send(&self, req: &Request) -> Result<Answer> {
        let idempotent = req.path == "/oauth2/token" || req.method == Method::Get;
        let mut attempt = 1;
        loop {
            let wait = match self.send_once(req) {
                Ok(answer) => {
                    let busy = matches!(answer.status, 429 | 503);
                    if !(idempotent && busy && attempt < ATTEMPTS) {
                        return Ok(answer);
                    }
                    retry_after(&answer).unwrap_or(backoff(attempt))
                }
                Err(e) => {
                    if attempt >= ATTEMPTS || !(before_send(&e) || idempotent && lost(&e)) {
                        let maybe_done = !idempotent && !before_send(&e);
                        let err = self.transport_error(&req.what(&self.base), e);
                        let err = if maybe_done {
                            may_have_reached(err)
                        } else {
                            err
                        };
                        return Err(with_attempts(err, attempt));
                    }
                    backoff(attempt)
                }
            };
            output::verbose(&format!(
                "{}: attempt {attempt} failed, retrying in {wait:?}",
                req.what(&self.base)
            ));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// One try: the status and the body (at most BODY_LIMIT bytes).
    fn send_once(&self, req: &Request) -> std::result::Result<Answer, ureq::Error> {
        let url = req.url(&self.base);
        let started = Instant::now();
        let result = match req.method {
            Method::Get => self.headers(self.agent.get(&url), req).call(),
            Method::Post => {
                let b = self.headers(self.agent.post(&url), req);
                match &req.form {
                    Some(form) => b
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .send(encode_pairs(form, true).as_bytes()),
                    None => b.send_empty(),
                }
            }
        };
        let mut resp = result?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()?;
        output::verbose(&format!(
            "{} -> HTTP {status}, {} bytes in {:?}",
            req.what(&self.base),
            body.len(),
            started.elapsed()
        ));
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }

    fn headers<B>(&self, mut b: ureq::RequestBuilder<B>, req: &Request) -> ureq::RequestBuilder<B> {
        if let Some(h) = self.base.host_header {
            b = b.header("Host", h);
        }
        if let Some(t) = &req.bearer {
            b = b.header("Authorization", &format!("Bearer {t}"));
        }
        b
    }

    fn transport_error(&self, what: &str, e: ureq::Error) -> Error {
        let host = self.base.host();
        let via = &self.via;
        match e {
            ureq::Error::BodyExceedsLimit(_) => Error::InvalidResponse(format!(
                "{what}: the answer is larger than {} KiB, which no partner API answer is; check JETPACK_START_API_HOST",
                BODY_LIMIT / 1024
            )),
            ureq::Error::Timeout(_) => Error::Timeout(format!(
                "{what}: {host} did not answer within {} s{via}; try again later or raise --timeout",
                self.timeout.as_secs_f64()
            )),
            ureq::Error::HostNotFound => Error::Network(format!(
                "{what}: cannot resolve {host} (DNS lookup failed){via}; check the host name, /etc/resolv.conf and JETPACK_START_API_HOST"
            )),
            ureq::Error::Io(io) if is_dns_failure(&io) => Error::Network(format!(
                "{what}: cannot resolve {host} ({io}){via}; check the host name, /etc/hosts, /etc/resolv.conf and JETPACK_START_API_HOST"
            )),
            ureq::Error::Io(io) => {
                let cause = match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                    std::io::ErrorKind::ConnectionReset => "connection reset by the server".to_string(),
                    std::io::ErrorKind::UnexpectedEof => "the server closed the connection before answering".to_string(),
                    std::io::ErrorKind::TimedOut => {
                        return Error::Timeout(format!(
                            "{what}: {host} did not answer in time{via}; try again later or raise --timeout"
                        ))
                    }
                    // rustls reports handshake and certificate failures as
                    // InvalidData I/O errors.
                    std::io::ErrorKind::InvalidData => {
                        return Error::Network(format!(
                            "{what}: TLS with {host} failed: {io}{via}; if a proxy or private CA signs its certificate, point SSL_CERT_FILE at that CA"
                        ))
                    }
                    _ => io.to_string(),
                };
                Error::Network(format!(
                    "{what}: cannot talk to {host}: {cause}{via}; check the network, firewall and proxy settings"
                ))
            }
            ureq::Error::Tls(m) => Error::Network(format!(
                "{what}: TLS with {host} failed: {m}{via}; if a proxy or private CA signs its certificate, point SSL_CERT_FILE at that CA"
            )),
            ureq::Error::Rustls(r) => Error::Network(format!(
                "{what}: TLS with {host} failed: {r}{via}; if a proxy or private CA signs its certificate, point SSL_CERT_FILE at that CA"
            )),
            ureq::Error::ConnectProxyFailed(m) => Error::Network(format!(
                "{what}: the proxy refused to connect to {host}: {m}; check HTTPS_PROXY and NO_PROXY"
            )),
            ureq::Error::InvalidProxyUrl => Error::Network(format!(
                "{what}: the proxy URL in HTTPS_PROXY/HTTP_PROXY/ALL_PROXY is invalid; fix or unset it"
            )),
            other => Error::Network(format!("{what}: request to {host} failed: {other}{via}")),
        }
    }
}

/// The proxy for the API host, chosen the way curl (and so the old scripts)
/// does: `https_proxy`/`HTTPS_PROXY` for https, `http_proxy` (lower case
/// only: an `HTTP_PROXY` can be set by a web request's `Proxy:` header in CGI
/// setups) for http, else `all_proxy`/`ALL_PROXY`; none when the host is in
/// `no_proxy`/`NO_PROXY`. Returns the variable's name and value.
pub fn proxy_for(base: &Base, env: &dyn Fn(&str) -> Option<String>) -> Option<(String, String)> {
    let get = |k: &str| {
        env(k)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (k.to_string(), v))
    };
    let no_proxy = get("no_proxy").or_else(|| get("NO_PROXY")).map(|(_, v)| v);
    let host = base.host().rsplit_once(':').map_or(base.host(), |(h, p)| {
        // Keep IPv6 literals whole; drop a :port.
        if p.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            base.host()
        }
    });
    if no_proxy.is_some_and(|list| no_proxy_matches(&list, host)) {
        return None;
    }
    let scheme_vars: &[&str] = if base.url.starts_with("https://") {
        &["https_proxy", "HTTPS_PROXY"]
    } else {
        &["http_proxy"]
    };
    scheme_vars
        .iter()
        .chain(&["all_proxy", "ALL_PROXY"])
        .find_map(|k| get(k))
}

/// curl's NO_PROXY rules: `*` matches all; otherwise each comma-separated
/// name matches the host itself and its subdomains (a leading `.` is
/// optional); IP addresses match exactly.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|e| {
            if e == "*" {
                return true;
            }
            let e = e.trim_start_matches('.').to_ascii_lowercase();
            let e = e.rsplit_once(':').map_or(e.as_str(), |(h, p)| {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    h
                } else {
                    e.as_str()
                }
            });
            host == e || host.ends_with(&format!(".{e}"))
        })
}

/// The token answer: `access_token`, or the error that explains its absence.
pub fn token_from(answer: &Answer) -> Result<String> {
    let what = "POST /oauth2/token";
    let json = judge(what, answer)?;
    match json.get("access_token").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => Ok(t.to_string()),
        _ => Err(Error::MissingAccessToken(format!(
            "{what}: the answer has no access_token; check --partner_id and --partner_secret"
        ))),
    }
}

/// SPEC §5: empty → unknown_error; `error` field or `success:false` → the
/// API's error; non-2xx → server_error; 2xx not JSON → invalid_response.
pub fn judge(what: &str, answer: &Answer) -> Result<Value> {
    let status = answer.status;
    let ok = (200..300).contains(&status);
    let text = String::from_utf8_lossy(&answer.body);
    if text.trim().is_empty() {
        if ok {
            return Err(Error::UnknownError("Empty response from server".into()));
        }
        return Err(Error::ServerError(format!(
            "Request failed with code {status}"
        )));
    }
    let json: Value = match serde_json::from_slice(&answer.body) {
        Ok(v) => v,
        Err(_) if ok => {
            return Err(Error::InvalidResponse(format!(
                "{what}: HTTP {status} but the answer is not JSON: {}",
                preview(&text)
            )))
        }
        Err(_) => {
            return Err(Error::ServerError(format!(
                "Request failed with code {status}"
            )))
        }
    };
    if let Some(obj) = json.as_object() {
        let str_of = |k: &str| obj.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let code = str_of("error").or_else(|| str_of("error_code"));
        let failed = obj.get("success") == Some(&Value::Bool(false));
        if code.is_some() || failed {
            let code = code.unwrap_or("unknown_error").to_string();
            let message = str_of("message")
                .or_else(|| str_of("error_message"))
                .or_else(|| str_of("error_description"))
                .map(str::to_string)
                .unwrap_or_else(|| format!("{what} failed with HTTP {status} and no message"));
            return Err(Error::Api {
                code,
                message,
                fields: obj.clone(),
            });
        }
    }
    if !ok {
        return Err(Error::ServerError(format!(
            "Request failed with code {status}"
        )));
    }
    Ok(json)
}

/// Start of a body for messages: one line, a few hundred characters.
fn preview(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(200).collect();
    if flat.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// Percent-encode everything but RFC 3986 unreserved characters; in a form
/// body a space becomes `+`. (`& + = %` and spaces in secrets broke the
/// shell scripts.)
pub fn encode(s: &str, form: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn encode_pairs(pairs: &[(String, String)], form: bool) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k, form), encode(v, form)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `{site}` for cancel when the blog id is unknown: the home URL without
/// scheme, `/` replaced by `::`, no trailing `:` (`example.com/demo/wp` →
/// `example.com::demo::wp`), each part percent-encoded for the path.
pub fn site_suffix(home: &str) -> String {
    let no_scheme = home.split_once("://").map_or(home, |(_, r)| r);
    let no_query = no_scheme.split(['?', '#']).next().unwrap_or(no_scheme);
    let joined = no_query
        .split('/')
        .map(encode_path_part)
        .collect::<Vec<_>>()
        .join("::");
    joined.trim_end_matches(':').to_string()
}

fn encode_path_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' | b'@' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ans(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn base_with_and_without_scheme() {
        assert_eq!(
            Base::from_env_value(None),
            Base {
                url: "https://public-api.wordpress.com".into(),
                host_header: Some(DEFAULT_HOST)
            }
        );
        assert_eq!(
            Base::from_env_value(Some("10.0.0.5:8443/")),
            Base {
                url: "https://10.0.0.5:8443".into(),
                host_header: Some(DEFAULT_HOST)
            }
        );
        let b = Base::from_env_value(Some("http://127.0.0.1:8080"));
        assert_eq!(b.url, "http://127.0.0.1:8080");
        assert_eq!(b.host_header, None);
        assert_eq!(b.host(), "127.0.0.1:8080");
        assert_eq!(
            Base::from_env_value(Some("")).url,
            "https://public-api.wordpress.com"
        );
    }

    #[test]
    fn proxies_are_chosen_like_curl() {
        let https = Base::from_env_value(Some("api.example.com:8443"));
        let http = Base::from_env_value(Some("http://127.0.0.1:8080"));
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let name = |r: Option<(String, String)>| r.map(|(k, _)| k);
        let e = env(&[("HTTP_PROXY", "http://p:1"), ("http_proxy", "http://q:1")]);
        assert_eq!(
            name(proxy_for(&https, &e)),
            None,
            "HTTP_PROXY is not for https"
        );
        assert_eq!(name(proxy_for(&http, &e)).as_deref(), Some("http_proxy"));
        let e = env(&[("HTTPS_PROXY", "http://p:1"), ("ALL_PROXY", "http://a:1")]);
        assert_eq!(name(proxy_for(&https, &e)).as_deref(), Some("HTTPS_PROXY"));
        assert_eq!(name(proxy_for(&http, &e)).as_deref(), Some("ALL_PROXY"));
        let e = env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "localhost, .example.com"),
        ]);
        assert_eq!(
            name(proxy_for(&https, &e)),
            None,
            "subdomain of a NO_PROXY name"
        );
        let e = env(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(name(proxy_for(&https, &e)), None);
        let e = env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "example.org,127.0.0.1"),
        ]);
        assert_eq!(name(proxy_for(&https, &e)).as_deref(), Some("HTTPS_PROXY"));
        assert_eq!(name(proxy_for(&http, &e)), None, "IP match");
    }

    #[test]
    fn encoding_keeps_special_characters_intact() {
        assert_eq!(encode("a&b+c=d%e f", true), "a%26b%2Bc%3Dd%25e+f");
        assert_eq!(encode("a b", false), "a%20b");
        assert_eq!(encode("é", true), "%C3%A9");
        assert_eq!(
            encode_pairs(
                &[("k".into(), "v 1".into()), ("x".into(), "@/etc".into())],
                true
            ),
            "k=v+1&x=%40%2Fetc"
        );
    }

    #[test]
    fn suffixes() {
        assert_eq!(site_suffix("example.com"), "example.com");
        assert_eq!(site_suffix("http://example.com/"), "example.com");
        assert_eq!(site_suffix("https://example.com/demo"), "example.com::demo");
        assert_eq!(
            site_suffix("https://example.com/demo/wp/"),
            "example.com::demo::wp"
        );
        assert_eq!(
            site_suffix("http://example.com:8080/a b"),
            "example.com:8080::a%20b"
        );
    }

    #[test]
    fn judging_answers() {
        assert!(matches!(
            judge("x", &ans(200, "")),
            Err(Error::UnknownError(_))
        ));
        assert!(matches!(
            judge("x", &ans(200, "\n")),
            Err(Error::UnknownError(_))
        ));
        assert!(matches!(
            judge("x", &ans(200, "<html>")),
            Err(Error::InvalidResponse(_))
        ));
        let e = judge("x", &ans(502, "<html>bad gateway</html>")).err();
        assert_eq!(
            e.as_ref().map(Error::message),
            Some("Request failed with code 502")
        );
        let e = judge(
            "x",
            &ans(
                400,
                r#"{"error":"invalid_plan","message":"x is not a valid plan"}"#,
            ),
        )
        .err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("invalid_plan"));
        assert_eq!(
            e.as_ref().map(Error::message),
            Some("x is not a valid plan")
        );
        let e = judge(
            "x",
            &ans(
                200,
                r#"{"success":false,"error_code":"site_inaccessible","error_message":"no"}"#,
            ),
        )
        .err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("site_inaccessible"));
        let e = judge("x", &ans(500, r#"{"a":1}"#)).err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("server_error"));
        assert!(judge("x", &ans(200, r#"{"success":true}"#)).is_ok());
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            token_from(&ans(200, r#"{"access_token":"abc","token_type":"bearer"}"#)).ok(),
            Some("abc".to_string())
        );
        assert_eq!(
            token_from(&ans(200, r#"{"token_type":"bearer"}"#))
                .err()
                .map(|e| e.error_code().to_string()),
            Some("missing_access_token".into())
        );
        let e = token_from(&ans(
            400,
            r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
        ))
        .err();
        assert_eq!(e.as_ref().map(Error::error_code), Some("invalid_client"));
        assert_eq!(e.as_ref().map(Error::message), Some("Unknown client_id."));
    }
}
