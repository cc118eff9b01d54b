//! What is tried again and what is never sent twice: the token call is
//! retried when the server is busy or the connection is lost (3 attempts
//! in all, honouring `Retry-After`); a provision or cancel that may have
//! reached the server is never sent again.

use super::{
    assert_failure, count, provision, provision_args, provision_unchecked, run, token_ok, OK,
    OK_BODY, TOKEN_BODY,
};
use crate::testenv::{
    self, assert_exit, stderr_json, FakeApi, Reply, TestEnv, PROVISION_PATH, SECRET, TOKEN_PATH,
};
use serde_json::json;
use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The token call: busy answers and lost connections are tried again.

#[test]
fn token_call_is_retried_on_503_and_429() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::text(503, "text/html", "<h1>busy</h1>"),
    );
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(429, r#"{"error":"rate_limited"}"#).header("Retry-After", "1"),
    );
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, r#"{"access_token":"tok-retry-1"}"#),
    );
    env.api.reply("POST", PROVISION_PATH, Reply::json(200, OK));
    let out = provision_unchecked(&env);
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{OK}\n"));
    assert_eq!(env.api.requests_to(TOKEN_PATH).len(), 3);
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
}

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

#[test]
fn token_call_gives_up_after_three_attempts() {
    let env = TestEnv::new();
    env.api.reply("POST", TOKEN_PATH, Reply::empty(503));
    let out = provision_unchecked(&env);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("server_error"));
    assert_eq!(err["error_message"], json!("Request failed with code 503"));
    assert_eq!(env.api.requests().len(), 3);
}

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

// ---------------------------------------------------------------------------
// What changes something is never sent twice: provision, cancel.

#[test]
fn provision_is_never_sent_twice() {
    for reply in [
        Reply::empty(503),
        Reply::close_without_reply(),
        Reply::truncated(200, r#"{"success":tr"#, 200),
    ] {
        let env = TestEnv::new();
        token_ok(&env);
        env.api.reply("POST", PROVISION_PATH, reply);
        let out = provision_unchecked(&env);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr_json(&out);
        assert!(err["error_code"].is_string(), "{err}");
        assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1, "{err}");
    }
}

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

#[test]
fn cancel_is_never_sent_twice() {
    let env = TestEnv::new();
    token_ok(&env);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/e.test/partner-cancel",
        Reply::close_without_reply(),
    );
    let out = env
        .cmd_without_wp()
        .args([
            "cancel",
            "-c=1",
            &format!("-s={SECRET}"),
            "-u=http://e.test",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("network_error"));
    assert_eq!(
        env.api
            .requests_to("/rest/v1.3/jpphp/e.test/partner-cancel")
            .len(),
        1
    );
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
