//! `upgrade-paths`: what can be provisioned for a site
//! (`GET /rest/v1.3/jpphp/{site}/upgrade-paths`).

use super::site::{ReadKind, ReadSite};
use crate::endpoints::{self, Endpoint};
use crate::job::Meta;
use crate::site::OnCopy;

pub type UpgradePaths = ReadSite<PathsOf>;

#[derive(Clone, Default, Debug)]
pub struct PathsOf;

impl ReadKind for PathsOf {
    const META: &'static Meta = &Meta {
        name: "upgrade-paths",
        read_only: true,
        ..Meta::SITE
    };
    const ABOUT: &'static str = "Show which plans and products can be provisioned for a site";
    const HELP: &'static str = "\
Required: --partner_id and --partner_secret (or their variables, or a token).

Examples:
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --path=/var/www/site   # blog id from WordPress

Prints what can be provisioned for the site, e.g.
{\"jetpack-backup\":[\"jetpack-backup-daily\"],\"jetpack-plans\":[\"personal\",\"premium\"]}";
    const ON_COPY: OnCopy = OnCopy::Ignore;
    const ENDPOINT: &'static Endpoint = &endpoints::UPGRADE_PATHS;
}
