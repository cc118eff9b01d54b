//! Reading input lines (`--batch`, `--desired`, `--skip-done`): one line at
//! a time, each at most [`LINE_LIMIT`] bytes, on a thread of its own so that
//! a reader stuck on a FIFO or a terminal still gives way to a signal.

use crate::error::{Error, FileProblem, Result};
use crate::signals;
use std::io::{BufRead, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// How often a reader waiting for input looks whether the run stopped.
pub const POLL: Duration = Duration::from_millis(50);

/// A batch line is a few hundred bytes; past this it is not one.
pub const LINE_LIMIT: usize = 1 << 20;

/// One line read: whole (false: longer than [`LINE_LIMIT`], dropped) and
/// its bytes without the newline.
pub type Line = std::io::Result<(bool, Vec<u8>)>;

/// A file of lines, ready to read; a folder is no such file. A FIFO is
/// opened when it is first read (on the reading thread): opening one waits
/// for a writer, and a run must still give way to a signal meanwhile.
pub fn open(flag: &str, path: &str) -> Result<Box<dyn Read + Send>> {
    let bad = |problem| Error::BadFile {
        flag: flag.into(),
        path: PathBuf::from(path),
        problem,
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
    if meta.is_dir() {
        return Err(bad(FileProblem::Folder));
    }
    if meta.file_type().is_fifo() {
        return Ok(Box::new(Later {
            path: PathBuf::from(path),
            file: None,
        }));
    }
    let f = std::fs::File::open(path).map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
    Ok(Box::new(f))
}

/// A file opened by its first read.
struct Later {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl Read for Later {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.file.is_none() {
            self.file = Some(std::fs::File::open(&self.path)?);
        }
        match self.file.as_mut() {
            Some(f) => f.read(buf),
            None => Ok(0),
        }
    }
}

/// Input lines, read on a thread of their own. Nothing waits for that
/// thread: a read of stdin cannot be interrupted, and a run stopped by a
/// signal or a failed write must end without the next line. Bounded, so a
/// fast input is never read far ahead of the sites.
pub fn pump(mut input: Box<dyn BufRead + Send>) -> mpsc::Receiver<Line> {
    let (tx, rx) = mpsc::sync_channel(16);
    let on_failure = tx.clone();
    let reading = std::thread::Builder::new()
        .name("batch-input".into())
        .spawn(move || {
            let mut raw = Vec::new();
            loop {
                let line = match read_line(&mut *input, &mut raw) {
                    Ok(None) => break,
                    Ok(Some(whole)) => Ok((whole, std::mem::take(&mut raw))),
                    Err(e) => Err(e),
                };
                let last = line.is_err();
                if tx.send(line).is_err() || last {
                    break;
                }
            }
        });
    if let Err(e) = reading {
        let _ = on_failure.send(Err(e));
    }
    rx
}

/// The next line (without its newline) into `raw`: Some(true) whole,
/// Some(false) longer than [`LINE_LIMIT`] (the rest of it is read and
/// dropped, so memory stays bounded), None at the end of the input.
fn read_line(input: &mut dyn BufRead, raw: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    raw.clear();
    let mut whole = true;
    loop {
        // A line that never ends (`/dev/zero`) is read until a signal.
        if signals::interrupted().is_some() {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok((!raw.is_empty() || !whole).then_some(whole));
        }
        let (chunk, end) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if whole && raw.len() + chunk.len() <= LINE_LIMIT {
            raw.extend_from_slice(chunk);
        } else {
            whole = false;
            raw.clear();
        }
        let used = end.unwrap_or(buf.len());
        input.consume(used);
        if end.is_some() {
            return Ok(Some(whole));
        }
    }
}
