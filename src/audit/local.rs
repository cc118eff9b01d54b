//! The audit's local sites: found on disk (`--scan`), named in a file
//! (`--batch`), or every site of a network (`--all-sites`), each asked
//! through WordPress for its Jetpack blog id, home and safe mode — `--jobs`
//! at a time on the worker pool, one bootstrap for a whole network.

use super::findings::LocalSite;
use crate::error::{Error, FileProblem, Result};
use crate::output;
use crate::pool;
use crate::wp::{Facts, Want, Wp, WpSettings};
use serde_json::Value;
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::sync::Mutex;

/// Where the local sites come from.
#[derive(Debug, Clone)]
pub enum Local {
    /// `--scan=DIR`: the installs under a folder.
    Scan { root: PathBuf, max_depth: usize },
    /// `--batch=FILE` (`-`: stdin): one JSON object per line naming a site
    /// by `path`, `url` or `blog_id` (`sites --scan` lines do).
    Lines(String),
    /// `--all-sites`: every site of the network WordPress is in.
    Network,
}

/// What WordPress is asked about each site.
fn want() -> Want<'static> {
    Want {
        siteurl: true,
        home: true,
        blog_id: true,
        safe_mode: true,
        ..Want::default()
    }
}

/// Every local site with what WordPress said of it; a site WordPress
/// cannot answer for is kept with its name only (a note says why).
pub fn gather(local: &Local, wp: &WpSettings, jobs: usize) -> Result<Vec<LocalSite>> {
    let named = match local {
        Local::Network => return network(wp),
        Local::Scan { root, max_depth } => scanned(root, *max_depth)?,
        Local::Lines(file) => listed(file)?,
    };
    let found = Mutex::new(Vec::with_capacity(named.len()));
    pool::run(
        jobs,
        |todo| {
            for (n, site) in named.into_iter().enumerate() {
                if !todo.give((n, site)) {
                    break;
                }
            }
        },
        |(n, site): (usize, Named)| {
            let one = ask(wp, site);
            found.lock().map(|mut f| f.push((n, one))).ok();
        },
    );
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort_by_key(|(n, _)| *n);
    Ok(found.into_iter().map(|(_, s)| s).collect())
}

/// A site as the input names it.
struct Named {
    label: String,
    path: Option<String>,
    url: Option<String>,
    blog_id: Option<u64>,
}

/// One site through WordPress (nothing to ask when only a blog id or a URL
/// without a folder names it).
fn ask(wp: &WpSettings, site: Named) -> LocalSite {
    let mut local = LocalSite {
        label: site.label.clone(),
        blog_id: site.blog_id,
        home: site.url.clone(),
        ..LocalSite::default()
    };
    let Some(path) = &site.path else {
        return local;
    };
    let settings = WpSettings {
        path: Some(path.clone()),
        ..wp.clone()
    };
    let facts = Wp::locate(&settings, site.url.as_deref()).and_then(|wp| wp.facts(&want()));
    match facts {
        Ok(f) => fill(&mut local, &f),
        Err(e) => {
            local.unread = true;
            output::note(&format!(
                "{}: WordPress could not be asked ({e})",
                site.label
            ))
        }
    }
    local
}

fn fill(local: &mut LocalSite, f: &Facts) {
    local.blog_id = local.blog_id.or(f.blog_id);
    local.home = f.home.clone().or_else(|| local.home.take());
    local.safe_mode = f.safe_mode;
    local.license_error = f.license_error.as_deref().map(without_keys);
}

/// Jetpack's message with the license keys it lists cut to their product
/// ("…revoked: jetpack-scan_…"): a key is a secret outside `license`.
fn without_keys(message: &str) -> String {
    let Some((head, keys)) = message
        .rsplit_once(": ")
        .filter(|(head, _)| head.contains("licenses"))
    else {
        return message.to_string();
    };
    let cut: Vec<String> = keys
        .split(", ")
        .map(|k| match k.split_once('_') {
            Some((product, _)) => format!("{product}_…"),
            None => "…".to_string(),
        })
        .collect();
    format!("{head}: {}", cut.join(", "))
}

/// The installs under a folder.
fn scanned(root: &std::path::Path, max_depth: usize) -> Result<Vec<Named>> {
    let walk = crate::scan::installs(root, max_depth)?;
    Ok(walk
        .into_iter()
        .map(|path| Named {
            label: path.clone(),
            path: Some(path),
            url: None,
            blog_id: None,
        })
        .collect())
}

/// A file of lines naming sites (at most 1 MiB a line; blank lines and `#`
/// comments skipped; a line that names no site is noted and skipped).
fn listed(file: &str) -> Result<Vec<Named>> {
    let bad = |problem| Error::BadFile {
        flag: "--batch".into(),
        path: PathBuf::from(file),
        problem,
    };
    let input: Box<dyn Read> = if file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(file).map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?,
        )
    };
    let mut out = Vec::new();
    let reader = std::io::BufReader::new(input.take(1 << 30));
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
        let text = String::from_utf8_lossy(&line);
        let t = text.trim();
        if t.is_empty() || t.starts_with('#') || t.len() > 1 << 20 {
            continue;
        }
        match serde_json::from_str::<Value>(t)
            .ok()
            .as_ref()
            .and_then(named)
        {
            Some(site) => out.push(site),
            None => output::note(&format!(
                "--batch line {}: names no site (path, url or blog_id); skipped",
                i + 1
            )),
        }
    }
    Ok(out)
}

/// A line's site: `path`, `url` and `blog_id`, labelled as batch lines are
/// (url, else path, else blog id).
fn named(v: &Value) -> Option<Named> {
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let blog_id = v
        .get("blog_id")
        .and_then(|b| b.as_u64().or_else(|| b.as_str()?.trim().parse().ok()));
    let (path, url) = (text("path"), text("url"));
    let label = url
        .clone()
        .or_else(|| path.clone())
        .or_else(|| blog_id.map(|id| id.to_string()))?;
    Some(Named {
        label,
        path,
        url,
        blog_id,
    })
}

/// Every site of the network, from one bootstrap.
fn network(wp: &WpSettings) -> Result<Vec<LocalSite>> {
    let wp = Wp::locate(wp, None)?;
    let sites = wp.network_facts(&want())?.ok_or(Error::WpNoSites)?;
    Ok(sites
        .into_iter()
        .map(|s| {
            let mut local = LocalSite {
                label: s.url,
                ..LocalSite::default()
            };
            fill(&mut local, &s.facts);
            local
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::without_keys;

    #[test]
    fn license_keys_in_jetpack_messages_are_cut_to_their_product() {
        assert_eq!(
            without_keys("The following Jetpack licenses are invalid, already in use, or revoked: jetpack-scan_4f3a9b, jetpack-backup-daily_x9"),
            "The following Jetpack licenses are invalid, already in use, or revoked: jetpack-scan_…, jetpack-backup-daily_…"
        );
        let other = "Failed to attach your Jetpack license(s). Please try reconnecting Jetpack.";
        assert_eq!(without_keys(other), other);
        assert_eq!(without_keys("Error: x"), "Error: x");
    }
}
