//! The partner's own licenses, no site involved: `license issue`, `show`,
//! `revoke`, `list` and `products`.

use super::{license_key, CREDENTIALS};
use crate::commands::Command;
use crate::credentials::{self, CredArgs};
use crate::endpoints;
use crate::error::{Error, Expected, Result};
use crate::flags::common::RunArgs;
use crate::flags::{given, Context, Parsed};
use crate::holdings::{PLANS, PRODUCTS};
use crate::job::Run;
use crate::tokens::{self, Keys, LicensingTokenArg, Takes};
use crate::work::{Paging, Step, Total, Work};
use clap::Parser;
use serde_json::json;

/// Licenses one `issue` may ask for.
const MAX_COUNT: u32 = 100;
/// Licenses asked for per page of `list` (the API's most).
const PER_PAGE: u64 = 100;

/// A run of requests that name no site, with the licensing token (else the
/// partner's); `work` may refuse a value (`invalid_input`).
fn licensing(
    ctx: &Context,
    creds: &CredArgs,
    token: &LicensingTokenArg,
    run: &RunArgs,
    work: impl FnOnce() -> Result<Work>,
) -> Parsed {
    let Keys { auth, tokens } = tokens::keys(ctx, Takes::Licensing(creds, token))?;
    let parsed = ctx.invocation(run, |_| {
        let work = work()?;
        Ok(Run::Plain {
            auth: auth.map(credentials::read_auth).transpose()?,
            work,
        })
    });
    tokens::with_tokens(parsed, tokens)
}

/// `KEY`, or the usage error that names it.
fn key_arg(
    ctx: &Context,
    key: &Option<String>,
) -> std::result::Result<String, crate::flags::Failure> {
    given(key)
        .map(str::to_string)
        .ok_or_else(|| ctx.missing("<KEY>"))
}

const ISSUE_HELP: &str = "\
Examples:
  jetpack-partner license issue --licensing-token-file=/etc/jetpack/licensing-token --product=jetpack-scan
  JETPACK_LICENSING_TOKEN=\"$TOKEN\" jetpack-partner license issue --product=jetpack-backup-daily --count=5

Prints each new license as one JSON line as it is issued (license_key is the
key to give the site: license set, or license attach). Each license is
billed (with the production token) and its request is never sent twice: if
one fails, the ones before it are printed already and the error says how
many were issued. --product must be a product of `license products`.";

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "issue", about = "Issue new Jetpack licenses (billed with the production token)", after_help = format!("{ISSUE_HELP}\n\n{CREDENTIALS}"))]
pub struct Issue {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    /// The product to license, e.g. jetpack-scan, jetpack-backup-daily, jetpack-complete (see license products)
    #[arg(long = "product", value_name = "SLUG", help_heading = "License")]
    pub product: Option<String>,

    /// How many licenses (1 to 100; each is billed) [default: 1]
    #[arg(long = "count", value_name = "N", help_heading = "License")]
    pub count: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Issue {
    fn plan(self, ctx: &Context) -> Parsed {
        let Some(slug) = given(&self.product).map(|s| s.trim().to_string()) else {
            return Err(ctx.missing("--product=<SLUG>"));
        };
        licensing(ctx, &self.creds, &self.token, &self.run, || {
            let times = count(given(&self.count))?;
            let mut steps = Vec::new();
            // The documented products need no look; a newer one (or a
            // typo) is looked up before anything is issued.
            if !PLANS.iter().chain(PRODUCTS).any(|p| *p == slug) {
                steps.push(Step::CheckProduct {
                    families: endpoints::PRODUCT_FAMILIES.request(),
                    slug: slug.clone(),
                });
            }
            let request = endpoints::LICENSE_ISSUE
                .request()
                .json(&json!({ "product": slug }));
            steps.push(Step::Repeat { request, times });
            Ok(Work { steps })
        })
    }
}

/// `--count`: 1 to [`MAX_COUNT`].
fn count(v: Option<&str>) -> Result<u32> {
    let Some(v) = v else { return Ok(1) };
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_COUNT).contains(&n) => Ok(n),
        _ => Err(Error::BadValue {
            flag: "--count".into(),
            value: v.to_string(),
            expected: Expected::LicenseCount { max: MAX_COUNT },
        }),
    }
}

const SHOW_HELP: &str = "\
Examples:
  jetpack-partner license show --licensing-token-file=/etc/jetpack/licensing-token jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM

Prints the license as the API has it: product, dates, the site it is
attached to (blog_id, siteurl), revoked_at.";

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "show", about = "Show one license", after_help = format!("{SHOW_HELP}\n\n{CREDENTIALS}"))]
pub struct Show {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    /// The license key
    #[arg(value_name = "KEY")]
    pub key: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Show {
    fn plan(self, ctx: &Context) -> Parsed {
        let key = key_arg(ctx, &self.key)?;
        licensing(ctx, &self.creds, &self.token, &self.run, || {
            let key = license_key(1, &key)?;
            Ok(Work::send(read(&key)))
        })
    }
}

/// `GET /license?license_key=KEY`.
fn read(key: &str) -> crate::api::Request {
    endpoints::LICENSE_SHOW
        .request()
        .query_opt("license_key", Some(key))
}

const REVOKE_HELP: &str = "\
Examples:
  jetpack-partner license revoke --licensing-token-file=/etc/jetpack/licensing-token jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM
  jetpack-partner license revoke --dry-run jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM   # what would go, and the license now

Permanent: the license can never be used again, and its product leaves the
site it is attached to. It asks nothing; --dry-run shows the request and
the license as it is now (one read), and revokes nothing. Prints the
revoked license.";

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "revoke", about = "Revoke a license for good (its product leaves its site)", after_help = format!("{REVOKE_HELP}\n\n{CREDENTIALS}"))]
pub struct Revoke {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    /// The license key
    #[arg(value_name = "KEY")]
    pub key: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Revoke {
    fn plan(self, ctx: &Context) -> Parsed {
        let key = key_arg(ctx, &self.key)?;
        licensing(ctx, &self.creds, &self.token, &self.run, || {
            let key = license_key(1, &key)?;
            let revoke = endpoints::LICENSE_REVOKE
                .request()
                .query_opt("license_key", Some(&key));
            Ok(Work {
                steps: vec![
                    Step::Peek {
                        name: "license",
                        request: read(&key),
                    },
                    Step::Send(revoke),
                ],
            })
        })
    }
}

const LIST_HELP: &str = "\
Examples:
  jetpack-partner license list --licensing-token-file=/etc/jetpack/licensing-token
  jetpack-partner license list --filter=detached | jq -r .license_key
  jetpack-partner license list --search=example.com

Prints every license, one JSON line each, page after page as they come
(newest first). An API whose pages never end (a page sent again) stops with
invalid_response after what came before it.";

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "list", about = "List the licenses, all pages, one JSON line each", after_help = format!("{LIST_HELP}\n\n{CREDENTIALS}"))]
pub struct List {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub token: LicensingTokenArg,

    /// Only these: attached, detached, revoked, not_revoked (standard: all)
    #[arg(long = "filter", value_name = "FILTER", help_heading = "List")]
    pub filter: Option<String>,

    /// Only licenses whose key or site holds TEXT
    #[arg(long = "search", value_name = "TEXT", help_heading = "List")]
    pub search: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for List {
    fn plan(self, ctx: &Context) -> Parsed {
        licensing(ctx, &self.creds, &self.token, &self.run, || {
            let request = endpoints::LICENSES
                .request()
                .query_opt("filter", given(&self.filter))
                .query_opt("search", given(&self.search))
                .query_opt("per_page", Some(&PER_PAGE.to_string()))
                .query_opt("page", Some("1"));
            let paging = Paging {
                items: "items",
                total: Total::Pages("total_pages"),
                per_page: PER_PAGE,
            };
            Ok(Work {
                steps: vec![Step::Pages { request, paging }],
            })
        })
    }
}

const PRODUCTS_HELP: &str = "\
Examples:
  jetpack-partner license products
  jetpack-partner license products | jq -r '.[].products[].slug'

Prints the product families and their products (name, slug, product_id) as
the Licensing API lists them: the slugs license issue --product takes. No
credentials needed.";

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "products", about = "List the products licenses can be issued for", after_help = PRODUCTS_HELP)]
pub struct Products {
    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Products {
    fn plan(self, ctx: &Context) -> Parsed {
        ctx.invocation(&self.run, |_| {
            Ok(Run::Plain {
                auth: None,
                work: Work::send(endpoints::PRODUCT_FAMILIES.request()),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_is_one_to_a_hundred() {
        assert_eq!(count(None).ok(), Some(1));
        assert_eq!(count(Some(" 100 ")).ok(), Some(100));
        for bad in ["0", "101", "-1", "x", "1.5", ""] {
            let e = count(Some(bad)).err();
            assert_eq!(
                e.as_ref().map(Error::error_code),
                Some("invalid_input"),
                "{bad}"
            );
        }
    }
}
