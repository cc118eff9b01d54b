//! jetpack-partner: provision and cancel Jetpack plans through the
//! WordPress.com partner API. `main` only parses, dispatches and maps the
//! result to an exit code and one output.

use clap::error::ErrorKind;
use jetpack_partner::{cli, output, Outcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must still end as the contract says: exit 1 and one JSON object
    // on stderr, not a Rust panic message (release builds abort on panic).
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let msg = format!(
            "jetpack-partner hit a bug ({what}{}); nothing more was sent. Please report it with the command line (without secrets)",
            info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default()
        );
        let err = output::object_text(&[
            ("success".into(), false.into()),
            ("error_code".into(), "internal_error".into()),
            ("error_message".into(), output::redact(&msg).into()),
        ]);
        eprintln!("{err}");
        std::process::exit(1);
    }));
    let invocation = match cli::parse(std::env::args_os().collect(), &|k| std::env::var(k).ok()) {
        Ok(i) => i,
        Err(e) => return usage(e),
    };
    match jetpack_partner::run(&invocation) {
        Ok(Outcome::Body(body)) => {
            output::success(&body);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Json(v)) => {
            output::json_line(&v);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Printed { failed }) => {
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
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
