//! `examples/fake-api.rs` driving the real binary (the README's demo), and
//! the harness features that example relies on (`start_on`, fallback,
//! latency, stats).

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::testenv::fake_api::Stats;
use crate::testenv::partner::FIRST_BLOG_ID;
use crate::testenv::{self, FakeApi, Reply, BIN, NOT_FOUND_BODY, RUN_TIMEOUT, SECRET};
use serde_json::{json, Value};

/// The model's answer to the first provision (the first site's blog id).
fn provision_ok() -> String {
    format!(
        r#"{{"success":true,"next_url":"https://jetpack.wordpress.com/jetpack.authorize/1/?response_type=code&client_id={FIRST_BLOG_ID}","auth_required":true}}"#
    )
}

/// `--partner 1:<SECRET>`: the partner the tests' provisions log in as.
fn partner_args() -> [String; 2] {
    ["--partner".into(), format!("1:{SECRET}")]
}

// ---------------------------------------------------------------------------
// The example binary.

/// `target/<profile>/examples/fake-api`, next to this test's
/// `target/<profile>/deps/`. A plain `cargo test` builds it; `cargo test
/// --test integration` alone does not, so a missing or outdated one
/// fails loudly instead of testing old code.
fn example_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test exe lives in target/<profile>/deps");
    let bin = profile_dir.join("examples").join("fake-api");
    let hint = "build it with `cargo test` or `cargo build --example fake-api`";
    let built = modified(&bin).unwrap_or_else(|| panic!("{} is missing: {hint}", bin.display()));
    for src in [
        "examples/fake-api.rs",
        "tests/integration/testenv/fake_api.rs",
        "tests/integration/testenv/partner.rs",
        "tests/integration/testenv/licensing.rs",
    ] {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
        if modified(&src).is_some_and(|changed| changed > built) {
            panic!("{} is older than {}: {hint}", bin.display(), src.display());
        }
    }
    bin
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The example with an empty environment but `PATH=/usr/bin:/bin`, which
/// has no `wp`: provision then works from `--url` alone.
fn example() -> assert_cmd::Command {
    for dir in ["/usr/bin", "/bin"] {
        assert!(
            !Path::new(dir).join("wp").exists(),
            "{dir}/wp exists on this machine: tests without wp cannot work here"
        );
    }
    let mut cmd = assert_cmd::Command::new(example_bin());
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .timeout(RUN_TIMEOUT);
    cmd
}

fn provision_args() -> Vec<String> {
    vec![
        "provision".into(),
        "--partner_id=1".into(),
        format!("--partner_secret={SECRET}"),
        "--user=admin".into(),
        "--url=https://example.com".into(),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "\n--- status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// The summary lists field names, never values.
fn assert_no_secret(out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert!(!text(stream).contains(SECRET), "secret leaked{}", show(out));
    }
}

#[test]
fn run_mode_provisions_against_the_fake_api() {
    let out = example()
        .args(partner_args())
        .arg("run")
        .arg(BIN)
        .args(provision_args())
        .output()
        .expect("running the example");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", provision_ok()),
        "{}",
        show(&out)
    );
    let stderr = text(&out.stderr);
    for line in [
        "exited with 0",
        " received 2 requests, ",
        " TLS handshakes\n",
        "POST /oauth2/token  form: client_id, client_secret, grant_type, scope\n",
        "POST /rest/v1.3/jpphp/provision  form: local_user, siteurl\n",
    ] {
        assert!(stderr.contains(line), "no {line:?}{}", show(&out));
    }
    assert_no_secret(&out);
}

#[test]
fn run_mode_fail_plan_answers_invalid_plan() {
    // A plan the model would provision: only the knob refuses it.
    let out = example()
        .args(partner_args())
        .args(["--fail-plan", "premium", "run", BIN])
        .args(provision_args())
        .arg("--plan=premium")
        .output()
        .expect("running the example");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(out.stdout.is_empty(), "{}", show(&out));
    // The binary's JSON line, among the example's summary lines.
    let error: Value = text(&out.stderr)
        .lines()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON line on stderr{}", show(&out)));
    assert_eq!(error["error_code"], "invalid_plan", "{}", show(&out));
    assert_eq!(error["error_message"], "premium is not a valid plan");
    assert_no_secret(&out);
}

#[test]
fn run_mode_over_tls_writes_the_stats_file() {
    let dir = std::env::temp_dir().join(format!("fake-api-example-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let stats = dir.join("stats.json");
    let out = example()
        .args(partner_args())
        .args(["--tls", "--latency-ms", "20", "--stats-file"])
        .arg(&stats)
        .args(["run", BIN])
        .args(provision_args())
        .output()
        .expect("running the example");
    let written = fs::read_to_string(&stats);
    let leftovers = fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    let _ = fs::remove_dir_all(&dir);

    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", provision_ok()),
        "{}",
        show(&out)
    );
    let written: Value = serde_json::from_str(&written.expect("stats file")).expect("stats JSON");
    let connections = written["connections"].as_u64().expect("connections");
    assert!(connections >= 1, "{written}");
    assert_eq!(
        written,
        json!({"requests": 2, "connections": connections, "tls_handshakes": connections})
    );
    assert_eq!(leftovers, 1, "the temp file must be renamed away");
}

#[test]
fn serve_mode_prints_exports_and_logs_field_names_only() {
    let mut child = Command::new(example_bin())
        .args(["--port", "0", "--tls"])
        .args(partner_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the example");
    // Kill it whatever happens below: it serves forever.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let _child = KillOnDrop(child);

    let mut exports = String::new();
    for _ in 0..2 {
        stdout.read_line(&mut exports).expect("export line");
    }
    let base = exports
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("export JETPACK_START_API_HOST=https://"))
        .unwrap_or_else(|| panic!("first line: {exports:?}"))
        .to_string();
    let ca = testenv::cert_path("ca.pem");
    assert_eq!(
        exports.lines().nth(1),
        Some(
            format!(
                "export SSL_CERT_FILE={}",
                shell_words::quote(&ca.to_string_lossy())
            )
            .as_str()
        )
    );

    // TLS requests the binary would make; only their field names may
    // show. The model keeps state: a site is cancelled once provisioned.
    let binary = |args: &[&str]| {
        assert_cmd::Command::new(BIN)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("JETPACK_START_API_HOST", format!("https://{base}"))
            .env("SSL_CERT_FILE", &ca)
            .arg(args[0])
            .args(["--partner_id=1", &format!("--partner_secret={SECRET}")])
            .args(&args[1..])
            .arg("--url=https://example.com/demo")
            .timeout(RUN_TIMEOUT)
            .output()
            .expect("running jetpack-partner")
    };
    let out = binary(&["provision", "--user=admin", "--plan=personal"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = binary(&["cancel"]);
    assert_eq!(text(&out.stdout), "{\"success\":true}\n", "{}", show(&out));
    let out = binary(&["cancel"]);
    assert_eq!(out.status.code(), Some(1), "nothing left: {}", show(&out));

    let mut log = String::new();
    while !log.contains("partner-cancel") {
        let before = log.len();
        stderr.read_line(&mut log).expect("log line");
        assert!(log.len() > before, "log ended early: {log}");
    }
    assert!(
        log.contains(
            "POST /oauth2/token  form: client_id, client_secret, grant_type, scope -> 200\n"
        ),
        "{log}"
    );
    assert!(
        log.contains("POST /rest/v1.3/jpphp/provision  form: local_user, siteurl, plan -> 200\n"),
        "{log}"
    );
    assert!(
        log.contains("POST /rest/v1.3/jpphp/example.com::demo/partner-cancel -> 200\n"),
        "{log}"
    );
    assert!(!log.contains(SECRET), "{log}");
}

#[test]
fn readme_demo_partner_and_state_file() {
    let dir = std::env::temp_dir().join(format!("fake-api-state-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let state = dir.join("state.json");
    let demo = |secret: &str| {
        example()
            .arg("--state-file")
            .arg(&state)
            .args(["run", BIN, "provision", "--partner_id=1"])
            .arg(format!("--partner_secret={secret}"))
            .args([
                "--user=admin",
                "--url=https://example.com",
                "--plan=jetpack-scan",
            ])
            .output()
            .expect("running the example")
    };
    // The README's command, credentials and all.
    let out = demo("s3cr&t x");
    let written = fs::read_to_string(&state);
    let wrong = demo(SECRET);
    let _ = fs::remove_dir_all(&dir);

    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(text(&out.stdout), format!("{}\n", provision_ok()));
    let written: Value = serde_json::from_str(&written.expect("state file")).expect("state JSON");
    assert_eq!(written["partners"], json!(["1"]));
    assert_eq!(
        written["sites"],
        json!([{
            "site": "example.com",
            "aliases": [],
            "blog_id": FIRST_BLOG_ID,
            "is_connected": true,
            "has_backups_credentials": false,
            "products": [{"slug": "jetpack-scan", "partner": "1", "pending": false}],
        }])
    );
    // Another secret is not the demo partner's.
    assert_eq!(wrong.status.code(), Some(1), "{}", show(&wrong));
    assert!(
        text(&wrong.stderr).contains("\"error_code\":\"invalid_client\""),
        "{}",
        show(&wrong)
    );
    assert_no_secret(&wrong);
}

#[test]
fn canned_mode_answers_every_call_alike() {
    // What bench/run.sh relies on: any credentials, the same cancel twice.
    for _ in 0..2 {
        let out = example()
            .args([
                "--canned",
                "run",
                BIN,
                "cancel",
                "--partner_id=9",
                "--partner_secret=x",
            ])
            .arg("--url=https://never-provisioned.test")
            .output()
            .expect("running the example");
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        assert_eq!(text(&out.stdout), "{\"success\":true}\n");
    }
    let out = example()
        .args(["--canned", "--partner", "1:x", "run", "true"])
        .output()
        .expect("running the example");
    assert_eq!(
        out.status.code(),
        Some(2),
        "--canned has no partners{}",
        show(&out)
    );
}

/// One request to `127.0.0.1:port` (`Connection: close`): status, head
/// and body of the answer.
fn raw(port: u16, request: &str) -> (u16, String, String) {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(request.as_bytes()).expect("write request");
    let mut response = String::new();
    tcp.read_to_string(&mut response).expect("read response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad response {response:?}"));
    (status, head.to_string(), body.to_string())
}

#[test]
fn serve_mode_serves_licensing_and_the_report() {
    const LICENSING_TOKEN: &str = "lic-tok-3d9e";
    const REPORTING_TOKEN: &str = "user-tok-77b1";
    let mut child = Command::new(example_bin())
        .args(["--port", "0", "--licensing-token", LICENSING_TOKEN])
        .args([
            "--reporting-token",
            REPORTING_TOKEN,
            "--partner-key-id",
            "7",
        ])
        .args(["--plant-activations", "45", "--previously-connected"])
        .arg("https://gone.test/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the example");
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let _child = KillOnDrop(child);
    let mut export = String::new();
    stdout.read_line(&mut export).expect("export line");
    let port: u16 = export
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("export line: {export:?}"));

    let json = r#"{"product":"jetpack-scan"}"#;
    let (status, head, body) = raw(
        port,
        &format!(
            "POST /wpcom/v2/jetpack-licensing/license HTTP/1.1\r\nHost: t\r\n\
             Authorization: Bearer {LICENSING_TOKEN}\r\nContent-Type: application/json\r\n\
             Connection: close\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("\r\nX-Jetpack-Request-Id: "), "{head}");
    let license: Value = serde_json::from_str(&body).expect("license JSON");
    assert!(license["license_key"]
        .as_str()
        .is_some_and(|k| k.starts_with("jetpack-scan_")));

    // The demo partner (1) has key 7 and 45 planted activations.
    let (status, _, body) = raw(
        port,
        &format!(
            "GET /wpcom/v2/jetpack-partners/1/key/7/activations?page=3 HTTP/1.1\r\nHost: t\r\n\
             Authorization: Bearer {REPORTING_TOKEN}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).expect("report JSON");
    assert_eq!(report["total"], 45);
    assert_eq!(report["activations"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        report["activations"][4]["site_url"],
        "https://planted-45.example.net"
    );
    assert_eq!(report["activations"][4]["jetpack_partner_key_id"], 7);

    let form = "--b\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://gone.test\r\n\
                --b\r\nContent-Disposition: form-data; name=\"local_user\"\r\n\r\nadmin\r\n--b--\r\n";
    let (status, _, body) = raw(
        port,
        &format!(
            "POST /wpcom/v2/jetpack-licensing/site-connection HTTP/1.1\r\nHost: t\r\n\
             Authorization: Bearer {LICENSING_TOKEN}\r\n\
             Content-Type: multipart/form-data; boundary=b\r\n\
             Connection: close\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON")["code"],
        "previously_connected"
    );

    let mut log = String::new();
    while !log.contains("site-connection") {
        let before = log.len();
        stderr.read_line(&mut log).expect("log line");
        assert!(log.len() > before, "log ended early: {log}");
    }
    for line in [
        "fake-api: POST /wpcom/v2/jetpack-licensing/license  json: product -> 200\n",
        "fake-api: GET /wpcom/v2/jetpack-partners/1/key/7/activations?page=3 -> 200\n",
        "fake-api: POST /wpcom/v2/jetpack-licensing/site-connection  multipart: url, local_user -> 200\n",
    ] {
        assert!(log.contains(line), "no {line:?} in {log}");
    }
    for value in [
        LICENSING_TOKEN,
        REPORTING_TOKEN,
        "jetpack-scan",
        "gone.test",
        "admin",
    ] {
        assert!(!log.contains(value), "{value} in the log: {log}");
    }
}

#[test]
fn help_names_the_licensing_options() {
    let out = example()
        .arg("--help")
        .output()
        .expect("running the example");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let help = text(&out.stdout);
    for flag in [
        "--licensing-token <TOKEN>",
        "--reporting-token <TOKEN>",
        "--partner-key-id <N>",
        "--plant-activations <N>",
        "--previously-connected <URL>",
        "--endless-pages",
        "/wpcom/v2/jetpack-licensing/",
    ] {
        assert!(help.contains(flag), "no {flag} in --help:\n{help}");
    }
    let out = example()
        .args(["--canned", "--licensing-token", "x", "run", "true"])
        .output()
        .expect("running the example");
    assert_eq!(
        out.status.code(),
        Some(2),
        "--canned has no licensing{}",
        show(&out)
    );
}

// ---------------------------------------------------------------------------
// Harness features the example uses, through a tiny raw HTTP client.

/// Sends one request (`Connection: close`), returns status and body.
fn send(api: &FakeApi, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut tcp = TcpStream::connect(("127.0.0.1", api.port())).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write request");
    let mut response = String::new();
    tcp.read_to_string(&mut response).expect("read response");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad response {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

#[test]
fn start_on_binds_the_given_address_and_reports_a_busy_port() {
    let api = FakeApi::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), false)
        .expect("start_on a free port");
    assert_eq!(api.base_url(), format!("http://127.0.0.1:{}", api.port()));
    assert_eq!(send(&api, "GET", "/x", "").0, 404);

    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let err = FakeApi::start_on(taken.local_addr().unwrap(), true)
        .err()
        .expect("a busy port is an error");
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);

    // A wildcard bind hands out a loopback URL that works.
    let any = FakeApi::start_on(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), false)
        .expect("start_on 0.0.0.0");
    assert_eq!(any.host(), format!("127.0.0.1:{}", any.port()));
    assert_eq!(send(&any, "GET", "/x", "").0, 404);
}

#[test]
fn fallback_answers_only_what_no_route_matches() {
    let api = FakeApi::start();
    assert_eq!(
        send(&api, "GET", "/a", ""),
        (404, NOT_FOUND_BODY.to_string())
    );
    api.reply("POST", "/exact", Reply::json(200, "exact"));
    api.set_fallback(|request| {
        let name = request.form_value("name").unwrap_or("?");
        Reply::json(201, &format!("{} {} {name}", request.method, request.path))
    });
    assert_eq!(
        send(&api, "POST", "/exact", "name=n"),
        (200, "exact".into())
    );
    assert_eq!(
        send(&api, "POST", "/other", "name=a%26b"),
        (201, "POST /other a&b".into())
    );
    // Recorded like any request.
    assert_eq!(api.requests_to("/other").len(), 1);

    api.set_fallback(|_| panic!("fallback bug"));
    assert_eq!(send(&api, "GET", "/boom", "").0, 500);
}

#[test]
fn latency_comes_on_top_of_every_reply() {
    let api = FakeApi::start();
    api.reply(
        "GET",
        "/slow",
        Reply::json(200, "{}").delay(Duration::from_millis(100)),
    );
    api.set_latency(Duration::from_millis(200));
    let start = Instant::now();
    assert_eq!(send(&api, "GET", "/slow", "").0, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    let start = Instant::now();
    assert_eq!(send(&api, "GET", "/unrouted", "").0, 404);
    assert!(start.elapsed() >= Duration::from_millis(200));
}

/// TLS handshakes are counted in `run_mode_over_tls_writes_the_stats_file`.
#[test]
fn stats_count_what_a_fallback_sees() {
    let api = FakeApi::start();
    assert_eq!(api.stats(), Stats::default());
    let handle = api.stats_handle();
    api.set_fallback(move |_| {
        let s = handle.get();
        let body = format!("{} {} {}", s.requests, s.connections, s.tls_handshakes);
        Reply::json(200, &body)
    });
    // A fallback sees its own request and connection counted already.
    assert_eq!(send(&api, "GET", "/", "").1, "1 1 0");
    assert_eq!(send(&api, "GET", "/", "").1, "2 2 0");
    let expected = Stats {
        requests: 2,
        connections: 2,
        tls_handshakes: 0,
    };
    assert_eq!(api.stats(), expected);
    assert_eq!(api.requests().len(), 2);
}
