//! Rate limits in fleets (SPEC §9a). A 429 or 503 answer means the API did
//! not carry out the request: in a fleet run it is not a site failure. The
//! request waits its turn again: every worker pauses for `Retry-After` (or
//! a backoff that doubles), the number of requests in flight is halved
//! (multiplicative decrease), and each answer that is not busy lets it grow
//! back towards `--jobs` by 1/limit (additive increase, one per round).
//! The request fails with the API's busy answer only after `--max-wait` of
//! throttling. A single run does not throttle (the scripts' behaviour).

use crate::error::{Error, Result};
use crate::output;
use crate::signals;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// First pause without a `Retry-After`; it doubles up to [`BACKOFF_CAP`].
const BACKOFF: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(60);
/// How often a waiting worker looks for a signal.
const TICK: Duration = Duration::from_millis(100);

pub struct Throttle {
    jobs: usize,
    max_wait: Duration,
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    /// Requests allowed in flight (fractional: it grows by 1/limit).
    limit: f64,
    in_flight: usize,
    /// No request starts before this.
    paused_until: Option<Instant>,
    /// Busy answers in a row (the backoff doubles with each).
    strikes: u32,
}

/// A request's turn; it ends when dropped.
pub struct Turn<'a>(&'a Throttle);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state();
        s.in_flight = s.in_flight.saturating_sub(1);
        drop(s);
        self.0.changed.notify_all();
    }
}

impl Throttle {
    pub fn new(jobs: usize, max_wait: Duration) -> Throttle {
        Throttle {
            jobs: jobs.max(1),
            max_wait,
            state: Mutex::new(State {
                limit: jobs.max(1) as f64,
                in_flight: 0,
                paused_until: None,
                strikes: 0,
            }),
            changed: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait for a turn: no pause on, fewer requests in flight than the
    /// limit. A signal ends the wait (nothing was sent).
    pub fn turn(&self) -> Result<Turn<'_>> {
        let mut s = self.state();
        loop {
            if let Some(signal) = signals::interrupted() {
                return Err(Error::Interrupted { signal, sent: None });
            }
            let now = Instant::now();
            let wait = match s.paused_until {
                Some(until) if until > now => Some((until - now).min(TICK)),
                _ if (s.in_flight as f64) < s.limit.floor() => None,
                _ => Some(TICK),
            };
            let Some(wait) = wait else { break };
            s = self
                .changed
                .wait_timeout(s, wait)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        s.in_flight += 1;
        Ok(Turn(self))
    }

    /// An answer that was not busy: the limit grows back towards `--jobs`.
    pub fn fine(&self) {
        let mut s = self.state();
        s.strikes = 0;
        s.limit = (s.limit + 1.0 / s.limit).min(self.jobs as f64);
        drop(s);
        self.changed.notify_all();
    }

    /// A busy answer (429/503) to a request first throttled at `since`:
    /// pause everyone, halve the limit. False when the request has waited
    /// `--max-wait` already (it fails with the answer).
    pub fn busy(&self, retry_after: Option<Duration>, since: Instant) -> bool {
        let mut s = self.state();
        s.strikes += 1;
        s.limit = (s.limit / 2.0).max(1.0);
        let backoff = BACKOFF
            .saturating_mul(1 << (s.strikes - 1).min(6))
            .min(BACKOFF_CAP);
        let left = self.max_wait.saturating_sub(since.elapsed());
        if left.is_zero() {
            return false;
        }
        let pause = retry_after.unwrap_or(backoff).min(left);
        let until = Instant::now() + pause;
        if s.paused_until.is_none_or(|p| p < until) {
            s.paused_until = Some(until);
            output::note(&format!(
                "the API is busy (rate limited): pausing every site for {:.1} s, {} at a time now",
                pause.as_secs_f64(),
                s.limit.floor()
            ));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_halves_and_fine_grows_back_additively() {
        let t = Throttle::new(8, Duration::from_secs(600));
        assert!(t.busy(Some(Duration::ZERO), Instant::now()));
        assert_eq!(t.state().limit, 4.0);
        assert!(t.busy(Some(Duration::ZERO), Instant::now()));
        assert_eq!(t.state().limit, 2.0);
        // One round (limit answers) adds about one.
        t.fine();
        t.fine();
        assert!((t.state().limit - 2.9).abs() < 0.1, "{}", t.state().limit);
        for _ in 0..100 {
            t.fine();
        }
        assert_eq!(t.state().limit, 8.0);
    }

    #[test]
    fn past_max_wait_the_request_fails() {
        let t = Throttle::new(2, Duration::ZERO);
        assert!(!t.busy(None, Instant::now()));
    }
}
