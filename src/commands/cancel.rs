//! `cancel`: the site's plan, one product (`--plan`) or everything this
//! partner provisioned (`--cancel-all`) (the drop-in for
//! partner-cancel.sh): `POST /rest/v1.3/jpphp/{site}/partner-cancel`.

use super::site::{on_site, site_flags, SiteCommand};
use crate::credentials::CredArgs;
use crate::endpoints;
use crate::error::Result;
use crate::flags::common::{IfNeededArg, SiteArgs, SiteCommon, TrackingArgs};
use crate::flags::given;
use crate::holdings::Needless;
use crate::job::{Meta, SiteAction, SiteJob};
use crate::site::{Need, Site};
use crate::work::{Step, Work};
use clap::Parser;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token).

Examples:
  jetpack-partner cancel --partner_id=1234 --partner_secret=\"$SECRET\" --path=/var/www/site
  jetpack-partner cancel -c=1234 -s=\"$SECRET\" --url=https://example.com/blog   # no WP-CLI needed
  jetpack-partner cancel -c=1234 -s=\"$SECRET\" --blog_id=12345 --plan=jetpack-backup-daily
  bin/partner-cancel.sh --partner_id=1234 --partner_secret=\"$SECRET\"

A standalone product (jetpack-backup-*, jetpack-scan, jetpack-anti-spam) is
cancelled only with --plan; without it the site's plan is.";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "cancel",
    about = "Cancel the Jetpack plan (or one product) of a WordPress site (drop-in for partner-cancel.sh)",
    after_help = HELP
)]
pub struct Cancel {
    #[command(flatten)]
    pub creds: CredArgs,

    /// The plan or product to cancel; needed for standalone products (jetpack-backup-daily, jetpack-scan, ...)
    #[arg(
        short = 'p',
        long = "plan",
        value_name = "SLUG",
        help_heading = "Cancel"
    )]
    pub plan: Option<String>,

    /// Cancel everything this partner provisioned for the site
    #[arg(
        long = "cancel-all",
        visible_alias = "cancel_all",
        help_heading = "Cancel"
    )]
    pub cancel_all: bool,

    #[command(flatten)]
    pub if_needed: IfNeededArg,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    #[command(flatten)]
    pub common: SiteCommon,
}

const META: Meta = Meta {
    name: "cancel",
    ..Meta::SITE
};

impl SiteCommand for Cancel {
    const META: &'static Meta = &META;

    site_flags!();

    fn job(&self) -> Result<SiteJob> {
        let cancel = CancelSite {
            tracking: given(&self.tracking.partner_tracking_id).map(str::to_string),
            plan: given(&self.plan).map(str::to_string),
            all: self.cancel_all,
            if_needed: self.if_needed.if_needed,
        };
        on_site(&self.site, &self.common, cancel)
    }
}

#[derive(Debug, Hash)]
struct CancelSite {
    tracking: Option<String>,
    /// `--plan`: the plan or product to cancel.
    plan: Option<String>,
    /// `--cancel-all`.
    all: bool,
    /// `--if-needed`: only when this partner has something to cancel.
    if_needed: bool,
}

impl SiteAction for CancelSite {
    fn need(&self, _: bool) -> Need<'_> {
        Need::Id
    }

    fn slug(&self) -> Option<&str> {
        self.plan.as_deref()
    }

    fn steps(&self, site: &Site) -> Work {
        let mut form = Vec::new();
        if let Some(p) = &self.plan {
            form.push(("plan".to_string(), p.clone()));
        }
        if self.all {
            form.push(("cancel-all".to_string(), "true".to_string()));
        }
        let mut request = endpoints::CANCEL
            .at(&site.id)
            .query_opt("partner_tracking_id", self.tracking.as_deref());
        if !form.is_empty() {
            request = request.form(form);
        }
        let mut steps = Vec::new();
        if self.if_needed {
            steps.push(Step::Unless {
                status: endpoints::STATUS.at(&site.id),
                needless: Needless::NothingOfOurs {
                    plan: self.plan.clone(),
                    all: self.all,
                },
            });
        }
        steps.push(Step::Send(request));
        Work { steps }
    }
}
