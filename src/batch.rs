//! Many sites in one run: input lines streamed (or every site of a network),
//! a worker pool (`--jobs` sites at a time, one token for all), one result
//! line per site as it finishes, `--skip-done` to resume, a summary on
//! stderr. A bad line fails alone; a signal stops new sites from starting
//! while the ones in flight finish and are written (SPEC §8, §9).

use crate::error::{Error, FileProblem, LineProblem, Result, WpMissing};
use crate::exec::{Done, Executor};
use crate::output::{self, format::Column, format::List};
use crate::plan::{input_flag, Batch, Known, SiteJob, Source, WpSettings};
use crate::signals;
use crate::wp::{Want, Wp};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

/// The columns of `--format=table|csv` for `apply`.
const APPLY_COLUMNS: &[Column] = &[
    ("site", "/site"),
    ("success", "/success"),
    ("changed", "/changed"),
    ("actions", "/actions"),
    ("error_code", "/error_code"),
    ("error_message", "/error_message"),
];

/// The columns of `--format=table|csv` for `status`.
const STATUS_COLUMNS: &[Column] = &[
    ("site", "/site"),
    ("success", "/success"),
    ("connected", "/answer/blog/is_connected"),
    ("products", "/answer/products"),
    ("error_code", "/error_code"),
    ("error_message", "/error_message"),
];

/// The columns of `--format=table|csv` for the other commands.
const COLUMNS: &[Column] = &[
    ("command", "/command"),
    ("site", "/site"),
    ("plan", "/plan"),
    ("success", "/success"),
    ("changed", "/changed"),
    ("error_code", "/error_code"),
    ("error_message", "/error_message"),
];

/// What makes two lines the same piece of work: a site may get a plan and
/// a product, each once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    command: String,
    site: String,
    plan: Option<String>,
}

/// What a previous run did: keys of its successful lines, and the sites of
/// lines from before results named command and plan (done whatever the plan).
#[derive(Default)]
struct DoneBefore {
    keys: HashSet<Key>,
    sites: HashSet<String>,
    /// Lines whose request may have been carried out (`maybe_sent`).
    maybe: usize,
}

impl DoneBefore {
    fn contains(&self, key: &Key) -> bool {
        self.keys.contains(key) || self.sites.contains(&key.site)
    }
}

/// One site to work on: its key (label included) and its job, or why its
/// input line cannot be used.
struct Entry {
    /// The input line it came from.
    n: usize,
    key: Key,
    job: Result<SiteJob>,
    /// What the line says (see [`LineIds`]); None when it cannot be used.
    id: Option<LineId>,
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
        // The site as the API will know it, then every other field of the
        // job, values included, through its Debug form: hashed here, never
        // kept or printed.
        let text = format!(
            "{}\n{:?}\n{:?}",
            site_ident(&job.site),
            job.site.wp,
            job.action
        );
        (self.0.hash_one(&text), self.1.hash_one(&text))
    }
}

/// Which site a line names, however it is spelled: its blog id when given
/// (the site is then asked nothing else), else its URLs' site suffixes
/// (case, default port, trailing slash and user info do not count).
fn site_ident(site: &crate::plan::SiteSpec) -> String {
    if let Some(id) = site.blog_id {
        return format!("blog {id}");
    }
    let suffix = |u: &Option<String>| u.as_deref().map(crate::site::site_suffix);
    format!(
        "home {:?} url {:?}",
        suffix(&site.home_url),
        suffix(&site.url)
    )
}

/// Counts for the summary.
#[derive(Default)]
struct Tally {
    read: AtomicUsize,
    skipped: AtomicUsize,
    /// Reading the input failed part way (after which line, why): the run
    /// ends with that error, after the lines and the summary.
    unread: Mutex<Option<(usize, String)>>,
}

/// Run the batch; true when any site failed or the run was interrupted.
pub fn run(batch: &Batch, exec: &Executor) -> Result<bool> {
    signals::batch_mode();
    let tally = Arc::new(Tally::default());
    let columns = match batch.command {
        "apply" => APPLY_COLUMNS,
        "status" => STATUS_COLUMNS,
        _ => COLUMNS,
    };
    let sink = Arc::new(Mutex::new(Sink {
        list: Some(List::new(batch.format, columns)),
        progress: std::io::stderr().is_terminal(),
        ..Sink::default()
    }));
    let (command, dry_run) = (batch.command, exec.dry_run());
    {
        // From the start: a second signal during the token call or the
        // reading of --skip-done also ends with the summary.
        let (sink, tally) = (Arc::clone(&sink), Arc::clone(&tally));
        signals::on_second_signal(Box::new(move |signal| {
            last_words(&sink, &tally, command, dry_run, signal)
        }));
    }
    let done = match &batch.skip_done {
        Some(f) => done_keys(f, batch.command)?,
        None => DoneBefore::default(),
    };
    if done.maybe > 0 {
        output::stderr(&format!(
            "jetpack-partner: --skip-done: {} earlier line(s) say the request may have been carried out (\"maybe_sent\"); those sites are skipped: check them with jetpack-partner status\n",
            done.maybe
        ));
    }
    // An unreadable file fails before the token call.
    let file = match &batch.source {
        Source::File(f) => Some(open_input(input_flag(batch.command), f)?),
        _ => None,
    };
    let gather = || match &batch.source {
        Source::AllSites { wp, user, activate } => {
            network(wp, user.as_deref(), *activate).map(Some)
        }
        _ => Ok(None),
    };
    // One token for the whole batch (without it no site can be done),
    // fetched while the network's WordPress boots.
    let network = if !exec.dry_run() || crate::plan::reads_in_dry_run(batch.command) {
        exec.token_while(gather)?
    } else {
        gather()?
    };
    let (network_lines, known) = match network {
        Some((lines, known)) => (Some(lines), known),
        None => (None, HashMap::new()),
    };
    let input: Box<dyn BufRead + Send> = match (file, &batch.source, network_lines) {
        (_, _, Some(urls)) => Box::new(std::io::Cursor::new(urls)),
        (Some(f), _, None) => Box::new(BufReader::new(f)),
        (None, Source::Stdin, None) => Box::new(BufReader::new(std::io::stdin())),
        (None, _, None) => Box::new(std::io::empty()),
    };

    // Set when a result line cannot be written: start no new site.
    let stop = AtomicBool::new(false);
    let keep_going = || signals::interrupted().is_none() && !stop.load(Ordering::SeqCst);
    // Bounded: the input is read as fast as sites are done, never whole.
    let (todo_tx, todo_rx) = mpsc::sync_channel::<Entry>(batch.jobs * 2);
    let todo_rx = Mutex::new(todo_rx);
    std::thread::scope(|s| {
        let (tally, keep_going, known) = (&*tally, &keep_going, &known);
        s.spawn(move || read_entries(batch, input, &done, known, tally, keep_going, todo_tx));
        for _ in 0..batch.jobs {
            let (todo_rx, sink, stop) = (&todo_rx, &*sink, &stop);
            s.spawn(move || loop {
                let next = todo_rx.lock().map(|rx| rx.recv());
                let Ok(Ok(entry)) = next else { break };
                if !keep_going() {
                    // Read before the stop: not started, picked up on resume.
                    continue;
                }
                let me = std::thread::current().id();
                lock(sink)
                    .in_flight
                    .insert(entry.n, (entry.key.clone(), me));
                let line = match entry.job.as_ref().map(|job| exec.site(job)) {
                    Ok(Ok(done)) => Ok(result_line(&entry.key, done)),
                    Ok(Err(e)) => Err(failure_line(&entry.key, &e)),
                    Err(e) => Err(failure_line(&entry.key, e)),
                };
                // Written before the next site is taken, so a failed write
                // stops this worker from starting one.
                let mut sink = lock(sink);
                sink.in_flight.remove(&entry.n);
                if !sink.write(entry.n, line, tally) {
                    stop.store(true, Ordering::SeqCst);
                }
                // Under the lock: a second signal sees the site either in
                // flight with what it sent, or written.
                signals::forget_sent();
            });
        }
    });
    let mut sink = lock(&sink);
    let write_error = sink.close(&tally, command, dry_run);
    if let Some(cause) = write_error {
        return Err(Error::OutputFailed {
            cause,
            carried_out: !dry_run,
            lost: sink.lost,
        });
    }
    let unread = tally.unread.lock().ok().and_then(|mut u| u.take());
    if let Some((line, cause)) = unread {
        let path = match &batch.source {
            Source::File(f) => f.as_str(),
            _ => "-",
        };
        return Err(Error::BadFile {
            flag: input_flag(command).into(),
            path: PathBuf::from(path),
            problem: FileProblem::StoppedAfter { line, cause },
        });
    }
    Ok(sink.failed > 0 || signals::interrupted().is_some())
}

/// A file of lines (`--batch`, `--desired`, `--skip-done`), opened; a
/// folder is no such file.
fn open_input(flag: &str, path: &str) -> Result<std::fs::File> {
    let bad = |problem| Error::BadFile {
        flag: flag.into(),
        path: PathBuf::from(path),
        problem,
    };
    let f = std::fs::File::open(path).map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(bad(FileProblem::Folder));
    }
    Ok(f)
}

fn lock(sink: &Mutex<Sink>) -> std::sync::MutexGuard<'_, Sink> {
    sink.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where result lines go, with what the summary needs. Shared by the
/// workers and by what a second signal writes.
#[derive(Default)]
struct Sink {
    /// None once closed (summary written).
    list: Option<List>,
    progress: bool,
    ok: usize,
    failed: usize,
    /// Result lines that could not be written.
    lost: usize,
    write_error: Option<String>,
    /// Sites being worked on, by input line: key and worker thread.
    in_flight: BTreeMap<usize, (Key, std::thread::ThreadId)>,
}

impl Sink {
    /// Count and write one result line; false when it could not be written.
    fn write(&mut self, n: usize, line: std::result::Result<Value, Value>, tally: &Tally) -> bool {
        let (row, good) = match line {
            Ok(v) => (v, true),
            Err(v) => (v, false),
        };
        if good {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
        let Some(list) = self.list.as_mut() else {
            return false;
        };
        let written = match list.row(&row, &row.to_string(), n) {
            Ok(()) => true,
            Err(e) => {
                self.lost += 1;
                self.write_error.get_or_insert_with(|| e.to_string());
                false
            }
        };
        if self.progress {
            output::stderr(&format!(
                "\r{} of {} sites: {} ok, {} failed ",
                self.ok + self.failed,
                tally.read.load(Ordering::SeqCst),
                self.ok,
                self.failed
            ));
        }
        written
    }

    /// `jetpack-partner: 200 sites: 188 provisioned, 12 failed, 0 skipped (done
    /// or listed twice)`, and how many were not started after a signal or a
    /// failed write.
    fn summary(&self, command: &str, dry_run: bool, read: usize, skipped: usize) -> String {
        let (ok, failed) = (self.ok, self.failed);
        let not_started = read.saturating_sub(ok + failed + skipped);
        let verb = match (dry_run, command) {
            (true, _) => "planned",
            (_, "provision") => "provisioned",
            (_, "cancel") => "cancelled",
            (_, "backup-credentials") => "set",
            (_, "apply") => "applied",
            _ => "done",
        };
        let sites = if read == 1 { "site" } else { "sites" };
        let mut s = format!(
            "jetpack-partner: {read} {sites}: {ok} {verb}, {failed} failed, {skipped} skipped (done or listed twice)"
        );
        if let Some(sig) = signals::interrupted() {
            s.push_str(&format!(", {not_started} not started ({sig})"));
        } else if self.write_error.is_some() {
            s.push_str(&format!(", {not_started} not started (stdout failed)"));
        }
        s.push('\n');
        s
    }

    /// End the list (a table is printed now) and write the summary, once;
    /// the first write error, if any.
    fn close(&mut self, tally: &Tally, command: &str, dry_run: bool) -> Option<String> {
        let list = self.list.take()?;
        if self.progress {
            output::stderr("\n");
        }
        if let Err(e) = list.finish() {
            self.write_error.get_or_insert_with(|| e.to_string());
            self.lost += self.ok + self.failed;
        }
        let read = tally.read.load(Ordering::SeqCst);
        let skipped = tally.skipped.load(Ordering::SeqCst);
        output::stderr(&self.summary(command, dry_run, read, skipped));
        self.write_error.clone()
    }
}

/// A second signal ends the run at once: the sites in flight get a failure
/// line saying whether their request may have reached WordPress.com (a
/// resume with `--skip-done` leaves those alone), then the summary. The
/// lock stays held, so no worker writes after it.
fn last_words(
    sink: &Mutex<Sink>,
    tally: &Tally,
    command: &str,
    dry_run: bool,
    signal: &'static str,
) {
    // A worker holds the lock only while writing a line; one stuck on a
    // stdout nobody reads must not keep the run from ending.
    let mut tries = 0;
    let mut sink = loop {
        match sink.try_lock() {
            Ok(g) => break g,
            Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) if tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::sync::TryLockError::WouldBlock) => return,
        }
    };
    for (n, (key, thread)) in std::mem::take(&mut sink.in_flight) {
        let e = Error::Interrupted {
            signal,
            sent: signals::sent_by(thread),
        };
        sink.write(n, Err(failure_line(&key, &e)), tally);
    }
    sink.close(tally, command, dry_run);
    std::mem::forget(sink);
}

/// Read the input line by line, hand each new piece of work to the pool.
fn read_entries(
    batch: &Batch,
    input: Box<dyn BufRead + Send>,
    done: &DoneBefore,
    known: &HashMap<String, Known>,
    tally: &Tally,
    keep_going: &(dyn Fn() -> bool + Sync),
    todo: mpsc::SyncSender<Entry>,
) {
    let ids = LineIds::new();
    let mut seen = HashSet::new();
    // apply: the line each site first came on, with its id.
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
            Some(failed_entry(batch, n, LineProblem::TooLong(LINE_LIMIT)))
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
        // apply brings a site to one desired state: two different ones
        // for the same site would undo each other.
        let ident = entry.job.as_ref().ok().map(|job| site_ident(&job.site));
        if let (Some(id), Some(ident), "apply") = (entry.id, ident, batch.command) {
            match sites.get(&ident) {
                Some(&(first, other)) if other != id => {
                    entry.job = Err(Error::BatchLine {
                        flag: crate::plan::input_flag(batch.command),
                        line: n,
                        problem: LineProblem::SiteTwice(first),
                    });
                }
                Some(_) => {}
                None => {
                    sites.insert(ident, (n, id));
                }
            }
        }
        if todo.send(entry).is_err() {
            break;
        }
    }
}

/// How often a reader waiting for input looks whether the batch stopped.
const POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// Input lines (whole, bytes), read on a thread of their own. Nothing waits
/// for that thread: a read of stdin cannot be interrupted, and a batch
/// stopped by a signal or a failed write must end without the next line.
/// Bounded, so a fast input is never read far ahead of the sites.
fn pump(mut input: Box<dyn BufRead + Send>) -> mpsc::Receiver<std::io::Result<(bool, Vec<u8>)>> {
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

/// A batch line is a few hundred bytes; past this it is not one.
const LINE_LIMIT: usize = 1 << 20;

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

/// A line that fails before it is read as JSON.
fn failed_entry(batch: &Batch, n: usize, problem: LineProblem) -> Entry {
    Entry {
        n,
        key: Key {
            command: batch.command.to_string(),
            site: format!("line {n}"),
            plan: None,
        },
        job: Err(Error::BatchLine {
            flag: crate::plan::input_flag(batch.command),
            line: n,
            problem,
        }),
        id: None,
    }
}

/// Line `n` as a piece of work; None for blank lines and `#` comments.
fn entry(batch: &Batch, n: usize, raw: &[u8], ids: &LineIds) -> Option<Entry> {
    let fail = |problem| failed_entry(batch, n, problem);
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
        Ok(job) => job.plan().map(str::to_string),
        Err(_) => fields
            .get("plan")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    Some(Entry {
        n,
        key: Key {
            command: batch.command.to_string(),
            site: label(&fields).unwrap_or_else(|| format!("line {n}")),
            plan,
        },
        job,
        id,
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

/// Our fields first: command, site, plan.
fn head(key: &Key, success: bool) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("command".into(), Value::String(key.command.clone()));
    o.insert("site".into(), Value::String(key.site.clone()));
    if let Some(p) = &key.plan {
        o.insert("plan".into(), Value::String(p.clone()));
    }
    o.insert("success".into(), Value::Bool(success));
    o
}

/// `{"command":…,"site":…,"plan":…,"success":true,"changed":…,"answer":{…}}`
/// (`changed` for the commands that change something); a dry run's
/// requests in place of the answer.
fn result_line(key: &Key, done: Done) -> Value {
    let mut o = head(key, true);
    if matches!(key.command.as_str(), "provision" | "cancel") {
        let changed = !matches!(done, Done::Unchanged(_) | Done::DryRun(_));
        o.insert("changed".into(), Value::Bool(changed));
    }
    match done {
        Done::DryRun(Value::Object(doc)) => o.extend(doc),
        Done::DryRun(other) => {
            o.insert("dry_run".into(), other);
        }
        Done::Unchanged(status) => {
            o.insert("answer".into(), status);
        }
        Done::Applied(fields) => o.extend(fields),
        Done::Body(body) => {
            // The answer as received (judged to be JSON already).
            let answer = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            o.insert("answer".into(), answer);
        }
    }
    Value::Object(o)
}

/// `{"command":…,"site":…,"plan":…,"success":false,"error_code":…,
/// "error_message":…,"answer":{the API's error body}}`, scrubbed of secrets.
fn failure_line(key: &Key, e: &Error) -> Value {
    let mut o = head(key, false);
    o.insert(
        "error_code".into(),
        Value::String(e.error_code().to_string()),
    );
    o.insert(
        "error_message".into(),
        Value::String(output::redact(&e.message())),
    );
    if e.maybe_sent() {
        // A resume with --skip-done leaves this site alone: check it first.
        o.insert("maybe_sent".into(), Value::Bool(true));
    }
    match e {
        // What the API answered to the request that went through (a
        // provision's, with the site's token to finish authorizing).
        Error::Sent {
            answer: Some(answer),
            ..
        } => {
            o.insert("answer".into(), answer.clone());
        }
        // Ours (apply's changed/actions/status, backup-credentials' ssh/ftp):
        // beside our other fields.
        Error::Partial { results, .. } => {
            if let Value::Object(r) = output::redact_value(&Value::Object(results.clone())) {
                o.extend(r);
            }
        }
        _ => {
            if let Some(fields) = e.api_fields() {
                o.insert(
                    "answer".into(),
                    output::redact_value(&Value::Object(fields.clone())),
                );
            }
        }
    }
    Value::Object(o)
}

/// Every site of the multisite network as input lines `{"url":…}`, with
/// what one bootstrap of the network said about each (SPEC §8: one `wp
/// eval` for the whole network). Where eval gives no answer, the URLs come
/// from `wp site list` and each site is asked on its own.
#[allow(clippy::type_complexity)]
fn network(
    settings: &WpSettings,
    user: Option<&str>,
    activate: bool,
) -> Result<(Vec<u8>, HashMap<String, Known>)> {
    let wp = Wp::locate(settings, None).map_err(|e| match e {
        // "or give the site with --url" cannot help a whole network.
        Error::WpNotFound(WpMissing::NotOnPath) => Error::WpNotFound(WpMissing::NeededForNetwork),
        other => other,
    })?;
    let want = Want {
        user,
        activate,
        ..Want::default()
    };
    let mut known = HashMap::new();
    let urls = match wp.network_facts(&want)? {
        Some(sites) => sites
            .into_iter()
            .map(|s| {
                known.insert(
                    s.url.clone(),
                    Known {
                        facts: s.facts,
                        user_ok: s.user_ok,
                        wp: wp.for_url(&s.url),
                    },
                );
                s.url
            })
            .collect(),
        None => wp.site_urls()?,
    };
    let mut lines = Vec::new();
    for url in urls {
        let mut o = Map::new();
        o.insert("url".into(), Value::String(url));
        lines.extend_from_slice(Value::Object(o).to_string().as_bytes());
        lines.push(b'\n');
    }
    Ok((lines, known))
}

/// What a previous run's output shows as done: its successful lines' keys.
/// A missing FILE is an empty one (the same command line works on the first
/// run and on resumes); a damaged one is read as far as it goes.
fn done_keys(file: &str, command: &str) -> Result<DoneBefore> {
    // A missing file is an empty one: the first run and every retry share
    // one command line.
    if std::fs::metadata(file).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(DoneBefore::default());
    }
    let f = open_input("--skip-done", file)?;
    let mut done = DoneBefore::default();
    // Read on a thread of its own (see `pump`): a FIFO whose writer never
    // finishes must still give way to a signal.
    let lines = pump(Box::new(BufReader::new(f)));
    let mut first = true;
    loop {
        if let Some(signal) = signals::interrupted() {
            return Err(Error::Interrupted { signal, sent: None });
        }
        let read = match lines.recv_timeout(POLL) {
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(read) => read,
        };
        let raw = match read {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // Not even a first line (an unreadable device).
            Err(e) if first => {
                return Err(Error::BadFile {
                    flag: "--skip-done".into(),
                    path: PathBuf::from(file),
                    problem: FileProblem::Unreadable(e.to_string()),
                })
            }
            Err(_) => break,
            // A line past the limit is no result line of ours.
            Ok((false, _)) => continue,
            Ok((true, raw)) => raw,
        };
        first = false;
        let Ok(v) = serde_json::from_slice::<Value>(&raw) else {
            continue;
        };
        let success = v.get("success") == Some(&Value::Bool(true));
        // A request that may have been carried out is not sent again.
        let maybe = v.get("maybe_sent") == Some(&Value::Bool(true));
        if !(success || maybe) || v.get("dry_run").is_some() {
            continue;
        }
        if maybe && !success {
            done.maybe += 1;
        }
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let Some(site) = text("site") else { continue };
        match text("command") {
            Some(c) if c == command => {
                done.keys.insert(Key {
                    command: c,
                    site,
                    plan: text("plan"),
                });
            }
            Some(_) => {}
            // A line of an older version (provision only, keyed by site).
            None if command == "provision" => {
                done.sites.insert(site);
            }
            None => {}
        }
    }
    Ok(done)
}
