//! The WordPress bridge: finds and runs `wp` (WP-CLI), with an argv vector
//! (no shell), a time limit per call, and parsers that pick the asked-for
//! value out of the noise real hosts print around it.

use crate::error::{Error, Result};
use crate::output;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// More than any value we ask for; past this we keep draining the pipe (so
/// `wp` never blocks on a full pipe) but stop storing.
const OUTPUT_CAP: usize = 16 << 20;

/// How to reach `wp` and which site to talk to.
#[derive(Debug, Clone)]
pub struct Wp {
    /// The program and any leading words (`php /opt/wp-cli.phar`).
    program: Vec<String>,
    /// `--allow-root`, `--path=`, `--url=`, in WP-CLI's usual order.
    globals: Vec<String>,
    timeout: Duration,
    /// Where WordPress was looked for, for error messages.
    place: String,
}

/// What the caller told us about where WordPress is.
pub struct Settings<'a> {
    pub wp_cli_path: Option<&'a str>,
    pub path: Option<&'a str>,
    pub url: Option<&'a str>,
    pub allow_root: bool,
    pub timeout: Duration,
}

pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: ExitStatus,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

impl Wp {
    /// Find the `wp` command: `--wp-cli-path` split into words like a shell
    /// would (no shell involved), else `wp` on PATH.
    pub fn locate(s: &Settings) -> Result<Wp> {
        let program = match s.wp_cli_path {
            Some(words) => {
                let mut w = shell_words::split(words).map_err(|e| {
                    Error::InvalidInput(format!(
                        "--wp-cli-path={words:?} cannot be split into words ({e}); quote it like a shell command, e.g. --wp-cli-path='php /opt/wp-cli.phar'"
                    ))
                })?;
                if w.is_empty() {
                    return Err(Error::InvalidInput(
                        "--wp-cli-path is empty; give the wp command, e.g. --wp-cli-path=/usr/local/bin/wp".into(),
                    ));
                }
                // Resolve a bare name through PATH now, so "not found" is
                // told apart from "found but failed".
                let first = PathBuf::from(&w[0]);
                if first.components().count() == 1 {
                    match which::which(&w[0]) {
                        Ok(p) => w[0] = p.to_string_lossy().into_owned(),
                        Err(_) => {
                            return Err(Error::WpNotFound(format!(
                                "--wp-cli-path names {:?}, which is not on PATH; give the full path to WP-CLI",
                                w[0]
                            )))
                        }
                    }
                } else if !first.exists() {
                    return Err(Error::WpNotFound(format!(
                        "--wp-cli-path names {:?}, which does not exist; give the full path to WP-CLI",
                        w[0]
                    )));
                }
                w
            }
            None => match which::which("wp") {
                Ok(p) => vec![p.to_string_lossy().into_owned()],
                Err(_) => {
                    return Err(Error::WpNotFound(
                        "WP-CLI (wp) is not on PATH; install it, pass --wp-cli-path=/path/to/wp, or give the site with --url".into(),
                    ))
                }
            },
        };

        let root = match s.path {
            Some(p) => Some(p.to_string()),
            None => own_wordpress_root().map(|p| p.to_string_lossy().into_owned()),
        };
        let mut globals = Vec::new();
        if s.allow_root {
            globals.push("--allow-root".to_string());
        }
        if let Some(r) = &root {
            globals.push(format!("--path={r}"));
        }
        if let Some(u) = s.url {
            globals.push(format!("--url={u}"));
        }
        let place = match &root {
            Some(r) => r.clone(),
            None => std::env::current_dir()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_else(|_| "the working directory".into()),
        };
        Ok(Wp {
            program,
            globals,
            timeout: s.timeout,
            place,
        })
    }

    /// Run `wp [globals] [pre] args...` and return its output, whatever the
    /// exit code. Fails only when it could not run or ran too long.
    pub fn run(&self, pre: &[String], args: &[&str]) -> Result<Output> {
        self.run_env(pre, args, &[])
    }

    /// As `run`, with extra environment variables (how values reach PHP).
    pub fn run_env(&self, pre: &[String], args: &[&str], env: &[(&str, &str)]) -> Result<Output> {
        let mut argv: Vec<String> = self.program[1..].to_vec();
        argv.extend(self.globals.iter().cloned());
        argv.extend(pre.iter().cloned());
        argv.extend(args.iter().map(|a| a.to_string()));
        let shown = match args.first() {
            Some(&"eval") => "wp eval (site facts)".to_string(),
            _ => format!("wp {}", args.join(" ")),
        };
        output::verbose(&format!(
            "running {shown} ({} {})",
            self.program[0],
            self.globals.join(" ")
        ));
        run_with_limit(&self.program[0], &argv, env, self.timeout, &shown)
    }

    /// Run and turn a non-zero exit into the error that names why.
    fn run_ok(&self, args: &[&str]) -> Result<Output> {
        let out = self.run(&[], args)?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(self.failure(&format!("wp {}", args.join(" ")), &out))
        }
    }

    /// Classify a failed call: not WordPress, root without --allow-root, or
    /// anything else (PHP fatal, disabled command, plugin errors).
    pub fn failure(&self, what: &str, out: &Output) -> Error {
        let err = out.stderr_text();
        let said = wp_error_words(&err, &out.stdout_text());
        if err.contains("This does not seem to be a WordPress install") {
            Error::WpNotWordpress(format!(
                "{what}: no WordPress install found at {}; pass --path=/path/to/wordpress (the folder with wp-load.php) or give the site with --url",
                self.place
            ))
        } else if err.contains("running this as root") || err.contains("YIKES!") {
            Error::WpNeedsAllowRoot(format!(
                "{what}: WP-CLI refuses to run as root; add --allow-root (or set WP_CLI_ALLOW_ROOT=1), or run as the site's owner"
            ))
        } else {
            Error::WpFailed(format!(
                "{what} failed ({}): {said}",
                exit_text(&out.status)
            ))
        }
    }

    /// Confirm `user` exists (WP-CLI looks it up as ID, then email, then login).
    pub fn user_id(&self, user: &str) -> Result<u64> {
        refuse_option_like(user)?;
        let args = ["user", "get", user, "--field=ID"];
        let out = self.run(&[], &args)?;
        let err = out.stderr_text();
        if !out.status.success() {
            if err.contains("Invalid user") {
                return Err(self.no_such_user(user));
            }
            return Err(self.failure("wp user get", &out));
        }
        parse_id(&out.stdout_text()).ok_or_else(|| {
            Error::WpFailed(format!(
                "wp user get {user:?} printed no user ID: {}",
                snippet(&out.stdout_text())
            ))
        })
    }

    /// Read a URL option (`siteurl`, `home`) of the `--url` site.
    pub fn url_option(&self, name: &str) -> Result<String> {
        let out = self.run_ok(&["option", "get", name])?;
        parse_url(&out.stdout_text()).ok_or_else(|| {
            Error::WpFailed(format!(
                "wp option get {name} printed no URL: {}",
                snippet(&out.stdout_text())
            ))
        })
    }

    /// The Jetpack blog id (`id` in `jetpack_options`), None when the site
    /// was never connected.
    pub fn jetpack_blog_id(&self) -> Result<Option<u64>> {
        let out = self.run(&[], &["option", "get", "jetpack_options", "--format=json"])?;
        if !out.status.success() {
            if out
                .stderr_text()
                .contains("Could not get 'jetpack_options' option")
            {
                return Ok(None);
            }
            return Err(self.failure("wp option get jetpack_options", &out));
        }
        Ok(parse_blog_id(&out.stdout_text()))
    }

    /// Activate the `jetpack` plugin. Failure is not fatal (as in the
    /// scripts); we say why only with --verbose.
    pub fn activate_jetpack(&self) {
        match self.run(&[], &["plugin", "activate", "jetpack"]) {
            Ok(out) if out.status.success() => {}
            Ok(out) => output::verbose(&format!(
                "could not activate jetpack (going on): {}",
                wp_error_words(&out.stderr_text(), &out.stdout_text())
            )),
            Err(e) => output::verbose(&format!("could not activate jetpack (going on): {e}")),
        }
    }

    /// `wp --user=<user> jetpack authorize_user --token=<token>`.
    pub fn authorize_user(&self, user: &str, token: &str) -> Result<()> {
        refuse_option_like(user)?;
        let pre = [format!("--user={user}")];
        let token_arg = format!("--token={token}");
        let out = match self.run(&pre, &["jetpack", "authorize_user", &token_arg]) {
            Ok(o) => o,
            Err(e) => {
                return Err(Error::AuthorizationFailure(format!(
                    "wp jetpack authorize_user could not run: {}",
                    e.message()
                )))
            }
        };
        let (o, e) = (out.stdout_text(), out.stderr_text());
        if !out.status.success() || o.contains("Error:") || e.contains("Error:") {
            return Err(Error::AuthorizationFailure(format!(
                "wp jetpack authorize_user failed ({}): {}",
                exit_text(&out.status),
                wp_error_words(&e, &o)
            )));
        }
        Ok(())
    }
}

/// The PHP behind the single `wp eval` call. It is a constant: values reach
/// it only through environment variables (JETPACK_WP_*), never as source
/// text. The answer is one JSON object after a marker on its own line, so
/// whatever plugins or notices print before it does not matter.
pub const FACTS_PHP: &str = r#"$u = getenv('JETPACK_WP_USER');
$out = array('marker' => 1);
if (is_string($u) && $u !== '') {
  $user = false;
  if (is_numeric($u)) { $user = get_user_by('id', (int) $u); }
  if (!$user) { $user = get_user_by('email', $u); }
  if (!$user) { $user = get_user_by('login', $u); }
  $out['user_id'] = $user ? (int) $user->ID : 0;
}
$out['siteurl'] = (string) get_option('siteurl');
$out['home'] = (string) get_option('home');
$o = get_option('jetpack_options');
$out['blog_id'] = (is_array($o) && isset($o['id'])) ? (int) $o['id'] : 0;
if (getenv('JETPACK_WP_ACTIVATE') === '1' && (!isset($out['user_id']) || $out['user_id'] > 0)) {
  if (!function_exists('activate_plugin')) { require_once ABSPATH . 'wp-admin/includes/plugin.php'; }
  $file = '';
  foreach (array_keys(get_plugins()) as $f) {
    if (dirname($f) === 'jetpack' || $f === 'jetpack.php') {
      $file = $f;
      if (basename($f) === 'jetpack.php') { break; }
    }
  }
  if ($file === '') {
    $out['activate'] = "The 'jetpack' plugin could not be found.";
  } elseif (is_plugin_active($file)) {
    $out['activate'] = 'ok';
  } else {
    $r = activate_plugin($file);
    $out['activate'] = is_wp_error($r) ? $r->get_error_message() : 'ok';
  }
}
echo "\nJETPACK_PARTNER_FACTS " . json_encode($out) . "\n";"#;

/// What a command wants to know about the site.
#[derive(Debug, Default, Clone)]
pub struct Want<'a> {
    /// Check this user exists (ID, email, login).
    pub user: Option<&'a str>,
    pub siteurl: bool,
    pub home: bool,
    pub blog_id: bool,
    /// Activate the `jetpack` plugin (only once the user is known to exist).
    pub activate: bool,
}

/// What WordPress told us.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Facts {
    pub siteurl: Option<String>,
    pub home: Option<String>,
    /// Jetpack's WordPress.com blog id; None when the site was never connected.
    pub blog_id: Option<u64>,
}

impl Wp {
    /// Everything `want` asks for, from one `wp eval` (one WordPress
    /// bootstrap, plugins and themes skipped). When eval is not available
    /// (disabled in wp-cli.yml, an old WP-CLI, unreadable answer) it falls
    /// back to one command per fact; failures that are about the site itself
    /// (no WordPress, root, time-out) are reported as they are.
    pub fn facts(&self, want: &Want) -> Result<Facts> {
        match self.facts_by_eval(want)? {
            Some(f) => Ok(f),
            None => self.facts_by_commands(want),
        }
    }

    /// Ok(None): eval ran but gave no answer we can read (fall back).
    fn facts_by_eval(&self, want: &Want) -> Result<Option<Facts>> {
        // No user asked for: an empty value, so nothing the caller's shell
        // exported can slip in.
        let env = [
            ("JETPACK_WP_ACTIVATE", if want.activate { "1" } else { "0" }),
            ("JETPACK_WP_USER", want.user.unwrap_or("")),
        ];
        let pre = ["--skip-themes".to_string(), "--skip-plugins".to_string()];
        let out = self.run_env(&pre, &["eval", FACTS_PHP], &env)?;
        let marked = parse_marked(&out.stdout_text());
        let v = match (out.status.success(), marked) {
            (true, Some(v)) => v,
            _ => {
                let err = self.failure("wp eval", &out);
                // Failures of the site itself are the answer; anything else
                // (eval disabled in wp-cli.yml, an odd WP-CLI) gets a second
                // chance with plain commands.
                let stderr = out.stderr_text();
                let site_broken =
                    stderr.contains("Fatal error") || stderr.contains("critical error");
                if site_broken || !matches!(err, Error::WpFailed(_)) {
                    return Err(err);
                }
                output::verbose(&format!(
                    "wp eval gave no facts ({}); asking with one command per value",
                    err.message()
                ));
                return Ok(None);
            }
        };
        if let Some(u) = want.user {
            if v.get("user_id")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
                == 0
            {
                return Err(self.no_such_user(u));
            }
        }
        if let Some(msg) = v
            .get("activate")
            .and_then(|a| a.as_str())
            .filter(|a| *a != "ok")
        {
            output::verbose(&format!("could not activate jetpack (going on): {msg}"));
        }
        let text = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Ok(Some(Facts {
            siteurl: text("siteurl"),
            home: text("home"),
            blog_id: v
                .get("blog_id")
                .and_then(serde_json::Value::as_u64)
                .filter(|n| *n > 0),
        }))
    }

    fn facts_by_commands(&self, want: &Want) -> Result<Facts> {
        let mut f = Facts::default();
        if let Some(u) = want.user {
            self.user_id(u)?;
        }
        if want.siteurl {
            f.siteurl = Some(self.url_option("siteurl")?);
        }
        if want.activate {
            self.activate_jetpack();
        }
        if want.blog_id {
            f.blog_id = self.jetpack_blog_id()?;
        }
        if want.home && f.blog_id.is_none() {
            f.home = Some(self.url_option("home")?);
        }
        Ok(f)
    }

    fn no_such_user(&self, user: &str) -> Error {
        Error::InvalidUser(format!(
            "WordPress at {} has no user {user:?} (looked up as ID, email and login); pass an existing user with --user",
            self.place
        ))
    }
}

/// The JSON after the last `JETPACK_PARTNER_FACTS ` marker.
pub fn parse_marked(stdout: &str) -> Option<serde_json::Value> {
    let at = stdout.rfind("JETPACK_PARTNER_FACTS ")?;
    let rest = &stdout[at + "JETPACK_PARTNER_FACTS ".len()..];
    // The first JSON value after the marker: whatever a shutdown hook prints
    // after it, on the same line or not, is not part of it.
    let v: serde_json::Value = serde_json::Deserializer::from_str(rest)
        .into_iter::<serde_json::Value>()
        .next()?
        .ok()?;
    (v.get("marker") == Some(&serde_json::Value::from(1))).then_some(v)
}

/// WP-CLI reads any argument starting with `-` as an option, wherever it
/// stands: a "user" such as `--require=/tmp/x.php` would make it load code.
fn refuse_option_like(user: &str) -> Result<()> {
    if user.starts_with('-') {
        return Err(Error::InvalidInput(format!(
            "--user={user:?} starts with '-', which WP-CLI would read as an option; pass the user's ID or email instead"
        )));
    }
    Ok(())
}

/// The WordPress tree this executable sits in, if any: a copy in
/// wp-content/plugins/jetpack/bin/ works from any working directory, as the
/// old scripts did by cd-ing to their own folder.
fn own_wordpress_root() -> Option<PathBuf> {
    let mut starts = Vec::new();
    if let Some(a0) = std::env::args_os().next() {
        let p = PathBuf::from(a0);
        if p.components().count() > 1 {
            starts.push(p);
        }
    }
    if let Ok(p) = std::env::current_exe() {
        starts.push(p);
    }
    starts.into_iter().find_map(|exe| {
        let exe = std::path::absolute(&exe).unwrap_or(exe);
        exe.ancestors()
            .skip(1)
            .find(|d| d.join("wp-load.php").is_file())
            .map(Path::to_path_buf)
    })
}

fn exit_text(status: &ExitStatus) -> String {
    match status.code() {
        Some(c) => format!("exit code {c}"),
        None => "killed by a signal".into(),
    }
}

/// What WP-CLI said: its `Error:` lines if any, else the last line of
/// stderr, else stdout. PHP notices are left out.
pub fn wp_error_words(stderr: &str, stdout: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .filter(|l| l.starts_with("Error:"))
        .collect();
    if !errors.is_empty() {
        return snippet(&errors.join(" "));
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .or_else(|| stdout.lines().rev().find(|l| !l.trim().is_empty()));
    match last {
        Some(l) => snippet(l),
        None => "no output".into(),
    }
}

/// At most a few hundred characters, one line.
fn snippet(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty)".into();
    }
    let mut out: String = flat.chars().take(300).collect();
    if flat.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// The last line that is a bare number (a user ID). Noise printed by plugins
/// lands on stdout before the value.
pub fn parse_id(stdout: &str) -> Option<u64> {
    if let Some(id) = stdout.lines().rev().find_map(|l| {
        let t = l.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    }) {
        return Some(id);
    }
    // A plugin that echoes without a newline puts its output on the same
    // line, before the value: take the digits that end the last line when
    // they follow markup or punctuation, not a word ("user42").
    let last = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())?;
    let digits = last.len() - last.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let before = last[..last.len() - digits].chars().last()?;
    if digits == 0 || before.is_alphanumeric() {
        return None;
    }
    last[last.len() - digits..].parse().ok()
}

/// The URL value: the last line that is a URL, or failing that the last
/// `http(s)://` run in the last non-empty line (a plugin that echoes HTML
/// without a newline puts it on the same line as the value).
pub fn parse_url(stdout: &str) -> Option<String> {
    let is_url = |t: &str| {
        (t.starts_with("http://") || t.starts_with("https://")) && !t.contains(char::is_whitespace)
    };
    if let Some(l) = stdout.lines().rev().map(str::trim).find(|t| is_url(t)) {
        return Some(l.to_string());
    }
    let last = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|t| !t.is_empty())?;
    let start = last.rfind("https://").max(last.rfind("http://"))?;
    let tail = &last[start..];
    is_url(tail).then(|| tail.to_string())
}

/// `id` of the last JSON object line (`{"id":12345}`); numbers or numeric
/// strings, positive only.
pub fn parse_blog_id(stdout: &str) -> Option<u64> {
    stdout.lines().rev().find_map(|l| {
        let t = l.trim();
        let start = t.find('{')?;
        let v: serde_json::Value = serde_json::from_str(&t[start..]).ok()?;
        let id = v.get("id")?;
        let n = match id {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }?;
        (n > 0).then_some(n)
    })
}

#[cfg(unix)]
mod sys {
    // std has no way to signal a process group; libc is linked anyway.
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    const SIGKILL: i32 = 9;

    /// Kill the whole process group: `wp` is often a shell wrapper around
    /// `php wp-cli.phar`, and killing only the wrapper would leave PHP
    /// running with our pipes open.
    pub fn kill_group(pid: u32) {
        if let Ok(pid) = i32::try_from(pid) {
            // SAFETY: kill(2) with a negative pid signals that process
            // group; it touches no memory of ours.
            unsafe {
                kill(-pid, SIGKILL);
            }
        }
    }
}

/// Spawn, collect both pipes on their own threads (so a chatty `wp` never
/// blocks on a full pipe), and kill the process group at the deadline.
fn run_with_limit(
    program: &str,
    args: &[String],
    env: &[(&str, &str)],
    limit: Duration,
    shown: &str,
) -> Result<Output> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|e| spawn_error(program, e))?;
    let pid = child.id();
    let deadline = Instant::now() + limit;
    // Both pipes are drained on their own threads (a chatty `wp` never
    // blocks on a full pipe); each says when it reached end of file.
    let (done_tx, done_rx) = mpsc::channel();
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let mut readers = 0;
    if let Some(r) = child.stdout.take() {
        collect(r, Arc::clone(&stdout), done_tx.clone());
        readers += 1;
    }
    if let Some(r) = child.stderr.take() {
        collect(r, Arc::clone(&stderr), done_tx.clone());
        readers += 1;
    }
    drop(done_tx);

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let started = Instant::now();
    let timed_out = || {
        #[cfg(unix)]
        sys::kill_group(pid);
        Error::WpTimeout(format!(
            "{shown} ran past its time limit of {} s and was killed; check the site (a plugin may hang) or raise --wp-timeout",
            limit.as_secs_f64()
        ))
    };
    let status = match rx.recv_timeout(limit) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            return Err(Error::WpFailed(format!(
                "{shown}: could not wait for {program}: {e}"
            )))
        }
        Err(_) => return Err(timed_out()),
    };
    // `wp` is done. Anything it left behind in its process group would hold
    // our pipes open (and outlive the run): end it.
    #[cfg(unix)]
    sys::kill_group(pid);
    for _ in 0..readers {
        let left = deadline.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            // Something outside the group still holds a pipe: what we have
            // is all there will be within the limit.
            output::verbose(&format!("{shown}: output still open at the time limit"));
            break;
        }
    }
    output::verbose(&format!(
        "{shown}: {} in {:?}",
        exit_text(&status),
        started.elapsed()
    ));
    let take = |b: &Arc<Mutex<Vec<u8>>>| {
        b.lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    };
    Ok(Output {
        stdout: take(&stdout),
        stderr: take(&stderr),
        status,
    })
}

/// Read `r` to its end into `into` (at most OUTPUT_CAP bytes kept; the rest
/// is drained and dropped), then say so on `done`.
fn collect<R: Read + Send + 'static>(mut r: R, into: Arc<Mutex<Vec<u8>>>, done: mpsc::Sender<()>) {
    thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut kept) = into.lock() {
                        let room = OUTPUT_CAP.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                }
            }
        }
        let _ = done.send(());
    });
}

fn spawn_error(program: &str, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::WpNotFound(format!(
            "cannot run {program}: not found; install WP-CLI or pass --wp-cli-path=/path/to/wp"
        )),
        std::io::ErrorKind::PermissionDenied => Error::WpFailed(format!(
            "cannot run {program}: permission denied; make it executable (chmod +x) or pass --wp-cli-path='php /path/to/wp-cli.phar'"
        )),
        _ => Error::WpFailed(format!("cannot run {program}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_after_noise() {
        assert_eq!(parse_id("1\n"), Some(1));
        assert_eq!(parse_id("lab-noise: hello 7\n42\n"), Some(42));
        assert_eq!(parse_id("Notice: x\n"), None);
        assert_eq!(parse_id("<div class=\"x\">hi</div>1\n"), Some(1));
        assert_eq!(parse_id("user42\n"), None);
        assert_eq!(parse_id(""), None);
    }

    #[test]
    fn url_after_noise() {
        assert_eq!(
            parse_url("http://site.test\n").as_deref(),
            Some("http://site.test")
        );
        assert_eq!(
            parse_url("lab-noise: a plugin printed this while loading\nhttp://site.test\n")
                .as_deref(),
            Some("http://site.test")
        );
        assert_eq!(
            parse_url("<div>hi</div>https://a.test/wp\n").as_deref(),
            Some("https://a.test/wp")
        );
        assert_eq!(parse_url("no url here\n"), None);
        assert_eq!(parse_url(""), None);
    }

    #[test]
    fn blog_id_from_json() {
        assert_eq!(parse_blog_id("{\"id\":12345}\n"), Some(12345));
        assert_eq!(parse_blog_id("noise\n{\"id\":\"77\",\"x\":1}\n"), Some(77));
        assert_eq!(parse_blog_id("{\"version\":\"1\"}\n"), None);
        assert_eq!(parse_blog_id("{\"id\":0}\n"), None);
        assert_eq!(parse_blog_id("garbage"), None);
    }

    #[test]
    fn marked_facts_survive_noise() {
        let out = "lab-noise: hi\n<b>x</b>\nJETPACK_PARTNER_FACTS {\"marker\":1,\"siteurl\":\"http:\\/\\/site.test\"}";
        let v = parse_marked(out);
        assert_eq!(
            v.as_ref()
                .and_then(|v| v.get("siteurl"))
                .and_then(|s| s.as_str()),
            Some("http://site.test")
        );
        assert!(parse_marked("JETPACK_PARTNER_FACTS {\"siteurl\":1}").is_none());
        assert!(parse_marked("nothing here").is_none());
        assert!(parse_marked("JETPACK_PARTNER_FACTS {broken").is_none());
    }

    #[test]
    fn error_words_prefer_error_lines() {
        let stderr = "PHP Deprecated:  x\nDeprecated: x\nError: There has been a critical error on this website.\n";
        assert_eq!(
            wp_error_words(stderr, ""),
            "Error: There has been a critical error on this website."
        );
        assert_eq!(wp_error_words("", ""), "no output");
        assert_eq!(wp_error_words("just this\n", ""), "just this");
    }
}
