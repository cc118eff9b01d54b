//! `connect`: connect a site to WordPress.com without a WordPress.com user
//! (`POST /wpcom/v2/jetpack-licensing/site-connection`, SPEC §11), with the
//! siteurl and `--user` found as provision finds them (the user checked
//! through WordPress, Jetpack activated). `previously_connected` — the
//! owner disconnected the site on purpose — fails and is never retried.

use super::site::SiteCommand;
use crate::credentials::CredArgs;
use crate::endpoints;
use crate::error::Result;
use crate::flags::common::{SiteCommon, SiteUrlArg, UrlArg, UserArg};
use crate::flags::values::{site_url, wp_settings};
use crate::job::{Meta, SiteAction, SiteJob};
use crate::site::{Need, OnCopy, Site, SiteSpec};
use crate::tokens::{LicensingTokenArg, Takes};
use crate::work::{Step, Work};
use clap::Parser;
use serde_json::json;

const HELP: &str = "\
Required: --user (unless --batch/--all-sites lines give it); the licensing
token (--licensing-token-file or JETPACK_LICENSING_TOKEN), else the partner
token (--partner_id/--partner_secret or their variables, or a token).

Examples:
  jetpack-partner connect --licensing-token-file=/etc/jetpack/licensing-token --user=admin --path=/var/www/site
  jetpack-partner connect --user=admin --url=https://example.com   # no WP-CLI: user unchecked
  jetpack-partner connect --all-sites --user=admin --path=/var/www/network

Prints the API's answer: {\"code\":\"success\",\"blog_id\":N}, or
\"already_connected\" (also success: safe to run again). A site whose owner
disconnected it on purpose answers \"previously_connected\": that fails
(exit 1, error_code previously_connected) and is never retried; only the
owner can connect it again. The siteurl and user are found as provision
finds them (user checked through WordPress, Jetpack activated).";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "connect",
    about = "Connect a site to WordPress.com without a WordPress.com user (licensing)",
    after_help = HELP
)]
pub struct Connect {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    #[command(flatten)]
    pub user: UserArg,

    #[command(flatten)]
    pub url: UrlArg,

    #[command(flatten)]
    pub site_url: SiteUrlArg,

    #[command(flatten)]
    pub common: SiteCommon,
}

const META: Meta = Meta {
    name: "connect",
    // By URL: a copy connects as itself, as provision does.
    by_blog_id: false,
    ..Meta::SITE
};

impl SiteCommand for Connect {
    const META: &'static Meta = &META;

    fn takes(&self) -> Takes<'_> {
        Takes::Licensing(&self.creds, &self.token)
    }

    fn common(&self) -> &SiteCommon {
        &self.common
    }

    fn network_user(&self) -> Option<&str> {
        self.user.given()
    }

    fn missing(&self) -> Option<&'static str> {
        self.user.missing()
    }

    fn job(&self) -> Result<SiteJob> {
        let user = self.user.required()?;
        Ok(SiteJob {
            site: SiteSpec {
                wp: wp_settings(&self.common.wp)?,
                url: site_url("--url", &self.url.url)?,
                ..SiteSpec::default()
            },
            action: Box::new(ConnectSite {
                user: user.to_string(),
                site_url: site_url("--site_url", &self.site_url.site_url)?,
            }),
        })
    }
}

/// One site to connect.
#[derive(Debug, Hash)]
struct ConnectSite {
    /// `--user` as given (sent as `local_user` once WordPress knows it).
    user: String,
    /// `--site_url`: overrides the siteurl WordPress reports.
    site_url: Option<String>,
}

impl SiteAction for ConnectSite {
    fn need(&self, dry_run: bool) -> Need<'_> {
        Need::Provision {
            user: &self.user,
            site_url: self.site_url.as_deref(),
            activate: !dry_run,
            blog_id: false,
            wordpress: false,
        }
    }

    /// By URL, as provision: a copy connects as the site it is.
    fn on_copy(&self) -> OnCopy {
        OnCopy::Ignore
    }

    /// An unknown user fails before any request, as for provision.
    fn token_while_wordpress_boots(&self) -> bool {
        false
    }

    fn steps(&self, site: &Site) -> Work {
        let body = json!({ "url": site.siteurl, "local_user": self.user });
        Work {
            steps: vec![
                Step::Send(endpoints::SITE_CONNECTION.request().json(&body)),
                Step::Connected,
            ],
        }
    }
}
