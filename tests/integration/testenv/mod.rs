//! Shared integration-test harness: a fake WordPress.com API ([`FakeApi`]),
//! optionally answering as a stateful partner API ([`PartnerApi`]), a fake
//! `wp` ([`FakeWp`]), a per-test sandbox tying them to the built binary
//! ([`TestEnv`]), and the binary watched while it runs ([`Running`]).

pub mod encodings;
pub mod fake_api;
pub mod fake_wp;
pub mod partner;
pub mod running;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use fake_api::{cert_path, FakeApi, Reply, NOT_FOUND_BODY};
pub use fake_wp::{FakeWp, UNMATCHED_EXIT};
pub use partner::PartnerApi;
pub use running::{live_group_members, wait_until, Gate, Running, PROMPTLY};

/// A test secret with every character form encoding tends to get wrong.
pub const SECRET: &str = "s3cr&t +=%20 x";

/// The binary under test, as built by cargo for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_jetpack-partner");

/// Upper bound for one run of the binary, so a hang fails the test instead
/// of stalling the whole suite. Tests may set their own `.timeout()`.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// One test's sandbox: a temp dir with a WordPress-looking dir, an empty
/// dir, the fake `wp` and a fake API. Everything on disk goes on drop
/// (set `JETPACK_TEST_KEEP=1` to keep it for debugging).
pub struct TestEnv {
    pub api: FakeApi,
    pub wp: FakeWp,
    root: PathBuf,
}

impl TestEnv {
    /// Plain HTTP fake API.
    pub fn new() -> TestEnv {
        TestEnv::with_api(FakeApi::start())
    }

    /// HTTPS fake API (certificate from `tests/certs/ca.pem`, which the
    /// binary trusts only if the test points `SSL_CERT_FILE` at it).
    pub fn new_tls() -> TestEnv {
        TestEnv::with_api(FakeApi::start_tls())
    }

    /// Any fake API, e.g. `FakeApi::start_tls_untrusted()`.
    pub fn with_api(api: FakeApi) -> TestEnv {
        let root = unique_temp_dir();
        let wordpress = root.join("wordpress");
        let empty = root.join("empty");
        for dir in [&wordpress, &empty, &root.join("bin")] {
            fs::create_dir(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        }
        // Enough for code that recognises a WordPress root by this file.
        fs::write(wordpress.join("wp-load.php"), "").expect("creating wp-load.php");
        let wp = FakeWp::new(
            &root.join("fake-wp"),
            &path_str(&wordpress),
            &path_str(&empty),
        );
        TestEnv { api, wp, root }
    }

    /// The sandbox dir (also `HOME` of the binary).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Makes the fake API answer what no route matches as a stateful
    /// partner API ([`PartnerApi::new`]: partner `1234` with [`SECRET`]);
    /// the handle reads and steers its state.
    pub fn partner_api(&self) -> PartnerApi {
        let partner = PartnerApi::new();
        partner.install(&self.api);
        partner
    }

    /// `<root>/wordpress`, holding an empty `wp-load.php`.
    pub fn wp_path(&self) -> String {
        path_str(&self.root.join("wordpress"))
    }

    /// `<root>/empty`, an empty dir (the binary's working directory).
    pub fn not_wp_path(&self) -> String {
        path_str(&self.root.join("empty"))
    }

    /// The binary with a clean environment: PATH starting with the fake
    /// `wp`, HOME = root, JETPACK_START_API_HOST = the fake API, run from
    /// [`not_wp_path`](Self::not_wp_path).
    pub fn cmd(&self) -> assert_cmd::Command {
        finish(self.std_cmd())
    }

    /// As [`cmd`](Self::cmd), but PATH=/usr/bin:/bin with no `wp` on it.
    pub fn cmd_without_wp(&self) -> assert_cmd::Command {
        finish(self.std_cmd_without_wp())
    }

    /// As [`cmd`](Self::cmd), run through a symlink `<root>/bin/<name>` so
    /// the binary sees `name` as its argv[0] (e.g. `partner-provision.sh`).
    pub fn cmd_named(&self, name: &str) -> assert_cmd::Command {
        finish(self.std_cmd_named(name))
    }

    /// [`cmd`](Self::cmd) as a plain `std::process::Command`, for tests that
    /// need to spawn, signal or inspect the process themselves.
    pub fn std_cmd(&self) -> std::process::Command {
        self.command(Path::new(BIN), &self.path_with_wp())
    }

    pub fn std_cmd_without_wp(&self) -> std::process::Command {
        for dir in ["/usr/bin", "/bin"] {
            assert!(
                !Path::new(dir).join("wp").exists(),
                "{dir}/wp exists on this machine: tests without wp cannot work here"
            );
        }
        self.command(Path::new(BIN), "/usr/bin:/bin")
    }

    pub fn std_cmd_named(&self, name: &str) -> std::process::Command {
        assert!(
            !name.contains('/'),
            "cmd_named: {name:?} must be a file name"
        );
        let link = self.root.join("bin").join(name);
        match std::os::unix::fs::symlink(BIN, &link) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => panic!("symlink {}: {e}", link.display()),
        }
        self.command(&link, &self.path_with_wp())
    }

    /// A parsed transcript from `tests/fixtures/wp-cli/` (placeholders kept;
    /// see [`FakeWp::substitute`]).
    pub fn fixture(name: &str) -> serde_json::Value {
        fake_wp::load_fixture(name)
    }

    /// The PATH [`cmd`](Self::cmd) gives the binary: the fake `wp` first.
    pub fn path_with_wp(&self) -> String {
        format!(
            "{}:/usr/local/bin:/usr/bin:/bin",
            path_str(self.wp.bin_dir())
        )
    }

    fn command(&self, program: &Path, path: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", &self.root)
            .env("JETPACK_START_API_HOST", self.api.base_url())
            .current_dir(self.root.join("empty"));
        cmd
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if std::env::var_os("JETPACK_TEST_KEEP").is_some() {
            eprintln!("JETPACK_TEST_KEEP: leaving {}", self.root.display());
            return;
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn finish(cmd: std::process::Command) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(cmd);
    cmd.timeout(RUN_TIMEOUT);
    cmd
}

fn path_str(path: &Path) -> String {
    path.to_str()
        .unwrap_or_else(|| panic!("non-UTF-8 path {}", path.display()))
        .to_string()
}

/// A fresh dir under the system temp dir, unique across processes (pid),
/// threads (counter) and runs (time). Canonical, so paths the binary derives
/// from it (e.g. via realpath) compare equal to ours.
fn unique_temp_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = format!(
        "jetpack-partner-test-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let base = std::env::temp_dir();
    let base = base.canonicalize().unwrap_or(base);
    let dir = base.join(name);
    fs::create_dir(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// Writes a secret, token, password, key or config file as an operator
/// must: readable by its owner only (0600), since the binary refuses one
/// that others may read (`insecure_file`).
pub fn write_private(path: &Path, contents: impl AsRef<[u8]>) {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
    f.write_all(contents.as_ref())
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("chmod 600 {}: {e}", path.display()));
}

/// Parses stderr as exactly one JSON object (surrounding whitespace allowed);
/// panics showing stderr and stdout otherwise.
pub fn stderr_json(out: &Output) -> serde_json::Value {
    let show = || {
        format!(
            "\n--- stderr ---\n{}\n--- stdout ---\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
    };
    match serde_json::from_slice::<serde_json::Value>(&out.stderr) {
        Ok(value) if value.is_object() => value,
        Ok(_) => panic!("stderr is JSON but not an object{}", show()),
        Err(e) => panic!("stderr is not exactly one JSON object ({e}){}", show()),
    }
}

/// WP-CLI's words when a command is listed in `disabled_commands` of
/// wp-cli.yml (Runner: "The '%s' command has been disabled from the config
/// file.").
pub const EVAL_DISABLED: &str =
    "Error: The 'eval' command has been disabled from the config file.\n";

/// The argv of the tool's single `wp eval` call after `globals`.
pub fn eval_argv<'a>(globals: &[&'a str]) -> Vec<&'a str> {
    let mut v = globals.to_vec();
    v.extend([
        "--skip-themes",
        "--skip-plugins",
        "eval",
        jetpack_partner::wp::FACTS_PHP,
    ]);
    v
}

/// What the facts program prints: a marker line after whatever came before,
/// JSON the way PHP's json_encode writes it (escaped slashes, as the eval
/// transcripts in tests/fixtures/wp-cli show), then the newline the program
/// adds so that shutdown-hook output cannot join the line.
pub fn facts_stdout(noise: &str, facts: serde_json::Value) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("marker".into(), 1.into());
    if let serde_json::Value::Object(m) = facts {
        obj.extend(m);
    }
    let json = serde_json::Value::Object(obj)
        .to_string()
        .replace('/', "\\/");
    format!("{noise}\nJETPACK_PARTNER_FACTS {json}\n")
}

impl TestEnv {
    /// `--allow-root --path=<wp_path>`, the globals most tests use.
    pub fn globals(&self) -> Vec<String> {
        vec!["--allow-root".into(), format!("--path={}", self.wp_path())]
    }

    /// The argv of a plain `wp` call: the usual globals, then `cmd`.
    pub fn wp_argv(&self, cmd: &[&str]) -> Vec<String> {
        let mut v = self.globals();
        v.extend(cmd.iter().map(|s| s.to_string()));
        v
    }

    /// The argv of the tool's single eval call: the usual globals plus
    /// `extra` (e.g. `--url=`), then [`eval_argv`]'s part.
    pub fn eval_call(&self, extra: &[&str]) -> Vec<String> {
        let globals = self.wp_argv(extra);
        eval_argv(&strs(&globals))
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// Answer the eval call (with the usual globals plus `extra`) with facts.
    pub fn answer_facts(&self, extra: &[&str], noise: &str, facts: serde_json::Value) {
        let argv = self.eval_call(extra);
        self.wp
            .answer_with(&strs(&argv), &facts_stdout(noise, facts), "", 0);
    }

    /// The single site as the one eval call sees it: http://site.test, user
    /// admin (ID 1) found, never connected, Jetpack activated.
    pub fn answer_single_site(&self) {
        self.answer_facts(
            &[],
            "",
            serde_json::json!({"user_id": 1, "siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0, "activate": "ok"}),
        );
    }

    /// Make eval fail as when wp-cli.yml lists it in `disabled_commands`, so
    /// the tool falls back to one command per value.
    pub fn disable_eval(&self, extra: &[&str]) {
        let argv = self.eval_call(extra);
        self.wp.answer_with(&strs(&argv), "", EVAL_DISABLED, 1);
    }

    /// Eval disabled, and these transcripts (`tests/fixtures/wp-cli/`)
    /// answer the plain commands, in this order.
    pub fn answer_without_eval(&self, fixtures: &[&str]) {
        self.disable_eval(&[]);
        for f in fixtures {
            self.wp.answer(f);
        }
    }

    /// `wp option get jetpack_sync_error_idc --format=json` on a site that
    /// has no such option: the safe-mode check without eval. WP-CLI answers
    /// as the recorded `option-get-jetpack_options-unset` transcript shows
    /// for any missing option (entity-command's `Option_Command::get`: "Could
    /// not get '%s' option. Does it exist?"), with this option's name.
    pub fn answer_no_idc_option(&self) {
        let fixture = fake_wp::load_fixture("option-get-jetpack_options-unset");
        let stderr = fixture["stderr"]
            .as_str()
            .unwrap_or_default()
            .replace("jetpack_options", "jetpack_sync_error_idc");
        let argv = self.wp_argv(&["option", "get", "jetpack_sync_error_idc", "--format=json"]);
        self.wp.answer_with(
            &strs(&argv),
            "",
            &stderr,
            fixture["exit_code"].as_i64().unwrap_or(1) as i32,
        );
    }

    /// Every call that no answer registered before this one matches gets
    /// WP-CLI's "eval disabled" error: register it last, so that a `wp
    /// eval` with any arguments is refused and the per-command answers
    /// before it are the ones that count.
    pub fn disable_eval_for_the_rest(&self) {
        self.wp
            .answer_bytes(None, b"", EVAL_DISABLED.as_bytes(), 1, None);
    }

    /// `provision --partner_id=1234 --partner_secret=<SECRET> --allow-root
    /// --path=<wp_path>`, then `extra` (usually `--user=...` first).
    pub fn provision_args(&self, extra: &[&str]) -> Vec<String> {
        let mut v = vec![
            "provision".to_string(),
            "--partner_id=1234".into(),
            format!("--partner_secret={SECRET}"),
        ];
        v.extend(self.wp_argv(extra));
        v
    }

    /// The token call answers [`PARTNER_TOKEN`], the provision call `reply`.
    pub fn provision_replies(&self, reply: Reply) {
        self.api.token_ok(PARTNER_TOKEN);
        self.api.reply("POST", PROVISION_PATH, reply);
    }
}

/// `provision -c=1 -s=<SECRET> -i=admin -u=https://e.test`, then `extra`:
/// a provision that needs no WordPress (`--url` is the siteurl), for
/// [`TestEnv::cmd_without_wp`].
pub fn provision_args_without_wp(extra: &[&str]) -> Vec<String> {
    let mut v = vec![
        "provision".to_string(),
        "-c=1".into(),
        format!("-s={SECRET}"),
        "-i=admin".into(),
        "-u=https://e.test".into(),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// The partner token [`TestEnv::provision_replies`] serves; distinctive, so
/// that [`run_clean`] can tell it never reaches the output.
pub const PARTNER_TOKEN: &str = "partner-tok-5f2a9c";

/// A successful provision answer.
pub const PROVISION_OK: &str = r#"{"success":true,"next_url":"https://jetpack.wordpress.com/jetpack.authorize/1/x","auth_required":true}"#;

pub const TOKEN_PATH: &str = "/oauth2/token";
pub const PROVISION_PATH: &str = "/rest/v1.3/jpphp/provision";

pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `(key, value)` pairs as owned strings, to compare with a recorded form
/// or query.
pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A loopback port nothing listens on (bound, then released at once).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Runs `cmd` and asserts that neither [`SECRET`] (nor its start) nor any
/// of `tokens` shows up on stdout or stderr.
pub fn run_clean(cmd: &mut assert_cmd::Command, tokens: &[&str]) -> Output {
    let out = cmd.output().expect("running jetpack-partner");
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(
            !text.contains("s3cr&t"),
            "part of the secret leaked: {text}"
        );
        for token in tokens {
            assert!(!text.contains(token), "token leaked: {text}");
        }
    }
    out
}

/// The exit code is `code` (else the assertion shows stderr and stdout).
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {}\nstdout: {}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Exit 0, the body on stdout (one `\n` added), nothing on stderr.
pub fn assert_success(out: &Output, body: &str) {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_exit(out, 0);
    assert_eq!(text(&out.stdout), format!("{body}\n"));
    assert_eq!(text(&out.stderr), "", "nothing on stderr on success");
}

/// Exit 1, nothing on stdout, one JSON error object on stderr with
/// `success:false`, this `error_code` and a non-empty `error_message`.
pub fn assert_failure(out: &Output, code: &str) -> serde_json::Value {
    assert_exit(out, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "nothing on stdout on failure"
    );
    let err = stderr_json(out);
    assert_eq!(err["success"], serde_json::json!(false), "{err}");
    assert_eq!(err["error_code"], serde_json::json!(code), "{err}");
    assert!(
        err["error_message"].as_str().is_some_and(|m| !m.is_empty()),
        "{err}"
    );
    err
}

/// [`assert_failure`], returning the `error_message` (also printed, to see
/// the wording in `--nocapture` runs), which must not be blank.
pub fn failure_message(out: &Output, code: &str) -> String {
    let err = assert_failure(out, code);
    let msg = err["error_message"].as_str().unwrap_or("").to_string();
    eprintln!("{code}: {msg}");
    assert!(!msg.trim().is_empty(), "blank error_message: {err}");
    msg
}

impl FakeApi {
    /// The token call succeeds with `token`, as WordPress.com answers it.
    pub fn token_ok(&self, token: &str) {
        let body = serde_json::json!({
            "access_token": token,
            "token_type": "bearer",
            "blog_id": 0,
            "blog_url": 0,
            "scope": "jetpack-partner"
        });
        self.reply("POST", TOKEN_PATH, Reply::json(200, &body.to_string()));
    }
}
