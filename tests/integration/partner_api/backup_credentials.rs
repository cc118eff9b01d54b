//! `backup-credentials`: SSH and/or FTP by blog id, checked before any
//! request, passwords and keys never printed.

use super::{jp, run, status_of, stdout, with_creds, write_file};
use crate::testenv::{
    assert_exit, assert_failure, pairs, provision_args_without_wp, Reply, TestEnv, PARTNER_TOKEN,
    PROVISION_OK, PROVISION_PATH,
};
use serde_json::json;

const SSH_PATH: &str = "/rest/v1.3/jpphp/200001/ssh-credentials";
const FTP_PATH: &str = "/rest/v1.3/jpphp/200001/ftp-credentials";
const SSH_PASS: &str = "ssh-pw-2c7e&+= x";
const FTP_PASS: &str = "ftp-pw-91ad%20y";
const KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nkey-body-5a3f0c\n-----END OPENSSH PRIVATE KEY-----\n";

/// The model with example.com as blog 200001, and the pass files.
fn setup() -> (TestEnv, crate::testenv::PartnerApi) {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed_site("example.com", 200_001);
    write_file(&env, "ssh-pass", &format!("{SSH_PASS}\n"));
    write_file(&env, "ftp-pass", &format!("{FTP_PASS}\r\nignored\n"));
    write_file(&env, "id_ed25519", KEY);
    (env, partner)
}

/// `backup-credentials --blog_id=200001` plus `extra`, `{root}` expanded.
fn set(env: &TestEnv, extra: &[&str]) -> std::process::Output {
    let root = env.root().display().to_string();
    let mut args = with_creds(&["backup-credentials", "--blog_id=200001"]);
    args.extend(extra.iter().map(|a| a.replace("{root}", &root)));
    run(
        env.cmd_without_wp().args(args),
        &[SSH_PASS, FTP_PASS, "key-body-5a3f0c", "ssh-pw", "ftp-pw"],
    )
}

const SSH_FLAGS: &[&str] = &[
    "--ssh-host=ssh.example.com",
    "--ssh-user=deploy",
    "--ssh-pass-file={root}/ssh-pass",
];
const FTP_FLAGS: &[&str] = &[
    "--ftp-host=ftp.example.com",
    "--ftp-port=2121",
    "--ftp-user=backup",
    "--ftp-pass-file={root}/ftp-pass",
];

#[test]
fn ssh_only() {
    let (env, partner) = setup();
    let out = set(&env, SSH_FLAGS);
    crate::testenv::assert_success(&out, r#"{"success":true}"#);
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 2, "token call and the ssh call: {reqs:?}");
    assert_eq!(reqs[1].method, "POST");
    assert_eq!(reqs[1].path, SSH_PATH);
    assert_eq!(
        reqs[1].form,
        pairs(&[
            ("ssh_host", "ssh.example.com"),
            ("ssh_user", "deploy"),
            ("ssh_pass", SSH_PASS),
        ])
    );
    assert!(partner.has_backups_credentials("example.com"));
    assert_eq!(
        status_of(&env, "https://example.com")["blog"],
        json!({"is_connected": true, "has_backups_credentials": true})
    );
}

#[test]
fn ssh_with_a_private_key_file() {
    let (env, _partner) = setup();
    let out = set(
        &env,
        &[
            "--ssh-host=ssh.example.com",
            "--ssh-port=22",
            "--ssh-user=deploy",
            "--ssh-private-key={root}/id_ed25519",
        ],
    );
    crate::testenv::assert_success(&out, r#"{"success":true}"#);
    let r = &env.api.requests_to(SSH_PATH)[0];
    assert_eq!(
        r.form,
        pairs(&[
            ("ssh_host", "ssh.example.com"),
            ("ssh_port", "22"),
            ("ssh_user", "deploy"),
            ("ssh_private_key", KEY),
        ])
    );
}

#[test]
fn ftp_only() {
    let (env, partner) = setup();
    let out = set(&env, FTP_FLAGS);
    crate::testenv::assert_success(&out, r#"{"success":true}"#);
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].path, FTP_PATH);
    assert_eq!(
        reqs[1].form,
        pairs(&[
            ("ftp_host", "ftp.example.com"),
            ("ftp_port", "2121"),
            ("ftp_user", "backup"),
            ("ftp_pass", FTP_PASS),
        ])
    );
    assert_eq!(
        reqs[1].header("authorization"),
        Some(format!("Bearer {}", partner.token_of("1234").unwrap_or_default()).as_str())
    );
    assert!(partner.has_backups_credentials("example.com"));
}

#[test]
fn both_kinds_two_calls_one_answer() {
    let (env, _partner) = setup();
    let mut flags = SSH_FLAGS.to_vec();
    flags.extend(FTP_FLAGS);
    let out = set(&env, &flags);
    crate::testenv::assert_success(&out, r#"{"ssh":{"success":true},"ftp":{"success":true}}"#);
    let paths: Vec<String> = env.api.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/oauth2/token", SSH_PATH, FTP_PATH]);
}

/// One of the two refused: exit 1, and the error object carries both
/// outcomes; the other call was still made (and took effect).
#[test]
fn one_of_two_failing_exits_1_with_both_outcomes() {
    let (env, partner) = setup();
    let mut flags = SSH_FLAGS.to_vec();
    flags.extend([
        "--ftp-host=ftp.example.com",
        "--ftp-user=backup",
        "--ftp-port=abc",
    ]);
    let out = set(&env, &flags);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    let ftp = "ftp_port is not a port number.";
    let want = json!({
        "success": false,
        "error_code": "invalid_input",
        "error_message": format!("ftp: {ftp} (each call's answer or error is under its own key)"),
        "ssh": {"success": true},
        "ftp": {"success": false, "error_code": "invalid_input", "error_message": ftp,
                "error": "invalid_input", "message": ftp},
    });
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    assert_eq!(env.api.requests_to(SSH_PATH).len(), 1);
    assert_eq!(env.api.requests_to(FTP_PATH).len(), 1);
    assert!(
        partner.has_backups_credentials("example.com"),
        "ssh was set"
    );

    // The first one refused: the second is still tried, and the error is
    // the first's.
    let (env, _partner) = setup();
    let mut flags = vec![
        "--ssh-host=ssh.example.com",
        "--ssh-user=deploy",
        "--ssh-port=99999",
    ];
    flags.push("--ssh-pass-file={root}/ssh-pass");
    flags.extend(FTP_FLAGS);
    let out = set(&env, &flags);
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(err["ssh"]["error_code"], json!("invalid_input"));
    assert_eq!(err["ftp"], json!({"success": true}));
    assert!(err["error_message"]
        .as_str()
        .is_some_and(|m| m.starts_with("ssh: ssh_port is not a port number.")));
    assert_eq!(env.api.requests_to(FTP_PATH).len(), 1);
}

/// A request that fails in transport is one outcome too.
#[test]
fn a_network_failure_is_one_outcome() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api
        .reply("POST", SSH_PATH, Reply::json(200, r#"{"success":true}"#));
    env.api
        .reply("POST", FTP_PATH, Reply::close_without_reply());
    write_file(&env, "ssh-pass", &format!("{SSH_PASS}\n"));
    write_file(&env, "ftp-pass", &format!("{FTP_PASS}\n"));
    let mut flags = SSH_FLAGS.to_vec();
    flags.extend(FTP_FLAGS);
    let out = set(&env, &flags);
    let err = assert_failure(&out, "network_error");
    assert_eq!(err["ssh"], json!({"success": true}));
    assert_eq!(err["ftp"]["error_code"], json!("network_error"));
    assert_eq!(env.api.requests_to(FTP_PATH).len(), 1, "never re-sent");
}

/// No blog id: `invalid_input` naming --blog_id and no request at all —
/// not even the token call (a site suffix never stands in).
#[test]
fn without_a_blog_id_nothing_is_sent() {
    // No --blog_id and no wp; --url does not name the site here.
    let env = TestEnv::new();
    for url in [None, Some("--url=https://example.com")] {
        let mut args = with_creds(&["backup-credentials", "--ftp-host=h", "--ftp-user=u"]);
        args.extend(url.map(String::from));
        let out = jp(&env, &args);
        let err = assert_failure(&out, "invalid_input");
        let msg = err["error_message"].as_str().unwrap_or_default();
        assert!(msg.contains("--blog_id"), "{msg}");
        assert!(msg.starts_with("no WordPress.com blog id"), "{msg}");
    }
    assert!(env.api.requests().is_empty());
    assert_eq!(env.api.connections(), 0);

    // WordPress answers, but Jetpack has no blog id (not connected).
    let env = TestEnv::new();
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0}),
    );
    let pass = write_file(&env, "ssh-pass", "pw\n");
    let mut args = with_creds(&["backup-credentials"]);
    args.extend(env.globals());
    args.extend([
        "--ssh-host=h".to_string(),
        "--ssh-user=u".into(),
        format!("--ssh-pass-file={pass}"),
    ]);
    let out = run(env.cmd().args(args), &[]);
    let err = assert_failure(&out, "invalid_input");
    let msg = err["error_message"].as_str().unwrap_or_default();
    assert!(msg.contains("--blog_id"), "{msg}");
    assert!(msg.contains("not connected"), "{msg}");
    assert_eq!(env.wp.calls().len(), 1, "one eval");
    assert!(
        env.api.requests().is_empty(),
        "no request at all: {:?}",
        env.api.requests()
    );
}

/// The blog id from WordPress (Jetpack's id): the calls go to it.
#[test]
fn blog_id_from_wordpress() {
    let (env, _partner) = setup();
    env.answer_facts(
        &[],
        "PHP Notice: noise\n",
        json!({"siteurl": "http://site.test", "home": "http://site.test", "blog_id": 200001}),
    );
    let root = env.root().display().to_string();
    let mut args = with_creds(&["backup-credentials"]);
    args.extend(env.globals());
    args.extend(FTP_FLAGS.iter().map(|a| a.replace("{root}", &root)));
    let out = run(env.cmd().args(args), &[FTP_PASS]);
    crate::testenv::assert_success(&out, r#"{"success":true}"#);
    assert_eq!(env.api.requests_to(FTP_PATH).len(), 1);
    assert_eq!(env.wp.calls().len(), 1);
}

/// Every SSH/FTP problem the flags show is found before any request (and
/// before WordPress is asked).
#[test]
fn validation_errors_before_any_request() {
    let env = TestEnv::new();
    write_file(&env, "ssh-pass", "pw\n");
    write_file(&env, "empty-pass", "");
    let root = env.root().display().to_string();
    for (flags, words) in [
        (
            &["--ssh-host=h", "--ssh-user=u"][..],
            "--ssh-user needs a password (--ssh-pass or --ssh-pass-file) or --ssh-private-key=PATH",
        ),
        (
            &["--ssh-user=u", "--ssh-pass=x"],
            "no host: give --ssh-host",
        ),
        (
            &["--ssh-host=h", "--ssh-pass=x"],
            "no user: give --ssh-user",
        ),
        (&["--ssh-host=h"], "no user: give --ssh-user"),
        (&["--ftp-host=h"], "no user: give --ftp-user"),
        (
            &["--ftp-user=u", "--ftp-pass=x"],
            "no host: give --ftp-host",
        ),
        (
            &[
                "--ftp-host=h",
                "--ftp-user=u",
                "--ssh-host=h",
                "--ssh-user=u",
            ],
            "--ssh-user needs",
        ),
        (&[], "no credentials: give --ssh-host/--ssh-user"),
        (
            &[
                "--ssh-host=h",
                "--ssh-user=u",
                "--ssh-private-key=/nonexistent/key",
            ],
            "--ssh-private-key=/nonexistent/key: cannot read it",
        ),
        (
            &[
                "--ssh-host=h",
                "--ssh-user=u",
                "--ssh-pass-file={root}/empty-pass",
            ],
            "the file is empty",
        ),
    ] {
        let mut args = with_creds(&["backup-credentials", "--blog_id=12345"]);
        args.extend(flags.iter().map(|a| a.replace("{root}", &root)));
        let out = run(env.cmd().args(&args), &[]);
        let err = assert_failure(&out, "invalid_input");
        let msg = err["error_message"].as_str().unwrap_or_default();
        assert!(msg.contains(words), "{flags:?}: {msg}");
    }
    assert!(env.api.requests().is_empty());
    assert!(env.wp.calls().is_empty());
}

/// Passwords and keys, from flags or files, are sent and never printed:
/// not in the answer's error echoing them, not in `--verbose`, not in
/// `--dry-run` (there they are `<redacted>`).
#[test]
fn passwords_and_keys_are_never_printed() {
    for verbose in [false, true] {
        let env = TestEnv::new();
        write_file(&env, "ssh-pass", &format!("{SSH_PASS}\n"));
        write_file(&env, "ftp-pass", &format!("{FTP_PASS}\n"));
        write_file(&env, "id_ed25519", KEY);
        env.api.token_ok(PARTNER_TOKEN);
        let echo = json!({"error": "rest_invalid_param",
            "message": format!("bad {SSH_PASS} / {FTP_PASS}"),
            "data": {"ssh_private_key": KEY, "ftp_pass": FTP_PASS}})
        .to_string();
        env.api.reply("POST", SSH_PATH, Reply::json(400, &echo));
        env.api.reply("POST", FTP_PATH, Reply::json(400, &echo));
        let mut flags = vec![
            "--ssh-host=ssh.example.com",
            "--ssh-user=deploy",
            "--ssh-pass-file={root}/ssh-pass",
            "--ssh-private-key={root}/id_ed25519",
            "--ftp-host=ftp.example.com",
            "--ftp-user=backup",
            "--ftp-pass-file={root}/ftp-pass",
        ];
        if verbose {
            flags.push("--verbose");
        }
        let out = set(&env, &flags);
        assert_exit(&out, 1);
        let r = &env.api.requests_to(SSH_PATH)[0];
        assert_eq!(r.form_value("ssh_pass"), Some(SSH_PASS));
        assert_eq!(r.form_value("ssh_private_key"), Some(KEY));
        assert_eq!(
            env.api.requests_to(FTP_PATH)[0].form_value("ftp_pass"),
            Some(FTP_PASS)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("<redacted>"), "{err}");

        // The flags themselves (not files), dry run.
        let env = TestEnv::new();
        let out = set(
            &env,
            &[
                "--ssh-host=h",
                "--ssh-user=u",
                &format!("--ssh-pass={SSH_PASS}"),
                "--ftp-host=h",
                "--ftp-user=u",
                &format!("--ftp-pass={FTP_PASS}"),
                "--dry-run",
            ],
        );
        assert_exit(&out, 0);
        let doc = super::stdout_json(&out);
        assert_eq!(doc["requests"][1]["form"]["ssh_pass"], json!("<redacted>"));
        assert_eq!(doc["requests"][2]["form"]["ftp_pass"], json!("<redacted>"));
        assert!(env.api.requests().is_empty());
    }
}

/// provision takes the pass files too: their first lines go out as
/// ssh_pass and ftp_pass; a password flag wins over its file.
#[test]
fn provision_sends_the_pass_files() {
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let ssh = write_file(&env, "ssh-pass", &format!("{SSH_PASS}\nnot this\n"));
    let ftp = write_file(&env, "ftp-pass", &format!("{FTP_PASS}\n"));
    let out = run(
        env.cmd_without_wp().args(provision_args_without_wp(&[
            "--plan=jetpack-backup-daily",
            "--ssh-host=ssh.example.com",
            "--ssh-user=deploy",
            &format!("--ssh-pass-file={ssh}"),
            "--ftp-host=ftp.example.com",
            "--ftp-user=backup",
            &format!("--ftp_pass_file={ftp}"),
        ])),
        &[SSH_PASS, FTP_PASS],
    );
    crate::testenv::assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(
        p.form,
        pairs(&[
            ("local_user", "admin"),
            ("siteurl", "https://e.test"),
            ("plan", "jetpack-backup-daily"),
            ("ssh_host", "ssh.example.com"),
            ("ssh_user", "deploy"),
            ("ssh_pass", SSH_PASS),
            ("ftp_host", "ftp.example.com"),
            ("ftp_user", "backup"),
            ("ftp_pass", FTP_PASS),
        ])
    );

    // --ssh-pass and --ssh-pass-file both: the flag's value, once.
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let ssh = write_file(&env, "ssh-pass", "from-the-file\n");
    let out = run(
        env.cmd_without_wp().args(provision_args_without_wp(&[
            "--ssh-host=h",
            "--ssh-user=u",
            &format!("--ssh-pass-file={ssh}"),
            "--ssh-pass=from-the-flag",
        ])),
        &["from-the-flag", "from-the-file"],
    );
    assert_exit(&out, 0);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    let sent: Vec<&str> = p
        .form
        .iter()
        .filter(|(k, _)| k == "ssh_pass")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(sent, ["from-the-flag"]);

    // Without a password or key, provision's own check refuses it.
    let env = TestEnv::new();
    let out = jp(
        &env,
        provision_args_without_wp(&["--ssh-host=h", "--ssh-user=u", "--dry-run"]),
    );
    let err = assert_failure(&out, "invalid_input");
    assert!(err["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("--ssh-user needs")));
}
