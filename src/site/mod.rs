//! The site resolver: which site a command works on, from `--blog_id`, from
//! WordPress (through `wp`), or — when WordPress cannot answer — from the
//! URL flags, as the SPEC allows. Every command finds its site here.

use crate::error::{Error, Fact, NoBlogIdWhy, Result, WpMissing};
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
    /// Jetpack blog id too. `wordpress`: the work goes through WordPress
    /// itself (`provision --license` sets the license there), so no URL
    /// stands in when it cannot be asked.
    Provision {
        user: &'a str,
        site_url: Option<&'a str>,
        activate: bool,
        blog_id: bool,
        wordpress: bool,
    },
    /// The site's `{site}` for API paths: the Jetpack blog id, else the
    /// site suffix of the home URL.
    Id,
    /// The WordPress.com blog id and nothing else (backup-credentials).
    BlogId,
    /// WordPress itself (`license set`: its options are the work), and its
    /// blog id where it has one; without WordPress nothing can be done.
    Wp,
    /// Only whether WordPress calls the site a copy (`license detach`: the
    /// request names no site). The blog id when WordPress says it; without
    /// WordPress the work goes on.
    Check,
}

/// What a command does with a site WordPress says is a copy of another (in
/// Jetpack's safe mode: it carries the original's blog id, so anything sent
/// by blog id acts on the original).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnCopy {
    /// Send nothing for it: `site_in_safe_mode` (cancel, backup
    /// credentials, apply: as `wp jetpack partner_cancel` refused).
    Refuse,
    /// Go on, and say so in the answer (`status`).
    Report,
    /// Not asked (provision names the site by URL, as the script did).
    Ignore,
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
    /// WordPress says this is a copy of another site (safe mode), and the
    /// command goes on to report it.
    pub copy: bool,
    /// The blog id as WordPress gave it (not `--blog_id`): a run refuses two
    /// sites that share one.
    pub learned_blog_id: Option<u64>,
    /// The products of the license keys in the site's `jetpack_licenses`.
    pub licensed: Vec<String>,
}

impl Site {
    fn named(id: String, siteurl: String) -> Site {
        Site {
            id,
            siteurl,
            wp: None,
            copy: false,
            learned_blog_id: None,
            licensed: Vec::new(),
        }
    }
}

/// A site about to be resolved: `wp` located (or why not).
pub struct Resolver<'a> {
    spec: &'a SiteSpec,
    need: Need<'a>,
    copy: OnCopy,
    /// None: nothing to ask (`--blog_id` given to a site command).
    wp: Option<Result<Wp>>,
}

impl<'a> Resolver<'a> {
    /// Locate `wp` for this site. Fails now — before any request — when
    /// WordPress is needed, cannot be found, and no flag can stand in.
    pub fn new(spec: &'a SiteSpec, need: Need<'a>, copy: OnCopy) -> Result<Resolver<'a>> {
        let resolver = |wp| Resolver {
            spec,
            need,
            copy,
            wp,
        };
        if spec.known.is_some() {
            // Gathered already (the network's one bootstrap).
            return Ok(resolver(None));
        }
        let wp = match (need, spec.blog_id) {
            // The blog id is all a site command needs.
            (Need::Id | Need::BlogId | Need::Check, Some(_)) => None,
            // Whatever `wp` says, even that it is not there.
            (Need::Check, None) => Some(Wp::locate(&spec.wp, spec.url.as_deref())),
            (Need::BlogId, None) => match Wp::locate(&spec.wp, spec.url.as_deref()) {
                Err(e) if e.is_wp_unavailable() => return Err(Error::NoBlogId(unasked(e))),
                located => Some(located),
            },
            // No URL can stand in for WordPress's own options.
            (Need::Wp, _) => Some(Ok(wordpress(spec, WpMissing::NeededForOptions)?)),
            (
                Need::Provision {
                    wordpress: true, ..
                },
                _,
            ) => Some(Ok(wordpress(spec, WpMissing::NeededForLicense)?)),
            _ => match Wp::locate(&spec.wp, spec.url.as_deref()) {
                Err(e) if fallback(spec, need).is_none() || !e.is_wp_unavailable() => {
                    return Err(e)
                }
                located => Some(located),
            },
        };
        Ok(resolver(wp))
    }

    /// Ask WordPress (one `wp` process) or, when it cannot answer, use the
    /// fallback URL.
    pub fn resolve(self) -> Result<Site> {
        let Resolver {
            spec,
            need,
            copy,
            wp,
        } = self;
        if let Some(known) = &spec.known {
            if let (Need::Provision { user, .. }, Some(false)) = (need, known.user_ok) {
                return Err(Error::InvalidUser {
                    place: format!(
                        "{} ({})",
                        known.wp.place(),
                        spec.url.as_deref().unwrap_or("")
                    ),
                    user: user.to_string(),
                });
            }
            let site = from_facts(spec, need, &known.facts)?;
            return judge_copy(
                &known.facts,
                copy,
                Site {
                    wp: Some(known.wp.clone()),
                    ..site
                },
            );
        }
        match wp {
            None => Ok(Site::named(
                spec.blog_id.map(|n| n.to_string()).unwrap_or_default(),
                String::new(),
            )),
            Some(Err(e)) => give_up(spec, need, e),
            Some(Ok(wp)) => {
                let asked = wp.facts(&want(spec, need, copy)).and_then(|facts| {
                    let site = from_facts(spec, need, &facts)?;
                    Ok((site, facts))
                });
                match asked {
                    Ok((site, facts)) => judge_copy(
                        &facts,
                        copy,
                        Site {
                            wp: Some(wp),
                            ..site
                        },
                    ),
                    Err(e) => give_up(spec, need, e),
                }
            }
        }
    }
}

/// `wp` for work that goes through WordPress itself: not on PATH is `why`.
fn wordpress(spec: &SiteSpec, why: WpMissing) -> Result<Wp> {
    match Wp::locate(&spec.wp, spec.url.as_deref()) {
        Err(Error::WpNotFound(WpMissing::NotOnPath)) => Err(Error::WpNotFound(why)),
        located => located,
    }
}

/// What to ask WordPress for.
fn want<'a>(spec: &SiteSpec, need: Need<'a>, copy: OnCopy) -> Want<'a> {
    let safe_mode = copy != OnCopy::Ignore;
    match need {
        Need::Provision {
            user,
            site_url,
            activate,
            blog_id,
            ..
        } => Want {
            user: Some(user),
            siteurl: site_url.is_none(),
            blog_id,
            // Where the API is asked about the site before the provision
            // (--if-needed, --check-upgrade), it names it by its home when
            // there is no blog id.
            home: blog_id,
            activate,
            safe_mode: safe_mode && blog_id,
        },
        Need::BlogId | Need::Check | Need::Wp => Want {
            blog_id: true,
            safe_mode,
            ..Want::default()
        },
        Need::Id => Want {
            blog_id: true,
            home: spec.home_url.is_none(),
            safe_mode,
            ..Want::default()
        },
    }
}

/// The site from what WordPress said (one `wp eval`, or the network's one
/// bootstrap).
fn from_facts(spec: &SiteSpec, need: Need, f: &Facts) -> Result<Site> {
    let mut site = match need {
        Need::Provision { site_url, .. } => {
            let siteurl = match (site_url, &f.siteurl) {
                (Some(s), _) => s.to_string(),
                (None, Some(s)) => s.clone(),
                (None, None) => return Err(Error::WpMissingFact(Fact::Siteurl)),
            };
            Site::named(api_name(f, &siteurl), siteurl)
        }
        Need::Id => {
            let home = spec.home_url.as_deref().or(f.home.as_deref());
            match (f.blog_id, home) {
                (Some(id), _) => Site::named(id.to_string(), String::new()),
                (None, Some(home)) => Site::named(site_suffix(home), String::new()),
                (None, None) => return Err(Error::WpMissingFact(Fact::IdOrHome)),
            }
        }
        Need::BlogId => match f.blog_id {
            Some(id) => Site::named(id.to_string(), String::new()),
            None => return Err(Error::NoBlogId(NoBlogIdWhy::NotConnected)),
        },
        Need::Check | Need::Wp => Site::named(
            f.blog_id.map(|id| id.to_string()).unwrap_or_default(),
            String::new(),
        ),
    };
    site.learned_blog_id = f.blog_id;
    site.licensed = f.licensed.clone();
    Ok(site)
}

/// A copy of another site (Jetpack's own safe-mode check says so) is
/// refused, or reported, as the command says.
fn judge_copy(facts: &Facts, copy: OnCopy, mut site: Site) -> Result<Site> {
    if let (Some(e), false) = (&facts.safe_mode_error, copy == OnCopy::Ignore) {
        // Jetpack's own check failed: neither side of it is known.
        return Err(Error::WpFailed {
            what: "Jetpack's safe-mode check (wp eval)".into(),
            exit: "exit code 0".into(),
            said: crate::wp::parse::snippet(e),
        });
    }
    match (facts.safe_mode, copy) {
        (Some(true), OnCopy::Refuse) => Err(Error::SiteInSafeMode {
            blog_id: facts.blog_id,
        }),
        (Some(true), OnCopy::Report) => {
            site.copy = true;
            Ok(site)
        }
        _ => Ok(site),
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
        Need::Provision {
            wordpress: true, ..
        } => None,
        Need::Provision { site_url, .. } => site_url.or(spec.url.as_deref()),
        Need::Id => spec.home_url.as_deref().or(spec.url.as_deref()),
        Need::BlogId | Need::Wp | Need::Check => None,
    }
}

/// WordPress could not answer: the fallback URL stands in, or the error
/// stands.
fn give_up(spec: &SiteSpec, need: Need, e: Error) -> Result<Site> {
    if let (Need::BlogId, true) = (need, e.is_wp_unavailable()) {
        return Err(Error::NoBlogId(unasked(e)));
    }
    if let (Need::Check, true) = (need, e.is_wp_unavailable()) {
        output::verbose(&format!(
            "WordPress not reachable ({e}); going on without its safe-mode check"
        ));
        return Ok(Site::named(String::new(), String::new()));
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
        Need::Id | Need::BlogId | Need::Wp | Need::Check => {
            output::verbose(&format!(
                "WordPress not reachable ({e}); naming the site by the suffix of {url}"
            ));
            String::new()
        }
    };
    Ok(Site::named(site_suffix(url), siteurl))
}
