//! A license and a site at WordPress.com: `license attach KEY` (the site
//! found as cancel finds it: `--blog_id`, else Jetpack's blog id from
//! WordPress, else the site suffix of `--home_url`/`--url`) and `license
//! detach KEY`. Both go by blog id, so a copy of a site (Jetpack's safe
//! mode) is refused, and two sites of one run with one blog id are too.

use super::{fingerprint, one_key, CREDENTIALS};
use crate::commands::site::{on_site, SiteCommand};
use crate::credentials::CredArgs;
use crate::endpoints;
use crate::error::Result;
use crate::flags::common::{SiteArgs, SiteCommon};
use crate::job::{Meta, SiteAction, SiteJob};
use crate::site::{Need, Site};
use crate::tokens::{LicensingTokenArg, Takes};
use crate::work::Work;
use clap::Parser;
use serde_json::{json, Value};

const ATTACH_HELP: &str = "\
Examples:
  jetpack-partner license attach --licensing-token-file=/etc/jetpack/licensing-token --blog_id=12345 jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM
  jetpack-partner license attach --path=/var/www/site jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM
  jetpack-partner license attach --batch=attach.jsonl   # lines: {\"path\":\"/var/www/a\",\"license_key\":\"...\"}

Attaches the license to the site at WordPress.com and prints the license.
The site: --blog_id, else Jetpack's blog id from WordPress, else the site
suffix of --home_url or --url (example.com::shop). A copy of another site
(Jetpack's safe mode) is refused with site_in_safe_mode: its blog id is the
original's. Hosts may need WordPress.com to allow-list them for this.";

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "attach", about = "Attach a license to a site at WordPress.com", after_help = format!("{ATTACH_HELP}\n\n{CREDENTIALS}"))]
pub struct Attach {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    #[command(flatten)]
    pub key: SiteKey,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub common: SiteCommon,
}

/// The one license key of `attach` and `detach`: KEY, or `--license-key`
/// (a batch line's `license_key`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SiteKey {
    /// The license key
    #[arg(value_name = "KEY")]
    pub key: Option<String>,

    /// The license key, as a batch line gives it (license_key)
    #[arg(
        long = "license-key",
        visible_alias = "license_key",
        value_name = "KEY",
        help_heading = "License"
    )]
    pub license_key: Option<String>,
}

impl SiteKey {
    fn missing(&self) -> Option<&'static str> {
        one_key(&self.key, &self.license_key)
            .is_err()
            .then_some("<KEY>")
    }

    /// The key and its fingerprint (what a resume tells lines apart by).
    fn with_print(&self) -> Result<(String, String)> {
        let key = one_key(&self.key, &self.license_key)?;
        let print = fingerprint(std::slice::from_ref(&key));
        Ok((key, print))
    }
}

const ATTACH_META: Meta = Meta {
    name: "license attach",
    ..Meta::SITE
};

impl SiteCommand for Attach {
    const META: &'static Meta = &ATTACH_META;

    fn takes(&self) -> Takes<'_> {
        Takes::Licensing(&self.creds, &self.token)
    }

    fn common(&self) -> &SiteCommon {
        &self.common
    }

    fn missing(&self) -> Option<&'static str> {
        self.key.missing()
    }

    fn job(&self) -> Result<SiteJob> {
        let (key, print) = self.key.with_print()?;
        on_site(&self.site, &self.common, AttachSite { key, print })
    }
}

/// One license to attach to one site.
#[derive(Debug, Hash)]
struct AttachSite {
    key: String,
    /// The key's fingerprint: a resume tells lines apart by it.
    print: String,
}

impl SiteAction for AttachSite {
    fn need(&self, _: bool) -> Need<'_> {
        Need::Id
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.print)
    }

    fn steps(&self, site: &Site) -> Work {
        // The blog id as a number, else the site suffix (host::path), as
        // the API takes them.
        let named = match site.id.parse::<u64>() {
            Ok(id) => Value::from(id),
            Err(_) => Value::String(site.id.clone()),
        };
        Work::send(
            endpoints::LICENSE_ATTACH
                .at(&self.key)
                .json(&json!({ "site": named })),
        )
    }
}

const DETACH_HELP: &str = "\
Examples:
  jetpack-partner license detach --licensing-token-file=/etc/jetpack/licensing-token jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM
  jetpack-partner license detach --no-email --path=/var/www/staging jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM

Detaches the license from the site it is attached to (the product leaves
it; the license can be attached again) and prints the license. The
customer gets a cancellation email unless --no-email (moving a site from
staging to production). When WordPress is found (--path, --url, or the
working directory), a copy of another site (Jetpack's safe mode) is
refused; without WordPress the license is detached all the same.";

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "detach", about = "Detach a license from its site", after_help = format!("{DETACH_HELP}\n\n{CREDENTIALS}"))]
pub struct Detach {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    #[command(flatten)]
    pub key: SiteKey,

    /// Send the customer no cancellation email (cancellation_email=0)
    #[arg(
        long = "no-email",
        visible_alias = "no_email",
        help_heading = "License"
    )]
    pub no_email: bool,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub common: SiteCommon,
}

const DETACH_META: Meta = Meta {
    name: "license detach",
    ..Meta::SITE
};

impl SiteCommand for Detach {
    const META: &'static Meta = &DETACH_META;

    fn takes(&self) -> Takes<'_> {
        Takes::Licensing(&self.creds, &self.token)
    }

    fn common(&self) -> &SiteCommon {
        &self.common
    }

    fn missing(&self) -> Option<&'static str> {
        self.key.missing()
    }

    fn job(&self) -> Result<SiteJob> {
        let (key, print) = self.key.with_print()?;
        let detach = DetachSite {
            key,
            print,
            email: !self.no_email,
        };
        on_site(&self.site, &self.common, detach)
    }
}

/// One license to detach, seen from the site it is run for.
#[derive(Debug, Hash)]
struct DetachSite {
    key: String,
    /// The key's fingerprint: a resume tells lines apart by it.
    print: String,
    email: bool,
}

impl SiteAction for DetachSite {
    fn need(&self, _: bool) -> Need<'_> {
        Need::Check
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.print)
    }

    fn steps(&self, _: &Site) -> Work {
        let email = (!self.email).then_some("0");
        Work::send(
            endpoints::LICENSE_DETACH
                .at(&self.key)
                .query_opt("cancellation_email", email),
        )
    }
}
