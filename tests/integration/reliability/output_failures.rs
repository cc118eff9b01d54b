//! SPEC §9 "Output that cannot be written": a stdout that cannot take the
//! answer (full disk, closed pipe) is `output_failed`, exit 1, saying the
//! request was carried out; a stderr that cannot be written never aborts
//! the run; a batch that cannot write its lines starts no new site.

use crate::testenv::{
    self, assert_exit, provision_args_without_wp, stderr_json, Reply, TestEnv, PROVISION_OK,
    PROVISION_PATH, SECRET,
};
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::process::{Output, Stdio};

fn dev_full() -> File {
    OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full (a device that is always full)")
}

/// Which streams go to `/dev/full`.
#[derive(Clone, Copy, PartialEq)]
enum Full {
    Stdout,
    Stderr,
    Both,
}

/// `provision` without WordPress, plus `extra`, writing into a full disk.
fn provision_into(full: Full, env: &TestEnv, extra: &[&str]) -> Output {
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(provision_args_without_wp(extra));
    if full != Full::Stderr {
        cmd.stdout(dev_full());
    }
    if full != Full::Stdout {
        cmd.stderr(dev_full());
    }
    cmd.output().expect("run")
}

const CARRIED_OUT: &str = "; the request was carried out, so check the site (jetpack-partner status) before running it again";

#[test]
fn a_full_stdout_after_a_provision_is_output_failed_and_says_it_was_carried_out() {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = provision_into(Full::Stdout, &env, &[]);
    assert_exit(&out, 1);
    assert_eq!(
        stderr_json(&out),
        json!({
            "success": false,
            "error_code": "output_failed",
            "error_message": format!("the answer could not be written to stdout (No space left on device (os error 28)){CARRIED_OUT}"),
        })
    );
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
}

#[test]
fn a_closed_stdout_pipe_is_output_failed_not_a_broken_pipe_death() {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let mut child = env
        .std_cmd_without_wp()
        .args(provision_args_without_wp(&[]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Nobody will read the answer: the pipe's only reader goes away before
    // the binary has anything to write (it first talks to the API).
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_exit(&out, 1);
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("output_failed"), "{err}");
    assert_eq!(
        err["error_message"],
        json!(format!(
            "the answer could not be written to stdout (Broken pipe (os error 32)){CARRIED_OUT}"
        ))
    );
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
}

#[test]
fn a_dry_run_to_a_full_stdout_says_nothing_was_sent() {
    let env = TestEnv::new();
    let out = provision_into(Full::Stdout, &env, &["--dry-run"]);
    assert_exit(&out, 1);
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("output_failed"), "{err}");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.ends_with("; nothing was sent")),
        "{err}"
    );
    assert!(env.api.requests().is_empty());
}

#[test]
fn a_full_stderr_never_aborts_the_run() {
    // A failing run: its error cannot be written, the exit code still says
    // what happened (1, not a panic's 101 or an abort's 134).
    let env = TestEnv::new();
    env.provision_replies(Reply::json(
        400,
        r#"{"error":"invalid_plan","message":"nope is not a valid plan"}"#,
    ));
    let out = provision_into(Full::Stderr, &env, &["--plan=nope"]);
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);

    // A usage error's text cannot be written either: still exit 1.
    let out = env
        .std_cmd_without_wp()
        .args(["provision", "--no-such-flag"])
        .stderr(dev_full())
        .output()
        .expect("run");
    assert_exit(&out, 1);

    // A successful run whose --verbose notes cannot be written: exit 0 and
    // the answer on stdout.
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = provision_into(Full::Stderr, &env, &["--verbose"]);
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{PROVISION_OK}\n")
    );

    // Neither stream can be written: the answer is lost and so is the
    // error saying so, but the exit code still tells.
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = provision_into(Full::Both, &env, &[]);
    assert_exit(&out, 1);
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
}

#[test]
fn a_batch_that_cannot_write_its_lines_stops_starting_sites() {
    let env = TestEnv::new();
    env.api.token_ok(testenv::PARTNER_TOKEN);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, PROVISION_OK));
    let file = env.root().join("sites.jsonl");
    let sites = 20;
    let text: String = (0..sites)
        .map(|i| format!("{{\"url\":\"https://s{i}.test\",\"user\":\"admin\"}}\n"))
        .collect();
    std::fs::write(&file, text).expect("batch file");
    let out = env
        .std_cmd_without_wp()
        .args(["provision", "-c=1", &format!("-s={SECRET}"), "--jobs=1"])
        .arg(format!("--batch={}", file.display()))
        .stdout(dev_full())
        .output()
        .expect("run");
    assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let last = stderr.lines().last().unwrap_or_default();
    let err: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(err["error_code"], json!("output_failed"), "{stderr}");
    let message = err["error_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("result lines could not be written to stdout")
            && message.contains("no new site was started after the first failed write"),
        "{message}"
    );
    // A worker writes its site's line before it takes the next site: with
    // one worker, the first failed write means no second provision.
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1, "{stderr}");
    // The summary says what was read and never started.
    let summary = stderr.lines().next().unwrap_or_default();
    let read: usize = summary
        .strip_prefix("jetpack-partner: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("summary: {summary}"));
    assert_eq!(
        summary,
        format!(
            "jetpack-partner: {read} sites: 1 changed, 0 unchanged, 0 failed, 0 skipped (done or listed twice), {} not started (stdout failed)",
            read - 1
        )
    );
}

/// Help and version that cannot be written exit 1.
#[test]
fn help_and_version_that_cannot_be_written_exit_1() {
    let env = TestEnv::new();
    for flag in ["--help", "-V"] {
        let out = env
            .std_cmd_without_wp()
            .args(["provision", flag])
            .stdout(dev_full())
            .output()
            .expect("run");
        assert_exit(&out, 1);
    }
}

// SPEC §9a "Read-only output to a closed pipe": `sites`, `status`,
// `errors`, `upgrade-paths` and any `--dry-run` stop quietly with exit 0
// when the reader goes away (`| head -1`); commands that change something
// keep `output_failed` (above).

/// Run `cmd`, read its first line of stdout, then close the pipe as `head
/// -1` does; the whole output of the run.
fn head_1(mut cmd: std::process::Command) -> (String, std::process::Output) {
    use std::io::BufRead;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out)
            .read_line(&mut first)
            .expect("first line");
    }
    (first, child.wait_with_output().expect("wait"))
}

#[test]
fn a_read_only_batch_into_a_closed_pipe_stops_quietly_with_exit_0() {
    let env = TestEnv::new();
    env.api.token_ok(testenv::PARTNER_TOKEN);
    env.api.set_fallback(|_| {
        Reply::json(200, r#"{"blog":{"is_connected":true},"products":[]}"#)
            .delay(std::time::Duration::from_millis(20))
    });
    let sites = 40;
    let file = env.root().join("sites.jsonl");
    let text: String = (0..sites)
        .map(|i| format!("{{\"blog_id\":{}}}\n", 1000 + i))
        .collect();
    std::fs::write(&file, text).expect("batch file");
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(["status", "-c=1", &format!("-s={SECRET}"), "--jobs=1"])
        .arg(format!("--batch={}", file.display()));
    let (first, out) = head_1(cmd);
    assert!(first.contains("\"success\":true"), "{first}");
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no error, no summary"
    );
    // It stopped: no new site after the reader went away.
    let asked = env.api.requests().len();
    assert!(asked < sites, "{asked} requests");
}

#[test]
fn a_scan_into_a_closed_pipe_stops_quietly_with_exit_0() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    for n in 0..300 {
        let site = www.join(format!("site{n:03}"));
        std::fs::create_dir_all(site.join("wp-includes")).expect("mkdir");
        std::fs::write(site.join("wp-config.php"), "<?php\n").expect("config");
        std::fs::write(site.join("wp-load.php"), "<?php\n").expect("load");
    }
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(["sites", &format!("--scan={}", www.display())]);
    let (first, out) = head_1(cmd);
    assert!(first.contains("site000"), "{first}");
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn errors_and_a_dry_run_into_a_closed_pipe_end_quietly_and_cancel_does_not() {
    let env = TestEnv::new();
    env.api.reply(
        "GET",
        "/rest/v1.3/jpphp/errors",
        Reply::json(200, r#"{"errors":{"invalid_plan":"x"}}"#)
            .delay(std::time::Duration::from_millis(200)),
    );
    env.provision_replies(Reply::json(200, PROVISION_OK));
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/e.test/partner-cancel",
        Reply::json(200, r#"{"success":true}"#),
    );
    let closed = |args: Vec<String>| {
        let mut child = env
            .std_cmd_without_wp()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        child.wait_with_output().expect("wait")
    };
    let out = closed(vec!["errors".into()]);
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let out = closed(provision_args_without_wp(&["--dry-run"]));
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // cancel changes something: the reader going away is output_failed.
    let out = closed(vec![
        "cancel".into(),
        "-c=1".into(),
        format!("-s={SECRET}"),
        "--url=https://e.test".into(),
    ]);
    assert_exit(&out, 1);
    assert_eq!(stderr_json(&out)["error_code"], json!("output_failed"));
}
