//! One try of one request over the shared ureq Agent, and what a transport
//! failure means in our terms.

use super::answer::Answer;
use super::encode::encode_pairs;
use super::request::{Body, Method, Request};
use super::retry::{is_dns_failure, WhileConnecting};
use super::{Base, BODY_LIMIT, CONNECT_TIMEOUT};
use crate::error::{Error, NetCause};
use crate::output;
use std::time::{Duration, Instant};
use ureq::unversioned::transport::{ConnectionDetails, Connector, DefaultConnector};

/// The agent and what messages about it need.
pub struct Transport {
    pub agent: ureq::Agent,
    pub base: Base,
    pub timeout: Duration,
    /// " (through the proxy in HTTPS_PROXY)" or "", for messages.
    pub via: String,
}

impl Transport {
    /// One try: the status and the body (at most BODY_LIMIT bytes).
    pub fn send_once(
        &self,
        req: &Request,
        token: Option<&str>,
    ) -> std::result::Result<Answer, ureq::Error> {
        let url = req.url(&self.base);
        let started = Instant::now();
        let body: Option<Vec<u8>> = match &req.body {
            Body::None => None,
            Body::Form(form) => Some(encode_pairs(form, true).into_bytes()),
            Body::Json(bytes) => Some(bytes.clone()),
        };
        let with_body = |b: ureq::RequestBuilder<ureq::typestate::WithBody>| {
            let b = self.headers(b, token);
            match (&body, req.content_type()) {
                (Some(bytes), Some(t)) => b.header("Content-Type", t).send(&bytes[..]),
                _ => b.send_empty(),
            }
        };
        let without_body = |b: ureq::RequestBuilder<ureq::typestate::WithoutBody>| {
            let b = self.headers(b, token);
            match (&body, req.content_type()) {
                (Some(bytes), Some(t)) => b
                    .force_send_body()
                    .header("Content-Type", t)
                    .send(&bytes[..]),
                _ => b.call(),
            }
        };
        let result = match req.method {
            Method::Get => without_body(self.agent.get(&url)),
            Method::Delete => without_body(self.agent.delete(&url)),
            Method::Post => with_body(self.agent.post(&url)),
            Method::Put => with_body(self.agent.put(&url)),
            Method::Patch => with_body(self.agent.patch(&url)),
        };
        let mut resp = result?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after");
        // Only visible ASCII: it goes into messages as it is.
        let request_id = header("x-jetpack-request-id")
            .map(|id| id.trim().to_string())
            .filter(|id| {
                !id.is_empty() && id.len() <= 200 && id.bytes().all(|b| b.is_ascii_graphic())
            });
        let body = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()?;
        let id = request_id
            .as_ref()
            .map_or(String::new(), |id| format!(" (X-Jetpack-Request-Id {id})"));
        output::verbose(&format!(
            "{} -> HTTP {status}, {} bytes in {:?}{id}",
            req.what(&self.base),
            body.len(),
            started.elapsed()
        ));
        Ok(Answer {
            status,
            body,
            retry_after,
            request_id,
        })
    }

    fn headers<B>(
        &self,
        mut b: ureq::RequestBuilder<B>,
        token: Option<&str>,
    ) -> ureq::RequestBuilder<B> {
        if let Some(h) = self.base.host_header {
            b = b.header("Host", h);
        }
        if let Some(t) = token {
            b = b.header("Authorization", &format!("Bearer {t}"));
        }
        b
    }

    /// A transport failure as our error: which request, which host, why.
    pub fn error(&self, req: &Request, e: ureq::Error, maybe_sent: bool, attempts: u32) -> Error {
        let what = req.what(&self.base);
        let host = self.base.host().to_string();
        let via = self.via.clone();
        let net = |cause: NetCause| Error::Network {
            what: what.clone(),
            host: host.clone(),
            cause,
            via: via.clone(),
            maybe_sent,
            attempts,
        };
        let timeout = |limit: Option<Duration>, connecting: bool| Error::Timeout {
            what: what.clone(),
            host: host.clone(),
            limit,
            connecting,
            via: via.clone(),
            maybe_sent,
            attempts,
        };
        match e {
            ureq::Error::BodyExceedsLimit(_) => Error::TooLarge {
                what,
                limit: BODY_LIMIT,
            },
            // Connecting has its own, shorter limit (TLS handshake included).
            ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
                timeout(Some(CONNECT_TIMEOUT.min(self.timeout)), true)
            }
            ureq::Error::Timeout(_) => timeout(Some(self.timeout), false),
            ureq::Error::HostNotFound => net(NetCause::Dns(None)),
            ureq::Error::Io(io) if is_dns_failure(&io) => net(NetCause::Dns(Some(io.to_string()))),
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    net(NetCause::Talk("connection refused".into()))
                }
                std::io::ErrorKind::ConnectionReset => {
                    net(NetCause::Talk("connection reset by the server".into()))
                }
                std::io::ErrorKind::UnexpectedEof => net(NetCause::Talk(
                    "the server closed the connection before answering".into(),
                )),
                std::io::ErrorKind::TimedOut => timeout(None, false),
                // rustls reports handshake and certificate failures as
                // InvalidData I/O errors.
                std::io::ErrorKind::InvalidData => net(NetCause::Tls(io.to_string())),
                _ => net(NetCause::Talk(io.to_string())),
            },
            ureq::Error::Tls(m) => net(NetCause::Tls(m.to_string())),
            ureq::Error::Rustls(r) => net(NetCause::Tls(r.to_string())),
            ureq::Error::ConnectProxyFailed(m) => net(NetCause::ProxyRefused(m)),
            ureq::Error::InvalidProxyUrl => net(NetCause::ProxyUrl),
            other => net(NetCause::Other(other.to_string())),
        }
    }
}

/// ureq's own connectors (proxy, TCP, TLS), with every time-out while
/// connecting reported as the connect phase's. ureq names the limit that
/// ran out first, and when `--timeout` is at most the connect limit that is
/// the whole request's: a TLS handshake that never came would read as "did
/// not answer", and a provision as possibly sent, though no connection was
/// ever made.
#[derive(Debug, Default)]
pub struct Connecting(DefaultConnector);

impl Connector<()> for Connecting {
    type Out = <DefaultConnector as Connector<()>>::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        self.0.connect(details, chained).map_err(|e| match e {
            ureq::Error::Timeout(_) => ureq::Error::Timeout(ureq::Timeout::Connect),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                ureq::Error::Timeout(ureq::Timeout::Connect)
            }
            // The TLS handshake completes in here, so its failures (rustls
            // reports them as InvalidData) are known to precede the request.
            ureq::Error::Io(io) => ureq::Error::Io(WhileConnecting::wrap(io)),
            other => other,
        })
    }
}
