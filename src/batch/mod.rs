//! Many sites in one run (SPEC §8, §9): input lines streamed (`input`), or
//! every site of a network (`network`); each line a piece of work told
//! apart from the others (`entry`) and skipped when a previous run did it
//! (`resume`); `--jobs` sites at a time on the worker pool, one token for
//! all; one result line per site as it finishes (`result`, written through
//! the `sink`), a summary on stderr. A bad line fails alone; a signal stops
//! new sites from starting while the ones in flight finish and are written.

mod copies;
mod entry;
mod input;
mod lock;
mod network;
mod one;
mod result;
mod resume;
mod sink;
mod summary;

pub use summary::check_metrics;
mod streak;

use crate::error::{Error, FileProblem, Result};
use crate::exec::Done;
use crate::exec::Executor;
use crate::job::{Batch, Source};
use crate::output::{self, format::List, progress::Progress};
use crate::pool::Feeder;
use crate::site::Site;
use crate::{pool, signals};
use entry::Entry;
pub use one::one;
use result::Record;
use sink::{lock, Sink};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Counts for the summary.
#[derive(Default)]
pub struct Tally {
    read: AtomicUsize,
    skipped: AtomicUsize,
    /// Reading the input failed part way (after which line, why): the run
    /// ends with that error, after the lines and the summary.
    unread: Mutex<Option<(usize, String)>>,
}

/// Run the batch; true when any site failed or the run was interrupted.
pub fn run(batch: &Batch, exec: &Executor) -> Result<bool> {
    signals::batch_mode();
    let (meta, dry_run) = (batch.meta, exec.dry_run());
    let tally = Arc::new(Tally::default());
    let sink = Arc::new(Mutex::new(Sink::new(sink::Setup {
        list: List::new(&batch.format, meta.columns),
        progress: Progress::new("sites", None),
        max_failures: batch.limits.max_consecutive_failures,
        report: batch.report.clone(),
        command: meta.name,
        dry_run,
    })));
    {
        // From the start: a second signal during the token call or the
        // reading of --skip-done also ends with the summary.
        let (sink, tally) = (Arc::clone(&sink), Arc::clone(&tally));
        signals::on_second_signal(Box::new(move |signal| {
            sink::last_words(&sink, &tally, signal)
        }));
    }
    // Held until the run ends (the process ending releases them too).
    let _locks = locks(batch)?;
    let done = match &batch.skip_done {
        Some(f) => resume::done_keys(f, meta.name)?,
        None => resume::DoneBefore::default(),
    };
    if done.maybe > 0 {
        output::note(&format!(
            "--skip-done: {} earlier line(s) say the request may have been carried out (\"maybe_sent\"); those sites are skipped: check them with jetpack-partner status",
            done.maybe
        ));
    }
    let (input, known) = open(batch, exec)?;
    let total = lock(&sink)
        .progress_on()
        .then(|| total(batch, &known))
        .flatten();
    lock(&sink).set_total(total);
    // Set when a result line cannot be written: start no new site.
    let stop = AtomicBool::new(false);
    let keep_going = || signals::interrupted().is_none() && !stop.load(Ordering::SeqCst);
    let run = Run {
        batch,
        exec,
        sink: &sink,
        stop: &stop,
    };
    let feed =
        |todo: &Feeder<Entry>| entry::feed(batch, input, &done, &known, &tally, &keep_going, todo);
    drive(&run, feed, &keep_going);
    finish(batch, &sink, &tally, dry_run)
}

/// The sites, on the worker pool: every site found first where the
/// command sends by blog id (two that carry one are both refused before
/// anything is sent by it; lines are then done in input order), else each
/// site found and done in one go.
fn drive(
    run: &Run,
    feed: impl FnOnce(&Feeder<Entry>) + Send,
    keep_going: &(dyn Fn() -> bool + Sync),
) {
    if run.batch.meta.by_blog_id {
        // Every site first: two that carry one blog id are both refused
        // before anything is sent by it. Lines are then done in input order.
        let found = Mutex::new(Vec::new());
        pool::run(run.batch.jobs, feed, |entry| {
            if keep_going() {
                let one = run.resolve(entry);
                lock_vec(&found).push(one);
            }
        });
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        found.sort_by_key(|(entry, _)| entry.n);
        pool::run(
            run.batch.jobs,
            |todo| {
                for one in copies::refuse(found) {
                    if !keep_going() || !todo.give(one) {
                        break;
                    }
                }
            },
            |(entry, site)| {
                if keep_going() {
                    run.send(entry, site);
                }
            },
        );
    } else {
        pool::run(run.batch.jobs, feed, |entry| {
            if keep_going() {
                let (entry, site) = run.resolve(entry);
                run.send(entry, site);
            }
            // else: read before the stop; not started, picked up on resume.
        });
    }
}

/// The run's files locked: `--skip-done` (created when it does not exist
/// yet) and, for `apply`, `--desired`.
fn locks(batch: &Batch) -> Result<Vec<lock::Held>> {
    let mut held = Vec::new();
    if let Some(f) = &batch.skip_done {
        held.push(lock::lock("--skip-done", f, true, batch.limits.wait_lock)?);
    }
    if let (true, Source::File(f)) = (batch.meta.locks_input, &batch.source) {
        held.push(lock::lock(
            batch.meta.input,
            f,
            false,
            batch.limits.wait_lock,
        )?);
    }
    Ok(held)
}

/// How many sites the run has, when that is known up front (a regular
/// `--batch` file: its lines that are no blanks or comments; a network's
/// sites), for the progress line.
fn total(batch: &Batch, known: &HashMap<String, crate::site::Known>) -> Option<usize> {
    match &batch.source {
        Source::AllSites { .. } => Some(known.len()).filter(|n| *n > 0),
        Source::File(f) if std::fs::metadata(f).is_ok_and(|m| m.is_file()) => {
            let text = std::fs::read(f).ok()?;
            let lines = text.split(|b| *b == b'\n').filter(|l| {
                let t = l.trim_ascii();
                !t.is_empty() && !t.starts_with(b"#")
            });
            Some(lines.count())
        }
        _ => None,
    }
}

/// The input: the file (an unreadable one fails before the token call),
/// stdin, or the network's sites, gathered while the token is fetched (one
/// token for the whole batch: without it no site can be done).
fn open(
    batch: &Batch,
    exec: &Executor,
) -> Result<(Box<dyn BufRead + Send>, HashMap<String, crate::site::Known>)> {
    let file = match &batch.source {
        Source::File(f) => Some(input::open(batch.meta.input, f)?),
        _ => None,
    };
    let gather = || match &batch.source {
        Source::AllSites {
            wp,
            user,
            activate,
            safe_mode,
        } => network::gather(wp, user.as_deref(), *activate, *safe_mode).map(Some),
        _ => Ok(None),
    };
    let network = if !exec.dry_run() || batch.meta.reads_in_dry_run {
        signals::in_flight(true);
        let network = exec.token_while(gather);
        signals::in_flight(false);
        network?
    } else {
        gather()?
    };
    Ok(match (network, file) {
        (Some((lines, known)), _) => (Box::new(std::io::Cursor::new(lines)), known),
        (None, Some(f)) => (Box::new(BufReader::new(f)), HashMap::new()),
        (None, None) => match batch.source {
            Source::Stdin => (Box::new(BufReader::new(std::io::stdin())), HashMap::new()),
            _ => (Box::new(std::io::empty()), HashMap::new()),
        },
    })
}

fn lock_vec<T>(v: &Mutex<Vec<T>>) -> std::sync::MutexGuard<'_, Vec<T>> {
    v.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the workers share.
struct Run<'a> {
    batch: &'a Batch,
    exec: &'a Executor,
    sink: &'a Mutex<Sink>,
    /// Set when a result line cannot be written: start no new site.
    stop: &'a AtomicBool,
}

impl Run<'_> {
    /// Find an entry's site (None: the line itself cannot be used).
    fn resolve(&self, mut entry: Entry) -> (Entry, Option<Result<Site>>) {
        entry.started.get_or_insert_with(Instant::now);
        self.in_flight(&entry);
        let site = entry.job.as_ref().ok().map(|job| self.exec.resolve(job));
        lock(self.sink).in_flight.remove(&entry.n);
        signals::in_flight(false);
        (entry, site)
    }

    /// Send an entry's steps on its site, and write its line before the
    /// worker takes the next (so a failed write stops it from starting one).
    fn send(&self, mut entry: Entry, site: Option<Result<Site>>) {
        entry.started.get_or_insert_with(Instant::now);
        self.in_flight(&entry);
        let done = match (entry.job.as_ref(), site) {
            (Ok(job), Some(Ok(site))) => Some(self.exec.on_site(job, &site)),
            (_, Some(Err(e))) => Some(Err(e)),
            _ => None,
        };
        self.write(entry, done);
    }

    fn in_flight(&self, entry: &Entry) {
        signals::in_flight(true);
        let me = std::thread::current().id();
        let started = entry.started.unwrap_or_else(Instant::now);
        lock(self.sink)
            .in_flight
            .insert(entry.n, (entry.key.clone(), me, started));
    }

    /// Write the entry's line: its outcome, or (None) its line's own
    /// failure. False when it could not be written.
    fn write(&self, entry: Entry, outcome: Option<Result<Done>>) -> bool {
        let mut sink = lock(self.sink);
        let record = Record {
            run: &sink.run.clone(),
            line: entry.n,
            started: entry.started.unwrap_or_else(Instant::now),
        };
        let key = &entry.key;
        let (line, failure) = match (outcome, &entry.job) {
            (Some(Ok(done)), _) => (
                Ok(result::done(self.batch.meta, key, done, Some(&record))),
                None,
            ),
            (Some(Err(e)), _) => (Err(result::failed(key, &e, Some(&record))), Some(e)),
            (None, Err(e)) => (Err(result::failed(key, e, Some(&record))), None),
            (None, Ok(_)) => {
                signals::in_flight(false);
                return true;
            }
        };
        sink.in_flight.remove(&entry.n);
        signals::in_flight(false);
        let written = sink.write(entry.n, line);
        // A bad line counts as a failure of its code too.
        let failure = failure.as_ref().or(entry.job.as_ref().err());
        if let Some(why) = sink.streak.note(failure) {
            sink.stopped_because.get_or_insert(why);
            self.stop.store(true, Ordering::SeqCst);
        }
        if !written {
            self.stop.store(true, Ordering::SeqCst);
        }
        // Under the lock: a second signal sees the site either in flight
        // with what it sent, or written.
        signals::forget_sent();
        written
    }
}

/// The summary, then how the run ends: a failed write, input that could
/// not be read to its end, or whether any site failed.
fn finish(batch: &Batch, sink: &Mutex<Sink>, tally: &Tally, dry_run: bool) -> Result<bool> {
    let mut sink = lock(sink);
    if let Some(cause) = sink.close(tally) {
        return Err(Error::OutputFailed {
            cause,
            carried_out: !dry_run,
            lost: sink.lost,
        });
    }
    let unread = tally.unread.lock().ok().and_then(|mut u| u.take());
    if let Some((line, cause)) = unread {
        let path = match &batch.source {
            Source::File(f) => f.as_str(),
            _ => "-",
        };
        return Err(Error::BadFile {
            flag: batch.meta.input.into(),
            path: PathBuf::from(path),
            problem: FileProblem::StoppedAfter { line, cause },
        });
    }
    Ok(sink.failed > 0 || signals::interrupted().is_some())
}
