//! SPEC §9 "Answers are judged strictly": an `error` member that is there
//! and not null/false/empty fails the answer whatever its type (and one
//! that is null, false or empty does not), and a 2xx provision answer that
//! is not a JSON object is `invalid_response`.

use crate::testenv::{assert_failure, provision_args_without_wp, Reply, TestEnv};
use serde_json::json;
use std::process::Output;

/// A provision (without WordPress) the API answers with HTTP 200 and `body`.
fn provision_answered(body: &str) -> Output {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, body));
    env.std_cmd_without_wp()
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run")
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
        let err = assert_failure(&out, code);
        if let Some(m) = message {
            assert_eq!(err["error_message"], json!(m), "{body}");
        }
        if *code == "invalid_response" {
            let m = err["error_message"].as_str().unwrap_or_default();
            assert!(
                m.ends_with(&format!(
                    "HTTP 200 but the answer is not a JSON object: {body}"
                )),
                "{body}: {m}"
            );
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
