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
mod streak;

use crate::error::{Error, FileProblem, Result};
use crate::exec::Done;
use crate::exec::Executor;
use crate::job::{Batch, Source};
use crate::output::{self, format::List};
use crate::pool::Feeder;
use crate::site::Site;
use crate::{pool, signals};
use entry::Entry;
pub use one::one;
use sink::{lock, Sink};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
    let list = List::new(&batch.format, meta.columns);
    let sink = Arc::new(Mutex::new(Sink::new(
        list,
        std::io::stderr().is_terminal(),
        batch.limits.max_consecutive_failures,
    )));
    {
        // From the start: a second signal during the token call or the
        // reading of --skip-done also ends with the summary.
        let (sink, tally) = (Arc::clone(&sink), Arc::clone(&tally));
        signals::on_second_signal(Box::new(move |signal| {
            sink::last_words(&sink, &tally, meta, dry_run, signal)
        }));
    }
    // Held until the run ends (the process ending releases them too).
    let _locks = locks(batch)?;
    let done = match &batch.skip_done {
        Some(f) => resume::done_keys(f, meta.name)?,
        None => resume::DoneBefore::default(),
    };
    if done.maybe > 0 {
        output::stderr(&format!(
            "jetpack-partner: --skip-done: {} earlier line(s) say the request may have been carried out (\"maybe_sent\"); those sites are skipped: check them with jetpack-partner status\n",
            done.maybe
        ));
    }
    let (input, known) = open(batch, exec)?;
    // Set when a result line cannot be written: start no new site.
    let stop = AtomicBool::new(false);
    let keep_going = || signals::interrupted().is_none() && !stop.load(Ordering::SeqCst);
    let run = Run {
        batch,
        exec,
        sink: &sink,
        tally: &tally,
        stop: &stop,
    };
    let feed =
        |todo: &Feeder<Entry>| entry::feed(batch, input, &done, &known, &tally, &keep_going, todo);
    if batch.meta.by_blog_id {
        // Every site first: two that carry one blog id are both refused
        // before anything is sent by it. Lines are then done in input order.
        let found = Mutex::new(Vec::new());
        pool::run(batch.jobs, feed, |entry| {
            if keep_going() {
                let one = run.resolve(entry);
                lock_vec(&found).push(one);
            }
        });
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        found.sort_by_key(|(entry, _)| entry.n);
        pool::run(
            batch.jobs,
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
        pool::run(batch.jobs, feed, |entry| {
            if keep_going() {
                let (entry, site) = run.resolve(entry);
                run.send(entry, site);
            }
            // else: read before the stop; not started, picked up on resume.
        });
    }
    finish(batch, &sink, &tally, dry_run)
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
    tally: &'a Tally,
    /// Set when a result line cannot be written: start no new site.
    stop: &'a AtomicBool,
}

impl Run<'_> {
    /// Find an entry's site (None: the line itself cannot be used).
    fn resolve(&self, entry: Entry) -> (Entry, Option<Result<Site>>) {
        self.in_flight(&entry);
        let site = entry.job.as_ref().ok().map(|job| self.exec.resolve(job));
        lock(self.sink).in_flight.remove(&entry.n);
        signals::in_flight(false);
        (entry, site)
    }

    /// Send an entry's steps on its site, and write its line before the
    /// worker takes the next (so a failed write stops it from starting one).
    fn send(&self, entry: Entry, site: Option<Result<Site>>) {
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
        lock(self.sink)
            .in_flight
            .insert(entry.n, (entry.key.clone(), me));
    }

    /// Write the entry's line: its outcome, or (None) its line's own
    /// failure. False when it could not be written.
    fn write(&self, entry: Entry, outcome: Option<Result<Done>>) -> bool {
        let (line, failure) = match (outcome, &entry.job) {
            (Some(Ok(done)), _) => (Ok(result::done(self.batch.meta, &entry.key, done)), None),
            (Some(Err(e)), _) => (Err(result::failed(&entry.key, &e)), Some(e)),
            (None, Err(e)) => (Err(result::failed(&entry.key, e)), None),
            (None, Ok(_)) => {
                signals::in_flight(false);
                return true;
            }
        };
        let mut sink = lock(self.sink);
        sink.in_flight.remove(&entry.n);
        signals::in_flight(false);
        let written = sink.write(entry.n, line, self.tally);
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
    if let Some(cause) = sink.close(tally, batch.meta, dry_run) {
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
