//! Lists as people and spreadsheets need them (SPEC §10): `--fields`,
//! `--format=count`, tables cut only on a terminal and sized in display
//! columns, CSV rows carrying their input `line`, and one site asked for a
//! list format (`--format` is never silently ignored).

use super::{api_for_batch, run_command, stderr};
use crate::testenv::{assert_exit, stderr_json, Reply, TestEnv, PARTNER_TOKEN, SECRET};
use serde_json::json;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Output, Stdio};
use std::time::Duration;

const TWO: &str = concat!(
    "{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
    "{\"url\":\"https://b.test\",\"user\":\"admin\",\"plan\":\"bad\"}\n",
);

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `provision --batch` of [`TWO`] (b's plan refused), one site at a time.
fn two(env: &TestEnv, extra: &[&str]) -> Output {
    run_command(env, "provision", TWO, extra)
}

const SUMMARY: &str =
    "jetpack-partner: 2 sites: 1 changed, 0 unchanged, 1 failed, 0 skipped (done or listed twice)\n";

#[test]
fn fields_pick_columns_and_keys_in_their_order() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let out = two(&env, &["--format=table", "--fields=line,site,error_code"]);
    assert_exit(&out, 1);
    assert_eq!(
        stdout(&out),
        concat!(
            "line  site            error_code\n",
            "1     https://a.test\n",
            "2     https://b.test  invalid_plan\n",
        )
    );
    assert_eq!(stderr(&out), SUMMARY);

    let out = two(&env, &["--format=csv", "--fields=site,plan,error_code"]);
    assert_exit(&out, 1);
    assert_eq!(
        stdout(&out),
        "site,plan,error_code\nhttps://a.test,premium,\nhttps://b.test,bad,invalid_plan\n"
    );

    // JSON lines: those keys only, in that order; a key a line lacks is
    // left out; a value inside one by a dotted name.
    let out = two(
        &env,
        &["--fields=error_code,site,line,answer.next_url", "--jobs=1"],
    );
    assert_exit(&out, 1);
    assert_eq!(
        stdout(&out),
        concat!(
            "{\"site\":\"https://a.test\",\"line\":1,\"answer.next_url\":\"https://a.test/next\"}\n",
            "{\"error_code\":\"invalid_plan\",\"site\":\"https://b.test\",\"line\":2}\n",
        )
    );
    assert_eq!(stderr(&out), SUMMARY);
}

/// An unknown `--fields` name fails before anything is sent (not even the
/// token call), naming the fields the list has: batches, one site,
/// `apply`, `sites`.
#[test]
fn an_unknown_field_is_invalid_input_before_anything_is_sent() {
    const LINES: &str = "line, command, site, plan, success, changed, error_code, error_message, run, ts, duration_ms, answer, maybe_sent, dry_run, requests";
    let env = TestEnv::new();
    let file = env.root().join("lines.jsonl");
    std::fs::write(&file, TWO).expect("batch file");
    let batch = format!("--batch={}", file.display());
    let desired = format!("--desired={}", file.display());
    let scan = format!("--scan={}", env.root().display());
    let secret = format!("-s={SECRET}");
    let cases: [(&[&str], String); 5] = [
        (
            &["provision", "-c=1", &secret, &batch, "--fields=site,nope"],
            // provision's own key: a license issued and not on its site.
            format!("--fields=\"site,nope\": this list has no field \"nope\"; its fields are {LINES}, license_key (a value inside one as FIELD.KEY)"),
        ),
        (
            &["status", "-c=1", &secret, "--blog_id=5", "--format=table", "--fields=Site, sucess.x"],
            "--fields=\"Site, sucess.x\": this list has no fields \"Site\", \"sucess.x\"; its fields are line, site, success, connected, products, error_code, error_message, run, ts, duration_ms, command, plan, changed, answer, maybe_sent, dry_run, requests (a value inside one as FIELD.KEY)".to_string(),
        ),
        (
            &["cancel", "-c=1", &secret, "--blog_id=5", "--fields=ssh"],
            format!("--fields=\"ssh\": this list has no field \"ssh\"; its fields are {LINES} (a value inside one as FIELD.KEY)"),
        ),
        (
            &["apply", "-c=1", &secret, &desired, "--fields=site,products"],
            "--fields=\"site,products\": this list has no field \"products\"; its fields are line, site, success, changed, actions, error_code, error_message, run, ts, duration_ms, command, plan, answer, maybe_sent, dry_run, requests, status (a value inside one as FIELD.KEY)".to_string(),
        ),
        (
            &["sites", &scan, "--facts", "--fields=path,blog"],
            "--fields=\"path,blog\": this list has no field \"blog\"; its fields are path, version, multisite, jetpack, siteurl, home, blog_id, safe_mode, error_code, wordpress (a value inside one as FIELD.KEY)".to_string(),
        ),
    ];
    for (args, message) in cases {
        let out = env.cmd_without_wp().args(args).output().expect("run");
        assert_exit(&out, 1);
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(
            stderr_json(&out),
            json!({"success": false, "error_code": "invalid_input", "error_message": message}),
            "{args:?}"
        );
    }
    assert!(env.api.requests().is_empty());
    assert!(env.wp.calls().is_empty());
}

#[test]
fn count_prints_the_number_of_lines_and_the_summary_as_usual() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let out = two(&env, &["--format=count", "--fields=site"]);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "2\n");
    assert_eq!(stderr(&out), SUMMARY);
    assert_eq!(env.api.requests_to(crate::testenv::PROVISION_PATH).len(), 2);

    // An empty list counts 0.
    let out = run_command(&env, "provision", "# nothing\n", &["--format=count"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "0\n");
}

/// A table in a file or a pipe keeps every cell whole, `COLUMNS` or not.
#[test]
fn a_table_written_to_a_file_or_a_pipe_is_never_cut() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let long = format!("https://{}.test", "x".repeat(150));
    let input = format!("{{\"url\":\"{long}\",\"user\":\"admin\",\"plan\":\"premium\"}}\n");
    let batch = env.root().join("long.jsonl");
    std::fs::write(&batch, &input).expect("batch");
    let table = env.root().join("table.txt");
    let out = env
        .std_cmd_without_wp()
        .env("COLUMNS", "40")
        .args(["provision", "-c=1", &format!("-s={SECRET}")])
        .arg(format!("--batch={}", batch.display()))
        .args(["--format=table", "--fields=line,site,success"])
        .stdout(std::fs::File::create(&table).expect("table file"))
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let want = format!(
        "line  site{}  success\n1     {long}  true\n",
        " ".repeat(long.len() - 4)
    );
    assert_eq!(std::fs::read_to_string(&table).expect("table"), want);
    let out = run_command(
        &env,
        "provision",
        &input,
        &["--format=table", "--fields=line,site,success"],
    );
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), want);
}

/// `cmd` with its stdout on a new terminal `cols` wide; what it printed
/// there (the terminal's `\r\n` read as `\n`), and its output otherwise.
fn on_a_terminal(mut cmd: std::process::Command, cols: u16) -> (String, Output) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills two descriptors we then own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are open and ours alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let child = cmd
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut master = std::fs::File::from(master);
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once the child (the last holder of the terminal) is gone.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        text
    });
    // The spawned command holds the only other copy of the terminal.
    drop(cmd);
    let out = child.wait_with_output().expect("wait");
    let text = reader.join().expect("reader");
    (String::from_utf8_lossy(&text).replace("\r\n", "\n"), out)
}

/// On a terminal a table fits it: `COLUMNS` when set, else the
/// terminal's width.
#[test]
fn a_table_on_a_terminal_is_cut_to_its_width() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let input = format!(
        "{{\"url\":\"https://{}.test\",\"user\":\"admin\",\"plan\":\"premium\"}}\n",
        "x".repeat(60)
    );
    let batch = env.root().join("long.jsonl");
    std::fs::write(&batch, &input).expect("batch");
    let cmd = |columns: Option<&str>| {
        let mut cmd = env.std_cmd_without_wp();
        cmd.env_remove("COLUMNS");
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        cmd.args(["provision", "-c=1", &format!("-s={SECRET}")])
            .arg(format!("--batch={}", batch.display()))
            .args(["--format=table", "--fields=line,site,success"]);
        cmd
    };
    // W wide: line (4), site (W - 15), success (7), two gaps of 2; the
    // site cut with "…".
    let want = |w: usize| {
        format!(
            "line  site{}  success\n1     https://{}…  true\n",
            " ".repeat(w - 15 - 4),
            "x".repeat(w - 15 - 9)
        )
    };
    let (text, out) = on_a_terminal(cmd(None), 40);
    assert_exit(&out, 0);
    assert_eq!(text, want(40));
    let (text, out) = on_a_terminal(cmd(Some("50")), 40);
    assert_exit(&out, 0);
    assert_eq!(text, want(50));
}

/// Widths count display columns: CJK and emoji take two, a combining mark
/// none.
#[test]
fn table_widths_count_display_columns() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.set_fallback(|r| {
        let message = match r.form_value("siteurl") {
            Some("https://a.test") => "日本語",
            Some("https://b.test") => "cafe\u{301}",
            _ => "🎉!",
        };
        Reply::json(
            400,
            &json!({"error": "invalid_plan", "message": message}).to_string(),
        )
    });
    let input: String = ["a", "b", "c"]
        .iter()
        .map(|s| {
            format!("{{\"url\":\"https://{s}.test\",\"user\":\"admin\",\"plan\":\"premium\"}}\n")
        })
        .collect();
    let out = run_command(
        &env,
        "provision",
        &input,
        &["--format=table", "--fields=error_message,site"],
    );
    assert_exit(&out, 1);
    assert_eq!(
        stdout(&out),
        concat!(
            "error_message  site\n",
            "日本語         https://a.test\n",
            "cafe\u{301}           https://b.test\n",
            "🎉!            https://c.test\n",
        )
    );
}

/// CSV streams rows as sites finish, each with its input line; a table
/// shows the same rows in input order.
#[test]
fn csv_rows_come_as_sites_finish_and_carry_their_input_line() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.set_fallback(|r| {
        let slow = r.form_value("siteurl") == Some("https://a.test");
        Reply::json(200, r#"{"success":true}"#).delay(Duration::from_millis(if slow {
            600
        } else {
            0
        }))
    });
    let input = concat!(
        "{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        "{\"url\":\"https://b.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
    );
    let file = env.root().join("lines.jsonl");
    std::fs::write(&file, input).expect("batch file");
    let run = |format: &str| {
        env.std_cmd_without_wp()
            .args(["provision", "-c=1", &format!("-s={SECRET}"), "--jobs=2"])
            .arg(format!("--batch={}", file.display()))
            .arg(format)
            .output()
            .expect("run")
    };
    let out = run("--format=csv");
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        concat!(
            "line,command,site,plan,success,changed,error_code,error_message\n",
            "2,provision,https://b.test,premium,true,true,,\n",
            "1,provision,https://a.test,premium,true,true,,\n",
        )
    );
    let out = run("--format=table");
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        concat!(
            "line  command    site            plan     success  changed\n",
            "1     provision  https://a.test  premium  true     true\n",
            "2     provision  https://b.test  premium  true     true\n",
        )
    );
}

const STATUS_PATH: &str = "/rest/v1.4/jpphp/5/status";
/// Spaces and all: a single answer is printed as received.
const STATUS_BODY: &str =
    r#"{"blog": {"is_connected": true, "has_backups_credentials": false}, "products": []}"#;

fn status(env: &TestEnv, extra: &[&str]) -> Output {
    env.cmd_without_wp()
        .args(["status", "-c=1", &format!("-s={SECRET}"), "--blog_id=5"])
        .args(extra)
        .output()
        .expect("run")
}

/// One site with `--format=table|csv|count` or `--fields`: the row a batch
/// would print for it. Without them, or with plain `--format=json`, the
/// answer exactly as received (SPEC §5).
#[test]
fn one_site_asked_for_a_list_format_gets_its_row() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api
        .reply("GET", STATUS_PATH, Reply::json(200, STATUS_BODY));
    for extra in [&[][..], &["--format=json"]] {
        let out = status(&env, extra);
        crate::testenv::assert_success(&out, STATUS_BODY);
    }
    let cases: [(&[&str], &str); 5] = [
        (
            &["--format=table"],
            "line  site  success  connected\n1     5     true     true\n",
        ),
        (
            &["--format=csv"],
            "line,site,success,connected,products,error_code,error_message\n1,5,true,true,,,\n",
        ),
        (&["--format=count"], "1\n"),
        (
            &["--fields=site,answer.blog.is_connected"],
            "{\"site\":\"5\",\"answer.blog.is_connected\":true}\n",
        ),
        (
            &["--format=TABLE", "--fields=products,site"],
            "products  site\n          5\n",
        ),
    ];
    for (extra, want) in cases {
        let out = status(&env, extra);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), want, "{extra:?}");
        assert_eq!(stderr(&out), "", "{extra:?}");
    }
    // A token call and a status call each time.
    assert_eq!(env.api.requests_to(STATUS_PATH).len(), 7);

    // A failure is the single run's error object, whatever the format.
    env.api.reply(
        "GET",
        STATUS_PATH,
        Reply::json(403, r#"{"error":"unauthorized","message":"not your site"}"#),
    );
    let out = status(&env, &["--format=table"]);
    let err = crate::testenv::assert_failure(&out, "unauthorized");
    assert_eq!(err["error_message"], json!("not your site"));
}
