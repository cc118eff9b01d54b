//! WP-CLI misbehaving: no `wp` at all, no WordPress where it looks, refusing
//! to run as root, a `wp` that hangs, dies of a PHP fatal error (exit 255),
//! floods its pipes with megabytes, cannot be executed, has the command we
//! need disabled in its config, prints plugin noise or HTML (on the same
//! line as the value), or whose Jetpack steps (activate, authorize_user)
//! fail.
//!
//! Wording: WP-CLI's own messages are from its source (`Runner.php`:
//! "The '%s' command has been disabled from the config file.", printed by
//! `WP_CLI::error`, so `Error: ` on stderr and exit 1) or from the recorded
//! transcripts in `tests/fixtures/wp-cli/`. PHP's out-of-memory fatal error
//! is PHP's own text; PHP exits 255 on a fatal error when WordPress's
//! handler is not in the way (e.g. during WP-CLI's bootstrap).
//!
//! Every case asserts exit code, exact error_code (or the exact answer when
//! the run goes on), what reached the fake API and, for hangs, that the run
//! stays far below the hang's length.

use crate::testenv::{
    self, failure_message, pairs, run_clean, Reply, TestEnv, PARTNER_TOKEN, PROVISION_OK,
    PROVISION_PATH, SECRET,
};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// The token and provision calls succeed.
fn api_ok(env: &TestEnv) {
    env.provision_replies(Reply::json(200, PROVISION_OK));
}

/// `provision --user=admin` with the usual credentials and WordPress
/// flags, then `extra`.
fn provision_args(env: &TestEnv, extra: &[&str]) -> Vec<String> {
    let mut v = env.provision_args(&["--user=admin"]);
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// Runs it within a minute; no secret or token may show up in the output.
fn run(cmd: &mut assert_cmd::Command) -> Output {
    cmd.timeout(Duration::from_secs(60));
    run_clean(cmd, &[PARTNER_TOKEN])
}

/// This `wp` call (after the usual globals) prints these bytes and exits.
fn answer(env: &TestEnv, cmd: &[&str], stdout: &[u8], stderr: &[u8], code: i32) {
    let argv = env.wp_argv(cmd);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    env.wp.answer_bytes(Some(&argv), stdout, stderr, code, None);
}

/// The provision request, checked to carry exactly this siteurl and user.
fn assert_provisioned(env: &TestEnv, siteurl: &str) {
    let p = env.api.requests_to(PROVISION_PATH);
    assert_eq!(p.len(), 1, "one provision");
    assert_eq!(p[0].form_value("siteurl"), Some(siteurl));
    assert_eq!(p[0].form_value("local_user"), Some("admin"));
    assert_eq!(
        p[0].header("authorization"),
        Some(format!("Bearer {PARTNER_TOKEN}").as_str())
    );
}

/// Runs provision (`--user=admin` and `extra`), which must succeed and send
/// this siteurl.
fn assert_provisions(env: &TestEnv, extra: &[&str], siteurl: &str) {
    let out = run(env.cmd().args(provision_args(env, extra)));
    testenv::assert_success(&out, PROVISION_OK);
    assert_provisioned(env, siteurl);
}

/// Writes an executable script (`mode` 0o755) or a plain file.
fn write_script(dir: &Path, name: &str, body: &str, mode: u32) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write script");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    p
}

// ---------------------------------------------------------------------------
// No wp on PATH, no WordPress where it looks, refused as root.

#[test]
fn without_wp_and_without_url_says_wp_not_found() {
    let env = TestEnv::new();
    api_ok(&env);
    let out = run(env.cmd_without_wp().args([
        "provision",
        "-c=1234",
        &format!("-s={SECRET}"),
        "-i=admin",
    ]));
    failure_message(&out, "wp_not_found");
    assert_eq!(env.api.requests().len(), 0);
}

#[test]
fn not_a_wordpress_install() {
    let env = TestEnv::new();
    env.wp.answer_any("not-a-wordpress-install");
    api_ok(&env);
    // No --path: WP-CLI looks from the working directory.
    let out = run(env.cmd().args([
        "provision",
        "-c=1",
        &format!("-s={SECRET}"),
        "-i=admin",
        "--allow-root",
    ]));
    let msg = failure_message(&out, "wp_not_wordpress");
    assert!(msg.contains("--path"), "{msg}");
    assert_eq!(
        env.wp.calls(),
        vec![testenv::eval_argv(&["--allow-root"])],
        "a site failure is not retried command by command"
    );
    assert_eq!(env.api.requests().len(), 0);

    // With --url the run goes on without WordPress.
    let out = run(env.cmd().args([
        "provision",
        "-c=1",
        &format!("-s={SECRET}"),
        "-i=admin",
        "--allow-root",
        "--url=https://example.com/",
    ]));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(p.form_value("siteurl"), Some("https://example.com/"));
}

#[test]
fn root_without_allow_root() {
    let env = TestEnv::new();
    env.wp.answer_any("no-allow-root-as-root");
    let out = run(env.cmd().args([
        "provision",
        "-c=1",
        &format!("-s={SECRET}"),
        "-i=admin",
        &format!("--path={}", env.wp_path()),
    ]));
    let msg = failure_message(&out, "wp_needs_allow_root");
    assert!(msg.contains("--allow-root"), "{msg}");
    let path = format!("--path={}", env.wp_path());
    assert_eq!(env.wp.calls(), vec![testenv::eval_argv(&[&path])]);
    assert_eq!(env.api.requests().len(), 0);
}

// ---------------------------------------------------------------------------
// A hung wp.

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
/// keep us waiting past --wp-timeout: README "Time limits".
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

// ---------------------------------------------------------------------------
// PHP fatal error, exit 255.

const PHP_OOM: &str = "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/site/wp-includes/class-wpdb.php on line 2349\n";

#[test]
fn php_fatal_exit_255_is_wp_failed_with_php_words() {
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, b"", PHP_OOM.as_bytes(), 255, None);
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains("exit code 255"), "{msg}");
    assert!(msg.contains("Allowed memory size"), "{msg}");
    assert!(env.api.requests().is_empty());

    // With --url the provision goes on without WordPress.
    assert_provisions(&env, &["--url=https://oom.test"], "https://oom.test");
}

#[test]
fn php_fatal_in_siteurl_lookup_is_wp_failed() {
    // The user exists, then the siteurl read dies (exit 255).
    let env = TestEnv::new();
    env.wp.answer("user-get-admin-field-ID");
    answer(
        &env,
        &["option", "get", "siteurl"],
        b"",
        PHP_OOM.as_bytes(),
        255,
    );
    env.disable_eval_for_the_rest();
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains("option get siteurl"), "names the call: {msg}");
    assert!(msg.contains("Allowed memory size"), "{msg}");
    assert!(env.api.requests().is_empty());
}

#[test]
fn php_fatal_error_is_wp_failed_with_wp_cli_words() {
    let env = TestEnv::new();
    env.wp.answer_any("php-fatal-error");
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains("There has been a critical error"), "{msg}");
    // PHP's own line names the cause; WordPress's does not.
    assert!(
        msg.contains("PHP Fatal error: Uncaught Error: Call to undefined function lab_function_that_does_not_exist()"),
        "{msg}"
    );
    assert!(!msg.contains("Stack trace"), "{msg}");
    assert_eq!(env.api.requests().len(), 0);
    assert_eq!(env.wp.calls().len(), 1, "a broken site is not asked again");
}

/// PHP writes a fatal error to stdout when `display_errors` says so: the
/// site is just as broken, so it is not asked again command by command.
#[test]
fn php_fatal_on_stdout_is_wp_failed_without_a_second_try() {
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, PHP_OOM.as_bytes(), b"", 255, None);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(
        msg.contains("PHP Fatal error: Allowed memory size"),
        "{msg}"
    );
    assert_eq!(env.wp.calls().len(), 1, "a broken site is not asked again");
    assert!(env.api.requests().is_empty());
}

// ---------------------------------------------------------------------------
// Megabytes of output.

fn noise(bytes: usize, line: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes + line.len());
    let mut i = 0u64;
    while v.len() < bytes {
        v.extend_from_slice(format!("{line} #{i}\n").as_bytes());
        i += 1;
    }
    v
}

#[test]
fn five_megabytes_of_stdout_noise_before_the_value() {
    let env = TestEnv::new();
    env.wp.answer("user-get-admin-field-ID");
    let mut stdout = noise(
        5 << 20,
        "lab-noise: <div class=\"promo\">visit http://ads.example/?x=1 now</div> 42",
    );
    stdout.extend_from_slice(b"http://site.test\n");
    answer(&env, &["option", "get", "siteurl"], &stdout, b"", 0);
    env.wp.answer("plugin-activate-jetpack-first");
    env.disable_eval_for_the_rest();
    api_ok(&env);
    assert_provisions(&env, &[], "http://site.test");
}

#[test]
fn five_megabytes_of_stderr_noise_around_the_values() {
    let env = TestEnv::new();
    let php_noise = noise(
        5 << 20,
        "PHP Deprecated:  lab_legacy_cache() is deprecated since LabCache 2.0; use lab_cache() instead. in /var/www/site/wp-content/mu-plugins/lab.php on line 11",
    );
    answer(
        &env,
        &["user", "get", "admin", "--field=ID"],
        b"1\n",
        &php_noise,
        0,
    );
    answer(
        &env,
        &["option", "get", "siteurl"],
        b"http://site.test\n",
        &php_noise,
        0,
    );
    answer(
        &env,
        &["plugin", "activate", "jetpack"],
        b"Plugin 'jetpack' activated.\nSuccess: Activated 1 of 1 plugins.\n",
        &php_noise,
        0,
    );
    env.disable_eval_for_the_rest();
    api_ok(&env);
    assert_provisions(&env, &[], "http://site.test");
}

#[test]
fn five_megabytes_then_a_fatal_error_keeps_the_message_short() {
    let env = TestEnv::new();
    let mut stderr = noise(
        5 << 20,
        "PHP Notice:  Undefined index: x in /a.php on line 3",
    );
    stderr.extend_from_slice(PHP_OOM.as_bytes());
    env.wp.answer_bytes(None, b"", &stderr, 255, None);
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains("Allowed memory size"), "{msg}");
    assert!(
        msg.len() < 2000,
        "a bounded message, got {} bytes",
        msg.len()
    );
    assert!(out.stderr.len() < 4000, "one short JSON line on stderr");
}

// ---------------------------------------------------------------------------
// A wp that cannot be executed.

#[test]
fn wp_without_the_exec_bit_is_a_clear_wp_failed() {
    let env = TestEnv::new();
    let script = write_script(
        &env.root().join("noexec"),
        "wp",
        "#!/bin/sh\necho 1\n",
        0o644,
    );
    api_ok(&env);
    let flag = format!("--wp-cli-path={}", script.display());
    let out = run(env.cmd().args(provision_args(&env, &[&flag])));
    let msg = failure_message(&out, "wp_failed");
    assert!(
        msg.contains(&script.display().to_string()),
        "names it: {msg}"
    );
    assert!(msg.contains("permission denied"), "{msg}");
    assert!(msg.contains("chmod +x"), "says how to fix it: {msg}");
    assert!(env.api.requests().is_empty());

    assert_provisions(
        &env,
        &[&flag, "--url=https://noexec.test"],
        "https://noexec.test",
    );
}

#[test]
fn wp_cli_path_naming_a_directory_is_wp_failed_not_a_crash() {
    let env = TestEnv::new();
    api_ok(&env);
    let flag = format!("--wp-cli-path={}", env.not_wp_path());
    let out = run(env.cmd().args(provision_args(&env, &[&flag])));
    failure_message(&out, "wp_failed");
    assert!(env.api.requests().is_empty());
}

// ---------------------------------------------------------------------------
// disabled_commands in wp-cli.yml.

#[test]
fn disabled_command_is_wp_failed_with_wp_cli_words() {
    let said = "Error: The 'user' command has been disabled from the config file.";
    let env = TestEnv::new();
    answer(
        &env,
        &["user", "get", "admin", "--field=ID"],
        b"",
        format!("{said}\n").as_bytes(),
        1,
    );
    env.disable_eval_for_the_rest();
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains(said), "{msg}");
    assert!(msg.contains("exit code 1"), "{msg}");
    assert!(env.api.requests().is_empty());

    // --url: the provision goes on without WordPress.
    assert_provisions(
        &env,
        &["--url=https://disabled.test"],
        "https://disabled.test",
    );
}

#[test]
fn disabled_option_command_on_cancel_falls_back_to_url() {
    let said = "Error: The 'option' command has been disabled from the config file.";
    let env = TestEnv::new();
    answer(
        &env,
        &["option", "get", "jetpack_options", "--format=json"],
        b"",
        format!("{said}\n").as_bytes(),
        1,
    );
    env.disable_eval_for_the_rest();
    env.api.token_ok(PARTNER_TOKEN);
    let cancel_path = "/rest/v1.3/jpphp/disabled.test/partner-cancel";
    env.api
        .reply("POST", cancel_path, Reply::json(200, r#"{"success":true}"#));
    let base = [
        "cancel".to_string(),
        "-c=1234".into(),
        format!("-s={SECRET}"),
        "--allow-root".into(),
        format!("--path={}", env.wp_path()),
    ];
    let out = run(env.cmd().args(&base));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains(said), "{msg}");
    // The token may be fetched while WordPress boots; the cancel is not sent.
    assert!(
        env.api.requests().iter().all(|r| r.path == "/oauth2/token"),
        "{:?}",
        env.api.requests()
    );

    let out = run(env.cmd().args(&base).arg("--url=https://disabled.test"));
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.api.requests_to(cancel_path).len(), 1);
}

#[test]
fn every_command_disabled_is_wp_failed_and_url_still_works() {
    // answer_any: whatever is asked, WP-CLI refuses it.
    let said = "Error: The 'user' command has been disabled from the config file.";
    let env = TestEnv::new();
    env.wp
        .answer_bytes(None, b"", format!("{said}\n").as_bytes(), 1, None);
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains(said), "{msg}");
    assert!(env.api.requests().is_empty());
    assert_provisions(
        &env,
        &["--url=https://disabled.test"],
        "https://disabled.test",
    );
}

#[test]
fn eval_disabled_falls_back_to_plain_commands() {
    let env = TestEnv::new();
    env.wp.answer("user-get-admin-field-ID");
    env.wp.answer("option-get-siteurl");
    env.wp.answer("plugin-activate-jetpack-first");
    env.disable_eval_for_the_rest();
    api_ok(&env);
    assert_provisions(&env, &[], "http://site.test");
    let calls = env.wp.calls();
    assert!(
        calls
            .iter()
            .any(|c| c.ends_with(&["plugin".into(), "activate".into(), "jetpack".into()])),
        "jetpack activated: {calls:?}"
    );
}

// ---------------------------------------------------------------------------
// Plugin HTML on the same line as the value.

#[test]
fn html_echoed_on_the_same_line_as_the_siteurl() {
    let env = TestEnv::new();
    env.wp.answer("user-get-admin-field-ID");
    answer(
        &env,
        &["option", "get", "siteurl"],
        b"<div class=\"x\">hi</div>http://site.test\n",
        b"",
        0,
    );
    env.wp.answer("plugin-activate-jetpack-first");
    env.disable_eval_for_the_rest();
    api_ok(&env);
    assert_provisions(&env, &[], "http://site.test");
}

/// The same plugin echoes on every `wp` call, so the user lookup (which
/// comes first) sees it too: `<div class="x">hi</div>1`. WP-CLI exits 0
/// only when the user exists, so this must not fail the provision.
#[test]
fn html_echoed_on_the_same_line_as_the_user_id() {
    let env = TestEnv::new();
    answer(
        &env,
        &["user", "get", "admin", "--field=ID"],
        b"<div class=\"x\">hi</div>1\n",
        b"",
        0,
    );
    answer(
        &env,
        &["option", "get", "siteurl"],
        b"<div class=\"x\">hi</div>http://site.test\n",
        b"",
        0,
    );
    env.wp.answer("plugin-activate-jetpack-first");
    env.disable_eval_for_the_rest();
    api_ok(&env);
    assert_provisions(&env, &[], "http://site.test");
}

#[test]
fn garbage_instead_of_a_siteurl_is_wp_failed_not_sent() {
    let env = TestEnv::new();
    env.wp.answer("user-get-admin-field-ID");
    answer(
        &env,
        &["option", "get", "siteurl"],
        b"<html><body>Briefly unavailable for scheduled maintenance.</body></html>\n",
        b"",
        0,
    );
    env.disable_eval_for_the_rest();
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    let msg = failure_message(&out, "wp_failed");
    assert!(msg.contains("siteurl"), "{msg}");
    assert!(env.api.requests().is_empty());
}

#[test]
fn php_notice_noise_never_becomes_part_of_the_siteurl() {
    for fixture in [
        "option-get-siteurl-stdout-noise",
        "option-get-siteurl-deprecation-noise",
    ] {
        let env = TestEnv::new();
        env.answer_without_eval(&[
            "user-get-admin-field-ID",
            fixture,
            "plugin-activate-jetpack-already-active",
        ]);
        api_ok(&env);
        let out = run(env.cmd().args(provision_args(&env, &[])));
        testenv::assert_success(&out, PROVISION_OK);
        let p = &env.api.requests_to(PROVISION_PATH)[0];
        assert_eq!(
            p.form_value("siteurl"),
            Some("http://site.test"),
            "{fixture}"
        );
    }
}

#[test]
fn eval_facts_survive_plugin_noise_and_activation_errors() {
    let env = TestEnv::new();
    env.answer_facts(
        &[],
        "lab-noise: a plugin printed this while loading\n<div class=\"notice\">hi</div>",
        json!({"user_id": 2, "siteurl": "http://split.test/wp", "home": "http://split.test", "blog_id": 0, "activate": "Plugin file does not exist."}),
    );
    api_ok(&env);
    let args = env.provision_args(&["--user=ed@site.test"]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(
        p.form,
        pairs(&[
            ("local_user", "ed@site.test"),
            ("siteurl", "http://split.test/wp")
        ])
    );
}

// ---------------------------------------------------------------------------
// Jetpack's own steps failing: activation (not fatal), authorize_user.

#[test]
fn jetpack_activation_failure_is_not_fatal() {
    let env = TestEnv::new();
    env.answer_without_eval(&[
        "user-get-admin-field-ID",
        "option-get-siteurl",
        "plugin-activate-jetpack-not-installed",
    ]);
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    testenv::assert_success(&out, PROVISION_OK);
}

#[test]
fn authorize_failure_is_authorization_failure() {
    let env = TestEnv::new();
    env.answer_without_eval(&[
        "user-get-1-field-ID",
        "option-get-siteurl",
        "plugin-activate-jetpack-first",
        "jetpack-authorize_user-missing-command",
    ]);
    env.provision_replies(Reply::json(
        200,
        r#"{"success":true,"access_token":"abc123"}"#,
    ));
    let args = env.provision_args(&["--user=1", "-w=555"]);
    let out = run(env.cmd().args(&args));
    let msg = failure_message(&out, "authorization_failure");
    assert!(
        msg.contains("'jetpack' is not a registered wp command"),
        "{msg}"
    );
    assert!(
        !msg.contains("abc123"),
        "the access token must not be echoed: {msg}"
    );
}
