//! SPEC §9, "Reliability rules (every command)", one module per rule; each
//! test names the rule it proves. A test of a §9 rule goes here unless the
//! rule has a home of its own: redaction and credentials kept from `wp` in
//! `security`, one bad line failing alone in `fleet::lines`, strict
//! answers in `network::answers`, a scheme matched case-insensitively in
//! `network::tls`.
//!
//! - [`signals`]: SIGINT/SIGTERM/SIGHUP with real processes: what was sent,
//!   what a batch finishes, what a resume sends.
//! - [`output_failures`]: a stdout or stderr that cannot be written.
//! - [`bounded_input`]: files and bodies read up to a limit.
//! - [`urls`]: site URLs normalised before use.
//! - [`locks`] (§9a): two runs on the same `--skip-done`/`--desired` file.
//! - [`rate_limits`] (§9a): 429/503 in a fleet, and in a single run.
//! - [`stop_early`] (§9a): a fleet run that cannot succeed.
//! - [`safe_mode`] (§9a): a copy of a site never acts on its original;
//!   two sites sharing a blog id.
//!
//! `cargo test --test integration reliability::` runs them all.

mod bounded_input;
mod locks;
mod output_failures;
mod rate_limits;
mod safe_mode;
mod signals;
mod stop_early;
mod urls;
