//! Where credentials and settings come from (SPEC §10 "Credentials without
//! repetition"), for every command alike: the flags, the environment
//! (variables, `_FILE` variables, systemd credentials), the config file,
//! and stdin (`-`), in that order of precedence; files that others may
//! read refused (`insecure_file`); a token given bare or as the JSON
//! `token` prints. A test of where a credential or setting is read from,
//! or how its file is read, goes here; one of a command's own flags goes
//! with that command, and one of hiding a secret once read in `security`.
//!
//! - [`sources`]: the order (flag > environment > config, a token before a
//!   secret at each level), systemd credentials, tokens as JSON.
//! - [`config_file`]: finding the config file, its values reaching the
//!   same places as the flags, and every way a config file can be wrong.
//! - [`stdin`]: `-` for every file flag, and never two readers of stdin.
//! - [`insecure`]: `insecure_file` for every kind of file.

use crate::testenv::{self, Reply, TestEnv, PARTNER_TOKEN, TOKEN_PATH};
use std::path::{Path, PathBuf};
use std::process::Output;

mod config_file;
mod insecure;
mod sources;
mod stdin;

/// The site every test asks about, by blog id (no WordPress needed).
pub const STATUS_PATH: &str = "/rest/v1.4/jpphp/200001/status";
pub const STATUS_OK: &str =
    r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[]}"#;

/// `status --blog_id=200001`, then `extra`.
pub fn status_args(extra: &[&str]) -> Vec<String> {
    let mut v = vec!["status".to_string(), "--blog_id=200001".into()];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// The fake API answers the token call with [`PARTNER_TOKEN`] and the
/// status call with [`STATUS_OK`].
pub fn answer_status(env: &TestEnv) {
    env.api.token_ok(PARTNER_TOKEN);
    env.api
        .reply("GET", STATUS_PATH, Reply::json(200, STATUS_OK));
}

/// What a successful status run sent: `client_id secret` for a token call
/// then the status call with the token it gave, or `bearer TOKEN` for a
/// status call alone (a token given to us).
pub fn sent(env: &TestEnv) -> String {
    let reqs = env.api.requests();
    match reqs.as_slice() {
        [token, status] if token.path == TOKEN_PATH && status.path == STATUS_PATH => {
            assert_eq!(
                status.header("authorization"),
                Some(format!("Bearer {PARTNER_TOKEN}").as_str())
            );
            format!(
                "{} {}",
                token.form_value("client_id").unwrap_or("-"),
                token.form_value("client_secret").unwrap_or("-")
            )
        }
        [status] if status.path == STATUS_PATH => format!(
            "bearer {}",
            status
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
                .unwrap_or("-")
        ),
        other => panic!("unexpected requests: {other:?}"),
    }
}

/// A file under the sandbox, readable by its owner only; its path.
pub fn private(env: &TestEnv, name: &str, contents: &str) -> PathBuf {
    let path = env.root().join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("dir");
    }
    testenv::write_private(&path, contents);
    path
}

/// The same with another mode (`0o644`: readable by others).
pub fn with_mode(env: &TestEnv, name: &str, contents: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = private(env, name, contents);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    path
}

pub fn show(p: &Path) -> String {
    p.display().to_string()
}

/// Exit 1, nothing on stdout, exactly this error object on stderr, and
/// nothing sent.
pub fn refused(env: &TestEnv, out: &Output, code: &str, message: &str) {
    testenv::assert_exit(out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let want = serde_json::json!({"success": false, "error_code": code, "error_message": message});
    assert_eq!(testenv::stderr_json(out), want);
    assert!(env.api.requests().is_empty(), "{:?}", env.api.requests());
}

/// Runs it; neither the test secrets nor the partner tokens may show up.
pub fn run(cmd: &mut assert_cmd::Command) -> Output {
    testenv::run_clean(cmd, &[PARTNER_TOKEN, SECRET_FROM_FILE, TOKEN_FROM_FILE])
}

/// A client secret kept in a file, and a partner token kept in one
/// (distinctive, so a leak is found).
pub const SECRET_FROM_FILE: &str = "filed-s3cret+&=%x";
pub const TOKEN_FROM_FILE: &str = "filed-tok-91c3e0";
