//! What every site command shares: one site from its flags, or many
//! (`--batch`, `--all-sites`), each line parsed as the same flags plus its
//! own. A site command implements [`SiteCommand`] and gets this for free.

use super::Command;
use crate::credentials::{self, CredArgs};
use crate::endpoints::Endpoint;
use crate::error::Result;
use crate::flags::common::{BatchArgs, SiteArgs, SiteCommon, WpArgs};
use crate::flags::lines::line_parser;
use crate::flags::values::{blog_id, fleet, jobs, lines_listing, report, site_url, wp_settings};
use crate::flags::{given, Context, Parsed};
use crate::job::{Batch, Meta, Run, SiteAction, SiteJob, Source, Target};
use crate::site::{Need, OnCopy, Site, SiteSpec};
use crate::tokens::{self, Keys, Takes};
use crate::work::{Step, Work};
use std::hash::{Hash, Hasher};

/// The two accessors of [`SiteCommand`], for a flags struct with `creds`
/// (its requests take the partner token) and `common` fields.
macro_rules! site_flags {
    () => {
        fn takes(&self) -> crate::tokens::Takes<'_> {
            crate::tokens::Takes::Partner(&self.creds)
        }

        fn common(&self) -> &crate::flags::common::SiteCommon {
            &self.common
        }
    };
}
pub(crate) use site_flags;

/// A command that works on sites: its flags say which site and what to do
/// there ([`job`](SiteCommand::job)); batch lines are parsed as the same
/// flags.
pub trait SiteCommand: clap::FromArgMatches + Send + Sync + 'static {
    /// What a batch of its lines needs to know.
    const META: &'static Meta;
    /// The tokens its requests take (and so the credentials it needs).
    fn takes(&self) -> Takes<'_>;
    fn common(&self) -> &SiteCommon;
    /// The user `--all-sites` checks on every site (provision's `--user`).
    fn network_user(&self) -> Option<&str> {
        None
    }
    /// A flag a single-site run must have and does not (a batch line may
    /// give it): the usage line that names it.
    fn missing(&self) -> Option<&'static str> {
        None
    }
    /// One site's job from these flags (the command line's, or a batch
    /// line's on top of them).
    fn job(&self) -> Result<SiteJob>;
}

impl<C: SiteCommand> Command for C {
    const LINES: Option<&'static Meta> = Some(C::META);

    fn plan(self, ctx: &Context) -> Parsed {
        let Keys { auth, tokens } = tokens::keys(ctx, self.takes())?;
        let b = &self.common().batch;
        if let (false, Some(flag)) = (many(b), self.missing()) {
            return Err(ctx.missing(flag));
        }
        let parsed = ctx.invocation(&self.common().run, |settings| {
            let auth = auth.map(credentials::read_auth).transpose()?;
            let target = if many(b) {
                // --all-sites: the network's one bootstrap checks
                // provision's user and activates Jetpack (not in a dry run).
                let network = Network {
                    user: self.network_user().map(str::to_string),
                    activate: self.network_user().is_some() && !settings.dry_run,
                    // Jetpack's safe-mode check on every site, unless the
                    // command does nothing with copies (provision).
                    safe_mode: self
                        .job()
                        .map_or(true, |j| j.action.on_copy() != OnCopy::Ignore),
                };
                let line = line_parser::<C>(ctx, C::META, &[], |a, _| a.job());
                Target::Many(batch(C::META, b, &self.common().wp, line, network)?)
            } else {
                // Checked where unused too, so a typo is not taken silently.
                jobs(&b.jobs)?;
                fleet(&b.fleet)?;
                let listing = lines_listing(&b.format, C::META)?;
                let job = self.job()?;
                if listing.for_one_answer() {
                    Target::OneListed {
                        job,
                        meta: C::META,
                        listing,
                    }
                } else {
                    Target::One(job)
                }
            };
            Ok(Run::Site {
                auth,
                meta: C::META,
                target,
            })
        });
        tokens::with_tokens(parsed, tokens)
    }
}

fn many(b: &BatchArgs) -> bool {
    given(&b.batch).is_some() || b.all_sites
}

/// What `--all-sites` asks the network's one bootstrap for every site.
struct Network {
    /// The user checked on every site (provision's `--user`).
    user: Option<String>,
    /// Activate Jetpack where the user is.
    activate: bool,
    safe_mode: bool,
}

/// `--batch`/`--all-sites` with `--jobs` and `--skip-done`.
fn batch(
    meta: &'static Meta,
    b: &BatchArgs,
    wp: &WpArgs,
    line: crate::job::LineParser,
    network: Network,
) -> Result<Batch> {
    let source = match given(&b.batch) {
        Some("-") => Source::Stdin,
        Some(file) => Source::File(file.to_string()),
        None => Source::AllSites {
            wp: wp_settings(wp)?,
            user: network.user,
            activate: network.activate,
            safe_mode: network.safe_mode,
        },
    };
    Ok(Batch {
        meta,
        source,
        jobs: jobs(&b.jobs)?,
        skip_done: given(&b.skip_done).map(str::to_string),
        limits: fleet(&b.fleet)?,
        report: report(&b.fleet)?,
        format: lines_listing(&b.format, meta)?,
        line,
    })
}

/// A job on the site the flags name as cancel does (`--blog_id`, else
/// WordPress's Jetpack id, else the site suffix of `--home_url`/`--url`).
pub fn on_site(
    site: &SiteArgs,
    common: &SiteCommon,
    action: impl SiteAction + 'static,
) -> Result<SiteJob> {
    Ok(SiteJob {
        site: spec(site, &common.wp)?,
        action: Box::new(action),
    })
}

/// One read of the site, by its name in the API (`status`,
/// `upgrade-paths`): the answer is the answer, with `"safe_mode": true`
/// added when the read reports copies and WordPress says this is one.
#[derive(Debug)]
pub struct Read(pub &'static Endpoint, pub OnCopy);

impl Hash for Read {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.path.hash(state);
    }
}

impl SiteAction for Read {
    fn need(&self, _: bool) -> Need<'_> {
        Need::Id
    }

    fn on_copy(&self) -> OnCopy {
        self.1
    }

    fn steps(&self, site: &Site) -> Work {
        let mut work = Work::send(self.0.at(&site.id));
        if site.copy {
            work.steps.push(Step::MarkCopy);
        }
        work
    }
}

/// Which site, for the site commands that find it as cancel does.
pub fn spec(site: &SiteArgs, wp: &WpArgs) -> Result<SiteSpec> {
    Ok(SiteSpec {
        wp: wp_settings(wp)?,
        url: site_url("--url", &site.url.url)?,
        home_url: site_url("--home_url", &site.home_url)?,
        blog_id: given(&site.blog_id.blog_id).map(blog_id).transpose()?,
        known: None,
    })
}

/// A command that reads one thing of a site by its name in the API and
/// prints the answer (`status`, `upgrade-paths`): its module says which
/// endpoint and its words; the flags are the same for all.
pub trait ReadKind: Clone + Default + std::fmt::Debug + Send + Sync + 'static {
    const META: &'static Meta;
    const ABOUT: &'static str;
    const HELP: &'static str;
    const ENDPOINT: &'static Endpoint;
    /// What it does for a copy of another site (safe mode).
    const ON_COPY: OnCopy;
}

/// The flags of a [`ReadKind`] command.
#[derive(clap::Parser, Debug, Clone, Default)]
#[command(name = K::META.name, about = K::ABOUT, after_help = K::HELP)]
pub struct ReadSite<K: ReadKind> {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub common: SiteCommon,

    #[arg(skip)]
    kind: std::marker::PhantomData<K>,
}

impl<K: ReadKind> SiteCommand for ReadSite<K> {
    const META: &'static Meta = K::META;

    site_flags!();

    fn job(&self) -> Result<SiteJob> {
        on_site(&self.site, &self.common, Read(K::ENDPOINT, K::ON_COPY))
    }
}
