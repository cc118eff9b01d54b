//! Answers that are not what they should be, and how they are judged
//! (SPEC §5, §9 "Answers are judged strictly"): no token in the token
//! answer; empty, HTML, cut-off, non-JSON, non-UTF-8 or oversized bodies;
//! an `error` member of any type; `success:false`; redirects (reported,
//! never followed); and large answers that must pass whole.

use super::{assert_failure, count, provision, provision_unchecked, run, token_ok};
use crate::testenv::{
    self, provision_args_without_wp, run_clean, stderr_json, Reply, TestEnv, PARTNER_TOKEN,
    PROVISION_OK, PROVISION_PATH, SECRET, TOKEN_PATH,
};
use serde_json::json;
use std::process::Output;

const HTML_500: &str = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>\n";

/// `provision --user=admin` with the usual WordPress flags; neither the
/// secret nor the partner token may show up in the output.
fn provision_in_wordpress(env: &TestEnv) -> Output {
    run_clean(
        env.cmd().args(env.provision_args(&["--user=admin"])),
        &[PARTNER_TOKEN],
    )
}

/// A provision (without WordPress) the API answers with HTTP 200 and `body`.
fn provision_answered(body: &str) -> Output {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, body));
    env.std_cmd_without_wp()
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run")
}

// ---------------------------------------------------------------------------
// The token answer.

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
fn a_token_that_cannot_be_a_header_never_says_the_provision_may_have_been_sent() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, r#"{"access_token":"tok-with\r\nX-Injected: 1"}"#),
    );
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, PROVISION_OK));
    let out = env
        .std_cmd_without_wp()
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run");
    // An answer with such a token is judged as the answer it is.
    let err = testenv::assert_failure(&out, "invalid_response");
    let message = err["error_message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("tok-with"),
        "the token is a secret: {message}"
    );
    assert!(env.api.requests_to(PROVISION_PATH).is_empty());

    // A reused token of the operator's: refused before anything is sent,
    // naming where it came from, not what it is.
    let out = env
        .std_cmd_without_wp()
        .env("JETPACK_PARTNER_ACCESS_TOKEN", "tok-with\r\nX-Injected: 1")
        .args(["provision", "--user=admin", "--url=https://e.test"])
        .output()
        .expect("run");
    let err = testenv::assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("JETPACK_PARTNER_ACCESS_TOKEN: the token holds characters no Authorization header can carry (spaces, line breaks or non-ASCII); check that it holds the token alone")
    );
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 0);
    assert_eq!(
        env.api.requests().len(),
        1,
        "only the first run's token call"
    );
}

// ---------------------------------------------------------------------------
// Empty, HTML, broken or oversized answers; an error member of any type.

#[test]
fn empty_body_html_502_and_success_false() {
    let cases: Vec<(Reply, &str, Option<&str>)> = vec![
        // A provision answered, however unreadably, may have been carried
        // out: the message says so (the scripts' words first).
        (
            Reply::empty(200),
            "unknown_error",
            Some("Empty response from server; the request may have reached WordPress.com and been carried out, so check the site (e.g. upgrade-paths) before running it again"),
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

/// A request that changes something answered with HTTP 200 and an HTML
/// page (a maintenance page, a captive proxy) may have been carried out:
/// the error says so and carries `"maybe_sent":true`, as a batch line
/// does, so a hook that retries on exit 1 can tell; it is sent once. A GET
/// answered the same says nothing of the kind.
#[test]
fn an_html_page_with_200_to_a_request_that_changes_something_says_it_may_have_been_carried_out() {
    const PAGE: &str = "<html>\n<body>Maintenance</body>\n</html>\n";
    const NOTE: &str = "; the request may have reached WordPress.com and been carried out, so check the site (e.g. upgrade-paths) before running it again";
    let cancel = "/rest/v1.3/jpphp/12345/partner-cancel";
    let enqueue = "/wpcom/v2/sites/1/scan/enqueue";
    let creds = ["-c=1".to_string(), format!("-s={SECRET}")];
    let cases: [(&str, &str, Vec<String>, bool); 5] = [
        ("POST", PROVISION_PATH, provision_args_without_wp(&[]), true),
        (
            "POST",
            cancel,
            vec!["cancel".into(), "--blog_id=12345".into()],
            true,
        ),
        (
            "POST",
            cancel,
            vec![
                "cancel".into(),
                "--blog_id=12345".into(),
                "--plan=jetpack-scan".into(),
            ],
            true,
        ),
        (
            "POST",
            enqueue,
            vec!["api".into(), "-X".into(), "POST".into(), enqueue.into()],
            true,
        ),
        ("GET", enqueue, vec!["api".into(), enqueue.into()], false),
    ];
    for (method, path, args, changes) in cases {
        let env = TestEnv::new();
        token_ok(&env);
        env.api
            .reply(method, path, Reply::text(200, "text/html", PAGE));
        // provision_args_without_wp has its credentials already.
        let creds = if args[0] == "provision" {
            &[][..]
        } else {
            &creds[..]
        };
        let out = run(env.cmd_without_wp().args(&args).args(creds));
        testenv::assert_exit(&out, 1);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
        let message = format!(
            "{method} {path}: HTTP 200 but the answer is not JSON: <html> <body>Maintenance</body> </html>{}",
            if changes { NOTE } else { "" }
        );
        let mut want =
            json!({"success": false, "error_code": "invalid_response", "error_message": message});
        if changes {
            want["maybe_sent"] = json!(true);
        }
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{want}\n"),
            "{args:?}"
        );
        assert_eq!(count(&env.api, path), 1, "{args:?}: sent once");
        assert_eq!(count(&env.api, TOKEN_PATH), 1, "{args:?}");
    }

    // JSON nested past what can be read (a provision's answer must be):
    // the same, with its own words.
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let out = provision_answered(&deep);
    testenv::assert_exit(&out, 1);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_response",
            "error_message": format!("POST {PROVISION_PATH}: HTTP 200 but the answer is JSON that cannot be read (recursion limit exceeded at line 1 column 128), which no partner API answer is{NOTE}"),
            "maybe_sent": true})
    );
}

#[test]
fn html_error_page_with_500_is_server_error() {
    // On the provision call: not retried.
    let env = TestEnv::new();
    token_ok(&env);
    env.api.reply(
        "POST",
        PROVISION_PATH,
        Reply::text(500, "text/html", HTML_500),
    );
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "server_error");
    assert_eq!(msg, "Request failed with code 500");
    assert_eq!(count(&env.api, PROVISION_PATH), 1);

    // On the token call: 500 is no "busy" answer, so it is not retried either.
    let env = TestEnv::new();
    env.api
        .reply("POST", TOKEN_PATH, Reply::text(500, "text/html", HTML_500));
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "server_error");
    assert_eq!(msg, "Request failed with code 500");
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(count(&env.api, PROVISION_PATH), 0);
}

#[test]
fn truncated_json_with_a_correct_length_is_invalid_response() {
    let env = TestEnv::new();
    token_ok(&env);
    // Complete as far as HTTP goes (Content-Length matches), broken as JSON.
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, r#"{"success":tr"#));
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "invalid_response");
    assert!(msg.contains(r#"{"success":tr"#), "shows the start: {msg}");
    assert_eq!(count(&env.api, PROVISION_PATH), 1);
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
    let out = provision_unchecked(&env);
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
    let out = provision_unchecked(&env);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_json(&out)["error_code"], json!("invalid_response"));
}

/// A request body and an answer (head and body) much larger than the
/// agent's buffers (16 KiB out, 64 KiB in; over TLS two layers of each)
/// pass whole.
#[test]
fn bodies_and_heads_larger_than_the_buffers_pass_whole() {
    let env = TestEnv::new_tls();
    token_ok(&env);
    let sent_body = format!(r#"{{"data":"{}"}}"#, "x".repeat(200 * 1024));
    let answer = format!(r#"{{"ok":true,"pad":"{}"}}"#, "y".repeat(700 * 1024));
    env.api.reply(
        "POST",
        "/wpcom/v2/sites/1/echo",
        Reply::json(200, &answer).header("X-Pad", &"z".repeat(40 * 1024)),
    );
    let input = env.root().join("in.json");
    std::fs::write(&input, &sent_body).expect("input file");
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .args(["api", "/wpcom/v2/sites/1/echo", "-X", "POST", "-c=1234"])
        .arg(format!("-s={SECRET}"))
        .arg(format!("--input={}", input.display())));
    testenv::assert_success(&out, &answer);
    let got = env.api.requests_to("/wpcom/v2/sites/1/echo");
    assert_eq!(got.len(), 1);
    assert!(got[0].body == sent_body.as_bytes(), "request body changed");
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
    let out = provision_unchecked(&env);
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
fn a_2xx_provision_answer_with_an_error_or_not_an_object_fails_and_nothing_else_does() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (r#"{"error":123}"#, "unknown_error", None),
        (r#"{"error":true}"#, "unknown_error", None),
        (r#"{"error":[1]}"#, "unknown_error", None),
        (r#"{"error":{"code":"x","message":"m"}}"#, "x", Some("m")),
        (r#"{"error":"too_late","success":true}"#, "too_late", None),
        ("null", "invalid_response", None),
        (r#""text""#, "invalid_response", None),
        ("[1]", "invalid_response", None),
        ("42", "invalid_response", None),
        // A success written as text or a number says no just the same.
        (r#"{"success":"false"}"#, "unknown_error", None),
        (r#"{"success":0}"#, "unknown_error", None),
    ];
    for (body, code, message) in cases {
        let out = provision_answered(body);
        let err = testenv::assert_failure(&out, code);
        if let Some(m) = message {
            assert_eq!(err["error_message"], json!(m), "{body}");
        }
        if *code == "invalid_response" {
            let m = err["error_message"].as_str().unwrap_or_default();
            assert!(
                m.ends_with(&format!(
                    "HTTP 200 but the answer is not a JSON object: {body}; the request may have reached WordPress.com and been carried out, so check the site (e.g. upgrade-paths) before running it again"
                )),
                "{body}: {m}"
            );
            assert_eq!(err["maybe_sent"], json!(true), "{body}");
        } else if body.contains("error") {
            // The API's own fields stay in the error object.
            let sent: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            assert_eq!(err["error"], sent["error"], "{body}");
        }
    }
    // Strict, not blind: an error member that is null, false or empty
    // reports nothing.
    for body in [
        r#"{"success":true,"error":null}"#,
        r#"{"success":true,"error":false}"#,
        r#"{"success":true,"error":""}"#,
        r#"{"success":true,"error":[]}"#,
        r#"{"success":true,"error":{}}"#,
        // Empty as PHP, which writes these answers, sees it.
        r#"{"success":true,"error":0}"#,
        r#"{"success":true,"error":"0"}"#,
    ] {
        let out = provision_answered(body);
        crate::testenv::assert_success(&out, body);
    }
}
