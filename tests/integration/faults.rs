//! Network faults: what is retried (token call; anything that never reached
//! the server) and what is never sent twice (provision, cancel).

use crate::testenv;

use crate::testenv::{stderr_json, Reply, TestEnv, SECRET};
use serde_json::json;
use std::time::Duration;

const OK: &str = r#"{"success":true}"#;

fn provision(env: &TestEnv) -> std::process::Output {
    env.cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "-i=admin",
            "-u=https://e.test",
        ])
        .output()
        .expect("run")
}

#[test]
fn token_call_is_retried_on_503_and_429() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::text(503, "text/html", "<h1>busy</h1>"),
    );
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(429, r#"{"error":"rate_limited"}"#).header("Retry-After", "1"),
    );
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-retry-1"}"#),
    );
    env.api
        .reply("POST", "/rest/v1.3/jpphp/provision", Reply::json(200, OK));
    let out = provision(&env);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{OK}\n"));
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 3);
    assert_eq!(env.api.requests_to("/rest/v1.3/jpphp/provision").len(), 1);
}

#[test]
fn token_call_gives_up_after_three_attempts() {
    let env = TestEnv::new();
    env.api.reply("POST", "/oauth2/token", Reply::empty(503));
    let out = provision(&env);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("server_error"));
    assert_eq!(err["error_message"], json!("Request failed with code 503"));
    assert_eq!(env.api.requests().len(), 3);
}

#[test]
fn provision_is_never_sent_twice() {
    for reply in [
        Reply::empty(503),
        Reply::close_without_reply(),
        Reply::truncated(200, r#"{"success":tr"#, 200),
    ] {
        let env = TestEnv::new();
        env.api.reply(
            "POST",
            "/oauth2/token",
            Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
        );
        env.api.reply("POST", "/rest/v1.3/jpphp/provision", reply);
        let out = provision(&env);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr_json(&out);
        assert!(err["error_code"].is_string(), "{err}");
        assert_eq!(
            env.api.requests_to("/rest/v1.3/jpphp/provision").len(),
            1,
            "{err}"
        );
    }
}

#[test]
fn cancel_is_never_sent_twice() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
    );
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
fn refused_connections_are_retried_and_the_error_says_so() {
    let env = TestEnv::new();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
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
fn a_slow_provision_is_a_timeout_not_a_retry() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
    );
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/provision",
        Reply::json(200, OK).delay(Duration::from_secs(4)),
    );
    let out = env
        .cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "-i=admin",
            "-u=https://e.test",
            "--timeout=1",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("timeout"));
    assert_eq!(env.api.requests_to("/rest/v1.3/jpphp/provision").len(), 1);
}

#[test]
fn oversized_and_non_utf8_answers() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
    );
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/provision",
        Reply::bytes(200, "application/json", vec![b' '; 2 << 20]),
    );
    let out = provision(&env);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("invalid_response"));
    assert!(
        err["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("1024 KiB"),
        "{err}"
    );

    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
    );
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/provision",
        Reply::bytes(200, "application/json", b"{\"success\":\xff\xfe}".to_vec()),
    );
    let out = provision(&env);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("invalid_response"));
}

#[test]
fn redirects_are_reported_not_followed() {
    let other = testenv::FakeApi::start();
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
    );
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/provision",
        Reply::empty(302).header("Location", &format!("{}/steal", other.base_url())),
    );
    let out = provision(&env);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("server_error"));
    assert_eq!(err["error_message"], json!("Request failed with code 302"));
    assert!(
        other.requests().is_empty(),
        "nothing may reach the other host"
    );
}

#[test]
fn dns_failure_names_the_host_and_is_retried() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", "http://no-such-host.invalid:1")
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
