//! Input lines as pieces of work: each line parsed (as the command's flags)
//! into a site job, told apart from the others by the work it asks for, and
//! fed to the worker pool — unless a previous run did it, or it is a line
//! seen already.

use super::input::{pump, LINE_LIMIT, POLL};
use super::resume::DoneBefore;
use super::Tally;
use crate::error::{Error, LineProblem, Result};
use crate::job::{Batch, SiteJob};
use crate::pool::Feeder;
use crate::site::Known;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::io::BufRead;
use std::sync::atomic::Ordering;
use std::sync::mpsc;

/// What makes two lines the same piece of work for a resume: a site may
/// get a plan and a product, each once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub command: String,
    pub site: String,
    pub plan: Option<String>,
}

impl Key {
    /// The key with its site in one spelling: a resume that names the site
    /// `https://shop.example` finds it done as `https://Shop.Example/` (or
    /// with `:443`).
    pub fn spelled_once(&self) -> Key {
        Key {
            site: one_spelling(&self.site),
            ..self.clone()
        }
    }
}

/// A line's site label in one spelling: a URL by its site suffix (case,
/// default port, trailing slash and user info do not count), a folder
/// without a trailing `/`, a blog id as it is.
pub fn one_spelling(label: &str) -> String {
    let label = label.trim();
    if label.starts_with('/') {
        let path = label.trim_end_matches('/');
        return if path.is_empty() {
            "/".into()
        } else {
            path.into()
        };
    }
    if label.bytes().all(|b| b.is_ascii_digit()) || !crate::site::names_a_host(label) {
        return label.to_string();
    }
    format!("site {}", crate::site::site_suffix(label))
}

/// One site to work on: its key (label included) and its job, or why its
/// input line cannot be used.
pub struct Entry {
    /// The input line it came from.
    pub n: usize,
    pub key: Key,
    pub job: Result<SiteJob>,
    /// What the line asks for (see [`LineIds`]); None when it cannot be used.
    id: Option<LineId>,
    /// When work on it began.
    pub started: Option<std::time::Instant>,
}

/// A line's content: 128 bits, so two different lines never pass for one.
type LineId = (u64, u64);

/// Tells lines apart by the work they ask for (the job a line parses to,
/// so fields the command ignores and empty or null ones, which mean "not
/// given", do not count): the same line twice is done once, while two
/// different lines for one site (a cancel and a cancel-all, SSH then FTP
/// credentials) are two pieces of work. Keeps 16 bytes per line.
struct LineIds(RandomState, RandomState);

impl LineIds {
    fn new() -> LineIds {
        LineIds(RandomState::new(), RandomState::new())
    }

    fn of(&self, job: &SiteJob) -> LineId {
        let hash = |state: &RandomState| {
            let mut h = state.build_hasher();
            // The site as the API will know it, then how WordPress is
            // reached and every field of the action.
            job.site.ident().hash(&mut h);
            job.site.wp.hash(&mut h);
            job.action.dyn_hash(&mut h);
            h.finish()
        };
        (hash(&self.0), hash(&self.1))
    }
}

/// Read the input line by line, hand each new piece of work to the pool.
pub fn feed(
    batch: &Batch,
    input: Box<dyn BufRead + Send>,
    done: &DoneBefore,
    known: &HashMap<String, Known>,
    tally: &Tally,
    keep_going: &(dyn Fn() -> bool + Sync),
    todo: &Feeder<Entry>,
) {
    let ids = LineIds::new();
    let mut seen = HashSet::new();
    // One state per site (apply): the line each site first came on, with its id.
    let mut sites: HashMap<String, (usize, LineId)> = HashMap::new();
    let lines = pump(input);
    let mut n = 0;
    while keep_going() {
        let (whole, raw) = match lines.recv_timeout(POLL) {
            Ok(Ok(line)) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            // A signal: the summary says so.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => break,
            Ok(Err(e)) => {
                // Whatever was read stands; the rest of the input is lost,
                // and the run fails.
                if let Ok(mut u) = tally.unread.lock() {
                    *u = Some((n, e.to_string()));
                }
                break;
            }
        };
        n += 1;
        let read = if whole {
            entry(batch, n, &raw, &ids)
        } else {
            Some(failed(batch, n, LineProblem::TooLong(LINE_LIMIT)))
        };
        let Some(mut entry) = read else {
            continue;
        };
        if let (Ok(job), Some(k)) = (entry.job.as_mut(), known.get(&entry.key.site)) {
            job.site.known = Some(k.clone());
        }
        tally.read.fetch_add(1, Ordering::SeqCst);
        // A line that cannot be used stands for nothing: a corrected line
        // for the same site further down still runs.
        if done.contains(&entry.key) || entry.id.is_some_and(|id| !seen.insert(id)) {
            tally.skipped.fetch_add(1, Ordering::SeqCst);
            continue;
        }
        if batch.meta.one_state_per_site {
            one_state(batch, &mut entry, &mut sites);
        }
        if !todo.give(entry) {
            break;
        }
    }
}

/// Two different desired states for one site would undo each other: the
/// second fails.
fn one_state(batch: &Batch, entry: &mut Entry, sites: &mut HashMap<String, (usize, LineId)>) {
    let (Some(id), Ok(job)) = (entry.id, entry.job.as_ref()) else {
        return;
    };
    match sites.get(&job.site.ident()) {
        Some(&(first, other)) if other != id => {
            entry.job = Err(Error::BatchLine {
                flag: batch.meta.input,
                line: entry.n,
                problem: LineProblem::SiteTwice(first),
            });
        }
        Some(_) => {}
        None => {
            sites.insert(job.site.ident(), (entry.n, id));
        }
    }
}

/// A line that fails before it is read as JSON.
fn failed(batch: &Batch, n: usize, problem: LineProblem) -> Entry {
    Entry {
        n,
        key: Key {
            command: batch.meta.name.to_string(),
            site: format!("line {n}"),
            plan: None,
        },
        job: Err(Error::BatchLine {
            flag: batch.meta.input,
            line: n,
            problem,
        }),
        id: None,
        started: None,
    }
}

/// Line `n` as a piece of work; None for blank lines and `#` comments.
fn entry(batch: &Batch, n: usize, raw: &[u8], ids: &LineIds) -> Option<Entry> {
    let fail = |problem| failed(batch, n, problem);
    let Ok(text) = std::str::from_utf8(raw) else {
        return Some(fail(LineProblem::NotUtf8));
    };
    let t = text.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(t) else {
        return Some(fail(LineProblem::NotObject));
    };
    let job = (batch.line)(n, &fields);
    let id = job.as_ref().ok().map(|job| ids.of(job));
    let plan = match &job {
        Ok(job) => job.action.slug().map(str::to_string),
        Err(_) => fields
            .get("plan")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    Some(Entry {
        n,
        key: Key {
            command: batch.meta.name.to_string(),
            site: label(&fields).unwrap_or_else(|| format!("line {n}")),
            plan,
        },
        job,
        id,
        started: None,
    })
}

/// The site as the line gives it: its `url`, else `path`, else `blog_id`.
fn label(o: &Map<String, Value>) -> Option<String> {
    ["url", "path", "blog_id"]
        .iter()
        .find_map(|k| match o.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
}
