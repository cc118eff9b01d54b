//! Many sites in one run (SPEC §8, §9): input lines streamed (`input`), or
//! every site of a network (`network`); each line a piece of work told
//! apart from the others (`entry`) and skipped when a previous run did it
//! (`resume`); `--jobs` sites at a time on the worker pool, one token for
//! all; one result line per site as it finishes (`result`, written through
//! the `sink`), a summary on stderr. A bad line fails alone; a signal stops
//! new sites from starting while the ones in flight finish and are written.

mod entry;
mod input;
mod network;
mod one;
mod result;
mod resume;
mod sink;

use crate::error::{Error, FileProblem, Result};
use crate::exec::Executor;
use crate::job::{Batch, Source};
use crate::output::{self, format::List};
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
    let sink = Arc::new(Mutex::new(Sink::new(list, std::io::stderr().is_terminal())));
    {
        // From the start: a second signal during the token call or the
        // reading of --skip-done also ends with the summary.
        let (sink, tally) = (Arc::clone(&sink), Arc::clone(&tally));
        signals::on_second_signal(Box::new(move |signal| {
            sink::last_words(&sink, &tally, meta, dry_run, signal)
        }));
    }
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
    pool::run(
        batch.jobs,
        |todo| entry::feed(batch, input, &done, &known, &tally, &keep_going, todo),
        |entry| {
            if keep_going() {
                work(batch, exec, entry, &sink, &tally, &stop);
            }
            // else: read before the stop; not started, picked up on resume.
        },
    );
    finish(batch, &sink, &tally, dry_run)
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
        Source::AllSites { wp, user, activate } => {
            network::gather(wp, user.as_deref(), *activate).map(Some)
        }
        _ => Ok(None),
    };
    let network = if !exec.dry_run() || batch.meta.reads_in_dry_run {
        exec.token_while(gather)?
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

/// One site, on a worker: done, and its line written before the worker
/// takes the next (so a failed write stops it from starting one).
fn work(
    batch: &Batch,
    exec: &Executor,
    entry: Entry,
    sink: &Mutex<Sink>,
    tally: &Tally,
    stop: &AtomicBool,
) {
    let me = std::thread::current().id();
    lock(sink)
        .in_flight
        .insert(entry.n, (entry.key.clone(), me));
    let line = match entry.job.as_ref().map(|job| exec.site(job)) {
        Ok(Ok(done)) => Ok(result::done(batch.meta, &entry.key, done)),
        Ok(Err(e)) => Err(result::failed(&entry.key, &e)),
        Err(e) => Err(result::failed(&entry.key, e)),
    };
    let mut sink = lock(sink);
    sink.in_flight.remove(&entry.n);
    if !sink.write(entry.n, line, tally) {
        stop.store(true, Ordering::SeqCst);
    }
    // Under the lock: a second signal sees the site either in flight with
    // what it sent, or written.
    signals::forget_sent();
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
