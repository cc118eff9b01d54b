//! `insecure_file`: a secret, token, password, key or config file that
//! others than its owner may read (or change) is refused, as ssh refuses
//! a loose key: exit 1, the file and the `chmod` that fixes it, nothing
//! sent. Group-readable too (SPEC §10), so a root-owned 0640 file shared
//! with a group is refused: systemd credentials are the way to hand a
//! secret to a service user.

use super::{private, refused, run, show, status_args, with_mode, STATUS_OK};
use crate::testenv::{assert_success, TestEnv};

fn loose(subject: &str, path: &std::path::Path, mode: u32, who: &str) -> String {
    format!(
        "{subject}: other users can {who} it (mode {mode:04o}), so it is not used (as ssh refuses a loose key); make it readable by its owner only: chmod 600 {}",
        show(path)
    )
}

#[test]
fn every_kind_of_file() {
    let ssh = ["--ssh-host=h", "--ssh-user=u"];
    for mode in [0o644, 0o640, 0o604, 0o660] {
        let env = TestEnv::new();
        let file = with_mode(&env, "f", "value-1\n", mode);
        let f = show(&file);
        let provision = |extra: &[String]| {
            let mut v: Vec<String> = ["provision", "-c=1", "-i=a", "-u=https://e.test"]
                .map(String::from)
                .to_vec();
            v.extend(extra.iter().cloned());
            v
        };
        let with = |flag: &str| format!("{flag}={f}");
        // (arguments, variables, what the message names)
        type Case<'a> = (Vec<String>, Vec<(&'a str, String)>, String);
        let cases: Vec<Case> = vec![
            (
                provision(&[with("--partner_secret_file")]),
                vec![],
                with("--partner_secret_file"),
            ),
            (
                provision(&[with("--access-token-file")]),
                vec![],
                with("--access-token-file"),
            ),
            (
                provision(&[
                    "-s=x".into(),
                    ssh[0].into(),
                    ssh[1].into(),
                    with("--ssh-pass-file"),
                ]),
                vec![],
                with("--ssh-pass-file"),
            ),
            (
                provision(&[
                    "-s=x".into(),
                    ssh[0].into(),
                    ssh[1].into(),
                    with("--ssh-private-key"),
                ]),
                vec![],
                with("--ssh-private-key"),
            ),
            (
                provision(&[
                    "-s=x".into(),
                    "--ftp-host=h".into(),
                    "--ftp-user=u".into(),
                    with("--ftp-pass-file"),
                ]),
                vec![],
                with("--ftp-pass-file"),
            ),
            (
                status_args(&["-c=1"]),
                vec![("JETPACK_PARTNER_SECRET_FILE", f.clone())],
                with("JETPACK_PARTNER_SECRET_FILE"),
            ),
            (
                status_args(&[]),
                vec![("JETPACK_PARTNER_ACCESS_TOKEN_FILE", f.clone())],
                with("JETPACK_PARTNER_ACCESS_TOKEN_FILE"),
            ),
            (
                status_args(&[]),
                vec![("JETPACK_PARTNER_CONFIG", f.clone())],
                with("JETPACK_PARTNER_CONFIG"),
            ),
        ];
        let who = if mode & 0o044 != 0 { "read" } else { "change" };
        for (args, vars, subject) in cases {
            let mut cmd = env.cmd_without_wp();
            cmd.args(&args);
            for (k, v) in vars {
                cmd.env(k, v);
            }
            let out = run(&mut cmd);
            refused(
                &env,
                &out,
                "insecure_file",
                &loose(&subject, &file, mode, who),
            );
        }
    }
}

/// Named by the config file, or a systemd credential: the same rule.
#[test]
fn secret_files_named_by_config_or_systemd() {
    let env = TestEnv::new();
    let secret = with_mode(&env, "cfg/secret", "s\n", 0o644);
    let config = private(
        &env,
        "cfg/c.toml",
        "partner_id = 1\n\npartner_secret_file = \"secret\"\n",
    );
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&[&format!("--config={}", show(&config))])));
    refused(
        &env,
        &out,
        "insecure_file",
        &loose(
            &format!(
                "--config={} line 3: partner_secret_file={}",
                show(&config),
                show(&secret)
            ),
            &secret,
            0o644,
            "read",
        ),
    );
    let cred = with_mode(&env, "creds/jetpack-partner-token", "t\n", 0o444);
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&[]))
        .env("CREDENTIALS_DIRECTORY", env.root().join("creds")));
    refused(
        &env,
        &out,
        "insecure_file",
        &loose(
            &format!("systemd credential jetpack-partner-token={}", show(&cred)),
            &cred,
            0o444,
            "read",
        ),
    );
}

/// The owner's alone (0600, 0400) is fine; so is stdin, whatever it is,
/// and a path with a space is quoted in the advice.
#[test]
fn what_is_not_refused() {
    for mode in [0o600, 0o400] {
        let env = TestEnv::new();
        super::answer_status(&env);
        let file = with_mode(&env, "secret", "s\n", mode);
        let out = run(env.cmd_without_wp().args(status_args(&[
            "-c=1",
            &format!("--partner_secret_file={}", show(&file)),
        ])));
        assert_success(&out, STATUS_OK);
    }
    let env = TestEnv::new();
    super::answer_status(&env);
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&["-c=1", "--partner_secret_file=-"]))
        .write_stdin("s\n"));
    assert_success(&out, STATUS_OK);

    let env = TestEnv::new();
    let file = with_mode(&env, "my secret", "s\n", 0o644);
    let out = run(env.cmd_without_wp().args(status_args(&[
        "-c=1",
        &format!("--partner_secret_file={}", show(&file)),
    ])));
    let err = crate::testenv::assert_failure(&out, "insecure_file");
    let msg = err["error_message"].as_str().unwrap_or("");
    assert!(
        msg.ends_with(&format!("chmod 600 '{}'", show(&file))),
        "{msg}"
    );
}
