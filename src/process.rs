//! Running a child process (`wp`) with a deadline: an argv vector (no
//! shell), its own process group (so a time-out ends PHP too, not only a
//! wrapper script), both pipes drained on their own threads (a chatty child
//! never blocks on a full pipe), and whatever it leaves behind in its group
//! ended when it exits.

use crate::environment::CREDENTIAL_VARS;
use crate::error::{Error, Result, WpMissing};
use crate::{output, signals};
use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// More than any value we ask for; past this we keep draining the pipe (so
/// the child never blocks on a full pipe) but stop storing.
const OUTPUT_CAP: usize = 16 << 20;

/// What a finished child printed, and how it ended.
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

/// One child to run: program, arguments, extra environment, time limit, and
/// how to name it in messages.
pub struct Child<'a> {
    pub program: &'a str,
    pub args: &'a [String],
    pub env: &'a [(&'a str, &'a str)],
    pub limit: Duration,
    pub shown: &'a str,
    /// Part of a request already carried out (the authorize step after a
    /// provision): a batch's first signal lets it finish.
    pub finishes_a_request: bool,
}

/// "exit code N" or "killed by a signal", for messages.
pub fn exit_text(status: &ExitStatus) -> String {
    match status.code() {
        Some(c) => format!("exit code {c}"),
        None => "killed by a signal".into(),
    }
}

/// Run the child to its end or its deadline; its output whatever the exit
/// code. Fails only when it could not run or ran too long.
pub fn run(c: &Child) -> Result<Output> {
    let stopped = |signal| Error::Interrupted { signal, sent: None };
    if let (Some(signal), false) = (signals::interrupted(), c.finishes_a_request) {
        return Err(stopped(signal));
    }
    let mut cmd = Command::new(c.program);
    cmd.args(c.args);
    // Children never see our credentials (SPEC §9); everything else stays,
    // since WP-CLI and PHP on real hosts rely on variables we cannot know.
    for var in CREDENTIAL_VARS {
        cmd.env_remove(var);
    }
    cmd.envs(c.env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let child = cmd.spawn().map_err(|e| spawn_error(c.program, e))?;
    let pid = child.id();
    signals::track(pid, c.finishes_a_request);
    let result = wait(c, child, pid);
    signals::untrack(pid);
    match (&result, signals::interrupted()) {
        // Ended by our own signal handling: that is the story, not "wp failed".
        (Ok(out), Some(signal)) if out.status.code().is_none() => Err(stopped(signal)),
        _ => result,
    }
}

fn wait(c: &Child, mut child: std::process::Child, pid: u32) -> Result<Output> {
    let deadline = Instant::now() + c.limit;
    // Each pipe reader says when it reached end of file.
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
    let status = match rx.recv_timeout(c.limit) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            return Err(Error::WpSpawn {
                program: c.program.to_string(),
                cause: format!("could not wait for it ({e})"),
                denied: false,
            })
        }
        Err(_) => {
            signals::kill_group(pid);
            return Err(Error::WpTimeout {
                what: c.shown.to_string(),
                limit: c.limit,
            });
        }
    };
    // The child is done. Anything it left behind in its process group would
    // hold our pipes open (and outlive the run): end it.
    signals::kill_group(pid);
    for _ in 0..readers {
        let left = deadline.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            // Something outside the group still holds a pipe: what we have
            // is all there will be within the limit.
            output::verbose(&format!("{}: output still open at the time limit", c.shown));
            break;
        }
    }
    output::verbose(&format!(
        "{}: {} in {:?}",
        c.shown,
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
        std::io::ErrorKind::NotFound => Error::WpNotFound(WpMissing::Vanished(program.to_string())),
        std::io::ErrorKind::PermissionDenied => Error::WpSpawn {
            program: program.to_string(),
            cause: e.to_string(),
            denied: true,
        },
        _ => Error::WpSpawn {
            program: program.to_string(),
            cause: e.to_string(),
            denied: false,
        },
    }
}
