//! `provision --batch` / `--all-sites`: one token, bounded concurrency, one
//! result line per site, resumable.

use crate::testenv::{self, assert_exit, Reply, TestEnv, SECRET};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Provision answers that depend on the site: plan "bad" is refused.
fn api_for_batch(env: &TestEnv) {
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-batch-1"}"#),
    );
    env.api.set_fallback(|r| {
        if r.path != "/rest/v1.3/jpphp/provision" {
            return Reply::json(404, r#"{"error":"not_found","message":"no"}"#);
        }
        let reply = if r.form_value("plan") == Some("bad") {
            Reply::json(
                400,
                r#"{"error":"invalid_plan","message":"bad is not a valid plan"}"#,
            )
        } else {
            let url = r.form_value("siteurl").unwrap_or("");
            Reply::json(
                200,
                &format!(r#"{{"success":true,"next_url":"{url}/next","auth_required":false}}"#),
            )
        };
        reply.delay(Duration::from_millis(15))
    });
}

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn two_hundred_sites_some_failing_within_jobs_and_never_twice() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let file = env.root().join("sites.jsonl");
    let mut text = String::from("# sites to provision\n\n");
    for i in 0..200 {
        let plan = if i % 17 == 0 { "bad" } else { "premium" };
        text.push_str(&format!(
            "{{\"url\":\"https://s{i}.test\",\"user\":\"admin\",\"plan\":\"{plan}\"}}\n"
        ));
    }
    std::fs::write(&file, text).expect("batch file");
    let out = env
        .cmd_without_wp()
        .args(["provision", "-c=1", &format!("-s={SECRET}"), "--jobs=4"])
        .arg(format!("--batch={}", file.display()))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "some sites failed");
    let results = lines(&out);
    assert_eq!(results.len(), 200);
    let by_site: HashMap<String, &Value> = results
        .iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    assert_eq!(by_site.len(), 200, "one line per site");
    for i in 0..200 {
        let v = by_site[&format!("https://s{i}.test")];
        // SPEC §8: our keys (command, site, plan) first, the API's answer
        // nested under `answer`.
        assert_eq!(v["command"], json!("provision"), "{v}");
        if i % 17 == 0 {
            assert_eq!(v["plan"], json!("bad"), "{v}");
            assert_eq!(v["success"], json!(false), "{v}");
            assert_eq!(v["error_code"], json!("invalid_plan"));
            assert_eq!(v["error_message"], json!("bad is not a valid plan"));
            assert_eq!(v["answer"]["error"], json!("invalid_plan"));
        } else {
            assert_eq!(v["plan"], json!("premium"), "{v}");
            assert_eq!(v["success"], json!(true), "{v}");
            assert_eq!(
                v["answer"]["next_url"],
                json!(format!("https://s{i}.test/next"))
            );
        }
    }
    // One token for the whole batch; every site exactly once.
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 1);
    let provisions = env.api.requests_to("/rest/v1.3/jpphp/provision");
    assert_eq!(provisions.len(), 200);
    let sent: HashSet<String> = provisions
        .iter()
        .filter_map(|r| r.form_value("siteurl").map(String::from))
        .collect();
    assert_eq!(sent.len(), 200, "no site provisioned twice");
    assert!(provisions
        .iter()
        .all(|r| r.header("authorization") == Some("Bearer tok-batch-1")));
    let max = env.api.max_in_flight();
    assert!(max <= 4, "concurrency {max} exceeds --jobs=4");
    assert!(max >= 2, "sites ran one at a time ({max})");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("200 sites: 188 provisioned, 12 failed, 0 skipped"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET) && !String::from_utf8_lossy(&out.stdout).contains(SECRET));
}

#[test]
fn each_worker_keeps_its_connection_between_sites() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let file = env.root().join("sites.jsonl");
    let text: String = (0..96)
        .map(|i| {
            format!("{{\"url\":\"https://k{i}.test\",\"user\":\"admin\",\"plan\":\"premium\"}}\n")
        })
        .collect();
    std::fs::write(&file, text).expect("batch file");
    let out = env
        .cmd_without_wp()
        .args(["provision", "-c=1", &format!("-s={SECRET}"), "--jobs=16"])
        .arg(format!("--batch={}", file.display()))
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(lines(&out).len(), 96);
    // The 16 replies of a round come in together: the agent must keep all
    // 16 connections, not close all but 3 and connect again for the next
    // sites (a TCP connection and a TLS handshake each, over the internet).
    let conns = env.api.connections();
    assert!(
        conns <= 16,
        "{conns} connections for 97 requests at --jobs=16"
    );
}

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
        .contains("4 sites: 3 provisioned, 0 failed, 1 skipped"));
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

/// A network of three sites as the one-bootstrap program reports it: the
/// main site (Jetpack connected, blog id 111), /shop/ and /blog/ (the user
/// is no member of /blog/).
fn answer_network(env: &TestEnv) {
    let path = format!("--path={}", env.wp_path());
    let argv = [
        "--allow-root",
        &path,
        "--skip-themes",
        "--skip-plugins",
        "eval",
        jetpack_partner::wp::NETWORK_FACTS_PHP,
    ];
    let facts = json!({
        "multisite": true,
        "sites": [
            {"url": "http://multi.test/", "siteurl": "http://multi.test", "home": "http://multi.test", "blog_id": 111, "user_id": 1, "activate": "ok"},
            {"url": "http://multi.test/shop/", "siteurl": "http://multi.test/shop", "home": "http://multi.test/shop", "blog_id": 0, "user_id": 1, "activate": "ok"},
            {"url": "http://multi.test/blog/", "siteurl": "http://multi.test/blog", "home": "http://multi.test/blog", "blog_id": 0, "user_id": 0},
        ]
    });
    env.wp
        .answer_with(&argv, &testenv::facts_stdout("plugin noise", facts), "", 0);
}

#[test]
fn all_sites_in_one_bootstrap() {
    let env = TestEnv::new();
    api_for_batch(&env);
    answer_network(&env);
    let out = env
        .cmd()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--user=admin",
            "--plan=premium",
            "--allow-root",
            &format!("--path={}", env.wp_path()),
            "--all-sites",
            "--jobs=3",
        ])
        .output()
        .expect("run");
    // SPEC §8: one WordPress bootstrap for the whole network.
    let calls = env.wp.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        env.wp.call_env(0),
        vec![
            ("JETPACK_WP_ACTIVATE".to_string(), "1".to_string()),
            ("JETPACK_WP_USER".to_string(), "admin".to_string())
        ]
    );
    assert_exit(&out, 1);
    let by_site: HashMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    assert_eq!(by_site.len(), 3);
    for site in ["http://multi.test/", "http://multi.test/shop/"] {
        assert_eq!(by_site[site]["success"], json!(true), "{}", by_site[site]);
        assert_eq!(by_site[site]["plan"], json!("premium"));
    }
    let blog = &by_site["http://multi.test/blog/"];
    assert_eq!(blog["success"], json!(false), "{blog}");
    assert_eq!(blog["error_code"], json!("invalid_user"));
    let sent: HashSet<String> = env
        .api
        .requests_to("/rest/v1.3/jpphp/provision")
        .iter()
        .filter_map(|r| r.form_value("siteurl").map(String::from))
        .collect();
    assert_eq!(
        sent,
        HashSet::from([
            "http://multi.test".to_string(),
            "http://multi.test/shop".to_string()
        ])
    );
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 1);
}

#[test]
fn cancel_all_sites_names_each_site_by_its_blog_id_or_suffix() {
    let env = TestEnv::new();
    env.api.token_ok("tok-net");
    env.api
        .set_fallback(|_| Reply::json(200, r#"{"success":true}"#));
    answer_network(&env);
    let out = env
        .cmd()
        .args([
            "cancel",
            "-c=1",
            &format!("-s={SECRET}"),
            "--allow-root",
            &format!("--path={}", env.wp_path()),
            "--all-sites",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(env.wp.calls().len(), 1);
    // No user asked for, nothing activated.
    assert_eq!(
        env.wp.call_env(0),
        vec![
            ("JETPACK_WP_ACTIVATE".to_string(), "0".to_string()),
            ("JETPACK_WP_USER".to_string(), String::new())
        ]
    );
    let paths: HashSet<String> = env
        .api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/partner-cancel"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        HashSet::from([
            "/rest/v1.3/jpphp/111/partner-cancel".to_string(),
            "/rest/v1.3/jpphp/multi.test::shop/partner-cancel".to_string(),
            "/rest/v1.3/jpphp/multi.test::blog/partner-cancel".to_string(),
        ])
    );
    for v in lines(&out) {
        assert_eq!(v["command"], json!("cancel"));
        assert_eq!(v["changed"], json!(true));
    }
}

/// Where eval gives no network facts (disabled, an odd WP-CLI), the sites
/// come from `wp site list` and each is asked on its own.
#[test]
fn all_sites_of_a_multisite_network() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let path = format!("--path={}", env.wp_path());
    env.wp.answer_with(
        &["--allow-root", &path, "site", "list", "--field=url"],
        "http://multi.test/\nhttp://multi.test/shop/\n",
        "",
        0,
    );
    for (url, siteurl) in [
        ("http://multi.test/", "http://multi.test"),
        ("http://multi.test/shop/", "http://multi.test/shop"),
    ] {
        env.answer_facts(
            &[&format!("--url={url}")],
            "",
            json!({"user_id": 1, "siteurl": siteurl, "home": siteurl, "blog_id": 0, "activate": "ok"}),
        );
    }
    let out = env
        .cmd()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--user=admin",
            "--allow-root",
            &path,
            "--all-sites",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let sent: HashSet<String> = env
        .api
        .requests_to("/rest/v1.3/jpphp/provision")
        .iter()
        .filter_map(|r| r.form_value("siteurl").map(String::from))
        .collect();
    assert_eq!(
        sent,
        HashSet::from([
            "http://multi.test".to_string(),
            "http://multi.test/shop".to_string()
        ])
    );
    assert_eq!(lines(&out).len(), 2);
}

#[test]
fn dry_run_batch_sends_nothing() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--batch=-",
            "--dry-run",
        ])
        .write_stdin(
            "{\"url\":\"https://a.test\",\"user\":\"admin\",\"ftp_pass\":\"ftp-pw-123\"}\n",
        )
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let results = lines(&out);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["site"], json!("https://a.test"));
    assert_eq!(
        results[0]["requests"][1]["form"]["ftp_pass"],
        json!("<redacted>")
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ftp-pw-123"));
    assert!(env.api.requests().is_empty());
}

#[test]
fn progress_only_when_stderr_is_a_terminal() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let file = env.root().join("sites.jsonl");
    std::fs::write(&file, "{\"url\":\"https://a.test\",\"user\":\"admin\"}\n{\"url\":\"https://b.test\",\"user\":\"admin\"}\n")
        .expect("file");
    let args = [
        "provision".to_string(),
        "-c=1".into(),
        format!("-s={SECRET}"),
        format!("--batch={}", file.display()),
    ];
    // Pipes: no progress line, just the summary.
    let out = env.cmd_without_wp().args(&args).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains("2 of 2 sites"),
        "{stderr}"
    );

    // A terminal (util-linux `script` gives the binary a pty): progress.
    let Ok(script) = which::which("script") else {
        panic!("`script` (util-linux) is needed for this test");
    };
    let line = std::iter::once(testenv::BIN.to_string())
        .chain(args.iter().cloned())
        .map(|a| shell_words::quote(&a).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let out = std::process::Command::new(&script)
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "dumb")
        .env("JETPACK_START_API_HOST", env.api.base_url())
        .output()
        .expect("script");
    assert_exit(&out, 0);
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(all.contains("2 of 2 sites: 2 ok, 0 failed"), "{all}");
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
