//! `apply --desired=FILE`: make each site have the plans and products a
//! file lists — its status first, then a provision for what is missing and,
//! with `--prune`, a cancel for what this partner provisioned and no longer
//! wants. A batch of its own: one line per site. A line with
//! `"via":"license"` gets what it lacks by license instead (as `provision
//! --license`: connect if needed, issue, set); `--prune` is the same for
//! it, and never revokes or detaches a license.

use super::provision::by_license;
use super::site::spec;
use super::Command;
use crate::credentials::{self, CredArgs};
use crate::endpoints;
use crate::error::{Error, Expected, Needed, Result};
use crate::flags::common::{FleetArgs, ListCommon, SiteArgs, SiteUrlArg, TrackingArgs, UserArg};
use crate::flags::lines::line_parser;
use crate::flags::values::{fleet, jobs, lines_listing, report, site_url};
use crate::flags::{given, Context, Parsed};
use crate::job::{Batch, Meta, Run, SiteAction, SiteJob, Source, Target};
use crate::site::{Need, Site};
use crate::tokens::{self, Keys, LicensingTokenArg, Takes};
use crate::work::{Reconcile, Step, Work};
use clap::Parser;
use serde_json::{Map, Value};
use std::hash::{Hash, Hasher};

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--desired; a user (--user or \"user\" on the line) where something is to be
provisioned.

Examples:
  jetpack-partner apply -c=1234 --partner_secret_file=/etc/jetpack/secret --desired=desired.jsonl --dry-run
  jetpack-partner apply -c=1234 --partner_secret_file=/etc/jetpack/secret --desired=desired.jsonl --prune
  where desired.jsonl holds lines such as
  {\"url\":\"https://a.example\",\"path\":\"/var/www/a\",\"user\":\"admin\",\"products\":[\"premium\",\"jetpack-backup-daily\"]}

For each site: status, then provision what is missing; with --prune also
cancel what this partner provisioned and the file no longer lists (never
another partner's). One JSON line per site with changed and actions; a
second run changes nothing. --dry-run sends only the token and status calls.

A line with \"via\":\"license\" gets what it lacks by license instead, as
provision --license does (connect if needed, issue with the licensing token,
set through WordPress; needs wp): its actions say \"via\":\"license\" and carry
the answer {\"success\":true,\"license_key\":…,\"blog_id\":…}; a license issued
and not set is in the failed action's license_key. --prune cancels (jpphp)
what this partner provisioned and the file no longer lists, the same for
every line: it never revokes or detaches a license (license revoke/detach).";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "apply",
    about = "Make sites have the plans and products a desired-state file lists (status first; only what must change)",
    after_help = HELP
)]
pub struct Apply {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    /// The desired state: one JSON object per line, a site (as in --batch) and "products":[...] (- for stdin)
    #[arg(long = "desired", value_name = "FILE", help_heading = "Apply")]
    pub desired: Option<String>,

    /// Also cancel what this partner provisioned and the file no longer lists (never another partner's)
    #[arg(long = "prune", help_heading = "Apply")]
    pub prune: bool,

    #[command(flatten)]
    pub user: UserArg,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub site_url: SiteUrlArg,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    #[command(flatten)]
    pub fleet: FleetArgs,

    #[command(flatten)]
    pub list: ListCommon,
}

const META: Meta = Meta {
    name: "apply",
    input: "--desired",
    columns: &[
        ("line", "/line"),
        ("site", "/site"),
        ("success", "/success"),
        ("changed", "/changed"),
        ("actions", "/actions"),
        ("error_code", "/error_code"),
        ("error_message", "/error_message"),
    ],
    keys: &["actions", "status"],
    reads_in_dry_run: true,
    one_state_per_site: true,
    locks_input: true,
    ..Meta::SITE
};

impl Command for Apply {
    const LINES: Option<&'static Meta> = Some(&META);

    fn plan(self, ctx: &Context) -> Parsed {
        let Keys { auth, tokens } =
            tokens::keys(ctx, Takes::PartnerAndLicensing(&self.creds, &self.token))?;
        let Some(desired) = given(&self.desired).map(str::to_string) else {
            return Err(ctx.missing("--desired=<FILE> (- for stdin)"));
        };
        let prune = self.prune;
        let parsed = ctx.invocation(&self.list.run, |_| {
            let source = match desired.as_str() {
                "-" => Source::Stdin,
                file => Source::File(file.to_string()),
            };
            let line = line_parser::<Apply>(ctx, &META, &["products", "via"], move |a, fields| {
                a.job(fields, prune)
            });
            Ok(Run::Site {
                auth: auth.map(credentials::read_auth).transpose()?,
                meta: &META,
                target: Target::Many(Batch {
                    meta: &META,
                    source,
                    jobs: jobs(&self.list.jobs)?,
                    skip_done: None,
                    limits: fleet(&self.fleet)?,
                    report: report(&self.fleet)?,
                    format: lines_listing(&self.list.format, &META)?,
                    line,
                }),
            })
        });
        tokens::with_tokens(parsed, tokens)
    }
}

impl Apply {
    /// One site of a desired-state file: its flags and `products`.
    fn job(&self, fields: &Map<String, Value>, prune: bool) -> Result<SiteJob> {
        let bad = |needed| Error::Missing(needed);
        let products = match fields.get("products") {
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad(Needed::ProductSlugs))?,
            // One product as a plain string.
            Some(Value::String(one)) if !one.trim().is_empty() => vec![one.trim().to_string()],
            _ => return Err(bad(Needed::Products)),
        };
        let license = match fields.get("via") {
            None | Some(Value::Null) => false,
            Some(Value::String(v)) if v.is_empty() || v == "partner" => false,
            Some(Value::String(v)) if v == "license" => true,
            Some(v) => {
                return Err(Error::BadValue {
                    flag: "via".into(),
                    value: match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                    expected: Expected::Via,
                })
            }
        };
        Ok(SiteJob {
            site: spec(&self.site, &self.list.wp)?,
            action: Box::new(Desired {
                products,
                prune,
                license,
                user: self.user.given().unwrap_or_default().to_string(),
                site_url: site_url("--site_url", &self.site_url.site_url)?,
                tracking: given(&self.tracking.partner_tracking_id).map(str::to_string),
            }),
        })
    }
}

/// These products on the site; `prune`: cancel ours not listed.
/// Provisions are for `user` (empty: none can be made), with `site_url`
/// and `tracking` as provision would send them.
#[derive(Debug)]
struct Desired {
    products: Vec<String>,
    prune: bool,
    /// `"via":"license"`: what is missing comes by license.
    license: bool,
    user: String,
    site_url: Option<String>,
    tracking: Option<String>,
}

/// The same desired state in another order is the same line: products are
/// a set.
impl Hash for Desired {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut products: Vec<&String> = self.products.iter().collect();
        products.sort();
        products.dedup();
        products.hash(state);
        let how = (self.prune, self.license);
        (how, &self.user, &self.site_url, &self.tracking).hash(state);
    }
}

impl SiteAction for Desired {
    /// Provisions need the user and the siteurl; without a user, apply can
    /// still cancel and report.
    fn need(&self, dry_run: bool) -> Need<'_> {
        if self.user.is_empty() {
            return Need::Id;
        }
        Need::Provision {
            user: &self.user,
            site_url: self.site_url.as_deref(),
            activate: !dry_run,
            blog_id: true,
            // By license, the key is set through WordPress: no URL stands in.
            wordpress: self.license,
        }
    }

    /// By license, a copy is refused as for any change sent by blog id;
    /// Jetpack attaches a license by the site's own connection.
    fn steps(&self, site: &Site) -> Work {
        let user = !self.user.is_empty();
        let license = (user && self.license).then(|| by_license(site, &self.user));
        let provision = (user && !self.license).then(|| {
            endpoints::PROVISION
                .request()
                .query_opt("partner-tracking-id", self.tracking.as_deref())
                .form(vec![
                    ("local_user".to_string(), self.user.clone()),
                    ("siteurl".to_string(), site.siteurl.clone()),
                ])
        });
        Work {
            steps: vec![Step::Reconcile(Box::new(Reconcile {
                status: endpoints::STATUS.at(&site.id),
                desired: self.products.clone(),
                prune: self.prune,
                provision,
                cancel: endpoints::CANCEL.at(&site.id),
                license,
            }))],
        }
    }
}
