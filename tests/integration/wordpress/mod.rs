//! SPEC §3 from the failing side: WP-CLI misbehaving. A test of `wp` being
//! missing, refusing, hanging, dying or printing noise goes here, whatever
//! the command; what a command sends once WordPress has answered is that
//! command's own test (`drop_in`, `partner_api`).
//!
//! - [`unavailable`]: no `wp` at all, no WordPress where it looks, refused
//!   as root, a `wp` that cannot be executed, the command we need disabled
//!   in its config — and what still works then (`--url`, one command per
//!   value instead of `eval`).
//! - [`hung`]: a `wp` that hangs: killed at the limit with its whole
//!   process group, never holding the run past it.
//! - [`output`]: what `wp` prints besides the value: PHP fatal errors (exit
//!   255), megabytes on its pipes, plugin noise or HTML on the value's line.
//! - [`jetpack_steps`]: Jetpack's own steps failing (activate,
//!   authorize_user).
//!
//! Wording: WP-CLI's own messages are from its source (`Runner.php`:
//! "The '%s' command has been disabled from the config file.", printed by
//! `WP_CLI::error`, so `Error: ` on stderr and exit 1) or from the recorded
//! transcripts in `tests/fixtures/wp-cli/`. PHP's out-of-memory fatal error
//! is PHP's own text; PHP exits 255 on a fatal error when WordPress's
//! handler is not in the way (e.g. during WP-CLI's bootstrap).
//!
//! Every case asserts exit code, exact error_code (or the exact answer when
//! the run goes on), what reached the fake API and, for hangs, that the run
//! stays far below the hang's length.

use crate::testenv::{
    self, run_clean, Reply, TestEnv, PARTNER_TOKEN, PROVISION_OK, PROVISION_PATH,
};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

mod hung;
mod jetpack_steps;
mod output;
mod unavailable;

/// The token and provision calls succeed.
pub fn api_ok(env: &TestEnv) {
    env.provision_replies(Reply::json(200, PROVISION_OK));
}

/// `provision --user=admin` with the usual credentials and WordPress
/// flags, then `extra`.
pub fn provision_args(env: &TestEnv, extra: &[&str]) -> Vec<String> {
    let mut v = env.provision_args(&["--user=admin"]);
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// Runs it within a minute; no secret or token may show up in the output.
pub fn run(cmd: &mut assert_cmd::Command) -> Output {
    cmd.timeout(Duration::from_secs(60));
    run_clean(cmd, &[PARTNER_TOKEN])
}

/// This `wp` call (after the usual globals) prints these bytes and exits.
pub fn answer(env: &TestEnv, cmd: &[&str], stdout: &[u8], stderr: &[u8], code: i32) {
    let argv = env.wp_argv(cmd);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    env.wp.answer_bytes(Some(&argv), stdout, stderr, code, None);
}

/// The provision request, checked to carry exactly this siteurl and user.
pub fn assert_provisioned(env: &TestEnv, siteurl: &str) {
    let p = env.api.requests_to(PROVISION_PATH);
    assert_eq!(p.len(), 1, "one provision");
    assert_eq!(p[0].form_value("siteurl"), Some(siteurl));
    assert_eq!(p[0].form_value("local_user"), Some("admin"));
    assert_eq!(
        p[0].header("authorization"),
        Some(format!("Bearer {PARTNER_TOKEN}").as_str())
    );
}

/// Runs provision (`--user=admin` and `extra`), which must succeed and send
/// this siteurl.
pub fn assert_provisions(env: &TestEnv, extra: &[&str], siteurl: &str) {
    let out = run(env.cmd().args(provision_args(env, extra)));
    testenv::assert_success(&out, PROVISION_OK);
    assert_provisioned(env, siteurl);
}

/// Writes an executable script (`mode` 0o755) or a plain file.
pub fn write_script(dir: &Path, name: &str, body: &str, mode: u32) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write script");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    p
}
