//! `status`: what a site has — its connection and products
//! (`GET /rest/v1.4/jpphp/{site}/status`).

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
  jetpack-partner status -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner status --access-token-file=/etc/jetpack/token --path=/var/www/site

Prints the site's connection and products, e.g.
{\"blog\":{\"is_connected\":true,\"has_backups_credentials\":false},\"products\":[{\"slug\":\"jetpack-backup-daily\",\"is_provisioned_by_partner\":true,\"is_provisioned_by_calling_partner\":true,\"is_pending\":false}]}";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "status",
    about = "Show a site's Jetpack products and connection (GET /rest/v1.4/jpphp/{site}/status)",
    after_help = HELP
)]
pub struct Status {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub common: SiteCommon,
}

const META: Meta = Meta {
    name: "status",
    columns: &[
        ("site", "/site"),
        ("success", "/success"),
        ("connected", "/answer/blog/is_connected"),
        ("products", "/answer/products"),
        ("error_code", "/error_code"),
        ("error_message", "/error_message"),
    ],
    ..Meta::SITE
};

impl SiteCommand for Status {
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
            action: Box::new(StatusOf),
        })
    }
}

#[derive(Debug, Hash)]
struct StatusOf;

impl SiteAction for StatusOf {
    fn need(&self, _: bool) -> Need<'_> {
        Need::Id
    }

    fn steps(&self, site: &Site) -> Work {
        Work::send(endpoints::STATUS.at(&site.id))
    }
}
