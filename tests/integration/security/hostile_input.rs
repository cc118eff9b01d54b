//! Hostile input: values reach the API and `wp` byte for byte, never
//! through a shell or PHP source, and a value that looks like an option
//! never becomes one.

use crate::testenv::{self, Reply, TestEnv, SECRET};
use serde_json::json;

const OK: &str = r#"{"success":true}"#;

const NASTY: &[&str] = &[
    "1; rm -rf /tmp/jetpack-partner-canary",
    "$(touch /tmp/jetpack-partner-canary)",
    "`id`",
    "' OR 1=1 --",
    "@/etc/passwd",
    "<\"/etc/hosts\"",
    "a b\tc\nd",
    "x --plan=free",
];

#[test]
fn hostile_user_values_arrive_intact_through_wp_and_api() {
    let canary = std::path::Path::new("/tmp/jetpack-partner-canary");
    let _ = std::fs::remove_file(canary);
    for eval in [true, false] {
        for user in NASTY {
            let env = TestEnv::new();
            let path = format!("--path={}", env.wp_path());
            if eval {
                env.answer_facts(
                    &[],
                    "",
                    json!({"user_id": 7, "siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0, "activate": "ok"}),
                );
            } else {
                env.disable_eval(&[]);
                env.wp.answer_with(
                    &["--allow-root", &path, "user", "get", user, "--field=ID"],
                    "7\n",
                    "",
                    0,
                );
                env.wp.answer("option-get-siteurl");
                env.wp.answer("plugin-activate-jetpack-first");
            }
            env.api.reply(
                "POST",
                "/oauth2/token",
                Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
            );
            env.api
                .reply("POST", "/rest/v1.3/jpphp/provision", Reply::json(200, OK));
            let out = env
                .cmd()
                .args([
                    "provision",
                    "-c=1",
                    &format!("-s={SECRET}"),
                    "--allow-root",
                    &path,
                ])
                .arg(format!("--user={user}"))
                .output()
                .expect("run");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{user:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let calls = env.wp.calls();
            if eval {
                // The value travels by environment; the PHP source is a constant.
                assert_eq!(calls.len(), 1);
                assert!(
                    !calls[0].iter().any(|a| a.contains(user)),
                    "{user:?} in argv"
                );
                assert!(env
                    .wp
                    .call_env(0)
                    .contains(&("JETPACK_WP_USER".to_string(), user.to_string())));
            } else {
                assert_eq!(calls[1][4], *user, "wp got the value as one argument");
            }
            let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
            assert_eq!(p.form_value("local_user"), Some(*user));
            assert_eq!(
                p.form.len(),
                2,
                "{user:?} must not add fields: {:?}",
                p.form
            );
        }
    }
    assert!(!canary.exists(), "something ran a shell");
}

#[test]
fn option_like_users_never_reach_wp_argv() {
    let provision_as = |env: &TestEnv, user: &str| {
        env.cmd()
            .args(["provision", "-c=1", &format!("-s={SECRET}"), "--allow-root"])
            .arg(format!("--path={}", env.wp_path()))
            .arg(format!("--user={user}"))
            .output()
            .expect("run")
    };
    for user in ["--require=/tmp/evil.php", "-x"] {
        // eval: the value is only an environment variable, so it is safe to
        // look up (and here it names nobody).
        let env = TestEnv::new();
        env.answer_facts(&[], "", json!({"user_id": 0, "siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0}));
        let out = provision_as(&env, user);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            testenv::stderr_json(&out)["error_code"],
            json!("invalid_user")
        );
        assert!(env.api.requests().is_empty());

        // Plain commands would put it in argv, where WP-CLI reads it as an
        // option: refused before `wp user get` runs.
        let env = TestEnv::new();
        env.disable_eval(&[]);
        let out = provision_as(&env, user);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            testenv::stderr_json(&out)["error_code"],
            json!("invalid_input")
        );
        assert_eq!(env.wp.calls().len(), 1, "only the eval attempt");
        assert!(env.api.requests().is_empty());
    }
}

#[test]
fn hostile_values_in_every_forwarded_field() {
    for value in NASTY {
        let env = TestEnv::new();
        env.api.reply(
            "POST",
            "/oauth2/token",
            Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
        );
        env.api
            .reply("POST", "/rest/v1.3/jpphp/provision", Reply::json(200, OK));
        let out = env
            .cmd_without_wp()
            .args(["provision", "-c=1", &format!("-s={SECRET}")])
            .arg(format!("--user={value}"))
            .arg(format!("--url={value}"))
            .arg(format!("--plan={value}"))
            .arg(format!("--partner-tracking-id={value}"))
            .output()
            .expect("run");
        // A --url that names no host at all is refused, nothing sent.
        if value.starts_with('@') {
            crate::testenv::assert_failure(&out, "invalid_input");
            assert!(env.api.requests().is_empty());
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{value:?}");
        let p = &env.api.requests_to("/rest/v1.3/jpphp/provision")[0];
        assert_eq!(p.form_value("local_user"), Some(*value));
        assert_eq!(p.form_value("siteurl"), Some(*value));
        assert_eq!(p.form_value("plan"), Some(*value));
        assert_eq!(p.query_value("partner-tracking-id"), Some(*value));
    }
}
