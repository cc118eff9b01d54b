//! A stand-alone fake WordPress.com partner API: the integration tests' fake
//! (`tests/integration/testenv/fake_api.rs`) answering as their stateful
//! partner API model (`tests/integration/testenv/partner.rs`), for trying
//! the binary without a partner key; `--canned` gives fixed answers
//! instead, for benchmarks that repeat one call. See `--help`.
//!
//! Request logs and the `run` summary show method, path, query and form
//! (or JSON, or multipart) field *names*: the values hold the client
//! secret, tokens and passwords.

// The example uses only part of the test harness (partner.rs brings
// licensing.rs along).
#[allow(dead_code)]
#[path = "../tests/integration/testenv/fake_api.rs"]
mod fake_api;
#[allow(dead_code, unused_imports)]
#[path = "../tests/integration/testenv/partner.rs"]
mod partner;

use std::collections::hash_map::RandomState;
use std::ffi::{OsStr, OsString};
use std::hash::BuildHasher;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::{Parser, Subcommand};
use fake_api::{cert_path, FakeApi, Recorded, Reply, StatsHandle, NOT_FOUND_BODY};
use partner::PartnerApi;

/// The partner `--partner` defaults to: the README demo's credentials.
const DEMO_PARTNER: &str = "1:s3cr&t x";

#[derive(Parser)]
#[command(
    name = "fake-api",
    about = "A fake WordPress.com partner API on 127.0.0.1 for jetpack-partner",
    long_about = "A fake WordPress.com partner API on 127.0.0.1 for jetpack-partner.\n\n\
        It keeps state like the real one: the partners given with --partner \
        get a token each, and sites get blog ids and the plans and products \
        each partner provisions, which status, upgrade-paths and cancel then \
        see (--state-file shows them). --canned answers every call the same \
        way instead.\n\n\
        The stateful mode also serves the Jetpack Licensing API \
        (/wpcom/v2/jetpack-licensing/: license, licenses, product-families, \
        site-connection), with the partner token or --licensing-token, and \
        the partner reporting endpoint \
        (/wpcom/v2/jetpack-partners/ID/key/KEY_ID/activations) with \
        --reporting-token: every product a partner provisions or attaches \
        is an activation there. The options below that name a partner mean \
        the first --partner.\n\n\
        Without a command it serves until killed: it prints `export \
        JETPACK_START_API_HOST=...` (and with --tls `export SSL_CERT_FILE=...`) \
        on stdout, then one line per request on stderr.",
    after_help = "Example (no WordPress needed, provision falls back to --url):\n  \
        cargo build --release && cargo run --example fake-api -- run target/release/jetpack-partner \\\n    \
        provision --partner_id=1 --partner_secret='s3cr&t x' --user=admin --url=https://example.com"
)]
struct Opts {
    /// Port on 127.0.0.1 [default: a free one]
    #[arg(long, value_name = "N")]
    port: Option<u16>,

    /// Serve HTTPS with tests/certs/server.pem (trust it with SSL_CERT_FILE=tests/certs/ca.pem)
    #[arg(long)]
    tls: bool,

    /// Delay every reply by this many milliseconds
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,

    /// Answer a provision whose `plan` is SLUG with 400 invalid_plan
    #[arg(long, value_name = "SLUG")]
    fail_plan: Option<String>,

    /// A partner the token call accepts (repeatable; the secret is everything after the first `:`) [default: 1:s3cr&t x]
    #[arg(long = "partner", value_name = "ID:SECRET", value_parser = parse_partner)]
    partners: Vec<(String, String)>,

    /// Keep the sites, their blog ids and products (per partner) as JSON in PATH, rewritten after each change
    #[arg(long, value_name = "PATH", conflicts_with = "canned")]
    state_file: Option<PathBuf>,

    /// No state: any credentials get a token, every call the same canned answer (for benchmarks)
    #[arg(long, conflicts_with = "partners")]
    canned: bool,

    /// Keep {"requests":N,"connections":N,"tls_handshakes":N} in PATH, rewritten after each request and at exit
    #[arg(long, value_name = "PATH")]
    stats_file: Option<PathBuf>,

    /// Write the port to PATH once listening (for scripts; written whole, so a reader never sees half)
    #[arg(long, value_name = "PATH")]
    port_file: Option<PathBuf>,

    /// Append one JSON line per request to PATH: method, path, query, host, form field names (never values), status
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,

    /// Exit by itself after this many seconds (so a failed script never leaves it behind)
    #[arg(long, value_name = "SECONDS")]
    exit_after: Option<u64>,

    /// A licensing token of the partner (the Licensing API also takes the partner token)
    #[arg(long, value_name = "TOKEN", conflicts_with = "canned")]
    licensing_token: Option<String>,

    /// A reporting token (WordPress.com user token) of the partner: the only token the activations report takes
    #[arg(long, value_name = "TOKEN", conflicts_with = "canned")]
    reporting_token: Option<String>,

    /// The partner's key id, KEY_ID in the report's path [default: 1]
    #[arg(long, value_name = "N", conflicts_with = "canned")]
    partner_key_id: Option<u64>,

    /// N activations of the partner on sites https://planted-K.example.net (for benchmarks of the report)
    #[arg(long, value_name = "N", default_value_t = 0, conflicts_with = "canned")]
    plant_activations: u64,

    /// A site whose owner disconnected it on purpose: site-connection answers previously_connected (repeatable)
    #[arg(long, value_name = "URL", conflicts_with = "canned")]
    previously_connected: Vec<String>,

    /// /licenses and the activations report never end: every page says there is another
    #[arg(long, conflicts_with = "canned")]
    endless_pages: bool,

    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run PROGRAM against the fake API, print what it sent, exit with its code
    ///
    /// PROGRAM gets JETPACK_START_API_HOST (and with --tls SSL_CERT_FILE) in
    /// its environment and inherits stdin, stdout and stderr. Afterwards a
    /// summary of the requests, TCP connections and TLS handshakes goes to
    /// stderr.
    Run {
        /// The program and its arguments, passed on untouched
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "PROGRAM [ARGS]"
        )]
        command: Vec<OsString>,
    },
}

fn main() -> ExitCode {
    let opts = Opts::parse();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port.unwrap_or(0)));
    let api = match FakeApi::start_on(addr, opts.tls) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("fake-api: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    api.set_latency(Duration::from_millis(opts.latency_ms));

    let stats_file = match &opts.stats_file {
        None => None,
        // Written once up front so a bad path fails now, not at the first
        // request, and the file exists as soon as the server does.
        Some(path) => match StatsFile::create(path.clone(), api.stats_handle()) {
            Ok(file) => Some(Arc::new(file)),
            Err(e) => {
                eprintln!("fake-api: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };

    let log_file = match &opts.log_file {
        None => None,
        Some(path) => match LogFile::create(path) {
            Ok(file) => Some(Arc::new(file)),
            Err(e) => {
                eprintln!("fake-api: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };

    let model = (!opts.canned).then(|| model(&opts));
    let state_file = match (&opts.state_file, &model) {
        (Some(path), Some(model)) => match StateFile::create(path.clone(), model.clone()) {
            Ok(file) => Some(Arc::new(file)),
            Err(e) => {
                eprintln!("fake-api: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        _ => None,
    };

    let log_requests = opts.command.is_none();
    let fail_plan = opts.fail_plan.clone();
    let stats = stats_file.clone();
    let state = state_file.clone();
    let log = log_file.clone();
    api.set_fallback(move |request| {
        let reply = match &model {
            Some(model) => model.handle(request),
            None => canned(request, fail_plan.as_deref()),
        };
        if log_requests {
            eprintln!("fake-api: {} -> {}", describe(request), reply.status());
        }
        // Before the reply goes out: a client that has its answer finds its
        // request counted, and its change made, in the files.
        if let Some(stats) = &stats {
            stats.write_or_warn();
        }
        if let Some(state) = &state {
            state.write_or_warn();
        }
        if let Some(log) = &log {
            log.append_or_warn(request, reply.status());
        }
        reply
    });

    if let Some(seconds) = opts.exit_after {
        thread::spawn(move || {
            thread::sleep(Duration::from_secs(seconds));
            std::process::exit(0);
        });
    }
    // Last: a script that sees the port file finds everything else ready.
    if let Some(path) = &opts.port_file {
        if let Err(e) = replace_file(path, &temp_path(path), &format!("{}\n", api.port())) {
            eprintln!("fake-api: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }

    let mut env: Vec<(&str, OsString)> = vec![("JETPACK_START_API_HOST", api.base_url().into())];
    if opts.tls {
        env.push(("SSL_CERT_FILE", cert_path("ca.pem").into_os_string()));
    }

    match opts.command {
        None => {
            for (name, value) in &env {
                println!(
                    "export {name}={}",
                    shell_words::quote(&value.to_string_lossy())
                );
            }
            eprintln!("fake-api: serving {}, Ctrl-C stops", api.base_url());
            loop {
                thread::park();
            }
        }
        Some(Cmd::Run { command }) => {
            let code = run(&command, &env);
            let stats = api.stats();
            eprintln!(
                "fake-api: {} received {}, {}, {}",
                api.base_url(),
                count(stats.requests, "request"),
                count(stats.connections, "TCP connection"),
                count(stats.tls_handshakes, "TLS handshake"),
            );
            for request in api.requests() {
                eprintln!("fake-api:   {}", describe(&request));
            }
            if let Some(stats) = &stats_file {
                stats.write_or_warn();
            }
            if let Some(state) = &state_file {
                state.write_or_warn();
            }
            code
        }
    }
}

/// Runs the command to its end; its exit code, or a shell's for what a
/// shell would report (128+N for signal N, 127 not found, 126 not runnable).
fn run(command: &[OsString], env: &[(&str, OsString)]) -> ExitCode {
    let (program, args) = command
        .split_first()
        .expect("clap requires at least PROGRAM");
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .status();
    match status {
        Ok(status) => {
            let code = exit_code(status);
            eprintln!("fake-api: {} exited with {code}", show(program));
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("fake-api: cannot run {}: {e}", show(program));
            ExitCode::from(if e.kind() == io::ErrorKind::NotFound {
                127
            } else {
                126
            })
        }
    }
}

fn exit_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.wrapping_add(signal as u8),
        (None, None) => 1,
    }
}

fn show(program: &OsStr) -> String {
    program.to_string_lossy().into_owned()
}

fn parse_partner(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((id, secret)) if !id.is_empty() => Ok((id.to_string(), secret.to_string())),
        _ => Err("expected ID:SECRET, e.g. 1:s3cr&t".to_string()),
    }
}

/// The stateful partner API with the partners and knobs of the options.
fn model(opts: &Opts) -> PartnerApi {
    let model = PartnerApi::without_partners();
    let demo = parse_partner(DEMO_PARTNER).expect("DEMO_PARTNER is ID:SECRET");
    let partners = if opts.partners.is_empty() {
        std::slice::from_ref(&demo)
    } else {
        &opts.partners[..]
    };
    for (id, secret) in partners {
        model.partner(id, secret);
    }
    if let Some(slug) = &opts.fail_plan {
        model.refuse_provision_with(None, slug, 400, "invalid_plan", "%s is not a valid plan");
    }
    // Licensing and reporting options name the first partner.
    let first = &partners[0].0;
    if let Some(token) = &opts.licensing_token {
        model.licensing_token_named(first, token);
    }
    if let Some(token) = &opts.reporting_token {
        model.reporting_token_named(first, token);
    }
    if let Some(id) = opts.partner_key_id {
        model.set_key_id(first, id);
    }
    if opts.plant_activations > 0 {
        model.plant_activations(first, opts.plant_activations);
    }
    for url in &opts.previously_connected {
        model.previously_connected(url);
    }
    model.endless_license_pages(opts.endless_pages);
    model.endless_activation_pages(opts.endless_pages);
    model
}

/// The canned partner API (`--canned`). Paths match exactly as the binary
/// sends them; anything else gets the harness's 404.
fn canned(request: &Recorded, fail_plan: Option<&str>) -> Reply {
    let ok = |body: &str| Reply::json(200, body);
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/oauth2/token") => ok(&format!(
            r#"{{"access_token":"{}","token_type":"bearer","blog_id":0,"blog_url":0,"scope":"jetpack-partner"}}"#,
            demo_token()
        )),
        ("POST", "/rest/v1.3/jpphp/provision") => match request.form_value("plan") {
            Some(plan) if Some(plan) == fail_plan => Reply::json(
                400,
                &format!(
                    r#"{{"error":"invalid_plan","message":{}}}"#,
                    json_string(&format!("{plan} is not a valid plan"))
                ),
            ),
            _ => ok(
                r#"{"success":true,"next_url":"https://jetpack.wordpress.com/jetpack.authorize/1/demo","auth_required":true}"#,
            ),
        },
        ("POST", "/rest/v1.3/jpphp/partner-keys/new") => ok(&format!(
            r#"{{"id":10,"name":{},"allowed_personal_plans":"0","allowed_premium_plans":"100","allowed_professional_plans":"0","notes":null,"client_id":"12345","client_secret":"demo-secret"}}"#,
            json_string(request.form_value("name").unwrap_or(""))
        )),
        ("POST", "/rest/v1.3/jpphp/partner-keys/verify") => ok(r#"{"success":true}"#),
        ("POST", path) if site_action(path) == Some("partner-cancel") => ok(r#"{"success":true}"#),
        ("GET", path) if site_action(path) == Some("upgrade-paths") => ok(
            r#"{"jetpack-backup":["jetpack-backup-daily","jetpack-backup-realtime"],"jetpack-plans":["personal","premium","professional"]}"#,
        ),
        _ => Reply::json(404, NOT_FOUND_BODY),
    }
}

/// `action` of `/rest/v1.3/jpphp/{site}/{action}`, for any one-segment site
/// (a blog id or a site suffix such as `example.com::demo`).
fn site_action(path: &str) -> Option<&str> {
    let (site, action) = path.strip_prefix("/rest/v1.3/jpphp/")?.split_once('/')?;
    (!site.is_empty() && !action.contains('/')).then_some(action)
}

/// A token that differs per call, so a client caching one across runs shows.
/// std has no RNG, but each `RandomState` is freshly (randomly) keyed.
fn demo_token() -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    format!("demo-token-{:016x}", RandomState::new().hash_one(n))
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `POST /path?query  form: a, b`: field names only, never values (JSON
/// bodies: `json: a, b`, the top-level keys; multipart: `multipart: a, b`).
fn describe(request: &Recorded) -> String {
    let mut line = format!("{} {}", request.method, request.path);
    if !request.query.is_empty() {
        line.push('?');
        line.push_str(&request.query);
    }
    let content_type = request
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let (kind, names): (&str, Vec<String>) = if content_type.starts_with("application/json") {
        let keys = match serde_json::from_slice::<serde_json::Value>(&request.body) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ if request.body.is_empty() => Vec::new(),
            _ => vec!["(not a JSON object)".to_string()],
        };
        ("json", keys)
    } else if content_type.starts_with("multipart/form-data") {
        ("multipart", multipart_names(request))
    } else {
        let names = request.form.iter().map(|(k, _)| k.clone()).collect();
        ("form", names)
    };
    if !names.is_empty() {
        line.push_str(&format!("  {kind}: {}", names.join(", ")));
    }
    line
}

/// The `name="…"` of each part of a multipart body.
fn multipart_names(request: &Recorded) -> Vec<String> {
    String::from_utf8_lossy(&request.body)
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
        .filter_map(|l| {
            l.split(';')
                .find_map(|p| p.trim().strip_prefix("name="))
                .map(|n| n.trim_matches('"').to_string())
        })
        .collect()
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Replaces `path` whole (temp file + rename), so a reader never sees half
/// a file.
fn replace_file(path: &Path, temp: &Path, contents: &str) -> io::Result<()> {
    std::fs::write(temp, contents)?;
    std::fs::rename(temp, path)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut temp = path.as_os_str().to_os_string();
    temp.push(".tmp");
    temp.into()
}

/// The `--state-file`: [`PartnerApi::state_json`], pretty, rewritten when
/// the state changed since the last write.
struct StateFile {
    path: PathBuf,
    temp: PathBuf,
    model: PartnerApi,
    /// The change count last written; one writer at a time.
    written: Mutex<Option<u64>>,
}

impl StateFile {
    fn create(path: PathBuf, model: PartnerApi) -> io::Result<StateFile> {
        let file = StateFile {
            temp: temp_path(&path),
            path,
            model,
            written: Mutex::new(None),
        };
        file.write()?;
        Ok(file)
    }

    fn write(&self) -> io::Result<()> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        // Read the count first: a change racing with the snapshot below is
        // in the snapshot or gets written next time, never lost.
        let changes = self.model.changes();
        if *written == Some(changes) {
            return Ok(());
        }
        let json = serde_json::to_string_pretty(&self.model.state_json())?;
        replace_file(&self.path, &self.temp, &format!("{json}\n"))?;
        *written = Some(changes);
        Ok(())
    }

    fn write_or_warn(&self) {
        if let Err(e) = self.write() {
            eprintln!("fake-api: cannot write {}: {e}", self.path.display());
        }
    }
}

/// The `--log-file`: one JSON line per request, appended as it is answered.
struct LogFile {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl LogFile {
    fn create(path: &Path) -> io::Result<LogFile> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(LogFile {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Field names only, as in [`describe`]: the values hold secrets.
    fn append_or_warn(&self, request: &Recorded, status: u16) {
        let line = serde_json::json!({
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "host": request.header("host"),
            "form": request.form.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            "status": status,
        });
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // One write per line: lines from concurrent requests never mix.
        if let Err(e) = io::Write::write_all(&mut *file, format!("{line}\n").as_bytes()) {
            eprintln!("fake-api: cannot write {}: {e}", self.path.display());
        }
    }
}

/// The `--stats-file`, replaced whole on each write (temp file + rename), so
/// a reader never sees half a file.
struct StatsFile {
    path: PathBuf,
    temp: PathBuf,
    stats: StatsHandle,
    /// Connection threads write concurrently; one at a time keeps the temp
    /// file intact and the counts in the file from going backwards.
    lock: Mutex<()>,
}

impl StatsFile {
    fn create(path: PathBuf, stats: StatsHandle) -> io::Result<StatsFile> {
        let file = StatsFile {
            temp: temp_path(&path),
            path,
            stats,
            lock: Mutex::new(()),
        };
        file.write()?;
        Ok(file)
    }

    fn write(&self) -> io::Result<()> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let s = self.stats.get();
        let json = format!(
            "{{\"requests\":{},\"connections\":{},\"tls_handshakes\":{}}}\n",
            s.requests, s.connections, s.tls_handshakes
        );
        replace_file(&self.path, &self.temp, &json)
    }

    fn write_or_warn(&self) {
        if let Err(e) = self.write() {
            eprintln!("fake-api: cannot write {}: {e}", self.path.display());
        }
    }
}
