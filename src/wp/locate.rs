//! Finding `wp` and the WordPress root, before anything runs.

use super::{Wp, WpSettings};
use crate::error::{Error, Result, WpMissing};
use std::path::{Path, PathBuf};

impl Wp {
    /// The `wp` command: `--wp-cli-path`'s words (a bare first word resolved
    /// through PATH now, so "not found" is told apart from "found but
    /// failed"), else `wp` on PATH; globals `--allow-root`, `--path=`,
    /// `--url=` in WP-CLI's usual order.
    pub fn locate(s: &WpSettings, url: Option<&str>) -> Result<Wp> {
        let program = match &s.program {
            Some(words) => {
                let mut w = words.clone();
                let first = PathBuf::from(&w[0]);
                if first.components().count() == 1 {
                    match which::which(&w[0]) {
                        Ok(p) => w[0] = p.to_string_lossy().into_owned(),
                        Err(_) => {
                            return Err(Error::WpNotFound(WpMissing::CommandNotOnPath(
                                w[0].clone(),
                            )))
                        }
                    }
                } else if !first.exists() {
                    return Err(Error::WpNotFound(WpMissing::NoSuchFile(w[0].clone())));
                }
                w
            }
            None => match which::which("wp") {
                Ok(p) => vec![p.to_string_lossy().into_owned()],
                Err(_) => return Err(Error::WpNotFound(WpMissing::NotOnPath)),
            },
        };

        let root = match &s.path {
            Some(p) => Some(p.clone()),
            None => own_wordpress_root().map(|p| p.to_string_lossy().into_owned()),
        };
        let mut globals = Vec::new();
        if s.allow_root {
            globals.push("--allow-root".to_string());
        }
        if let Some(r) = &root {
            globals.push(format!("--path={r}"));
        }
        if let Some(u) = url {
            globals.push(format!("--url={u}"));
        }
        let place = match &root {
            Some(r) => r.clone(),
            None => std::env::current_dir()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_else(|_| "the working directory".into()),
        };
        Ok(Wp {
            program,
            globals,
            timeout: s.timeout,
            place,
        })
    }
}

/// The WordPress tree this executable sits in, if any: a copy in
/// wp-content/plugins/jetpack/bin/ works from any working directory, as the
/// old scripts did by cd-ing to their own folder.
fn own_wordpress_root() -> Option<PathBuf> {
    let mut starts = Vec::new();
    if let Some(a0) = std::env::args_os().next() {
        let p = PathBuf::from(a0);
        if p.components().count() > 1 {
            starts.push(p);
        }
    }
    if let Ok(p) = std::env::current_exe() {
        starts.push(p);
    }
    starts.into_iter().find_map(|exe| {
        let exe = std::path::absolute(&exe).unwrap_or(exe);
        exe.ancestors()
            .skip(1)
            .find(|d| d.join("wp-load.php").is_file())
            .map(Path::to_path_buf)
    })
}
