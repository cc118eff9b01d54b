//! Property tests, our stand-in for `cargo fuzz` (which needs a nightly
//! toolchain): a property that must hold for any generated input goes
//! here. Failures are shrunk and their seeds kept in `tests/regressions/`,
//! replayed first on every run.
//!
//! - [`fuzz_props`]: the pure parts of the library (flag parsing, `wp`
//!   output, answer judging, encoding, redaction, batch input).
//! - [`api_path_props`]: `api PATH` never sends the token to another host.

mod api_path_props;
mod fuzz_props;
