//! SPEC §8's batch line rules and §9 "One bad line fails alone": empty and
//! null fields keep the command line's value; a line that is not UTF-8
//! fails on its own; a damaged `--skip-done` file is read as far as it
//! goes; work is keyed by command + site + plan; the API's answer stays
//! under `answer`.

use crate::testenv::{assert_exit, Reply, TestEnv, PARTNER_TOKEN, PROVISION_PATH, SECRET};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

/// Every provision succeeds with `answer`.
fn api(env: &TestEnv, answer: &str) {
    env.api.token_ok(PARTNER_TOKEN);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, answer));
}

const OK: &str = r#"{"success":true}"#;

/// `provision --batch=<file holding input>` without WordPress, plus `extra`.
fn run(env: &TestEnv, input: &[u8], extra: &[&str]) -> Output {
    let file = env.root().join("sites.jsonl");
    std::fs::write(&file, input).expect("batch file");
    env.std_cmd_without_wp()
        .args(["provision", "-c=1", &format!("-s={SECRET}"), "--jobs=2"])
        .arg(format!("--batch={}", file.display()))
        .args(extra)
        .output()
        .expect("run")
}

/// The result lines, by site (each site once).
fn by_site(out: &Output) -> HashMap<String, Value> {
    let mut map = HashMap::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        let site = v["site"].as_str().unwrap_or_default().to_string();
        assert!(map.insert(site, v).is_none(), "a site twice: {l}");
    }
    map
}

/// `(siteurl, plan)` of every provision the API received, sorted.
fn provisions(env: &TestEnv) -> Vec<(String, Option<String>)> {
    let mut v: Vec<_> = env
        .api
        .requests_to(PROVISION_PATH)
        .iter()
        .map(|r| {
            (
                r.form_value("siteurl").unwrap_or("").to_string(),
                r.form_value("plan").map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

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
        lines["line 2"],
        json!({"command": "provision", "site": "line 2", "success": false,
               "error_code": "invalid_input",
               "error_message": "--batch line 2: not UTF-8 text; save the file as UTF-8"})
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
        "jetpack-partner: 3 sites: 2 provisioned, 1 failed, 0 skipped (done or listed twice)\n"
    );
}

/// A previous run's output, damaged: bytes that are not UTF-8, garbage,
/// a line cut short; the good lines before and after still count.
fn damaged_done_file(path: &Path) {
    let mut done = Vec::new();
    done.extend_from_slice(
        b"{\"command\":\"provision\",\"site\":\"https://a.test\",\"success\":true,\"changed\":true,\"answer\":{}}\n",
    );
    done.extend_from_slice(b"\xff\xfe\x00garbage \xc3\x28\n");
    done.extend_from_slice(b"not json at all\n");
    done.extend_from_slice(
        b"{\"command\":\"provision\",\"site\":\"https://b.t\xffst\",\"success\":true}\n",
    );
    done.extend_from_slice(
        b"{\"command\":\"provision\",\"site\":\"https://b.test\",\"success\":true,\"changed\":true,\"answer\":{}}\n",
    );
    done.extend_from_slice(b"{\"command\":\"provision\",\"site\":\"https://c.test\",\"succ");
    std::fs::write(path, done).expect("done file");
}

#[test]
fn a_damaged_skip_done_file_is_read_as_far_as_it_goes() {
    let env = TestEnv::new();
    api(&env, OK);
    let done = env.root().join("done.jsonl");
    damaged_done_file(&done);
    let input: String = ["a", "b", "c", "d"]
        .iter()
        .map(|s| format!("{{\"url\":\"https://{s}.test\",\"user\":\"admin\"}}\n"))
        .collect();
    let out = run(
        &env,
        input.as_bytes(),
        &[&format!("--skip-done={}", done.display())],
    );
    assert_exit(&out, 0);
    assert_eq!(
        provisions(&env),
        vec![
            ("https://c.test".to_string(), None),
            ("https://d.test".to_string(), None)
        ]
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 4 sites: 2 provisioned, 0 failed, 2 skipped (done or listed twice)\n"
    );
}

#[test]
fn the_same_site_with_a_plan_and_a_product_is_two_provisions() {
    let env = TestEnv::new();
    api(&env, OK);
    let input = concat!(
        "{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        "{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"jetpack-backup-daily\"}\n",
        "{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
    );
    let out = run(&env, input.as_bytes(), &[]);
    assert_exit(&out, 0);
    assert_eq!(
        provisions(&env),
        vec![
            (
                "https://a.test".to_string(),
                Some("jetpack-backup-daily".into())
            ),
            ("https://a.test".to_string(), Some("premium".into())),
        ]
    );
    let mut plans: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_default();
            v["plan"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    plans.sort();
    assert_eq!(plans, ["jetpack-backup-daily", "premium"]);
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 3 sites: 2 provisioned, 0 failed, 1 skipped (done or listed twice)\n"
    );
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
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{{\"command\":\"provision\",\"site\":\"https://a.test\",\"plan\":\"premium\",\"success\":true,\"changed\":true,\"answer\":{answer}}}\n"
        )
    );
}

#[test]
fn resume_is_keyed_by_command_site_and_plan() {
    let env = TestEnv::new();
    api(&env, OK);
    let done = env.root().join("done.jsonl");
    std::fs::write(
        &done,
        concat!(
            "{\"command\":\"provision\",\"site\":\"https://a.test\",\"plan\":\"premium\",\"success\":true,\"changed\":true,\"answer\":{}}\n",
            // Another command's success on b: not a provision of b.
            "{\"command\":\"cancel\",\"site\":\"https://b.test\",\"success\":true,\"changed\":true,\"answer\":{}}\n",
            // A failure is not done.
            "{\"command\":\"provision\",\"site\":\"https://c.test\",\"plan\":\"premium\",\"success\":false,\"error_code\":\"x\",\"error_message\":\"y\"}\n",
            // A dry run is not done either.
            "{\"command\":\"provision\",\"site\":\"https://d.test\",\"plan\":\"premium\",\"success\":true,\"dry_run\":true,\"requests\":[]}\n",
        ),
    )
    .expect("done file");
    let input = concat!(
        "{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        "{\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"jetpack-scan\"}\n",
        "{\"url\":\"https://b.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        "{\"url\":\"https://c.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        "{\"url\":\"https://d.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
    );
    let out = run(
        &env,
        input.as_bytes(),
        &[&format!("--skip-done={}", done.display())],
    );
    assert_exit(&out, 0);
    let premium = Some("premium".to_string());
    assert_eq!(
        provisions(&env),
        vec![
            ("https://a.test".to_string(), Some("jetpack-scan".into())),
            ("https://b.test".to_string(), premium.clone()),
            ("https://c.test".to_string(), premium.clone()),
            ("https://d.test".to_string(), premium),
        ]
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 5 sites: 4 provisioned, 0 failed, 1 skipped (done or listed twice)\n"
    );
}

/// A line that cannot be used does not count as its site done: the
/// corrected line after it is run, and the summary counts both.
#[test]
fn a_corrected_line_after_a_bad_one_for_the_same_site_runs() {
    let env = TestEnv::new();
    api(&env, OK);
    let out = run(
        &env,
        b"{\"url\":\"https://a.test\",\"user\":[\"x\"],\"plan\":\"premium\"}\n\
          {\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n\
          {\"url\":\"https://a.test\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        &[],
    );
    assert_exit(&out, 1);
    let mut lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    lines.sort_by_key(|v| v["success"].as_bool());
    assert_eq!(
        lines,
        vec![
            json!({"command": "provision", "site": "https://a.test", "plan": "premium",
                   "success": false, "error_code": "invalid_input",
                   "error_message": "--batch line 1: field \"user\" must be a string, number or boolean"}),
            json!({"command": "provision", "site": "https://a.test", "plan": "premium",
                   "success": true, "changed": true, "answer": {"success": true}}),
        ]
    );
    assert_eq!(
        provisions(&env),
        vec![("https://a.test".to_string(), Some("premium".to_string()))],
        "the corrected line once; its repeat is skipped"
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 3 sites: 1 provisioned, 1 failed, 1 skipped (done or listed twice)\n"
    );
}

/// Every call answers `{"success":true}` (the token call its token); the
/// calls received, as `METHOD path form`.
fn answer_all(env: &TestEnv) {
    env.api.set_fallback(|r| {
        if r.path == crate::testenv::TOKEN_PATH {
            Reply::json(200, &format!(r#"{{"access_token":"{PARTNER_TOKEN}"}}"#))
        } else {
            Reply::json(200, OK)
        }
    });
}

fn calls(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = env
        .api
        .requests()
        .iter()
        .filter(|r| r.path != crate::testenv::TOKEN_PATH)
        .map(|r| {
            format!(
                "{} {} {}",
                r.method,
                r.path,
                String::from_utf8_lossy(&r.body)
            )
        })
        .collect();
    v.sort();
    v
}

/// `command -c=1 -s=SECRET --jobs=1 --batch=<input>` plus `extra`.
fn run_command(env: &TestEnv, command: &str, input: &str, extra: &[&str]) -> Output {
    let file = env.root().join("lines.jsonl");
    std::fs::write(&file, input).expect("batch file");
    env.std_cmd_without_wp()
        .args([command, "-c=1", &format!("-s={SECRET}"), "--jobs=1"])
        .arg(format!("--batch={}", file.display()))
        .args(extra)
        .output()
        .expect("run")
}

/// Two different lines for one site are two pieces of work, even where
/// command, site and plan are the same: a cancel and a cancel-all; SSH
/// and then FTP credentials. Only a repeated line is done once.
#[test]
fn different_work_for_one_site_is_all_done() {
    let env = TestEnv::new();
    answer_all(&env);
    let out = run_command(
        &env,
        "cancel",
        "{\"url\":\"http://z.test\"}\n{\"url\":\"http://z.test\",\"cancel-all\":true}\n{\"url\":\"http://z.test\"}\n",
        &[],
    );
    assert_exit(&out, 0);
    assert_eq!(
        calls(&env),
        vec![
            "POST /rest/v1.3/jpphp/z.test/partner-cancel ".to_string(),
            "POST /rest/v1.3/jpphp/z.test/partner-cancel cancel-all=true".to_string(),
        ]
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 3 sites: 2 cancelled, 0 failed, 1 skipped (done or listed twice)\n"
    );

    let env = TestEnv::new();
    answer_all(&env);
    let out = run_command(
        &env,
        "backup-credentials",
        concat!(
            "{\"blog_id\":7,\"ssh-host\":\"h\",\"ssh_user\":\"u\",\"ssh-pass\":\"pw-one-9\"}\n",
            "{\"blog_id\":7,\"ftp_host\":\"h\",\"ftp-user\":\"u\",\"ftp-pass\":\"pw-two-9\"}\n",
        ),
        &[],
    );
    assert_exit(&out, 0);
    let sent = calls(&env);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].starts_with("POST /rest/v1.3/jpphp/7/ftp-credentials "));
    assert!(sent[1].starts_with("POST /rest/v1.3/jpphp/7/ssh-credentials "));
}

/// `--skip-done` names a folder: an error before anything is sent, not
/// an empty list of done work.
#[test]
fn a_skip_done_folder_is_refused() {
    let env = TestEnv::new();
    answer_all(&env);
    let dir = env.root().display().to_string();
    let out = run_command(
        &env,
        "cancel",
        "{\"url\":\"http://z.test\"}\n",
        &[&format!("--skip-done={dir}")],
    );
    assert_exit(&out, 1);
    let err: Value =
        serde_json::from_slice(&out.stderr).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(err["error_code"], json!("invalid_input"));
    assert!(
        err["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("--skip-done"),
        "{err}"
    );
    assert!(env.api.requests().is_empty());
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

/// A provision the API answered is carried out, whatever fails after it: a
/// 2xx answer that cannot be read, or the authorize step. Its line says
/// `maybe_sent` (and carries the answer, token included, where there is
/// one), and a resume from that output sends no provision again.
#[test]
fn a_provision_answered_then_failed_is_not_sent_again_on_resume() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.set_fallback(|r| match r.form_value("siteurl") {
        Some("https://a.test") => Reply::json(200, "<html>oops</html>"),
        _ => Reply::json(
            200,
            r#"{"success":true,"access_token":"site-tok-77","next_url":"n"}"#,
        ),
    });
    env.answer_facts(
        &["--url=https://b.test"],
        "",
        json!({"user_id": 1, "siteurl": "https://b.test", "home": "https://b.test", "blog_id": 0, "activate": "ok"}),
    );
    let authorize = env.wp_argv(&[
        "--url=https://b.test",
        "--user=admin",
        "jetpack",
        "authorize_user",
        "--token=site-tok-77",
    ]);
    let authorize: Vec<&str> = authorize.iter().map(String::as_str).collect();
    env.wp.answer_with(&authorize, "", "Error: bad token\n", 1);
    let file = env.root().join("sites.jsonl");
    std::fs::write(
        &file,
        "{\"url\":\"https://a.test\"}\n{\"url\":\"https://b.test\",\"path\":\"WP\"}\n"
            .replace("WP", &env.wp_path()),
    )
    .expect("batch file");
    let args = |extra: &[String]| {
        let mut cmd = env.std_cmd();
        cmd.args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--user=admin",
            "--wpcom_user_id=5",
            "--allow-root",
            "--jobs=1",
        ])
        .arg(format!("--batch={}", file.display()))
        .args(extra);
        cmd.output().expect("run")
    };
    let out = args(&[]);
    assert_exit(&out, 1);
    let lines = by_site(&out);
    assert_eq!(
        lines["https://a.test"]["error_code"],
        json!("invalid_response")
    );
    assert_eq!(lines["https://a.test"]["maybe_sent"], json!(true));
    let b = &lines["https://b.test"];
    assert_eq!(b["error_code"], json!("authorization_failure"), "{b}");
    assert_eq!(b["maybe_sent"], json!(true));
    assert_eq!(b["answer"]["access_token"], json!("site-tok-77"));

    let done = env.root().join("done.jsonl");
    std::fs::write(&done, &out.stdout).expect("done file");
    let out = args(&[format!("--skip-done={}", done.display())]);
    assert_exit(&out, 0);
    assert_eq!(provisions(&env).len(), 2, "each site provisioned once");
}

/// One site spelled several ways (case, trailing slash, default port) is
/// one piece of work; a blog id stands for its site whatever URL comes
/// with it.
#[test]
fn the_same_site_spelled_differently_is_done_once() {
    let env = TestEnv::new();
    answer_all(&env);
    let out = run_command(
        &env,
        "cancel",
        concat!(
            "{\"url\":\"https://a.example\"}\n",
            "{\"url\":\"https://A.EXAMPLE\"}\n",
            "{\"url\":\"https://a.example/\"}\n",
            "{\"url\":\"https://a.example:443\"}\n",
            "{\"blog_id\":5}\n",
            "{\"url\":\"https://b.example\",\"blog_id\":5}\n",
        ),
        &[],
    );
    assert_exit(&out, 0);
    assert_eq!(
        calls(&env),
        vec![
            "POST /rest/v1.3/jpphp/5/partner-cancel ".to_string(),
            "POST /rest/v1.3/jpphp/a.example/partner-cancel ".to_string(),
        ]
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 6 sites: 2 cancelled, 0 failed, 4 skipped (done or listed twice)\n"
    );
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
        "jetpack-partner: 0 sites: 0 planned, 0 failed, 0 skipped (done or listed twice)"
    );
    let err: Value = serde_json::from_str(error).unwrap_or_else(|e| panic!("{e}: {error}"));
    assert_eq!(
        err,
        json!({"success": false, "error_code": "invalid_input",
               "error_message": "--batch=/proc/self/mem: cannot read it (reading stopped after line 0: Input/output error (os error 5); the lines before it were done); check the path and its permissions"})
    );
    assert!(env.api.requests().is_empty());
}
