//! `sites --scan=DIR`: the WordPress installs under a folder, found without
//! running them (SPEC §8 "Find the sites").
//!
//! `walk` finds them (no links followed, WordPress's own folders and
//! hidden ones skipped), `read` reads their version and multisite flag as
//! text, and here each becomes one line `{"path":…,"wordpress":{…}}`, in
//! path order. With `--facts` each install is also asked through `wp` (one
//! `wp eval` each, `--jobs` at a time, lines still in path order). The
//! lines feed `--batch` as they are: `path` is the flag, and a batch
//! ignores the `wordpress` object.

mod read;
mod walk;

pub use walk::SKIPPED;

use crate::error::{Error, FileProblem, Result};
use crate::output::{self, format::Column, format::List, format::Listing};
use crate::wp::WpSettings;
use crate::wp::{Want, Wp};
use crate::{pool, signals};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use walk::{Install, Walk};

/// `sites --scan=DIR`.
#[derive(Clone, Debug)]
pub struct Scan {
    pub root: PathBuf,
    pub max_depth: usize,
    /// `--facts`: ask each install through `wp` too.
    pub facts: bool,
    pub jobs: usize,
    pub format: Listing,
    /// How to run `wp` for `--facts`.
    pub wp: WpSettings,
}

/// The columns of `--format=table|csv`.
const COLUMNS: &[Column] = &[
    ("path", "/path"),
    ("version", "/wordpress/version"),
    ("multisite", "/wordpress/multisite"),
    ("jetpack", "/wordpress/jetpack"),
];

/// With `--facts`: what `wp` said too, and why it could not.
const FACTS_COLUMNS: &[Column] = &[
    ("path", "/path"),
    ("version", "/wordpress/version"),
    ("multisite", "/wordpress/multisite"),
    ("jetpack", "/wordpress/jetpack"),
    ("siteurl", "/wordpress/siteurl"),
    ("home", "/wordpress/home"),
    ("blog_id", "/wordpress/blog_id"),
    ("safe_mode", "/wordpress/safe_mode"),
    ("error_code", "/wordpress/error_code"),
];

/// The columns of `--format=table|csv`, with `--facts` or without.
pub fn columns(facts: bool) -> &'static [Column] {
    if facts {
        FACTS_COLUMNS
    } else {
        COLUMNS
    }
}

/// The keys of a line (what `--fields` may name besides the columns).
pub const KEYS: &[&str] = &["path", "wordpress"];

/// An install as its files describe it.
struct Found {
    /// WP-CLI's `--path` (the folder with wp-load.php).
    path: String,
    version: Option<String>,
    multisite: Option<bool>,
    jetpack: bool,
}

/// The WordPress installs under `root` (their `--path`, UTF-8 ones only),
/// in path order: what `audit --scan` starts from.
pub fn installs(root: &Path, max_depth: usize) -> Result<Vec<String>> {
    let walk = Walk::new(root, max_depth).map_err(|e| Error::BadFile {
        flag: "--scan".into(),
        path: root.to_path_buf(),
        problem: FileProblem::Unreadable(walk::why(&e)),
    })?;
    Ok(walk
        .filter_map(|i| i.path.to_str().map(str::to_string))
        .collect())
}

/// Print one line per install; true when any could not be asked (`--facts`).
impl crate::job::Task for Scan {
    fn run(&self, _: &crate::exec::Executor) -> Result<bool> {
        run(self)
    }
}

pub fn run(scan: &Scan) -> Result<bool> {
    // The first signal stops the walk and starts no new `wp`; what is
    // found by then is written, and the run ends `interrupted`.
    signals::batch_mode();
    let root: PathBuf = std::path::absolute(&scan.root)
        .unwrap_or_else(|_| scan.root.clone())
        .components()
        .collect();
    let progress = Progress::new();
    let walk = Walk::new(&root, scan.max_depth)
        .map_err(|e| Error::BadFile {
            flag: "--scan".into(),
            path: root.clone(),
            problem: FileProblem::Unreadable(walk::why(&e)),
        })?
        .on_folder(|n| {
            progress.folders.store(n, Ordering::SeqCst);
            progress.tick();
        });
    if scan.facts {
        // No `wp` at all: one error now, not one per install.
        Wp::locate(&wp_settings(&scan.wp, &root.to_string_lossy()), None)?;
    }
    let mut out = Out::new(List::new(&scan.format, columns(scan.facts)));
    let (found, failed) = if scan.facts {
        with_facts(scan, walk, &mut out, &progress)
    } else {
        plain(walk, &mut out, &progress)
    };
    progress.end();
    out.finish();
    output::verbose(&format!(
        "{} folders looked at under {}, {} installs found",
        progress.folders.load(Ordering::SeqCst),
        root.display(),
        found
    ));
    if failed > 0 && !output::quiet_end() {
        output::note(&format!(
            "{failed} of {found} installs could not be asked through wp (error_code in their lines)"
        ));
    }
    if let Some(cause) = out.error {
        return Err(Error::OutputFailed {
            cause,
            carried_out: false,
            lost: out.lost,
        });
    }
    if let Some(signal) = signals::interrupted() {
        return Err(Error::Interrupted { signal, sent: None });
    }
    Ok(failed > 0)
}

/// Without `--facts`: each line as soon as its install is found. Returns
/// (installs, failed).
fn plain(walk: Walk<'_>, out: &mut Out, progress: &Progress) -> (usize, usize) {
    let mut found = 0;
    for install in walk {
        let Some(f) = inspect(&install) else { continue };
        found += 1;
        progress.installs.fetch_add(1, Ordering::SeqCst);
        progress.tick();
        if !out.write(line(&f)) {
            break;
        }
    }
    (found, 0)
}

/// With `--facts`: the walk feeds `--jobs` workers, each asking one install
/// through `wp` at a time; lines are written in path order as soon as all
/// before them are done. Returns (installs, failed).
fn with_facts(scan: &Scan, walk: Walk<'_>, out: &mut Out, progress: &Progress) -> (usize, usize) {
    // Set when a line cannot be written: nothing more is worth doing.
    let stop = AtomicBool::new(false);
    let keep_going = || signals::interrupted().is_none() && !stop.load(Ordering::SeqCst);
    let ordered = Mutex::new(InOrder {
        out,
        waiting: BTreeMap::new(),
        next: 0,
        found: 0,
        failed: 0,
    });
    pool::run(
        scan.jobs,
        |todo| {
            let mut seq = 0;
            for install in walk {
                if !keep_going() {
                    break;
                }
                let Some(f) = inspect(&install) else { continue };
                progress.installs.fetch_add(1, Ordering::SeqCst);
                if !todo.give((seq, f)) {
                    break;
                }
                seq += 1;
            }
        },
        |(seq, f): (usize, Found)| {
            let answer = keep_going().then(|| ask(&scan.wp, &f)).flatten();
            if answer.is_some() {
                progress.asked.fetch_add(1, Ordering::SeqCst);
                progress.tick();
            }
            let mut o = ordered.lock().unwrap_or_else(|e| e.into_inner());
            if !o.put(seq, answer, progress) {
                stop.store(true, Ordering::SeqCst);
            }
        },
    );
    let o = ordered.into_inner().unwrap_or_else(|e| e.into_inner());
    (o.found, o.failed)
}

/// Answers as they finish, written in path order.
struct InOrder<'a> {
    out: &'a mut Out,
    /// None: not asked (a signal came), no line.
    waiting: BTreeMap<usize, Option<(Value, bool)>>,
    next: usize,
    found: usize,
    failed: usize,
}

impl InOrder<'_> {
    /// Keep answer `seq`, write what is now in order; false once a line
    /// could not be written.
    fn put(&mut self, seq: usize, answer: Option<(Value, bool)>, progress: &Progress) -> bool {
        self.waiting.insert(seq, answer);
        let mut written = true;
        while let Some(answer) = self.waiting.remove(&self.next) {
            self.next += 1;
            let Some((row, ok)) = answer else { continue };
            self.found += 1;
            if !ok {
                self.failed += 1;
                progress.failed.fetch_add(1, Ordering::SeqCst);
            }
            written &= self.out.write(row);
        }
        written
    }
}

/// One install through `wp`: its line with siteurl, home and blog_id, or
/// with the error that stopped `wp`. None when a signal ended the call.
fn ask(wp: &WpSettings, f: &Found) -> Option<(Value, bool)> {
    let want = Want {
        siteurl: true,
        home: true,
        blog_id: true,
        safe_mode: true,
        ..Want::default()
    };
    let facts = Wp::locate(&wp_settings(wp, &f.path), None).and_then(|wp| wp.facts(&want));
    let mut row = line(f);
    let Some(Value::Object(w)) = row.get_mut("wordpress") else {
        return Some((row, false));
    };
    let text = |s: Option<String>| s.map_or(Value::Null, Value::String);
    match facts {
        Ok(facts) => {
            w.insert("siteurl".into(), text(facts.siteurl));
            w.insert("home".into(), text(facts.home));
            w.insert(
                "blog_id".into(),
                facts.blog_id.map_or(Value::Null, Value::from),
            );
            // Jetpack's safe-mode check: true for a copy of another site
            // (null: no Jetpack, or never connected).
            w.insert(
                "safe_mode".into(),
                facts.safe_mode.map_or(Value::Null, Value::Bool),
            );
            Some((row, true))
        }
        // Ended by our own signal handling: nothing to say about the site.
        Err(Error::Interrupted { .. }) => None,
        Err(e) => {
            for k in ["siteurl", "home", "blog_id", "safe_mode"] {
                w.insert(k.into(), Value::Null);
            }
            for (k, v) in output::error_pairs(&e) {
                if k == "error_code" || k == "error_message" {
                    w.insert(k, v);
                }
            }
            Some((row, false))
        }
    }
}

/// How to run `wp` for the install at `path` (`--path` of the command line
/// is ignored: each install is its own).
fn wp_settings(wp: &WpSettings, path: &str) -> WpSettings {
    WpSettings {
        path: Some(path.to_string()),
        ..wp.clone()
    }
}

/// `{"path":…,"wordpress":{"version":…,"multisite":…,"jetpack":…}}`.
fn line(f: &Found) -> Value {
    let mut w = Map::new();
    w.insert(
        "version".into(),
        f.version.clone().map_or(Value::Null, Value::String),
    );
    w.insert(
        "multisite".into(),
        f.multisite.map_or(Value::Null, Value::Bool),
    );
    w.insert("jetpack".into(), Value::Bool(f.jetpack));
    let mut o = Map::new();
    o.insert("path".into(), Value::String(f.path.clone()));
    o.insert("wordpress".into(), Value::Object(w));
    Value::Object(o)
}

/// Read what the install's files say. None when its path is not UTF-8 (a
/// JSON line could not carry it faithfully, nor `--path` then find it).
fn inspect(install: &Install) -> Option<Found> {
    let Some(path) = install.path.to_str() else {
        output::note(&format!(
            "{}: the path is not UTF-8; skipped",
            install.path.display()
        ));
        return None;
    };
    let version = read_file(
        &install.path.join("wp-includes").join("version.php"),
        read::VERSION_CAP,
    )
    .and_then(|(php, _)| read::version(&php));
    let multisite = read_file(&install.config, read::CONFIG_CAP)
        .and_then(|(php, whole)| read::multisite(&php, whole));
    // Beside the core files, or (WordPress in its own folder) beside the
    // wp-config.php one level up, where wp-content usually stays.
    let jetpack = [Some(install.path.as_path()), install.config.parent()]
        .into_iter()
        .flatten()
        .any(|dir| {
            dir.join("wp-content")
                .join("plugins")
                .join("jetpack")
                .is_dir()
        });
    Some(Found {
        path: path.to_string(),
        version,
        multisite,
        jetpack,
    })
}

/// A file's first bytes, with a note when it exists and cannot be read
/// (its value is then null).
fn read_file(path: &Path, cap: u64) -> Option<(Vec<u8>, bool)> {
    match read::capped(path, cap) {
        Ok(r) => Some(r),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            output::note(&format!(
                "cannot read {}: {}; what it says is left null",
                path.display(),
                walk::why(&e)
            ));
            None
        }
    }
}

/// The list being written, and what could not be.
struct Out {
    list: Option<List>,
    error: Option<String>,
    /// Lines not written (the first failed write, and any after it).
    lost: usize,
}

impl Out {
    fn new(list: List) -> Out {
        Out {
            list: Some(list),
            error: None,
            lost: 0,
        }
    }

    /// Write one line; false once stdout has failed.
    fn write(&mut self, row: Value) -> bool {
        if self.error.is_some() {
            self.lost += 1;
            return false;
        }
        let Some(list) = self.list.as_mut() else {
            return false;
        };
        // Sites come out in path order already (a table's sort is stable).
        match list.row(&row, &row.to_string(), 0) {
            Ok(()) => true,
            Err(e) => {
                self.error = Some(e.to_string());
                self.lost += 1;
                false
            }
        }
    }

    /// The end of the list (a table is printed now).
    fn finish(&mut self) {
        if let (Some(list), None) = (self.list.take(), &self.error) {
            if let Err(e) = list.finish() {
                self.error = Some(e.to_string());
            }
        }
    }
}

/// The counts behind the progress line (the one line every fleet run
/// draws, `output::progress`): installs found, and with `--facts` asked.
struct Progress {
    folders: AtomicUsize,
    installs: AtomicUsize,
    asked: AtomicUsize,
    failed: AtomicUsize,
    line: Mutex<output::progress::Progress>,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            folders: AtomicUsize::new(0),
            installs: AtomicUsize::new(0),
            asked: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            line: Mutex::new(output::progress::Progress::new("installs", None)),
        }
    }

    /// Redraw (at most ten times a second; a worker that finds another
    /// drawing does not wait).
    fn tick(&self) {
        if let Ok(mut line) = self.line.try_lock() {
            let (done, failed, detail) = self.state();
            line.show(done, failed, &detail, false);
        }
    }

    /// Installs found (or, with `--facts`, asked), failed, and the rest.
    fn state(&self) -> (usize, usize, String) {
        let n = |a: &AtomicUsize| a.load(Ordering::SeqCst);
        let mut detail = format!("{} folders", n(&self.folders));
        let done = if n(&self.asked) > 0 {
            detail.push_str(&format!(", {} found", n(&self.installs)));
            n(&self.asked)
        } else {
            n(&self.installs)
        };
        (done, n(&self.failed), detail)
    }

    fn end(&self) {
        let (done, failed, detail) = self.state();
        if let Ok(mut line) = self.line.lock() {
            line.end(done, failed, &detail);
        }
    }
}
