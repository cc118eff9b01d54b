//! SPEC §9 "Signals", with real processes and real signals: a single run
//! ends its `wp` process group at once and exits 128+N with one
//! `interrupted` error saying whether a request may have reached
//! WordPress.com; a batch starts no new site, finishes and writes what is
//! in flight, prints its summary and exits 128+N; a second signal ends it
//! at once; a resume with `--skip-done` never provisions a site twice.
//!
//! Requests are held in flight by a [`Gate`] in the fake API, not by
//! sleeps, and every wait polls with a generous limit ([`PROMPTLY`]).

use crate::testenv::{
    self, assert_exit, live_group_members, stderr_json, wait_until, Gate, Reply, Running, TestEnv,
    PARTNER_TOKEN, PROMPTLY, PROVISION_PATH, SECRET, TOKEN_PATH,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::process::Output;
use std::time::Duration;

const NOTHING_SENT: &str = "before any request that changes something was sent: nothing was carried out, it is safe to run again";

/// The one JSON error of an interrupted single run.
fn interrupted(signal: &str, tail: &str) -> Value {
    let mut v = json!({
        "success": false,
        "error_code": "interrupted",
        "error_message": format!("interrupted by {signal} {tail}"),
    });
    // Sent: as on a batch line, `maybe_sent` says so to a machine.
    if tail != NOTHING_SENT {
        v["maybe_sent"] = json!(true);
    }
    v
}

/// The fake API answers requests whose path ends with `held` only once
/// `gate` is open (everything else at once): the token; a provision, with
/// its own siteurl; upgrade paths that include `premium`.
fn hold(env: &TestEnv, gate: &Gate, held: &'static str) {
    let gate = gate.clone();
    env.api.set_fallback(move |r| {
        if r.path.ends_with(held) {
            gate.pass();
        }
        match r.path.as_str() {
            TOKEN_PATH => Reply::json(200, &format!(r#"{{"access_token":"{PARTNER_TOKEN}"}}"#)),
            PROVISION_PATH => {
                let url = r.form_value("siteurl").unwrap_or("");
                Reply::json(
                    200,
                    &format!(r#"{{"success":true,"next_url":"{url}/next"}}"#),
                )
            }
            p if p.ends_with("/upgrade-paths") => {
                Reply::json(200, r#"{"jetpack-plans":["personal","premium"]}"#)
            }
            _ => Reply::json(404, testenv::NOT_FOUND_BODY),
        }
    });
}

/// A single provision without WordPress, sent `signal` while its request
/// to `path` is held in flight.
fn signalled_while_held(env: &TestEnv, path: &'static str, signal: &str) -> Output {
    let gate = Gate::new();
    hold(env, &gate, path);
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(testenv::provision_args_without_wp(&["--plan=premium"]));
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, &format!("a request to {path}"), || {
        env.api.requests_to(path).len() == 1
    });
    run.signal(signal);
    let out = run.wait(PROMPTLY);
    gate.open();
    out
}

#[test]
fn sigterm_while_wp_hangs_ends_its_process_group_and_nothing_was_sent() {
    let env = TestEnv::new();
    // Any call hangs (a stuck plugin): the facts eval never answers.
    env.wp
        .answer_bytes(None, b"", b"", 0, Some(Duration::from_secs(600)));
    let mut cmd = env.std_cmd();
    cmd.args(env.provision_args(&["--user=admin"]));
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "wp to start", || env.wp.call_pid(0).is_some());
    let group = env.wp.call_pid(0).unwrap_or_default();
    assert!(
        !live_group_members(group).is_empty(),
        "the hung wp runs in process group {group}"
    );

    run.signal("TERM");
    let out = run.wait(PROMPTLY);
    assert_exit(&out, 143);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(stderr_json(&out), interrupted("SIGTERM", NOTHING_SENT));
    assert!(
        env.api.requests().is_empty(),
        "nothing sent, not even the token call"
    );
    // The whole group (the wp script and the sleep it runs) was ended.
    wait_until(PROMPTLY, "the wp process group to end", || {
        live_group_members(group).is_empty()
    });
    assert_eq!(env.wp.calls().len(), 1);
}

#[test]
fn sigint_while_the_provision_is_in_flight_says_it_may_have_reached_wordpress_com() {
    let env = TestEnv::new();
    let out = signalled_while_held(&env, PROVISION_PATH, "INT");
    assert_exit(&out, 130);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        stderr_json(&out),
        interrupted(
            "SIGINT",
            "after POST /rest/v1.3/jpphp/provision was sent: it may have reached WordPress.com and been carried out; check the site (jetpack-partner status) before running it again"
        )
    );
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
    assert_eq!(
        env.api.requests().len(),
        2,
        "the token call and one provision"
    );
}

#[test]
fn sighup_during_the_token_call_exits_129_and_nothing_was_carried_out() {
    let env = TestEnv::new();
    let out = signalled_while_held(&env, TOKEN_PATH, "HUP");
    assert_exit(&out, 129);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    // Asking for a token changes nothing.
    assert_eq!(stderr_json(&out), interrupted("SIGHUP", NOTHING_SENT));
    assert!(env.api.requests_to(PROVISION_PATH).is_empty());
}

const SITES: usize = 6;

/// A batch file of [`SITES`] sites, and the batch command over it with
/// `--jobs=2`.
fn batch(env: &TestEnv) -> Vec<String> {
    let file = env.root().join("sites.jsonl");
    let mut text = String::new();
    for i in 0..SITES {
        text.push_str(&format!(
            "{{\"url\":\"https://s{i}.test\",\"user\":\"admin\",\"plan\":\"premium\"}}\n"
        ));
    }
    std::fs::write(&file, text).expect("batch file");
    vec![
        "provision".to_string(),
        "-c=1".into(),
        format!("-s={SECRET}"),
        "--jobs=2".into(),
        format!("--batch={}", file.display()),
    ]
}

/// The batch of [`batch`] with its provision answers held by `gate`,
/// stopped by SIGTERM once two provisions are in flight: the running
/// batch (it has said it starts no new site) and its arguments.
fn stopped_batch(env: &TestEnv, gate: &Gate) -> (Running, Vec<String>) {
    hold(env, gate, PROVISION_PATH);
    let args = batch(env);
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(&args);
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "two provisions in flight", || {
        provisioned(env).len() == 2
    });
    run.signal("TERM");
    run.wait_for_stderr("starting no new site");
    (run, args)
}

/// The batch `args` again, with `--skip-done=` the output of `stopped`.
fn resume(env: &TestEnv, args: &[String], stopped: &Output) -> Output {
    let done = env.root().join("done.jsonl");
    std::fs::write(&done, &stopped.stdout).expect("done file");
    env.cmd_without_wp()
        .args(args)
        .arg(format!("--skip-done={}", done.display()))
        .output()
        .expect("resume")
}

fn provisioned(env: &TestEnv) -> Vec<String> {
    env.api
        .requests_to(PROVISION_PATH)
        .iter()
        .map(|r| r.form_value("siteurl").unwrap_or("").to_string())
        .collect()
}

const STOPPING: &str = "jetpack-partner: SIGTERM: starting no new site; finishing the requests in flight (signal again to stop at once)\n";
/// The same when nothing is in flight: one signal ends the run.
const STOPPING_IDLE: &str = "jetpack-partner: SIGTERM: stopping (nothing was in flight)\n";

#[test]
fn batch_finishes_the_requests_in_flight_and_a_resume_provisions_every_site_once() {
    let env = TestEnv::new();
    let gate = Gate::new();
    let (run, args) = stopped_batch(&env, &gate);
    // Only now do the two requests in flight get their answers.
    gate.open();
    let out = run.wait(PROMPTLY);
    assert_exit(&out, 143);
    let in_flight = provisioned(&env);
    assert_eq!(in_flight.len(), 2, "no new site started: {in_flight:?}");
    // Their lines were written, one per site, in full.
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut written: Vec<String> = stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let site = v["site"].as_str().unwrap_or_default().to_string();
            let mut v = crate::fleet::without_record(&v);
            v.as_object_mut().map(|o| o.remove("line"));
            assert_eq!(
                v,
                json!({"command": "provision", "site": site, "plan": "premium", "success": true,
                       "changed": true, "answer": {"success": true, "next_url": format!("{site}/next")}})
            );
            site
        })
        .collect();
    written.sort();
    let mut want = in_flight.clone();
    want.sort();
    assert_eq!(written, want);
    // The summary counts the lines read before the signal (all six, unless
    // the reader was slower than two requests over HTTP): two done, the
    // rest not started.
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let read = (2..=SITES)
        .find(|n| {
            stderr
                == format!("{STOPPING}jetpack-partner: {n} sites: 2 changed, 0 unchanged, 0 failed, 0 skipped (done or listed twice), {} not started (SIGTERM)\n", n - 2)
        })
        .unwrap_or_else(|| panic!("stderr: {stderr}"));
    eprintln!("{read} lines read before the signal");

    // Resume from the interrupted run's output.
    let out = resume(&env, &args, &out);
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "jetpack-partner: 6 sites: 4 changed, 0 unchanged, 0 failed, 2 skipped (done or listed twice)\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
    // Across both runs: every site provisioned, none twice.
    let mut times: HashMap<String, usize> = HashMap::new();
    for site in provisioned(&env) {
        *times.entry(site).or_default() += 1;
    }
    let want: HashMap<String, usize> = (0..SITES)
        .map(|i| (format!("https://s{i}.test"), 1))
        .collect();
    assert_eq!(times, want);
    assert_eq!(
        env.api.requests_to(TOKEN_PATH).len(),
        2,
        "one token per run"
    );
}

/// The second signal ends the run at once, without the answers in flight,
/// but with a record: each site in flight gets a line saying its provision
/// may have been carried out, the summary counts them as failed, and a
/// resume from that output leaves them alone (SPEC §9: never the same
/// provision twice).
#[test]
fn a_second_signal_ends_a_batch_at_once_and_the_resume_sends_nothing_twice() {
    let env = TestEnv::new();
    let gate = Gate::new();
    let (run, args) = stopped_batch(&env, &gate);
    run.signal("TERM");
    // The gate stays shut (up to Gate::HOLD_AT_MOST, far longer than this
    // wait): the run must end without the answers in flight.
    let out = run.wait(PROMPTLY);
    gate.open();
    assert_exit(&out, 143);
    let in_flight = provisioned(&env);
    assert_eq!(in_flight.len(), 2, "no new site started");
    let mut written: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    written.sort_by_key(|v| v["site"].as_str().map(str::to_string));
    let mut sites = in_flight.clone();
    sites.sort();
    let want: Vec<Value> = sites
        .iter()
        .map(|site| {
            json!({"command": "provision", "site": site, "plan": "premium", "success": false,
                   "changed": false, "error_code": "interrupted",
                   "error_message": "interrupted by SIGTERM after POST /rest/v1.3/jpphp/provision was sent: it may have reached WordPress.com and been carried out; check the site (jetpack-partner status) before running it again",
                   "maybe_sent": true})
        })
        .collect();
    let written: Vec<Value> = written
        .iter()
        .map(|v| {
            let mut v = crate::fleet::without_record(v);
            v.as_object_mut().map(|o| o.remove("line"));
            v
        })
        .collect();
    assert_eq!(written, want);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        (2..=SITES).any(|n| stderr
            == format!("{STOPPING}jetpack-partner: {n} sites: 0 changed, 0 unchanged, 2 failed, 0 skipped (done or listed twice), {} not started (SIGTERM)\n", n - 2)),
        "stderr: {stderr}"
    );

    // The resume provisions the four others and leaves the two alone.
    let out = resume(&env, &args, &out);
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "jetpack-partner: --skip-done: 2 earlier line(s) say the request may have been carried out (\"maybe_sent\"); those sites are skipped: check them with jetpack-partner status\n\
         jetpack-partner: 6 sites: 4 changed, 0 unchanged, 0 failed, 2 skipped (done or listed twice)\n"
    );
    let mut times: HashMap<String, usize> = HashMap::new();
    for site in provisioned(&env) {
        *times.entry(site).or_default() += 1;
    }
    let want: HashMap<String, usize> = (0..SITES)
        .map(|i| (format!("https://s{i}.test"), 1))
        .collect();
    assert_eq!(times, want, "every site once across both runs");
}

#[test]
fn after_a_batch_signal_a_site_not_yet_sending_its_provision_sends_none() {
    // --check-upgrade asks the upgrade paths first: the signal comes while
    // those (reads) are in flight, and the provisions after them were
    // not, so they are not sent.
    let env = TestEnv::new();
    let gate = Gate::new();
    hold(&env, &gate, "/upgrade-paths");
    let file = env.root().join("sites.jsonl");
    std::fs::write(
        &file,
        "{\"url\":\"https://a.test\"}\n{\"url\":\"https://b.test\"}\n",
    )
    .expect("batch file");
    let args = [
        "provision".to_string(),
        "-c=1".into(),
        format!("-s={SECRET}"),
        "--user=admin".into(),
        "--plan=premium".into(),
        "--check-upgrade".into(),
        "--jobs=2".into(),
        format!("--batch={}", file.display()),
    ];
    let upgrade_paths = |env: &TestEnv| {
        env.api
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/upgrade-paths"))
            .count()
    };
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(&args);
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "two upgrade-paths requests in flight", || {
        upgrade_paths(&env) == 2
    });

    run.signal("TERM");
    run.wait_for_stderr("starting no new site");
    gate.open();
    let out = run.wait(PROMPTLY);
    assert_exit(&out, 143);
    assert!(provisioned(&env).is_empty(), "{:?}", provisioned(&env));
    let mut lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    lines.sort_by_key(|v| v["site"].to_string());
    let line = |site: &str, n: usize| {
        json!({"command": "provision", "site": site, "plan": "premium", "success": false,
               "changed": false, "error_code": "interrupted",
               "error_message": format!("interrupted by SIGTERM {NOTHING_SENT}"), "line": n})
    };
    let lines: Vec<Value> = lines.iter().map(crate::fleet::without_record).collect();
    assert_eq!(
        lines,
        [line("https://a.test", 1), line("https://b.test", 2)]
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{STOPPING}jetpack-partner: 2 sites: 0 changed, 0 unchanged, 2 failed, 0 skipped (done or listed twice), 0 not started (SIGTERM)\n")
    );

    // A resume does them.
    let out = resume(&env, &args, &out);
    assert_exit(&out, 0);
    let mut sent = provisioned(&env);
    sent.sort();
    assert_eq!(sent, ["https://a.test", "https://b.test"]);
}

#[test]
fn the_authorize_step_of_a_provision_in_flight_survives_a_batch_signal() {
    let env = TestEnv::new();
    let gate = Gate::new();
    let held = gate.clone();
    let answer =
        r#"{"success":true,"access_token":"site-token-1","next_url":"","auth_required":false}"#;
    env.api.set_fallback(move |r| match r.path.as_str() {
        TOKEN_PATH => Reply::json(200, &format!(r#"{{"access_token":"{PARTNER_TOKEN}"}}"#)),
        PROVISION_PATH => {
            held.pass();
            Reply::json(200, answer)
        }
        _ => Reply::json(404, testenv::NOT_FOUND_BODY),
    });
    let url = "--url=http://a.test";
    env.answer_facts(
        &[url],
        "",
        json!({"user_id": 1, "siteurl": "http://a.test", "home": "http://a.test", "blog_id": 0, "activate": "ok"}),
    );
    let authorize = env.wp_argv(&[
        url,
        "--user=admin",
        "jetpack",
        "authorize_user",
        "--token=site-token-1",
    ]);
    let authorize: Vec<&str> = authorize.iter().map(String::as_str).collect();
    env.wp
        .answer_with(&authorize, "Success: Granted access.\n", "", 0);
    let file = env.root().join("sites.jsonl");
    std::fs::write(&file, "{\"url\":\"http://a.test\"}\n").expect("batch file");
    let mut cmd = env.std_cmd();
    cmd.args(env.provision_args(&["--user=admin", "--wpcom_user_id=5"]))
        .arg(format!("--batch={}", file.display()));
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "the provision request", || {
        provisioned(&env).len() == 1
    });

    run.signal("TERM");
    run.wait_for_stderr("starting no new site");
    // The provision was carried out: its authorize step runs after the
    // signal, and the site's line says it all went well.
    gate.open();
    let out = run.wait(PROMPTLY);
    assert_exit(&out, 143);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(&format!("{{\"command\":\"provision\",\"site\":\"http://a.test\",\"success\":true,\"changed\":true,\"answer\":{answer},\"line\":1,")),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1);
    let calls = env.wp.calls();
    assert_eq!(calls.len(), 2, "the facts, then authorize_user: {calls:?}");
    assert_eq!(calls[1], authorize);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{STOPPING}jetpack-partner: 1 site: 1 changed, 0 unchanged, 0 failed, 0 skipped (done or listed twice), 0 not started (SIGTERM)\n")
    );
}

/// `--batch=-` from a feed that has not ended (a pipe its writer keeps
/// open): a signal ends the run once the sites in flight are done, without
/// waiting for the next line that may never come.
#[test]
fn a_batch_from_an_open_stdin_ends_on_a_signal_without_waiting_for_input() {
    let env = TestEnv::new();
    let gate = Gate::new();
    gate.open();
    hold(&env, &gate, PROVISION_PATH);
    let mut cmd = env.std_cmd_without_wp();
    cmd.args([
        "provision",
        "-c=1",
        &format!("-s={SECRET}"),
        "--jobs=2",
        "--batch=-",
    ]);
    let (run, mut feed) = Running::spawn_feeding(cmd);
    for i in 0..2 {
        writeln!(
            feed,
            r#"{{"url":"https://s{i}.test","user":"admin","plan":"premium"}}"#
        )
        .expect("feed a line");
    }
    feed.flush().expect("feed");
    wait_until(PROMPTLY, "two provisions answered", || {
        run.stdout_text().lines().count() == 2
    });
    run.signal("TERM");
    let out = run.wait(PROMPTLY);
    drop(feed);
    assert_exit(&out, 143);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        // Both sites were done: the note promises nothing to finish.
        format!("{STOPPING_IDLE}jetpack-partner: 2 sites: 2 changed, 0 unchanged, 0 failed, 0 skipped (done or listed twice), 0 not started (SIGTERM)\n")
    );
    assert_eq!(provisioned(&env).len(), 2);
}

/// A `--skip-done` file that never ends (`/dev/zero`: no line, ever) is
/// read in bounded memory until a signal, which ends the run with the
/// `interrupted` error and 128+N; nothing was sent.
#[test]
fn a_skip_done_file_that_never_ends_gives_way_to_a_signal() {
    let env = TestEnv::new();
    let mut args = batch(&env);
    args.push("--skip-done=/dev/zero".into());
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(&args);
    let run = Running::spawn(cmd);
    std::thread::sleep(Duration::from_millis(300));
    run.signal("TERM");
    let out = run.wait(PROMPTLY);
    assert_exit(&out, 143);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    // (Without the STOPPING note if the signal came before the batch began.)
    let error = format!("{}\n", interrupted("SIGTERM", NOTHING_SENT));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr == format!("{STOPPING_IDLE}{error}") || stderr == error,
        "{stderr}"
    );
    assert!(env.api.requests().is_empty());
}

/// A `--skip-done` fed by a FIFO whose writer never finishes gives way to
/// the first signal (the run ends with its `interrupted` error); nothing
/// was sent.
#[test]
fn a_skip_done_fifo_that_stays_open_gives_way_to_a_signal() {
    let env = TestEnv::new();
    let fifo = env.root().join("done.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let mut args = batch(&env);
    args.push(format!("--skip-done={}", fifo.display()));
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(&args);
    let run = Running::spawn(cmd);
    // The writer: one line, then it holds the FIFO open.
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open the FIFO for writing");
    writeln!(
        writer,
        r#"{{"command":"provision","site":"https://s0.test","plan":"premium","success":true}}"#
    )
    .expect("write");
    writer.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(200));
    run.signal("TERM");
    let out = run.wait(PROMPTLY);
    drop(writer);
    assert_exit(&out, 143);
    let error = format!("{}\n", interrupted("SIGTERM", NOTHING_SENT));
    // Nothing was in flight: the note does not promise to finish anything.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{STOPPING_IDLE}{error}")
    );
    assert!(env.api.requests().is_empty());
}

/// A second signal while the batch's token call is still out: the run ends
/// at once, with its summary (nothing read yet, nothing done).
#[test]
fn a_second_signal_during_the_token_call_still_ends_with_the_summary() {
    let env = TestEnv::new();
    let gate = Gate::new();
    hold(&env, &gate, TOKEN_PATH);
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(batch(&env));
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "the token call", || {
        env.api.requests_to(TOKEN_PATH).len() == 1
    });
    run.signal("TERM");
    run.wait_for_stderr("starting no new site");
    run.signal("TERM");
    let out = run.wait(PROMPTLY);
    gate.open();
    assert_exit(&out, 143);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{STOPPING}jetpack-partner: 0 sites: 0 changed, 0 unchanged, 0 failed, 0 skipped (done or listed twice), 0 not started (SIGTERM)\n")
    );
    assert!(env.api.requests_to(PROVISION_PATH).is_empty());
}

/// SIGHUP, then SIGINT: the run is named and ended by the first (exit 129).
#[test]
fn the_first_signal_names_and_ends_the_batch() {
    let env = TestEnv::new();
    let gate = Gate::new();
    hold(&env, &gate, PROVISION_PATH);
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(batch(&env));
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "two provisions in flight", || {
        provisioned(&env).len() == 2
    });
    run.signal("HUP");
    run.wait_for_stderr("starting no new site");
    run.signal("INT");
    let out = run.wait(PROMPTLY);
    gate.open();
    assert_exit(&out, 129);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.ends_with("not started (SIGHUP)\n"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("interrupted by SIGHUP"));
}

/// `--batch`, `--desired` or `--skip-done` naming a FIFO nobody writes to
/// (issue 17, defect 2): one signal ends the run at once — nothing is in
/// flight, so nothing is waited for, and the note says so.
#[test]
fn a_fifo_without_a_writer_gives_way_to_one_signal() {
    for (command, flag) in [
        ("provision", "--batch"),
        ("apply", "--desired"),
        ("provision", "--skip-done"),
    ] {
        let env = TestEnv::new();
        env.api.token_ok(testenv::PARTNER_TOKEN);
        let fifo = env.root().join("lines.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let mut cmd = env.std_cmd_without_wp();
        cmd.args([command, "-c=1", &format!("-s={SECRET}"), "--user=admin"]);
        cmd.arg(format!("{flag}={}", fifo.display()));
        if flag == "--skip-done" {
            let input = env.root().join("b.jsonl");
            std::fs::write(&input, "{\"url\":\"https://a.test\"}\n").expect("write");
            cmd.arg(format!("--batch={}", input.display()));
        }
        let run = Running::spawn(cmd);
        std::thread::sleep(Duration::from_millis(300));
        run.signal("TERM");
        let out = run.wait(PROMPTLY);
        assert_exit(&out, 143);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(STOPPING_IDLE), "{command} {flag}: {err}");
        assert!(!err.contains("finishing"), "{command} {flag}: {err}");
        assert!(
            env.api.requests_to(PROVISION_PATH).is_empty(),
            "{command} {flag}"
        );
    }
}

/// Issue 17 defect 10: SIGTERM during `apply` while the first of two
/// provisions is in flight: the first finishes, the second is not sent,
/// and the line says a request was carried out (`maybe_sent`), not
/// "nothing was carried out" beside its own actions showing the provision.
#[test]
fn a_signal_between_two_apply_changes_says_the_first_was_carried_out() {
    let env = TestEnv::new();
    let gate = Gate::new();
    let held = gate.clone();
    env.api.set_fallback(move |r| match r.path.as_str() {
        TOKEN_PATH => Reply::json(200, &format!(r#"{{"access_token":"{PARTNER_TOKEN}"}}"#)),
        PROVISION_PATH => {
            held.pass();
            Reply::json(200, r#"{"success":true}"#)
        }
        _ => Reply::json(200, r#"{"blog":{"is_connected":true},"products":[]}"#),
    });
    let desired = env.root().join("desired.jsonl");
    std::fs::write(
        &desired,
        "{\"url\":\"https://a.test\",\"user\":\"admin\",\"products\":[\"premium\",\"jetpack-scan\"]}\n",
    )
    .expect("write");
    let mut cmd = env.std_cmd_without_wp();
    cmd.args([
        "apply",
        "-c=1",
        &format!("-s={SECRET}"),
        &format!("--desired={}", desired.display()),
    ]);
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "the first provision", || {
        env.api.requests_to(PROVISION_PATH).len() == 1
    });
    run.signal("TERM");
    run.wait_for_stderr("starting no new site");
    gate.open();
    let out = run.wait(PROMPTLY);
    assert_exit(&out, 143);
    assert_eq!(
        provisioned(&env).len(),
        1,
        "the second provision is not sent"
    );
    let line: Value = serde_json::from_str(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or(""),
    )
    .expect("one line");
    assert_eq!(line["success"], json!(false), "{line}");
    assert_eq!(line["error_code"], json!("interrupted"));
    assert_eq!(line["maybe_sent"], json!(true), "{line}");
    assert_eq!(line["changed"], json!(true), "{line}");
    let message = line["error_message"].as_str().unwrap_or("");
    assert!(
        message.contains("after POST /rest/v1.3/jpphp/provision was sent"),
        "{message}"
    );
    assert!(!message.contains("nothing was carried out"), "{message}");
    assert_eq!(line["actions"][0]["success"], json!(true));
}
