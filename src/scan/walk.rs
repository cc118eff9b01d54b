//! The folder walk: depth first, each folder's subfolders in byte order of
//! their names, so installs come out sorted by path (a folder before the
//! installs nested in it). One `read_dir` and one `lstat` per folder, and
//! nothing more for folders that are not WordPress.
//!
//! - Symbolic links to folders are never followed (DIR itself may be one);
//!   a folder reached twice through bind mounts is walked once, by its
//!   (device, inode). Files (wp-config.php, version.php, the jetpack
//!   folder) are looked at through links, as WordPress does.
//! - Skipped: `wp-admin`, `wp-includes` and `wp-content` (WordPress's own
//!   folders: core files, plugins, themes, uploads — never a site), and
//!   `node_modules` and hidden folders (`.git`, `.svn`, `.snapshot`,
//!   `.cache`, `.trash`, …). Every other folder of an install is looked
//!   into, so a WordPress in a subfolder of another is found.
//! - A folder that cannot be read is skipped with a note on stderr; only
//!   DIR itself being unreadable fails the run.

use crate::output;
use crate::signals;
use std::collections::HashSet;
use std::ffi::OsString;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Folder names never looked into.
pub const SKIPPED: &[&str] = &["wp-admin", "wp-includes", "wp-content", "node_modules"];

/// An install: WordPress's core files and the wp-config.php they load.
#[derive(Debug, Clone)]
pub struct Install {
    /// The folder with wp-load.php (WordPress's ABSPATH): WP-CLI's --path.
    pub path: PathBuf,
    /// The wp-config.php WordPress loads: in `path`, or one level up.
    pub config: PathBuf,
}

/// A folder still to look at.
struct Pending {
    path: PathBuf,
    depth: usize,
    /// The wp-config.php one level up that WordPress would load for core
    /// files in this folder (the parent has one and is no WordPress itself).
    above: Option<PathBuf>,
}

/// Told the number of folders read so far, after each one.
type OnFolder<'a> = Box<dyn FnMut(usize) + Send + 'a>;

/// The installs under a folder, in path order.
pub struct Walk<'a> {
    stack: Vec<Pending>,
    max_depth: usize,
    seen: HashSet<(u64, u64)>,
    /// Folders read so far.
    folders: usize,
    on_folder: Option<OnFolder<'a>>,
}

impl<'a> Walk<'a> {
    /// Start at `root` (followed if it is a link). Fails when it cannot be
    /// read: then nothing can be.
    pub fn new(root: &Path, max_depth: usize) -> io::Result<Walk<'a>> {
        std::fs::read_dir(root)?;
        // WordPress also loads a wp-config.php one level above its core
        // files: that holds for DIR itself too.
        let above = root
            .parent()
            .filter(|p| !p.join("wp-settings.php").exists())
            .map(|p| p.join("wp-config.php"));
        Ok(Walk {
            stack: vec![Pending {
                path: root.to_path_buf(),
                depth: 0,
                above,
            }],
            max_depth,
            seen: HashSet::new(),
            folders: 0,
            on_folder: None,
        })
    }

    /// Call `f` with the number of folders read, after each one.
    pub fn on_folder(mut self, f: impl FnMut(usize) + Send + 'a) -> Walk<'a> {
        self.on_folder = Some(Box::new(f));
        self
    }

    /// Look at one folder: queue its subfolders, and say whether it is an
    /// install.
    fn visit(&mut self, dir: Pending) -> Option<Install> {
        // DIR is followed if it is a link; below it, a folder that became
        // a link since it was listed is left alone.
        let meta = match dir.depth {
            0 => std::fs::metadata(&dir.path),
            _ => std::fs::symlink_metadata(&dir.path),
        };
        let meta = match meta {
            Ok(m) if m.is_dir() => m,
            Ok(_) => return None,
            Err(e) => {
                note(&dir.path, &e);
                return None;
            }
        };
        if !self.seen.insert((meta.dev(), meta.ino())) {
            output::verbose(&format!(
                "{}: already looked at under another path (a bind mount); skipped",
                dir.path.display()
            ));
            return None;
        }
        let entries = match list(&dir.path) {
            Ok(e) => e,
            Err(e) => {
                note(&dir.path, &e);
                return None;
            }
        };
        self.folders += 1;
        if let Some(f) = self.on_folder.as_mut() {
            f(self.folders);
        }
        let has = |name: &str| entries.iter().any(|(n, _)| n == name);
        let install = if has("wp-load.php") || has("wp-includes") {
            core_install(&dir)
        } else {
            None
        };
        if dir.depth < self.max_depth {
            // The config WordPress would load for core files in a subfolder.
            let above = (has("wp-config.php") && !has("wp-settings.php"))
                .then(|| dir.path.join("wp-config.php"));
            let mut subdirs: Vec<OsString> = entries
                .into_iter()
                .filter(|(name, is_dir)| *is_dir && !skipped(name))
                .map(|(name, _)| name)
                .collect();
            subdirs.sort_unstable();
            // Popped last-in first-out: push in reverse to visit in order.
            for name in subdirs.into_iter().rev() {
                self.stack.push(Pending {
                    path: dir.path.join(name),
                    depth: dir.depth + 1,
                    above: above.clone(),
                });
            }
        }
        install
    }
}

impl Iterator for Walk<'_> {
    type Item = Install;

    fn next(&mut self) -> Option<Install> {
        while let Some(dir) = self.stack.pop() {
            if signals::interrupted().is_some() {
                self.stack.clear();
                return None;
            }
            if let Some(found) = self.visit(dir) {
                return Some(found);
            }
        }
        None
    }
}

/// WordPress core files in `dir` and the wp-config.php WordPress's own
/// wp-load.php would pick: the one beside them, else the one a level up.
fn core_install(dir: &Pending) -> Option<Install> {
    let is_file = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file());
    let core = is_file(&dir.path.join("wp-load.php"))
        || is_file(&dir.path.join("wp-includes").join("version.php"));
    if !core {
        return None;
    }
    let here = dir.path.join("wp-config.php");
    let config = if is_file(&here) {
        here
    } else {
        dir.above.clone().filter(|p| is_file(p))?
    };
    Some(Install {
        path: dir.path.clone(),
        config,
    })
}

/// Never looked into: WordPress's own folders, dependencies, hidden folders.
fn skipped(name: &OsString) -> bool {
    let bytes = name.as_encoded_bytes();
    bytes.first() == Some(&b'.') || SKIPPED.iter().any(|s| s.as_bytes() == bytes)
}

/// A folder's entries: name, and whether it is a folder itself (not a link
/// to one). Entries that cannot be read are left out.
fn list(dir: &Path) -> io::Result<Vec<(OsString, bool)>> {
    let mut out = Vec::new();
    let mut broken = None;
    for entry in std::fs::read_dir(dir)? {
        match entry {
            Ok(e) => {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                out.push((e.file_name(), is_dir));
            }
            Err(e) => {
                broken.get_or_insert(e);
            }
        }
    }
    if let Some(e) = broken {
        output::note(&format!(
            "cannot read all of {}: {}; the rest of it is skipped",
            dir.display(),
            why(&e)
        ));
    }
    Ok(out)
}

/// `jetpack-partner: cannot read /x: Permission denied; skipped`.
fn note(path: &Path, e: &io::Error) {
    output::note(&format!(
        "cannot read {}: {}; skipped",
        path.display(),
        why(e)
    ));
}

/// The OS's words without "(os error 13)".
pub fn why(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(at) if s.ends_with(')') => s[..at].to_string(),
        _ => s,
    }
}
