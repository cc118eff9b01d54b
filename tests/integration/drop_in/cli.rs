//! Flag parsing as the outside sees it: help, usage errors, multi-call names.
//! None of these may run `wp` or touch the network.

use crate::testenv::{self, assert_exit, TestEnv};

fn assert_untouched(env: &TestEnv) {
    assert!(env.api.requests().is_empty(), "no request may be sent");
    assert_eq!(env.api.connections(), 0, "no connection may be opened");
    assert!(env.wp.calls().is_empty(), "wp must not run");
}

#[test]
fn help_goes_to_stdout_with_exit_0() {
    let env = TestEnv::new();
    for args in [
        vec!["provision", "--help"],
        vec!["provision", "-h"],
        vec!["cancel", "--help"],
        vec!["--help"],
    ] {
        let out = env.cmd().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{args:?}: {text}");
        assert!(text.contains("Examples:"), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    }
    let out = env
        .cmd()
        .args(["provision", "--help"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--partner_id",
        "--partner_secret",
        "--user",
        "--plan",
        "--wpcom_user_id",
        "--ssh-private-key",
        "--dry-run",
        "--path",
    ] {
        assert!(text.contains(flag), "{flag} missing from help");
    }
    assert_untouched(&env);
}

#[test]
fn old_script_names_show_their_own_help() {
    let env = TestEnv::new();
    for (name, about) in [
        ("partner-provision.sh", "Provision"),
        ("partner-provision", "Provision"),
        ("partner-cancel.sh", "Cancel"),
        ("partner-cancel", "Cancel"),
    ] {
        let out = env.cmd_named(name).arg("--help").output().expect("run");
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with(about), "{name}: {text}");
        assert!(text.contains(&format!("Usage: {name}")), "{name}: {text}");
    }
    assert_untouched(&env);
}

/// `jetpack-partner 0.1.0 (commit 1a2b3c4, x86_64-unknown-linux-gnu, built
/// 2026-12-05)`: which build this is, for fleet audits; the first two
/// words stay name and version for the scripts that read them.
#[test]
fn version() {
    let env = TestEnv::new();
    let want = format!("{}\n", jetpack_partner::version::LINE);
    let rest = want
        .strip_prefix(&format!(
            "jetpack-partner {} (commit ",
            env!("CARGO_PKG_VERSION")
        ))
        .and_then(|r| r.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("{want}"));
    let parts: Vec<&str> = rest.split(", ").collect();
    let [commit, target, built] = parts[..] else {
        panic!("{want}")
    };
    let hash = commit.strip_suffix("+dirty").unwrap_or(commit);
    assert!(
        commit == "unknown" || (hash.len() >= 7 && hash.chars().all(|c| c.is_ascii_hexdigit())),
        "{want}"
    );
    assert!(target.split('-').count() >= 3, "a target triple: {want}");
    let date = built
        .strip_prefix("built ")
        .unwrap_or_else(|| panic!("{want}"));
    let digits: Vec<&str> = date.split('-').collect();
    assert!(
        digits.len() == 3 && digits.iter().all(|d| d.parse::<u32>().is_ok()),
        "YYYY-MM-DD: {want}"
    );
    // One name, from every command and under the old script names.
    for args in [
        &["--version"][..],
        &["-V"],
        &["cancel", "-V"],
        &["partner-key", "-V"],
        &["partner-key", "new", "--version"],
    ] {
        let out = env.cmd().args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{args:?}");
    }
    let out = env
        .cmd_named("partner-cancel.sh")
        .arg("-V")
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    assert_untouched(&env);
}

#[test]
fn usage_errors_print_usage_on_stderr_exit_1_and_do_nothing() {
    let env = TestEnv::new();
    env.wp.answer_any("user-get-admin-field-ID");
    let cases: Vec<Vec<&str>> = vec![
        vec!["provision", "-c=1", "-s=2", "-i=admin", "--bogus=1"],
        vec!["provision", "-c=1", "-s=2", "-i=admin", "stray"],
        vec!["provision", "-c=1", "-s=2"],            // no --user
        vec!["provision", "-s=2", "-i=admin"],        // no --partner_id
        vec!["provision", "-c=1", "-i=admin"],        // no secret
        vec!["provision", "-c=", "-s=2", "-i=admin"], // empty id
        vec!["provision", "-c=1", "-s=2", "--user"],  // flag without value
        vec!["cancel", "-c=1"],
        vec!["cancel", "-c=1", "-s=2", "extra"],
        // Two sources of sites: which one was meant is not ours to guess.
        vec![
            "status",
            "-c=1",
            "-s=2",
            "--batch=sites.jsonl",
            "--all-sites",
        ],
        vec!["frobnicate"],
        vec![],
    ];
    for args in cases {
        let out = env.cmd().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Usage:"), "{args:?}: {err}");
    }
    let out = env
        .cmd_named("partner-provision.sh")
        .args(["-c=1", "-s=2", "--nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: partner-provision.sh"));
    assert_untouched(&env);
}

/// Batch flags on a single-site run are checked all the same: a typo is
/// `invalid_input`, not taken silently.
#[test]
fn batch_flag_values_are_checked_on_a_single_site_run_too() {
    let env = TestEnv::new();
    for (flag, msg) in [
        (
            "--format=xml",
            "--format=\"xml\" is not a list format; use json, table, csv or count",
        ),
        (
            "--jobs=abc",
            "--jobs=\"abc\" is not a number of sites from 1 to 64",
        ),
    ] {
        let out = env
            .cmd()
            .args(["status", "-c=1", "-s=2", "--blog_id=5", flag])
            .output()
            .expect("run");
        let err = testenv::assert_failure(&out, "invalid_input");
        assert_eq!(err["error_message"], serde_json::json!(msg), "{flag}");
    }
    assert_untouched(&env);
}

#[test]
fn provision_under_the_old_script_name() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        testenv::Reply::json(200, r#"{"access_token":"t-1234567"}"#),
    );
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/provision",
        testenv::Reply::json(200, r#"{"success":true}"#),
    );
    env.answer_facts(&[], "", serde_json::json!({"user_id": 1, "siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0, "activate": "ok"}));
    let out = env
        .cmd_named("partner-provision.sh")
        .args([
            "--partner_id=1",
            &format!("--partner_secret={}", testenv::SECRET),
            "--user_id=1",
            "--plan=personal",
            "--allow-root",
            &format!("--path={}", env.wp_path()),
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"success\":true}\n");
    assert_eq!(
        env.api.requests_to("/rest/v1.3/jpphp/provision")[0].form_value("plan"),
        Some("personal")
    );
}
