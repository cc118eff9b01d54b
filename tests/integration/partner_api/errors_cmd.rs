//! `errors [CODE] [--verbose]`: the public catalogue — no credentials, no
//! token call, no Authorization header; `?verbose` when asked; CODE
//! narrows it to `{"errors":{CODE:…}}`, or `unknown_error_code`.

use super::{jp, model_get, run, stdout, with_creds, REUSED_TOKEN};
use crate::testenv::{assert_exit, assert_success, Reply, TestEnv};
use serde_json::json;

const ERRORS_PATH: &str = "/rest/v1.3/jpphp/errors";

/// The one request: GET, no Authorization, `query` as given.
fn check_request(env: &TestEnv, query: &str) {
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 1, "no token call: {reqs:?}");
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, ERRORS_PATH);
    assert_eq!(reqs[0].query, query);
    assert_eq!(reqs[0].header("authorization"), None);
    assert!(reqs[0].body.is_empty());
}

/// With `--verbose`, stderr holds only our notes (and no error object).
fn only_notes(out: &std::process::Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.is_empty(), "--verbose says what it does");
    for line in err.lines() {
        assert!(line.starts_with("jetpack-partner: "), "{err}");
    }
}

#[test]
fn the_catalogue_without_credentials_or_token() {
    // No credentials at all.
    let env = TestEnv::new();
    env.partner_api();
    let out = jp(&env, ["errors"]);
    assert_exit(&out, 0);
    check_request(&env, "");
    let catalogue = model_get(&env, ERRORS_PATH, None);
    assert_success(&out, &catalogue);
    let v: serde_json::Value = serde_json::from_str(&catalogue).expect("JSON");
    assert_eq!(
        v["errors"]["too_many_requests"],
        json!("Too many requests per time interval")
    );

    // Credentials and a reusable token given: still no token call and no
    // Authorization header.
    let env = TestEnv::new();
    env.partner_api();
    let mut cmd = env.cmd_without_wp();
    cmd.args(with_creds(&["errors"]))
        .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN);
    let out = run(&mut cmd, &[]);
    assert_success(&out, &catalogue);
    check_request(&env, "");
}

#[test]
fn verbose_asks_for_the_verbose_catalogue() {
    let env = TestEnv::new();
    env.partner_api();
    let out = jp(&env, ["errors", "--verbose"]);
    assert_exit(&out, 0);
    check_request(&env, "verbose");
    only_notes(&out);
    let catalogue = model_get(&env, &format!("{ERRORS_PATH}?verbose"), None);
    assert_eq!(stdout(&out), format!("{catalogue}\n"));
    let v: serde_json::Value = serde_json::from_str(&catalogue).expect("JSON");
    assert!(v["errors"]["invalid_plan"]["solution"].is_string(), "{v}");
}

#[test]
fn code_narrows_the_catalogue() {
    let env = TestEnv::new();
    env.partner_api();
    let out = jp(&env, ["errors", "invalid_plan"]);
    assert_success(
        &out,
        r#"{"errors":{"invalid_plan":"%s is not a valid plan"}}"#,
    );
    check_request(&env, "");

    let env = TestEnv::new();
    env.partner_api();
    let out = jp(&env, ["errors", "invalid_plan", "-v"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "{\"errors\":{\"invalid_plan\":{\"description\":\"%s is not a valid plan\",\"cause\":\"The slug names no plan or product.\",\"solution\":\"Use free, personal, premium, professional or a product slug.\"}}}\n"
    );
    check_request(&env, "verbose");
    only_notes(&out);
}

#[test]
fn unknown_code_is_unknown_error_code() {
    let env = TestEnv::new();
    env.partner_api();
    let out = jp(&env, ["errors", "no_such_code"]);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    let want = json!({
        "success": false,
        "error_code": "unknown_error_code",
        "error_message": "the partner API's error catalogue (16 codes) has no \"no_such_code\"; run `jetpack-partner errors` for the list",
    });
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    check_request(&env, "");

    // A catalogue without an `errors` object knows no code.
    let env = TestEnv::new();
    env.api
        .reply("GET", ERRORS_PATH, Reply::json(200, r#"{"codes":[]}"#));
    let out = jp(&env, ["errors", "invalid_plan"]);
    let err = crate::testenv::assert_failure(&out, "unknown_error_code");
    assert!(err["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("(0 codes)")));
}

/// The catalogue is a read: retried on 503 like the token call.
#[test]
fn a_busy_catalogue_is_asked_again() {
    let env = TestEnv::new();
    env.api.reply("GET", ERRORS_PATH, Reply::json(503, "{}"));
    env.api
        .reply("GET", ERRORS_PATH, Reply::json(200, r#"{"errors":{}}"#));
    let out = jp(&env, ["errors"]);
    assert_success(&out, r#"{"errors":{}}"#);
    assert_eq!(env.api.requests().len(), 2);
}
