//! A batch run (`--batch` on a site command): one token for the run,
//! `--jobs` sites at a time and never one twice, each worker keeping its
//! connection, one result line per site, a summary; progress only on a
//! terminal; `--dry-run` sends nothing.

use super::{api_for_batch, lines};
use crate::testenv::{self, assert_exit, TestEnv, SECRET};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

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
        stderr.contains("200 sites: 188 changed, 0 unchanged, 12 failed, 0 skipped"),
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
    // The one progress line: done/total (the file's lines, counted up
    // front), failures, rate and time left; then the summary.
    assert!(
        all.contains("\rjetpack-partner: 2/2 sites, 0 failed, "),
        "{all}"
    );
    assert!(all.contains("/s, ETA "), "{all}");
}
