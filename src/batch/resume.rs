//! `--skip-done`: what a previous run's output shows as done — its
//! successful lines, and those whose request may have been carried out
//! (`maybe_sent`), which are never sent again.

use super::entry::Key;
use super::input::{self, POLL};
use crate::error::{Error, FileProblem, Result};
use crate::signals;
use serde_json::Value;
use std::collections::HashSet;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::mpsc;

/// What a previous run did: keys of its successful lines, and the sites of
/// lines from before results named command and plan (done whatever the plan).
#[derive(Default)]
pub struct DoneBefore {
    keys: HashSet<Key>,
    sites: HashSet<String>,
    /// Lines whose request may have been carried out (`maybe_sent`).
    pub maybe: usize,
}

impl DoneBefore {
    pub fn contains(&self, key: &Key) -> bool {
        let key = key.spelled_once();
        self.keys.contains(&key) || self.sites.contains(&key.site)
    }

    /// Count one line of a previous run's output.
    fn add(&mut self, v: &Value, command: &str) {
        let success = v.get("success") == Some(&Value::Bool(true));
        // A request that may have been carried out is not sent again.
        let maybe = v.get("maybe_sent") == Some(&Value::Bool(true));
        if !(success || maybe) || v.get("dry_run").is_some() {
            return;
        }
        if maybe && !success {
            self.maybe += 1;
        }
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let Some(site) = text("site") else { return };
        match text("command") {
            Some(c) if c == command => {
                let key = Key {
                    command: c,
                    site,
                    plan: text("plan"),
                };
                self.keys.insert(key.spelled_once());
            }
            Some(_) => {}
            // A line of an older version (provision only, keyed by site).
            None if command == "provision" => {
                self.sites.insert(super::entry::one_spelling(&site));
            }
            None => {}
        }
    }
}

/// What a previous run's output shows as done. A missing FILE is an empty
/// one (the first run and every retry share one command line); a damaged
/// one is read as far as it goes.
pub fn done_keys(file: &str, command: &str) -> Result<DoneBefore> {
    if std::fs::metadata(file).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(DoneBefore::default());
    }
    let f = input::open("--skip-done", file)?;
    let mut done = DoneBefore::default();
    // Read on a thread of its own: a FIFO whose writer never finishes must
    // still give way to a signal.
    let lines = input::pump(Box::new(BufReader::new(f)));
    let mut first = true;
    loop {
        if let Some(signal) = signals::interrupted() {
            return Err(Error::Interrupted { signal, sent: None });
        }
        let read = match lines.recv_timeout(POLL) {
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(read) => read,
        };
        let raw = match read {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // Not even a first line (an unreadable device).
            Err(e) if first => {
                return Err(Error::BadFile {
                    flag: "--skip-done".into(),
                    path: PathBuf::from(file),
                    problem: FileProblem::Unreadable(e.to_string()),
                })
            }
            Err(_) => break,
            // A line past the limit is no result line of ours.
            Ok((false, _)) => continue,
            Ok((true, raw)) => raw,
        };
        first = false;
        if let Ok(v) = serde_json::from_slice::<Value>(&raw) {
            done.add(&v, command);
        }
    }
    Ok(done)
}
