//! jetpack-partner as a library: the binary in `main.rs` parses flags and
//! prints; everything else lives here so tests and fuzz targets can reach
//! the pure parts (flag parsing, `wp` output parsing, API answer rules).
//!
//! Data flows one way: flags (`cli`) → typed plans (`plan`) → the site
//! (`site`, asking WordPress through `wp`) → the steps of the command
//! (`work`, from the `endpoints` table) → the executor (`exec`, over `api`),
//! one site or many (`batch`) → one output (`output`).

pub mod api;
pub mod batch;
pub mod cli;
pub mod endpoints;
pub mod error;
pub mod exec;
pub mod output;
pub mod plan;
pub mod process;
pub mod signals;
pub mod site;
pub mod tls;
pub mod work;
pub mod wp;

use exec::{Done, Executor};
use plan::{Command, Invocation, Target};

pub use output::Outcome;

impl From<Done> for Outcome {
    fn from(d: Done) -> Outcome {
        match d {
            Done::Body(b) => Outcome::Body(b),
            Done::DryRun(v) => Outcome::Json(v),
        }
    }
}

/// Run a parsed command: one site, a batch, or a site-less request.
pub fn run(invocation: Invocation) -> error::Result<Outcome> {
    let Invocation { settings, command } = invocation;
    output::set_verbose(settings.verbose);
    match command {
        Command::Site { creds, target } => {
            let exec = Executor::new(settings, creds);
            match target {
                Target::One(job) => exec.site(&job).map(Outcome::from),
                Target::Many(batch) => {
                    batch::run(&batch, &exec).map(|failed| Outcome::Printed { failed })
                }
            }
        }
        Command::PartnerKeyNew { creds, form } => Executor::new(settings, creds)
            .plain(endpoints::PARTNER_KEY_NEW.request().form(form))
            .map(Outcome::from),
        Command::Verify { creds } => Executor::new(settings, creds)
            .plain(endpoints::PARTNER_KEY_VERIFY.request())
            .map(Outcome::from),
    }
}
