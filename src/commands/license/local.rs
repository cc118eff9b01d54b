//! The keys a site's Jetpack holds, through WordPress (SPEC §3, §11):
//! `license set KEY…` adds them to the `jetpack_licenses` option (every
//! key already there stays) and has Jetpack attach them; `license unset
//! KEY…` removes only those. No API request and no credentials: Jetpack
//! attaches the keys over the site's own connection, so a copy of another
//! site (Jetpack's safe mode) is refused.

use super::{fingerprint, license_keys};
use crate::commands::site::SiteCommand;
use crate::error::Result;
use crate::flags::common::{SiteCommon, UrlArg};
use crate::flags::values::{site_url, wp_settings};
use crate::job::{Meta, SiteAction, SiteJob};
use crate::site::{Need, Site, SiteSpec};
use crate::tokens::Takes;
use crate::work::{Step, Work};
use crate::wp::LicenseChange;
use clap::Parser;

const SET_HELP: &str = "\
Examples:
  jetpack-partner license set --path=/var/www/site jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM
  jetpack-partner license set --url=https://shop.example.com --path=/var/www/network KEY1 KEY2
  jetpack-partner license set --batch=keys.jsonl   # lines: {\"path\":\"/var/www/a\",\"license_key\":\"K1,K2\"}

Adds the keys to the site's jetpack_licenses option (every key already
there stays; written as the JSON list Jetpack reads) and has Jetpack attach
them at once (a `wp eval` with plugins loaded, after the usual one that
reads the site's blog id and safe mode). Prints
{\"success\":true,\"changed\":…,\"licenses\":N,\"added\":N,\"attached\":…}: N keys
in the option now; the keys themselves are never printed. A site that is
not connected yet keeps them until it connects (\"attached\":false with a
note). A key WordPress.com refuses (invalid, revoked, used elsewhere) fails
with license_error, naming it by its position among those given. Setting a
key again retries its attach. Needs WordPress (wp), no credentials; a copy
of another site (Jetpack's safe mode) is refused.";

const UNSET_HELP: &str = "\
Examples:
  jetpack-partner license unset --path=/var/www/site jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM

Removes only these keys from the site's jetpack_licenses option; every
other entry stays. The license stays attached to the site at WordPress.com
until `license detach`. Prints {\"success\":true,\"changed\":…,\"licenses\":N,
\"removed\":N}. Needs WordPress (wp), no credentials; a copy of another site
(Jetpack's safe mode) is refused.";

/// The flags `set` and `unset` share.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Keys {
    /// License keys
    #[arg(value_name = "KEY")]
    pub keys: Vec<String>,

    /// License keys, comma-separated, as a batch line gives them (license_key)
    #[arg(
        long = "license-key",
        visible_alias = "license_key",
        value_name = "KEY,...",
        help_heading = "License"
    )]
    pub license_key: Option<String>,

    #[command(flatten)]
    pub url: UrlArg,
}

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "set", about = "Set license keys on a site (jetpack_licenses) and have Jetpack attach them", after_help = SET_HELP)]
pub struct Set {
    #[command(flatten)]
    pub keys: Keys,

    #[command(flatten)]
    pub common: SiteCommon,
}

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "unset", about = "Remove license keys from a site (jetpack_licenses)", after_help = UNSET_HELP)]
pub struct Unset {
    #[command(flatten)]
    pub keys: Keys,

    #[command(flatten)]
    pub common: SiteCommon,
}

const SET_META: Meta = Meta {
    name: "license set",
    ..Meta::SITE
};

const UNSET_META: Meta = Meta {
    name: "license unset",
    ..Meta::SITE
};

impl SiteCommand for Set {
    const META: &'static Meta = &SET_META;

    fn takes(&self) -> Takes<'_> {
        Takes::Nothing
    }

    fn common(&self) -> &SiteCommon {
        &self.common
    }

    fn missing(&self) -> Option<&'static str> {
        missing(&self.keys)
    }

    fn job(&self) -> Result<SiteJob> {
        job(&self.keys, &self.common, true)
    }
}

impl SiteCommand for Unset {
    const META: &'static Meta = &UNSET_META;

    fn takes(&self) -> Takes<'_> {
        Takes::Nothing
    }

    fn common(&self) -> &SiteCommon {
        &self.common
    }

    fn missing(&self) -> Option<&'static str> {
        missing(&self.keys)
    }

    fn job(&self) -> Result<SiteJob> {
        job(&self.keys, &self.common, false)
    }
}

fn missing(k: &Keys) -> Option<&'static str> {
    let none = k.keys.is_empty() && crate::flags::given(&k.license_key).is_none();
    none.then_some("<KEY>...")
}

fn job(k: &Keys, common: &SiteCommon, set: bool) -> Result<SiteJob> {
    let keys = license_keys(&k.keys, &k.license_key)?;
    Ok(SiteJob {
        site: SiteSpec {
            wp: wp_settings(&common.wp)?,
            url: site_url("--url", &k.url.url)?,
            ..SiteSpec::default()
        },
        action: Box::new(LocalKeys {
            print: fingerprint(&keys),
            change: LicenseChange {
                set,
                keys,
                safe_mode: true,
            },
        }),
    })
}

/// Keys to set on (or remove from) one site.
#[derive(Debug, Hash)]
struct LocalKeys {
    change: LicenseChange,
    /// The keys' fingerprint: a resume tells lines apart by it.
    print: String,
}

impl SiteAction for LocalKeys {
    fn need(&self, _: bool) -> Need<'_> {
        Need::Wp
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.print)
    }

    /// WordPress's facts come first anyway (one bootstrap with plugins
    /// skipped), and no token is taken.
    fn token_while_wordpress_boots(&self) -> bool {
        false
    }

    fn steps(&self, site: &Site) -> Work {
        Work {
            steps: vec![Step::Licenses {
                wp: site.wp.clone(),
                change: self.change.clone(),
            }],
        }
    }
}
