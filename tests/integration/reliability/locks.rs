//! SPEC §9a "Overlapping runs": a fleet run holds an exclusive lock on its
//! `--skip-done` and `--desired` files for the whole run. Two cron runs of
//! `provision --batch=F --skip-done=D >> D` started a moment apart: the
//! second ends at once with `locked` (naming the first's pid, sending
//! nothing), or with `--wait-lock` waits, then finds everything done.

use crate::testenv::{wait_until, Gate, Reply, Running, TestEnv, PROMPTLY, SECRET};
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::process::{Command, Stdio};

const SITES: usize = 8;

/// The token, and provisions held at the gate until the test opens it.
fn gated_api(env: &TestEnv, gate: &Gate) {
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-lock-17"}"#),
    );
    let gate = gate.clone();
    env.api.set_fallback(move |r| {
        gate.pass();
        let url = r.form_value("siteurl").unwrap_or("");
        Reply::json(
            200,
            &format!(r#"{{"success":true,"next_url":"{url}/next"}}"#),
        )
    });
}

/// `SITES` lines, one per site.
fn batch_file(env: &TestEnv) -> String {
    let lines: String = (0..SITES)
        .map(|n| format!("{{\"url\":\"https://s{n}.example\",\"user\":\"admin\"}}\n"))
        .collect();
    let f = env.root().join("sites.jsonl");
    std::fs::write(&f, lines).expect("write");
    f.display().to_string()
}

/// `provision --batch=F --skip-done=D` with stdout appended to D, as
/// cron runs it (docs/guarantees.md, "Overlapping runs").
fn cron_run(env: &TestEnv, batch: &str, done: &str, extra: &[&str]) -> Command {
    let mut cmd = env.std_cmd_without_wp();
    cmd.args([
        "provision",
        "-c=1234",
        &format!("-s={SECRET}"),
        "--plan=premium",
        &format!("--batch={batch}"),
        &format!("--skip-done={done}"),
        "--jobs=2",
    ])
    .args(extra);
    let d: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(done)
        .expect("open D");
    cmd.stdout(d);
    cmd
}

fn provisions(env: &TestEnv) -> usize {
    env.api.requests_to("/rest/v1.3/jpphp/provision").len()
}

#[test]
fn a_second_run_on_the_same_skip_done_file_ends_at_once_with_locked() {
    let env = TestEnv::new();
    let gate = Gate::new();
    gated_api(&env, &gate);
    let batch = batch_file(&env);
    let done = env.root().join("done.jsonl").display().to_string();
    let mut first = cron_run(&env, &batch, &done, &[]);
    first.stderr(Stdio::null());
    let mut first = first.spawn().expect("start the first run");
    // The first run holds the lock once its provisions are going out.
    wait_until(PROMPTLY, "the first run's provisions", || {
        provisions(&env) > 0
    });

    let mut second = cron_run(&env, &batch, &done, &[]);
    second.stderr(Stdio::piped());
    let out = second.output().expect("run the second");
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stderr).expect("one JSON error");
    assert_eq!(
        err,
        json!({"success": false, "error_code": "locked", "error_message": format!(
            "--skip-done={done}: another jetpack-partner run (pid {}) holds it, so nothing was sent (two runs at once would both take the same lines for undone); let it finish, or add --wait-lock=SECONDS to wait for it",
            first.id()
        )})
    );
    // Nothing at all from the second run: not even a token call (the
    // first run's provisions are all it sent, and they wait at the gate).
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 1);
    assert!(provisions(&env) <= 2, "the first run has 2 workers");

    gate.open();
    assert!(first.wait().expect("first run").success());
    assert_eq!(provisions(&env), SITES);
}

#[test]
fn with_wait_lock_the_second_run_waits_then_finds_every_site_done() {
    let env = TestEnv::new();
    let gate = Gate::new();
    gated_api(&env, &gate);
    let batch = batch_file(&env);
    let done = env.root().join("done.jsonl").display().to_string();
    let mut first = cron_run(&env, &batch, &done, &[]);
    first.stderr(Stdio::null());
    let mut first = first.spawn().expect("start the first run");
    wait_until(PROMPTLY, "the first run's provisions", || {
        provisions(&env) > 0
    });

    let second = Running::spawn(cron_run(&env, &batch, &done, &["--wait-lock=60"]));
    // It waits (no token call of its own while the first runs).
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 1);
    gate.open();
    assert!(first.wait().expect("first run").success());
    let out = second.wait(PROMPTLY);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each site provisioned once, by the first run; the second skipped all.
    assert_eq!(provisions(&env), SITES);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "{SITES} sites: 0 changed, 0 unchanged, 0 failed, {SITES} skipped"
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_wait_that_runs_out_is_locked_and_says_how_long_it_waited() {
    let env = TestEnv::new();
    let gate = Gate::new();
    gated_api(&env, &gate);
    let batch = batch_file(&env);
    let done = env.root().join("done.jsonl").display().to_string();
    let mut first = cron_run(&env, &batch, &done, &[]);
    first.stderr(Stdio::null());
    let mut first = first.spawn().expect("start the first run");
    wait_until(PROMPTLY, "the first run's provisions", || {
        provisions(&env) > 0
    });
    let mut second = cron_run(&env, &batch, &done, &["--wait-lock=0.3"]);
    second.stderr(Stdio::piped());
    let out = second.output().expect("run the second");
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stderr).expect("one JSON error");
    assert_eq!(err["error_code"], json!("locked"));
    let msg = err["error_message"].as_str().unwrap_or("");
    assert!(
        msg.ends_with("; still held after waiting 0.3 s: try again later or wait longer"),
        "{msg}"
    );
    gate.open();
    assert!(first.wait().expect("first run").success());
}

#[test]
fn apply_locks_its_desired_file() {
    let env = TestEnv::new();
    let gate = Gate::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-lock-17"}"#),
    );
    let held = gate.clone();
    env.api.set_fallback(move |_| {
        held.pass();
        Reply::json(200, r#"{"blog":{"is_connected":true},"products":[{"slug":"premium","is_provisioned_by_calling_partner":true}]}"#)
    });
    let desired = env.root().join("desired.jsonl");
    std::fs::write(
        &desired,
        "{\"url\":\"https://a.example\",\"products\":[\"premium\"]}\n",
    )
    .expect("write");
    let apply = |extra: &[&str]| {
        let mut cmd = env.std_cmd_without_wp();
        cmd.args([
            "apply",
            "-c=1234",
            &format!("-s={SECRET}"),
            &format!("--desired={}", desired.display()),
        ])
        .args(extra);
        cmd
    };
    let first = Running::spawn(apply(&[]));
    wait_until(PROMPTLY, "the first apply's status call", || {
        env.api.requests().len() >= 2
    });
    let out = apply(&[]).output().expect("second apply");
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stderr).expect("one JSON error");
    assert_eq!(err["error_code"], json!("locked"));
    assert!(err["error_message"]
        .as_str()
        .unwrap_or("")
        .starts_with(&format!(
            "--desired={}: another jetpack-partner run (pid {})",
            desired.display(),
            first.pid()
        )));
    gate.open();
    assert_eq!(first.wait(PROMPTLY).status.code(), Some(0));
}

#[test]
fn a_missing_skip_done_file_is_created_and_a_missing_desired_file_is_not() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-lock-17"}"#),
    );
    let desired = env.root().join("nope.jsonl");
    let out = env
        .cmd_without_wp()
        .args(["apply", "-c=1234", &format!("-s={SECRET}")])
        .arg(format!("--desired={}", desired.display()))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(!desired.exists(), "a --desired file must not be created");
    assert!(env.api.requests().is_empty());
}
