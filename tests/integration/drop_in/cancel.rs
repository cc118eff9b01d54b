//! `cancel` end to end against the fake API and the fake `wp`.

use crate::testenv::{self, run_clean, stderr_json, Reply, TestEnv, SECRET};
use serde_json::json;
use std::process::Output;

const TOKEN: &str = "partner-tok-cancel-81";

/// Runs it; neither the client secret nor the partner token may show up.
fn run(cmd: &mut assert_cmd::Command) -> Output {
    run_clean(cmd, &[TOKEN])
}

/// The token call and this site's cancel both succeed.
fn cancel_ok(env: &TestEnv, site: &str) {
    env.api.token_ok(TOKEN);
    env.api.reply(
        "POST",
        &format!("/rest/v1.3/jpphp/{site}/partner-cancel"),
        Reply::json(200, r#"{"success":true}"#),
    );
}

/// `cancel` with the usual credentials for the WordPress at `wp_path`.
fn cancel_in_wordpress(env: &TestEnv) -> Output {
    run(env
        .cmd()
        .arg("cancel")
        .args(creds())
        .args(["--allow-root", &format!("--path={}", env.wp_path())]))
}

fn creds() -> [String; 2] {
    [
        "--partner_id=1234".into(),
        format!("--partner_secret={SECRET}"),
    ]
}

#[test]
fn cancels_by_jetpack_blog_id() {
    let env = TestEnv::new();
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 12345}),
    );
    cancel_ok(&env, "12345");
    let out = cancel_in_wordpress(&env);
    testenv::assert_success(&out, r#"{"success":true}"#);
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].form_value("client_secret"), Some(SECRET));
    assert_eq!(reqs[1].method, "POST");
    assert_eq!(reqs[1].path, "/rest/v1.3/jpphp/12345/partner-cancel");
    assert_eq!(reqs[1].query, "");
    assert_eq!(
        reqs[1].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let path = format!("--path={}", env.wp_path());
    assert_eq!(
        env.wp.calls(),
        vec![testenv::eval_argv(&["--allow-root", &path])]
    );
    // Nothing to activate, no user to look up; Jetpack's safe-mode check
    // asked for (SPEC §9a).
    assert_eq!(
        env.wp.call_env(0),
        vec![
            ("JETPACK_WP_ACTIVATE".to_string(), "0".to_string()),
            ("JETPACK_WP_SAFE_MODE".to_string(), "1".to_string()),
            ("JETPACK_WP_USER".to_string(), String::new()),
        ]
    );
}

#[test]
fn cancels_by_blog_id_with_eval_disabled() {
    let env = TestEnv::new();
    env.answer_without_eval(&["option-get-jetpack_options-set"]);
    env.answer_no_idc_option();
    cancel_ok(&env, "12345");
    let out = cancel_in_wordpress(&env);
    testenv::assert_success(&out, r#"{"success":true}"#);
    // eval, the blog id, then (a blog id: safe mode matters) Jetpack's IDC
    // option, which is not there.
    assert_eq!(env.wp.calls().len(), 3);
}

#[test]
fn cancels_by_site_suffix_when_there_is_no_blog_id() {
    let env = TestEnv::new();
    env.answer_without_eval(&["option-get-jetpack_options-unset", "option-get-home"]);
    cancel_ok(&env, "site.test");
    let out = cancel_in_wordpress(&env);
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(
        env.api.requests()[1].path,
        "/rest/v1.3/jpphp/site.test/partner-cancel"
    );
    assert_eq!(env.wp.calls().len(), 3);

    // Through eval: no blog id, the home from the same call.
    let env = TestEnv::new();
    env.answer_facts(
        &[],
        "noise\n",
        json!({"siteurl": "http://split.test/wp", "home": "http://split.test/blog/", "blog_id": 0}),
    );
    cancel_ok(&env, "split.test::blog");
    let out = cancel_in_wordpress(&env);
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.wp.calls().len(), 1);
}

#[test]
fn multisite_subsite_suffix() {
    let env = TestEnv::new();
    let url = "--url=http://multi.test/shop/";
    let path = format!("--path={}", env.wp_path());
    env.disable_eval(&[url]);
    env.wp.answer_as(
        "option-get-jetpack_options-unset",
        &[
            "--allow-root",
            &path,
            url,
            "option",
            "get",
            "jetpack_options",
            "--format=json",
        ],
    );
    env.wp.answer("option-get-home-multisite-subsite");
    cancel_ok(&env, "multi.test::shop");
    let out = run(env
        .cmd()
        .arg("cancel")
        .args(creds())
        .args(["--allow-root", &path, url]));
    testenv::assert_success(&out, r#"{"success":true}"#);
}

#[test]
fn suffix_from_url_without_wp_and_from_home_url() {
    // example.com/demo/wp → example.com::demo::wp
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    let path = "/rest/v1.3/jpphp/example.com::demo::wp/partner-cancel";
    env.api
        .reply("POST", path, Reply::json(200, r#"{"success":true}"#));
    let out = run(env.cmd_without_wp().args([
        "cancel",
        "-c=1234",
        &format!("-s={SECRET}"),
        "-u=https://example.com/demo/wp/",
    ]));
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.api.requests()[1].path, path);

    // With WordPress but no blog id, --home_url names the site (no home lookup).
    let env = TestEnv::new();
    env.answer_without_eval(&["option-get-jetpack_options-unset"]);
    env.api.token_ok(TOKEN);
    env.api
        .reply("POST", path, Reply::json(200, r#"{"success":true}"#));
    let out = run(env.cmd().arg("cancel").args(creds()).args([
        "--allow-root",
        &format!("--path={}", env.wp_path()),
        "--home_url=http://example.com/demo/wp",
    ]));
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.api.requests()[1].path, path);
    assert_eq!(
        env.wp.calls().len(),
        2,
        "eval, jetpack_options; no home lookup"
    );
}

#[test]
fn api_error_exits_1_with_its_fields() {
    let env = TestEnv::new();
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 12345}),
    );
    env.api.token_ok(TOKEN);
    let body = r#"{"error":"not_jps_plan","message":"The plan for this site was not provisioned by Jetpack Start"}"#;
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/12345/partner-cancel",
        Reply::json(400, body),
    );
    let out = cancel_in_wordpress(&env);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let err = stderr_json(&out);
    assert_eq!(
        err,
        json!({
            "success": false,
            "error_code": "not_jps_plan",
            "error_message": "The plan for this site was not provisioned by Jetpack Start",
            "error": "not_jps_plan",
            "message": "The plan for this site was not provisioned by Jetpack Start"
        })
    );
}

#[test]
fn success_false_body_exits_1() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/e.test/partner-cancel",
        Reply::json(200, r#"{"success":false}"#),
    );
    let out = run(env.cmd_without_wp().args([
        "cancel",
        "-c=1",
        &format!("-s={SECRET}"),
        "-u=http://e.test",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_json(&out);
    assert_eq!(err["success"], json!(false));
    assert!(err["error_code"].is_string() && err["error_message"].is_string());
}

#[test]
fn tracking_id_query_parameter() {
    let env = TestEnv::new();
    cancel_ok(&env, "e.test");
    let out = run(env.cmd_without_wp().args([
        "cancel",
        "-c=1",
        &format!("-s={SECRET}"),
        "-u=http://e.test",
        "--partner-tracking-id=abc 1",
    ]));
    testenv::assert_success(&out, r#"{"success":true}"#);
    let r = &env.api.requests()[1];
    assert_eq!(
        r.query_pairs,
        vec![("partner_tracking_id".to_string(), "abc 1".to_string())]
    );
}

#[test]
fn without_wp_and_without_a_site_says_wp_not_found() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    let out = run(env
        .cmd_without_wp()
        .args(["cancel", "-c=1", &format!("-s={SECRET}")]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("wp_not_found"));
    assert!(env.api.requests().is_empty());
}

#[test]
fn old_script_name_and_flags() {
    let env = TestEnv::new();
    env.answer_without_eval(&["option-get-jetpack_options-set"]);
    env.answer_no_idc_option();
    cancel_ok(&env, "12345");
    let out = run(env.cmd_named("partner-cancel.sh").args([
        "-c=1234",
        &format!("-s={SECRET}"),
        "--allow-root",
        &format!("--path={}", env.wp_path()),
        "--partner_tracking_id=x",
    ]));
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(
        env.api.requests()[1].query_value("partner_tracking_id"),
        Some("x")
    );
}

#[test]
fn provision_only_flags_are_usage_errors_for_cancel() {
    // (--plan became a cancel flag with SPEC §7; --user stays provision's.)
    let env = TestEnv::new();
    let out =
        run(env
            .cmd_without_wp()
            .args(["cancel", "-c=1", "-s=2", "-u=http://e.test", "--user=x"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage:"));
    assert!(env.api.requests().is_empty());
}

#[test]
fn dry_run_shows_the_cancel_request() {
    let env = TestEnv::new();
    let out = run(env.cmd_without_wp().args([
        "cancel",
        "-c=1",
        &format!("-s={SECRET}"),
        "-u=https://example.com/demo",
        "--dry-run",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["requests"][1]["url"],
        json!(format!(
            "{}/rest/v1.3/jpphp/example.com::demo/partner-cancel",
            env.api.base_url()
        ))
    );
    assert_eq!(
        v["requests"][0]["form"]["client_secret"],
        json!("<redacted>")
    );
    assert!(env.api.requests().is_empty());
}

#[test]
fn token_and_cancel_share_one_tls_connection() {
    let env = TestEnv::new_tls();
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 12345}),
    );
    cancel_ok(&env, "12345");
    let out = run(env
        .cmd()
        .env("JETPACK_START_API_HOST", env.api.host())
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .arg("cancel")
        .args(creds())
        .args(["--allow-root", &format!("--path={}", env.wp_path())]));
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.api.connections(), 1);
    assert_eq!(env.api.tls_handshakes(), 1);
    assert_eq!(env.wp.calls().len(), 1);
}
