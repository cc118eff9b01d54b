//! Secrets never show up in what we print (README "Guarantees": the client
//! secret, the partner token, SSH/FTP passwords and the key never appear in
//! output, errors, `--dry-run` or `--verbose` text).
//!
//! One test drives a broad list of scenarios (every success and error path
//! reachable from the harness, dry-run, usage errors, the reseller
//! commands), each once plain and once with `--verbose`, all with
//! distinctive secret values, and checks both streams of every run. Each
//! scenario also asserts its exit code, error_code and what the fake API
//! received, so a scenario that silently stopped reaching its path fails.
//!
//! The provision answer is printed verbatim (its own `access_token`
//! included) — that value is deliberately different from the partner token.

use crate::testenv;

use crate::testenv::{stderr_json, FakeApi, Reply, TestEnv};
use serde_json::{json, Value};
use std::process::Output;
use std::time::Duration;

/// Every secret carries the marker `LEAK`; nothing else we feed in does.
const CLIENT_SECRET: &str = "LEAKcs-9q8w7e&+=% zz";
/// What the fake API returns as the partner `access_token`.
const PARTNER_TOKEN: &str = "LEAKpt-4d5e6f7a8b";
const SSH_PASS: &str = "LEAKsp-1a2b3c4d";
const FTP_PASS: &str = "LEAKfp-5e6f7a8b";
const SSH_KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nLEAKsk-b3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----\n";

/// Fragments that must not appear: the marker, and each secret without it
/// (in case a secret is printed cut or re-encoded).
const FORBIDDEN: &[&str] = &[
    "LEAK",
    "cs-9q8w7e",
    "pt-4d5e6f7a8b",
    "sp-1a2b3c4d",
    "fp-5e6f7a8b",
    "b3BlbnNzaC1rZXktdjE",
];

/// The provision answer: its own access_token (for the caller) is fine.
const PROVISION_BODY: &str = r#"{"success":true,"access_token":"user-access-OK-1","next_url":"https://jetpack.wordpress.com/jetpack.authorize/1/","auth_required":true}"#;
const NEW_KEY_BODY: &str =
    r#"{"success":true,"client_id":"71000","client_secret":"new-key-secret-OK","name":"Agency A"}"#;
const OK: &str = r#"{"success":true}"#;

const PROVISION_PATH: &str = "/rest/v1.3/jpphp/provision";
const TOKEN_PATH: &str = "/oauth2/token";

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exit 0, stdout exactly this body.
    Body(&'static str),
    /// Exit 0, stdout a dry-run document.
    DryRun,
    /// Exit 1, one JSON error with this code.
    Fail(&'static str),
    /// Exit 1, usage text on stderr.
    Usage,
}

type Make = Box<dyn Fn() -> (TestEnv, assert_cmd::Command) + Send + Sync>;
type Check = Box<dyn Fn(&TestEnv) -> Result<(), String> + Send + Sync>;

struct Scenario {
    name: &'static str,
    expect: Expect,
    make: Make,
    check: Check,
}

fn provision_reply(env: &TestEnv, reply: Reply) {
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("POST", PROVISION_PATH, reply);
}

/// Flags carrying every provision secret; writes the key file.
fn secret_flags(env: &TestEnv) -> Vec<String> {
    let key = env.root().join("id_ed25519");
    std::fs::write(&key, SSH_KEY).expect("writing key file");
    vec![
        "--plan=premium".into(),
        "--ssh-host=ssh.leak.test".into(),
        "--ssh-port=22".into(),
        "--ssh-user=deploy".into(),
        format!("--ssh-pass={SSH_PASS}"),
        format!("--ssh-private-key={}", key.display()),
        "--ftp-host=ftp.leak.test".into(),
        "--ftp-user=ftpdeploy".into(),
        format!("--ftp-pass={FTP_PASS}"),
    ]
}

fn creds() -> Vec<String> {
    vec![
        "--partner_id=1234".into(),
        format!("--partner_secret={CLIENT_SECRET}"),
    ]
}

/// provision without WordPress (`--url`), every secret flag given.
fn provision_no_wp(env: &TestEnv, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.cmd_without_wp();
    cmd.arg("provision")
        .args(creds())
        .args(["--user=admin", "--url=https://leak.test"])
        .args(secret_flags(env))
        .args(extra);
    cmd
}

/// provision with the fake `wp` answering for the single site.
fn provision_wp(env: &TestEnv, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    cmd.arg("provision")
        .args(creds())
        .args([
            "--allow-root".to_string(),
            format!("--path={}", env.wp_path()),
            "--user=admin".into(),
        ])
        .args(secret_flags(env))
        .args(extra);
    cmd
}

fn wp_site(env: &TestEnv) {
    env.wp.answer("user-get-admin-field-ID");
    env.wp.answer("option-get-siteurl");
    env.wp.answer("plugin-activate-jetpack-first");
}

fn authorize_argv(env: &TestEnv) -> Vec<String> {
    vec![
        "--allow-root".into(),
        format!("--path={}", env.wp_path()),
        "--user=admin".into(),
        "jetpack".into(),
        "authorize_user".into(),
        "--token=user-access-OK-1".into(),
    ]
}

/// Anything not answered above: `wp eval` disabled, as on many hosts.
fn eval_disabled(env: &TestEnv) {
    env.wp.answer_bytes(
        None,
        b"",
        b"Error: The 'eval' command has been disabled from the config file.\n",
        1,
        None,
    );
}

fn cancel_cmd(env: &TestEnv, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.cmd_without_wp();
    cmd.arg("cancel")
        .args(creds())
        .arg("--url=https://leak.test/blog")
        .args(extra);
    cmd
}

const CANCEL_PATH: &str = "/rest/v1.3/jpphp/leak.test::blog/partner-cancel";

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

// --- checks on what the fake API received ----------------------------------

fn nothing_sent(env: &TestEnv) -> Result<(), String> {
    let n = env.api.requests().len();
    (n == 0)
        .then_some(())
        .ok_or(format!("expected no request, got {n}"))
}

/// The token call carried the real secret (so the secret was in play).
fn token_sent(env: &TestEnv) -> Result<(), String> {
    let t = env.api.requests_to(TOKEN_PATH);
    match t.first() {
        Some(r) if r.form_value("client_secret") == Some(CLIENT_SECRET) => Ok(()),
        Some(r) => Err(format!("token call without the secret: {:?}", r.form)),
        None => Err("no token call".into()),
    }
}

/// Token call, then a provision with the bearer token and every secret.
fn provision_sent(env: &TestEnv) -> Result<(), String> {
    token_sent(env)?;
    let p = env.api.requests_to(PROVISION_PATH);
    let [p] = p.as_slice() else {
        return Err(format!("expected one provision, got {}", p.len()));
    };
    let want = [
        ("ssh_pass", SSH_PASS),
        ("ftp_pass", FTP_PASS),
        ("ssh_private_key", SSH_KEY),
    ];
    for (k, v) in want {
        if p.form_value(k) != Some(v) {
            return Err(format!("provision field {k} = {:?}", p.form_value(k)));
        }
    }
    let bearer = format!("Bearer {PARTNER_TOKEN}");
    if p.header("authorization") != Some(bearer.as_str()) {
        return Err(format!("authorization {:?}", p.header("authorization")));
    }
    Ok(())
}

fn sent_to(path: &'static str) -> Check {
    Box::new(move |env| {
        token_sent(env)?;
        let n = env.api.requests_to(path).len();
        if n != 1 {
            return Err(format!("expected one request to {path}, got {n}"));
        }
        let bearer = format!("Bearer {PARTNER_TOKEN}");
        match env.api.requests_to(path)[0].header("authorization") {
            Some(b) if b == bearer => Ok(()),
            other => Err(format!("authorization {other:?}")),
        }
    })
}

fn scenarios() -> Vec<Scenario> {
    let mut v: Vec<Scenario> = Vec::new();
    let mut add = |name, expect, make: Make, check: Check| {
        v.push(Scenario {
            name,
            expect,
            make,
            check,
        })
    };

    // --- provision: success --------------------------------------------------
    add(
        "provision without wp",
        Expect::Body(PROVISION_BODY),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(&env, Reply::json(200, PROVISION_BODY));
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "provision with wp and the authorize step",
        Expect::Body(PROVISION_BODY),
        Box::new(|| {
            let env = TestEnv::new();
            wp_site(&env);
            let argv = authorize_argv(&env);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            env.wp.answer_with(&argv, "Success: authorized.\n", "", 0);
            eval_disabled(&env);
            provision_reply(&env, Reply::json(200, PROVISION_BODY));
            let cmd = provision_wp(&env, &["--wpcom_user_id=555"]);
            (env, cmd)
        }),
        Box::new(|env| {
            provision_sent(env)?;
            let want = authorize_argv(env);
            env.wp
                .calls()
                .contains(&want)
                .then_some(())
                .ok_or(format!("no authorize call: {:?}", env.wp.calls()))
        }),
    );
    add(
        "provision over https",
        Expect::Body(PROVISION_BODY),
        Box::new(|| {
            let env = TestEnv::new_tls();
            provision_reply(&env, Reply::json(200, PROVISION_BODY));
            let mut cmd = provision_no_wp(&env, &[]);
            cmd.env("SSL_CERT_FILE", testenv::cert_path("ca.pem"));
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "provision, secret from JETPACK_PARTNER_SECRET",
        Expect::Body(PROVISION_BODY),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(&env, Reply::json(200, PROVISION_BODY));
            let mut cmd = env.cmd_without_wp();
            cmd.env("JETPACK_PARTNER_ID", "1234")
                .env("JETPACK_PARTNER_SECRET", CLIENT_SECRET)
                .args(["provision", "--user=admin", "--url=https://leak.test"])
                .args(secret_flags(&env));
            (env, cmd)
        }),
        Box::new(provision_sent),
    );

    // --- provision: API errors -----------------------------------------------
    add(
        "invalid_client on the token call",
        Expect::Fail("invalid_client"),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.reply(
                "POST",
                TOKEN_PATH,
                Reply::json(
                    400,
                    r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
                ),
            );
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(|env| {
            token_sent(env)?;
            (env.api.requests_to(PROVISION_PATH).is_empty())
                .then_some(())
                .ok_or("provision sent after invalid_client".into())
        }),
    );
    add(
        "token error that echoes the secret",
        Expect::Fail("invalid_client"),
        Box::new(|| {
            let env = TestEnv::new();
            let body = json!({
                "error": "invalid_client",
                "error_description": format!("client_secret {CLIENT_SECRET} does not match"),
                "received": {"client_secret": CLIENT_SECRET},
            });
            env.api
                .reply("POST", TOKEN_PATH, Reply::json(400, &body.to_string()));
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(token_sent),
    );
    add(
        "invalid_plan",
        Expect::Fail("invalid_plan"),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(
                &env,
                Reply::json(
                    400,
                    r#"{"error":"invalid_plan","message":"premium is not a valid plan"}"#,
                ),
            );
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "provision error that echoes every secret",
        Expect::Fail("rest_invalid_param"),
        Box::new(|| {
            let env = TestEnv::new();
            let body = json!({
                "error": "rest_invalid_param",
                "message": format!("ssh_pass {SSH_PASS} refused for token {PARTNER_TOKEN}"),
                "data": {"params": {"ftp_pass": FTP_PASS, "client_secret": CLIENT_SECRET,
                                    "ssh_private_key": SSH_KEY, "list": [SSH_PASS, PARTNER_TOKEN]}},
            });
            provision_reply(&env, Reply::json(400, &body.to_string()));
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "server_error (HTML 500)",
        Expect::Fail("server_error"),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(
                &env,
                Reply::text(
                    500,
                    "text/html",
                    "<html><h1>Internal Server Error</h1></html>",
                ),
            );
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "missing_access_token",
        Expect::Fail("missing_access_token"),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.reply(
                "POST",
                TOKEN_PATH,
                Reply::json(200, r#"{"token_type":"bearer"}"#),
            );
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(token_sent),
    );
    add(
        "unknown_error (empty body)",
        Expect::Fail("unknown_error"),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(&env, Reply::empty(200));
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "invalid_response (not JSON)",
        Expect::Fail("invalid_response"),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(&env, Reply::text(200, "text/html", "<html>ok?</html>"));
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );

    // --- provision: transport failures ---------------------------------------
    add(
        "timeout",
        Expect::Fail("timeout"),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(
                &env,
                Reply::json(200, PROVISION_BODY).delay(Duration::from_secs(3)),
            );
            let cmd = provision_no_wp(&env, &["--timeout=1"]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "network_error (connection refused)",
        Expect::Fail("network_error"),
        Box::new(|| {
            let env = TestEnv::new();
            let mut cmd = provision_no_wp(&env, &[]);
            cmd.env(
                "JETPACK_START_API_HOST",
                format!("http://127.0.0.1:{}", closed_port()),
            );
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "network_error (provision connection closed)",
        Expect::Fail("network_error"),
        Box::new(|| {
            let env = TestEnv::new();
            provision_reply(&env, Reply::close_without_reply());
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "network_error (untrusted certificate)",
        Expect::Fail("network_error"),
        Box::new(|| {
            let env = TestEnv::with_api(FakeApi::start_tls_untrusted());
            env.api.token_ok(PARTNER_TOKEN);
            let cmd = provision_no_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );

    // --- provision: local failures -------------------------------------------
    add(
        "authorization_failure",
        Expect::Fail("authorization_failure"),
        Box::new(|| {
            let env = TestEnv::new();
            wp_site(&env);
            env.wp.answer_as(
                "jetpack-authorize_user-missing-command",
                &authorize_argv(&env)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
            eval_disabled(&env);
            provision_reply(&env, Reply::json(200, PROVISION_BODY));
            let cmd = provision_wp(&env, &["--wpcom_user_id=555"]);
            (env, cmd)
        }),
        Box::new(provision_sent),
    );
    add(
        "invalid_user",
        Expect::Fail("invalid_user"),
        Box::new(|| {
            let env = TestEnv::new();
            env.wp.answer("user-get-nosuchuser-field-ID");
            eval_disabled(&env);
            env.api.token_ok(PARTNER_TOKEN);
            let mut cmd = env.cmd();
            cmd.arg("provision")
                .args(creds())
                .args([
                    "--allow-root".to_string(),
                    format!("--path={}", env.wp_path()),
                    "--user=nosuchuser".into(),
                ])
                .args(secret_flags(&env));
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "wp_failed (PHP fatal)",
        Expect::Fail("wp_failed"),
        Box::new(|| {
            let env = TestEnv::new();
            env.wp.answer_any("php-fatal-error");
            env.api.token_ok(PARTNER_TOKEN);
            let cmd = provision_wp(&env, &[]);
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "wp_not_found",
        Expect::Fail("wp_not_found"),
        Box::new(|| {
            let env = TestEnv::new();
            let mut cmd = env.cmd_without_wp();
            cmd.arg("provision")
                .args(creds())
                .arg("--user=admin")
                .args(secret_flags(&env));
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "invalid_input (unreadable key file)",
        Expect::Fail("invalid_input"),
        Box::new(|| {
            let env = TestEnv::new();
            let mut cmd = provision_no_wp(&env, &[]);
            cmd.arg("--ssh-private-key=/nonexistent/keys/id_ed25519");
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "invalid_input (bad --timeout)",
        Expect::Fail("invalid_input"),
        Box::new(|| {
            let env = TestEnv::new();
            let cmd = provision_no_wp(&env, &["--timeout=soon"]);
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "plan_not_available (--check-upgrade)",
        Expect::Fail("plan_not_available"),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            env.api.reply(
                "GET",
                "/rest/v1.3/jpphp/leak.test/upgrade-paths",
                Reply::json(200, r#"{"jetpack-plans":["personal"]}"#),
            );
            let cmd = provision_no_wp(&env, &["--check-upgrade"]);
            (env, cmd)
        }),
        Box::new(|env| {
            sent_to("/rest/v1.3/jpphp/leak.test/upgrade-paths")(env)?;
            (env.api.requests_to(PROVISION_PATH).is_empty())
                .then_some(())
                .ok_or("provision sent".into())
        }),
    );

    // --- dry-run and usage errors --------------------------------------------
    add(
        "provision --dry-run",
        Expect::DryRun,
        Box::new(|| {
            let env = TestEnv::new();
            let cmd = provision_no_wp(&env, &["--dry-run"]);
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "cancel --dry-run",
        Expect::DryRun,
        Box::new(|| {
            let env = TestEnv::new();
            let cmd = cancel_cmd(&env, &["--dry-run"]);
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "verify --dry-run",
        Expect::DryRun,
        Box::new(|| {
            let env = TestEnv::new();
            let mut cmd = env.cmd_without_wp();
            cmd.arg("verify").args(creds()).arg("--dry-run");
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "usage: unknown flag",
        Expect::Usage,
        Box::new(|| {
            let env = TestEnv::new();
            let cmd = provision_no_wp(&env, &["--bogus=1"]);
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "usage: missing --user",
        Expect::Usage,
        Box::new(|| {
            let env = TestEnv::new();
            let mut cmd = env.cmd_without_wp();
            cmd.arg("provision")
                .args(creds())
                .arg("--url=https://leak.test")
                .args(secret_flags(&env));
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "usage: stray argument",
        Expect::Usage,
        Box::new(|| {
            let env = TestEnv::new();
            let cmd = provision_no_wp(&env, &["stray"]);
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );
    add(
        "usage: old script name, missing -i",
        Expect::Usage,
        Box::new(|| {
            let env = TestEnv::new();
            let mut cmd = env.cmd_named("partner-provision.sh");
            cmd.args(["-c=1234", &format!("-s={CLIENT_SECRET}")])
                .arg(format!("--ssh-pass={SSH_PASS}"));
            (env, cmd)
        }),
        Box::new(nothing_sent),
    );

    // --- cancel ----------------------------------------------------------------
    add(
        "cancel",
        Expect::Body(OK),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            env.api.reply("POST", CANCEL_PATH, Reply::json(200, OK));
            let cmd = cancel_cmd(&env, &[]);
            (env, cmd)
        }),
        sent_to(CANCEL_PATH),
    );
    add(
        "cancel, secret from --partner_secret_file",
        Expect::Body(OK),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            env.api.reply("POST", CANCEL_PATH, Reply::json(200, OK));
            let file = env.root().join("secret");
            std::fs::write(&file, format!("{CLIENT_SECRET}\n")).expect("write secret");
            let mut cmd = env.cmd_without_wp();
            cmd.args([
                "cancel",
                "--partner_id=1234",
                "--url=https://leak.test/blog",
            ])
            .arg(format!("--partner_secret_file={}", file.display()));
            (env, cmd)
        }),
        sent_to(CANCEL_PATH),
    );
    add(
        "cancel refused by the API",
        Expect::Fail("not_jps_plan"),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            let body = json!({"error": "not_jps_plan",
                "message": format!("no partner plan (token {PARTNER_TOKEN})")});
            env.api
                .reply("POST", CANCEL_PATH, Reply::json(400, &body.to_string()));
            let cmd = cancel_cmd(&env, &[]);
            (env, cmd)
        }),
        sent_to(CANCEL_PATH),
    );

    // --- partner-key new, verify ----------------------------------------------
    add(
        "partner-key new",
        Expect::Body(NEW_KEY_BODY),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            env.api.reply(
                "POST",
                "/rest/v1.3/jpphp/partner-keys/new",
                Reply::json(200, NEW_KEY_BODY),
            );
            let mut cmd = env.cmd_without_wp();
            cmd.args(["partner-key", "new"])
                .args(creds())
                .args(["--name=Agency A", "--allowed_premium_plans=10"]);
            (env, cmd)
        }),
        sent_to("/rest/v1.3/jpphp/partner-keys/new"),
    );
    add(
        "partner-key new refused",
        Expect::Fail("unauthorized"),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            env.api.reply(
                "POST",
                "/rest/v1.3/jpphp/partner-keys/new",
                Reply::json(
                    403,
                    r#"{"error":"unauthorized","message":"This partner cannot create keys."}"#,
                ),
            );
            let mut cmd = env.cmd_without_wp();
            cmd.args(["partner-key", "new"])
                .args(creds())
                .arg("--name=Agency A");
            (env, cmd)
        }),
        sent_to("/rest/v1.3/jpphp/partner-keys/new"),
    );
    add(
        "verify",
        Expect::Body(OK),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            env.api.reply(
                "POST",
                "/rest/v1.3/jpphp/partner-keys/verify",
                Reply::json(200, OK),
            );
            let mut cmd = env.cmd_without_wp();
            cmd.arg("verify").args(creds());
            (env, cmd)
        }),
        sent_to("/rest/v1.3/jpphp/partner-keys/verify"),
    );
    add(
        "verify: invalid_client",
        Expect::Fail("invalid_client"),
        Box::new(|| {
            let env = TestEnv::new();
            env.api.reply(
                "POST",
                TOKEN_PATH,
                Reply::json(
                    400,
                    r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
                ),
            );
            let mut cmd = env.cmd_without_wp();
            cmd.arg("verify").args(creds());
            (env, cmd)
        }),
        Box::new(token_sent),
    );
    v
}

/// What is wrong with one run, if anything (besides leaks).
fn judge(expect: Expect, out: &Output, verbose: bool) -> Result<(), String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    match expect {
        Expect::Body(body) => {
            if code != Some(0) || stdout != format!("{body}\n") {
                return Err(format!("expected success with the body, got {code:?}"));
            }
            if !verbose && !stderr.is_empty() {
                return Err("stderr not empty on success".into());
            }
        }
        Expect::DryRun => {
            let v: Value = serde_json::from_str(stdout.trim())
                .map_err(|e| format!("dry-run output is not JSON ({e}), exit {code:?}"))?;
            if code != Some(0) || v["dry_run"] != json!(true) {
                return Err(format!("expected a dry-run document, got {code:?}"));
            }
        }
        Expect::Fail(want) => {
            if code != Some(1) || !stdout.is_empty() {
                return Err(format!("expected exit 1 and empty stdout, got {code:?}"));
            }
            // With --verbose, notes come first; the error object is the last line.
            let err: Value = if verbose {
                let last = stderr.lines().last().unwrap_or("");
                serde_json::from_str(last).map_err(|e| format!("last stderr line: {e}"))?
            } else {
                stderr_json(out)
            };
            if err["success"] != json!(false) || err["error_code"] != json!(want) {
                return Err(format!("expected error_code {want}, got {err}"));
            }
            if err["error_message"].as_str().is_none_or(str::is_empty) {
                return Err(format!("empty error_message: {err}"));
            }
        }
        Expect::Usage => {
            if code != Some(1) || !stdout.is_empty() || !stderr.contains("Usage:") {
                return Err(format!("expected usage on stderr and exit 1, got {code:?}"));
            }
        }
    }
    // Runs that got as far as the network have something to say.
    if verbose
        && matches!(expect, Expect::Body(_) | Expect::Fail(_))
        && !matches!(expect, Expect::Fail("invalid_input" | "wp_not_found"))
        && !stderr.contains("jetpack-partner:")
    {
        return Err("--verbose said nothing".into());
    }
    Ok(())
}

/// Runs one scenario; returns what went wrong.
fn run_scenario(s: &Scenario, verbose: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let (env, mut cmd) = (s.make)();
    if verbose {
        cmd.arg("--verbose");
    }
    cmd.timeout(Duration::from_secs(60));
    let out = cmd.output().expect("running jetpack-partner");
    let tag = format!("[{}{}]", s.name, if verbose { ", --verbose" } else { "" });
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for f in FORBIDDEN {
            if text.contains(f) {
                problems.push(format!("{tag} {f:?} in {stream}:\n{text}"));
            }
        }
    }
    if let Err(e) = judge(s.expect, &out, verbose) {
        problems.push(format!(
            "{tag} {e}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if let Err(e) = (s.check)(&env) {
        problems.push(format!("{tag} fake API: {e}"));
    }
    problems
}

#[test]
fn no_secret_appears_in_any_output() {
    let list = scenarios();
    assert!(list.len() >= 30, "the scenario list shrank");
    let runs: Vec<(&Scenario, bool)> = list.iter().flat_map(|s| [(s, false), (s, true)]).collect();
    // A few at a time: most of the time is spent waiting (time-outs,
    // retries), not computing.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((s, verbose)) = runs.get(i) else {
                    break;
                };
                let found = run_scenario(s, *verbose);
                problems
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(found);
            });
        }
    });
    let problems = problems.into_inner().unwrap_or_else(|e| e.into_inner());
    assert!(
        problems.is_empty(),
        "{} problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// A token answer that is judged a failure but still carries an
/// access_token: the token is the partner's, not the caller's, so the
/// error object must not repeat it.
#[test]
fn partner_token_in_a_failed_token_answer_is_not_echoed() {
    let mut leaked = Vec::new();
    for body in [
        json!({"access_token": PARTNER_TOKEN, "success": false}),
        json!({"access_token": PARTNER_TOKEN, "error": "invalid_scope", "message": "scope"}),
    ] {
        let env = TestEnv::new();
        env.api
            .reply("POST", TOKEN_PATH, Reply::json(200, &body.to_string()));
        let out = env
            .cmd_without_wp()
            .arg("verify")
            .args(creds())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1));
        let err = stderr_json(&out);
        assert_eq!(err["success"], json!(false));
        assert!(err["error_code"].is_string(), "{err}");
        assert_eq!(env.api.requests().len(), 1, "stopped after the token call");
        let text = String::from_utf8_lossy(&out.stderr);
        if text.contains(PARTNER_TOKEN) {
            leaked.push(format!("{body} -> {text}"));
        }
    }
    assert!(
        leaked.is_empty(),
        "partner token leaked:\n{}",
        leaked.join("\n")
    );
}
