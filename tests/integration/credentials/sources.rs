//! The order credentials are looked up in, end to end: flags, then the
//! environment (a variable, a `_FILE` variable, a systemd credential),
//! then the config file; at each level a token before a client secret.
//! And a token file holding the JSON `token` printed.

use super::{
    answer_status, private, refused, run, sent, show, status_args, SECRET_FROM_FILE,
    TOKEN_FROM_FILE,
};
use crate::testenv::{assert_success, Reply, TestEnv, TOKEN_PATH};

/// Every source at once; taking the winner away each time shows the next.
#[test]
fn flag_then_environment_then_systemd_then_config() {
    let env = TestEnv::new();
    let flag_file = private(&env, "flag-secret", "from-flag-file\n");
    let env_file = private(&env, "env-secret", "from-env-file\n");
    let creds = env.root().join("credentials");
    private(&env, "credentials/jetpack-partner-secret", "from-systemd\n");
    private(&env, "cfg/secret", &format!("{SECRET_FROM_FILE}\n"));
    let config = private(
        &env,
        "cfg/config.toml",
        "partner_id = 4321\npartner_secret_file = \"secret\"\n",
    );
    let flag = format!("--partner_secret_file={}", show(&flag_file));
    let config_flag = format!("--config={}", show(&config));
    // (flag given, JETPACK_PARTNER_SECRET, JETPACK_PARTNER_SECRET_FILE, systemd) → sent
    let cases = [
        (true, true, true, true, "4321 from-flag-file"),
        (false, true, true, true, "4321 from-env-var"),
        (false, false, true, true, "4321 from-env-file"),
        (false, false, false, true, "4321 from-systemd"),
        (
            false,
            false,
            false,
            false,
            &format!("4321 {SECRET_FROM_FILE}") as &str,
        ),
    ];
    for (with_flag, var, file, systemd, want) in cases {
        let env_ = TestEnv::new();
        answer_status(&env_);
        let mut cmd = env_.cmd_without_wp();
        cmd.args(status_args(&[&config_flag]));
        if with_flag {
            cmd.arg(&flag);
        }
        if var {
            cmd.env("JETPACK_PARTNER_SECRET", "from-env-var");
        }
        if file {
            cmd.env("JETPACK_PARTNER_SECRET_FILE", &env_file);
        }
        if systemd {
            cmd.env("CREDENTIALS_DIRECTORY", &creds);
        }
        assert_success(&run(&mut cmd), super::STATUS_OK);
        assert_eq!(sent(&env_), want);
    }
    // The id: flag, then JETPACK_PARTNER_ID, then the config's.
    for (args, var, want) in [
        (&["-c=11"][..], Some("22"), "11"),
        (&[], Some("22"), "22"),
        (&[], None, "4321"),
    ] {
        let env_ = TestEnv::new();
        answer_status(&env_);
        let mut cmd = env_.cmd_without_wp();
        cmd.args(status_args(&[&config_flag])).args(args);
        if let Some(v) = var {
            cmd.env("JETPACK_PARTNER_ID", v);
        }
        assert_success(&run(&mut cmd), super::STATUS_OK);
        assert_eq!(sent(&env_), format!("{want} {SECRET_FROM_FILE}"));
    }
}

/// At each level a token wins over a client secret; a level above wins
/// over both.
#[test]
fn a_token_before_a_secret_at_each_level() {
    let env = TestEnv::new();
    let creds = env.root().join("credentials");
    private(
        &env,
        "credentials/jetpack-partner-token",
        &format!("{TOKEN_FROM_FILE}\n"),
    );
    private(&env, "credentials/jetpack-partner-secret", "from-systemd\n");
    private(&env, "cfg/token", "config-token-0a1\n");
    let config = private(
        &env,
        "cfg/config.toml",
        "partner_id = 4321\naccess_token_file = \"token\"\n",
    );
    let config_flag = format!("--config={}", show(&config));
    let run_with = |vars: &[(&str, &std::ffi::OsStr)], args: &[&str]| {
        let env_ = TestEnv::new();
        answer_status(&env_);
        let mut cmd = env_.cmd_without_wp();
        cmd.args(status_args(&[&config_flag])).args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        assert_success(&run(&mut cmd), super::STATUS_OK);
        sent(&env_)
    };
    let dir = creds.as_os_str();
    // systemd's token beats JETPACK_PARTNER_SECRET (same level).
    assert_eq!(
        run_with(
            &[
                ("CREDENTIALS_DIRECTORY", dir),
                ("JETPACK_PARTNER_SECRET", "s".as_ref())
            ],
            &[]
        ),
        format!("bearer {TOKEN_FROM_FILE}")
    );
    // A secret flag beats any token of the environment.
    assert_eq!(
        run_with(&[("CREDENTIALS_DIRECTORY", dir)], &["-s=flag-secret"]),
        "4321 flag-secret"
    );
    // The environment's secret beats the config's token.
    assert_eq!(
        run_with(&[("JETPACK_PARTNER_SECRET", "env-secret".as_ref())], &[]),
        "4321 env-secret"
    );
    // The config's token, with no token call.
    assert_eq!(run_with(&[], &[]), "bearer config-token-0a1");
}

/// What `token` printed is a token file: the next run uses its
/// `access_token` (it used to be sent whole and refused as invalid_scope).
#[test]
fn the_json_token_printed_is_a_token_file() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed_site("example.com", 200_001);
    let out = run(env.cmd_without_wp().args([
        "token",
        "-c=1234",
        &format!("-s={}", crate::testenv::SECRET),
    ]));
    crate::testenv::assert_exit(&out, 0);
    let token = partner.token_of("1234").expect("a token");
    let file = private(&env, "token.json", &String::from_utf8_lossy(&out.stdout));
    let before = env.api.requests().len();
    for how in ["flag", "variable", "systemd"] {
        let mut cmd = env.cmd_without_wp();
        cmd.args(status_args(&[]));
        match how {
            "flag" => {
                cmd.arg(format!("--access-token-file={}", show(&file)));
            }
            "variable" => {
                cmd.env("JETPACK_PARTNER_ACCESS_TOKEN_FILE", &file);
            }
            _ => {
                private(
                    &env,
                    "creds/jetpack-partner-token",
                    &String::from_utf8_lossy(&out.stdout),
                );
                cmd.env("CREDENTIALS_DIRECTORY", env.root().join("creds"));
            }
        }
        let status = crate::testenv::run_clean(&mut cmd, &[&token]);
        assert_success(
            &status,
            r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[]}"#,
        );
    }
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), before + 3, "no token call: {reqs:?}");
    for r in &reqs[before..] {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
    }
    // The variable may hold the JSON too.
    let out = crate::testenv::run_clean(
        env.cmd_without_wp().args(status_args(&[])).env(
            "JETPACK_PARTNER_ACCESS_TOKEN",
            String::from_utf8_lossy(&out.stdout).as_ref(),
        ),
        &[&token],
    );
    crate::testenv::assert_exit(&out, 0);
}

/// JSON without an access_token, or cut short: invalid_input saying what
/// a token file holds; nothing sent.
#[test]
fn a_json_token_file_without_a_token_is_refused() {
    let env = TestEnv::new();
    let hint = "give the token alone, or the JSON `jetpack-partner token` printed ({\"access_token\":\"…\",…})";
    for (contents, why) in [
        (
            r#"{"token_type":"bearer","scope":"jetpack-partner"}"#,
            "JSON without an \"access_token\"".to_string(),
        ),
        (
            r#"{"access_token": ""}"#,
            "JSON without an \"access_token\"".to_string(),
        ),
        (
            &format!("{{\"access_token\": \"{TOKEN_FROM_FILE}") as &str,
            "starts like JSON but is not JSON (EOF while parsing a string at line 1 column 34)"
                .to_string(),
        ),
    ] {
        let file = private(&env, "token.json", contents);
        let out = run(env.cmd_without_wp().args(status_args(&[&format!(
            "--access-token-file={}",
            show(&file)
        )])));
        refused(
            &env,
            &out,
            "invalid_input",
            &format!("--access-token-file={}: {why}; {hint}", show(&file)),
        );
    }
    let out = run(env.cmd_without_wp().args(status_args(&[])).env(
        "JETPACK_PARTNER_ACCESS_TOKEN",
        r#"{"error":"invalid_client"}"#,
    ));
    refused(
        &env,
        &out,
        "invalid_input",
        &format!("JETPACK_PARTNER_ACCESS_TOKEN: JSON without an \"access_token\"; {hint}"),
    );
}

/// A systemd credential that is there but unusable says which; a
/// credentials folder without our names is no source.
#[test]
fn systemd_credentials_are_files_like_any_other() {
    let env = TestEnv::new();
    let creds = env.root().join("credentials");
    let empty = private(&env, "credentials/jetpack-partner-secret", "\n");
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&["-c=1234"]))
        .env("CREDENTIALS_DIRECTORY", &creds));
    refused(
        &env,
        &out,
        "invalid_input",
        &format!(
            "systemd credential jetpack-partner-secret={}: the file is empty; put the secret on its first line",
            show(&empty)
        ),
    );
    std::fs::remove_file(&empty).expect("rm");
    let out = env
        .cmd_without_wp()
        .args(status_args(&["-c=1234"]))
        .env("CREDENTIALS_DIRECTORY", &creds)
        .output()
        .expect("run");
    crate::testenv::assert_exit(&out, 1);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("Usage:") && text.contains("--partner_secret"),
        "{text}"
    );
    assert!(env.api.requests().is_empty());
    // The token call sends what the credential holds, first line only.
    let env = TestEnv::new();
    env.api.token_ok(crate::testenv::PARTNER_TOKEN);
    env.api.reply(
        "GET",
        super::STATUS_PATH,
        Reply::json(200, super::STATUS_OK),
    );
    private(
        &env,
        "c/jetpack-partner-secret",
        &format!("{SECRET_FROM_FILE}\r\nnot this\n"),
    );
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&[]))
        .env("JETPACK_PARTNER_ID", "1234")
        .env("CREDENTIALS_DIRECTORY", env.root().join("c")));
    assert_success(&out, super::STATUS_OK);
    assert_eq!(
        env.api.requests_to(TOKEN_PATH)[0].form_value("client_secret"),
        Some(SECRET_FROM_FILE)
    );
}
