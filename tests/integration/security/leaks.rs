//! Secrets never show up in what we print (docs/guarantees.md: the client
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
//! A scenario is a few lines of [`Scenario`]'s builder: a new command gets
//! its success and error paths added to [`scenarios`] the same way.
//!
//! The provision answer is printed verbatim (its own `access_token`
//! included) — that value is deliberately different from the partner token.

use crate::testenv::{
    cert_path, closed_port, stderr_json, FakeApi, Reply, TestEnv, PROVISION_PATH, TOKEN_PATH,
};
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
/// A partner token handed over by `--access-token-file` or
/// `JETPACK_PARTNER_ACCESS_TOKEN`: a secret like the client secret.
const REUSED_TOKEN: &str = "LEAKrt-0a1b2c3d4e";
/// The client secret of a key `partner-key new` makes: printed on stdout,
/// because that is what the command is for, and nowhere else.
const NEW_KEY_SECRET: &str = "LEAKnk-77aa88bb";

/// The Licensing API's token (`--licensing-token-file`).
const LICENSING_TOKEN: &str = "LEAKlt-5a6b7c8d";
/// The partner reports' token (`--reporting-token-file`), for `audit`.
const REPORTING_TOKEN: &str = "LEAKrp-9e8d7c6b";

/// Fragments that must not appear: the marker, and each secret without it
/// (in case a secret is printed cut or re-encoded).
const FORBIDDEN: &[&str] = &[
    "lt-5a6b7c8d",
    "rp-9e8d7c6b",
    "LEAK",
    "cs-9q8w7e",
    "pt-4d5e6f7a8b",
    "sp-1a2b3c4d",
    "fp-5e6f7a8b",
    "b3BlbnNzaC1rZXktdjE",
    "rt-0a1b2c3d4e",
    "nk-77aa88bb",
];

/// The provision answer: its own access_token (for the caller) is fine.
const PROVISION_BODY: &str = r#"{"success":true,"access_token":"user-access-OK-1","next_url":"https://jetpack.wordpress.com/jetpack.authorize/1/","auth_required":true}"#;
const NEW_KEY_BODY: &str =
    r#"{"success":true,"client_id":"71000","client_secret":"LEAKnk-77aa88bb","name":"Agency A"}"#;
const OK: &str = r#"{"success":true}"#;

const CANCEL_PATH: &str = "/rest/v1.3/jpphp/leak.test::blog/partner-cancel";
const UPGRADE_PATHS_PATH: &str = "/rest/v1.3/jpphp/leak.test/upgrade-paths";
const NEW_KEY_PATH: &str = "/rest/v1.3/jpphp/partner-keys/new";
const VERIFY_PATH: &str = "/rest/v1.3/jpphp/partner-keys/verify";
const STATUS_PATH: &str = "/rest/v1.4/jpphp/leak.test::blog/status";
const SSH_PATH: &str = "/rest/v1.3/jpphp/4242/ssh-credentials";
const FTP_PATH: &str = "/rest/v1.3/jpphp/4242/ftp-credentials";
const ERRORS_PATH: &str = "/rest/v1.3/jpphp/errors";
const MAGIC_LINK_PATH: &str = "/rest/v1.3/jpphp/mobile-magic-link";
const BACKUPS_PATH: &str = "/wpcom/v2/sites/4242/rewind/backups";
const FIX_PATH: &str = "/wpcom/v2/sites/4242/alerts/fix";
const STATUS_BODY: &str = r#"{"blog":{"is_connected":true,"has_backups_credentials":true},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":true,"is_pending":false}]}"#;
const UNCHANGED_BODY: &str = r#"{"success":true,"changed":false,"status":{"blog":{"is_connected":true,"has_backups_credentials":true},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":true,"is_pending":false}]}}"#;
const NOTHING_OURS_BODY: &str = r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":false,"is_pending":false}]}"#;
const NOTHING_OURS_UNCHANGED: &str = r#"{"success":true,"changed":false,"status":{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":false,"is_pending":false}]}}"#;
const BOTH_OK: &str = r#"{"ssh":{"success":true},"ftp":{"success":true}}"#;
const ERRORS_BODY: &str = r#"{"errors":{"invalid_plan":"%s is not a valid plan"}}"#;
const CANCEL_ALL_BODY: &str =
    r#"{"success":true,"activations":["premium"],"pending_activations":["jetpack-scan"]}"#;
const BACKUPS_BODY: &str = r#"[{"id":"1","status":"finished"},{"id":"2","status":"started"}]"#;
/// What `token` prints: the token answer the fake API serves, as is.
const TOKEN_BODY: &str = r#"{"access_token":"LEAKpt-4d5e6f7a8b","token_type":"bearer","blog_id":0,"blog_url":0,"scope":"jetpack-partner"}"#;
const INVALID_CLIENT: &str =
    r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#;

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exit 0, stdout exactly this body.
    Body(&'static str),
    /// Exit 0, stdout a dry-run document.
    DryRun,
    /// Exit 0, stdout this many JSON lines (`audit`'s findings carry a run
    /// id; its summary is on stderr).
    Lines(usize),
    /// Exit 1, one JSON error with this code.
    Fail(&'static str),
    /// Exit 1, usage text on stderr.
    Usage,
}

/// The fake API a scenario runs against.
#[derive(Clone, Copy)]
enum Api {
    Http,
    /// HTTPS, its CA trusted through `SSL_CERT_FILE`.
    Tls,
    /// HTTPS with a certificate from a CA the binary does not know.
    UntrustedTls,
}

/// How the binary is started (see [`TestEnv`]).
#[derive(Clone, Copy)]
enum Runner {
    /// `cmd_without_wp`: no `wp` on PATH.
    WithoutWp,
    /// `cmd`: the fake `wp` on PATH.
    WithWp,
    /// `cmd_named`: through a link with this name (the fake `wp` on PATH).
    Named(&'static str),
}

type Setup = Box<dyn Fn(&TestEnv) + Send + Sync>;
type Check = Box<dyn Fn(&TestEnv) -> Result<(), String> + Send + Sync>;

/// One command line, what the fakes answer, and what must come of it. Run
/// twice, plain and with `--verbose`, each time in a fresh [`TestEnv`].
///
/// Arguments and environment values may hold `{root}` (the sandbox, where
/// [`file`](Self::file) writes), `{path}` (the WordPress root of the fake
/// `wp`) and `{closed_port}` (a loopback port nothing listens on).
struct Scenario {
    name: &'static str,
    api: Api,
    runner: Runner,
    args: Vec<String>,
    envs: Vec<(&'static str, String)>,
    files: Vec<(&'static str, String)>,
    setup: Vec<Setup>,
    expect: Option<Expect>,
    check: Option<Check>,
    /// A secret the command prints on stdout on purpose (`token`,
    /// `partner-key new`): allowed there, and only there.
    exempt: Option<&'static str>,
}

impl Scenario {
    /// No arguments yet, no `wp` on PATH, a plain HTTP fake API that
    /// answers nothing but 404.
    fn new(name: &'static str) -> Scenario {
        Scenario {
            name,
            api: Api::Http,
            runner: Runner::WithoutWp,
            args: Vec::new(),
            envs: Vec::new(),
            files: Vec::new(),
            setup: Vec::new(),
            expect: None,
            check: None,
            exempt: None,
        }
    }

    /// `provision` without WordPress (`--url`), every secret flag given.
    fn provision(name: &'static str) -> Scenario {
        Scenario::new(name)
            .arg("provision")
            .args(creds())
            .args(["--user=admin", "--url=https://leak.test"])
            .secret_flags()
    }

    /// `provision` in the WordPress of the fake `wp`, every secret flag
    /// given.
    fn provision_wp(name: &'static str) -> Scenario {
        Scenario::new(name)
            .with_wp()
            .arg("provision")
            .args(creds())
            .args(["--allow-root", "--path={path}", "--user=admin"])
            .secret_flags()
    }

    /// `audit` of https://leak.test/blog (by URL: no WordPress) with the
    /// reporting token from a file.
    fn audit(name: &'static str) -> Scenario {
        Scenario::new(name)
            .file("sites.jsonl", "{\"url\":\"https://leak.test/blog\"}\n")
            .file("rep", &format!("{REPORTING_TOKEN}\n"))
            .arg("audit")
            .args(creds())
            .args([
                "--batch={root}/sites.jsonl",
                "--reporting-token-file={root}/rep",
                "--partner-key-id=7",
            ])
    }

    /// `cancel` of https://leak.test/blog, without WordPress.
    fn cancel(name: &'static str) -> Scenario {
        Scenario::new(name)
            .arg("cancel")
            .args(creds())
            .arg("--url=https://leak.test/blog")
    }

    fn with_wp(mut self) -> Self {
        self.runner = Runner::WithWp;
        self
    }

    /// Run under an old script name, e.g. `partner-provision.sh`.
    fn named(mut self, name: &'static str) -> Self {
        self.runner = Runner::Named(name);
        self
    }

    /// HTTPS fake API whose CA the binary trusts (`SSL_CERT_FILE`).
    fn tls(mut self) -> Self {
        self.api = Api::Tls;
        let ca = cert_path("ca.pem").display().to_string();
        self.env("SSL_CERT_FILE", &ca)
    }

    /// HTTPS fake API with a certificate the binary does not trust.
    fn untrusted_tls(mut self) -> Self {
        self.api = Api::UntrustedTls;
        self
    }

    fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Every provision flag that carries a secret (and the key file).
    fn secret_flags(self) -> Self {
        self.file("id_ed25519", SSH_KEY).args([
            "--plan=premium",
            "--ssh-host=ssh.leak.test",
            "--ssh-port=22",
            "--ssh-user=deploy",
            &format!("--ssh-pass={SSH_PASS}"),
            "--ssh-private-key={root}/id_ed25519",
            "--ftp-host=ftp.leak.test",
            "--ftp-user=ftpdeploy",
            &format!("--ftp-pass={FTP_PASS}"),
        ])
    }

    fn env(mut self, name: &'static str, value: &str) -> Self {
        self.envs.push((name, value.to_string()));
        self
    }

    /// A file `{root}/<name>` written before the run.
    fn file(mut self, name: &'static str, contents: &str) -> Self {
        self.files.push((name, contents.to_string()));
        self
    }

    /// What the fake `wp` answers.
    fn wp(mut self, setup: impl Fn(&TestEnv) + Send + Sync + 'static) -> Self {
        self.setup.push(Box::new(setup));
        self
    }

    /// What the fake API answers, e.g. [`answers`] or [`token_answer`].
    fn api(mut self, setup: impl Fn(&FakeApi) + Send + Sync + 'static) -> Self {
        self.setup.push(Box::new(move |env| setup(&env.api)));
        self
    }

    /// `secret` may appear on stdout (the command's point), nowhere else.
    fn exempt_on_stdout(mut self, secret: &'static str) -> Self {
        self.exempt = Some(secret);
        self
    }

    /// The SSH/FTP passwords from files (and the key) instead of flags.
    fn pass_files(self) -> Self {
        self.file("id_ed25519", SSH_KEY)
            .file("ssh-pass", &format!("{SSH_PASS}\n"))
            .file("ftp-pass", &format!("{FTP_PASS}\n"))
            .args([
                "--ssh-host=ssh.leak.test",
                "--ssh-user=deploy",
                "--ssh-pass-file={root}/ssh-pass",
                "--ssh-private-key={root}/id_ed25519",
                "--ftp-host=ftp.leak.test",
                "--ftp-user=ftpdeploy",
                "--ftp-pass-file={root}/ftp-pass",
            ])
    }

    /// The partner token from a file (no credentials).
    fn token_file(self) -> Self {
        self.file("token", &format!("{REUSED_TOKEN}\n"))
            .arg("--access-token-file={root}/token")
    }

    fn expect(mut self, expect: Expect) -> Self {
        self.expect = Some(expect);
        self
    }

    /// What the fake API (or `wp`) must have received.
    fn check(
        mut self,
        check: impl Fn(&TestEnv) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.check = Some(Box::new(check));
        self
    }

    fn expand(&self, text: &str, env: &TestEnv) -> String {
        let text = text
            .replace("{root}", &env.root().display().to_string())
            .replace("{path}", &env.wp_path());
        if text.contains("{closed_port}") {
            text.replace("{closed_port}", &closed_port().to_string())
        } else {
            text
        }
    }

    /// A fresh sandbox set up as described, and the command to run in it.
    fn start(&self) -> (TestEnv, assert_cmd::Command) {
        let env = match self.api {
            Api::Http => TestEnv::new(),
            Api::Tls => TestEnv::new_tls(),
            Api::UntrustedTls => TestEnv::with_api(FakeApi::start_tls_untrusted()),
        };
        for (name, contents) in &self.files {
            let file = env.root().join(name);
            crate::testenv::write_private(&file, contents);
        }
        for setup in &self.setup {
            setup(&env);
        }
        let mut cmd = match self.runner {
            Runner::WithoutWp => env.cmd_without_wp(),
            Runner::WithWp => env.cmd(),
            Runner::Named(name) => env.cmd_named(name),
        };
        for a in &self.args {
            cmd.arg(self.expand(a, &env));
        }
        for (name, value) in &self.envs {
            cmd.env(name, self.expand(value, &env));
        }
        (env, cmd)
    }
}

fn creds() -> [String; 2] {
    [
        "--partner_id=1234".into(),
        format!("--partner_secret={CLIENT_SECRET}"),
    ]
}

// --- what the fakes answer --------------------------------------------------

/// The token call succeeds with [`PARTNER_TOKEN`].
fn token_ok(api: &FakeApi) {
    api.token_ok(PARTNER_TOKEN);
}

/// The token call answers `reply`.
fn token_answer(reply: Reply) -> impl Fn(&FakeApi) + Send + Sync {
    move |api| api.reply("POST", TOKEN_PATH, reply.clone())
}

/// The token call succeeds and `method path` answers `reply`.
fn answers(
    method: &'static str,
    path: &'static str,
    reply: Reply,
) -> impl Fn(&FakeApi) + Send + Sync {
    move |api| {
        token_ok(api);
        api.reply(method, path, reply.clone());
    }
}

/// The token call succeeds and the provision call answers `reply`.
fn provision_answers(reply: Reply) -> impl Fn(&FakeApi) + Send + Sync {
    answers("POST", PROVISION_PATH, reply)
}

/// The single site, one plain command per value.
fn wp_site(env: &TestEnv) {
    env.wp.answer("user-get-admin-field-ID");
    env.wp.answer("option-get-siteurl");
    env.wp.answer("plugin-activate-jetpack-first");
}

fn authorize_argv(env: &TestEnv) -> Vec<String> {
    env.wp_argv(&[
        "--user=admin",
        "jetpack",
        "authorize_user",
        "--token=user-access-OK-1",
    ])
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
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

fn no_provision_sent(env: &TestEnv) -> Result<(), String> {
    (env.api.requests_to(PROVISION_PATH).is_empty())
        .then_some(())
        .ok_or("provision sent".into())
}

/// Token call, then one request to `path` with the bearer token.
fn sent_to(path: &'static str) -> impl Fn(&TestEnv) -> Result<(), String> + Send + Sync {
    move |env| {
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
    }
}

/// No token call; one request to `path`, with the reused token.
fn reused_sent(path: &'static str) -> impl Fn(&TestEnv) -> Result<(), String> + Send + Sync {
    move |env| {
        let reqs = env.api.requests();
        let [r] = reqs.as_slice() else {
            return Err(format!("expected exactly one request, got {}", reqs.len()));
        };
        if r.path != path {
            return Err(format!("request to {}", r.path));
        }
        let bearer = format!("Bearer {REUSED_TOKEN}");
        match r.header("authorization") {
            Some(b) if b == bearer => Ok(()),
            other => Err(format!("authorization {other:?}")),
        }
    }
}

/// The error catalogue, asked once, without a token.
fn errors_sent(env: &TestEnv) -> Result<(), String> {
    let reqs = env.api.requests();
    let [r] = reqs.as_slice() else {
        return Err(format!("expected exactly one request, got {}", reqs.len()));
    };
    if r.path != ERRORS_PATH || r.header("authorization").is_some() {
        return Err(format!("{} with {:?}", r.path, r.header("authorization")));
    }
    Ok(())
}

/// Token call, then the SSH and the FTP call with every password and the
/// key.
fn credentials_sent(env: &TestEnv) -> Result<(), String> {
    token_sent(env)?;
    for (path, field, value) in [
        (SSH_PATH, "ssh_pass", SSH_PASS),
        (SSH_PATH, "ssh_private_key", SSH_KEY),
        (FTP_PATH, "ftp_pass", FTP_PASS),
    ] {
        let sent = env.api.requests_to(path);
        let [r] = sent.as_slice() else {
            return Err(format!(
                "expected one request to {path}, got {}",
                sent.len()
            ));
        };
        if r.form_value(field) != Some(value) {
            return Err(format!("{path}: {field} = {:?}", r.form_value(field)));
        }
    }
    Ok(())
}

/// `--if-needed` found nothing to do: token call and status, nothing else.
fn only_status_sent(env: &TestEnv) -> Result<(), String> {
    token_sent(env)?;
    let paths: Vec<String> = env.api.requests().into_iter().map(|r| r.path).collect();
    if paths != [TOKEN_PATH, STATUS_PATH] {
        return Err(format!("sent {paths:?}"));
    }
    Ok(())
}

fn scenarios() -> Vec<Scenario> {
    use Expect::{Body, DryRun, Fail, Lines, Usage};
    vec![
        // --- provision: success ----------------------------------------------
        Scenario::provision("provision without wp")
            .api(provision_answers(Reply::json(200, PROVISION_BODY)))
            .expect(Body(PROVISION_BODY))
            .check(provision_sent),
        Scenario::provision_wp("provision with wp and the authorize step")
            .arg("--wpcom_user_id=555")
            .wp(|env| {
                wp_site(env);
                let argv = authorize_argv(env);
                env.wp
                    .answer_with(&strs(&argv), "Success: authorized.\n", "", 0);
                env.disable_eval_for_the_rest();
            })
            .api(provision_answers(Reply::json(200, PROVISION_BODY)))
            .expect(Body(PROVISION_BODY))
            .check(|env| {
                provision_sent(env)?;
                let want = authorize_argv(env);
                env.wp
                    .calls()
                    .contains(&want)
                    .then_some(())
                    .ok_or(format!("no authorize call: {:?}", env.wp.calls()))
            }),
        Scenario::provision("provision over https")
            .tls()
            .api(provision_answers(Reply::json(200, PROVISION_BODY)))
            .expect(Body(PROVISION_BODY))
            .check(provision_sent),
        Scenario::new("provision, secret from JETPACK_PARTNER_SECRET")
            .env("JETPACK_PARTNER_ID", "1234")
            .env("JETPACK_PARTNER_SECRET", CLIENT_SECRET)
            .args(["provision", "--user=admin", "--url=https://leak.test"])
            .secret_flags()
            .api(provision_answers(Reply::json(200, PROVISION_BODY)))
            .expect(Body(PROVISION_BODY))
            .check(provision_sent),
        // --- provision: API errors -------------------------------------------
        Scenario::provision("invalid_client on the token call")
            .api(token_answer(Reply::json(400, INVALID_CLIENT)))
            .expect(Fail("invalid_client"))
            .check(|env| {
                token_sent(env)?;
                no_provision_sent(env).map_err(|e| format!("{e} after invalid_client"))
            }),
        Scenario::provision("token error that echoes the secret")
            .api(token_answer(Reply::json(
                400,
                &json!({
                    "error": "invalid_client",
                    "error_description": format!("client_secret {CLIENT_SECRET} does not match"),
                    "received": {"client_secret": CLIENT_SECRET},
                })
                .to_string(),
            )))
            .expect(Fail("invalid_client"))
            .check(token_sent),
        Scenario::provision("invalid_plan")
            .api(provision_answers(Reply::json(
                400,
                r#"{"error":"invalid_plan","message":"premium is not a valid plan"}"#,
            )))
            .expect(Fail("invalid_plan"))
            .check(provision_sent),
        Scenario::provision("provision error that echoes every secret")
            .api(provision_answers(Reply::json(
                400,
                &json!({
                    "error": "rest_invalid_param",
                    "message": format!("ssh_pass {SSH_PASS} refused for token {PARTNER_TOKEN}"),
                    "data": {"params": {"ftp_pass": FTP_PASS, "client_secret": CLIENT_SECRET,
                                        "ssh_private_key": SSH_KEY, "list": [SSH_PASS, PARTNER_TOKEN]}},
                })
                .to_string(),
            )))
            .expect(Fail("rest_invalid_param"))
            .check(provision_sent),
        Scenario::provision("server_error (HTML 500)")
            .api(provision_answers(Reply::text(
                500,
                "text/html",
                "<html><h1>Internal Server Error</h1></html>",
            )))
            .expect(Fail("server_error"))
            .check(provision_sent),
        Scenario::provision("missing_access_token")
            .api(token_answer(Reply::json(200, r#"{"token_type":"bearer"}"#)))
            .expect(Fail("missing_access_token"))
            .check(token_sent),
        Scenario::provision("unknown_error (empty body)")
            .api(provision_answers(Reply::empty(200)))
            .expect(Fail("unknown_error"))
            .check(provision_sent),
        Scenario::provision("invalid_response (not JSON)")
            .api(provision_answers(Reply::text(
                200,
                "text/html",
                "<html>ok?</html>",
            )))
            .expect(Fail("invalid_response"))
            .check(provision_sent),
        // --- provision: transport failures -----------------------------------
        Scenario::provision("timeout")
            .arg("--timeout=1")
            .api(provision_answers(
                Reply::json(200, PROVISION_BODY).delay(Duration::from_secs(3)),
            ))
            .expect(Fail("timeout"))
            .check(provision_sent),
        Scenario::provision("network_error (connection refused)")
            .env("JETPACK_START_API_HOST", "http://127.0.0.1:{closed_port}")
            .expect(Fail("network_error"))
            .check(nothing_sent),
        Scenario::provision("network_error (provision connection closed)")
            .api(provision_answers(Reply::close_without_reply()))
            .expect(Fail("network_error"))
            .check(provision_sent),
        Scenario::provision("network_error (untrusted certificate)")
            .untrusted_tls()
            .api(token_ok)
            .expect(Fail("network_error"))
            .check(nothing_sent),
        // --- provision: local failures ---------------------------------------
        Scenario::provision_wp("authorization_failure")
            .arg("--wpcom_user_id=555")
            .wp(|env| {
                wp_site(env);
                let argv = authorize_argv(env);
                env.wp
                    .answer_as("jetpack-authorize_user-missing-command", &strs(&argv));
                env.disable_eval_for_the_rest();
            })
            .api(provision_answers(Reply::json(200, PROVISION_BODY)))
            .expect(Fail("authorization_failure"))
            .check(provision_sent),
        Scenario::new("invalid_user")
            .with_wp()
            .arg("provision")
            .args(creds())
            .args(["--allow-root", "--path={path}", "--user=nosuchuser"])
            .secret_flags()
            .wp(|env| {
                env.wp.answer("user-get-nosuchuser-field-ID");
                env.disable_eval_for_the_rest();
            })
            .api(token_ok)
            .expect(Fail("invalid_user"))
            .check(nothing_sent),
        Scenario::provision_wp("wp_failed (PHP fatal)")
            .wp(|env| env.wp.answer_any("php-fatal-error"))
            .api(token_ok)
            .expect(Fail("wp_failed"))
            .check(nothing_sent),
        Scenario::new("wp_not_found")
            .arg("provision")
            .args(creds())
            .arg("--user=admin")
            .secret_flags()
            .expect(Fail("wp_not_found"))
            .check(nothing_sent),
        Scenario::provision("invalid_input (unreadable key file)")
            .arg("--ssh-private-key=/nonexistent/keys/id_ed25519")
            .expect(Fail("invalid_input"))
            .check(nothing_sent),
        Scenario::provision("invalid_input (bad --timeout)")
            .arg("--timeout=soon")
            .expect(Fail("invalid_input"))
            .check(nothing_sent),
        Scenario::provision("plan_not_available (--check-upgrade)")
            .arg("--check-upgrade")
            .api(answers(
                "GET",
                UPGRADE_PATHS_PATH,
                Reply::json(200, r#"{"jetpack-plans":["personal"]}"#),
            ))
            .expect(Fail("plan_not_available"))
            .check(|env| {
                sent_to(UPGRADE_PATHS_PATH)(env)?;
                no_provision_sent(env)
            }),
        // --- dry-run and usage errors ----------------------------------------
        Scenario::provision("provision --dry-run")
            .arg("--dry-run")
            .expect(DryRun)
            .check(nothing_sent),
        Scenario::cancel("cancel --dry-run")
            .arg("--dry-run")
            .expect(DryRun)
            .check(nothing_sent),
        Scenario::new("verify --dry-run")
            .arg("verify")
            .args(creds())
            .arg("--dry-run")
            .expect(DryRun)
            .check(nothing_sent),
        Scenario::provision("usage: unknown flag")
            .arg("--bogus=1")
            .expect(Usage)
            .check(nothing_sent),
        Scenario::new("usage: missing --user")
            .arg("provision")
            .args(creds())
            .arg("--url=https://leak.test")
            .secret_flags()
            .expect(Usage)
            .check(nothing_sent),
        Scenario::provision("usage: stray argument")
            .arg("stray")
            .expect(Usage)
            .check(nothing_sent),
        Scenario::new("usage: old script name, missing -i")
            .named("partner-provision.sh")
            .args([
                "-c=1234".to_string(),
                format!("-s={CLIENT_SECRET}"),
                format!("--ssh-pass={SSH_PASS}"),
            ])
            .expect(Usage)
            .check(nothing_sent),
        // --- cancel ----------------------------------------------------------
        Scenario::cancel("cancel")
            .api(answers("POST", CANCEL_PATH, Reply::json(200, OK)))
            .expect(Body(OK))
            .check(sent_to(CANCEL_PATH)),
        Scenario::new("cancel, secret from --partner_secret_file")
            .file("secret", &format!("{CLIENT_SECRET}\n"))
            .args([
                "cancel",
                "--partner_id=1234",
                "--url=https://leak.test/blog",
                "--partner_secret_file={root}/secret",
            ])
            .api(answers("POST", CANCEL_PATH, Reply::json(200, OK)))
            .expect(Body(OK))
            .check(sent_to(CANCEL_PATH)),
        Scenario::cancel("cancel refused by the API")
            .api(answers(
                "POST",
                CANCEL_PATH,
                Reply::json(
                    400,
                    &json!({"error": "not_jps_plan",
                        "message": format!("no partner plan (token {PARTNER_TOKEN})")})
                    .to_string(),
                ),
            ))
            .expect(Fail("not_jps_plan"))
            .check(sent_to(CANCEL_PATH)),
        // --- partner-key new, verify -----------------------------------------
        Scenario::new("partner-key new")
            .args(["partner-key", "new"])
            .args(creds())
            .args(["--name=Agency A", "--allowed_premium_plans=10"])
            .api(answers("POST", NEW_KEY_PATH, Reply::json(200, NEW_KEY_BODY)))
            .expect(Body(NEW_KEY_BODY))
            .exempt_on_stdout(NEW_KEY_SECRET)
            .check(sent_to(NEW_KEY_PATH)),
        Scenario::new("partner-key new refused")
            .args(["partner-key", "new"])
            .args(creds())
            .arg("--name=Agency A")
            .api(answers(
                "POST",
                NEW_KEY_PATH,
                Reply::json(
                    403,
                    r#"{"error":"unauthorized","message":"This partner cannot create keys."}"#,
                ),
            ))
            .expect(Fail("unauthorized"))
            .check(sent_to(NEW_KEY_PATH)),
        Scenario::new("verify")
            .arg("verify")
            .args(creds())
            .api(answers("POST", VERIFY_PATH, Reply::json(200, OK)))
            .expect(Body(OK))
            .check(sent_to(VERIFY_PATH)),
        Scenario::new("verify: invalid_client")
            .arg("verify")
            .args(creds())
            .api(token_answer(Reply::json(400, INVALID_CLIENT)))
            .expect(Fail("invalid_client"))
            .check(token_sent),
        // --- status ----------------------------------------------------------
        Scenario::new("status")
            .args(["status", "--url=https://leak.test/blog"])
            .args(creds())
            .api(answers("GET", STATUS_PATH, Reply::json(200, STATUS_BODY)))
            .expect(Body(STATUS_BODY))
            .check(sent_to(STATUS_PATH)),
        Scenario::new("status answered 200 with the token and the secret echoed in other escapings")
            .args(["status", "--url=https://leak.test/blog"])
            .args(creds())
            .api(answers("GET", STATUS_PATH, Reply::json(200, ECHOING_STATUS)))
            .expect(Body(ECHOING_STATUS_PRINTED))
            .check(sent_to(STATUS_PATH)),
        Scenario::new("status, token from --access-token-file")
            .args(["status", "--url=https://leak.test/blog"])
            .token_file()
            .api(|api| api.reply("GET", STATUS_PATH, Reply::json(200, STATUS_BODY)))
            .expect(Body(STATUS_BODY))
            .check(reused_sent(STATUS_PATH)),
        Scenario::new("status, token from JETPACK_PARTNER_ACCESS_TOKEN, an error echoing it")
            .args(["status", "--url=https://leak.test/blog"])
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN)
            .api(|api| api.reply("GET", STATUS_PATH, Reply::json(403, &echo("invalid_scope", &[REUSED_TOKEN]))))
            .expect(Fail("invalid_scope"))
            .check(reused_sent(STATUS_PATH)),
        Scenario::new("status --dry-run, token from a file")
            .args(["status", "--url=https://leak.test/blog", "--dry-run"])
            .token_file()
            .expect(DryRun)
            .check(nothing_sent),
        Scenario::new("status timeout, token from the environment")
            .args(["status", "--url=https://leak.test/blog", "--timeout=1"])
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN)
            .api(|api| {
                api.reply(
                    "GET",
                    STATUS_PATH,
                    Reply::json(200, STATUS_BODY).delay(Duration::from_secs(3)),
                )
            })
            .expect(Fail("timeout"))
            .check(reused_sent(STATUS_PATH)),
        // --- backup-credentials ---------------------------------------------
        Scenario::new("backup-credentials, password flags")
            .args(["backup-credentials", "--blog_id=4242"])
            .args(creds())
            .file("id_ed25519", SSH_KEY)
            .args([
                "--ssh-host=ssh.leak.test",
                "--ssh-user=deploy",
                &format!("--ssh-pass={SSH_PASS}"),
                "--ssh-private-key={root}/id_ed25519",
                "--ftp-host=ftp.leak.test",
                "--ftp-user=ftpdeploy",
                &format!("--ftp-pass={FTP_PASS}"),
            ])
            .api(|api| {
                token_ok(api);
                api.reply("POST", SSH_PATH, Reply::json(200, OK));
                api.reply("POST", FTP_PATH, Reply::json(200, OK));
            })
            .expect(Body(BOTH_OK))
            .check(credentials_sent),
        Scenario::new("backup-credentials, password files")
            .args(["backup-credentials", "--blog_id=4242"])
            .args(creds())
            .pass_files()
            .api(|api| {
                token_ok(api);
                api.reply("POST", SSH_PATH, Reply::json(200, OK));
                api.reply("POST", FTP_PATH, Reply::json(200, OK));
            })
            .expect(Body(BOTH_OK))
            .check(credentials_sent),
        Scenario::new("backup-credentials, one refused echoing the passwords and the token")
            .args(["backup-credentials", "--blog_id=4242"])
            .token_file()
            .pass_files()
            .api(|api| {
                api.reply("POST", SSH_PATH, Reply::json(200, OK));
                api.reply("POST", FTP_PATH, Reply::json(
                        400,
                        &echo("rest_invalid_param", &[REUSED_TOKEN, SSH_PASS, FTP_PASS, SSH_KEY]),
                    ));
            })
            .expect(Fail("rest_invalid_param"))
            .check(|env| {
                let n = env.api.requests().len();
                (n == 2).then_some(()).ok_or(format!("expected 2 requests, got {n}"))
            }),
        Scenario::new("backup-credentials --dry-run")
            .args(["backup-credentials", "--blog_id=4242", "--dry-run"])
            .args(creds())
            .pass_files()
            .expect(DryRun)
            .check(nothing_sent),
        Scenario::new("backup-credentials: --ssh-user without a password")
            .args(["backup-credentials", "--blog_id=4242"])
            .args(creds())
            .args([
                "--ssh-host=h",
                "--ssh-user=u",
                "--ftp-host=h",
                "--ftp-user=u",
                &format!("--ftp-pass={FTP_PASS}"),
            ])
            .expect(Fail("invalid_input"))
            .check(nothing_sent),
        Scenario::new("backup-credentials: no blog id")
            .arg("backup-credentials")
            .args(creds())
            .pass_files()
            .expect(Fail("invalid_input"))
            .check(nothing_sent),
        // --- errors ----------------------------------------------------------
        Scenario::new("errors CODE (credentials given, not used)")
            .args(["errors", "invalid_plan"])
            .args(creds())
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN)
            .api(|api| api.reply("GET", ERRORS_PATH, Reply::json(200, ERRORS_BODY)))
            .expect(Body(ERRORS_BODY))
            .check(errors_sent),
        Scenario::new("errors: unknown_error_code")
            .args(["errors", "no_such_code"])
            .args(creds())
            .api(|api| api.reply("GET", ERRORS_PATH, Reply::json(200, ERRORS_BODY)))
            .expect(Fail("unknown_error_code"))
            .check(errors_sent),
        Scenario::new("errors --dry-run")
            .args(["errors", "--dry-run"])
            .args(creds())
            .expect(DryRun)
            .check(nothing_sent),
        // --- magic-link ------------------------------------------------------
        Scenario::new("magic-link")
            .args(["magic-link", "--email=owner@leak.test"])
            .args(creds())
            .api(answers("POST", MAGIC_LINK_PATH, Reply::json(200, OK)))
            .expect(Body(OK))
            .check(sent_to(MAGIC_LINK_PATH)),
        Scenario::new("magic-link: too_many_requests echoing the reused token")
            .args(["magic-link", "--email=owner@leak.test"])
            .token_file()
            .api(|api| {
                api.reply(
                    "POST",
                    MAGIC_LINK_PATH,
                    Reply::json(429, &echo("too_many_requests", &[REUSED_TOKEN])),
                )
            })
            .expect(Fail("too_many_requests"))
            .check(reused_sent(MAGIC_LINK_PATH)),
        // --- api -------------------------------------------------------------
        Scenario::new("api GET -f")
            .args(["api", BACKUPS_PATH, "-f", "number=2"])
            .args(creds())
            .api(answers("GET", BACKUPS_PATH, Reply::json(200, BACKUPS_BODY)))
            .expect(Body(BACKUPS_BODY))
            .check(sent_to(BACKUPS_PATH)),
        Scenario::new("api -X POST --input, reused token")
            .file("fix.json", r#"{"threat_ids":[1,2]}"#)
            .args(["api", "-X", "POST", FIX_PATH, "--input={root}/fix.json"])
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN)
            .api(|api| api.reply("POST", FIX_PATH, Reply::json(200, OK)))
            .expect(Body(OK))
            .check(reused_sent(FIX_PATH)),
        Scenario::new("api error echoing the token and the secret")
            .args(["api", "-X", "POST", FIX_PATH, "-f", "threat_ids=1"])
            .args(creds())
            .api(answers("POST", FIX_PATH, Reply::json(
                403,
                &echo("unauthorized", &[PARTNER_TOKEN, CLIENT_SECRET]),
            )))
            .expect(Fail("unauthorized"))
            .check(sent_to(FIX_PATH)),
        Scenario::new("api POST connection closed (never re-sent)")
            .args(["api", "-X", "POST", FIX_PATH])
            .token_file()
            .api(|api| api.reply("POST", FIX_PATH, Reply::close_without_reply()))
            .expect(Fail("network_error"))
            .check(reused_sent(FIX_PATH)),
        Scenario::new("api: a full URL is refused")
            .args(["api", "https://evil.test/x"])
            .args(creds())
            .expect(Fail("invalid_input"))
            .check(nothing_sent),
        Scenario::new("api --dry-run --input")
            .file("fix.json", r#"{"threat_ids":[1,2]}"#)
            .args(["api", "-X", "POST", FIX_PATH, "--input={root}/fix.json", "--dry-run"])
            .args(creds())
            .expect(DryRun)
            .check(nothing_sent),
        // --- cancel --plan, --cancel-all, token reuse --------------------------
        Scenario::cancel("cancel --plan")
            .arg("--plan=jetpack-backup-daily")
            .api(answers("POST", CANCEL_PATH, Reply::json(200, OK)))
            .expect(Body(OK))
            .check(|env| {
                sent_to(CANCEL_PATH)(env)?;
                let r = &env.api.requests_to(CANCEL_PATH)[0];
                (r.form_value("plan") == Some("jetpack-backup-daily"))
                    .then_some(())
                    .ok_or(format!("form {:?}", r.form))
            }),
        Scenario::cancel("cancel --cancel-all")
            .arg("--cancel-all")
            .api(answers("POST", CANCEL_PATH, Reply::json(200, CANCEL_ALL_BODY)))
            .expect(Body(CANCEL_ALL_BODY))
            .check(sent_to(CANCEL_PATH)),
        Scenario::new("cancel -p=, token from JETPACK_PARTNER_ACCESS_TOKEN")
            .args(["cancel", "--url=https://leak.test/blog", "-p=jetpack-scan"])
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN)
            .api(|api| api.reply("POST", CANCEL_PATH, Reply::json(200, OK)))
            .expect(Body(OK))
            .check(reused_sent(CANCEL_PATH)),
        // --- --if-needed -----------------------------------------------------
        Scenario::new("provision --if-needed: already there")
            .arg("provision")
            .args(creds())
            .args(["--user=admin", "--url=https://leak.test/blog", "--if-needed"])
            .secret_flags()
            .api(answers("GET", STATUS_PATH, Reply::json(200, STATUS_BODY)))
            .expect(Body(UNCHANGED_BODY))
            .check(only_status_sent),
        Scenario::new("provision --if-needed: not there, password files")
            .arg("provision")
            .args(creds())
            .args(["--user=admin", "--url=https://leak.test/blog", "--if-needed"])
            .arg("--plan=jetpack-scan")
            .pass_files()
            .api(|api| {
                token_ok(api);
                api.reply("GET", STATUS_PATH, Reply::json(200, STATUS_BODY));
                api.reply("POST", PROVISION_PATH, Reply::json(200, PROVISION_BODY));
            })
            .expect(Body(PROVISION_BODY))
            .check(provision_sent),
        Scenario::cancel("cancel --if-needed: nothing of ours")
            .args(["--plan=premium", "--if-needed"])
            .api(answers("GET", STATUS_PATH, Reply::json(200, NOTHING_OURS_BODY)))
            .expect(Body(NOTHING_OURS_UNCHANGED))
            .check(only_status_sent),
        Scenario::new("cancel --if-needed --dry-run, token from a file")
            .args(["cancel", "--url=https://leak.test/blog", "--if-needed", "--dry-run"])
            .token_file()
            .expect(DryRun)
            .check(nothing_sent),
        // --- token -----------------------------------------------------------
        Scenario::new("token (prints the token it was asked for)")
            .arg("token")
            .args(creds())
            .api(token_ok)
            .expect(Body(TOKEN_BODY))
            .exempt_on_stdout(PARTNER_TOKEN)
            .check(token_sent),
        Scenario::new("token --dry-run")
            .args(["token", "--dry-run"])
            .args(creds())
            .expect(DryRun)
            .check(nothing_sent),
        // --- licensing and reporting tokens ----------------------------------
        Scenario::new("license show with the licensing token")
            .args(["license", "show", "--licensing-token-file={root}/lic", "jetpack-scan_k1"])
            .file("lic", &format!("{LICENSING_TOKEN}\n"))
            .api(|api| api.reply("GET", LICENSE_PATH, Reply::json(200, LICENSE_BODY)))
            .expect(Body(LICENSE_BODY))
            .check(bearer_to(LICENSE_PATH, LICENSING_TOKEN)),
        Scenario::new("license show: an error repeating the licensing token")
            .args(["license", "show", "--licensing-token-file={root}/lic", "jetpack-scan_k1"])
            .file("lic", &format!("{LICENSING_TOKEN}\n"))
            .api(|api| {
                let body = echo("invalid_token", &[LICENSING_TOKEN, &format!("Bearer {LICENSING_TOKEN}")]);
                api.reply("GET", LICENSE_PATH, Reply::json(403, &body));
            })
            .expect(Fail("invalid_token"))
            .check(bearer_to(LICENSE_PATH, LICENSING_TOKEN)),
        Scenario::new("license revoke --dry-run, the token from the variable")
            .args(["license", "revoke", "--dry-run", "jetpack-scan_k1"])
            .env("JETPACK_LICENSING_TOKEN", LICENSING_TOKEN)
            .api(|api| api.reply("GET", LICENSE_PATH, Reply::json(200, LICENSE_BODY)))
            .expect(DryRun)
            .check(bearer_to(LICENSE_PATH, LICENSING_TOKEN)),
        Scenario::audit("audit: billing answers repeating the reporting token")
            .api(|api| {
                token_ok(api);
                api.reply("GET", STATUS_PATH, Reply::json(200, STATUS_BODY));
                api.reply("GET", ACTIVATIONS_PATH, Reply::json(200, &activations_echoing()));
            })
            .expect(Lines(1))
            .check(bearer_to(ACTIVATIONS_PATH, REPORTING_TOKEN)),
        Scenario::audit("audit: the report refuses, repeating the reporting token")
            .api(|api| {
                token_ok(api);
                api.reply("GET", STATUS_PATH, Reply::json(200, STATUS_BODY));
                let body = echo("invalid_token", &[REPORTING_TOKEN, CLIENT_SECRET]);
                api.reply("GET", ACTIVATIONS_PATH, Reply::json(403, &body));
            })
            .expect(Fail("invalid_token"))
            .check(bearer_to(ACTIVATIONS_PATH, REPORTING_TOKEN)),
        Scenario::audit("audit --dry-run")
            .arg("--dry-run")
            .api(token_ok)
            .expect(DryRun)
            .check(nothing_sent),
    ]
}

const LICENSE_PATH: &str = "/wpcom/v2/jetpack-licensing/license";
const LICENSE_BODY: &str =
    r#"{"license_id":7,"license_key":"jetpack-scan_k1","product":"Jetpack Scan Daily"}"#;
const ACTIVATIONS_PATH: &str = "/wpcom/v2/jetpack-partners/1234/key/7/activations";

/// One billed activation for a site that is not here, its fields
/// repeating the reporting token and the client secret.
fn activations_echoing() -> String {
    json!({"total": 1, "activations": [{
        "id": 1, "wpcom_blog_id": 999, "product_id": 2000, "site_url": "https://gone.test",
        "created_on": "2026-01-01 00:00:00", "activated_on": "2026-01-01 00:01:00",
        "cancelled_on": null, "note": format!("Bearer {REPORTING_TOKEN} {CLIENT_SECRET}"),
    }]})
    .to_string()
}

/// One request to `path`, carrying `token` (and no other request did).
fn bearer_to(
    path: &'static str,
    token: &'static str,
) -> impl Fn(&TestEnv) -> Result<(), String> + Send + Sync {
    move |env| {
        let want = format!("Bearer {token}");
        let to = env.api.requests_to(path);
        if to.len() != 1 || to[0].header("authorization") != Some(want.as_str()) {
            return Err(format!(
                "expected one request to {path} with the token, got {}",
                to.len()
            ));
        }
        for r in env.api.requests() {
            if r.path != path && r.header("authorization") == Some(want.as_str()) {
                return Err(format!("the token went to {}", r.path));
            }
        }
        Ok(())
    }
}

/// A 2xx answer repeating the partner token and the client secret (raw,
/// percent-encoded, JSON-escaped character by character): printed with
/// them hidden (and re-serialised, as it had to be changed).
const ECHOING_STATUS: &str = r#"{"x":"Bearer LEAKpt-4d5e6f7a8b","y":"LEAKcs-9q8w7e%26%2B%3D%25+zz","z":"\u004cEAKcs-9q8w7e\u0026\u002b=% zz","blog":{"is_connected": true}}"#;
const ECHOING_STATUS_PRINTED: &str =
    r#"{"x":"Bearer <redacted>","y":"<redacted>","z":"<redacted>","blog":{"is_connected":true}}"#;

/// An API error whose message and data repeat these secrets (those the
/// run handed over: the tool cannot know any other).
fn echo(code: &str, secrets: &[&str]) -> String {
    json!({
        "error": code,
        "message": format!("refused: {}", secrets.join(" / ")),
        "data": {"echo": secrets, "first": secrets.first()},
    })
    .to_string()
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
        Expect::Lines(n) => {
            let lines: Vec<&str> = stdout.lines().collect();
            let json = lines
                .iter()
                .all(|l| serde_json::from_str::<Value>(l).is_ok());
            if code != Some(0) || lines.len() != n || !json {
                return Err(format!("expected {n} JSON lines and exit 0, got {code:?}"));
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
    let (env, mut cmd) = s.start();
    if verbose {
        cmd.arg("--verbose");
    }
    cmd.timeout(Duration::from_secs(60));
    let out = cmd.output().expect("running jetpack-partner");
    let tag = format!("[{}{}]", s.name, if verbose { ", --verbose" } else { "" });
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        if let (Some(secret), "stdout") = (s.exempt, stream) {
            text = text.replace(secret, "");
        }
        for f in FORBIDDEN {
            if text.contains(f) {
                problems.push(format!("{tag} {f:?} in {stream}:\n{text}"));
            }
        }
    }
    let expect = s
        .expect
        .expect("checked in no_secret_appears_in_any_output");
    if let Err(e) = judge(expect, &out, verbose) {
        problems.push(format!(
            "{tag} {e}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let check = s
        .check
        .as_ref()
        .expect("checked in no_secret_appears_in_any_output");
    if let Err(e) = check(&env) {
        problems.push(format!("{tag} fake API: {e}"));
    }
    problems
}

#[test]
fn no_secret_appears_in_any_output() {
    let list = scenarios();
    assert!(list.len() >= 30, "the scenario list shrank");
    for s in &list {
        assert!(
            s.expect.is_some() && s.check.is_some(),
            "scenario {:?} needs .expect(..) and .check(..)",
            s.name
        );
    }
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
