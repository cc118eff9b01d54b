//! A fake WordPress.com API: a real HTTP/1.1 server on 127.0.0.1 (optionally
//! HTTPS), in-process, one std thread per connection.
//!
//! It is deliberately small and lenient: it answers whatever replies the test
//! registered and records every request so the test can assert on what the
//! binary actually sent over the wire (bytes, headers, connection reuse).
//! The connection threads never panic on I/O: a client that disconnects or
//! sends garbage just ends its own connection.
//!
//! Besides the tests, `examples/fake-api.rs` includes this file to serve a
//! stand-alone fake API (README demo, benchmarks). What it needs beyond
//! scripted replies is here too: a fixed address ([`FakeApi::start_on`]),
//! replies computed per request ([`FakeApi::set_fallback`]), an added
//! latency ([`FakeApi::set_latency`]) and counters that can be read from
//! inside a fallback ([`FakeApi::stats_handle`]).

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// Body of the answer to a request no route matches.
pub const NOT_FOUND_BODY: &str = r#"{"error":"not_found","message":"no route in fake api"}"#;

/// Lines (request line, headers, chunk sizes) longer than this are refused,
/// so a confused client cannot make the server buffer without bound.
const MAX_LINE: u64 = 64 * 1024;
/// Same for bodies; far above anything the partner API exchanges.
const MAX_BODY: u64 = 64 * 1024 * 1024;
/// An idle or stalled connection thread gives up after this long, so threads
/// of finished tests do not linger for the rest of the test run.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Path of a file in `tests/certs/` (e.g. `"ca.pem"` for `SSL_CERT_FILE`).
pub fn cert_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/certs")
        .join(name)
}

#[derive(Clone, Debug)]
enum ReplyKind {
    Normal,
    CloseWithoutReply,
    Truncated { declared_len: usize },
    CorruptRecord,
}

/// What the fake API answers to one request.
#[derive(Clone, Debug)]
pub struct Reply {
    kind: ReplyKind,
    status: u16,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Option<Duration>,
}

impl Reply {
    fn new(kind: ReplyKind, status: u16, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        Reply {
            kind,
            status,
            content_type: content_type.map(str::to_string),
            headers: Vec::new(),
            body,
            delay: None,
        }
    }

    /// `Content-Type: application/json` with `body` as is.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::text(status, "application/json", body)
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Reply {
        Reply::bytes(status, content_type, body.as_bytes().to_vec())
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply::new(ReplyKind::Normal, status, Some(content_type), body)
    }

    /// No body, `Content-Length: 0`, no `Content-Type`.
    pub fn empty(status: u16) -> Reply {
        Reply::new(ReplyKind::Normal, status, None, Vec::new())
    }

    /// Adds a response header. A `Content-Type` or `Content-Length` given
    /// here replaces the one the server would send itself (so a test can
    /// send a wrong length or an odd type on purpose).
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sleeps this long after reading the request, before answering.
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = Some(d);
        self
    }

    /// [`FakeApi::set_latency`] comes on top of the reply's own delay.
    fn plus_latency(mut self, latency: Duration) -> Reply {
        if !latency.is_zero() {
            self.delay = Some(self.delay.unwrap_or_default() + latency);
        }
        self
    }

    /// Reads the request, then closes the connection without a byte of
    /// response (over TLS: without close_notify, like a crashed server).
    pub fn close_without_reply() -> Reply {
        Reply::new(ReplyKind::CloseWithoutReply, 0, None, Vec::new())
    }

    /// Reads the request, then answers with bytes that are no valid record
    /// of the connection: over TLS a record that fails to decrypt (the
    /// client's TLS error comes after the request was sent), over plain
    /// HTTP garbage instead of a status line.
    pub fn corrupt_record() -> Reply {
        Reply::new(ReplyKind::CorruptRecord, 0, None, Vec::new())
    }

    /// Announces `Content-Length: declared_len` (JSON), sends only `body`,
    /// then closes the connection (over TLS: without close_notify).
    pub fn truncated(status: u16, body: &str, declared_len: usize) -> Reply {
        assert!(
            declared_len > body.len(),
            "Reply::truncated: declared_len must exceed the body length"
        );
        Reply::new(
            ReplyKind::Truncated { declared_len },
            status,
            Some("application/json"),
            body.as_bytes().to_vec(),
        )
    }

    fn not_found() -> Reply {
        Reply::json(404, NOT_FOUND_BODY)
    }

    /// The HTTP status it answers with (0 for
    /// [`close_without_reply`](Self::close_without_reply)), e.g. for a log.
    pub fn status(&self) -> u16 {
        self.status
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Status line and headers, ending with the blank line.
    fn head(&self, content_length: usize, close: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        if let Some(ct) = &self.content_type {
            if !self.has_header("content-type") {
                head.push_str(&format!("Content-Type: {ct}\r\n"));
            }
        }
        if !self.has_header("content-length") {
            head.push_str(&format!("Content-Length: {content_length}\r\n"));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if close && !self.has_header("connection") {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// One request as the fake API received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Request path as sent (not percent-decoded), without the query.
    pub path: String,
    /// Raw query string without `?`, `""` if none.
    pub query: String,
    /// `query` decoded (`%XX`, `+` as space), in order.
    pub query_pairs: Vec<(String, String)>,
    /// Header names lower-cased, values trimmed, in order.
    pub headers: Vec<(String, String)>,
    /// Body after undoing any chunked transfer encoding.
    pub body: Vec<u8>,
    /// `body` decoded as `application/x-www-form-urlencoded`, whatever the
    /// request's Content-Type said (assert on that header separately).
    pub form: Vec<(String, String)>,
    /// Index (from 0) of the TCP connection the request came on.
    pub connection: usize,
    /// Index (from 0) of the request in arrival order: its place in
    /// [`FakeApi::requests`], which a fallback can note to say what it
    /// answered to which request.
    pub seq: usize,
}

impl Recorded {
    /// First value of a header, name case-insensitive.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        lookup(&self.headers, &name)
    }

    /// First value of a form field.
    pub fn form_value(&self, key: &str) -> Option<&str> {
        lookup(&self.form, key)
    }

    /// First value of a query parameter.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        lookup(&self.query_pairs, key)
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Decodes `application/x-www-form-urlencoded` (also used for queries).
/// Malformed `%` escapes are kept literally rather than rejected: the test
/// should see what was sent.
pub fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(piece), String::new()),
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some([b'%', hi, lo]) = bytes.get(i..i + 3) {
            if let (Some(hi), Some(lo)) = (hex(*hi), hex(*lo)) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Registered replies of one route and how many were used.
struct Route {
    replies: Vec<Reply>,
    used: usize,
}

impl Route {
    /// Replies are used in order; the last one repeats forever.
    fn next_reply(&mut self) -> Reply {
        let reply = self.replies[self.used.min(self.replies.len() - 1)].clone();
        self.used += 1;
        reply
    }
}

/// Computes the reply to a request no route matches (see
/// [`FakeApi::set_fallback`]).
type Fallback = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

#[derive(Default)]
struct State {
    routes: HashMap<(String, String), Route>,
    requests: Vec<Recorded>,
    fallback: Option<Fallback>,
    /// Added to the delay of every reply.
    latency: Duration,
}

/// What [`Stats`] is read from. Apart from `State` so that a [`StatsHandle`]
/// captured by a fallback (which `State` owns) forms no reference cycle.
#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    connections: AtomicUsize,
    tls_handshakes: AtomicUsize,
    /// Requests received and not yet answered, and the most there ever were
    /// (how a test sees a client's concurrency).
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Counters {
    fn snapshot(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::SeqCst),
            connections: self.connections.load(Ordering::SeqCst),
            tls_handshakes: self.tls_handshakes.load(Ordering::SeqCst),
        }
    }
}

/// The server's counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests received (routed or not), as [`FakeApi::requests`] has them.
    pub requests: usize,
    /// TCP connections accepted.
    pub connections: usize,
    /// TLS handshakes completed (always 0 for plain HTTP).
    pub tls_handshakes: usize,
}

/// Reads a server's [`Stats`] without holding the [`FakeApi`], e.g. from
/// inside its fallback. Keeps only the counters alive, not the server.
#[derive(Clone)]
pub struct StatsHandle(Arc<Counters>);

impl StatsHandle {
    pub fn get(&self) -> Stats {
        self.0.snapshot()
    }
}

struct Shared {
    state: Mutex<State>,
    counters: Arc<Counters>,
    stopped: AtomicBool,
}

impl Shared {
    /// A panicking test thread must not turn every later lock into a panic.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the request and picks its reply under one lock, so replies of
    /// a route are handed out in the same order the requests are recorded.
    /// A fallback runs after the lock is released: it may be slow, and it
    /// may call back into the [`FakeApi`] (which would deadlock).
    fn record_and_route(&self, mut request: Recorded) -> Reply {
        let mut state = self.lock();
        request.seq = state.requests.len();
        let key = (request.method.clone(), request.path.clone());
        let routed = state.routes.get_mut(&key).map(Route::next_reply);
        let fallback = match routed {
            Some(_) => None,
            None => state.fallback.clone(),
        };
        let latency = state.latency;
        // Counted under the lock that records it, so whoever reads the count
        // and then `requests()` finds at least that many requests there.
        self.counters.requests.fetch_add(1, Ordering::SeqCst);
        let reply = match (routed, fallback) {
            (Some(reply), _) => {
                state.requests.push(request);
                reply
            }
            (None, Some(fallback)) => {
                state.requests.push(request.clone());
                drop(state);
                run_fallback(&fallback, &request)
            }
            (None, None) => {
                state.requests.push(request);
                Reply::not_found()
            }
        };
        reply.plus_latency(latency)
    }
}

/// A panicking fallback answers 500 rather than killing the connection
/// thread: a dropped connection would look like a client bug in the test.
fn run_fallback(fallback: &Fallback, request: &Recorded) -> Reply {
    panic::catch_unwind(AssertUnwindSafe(|| fallback(request))).unwrap_or_else(|_| {
        Reply::text(
            500,
            "text/plain",
            "fake api: the fallback panicked (see stderr)\n",
        )
    })
}

/// The fake API server. Dropping it stops accepting connections; it does not
/// wait for connection threads (they end when their client goes away).
pub struct FakeApi {
    /// Where clients reach it: the bound address, loopback for a wildcard.
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
}

impl FakeApi {
    /// Plain HTTP.
    pub fn start() -> FakeApi {
        FakeApi::start_with(None)
    }

    /// HTTPS with `tests/certs/server.pem`, signed by `tests/certs/ca.pem`.
    pub fn start_tls() -> FakeApi {
        FakeApi::start_with(Some(tls_config("server.pem", "server.key")))
    }

    /// HTTPS with a certificate from a CA nobody trusts
    /// (`tests/certs/other-server.pem`, issued by `other-ca.pem`).
    pub fn start_tls_untrusted() -> FakeApi {
        FakeApi::start_with(Some(tls_config("other-server.pem", "other-server.key")))
    }

    /// On `addr` (port 0: any free one), HTTPS as [`start_tls`](Self::start_tls)
    /// when `tls` (that certificate names only 127.0.0.1 and localhost).
    /// For a server other programs are pointed at, so unlike the `start*`
    /// functions a busy port is an error to report, not a panic.
    pub fn start_on(addr: SocketAddr, tls: bool) -> io::Result<FakeApi> {
        let listener = TcpListener::bind(addr)?;
        let tls = tls.then(|| tls_config("server.pem", "server.key"));
        FakeApi::serve(listener, tls)
    }

    fn start_with(tls: Option<Arc<ServerConfig>>) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake api: bind 127.0.0.1:0");
        FakeApi::serve(listener, tls).expect("fake api: start")
    }

    fn serve(listener: TcpListener, tls: Option<Arc<ServerConfig>>) -> io::Result<FakeApi> {
        let mut addr = listener.local_addr()?;
        // Nobody can connect to 0.0.0.0 / [::]; the URLs we hand out and the
        // wake-up connection of `drop` need an address that works.
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            counters: Arc::new(Counters::default()),
            stopped: AtomicBool::new(false),
        });
        let api = FakeApi {
            addr,
            tls: tls.is_some(),
            shared: Arc::clone(&shared),
        };
        thread::Builder::new()
            .name(format!("fake-api-{}", addr.port()))
            .spawn(move || accept_loop(listener, shared, tls))?;
        Ok(api)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `127.0.0.1:PORT` (or the address given to [`start_on`](Self::start_on)),
    /// for a bare-host `JETPACK_START_API_HOST`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT` (or `https://`).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Adds a reply for exact `method` + `path` (path without query).
    /// Replies of a route are used in order; the last one repeats forever.
    pub fn reply(&self, method: &str, path: &str, reply: Reply) {
        let mut state = self.shared.lock();
        state
            .routes
            .entry((method.to_string(), path.to_string()))
            .or_insert_with(|| Route {
                replies: Vec::new(),
                used: 0,
            })
            .replies
            .push(reply);
    }

    /// Answers every request that no [`reply`](Self::reply) route matches
    /// with `fallback(&request)` instead of the 404 [`NOT_FOUND_BODY`]. For
    /// path patterns and replies that depend on the request; it may be
    /// called from several connection threads at once. A panic in it is
    /// answered with a 500.
    pub fn set_fallback<F>(&self, fallback: F)
    where
        F: Fn(&Recorded) -> Reply + Send + Sync + 'static,
    {
        self.shared.lock().fallback = Some(Arc::new(fallback));
    }

    /// Delays every reply by `latency` after reading its request, on top of
    /// any [`Reply::delay`], like a distant server. Applies from the next
    /// request on.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().latency = latency;
    }

    /// Every request received so far, in arrival order (routed or not).
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// The requests whose path is exactly `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.counters.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed so far (always 0 for plain HTTP).
    pub fn tls_handshakes(&self) -> usize {
        self.shared.counters.tls_handshakes.load(Ordering::SeqCst)
    }

    /// The most requests that were ever being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.counters.max_in_flight.load(Ordering::SeqCst)
    }

    /// Requests, connections and TLS handshakes so far, without copying the
    /// recorded requests.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// A handle for reading [`stats`](Self::stats) where the `FakeApi` is out
    /// of reach, e.g. in a fallback. A fallback sees its own request, its
    /// connection and its handshake counted already.
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(Arc::clone(&self.shared.counters))
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // accept() blocks; a throw-away connection wakes it up to see the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn tls_config(cert: &str, key: &str) -> Arc<ServerConfig> {
    let certs = CertificateDer::pem_file_iter(cert_path(cert))
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .unwrap_or_else(|e| panic!("fake api: reading tests/certs/{cert}: {e:?}"));
    let key = PrivateKeyDer::from_pem_file(cert_path(key))
        .unwrap_or_else(|e| panic!("fake api: reading tests/certs/{key}: {e:?}"));
    // An explicit provider: no reliance on a process-wide default being set.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("fake api: TLS protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("fake api: TLS certificate/key");
    Arc::new(config)
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tls: Option<Arc<ServerConfig>>) {
    for stream in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            break;
        }
        let tcp = match stream {
            Ok(tcp) => tcp,
            Err(_) => {
                // E.g. out of file descriptors: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let id = shared.counters.connections.fetch_add(1, Ordering::SeqCst);
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        // If no thread can be spawned the connection is simply dropped.
        let _ = thread::Builder::new()
            .name(format!("fake-api-conn-{id}"))
            .spawn(move || handle_connection(tcp, id, &shared, tls));
    }
}

fn handle_connection(tcp: TcpStream, id: usize, shared: &Shared, tls: Option<Arc<ServerConfig>>) {
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = tcp.set_write_timeout(Some(IDLE_TIMEOUT));
    match tls {
        None => serve(tcp, id, shared),
        Some(config) => {
            let mut tcp = tcp;
            let Ok(mut conn) = ServerConnection::new(config) else {
                return;
            };
            while conn.is_handshaking() {
                // On failure rustls has already tried to send its alert.
                if conn.complete_io(&mut tcp).is_err() {
                    return;
                }
            }
            shared
                .counters
                .tls_handshakes
                .fetch_add(1, Ordering::SeqCst);
            serve(StreamOwned::new(conn, tcp), id, shared);
        }
    }
}

/// A byte stream the server can end politely or abruptly.
trait Transport: Read + Write {
    /// Orderly end after a complete response (TLS close_notify, then FIN).
    fn finish(&mut self);
    /// Abrupt end: FIN with no TLS close_notify, as from a crashed server.
    fn abort(&mut self);
    /// Raw bytes on the socket, around any TLS, then an abrupt end.
    fn corrupt(&mut self);
}

/// A TLS 1.2/1.3 application-data record of 32 bytes that no key decrypts.
const CORRUPT_RECORD: [u8; 37] = {
    let mut r = [0x41u8; 37];
    r[0] = 0x17;
    r[1] = 0x03;
    r[2] = 0x03;
    r[3] = 0x00;
    r[4] = 0x20;
    r
};

impl Transport for TcpStream {
    fn finish(&mut self) {
        let _ = self.flush();
        let _ = self.shutdown(Shutdown::Write);
    }

    fn abort(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }

    fn corrupt(&mut self) {
        let _ = self.write_all(&CORRUPT_RECORD);
        self.abort();
    }
}

impl Transport for StreamOwned<ServerConnection, TcpStream> {
    fn finish(&mut self) {
        let _ = self.flush();
        self.conn.send_close_notify();
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.sock).is_err() {
                break;
            }
        }
        let _ = self.sock.shutdown(Shutdown::Write);
    }

    fn abort(&mut self) {
        let _ = self.sock.shutdown(Shutdown::Both);
    }

    fn corrupt(&mut self) {
        let _ = self.sock.write_all(&CORRUPT_RECORD);
        let _ = self.sock.shutdown(Shutdown::Write);
        // Let the client read the record before the connection goes.
        let mut sink = [0u8; 64];
        let _ = self.sock.read(&mut sink);
    }
}

/// The keep-alive loop: read a request, record it, answer, repeat.
fn serve<S: Transport>(stream: S, id: usize, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    loop {
        let (request, close) = match read_request(&mut reader, id) {
            Ok(Some(parsed)) => parsed,
            // The client closed (or timed out) between requests.
            Ok(None) => break,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let reply = Reply::text(400, "text/plain", &format!("fake api: {e}\n"));
                let _ = write_reply(reader.get_mut(), &reply, true, false);
                break;
            }
            Err(_) => {
                reader.get_mut().abort();
                return;
            }
        };
        let head_only = request.method == "HEAD";
        let counters = &shared.counters;
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.max_in_flight.fetch_max(now, Ordering::SeqCst);
        // Answered (or dropped) when this guard goes, on every path below.
        let _in_flight = InFlight(&counters.in_flight);
        let reply = shared.record_and_route(request);
        if let Some(delay) = reply.delay {
            thread::sleep(delay);
        }
        match reply.kind {
            ReplyKind::CloseWithoutReply => {
                reader.get_mut().abort();
                return;
            }
            ReplyKind::CorruptRecord => {
                reader.get_mut().corrupt();
                return;
            }
            ReplyKind::Truncated { declared_len } => {
                let stream = reader.get_mut();
                let mut bytes = reply.head(declared_len, true);
                bytes.extend_from_slice(&reply.body);
                let _ = stream.write_all(&bytes).and_then(|()| stream.flush());
                stream.abort();
                return;
            }
            ReplyKind::Normal => {
                if write_reply(reader.get_mut(), &reply, close, head_only).is_err() {
                    reader.get_mut().abort();
                    return;
                }
                if close {
                    break;
                }
            }
        }
    }
    reader.get_mut().finish();
}

struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Head and body in one write, so a reply is not split into tiny segments.
fn write_reply<S: Write>(
    stream: &mut S,
    reply: &Reply,
    close: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut bytes = reply.head(reply.body.len(), close);
    if !head_only {
        bytes.extend_from_slice(&reply.body);
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Reads one line, without its `\r\n` / `\n`. `Ok(None)` on EOF before any
/// byte; EOF in the middle of a line is an error.
fn read_line<R: BufRead>(reader: &mut R) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    reader.take(MAX_LINE).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if line.len() as u64 >= MAX_LINE {
            invalid("line too long")
        } else {
            io::Error::from(io::ErrorKind::UnexpectedEof)
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| invalid("line is not UTF-8"))
}

fn read_line_required<R: BufRead>(reader: &mut R) -> io::Result<String> {
    read_line(reader)?.ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))
}

/// Reads exactly `len` bytes, growing the buffer only as data arrives (a
/// bogus huge Content-Length must not allocate it all up front).
fn read_body<R: Read>(reader: &mut R, len: u64, body: &mut Vec<u8>) -> io::Result<()> {
    if body.len() as u64 + len > MAX_BODY {
        return Err(invalid("body too large"));
    }
    let got = reader.take(len).read_to_end(body)?;
    if (got as u64) < len {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
    }
    Ok(())
}

fn read_chunked<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line_required(reader)?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailer fields, up to the blank line; ignored.
            while !read_line_required(reader)?.is_empty() {}
            return Ok(body);
        }
        read_body(reader, size, &mut body)?;
        if !read_line_required(reader)?.is_empty() {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

/// Reads one request. Returns it with whether the connection must close
/// after the reply. Errors of kind `InvalidData` deserve a 400.
fn read_request<S: Read + Write>(
    reader: &mut BufReader<S>,
    connection: usize,
) -> io::Result<Option<(Recorded, bool)>> {
    // Tolerate blank lines before a request (RFC 9112 section 2.2).
    let request_line = loop {
        match read_line(reader)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("bad request line: {request_line:?}")));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(invalid(format!("unsupported version: {version:?}")));
    }

    let mut headers = Vec::new();
    loop {
        let line = read_line_required(reader)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header line: {line:?}")))?;
        headers.push((
            name.trim().to_ascii_lowercase(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
    }
    let header = |name: &str| lookup(&headers, name).map(str::to_ascii_lowercase);

    if header("expect").as_deref() == Some("100-continue") {
        let stream = reader.get_mut();
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        stream.flush()?;
    }

    let chunked = headers
        .iter()
        .filter(|(n, _)| n == "transfer-encoding")
        .flat_map(|(_, v)| v.split(','))
        .last()
        .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        read_chunked(reader)?
    } else if let Some(len) = header("content-length") {
        let len: u64 = len.parse().map_err(|_| invalid("bad Content-Length"))?;
        let mut body = Vec::new();
        read_body(reader, len, &mut body)?;
        body
    } else {
        Vec::new()
    };

    let connection_tokens = header("connection").unwrap_or_default();
    let has_token = |t: &str| connection_tokens.split(',').any(|c| c.trim() == t);
    let close = if version == "HTTP/1.0" {
        !has_token("keep-alive")
    } else {
        has_token("close")
    };

    // Absolute-form targets (as sent to proxies) are reduced to the path.
    let origin_form = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let (path, query) = origin_form.split_once('?').unwrap_or((origin_form, ""));

    let recorded = Recorded {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        query_pairs: parse_urlencoded(query),
        form: parse_urlencoded(&String::from_utf8_lossy(&body)),
        headers,
        body,
        connection,
        seq: 0,
    };
    Ok(Some((recorded, close)))
}
