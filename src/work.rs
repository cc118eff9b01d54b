//! The steps a command's work is made of, built by the command modules from
//! the endpoint table and run by the one executor (`exec`). Nothing here
//! sends.

use crate::api::{Bearer, Request};
use crate::error::{Error, Result};
use crate::holdings::Needless;
use crate::wp::{LicenseChange, Wp};
use serde_json::Value;

/// One step of a command's work.
#[derive(Debug)]
pub enum Step {
    /// Send; fail with `plan_not_available` unless `plan` is among the
    /// upgrade paths in the answer.
    RequirePlan { request: Request, plan: String },
    /// Send; its answer is the command's answer.
    Send(Request),
    /// Independent calls, each tried: the answer is `{name: answer, ...}`,
    /// and the step fails if any call did.
    Each(Vec<(&'static str, Request)>),
    /// When the answer carries an `access_token`: `wp jetpack
    /// authorize_user` for `user`.
    Authorize { wp: Wp, user: String },
    /// Add `"safe_mode": true` at the top of the answer: WordPress says the
    /// site is a copy of another, and the answer is the original's.
    MarkCopy,
    /// Narrow the answer's `errors` catalogue to this one code.
    Narrow { code: String },
    /// `--if-needed`: send the status request; when `needless` holds for
    /// its answer, the work ends there, unchanged.
    Unless { status: Request, needless: Needless },
    /// `apply`: send the status request (also in a dry run), then the
    /// provisions and cancels that make the site have `desired`.
    Reconcile(Box<Reconcile>),
    /// Before anything else (the token call too): a product slug the
    /// documentation does not name must be one the API's product families
    /// list (`license issue`). The families are public: no token.
    CheckProduct { families: Request, slug: String },
    /// Send it `times` times, one after the other, each answer printed as
    /// its own line as it comes (`license issue --count`); a failure stops
    /// the rest, and what was issued before it is printed already.
    Repeat { request: Request, times: u32 },
    /// Every page of a list, each item printed as its own line as its page
    /// comes (`license list`), within bounds (see `exec::pages`).
    Pages { request: Request, paging: Paging },
    /// In a dry run only: this read is sent and its answer shown under
    /// `name` beside the requests (`license revoke`: the license as it is
    /// now). A real run skips it.
    Peek {
        name: &'static str,
        request: Request,
    },
    /// The answer is a site connection's: `previously_connected` (its owner
    /// disconnected it on purpose) is a failure.
    Connected,
    /// `license set`/`unset`: the `jetpack_licenses` option changed through
    /// WordPress (None: no `wp` for the site).
    Licenses {
        wp: Option<Wp>,
        change: LicenseChange,
    },
    /// `provision --license`: a product given to the site by a license
    /// (`issue` names it; see [`ByLicense`]); the answer is
    /// `{"success":true,"license_key":…,"blog_id":…}`.
    ByLicense { issue: Request, how: Box<ByLicense> },
}

/// How a product comes to a site by license (`provision --license`,
/// `apply`'s `"via":"license"`): the site connected first when WordPress
/// knows no blog id for it (so nothing is issued, and billed, for a site
/// whose owner refuses the connection), a license issued, the key set on
/// the site through WordPress (Jetpack attaches it at once), and the site
/// connected afterwards if Jetpack says it is not.
#[derive(Debug, Clone)]
pub struct ByLicense {
    /// `POST /license`, without its body: each product adds its own.
    pub issue: Request,
    /// `POST /site-connection` with the site's URL and user.
    pub connect: Request,
    /// The site's WordPress (None: it could not be asked, and nothing is
    /// issued).
    pub wp: Option<Wp>,
    /// The blog id WordPress knows (None: not connected yet).
    pub blog_id: Option<u64>,
    /// The products whose keys wait in the site's `jetpack_licenses`:
    /// none of them is issued again.
    pub licensed: Vec<String>,
}

impl ByLicense {
    /// The issue request for `product`.
    pub fn issue_of(&self, product: &str) -> Request {
        self.issue
            .clone()
            .json(&serde_json::json!({ "product": product }))
    }
}

/// How a list comes in pages.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// The member holding a page's items.
    pub items: &'static str,
    /// How a page says how many there are.
    pub total: Total,
    /// Items asked for per page (`per_page`).
    pub per_page: u64,
}

/// What a page says about the whole list.
#[derive(Debug, Clone, Copy)]
pub enum Total {
    /// This member is the number of pages (`/licenses`: `total_pages`).
    Pages(&'static str),
    /// This member is the number of items (the activations report:
    /// `total`).
    Items(&'static str),
}

/// What `apply` needs to bring one site to its desired state.
#[derive(Debug)]
pub struct Reconcile {
    pub status: Request,
    pub desired: Vec<String>,
    pub prune: bool,
    /// A provision without its `plan` field (None: no user to provision
    /// for); each missing product adds its own.
    pub provision: Option<Request>,
    /// The cancel request; each cancel adds its `plan`.
    pub cancel: Request,
    /// `"via":"license"`: provisions go by license instead (None: by
    /// `provision`).
    pub license: Option<ByLicense>,
}

/// A command's steps, in order.
#[derive(Debug)]
pub struct Work {
    pub steps: Vec<Step>,
}

impl Work {
    /// One request whose answer is the answer.
    pub fn send(request: Request) -> Work {
        Work {
            steps: vec![Step::Send(request)],
        }
    }

    /// The requests, for `--dry-run`.
    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        self.steps.iter().flat_map(|s| -> Vec<&Request> {
            match s {
                Step::RequirePlan { request, .. }
                | Step::Send(request)
                | Step::Unless {
                    status: request, ..
                } => vec![request],
                Step::Reconcile(r) => vec![&r.status],
                // The connection first when the site has no blog id.
                Step::ByLicense { issue, how } => {
                    let first = how.blog_id.is_none().then_some(&how.connect);
                    first.into_iter().chain([issue]).collect()
                }
                Step::Each(calls) => calls.iter().map(|(_, r)| r).collect(),
                Step::Repeat { request, times } => vec![request; *times as usize],
                // The first page (the others follow from its answer).
                Step::Pages { request, .. } => vec![request],
                // Checks and dry-run reads: not the work itself.
                Step::CheckProduct { .. }
                | Step::Peek { .. }
                | Step::Connected
                | Step::Licenses { .. }
                | Step::Authorize { .. }
                | Step::Narrow { .. }
                | Step::MarkCopy => Vec::new(),
            }
        })
    }

    /// The tokens the work's requests carry (a dry run's reads included).
    pub fn bearers(&self) -> impl Iterator<Item = Bearer> + '_ {
        let peeks = self.steps.iter().filter_map(|s| match s {
            Step::Peek { request, .. } => Some(request.bearer),
            _ => None,
        });
        self.requests().map(|r| r.bearer).chain(peeks)
    }

    /// Work that reads (the status) even in a dry run: `apply`.
    pub fn reads_in_dry_run(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Reconcile(_)))
    }
}

/// Is `plan` among the upgrade paths (`{"family": ["slug", ...], ...}`)?
pub fn check_plan(plan: &str, paths: &Value) -> Result<()> {
    let available: Vec<String> = paths
        .as_object()
        .into_iter()
        .flat_map(|o| o.values())
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|v| v.as_str())
        .map(str::to_string)
        .collect();
    if available.iter().any(|a| a == plan) {
        return Ok(());
    }
    Err(Error::PlanNotAvailable {
        plan: plan.to_string(),
        available,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_membership() {
        let paths = serde_json::json!({"jetpack-backup": ["jetpack-backup-daily"], "jetpack-plans": ["personal", "premium"]});
        assert!(check_plan("premium", &paths).is_ok());
        assert!(check_plan("jetpack-backup-daily", &paths).is_ok());
        let err = check_plan("professional", &paths).err();
        assert_eq!(
            err.as_ref().map(Error::error_code),
            Some("plan_not_available")
        );
        assert!(err
            .map(|e| e.message().contains("personal, premium"))
            .unwrap_or(false));
        assert!(check_plan("x", &serde_json::json!({})).is_err());
    }
}
