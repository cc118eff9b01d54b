//! SPEC §9 "Child processes get no credentials": `wp` (and the PHP it runs)
//! sees none of the partner credentials in its environment or arguments,
//! nor the variables naming their files or the config file; everything
//! else of our environment reaches it (`CREDENTIALS_DIRECTORY` too: its
//! path is fixed, and `wp-config.php` may read its own credentials there).

use crate::testenv::{self, Reply, TestEnv};

const PARTNER_ID: &str = "LEAKid-31337";
const PARTNER_SECRET: &str = "LEAKsecret-q&w e+r";
const ACCESS_TOKEN: &str = "LEAKaccess-token-77f";
/// The site's own token from the provision answer: `--token=` of the
/// authorize step (WP-CLI needs it; it is not a partner credential).
const SITE_TOKEN: &str = "site-token-abc123";

#[test]
fn wp_calls_get_no_partner_credential_in_environment_or_arguments() {
    let env = TestEnv::new();
    env.answer_single_site();
    let body = format!(
        r#"{{"success":true,"access_token":"{SITE_TOKEN}","next_url":"","auth_required":false}}"#
    );
    env.provision_replies(Reply::json(200, &body));
    let token_arg = format!("--token={SITE_TOKEN}");
    let authorize = env.wp_argv(&["--user=admin", "jetpack", "authorize_user", &token_arg]);
    let authorize: Vec<&str> = authorize.iter().map(String::as_str).collect();
    env.wp
        .answer_with(&authorize, "Success: Granted access.\n", "", 0);

    let path = format!("--path={}", env.wp_path());
    let files = env.root().join("files");
    std::fs::create_dir(&files).expect("dir");
    let config = files.join("config.toml");
    crate::testenv::write_private(&config, "jobs = 2\n");
    let mut cmd = env.cmd();
    cmd.env("JETPACK_PARTNER_ID", PARTNER_ID)
        .env("JETPACK_PARTNER_SECRET", PARTNER_SECRET)
        .env("JETPACK_PARTNER_ACCESS_TOKEN", ACCESS_TOKEN)
        .env("JETPACK_PARTNER_SECRET_FILE", files.join("secret"))
        .env("JETPACK_PARTNER_ACCESS_TOKEN_FILE", files.join("token"))
        .env("JETPACK_PARTNER_CONFIG", &config)
        .env("JETPACK_LICENSING_TOKEN", "LEAKlicensing-1")
        .env("JETPACK_REPORTING_TOKEN", "LEAKreporting-1")
        .env("CREDENTIALS_DIRECTORY", &files)
        .env("KEEP_ME", "1")
        .args([
            "provision",
            "--user=admin",
            "--wpcom_user_id=555",
            "--allow-root",
            &path,
        ]);
    let out = cmd.output().expect("run");
    testenv::assert_success(&out, &body);

    // The credentials were used from our environment (SPEC §7: a given
    // token means no token call, so it is the one that reached the API).
    assert!(env.api.requests_to(testenv::TOKEN_PATH).is_empty());
    let provision = &env.api.requests_to(testenv::PROVISION_PATH)[0];
    assert_eq!(
        provision.header("authorization"),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );

    let calls = env.wp.calls();
    assert_eq!(
        calls.len(),
        2,
        "the facts eval, then authorize_user: {calls:?}"
    );
    assert_eq!(calls[0][2..4], ["--skip-themes", "--skip-plugins"]);
    assert_eq!(calls[1], authorize);
    let our_path = env.path_with_wp();
    for (n, argv) in calls.iter().enumerate() {
        let environ = env.wp.call_environ(n);
        let names: Vec<&str> = environ.iter().map(|(k, _)| k.as_str()).collect();
        for var in [
            "JETPACK_PARTNER_ID",
            "JETPACK_PARTNER_SECRET",
            "JETPACK_PARTNER_ACCESS_TOKEN",
            "JETPACK_PARTNER_SECRET_FILE",
            "JETPACK_PARTNER_ACCESS_TOKEN_FILE",
            "JETPACK_PARTNER_CONFIG",
            "JETPACK_LICENSING_TOKEN",
            "JETPACK_REPORTING_TOKEN",
        ] {
            assert!(!names.contains(&var), "call {n} got {var}: {names:?}");
        }
        let value = |k: &str| {
            environ
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("KEEP_ME"), Some("1"), "call {n}: {names:?}");
        assert_eq!(
            value("CREDENTIALS_DIRECTORY"),
            files.to_str(),
            "call {n}: {names:?}"
        );
        assert_eq!(value("PATH"), Some(our_path.as_str()), "call {n}");
        // No credential under another name, nor in any argument.
        for secret in [PARTNER_ID, PARTNER_SECRET, ACCESS_TOKEN, "LEAK"] {
            for (k, v) in &environ {
                assert!(!v.contains(secret), "call {n}: {k} holds {secret:?}");
            }
            for a in argv {
                assert!(!a.contains(secret), "call {n}: argument {a:?}");
            }
        }
    }
}

/// `audit` asks WordPress with the reporting token in our environment (it
/// reads the billing with it): `wp` never sees it.
#[test]
fn audits_wp_calls_get_no_reporting_token() {
    let env = TestEnv::new();
    env.partner_api()
        .reporting_token_named("1234", "LEAKreporting-2");
    let path = format!("--path={}", env.wp_path());
    env.answer_facts(
        &[],
        "",
        serde_json::json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0, "safe_mode": false}),
    );
    let batch = env.root().join("sites.jsonl");
    std::fs::write(
        &batch,
        format!("{}\n", serde_json::json!({"path": env.wp_path()})),
    )
    .expect("write");
    let out = env
        .cmd()
        .env("JETPACK_PARTNER_SECRET", testenv::SECRET)
        .env("JETPACK_REPORTING_TOKEN", "LEAKreporting-2")
        .env("JETPACK_LICENSING_TOKEN", "LEAKlicensing-2")
        .args([
            "audit",
            "-c=1234",
            "--partner-key-id=1",
            "--allow-root",
            &path,
        ])
        .arg(format!("--batch={}", batch.display()))
        .output()
        .expect("run");
    testenv::assert_exit(&out, 0);
    let calls = env.wp.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    for (k, v) in env.wp.call_environ(0) {
        assert!(
            !v.contains("LEAK") && !k.starts_with("JETPACK_PARTNER") && !k.ends_with("_TOKEN"),
            "wp got {k}={v}"
        );
    }
}
