//! Network faults: what is retried (token call; anything that never reached
//! the server) and what is never sent twice (provision, cancel); and API
//! answers that are malformed or empty.

use crate::testenv::{
    self, assert_exit, closed_port, provision_args_without_wp, run_clean, stderr_json, Reply,
    TestEnv, PARTNER_TOKEN, PROVISION_PATH, SECRET, TOKEN_PATH,
};
use serde_json::json;
use std::process::Output;
use std::time::Duration;

const OK: &str = r#"{"success":true}"#;

/// A provision that needs no WordPress (`--url` is the siteurl).
fn provision(env: &TestEnv) -> Output {
    env.cmd_without_wp()
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run")
}

/// `provision --user=admin` with the usual WordPress flags; neither the
/// secret nor the partner token may show up in the output.
fn provision_in_wordpress(env: &TestEnv) -> Output {
    run_clean(
        env.cmd().args(env.provision_args(&["--user=admin"])),
        &[PARTNER_TOKEN],
    )
}

/// The token call succeeds (the plainest answer that does).
fn token_ok(env: &TestEnv) {
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
    );
}

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
    let out = provision(&env);
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{OK}\n"));
    assert_eq!(env.api.requests_to(TOKEN_PATH).len(), 3);
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
}

#[test]
fn token_call_gives_up_after_three_attempts() {
    let env = TestEnv::new();
    env.api.reply("POST", TOKEN_PATH, Reply::empty(503));
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
        token_ok(&env);
        env.api.reply("POST", PROVISION_PATH, reply);
        let out = provision(&env);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr_json(&out);
        assert!(err["error_code"].is_string(), "{err}");
        assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1, "{err}");
    }
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

#[test]
fn oversized_and_non_utf8_answers() {
    let env = TestEnv::new();
    token_ok(&env);
    env.api.reply(
        "POST",
        PROVISION_PATH,
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
    token_ok(&env);
    env.api.reply(
        "POST",
        PROVISION_PATH,
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
    token_ok(&env);
    env.api.reply(
        "POST",
        PROVISION_PATH,
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

// ---------------------------------------------------------------------------
// Answers that are not what they should be: no token in the token answer;
// empty, HTML or `success:false` provision answers.

#[test]
fn token_answer_without_access_token() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, r#"{"token_type":"bearer"}"#),
    );
    let out = provision_in_wordpress(&env);
    testenv::assert_failure(&out, "missing_access_token");
}

#[test]
fn empty_body_html_502_and_success_false() {
    let cases: Vec<(Reply, &str, Option<&str>)> = vec![
        (
            Reply::empty(200),
            "unknown_error",
            Some("Empty response from server"),
        ),
        (
            Reply::text(
                502,
                "text/html",
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ),
            "server_error",
            Some("Request failed with code 502"),
        ),
        (
            Reply::empty(500),
            "server_error",
            Some("Request failed with code 500"),
        ),
        (
            Reply::text(200, "text/html", "<html>oops</html>"),
            "invalid_response",
            None,
        ),
        (
            Reply::json(
                200,
                r#"{"success":false,"error_code":"site_inaccessible","error_message":"We couldn't contact your site"}"#,
            ),
            "site_inaccessible",
            Some("We couldn't contact your site"),
        ),
    ];
    for (reply, code, message) in cases {
        let env = TestEnv::new();
        env.answer_single_site();
        env.provision_replies(reply);
        let out = provision_in_wordpress(&env);
        let err = testenv::assert_failure(&out, code);
        if let Some(m) = message {
            assert_eq!(err["error_message"], json!(m));
        }
    }
}
