//! The site resolver: which site a command works on, from `--blog_id`, from
//! WordPress (through `wp`), or — when WordPress cannot answer — from the
//! URL flags, as the SPEC allows. Every command finds its site here.

use crate::api::encode::{escape, UNRESERVED};
use crate::api::split_scheme;
use crate::error::{Error, Fact, NoBlogIdWhy, Result};
use crate::output;
use crate::plan::{Known, SiteSpec};
use crate::wp::{Want, Wp};
use percent_encoding::AsciiSet;

/// What the command needs to know about its site.
#[derive(Debug, Clone, Copy)]
pub enum Need<'a> {
    /// provision: `user` must exist, the siteurl (unless `site_url` stands
    /// in for it), Jetpack activated (`activate`), and with `blog_id` the
    /// Jetpack blog id too.
    Provision {
        user: &'a str,
        site_url: Option<&'a str>,
        activate: bool,
        blog_id: bool,
    },
    /// The site's `{site}` for API paths: the Jetpack blog id, else the
    /// site suffix of the home URL.
    Id,
    /// The WordPress.com blog id and nothing else (backup-credentials).
    BlogId,
}

/// What the resolver found.
#[derive(Debug)]
pub struct Site {
    /// `{site}` in API paths: the blog id, else the site suffix.
    pub id: String,
    /// The siteurl to send (provision).
    pub siteurl: String,
    /// `wp` that answered for this site; None when we work from flags alone.
    pub wp: Option<Wp>,
}

/// A site about to be resolved: `wp` located (or why not).
pub struct Resolver<'a> {
    spec: &'a SiteSpec,
    need: Need<'a>,
    /// None: nothing to ask (`--blog_id` given to a site command).
    wp: Option<Result<Wp>>,
}

impl<'a> Resolver<'a> {
    /// Locate `wp` for this site. Fails now — before any request — when
    /// WordPress is needed, cannot be found, and no flag can stand in.
    pub fn new(spec: &'a SiteSpec, need: Need<'a>) -> Result<Resolver<'a>> {
        if spec.known.is_some() {
            // Gathered already (the network's one bootstrap).
            return Ok(Resolver {
                spec,
                need,
                wp: None,
            });
        }
        let wp = match (need, spec.blog_id) {
            // The blog id is all a site command needs.
            (Need::Id | Need::BlogId, Some(_)) => None,
            (Need::BlogId, None) => match Wp::locate(&spec.wp, spec.url.as_deref()) {
                Err(e) if e.is_wp_unavailable() => return Err(Error::NoBlogId(unasked(e))),
                located => Some(located),
            },
            _ => match Wp::locate(&spec.wp, spec.url.as_deref()) {
                Err(e) if fallback(spec, need).is_none() || !e.is_wp_unavailable() => {
                    return Err(e)
                }
                located => Some(located),
            },
        };
        Ok(Resolver { spec, need, wp })
    }

    /// Ask WordPress (one `wp` process) or, when it cannot answer, use the
    /// fallback URL.
    pub fn resolve(self) -> Result<Site> {
        let Resolver { spec, need, wp } = self;
        if let Some(known) = &spec.known {
            return from_known(spec, need, known);
        }
        match wp {
            None => Ok(Site {
                id: spec.blog_id.map(|n| n.to_string()).unwrap_or_default(),
                siteurl: String::new(),
                wp: None,
            }),
            Some(Err(e)) => give_up(spec, need, e),
            Some(Ok(wp)) => match ask(spec, need, &wp) {
                Ok(site) => Ok(Site {
                    wp: Some(wp),
                    ..site
                }),
                Err(e) => give_up(spec, need, e),
            },
        }
    }
}

/// The site from facts the network's bootstrap gathered.
fn from_known(spec: &SiteSpec, need: Need, known: &Known) -> Result<Site> {
    let f = &known.facts;
    let site = |id: String, siteurl: String| Site {
        id,
        siteurl,
        wp: Some(known.wp.clone()),
    };
    match need {
        Need::Provision { user, site_url, .. } => {
            if known.user_ok == Some(false) {
                return Err(Error::InvalidUser {
                    place: format!(
                        "{} ({})",
                        known.wp.place(),
                        spec.url.as_deref().unwrap_or("")
                    ),
                    user: user.to_string(),
                });
            }
            let siteurl = match (site_url, &f.siteurl) {
                (Some(s), _) => s.to_string(),
                (None, Some(s)) => s.clone(),
                (None, None) => return Err(Error::WpMissingFact(Fact::Siteurl)),
            };
            let id = api_name(f, &siteurl);
            Ok(site(id, siteurl))
        }
        Need::Id => {
            let home = spec.home_url.as_deref().or(f.home.as_deref());
            match (f.blog_id, home) {
                (Some(id), _) => Ok(site(id.to_string(), String::new())),
                (None, Some(home)) => Ok(site(site_suffix(home), String::new())),
                (None, None) => Err(Error::WpMissingFact(Fact::IdOrHome)),
            }
        }
        Need::BlogId => match f.blog_id {
            Some(id) => Ok(site(id.to_string(), String::new())),
            None => Err(Error::NoBlogId(NoBlogIdWhy::NotConnected)),
        },
    }
}

/// How status and upgrade-paths name a site being provisioned: its Jetpack
/// blog id, else its home URL's suffix (as cancel does; the home differs
/// from the siteurl when WordPress lives in a subfolder), else the
/// siteurl's.
fn api_name(facts: &crate::wp::Facts, siteurl: &str) -> String {
    match (facts.blog_id, facts.home.as_deref()) {
        (Some(id), _) => id.to_string(),
        (None, Some(home)) => site_suffix(home),
        (None, None) => site_suffix(siteurl),
    }
}

/// Why WordPress could not say its blog id (without a `wp` error's own
/// advice to give `--url`, which cannot name a blog id).
fn unasked(e: Error) -> NoBlogIdWhy {
    match e {
        Error::WpNotFound(_) => NoBlogIdWhy::NoWp,
        other => NoBlogIdWhy::Unasked(Box::new(other)),
    }
}

/// The URL that stands in when WordPress cannot answer: provision's
/// `--site_url`/`--url` (the siteurl), the others' `--home_url`/`--url`.
fn fallback<'a>(spec: &'a SiteSpec, need: Need<'a>) -> Option<&'a str> {
    match need {
        Need::Provision { site_url, .. } => site_url.or(spec.url.as_deref()),
        Need::Id => spec.home_url.as_deref().or(spec.url.as_deref()),
        Need::BlogId => None,
    }
}

fn ask(spec: &SiteSpec, need: Need, wp: &Wp) -> Result<Site> {
    match need {
        Need::Provision {
            user,
            site_url,
            activate,
            blog_id,
        } => {
            let facts = wp.facts(&Want {
                user: Some(user),
                siteurl: site_url.is_none(),
                blog_id,
                // Where the API is asked about the site before the
                // provision (--if-needed, --check-upgrade), it names it by
                // its home when there is no blog id.
                home: blog_id,
                activate,
            })?;
            let siteurl = match (site_url, facts.siteurl.clone()) {
                (Some(s), _) => s.to_string(),
                (None, Some(s)) => s,
                (None, None) => return Err(Error::WpMissingFact(Fact::Siteurl)),
            };
            let id = api_name(&facts, &siteurl);
            Ok(Site {
                id,
                siteurl,
                wp: None,
            })
        }
        Need::BlogId => {
            let facts = wp.facts(&Want {
                blog_id: true,
                ..Want::default()
            })?;
            let id = facts
                .blog_id
                .ok_or(Error::NoBlogId(NoBlogIdWhy::NotConnected))?;
            Ok(Site {
                id: id.to_string(),
                siteurl: String::new(),
                wp: None,
            })
        }
        Need::Id => {
            let home_url = spec.home_url.as_deref();
            let facts = wp.facts(&Want {
                blog_id: true,
                home: home_url.is_none(),
                ..Want::default()
            })?;
            let id = match (facts.blog_id, home_url, facts.home.as_deref()) {
                (Some(id), _, _) => id.to_string(),
                (None, Some(home), _) | (None, None, Some(home)) => site_suffix(home),
                (None, None, None) => return Err(Error::WpMissingFact(Fact::IdOrHome)),
            };
            Ok(Site {
                id,
                siteurl: String::new(),
                wp: None,
            })
        }
    }
}

/// WordPress could not answer: the fallback URL stands in, or the error
/// stands.
fn give_up(spec: &SiteSpec, need: Need, e: Error) -> Result<Site> {
    if let (Need::BlogId, true) = (need, e.is_wp_unavailable()) {
        return Err(Error::NoBlogId(unasked(e)));
    }
    let Some(url) = fallback(spec, need).filter(|_| e.is_wp_unavailable()) else {
        return Err(e);
    };
    let siteurl = match need {
        Need::Provision { .. } => {
            output::verbose(&format!(
                "WordPress not reachable ({e}); using {url} as siteurl, user unchecked"
            ));
            url.to_string()
        }
        Need::Id | Need::BlogId => {
            output::verbose(&format!(
                "WordPress not reachable ({e}); naming the site by the suffix of {url}"
            ));
            String::new()
        }
    };
    Ok(Site {
        id: site_suffix(url),
        siteurl,
        wp: None,
    })
}

/// `{site}` when the blog id is unknown: the home URL without scheme, `/`
/// replaced by `::`, no trailing `:` (`example.com/demo/wp` →
/// `example.com::demo::wp`). The URL is normalised first (SPEC §9):
/// surrounding whitespace, userinfo, query and the scheme's default port
/// dropped, the host lower-cased, escapes already in the path kept as they
/// are (not encoded twice).
/// Does this URL name a host? Read from the text as written (the URL
/// parser would take `https:///a` as host `a`): after any scheme, before
/// the first `/`, without user info and port.
pub fn names_a_host(url: &str) -> bool {
    let url = url.trim();
    let rest = split_scheme(url).map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or("", |(h, _)| h.trim_start_matches('['))
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    !host.trim().is_empty()
}

pub fn site_suffix(home: &str) -> String {
    let home = home.trim();
    let parsed = match split_scheme(home) {
        Some(_) => url::Url::parse(home),
        // A bare `example.com/demo`: the port, if any, is the site's own.
        None => url::Url::parse(&format!("http://{home}")),
    };
    // The path as written, up to any query: the scripts replaced every `/`
    // (`a//b` → `a::::b`, `..` kept), so the parser's tidying is not used.
    let rest = split_scheme(home).map_or(home, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (raw_host, path) = match rest.split_once('/') {
        Some((h, p)) => (h, p),
        None => (rest, ""),
    };
    // The host normalised (case, user info, default port) where the parser
    // takes it; else the text itself.
    let host = match &parsed {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {
            let host = u.host_str().unwrap_or_default();
            match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host.to_string(),
            }
        }
        _ => raw_host.to_ascii_lowercase(),
    };
    let mut parts = vec![encode_path_part(&host)];
    parts.extend(path.split('/').map(encode_path_part));
    parts.join("::").trim_end_matches(':').to_string()
}

/// What stays as it is in one path segment: RFC 3986 unreserved, `:` and `@`.
const SEGMENT: &AsciiSet = &UNRESERVED.remove(b':').remove(b'@');

/// Percent-encoding for one path segment; an escape already in it (`%20`)
/// stays as it is.
fn encode_path_part(s: &str) -> String {
    let bytes = s.as_bytes();
    let is_escape = |i: usize| {
        bytes[i] == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    };
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    for i in (0..bytes.len()).filter(|&i| is_escape(i)) {
        // `%` is ASCII, so both ends are character boundaries.
        out.push_str(&escape(&s[from..i], SEGMENT, false));
        out.push('%');
        from = i + 1;
    }
    out.push_str(&escape(&s[from..], SEGMENT, false));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(site_suffix("example.com"), "example.com");
        assert_eq!(site_suffix("http://example.com/"), "example.com");
        assert_eq!(site_suffix("https://example.com/demo"), "example.com::demo");
        assert_eq!(
            site_suffix("https://example.com/demo/wp/"),
            "example.com::demo::wp"
        );
        assert_eq!(
            site_suffix("http://example.com:8080/a b"),
            "example.com:8080::a%20b"
        );
        // SPEC §9: normalised before use.
        assert_eq!(
            site_suffix("  HTTPS://User:pw@Example.COM:443/Blog/ "),
            "example.com::Blog"
        );
        assert_eq!(
            site_suffix("http://example.com:80/a%20b"),
            "example.com::a%20b"
        );
        assert_eq!(site_suffix("http://example.com/a%2"), "example.com::a%252");
        assert_eq!(
            site_suffix("example.com:8080/x?y=1#z"),
            "example.com:8080::x"
        );
        assert_eq!(site_suffix("http://ex.com/x:y"), "ex.com::x:y");
        // Every `/` becomes `::`, as the scripts' sed did; nothing tidied.
        assert_eq!(
            site_suffix("https://example.com//double//"),
            "example.com::::double"
        );
        assert_eq!(
            site_suffix("https://example.com/a/../b"),
            "example.com::a::..::b"
        );
    }

    #[test]
    fn hosts() {
        for good in [
            "example.com",
            "https://u:p@example.com:8080/x",
            "http://[::1]:80/",
            "HTTP://a",
        ] {
            assert!(names_a_host(good), "{good}");
        }
        for bad in [
            "https://",
            "http:///a",
            "https://u:pw@/x",
            "https://u@",
            "https://:443/x",
            "https://[]/",
            " ",
        ] {
            assert!(!names_a_host(bad), "{bad}");
        }
    }
}
