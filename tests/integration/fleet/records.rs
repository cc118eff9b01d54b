//! SPEC §10, every night unattended: run records on every line (`run`,
//! `ts`, `duration_ms`, `line`, `changed`), the summary counting changed,
//! unchanged, failed and skipped apart (`--summary=json` as one object),
//! `--quiet` (cron mails only what needs a look), and `--metrics-file` in
//! Prometheus text format.

use super::{lines, without_record};
use crate::testenv::{assert_exit, Reply, TestEnv, SECRET};
use serde_json::{json, Value};

const STATUS_OK: &str = r#"{"blog":{"is_connected":true},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":true,"is_pending":false}]}"#;

/// Token; provisions succeed except plan `bad`; status says premium is
/// there (so `--if-needed` changes nothing for premium).
fn api(env: &TestEnv) {
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-records-1"}"#),
    );
    env.api.set_fallback(|r| {
        if r.path.ends_with("/status") {
            return Reply::json(200, STATUS_OK);
        }
        if r.form_value("plan") == Some("bad") {
            return Reply::json(
                400,
                r#"{"error":"invalid_plan","message":"bad is not a valid plan"}"#,
            );
        }
        Reply::json(200, r#"{"success":true}"#)
    });
}

fn provision(env: &TestEnv, input: &str, extra: &[&str]) -> std::process::Output {
    let f = env.root().join("sites.jsonl");
    std::fs::write(&f, input).expect("write");
    env.cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--user=admin",
            "--if-needed",
            "--jobs=1",
            &format!("--batch={}", f.display()),
        ])
        .args(extra)
        .output()
        .expect("run")
}

const THREE: &str = concat!(
    "{\"url\":\"https://a.example\",\"plan\":\"premium\"}\n",
    "{\"url\":\"https://b.example\",\"plan\":\"jetpack-scan\"}\n",
    "# a comment\n",
    "{\"url\":\"https://c.example\",\"plan\":\"bad\"}\n",
);

#[test]
fn every_line_carries_its_run_record() {
    let env = TestEnv::new();
    api(&env);
    let out = provision(&env, THREE, &[]);
    assert_exit(&out, 1);
    let lines = lines(&out);
    assert_eq!(lines.len(), 3);
    // One run id for the whole run; lines numbered as in the input.
    let run = lines[0]["run"].clone();
    assert!(lines.iter().all(|l| l["run"] == run), "{lines:?}");
    let got: Vec<(Value, Value, Value)> = lines
        .iter()
        .map(without_record)
        .map(|l| (l["site"].clone(), l["line"].clone(), l["changed"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (json!("https://a.example"), json!(1), json!(false)),
            (json!("https://b.example"), json!(2), json!(true)),
            (json!("https://c.example"), json!(4), json!(false)),
        ]
    );
    // The text summary counts changed and unchanged apart.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "jetpack-partner: 3 sites: 1 changed, 1 unchanged, 1 failed, 0 skipped (done or listed twice)\n"
    );
    // A second run: another id.
    let again = provision(&env, THREE, &[]);
    assert_ne!(super::lines(&again)[0]["run"], run);
}

#[test]
fn summary_json_is_one_object_with_every_count() {
    let env = TestEnv::new();
    api(&env);
    let out = provision(&env, THREE, &["--summary=json"]);
    assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let mut s: Value = serde_json::from_str(&stderr).expect("one JSON object");
    let run = lines(&out)[0]["run"].clone();
    assert_eq!(s["run"], run);
    assert!(s["elapsed_ms"].is_u64(), "{s}");
    s.as_object_mut().map(|o| {
        o.remove("run");
        o.remove("elapsed_ms")
    });
    assert_eq!(
        s,
        json!({"sites": 3, "changed": 1, "unchanged": 1, "failed": 1, "skipped": 0,
               "not_started": 0, "stopped_because": null})
    );
    // A bad value is invalid_input, nothing sent.
    let env = TestEnv::new();
    let out = provision(&env, THREE, &["--summary=yaml"]);
    let err = crate::testenv::assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("--summary=\"yaml\" is not a summary format; use text or json")
    );
    assert!(env.api.requests().is_empty());
}

#[test]
fn quiet_says_nothing_when_nothing_changed_or_failed() {
    let env = TestEnv::new();
    api(&env);
    let unchanged = "{\"url\":\"https://a.example\",\"plan\":\"premium\"}\n";
    let out = provision(&env, unchanged, &["--quiet"]);
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "cron mails nothing"
    );
    assert_eq!(lines(&out).len(), 1, "the log still gets its line");
    // Something changed: the summary is there.
    let changed = "{\"url\":\"https://b.example\",\"plan\":\"jetpack-scan\"}\n";
    let out = provision(&env, changed, &["-q"]);
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "jetpack-partner: 1 site: 1 changed, 0 unchanged, 0 failed, 0 skipped (done or listed twice)\n"
    );
    // No notes either (a --skip-done note about maybe_sent lines).
    let done = env.root().join("done.jsonl");
    std::fs::write(
        &done,
        "{\"command\":\"provision\",\"site\":\"https://a.example\",\"plan\":\"premium\",\"success\":false,\"maybe_sent\":true}\n",
    )
    .expect("write");
    let out = provision(
        &env,
        unchanged,
        &["-q", &format!("--skip-done={}", done.display())],
    );
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn metrics_file_is_prometheus_text_and_keeps_the_last_success() {
    let env = TestEnv::new();
    api(&env);
    let metrics = env.root().join("jetpack.prom");
    let flag = format!("--metrics-file={}", metrics.display());
    let ok = "{\"url\":\"https://b.example\",\"plan\":\"jetpack-scan\"}\n";
    let out = provision(&env, ok, &[&flag]);
    assert_exit(&out, 0);
    let text = std::fs::read_to_string(&metrics).expect("metrics written");
    let value = |text: &str, name: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(&format!("jetpack_partner_{name}{{command=\"provision\"}} ")))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
    };
    assert!(
        text.contains("# TYPE jetpack_partner_sites gauge\n"),
        "{text}"
    );
    assert_eq!(value(&text, "sites"), Some(1.0));
    assert_eq!(value(&text, "changed_sites"), Some(1.0));
    assert_eq!(value(&text, "failed_sites"), Some(0.0));
    let success = value(&text, "last_success_timestamp_seconds").expect("a success time");
    assert!(success > 1.7e9, "{text}");
    // A failing run keeps the last success time, updates the rest.
    let bad = "{\"url\":\"https://c.example\",\"plan\":\"bad\"}\n";
    let out = provision(&env, bad, &[&flag]);
    assert_exit(&out, 1);
    let text = std::fs::read_to_string(&metrics).expect("metrics written");
    assert_eq!(value(&text, "failed_sites"), Some(1.0));
    assert_eq!(
        value(&text, "last_success_timestamp_seconds"),
        Some(success)
    );
    // No temporary file left beside it.
    let left: Vec<_> = std::fs::read_dir(env.root())
        .expect("read")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_metrics_file_that_cannot_be_written_fails_before_anything_is_sent() {
    let env = TestEnv::new();
    api(&env);
    let out = provision(
        &env,
        THREE,
        &["--metrics-file=/nonexistent-folder/jetpack.prom"],
    );
    let err = crate::testenv::assert_failure(&out, "invalid_input");
    let msg = err["error_message"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("--metrics-file=/nonexistent-folder/jetpack.prom: cannot write there ("),
        "{msg}"
    );
    assert!(env.api.requests().is_empty());
}
