//! stdin (`-`) for one flag per run. Which flag reads it is settled from
//! the command line before anything runs ([`claim`]): two flags given `-`
//! are refused there, and a batch's or `apply`'s input on stdin keeps it.
//! A secret read from stdin is read once and kept, since the command line's
//! flags are read again for every batch line.

use crate::error::{Error, Result};
use std::io::{IsTerminal, Read};
use std::sync::Mutex;

/// The flags (by clap id) that read stdin when given `-`: the secret files
/// read here, and the inputs commands read themselves (`--batch`,
/// `--desired`, `api --input`). The licensing commands' token files go
/// here too.
pub const STDIN_FLAGS: &[&str] = &[
    "config",
    "partner_secret_file",
    "access_token_file",
    "ssh_pass_file",
    "ftp_pass_file",
    "ssh_private_key",
    "licensing_token_file",
    "reporting_token_file",
    "batch",
    "desired",
    "input",
];

/// `-`, or another name of what stdin is (`/dev/stdin`, `/dev/fd/0`, a
/// link to the pipe): reading it must go through [`read`] too, or it could
/// take a batch's input. A regular file that is also stdin (`< file`) is
/// read as the file it is.
pub fn is_stdin(path: &std::path::Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    if path.as_os_str() == "-" {
        return true;
    }
    let Ok(named) = std::fs::metadata(path) else {
        return false;
    };
    let ours = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| std::fs::File::from(fd).metadata());
    match ours {
        Ok(ours) => !named.is_file() && (named.dev(), named.ino()) == (ours.dev(), ours.ino()),
        Err(_) => false,
    }
}

struct Stdin {
    /// Who reads stdin in this run (`--batch`, `JETPACK_PARTNER_SECRET_FILE`).
    owner: Option<String>,
    /// What it read (or the OS's words why not), up to its limit + 1.
    read: Option<std::result::Result<Vec<u8>, String>>,
}

static STDIN: Mutex<Stdin> = Mutex::new(Stdin {
    owner: None,
    read: None,
});

fn state() -> std::sync::MutexGuard<'static, Stdin> {
    STDIN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The command line's flags given `-` (as `--long`), in the command's
/// order.
pub fn asking(m: &clap::ArgMatches, cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| STDIN_FLAGS.contains(&a.get_id().as_str()))
        .filter(|a| {
            m.try_get_raw(a.get_id().as_str())
                .ok()
                .flatten()
                .is_some_and(|mut values| values.any(|v| v == "-"))
        })
        .map(|a| format!("--{}", a.get_long().unwrap_or(a.get_id().as_str())))
        .collect()
}

/// Settles who reads stdin from the command line: nobody, the one flag
/// given `-`, or an error when two are.
pub fn claim(m: &clap::ArgMatches, cmd: &clap::Command) -> Result<()> {
    let asking = asking(m, cmd);
    if let [first, second, ..] = asking.as_slice() {
        return Err(Error::StdinTwice {
            first: first.clone(),
            second: second.clone(),
        });
    }
    state().owner = asking.into_iter().next();
    Ok(())
}

/// stdin's bytes for `who` (up to `limit` + 1: the caller says what is
/// too large), read on the first call and kept. Refused when stdin is
/// another's: the first to read it is its owner if the command line named
/// none.
pub fn read(who: &str, limit: u64) -> Result<Vec<u8>> {
    let mut s = state();
    match &s.owner {
        Some(owner) if owner != who => {
            return Err(Error::StdinTwice {
                first: owner.clone(),
                second: who.to_string(),
            })
        }
        Some(_) => {}
        None => s.owner = Some(who.to_string()),
    }
    if s.read.is_none() && std::io::stdin().is_terminal() {
        // A run from a shell would wait for a secret nobody types (and
        // show it on the screen): this tool never prompts.
        return Err(Error::BadFile {
            flag: who.to_string(),
            path: "-".into(),
            problem: crate::error::FileProblem::Terminal,
        });
    }
    let read = s.read.get_or_insert_with(|| {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map(|_| bytes)
            .map_err(|e| e.to_string())
    });
    read.clone().map_err(|cause| Error::BadFile {
        flag: who.to_string(),
        path: "-".into(),
        problem: crate::error::FileProblem::Unreadable(cause),
    })
}
