//! SPEC §9a "A run that cannot succeed stops early": the same
//! credential-level error on 3 sites in a row, or `--max-consecutive-
//! failures=N` of any one error code in a row (default 25; 0 = never): no
//! new site starts, the summary says why, exit 1.

use crate::fleet::lines;
use crate::testenv::{assert_exit, Reply, TestEnv, SECRET};
use serde_json::json;

const SITES: usize = 20;

fn batch_file(env: &TestEnv, plan: impl Fn(usize) -> &'static str) -> String {
    let input: String = (0..SITES)
        .map(|n| {
            format!(
                "{{\"url\":\"https://s{n}.example\",\"plan\":\"{}\"}}\n",
                plan(n)
            )
        })
        .collect();
    let f = env.root().join("b.jsonl");
    std::fs::write(&f, input).expect("write");
    f.display().to_string()
}

fn provisions(env: &TestEnv) -> usize {
    env.api.requests_to("/rest/v1.3/jpphp/provision").len()
}

#[test]
fn a_refused_token_stops_the_run_after_three_sites() {
    let env = TestEnv::new();
    env.api.set_fallback(|_| {
        Reply::json(
            403,
            r#"{"error":"invalid_token","message":"The OAuth2 token is invalid."}"#,
        )
    });
    let batch = batch_file(&env, |_| "premium");
    let out = env
        .cmd_without_wp()
        .env("JETPACK_PARTNER_ACCESS_TOKEN", "tok-revoked-7")
        .args([
            "provision",
            "--user=admin",
            &format!("--batch={batch}"),
            "--jobs=1",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 1);
    let lines = lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines
        .iter()
        .all(|l| l["error_code"] == json!("invalid_token")));
    assert_eq!(provisions(&env), 3);
    // (How many lines were read ahead of the sites varies: the summary
    // counts those as not started.)
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("jetpack-partner: "), "{err}");
    assert!(
        err.contains(
            " sites: 0 changed, 0 unchanged, 3 failed, 0 skipped (done or listed twice), "
        ),
        "{err}"
    );
    assert!(
        err.ends_with(
            " not started (stopped: invalid_token on 3 sites in a row: check the credentials)\n"
        ),
        "{err}"
    );
}

#[test]
fn max_consecutive_failures_stops_on_any_one_code_and_zero_never_does() {
    let api = |env: &TestEnv| {
        env.api.reply(
            "POST",
            "/oauth2/token",
            Reply::json(200, r#"{"access_token":"tok-stop-2"}"#),
        );
        env.api.set_fallback(|_| {
            Reply::json(
                400,
                r#"{"error":"invalid_plan","message":"x is not a valid plan"}"#,
            )
        });
    };
    let run = |env: &TestEnv, extra: &[&str]| {
        let batch = batch_file(env, |_| "x");
        env.cmd_without_wp()
            .args([
                "provision",
                "-c=1234",
                &format!("-s={SECRET}"),
                "--user=admin",
                &format!("--batch={batch}"),
                "--jobs=1",
            ])
            .args(extra)
            .output()
            .expect("run")
    };
    let env = TestEnv::new();
    api(&env);
    let out = run(&env, &["--max-consecutive-failures=4"]);
    assert_exit(&out, 1);
    assert_eq!(lines(&out).len(), 4);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.ends_with(
            " not started (stopped: invalid_plan on 4 sites in a row (--max-consecutive-failures))\n"
        ),
        "{err}"
    );
    assert_eq!(provisions(&env), 4);

    let env = TestEnv::new();
    api(&env);
    let out = run(&env, &["--max-consecutive-failures=0"]);
    assert_exit(&out, 1);
    assert_eq!(lines(&out).len(), SITES);
    assert_eq!(provisions(&env), SITES);
}

#[test]
fn failures_that_alternate_with_successes_do_not_stop_the_run() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-stop-3"}"#),
    );
    env.api.set_fallback(|r| {
        if r.form_value("plan") == Some("x") {
            return Reply::json(400, r#"{"error":"invalid_plan","message":"no"}"#);
        }
        Reply::json(200, r#"{"success":true}"#)
    });
    let batch = batch_file(&env, |n| if n % 2 == 0 { "x" } else { "premium" });
    let out = env
        .cmd_without_wp()
        .args([
            "provision",
            "-c=1234",
            &format!("-s={SECRET}"),
            "--user=admin",
            &format!("--batch={batch}"),
            "--jobs=1",
            "--max-consecutive-failures=2",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert_eq!(lines(&out).len(), SITES);
}

#[test]
fn a_bad_value_for_max_consecutive_failures_is_invalid_input_and_sends_nothing() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .args([
            "provision",
            "-c=1234",
            &format!("-s={SECRET}"),
            "--user=admin",
            "--batch=-",
            "--max-consecutive-failures=many",
        ])
        .output()
        .expect("run");
    let err = crate::testenv::assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("--max-consecutive-failures=\"many\" is not a whole number (0 or more)")
    );
    assert!(env.api.requests().is_empty());
}
