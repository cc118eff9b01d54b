//! Tests of the test harness ([`crate::testenv`]) and of the example binary
//! built on it: a test that the fake API, the fake `wp`, the stateful
//! partner model or `examples/fake-api.rs` behave as the other tests
//! assume goes here.
//!
//! - [`selftest`]: the fake API (plain and TLS), the fake `wp`, `TestEnv`.
//! - [`partner_model`]: the partner API model, driven over HTTP.
//! - [`licensing_model`]: the model's Licensing API, site connection and
//!   activations report, driven over HTTP.
//! - [`fake_api_example`]: `examples/fake-api.rs` (the README's demo).

mod fake_api_example;
mod licensing_model;
mod partner_model;
mod selftest;
