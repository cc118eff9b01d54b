//! Talking to WordPress.com going wrong (SPEC §4, §5): a test of what
//! happens between the request and the answer, for any command, goes
//! here; a command's own API errors are that command's test.
//!
//! - [`retries`]: what is tried again (the token call: busy answers, lost
//!   connections) and what is never sent twice once it may have reached
//!   the server (provision, cancel).
//! - [`connect`]: the server is never reached or is too slow: refused
//!   connections, DNS failures, time-outs.
//! - [`tls`]: certificates from an unknown CA, the operator's
//!   `SSL_CERT_FILE` / `SSL_CERT_DIR`, the scheme.
//! - [`proxies`]: `HTTPS_PROXY`, `NO_PROXY`, `HTTP_PROXY`, `ALL_PROXY`.
//! - [`answers`]: answers that are broken, empty, HTML, oversized or
//!   redirects, or that say failure (SPEC §9 "Answers are judged
//!   strictly").
//! - [`api_host`]: `JETPACK_START_API_HOST` values that would send the
//!   credentials somewhere else than meant (a query, a fragment, user
//!   info, plain HTTP off this machine), refused before anything is sent;
//!   a base path kept.
//!
//! Every case asserts the exit code, the exact `error_code` (or the exact
//! answer on success) and how many requests the fake API received: the
//! docs/guarantees.md says the token call is retried and a provision is
//! never sent twice. Slow cases use short `--timeout=` values so the whole
//! module runs in a few seconds.
//!
//! The helpers below run a provision that needs no WordPress. Note that
//! [`assert_failure`] here returns the message (and checks it for secrets),
//! where `testenv::assert_failure` returns the error object.

use crate::testenv::{
    failure_message, provision_args_without_wp, run_clean, FakeApi, Reply, TestEnv, PARTNER_TOKEN,
    SECRET, TOKEN_PATH,
};
use std::process::Output;
use std::time::Duration;

mod answers;
mod api_host;
mod connect;
mod proxies;
mod retries;
mod tls;

pub const TOKEN: &str = "net-fault-tok-81f3";

pub const TOKEN_BODY: &str = r#"{"access_token":"net-fault-tok-81f3","token_type":"bearer"}"#;

pub const OK_BODY: &str =
    r#"{"success":true,"next_url":"https://jetpack.wordpress.com/x","auth_required":false}"#;

pub const OK: &str = r#"{"success":true}"#;

/// A provision that needs no WordPress (`--url` is the siteurl).
pub fn provision_args() -> Vec<String> {
    vec![
        "provision".into(),
        "-c=1234".into(),
        format!("-s={SECRET}"),
        "-i=admin".into(),
        "-u=https://e.test".into(),
    ]
}

/// The token call succeeds.
pub fn token_ok(env: &TestEnv) {
    env.api
        .reply("POST", TOKEN_PATH, Reply::json(200, TOKEN_BODY));
}

/// Runs it within a minute; no secret or token may show up in the output.
pub fn run(cmd: &mut assert_cmd::Command) -> Output {
    cmd.timeout(Duration::from_secs(60));
    run_clean(cmd, &[TOKEN, PARTNER_TOKEN])
}

pub fn provision(env: &TestEnv, extra: &[&str]) -> Output {
    let mut args = provision_args();
    args.extend(extra.iter().map(|s| s.to_string()));
    run(env.cmd_without_wp().args(&args))
}

/// A provision that needs no WordPress (`--url` is the siteurl), run as
/// it is: its output is not checked for secrets (see [`provision`]).
pub fn provision_unchecked(env: &TestEnv) -> Output {
    env.cmd_without_wp()
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run")
}

/// [`failure_message`], and the message holds neither secret nor token.
pub fn assert_failure(out: &Output, code: &str) -> String {
    let msg = failure_message(out, code);
    assert!(
        !msg.contains(SECRET) && !msg.contains(TOKEN),
        "secret or token in the error: {msg}"
    );
    msg
}

pub fn count(api: &FakeApi, path: &str) -> usize {
    api.requests_to(path).len()
}
