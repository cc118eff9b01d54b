//! `audit` under the rules every command follows (SPEC §9, §9a): a reader
//! that goes away ends it quietly (it only reads), a signal while reads
//! are in flight ends it with `interrupted`, and terminal controls in
//! folder names and answers reach no terminal.

use super::{audit, findings};
use crate::testenv::{
    assert_exit, eval_argv, facts_stdout, stderr_json, wait_until, Gate, Reply, Running, TestEnv,
    PROMPTLY, SECRET,
};
use serde_json::json;
use std::io::BufRead;
use std::process::Stdio;

/// `n` sites by URL in a `--batch` file (no WordPress to ask).
fn urls(env: &TestEnv, n: usize) -> String {
    let file = env.root().join("urls.jsonl");
    let text: String = (0..n)
        .map(|i| format!("{}\n", json!({ "url": format!("https://s{i}.example") })))
        .collect();
    std::fs::write(&file, text).expect("write");
    format!("--batch={}", file.display())
}

/// Every status: connected to nothing (one `not_connected` finding each).
fn not_connected(env: &TestEnv, gate: Option<Gate>) {
    env.api.token_ok("audit-tok-1");
    env.api.set_fallback(move |_| {
        if let Some(g) = &gate {
            g.pass();
        }
        Reply::json(200, r#"{"blog":{"is_connected":false},"products":[]}"#)
    });
}

#[test]
fn a_reader_that_goes_away_ends_it_quietly_with_exit_0() {
    let env = TestEnv::new();
    not_connected(&env, None);
    let batch = urls(&env, 200);
    let mut child = env
        .std_cmd_without_wp()
        .args(["audit", "-c=1234", &format!("-s={SECRET}"), &batch])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out)
            .read_line(&mut first)
            .expect("first line");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(first.contains("\"kind\":\"not_connected\""), "{first}");
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no error, no summary"
    );
}

#[test]
fn a_signal_while_statuses_are_read_is_interrupted() {
    let env = TestEnv::new();
    let gate = Gate::new();
    not_connected(&env, Some(gate.clone()));
    let batch = urls(&env, 3);
    let mut cmd = env.std_cmd_without_wp();
    cmd.args(["audit", "-c=1234", &format!("-s={SECRET}"), &batch]);
    let run = Running::spawn(cmd);
    wait_until(PROMPTLY, "a status read in flight", || {
        env.api
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/status"))
    });
    run.signal("INT");
    let out = run.wait(PROMPTLY);
    gate.open();
    assert_exit(&out, 130);
    assert_eq!(out.stdout, b"", "no finding printed half-way");
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "interrupted",
            "error_message": "interrupted by SIGINT before any request that changes something was sent: nothing was carried out, it is safe to run again"})
    );
}

#[test]
fn terminal_controls_in_folder_names_reach_no_terminal() {
    let env = TestEnv::new();
    env.partner_api();
    // A copy (safe mode) in a folder named with an escape sequence and a
    // right-to-left override, and one WordPress cannot answer for.
    let evil = env.root().join("sites/evil\u{1b}[2J\u{202e}x");
    let broken = env.root().join("sites/broken\u{1b}]0;owned\u{7}");
    for (dir, answer) in [
        (
            &evil,
            Some(
                json!({"siteurl": "https://e.example", "home": "https://e.example", "blog_id": 5, "safe_mode": true}),
            ),
        ),
        (&broken, None),
    ] {
        std::fs::create_dir_all(dir).expect("mkdir");
        let path = format!("--path={}", dir.display());
        let argv = eval_argv(&["--allow-root", &path]);
        match answer {
            Some(facts) => env.wp.answer_with(&argv, &facts_stdout("", facts), "", 0),
            None => env
                .wp
                .answer_with(&argv, "", "Error: \u{1b}[31mno database\n", 1),
        }
    }
    let file = env.root().join("sites.jsonl");
    let text = format!(
        "{}\n{}\n",
        json!({"path": evil.display().to_string()}),
        json!({"path": broken.display().to_string()})
    );
    std::fs::write(&file, text).expect("write");
    let out = audit(&env, &[&format!("--batch={}", file.display())]);
    assert_exit(&out, 1);
    let evil_s = evil.display().to_string();
    assert_eq!(
        findings(&out),
        vec![("safe_mode".to_string(), evil_s, String::new())]
    );
    for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\u{7}'),
            "a control character in {name}: {text:?}"
        );
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not be read: "), "{err}");
}
