//! `--all-sites`: every site of the multisite network as input lines
//! `{"url":…}`, with what one bootstrap of the network said about each
//! (SPEC §8: one `wp eval` for the whole network). Where eval gives no
//! answer, the URLs come from `wp site list` and each site is asked on its
//! own.

use crate::error::{Error, Result, WpMissing};
use crate::site::Known;
use crate::wp::{Want, Wp, WpSettings};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The network's sites as input lines, and what is known of each by URL.
pub fn gather(
    settings: &WpSettings,
    user: Option<&str>,
    activate: bool,
    safe_mode: bool,
) -> Result<(Vec<u8>, HashMap<String, Known>)> {
    let wp = Wp::locate(settings, None).map_err(|e| match e {
        // "or give the site with --url" cannot help a whole network.
        Error::WpNotFound(WpMissing::NotOnPath) => Error::WpNotFound(WpMissing::NeededForNetwork),
        other => other,
    })?;
    let want = Want {
        user,
        activate,
        safe_mode,
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
