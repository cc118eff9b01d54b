//! `status`: what a site has — its connection and products
//! (`GET /rest/v1.4/jpphp/{site}/status`).

use super::site::{ReadKind, ReadSite};
use crate::endpoints::{self, Endpoint};
use crate::job::Meta;
use crate::site::OnCopy;

pub type Status = ReadSite<StatusOf>;

#[derive(Clone, Default, Debug)]
pub struct StatusOf;

impl ReadKind for StatusOf {
    const META: &'static Meta = &Meta {
        name: "status",
        columns: &[
            ("line", "/line"),
            ("site", "/site"),
            ("success", "/success"),
            ("connected", "/answer/blog/is_connected"),
            ("products", "/answer/products"),
            ("error_code", "/error_code"),
            ("error_message", "/error_message"),
        ],
        read_only: true,
        ..Meta::SITE
    };
    const ABOUT: &'static str =
        "Show a site's Jetpack products and connection (GET /rest/v1.4/jpphp/{site}/status)";
    const HELP: &'static str = "\
Required: --partner_id and --partner_secret (or their variables, or a token).

Examples:
  jetpack-partner status -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner status --access-token-file=/etc/jetpack/token --path=/var/www/site

Prints the site's connection and products, e.g.
{\"blog\":{\"is_connected\":true,\"has_backups_credentials\":false},\"products\":[{\"slug\":\"jetpack-backup-daily\",\"is_provisioned_by_partner\":true,\"is_provisioned_by_calling_partner\":true,\"is_pending\":false}]}";
    /// Read-only: it still asks, and says `"safe_mode": true` at the top of
    /// the answer, so nobody reads the original's products as the copy's.
    const ON_COPY: OnCopy = OnCopy::Report;
    const ENDPOINT: &'static Endpoint = &endpoints::STATUS;
}
