//! Where result lines go, with what the summary needs: shared by the
//! workers and by what a second signal writes.

use super::entry::Key;
use super::result::{self, Record};
use super::streak::Streak;
use super::summary::{self, Figures};
use super::Tally;
use crate::error::Error;
use crate::job::Report;
use crate::output::{self, clock, format::List, progress::Progress};
use crate::signals;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

pub struct Sink {
    /// None once closed (summary written).
    list: Option<List>,
    progress: Progress,
    changed: usize,
    unchanged: usize,
    pub failed: usize,
    /// Result lines that could not be written.
    pub lost: usize,
    write_error: Option<String>,
    /// Sites being worked on, by input line: key, worker thread, and when
    /// work on it began.
    pub in_flight: BTreeMap<usize, (Key, std::thread::ThreadId, Instant)>,
    /// Failures in a row with one error code.
    pub streak: Streak,
    /// Why the run started no new site, when it cannot succeed.
    pub stopped_because: Option<String>,
    /// The run's id (every line's `run`) and how it ends.
    pub run: String,
    started: Instant,
    report: Report,
    command: &'static str,
    dry_run: bool,
}

pub fn lock(sink: &Mutex<Sink>) -> MutexGuard<'_, Sink> {
    sink.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a sink is made of.
pub struct Setup {
    pub list: List,
    pub progress: Progress,
    pub max_failures: usize,
    pub report: Report,
    pub command: &'static str,
    pub dry_run: bool,
}

impl Sink {
    pub fn new(setup: Setup) -> Sink {
        Sink {
            list: Some(setup.list),
            progress: setup.progress,
            changed: 0,
            unchanged: 0,
            failed: 0,
            lost: 0,
            write_error: None,
            in_flight: BTreeMap::new(),
            streak: Streak::new(setup.max_failures),
            stopped_because: None,
            run: clock::run_id(),
            started: Instant::now(),
            report: setup.report,
            command: setup.command,
            dry_run: setup.dry_run,
        }
    }

    /// Count and write one result line; false when it could not be written.
    pub fn write(&mut self, n: usize, line: Result<Value, Value>) -> bool {
        let (row, good) = match line {
            Ok(v) => (v, true),
            Err(v) => (v, false),
        };
        match (good, row.get("changed") == Some(&Value::Bool(true))) {
            (false, _) => self.failed += 1,
            (true, true) => self.changed += 1,
            (true, false) => self.unchanged += 1,
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
        self.progress.show(self.done(), self.failed, "", false);
        written
    }

    pub fn progress_on(&self) -> bool {
        self.progress.is_on()
    }

    /// The number of sites, once known.
    pub fn set_total(&mut self, total: Option<usize>) {
        self.progress.set_total(total);
    }

    fn done(&self) -> usize {
        self.changed + self.unchanged + self.failed
    }

    /// End the list (a table is printed now), write the summary and the
    /// metrics, once; the first write error, if any.
    pub fn close(&mut self, tally: &Tally) -> Option<String> {
        let list = self.list.take()?;
        self.progress.end(self.done(), self.failed, "");
        if let Err(e) = list.finish() {
            self.write_error.get_or_insert_with(|| e.to_string());
            self.lost += self.done();
        }
        let stopped_because = match (signals::interrupted(), &self.write_error) {
            (Some(sig), _) => Some(sig.to_string()),
            (None, Some(_)) => Some("stdout failed".to_string()),
            (None, None) => self
                .stopped_because
                .as_ref()
                .map(|w| format!("stopped: {w}")),
        };
        let figures = Figures {
            run: &self.run,
            command: self.command,
            dry_run: self.dry_run,
            sites: tally.read.load(Ordering::SeqCst),
            changed: self.changed,
            unchanged: self.unchanged,
            failed: self.failed,
            skipped: tally.skipped.load(Ordering::SeqCst),
            started: self.started,
            stopped_because,
        };
        if !output::quiet_end() {
            figures.print(self.report.json);
        }
        if let Some(path) = &self.report.metrics {
            if let Err(e) = summary::write_metrics(path, &figures) {
                output::note(&format!(
                    "--metrics-file={}: cannot write it ({e})",
                    path.display()
                ));
            }
        }
        self.write_error.clone()
    }
}

/// A second signal ends the run at once: the sites in flight get a failure
/// line saying whether their request may have reached WordPress.com (a
/// resume with `--skip-done` leaves those alone), then the summary. The
/// lock stays held, so no worker writes after it.
pub fn last_words(sink: &Mutex<Sink>, tally: &Tally, signal: &'static str) {
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
    let run = sink.run.clone();
    for (n, (key, thread, started)) in std::mem::take(&mut sink.in_flight) {
        let e = Error::Interrupted {
            signal,
            sent: signals::sent_by(thread),
        };
        let e = signals::with_key(e, signals::issued_by(thread));
        let record = Record {
            run: &run,
            line: n,
            started,
        };
        sink.write(n, Err(result::failed(&key, &e, Some(&record))));
    }
    sink.close(tally);
    std::mem::forget(sink);
}
