//! jetpack-partner: provision and cancel Jetpack plans through the
//! WordPress.com partner API. `main` only parses, dispatches and maps the
//! result to an exit code and one output.

use jetpack_partner::cli::{self, Failure};
use jetpack_partner::{output, Outcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    output::install_panic_hook();
    let env = |k: &str| std::env::var(k).ok();
    let invocation = match cli::parse(std::env::args_os().collect(), &env) {
        Ok(i) => i,
        // `--help`/`--version` on stdout with exit 0; every other usage
        // problem on stderr with exit 1 (the scripts' contract), before
        // anything is run or sent.
        Err(Failure::Usage(u)) => {
            u.print();
            return if u.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
        Err(Failure::Invalid(e)) => return failure(&e),
    };
    match jetpack_partner::run(invocation) {
        Ok(Outcome::Body(body)) => output::body(&body),
        Ok(Outcome::Json(v)) => output::json_line(&v),
        Ok(Outcome::Printed { failed: true }) => return ExitCode::FAILURE,
        Ok(Outcome::Printed { failed: false }) => {}
        Err(e) => return failure(&e),
    }
    ExitCode::SUCCESS
}

fn failure(e: &jetpack_partner::error::Error) -> ExitCode {
    output::error(e);
    ExitCode::FAILURE
}
