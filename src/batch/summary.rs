//! How a fleet run ends (SPEC §10): the summary on stderr — a text line or
//! (`--summary=json`) one JSON object — with changed, unchanged, failed,
//! skipped and not started counted apart, and `--metrics-file` in
//! Prometheus text format for node_exporter's textfile collector, written
//! to a temporary file and renamed.

use crate::error::{Error, FileProblem, Result};
use crate::output::{self, clock};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A run's figures.
pub struct Figures<'a> {
    pub run: &'a str,
    pub command: &'a str,
    pub dry_run: bool,
    /// Lines read (sites).
    pub sites: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub skipped: usize,
    pub started: Instant,
    /// Why sites were left: a signal, stdout, a run that cannot succeed.
    pub stopped_because: Option<String>,
}

impl Figures<'_> {
    pub fn not_started(&self) -> usize {
        self.sites
            .saturating_sub(self.changed + self.unchanged + self.failed + self.skipped)
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// `jetpack-partner: 200 sites: 12 changed, 180 unchanged, 8 failed, 0
    /// skipped (done or listed twice)` and what was not started, and why.
    pub fn text(&self) -> String {
        let sites = if self.sites == 1 { "site" } else { "sites" };
        let changed = if self.dry_run {
            "would change"
        } else {
            "changed"
        };
        let mut s = format!(
            "jetpack-partner: {} {sites}: {} {changed}, {} unchanged, {} failed, {} skipped (done or listed twice)",
            self.sites, self.changed, self.unchanged, self.failed, self.skipped
        );
        if let Some(why) = &self.stopped_because {
            s.push_str(&format!(", {} not started ({why})", self.not_started()));
        }
        s.push('\n');
        s
    }

    /// The same as one JSON object.
    pub fn json(&self) -> String {
        let v = json!({
            "run": self.run,
            "sites": self.sites,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped": self.skipped,
            "not_started": self.not_started(),
            "elapsed_ms": self.elapsed_ms(),
            "stopped_because": self.stopped_because,
        });
        format!("{}\n", output::visible::json(&v.to_string()))
    }

    /// The summary (as JSON with `--summary=json`), unless `--quiet` and
    /// nothing changed or failed.
    pub fn print(&self, json: bool) {
        if output::quiet() && self.changed == 0 && self.failed == 0 {
            return;
        }
        output::stderr(&if json { self.json() } else { self.text() });
    }

    /// Prometheus text format; `last_success`: the time of the last run
    /// that had no failure (this one's, when it had none).
    pub fn prometheus(&self, last_success: Option<f64>) -> String {
        let label = format!(
            "command=\"{}\"",
            self.command.replace(['"', '\\', '\n'], "_")
        );
        let mut out = String::new();
        let mut metric = |name: &str, help: &str, value: String| {
            out.push_str(&format!(
                "# HELP jetpack_partner_{name} {help}\n# TYPE jetpack_partner_{name} gauge\njetpack_partner_{name}{{{label}}} {value}\n"
            ));
        };
        for (name, help, n) in [
            (
                "sites",
                "Sites (input lines) the last run read.",
                self.sites,
            ),
            ("changed_sites", "Sites the last run changed.", self.changed),
            (
                "unchanged_sites",
                "Sites the last run found as wanted.",
                self.unchanged,
            ),
            (
                "failed_sites",
                "Sites that failed in the last run.",
                self.failed,
            ),
            (
                "skipped_sites",
                "Sites skipped (done before, or listed twice).",
                self.skipped,
            ),
            (
                "not_started_sites",
                "Sites the last run did not start.",
                self.not_started(),
            ),
        ] {
            metric(name, help, n.to_string());
        }
        metric(
            "last_run_duration_seconds",
            "How long the last run took.",
            format!("{:.3}", self.started.elapsed().as_secs_f64()),
        );
        metric(
            "last_run_timestamp_seconds",
            "When the last run ended.",
            format!("{:.3}", clock::unix_now()),
        );
        if let Some(t) = last_success {
            metric(
                "last_success_timestamp_seconds",
                "When the last run without a failed site ended.",
                format!("{t:.3}"),
            );
        }
        out
    }

    /// Did every site that started succeed, with nothing left?
    pub fn success(&self) -> bool {
        self.failed == 0 && self.stopped_because.is_none()
    }
}

/// Write the metrics to `path` at once (a temporary file beside it,
/// renamed): node_exporter never reads half a file. The last success time
/// is kept from the file there when this run failed.
pub fn write_metrics(path: &Path, figures: &Figures) -> std::io::Result<()> {
    let last_success = if figures.success() {
        Some(clock::unix_now())
    } else {
        std::fs::read_to_string(path).ok().and_then(|old| {
            old.lines()
                .find(|l| l.starts_with("jetpack_partner_last_success_timestamp_seconds{"))
                .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        })
    };
    let tmp = temporary(path);
    std::fs::write(&tmp, figures.prometheus(last_success))?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp.{}", std::process::id()));
    path.with_file_name(name)
}

/// `--metrics-file` that cannot be written fails before anything is sent:
/// a temporary file is made beside it and removed.
pub fn check_metrics(path: &Path) -> Result<()> {
    let tmp = temporary(path);
    std::fs::write(&tmp, b"")
        .and_then(|()| std::fs::remove_file(&tmp))
        .map_err(|e| Error::BadFile {
            flag: "--metrics-file".into(),
            path: path.to_path_buf(),
            problem: FileProblem::Unwritable(e.to_string()),
        })
}
