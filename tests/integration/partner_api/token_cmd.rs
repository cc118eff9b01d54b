//! `token`: the token call alone, its answer printed verbatim (the caller
//! asked for the token); later runs reuse it.

use super::{jp, run, stdout, stdout_json, with_creds, write_file, REUSED_TOKEN};
use crate::testenv::{
    assert_exit, assert_failure, assert_success, pairs, Reply, TestEnv, SECRET, TOKEN_PATH,
};
use serde_json::json;
use std::time::Duration;

const ANSWER: &str = "{\"access_token\": \"tok-asked-for-1f0e\", \"token_type\":\"bearer\",\"blog_id\":0,\"blog_url\":0,\"scope\":\"jetpack-partner\"}\n";

#[test]
fn prints_the_token_answer_verbatim() {
    let env = TestEnv::new();
    env.api.reply("POST", TOKEN_PATH, Reply::json(200, ANSWER));
    let out = env
        .cmd_without_wp()
        .args(with_creds(&["token"]))
        .output()
        .expect("run");
    assert_success(&out, ANSWER.trim_end());
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].form,
        pairs(&[
            ("client_id", "1234"),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
            ("scope", "jetpack-partner"),
        ])
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
}

/// Against the model: the token it hands out, which a later run then
/// reuses from a file with no token call.
#[test]
fn the_token_can_be_reused() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed_site("example.com", 200_001);
    let out = env
        .cmd_without_wp()
        .args(with_creds(&["token"]))
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let answer = stdout_json(&out);
    let token = partner.token_of("1234").expect("a token");
    assert_eq!(
        answer,
        json!({"access_token": token, "token_type": "bearer", "blog_id": 0, "blog_url": 0, "scope": "jetpack-partner"})
    );
    let file = write_file(&env, "token", &format!("{token}\n"));
    let before = env.api.requests().len();
    let out = jp(
        &env,
        [
            "status",
            "--blog_id=200001",
            &format!("--access-token-file={file}"),
        ],
    );
    assert_success(
        &out,
        r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[]}"#,
    );
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), before + 1, "no token call");
    assert_eq!(
        reqs[before].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
}

#[test]
fn token_errors() {
    // Wrong secret: the OAuth error passes through, fields and all.
    let env = TestEnv::new();
    env.partner_api().partner("1234", "another-secret");
    let out = jp(&env, with_creds(&["token"]));
    let msg = "Unknown client_id or wrong client_secret.";
    let want = json!({"success": false, "error_code": "invalid_client", "error_message": msg,
        "error": "invalid_client", "error_description": msg});
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));

    // Not JSON; JSON without access_token.
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::text(200, "text/html", "<html>login</html>"),
    );
    let out = jp(&env, with_creds(&["token"]));
    let want = json!({"success": false, "error_code": "invalid_response",
        "error_message": "POST /oauth2/token: HTTP 200 but the answer is not JSON: <html>login</html>"});
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, r#"{"token_type":"bearer"}"#),
    );
    assert_failure(&jp(&env, with_creds(&["token"])), "missing_access_token");

    // Busy, then the answer: asked again.
    let env = TestEnv::new();
    env.api.reply("POST", TOKEN_PATH, Reply::empty(503));
    env.api.reply("POST", TOKEN_PATH, Reply::json(200, ANSWER));
    assert_success(&jp(&env, with_creds(&["token"])), ANSWER.trim_end());
    assert_eq!(env.api.requests().len(), 2);

    // Too slow: timeout, one request.
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, ANSWER).delay(Duration::from_secs(3)),
    );
    let out = jp(&env, with_creds(&["token", "--timeout=1"]));
    let want = json!({"success": false, "error_code": "timeout",
        "error_message": format!("POST {}/oauth2/token: {} did not answer within 1 s; try again later or raise --timeout",
            env.api.base_url(), env.api.host())});
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    assert_eq!(env.api.requests().len(), 1);
}

#[test]
fn dry_run_shows_the_token_call_redacted() {
    let env = TestEnv::new();
    let out = run(
        env.cmd_without_wp()
            .args(with_creds(&["token", "--dry-run"])),
        &[],
    );
    assert_exit(&out, 0);
    assert_eq!(
        stdout_json(&out),
        json!({"dry_run": true, "requests": [{
            "method": "POST",
            "url": format!("{}/oauth2/token", env.api.base_url()),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "form": {"client_id": "1234", "client_secret": "<redacted>",
                     "grant_type": "client_credentials", "scope": "jetpack-partner"},
        }]})
    );
    assert!(env.api.requests().is_empty());
}

/// `token` asks for a token: a token given to it is no credential.
#[test]
fn a_reused_token_is_no_credential_for_token() {
    let env = TestEnv::new();
    let file = write_file(&env, "token", &format!("{REUSED_TOKEN}\n"));
    let out = run(
        env.cmd_without_wp()
            .args(["token", &format!("--access-token-file={file}")])
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN),
        &[],
    );
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Usage:") && err.contains("--partner_id"),
        "{err}"
    );
    assert!(env.api.requests().is_empty());

    // With credentials, the token call is made whatever the environment
    // holds.
    let env = TestEnv::new();
    env.api.reply("POST", TOKEN_PATH, Reply::json(200, ANSWER));
    let out = run(
        env.cmd_without_wp()
            .args(with_creds(&["token"]))
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN),
        &[],
    );
    assert_success(&out, ANSWER.trim_end());
    assert_eq!(env.api.requests().len(), 1);
}

/// `--partner_id` alone does not outrank the token in the environment (a
/// token needs no id): the token is used, no token call is made.
#[test]
fn a_partner_id_alone_leaves_the_environment_token_in_charge() {
    let env = TestEnv::new();
    env.api.reply(
        "GET",
        "/rest/v1.4/jpphp/5/status",
        Reply::json(200, r#"{"products":[]}"#),
    );
    let out = run(
        env.cmd_without_wp()
            .args(["status", "-c=1", "--blog_id=5"])
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN),
        &[],
    );
    assert_success(&out, r#"{"products":[]}"#);
    let sent = env.api.requests();
    assert_eq!(sent.len(), 1, "no token call");
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {REUSED_TOKEN}").as_str())
    );
}

/// A token answer whose access_token no header can carry (a line break) is
/// `invalid_response`, for `token` and for a command that would use it;
/// nothing is sent with it.
#[test]
fn an_access_token_with_a_line_break_is_an_invalid_response() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, r#"{"access_token":"tok-1f\nInjected: yes"}"#),
    );
    for args in [&["token"][..], &["status", "--blog_id=5"]] {
        let out = run(env.cmd_without_wp().args(with_creds(args)), &[]);
        let err = assert_failure(&out, "invalid_response");
        assert_eq!(
            err["error_message"],
            json!("POST /oauth2/token: the answer's access_token holds characters no Authorization header can carry (spaces, line breaks or non-ASCII); nothing was sent with it. Try again; if it persists, report it to WordPress.com"),
            "{args:?}"
        );
    }
    let paths: Vec<String> = env.api.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [TOKEN_PATH, TOKEN_PATH]);
}

/// A token variable holding only blanks is no token: without credentials
/// that is the usage error, not a request with an empty Bearer.
#[test]
fn a_blank_environment_token_is_no_token() {
    let env = TestEnv::new();
    let out = run(
        env.cmd_without_wp()
            .args(["status", "--blog_id=5"])
            .env("JETPACK_PARTNER_ACCESS_TOKEN", "   "),
        &[],
    );
    assert_exit(&out, 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage:"));
    assert!(env.api.requests().is_empty());
}
