//! SPEC §8, many sites: a test of `--batch` or `--all-sites` on any site
//! command, of `apply` or of `sites` goes here.
//!
//! - [`batch`]: a batch run: one token, `--jobs` sites at a time, each
//!   worker keeping its connection, progress on a terminal only, dry run.
//! - [`lines`]: the lines in and out: fields and the command line's
//!   defaults, a bad line failing alone (SPEC §9 "One bad line fails
//!   alone"), input that cannot be read, our fields beside the API's
//!   `answer`.
//! - [`resume`]: each piece of work once: what makes two lines the same
//!   work (command + site + plan), `--skip-done` and resuming.
//! - [`all_sites`]: `--all-sites`, a multisite network in one bootstrap.
//! - [`apply`]: `apply --desired`, desired state against the partner model.
//! - [`sites`]: `sites --scan`, finding installs on disk.
//! - [`lists`]: how every list is printed (`--format`, `--fields`, tables,
//!   CSV), one site asked for a list format included.
//! - [`records`] (SPEC §10): run records on every line, the summary
//!   (text, `--summary=json`), `--quiet`, `--metrics-file`.
//!
//! A signal during a batch is `reliability::signals`; a secret in a batch
//! line is `security`.

use crate::testenv::{Reply, TestEnv, PARTNER_TOKEN, PROVISION_PATH, SECRET};
use serde_json::Value;
use std::collections::HashMap;
use std::process::Output;
use std::time::Duration;

mod all_sites;
mod apply;
mod batch;
mod lines;
mod lists;
mod records;
mod resume;
mod sites;

/// Provision answers that depend on the site: plan "bad" is refused.
pub fn api_for_batch(env: &TestEnv) {
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

/// The result lines, in the order written.
pub fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Every provision succeeds with `answer`.
pub fn api(env: &TestEnv, answer: &str) {
    env.api.token_ok(PARTNER_TOKEN);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, answer));
}

pub const OK: &str = r#"{"success":true}"#;

/// `provision --batch=<file holding input>` without WordPress, plus `extra`.
pub fn run(env: &TestEnv, input: &[u8], extra: &[&str]) -> Output {
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
pub fn by_site(out: &Output) -> HashMap<String, Value> {
    let mut map = HashMap::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        let site = v["site"].as_str().unwrap_or_default().to_string();
        assert!(map.insert(site, v).is_none(), "a site twice: {l}");
    }
    map
}

/// `(siteurl, plan)` of every provision the API received, sorted.
pub fn provisions(env: &TestEnv) -> Vec<(String, Option<String>)> {
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

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every call answers `{"success":true}` (the token call its token); the
/// calls received, as `METHOD path form`.
pub fn answer_all(env: &TestEnv) {
    env.api.set_fallback(|r| {
        if r.path == crate::testenv::TOKEN_PATH {
            Reply::json(200, &format!(r#"{{"access_token":"{PARTNER_TOKEN}"}}"#))
        } else {
            Reply::json(200, OK)
        }
    });
}

pub fn calls(env: &TestEnv) -> Vec<String> {
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
pub fn run_command(env: &TestEnv, command: &str, input: &str, extra: &[&str]) -> Output {
    let file = env.root().join("lines.jsonl");
    std::fs::write(&file, input).expect("batch file");
    env.std_cmd_without_wp()
        .args([command, "-c=1", &format!("-s={SECRET}"), "--jobs=1"])
        .arg(format!("--batch={}", file.display()))
        .args(extra)
        .output()
        .expect("run")
}

/// A result line without its run record's moving parts (`run`, `ts`,
/// `duration_ms`), once they are checked to be there and well formed
/// (SPEC §10): what stays can be compared exactly. `line` and `changed`
/// stay.
pub fn without_record(line: &Value) -> Value {
    let mut v = line.clone();
    let Some(o) = v.as_object_mut() else {
        panic!("not an object: {line}")
    };
    let run = o.remove("run").unwrap_or_default();
    assert!(
        run.as_str()
            .is_some_and(|r| r.len() == 13 && r.as_bytes()[8] == b'-'),
        "run: {line}"
    );
    let ts = o.remove("ts").unwrap_or_default();
    let ts = ts.as_str().unwrap_or_default();
    assert!(
        ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "ts: {line}"
    );
    assert!(
        o.remove("duration_ms").is_some_and(|d| d.is_u64()),
        "duration_ms: {line}"
    );
    assert!(o.get("line").is_some_and(Value::is_u64), "line: {line}");
    assert!(
        o.get("changed").is_some_and(Value::is_boolean),
        "changed: {line}"
    );
    v
}
