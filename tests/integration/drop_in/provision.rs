//! `provision` end to end: the built binary against the fake API and the
//! fake `wp` replaying real WP-CLI transcripts.

use crate::testenv::{
    self, assert_exit, pairs, provision_args_without_wp, run_clean, stderr_json, Reply, TestEnv,
    PARTNER_TOKEN, PROVISION_OK, SECRET,
};
use serde_json::json;
use std::process::Output;

/// The single site with eval disabled: one command per value, answered
/// from the real transcripts.
fn wp_single_site_commands(env: &TestEnv) {
    env.answer_without_eval(&[
        "user-get-admin-field-ID",
        "option-get-siteurl",
        "plugin-activate-jetpack-first",
    ]);
}

/// Runs it; neither the client secret nor the partner token may show up.
fn run(cmd: &mut assert_cmd::Command) -> Output {
    run_clean(cmd, &[PARTNER_TOKEN])
}

/// `provision --user=admin` with the usual credentials and WordPress flags.
fn provision_admin(env: &TestEnv) -> Output {
    run(env.cmd().args(env.provision_args(&["--user=admin"])))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn provisions_by_login_with_secret_intact() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", "--plan=professional"]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);

    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/oauth2/token")
    );
    assert_eq!(
        reqs[0].form,
        pairs(&[
            ("client_id", "1234"),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
            ("scope", "jetpack-partner"),
        ])
    );
    assert_eq!(
        reqs[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(reqs[1].path, "/rest/v1.3/jpphp/provision");
    assert_eq!(reqs[1].query, "");
    assert_eq!(
        reqs[1].header("authorization"),
        Some(format!("Bearer {PARTNER_TOKEN}").as_str())
    );
    assert_eq!(
        reqs[1].form,
        pairs(&[
            ("local_user", "admin"),
            ("siteurl", "http://site.test"),
            ("plan", "professional"),
        ])
    );
    // With a scheme in JETPACK_START_API_HOST, no Host override.
    assert_eq!(reqs[0].header("host"), Some(env.api.host().as_str()));
    // One WordPress bootstrap; the user travels by environment, not argv.
    assert_eq!(env.wp.calls(), vec![env.eval_call(&[])]);
    assert_eq!(
        env.wp.call_env(0),
        vec![
            ("JETPACK_WP_ACTIVATE".to_string(), "1".to_string()),
            // provision names the site by URL: no safe-mode check.
            ("JETPACK_WP_SAFE_MODE".to_string(), "0".to_string()),
            ("JETPACK_WP_USER".to_string(), "admin".to_string()),
        ]
    );
}

#[test]
fn falls_back_to_one_command_per_value_when_eval_is_disabled() {
    let env = TestEnv::new();
    wp_single_site_commands(&env);
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", "--plan=professional"]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(
        p.form,
        pairs(&[
            ("local_user", "admin"),
            ("siteurl", "http://site.test"),
            ("plan", "professional")
        ])
    );
    assert_eq!(
        env.wp.calls(),
        vec![
            env.eval_call(&[]),
            env.wp_argv(&["user", "get", "admin", "--field=ID"]),
            env.wp_argv(&["option", "get", "siteurl"]),
            env.wp_argv(&["plugin", "activate", "jetpack"]),
        ]
    );
}

#[test]
fn provisions_by_user_id_and_by_email() {
    for (user, fixture) in [
        ("1", "user-get-1-field-ID"),
        ("ed@site.test", "user-get-email-field-ID"),
    ] {
        let env = TestEnv::new();
        env.answer_without_eval(&[
            fixture,
            "option-get-siteurl",
            "plugin-activate-jetpack-already-active",
        ]);
        env.provision_replies(Reply::json(200, PROVISION_OK));
        let args = env.provision_args(&[&format!("--user={user}")]);
        let out = run(env.cmd().args(&args));
        testenv::assert_success(&out, PROVISION_OK);
        let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
        // The value as given, once WordPress confirmed it.
        assert_eq!(p.form_value("local_user"), Some(user));
    }
}

#[test]
fn unknown_user_fails_before_any_network_call() {
    // Through eval (user_id 0: not found; nothing activated) and through
    // the plain `wp user get` transcript.
    for eval in [true, false] {
        let env = TestEnv::new();
        if eval {
            env.answer_facts(&[], "", json!({"user_id": 0, "siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0}));
        } else {
            env.disable_eval(&[]);
            env.wp.answer("user-get-nosuchuser-field-ID");
        }
        env.provision_replies(Reply::json(200, PROVISION_OK));
        let args = env.provision_args(&["--user=nosuchuser"]);
        let out = run(env.cmd().args(&args));
        let err = testenv::assert_failure(&out, "invalid_user");
        assert!(err["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("nosuchuser"));
        assert_eq!(env.api.requests().len(), 0, "no request may be sent");
        assert_eq!(env.wp.calls().len(), if eval { 1 } else { 2 });
    }
}

#[test]
fn multisite_subsite_by_url() {
    let env = TestEnv::new();
    let url = "--url=http://multi.test/shop/";
    let path = format!("--path={}", env.wp_path());
    env.disable_eval(&[url]);
    env.wp.answer_as(
        "user-get-admin-field-ID",
        &[
            "--allow-root",
            &path,
            url,
            "user",
            "get",
            "admin",
            "--field=ID",
        ],
    );
    env.wp.answer("option-get-siteurl-multisite-subsite");
    env.wp.answer_as(
        "plugin-activate-jetpack-first",
        &["--allow-root", &path, url, "plugin", "activate", "jetpack"],
    );
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", url]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(p.form_value("siteurl"), Some("http://multi.test/shop"));
    assert_eq!(env.wp.calls().len(), 4);
    assert!(env.wp.calls().iter().all(|c| c.contains(&url.to_string())));
}

#[test]
fn siteurl_is_sent_not_home_when_they_differ() {
    let env = TestEnv::new();
    env.answer_without_eval(&[
        "user-get-admin-field-ID",
        "option-get-siteurl-split",
        "plugin-activate-jetpack-first",
    ]);
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = provision_admin(&env);
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(p.form_value("siteurl"), Some("http://split.test/wp"));
}

#[test]
fn site_url_flag_overrides_and_skips_the_siteurl_lookup() {
    let env = TestEnv::new();
    env.answer_without_eval(&["user-get-admin-field-ID", "plugin-activate-jetpack-first"]);
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&[
        "--user=admin",
        "--site_url=https://www.example.com/wp",
        "--home_url=https://www.example.com",
    ]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(
        p.form,
        pairs(&[
            ("local_user", "admin"),
            ("siteurl", "https://www.example.com/wp"),
            ("home_url", "https://www.example.com"),
        ])
    );
    assert_eq!(env.wp.calls().len(), 3);
}

#[test]
fn without_wp_the_url_is_the_siteurl_and_the_user_goes_unchecked() {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = run(env.cmd_without_wp().args([
        "provision",
        "-c=1234",
        &format!("-s={SECRET}"),
        "-i=someone",
        "-u=https://example.com",
    ]));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(
        p.form,
        pairs(&[
            ("local_user", "someone"),
            ("siteurl", "https://example.com")
        ])
    );
}

#[test]
fn wp_cli_path_with_words() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let script = env.wp.script_path();
    let wp_cli = format!("sh '{}'", script.display());
    let args = env.provision_args(&["--user=admin", &format!("--wp-cli-path={wp_cli}")]);
    let out = run(env.cmd_without_wp().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    assert_eq!(env.wp.calls().len(), 1);

    // --verbose names the whole program, every word of it.
    let mut verbose = args.clone();
    verbose.push("--verbose".into());
    let out = run(env.cmd_without_wp().args(&verbose));
    testenv::assert_exit(&out, 0);
    assert_eq!(stdout(&out), format!("{PROVISION_OK}\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // (`sh` as found on PATH: /usr/bin/sh or /bin/sh.)
    let line = stderr
        .lines()
        .find(|l| l.starts_with("jetpack-partner: running wp eval (site facts) ("))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains(&format!("sh {} --allow-root --path=", script.display())),
        "{line}"
    );

    // A path that does not exist is "not found", not a crash.
    let args = env.provision_args(&["--user=admin", "--wp-cli-path=php /nonexistent/wp-cli.phar"]);
    let out = run(env.cmd_without_wp().args(&args));
    // php itself is missing here, or it runs and fails on the phar: either way
    // a wp_* error, never a silent exit.
    let err = stderr_json(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err["error_code"].as_str().unwrap_or("").starts_with("wp_"),
        "{err}"
    );
}

#[test]
fn api_errors_keep_their_fields() {
    let cases = [
        (
            400,
            r#"{"error":"invalid_plan","message":"x is not a valid plan"}"#,
            "invalid_plan",
            "x is not a valid plan",
        ),
        (
            403,
            r#"{"error":"invalid_scope","message":"This token is not authorized to provision partner sites"}"#,
            "invalid_scope",
            "This token is not authorized to provision partner sites",
        ),
    ];
    for (status, body, code, message) in cases {
        let env = TestEnv::new();
        env.answer_single_site();
        env.provision_replies(Reply::json(status, body));
        let args = env.provision_args(&["--user=admin", "--plan=x"]);
        let out = run(env.cmd().args(&args));
        testenv::assert_failure(&out, code);
        let mut expected =
            format!(r#"{{"success":false,"error_code":"{code}","error_message":"{message}","#);
        expected.push_str(&body[1..]);
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{expected}\n")
        );
    }
}

#[test]
fn invalid_client_on_the_token_call() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(
            400,
            r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
        ),
    );
    let out = provision_admin(&env);
    testenv::assert_failure(&out, "invalid_client");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "{\"success\":false,\"error_code\":\"invalid_client\",\"error_message\":\"Unknown client_id.\",\"error\":\"invalid_client\",\"error_description\":\"Unknown client_id.\"}\n"
    );
    assert_eq!(
        env.api.requests().len(),
        1,
        "no provision after a failed token call"
    );
}

#[test]
fn access_token_with_wpcom_user_id_runs_authorize() {
    let env = TestEnv::new();
    env.answer_single_site();
    let body =
        r#"{"success":true,"access_token":"user-access-77","next_url":"","auth_required":false}"#;
    env.provision_replies(Reply::json(200, body));
    let path = format!("--path={}", env.wp_path());
    env.wp.answer_with(
        &[
            "--allow-root",
            &path,
            "--user=admin",
            "jetpack",
            "authorize_user",
            "--token=user-access-77",
        ],
        "",
        "",
        0,
    );
    let args = env.provision_args(&["--user=admin", "--wpcom_user_id=555"]);
    let out = run(env.cmd().args(&args));
    // The body is printed verbatim, access_token included.
    testenv::assert_success(&out, body);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(p.form_value("wpcom_user_id"), Some("555"));
    assert_eq!(env.wp.calls().len(), 2, "eval, then authorize_user");

    // Without --wpcom_user_id there is no authorize step.
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, body));
    let out = provision_admin(&env);
    testenv::assert_success(&out, body);
    assert_eq!(env.wp.calls().len(), 1);
}

#[test]
fn tracking_id_is_a_query_parameter() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", "--partner-tracking-id=camp 1&x=2"]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(
        p.query_pairs,
        pairs(&[("partner-tracking-id", "camp 1&x=2")])
    );
    assert_eq!(env.api.requests_to("/oauth2/token")[0].query, "");

    // The underscore alias.
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", "--partner_tracking_id=t-9"]);
    run(env.cmd().args(&args));
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(p.query_value("partner-tracking-id"), Some("t-9"));
}

#[test]
fn bare_api_host_is_https_with_the_public_api_host_header() {
    let env = TestEnv::new_tls();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin"]);
    let out = run(env
        .cmd()
        .env("JETPACK_START_API_HOST", env.api.host())
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(
            r.header("host"),
            Some("public-api.wordpress.com"),
            "{}",
            r.path
        );
    }
    // Token and provision share one keep-alive connection: one handshake.
    assert_eq!(env.api.connections(), 1);
    assert_eq!(env.api.tls_handshakes(), 1);
    assert_eq!(reqs[0].connection, reqs[1].connection);
}

#[test]
fn every_forwarded_flag_in_every_form() {
    // (flag spellings, field sent)
    let flags: &[(&[&str], &str)] = &[
        (&["--plan", "-p"], "plan"),
        (&["--onboarding", "-o"], "onboarding"),
        (
            &["--wpcom_user_id", "-w", "--wpcom-user-id"],
            "wpcom_user_id",
        ),
        (
            &["--wpcom_user_email", "-e", "--wpcom-user-email"],
            "wpcom_user_email",
        ),
        (&["--force_register", "--force-register"], "force_register"),
        (&["--force_connect", "--force-connect"], "force_connect"),
        (&["--home_url", "--home-url"], "home_url"),
        (&["--ssh-host", "--ssh_host"], "ssh_host"),
        (&["--ssh-port", "--ssh_port"], "ssh_port"),
        (&["--ftp-host", "--ftp_host"], "ftp_host"),
        (&["--ftp-port", "--ftp_port"], "ftp_port"),
        (&["--ftp-user", "--ftp_user"], "ftp_user"),
        (&["--ftp-pass", "--ftp_pass"], "ftp_pass"),
    ];
    for (spellings, field) in flags {
        for (i, flag) in spellings.iter().enumerate() {
            let env = TestEnv::new();
            env.provision_replies(Reply::json(200, PROVISION_OK));
            let value = format!("v {i}&{field}=%");
            let mut cmd = env.cmd_without_wp();
            cmd.args(provision_args_without_wp(&[]));
            // `--flag=value` / `-x=value`, and `--flag value` for the first spelling.
            if i == 0 {
                cmd.args([*flag, &value]);
            } else {
                cmd.arg(format!("{flag}={value}"));
            }
            let out = run(&mut cmd);
            testenv::assert_success(&out, PROVISION_OK);
            let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
            assert_eq!(p.form_value(field), Some(value.as_str()), "{flag}");
        }
    }
}

#[test]
fn user_and_credential_aliases() {
    for (user_flag, id_flag, secret_flag) in [
        ("--user=admin", "--partner_id=1", "--partner_secret"),
        ("--user_id=admin", "-c=1", "-s"),
        ("-i=admin", "--partner-id=1", "--partner-secret"),
    ] {
        let env = TestEnv::new();
        env.provision_replies(Reply::json(200, PROVISION_OK));
        let out = run(env.cmd_without_wp().args([
            "provision",
            id_flag,
            &format!("{secret_flag}={SECRET}"),
            user_flag,
            "--url",
            "https://e.test",
        ]));
        testenv::assert_success(&out, PROVISION_OK);
        let t = &env.api.requests_to("/oauth2/token")[0];
        assert_eq!(t.form_value("client_id"), Some("1"));
        assert_eq!(t.form_value("client_secret"), Some(SECRET));
        let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
        assert_eq!(p.form_value("local_user"), Some("admin"));
    }
}

#[test]
fn ssh_fields_and_their_checks() {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let key = env.root().join("id_ed25519");
    let key_text =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA&+=%\n-----END OPENSSH PRIVATE KEY-----\n";
    crate::testenv::write_private(&key, key_text);
    let out = run(env.cmd_without_wp().args(provision_args_without_wp(&[
        "--ssh-user=deploy",
        &format!("--ssh-private-key={}", key.display()),
        "--ssh-host=ssh.e.test",
        "--ssh-port=2222",
    ])));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(p.form_value("ssh_user"), Some("deploy"));
    assert_eq!(p.form_value("ssh_private_key"), Some(key_text));
    assert_eq!(p.form_value("ssh_host"), Some("ssh.e.test"));
    assert_eq!(p.form_value("ssh_port"), Some("2222"));

    // Password form; the password never shows up in output.
    let env = TestEnv::new();
    env.provision_replies(Reply::json(400, r#"{"error":"x","message":"bad"}"#));
    let out = run(env.cmd_without_wp().args(provision_args_without_wp(&[
        "--ssh_user=deploy",
        "--ssh_pass=pa ss&word",
    ])));
    testenv::assert_failure(&out, "x");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("pa ss&word"));
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(p.form_value("ssh_pass"), Some("pa ss&word"));

    // --ssh-user alone, or an unreadable key: invalid_input, nothing sent.
    for extra in [
        vec!["--ssh-user=deploy"],
        vec!["--ssh-private-key=/nonexistent/key"],
    ] {
        let env = TestEnv::new();
        env.provision_replies(Reply::json(200, PROVISION_OK));
        let mut cmd = env.cmd_without_wp();
        cmd.args(provision_args_without_wp(&[]));
        cmd.args(&extra);
        let out = run(&mut cmd);
        testenv::assert_failure(&out, "invalid_input");
        assert!(env.api.requests().is_empty());
    }
}

#[test]
fn bad_timeout_is_invalid_input() {
    let env = TestEnv::new();
    let out = run(env
        .cmd_without_wp()
        .args(provision_args_without_wp(&["--timeout=soon"])));
    let err = testenv::assert_failure(&out, "invalid_input");
    assert!(err["error_message"]
        .as_str()
        .unwrap_or("")
        .contains("--timeout"));
    assert!(env.api.requests().is_empty());
}

#[test]
fn credentials_from_environment_and_file() {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = run(env
        .cmd_without_wp()
        .env("JETPACK_PARTNER_ID", "env-id")
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .args(["provision", "-i=admin", "-u=https://e.test"]));
    testenv::assert_success(&out, PROVISION_OK);
    let t = &env.api.requests_to("/oauth2/token")[0];
    assert_eq!(t.form_value("client_id"), Some("env-id"));
    assert_eq!(t.form_value("client_secret"), Some(SECRET));

    // The file wins over the environment, the flag over both.
    let file = env.root().join("secret.txt");
    crate::testenv::write_private(&file, format!("{SECRET}-file\n"));
    let out = run(env
        .cmd_without_wp()
        .env("JETPACK_PARTNER_ID", "env-id")
        .env("JETPACK_PARTNER_SECRET", "from-env-xyz")
        .args(["provision", "-i=admin", "-u=https://e.test"])
        .arg(format!("--partner_secret_file={}", file.display())));
    testenv::assert_success(&out, PROVISION_OK);
    let t = &env.api.requests_to("/oauth2/token")[1];
    assert_eq!(
        t.form_value("client_secret"),
        Some(format!("{SECRET}-file").as_str())
    );

    let out = run(env
        .cmd_without_wp()
        .env("JETPACK_PARTNER_SECRET", "from-env-xyz")
        .args([
            "provision",
            "-c=flag-id",
            "-i=admin",
            "-u=https://e.test",
            "-s=from-flag-abc",
        ])
        .arg(format!("--partner_secret_file={}", file.display())));
    testenv::assert_success(&out, PROVISION_OK);
    let t = &env.api.requests_to("/oauth2/token")[2];
    assert_eq!(t.form_value("client_id"), Some("flag-id"));
    assert_eq!(t.form_value("client_secret"), Some("from-flag-abc"));

    // An unreadable file is invalid_input.
    let out = run(env.cmd_without_wp().args([
        "provision",
        "-c=1",
        "-i=admin",
        "-u=https://e.test",
        "--partner_secret_file=/nonexistent",
    ]));
    testenv::assert_failure(&out, "invalid_input");
}

#[test]
fn dry_run_sends_nothing_and_redacts() {
    let env = TestEnv::new();
    env.answer_single_site();
    let args = env.provision_args(&[
        "--user=admin",
        "--plan=premium",
        "--ftp-pass=ftp-secret-9",
        "--partner-tracking-id=t1",
        "--dry-run",
    ]);
    let out = run(env.cmd().args(&args));
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(!text.contains("ftp-secret-9"));
    let v: serde_json::Value = serde_json::from_str(&text).expect("dry-run JSON");
    let base = env.api.base_url();
    assert_eq!(
        v,
        json!({
            "dry_run": true,
            "requests": [
                {
                    "method": "POST",
                    "url": format!("{base}/oauth2/token"),
                    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                    "form": {"client_id": "1234", "client_secret": "<redacted>", "grant_type": "client_credentials", "scope": "jetpack-partner"}
                },
                {
                    "method": "POST",
                    "url": format!("{base}/rest/v1.3/jpphp/provision?partner-tracking-id=t1"),
                    "headers": {"Authorization": "Bearer <redacted>", "Content-Type": "application/x-www-form-urlencoded"},
                    "form": {"local_user": "admin", "siteurl": "http://site.test", "plan": "premium", "ftp_pass": "<redacted>"}
                }
            ]
        })
    );
    assert!(env.api.requests().is_empty());
    // Nothing is changed on the site either: no plugin activation.
    assert_eq!(env.wp.calls().len(), 1);
    assert!(env
        .wp
        .call_env(0)
        .contains(&("JETPACK_WP_ACTIVATE".to_string(), "0".to_string())));
}

#[test]
fn check_upgrade_asks_before_provisioning() {
    let paths =
        r#"{"jetpack-backup":["jetpack-backup-daily"],"jetpack-plans":["personal","premium"]}"#;
    // Allowed: upgrade-paths (by the site suffix, no WordPress here), then provision.
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    env.api.reply(
        "GET",
        "/rest/v1.3/jpphp/example.com::shop/upgrade-paths",
        Reply::json(200, paths),
    );
    let out = run(env.cmd_without_wp().args([
        "provision",
        "-c=1",
        &format!("-s={SECRET}"),
        "-i=admin",
        "-u=https://example.com/shop",
        "--plan=premium",
        "--check-upgrade",
    ]));
    testenv::assert_success(&out, PROVISION_OK);
    let order: Vec<String> = env
        .api
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        order,
        vec![
            "POST /oauth2/token",
            "GET /rest/v1.3/jpphp/example.com::shop/upgrade-paths",
            "POST /rest/v1.3/jpphp/provision",
        ]
    );
    assert_eq!(
        env.api.requests()[1].header("authorization"),
        Some(format!("Bearer {PARTNER_TOKEN}").as_str())
    );

    // Not allowed: plan_not_available naming what can be had, and no provision.
    let env = TestEnv::new();
    env.answer_without_eval(&[
        "user-get-admin-field-ID",
        "option-get-siteurl",
        "option-get-jetpack_options-set",
        "plugin-activate-jetpack-already-active",
    ]);
    env.provision_replies(Reply::json(200, PROVISION_OK));
    env.api.reply(
        "GET",
        "/rest/v1.3/jpphp/12345/upgrade-paths",
        Reply::json(200, paths),
    );
    let args = env.provision_args(&["--user=admin", "--plan=professional", "--check-upgrade"]);
    let out = run(env.cmd().args(&args));
    let err = testenv::assert_failure(&out, "plan_not_available");
    let msg = err["error_message"].as_str().unwrap_or("");
    assert!(
        msg.contains("professional") && msg.contains("jetpack-backup-daily, personal, premium"),
        "{msg}"
    );
    assert!(env.api.requests_to("/rest/v1.3/jpphp/provision").is_empty());
}

#[test]
fn multisite_subsite_through_eval() {
    let env = TestEnv::new();
    let url = "--url=http://multi.test/shop/";
    env.answer_facts(
        &[url],
        "",
        json!({"user_id": 1, "siteurl": "http://multi.test/shop", "home": "http://multi.test/shop", "blog_id": 0, "activate": "ok"}),
    );
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", url]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
    assert_eq!(p.form_value("siteurl"), Some("http://multi.test/shop"));
    assert_eq!(env.wp.calls(), vec![env.eval_call(&[url])]);
}

#[test]
fn early_token_overlaps_the_token_call_with_wordpress() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", "--early-token"]);
    let out = run(env.cmd().args(&args));
    testenv::assert_success(&out, PROVISION_OK);
    let paths: Vec<String> = env.api.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, vec!["/oauth2/token", "/rest/v1.3/jpphp/provision"]);
    assert_eq!(env.api.connections(), 1);

    // The price: an unknown user still fails with invalid_user and nothing
    // is provisioned, but the token call has been made.
    let env = TestEnv::new();
    env.answer_facts(&[], "", json!({"user_id": 0, "siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0}));
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=nosuchuser", "--early-token"]);
    let out = run(env.cmd().args(&args));
    testenv::assert_failure(&out, "invalid_user");
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 1);
    assert!(env.api.requests_to("/rest/v1.3/jpphp/provision").is_empty());
}

#[test]
fn the_fallback_is_mentioned_only_with_verbose() {
    let env = TestEnv::new();
    wp_single_site_commands(&env);
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let args = env.provision_args(&["--user=admin", "--verbose"]);
    let out = run(env.cmd().args(&args));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{PROVISION_OK}\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("asking with one command per value"),
        "{stderr}"
    );
    assert!(
        stderr.contains("has been disabled from the config file"),
        "{stderr}"
    );
    // Without --verbose, stderr stays empty (falls_back_... asserts it).
}
