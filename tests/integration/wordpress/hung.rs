//! A `wp` that hangs: `wp_timeout` well before it would return, the whole
//! process group killed (children holding its pipes included), and with
//! `--url` the run goes on without it.

use super::{api_ok, assert_provisioned, provision_args, run, write_script};
use crate::testenv::{
    self, failure_message, Reply, TestEnv, PARTNER_TOKEN, PROVISION_OK, PROVISION_PATH, SECRET,
};
use std::time::{Duration, Instant};

#[test]
fn hung_wp_is_wp_timeout_well_before_it_would_return() {
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, b"", b"", 0, Some(Duration::from_secs(30)));
    api_ok(&env);

    let started = Instant::now();
    let out = run(env.cmd().args(provision_args(&env, &["--wp-timeout=0.5"])));
    let took = started.elapsed();
    let msg = failure_message(&out, "wp_timeout");
    assert!(msg.contains("--wp-timeout"), "says what to raise: {msg}");
    assert!(msg.contains("0.5"), "says the limit: {msg}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(env.api.requests().is_empty(), "nothing sent");
    assert_eq!(env.wp.calls().len(), 1, "gave up at the first (hung) call");
}

#[test]
fn hung_wp_with_url_falls_back_quickly() {
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, b"", b"", 0, Some(Duration::from_secs(30)));
    api_ok(&env);
    let started = Instant::now();
    let out = run(env.cmd().args(provision_args(
        &env,
        &["--wp-timeout=0.5", "--url=https://fallback.test/shop"],
    )));
    let took = started.elapsed();
    testenv::assert_success(&out, PROVISION_OK);
    assert_provisioned(&env, "https://fallback.test/shop");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(env.wp.calls().len(), 1, "nothing after the hung call");

    // cancel: the blog id lookup hangs, --url names the site.
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, b"", b"", 0, Some(Duration::from_secs(30)));
    env.api.token_ok(PARTNER_TOKEN);
    let cancel_path = "/rest/v1.3/jpphp/fallback.test::shop/partner-cancel";
    env.api
        .reply("POST", cancel_path, Reply::json(200, r#"{"success":true}"#));
    let started = Instant::now();
    let out = run(env.cmd().args([
        "cancel",
        "-c=1234",
        &format!("-s={SECRET}"),
        "--wp-timeout=0.5",
        "--url=https://fallback.test/shop",
    ]));
    let took = started.elapsed();
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.api.requests_to(cancel_path).len(), 1);
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

/// Is process `pid` gone (or a zombie, i.e. dead but not yet reaped)?
/// `comm` guards against the pid having been reused meanwhile.
fn dead(pid: u32, comm: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    let name = stat
        .split_once('(')
        .and_then(|(_, r)| r.rsplit_once(')'))
        .map(|(n, _)| n)
        .unwrap_or("");
    let state = stat.rsplit_once(") ").map(|(_, r)| r.chars().next());
    name != comm || state == Some(Some('Z')) || state == Some(Some('X'))
}

#[test]
fn hung_wp_is_killed_with_its_whole_process_group() {
    let env = TestEnv::new();
    let dir = env.root().join("hang");
    // A wrapper (as `wp` often is: sh around `php wp-cli.phar`) whose child
    // hangs holding the pipes.
    let script = write_script(
        &dir,
        "wp",
        &format!(
            "#!/bin/sh\necho $$ > '{d}/wrapper.pid'\nsleep 30 &\necho $! > '{d}/child.pid'\nwait\n",
            d = dir.display()
        ),
        0o755,
    );
    api_ok(&env);
    let started = Instant::now();
    let out = run(env.cmd().args(provision_args(
        &env,
        &[
            "--wp-timeout=1",
            &format!("--wp-cli-path={}", script.display()),
        ],
    )));
    let took = started.elapsed();
    failure_message(&out, "wp_timeout");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert!(env.api.requests().is_empty());

    let read_pid = |f: &str| -> u32 {
        std::fs::read_to_string(dir.join(f))
            .unwrap_or_else(|e| panic!("{f}: {e}"))
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{f}: {e}"))
    };
    let (wrapper, child) = (read_pid("wrapper.pid"), read_pid("child.pid"));
    let deadline = Instant::now() + Duration::from_secs(3);
    while !(dead(wrapper, "wp") && dead(child, "sleep")) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let alive = !(dead(wrapper, "wp") && dead(child, "sleep"));
    if alive {
        // Do not leave it behind for the rest of the test run.
        let _ = std::process::Command::new("kill")
            .args(["-9", &child.to_string(), &wrapper.to_string()])
            .status();
    }
    assert!(dead(wrapper, "wp"), "the wp wrapper survived");
    assert!(!alive, "the wrapper's child (PHP's stand-in) survived");
}

/// A `wp` that exits at once but leaves a child holding its stdout open
/// (a wrapper or plugin that starts something in the background) must not
/// keep us waiting past --wp-timeout: docs/guarantees.md, "Time limits".
#[test]
fn wp_leaving_a_child_on_its_pipes_is_still_bounded() {
    let env = TestEnv::new();
    let dir = env.root().join("linger");
    let script = write_script(
        &dir,
        "wp",
        "#!/bin/sh\ncase \"$*\" in *'user get'*) sleep 8 & ;; esac\necho 1\necho http://site.test\nexit 0\n",
        0o755,
    );
    api_ok(&env);
    let started = Instant::now();
    let out = run(env.cmd().args(provision_args(
        &env,
        &[
            "--wp-timeout=1",
            &format!("--wp-cli-path={}", script.display()),
        ],
    )));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // Either outcome is acceptable as long as it is bounded and clean.
    match out.status.code() {
        Some(0) => assert_provisioned(&env, "http://site.test"),
        _ => {
            failure_message(&out, "wp_timeout");
        }
    }
}

#[test]
fn hung_wp_is_killed_at_the_limit() {
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, b"", b"", 0, Some(Duration::from_secs(30)));
    api_ok(&env);
    let mut args = provision_args(&env, &["--wp-timeout=0.5"]);
    let started = std::time::Instant::now();
    let out = run(env.cmd().args(&args));
    let msg = failure_message(&out, "wp_timeout");
    assert!(msg.contains("--wp-timeout"), "{msg}");
    // Killed, not waited for: far below the fake's 30 s.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(env.api.requests().is_empty());

    // With --url the provision goes on without WordPress.
    args.push("--url=https://e.test".into());
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(p.form_value("siteurl"), Some("https://e.test"));
}
