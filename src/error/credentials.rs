//! The wording of the errors about where credentials and settings come
//! from: the config file, stdin asked for twice, a token given as JSON, a
//! secret or config file others may read (`insecure_file`).

use super::{Error, FileProblem, HostProblem};
use std::fmt;

/// Why the config file cannot be used (for [`Error::BadConfig`]).
#[derive(Debug)]
pub enum ConfigProblem {
    /// The file as a whole cannot be read.
    File(FileProblem),
    /// Bytes that are not UTF-8 on this line.
    NotUtf8,
    /// Not `key = value`: what was due where it went wrong.
    Syntax(&'static str),
    /// A `[table]`, an array, an inline table or a multi-line string: what
    /// it is.
    Unsupported(&'static str),
    /// A key this file does not take; `known`: the ones it takes.
    UnknownKey {
        key: String,
        known: &'static [&'static str],
    },
    /// The key was set before, on this line.
    Twice { key: String, first: usize },
    /// A value of the wrong kind: what is due.
    Type {
        key: &'static str,
        expected: &'static str,
    },
    /// `-` (stdin) for a file: a config file cannot hand stdin out.
    Stdin(&'static str),
    /// A secret file that is this config file.
    Itself(&'static str),
    /// `api_host` that cannot be used (as `JETPACK_START_API_HOST` could not).
    ApiHost(HostProblem),
    /// A value the flag of the same meaning refuses, in its words.
    Value {
        key: &'static str,
        error: Box<Error>,
    },
}

/// The wording of this module's variants of [`Error`].
pub(super) fn describe(e: &Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const TOKEN_FORMS: &str =
        "give the token alone, or the JSON `jetpack-partner token` printed ({\"access_token\":\"…\",…})";
    match e {
        Error::TokenJson {
            source,
            cause: None,
        } => write!(f, "{source}: JSON without an \"access_token\"; {TOKEN_FORMS}"),
        Error::TokenJson {
            source,
            cause: Some(cause),
        } => write!(
            f,
            "{source}: starts like JSON but is not JSON ({cause}); {TOKEN_FORMS}"
        ),
        Error::StdinTwice { first, second } => write!(
            f,
            "{first}=- and {second}=- both read stdin, which only one of them can in a run; give the other a file"
        ),
        Error::BadConfig {
            file,
            line: 0,
            problem,
        } => write!(f, "{file}: {problem}"),
        Error::BadConfig {
            file,
            line,
            problem,
        } => write!(f, "{file} line {line}: {problem}"),
        Error::InsecureFile {
            subject,
            path,
            mode,
        } => {
            let who = if mode & 0o044 != 0 {
                "other users can read it"
            } else {
                "other users can change it"
            };
            write!(
                f,
                "{subject}: {who} (mode {:04o}), so it is not used (as ssh refuses a loose key); make it readable by its owner only: chmod 600 {}",
                mode & 0o7777,
                shell_words::quote(&path.to_string_lossy())
            )
        }
        other => f.write_str(other.error_code()),
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const EXAMPLE: &str = "e.g. jobs = 8 or partner_secret_file = \"/etc/jetpack/secret\"";
        match self {
            Self::File(FileProblem::Folder) => {
                f.write_str("it is a folder; give the config file itself")
            }
            Self::File(FileProblem::TooLarge(limit)) => write!(
                f,
                "larger than {} KiB, which no config file is; check the path",
                limit / 1024
            ),
            Self::File(FileProblem::Unreadable(cause)) => write!(
                f,
                "cannot read it ({cause}); check the path and its permissions"
            ),
            Self::File(_) => f.write_str("cannot read it; check the path"),
            Self::NotUtf8 => f.write_str("not UTF-8 text; save the file as UTF-8"),
            Self::Syntax(due) => write!(f, "expected {due}; each line is key = value, {EXAMPLE}"),
            Self::Unsupported(what) => write!(
                f,
                "{what} not supported: this file holds only key = value lines, {EXAMPLE}"
            ),
            // A file that is no config (a secret file named by mistake)
            // may hold `secret=…`: only a word that looks like a key of
            // ours is repeated.
            Self::UnknownKey { key, known } if looks_like_a_key(key) => write!(
                f,
                "unknown key {key:?}; the keys are {}",
                known.join(", ")
            ),
            Self::UnknownKey { known, .. } => write!(
                f,
                "unknown key (not repeated here: it does not look like one, is this the config file?); the keys are {}",
                known.join(", ")
            ),
            Self::Twice { key, first } => {
                write!(f, "{key} is set on line {first} already; set it once")
            }
            Self::Type { key, expected } => write!(f, "{key} must be {expected}"),
            Self::Stdin(key) => write!(
                f,
                "{key} = \"-\": a config file cannot read a secret from stdin; name the file (stdin is for the command line: --{key}=-)"
            ),
            Self::Itself(key) => write!(
                f,
                "{key} names this config file itself; name the file that holds the secret"
            ),
            Self::ApiHost(why) => write!(f, "api_host {why}"),
            Self::Value { key, error } => write!(f, "{key}: {error}"),
        }
    }
}

/// Lower-case words joined by `_` or `-`, as keys are.
fn looks_like_a_key(key: &str) -> bool {
    key.len() <= 40
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
}
