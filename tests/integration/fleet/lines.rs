//! SPEC §8's batch lines, in and out: a line's fields are the command's
//! flags (empty and null keep the command line's value; switches take the
//! usual spellings; another command's flags and `sites`' report are
//! ignored); SPEC §9 "One bad line fails alone" (not JSON, not UTF-8,
//! endless, unknown fields, a `wp` program of its own); input that cannot
//! be read; our fields next to the API's answer under `answer`.

use super::{
    answer_all, api, api_for_batch, by_site, calls, lines, provisions, run, run_command, stderr,
    without_record, OK,
};
use crate::testenv::{self, assert_exit, TestEnv, PROVISION_PATH, SECRET};
use serde_json::{json, Value};
use std::collections::HashMap;

#[test]
fn empty_and_null_fields_keep_the_command_line_values() {
    let env = TestEnv::new();
    api(&env, OK);
    let input = concat!(
        "{\"url\":\"https://empty.test\",\"user\":\"\",\"plan\":\"\",\"onboarding\":\"\"}\n",
        "{\"url\":\"https://null.test\",\"user\":null,\"plan\":null,\"onboarding\":null}\n",
        "{\"url\":\"https://own.test\",\"user\":\"admin\",\"plan\":\"jetpack-scan\",\"onboarding\":\"0\"}\n",
    );
    let out = run(
        &env,
        input.as_bytes(),
        &["--user=editor", "--plan=premium", "--onboarding=1"],
    );
    assert_exit(&out, 0);
    let mut sent: Vec<[String; 4]> = env
        .api
        .requests_to(PROVISION_PATH)
        .iter()
        .map(|r| {
            ["siteurl", "local_user", "plan", "onboarding"]
                .map(|k| r.form_value(k).unwrap_or("<none>").to_string())
        })
        .collect();
    sent.sort();
    let want = |s: &[&str; 4]| s.map(str::to_string);
    assert_eq!(
        sent,
        vec![
            want(&["https://empty.test", "editor", "premium", "1"]),
            want(&["https://null.test", "editor", "premium", "1"]),
            want(&["https://own.test", "admin", "jetpack-scan", "0"]),
        ]
    );
    let lines = by_site(&out);
    assert_eq!(lines["https://null.test"]["plan"], json!("premium"));
}

/// A switch on a line is on or off however a JSON writer spelled it (true,
/// 1, "true", "1", "yes"); anything else fails its line, saying so.
#[test]
fn switches_on_a_line_take_the_usual_spellings() {
    let env = TestEnv::new();
    answer_all(&env);
    let out = run_command(
        &env,
        "cancel",
        concat!(
            "{\"url\":\"http://a.test\",\"cancel-all\":\"true\"}\n",
            "{\"url\":\"http://b.test\",\"cancel-all\":1}\n",
            "{\"url\":\"http://c.test\",\"cancel-all\":\"0\"}\n",
            "{\"url\":\"http://d.test\",\"cancel-all\":\"maybe\"}\n",
        ),
        &[],
    );
    assert_exit(&out, 1);
    assert_eq!(
        calls(&env),
        vec![
            "POST /rest/v1.3/jpphp/a.test/partner-cancel cancel-all=true".to_string(),
            "POST /rest/v1.3/jpphp/b.test/partner-cancel cancel-all=true".to_string(),
            "POST /rest/v1.3/jpphp/c.test/partner-cancel ".to_string(),
        ]
    );
    let d = &by_site(&out)["http://d.test"];
    assert_eq!(
        d["error_message"],
        json!("--batch line 4: field \"cancel-all\" is a switch: true or false (1/0, \"true\"/\"false\" also do)")
    );
}

/// One file of sites serves every site command: a field that is another
/// site command's flag (provision's user and plan, for status) is ignored,
/// and so is `sites`' `wordpress` report; a field no command knows still
/// fails its line.
#[test]
fn a_provision_file_feeds_status() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed(
        "a.example",
        Some(testenv::partner::DEFAULT_PARTNER_ID),
        &["premium"],
    );
    let input = concat!(
        "{\"url\":\"https://a.example\",\"user\":\"admin\",\"plan\":\"premium\",\"wordpress\":{\"version\":\"6.1.9\"}}\n",
        "{\"url\":\"https://b.example\",\"usr\":\"admin\"}\n",
    );
    let out = env
        .cmd_without_wp()
        .args([
            "status",
            &format!("-c={}", testenv::partner::DEFAULT_PARTNER_ID),
            &format!("-s={SECRET}"),
            "--batch=-",
        ])
        .write_stdin(input)
        .output()
        .expect("run");
    assert_exit(&out, 1);
    let by_site: HashMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    let a = &by_site["https://a.example"];
    assert_eq!(a["success"], json!(true), "{a}");
    assert_eq!(a["command"], json!("status"));
    assert_eq!(a["answer"]["products"][0]["slug"], json!("premium"));
    let b = &by_site["https://b.example"];
    assert_eq!(b["error_code"], json!("invalid_input"));
    assert!(
        b["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("\"usr\""),
        "{b}"
    );
    assert_eq!(
        env.api
            .requests_to("/rest/v1.4/jpphp/a.example/status")
            .len(),
        1
    );
    assert_eq!(env.api.requests().len(), 2, "token and one status");
}

#[test]
fn unusable_lines_fail_alone() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let file = env.root().join("sites.jsonl");
    std::fs::write(
        &file,
        "{\"url\":\"https://ok.test\",\"user\":\"admin\"}\nnot json\n{\"url\":\"https://typo.test\",\"usr\":\"admin\"}\n{\"url\":\"https://nouser.test\"}\n",
    )
    .expect("file");
    let out = env
        .cmd_without_wp()
        .args(["provision", "-c=1", &format!("-s={SECRET}")])
        .arg(format!("--batch={}", file.display()))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let results = lines(&out);
    let by_site: HashMap<&str, &Value> = results
        .iter()
        .map(|v| (v["site"].as_str().unwrap_or(""), v))
        .collect();
    assert_eq!(by_site["https://ok.test"]["success"], json!(true));
    assert_eq!(by_site["line 2"]["error_code"], json!("invalid_input"));
    assert_eq!(
        by_site["https://typo.test"]["error_code"],
        json!("invalid_input")
    );
    assert!(by_site["https://typo.test"]["error_message"]
        .as_str()
        .unwrap_or("")
        .contains("usr"));
    assert_eq!(
        by_site["https://nouser.test"]["error_code"],
        json!("invalid_input")
    );
    assert_eq!(env.api.requests_to("/rest/v1.3/jpphp/provision").len(), 1);
}

#[test]
fn a_line_that_is_not_utf8_fails_alone() {
    let env = TestEnv::new();
    api(&env, OK);
    let mut input = b"{\"url\":\"https://a.test\",\"user\":\"admin\"}\n".to_vec();
    input.extend_from_slice(b"{\"url\":\"https://b.test\",\"user\":\"adm\xffin\"}\n");
    input.extend_from_slice(b"{\"url\":\"https://c.test\",\"user\":\"admin\"}\n");
    let out = run(&env, &input, &[]);
    assert_exit(&out, 1);
    let lines = by_site(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(
        without_record(&lines["line 2"]),
        json!({"command": "provision", "site": "line 2", "success": false, "changed": false,
               "error_code": "invalid_input",
               "error_message": "--batch line 2: not UTF-8 text; save the file as UTF-8",
               "line": 2})
    );
    for site in ["https://a.test", "https://c.test"] {
        assert_eq!(lines[site]["success"], json!(true), "{site}");
    }
    assert_eq!(
        provisions(&env),
        vec![
            ("https://a.test".to_string(), None),
            ("https://c.test".to_string(), None)
        ]
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 3 sites: 2 changed, 0 unchanged, 1 failed, 0 skipped (done or listed twice)\n"
    );
}

/// A line longer than any batch line (here 3 MB of NUL bytes) fails alone,
/// and is not kept in memory whole; the next line is done.
#[test]
fn an_endless_line_fails_alone() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let mut input = vec![0u8; 3 << 20];
    input.push(b'\n');
    input.extend_from_slice(b"{\"url\":\"https://ok.test\",\"user\":\"admin\"}\n");
    let out = env
        .cmd_without_wp()
        .args(["provision", "-c=1", &format!("-s={SECRET}"), "--batch=-"])
        .write_stdin(input)
        .output()
        .expect("run");
    assert_exit(&out, 1);
    let by_site: HashMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    assert_eq!(by_site["line 1"]["error_code"], json!("invalid_input"));
    assert!(by_site["line 1"]["error_message"]
        .as_str()
        .unwrap_or("")
        .contains("longer than 1024 KiB"));
    assert_eq!(by_site["https://ok.test"]["success"], json!(true));
    assert_eq!(env.api.requests_to("/rest/v1.3/jpphp/provision").len(), 1);
}

/// Which program runs as `wp` is the operator's choice: a line that names
/// one fails alone and nothing runs it.
#[test]
fn a_line_cannot_choose_the_wp_program() {
    let env = TestEnv::new();
    answer_all(&env);
    let marker = env.root().join("ran");
    let script = env.root().join("evil-wp");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {}\n", marker.display())).expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let out = run_command(
        &env,
        "status",
        &format!(
            "{{\"path\":\"/var/www/a\",\"wp-cli-path\":\"{}\"}}\n",
            script.display()
        ),
        &[],
    );
    assert_exit(&out, 1);
    let line: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        line["error_message"],
        json!("--batch line 1: field \"wp-cli-path\" applies to the whole run; give it on the command line")
    );
    assert!(!marker.exists(), "the line's program ran");
}

/// A `--batch` (or `--desired`) file that cannot be read fails before the
/// token call: nothing at all is sent.
#[test]
fn an_unreadable_input_file_fails_before_anything_is_sent() {
    let env = TestEnv::new();
    answer_all(&env);
    for (command, flag) in [("status", "--batch"), ("apply", "--desired")] {
        let out = env
            .std_cmd_without_wp()
            .args([command, "-c=1", &format!("-s={SECRET}")])
            .arg(format!("{flag}=/nonexistent/sites.jsonl"))
            .output()
            .expect("run");
        assert_exit(&out, 1);
        let err: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            err["error_message"],
            json!(format!("{flag}=/nonexistent/sites.jsonl: cannot read it (No such file or directory (os error 2)); check the path and its permissions"))
        );
    }
    // A folder is no file of lines.
    let dir = env.root().display().to_string();
    let out = env
        .std_cmd_without_wp()
        .args(["cancel", "-c=1", &format!("-s={SECRET}")])
        .arg(format!("--batch={dir}"))
        .output()
        .expect("run");
    assert_exit(&out, 1);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        err["error_message"],
        json!(format!(
            "--batch={dir}: cannot read it (it is a folder); check the path and its permissions"
        ))
    );
    assert!(env.api.requests().is_empty());
}

/// Input that fails part way (here at once: `/proc/self/mem` opens but
/// cannot be read): the summary, then one JSON error naming the file and
/// where reading stopped; exit 1; nothing sent.
#[test]
fn input_that_cannot_be_read_to_its_end_fails_the_run_with_one_error() {
    let env = TestEnv::new();
    answer_all(&env);
    let out = env
        .std_cmd_without_wp()
        .args(["cancel", "-c=1", &format!("-s={SECRET}"), "--dry-run"])
        .arg("--batch=/proc/self/mem")
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let stderr = stderr(&out);
    let (summary, error) = stderr.split_once('\n').unwrap_or_default();
    assert_eq!(
        summary,
        "jetpack-partner: 0 sites: 0 would change, 0 unchanged, 0 failed, 0 skipped (done or listed twice)"
    );
    let err: Value = serde_json::from_str(error).unwrap_or_else(|e| panic!("{e}: {error}"));
    assert_eq!(
        err,
        json!({"success": false, "error_code": "invalid_input",
               "error_message": "--batch=/proc/self/mem: cannot read it (reading stopped after line 0: Input/output error (os error 5); the lines before it were done); check the path and its permissions"})
    );
    assert!(env.api.requests().is_empty());
}

#[test]
fn an_api_answer_cannot_override_our_fields() {
    let env = TestEnv::new();
    let answer = r#"{"success":true,"site":"https://evil.test","command":"cancel","plan":"free","error_code":""}"#;
    api(&env, answer);
    let out = run(
        &env,
        b"{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        &[],
    );
    assert_exit(&out, 0);
    // Ours first, the answer whole under `answer`, the run record last.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "{{\"command\":\"provision\",\"site\":\"https://a.test\",\"plan\":\"premium\",\"success\":true,\"changed\":true,\"answer\":{answer},\"line\":1,\"run\":\""
        )),
        "{text}"
    );
    let line: Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(
        without_record(&line)["answer"],
        serde_json::from_str::<Value>(answer).unwrap_or_default()
    );
}
