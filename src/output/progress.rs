//! The one progress line (SPEC §10), on stderr and only when it is a
//! terminal: done/total (total known up front for files and networks),
//! failures, rate and time left, redrawn at most ten times a second.
//! Batches, `apply` and `sites` draw it the same way.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    on: bool,
    /// What is counted: "sites", "installs".
    noun: &'static str,
    total: Option<usize>,
    started: Instant,
    drawn: Option<Instant>,
}

impl Progress {
    /// A progress line for `total` (when known) `noun`s; off unless stderr
    /// is a terminal and the run is not `--quiet`.
    pub fn new(noun: &'static str, total: Option<usize>) -> Progress {
        Progress {
            on: std::io::stderr().is_terminal() && !super::quiet(),
            noun,
            total,
            started: Instant::now(),
            drawn: None,
        }
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    pub fn set_total(&mut self, total: Option<usize>) {
        self.total = total;
    }

    /// Redraw (at most ten times a second unless `now`): `done` of them
    /// finished, `failed` of those failed; `detail` says more ("3 214
    /// folders").
    pub fn show(&mut self, done: usize, failed: usize, detail: &str, now: bool) {
        if !self.on || (!now && self.drawn.is_some_and(|t| t.elapsed() < TICK)) {
            return;
        }
        self.drawn = Some(Instant::now());
        super::stderr(&format!("\r{}\x1b[K", self.line(done, failed, detail)));
    }

    /// The line as it stands (without the carriage return).
    pub fn line(&self, done: usize, failed: usize, detail: &str) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        let mut s = match self.total {
            Some(total) => format!("jetpack-partner: {done}/{total} {}", self.noun),
            None => format!("jetpack-partner: {done} {}", self.noun),
        };
        if !detail.is_empty() {
            s.push_str(&format!(", {detail}"));
        }
        s.push_str(&format!(", {failed} failed, {rate:.1}/s"));
        if let (Some(total), true) = (self.total, rate > 0.0) {
            let left = total.saturating_sub(done) as f64 / rate;
            s.push_str(&format!(", ETA {}", eta(left)));
        }
        s
    }

    /// The last state drawn for good, and a new line.
    pub fn end(&mut self, done: usize, failed: usize, detail: &str) {
        if self.on {
            self.show(done, failed, detail, true);
            super::stderr("\n");
            self.on = false;
        }
    }
}

const TICK: Duration = Duration::from_millis(100);

/// Seconds as "40 s", "3 min 20 s", "2 h 5 min".
fn eta(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_done_total_failed_rate_and_eta() {
        let mut p = Progress::new("sites", Some(200));
        p.started = Instant::now() - Duration::from_secs(10);
        let line = p.line(40, 2, "");
        assert!(
            line.starts_with("jetpack-partner: 40/200 sites, 2 failed, 4.0/s, ETA "),
            "{line}"
        );
        assert!(line.ends_with("40 s"), "{line}");
        let p = Progress::new("installs", None);
        assert!(p
            .line(3, 0, "120 folders")
            .starts_with("jetpack-partner: 3 installs, 120 folders, 0 failed"));
        assert_eq!(eta(200.0), "3 min 20 s");
        assert_eq!(eta(7500.0), "2 h 5 min");
    }
}
