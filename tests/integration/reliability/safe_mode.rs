//! SPEC §9a "Safe mode (a copy of a site)": a staging copy carries its
//! original's Jetpack blog id, so anything sent by that blog id from the
//! copy acts on the original. Jetpack's own check (run by the facts
//! program) says whether the site is such a copy; `cancel`,
//! `backup-credentials` and `apply` then send nothing for it, `status` says
//! so, `provision` (by URL) goes on. Two sites of one run sharing a blog id
//! are both refused. (The PHP side runs against a real WordPress in
//! `php_facts`.)

use crate::fleet::lines;
use crate::testenv::{
    self, assert_exit, assert_failure, facts_stdout, run_clean, Reply, TestEnv, SECRET,
};
use serde_json::{json, Value};

const TOKEN: &str = "safe-mode-tok-5150";

fn creds() -> [String; 2] {
    ["-c=1234".into(), format!("-s={SECRET}")]
}

/// The single site as a copy of blog 12345 (Jetpack's check holds).
fn a_copy(env: &TestEnv) {
    env.answer_facts(
        &[],
        "",
        json!({"user_id": 1, "siteurl": "http://staging.test", "home": "http://staging.test", "blog_id": 12345, "safe_mode": true}),
    );
}

fn in_wordpress(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let path = format!("--path={}", env.wp_path());
    run_clean(
        env.cmd()
            .args(args)
            .args(creds())
            .args(["--allow-root", &path]),
        &[TOKEN],
    )
}

/// Nothing went to WordPress.com but (where the command fetches it while
/// WordPress boots) the token call.
fn nothing_sent_by_blog_id(env: &TestEnv) {
    for r in env.api.requests() {
        assert_eq!(r.path, "/oauth2/token", "sent {} {}", r.method, r.path);
    }
}

const SAFE_MODE_MESSAGE: &str = "WordPress says this site is a copy of another, in Jetpack's safe mode (identity crisis): blog id 12345 is the original site's, so nothing was sent for it (a request by blog id would act on the original); fix the copy's connection first (https://jetpack.com/support/safe-mode/), or run this on the original site";

#[test]
fn cancel_of_a_copy_sends_no_cancel_in_any_form() {
    for extra in [
        &[][..],
        &["--plan=jetpack-scan"],
        &["--cancel-all"],
        &["--if-needed"],
    ] {
        let env = TestEnv::new();
        env.api.token_ok(TOKEN);
        a_copy(&env);
        let mut args = vec!["cancel"];
        args.extend_from_slice(extra);
        let out = in_wordpress(&env, &args);
        assert_failure(&out, "site_in_safe_mode");
        assert_eq!(
            testenv::stderr_json(&out),
            json!({"success": false, "error_code": "site_in_safe_mode", "error_message": SAFE_MODE_MESSAGE}),
            "{extra:?}"
        );
        nothing_sent_by_blog_id(&env);
        // Jetpack's check was asked for, in the one facts call.
        let vars = env.wp.call_env(0);
        assert!(vars.contains(&("JETPACK_WP_SAFE_MODE".into(), "1".into())));
        assert_eq!(env.wp.calls().len(), 1);
    }
}

#[test]
fn the_old_cancel_script_name_refuses_a_copy_too() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    a_copy(&env);
    let path = format!("--path={}", env.wp_path());
    let out = run_clean(
        env.cmd_named("partner-cancel.sh")
            .args(creds())
            .args(["--allow-root", &path]),
        &[TOKEN],
    );
    assert_failure(&out, "site_in_safe_mode");
    nothing_sent_by_blog_id(&env);
}

#[test]
fn a_site_that_is_no_copy_is_cancelled_as_before() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/12345/partner-cancel",
        Reply::json(200, r#"{"success":true}"#),
    );
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 12345, "safe_mode": false}),
    );
    let out = in_wordpress(&env, &["cancel"]);
    testenv::assert_success(&out, r#"{"success":true}"#);
}

#[test]
fn status_of_a_copy_says_safe_mode_on_top_of_the_answer() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.api.reply(
        "GET",
        "/rest/v1.4/jpphp/12345/status",
        Reply::json(
            200,
            r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":true,"is_pending":false}]}"#,
        ),
    );
    a_copy(&env);
    let out = in_wordpress(&env, &["status"]);
    testenv::assert_success(
        &out,
        r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":true,"is_pending":false}],"safe_mode":true}"#,
    );
    // Not a copy: the answer verbatim, nothing added.
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.api.reply(
        "GET",
        "/rest/v1.4/jpphp/12345/status",
        Reply::json(200, r#"{"blog":{"is_connected":true},"products":[]}"#),
    );
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 12345, "safe_mode": false}),
    );
    let out = in_wordpress(&env, &["status"]);
    testenv::assert_success(&out, r#"{"blog":{"is_connected":true},"products":[]}"#);
}

#[test]
fn backup_credentials_of_a_copy_send_nothing_at_all() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    a_copy(&env);
    let out = in_wordpress(
        &env,
        &[
            "backup-credentials",
            "--ftp-host=ftp.example",
            "--ftp-user=u",
            "--ftp-pass=pw-9911",
        ],
    );
    assert_failure(&out, "site_in_safe_mode");
    // backup-credentials waits for WordPress before its token: nothing.
    assert!(env.api.requests().is_empty(), "{:?}", env.api.requests());
}

#[test]
fn provision_on_a_copy_goes_on_as_the_script_did() {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, r#"{"success":true}"#));
    env.answer_facts(
        &[],
        "",
        json!({"user_id": 1, "siteurl": "http://staging.test", "home": "http://staging.test", "blog_id": 12345, "safe_mode": true, "activate": "ok"}),
    );
    let out = run_clean(
        env.cmd()
            .args(env.provision_args(&["--user=admin", "--plan=premium"])),
        &[],
    );
    testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.api.requests_to("/rest/v1.3/jpphp/provision").len(), 1);
    // It names the site by URL: Jetpack's check is not even asked for.
    assert!(env
        .wp
        .call_env(0)
        .contains(&("JETPACK_WP_SAFE_MODE".into(), "0".into())));
}

#[test]
fn apply_sends_nothing_at_all_for_a_copy_not_even_its_status() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    a_copy(&env);
    let desired = env.root().join("desired.jsonl");
    std::fs::write(
        &desired,
        format!(
            "{{\"path\":\"{}\",\"user\":\"admin\",\"products\":[\"premium\"]}}\n",
            env.wp_path()
        ),
    )
    .expect("write");
    let out = run_clean(
        env.cmd()
            .args(["apply", &format!("--desired={}", desired.display())])
            .args(creds())
            .arg("--allow-root"),
        &[TOKEN],
    );
    assert_exit(&out, 1);
    let lines = lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["error_code"], json!("site_in_safe_mode"));
    assert_eq!(lines[0]["error_message"], json!(SAFE_MODE_MESSAGE));
    assert_eq!(lines[0].get("maybe_sent"), None);
    nothing_sent_by_blog_id(&env);
}

#[test]
fn without_eval_a_set_idc_option_is_taken_for_a_copy() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.answer_without_eval(&["option-get-jetpack_options-set"]);
    // The option's value as WP-CLI prints an array (json_encode, slashes
    // escaped).
    let argv = env.wp_argv(&["option", "get", "jetpack_sync_error_idc", "--format=json"]);
    env.wp.answer_with(
        &testenv::strs(&argv),
        "{\"home\":\"http:\\/\\/site.test\\/\",\"siteurl\":\"http:\\/\\/site.test\\/\"}\n",
        "",
        0,
    );
    let out = in_wordpress(&env, &["cancel"]);
    assert_failure(&out, "site_in_safe_mode");
    nothing_sent_by_blog_id(&env);
    assert_eq!(env.wp.calls().len(), 3);
}

#[test]
fn a_safe_mode_check_that_fails_is_wp_failed_and_sends_nothing_by_blog_id() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 12345,
               "safe_mode": null, "safe_mode_error": "Error: Class \"Automattic\\Jetpack\\Status\" not found"}),
    );
    let out = in_wordpress(&env, &["cancel"]);
    let msg = testenv::failure_message(&out, "wp_failed");
    assert!(msg.contains("safe-mode check"), "{msg}");
    assert!(
        msg.contains("Class \"Automattic\\Jetpack\\Status\" not found"),
        "{msg}"
    );
    nothing_sent_by_blog_id(&env);
}

/// Three installs on disk: a and b carry the same blog id (b is a copy of
/// a), c is its own site.
fn three_installs(env: &TestEnv) -> [String; 3] {
    let paths = ["a", "b", "c"].map(|n| {
        let p = env.root().join(n);
        std::fs::create_dir_all(&p).expect("mkdir");
        p.display().to_string()
    });
    for (p, id, home) in [
        (&paths[0], 777, "https://shop.example"),
        (&paths[1], 777, "https://staging.shop.example"),
        (&paths[2], 888, "https://other.example"),
    ] {
        let path = format!("--path={p}");
        let argv = testenv::eval_argv(&["--allow-root", &path]);
        let facts = json!({"siteurl": home, "home": home, "blog_id": id, "safe_mode": false});
        env.wp.answer_with(&argv, &facts_stdout("", facts), "", 0);
    }
    paths
}

#[test]
fn two_installs_with_one_blog_id_are_both_refused_before_anything_is_sent_by_it() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/888/partner-cancel",
        Reply::json(200, r#"{"success":true}"#),
    );
    let [a, b, c] = three_installs(&env);
    let input: String = [&a, &b, &c]
        .iter()
        .map(|p| format!("{{\"path\":\"{p}\"}}\n"))
        .collect();
    let batch = env.root().join("batch.jsonl");
    std::fs::write(&batch, input).expect("write");
    let out = run_clean(
        env.cmd()
            .args([
                "cancel",
                &format!("--batch={}", batch.display()),
                "--jobs=3",
            ])
            .args(creds())
            .arg("--allow-root"),
        &[TOKEN],
    );
    assert_exit(&out, 1);
    let by_site: std::collections::HashMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    for (me, other) in [(&a, &b), (&b, &a)] {
        let line = &by_site[me.as_str()];
        assert_eq!(line["error_code"], json!("duplicate_blog_id"), "{line}");
        assert_eq!(
            line["error_message"],
            json!(format!("this site and {other} both carry Jetpack blog id 777: one is a copy of the other, and neither can tell which is the original, so nothing was sent by that blog id for either; fix the copy's connection (https://jetpack.com/support/safe-mode/), or give the original's --blog_id on its own line"))
        );
    }
    assert_eq!(by_site[c.as_str()]["success"], json!(true));
    let sent: Vec<String> = env.api.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        sent,
        vec!["/oauth2/token", "/rest/v1.3/jpphp/888/partner-cancel"]
    );
}

#[test]
fn a_copy_in_a_network_fails_alone() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/111/partner-cancel",
        Reply::json(200, r#"{"success":true}"#),
    );
    let path = format!("--path={}", env.wp_path());
    let argv = [
        "--allow-root",
        &path,
        "--skip-themes",
        "--skip-plugins",
        "eval",
        jetpack_partner::wp::NETWORK_FACTS_PHP,
    ];
    let facts = json!({"multisite": true, "sites": [
        {"url": "http://multi.test/", "siteurl": "http://multi.test", "home": "http://multi.test", "blog_id": 111, "safe_mode": false},
        {"url": "http://multi.test/copy/", "siteurl": "http://multi.test/copy", "home": "http://multi.test/copy", "blog_id": 222, "safe_mode": true},
    ]});
    env.wp.answer_with(&argv, &facts_stdout("", facts), "", 0);
    let out = run_clean(
        env.cmd()
            .args(["cancel", "--all-sites", "--allow-root", &path])
            .args(creds()),
        &[TOKEN],
    );
    assert_exit(&out, 1);
    let by_site: std::collections::HashMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    assert_eq!(by_site["http://multi.test/"]["success"], json!(true));
    assert_eq!(
        by_site["http://multi.test/copy/"]["error_code"],
        json!("site_in_safe_mode")
    );
    let cancels = env
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/partner-cancel"))
        .count();
    assert_eq!(cancels, 1);
}

#[test]
fn a_network_site_whose_safe_mode_check_failed_fails_alone() {
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/111/partner-cancel",
        Reply::json(200, r#"{"success":true}"#),
    );
    let path = format!("--path={}", env.wp_path());
    let argv = [
        "--allow-root",
        &path,
        "--skip-themes",
        "--skip-plugins",
        "eval",
        jetpack_partner::wp::NETWORK_FACTS_PHP,
    ];
    let facts = json!({"multisite": true, "sites": [
        {"url": "http://multi.test/", "siteurl": "http://multi.test", "home": "http://multi.test", "blog_id": 111, "safe_mode": false},
        {"url": "http://multi.test/shop/", "siteurl": "http://multi.test/shop", "home": "http://multi.test/shop", "blog_id": 0,
         "safe_mode": null, "safe_mode_error": "RuntimeException: no"},
    ]});
    env.wp.answer_with(&argv, &facts_stdout("", facts), "", 0);
    let out = run_clean(
        env.cmd()
            .args(["cancel", "--all-sites", "--allow-root", &path])
            .args(creds()),
        &[TOKEN],
    );
    assert_exit(&out, 1);
    let by_site: std::collections::HashMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    assert_eq!(by_site["http://multi.test/"]["success"], json!(true));
    let shop = &by_site["http://multi.test/shop/"];
    assert_eq!(shop["error_code"], json!("wp_failed"), "{shop}");
    assert_eq!(
        shop["error_message"],
        json!("Jetpack's safe-mode check (wp eval) failed (exit code 0): RuntimeException: no")
    );
    let cancels: Vec<String> = env
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/partner-cancel"))
        .map(|r| r.path)
        .collect();
    assert_eq!(cancels, vec!["/rest/v1.3/jpphp/111/partner-cancel"]);
}
