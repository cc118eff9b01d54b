//! Secrets and hostile input, for every command. A test that a secret (the
//! client secret, a partner token, an SSH/FTP password or key) never shows
//! up or never reaches `wp`, or that a value cannot become code, goes here.
//!
//! - [`leaks`]: the scenario list: every command's success and error paths,
//!   each run plain and with `--verbose`, both streams checked for every
//!   secret. A new command adds its scenarios there.
//! - [`redaction`]: SPEC §9 "Redaction is complete": a secret the API or a
//!   usage error echoes back is hidden in every encoding.
//! - [`child_env`]: SPEC §9 "Child processes get no credentials".
//! - [`hostile_input`]: values reach the API and `wp` byte for byte, never
//!   through a shell or PHP source.
//! - [`shown`]: text from the API shown on a terminal or in a spreadsheet
//!   as data: no control or bidi character raw, no CSV formula.

mod child_env;
mod hostile_input;
mod leaks;
mod redaction;
mod shown;
