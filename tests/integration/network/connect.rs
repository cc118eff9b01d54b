//! The server is never reached, or answers too slowly: refused
//! connections and DNS failures (retried, since nothing was sent, and
//! named in the error), time-outs at the limit (never retried once the
//! request may have been sent), a TLS handshake that never comes.

use super::{
    assert_failure, count, provision, provision_args, run, token_ok, OK, OK_BODY, TOKEN_BODY,
};
use crate::testenv::{
    self, closed_port, provision_args_without_wp, stderr_json, Reply, TestEnv, PROVISION_OK,
    PROVISION_PATH, SECRET, TOKEN_PATH,
};
use serde_json::json;
use std::net::TcpListener;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Refused connections and DNS failures.

#[test]
fn refused_connections_are_retried_and_the_error_says_so() {
    let env = TestEnv::new();
    let port = closed_port();
    let out = env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", format!("http://127.0.0.1:{port}"))
        .args(["verify", "-c=1", &format!("-s={SECRET}")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("network_error"));
    assert!(
        err["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("3 attempts"),
        "{err}"
    );
}

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

#[test]
fn dns_failure_names_the_host_and_is_retried() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", "https://no-such-host.invalid:1")
        .args(["verify", "-c=1", &format!("-s={SECRET}")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("network_error"));
    let msg = err["error_message"].as_str().unwrap_or("");
    assert!(msg.contains("cannot resolve no-such-host.invalid"), "{msg}");
    assert!(msg.contains("3 attempts"), "{msg}");
}

fn dns_failure(env: &TestEnv) -> String {
    // RFC 6761: names under .invalid never resolve.
    let out = run(env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", "https://no-such-host.invalid:1")
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

/// docs/guarantees.md: a request that failed before it could reach the
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

// ---------------------------------------------------------------------------
// Time-outs.

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

#[test]
fn a_slow_provision_is_a_timeout_not_a_retry() {
    let env = TestEnv::new();
    token_ok(&env);
    env.api.reply(
        "POST",
        PROVISION_PATH,
        Reply::json(200, OK).delay(Duration::from_secs(4)),
    );
    let out = env
        .cmd_without_wp()
        .args(provision_args_without_wp(&["--timeout=1"]))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("timeout"));
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
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
fn a_tls_handshake_that_never_comes_is_a_connect_timeout() {
    // Accepts TCP connections and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", format!("https://{addr}"))
        .args(provision_args_without_wp(&["--timeout=2"]))
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    let err = testenv::assert_failure(&out, "timeout");
    assert_eq!(
        err["error_message"],
        json!(format!(
            "POST https://{addr}/oauth2/token: could not connect to {addr} within 2 s; check the network, firewall and proxy settings, or try again later"
        ))
    );
}
