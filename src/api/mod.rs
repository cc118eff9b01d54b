//! The WordPress.com partner API client: one ureq Agent (so the token call
//! and the call after it share one keep-alive connection), requests as
//! plain data (`request`), one try (`transport`), the retry policy
//! (`retry`), proxy choice (`proxy`) and the rules that judge an answer
//! (`answer`).

pub mod answer;
pub mod encode;
pub mod proxy;
pub mod request;
pub mod retry;
mod transport;

pub use answer::{judge, token_from, Answer};
pub use request::{Method, Request};
pub use retry::Retry;

use crate::error::{Error, Result};
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
        if let Some((scheme, rest)) = split_scheme(v) {
            Base {
                url: format!("{scheme}://{rest}"),
                host_header: None,
            }
        } else {
            Base {
                url: format!("https://{v}"),
                host_header: Some(DEFAULT_HOST),
            }
        }
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
        let upper = Base::from_env_value(Some("HTTPS://api.example:8443"));
        assert_eq!(upper.url, "https://api.example:8443");
        assert!(upper.is_https());
    }
}
