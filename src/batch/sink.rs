//! Where result lines go, with what the summary needs: shared by the
//! workers and by what a second signal writes.

use super::entry::Key;
use super::streak::Streak;
use super::{result, Tally};
use crate::error::Error;
use crate::job::Meta;
use crate::output::{self, format::List};
use crate::signals;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Duration;

pub struct Sink {
    /// None once closed (summary written).
    list: Option<List>,
    progress: bool,
    ok: usize,
    pub failed: usize,
    /// Result lines that could not be written.
    pub lost: usize,
    write_error: Option<String>,
    /// Sites being worked on, by input line: key and worker thread.
    pub in_flight: BTreeMap<usize, (Key, std::thread::ThreadId)>,
    /// Failures in a row with one error code.
    pub streak: Streak,
    /// Why the run started no new site, when it cannot succeed.
    pub stopped_because: Option<String>,
}

pub fn lock(sink: &Mutex<Sink>) -> MutexGuard<'_, Sink> {
    sink.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sink {
    pub fn new(list: List, progress: bool, max_failures: usize) -> Sink {
        Sink {
            list: Some(list),
            progress,
            ok: 0,
            failed: 0,
            lost: 0,
            write_error: None,
            in_flight: BTreeMap::new(),
            streak: Streak::new(max_failures),
            stopped_because: None,
        }
    }

    /// Count and write one result line; false when it could not be written.
    pub fn write(&mut self, n: usize, line: Result<Value, Value>, tally: &Tally) -> bool {
        let (row, good) = match line {
            Ok(v) => (v, true),
            Err(v) => (v, false),
        };
        if good {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
        let Some(list) = self.list.as_mut() else {
            return false;
        };
        let written = match list.row(&row, &row.to_string(), n) {
            Ok(()) => true,
            Err(e) => {
                self.lost += 1;
                self.write_error.get_or_insert_with(|| e.to_string());
                false
            }
        };
        if self.progress {
            output::stderr(&format!(
                "\r{} of {} sites: {} ok, {} failed ",
                self.ok + self.failed,
                tally.read.load(Ordering::SeqCst),
                self.ok,
                self.failed
            ));
        }
        written
    }

    /// `jetpack-partner: 200 sites: 188 provisioned, 12 failed, 0 skipped (done
    /// or listed twice)`, and how many were not started after a signal or a
    /// failed write.
    fn summary(&self, meta: &Meta, dry_run: bool, read: usize, skipped: usize) -> String {
        let (ok, failed) = (self.ok, self.failed);
        let not_started = read.saturating_sub(ok + failed + skipped);
        let verb = if dry_run { "planned" } else { meta.done };
        let sites = if read == 1 { "site" } else { "sites" };
        let mut s = format!(
            "jetpack-partner: {read} {sites}: {ok} {verb}, {failed} failed, {skipped} skipped (done or listed twice)"
        );
        if let Some(sig) = signals::interrupted() {
            s.push_str(&format!(", {not_started} not started ({sig})"));
        } else if self.write_error.is_some() {
            s.push_str(&format!(", {not_started} not started (stdout failed)"));
        } else if let Some(why) = &self.stopped_because {
            s.push_str(&format!(", {not_started} not started (stopped: {why})"));
        }
        s.push('\n');
        s
    }

    /// End the list (a table is printed now) and write the summary, once;
    /// the first write error, if any.
    pub fn close(&mut self, tally: &Tally, meta: &Meta, dry_run: bool) -> Option<String> {
        let list = self.list.take()?;
        if self.progress {
            output::stderr("\n");
        }
        if let Err(e) = list.finish() {
            self.write_error.get_or_insert_with(|| e.to_string());
            self.lost += self.ok + self.failed;
        }
        let read = tally.read.load(Ordering::SeqCst);
        let skipped = tally.skipped.load(Ordering::SeqCst);
        if !output::quiet_end() {
            output::stderr(&self.summary(meta, dry_run, read, skipped));
        }
        self.write_error.clone()
    }
}

/// A second signal ends the run at once: the sites in flight get a failure
/// line saying whether their request may have reached WordPress.com (a
/// resume with `--skip-done` leaves those alone), then the summary. The
/// lock stays held, so no worker writes after it.
pub fn last_words(
    sink: &Mutex<Sink>,
    tally: &Tally,
    meta: &Meta,
    dry_run: bool,
    signal: &'static str,
) {
    // A worker holds the lock only while writing a line; one stuck on a
    // stdout nobody reads must not keep the run from ending.
    let mut tries = 0;
    let mut sink = loop {
        match sink.try_lock() {
            Ok(g) => break g,
            Err(TryLockError::Poisoned(p)) => break p.into_inner(),
            Err(TryLockError::WouldBlock) if tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(TryLockError::WouldBlock) => return,
        }
    };
    for (n, (key, thread)) in std::mem::take(&mut sink.in_flight) {
        let e = Error::Interrupted {
            signal,
            sent: signals::sent_by(thread),
        };
        sink.write(n, Err(result::failed(&key, &e)), tally);
    }
    sink.close(tally, meta, dry_run);
    std::mem::forget(sink);
}
