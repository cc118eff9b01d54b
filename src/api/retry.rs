//! When a request may be tried again. The decision comes from the endpoint
//! (its [`Retry`] policy), never from looking at paths: a request that
//! changes something is re-sent only when it cannot have reached the server.

use super::answer::Answer;
use std::time::Duration;

/// How an endpoint may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads and the token call: also on 429/503 and on a connection lost
    /// before the answer.
    Idempotent,
    /// Changes something (provision, cancel, ...): only when the request
    /// failed before it could reach the server.
    BeforeSendOnly,
}

/// Tries per request, first one included.
pub const ATTEMPTS: u32 = 3;
/// Longest we wait on a server's `Retry-After`.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(10);

/// 250 ms, then 500 ms: enough for a blip, short for a sign-up hook.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << (attempt - 1).min(4))
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and falls
/// back to our own backoff), capped.
pub fn retry_after(answer: &Answer) -> Option<Duration> {
    Some(asked_wait(answer)?.min(RETRY_AFTER_CAP))
}

/// `Retry-After` in seconds, as the server asked (a fleet run waits up to
/// its `--max-wait`).
pub fn asked_wait(answer: &Answer) -> Option<Duration> {
    let secs: u64 = answer.retry_after.as_deref()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// A busy answer an idempotent request may wait out.
pub fn busy(answer: &Answer) -> bool {
    matches!(answer.status, 429 | 503)
}

/// Failures that happen before a byte of the request reached the server.
/// An I/O error counts only when it came from making the connection (see
/// [`WhileConnecting`]) or is one that only connecting can have: a TLS
/// error after the request was written (a corrupt record in the answer)
/// looks the same as a failed handshake by its kind alone.
pub fn before_send(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => true,
        ureq::Error::Io(io) if is_dns_failure(io) || WhileConnecting::marks(io) => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::AddrNotAvailable
                | std::io::ErrorKind::NetworkUnreachable
                | std::io::ErrorKind::HostUnreachable
        ),
        _ => false,
    }
}

/// Wraps an I/O error raised while connecting (TCP, proxy, TLS handshake):
/// the request had not been written yet. Its message is the inner one's.
#[derive(Debug)]
pub struct WhileConnecting(pub std::io::Error);

impl WhileConnecting {
    /// `io`, re-kinded as itself and marked as a connect-phase failure.
    pub fn wrap(io: std::io::Error) -> std::io::Error {
        std::io::Error::new(io.kind(), WhileConnecting(io))
    }

    fn marks(io: &std::io::Error) -> bool {
        io.get_ref()
            .is_some_and(|inner| inner.is::<WhileConnecting>())
    }
}

impl std::fmt::Display for WhileConnecting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for WhileConnecting {}

/// Failures after which the request surely never left: those of
/// [`before_send`], a request that could not even be built (a header value
/// with a line break), and a connection that was never made in time.
pub fn never_sent(e: &ureq::Error) -> bool {
    before_send(e)
        || matches!(
            e,
            ureq::Error::Http(_)
                | ureq::Error::BadUri(_)
                | ureq::Error::InvalidProxyUrl
                | ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect)
        )
}

/// std's resolver (getaddrinfo) reports a failed lookup as a plain I/O
/// error; ureq passes it on as such rather than as HostNotFound.
pub fn is_dns_failure(io: &std::io::Error) -> bool {
    io.to_string().contains("failed to lookup address")
}

/// The connection broke before a whole answer came back (a record that
/// fails TLS checks, InvalidData, included).
pub fn lost(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::InvalidData
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe
        ),
        ureq::Error::Protocol(_) => true,
        _ => false,
    }
}
