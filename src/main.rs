//! jetpack-partner: provision and cancel Jetpack plans through the
//! WordPress.com partner API. `main` only parses, dispatches and maps the
//! result to an exit code and one output.

use jetpack_partner::cli::{self, Failure};
use jetpack_partner::error::Error;
use jetpack_partner::{environment, output, signals};
use std::process::ExitCode;

fn main() -> ExitCode {
    output::install_panic_hook();
    environment::keep_private();
    signals::install();
    let env = |k: &str| std::env::var(k).ok();
    let result = match cli::parse(std::env::args_os().collect(), &env) {
        Ok(invocation) => {
            output::set_read_only(invocation.read_only());
            jetpack_partner::run(invocation).and_then(|o| o.print())
        }
        // `--help`/`--version` on stdout with exit 0; every other usage
        // problem on stderr with exit 1 (the scripts' contract), before
        // anything is run or sent.
        Err(Failure::Usage(u)) => {
            let written = u.print();
            return ExitCode::from(u8::from(!(u.is_success() && written)));
        }
        Err(Failure::Invalid(e)) => Err(e),
    };
    if output::quiet_end() && signals::interrupted().is_none() {
        return ExitCode::SUCCESS;
    }
    let mut interrupted = false;
    let failed = result.unwrap_or_else(|e| {
        interrupted = matches!(e, Error::Interrupted { .. });
        output::error(&e);
        true
    });
    // An interrupted batch, or a run that ended with its `interrupted`
    // error before the signal watcher could, ends with 128 + N.
    let by_signal = signals::exit_code().or(interrupted.then(signals::signal_status).flatten());
    match by_signal {
        Some(code) => ExitCode::from(code),
        None => ExitCode::from(u8::from(failed)),
    }
}
