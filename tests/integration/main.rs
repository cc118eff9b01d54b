//! The integration tests: one test crate (one binary to build and link),
//! one module per subject, and the shared harness in [`testenv`].
//!
//! Where a new test goes: a test of one command's own behaviour goes with
//! that command; a test of a rule every command follows goes with the
//! rule. Each module's own doc says what belongs there.
//!
//! | module | a test of … |
//! |---|---|
//! | [`audit`] | `audit` (SPEC §11): the findings planted, nothing but reads sent |
//! | [`drop_in`] | `provision` and `cancel` as the old scripts ran them (SPEC §1–§5); flags, help, usage errors, the old script names |
//! | [`partner_api`] | each command beyond the scripts, one module per command (SPEC §6, §7, `--if-needed`), and the questions every one of them answers alike (`matrix`) |
//! | [`fleet`] | many sites (SPEC §8): `--batch`, `--all-sites`, resuming, `apply`, `sites` |
//! | [`licensing`] | the licensing commands and `connect` (SPEC §11): `license issue/show/revoke/list/products/attach/detach/set/unset`, `connect`, the tokens they take, the request id in failures |
//! | [`wordpress`] | `wp` missing, refusing, hanging, dying or printing noise (SPEC §3) |
//! | [`network`] | talking to WordPress.com going wrong: retries, never sending twice, time-outs, TLS, proxies, broken or failing answers (SPEC §4, §5) |
//! | [`reliability`] | the other SPEC §9 rules: signals, output that cannot be written, bounded input, URL normalisation |
//! | [`security`] | secrets never shown (any command, any encoding) nor given to `wp`; hostile values staying data |
//! | [`credentials`] | where credentials and settings come from (SPEC §10): flags, environment, systemd credentials, the config file, stdin (`-`); `insecure_file`; tokens as JSON |
//! | [`properties`] | properties over generated input (our stand-in for `cargo fuzz`) |
//! | [`readme`] | the documentation's tested examples (README, CONTRIBUTING, docs/), its error table, links and code map |
//! | [`harness`] | the harness itself: fake API, fake `wp`, partner model, `examples/fake-api.rs` |
//! | [`php_facts`] | the PHP programs against a real WordPress (ignored unless set up) |
//!
//! `cargo test --test integration` runs them all; a module or one test by
//! name filter, e.g. `cargo test --test integration wordpress::`.

mod testenv;

mod audit;
mod credentials;
mod drop_in;
mod fleet;
mod harness;
mod licensing;
mod network;
mod partner_api;
mod php_facts;
mod properties;
mod readme;
mod reliability;
mod security;
mod wordpress;
