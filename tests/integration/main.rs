//! The integration tests: one test crate (one binary to build and link),
//! a module per subject, and the shared harness in [`testenv`].
//!
//! `cargo test --test integration` runs them all; a module or one test by
//! name filter, e.g. `cargo test --test integration wp_faults::`.

mod testenv;

mod api_path_props;
mod apply;
mod batch;
mod cancel;
mod cli;
mod fake_api_example;
mod faults;
mod fuzz_props;
mod harness_selftest;
mod leaks;
mod network_faults;
mod partner_api;
mod partner_key;
mod partner_model;
mod php_facts;
mod provision;
mod readme;
mod reliability;
mod security;
mod sites;
mod upgrade_paths;
mod wp_faults;
