//! Overlapping runs (SPEC §9a): a fleet run holds an exclusive advisory
//! lock (`flock`) on its `--skip-done` file and its `--desired` file for the
//! whole run, so two cron runs started a moment apart never both read the
//! same "done" list and provision twice. The second ends at once with
//! `locked`, naming the holder's pid, or waits with `--wait-lock`.

use crate::error::{Error, FileProblem, Result};
use crate::signals;
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A lock held until dropped (the process ending releases it too); None
/// for what is no regular file (a FIFO, `/dev/stdin`: no other run can read
/// it again, and opening a FIFO would wait for its writer).
pub struct Held(#[allow(dead_code)] Option<File>);

/// How often a run waiting for a lock tries again.
const RETRY: Duration = Duration::from_millis(100);

/// Lock `path` (named by `flag`), waiting up to `wait` for another run to
/// let go. With `create`, a file that does not exist yet is created empty
/// (a `--skip-done` file on a cron line's first run), so it can be locked.
pub fn lock(flag: &str, path: &str, create: bool, wait: Option<Duration>) -> Result<Held> {
    let bad = |problem| Error::BadFile {
        flag: flag.into(),
        path: PathBuf::from(path),
        problem,
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Ok(Held(None));
    }
    let file = OpenOptions::new()
        .read(true)
        .append(create)
        .create(create)
        .open(path)
        .or_else(|_| File::open(path))
        .map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
    let deadline = wait.map(|w| Instant::now() + w);
    loop {
        // SAFETY: flock(2) on a descriptor we own; it touches no memory.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(Held(Some(file)));
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(bad(FileProblem::Unreadable(format!("cannot lock it: {e}"))));
        }
        if let Some(signal) = signals::interrupted() {
            return Err(Error::Interrupted { signal, sent: None });
        }
        match deadline {
            Some(d) if Instant::now() < d => std::thread::sleep(RETRY),
            _ => {
                return Err(Error::Locked {
                    flag: flag.into(),
                    path: PathBuf::from(path),
                    holder: holder(&file),
                    waited: wait,
                })
            }
        }
    }
}

/// The pid of the process holding a `flock` on `file`, from `/proc/locks`
/// (Linux: "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF", device numbers
/// in hex).
fn holder(file: &File) -> Option<u32> {
    let meta = file.metadata().ok()?;
    let dev = meta.dev();
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let here = format!("{major:02x}:{minor:02x}:{}", meta.ino());
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Waiters are listed as "->": not the holder.
        match fields.as_slice() {
            [_, "FLOCK", _, _, pid, at, ..] if *at == here => pid.parse().ok(),
            _ => None,
        }
    })
}
