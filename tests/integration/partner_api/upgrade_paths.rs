//! `upgrade-paths` against the fake API.

use crate::testenv::{assert_exit, stderr_json, Reply, TestEnv, SECRET};
use serde_json::json;

const PATHS: &str = r#"{"jetpack-backup":["jetpack-backup-daily","jetpack-backup-realtime"],"jetpack-plans":["personal","premium","professional"]}"#;

#[test]
fn by_blog_id_flag_without_wordpress() {
    let env = TestEnv::new();
    env.api.token_ok("tok-up-123456");
    env.api.reply(
        "GET",
        "/rest/v1.3/jpphp/777/upgrade-paths",
        Reply::json(200, PATHS),
    );
    let out = env
        .cmd_without_wp()
        .args([
            "upgrade-paths",
            "-c=1",
            &format!("-s={SECRET}"),
            "--blog_id=777",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{PATHS}\n"));
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].method, "GET");
    assert_eq!(
        reqs[1].header("authorization"),
        Some("Bearer tok-up-123456")
    );
    assert!(reqs[1].body.is_empty());
}

#[test]
fn blog_id_from_wordpress() {
    let env = TestEnv::new();
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 12345}),
    );
    env.api.token_ok("tok-up-123456");
    env.api.reply(
        "GET",
        "/rest/v1.3/jpphp/12345/upgrade-paths",
        Reply::json(200, PATHS),
    );
    let out = env
        .cmd()
        .args([
            "upgrade-paths",
            "-c=1",
            &format!("-s={SECRET}"),
            "--allow-root",
        ])
        .arg(format!("--path={}", env.wp_path()))
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{PATHS}\n"));
}

#[test]
fn api_error_uses_error_and_message() {
    let env = TestEnv::new();
    env.api.token_ok("tok-up-123456");
    env.api.reply(
        "GET",
        "/rest/v1.3/jpphp/9/upgrade-paths",
        Reply::json(
            403,
            r#"{"error":"invalid_blog","message":"The blog ID 9 is invalid"}"#,
        ),
    );
    let out = env
        .cmd_without_wp()
        .args([
            "upgrade-paths",
            "-c=1",
            &format!("-s={SECRET}"),
            "--blog-id=9",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_blog", "error_message": "The blog ID 9 is invalid", "error": "invalid_blog", "message": "The blog ID 9 is invalid"})
    );
}

#[test]
fn bad_blog_id_is_invalid_input_and_sends_nothing() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .args([
            "upgrade-paths",
            "-c=1",
            &format!("-s={SECRET}"),
            "--blog_id=abc",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("invalid_input"));
    assert!(env.api.requests().is_empty());
}
