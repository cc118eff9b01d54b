//! A `wp` that cannot answer: none on PATH, no WordPress where it looks,
//! refused as root, not executable, or with the command we need disabled
//! in `wp-cli.yml` — each with the error code that names why, and what
//! still works then (`--url`; one command per value when `eval` is
//! disabled).

use super::{answer, api_ok, assert_provisions, provision_args, run, write_script};
use crate::testenv::{
    self, failure_message, Reply, TestEnv, PARTNER_TOKEN, PROVISION_OK, PROVISION_PATH, SECRET,
};

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
