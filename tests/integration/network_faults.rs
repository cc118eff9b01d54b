//! Network faults, one at a time, against the built binary: connections
//! reset or closed before the answer, answers cut off mid-body, broken JSON,
//! busy servers with `Retry-After`, HTML error pages, certificates from an
//! unknown CA (and the operator's `SSL_CERT_FILE` / `SSL_CERT_DIR` that make
//! it known), DNS failures and time-outs.
//!
//! Every case asserts the exit code, the exact `error_code` (or the exact
//! answer on success) and how many requests the fake API received: the
//! README's "Guarantees" say the token call is retried and a provision is
//! never sent twice. Slow cases use short `--timeout=` values so the whole
//! file runs in a few seconds.

use crate::testenv::{
    self, closed_port, failure_message, run_clean, FakeApi, Reply, TestEnv, PARTNER_TOKEN,
    PROVISION_OK, PROVISION_PATH, SECRET, TOKEN_PATH,
};
use std::io::Read;
use std::net::TcpListener;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const TOKEN: &str = "net-fault-tok-81f3";
const TOKEN_BODY: &str = r#"{"access_token":"net-fault-tok-81f3","token_type":"bearer"}"#;
const OK_BODY: &str =
    r#"{"success":true,"next_url":"https://jetpack.wordpress.com/x","auth_required":false}"#;

/// A provision that needs no WordPress (`--url` is the siteurl).
fn provision_args() -> Vec<String> {
    vec![
        "provision".into(),
        "-c=1234".into(),
        format!("-s={SECRET}"),
        "-i=admin".into(),
        "-u=https://e.test".into(),
    ]
}

/// The token call succeeds.
fn token_ok(env: &TestEnv) {
    env.api
        .reply("POST", TOKEN_PATH, Reply::json(200, TOKEN_BODY));
}

/// Runs it within a minute; no secret or token may show up in the output.
fn run(cmd: &mut assert_cmd::Command) -> Output {
    cmd.timeout(Duration::from_secs(60));
    run_clean(cmd, &[TOKEN, PARTNER_TOKEN])
}

fn provision(env: &TestEnv, extra: &[&str]) -> Output {
    let mut args = provision_args();
    args.extend(extra.iter().map(|s| s.to_string()));
    run(env.cmd_without_wp().args(&args))
}

/// [`failure_message`], and the message holds neither secret nor token.
fn assert_failure(out: &Output, code: &str) -> String {
    let msg = failure_message(out, code);
    assert!(
        !msg.contains(SECRET) && !msg.contains(TOKEN),
        "secret or token in the error: {msg}"
    );
    msg
}

fn count(api: &FakeApi, path: &str) -> usize {
    api.requests_to(path).len()
}

// ---------------------------------------------------------------------------
// Token call: lost connections are retried (3 attempts in all).

#[test]
fn token_call_closed_before_the_answer_is_tried_three_times() {
    let env = TestEnv::new();
    env.api
        .reply("POST", TOKEN_PATH, Reply::close_without_reply());
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains(&env.api.host()), "names the host: {msg}");
    assert!(msg.contains("3 attempts"), "says how many tries: {msg}");
    assert_eq!(count(&env.api, TOKEN_PATH), 3);
    assert_eq!(count(&env.api, PROVISION_PATH), 0);
}

#[test]
fn token_call_closed_once_then_answered_succeeds() {
    let env = TestEnv::new();
    env.api
        .reply("POST", TOKEN_PATH, Reply::close_without_reply());
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let out = provision(&env, &[]);
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(count(&env.api, TOKEN_PATH), 2);
    let p = env.api.requests_to(PROVISION_PATH);
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].header("authorization"),
        Some("Bearer net-fault-tok-81f3")
    );
}

/// A raw TCP server that reads a bit of each request and then closes the
/// socket with the rest unread, which makes the kernel answer with a RST
/// (a real "connection reset by peer", not the orderly FIN the fake API
/// sends). Counts connections; stops after `max` of them.
fn resetting_server(max: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    thread::spawn(move || {
        for conn in listener.incoming().take(max) {
            let Ok(mut conn) = conn else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let mut first = [0u8; 8];
            let _ = conn.read(&mut first);
            // Let the whole request arrive, so unread bytes remain.
            thread::sleep(Duration::from_millis(100));
            drop(conn);
        }
    });
    (addr, seen)
}

#[test]
fn token_call_reset_by_the_server_is_tried_three_times() {
    let env = TestEnv::new();
    let (addr, seen) = resetting_server(10);
    let out = run(env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", format!("http://{addr}"))
        .args(provision_args()));
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains(&addr), "names the host: {msg}");
    assert!(msg.contains("3 attempts"), "says how many tries: {msg}");
    assert_eq!(seen.load(Ordering::SeqCst), 3, "three token attempts");
}

// ---------------------------------------------------------------------------
// Provision answers that break: never sent again.

#[test]
fn provision_answer_cut_off_mid_body_is_network_error_and_not_resent() {
    let env = TestEnv::new();
    token_ok(&env);
    env.api.reply(
        "POST",
        PROVISION_PATH,
        Reply::truncated(200, r#"{"success":true,"next_url":"https://jet"#, 400),
    );
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains(&env.api.host()), "names the host: {msg}");
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(count(&env.api, PROVISION_PATH), 1, "never sent twice");
}

#[test]
fn provision_connection_closed_before_the_answer_is_not_resent() {
    let env = TestEnv::new();
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::close_without_reply());
    let out = provision(&env, &[]);
    assert_failure(&out, "network_error");
    assert_eq!(count(&env.api, PROVISION_PATH), 1, "never sent twice");
}

/// A TLS error after the request was written (a record in the answer that
/// fails to decrypt) is not a failed handshake: the provision may have
/// reached the API, so it is sent once and the message says so.
#[test]
fn provision_answered_with_a_corrupt_tls_record_is_not_resent() {
    let env = TestEnv::with_api(FakeApi::start_tls());
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::corrupt_record());
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .args(provision_args()));
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains("may have reached"), "{msg}");
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(count(&env.api, PROVISION_PATH), 1, "never sent twice");
}

/// The token call is idempotent: the same corrupt answer is tried again.
#[test]
fn token_call_answered_with_a_corrupt_tls_record_is_retried() {
    let env = TestEnv::with_api(FakeApi::start_tls());
    env.api.reply("POST", TOKEN_PATH, Reply::corrupt_record());
    env.api
        .reply("POST", TOKEN_PATH, Reply::json(200, TOKEN_BODY));
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .args(provision_args()));
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(count(&env.api, TOKEN_PATH), 2);
    assert_eq!(count(&env.api, PROVISION_PATH), 1);
}

#[test]
fn truncated_json_with_a_correct_length_is_invalid_response() {
    let env = TestEnv::new();
    token_ok(&env);
    // Complete as far as HTTP goes (Content-Length matches), broken as JSON.
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, r#"{"success":tr"#));
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "invalid_response");
    assert!(msg.contains(r#"{"success":tr"#), "shows the start: {msg}");
    assert_eq!(count(&env.api, PROVISION_PATH), 1);
}

// ---------------------------------------------------------------------------
// Busy servers and error pages.

#[test]
fn token_503_with_retry_after_is_honoured_then_succeeds() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::text(503, "text/html", "<html><body>busy</body></html>").header("Retry-After", "1"),
    );
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let started = Instant::now();
    let out = provision(&env, &[]);
    let took = started.elapsed();
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(count(&env.api, TOKEN_PATH), 2);
    assert_eq!(count(&env.api, PROVISION_PATH), 1);
    // Our own backoff would be 250 ms: waiting a whole second means the
    // server's Retry-After was honoured.
    assert!(
        took >= Duration::from_millis(950),
        "Retry-After: 1 not honoured, took {took:?}"
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

const HTML_500: &str = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>\n";

#[test]
fn html_error_page_with_500_is_server_error() {
    // On the provision call: not retried.
    let env = TestEnv::new();
    token_ok(&env);
    env.api.reply(
        "POST",
        PROVISION_PATH,
        Reply::text(500, "text/html", HTML_500),
    );
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "server_error");
    assert_eq!(msg, "Request failed with code 500");
    assert_eq!(count(&env.api, PROVISION_PATH), 1);

    // On the token call: 500 is no "busy" answer, so it is not retried either.
    let env = TestEnv::new();
    env.api
        .reply("POST", TOKEN_PATH, Reply::text(500, "text/html", HTML_500));
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "server_error");
    assert_eq!(msg, "Request failed with code 500");
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(count(&env.api, PROVISION_PATH), 0);
}

// ---------------------------------------------------------------------------
// TLS: an unknown CA is refused, unless the operator trusts it.

#[test]
fn untrusted_certificate_is_a_network_error_naming_tls() {
    let env = TestEnv::with_api(FakeApi::start_tls_untrusted());
    token_ok(&env);
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains("TLS"), "{msg}");
    assert!(msg.contains(&env.api.host()), "names the host: {msg}");
    assert!(env.api.requests().is_empty(), "nothing sent over bad TLS");
}

/// The same in the bare-host form (https, `Host: public-api.wordpress.com`)
/// with WordPress answering: refused before anything is sent.
#[test]
fn untrusted_certificate_is_refused() {
    let env = TestEnv::with_api(FakeApi::start_tls_untrusted());
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = run(env
        .cmd()
        .env("JETPACK_START_API_HOST", env.api.host())
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .args(env.provision_args(&["--user=admin"])));
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains("TLS"), "{msg}");
    assert!(env.api.requests().is_empty());
}

#[test]
fn ssl_cert_file_makes_the_other_ca_trusted() {
    let env = TestEnv::with_api(FakeApi::start_tls_untrusted());
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let mut args = provision_args();
    args.push("--timeout=10".into());
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("other-ca.pem"))
        .args(&args));
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(count(&env.api, PROVISION_PATH), 1);
    assert!(env.api.tls_handshakes() >= 1);

    // Bare host form (https + Host: public-api.wordpress.com) too.
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("other-ca.pem"))
        .env("JETPACK_START_API_HOST", env.api.host())
        .args(&args));
    testenv::assert_success(&out, OK_BODY);
    let p = env.api.requests_to(PROVISION_PATH);
    assert_eq!(p.len(), 2);
    assert_eq!(p[1].header("host"), Some("public-api.wordpress.com"));
}

#[test]
fn ssl_cert_dir_is_read() {
    let env = TestEnv::new_tls();
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));

    // A dir holding the right CA: trusted.
    let good = env.root().join("certs-good");
    std::fs::create_dir(&good).expect("mkdir");
    std::fs::copy(testenv::cert_path("ca.pem"), good.join("ca.pem")).expect("copy ca.pem");
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_DIR", &good)
        .args(provision_args()));
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(count(&env.api, PROVISION_PATH), 1);

    // A dir holding only the other CA: refused, nothing sent.
    let bad = env.root().join("certs-bad");
    std::fs::create_dir(&bad).expect("mkdir");
    std::fs::copy(testenv::cert_path("other-ca.pem"), bad.join("ca.pem")).expect("copy");
    let before = env.api.requests().len();
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_DIR", &bad)
        .args(provision_args()));
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains("TLS"), "{msg}");
    assert_eq!(env.api.requests().len(), before);
}

// ---------------------------------------------------------------------------
// Refused connections, DNS and time-outs.

#[test]
fn connection_refused_names_the_host() {
    let env = TestEnv::new();
    env.answer_single_site();
    let port = closed_port();
    let out = run(env
        .cmd()
        .env("JETPACK_START_API_HOST", format!("http://127.0.0.1:{port}"))
        .args(env.provision_args(&["--user=admin"])));
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("refused"), "{msg}");
}

fn dns_failure(env: &TestEnv) -> String {
    // RFC 6761: names under .invalid never resolve.
    let out = run(env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", "http://no-such-host.invalid:1")
        .args(provision_args())
        .arg("--timeout=5"));
    let msg = assert_failure(&out, "network_error");
    assert!(env.api.requests().is_empty());
    msg
}

#[test]
fn dns_failure_names_the_host() {
    let env = TestEnv::new();
    let msg = dns_failure(&env);
    assert!(
        msg.contains("no-such-host.invalid:1"),
        "names the host: {msg}"
    );
}

/// README "Guarantees": a request that failed before it could reach the
/// server (DNS, ...) is retried, and the final error says how many attempts
/// were made and that the name did not resolve.
#[test]
fn dns_failure_is_retried_and_says_dns() {
    let env = TestEnv::new();
    let msg = dns_failure(&env);
    assert!(
        msg.contains("3 attempts"),
        "retried like any failure before sending: {msg}"
    );
    assert!(
        msg.contains("resolve") || msg.contains("DNS"),
        "says it is a DNS failure: {msg}"
    );
}

#[test]
fn slow_token_call_times_out_at_the_limit() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, TOKEN_BODY).delay(Duration::from_secs(3)),
    );
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let started = Instant::now();
    let out = provision(&env, &["--timeout=1"]);
    let took = started.elapsed();
    let msg = assert_failure(&out, "timeout");
    assert!(msg.contains(&env.api.host()), "names the host: {msg}");
    // Stopped at the limit, not after the server finally answered, and a
    // time-out on the token call is not retried three times.
    assert!(took < Duration::from_millis(2900), "took {took:?}");
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(count(&env.api, PROVISION_PATH), 0);
}

/// A slow provision call times out at the limit too, naming the host.
#[test]
fn slow_api_times_out() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK).delay(Duration::from_secs(5)));
    let out = run(env
        .cmd()
        .args(env.provision_args(&["--user=admin", "--timeout=1"])));
    let msg = assert_failure(&out, "timeout");
    assert!(msg.contains("127.0.0.1"), "{msg}");
}

#[test]
fn latency_below_the_limit_is_fine() {
    let env = TestEnv::new();
    env.api.set_latency(Duration::from_millis(300));
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let out = provision(&env, &["--timeout=3"]);
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(env.api.requests().len(), 2);
}

#[test]
fn cancel_answer_cut_off_is_not_resent() {
    let env = TestEnv::new();
    env.api.set_fallback(|r| {
        if r.path == TOKEN_PATH {
            Reply::json(200, TOKEN_BODY)
        } else {
            Reply::truncated(200, r#"{"succ"#, 100)
        }
    });
    let out = run(env.cmd_without_wp().args([
        "cancel",
        "-c=1234",
        &format!("-s={SECRET}"),
        "-u=https://e.test/blog",
    ]));
    assert_failure(&out, "network_error");
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(
        count(&env.api, "/rest/v1.3/jpphp/e.test::blog/partner-cancel"),
        1
    );
    assert_eq!(env.api.requests().len(), 2);
}

/// A request body and an answer (head and body) much larger than the
/// agent's buffers (16 KiB out, 64 KiB in; over TLS two layers of each)
/// pass whole.
#[test]
fn bodies_and_heads_larger_than_the_buffers_pass_whole() {
    let env = TestEnv::new_tls();
    token_ok(&env);
    let sent_body = format!(r#"{{"data":"{}"}}"#, "x".repeat(200 * 1024));
    let answer = format!(r#"{{"ok":true,"pad":"{}"}}"#, "y".repeat(700 * 1024));
    env.api.reply(
        "POST",
        "/wpcom/v2/sites/1/echo",
        Reply::json(200, &answer).header("X-Pad", &"z".repeat(40 * 1024)),
    );
    let input = env.root().join("in.json");
    std::fs::write(&input, &sent_body).expect("input file");
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .args(["api", "/wpcom/v2/sites/1/echo", "-X", "POST", "-c=1234"])
        .arg(format!("-s={SECRET}"))
        .arg(format!("--input={}", input.display())));
    testenv::assert_success(&out, &answer);
    let got = env.api.requests_to("/wpcom/v2/sites/1/echo");
    assert_eq!(got.len(), 1);
    assert!(got[0].body == sent_body.as_bytes(), "request body changed");
}
