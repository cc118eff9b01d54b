//! Tests of the test harness itself ([`crate::testenv`]), independent of what the
//! binary does: the fake API is driven by a tiny raw HTTP client, the fake
//! `wp` is run directly.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::testenv::{
    self, cert_path, FakeApi, Reply, TestEnv, NOT_FOUND_BODY, SECRET, UNMATCHED_EXIT,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

// ---------------------------------------------------------------------------
// A minimal HTTP/1.1 client, so the fake API is tested against the protocol
// rather than against whatever the binary's HTTP library happens to do.

/// Status, lower-cased headers and body of one response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn connect(api: &FakeApi) -> BufReader<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", api.port())).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    BufReader::new(tcp)
}

fn read_response<S: Read>(reader: &mut BufReader<S>) -> Response {
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header colon");
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .expect("content-length");
    let mut body = vec![0; len];
    reader.read_exact(&mut body).expect("body");
    Response {
        status,
        headers,
        body,
    }
}

fn send<S: Read + Write>(reader: &mut BufReader<S>, raw: &[u8]) -> Response {
    reader.get_mut().write_all(raw).expect("write request");
    read_response(reader)
}

fn post_form(path_and_query: &str, form: &str, extra: &str) -> Vec<u8> {
    format!(
        "POST {path_and_query} HTTP/1.1\r\nHost: public-api.wordpress.com\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{extra}\
         Content-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .into_bytes()
}

fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n").into_bytes()
}

/// Percent-encodes everything but unreserved characters, as a form encoder
/// should.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Counters are bumped by server threads; give them a moment.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------------------
// FakeApi over plain HTTP

#[test]
fn api_records_and_decodes_a_form_post() {
    let api = FakeApi::start();
    api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok"}"#),
    );
    let form = format!(
        "client_id=42&client_secret={}&grant_type=client_credentials&scope=jetpack-partner&flag",
        form_encode(SECRET)
    );
    let mut conn = connect(&api);
    let resp = send(
        &mut conn,
        &post_form(
            "/oauth2/token?a=1&b=x+y%2Fz&empty=",
            &form,
            "X-Mixed-Case: Value  \r\n",
        ),
    );

    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.text(), r#"{"access_token":"tok"}"#);

    let reqs = api.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/oauth2/token");
    assert_eq!(r.query, "a=1&b=x+y%2Fz&empty=");
    assert_eq!(r.query_value("b"), Some("x y/z"));
    assert_eq!(r.query_value("empty"), Some(""));
    assert_eq!(r.query_value("nope"), None);
    assert_eq!(r.header("X-MIXED-CASE"), Some("Value"));
    assert_eq!(
        r.headers[0],
        ("host".into(), "public-api.wordpress.com".into())
    );
    assert_eq!(r.body, form.as_bytes());
    assert_eq!(r.form_value("client_secret"), Some(SECRET));
    assert_eq!(r.form_value("client_id"), Some("42"));
    assert_eq!(r.form_value("flag"), Some(""));
    assert_eq!(
        r.form.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["client_id", "client_secret", "grant_type", "scope", "flag"]
    );
    assert_eq!(r.connection, 0);
}

#[test]
fn api_answers_unrouted_requests_with_404_and_records_them() {
    let api = FakeApi::start();
    api.reply("POST", "/a", Reply::empty(204));
    let mut conn = connect(&api);
    // Same path, other method: not routed.
    let resp = send(&mut conn, &get("/a?x=1", ""));
    assert_eq!(resp.status, 404);
    assert_eq!(resp.text(), NOT_FOUND_BODY);
    let resp = send(&mut conn, &post_form("/a", "", ""));
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert_eq!(resp.header("content-length"), Some("0"));
    assert_eq!(resp.header("content-type"), None);
    let paths: Vec<_> = api
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.query.clone()))
        .collect();
    assert_eq!(
        paths,
        [("GET".into(), "x=1".into()), ("POST".into(), String::new())]
    );
}

#[test]
fn api_uses_route_replies_in_order_then_repeats_the_last() {
    let api = FakeApi::start();
    api.reply("GET", "/r", Reply::json(500, "first"));
    api.reply(
        "GET",
        "/r",
        Reply::text(200, "text/plain", "second").header("X-Extra", "1"),
    );
    let mut conn = connect(&api);
    let bodies: Vec<_> = (0..4)
        .map(|_| {
            let r = send(&mut conn, &get("/r", ""));
            (r.status, r.text())
        })
        .collect();
    assert_eq!(
        bodies,
        [
            (500, "first".to_string()),
            (200, "second".to_string()),
            (200, "second".to_string()),
            (200, "second".to_string()),
        ]
    );
    let r = send(&mut conn, &get("/r", ""));
    assert_eq!(r.header("x-extra"), Some("1"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
}

#[test]
fn api_header_overrides_content_type_and_length() {
    let api = FakeApi::start();
    api.reply(
        "GET",
        "/h",
        Reply::json(200, "{}").header("Content-Type", "text/html"),
    );
    let mut conn = connect(&api);
    let r = send(&mut conn, &get("/h", ""));
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(
        r.headers
            .iter()
            .filter(|(n, _)| n == "content-type")
            .count(),
        1
    );
}

#[test]
fn api_counts_keep_alive_connections() {
    let api = FakeApi::start();
    api.reply("GET", "/k", Reply::json(200, "{}"));
    let mut first = connect(&api);
    send(&mut first, &get("/k", ""));
    send(&mut first, &post_form("/k", "a=b", ""));
    send(&mut first, &get("/k", ""));
    let mut second = connect(&api);
    send(&mut second, &get("/k", ""));
    assert_eq!(api.connections(), 2);
    assert_eq!(api.tls_handshakes(), 0);
    let conns: Vec<_> = api.requests().iter().map(|r| r.connection).collect();
    assert_eq!(conns, [0, 0, 0, 1]);
}

#[test]
fn api_honours_connection_close() {
    let api = FakeApi::start();
    api.reply("GET", "/c", Reply::json(200, "{}"));
    let mut conn = connect(&api);
    let r = send(&mut conn, &get("/c", "Connection: close\r\n"));
    assert_eq!(r.header("connection"), Some("close"));
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).expect("server closes cleanly");
    assert!(rest.is_empty());
}

#[test]
fn api_reads_chunked_request_bodies() {
    let api = FakeApi::start();
    let mut conn = connect(&api);
    let raw = "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
               5\r\na=1&b\r\n6;ext=1\r\n=2%202\r\n0\r\nTrailer: t\r\n\r\n";
    send(&mut conn, raw.as_bytes());
    // The connection is still usable: the body was consumed exactly.
    send(&mut conn, &get("/after", ""));
    let reqs = api.requests();
    assert_eq!(reqs[0].body, b"a=1&b=2%202");
    assert_eq!(reqs[0].form_value("b"), Some("2 2"));
    assert_eq!(reqs[1].path, "/after");
    assert_eq!(reqs[1].connection, 0);
}

#[test]
fn api_answers_100_continue() {
    let api = FakeApi::start();
    let mut conn = connect(&api);
    conn.get_mut()
        .write_all(
            b"POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        )
        .unwrap();
    let mut line = String::new();
    conn.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    conn.read_line(&mut line).unwrap();
    let r = send(&mut conn, b"abc");
    assert_eq!(r.status, 404);
    assert_eq!(api.requests()[0].body, b"abc");
}

#[test]
fn api_close_without_reply_and_truncated() {
    // What the example's request log shows as the status.
    assert_eq!(Reply::close_without_reply().status(), 0);
    assert_eq!(Reply::truncated(200, "", 1).status(), 200);

    let api = FakeApi::start();
    api.reply("POST", "/gone", Reply::close_without_reply());
    api.reply("GET", "/short", Reply::truncated(200, r#"{"ok":"#, 100));

    let mut conn = connect(&api);
    conn.get_mut()
        .write_all(&post_form("/gone", "x=1", ""))
        .unwrap();
    let mut got = Vec::new();
    let _ = conn.read_to_end(&mut got);
    assert!(got.is_empty(), "expected no response bytes, got {got:?}");
    // Recorded even though never answered.
    assert_eq!(api.requests()[0].form_value("x"), Some("1"));

    let mut conn = connect(&api);
    conn.get_mut().write_all(&get("/short", "")).unwrap();
    let mut got = Vec::new();
    let _ = conn.read_to_end(&mut got);
    let got = String::from_utf8(got).unwrap();
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    assert!(got.contains("Content-Length: 100\r\n"), "{got}");
    assert!(got.ends_with("\r\n\r\n{\"ok\":"), "{got}");
}

#[test]
fn api_delays_replies() {
    let api = FakeApi::start();
    api.reply(
        "GET",
        "/slow",
        Reply::empty(200).delay(Duration::from_millis(300)),
    );
    let mut conn = connect(&api);
    let started = Instant::now();
    conn.get_mut().write_all(&get("/slow", "")).unwrap();
    // The request is recorded before the delay, so a time-out test can
    // check what was sent even though the reply never arrived in time.
    eventually("request recorded", || api.requests().len() == 1);
    assert!(started.elapsed() < Duration::from_millis(300));
    read_response(&mut conn);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn api_survives_clients_that_hang_up_or_send_garbage() {
    let api = FakeApi::start();
    api.reply(
        "GET",
        "/slow",
        Reply::empty(200).delay(Duration::from_millis(100)),
    );
    // Hang up mid-headers, mid-body, and while the server is delaying.
    for raw in [
        &b"GET /x HTTP/1.1\r\nHost:"[..],
        &b"POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"[..],
        &b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"[..],
        &b"GET /slow HTTP/1.1\r\n\r\n"[..],
    ] {
        let mut tcp = TcpStream::connect(("127.0.0.1", api.port())).unwrap();
        tcp.write_all(raw).unwrap();
        tcp.shutdown(Shutdown::Both).unwrap();
    }
    // Garbage gets a 400.
    let mut conn = connect(&api);
    let r = send(&mut conn, b"NONSENSE\r\n\r\n");
    assert_eq!(r.status, 400);
    // A huge announced length is not allocated up front.
    let mut conn = connect(&api);
    conn.get_mut()
        .write_all(b"POST /x HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\nab")
        .unwrap();
    let r = read_response(&mut conn);
    assert_eq!(r.status, 400);
    // Still serving.
    let mut conn = connect(&api);
    assert_eq!(send(&mut conn, &get("/ok", "")).status, 404);
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(send(&mut conn, &get("/ok", "")).status, 404);
}

#[test]
fn api_drop_does_not_hang_even_with_open_connections() {
    let api = FakeApi::start();
    let port = api.port();
    let _idle = connect(&api);
    let started = Instant::now();
    drop(api);
    assert!(started.elapsed() < Duration::from_secs(2));
    // No longer accepting (the listener went with the accept thread).
    eventually("listener closed", || {
        TcpStream::connect(("127.0.0.1", port)).is_err()
    });
}

#[test]
fn api_base_url_and_host() {
    let api = FakeApi::start();
    assert_eq!(api.base_url(), format!("http://127.0.0.1:{}", api.port()));
    assert_eq!(api.host(), format!("127.0.0.1:{}", api.port()));
    let tls = FakeApi::start_tls();
    assert_eq!(tls.base_url(), format!("https://127.0.0.1:{}", tls.port()));
}

// ---------------------------------------------------------------------------
// FakeApi over TLS

fn tls_client(
    api: &FakeApi,
    ca: &str,
    name: &str,
) -> std::io::Result<BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_path(ca)).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name).unwrap();
    let mut tcp = TcpStream::connect(("127.0.0.1", api.port()))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)?;
    }
    Ok(BufReader::new(rustls::StreamOwned::new(conn, tcp)))
}

#[test]
fn tls_api_serves_a_certificate_trusted_through_the_test_ca() {
    let api = FakeApi::start_tls();
    api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"t"}"#),
    );
    for name in ["127.0.0.1", "localhost", "api.test"] {
        let mut conn = tls_client(&api, "ca.pem", name).expect("handshake");
        let form = format!("client_secret={}", form_encode(SECRET));
        let r = send(&mut conn, &post_form("/oauth2/token", &form, ""));
        assert_eq!(r.status, 200);
        assert_eq!(r.text(), r#"{"access_token":"t"}"#);
        send(&mut conn, &get("/again", ""));
    }
    assert_eq!(api.connections(), 3);
    assert_eq!(api.tls_handshakes(), 3);
    let reqs = api.requests();
    assert_eq!(reqs.len(), 6);
    assert_eq!(reqs[0].form_value("client_secret"), Some(SECRET));
    assert_eq!(
        reqs.iter().map(|r| r.connection).collect::<Vec<_>>(),
        [0, 0, 1, 1, 2, 2]
    );
}

#[test]
fn tls_api_name_mismatch_is_rejected() {
    let api = FakeApi::start_tls();
    let err = tls_client(&api, "ca.pem", "public-api.wordpress.com").err();
    assert!(
        err.is_some(),
        "a certificate for other names must not verify"
    );
}

#[test]
fn tls_untrusted_api_fails_verification_and_completes_no_handshake() {
    let api = FakeApi::start_tls_untrusted();
    let err = tls_client(&api, "ca.pem", "127.0.0.1").expect_err("must not verify");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    eventually("connection counted", || api.connections() == 1);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(api.tls_handshakes(), 0);
    assert!(api.requests().is_empty());

    // The pair itself is sound: it verifies against its own CA.
    let mut conn = tls_client(&api, "other-ca.pem", "127.0.0.1").expect("own CA");
    assert_eq!(send(&mut conn, &get("/", "")).status, 404);
    assert_eq!(api.tls_handshakes(), 1);
}

#[test]
fn tls_api_close_without_reply_is_an_unclean_eof() {
    let api = FakeApi::start_tls();
    api.reply("GET", "/gone", Reply::close_without_reply());
    let mut conn = tls_client(&api, "ca.pem", "127.0.0.1").unwrap();
    conn.get_mut().write_all(&get("/gone", "")).unwrap();
    let mut got = Vec::new();
    let err = conn.read_to_end(&mut got).expect_err("no close_notify");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert!(got.is_empty());
}

#[test]
fn tls_api_connection_close_ends_with_close_notify() {
    let api = FakeApi::start_tls();
    let mut conn = tls_client(&api, "ca.pem", "127.0.0.1").unwrap();
    send(&mut conn, &get("/x", "Connection: close\r\n"));
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).expect("clean TLS close");
    assert!(rest.is_empty());
}

#[test]
fn plain_client_against_tls_api_does_not_break_it() {
    let api = FakeApi::start_tls();
    let mut conn = connect(&api);
    let _ = conn.get_mut().write_all(&get("/", ""));
    let mut got = Vec::new();
    let _ = conn.read_to_end(&mut got);
    assert!(tls_client(&api, "ca.pem", "127.0.0.1").is_ok());
    // The server completes its side on reading the client's Finished, which
    // may be just after the client returns (no request follows here).
    eventually("server handshake", || api.tls_handshakes() == 1);
    assert_eq!(api.connections(), 2);
}

// ---------------------------------------------------------------------------
// FakeWp

/// Runs the fake `wp` directly, as the binary would (no stdin).
fn run_wp(env: &TestEnv, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env.wp.script_path())
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(vars.iter().copied())
        .current_dir(env.not_wp_path())
        .stdin(Stdio::null())
        .output()
        .expect("running fake wp")
}

/// Placeholders of a transcript field, substituted.
fn expected(env: &TestEnv, fixture: &str, key: &str) -> String {
    env.wp
        .substitute(TestEnv::fixture(fixture)[key].as_str().unwrap())
}

/// argv after `wp`, substituted.
fn fixture_args(env: &TestEnv, fixture: &str) -> Vec<String> {
    TestEnv::fixture(fixture)["argv"].as_array().unwrap()[1..]
        .iter()
        .map(|a| env.wp.substitute(a.as_str().unwrap()))
        .collect()
}

fn assert_replays(env: &TestEnv, fixture: &str, out: &Output) {
    let code = TestEnv::fixture(fixture)["exit_code"].as_i64().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        expected(env, fixture, "stdout"),
        "stdout of {fixture}"
    );
    assert_eq!(
        String::from_utf8(out.stderr.clone()).unwrap(),
        expected(env, fixture, "stderr"),
        "stderr of {fixture}"
    );
    assert_eq!(
        out.status.code(),
        Some(code as i32),
        "exit code of {fixture}"
    );
}

#[test]
fn wp_replays_transcripts_byte_for_byte() {
    let env = TestEnv::new();
    let fixtures = [
        "user-get-admin-field-ID",
        "option-get-siteurl-stdout-noise",
        "eval-home-siteurl",
        "user-get-nosuchuser-field-ID",
        "not-a-wordpress-install-path",
    ];
    for f in fixtures {
        env.wp.answer(f);
    }
    for f in fixtures {
        let args = fixture_args(&env, f);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_wp(&env, &args, &[]);
        assert_replays(&env, f, &out);
    }
    // The interesting details really are there.
    let noise = expected(&env, "option-get-siteurl-stdout-noise", "stderr");
    assert!(noise.contains(&format!("{}/wp-content", env.wp_path())));
    assert!(!noise.contains("<WP_PATH>"));
    assert!(!expected(&env, "eval-home-siteurl", "stdout").ends_with('\n'));
    assert!(expected(&env, "not-a-wordpress-install-path", "stderr")
        .contains(&format!("The used path is: {}/\n", env.not_wp_path())));
    assert_eq!(env.wp.calls().len(), fixtures.len());
}

#[test]
fn wp_answer_any_matches_every_argv() {
    let env = TestEnv::new();
    env.wp.answer_any("php-fatal-error");
    for args in [
        &["--allow-root", "option", "get", "home"][..],
        &[],
        &["anything at all"],
    ] {
        let out = run_wp(&env, args, &[]);
        assert_replays(&env, "php-fatal-error", &out);
    }
    let stderr = expected(&env, "php-fatal-error", "stderr");
    assert!(stderr.contains("phar:///opt/wp-cli.phar/vendor"));
    assert_eq!(env.wp.calls()[1], Vec::<String>::new());
}

#[test]
fn wp_first_matching_answer_wins() {
    let env = TestEnv::new();
    env.wp.answer("option-get-siteurl-deprecation-noise");
    env.wp.answer("option-get-siteurl"); // same argv, never used
    env.wp.answer_any("not-a-wordpress-install");
    let args = fixture_args(&env, "option-get-siteurl");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    for _ in 0..2 {
        assert_replays(
            &env,
            "option-get-siteurl-deprecation-noise",
            &run_wp(&env, &args, &[]),
        );
    }
    // Anything else falls through to the catch-all.
    assert_replays(
        &env,
        "not-a-wordpress-install",
        &run_wp(&env, &["cli", "info"], &[]),
    );
}

#[test]
fn wp_answer_as_and_answer_with() {
    let env = TestEnv::new();
    env.wp.answer_as(
        "option-get-home-split",
        &[
            "--path=<WP_PATH>",
            "--url=http://x.test/",
            "option",
            "get",
            "home",
        ],
    );
    env.wp
        .answer_with(&["cli", "version"], "WP-CLI 9.9\n", "", 0);
    let path_arg = format!("--path={}", env.wp_path());
    let out = run_wp(
        &env,
        &[&path_arg, "--url=http://x.test/", "option", "get", "home"],
        &[],
    );
    assert_replays(&env, "option-get-home-split", &out);
    let out = run_wp(&env, &["cli", "version"], &[]);
    assert_eq!(out.stdout, b"WP-CLI 9.9\n");
    assert!(out.stderr.is_empty());
    assert_eq!(out.status.code(), Some(0));
    // The fixture's own argv (with --allow-root) is not an answer here.
    let own = fixture_args(&env, "option-get-home-split");
    let own: Vec<&str> = own.iter().map(String::as_str).collect();
    assert_eq!(run_wp(&env, &own, &[]).status.code(), Some(UNMATCHED_EXIT));
}

#[test]
fn wp_unmatched_call_exits_99() {
    let env = TestEnv::new();
    env.wp.answer("user-get-admin-field-ID");
    let out = run_wp(&env, &["--allow-root", "user", "get", "admin"], &[]);
    assert_eq!(out.status.code(), Some(99));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "fake wp: no answer for: --allow-root user get admin\n"
    );
}

#[test]
fn wp_records_argv_exactly() {
    let env = TestEnv::new();
    let tricky: &[&str] = &[
        "eval",
        r#"echo json_encode(["home"=>home_url()]);"#,
        "it's a \"quoted\" arg",
        "",
        "two  spaces",
        "new\nline",
        "$HOME `x` \\ *",
        "-n",
        "-e",
    ];
    env.wp.answer_with(tricky, "ok", "", 0);
    assert_eq!(run_wp(&env, tricky, &[]).stdout, b"ok");
    run_wp(&env, &[], &[]);
    run_wp(&env, &[""], &[]);
    assert_eq!(
        env.wp.calls(),
        [
            tricky.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            vec![],
            vec![String::new()],
        ]
    );
}

#[test]
fn wp_records_jetpack_wp_environment() {
    let env = TestEnv::new();
    env.wp.answer_any("cli-version");
    run_wp(
        &env,
        &["one"],
        &[
            ("JETPACK_WP_TOKEN", "a'b\"c $x\nline2 = y"),
            ("JETPACK_WP_EMPTY", ""),
            ("JETPACK_OTHER", "no"),
            ("XJETPACK_WP_NO", "no"),
        ],
    );
    run_wp(&env, &["two"], &[]);
    let mut vars = env.wp.call_env(0);
    vars.sort();
    assert_eq!(
        vars,
        [
            ("JETPACK_WP_EMPTY".to_string(), String::new()),
            (
                "JETPACK_WP_TOKEN".to_string(),
                "a'b\"c $x\nline2 = y".to_string()
            ),
        ]
    );
    assert!(env.wp.call_env(1).is_empty());
}

#[test]
fn wp_answer_bytes_with_delay_and_binary_output() {
    let env = TestEnv::new();
    env.wp.answer_bytes(
        Some(&["slow"]),
        b"\xff\x00out",
        b"err\x00",
        3,
        Some(Duration::from_millis(300)),
    );
    let started = Instant::now();
    let out = run_wp(&env, &["slow"], &[]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(out.stdout, b"\xff\x00out");
    assert_eq!(out.stderr, b"err\x00");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn wp_killed_during_delay_releases_the_pipes() {
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, b"late", b"", 0, Some(Duration::from_secs(3)));
    let mut child = Command::new(env.wp.script_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    eventually("call recorded", || env.wp.calls().len() == 1);
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    child.kill().unwrap();
    // wait_with_output reads the pipes to EOF: it only returns once no
    // process holds them, and the orphaned sleep (3 s) must not.
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(out.stdout.is_empty());
}

// ---------------------------------------------------------------------------
// TestEnv

#[test]
fn env_layout_and_cleanup() {
    let env = TestEnv::new();
    let root = env.root().to_path_buf();
    assert!(root.starts_with(std::env::temp_dir().canonicalize().unwrap()));
    assert_eq!(env.wp_path(), root.join("wordpress").to_str().unwrap());
    assert_eq!(env.not_wp_path(), root.join("empty").to_str().unwrap());
    assert_eq!(fs::read(root.join("wordpress/wp-load.php")).unwrap(), b"");
    assert_eq!(fs::read_dir(env.not_wp_path()).unwrap().count(), 0);
    let script = env.wp.script_path();
    assert_eq!(script, env.wp.bin_dir().join("wp"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755
    );

    let other = TestEnv::new();
    assert_ne!(other.root(), env.root());
    drop(env);
    assert!(!root.exists(), "temp dir removed on drop");
}

#[test]
fn env_commands_are_configured() {
    let env = TestEnv::new();
    let cmd = env.std_cmd();
    let vars: Vec<(String, Option<String>)> = cmd
        .get_envs()
        .map(|(k, v)| {
            (
                k.to_str().unwrap().to_string(),
                v.map(|v| v.to_str().unwrap().to_string()),
            )
        })
        .collect();
    let var = |name: &str| {
        vars.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())
    };
    assert_eq!(
        var("PATH").unwrap(),
        format!(
            "{}:/usr/local/bin:/usr/bin:/bin",
            env.wp.bin_dir().display()
        )
    );
    assert_eq!(var("HOME").unwrap(), env.root().to_str().unwrap());
    assert_eq!(var("JETPACK_START_API_HOST").unwrap(), env.api.base_url());
    assert_eq!(cmd.get_current_dir(), Some(Path::new(&env.not_wp_path())));
    assert_eq!(cmd.get_program(), testenv::BIN);

    let without = env.std_cmd_without_wp();
    let path = without
        .get_envs()
        .find(|(k, _)| *k == "PATH")
        .and_then(|(_, v)| v)
        .unwrap();
    assert_eq!(path, "/usr/bin:/bin");

    let named = env.std_cmd_named("partner-provision.sh");
    let link = env.root().join("bin/partner-provision.sh");
    assert_eq!(named.get_program(), link.as_os_str());
    assert_eq!(fs::read_link(&link).unwrap(), Path::new(testenv::BIN));
    // Asking twice for the same name is fine.
    env.std_cmd_named("partner-provision.sh");

    // What a process started with exactly these variables sees: `wp` is the
    // fake, and nothing else leaked in (std's Command does not report
    // env_clear() through get_envs, so check the variable set by hand).
    let out = Command::new("/bin/sh")
        .args([
            "-c",
            "command -v wp; pwd; env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort",
        ])
        .env_clear()
        .envs(env.std_cmd().get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(env.not_wp_path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut expected = vec![
        format!("{}", env.wp.script_path().display()),
        env.not_wp_path(),
        format!("HOME={}", env.root().display()),
        format!("JETPACK_START_API_HOST={}", env.api.base_url()),
        format!("PATH={}", var("PATH").unwrap()),
    ];
    expected[2..].sort();
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn env_tls_and_fixture_helpers() {
    let env = TestEnv::new_tls();
    assert!(env.api.base_url().starts_with("https://127.0.0.1:"));
    let f = TestEnv::fixture("cli-version");
    assert_eq!(f["stdout"], "WP-CLI 2.10.0\n");
    assert_eq!(TestEnv::fixture("cli-version.json"), f);
    assert!(cert_path("ca.pem").is_file());
}

#[test]
fn stderr_json_parses_exactly_one_object() {
    let output = |stderr: &str| Output {
        status: Command::new("true").status().unwrap(),
        stdout: Vec::new(),
        stderr: stderr.as_bytes().to_vec(),
    };
    let v = testenv::stderr_json(&output("{\"success\":false}\n"));
    assert_eq!(v["success"], false);
    for bad in ["", "[]", "{} {}", "Error: x\n{}", "{}\nmore"] {
        let out = output(bad);
        let res = std::panic::catch_unwind(|| testenv::stderr_json(&out));
        assert!(res.is_err(), "{bad:?} must be rejected");
    }
}

// ---------------------------------------------------------------------------
// Fixtures stay in sync with the shared copy

#[test]
fn fixtures_match_the_shared_copy() {
    let ours = testenv::fake_wp::fixtures_dir();
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/wp-cli");
    if !shared.is_dir() {
        eprintln!("no {}: skipping the comparison", shared.display());
        return;
    }
    let names = |dir: &Path| {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let our_names = names(&ours);
    assert!(!our_names.is_empty());
    for name in &our_names {
        let theirs = fs::read(shared.join(name))
            .unwrap_or_else(|e| panic!("{name} is not in {}: {e}", shared.display()));
        assert!(
            fs::read(ours.join(name)).unwrap() == theirs,
            "tests/fixtures/wp-cli/{name} differs from {}",
            shared.display()
        );
    }
    assert_eq!(
        our_names,
        names(&shared),
        "the shared fixtures have files tests/fixtures/wp-cli lacks"
    );
}
