//! The binary while it runs: spawned with its output read as it comes,
//! signalled with `kill`, waited for with a deadline; a [`Gate`] that holds
//! fake API replies until the test lets them go; and a look at the process
//! table (`/proc`) for what is left of a process group.
//!
//! Everything here polls with generous limits: a limit only turns a hang
//! into a failure, it never measures speed.

use std::fs;
use std::io::Read;
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a test waits for something that should happen promptly (a
/// request to arrive, a note on stderr, a process to end) before it fails.
pub const PROMPTLY: Duration = Duration::from_secs(60);

/// Polls `done` every 20 ms until it is true; panics naming `what` after
/// `limit`.
pub fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < limit,
            "gave up after {limit:?} waiting for {what}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// A started binary whose stdout and stderr are collected in the background.
pub struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    /// Start `cmd` with stdin closed and both outputs piped.
    pub fn spawn(cmd: Command) -> Running {
        Running::start(cmd, Stdio::null())
    }

    /// Start `cmd` with a stdin the test writes to and keeps open as long
    /// as it holds the returned pipe (a feed that has not ended).
    pub fn spawn_feeding(cmd: Command) -> (Running, ChildStdin) {
        let mut run = Running::start(cmd, Stdio::piped());
        let stdin = run.child.stdin.take().expect("stdin was piped");
        (run, stdin)
    }

    fn start(mut cmd: Command, stdin: Stdio) -> Running {
        cmd.stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("starting jetpack-partner");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(collect(out, Arc::clone(&stdout)));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(collect(err, Arc::clone(&stderr)));
        }
        Running {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send `signal` (`TERM`, `INT`, `HUP`, ...) with the shell's `kill`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("/bin/sh")
            .args(["-c", "kill -s \"$1\" \"$2\"", "sh", signal])
            .arg(self.pid().to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -s {signal} {} failed", self.pid());
    }

    /// What it printed on stderr so far.
    pub fn stdout_text(&self) -> String {
        text(&self.stdout)
    }

    pub fn stderr_text(&self) -> String {
        text(&self.stderr)
    }

    /// Waits until stderr holds `needle`.
    pub fn wait_for_stderr(&self, needle: &str) {
        let start = Instant::now();
        while !self.stderr_text().contains(needle) {
            assert!(
                start.elapsed() < PROMPTLY,
                "gave up after {PROMPTLY:?} waiting for {needle:?} on stderr\n--- stderr ---\n{}\n--- stdout ---\n{}",
                self.stderr_text(),
                text(&self.stdout)
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to end (killing it and failing after
    /// `limit`), then for the rest of its output.
    pub fn wait(mut self, limit: Duration) -> Output {
        let start = Instant::now();
        let status: ExitStatus = loop {
            match self.child.try_wait().expect("waiting for jetpack-partner") {
                Some(status) => break status,
                None if start.elapsed() > limit => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "jetpack-partner still running after {limit:?}\n--- stderr ---\n{}\n--- stdout ---\n{}",
                        text(&self.stderr),
                        text(&self.stdout)
                    );
                }
                None => thread::sleep(Duration::from_millis(20)),
            }
        };
        // The pipes close when the process (and anything holding them) ends.
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Output {
            status,
            stdout: take(&self.stdout),
            stderr: take(&self.stderr),
        }
    }
}

impl Drop for Running {
    /// A failed test must not leave the binary running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect<R: Read + Send + 'static>(mut r: R, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(&buf[..n]);
        }
    })
}

fn text(b: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&b.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

fn take(b: &Arc<Mutex<Vec<u8>>>) -> Vec<u8> {
    std::mem::take(&mut *b.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Holds fake API replies (in a fallback) until the test opens it, so a
/// request stays in flight exactly as long as the test needs. Replies go
/// anyway after [`Gate::HOLD_AT_MOST`], so a failed test cannot keep a
/// connection thread forever.
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    pub const HOLD_AT_MOST: Duration = Duration::from_secs(300);

    pub fn new() -> Gate {
        Gate::default()
    }

    /// Let every held reply (and every later one) go.
    pub fn open(&self) {
        let (open, cv) = &*self.0;
        *open.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cv.notify_all();
    }

    /// Block until the gate is open (or [`Gate::HOLD_AT_MOST`] has passed).
    pub fn pass(&self) {
        let (open, cv) = &*self.0;
        let guard = open.lock().unwrap_or_else(|e| e.into_inner());
        let _ = cv
            .wait_timeout_while(guard, Self::HOLD_AT_MOST, |open| !*open)
            .unwrap_or_else(|e| e.into_inner());
    }
}

/// The processes of process group `pgid` that are still alive (zombies,
/// already dead and only waiting to be reaped, do not count): their pids
/// and command names.
pub fn live_group_members(pgid: u32) -> Vec<(u32, String)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parens.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let mut rest = stat[close + 1..].split_whitespace();
        let state = rest.next().unwrap_or("");
        let group = rest.nth(1).and_then(|g| g.parse::<u32>().ok());
        if group == Some(pgid) && state != "Z" && state != "X" {
            found.push((pid, comm));
        }
    }
    found
}
