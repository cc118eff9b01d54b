//! `upgrade-paths`: what can be provisioned for a site
//! (`GET /rest/v1.3/jpphp/{site}/upgrade-paths`).

use super::site::{spec, SiteCommand};
use crate::credentials::CredArgs;
use crate::endpoints;
use crate::error::Result;
use crate::flags::common::{SiteArgs, SiteCommon};
use crate::job::{Meta, SiteAction, SiteJob};
use crate::site::{Need, Site};
use crate::work::Work;
use clap::Parser;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token).

Examples:
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --path=/var/www/site   # blog id from WordPress

Prints what can be provisioned for the site, e.g.
{\"jetpack-backup\":[\"jetpack-backup-daily\"],\"jetpack-plans\":[\"personal\",\"premium\"]}";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "upgrade-paths",
    about = "Show which plans and products can be provisioned for a site",
    after_help = HELP
)]
pub struct UpgradePaths {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub common: SiteCommon,
}

const META: Meta = Meta {
    name: "upgrade-paths",
    ..Meta::SITE
};

impl SiteCommand for UpgradePaths {
    const META: &'static Meta = &META;

    fn creds(&self) -> &CredArgs {
        &self.creds
    }

    fn common(&self) -> &SiteCommon {
        &self.common
    }

    fn job(&self) -> Result<SiteJob> {
        Ok(SiteJob {
            site: spec(&self.site, &self.common.wp)?,
            action: Box::new(PathsOf),
        })
    }
}

#[derive(Debug, Hash)]
struct PathsOf;

impl SiteAction for PathsOf {
    fn need(&self, _: bool) -> Need<'_> {
        Need::Id
    }

    fn steps(&self, site: &Site) -> Work {
        Work::send(endpoints::UPGRADE_PATHS.at(&site.id))
    }
}
