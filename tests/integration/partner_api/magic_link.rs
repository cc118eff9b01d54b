//! `magic-link --email`: one POST with the form field `email`; the API's
//! throttle (5 per address per hour) answers `too_many_requests`, which is
//! passed through and never retried.

use super::{jp, stdout, with_creds};
use crate::testenv::{assert_exit, assert_success, pairs, Reply, TestEnv, PARTNER_TOKEN};
use serde_json::json;

const PATH: &str = "/rest/v1.3/jpphp/mobile-magic-link";
const TOO_MANY: &str = r#"{"success":false,"error_code":"too_many_requests","error_message":"Too many requests per time interval","error":"too_many_requests","message":"Too many requests per time interval"}"#;

fn send(env: &TestEnv, email: &str) -> std::process::Output {
    jp(
        env,
        with_creds(&["magic-link", &format!("--email={email}")]),
    )
}

#[test]
fn the_sixth_link_is_too_many_requests_and_each_run_sends_one() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    let token = partner.token_of("1234").unwrap_or_default();
    for n in 1..=5 {
        let out = send(&env, "Owner@Example.com");
        assert_success(&out, r#"{"success":true}"#);
        let sent = env.api.requests_to(PATH);
        assert_eq!(sent.len(), n);
        let r = &sent[n - 1];
        assert_eq!(r.form, pairs(&[("email", "Owner@Example.com")]));
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
    }
    let out = send(&env, "owner@example.com");
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{TOO_MANY}\n")
    );
    assert_eq!(env.api.requests_to(PATH).len(), 6, "never retried");
    assert_eq!(partner.magic_links_sent("owner@example.com"), 5);
    // Another address is not throttled.
    assert_success(&send(&env, "other@example.com"), r#"{"success":true}"#);
    // Once the hour has passed.
    partner.reset_magic_links();
    assert_success(&send(&env, "owner@example.com"), r#"{"success":true}"#);
}

/// A 429 with Retry-After, or a 503: still one request (it changes
/// something: an email goes out).
#[test]
fn busy_answers_are_not_retried() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply(
        "POST",
        PATH,
        Reply::json(
            429,
            r#"{"error":"too_many_requests","message":"Too many requests per time interval"}"#,
        )
        .header("Retry-After", "1"),
    );
    let out = send(&env, "a@example.com");
    assert_exit(&out, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{TOO_MANY}\n")
    );
    assert_eq!(env.api.requests_to(PATH).len(), 1);

    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("POST", PATH, Reply::empty(503));
    let out = send(&env, "a@example.com");
    let want = json!({"success": false, "error_code": "server_error",
        "error_message": "Request failed with code 503"});
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    assert_eq!(env.api.requests_to(PATH).len(), 1);
}

#[test]
fn invalid_email_passes_through_and_email_is_required() {
    let env = TestEnv::new();
    env.partner_api();
    let out = send(&env, "not-an-address");
    let msg = "A valid email field is required.";
    let want = json!({"success": false, "error_code": "invalid_email", "error_message": msg,
        "error": "invalid_email", "message": msg});
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));

    let env = TestEnv::new();
    for args in [
        with_creds(&["magic-link"]),
        with_creds(&["magic-link", "--email="]),
    ] {
        let out = jp(&env, args);
        assert_exit(&out, 1);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Usage:") && err.contains("--email"), "{err}");
    }
    assert!(env.api.requests().is_empty());
}
