//! `partner-key new` and `verify` against the fake API.

use crate::testenv::{assert_exit, stderr_json, Reply, TestEnv, SECRET};
use serde_json::json;

const KEY: &str = r#"{"id":10,"name":"Agency A","allowed_personal_plans":"0","allowed_premium_plans":"100","allowed_professional_plans":"0","notes":null,"client_id":"12345","client_secret":"new-key-secret-ab34fd21"}"#;

#[test]
fn new_key_prints_the_answer_with_its_secret() {
    let env = TestEnv::new();
    env.api.token_ok("tok-pk-987654");
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/partner-keys/new",
        Reply::json(200, KEY),
    );
    let out = env
        .cmd_without_wp()
        .args([
            "partner-key",
            "new",
            "-c=1",
            &format!("-s={SECRET}"),
            "--name=Agency A",
            "--allowed_premium_plans=100",
            "--allowed-personal-plans=0",
            "--notes=invoice #42 & more",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{KEY}\n"));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let r = &env.api.requests_to("/rest/v1.3/jpphp/partner-keys/new")[0];
    assert_eq!(r.header("authorization"), Some("Bearer tok-pk-987654"));
    assert_eq!(
        r.form,
        vec![
            ("name".to_string(), "Agency A".to_string()),
            ("allowed_personal_plans".to_string(), "0".to_string()),
            ("allowed_premium_plans".to_string(), "100".to_string()),
            ("notes".to_string(), "invoice #42 & more".to_string()),
        ]
    );
}

#[test]
fn new_key_checks_its_input() {
    let env = TestEnv::new();
    // --name is required: a usage error.
    let out = env
        .cmd_without_wp()
        .args(["partner-key", "new", "-c=1", "-s=2"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: jetpack-partner partner-key new"));
    // A count that is no number: invalid_input.
    let out = env
        .cmd_without_wp()
        .args([
            "partner-key",
            "new",
            "-c=1",
            "-s=2",
            "--name=x",
            "--allowed_premium_plans=lots",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("invalid_input"));
    assert!(env.api.requests().is_empty());
}

#[test]
fn verify_accepts_and_rejects() {
    let env = TestEnv::new();
    env.api.token_ok("tok-pk-987654");
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/partner-keys/verify",
        Reply::json(200, r#"{"success":true}"#),
    );
    let out = env
        .cmd_without_wp()
        .args(["verify", "-c=1", &format!("-s={SECRET}")])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"success\":true}\n");
    let reqs = env.api.requests();
    assert_eq!(reqs[0].form_value("client_secret"), Some(SECRET));
    assert_eq!(
        reqs[1].header("authorization"),
        Some("Bearer tok-pk-987654")
    );

    // Wrong credentials: the token call fails, exit 1, nothing else sent.
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(
            400,
            r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
        ),
    );
    let out = env
        .cmd_without_wp()
        .args(["verify", "-c=1", &format!("-s={SECRET}")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("invalid_client"));
    assert_eq!(env.api.requests().len(), 1);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(SECRET));
}

#[test]
fn dry_run_redacts_the_secret() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .args([
            "partner-key",
            "new",
            "-c=1",
            &format!("-s={SECRET}"),
            "--name=A",
            "--dry-run",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["requests"][0]["form"]["client_secret"],
        json!("<redacted>")
    );
    assert_eq!(v["requests"][1]["form"], json!({"name": "A"}));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
    assert!(env.api.requests().is_empty());
}
