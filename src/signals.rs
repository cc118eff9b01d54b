//! SIGINT, SIGTERM and SIGHUP (SPEC §9). A watcher thread (signal-hook, no
//! async runtime) ends the `wp` process groups at once. A single run then
//! ends with the `interrupted` error, saying whether a request that changes
//! something may already have reached WordPress.com; a batch starts no new
//! site, lets the requests in flight finish and be written, and ends with
//! its summary. A second signal ends the run at once. Exit: 128 + N.
//!
//! The child processes running are tracked here, so that a signal can end
//! their process groups.

use crate::error::Error;
use crate::output;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;

/// The first signal received, 0 if none.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// A batch is running: the first signal only stops it from starting sites.
static BATCH: AtomicBool = AtomicBool::new(false);
/// The last request that changes something and was handed to the network.
static SENT: Mutex<Option<String>> = Mutex::new(None);
/// The same per thread, for a batch's workers: which site may have been
/// carried out when a second signal ends the run.
static SENT_BY: Mutex<Option<HashMap<ThreadId, String>>> = Mutex::new(None);
/// License keys issued (and billed) for the work a thread is doing, not yet
/// printed (`provision --license`): an interruption's error carries them.
static KEYS: Mutex<Vec<(ThreadId, String)>> = Mutex::new(Vec::new());
/// What a batch writes before a second signal ends it: lines for the sites
/// in flight and its summary.
type LastWords = Box<dyn Fn(&'static str) + Send>;
static LAST_WORDS: Mutex<Option<LastWords>> = Mutex::new(None);

/// Start watching. Called once, before anything runs.
pub fn install() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        // Without a watcher the default action (ending the process) stays.
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                on_signal(sig);
            }
        });
    drop(spawned);
}

fn on_signal(sig: i32) {
    let first = SIGNAL
        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    if !first {
        // A second signal: end at once, leaving a record of what was in
        // flight (a resume must not send it again).
        // The run is named, and ends, by the first signal (the summary
        // says it too).
        let first_sig = SIGNAL.load(Ordering::SeqCst);
        end_all(true);
        if let Ok(hook) = LAST_WORDS.try_lock() {
            if let Some(write) = hook.as_ref() {
                write(name(first_sig));
            }
        }
        std::process::exit(exit_status(first_sig));
    }
    if BATCH.load(Ordering::SeqCst) {
        // Requests in flight (and the authorize step after a provision)
        // finish; `wp` still gathering facts is ended, nothing was sent for
        // those sites.
        end_all(false);
        let note = if IN_FLIGHT.load(Ordering::SeqCst) == 0 {
            "stopping (nothing was in flight)"
        } else {
            "starting no new site; finishing the requests in flight (signal again to stop at once)"
        };
        output::stderr(&format!("jetpack-partner: {}: {note}\n", name(sig)));
        return;
    }
    end_all(true);
    let err = Error::Interrupted {
        signal: name(sig),
        sent: sent(),
    };
    let err = with_key(err, last_issued());
    if output::interrupt(&err) {
        std::process::exit(exit_status(sig));
    }
}

/// The process groups running now, and whether each finishes a request.
static RUNNING: Mutex<Vec<(u32, bool)>> = Mutex::new(Vec::new());

fn running() -> std::sync::MutexGuard<'static, Vec<(u32, bool)>> {
    RUNNING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A child's process group to end on a signal (`finishes_a_request`: the
/// authorize step after a provision, which a batch's first signal lets
/// finish). A signal that came before this is honoured at once.
pub fn track(pid: u32, finishes_a_request: bool) {
    running().push((pid, finishes_a_request));
    if interrupted().is_some() && !finishes_a_request {
        kill_group(pid);
    }
}

/// The child has ended.
pub fn untrack(pid: u32) {
    running().retain(|(p, _)| *p != pid);
}

/// End every running child's process group: all of them, or all but those
/// finishing a request.
fn end_all(also_finishing: bool) {
    for (pid, finishing) in running().iter() {
        if also_finishing || !finishing {
            kill_group(*pid);
        }
    }
}

#[cfg(unix)]
mod sys {
    // std has no way to signal a process group.
    pub fn kill_group(pid: u32) {
        if let Ok(pid) = libc::pid_t::try_from(pid) {
            // SAFETY: kill(2) with a negative pid signals that process
            // group; it touches no memory of ours.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
}

/// Kill a child's whole process group: `wp` is often a shell wrapper
/// around `php wp-cli.phar`, and killing only the wrapper would leave PHP
/// running with our pipes open.
pub fn kill_group(pid: u32) {
    #[cfg(unix)]
    sys::kill_group(pid);
}

/// The signal's name, for messages.
pub fn name(sig: i32) -> &'static str {
    match sig {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// 128 + N, as shells report a process ended by signal N.
fn exit_status(sig: i32) -> i32 {
    128 + sig
}

/// The exit status of an interrupted batch, if it was. A single run that a
/// signal interrupts exits from the watcher; one that had already written
/// its answer (or error) when the signal came ends with its own status, as
/// that output says.
pub fn exit_code() -> Option<u8> {
    if !BATCH.load(Ordering::SeqCst) {
        return None;
    }
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        sig => u8::try_from(exit_status(sig)).ok(),
    }
}

/// 128 + N for the signal received, if any: the status of a run whose own
/// error says it was interrupted (it may end before the watcher does).
pub fn signal_status() -> Option<u8> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        sig => u8::try_from(exit_status(sig)).ok(),
    }
}

/// Has a signal asked us to stop?
pub fn interrupted() -> Option<&'static str> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(name(sig)),
    }
}

/// What a batch has in flight: sites being worked on, the token call.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// A batch starts (`true`) or ends (`false`) a piece of work a first
/// signal lets finish.
pub fn in_flight(starts: bool) {
    if starts {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    } else {
        let _ = IN_FLIGHT.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }
}

/// From now on the first signal stops the batch instead of ending the run.
pub fn batch_mode() {
    BATCH.store(true, Ordering::SeqCst);
}

/// A request that changes something is about to be sent (by this thread).
pub fn sending(what: &str) {
    if let Ok(mut s) = SENT.lock() {
        *s = Some(what.to_string());
    }
    if let Ok(mut by) = SENT_BY.lock() {
        by.get_or_insert_with(HashMap::new)
            .insert(std::thread::current().id(), what.to_string());
    }
}

/// The request that changes something `thread` has sent since it last
/// called [`forget_sent`], if any.
pub fn sent_by(thread: ThreadId) -> Option<String> {
    SENT_BY
        .lock()
        .ok()
        .and_then(|by| by.as_ref()?.get(&thread).cloned())
}

/// This thread starts on a new site: nothing sent for it yet.
pub fn forget_sent() {
    let me = std::thread::current().id();
    if let Ok(mut by) = SENT_BY.lock() {
        if let Some(by) = by.as_mut() {
            by.remove(&me);
        }
    }
    keys().retain(|(t, _)| *t != me);
}

fn keys() -> std::sync::MutexGuard<'static, Vec<(ThreadId, String)>> {
    KEYS.lock().unwrap_or_else(|e| e.into_inner())
}

/// This thread has a license key issued for its site and not printed yet:
/// a signal's error must carry it.
pub fn issued(key: &str) {
    keys().push((std::thread::current().id(), key.to_string()));
}

/// The license key `thread` was issued and has not printed, if any.
pub fn issued_by(thread: ThreadId) -> Option<String> {
    keys()
        .iter()
        .rev()
        .find(|(t, _)| *t == thread)
        .map(|(_, k)| k.clone())
}

fn last_issued() -> Option<String> {
    keys().last().map(|(_, k)| k.clone())
}

/// An interruption's error, carrying the license key issued and not
/// printed, if there is one (whether it was set is not known).
pub fn with_key(e: Error, key: Option<String>) -> Error {
    match key {
        Some(key) => Error::LicenseNotOnSite {
            failed: Box::new(e),
            key,
            set: None,
        },
        None => e,
    }
}

/// Run `write` (given the signal's name) when a second signal ends the run.
pub fn on_second_signal(write: LastWords) {
    if let Ok(mut hook) = LAST_WORDS.lock() {
        *hook = Some(write);
    }
}

fn sent() -> Option<String> {
    SENT.lock().ok().and_then(|s| s.clone())
}
