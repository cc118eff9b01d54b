//! `audit` (SPEC §11): one read-only view of a fleet — the local sites
//! (`local`), each site's `status`, and with the reporting token the
//! billed activations (`billing`) — turned into findings (`findings`),
//! printed as JSON lines or one self-contained HTML page (`html`), with a
//! summary per kind and product (`report`). It never changes anything.

pub mod billing;
pub mod findings;
pub mod html;
pub mod local;
mod report;

use crate::endpoints;
use crate::error::Result;
use crate::exec::Executor;
use crate::output::{self, clock};
use crate::pool;
use crate::site::site_suffix;
use crate::work::{Step, Work};
use crate::wp::WpSettings;
use findings::{Billing, LocalSite};
use local::Local;
use report::Report;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

/// What `audit` looks at, and how it reports.
#[derive(Debug, Clone)]
pub struct Audit {
    pub local: Local,
    pub wp: WpSettings,
    pub jobs: usize,
    /// `--desired`: what `apply` would be asked for (drift).
    pub desired: Option<HashMap<String, Vec<String>>>,
    /// The partner key whose billed activations are read (reporting token).
    pub billing: Option<billing::Key>,
    /// `--format=html`: one page instead of JSON lines.
    pub html: bool,
    /// `--summary=json`.
    pub json_summary: bool,
}

impl crate::job::Task for Audit {
    fn run(&self, exec: &Executor) -> Result<bool> {
        run(self, exec)
    }
}

/// Run the audit; true when a site could not be read (the report covers
/// the others).
pub fn run(audit: &Audit, exec: &Executor) -> Result<bool> {
    let started = std::time::Instant::now();
    let generated = clock::rfc3339(SystemTime::now());
    let run_id = clock::run_id();
    let mut sites = local::gather(&audit.local, &audit.wp, audit.jobs)?;
    if let Some(desired) = &audit.desired {
        for s in &mut sites {
            s.desired = desired_of(desired, s).cloned();
        }
    }
    if exec.dry_run() {
        return dry_run(&sites, audit, exec);
    }
    statuses(&mut sites, exec, audit.jobs);
    let mut report = Report::new(audit.html, &run_id);
    report.all(findings::local(&sites))?;
    let mut activations = None;
    if let Some(key) = &audit.billing {
        let now = clock::unix_now() as u64;
        let mut billing = Billing::new(&sites, now);
        let mut written = Ok(());
        let read = billing::read(exec, key, |a| {
            if written.is_ok() {
                written = report.all(billing.activation(&a));
            }
        })?;
        written?;
        report.all(billing.unbilled(&sites))?;
        activations = Some(read);
    }
    let page = html::Page {
        generated: &generated,
        run: &run_id,
        sites: sites.len(),
        activations,
    };
    let unread: Vec<&str> = sites
        .iter()
        .filter(|s| s.unread)
        .map(|s| s.label.as_str())
        .collect();
    report.finish(&page, &unread, started, audit.json_summary)?;
    Ok(!unread.is_empty())
}

/// `--dry-run`: the sites found, and the reads that would be sent.
fn dry_run(sites: &[LocalSite], audit: &Audit, exec: &Executor) -> Result<bool> {
    let mut steps: Vec<Step> = sites
        .iter()
        .filter_map(name)
        .map(|id| Step::Send(endpoints::STATUS.at(&id)))
        .collect();
    if let Some(key) = &audit.billing {
        steps.push(Step::Send(billing::page(key, 1)));
    }
    let mut answer = exec.describe(&Work { steps });
    answer["sites"] = sites.iter().map(|s| s.label.as_str()).collect();
    output::raw_line(&output::visible::json(&answer.to_string()))
        .map_err(|e| report::failed(&e))?;
    Ok(false)
}

/// Each site's status (by blog id, else its home's or URL's site suffix),
/// `--jobs` at a time; one that cannot be read is marked `unread` (a note
/// says why).
fn statuses(sites: &mut [LocalSite], exec: &Executor, jobs: usize) {
    let answers = Mutex::new(Vec::new());
    let named: Vec<(usize, String)> = sites
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, name(s)?)))
        .collect();
    pool::run(
        jobs,
        |todo| {
            for one in named {
                if !todo.give(one) {
                    break;
                }
            }
        },
        |(i, id): (usize, String)| {
            let answer = exec.read(&endpoints::STATUS.at(&id));
            answers.lock().map(|mut a| a.push((i, answer))).ok();
        },
    );
    for (i, answer) in answers.into_inner().unwrap_or_else(|e| e.into_inner()) {
        match answer {
            Ok(status) => sites[i].status = Some(status),
            Err(e) => {
                sites[i].unread = true;
                output::note(&format!(
                    "{}: status could not be read ({e})",
                    sites[i].label
                ));
            }
        }
    }
}

/// How the API names a local site: its blog id, else its home's (or URL
/// label's) site suffix; None for a folder WordPress could not answer for,
/// and for a copy of another site (safe mode): its blog id is the
/// original's, whose status says nothing of the copy.
fn name(s: &LocalSite) -> Option<String> {
    if s.safe_mode == Some(true) {
        return None;
    }
    if let Some(id) = s.blog_id {
        return Some(id.to_string());
    }
    let url = s.home.as_deref().or_else(|| {
        let l = s.label.as_str();
        (!l.starts_with('/')).then_some(l)
    })?;
    Some(site_suffix(url))
}

/// A site's desired products: its line by label, or by its home's suffix.
fn desired_of<'a>(
    desired: &'a HashMap<String, Vec<String>>,
    s: &LocalSite,
) -> Option<&'a Vec<String>> {
    desired.get(&s.label).or_else(|| {
        let home = s.home.as_deref().map(site_suffix)?;
        desired.get(&home)
    })
}

/// The sites of a `--desired` file: by each line's `path` and by its
/// `url`'s site suffix, its `products`.
pub fn desired_map(lines: &[Value]) -> HashMap<String, Vec<String>> {
    let mut map = HashMap::new();
    for v in lines {
        let products: Vec<String> = v
            .get("products")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(p) = v.get("path").and_then(Value::as_str) {
            map.insert(p.to_string(), products.clone());
        }
        if let Some(u) = v.get("url").and_then(Value::as_str) {
            map.insert(u.to_string(), products.clone());
            map.insert(site_suffix(u), products);
        }
    }
    map
}
