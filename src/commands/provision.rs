//! `provision`: a plan or product for a site (the drop-in for
//! partner-provision.sh): the user checked and Jetpack activated through
//! WordPress, then `POST /rest/v1.3/jpphp/provision`, then, when the answer
//! carries a token and `--wpcom_user_id` was given, `wp jetpack
//! authorize_user`. With `--license`, the licensing way instead
//! (`LicenseSite`): the product given by a license issued, set on the site
//! through WordPress, the site connected if needed.

use super::site::SiteCommand;
use crate::credentials::CredArgs;
use crate::endpoints;
use crate::error::{Error, Needed, Result};
use crate::flags::common::{
    EarlyTokenArg, IfNeededArg, LicenseArg, SiteCommon, SiteUrlArg, TrackingArgs, UrlArg, UserArg,
};
use crate::flags::fields::{Fields, Form, ProvisionFieldSet};
use crate::flags::given;
use crate::flags::values::{site_url, wp_settings};
use crate::holdings::{Needless, PLANS, PRODUCTS};
use crate::job::{Meta, SiteAction, SiteJob};
use crate::site::{Need, OnCopy, Site, SiteSpec};
use crate::tokens::{LicensingTokenArg, Takes};
use crate::work::{ByLicense, Step, Work};
use clap::Parser;
use serde_json::json;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--user (unless --batch/--all-sites lines give it).

Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret=\"$SECRET\" \\
      --user=admin --plan=professional --path=/var/www/site
  JETPACK_PARTNER_ID=1234 JETPACK_PARTNER_SECRET=\"$SECRET\" \\
      jetpack-partner provision --user=admin --plan=jetpack-backup-daily --url=https://example.com
  jetpack-partner provision -c=1234 -s=\"$SECRET\" --user=admin --plan=premium --if-needed --path=/var/www/site
  bin/partner-provision.sh -c=1234 -s=\"$SECRET\" -i=1 -p=premium   # old script flags
  jetpack-partner provision --license --licensing-token-file=/etc/jetpack/licensing-token \\
      --user=admin --plan=jetpack-scan --path=/var/www/site

--license gives the site --plan by a license (SPEC 11) instead of a partner
provision: the site connected first when WordPress knows no blog id for it
(POST site-connection: a site whose owner disconnected it on purpose fails
with previously_connected before anything is issued), a license issued with
the licensing token (else the partner token), its key set on the site
through WordPress (jetpack_licenses; Jetpack attaches it), the site
connected afterwards if Jetpack says it is not. Prints
{\"success\":true,\"license_key\":\"…\",\"blog_id\":N}. It needs WordPress (wp);
a copy of another site (safe mode) is refused. If anything fails after the
license was issued, the error carries license_key and maybe_sent (the batch
line too): set that key (license set) rather than provisioning again, which
would issue and bill another; --skip-done never does. --if-needed reads the
site's status first (the partner credentials are needed for it).";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "provision",
    about = "Provision a Jetpack plan for a WordPress site (drop-in for partner-provision.sh)",
    after_help = HELP
)]
pub struct Provision {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub user: UserArg,

    #[command(flatten)]
    pub fields: Fields<ProvisionFieldSet>,

    /// Before provisioning, ask upgrade-paths whether --plan can be provisioned; fail with plan_not_available if not
    #[arg(
        long = "check-upgrade",
        visible_alias = "check_upgrade",
        help_heading = "Provision"
    )]
    pub check_upgrade: bool,

    #[command(flatten)]
    pub if_needed: IfNeededArg,

    #[command(flatten)]
    pub early_token: EarlyTokenArg,

    #[command(flatten)]
    pub license: LicenseArg,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    #[command(flatten)]
    pub url: UrlArg,

    #[command(flatten)]
    pub site_url: SiteUrlArg,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    #[command(flatten)]
    pub common: SiteCommon,
}

const META: Meta = Meta {
    name: "provision",
    // By URL: a copy provisions for itself, as the script did.
    by_blog_id: false,
    // --license: the key of a license not on its site (error lines).
    keys: &["license_key"],
    ..Meta::SITE
};

impl SiteCommand for Provision {
    const META: &'static Meta = &META;

    /// A partner provision takes the partner token; a license the
    /// licensing token (else the partner's), and the partner token too
    /// for `--if-needed`'s status.
    fn takes(&self) -> Takes<'_> {
        match (self.license.license, self.if_needed.if_needed) {
            (false, _) => Takes::Partner(&self.creds),
            (true, false) => Takes::Licensing(&self.creds, &self.token),
            (true, true) => Takes::PartnerAndLicensing(&self.creds, &self.token),
        }
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
        if self.license.license {
            return self.license_job(user);
        }
        let has = |k: &str| self.fields.has(k);
        if has("ssh_user") && !has("ssh_pass") && !has("ssh_pass_file") && !has("ssh_private_key") {
            return Err(Error::SshUserAlone);
        }
        let fields = self.fields.form()?;
        let plan = fields
            .iter()
            .find(|(k, _)| k == "plan")
            .map(|(_, v)| v.clone());
        let if_needed = self.if_needed.if_needed;
        if if_needed && plan.is_none() {
            return Err(Error::Missing(Needed::PlanForIfNeeded));
        }
        Ok(SiteJob {
            site: SiteSpec {
                wp: wp_settings(&self.common.wp)?,
                url: site_url("--url", &self.url.url)?,
                // provision forwards --home_url; it does not name the site.
                ..SiteSpec::default()
            },
            action: Box::new(ProvisionSite {
                user: user.to_string(),
                site_url: site_url("--site_url", &self.site_url.site_url)?,
                check_upgrade: plan.clone().filter(|_| self.check_upgrade),
                authorize: has("wpcom_user_id"),
                plan,
                fields,
                tracking: given(&self.tracking.partner_tracking_id).map(str::to_string),
                early_token: self.early_token.early_token,
                if_needed,
            }),
        })
    }
}

impl Provision {
    /// `--license`: only `--plan` of the forwarded fields (the others are
    /// a partner provision's).
    fn license_job(&self, user: &str) -> Result<SiteJob> {
        let fields = self.fields.form()?;
        let mut refused: Vec<String> = fields
            .iter()
            .filter(|(k, _)| k != "plan")
            .map(|(k, _)| format!("--{k}"))
            .collect();
        if self.check_upgrade {
            refused.push("--check-upgrade".into());
        }
        if given(&self.tracking.partner_tracking_id).is_some() {
            refused.push("--partner-tracking-id".into());
        }
        if !refused.is_empty() {
            return Err(Error::NotWithLicense { flags: refused });
        }
        let product = fields
            .into_iter()
            .find(|(k, _)| k == "plan")
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or(Error::Missing(Needed::PlanForLicense))?;
        Ok(SiteJob {
            site: SiteSpec {
                wp: wp_settings(&self.common.wp)?,
                url: site_url("--url", &self.url.url)?,
                ..SiteSpec::default()
            },
            action: Box::new(LicenseSite {
                user: user.to_string(),
                site_url: site_url("--site_url", &self.site_url.site_url)?,
                // A product the documentation does not name (or a typo)
                // is looked up before anything is sent, as license issue
                // does.
                check_product: !PLANS.iter().chain(PRODUCTS).any(|p| *p == product),
                product,
                if_needed: self.if_needed.if_needed,
            }),
        })
    }
}

/// One site given a product by license (`--license`).
#[derive(Debug, Hash)]
struct LicenseSite {
    /// `--user` as given (sent as `local_user` with a connection).
    user: String,
    /// `--site_url`: overrides the siteurl WordPress reports.
    site_url: Option<String>,
    /// `--plan`: the product to issue a license for.
    product: String,
    /// Look the product up among the API's product families first.
    check_product: bool,
    /// `--if-needed`: only when the site's status lacks the product.
    if_needed: bool,
}

impl SiteAction for LicenseSite {
    /// WordPress itself (the license is set there; no URL stands in), the
    /// user checked, Jetpack activated, and its blog id: without one the
    /// site is connected first.
    fn need(&self, dry_run: bool) -> Need<'_> {
        Need::Provision {
            user: &self.user,
            site_url: self.site_url.as_deref(),
            activate: !dry_run,
            blog_id: true,
            wordpress: true,
        }
    }

    // A copy of another site (safe mode) is refused before anything is
    // sent (the default): Jetpack attaches by the site's own connection.

    /// An unknown user fails before any request, as for provision.
    fn token_while_wordpress_boots(&self) -> bool {
        false
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.product)
    }

    fn steps(&self, site: &Site) -> Work {
        let mut steps = Vec::new();
        if self.check_product {
            steps.push(Step::CheckProduct {
                families: endpoints::PRODUCT_FAMILIES.request(),
                slug: self.product.clone(),
            });
        }
        if self.if_needed {
            steps.push(Step::Unless {
                status: endpoints::STATUS.at(&site.id),
                needless: Needless::Present(self.product.clone()),
            });
        }
        let how = by_license(site, &self.user);
        steps.push(Step::ByLicense {
            issue: how.issue_of(&self.product),
            how: Box::new(how),
        });
        Work { steps }
    }
}

/// How a product comes to `site` by license, connected for `user` if
/// need be (`apply`'s `"via":"license"` too).
pub fn by_license(site: &Site, user: &str) -> ByLicense {
    let body = json!({ "url": site.siteurl, "local_user": user });
    ByLicense {
        issue: endpoints::LICENSE_ISSUE.request(),
        connect: endpoints::SITE_CONNECTION.request().json(&body),
        wp: site.wp.clone(),
        blog_id: site.learned_blog_id,
        licensed: site.licensed.clone(),
    }
}

/// One site's provision.
#[derive(Debug, Hash)]
struct ProvisionSite {
    /// `--user` as given (sent as `local_user`).
    user: String,
    /// `--site_url`: overrides the siteurl WordPress reports.
    site_url: Option<String>,
    /// `--plan`, also among `fields`.
    plan: Option<String>,
    /// The optional form fields, in the order the newest script sent them
    /// (secrets already read from their files).
    fields: Form,
    tracking: Option<String>,
    /// `--check-upgrade`: the plan to look for among the upgrade paths.
    check_upgrade: Option<String>,
    /// `--wpcom_user_id` given: finish with `wp jetpack authorize_user`.
    authorize: bool,
    /// `--early-token`: fetch the token while WordPress boots.
    early_token: bool,
    /// `--if-needed`: only when the plan is not there yet.
    if_needed: bool,
}

impl SiteAction for ProvisionSite {
    fn need(&self, dry_run: bool) -> Need<'_> {
        Need::Provision {
            user: &self.user,
            site_url: self.site_url.as_deref(),
            activate: !dry_run,
            blog_id: self.check_upgrade.is_some() || self.if_needed,
            wordpress: false,
        }
    }

    /// It names the site by URL, as the script did: a copy provisions for
    /// itself.
    fn on_copy(&self) -> OnCopy {
        OnCopy::Ignore
    }

    /// By default provision waits for WordPress, so that an unknown user
    /// fails before any network call (SPEC §3); `--early-token` opts in.
    fn token_while_wordpress_boots(&self) -> bool {
        self.early_token
    }

    fn slug(&self) -> Option<&str> {
        self.plan.as_deref()
    }

    fn steps(&self, site: &Site) -> Work {
        let mut steps = Vec::new();
        if let (true, Some(plan)) = (self.if_needed, &self.plan) {
            steps.push(Step::Unless {
                status: endpoints::STATUS.at(&site.id),
                needless: Needless::Present(plan.clone()),
            });
        }
        if let Some(plan) = &self.check_upgrade {
            steps.push(Step::RequirePlan {
                request: endpoints::UPGRADE_PATHS.at(&site.id),
                plan: plan.clone(),
            });
        }
        let mut form = vec![
            ("local_user".to_string(), self.user.clone()),
            ("siteurl".to_string(), site.siteurl.clone()),
        ];
        form.extend(self.fields.iter().cloned());
        steps.push(Step::Send(
            endpoints::PROVISION
                .request()
                .query_opt("partner-tracking-id", self.tracking.as_deref())
                .form(form),
        ));
        if let (true, Some(wp)) = (self.authorize, &site.wp) {
            steps.push(Step::Authorize {
                wp: wp.clone(),
                user: self.user.clone(),
            });
        }
        Work { steps }
    }
}
