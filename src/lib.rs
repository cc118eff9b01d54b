//! jetpack-partner as a library: the binary in `main.rs` parses flags and
//! prints; everything else lives here so tests and fuzz targets can reach
//! the pure parts (flag parsing, `wp` output parsing, API answer rules).
//!
//! Data flows one way: flags (`cli`) → plan of work (`context`) → WordPress
//! facts (`wp`) → API calls (`api`) → one output (`output`).

pub mod api;
pub mod batch;
pub mod cancel;
pub mod cli;
pub mod context;
pub mod error;
pub mod output;
pub mod partner_key;
pub mod provision;
pub mod tls;
pub mod upgrade_paths;
pub mod wp;

use cli::Invocation;
use context::Context;

/// What a successful command prints on stdout.
pub enum Outcome {
    /// The API's body, verbatim.
    Body(Vec<u8>),
    /// A document we built (dry-run).
    Json(serde_json::Value),
    /// Output already printed line by line (batch); exit 1 if any failed.
    Printed { failed: bool },
}

/// Run a parsed command.
pub fn run(invocation: &Invocation) -> error::Result<Outcome> {
    match invocation {
        Invocation::Provision(a, c) => {
            Context::new(&a.common.run, c).and_then(|x| provision::run(a, &x))
        }
        Invocation::Cancel(a, c) => Context::new(&a.common.run, c).and_then(|x| cancel::run(a, &x)),
        Invocation::UpgradePaths(a, c) => {
            Context::new(&a.run, c).and_then(|x| upgrade_paths::run(a, &x))
        }
        Invocation::PartnerKeyNew(a, c) => {
            Context::new(&a.run, c).and_then(|x| partner_key::new_key(a, &x))
        }
        Invocation::Verify(a, c) => {
            Context::new(&a.run, c).and_then(|x| partner_key::verify(a, &x))
        }
    }
}
