//! Many sites in one run: the input lines (or every site of a network), the
//! worker pool (`--jobs` sites at a time, one token for all), one result
//! line per site as it finishes, `--skip-done` to resume, and a summary.

use crate::error::{Error, FileProblem, LineProblem, Result};
use crate::exec::{Done, Executor};
use crate::output;
use crate::plan::{Batch, SiteJob, Source};
use crate::wp::Wp;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// One site to work on: its label in the results, and its job (or why its
/// input line cannot be used).
struct Entry {
    site: String,
    job: Result<SiteJob>,
}

/// Run the batch; true when any site failed.
pub fn run(batch: &Batch, exec: &Executor) -> Result<bool> {
    let mut list = entries(batch)?;
    let done = match &batch.skip_done {
        Some(f) => done_sites(f)?,
        None => HashSet::new(),
    };
    // A site listed twice, or already done, is not worked on (again).
    let mut seen = HashSet::new();
    let total_input = list.len();
    list.retain(|e| !done.contains(&e.site) && seen.insert(e.site.clone()));
    let skipped = total_input - list.len();

    if !exec.dry_run() {
        // One token for the whole batch; without it no site can be done.
        exec.token()?;
    }

    let total = list.len();
    let next = AtomicUsize::new(0);
    // Each worker sends its site's finished line: Ok for success, Err for
    // failure.
    let (tx, rx) = mpsc::channel::<std::result::Result<String, String>>();
    let progress = std::io::stderr().is_terminal();
    let (mut ok, mut failed) = (0usize, 0usize);
    std::thread::scope(|s| {
        for _ in 0..batch.jobs.min(total.max(1)) {
            let tx = tx.clone();
            let (list, next) = (&list, &next);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(entry) = list.get(i) else { break };
                let line = match entry.job.as_ref().map(|job| exec.site(job)) {
                    Ok(Ok(done)) => Ok(result_line(&entry.site, done)),
                    Ok(Err(e)) => Err(failure_line(&entry.site, &e)),
                    Err(e) => Err(failure_line(&entry.site, e)),
                };
                if tx.send(line).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for line in rx {
            match line {
                Ok(text) => {
                    ok += 1;
                    output::raw_line(&text);
                }
                Err(text) => {
                    failed += 1;
                    output::raw_line(&text);
                }
            }
            if progress {
                output::stderr(&format!(
                    "\r{} of {total} sites: {ok} ok, {failed} failed ",
                    ok + failed
                ));
            }
        }
    });
    if progress {
        output::stderr("\n");
    }
    let verb = if exec.dry_run() {
        "planned"
    } else {
        "provisioned"
    };
    output::stderr(&format!(
        "jetpack-partner: {total_input} sites: {ok} {verb}, {failed} failed, {skipped} skipped (done or listed twice)\n"
    ));
    Ok(failed > 0)
}

/// `{"site": …, "success": true, …the API's fields}`.
fn result_line(site: &str, done: Done) -> String {
    let v = match done {
        Done::DryRun(v) => v,
        Done::Body(body) => match serde_json::from_slice::<Value>(&body) {
            Ok(v) => v,
            Err(_) => Value::String(String::from_utf8_lossy(&body).into_owned()),
        },
    };
    let mut pairs = vec![("site".to_string(), Value::String(site.to_string()))];
    match v {
        Value::Object(o) => {
            if !o.contains_key("success") {
                pairs.push(("success".into(), Value::Bool(true)));
            }
            pairs.extend(o);
        }
        other => {
            pairs.push(("success".into(), Value::Bool(true)));
            pairs.push(("response".into(), other));
        }
    }
    output::object_text(&pairs)
}

/// `{"site": …, "success": false, "error_code": …, "error_message": …}`.
fn failure_line(site: &str, e: &Error) -> String {
    let mut pairs = vec![("site".to_string(), Value::String(site.to_string()))];
    pairs.extend(output::error_pairs(e));
    output::object_text(&pairs)
}

/// The sites to work on, each with its job or the reason its line fails.
fn entries(batch: &Batch) -> Result<Vec<Entry>> {
    let text = match &batch.source {
        Source::AllSites(wp) => return network(batch, wp),
        Source::Stdin => {
            let mut s = String::new();
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| Error::BadFile {
                    flag: "--batch".into(),
                    path: PathBuf::from("-"),
                    problem: FileProblem::Unreadable(format!("cannot read stdin: {e}")),
                })?;
                s.push_str(&line);
                s.push('\n');
            }
            s
        }
        Source::File(file) => std::fs::read_to_string(file).map_err(|e| Error::BadFile {
            flag: "--batch".into(),
            path: PathBuf::from(file),
            problem: FileProblem::Unreadable(e.to_string()),
        })?,
    };
    let mut list = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        list.push(match serde_json::from_str::<Value>(t) {
            Ok(Value::Object(o)) => Entry {
                site: label(&o).unwrap_or_else(|| format!("line {n}")),
                job: (batch.line)(n, &o),
            },
            _ => Entry {
                site: format!("line {n}"),
                job: Err(Error::BatchLine {
                    line: n,
                    problem: LineProblem::NotObject,
                }),
            },
        });
    }
    Ok(list)
}

/// Every site of the multisite network, from `wp site list --field=url`.
fn network(batch: &Batch, wp: &crate::plan::WpSettings) -> Result<Vec<Entry>> {
    let urls = Wp::locate(wp, None)?.site_urls()?;
    Ok(urls
        .into_iter()
        .enumerate()
        .map(|(i, url)| {
            let mut o = Map::new();
            o.insert("url".into(), Value::String(url.clone()));
            Entry {
                site: url,
                job: (batch.line)(i + 1, &o),
            }
        })
        .collect())
}

/// The site's name in results: its url, else site_url, else path.
fn label(o: &Map<String, Value>) -> Option<String> {
    ["url", "site_url", "path"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
        .map(str::to_string)
}

/// Sites with a successful result line in FILE (a missing FILE is an empty
/// one, so the same command line works on the first run and on resumes).
fn done_sites(file: &str) -> Result<HashSet<String>> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Error::BadFile {
                flag: "--skip-done".into(),
                path: PathBuf::from(file),
                problem: FileProblem::Unreadable(e.to_string()),
            })
        }
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("success") == Some(&Value::Bool(true)))
        .filter_map(|v| v.get("site").and_then(Value::as_str).map(str::to_string))
        .collect())
}
