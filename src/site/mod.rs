//! The site resolver: which site a command works on, from `--blog_id`, from
//! WordPress (through `wp`), or — when WordPress cannot answer — from the
//! URL flags, as the SPEC allows. Every command finds its site here.

use crate::error::{Error, Fact, NoBlogIdWhy, Result};
use crate::output;
use crate::wp::{Facts, Want, Wp, WpSettings};

pub mod url;

pub use url::{names_a_host, site_suffix};

/// Which site: what the flags say about it.
#[derive(Clone, Debug, Default)]
pub struct SiteSpec {
    pub wp: WpSettings,
    /// `--url`: WP-CLI's `--url`, and the site when WordPress cannot answer.
    pub url: Option<String>,
    /// `--home_url` where it names the site (cancel, upgrade-paths).
    pub home_url: Option<String>,
    /// `--blog_id`: no need to ask WordPress.
    pub blog_id: Option<u64>,
    /// Facts already gathered for this site (`--all-sites`: the whole
    /// network in one bootstrap): WordPress is not asked again.
    pub known: Option<Known>,
}

/// What one bootstrap of the network said about one of its sites.
#[derive(Clone, Debug)]
pub struct Known {
    pub facts: Facts,
    /// None: no user was asked about; Some(false): the user is not on it.
    pub user_ok: Option<bool>,
    /// `wp` for this site (`--url=`), for the authorize step.
    pub wp: Wp,
}

impl SiteSpec {
    /// Which site a line names, however it is spelled: its blog id when
    /// given (the site is then asked nothing else), else its URLs' site
    /// suffixes (case, default port, trailing slash and user info do not
    /// count).
    pub fn ident(&self) -> String {
        if let Some(id) = self.blog_id {
            return format!("blog {id}");
        }
        let suffix = |u: &Option<String>| u.as_deref().map(site_suffix);
        format!(
            "home {:?} url {:?}",
            suffix(&self.home_url),
            suffix(&self.url)
        )
    }
}

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
fn api_name(facts: &Facts, siteurl: &str) -> String {
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
