//! Renders audit findings (JSON lines, one finding per line) into the audit
//! HTML page, with fixed run facts so the output is the same every time:
//! the browser check (tests/browser/check-report.sh) looks at this page
//! until `audit --format=html` can produce one against the fake API.
//!
//!     cargo run --example audit-html -- tests/browser/fixture.jsonl target/audit.html

use jetpack_partner::audit::html::{render, Page};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: audit-html FINDINGS.jsonl OUT.html");
        return ExitCode::from(2);
    };
    match run(input, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("audit-html: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(input: &str, output: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(input).map_err(|e| format!("{input}: {e}"))?;
    let findings = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{input}:{}: {e}", i + 1)))
        .collect::<Result<Vec<serde_json::Value>, String>>()?;
    let page = Page {
        generated: "2026-11-20T09:30:00Z",
        run: "fixture",
        sites: 12,
        activations: Some(20),
    };
    std::fs::write(output, render(&findings, &page)).map_err(|e| format!("{output}: {e}"))
}
