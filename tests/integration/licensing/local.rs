//! `license set KEY…` / `license unset KEY…` through the fake `wp`: the
//! facts call (blog id, Jetpack's safe-mode check), then one `wp eval` of
//! the licenses program with plugins loaded, the keys by environment
//! variable; its answer (chosen here) becomes the output. No request to
//! WordPress.com, no credentials, no key printed. The program itself runs
//! against a real WordPress in `php_facts`.

use super::{lines, stderr, stdout, Lic};
use crate::partner_api::write_file;
use crate::testenv::{
    assert_exit, assert_failure, assert_success, facts_stdout, stderr_json, strs, TestEnv,
};
use jetpack_partner::wp::LICENSES_PHP;
use serde_json::{json, Value};

const K1: &str = "jetpack-scan_Abc123def456GHI789jkl0mno";
const K2: &str = "jetpack-backup-daily_Zyx987wvu654TSR321qpo";

/// The site's facts: blog 555, a copy or not (`extra` globals, e.g.
/// `--url=`).
fn facts(env: &TestEnv, extra: &[&str], copy: bool) {
    facts_of(env, extra, 555, copy);
}

fn facts_of(env: &TestEnv, extra: &[&str], blog_id: u64, copy: bool) {
    env.answer_facts(
        extra,
        "",
        json!({"siteurl": "https://shop.example", "home": "https://shop.example", "blog_id": blog_id, "safe_mode": copy}),
    );
}

/// The licenses program's argv (`extra` globals too).
fn program_argv(env: &TestEnv, extra: &[&str]) -> Vec<String> {
    let mut v = env.wp_argv(extra);
    v.extend([
        "--skip-themes".to_string(),
        "eval".into(),
        LICENSES_PHP.into(),
    ]);
    v
}

/// The licenses program answers `answer`.
fn program_answers(env: &TestEnv, extra: &[&str], answer: Value) {
    let argv = program_argv(env, extra);
    env.wp.answer_with(
        &strs(&argv),
        &facts_stdout("Notice: a plugin said hello\n", answer),
        "",
        0,
    );
}

/// `license set|unset` in WordPress, with a licensing token in the
/// environment (which the child must not see).
fn run(lic: &Lic, args: &[&str]) -> std::process::Output {
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.cmd();
    cmd.args(args)
        .args(["--allow-root", &path])
        .env("JETPACK_LICENSING_TOKEN", &lic.token);
    lic.clean(&mut cmd, &[K1, K2])
}

fn var(env: &TestEnv, call: usize, name: &str) -> Option<String> {
    env.wp
        .call_env(call)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[test]
fn set_adds_the_keys_and_jetpack_attaches_them() {
    let lic = Lic::new();
    facts(&lic.env, &[], false);
    program_answers(
        &lic.env,
        &[],
        json!({"blog_id": 555, "added": 2, "removed": 0, "changed": true, "stored": 3,
            "attach": "done", "failed": [], "others_failed": 0}),
    );
    let out = run(&lic, &["license", "set", K1, K2]);
    assert_success(
        &out,
        r#"{"success":true,"changed":true,"licenses":3,"added":2,"attached":true}"#,
    );
    let calls = lic.env.wp.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0], lic.env.eval_call(&[]), "the facts first");
    assert_eq!(calls[1], program_argv(&lic.env, &[]));
    assert_eq!(
        var(&lic.env, 1, "JETPACK_WP_LICENSE_OP").as_deref(),
        Some("set")
    );
    assert_eq!(
        var(&lic.env, 1, "JETPACK_WP_LICENSES"),
        Some(format!("{K1}\n{K2}"))
    );
    assert_eq!(
        var(&lic.env, 1, "JETPACK_WP_SAFE_MODE").as_deref(),
        Some("1")
    );
    for (n, argv) in calls.iter().enumerate() {
        let environ = lic.env.wp.call_environ(n);
        assert!(
            !environ
                .iter()
                .any(|(k, v)| k.starts_with("JETPACK_LICENSING") || v.contains(&lic.token)),
            "no licensing token in wp's environment"
        );
        // The keys go by variable only, never in argv.
        assert!(!argv.iter().any(|a| a.contains(K1)));
    }
    assert!(
        lic.env.api.requests().is_empty(),
        "nothing to WordPress.com"
    );
}

#[test]
fn a_site_not_connected_keeps_them_until_it_connects() {
    let lic = Lic::new();
    facts(&lic.env, &[], false);
    program_answers(
        &lic.env,
        &[],
        json!({"blog_id": 0, "added": 1, "removed": 0, "changed": true, "stored": 1,
            "attach": {"code": "not_connected", "message": "Jetpack doesn't have a connected owner."}}),
    );
    let out = run(&lic, &["license", "set", K1]);
    assert_success(
        &out,
        r#"{"success":true,"changed":true,"licenses":1,"added":1,"attached":false,"note":"the site is not connected: Jetpack attaches the keys when it connects (connect)"}"#,
    );
}

/// WordPress.com refused the second key given: `license_error`, naming it
/// by position; a key in its words is hidden.
#[test]
fn keys_wordpress_com_refuses_fail_with_license_error() {
    let lic = Lic::new();
    facts(&lic.env, &[], false);
    program_answers(
        &lic.env,
        &[],
        json!({"blog_id": 555, "added": 2, "removed": 0, "changed": true, "stored": 2,
            "attach": "done", "others_failed": 0,
            "failed": [{"given": 2, "code": "invalid_license", "message": format!("License {K2} is revoked.")}],
            "jetpack_error": format!("The following Jetpack licenses are invalid, already in use, or revoked: {K2}")}),
    );
    let out = run(&lic, &["license", "set", K1, K2]);
    assert_failure(&out, "license_error");
    assert_eq!(
        stderr(&out),
        format!(
            "{}\n",
            json!({"success": false, "error_code": "license_error",
                "error_message": "the keys are in jetpack_licenses (2 there now), but WordPress.com did not attach key 2 of the 2 given (invalid_license: License <redacted> is revoked.): invalid, revoked or in use on another site",
                "failed": [{"given": 2, "code": "invalid_license", "message": "License <redacted> is revoked."}],
                "others_failed": 0, "licenses": 2,
                "jetpack_error": "The following Jetpack licenses are invalid, already in use, or revoked: <redacted>"})
        )
    );
}

#[test]
fn a_copy_of_a_site_is_left_alone() {
    let lic = Lic::new();
    facts(&lic.env, &[], true);
    let out = run(&lic, &["license", "set", K1]);
    assert_failure(&out, "site_in_safe_mode");
    assert_eq!(lic.env.wp.calls().len(), 1, "the facts call only");
}

#[test]
fn unset_removes_only_those_keys_and_attaches_nothing() {
    let lic = Lic::new();
    facts(&lic.env, &[], false);
    program_answers(
        &lic.env,
        &[],
        json!({"blog_id": 555, "added": 0, "removed": 1, "changed": true, "stored": 1, "attach": "not_tried"}),
    );
    let out = run(&lic, &["license", "unset", K1]);
    assert_success(
        &out,
        r#"{"success":true,"changed":true,"licenses":1,"removed":1}"#,
    );
    assert_eq!(
        var(&lic.env, 1, "JETPACK_WP_LICENSE_OP").as_deref(),
        Some("unset")
    );
    assert_eq!(var(&lic.env, 1, "JETPACK_WP_LICENSES").as_deref(), Some(K1));
}

#[test]
fn a_dry_run_reads_the_site_and_writes_nothing() {
    let lic = Lic::new();
    facts(&lic.env, &[], false);
    let out = run(&lic, &["license", "set", "--dry-run", K1, K2]);
    assert_success(
        &out,
        r#"{"dry_run":true,"requests":[],"jetpack_licenses":{"add":2}}"#,
    );
    assert_eq!(lic.env.wp.calls().len(), 1);
}

#[test]
fn bad_keys_and_no_wordpress_fail_before_anything_runs() {
    let lic = Lic::new();
    let out = run(&lic, &["license", "set", K1, "not a key"]);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_input",
            "error_message": "license key 2 (of those given) is not a license key: license keys hold only letters, digits, - and _ (no spaces); check for a stray quote or a line break"})
    );
    let out = run(&lic, &["license", "unset"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("<KEY>..."), "{}", stderr(&out));
    assert!(lic.env.wp.calls().is_empty());
    let out = lic.clean(lic.env.cmd_without_wp().args(["license", "set", K1]), &[]);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "wp_not_found",
            "error_message": "WP-CLI (wp) is not on PATH, and license set/unset change the site's options through it; install it, or pass --wp-cli-path=/path/to/wp (and --path=/path/to/wordpress)"})
    );
}

/// One line per site of a network (`--url` on each line); the keys of a
/// line in its `license_key` field. (Two sites with one blog id would both
/// be refused: Jetpack attaches by the site's connection.)
#[test]
fn a_batch_sets_keys_site_by_site() {
    let lic = Lic::new();
    for (url, stored) in [("https://a.example", 1), ("https://b.example", 2)] {
        let extra = [format!("--url={url}")];
        let extra = strs(&extra);
        facts_of(&lic.env, &extra, 600 + stored, false);
        program_answers(
            &lic.env,
            &extra,
            json!({"blog_id": 555, "added": 1, "removed": 0, "changed": true, "stored": stored,
                "attach": "done", "failed": [], "others_failed": 0}),
        );
    }
    let batch = write_file(
        &lic.env,
        "keys.jsonl",
        &format!("{{\"url\":\"https://a.example\",\"license_key\":\"{K1}\"}}\n{{\"url\":\"https://b.example\",\"license_key\":\"{K1},{K2}\"}}\n"),
    );
    let path = format!("--path={}", lic.env.wp_path());
    let out = lic.clean(
        lic.env.cmd().args([
            "license",
            "set",
            "--allow-root",
            &path,
            &format!("--batch={batch}"),
            "--jobs=1",
        ]),
        &[K1, K2],
    );
    assert_exit(&out, 0);
    let got = lines(&out);
    assert_eq!(got.len(), 2, "{}", stdout(&out));
    for (line, (site, stored)) in got
        .iter()
        .zip([("https://a.example", 1), ("https://b.example", 2)])
    {
        assert_eq!(line["command"], json!("license set"));
        assert_eq!(line["site"], json!(site));
        assert_eq!(line["success"], json!(true));
        assert_eq!(line["changed"], json!(true));
        assert_eq!(line["licenses"], json!(stored));
        assert_eq!(line["attached"], json!(true));
    }
    let b_keys = lic
        .env
        .wp
        .calls()
        .iter()
        .position(|c| {
            c.contains(&"--url=https://b.example".to_string())
                && c.contains(&LICENSES_PHP.to_string())
        })
        .and_then(|n| var(&lic.env, n, "JETPACK_WP_LICENSES"));
    assert_eq!(b_keys, Some(format!("{K1}\n{K2}")));
}
