//! `audit` (SPEC §11): one read-only view of a fleet. The local sites
//! through the fake `wp`, their status from the stateful partner model, and
//! (with the reporting token) the billed activations of the licensing
//! fake; the findings printed are exactly those planted, and nothing that
//! changes anything is ever sent.

mod attacks;
mod billing;
mod local;

use crate::testenv::partner::DEFAULT_PARTNER_ID;
use crate::testenv::{eval_argv, facts_stdout, TestEnv, SECRET};
use serde_json::{json, Value};
use std::process::Output;

/// A folder for one local site whose `wp eval` answers these facts.
pub fn site_dir(env: &TestEnv, name: &str, facts: Value) -> String {
    let p = env.root().join("sites").join(name);
    std::fs::create_dir_all(&p).expect("mkdir");
    let p = p.display().to_string();
    let path = format!("--path={p}");
    let argv = eval_argv(&["--allow-root", &path]);
    env.wp.answer_with(&argv, &facts_stdout("", facts), "", 0);
    p
}

/// A `--batch` file naming these folders.
pub fn batch_of(env: &TestEnv, paths: &[&str]) -> String {
    let file = env.root().join("sites.jsonl");
    let text: String = paths
        .iter()
        .map(|p| format!("{}\n", json!({ "path": p })))
        .collect();
    std::fs::write(&file, text).expect("write batch");
    format!("--batch={}", file.display())
}

/// `audit` with the default partner's credentials.
pub fn audit(env: &TestEnv, args: &[&str]) -> Output {
    env.cmd()
        .args([
            "audit",
            &format!("-c={DEFAULT_PARTNER_ID}"),
            &format!("-s={SECRET}"),
        ])
        .args(["--allow-root"])
        .args(args)
        .output()
        .expect("run")
}

/// The findings printed, as (kind, site, product) sorted.
pub fn findings(out: &Output) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("kind"), s("site"), s("product"))
        })
        .collect();
    v.sort();
    v
}

/// Only reads reached the API: the token call and GETs.
pub fn only_reads(env: &TestEnv) {
    for r in env.api.requests() {
        assert!(
            r.method == "GET" || r.path == "/oauth2/token",
            "audit sent {} {}",
            r.method,
            r.path
        );
    }
}
