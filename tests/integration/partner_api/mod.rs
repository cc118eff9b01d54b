//! The commands beyond the scripts (SPEC §6, §7) end to end, and the
//! flags §7 and §8 added to the drop-in commands (`cancel --plan`,
//! `--if-needed`): against the fake API, with scripted replies where the
//! exact bytes matter and the stateful partner model where state does.
//!
//! A test of one command's own behaviour goes in its module:
//! [`status`], [`upgrade_paths`], [`partner_key`] (`partner-key new`,
//! `verify`), [`backup_credentials`], [`errors_cmd`], [`magic_link`],
//! [`api_cmd`], [`token_cmd`], [`cancel_plan`] (`cancel --plan`,
//! `--cancel-all`), [`if_needed`] (`provision`/`cancel --if-needed`).
//! A question every §7 command answers alike goes in [`matrix`]: the exact
//! request (method, path, query, form or body, Authorization or none), the
//! exact stdout, stderr JSON and exit code on success, an API error, a
//! non-JSON answer and a time-out; `--dry-run` sends nothing; a reused
//! token makes exactly one request; `--help` shows examples first.

use crate::testenv::{run_clean, TestEnv, PARTNER_TOKEN, SECRET};
use serde_json::Value;
use std::process::Output;

mod api_cmd;
mod backup_credentials;
mod cancel_plan;
mod errors_cmd;
mod if_needed;
mod magic_link;
mod matrix;
mod partner_key;
mod status;
mod token_cmd;
mod upgrade_paths;

/// A partner token handed over by `--access-token-file` or
/// `JETPACK_PARTNER_ACCESS_TOKEN` (distinctive, so a leak is found).
pub const REUSED_TOKEN: &str = "reused-tok-7c1e93b04d";

/// `--partner_id=1234 --partner_secret=<SECRET>`.
pub fn creds() -> [String; 2] {
    [
        "--partner_id=1234".into(),
        format!("--partner_secret={SECRET}"),
    ]
}

/// Runs it: neither the client secret nor a partner token (scripted, the
/// model's, reused) may show up on stdout or stderr.
pub fn run(cmd: &mut assert_cmd::Command, more: &[&str]) -> Output {
    let mut tokens = vec![PARTNER_TOKEN, REUSED_TOKEN, "fake-partner-token-"];
    tokens.extend(more);
    run_clean(cmd, &tokens)
}

/// The binary without `wp`, with these arguments.
pub fn jp<S: AsRef<std::ffi::OsStr>>(env: &TestEnv, args: impl IntoIterator<Item = S>) -> Output {
    run(env.cmd_without_wp().args(args), &[])
}

/// `args` with the usual credentials after the command word(s).
pub fn with_creds(args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend(creds());
    v
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stdout parsed as one JSON document.
pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n--- stderr ---\n{}",
            stdout(out),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A file under the sandbox, for flags that take one.
pub fn write_file(env: &TestEnv, name: &str, contents: &str) -> String {
    let path = env.root().join(name);
    crate::testenv::write_private(&path, contents);
    path.display().to_string()
}

/// What the stateful model says about a site, through the binary itself
/// (`status --url=<url>` without WordPress): the exact answer.
pub fn status_of(env: &TestEnv, url: &str) -> Value {
    let out = jp(env, with_creds(&["status", &format!("--url={url}")]));
    crate::testenv::assert_exit(&out, 0);
    stdout_json(&out)
}

/// `{"slug":…,"is_provisioned_by_partner":…,…}` as the v1.4 status lists a
/// product.
pub fn product(slug: &str, by_partner: bool, by_caller: bool, pending: bool) -> Value {
    serde_json::json!({
        "slug": slug,
        "is_provisioned_by_partner": by_partner,
        "is_provisioned_by_calling_partner": by_caller,
        "is_pending": pending,
    })
}

/// The model's own answer to `GET <path>` (with `token`), bytes as sent —
/// what the binary must print verbatim. Asked directly, not through the
/// binary; the fake API records this request too.
pub fn model_get(env: &TestEnv, path: &str, token: Option<&str>) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let mut req = agent.get(format!("{}{path}", env.api.base_url()));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = req.call().expect("request to the fake api");
    resp.body_mut().read_to_string().expect("body")
}
