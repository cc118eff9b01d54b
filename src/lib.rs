//! jetpack-partner as a library: the binary in `main.rs` parses flags and
//! prints; everything else lives here so tests and fuzz targets can reach
//! the pure parts (flag parsing, `wp` output parsing, API answer rules).
//!
//! Data flows one way: argv (`cli`) → the command's module (`commands`,
//! using the flag toolkit in `flags`) → a typed job (`job`) → the site
//! (`site`, asking WordPress through `wp`) → the command's steps (`work`,
//! built from the `endpoints` table) → the one executor (`exec`, over
//! `api`), one site or many (`batch`, on the worker `pool`) → one output
//! (`output`).

pub mod api;
pub mod audit;
pub mod batch;
pub mod cli;
pub mod commands;
pub mod config;
pub mod credentials;
pub mod endpoints;
pub mod environment;
pub mod error;
pub mod exec;
pub mod flags;
pub mod holdings;
pub mod job;
pub mod output;
pub mod pool;
pub mod process;
pub mod scan;
pub mod signals;
pub mod site;
pub mod tls;
pub mod tokens;
pub mod version;
pub mod work;
pub mod wp;

use exec::{Done, Executor};
use job::{Invocation, Run, Target};

pub use output::Outcome;

impl From<Done> for Outcome {
    fn from(d: Done) -> Outcome {
        match d {
            Done::Body(b) => Outcome::Body(b),
            Done::Applied(fields) => Outcome::Json(serde_json::Value::Object(fields)),
            Done::Unchanged(status) => Outcome::Json(serde_json::json!({
                "success": true,
                "changed": false,
                "status": status,
            })),
            Done::DryRun(v) => Outcome::Json(v),
            Done::Printed => Outcome::Printed { failed: false },
        }
    }
}

/// Run a parsed command: one site, a batch, requests without a site, the
/// token alone, or a scan of the disk.
pub fn run(invocation: Invocation) -> error::Result<Outcome> {
    let Invocation { settings, run } = invocation;
    output::set_verbose(settings.verbose);
    output::set_quiet(settings.quiet);
    let printed = |failed| Outcome::Printed { failed };
    match run {
        Run::Site { auth, target, .. } => {
            let exec = Executor::new(settings, auth);
            match target {
                Target::One(job) => exec.site(&job).map(Outcome::from),
                Target::OneListed { job, meta, listing } => {
                    batch::one(&job, meta, &listing, &exec).map(printed)
                }
                Target::Many(batch) => {
                    let exec = exec.throttled(batch.jobs, batch.limits.max_wait);
                    batch::run(&batch, &exec).map(printed)
                }
            }
        }
        Run::Plain { auth, work } => Executor::new(settings, auth).plain(work).map(Outcome::from),
        Run::Token { creds } => Executor::new(settings, Some(job::Auth::Client(creds)))
            .token_answer()
            .map(Outcome::from),
        Run::Task { auth, task } => task.run(&Executor::new(settings, auth)).map(printed),
    }
}
