//! jetpack-partner: provision and cancel Jetpack plans through the
//! WordPress.com partner API. `main` only parses, dispatches and maps the
//! result to an exit code and one output.

mod api;
mod cancel;
mod cli;
mod context;
mod error;
mod output;
mod partner_key;
mod provision;
mod tls;
mod upgrade_paths;
mod wp;

use clap::error::ErrorKind;
use std::process::ExitCode;

/// What a successful command prints on stdout.
pub enum Outcome {
    /// The API's body, verbatim.
    Body(Vec<u8>),
    /// A document we built (dry-run).
    Json(serde_json::Value),
}

fn main() -> ExitCode {
    let invocation = match cli::parse(std::env::args_os().collect(), &|k| std::env::var(k).ok()) {
        Ok(i) => i,
        Err(e) => return usage(e),
    };
    use cli::Invocation as I;
    use context::Context;
    let result = match &invocation {
        I::Provision(a, c) => Context::new(&a.common.run, c).and_then(|x| provision::run(a, &x)),
        I::Cancel(a, c) => Context::new(&a.common.run, c).and_then(|x| cancel::run(a, &x)),
        I::UpgradePaths(a, c) => Context::new(&a.run, c).and_then(|x| upgrade_paths::run(a, &x)),
        I::PartnerKeyNew(a, c) => Context::new(&a.run, c).and_then(|x| partner_key::new_key(a, &x)),
        I::Verify(a, c) => Context::new(&a.run, c).and_then(|x| partner_key::verify(a, &x)),
    };
    match result {
        Ok(Outcome::Body(body)) => {
            output::success(&body);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Json(v)) => {
            output::json_line(&v);
            ExitCode::SUCCESS
        }
        Err(e) => {
            output::error(&e);
            ExitCode::FAILURE
        }
    }
}

/// `--help`/`--version` go to stdout with exit 0; every other parse problem
/// prints the usage on stderr and exits 1 (the scripts' contract), before
/// anything is run or sent.
fn usage(e: cli::UsageError) -> ExitCode {
    let _ = e.error.print();
    match e.error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitCode::FAILURE,
        _ => {
            if !e.error.to_string().contains("Usage:") {
                eprintln!("\n{}", e.usage);
            }
            ExitCode::FAILURE
        }
    }
}
