//! What `wp` prints besides the value: PHP fatal errors (exit 255, or on
//! stdout), megabytes of noise on either pipe, plugin HTML or PHP notices
//! on the value's own line. Noise never becomes part of a siteurl or an
//! id; an error message stays short.

use super::{answer, api_ok, assert_provisions, provision_args, run};
use crate::testenv::{self, failure_message, pairs, TestEnv, PROVISION_OK, PROVISION_PATH};
use serde_json::json;

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
