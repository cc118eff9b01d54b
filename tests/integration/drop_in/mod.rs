//! The drop-in commands (SPEC §1–§5): `provision` and `cancel` as the old
//! scripts ran them, end to end against the fake API and the fake `wp`
//! replaying real WP-CLI transcripts — the exact requests, stdout, stderr
//! JSON and exit code — and the flag layer every command shares.
//!
//! - [`provision`]: a test of what `provision` asks WordPress, sends and
//!   prints.
//! - [`cancel`]: the same for `cancel`: the site by Jetpack blog id or
//!   site suffix.
//! - [`cli`]: flag parsing as the outside sees it: help, `--version`, usage
//!   errors, the old script names.
//!
//! Flags SPEC §7 and §8 added to these commands (`cancel --plan`,
//! `--if-needed`) are in `partner_api`; `wp` failing is `wordpress`, the
//! network failing `network`.

mod cancel;
mod cli;
mod provision;
