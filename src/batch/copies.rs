//! Two sites of one run that carry the same Jetpack blog id: one is a copy
//! of the other (a staging clone), and neither can know which is the
//! original, so both are refused for requests by that blog id (SPEC §9a).

use super::entry::Entry;
use crate::error::{Error, Result};
use crate::site::Site;
use std::collections::HashMap;

/// The found sites, each with its site or — where another site of the run
/// has its blog id — `duplicate_blog_id`.
pub fn refuse(found: Vec<Found>) -> Vec<Found> {
    // Blog id → (install, line label) of the first site that carried it.
    let mut first: HashMap<u64, (Install, String)> = HashMap::new();
    // Blog ids two different installs carry → the other's label.
    let mut shared: HashMap<u64, String> = HashMap::new();
    for (entry, site) in &found {
        let Some(id) = learned(site) else { continue };
        let me = install(entry);
        match first.get(&id) {
            None => {
                first.insert(id, (me, entry.key.site.clone()));
            }
            Some((other, _)) if *other != me => {
                shared.insert(id, entry.key.site.clone());
            }
            Some(_) => {}
        }
    }
    found
        .into_iter()
        .map(|(entry, site)| {
            let dup = learned(&site).and_then(|id| {
                let (_, first_label) = first.get(&id)?;
                let last_label = shared.get(&id)?;
                // Name the other one of the pair.
                let with = if *first_label == entry.key.site {
                    last_label.clone()
                } else {
                    first_label.clone()
                };
                Some(Error::DuplicateBlogId { blog_id: id, with })
            });
            match dup {
                Some(e) => (entry, Some(Err(e))),
                None => (entry, site),
            }
        })
        .collect()
}

/// An input line and its site, when it was looked for (None: the line
/// itself cannot be used).
pub type Found = (Entry, Option<Result<Site>>);

/// The blog id WordPress gave the site, if it was found.
fn learned(site: &Option<Result<Site>>) -> Option<u64> {
    site.as_ref()?.as_ref().ok()?.learned_blog_id
}

/// Which WordPress install a line names: its folder, and its URLs.
type Install = (Option<String>, String);

fn install(entry: &Entry) -> Install {
    match &entry.job {
        Ok(job) => (job.site.wp.path.clone(), job.site.ident()),
        Err(_) => (None, entry.key.site.clone()),
    }
}
