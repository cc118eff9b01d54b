//! The WordPress.com partner API client: one ureq Agent (so the token call
//! and the call after it share one keep-alive connection), requests as
//! plain data (`request`), one try (`transport`), the retry policy
//! (`retry`), proxy choice (`proxy`), the rules that judge an answer
//! (`answer`, with `json` for JSON deeper than serde_json builds), and the
//! base every request goes to (`Base`: JETPACK_START_API_HOST, checked).

pub mod answer;
pub mod encode;
pub mod json;
pub mod proxy;
pub mod request;
pub mod retry;
mod transport;

pub use answer::{judge, token_from, Answer};
pub use request::{Bearer, Method, Request};
pub use retry::Retry;

use crate::error::{Error, HostProblem, Result};
use crate::{output, signals};
use std::time::Duration;
use transport::Transport;

pub const DEFAULT_HOST: &str = "public-api.wordpress.com";
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Partner API answers are a few hundred bytes; anything past this is not one.
pub const BODY_LIMIT: u64 = 1 << 20;
/// Keep-alive connections the agent keeps between requests: one per
/// `--jobs` worker (at most 64). With ureq's default of 3 per host, every
/// reply beyond the third that comes in at once closed its connection, and
/// the worker's next site paid a new TCP connection and TLS handshake.
pub const IDLE_CONNECTIONS: usize = 64;
/// The agent's I/O buffers, per connection and per layer (TCP, and TLS on
/// top of it). ureq's default is 128 KiB each way, 512 KiB a connection
/// over TLS, up to 32 MiB at `--jobs=64`. In: 64 KiB, the most a
/// response head may take anyway (ureq's `max_response_header_size`).
/// Out: 16 KiB; request heads are well under 1 KiB. Bodies of any size
/// stream through both.
const INPUT_BUFFER: usize = 64 * 1024;
const OUTPUT_BUFFER: usize = 16 * 1024;

/// Where requests go: `https://` + JETPACK_START_API_HOST, or the value as
/// is when it has a scheme. A bare host also gets `Host:
/// public-api.wordpress.com`, so a sandbox address can stand in for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    /// `scheme://host[:port][/base/path]`, as the `url` crate writes it
    /// (no trailing `/`, no user info, query or fragment).
    pub url: String,
    pub host_header: Option<&'static str>,
    /// Plain HTTP to a host that is not this machine, allowed by
    /// JETPACK_PARTNER_INSECURE_HTTP=1 (and said on stderr once).
    pub insecure: bool,
}

/// Set to 1, allows plain http:// to a host other than this machine.
pub const INSECURE_HTTP_VAR: &str = "JETPACK_PARTNER_INSECURE_HTTP";

impl Base {
    /// JETPACK_START_API_HOST read with the `url` crate (never by hand:
    /// that is where the suffix bugs came from) and refused, before
    /// anything is sent, when what it makes would send the credentials
    /// somewhere else than meant: user info (it would be printed), a query
    /// or fragment (every path would land in it), a scheme we do not
    /// speak, plain HTTP off this machine without `insecure_ok`. A base
    /// path (`https://h/sandbox`) is kept.
    pub fn from_env_value(v: Option<&str>, insecure_ok: bool) -> Result<Base> {
        let bad = |why| Err(Error::BadApiHost(why));
        let v = v
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_HOST);
        if v.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return bad(HostProblem::BadCharacters);
        }
        let (text, host_header) = match split_scheme(v) {
            Some(_) => (v.to_string(), None),
            None => (format!("https://{v}"), Some(DEFAULT_HOST)),
        };
        let u = match url::Url::parse(&text) {
            Ok(u) => u,
            Err(e) => return bad(HostProblem::NotAUrl(e.to_string())),
        };
        if !matches!(u.scheme(), "https" | "http") {
            return bad(HostProblem::Scheme(u.scheme().to_string()));
        }
        if !u.username().is_empty() || u.password().is_some() {
            return bad(HostProblem::UserInfo);
        }
        if u.query().is_some() {
            return bad(HostProblem::Query);
        }
        if u.fragment().is_some() {
            return bad(HostProblem::Fragment);
        }
        let loopback = match u.host() {
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => {
                a.is_loopback() || a.to_ipv4_mapped().is_some_and(|m| m.is_loopback())
            }
            Some(url::Host::Domain(d)) => d == "localhost",
            None => return bad(HostProblem::NotAUrl("no host".into())),
        };
        let insecure = u.scheme() == "http" && !loopback;
        if insecure && !insecure_ok {
            let host = u[url::Position::BeforeHost..url::Position::AfterPort].to_string();
            return bad(HostProblem::PlainHttp { host });
        }
        let url = u[..url::Position::AfterPath].trim_end_matches('/');
        // What the `url` crate takes and the HTTP client cannot (`"` in a
        // host) would only fail later, as a network error.
        if let Err(e) = url.parse::<ureq::http::Uri>() {
            return bad(HostProblem::NotAUrl(e.to_string()));
        }
        Ok(Base {
            url: url.to_string(),
            host_header,
            insecure,
        })
    }

    /// `host[:port]` for messages.
    pub fn host(&self) -> &str {
        let rest = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }

    pub fn is_https(&self) -> bool {
        self.url.starts_with("https://")
    }

    /// The base path (`/sandbox`), empty for none.
    pub fn path(&self) -> &str {
        let rest = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        rest.find('/').map_or("", |i| &rest[i..])
    }
}

impl Default for Base {
    /// public-api.wordpress.com over https.
    fn default() -> Base {
        Base {
            url: format!("https://{DEFAULT_HOST}"),
            host_header: Some(DEFAULT_HOST),
            insecure: false,
        }
    }
}

/// `HTTPS://host/x` → (`https`, `host/x`): the scheme, lower-cased (schemes
/// are case-insensitive), and the rest; None without one.
pub fn split_scheme(url: &str) -> Option<(String, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| (scheme.to_ascii_lowercase(), rest))
}

/// JETPACK_PARTNER_INSECURE_HTTP=1 let a plain http:// host off this
/// machine through: said once, when the first request is about to go.
fn insecure_note(base: &Base) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        output::stderr(&format!(
            "jetpack-partner: {INSECURE_HTTP_VAR}=1: the client secret and partner token go unencrypted (plain http://) to {}\n",
            base.host()
        ))
    });
}

/// The HTTP client. Built only when a request is really about to be sent.
pub struct Api {
    transport: Transport,
}

impl Api {
    pub fn new(base: Base, timeout: Duration) -> Result<Api> {
        let env = |k: &str| std::env::var(k).ok();
        let proxy = proxy::proxy_for(&base, &env);
        let via = match &proxy {
            Some((var, _)) => format!(" (through the proxy in {var})"),
            None => String::new(),
        };
        let proxy = match proxy {
            Some((var, url)) => Some(ureq::Proxy::new(&url).map_err(|_| Error::BadProxy { var })?),
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
            .proxy(proxy)
            .max_idle_connections(IDLE_CONNECTIONS)
            .max_idle_connections_per_host(IDLE_CONNECTIONS)
            .input_buffer_size(INPUT_BUFFER)
            .output_buffer_size(OUTPUT_BUFFER);
        if base.insecure {
            insecure_note(&base);
        }
        if base.is_https() {
            let (roots, from) = crate::tls::roots();
            output::verbose(&format!("TLS: trusting {from}"));
            cfg = cfg.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
        }
        Ok(Api {
            transport: Transport {
                agent: ureq::Agent::with_parts(
                    cfg.build(),
                    transport::Connecting::default(),
                    ureq::unversioned::resolver::DefaultResolver::default(),
                ),
                base,
                timeout,
                via,
            },
        })
    }

    pub fn base(&self) -> &Base {
        &self.transport.base
    }

    /// Send a request (with the partner token when it takes one), retrying
    /// only as its endpoint allows: any request that failed before it could
    /// reach the server (DNS, refused, TLS handshake, proxy), and idempotent
    /// ones also on 429/503 and on a connection lost before the answer. A
    /// request that changes something and may have reached the server is
    /// never sent twice.
    pub fn send(&self, req: &Request, token: Option<&str>) -> Result<Answer> {
        self.send_with(req, token, true)
    }

    /// As [`send`](Api::send), but a busy answer (429/503) is returned at
    /// once, whatever the request: a fleet run waits it out itself
    /// (`exec::throttle`).
    pub fn send_until_busy(&self, req: &Request, token: Option<&str>) -> Result<Answer> {
        self.send_with(req, token, false)
    }

    fn send_with(&self, req: &Request, token: Option<&str>, wait_busy: bool) -> Result<Answer> {
        let idempotent = req.retry == Retry::Idempotent;
        if !idempotent {
            // After a batch's first signal only the requests already in
            // flight finish: one that changes something and has not gone
            // out yet stays unsent (the site is picked up on resume).
            if let Some(signal) = signals::interrupted() {
                return Err(Error::Interrupted { signal, sent: None });
            }
            // From here on a signal's error says this may have been
            // carried out (SPEC §9).
            signals::sending(&req.label());
        }
        let mut attempt = 1;
        loop {
            let wait = match self.transport.send_once(req, token) {
                Ok(answer) => {
                    let again = wait_busy && idempotent && retry::busy(&answer);
                    if !(again && attempt < retry::ATTEMPTS) {
                        return Ok(answer);
                    }
                    retry::retry_after(&answer).unwrap_or(retry::backoff(attempt))
                }
                Err(e) => {
                    let unsent = retry::before_send(&e);
                    if attempt >= retry::ATTEMPTS || !(unsent || idempotent && retry::lost(&e)) {
                        let maybe_sent = !idempotent && !retry::never_sent(&e);
                        output::verbose(&format!(
                            "{}: attempt {attempt} failed ({e}){}",
                            req.what(self.base()),
                            if maybe_sent {
                                "; not sent again, it may have reached the server"
                            } else {
                                ""
                            }
                        ));
                        return Err(self.transport.error(req, e, maybe_sent, attempt));
                    }
                    retry::backoff(attempt)
                }
            };
            output::verbose(&format!(
                "{}: attempt {attempt} failed, retrying in {wait:?}",
                req.what(self.base())
            ));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(v: &str) -> Result<Base> {
        Base::from_env_value(Some(v), false)
    }

    fn refused(v: &str, insecure_ok: bool) -> Option<HostProblem> {
        match Base::from_env_value(Some(v), insecure_ok) {
            Err(Error::BadApiHost(why)) => Some(why),
            _ => None,
        }
    }

    #[test]
    fn base_with_and_without_scheme() {
        assert_eq!(
            Base::from_env_value(None, false).ok(),
            Some(Base::default())
        );
        assert_eq!(base("").ok(), Some(Base::default()));
        assert_eq!(
            base("10.0.0.5:8443/").ok(),
            Some(Base {
                url: "https://10.0.0.5:8443".into(),
                host_header: Some(DEFAULT_HOST),
                insecure: false,
            })
        );
        let b = base("http://127.0.0.1:8080").ok();
        assert_eq!(
            b.as_ref().map(|b| b.url.as_str()),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(b.as_ref().map(|b| b.host()), Some("127.0.0.1:8080"));
        assert_eq!(b.and_then(|b| b.host_header), None);
        let upper = base("HTTPS://Api.Example:8443/").ok();
        assert_eq!(
            upper.as_ref().map(|b| b.url.as_str()),
            Some("https://api.example:8443")
        );
        assert!(upper.is_some_and(|b| b.is_https()));
    }

    #[test]
    fn a_base_path_is_kept() {
        for (v, url, path) in [
            (
                "http://127.0.0.1:9/sandbox/",
                "http://127.0.0.1:9/sandbox",
                "/sandbox",
            ),
            ("https://h.example/a/b", "https://h.example/a/b", "/a/b"),
            ("h.example/x/../y//", "https://h.example/y", "/y"),
            ("https://h.example:443", "https://h.example", ""),
        ] {
            let b = base(v).ok();
            assert_eq!(b.as_ref().map(|b| b.url.as_str()), Some(url), "{v}");
            assert_eq!(b.as_ref().map(|b| b.path()), Some(path), "{v}");
        }
    }

    #[test]
    fn loopback_may_be_plain_http_and_nothing_else_may() {
        for v in [
            "http://127.0.0.1:8080",
            "HTTP://LOCALHOST:9",
            "http://127.1",
            "http://127.200.0.1/",
            "http://[::1]:9",
            "http://[0:0:0:0:0:0:0:1]",
            "http://[::ffff:127.0.0.1]:9",
            "  http://localhost  ",
        ] {
            let b = base(v);
            assert!(b.as_ref().is_ok_and(|b| !b.insecure), "{v}: {b:?}");
        }
        for v in [
            "http://10.0.0.5",
            "http://api.example:80/sandbox",
            "http://[::ffff:10.0.0.1]",
            "http://[::2]",
            "http://0.0.0.0",
            "http://localhost.example",
        ] {
            assert!(
                matches!(refused(v, false), Some(HostProblem::PlainHttp { .. })),
                "{v}"
            );
            assert!(base(v).is_err());
            let allowed = Base::from_env_value(Some(v), true);
            assert!(allowed.is_ok_and(|b| b.insecure), "{v}");
        }
        assert_eq!(
            refused("http://User@API.example:81/x", false),
            Some(HostProblem::UserInfo)
        );
        assert_eq!(
            refused("http://api.example:81", false),
            Some(HostProblem::PlainHttp {
                host: "api.example:81".into()
            })
        );
    }

    #[test]
    fn what_would_send_the_credentials_elsewhere_is_refused() {
        use HostProblem::*;
        for (v, why) in [
            ("http://127.0.0.1:9?x=1", Query),
            ("http://127.0.0.1:9/?", Query),
            ("h.example?x=1", Query),
            ("http://127.0.0.1:9#frag", Fragment),
            ("https://h.example/a#", Fragment),
            ("https://user:pw@h.example", UserInfo),
            ("user:pw@h.example", UserInfo),
            ("https://:pw@h.example", UserInfo),
            ("http://u@127.0.0.1:9", UserInfo),
            ("ftp://h.example", Scheme("ftp".into())),
            ("https://h.example/a b", BadCharacters),
            ("https://h.exa\nmple", BadCharacters),
        ] {
            assert_eq!(refused(v, true), Some(why), "{v}");
        }
        for v in [
            "https://",
            "http://h:p",
            "h:p",
            "https://[::1",
            "\"",
            "https://a{b",
        ] {
            assert!(matches!(refused(v, true), Some(NotAUrl(_))), "{v}");
        }
    }
}
