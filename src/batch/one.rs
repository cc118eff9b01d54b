//! One site with `--format=table|csv|count` or `--fields`: its result as
//! the one row a batch would print for it (same columns, same names), so
//! `--format` is never silently ignored. A failure is the single run's
//! usual error object on stderr.

use super::entry::Key;
use super::result;
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::job::{Meta, SiteJob};
use crate::output::{self, format::List, format::Listing};
use crate::site::SiteSpec;

/// Run the job and print its row; false (nothing failed) once printed.
pub fn one(job: &SiteJob, meta: &Meta, listing: &Listing, exec: &Executor) -> Result<bool> {
    let done = exec.site(job)?;
    let key = Key {
        command: meta.name.to_string(),
        site: label(&job.site),
        plan: job.action.slug().map(str::to_string),
    };
    let row = result::done(meta, &key, done, None);
    let mut list = List::new(listing, meta.columns);
    output::last(|| {
        list.row(&row, &row.to_string(), 1)?;
        list.finish()
    })
    .map_err(|e| Error::OutputFailed {
        cause: e.to_string(),
        carried_out: !exec.dry_run(),
        lost: 0,
    })?;
    Ok(false)
}

/// The site as its flags name it, as a batch line's label: `--url`, else
/// `--path`, else `--blog_id`, else `--home_url`.
fn label(site: &SiteSpec) -> String {
    site.url
        .clone()
        .or_else(|| site.wp.path.clone())
        .or_else(|| site.blog_id.map(|id| id.to_string()))
        .or_else(|| site.home_url.clone())
        .unwrap_or_default()
}
