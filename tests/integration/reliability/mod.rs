//! SPEC §9, "Reliability rules (every command)": one module per rule.
//!
//! `cargo test --test integration reliability::` runs them all; each test
//! names the rule it proves.

mod answers;
mod batch_lines;
mod child_env;
mod edges;
mod output_failures;
mod redaction;
mod signals;
