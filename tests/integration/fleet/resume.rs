//! Each piece of work once: work is keyed by command + site + plan (a site
//! may get a plan and a product; one site spelled several ways is one
//! site; the same line twice is done once); `--skip-done` skips what a
//! previous run's output shows as done, reading a damaged file as far as
//! it goes, and a resume never sends a provision twice.

use super::{
    answer_all, api, api_for_batch, by_site, calls, lines, provisions, run, run_command, stderr, OK,
};
use crate::testenv::{assert_exit, Reply, TestEnv, PARTNER_TOKEN, SECRET};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::Path;

#[test]
fn resumes_with_skip_done_and_reads_stdin() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let done = env.root().join("done.jsonl");
    std::fs::write(
        &done,
        concat!(
            "{\"site\":\"https://a.test\",\"success\":true}\n",
            "{\"site\":\"https://b.test\",\"success\":false,\"error_code\":\"invalid_plan\"}\n",
            "garbage line\n"
        ),
    )
    .expect("done file");
    let input = concat!(
        "{\"url\":\"https://a.test\",\"user\":\"admin\"}\n",
        "{\"url\":\"https://b.test\",\"user\":\"admin\"}\n",
        "{\"url\":\"https://c.test\"}\n",
        "{\"url\":\"https://c.test\",\"user\":\"x\"}\n",
    );
    let out = env
        .cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--user=editor",
            "--batch=-",
        ])
        .arg(format!("--skip-done={}", done.display()))
        .write_stdin(input)
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let results = lines(&out);
    let sites: HashSet<&str> = results.iter().filter_map(|v| v["site"].as_str()).collect();
    assert_eq!(sites, HashSet::from(["https://b.test", "https://c.test"]));
    let sent: Vec<(String, String)> = env
        .api
        .requests_to("/rest/v1.3/jpphp/provision")
        .iter()
        .map(|r| {
            (
                r.form_value("siteurl").unwrap_or("").into(),
                r.form_value("local_user").unwrap_or("").into(),
            )
        })
        .collect();
    // c.test's two lines differ (the user), so each is a piece of work.
    assert_eq!(sent.len(), 3);
    // The line's user wins; the flag is the default.
    assert!(sent.contains(&("https://b.test".into(), "admin".into())));
    assert!(sent.contains(&("https://c.test".into(), "editor".into())));
    assert!(sent.contains(&("https://c.test".into(), "x".into())));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("4 sites: 3 changed, 0 unchanged, 0 failed, 1 skipped"));
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
        "jetpack-partner: 4 sites: 2 changed, 0 unchanged, 0 failed, 2 skipped (done or listed twice)\n"
    );
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
        "jetpack-partner: 5 sites: 4 changed, 0 unchanged, 0 failed, 1 skipped (done or listed twice)\n"
    );
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
    let lines: Vec<Value> = lines.iter().map(crate::fleet::without_record).collect();
    assert_eq!(
        lines,
        vec![
            json!({"command": "provision", "site": "https://a.test", "plan": "premium",
                   "success": false, "changed": false, "error_code": "invalid_input",
                   "error_message": "--batch line 1: field \"user\" must be a string, number or boolean",
                   "line": 1}),
            json!({"command": "provision", "site": "https://a.test", "plan": "premium",
                   "success": true, "changed": true, "answer": {"success": true}, "line": 2}),
        ]
    );
    assert_eq!(
        provisions(&env),
        vec![("https://a.test".to_string(), Some("premium".to_string()))],
        "the corrected line once; its repeat is skipped"
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 3 sites: 1 changed, 0 unchanged, 1 failed, 1 skipped (done or listed twice)\n"
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
        "jetpack-partner: 3 sites: 2 changed, 0 unchanged, 0 failed, 1 skipped (done or listed twice)\n"
    );
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
        "jetpack-partner: 3 sites: 2 changed, 0 unchanged, 0 failed, 1 skipped (done or listed twice)\n"
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
        "jetpack-partner: 6 sites: 2 changed, 0 unchanged, 0 failed, 4 skipped (done or listed twice)\n"
    );
}

/// Issue 17 defect 5: a resume that spells a site another way than the
/// run before (case, trailing slash, the default port, user info) finds it
/// done: the site is not provisioned again.
#[test]
fn skip_done_finds_a_site_spelled_another_way_done() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let done = env.root().join("done.jsonl");
    std::fs::write(
        &done,
        concat!(
            "{\"command\":\"provision\",\"site\":\"https://Shop.Example/\",\"plan\":\"premium\",\"success\":true}\n",
            "{\"command\":\"provision\",\"site\":\"/var/www/b/\",\"plan\":\"premium\",\"success\":true}\n",
        ),
    )
    .expect("done file");
    let input = concat!(
        "{\"url\":\"https://shop.example\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        "{\"url\":\"https://shop.example:443\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
        "{\"url\":\"https://shop.example/other\",\"user\":\"admin\",\"plan\":\"premium\"}\n",
    );
    let out = env
        .cmd_without_wp()
        .args(["provision", "-c=1", &format!("-s={SECRET}"), "--batch=-"])
        .arg(format!("--skip-done={}", done.display()))
        .write_stdin(input)
        .output()
        .expect("run");
    assert_exit(&out, 0);
    // Only the other site (a different path is a different site).
    let sent: Vec<String> = env
        .api
        .requests_to("/rest/v1.3/jpphp/provision")
        .iter()
        .map(|r| r.form_value("siteurl").unwrap_or("").to_string())
        .collect();
    assert_eq!(sent, vec!["https://shop.example/other"]);
    assert!(
        stderr(&out).contains("3 sites: 1 changed, 0 unchanged, 0 failed, 2 skipped"),
        "{}",
        stderr(&out)
    );
}
