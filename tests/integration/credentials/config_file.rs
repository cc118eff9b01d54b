//! The config file: where it is looked for, its values reaching the same
//! places as the flags (below the flags and the environment), and every
//! way a config file can be wrong — always `invalid_input` naming the file
//! and the line, before anything is sent.

use super::{
    answer_status, private, refused, run, sent, show, status_args, with_mode, SECRET_FROM_FILE,
    STATUS_OK, STATUS_PATH,
};
use crate::testenv::{
    assert_exit, assert_success, closed_port, Reply, TestEnv, PROVISION_OK, SECRET,
};
use std::time::Duration;

/// A config with the partner id and a secret file next to it.
fn credentials_config(env: &TestEnv, name: &str) -> std::path::PathBuf {
    private(env, "cfg/secret", &format!("{SECRET_FROM_FILE}\n"));
    private(
        env,
        name,
        "# jetpack-partner\npartner_id = 1234\npartner_secret_file = \"secret\"   # next to this file\n",
    )
}

/// `--config`, else `JETPACK_PARTNER_CONFIG`, else the user's
/// (`$XDG_CONFIG_HOME` or `~/.config`); the first found is read alone.
#[test]
fn where_the_config_file_is() {
    let env = TestEnv::new();
    let flagged = credentials_config(&env, "cfg/flag.toml");
    private(
        &env,
        "cfg/var.toml",
        "partner_id = 2\npartner_secret_file = \"secret\"\n",
    );
    private(
        &env,
        "cfg/xdg/jetpack-partner/config.toml",
        "partner_id = 3\npartner_secret_file = \"../../secret\"\n",
    );
    private(
        &env,
        ".config/jetpack-partner/config.toml",
        "partner_id = 4\npartner_secret_file = \"../../cfg/secret\"\n",
    );
    let var = env.root().join("cfg/var.toml");
    let xdg = env.root().join("cfg/xdg");
    let id = |args: &[&str], vars: &[(&str, &std::path::Path)]| {
        let env_ = TestEnv::new();
        answer_status(&env_);
        let mut cmd = env_.cmd_without_wp();
        // The sandbox's HOME is another one: point it at this test's.
        cmd.args(status_args(args)).env("HOME", env.root());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        assert_success(&run(&mut cmd), STATUS_OK);
        sent(&env_)
    };
    let flag = format!("--config={}", show(&flagged));
    let all = [
        ("JETPACK_PARTNER_CONFIG", var.as_path()),
        ("XDG_CONFIG_HOME", xdg.as_path()),
    ];
    assert_eq!(id(&[&flag], &all), format!("1234 {SECRET_FROM_FILE}"));
    assert_eq!(id(&[], &all), format!("2 {SECRET_FROM_FILE}"));
    assert_eq!(id(&[], &all[1..]), format!("3 {SECRET_FROM_FILE}"));
    assert_eq!(id(&[], &[]), format!("4 {SECRET_FROM_FILE}"));
    // /dev/null: no config at all.
    let out = env
        .cmd_without_wp()
        .args(status_args(&["--config=/dev/null"]))
        .env("HOME", env.root())
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage:"));
    // A file named by the flag or the variable must be there; a default
    // location may be missing.
    let missing = env.root().join("nowhere.toml");
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&[&format!("--config={}", show(&missing))])));
    refused(
        &env,
        &out,
        "invalid_input",
        &format!("--config={}: cannot read it (No such file or directory (os error 2)); check the path and its permissions", show(&missing)),
    );
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&[]))
        .env("JETPACK_PARTNER_CONFIG", &missing));
    refused(
        &env,
        &out,
        "invalid_input",
        &format!("JETPACK_PARTNER_CONFIG={}: cannot read it (No such file or directory (os error 2)); check the path and its permissions", show(&missing)),
    );
}

/// Flag > environment > config, for every key: partner_id and the secret
/// (see `sources`), api_host, timeout, jobs, wp_cli_path.
#[test]
fn the_config_stands_below_flags_and_environment() {
    // api_host: used when JETPACK_START_API_HOST is not set.
    let env = TestEnv::new();
    answer_status(&env);
    let config = credentials_config(&env, "cfg/c.toml");
    std::fs::write(
        &config,
        format!(
            "partner_id = 1234\npartner_secret_file = \"secret\"\napi_host = \"{}\"\n",
            env.api.base_url()
        ),
    )
    .expect("write");
    let out = run(env
        .cmd_without_wp()
        .env_remove("JETPACK_START_API_HOST")
        .args(status_args(&[&format!("--config={}", show(&config))])));
    assert_success(&out, STATUS_OK);
    assert_eq!(sent(&env), format!("1234 {SECRET_FROM_FILE}"));
    // The variable wins over it (the config's host listens nowhere).
    let env = TestEnv::new();
    answer_status(&env);
    let config = private(
        &env,
        "c.toml",
        &format!(
            "partner_id = 1234\napi_host = \"http://127.0.0.1:{}\"\n",
            closed_port()
        ),
    );
    let out = run(env.cmd_without_wp().args(status_args(&[
        &format!("--config={}", show(&config)),
        &format!("-s={SECRET}"),
    ])));
    assert_success(&out, STATUS_OK);

    // timeout: the config's 1 s, unless --timeout says otherwise.
    let env = TestEnv::new();
    env.api.token_ok(crate::testenv::PARTNER_TOKEN);
    env.api.reply(
        "GET",
        STATUS_PATH,
        Reply::json(200, STATUS_OK).delay(Duration::from_millis(1500)),
    );
    env.api.reply(
        "GET",
        STATUS_PATH,
        Reply::json(200, STATUS_OK).delay(Duration::from_millis(1500)),
    );
    let config = private(&env, "c.toml", "partner_id = 1234\ntimeout = 1\n");
    let args = status_args(&[
        &format!("--config={}", show(&config)),
        &format!("-s={SECRET}"),
    ]);
    let out = run(env.cmd_without_wp().args(&args));
    let err = crate::testenv::assert_failure(&out, "timeout");
    assert!(
        err["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("did not answer within 1 s"),
        "{err}"
    );
    let out = run(env.cmd_without_wp().args(&args).arg("--timeout=10"));
    assert_success(&out, STATUS_OK);
}

/// `jobs`: the sites worked on at once in a batch, unless --jobs says.
#[test]
fn jobs_from_the_config() {
    for (flag, want) in [(None, 2), (Some("--jobs=3"), 3)] {
        let env = TestEnv::new();
        let partner = env.partner_api();
        let mut lines = String::new();
        for n in 0..6 {
            partner.seed_site(&format!("s{n}.test"), 200_001 + n);
            lines.push_str(&format!("{{\"blog_id\":{}}}\n", 200_001 + n));
        }
        env.api.set_latency(Duration::from_millis(300));
        let config = private(&env, "c.toml", "partner_id = 1234\njobs = 2\n");
        let mut cmd = env.cmd_without_wp();
        cmd.args([
            "status",
            &format!("--config={}", show(&config)),
            &format!("-s={SECRET}"),
            "--batch=-",
        ])
        .args(flag)
        .write_stdin(lines);
        let out = run(&mut cmd);
        assert_exit(&out, 0);
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 6);
        assert_eq!(env.api.max_in_flight(), want, "{flag:?}");
    }
}

/// `wp_cli_path`: how WP-CLI is run, unless --wp-cli-path says.
#[test]
fn wp_cli_path_from_the_config() {
    let env = TestEnv::new();
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let wp = env.wp.bin_dir().join("wp");
    let config = private(
        &env,
        "c.toml",
        &format!("partner_id = 1234\nwp_cli_path = '{}'\n", show(&wp)),
    );
    // No wp on PATH: the config's is the one that answers.
    let out = run(env
        .cmd_without_wp()
        .args(env.provision_args(&["--user=admin"]))
        .arg(format!("--config={}", show(&config))));
    assert_success(&out, PROVISION_OK);
    assert_eq!(env.wp.calls().len(), 1, "the facts call");
    let out = run(env
        .cmd_without_wp()
        .args(env.provision_args(&["--user=admin", "--wp-cli-path=/nonexistent/wp"]))
        .arg(format!("--config={}", show(&config))));
    crate::testenv::assert_failure(&out, "wp_not_found");
}

/// A batch line cannot name a config file: it applies to the whole run.
#[test]
fn a_batch_line_cannot_set_the_config() {
    let env = TestEnv::new();
    env.api.token_ok(crate::testenv::PARTNER_TOKEN);
    let out = run(env
        .cmd_without_wp()
        .args(["status", "-c=1234", &format!("-s={SECRET}"), "--batch=-"])
        .write_stdin("{\"blog_id\":200001,\"config\":\"/tmp/other.toml\"}\n"));
    assert_exit(&out, 1);
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("one line");
    assert_eq!(line["error_code"], "invalid_input");
    assert_eq!(
        line["error_message"],
        "--batch line 1: field \"config\" applies to the whole run; give it on the command line"
    );
    assert!(env.api.requests_to(STATUS_PATH).is_empty());
}

/// Every way a config can be wrong: invalid_input naming the file and the
/// line, for every command, nothing sent.
#[test]
fn a_bad_config_names_the_file_and_the_line() {
    let env = TestEnv::new();
    for (text, says) in [
        ("partner_id = 1234\nthreads = 4\n", "line 2: unknown key \"threads\"; the keys are partner_id, partner_secret_file, access_token_file, licensing_token_file, reporting_token_file, api_host, jobs, wp_cli_path, timeout"),
        ("jobs = \"eight\"\n", "line 1: jobs must be a whole number, e.g. jobs = 8"),
        ("# fleet\r\njobs = 65\r\n", "line 2: jobs: --jobs=\"65\" is not a number of sites from 1 to 64"),
        ("timeout = 0\n", "line 1: timeout: --timeout=\"0\" is not a number of seconds above 0 and up to 86400; e.g. --timeout=30"),
        ("partner_id = [1, 2]\n", "line 1: arrays are not supported: this file holds only key = value lines, e.g. jobs = 8 or partner_secret_file = \"/etc/jetpack/secret\""),
        ("[partner]\nid = 1\n", "line 1: [tables] are not supported: this file holds only key = value lines, e.g. jobs = 8 or partner_secret_file = \"/etc/jetpack/secret\""),
        ("partner_secret_file = \"-\"\n", "line 1: partner_secret_file = \"-\": a config file cannot read a secret from stdin; name the file (stdin is for the command line: --partner_secret_file=-)"),
        ("partner_secret_file = \"c.toml\"\n", "line 1: partner_secret_file names this config file itself; name the file that holds the secret"),
        ("api_host = \"https://h.example/?x=1\"\n", "line 1: api_host holds a query (?...), where every request's path would land; remove it (a base path such as /sandbox is fine)"),
        ("jobs = 2\njobs = 3\n", "line 2: jobs is set on line 1 already; set it once"),
    ] {
        let config = private(&env, "c.toml", text);
        let c = format!("--config={}", show(&config));
        for args in [
            status_args(&[&c, "-c=1", "-s=x"]),
            vec!["token".into(), c.clone(), "-c=1".into(), "-s=x".into()],
            vec!["provision".into(), c.clone(), "-c=1".into(), "-s=x".into(), "-i=a".into(), "-u=https://e.test".into()],
        ] {
            let out = run(env.cmd_without_wp().args(&args));
            refused(&env, &out, "invalid_input", &format!("{c} {says}"));
        }
    }
    // Not UTF-8: the line with the first bad byte.
    let config = env.root().join("c.toml");
    crate::testenv::write_private(&config, b"jobs = 2\n# caf\xe9\n");
    let out = run(env
        .cmd_without_wp()
        .args(status_args(&[&format!("--config={}", show(&config))])));
    refused(
        &env,
        &out,
        "invalid_input",
        &format!(
            "--config={} line 2: not UTF-8 text; save the file as UTF-8",
            show(&config)
        ),
    );
}

/// Not a config file at all: too large, endless, a folder, a FIFO, a
/// link to a file others may read.
#[test]
fn files_that_are_no_config_file() {
    let env = TestEnv::new();
    let big = private(&env, "big.toml", &"#".repeat(64 * 1024 + 1));
    for (path, says) in [
        (
            show(&big),
            "larger than 64 KiB, which no config file is; check the path",
        ),
        (
            "/dev/zero".to_string(),
            "larger than 64 KiB, which no config file is; check the path",
        ),
        (
            show(env.root()),
            "it is a folder; give the config file itself",
        ),
    ] {
        let out = run(env.cmd_without_wp().args(status_args(&[
            &format!("--config={path}"),
            "-c=1",
            "-s=x",
        ])));
        refused(
            &env,
            &out,
            "invalid_input",
            &format!("--config={path}: {says}"),
        );
    }
    // A FIFO nobody writes to is read at once (empty), never waited for.
    let fifo = env.root().join("fifo.toml");
    let status = std::process::Command::new("mkfifo")
        .arg("-m")
        .arg("600")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    answer_status(&env);
    let out = run(env
        .cmd_without_wp()
        .timeout(Duration::from_secs(20))
        .args(status_args(&[
            &format!("--config={}", show(&fifo)),
            "-c=1",
            "-s=x",
        ])));
    assert_success(&out, STATUS_OK);
    // Through a link, the file linked to is what counts.
    let env = TestEnv::new();
    let loose = with_mode(&env, "loose.toml", "jobs = 2\n", 0o644);
    let link = env.root().join("link.toml");
    std::os::unix::fs::symlink(&loose, &link).expect("symlink");
    let out = run(env.cmd_without_wp().args(status_args(&[
        &format!("--config={}", show(&link)),
        "-c=1",
        "-s=x",
    ])));
    refused(
        &env,
        &out,
        "insecure_file",
        &format!("--config={0}: other users can read it (mode 0644), so it is not used (as ssh refuses a loose key); make it readable by its owner only: chmod 600 {0}", show(&link)),
    );
}
