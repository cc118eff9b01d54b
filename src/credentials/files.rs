//! Reading secret, token, password, key and config files: `-` is stdin;
//! a file others may read or change is refused (`insecure_file`, as ssh
//! refuses a loose key); reading is bounded and never waits for a FIFO
//! nobody writes to; the first line where a file holds one value.

use super::stdin;
use crate::error::{Error, FileProblem, Result};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Secret, token, password, key and config files are small; reading stops
/// here (`--partner_secret_file=/dev/zero` must not eat the memory).
pub const SECRET_FILE_LIMIT: u64 = 64 * 1024;

/// A file read, and which file it was (device, inode), to tell one file
/// named twice.
pub struct Contents {
    pub bytes: Vec<u8>,
    pub id: Option<(u64, u64)>,
}

/// Why a file was not read.
pub enum Refused {
    /// It could not be opened (missing, closed to us): the OS's error.
    Open(std::io::Error),
    Problem(FileProblem),
    /// Others than the owner may read or change it: its mode.
    Loose(u32),
}

/// Opens `path` (without waiting for a writer, should it be a FIFO),
/// refuses it when others than its owner may read or change it, and reads
/// up to `limit` bytes. The mode is that of what was opened (a symlink's
/// target), checked on the open file, so it cannot change in between. Only
/// regular files and FIFOs have a mode that says who else reads them:
/// `/dev/null` or a terminal are taken as they are.
pub fn read_guarded(path: &Path, limit: u64) -> std::result::Result<Contents, Refused> {
    let unreadable = |e: std::io::Error| Refused::Problem(FileProblem::Unreadable(e.to_string()));
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(Refused::Open)?;
    let meta = file.metadata().map_err(unreadable)?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(Refused::Problem(FileProblem::Folder));
    }
    if (kind.is_file() || kind.is_fifo()) && meta.mode() & 0o077 != 0 {
        return Err(Refused::Loose(meta.mode()));
    }
    blocking(&file).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(Refused::Problem(FileProblem::TooLarge(limit)));
    }
    Ok(Contents {
        bytes,
        id: Some((meta.dev(), meta.ino())),
    })
}

/// Reads on the file wait for data again. A FIFO was opened without
/// waiting for a writer; now one that has a writer (`<(cat secret)`)
/// waits for its data, and one without ends at once (empty).
fn blocking(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl(F_GETFL/F_SETFL) reads and sets the status flags of a
    // descriptor we own; it touches no memory of ours.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A secret file named by `flag` (a flag, a variable, a systemd credential
/// or a config key), whole, up to [`SECRET_FILE_LIMIT`]; `-` (or another
/// name of stdin, `/dev/stdin`) is stdin.
pub fn read_file(flag: &str, path: &Path) -> Result<String> {
    let bad = |problem| Error::BadFile {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        problem,
    };
    let bytes = if stdin::is_stdin(path) {
        stdin::read(flag, SECRET_FILE_LIMIT)?
    } else {
        match read_guarded(path, SECRET_FILE_LIMIT) {
            Ok(c) => c.bytes,
            Err(Refused::Open(e)) => return Err(bad(FileProblem::Unreadable(e.to_string()))),
            Err(Refused::Problem(p)) => return Err(bad(p)),
            Err(Refused::Loose(mode)) => {
                return Err(Error::InsecureFile {
                    subject: format!("{flag}={}", path.display()),
                    path: path.to_path_buf(),
                    mode,
                })
            }
        }
    };
    if bytes.len() as u64 > SECRET_FILE_LIMIT {
        return Err(bad(FileProblem::TooLarge(SECRET_FILE_LIMIT)));
    }
    String::from_utf8(bytes).map_err(|_| bad(FileProblem::NotUtf8))
}

/// A secret file's first line (a trailing newline from `echo` or an editor
/// is not part of it).
pub fn read_first_line(flag: &str, path: &Path) -> Result<String> {
    first_line(&read_file(flag, path)?).ok_or_else(|| Error::BadFile {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        problem: FileProblem::Empty,
    })
}

/// The first line, without its line end (nor the byte order mark some
/// Windows editors put first); None when it is empty.
pub fn first_line(text: &str) -> Option<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    (!first.is_empty()).then(|| first.to_string())
}
