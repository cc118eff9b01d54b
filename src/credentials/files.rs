//! Reading secret, token, password and key files: bounded, the first line
//! where a file holds one value.

use crate::error::{Error, FileProblem, Result};
use std::io::Read;
use std::path::Path;

/// Secret, token, password and key files are small; reading stops here
/// (`--partner_secret_file=/dev/zero` must not eat the memory).
const SECRET_FILE_LIMIT: u64 = 64 * 1024;

/// A secret file named by a flag, whole, up to [`SECRET_FILE_LIMIT`].
pub fn read_file(flag: &str, path: &Path) -> Result<String> {
    let bad = |problem| Error::BadFile {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        problem,
    };
    let unreadable = |e: std::io::Error| bad(FileProblem::Unreadable(e.to_string()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(SECRET_FILE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > SECRET_FILE_LIMIT {
        return Err(bad(FileProblem::TooLarge(SECRET_FILE_LIMIT)));
    }
    String::from_utf8(bytes).map_err(|_| bad(FileProblem::NotUtf8))
}

/// A secret file's first line (a trailing newline from `echo` or an editor
/// is not part of it).
pub fn read_first_line(flag: &str, path: &Path) -> Result<String> {
    let text = read_file(flag, path)?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(Error::BadFile {
            flag: flag.to_string(),
            path: path.to_path_buf(),
            problem: FileProblem::Empty,
        });
    }
    Ok(first.to_string())
}
