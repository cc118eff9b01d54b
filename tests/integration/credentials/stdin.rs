//! `-` (stdin) for every file flag that reads a secret, a token, a
//! password or a key; one reader of stdin per run (`--batch=-`,
//! `--desired=-` and `api --input=-` read it too).

use super::{private, refused, run, show, SECRET_FROM_FILE, TOKEN_FROM_FILE};
use crate::testenv::{
    assert_exit, assert_success, Reply, TestEnv, PARTNER_TOKEN, PROVISION_OK, PROVISION_PATH,
    TOKEN_PATH,
};

const KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nkey-body-from-stdin-77\n-----END OPENSSH PRIVATE KEY-----\n";

/// provision without WordPress, then `extra`.
fn provision(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["provision", "-c=1234", "-i=admin", "-u=https://e.test"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

#[test]
fn every_file_flag_reads_stdin() {
    // (flag, stdin, what was sent where)
    let cases = [
        (
            "--partner_secret_file=-",
            format!("{SECRET_FROM_FILE}\nnot this\n"),
            "client_secret",
        ),
        (
            "--access-token-file=-",
            format!("{TOKEN_FROM_FILE}\n"),
            "bearer",
        ),
        (
            "--ssh-pass-file=-",
            "ssh-pw-from-stdin\n".to_string(),
            "ssh_pass",
        ),
        (
            "--ftp-pass-file=-",
            "ftp-pw-from-stdin\r\n".to_string(),
            "ftp_pass",
        ),
        ("--ssh-private-key=-", KEY.to_string(), "ssh_private_key"),
    ];
    for (flag, input, field) in cases {
        let env = TestEnv::new();
        env.provision_replies(Reply::json(200, PROVISION_OK));
        let mut args = provision(&[flag]);
        if !flag.starts_with("--partner_secret_file") && !flag.starts_with("--access-token-file") {
            args.push(format!("-s={SECRET_FROM_FILE}"));
        }
        if flag.starts_with("--ssh") {
            args.extend(["--ssh-host=ssh.e.test".into(), "--ssh-user=deploy".into()]);
        }
        if flag.starts_with("--ftp") {
            args.extend(["--ftp-host=ftp.e.test".into(), "--ftp-user=backup".into()]);
        }
        let out = crate::testenv::run_clean(
            env.cmd_without_wp().args(&args).write_stdin(input.clone()),
            &[
                SECRET_FROM_FILE,
                TOKEN_FROM_FILE,
                "pw-from-stdin",
                "key-body-from-stdin",
            ],
        );
        assert_success(&out, PROVISION_OK);
        let provision = &env.api.requests_to(PROVISION_PATH)[0];
        let first = input.lines().next().unwrap_or("").to_string();
        match field {
            "client_secret" => {
                let token = &env.api.requests_to(TOKEN_PATH)[0];
                assert_eq!(token.form_value("client_secret"), Some(first.as_str()));
            }
            "bearer" => {
                assert!(env.api.requests_to(TOKEN_PATH).is_empty(), "no token call");
                assert_eq!(
                    provision.header("authorization"),
                    Some(format!("Bearer {TOKEN_FROM_FILE}").as_str())
                );
            }
            "ssh_private_key" => assert_eq!(provision.form_value(field), Some(KEY)),
            _ => assert_eq!(provision.form_value(field), Some(first.as_str()), "{flag}"),
        }
        if field != "bearer" {
            assert_eq!(
                provision.header("authorization"),
                Some(format!("Bearer {PARTNER_TOKEN}").as_str())
            );
        }
    }
}

/// Two readers of stdin: refused before anything is read or sent, naming
/// both.
#[test]
fn only_one_reader_of_stdin() {
    let env = TestEnv::new();
    let both = |first: &str, second: &str| {
        format!("{first}=- and {second}=- both read stdin, which only one of them can in a run; give the other a file")
    };
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            provision(&["--partner_secret_file=-", "--ssh-pass-file=-"]),
            both("--partner_secret_file", "--ssh-pass-file"),
        ),
        (
            provision(&[
                "-s=x",
                "--ssh-user=u",
                "--ftp-pass-file=-",
                "--ssh-private-key=-",
            ]),
            both("--ssh-private-key", "--ftp-pass-file"),
        ),
        (
            provision(&["--access-token-file=-", "--batch=-"]),
            both("--access-token-file", "--batch"),
        ),
        (
            ["apply", "--desired=-", "--partner_secret_file=-", "-c=1"]
                .map(String::from)
                .to_vec(),
            both("--partner_secret_file", "--desired"),
        ),
        (
            [
                "api",
                "/wpcom/v2/x",
                "-X",
                "POST",
                "--input=-",
                "--access-token-file=-",
            ]
            .map(String::from)
            .to_vec(),
            both("--access-token-file", "--input"),
        ),
    ];
    for (args, message) in cases {
        let out = run(env.cmd_without_wp().args(&args).write_stdin("x\n"));
        refused(&env, &out, "invalid_input", &message);
    }
    // A variable naming stdin counts too, when it is the one used.
    let out = run(env
        .cmd_without_wp()
        .args(["cancel", "--batch=-", "-c=1"])
        .env("JETPACK_PARTNER_SECRET_FILE", "-")
        .write_stdin("{\"url\":\"https://a.test\"}\n"));
    refused(
        &env,
        &out,
        "invalid_input",
        &both("--batch", "JETPACK_PARTNER_SECRET_FILE"),
    );
}

/// `JETPACK_PARTNER_SECRET_FILE=-` reads stdin, as the flag does.
#[test]
fn a_variable_may_name_stdin() {
    let env = TestEnv::new();
    super::answer_status(&env);
    let out = run(env
        .cmd_without_wp()
        .args(super::status_args(&["-c=1234"]))
        .env("JETPACK_PARTNER_SECRET_FILE", "-")
        .write_stdin(format!("{SECRET_FROM_FILE}\n")));
    assert_success(&out, super::STATUS_OK);
    assert_eq!(super::sent(&env), format!("1234 {SECRET_FROM_FILE}"));
}

/// The command line's `--ssh-pass-file=-` is read once for a whole batch
/// (every line gets it); a batch line of its own may not take stdin from
/// `--batch=-`: that line fails alone.
#[test]
fn stdin_in_batches() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed_site("a.test", 200_001);
    partner.seed_site("b.test", 200_002);
    let batch = private(
        &env,
        "sites.jsonl",
        "{\"blog_id\":200001}\n{\"blog_id\":200002}\n",
    );
    let out = crate::testenv::run_clean(
        env.cmd_without_wp()
            .args([
                "backup-credentials",
                "-c=1234",
                &format!("-s={}", crate::testenv::SECRET),
                "--ssh-host=h",
                "--ssh-user=u",
                "--ssh-pass-file=-",
                &format!("--batch={}", show(&batch)),
            ])
            .write_stdin("pw-for-all\n"),
        &["pw-for-all"],
    );
    assert_exit(&out, 0);
    let ssh: Vec<_> = env
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/ssh-credentials"))
        .map(|r| r.form_value("ssh_pass").map(str::to_string))
        .collect();
    assert_eq!(
        ssh,
        [Some("pw-for-all".to_string()), Some("pw-for-all".into())]
    );

    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed_site("a.test", 200_001);
    partner.seed_site("b.test", 200_002);
    let input = "{\"blog_id\":200001,\"ssh_pass_file\":\"-\"}\n{\"blog_id\":200002,\"ssh_pass\":\"pw-2\"}\n";
    let out = crate::testenv::run_clean(
        env.cmd_without_wp()
            .args([
                "backup-credentials",
                "-c=1234",
                &format!("-s={}", crate::testenv::SECRET),
                "--ssh-host=h",
                "--ssh-user=u",
                "--batch=-",
            ])
            .write_stdin(input),
        &["pw-2"],
    );
    assert_exit(&out, 1);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let first = lines
        .iter()
        .find(|l| l["site"] == "200001")
        .expect("line 1");
    assert_eq!(first["success"], false);
    assert_eq!(first["error_code"], "invalid_input");
    assert_eq!(
        first["error_message"],
        "--batch line 1: --batch=- and --ssh-pass-file=- both read stdin, which only one of them can in a run; give the other a file"
    );
    let second = lines
        .iter()
        .find(|l| l["site"] == "200002")
        .expect("line 2");
    assert_eq!(second["success"], true);
    let ssh: Vec<_> = env
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/ssh-credentials"))
        .map(|r| r.path)
        .collect();
    assert_eq!(ssh, ["/rest/v1.3/jpphp/200002/ssh-credentials"]);
}

/// `-` with a terminal on stdin: refused at once (nobody is going to type
/// the secret, and it would show on the screen), nothing sent.
#[test]
fn a_terminal_is_no_secret() {
    let env = TestEnv::new();
    let Some(tty) = terminal() else {
        eprintln!("no pseudo-terminal here: skipped");
        return;
    };
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(super::status_args(&["-c=1234", "--partner_secret_file=-"]))
        .stdin(tty)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run");
    // It must not wait for typing: killed (and failed) if it does.
    let start = std::time::Instant::now();
    while child.try_wait().ok().flatten().is_none() {
        if start.elapsed() > crate::testenv::PROMPTLY {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still waiting for a secret from the terminal");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    refused(
        &env,
        &out,
        "invalid_input",
        "--partner_secret_file=-: stdin is a terminal, not the secret; pipe it in (printf '%s\\n' \"$SECRET\" | jetpack-partner …) or name a file",
    );
}

/// The far end of a new pseudo-terminal, if the machine has them.
fn terminal() -> Option<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: posix_openpt/grantpt/unlockpt/ptsname_r on a descriptor we
    // own, with a buffer of the size we pass; the descriptors become Files
    // that close them.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        if master < 0 || libc::grantpt(master) != 0 || libc::unlockpt(master) != 0 {
            return None;
        }
        // Kept open for the test's life: the terminal lasts while it is.
        std::mem::forget(std::fs::File::from_raw_fd(master));
        let mut name = [0 as libc::c_char; 128];
        if libc::ptsname_r(master, name.as_mut_ptr(), name.len()) != 0 {
            return None;
        }
        let path = std::ffi::CStr::from_ptr(name.as_ptr()).to_str().ok()?;
        std::fs::OpenOptions::new().read(true).open(path).ok()
    }
}

/// The config file may come on stdin too (`--config=-`), and `/dev/stdin`
/// is stdin by any name: it cannot take a batch's input either.
#[test]
fn config_on_stdin_and_stdin_by_another_name() {
    let env = TestEnv::new();
    super::answer_status(&env);
    let secret = private(&env, "secret", &format!("{SECRET_FROM_FILE}\n"));
    let out = run(env
        .cmd_without_wp()
        .args(super::status_args(&["--config=-"]))
        .write_stdin(format!(
            "partner_id = 1234\npartner_secret_file = \"{}\"\n",
            show(&secret)
        )));
    assert_success(&out, super::STATUS_OK);
    assert_eq!(super::sent(&env), format!("1234 {SECRET_FROM_FILE}"));

    let env = TestEnv::new();
    let out = run(env
        .cmd_without_wp()
        .args([
            "cancel",
            "-c=1",
            "--batch=-",
            "--partner_secret_file=/dev/stdin",
        ])
        .write_stdin("{\"url\":\"https://a.test\"}\n"));
    refused(
        &env,
        &out,
        "invalid_input",
        "--batch=- and --partner_secret_file=- both read stdin, which only one of them can in a run; give the other a file",
    );
    let out = run(env
        .cmd_without_wp()
        .args(super::status_args(&[
            "--config=-",
            "--partner_secret_file=-",
        ]))
        .write_stdin("x\n"));
    refused(
        &env,
        &out,
        "invalid_input",
        "--partner_secret_file=- and --config=- both read stdin, which only one of them can in a run; give the other a file",
    );
}
