//! What each site command sends, given its plan and its site: the steps the
//! executor runs, built from the endpoint table. Nothing here sends.

use crate::api::Request;
use crate::endpoints;
use crate::error::{Error, Result};
use crate::plan::{Action, SiteJob};
use crate::site::{Need, Site};
use crate::wp::Wp;
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
    /// Narrow the answer's `errors` catalogue to this one code.
    Narrow { code: String },
    /// `--if-needed`: send the status request; when `needless` holds for
    /// its answer, the work ends there, unchanged.
    Unless { status: Request, needless: Needless },
    /// `apply`: send the status request (also in a dry run), then the
    /// provisions and cancels that make the site have `desired`.
    Reconcile(Box<Reconcile>),
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
}

/// One change `apply` makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Provision(String),
    Cancel(String),
}

impl Change {
    pub fn name(&self) -> &'static str {
        match self {
            Change::Provision(_) => "provision",
            Change::Cancel(_) => "cancel",
        }
    }

    pub fn slug(&self) -> &str {
        match self {
            Change::Provision(s) | Change::Cancel(s) => s,
        }
    }
}

/// The changes that take a site from `status` to `desired`: provision what
/// is not there (whoever would have provisioned it; pending counts as
/// there), then — with `prune` — cancel what the calling partner
/// provisioned and is not desired. Another partner's products are never
/// cancelled, and a plan of ours is left to the desired plan's provision
/// (which replaces it) rather than cancelled.
pub fn changes(status: &Value, desired: &[String], prune: bool) -> Vec<Change> {
    let held = held(status);
    let mut out: Vec<Change> = Vec::new();
    for d in desired {
        let change = Change::Provision(d.clone());
        if !held.iter().any(|h| &h.slug == d) && !out.contains(&change) {
            out.push(change);
        }
    }
    if prune {
        let wants_plan = desired.iter().any(|d| PLANS.contains(&d.as_str()));
        for h in held {
            let replaced = wants_plan && PLANS.contains(&h.slug.as_str());
            if h.ours && !desired.contains(&h.slug) && !replaced && !h.slug.is_empty() {
                out.push(Change::Cancel(h.slug));
            }
        }
    }
    out
}

/// One plan or product a site's status lists.
struct Held {
    slug: String,
    /// Provisioned by the calling partner (the only ones it may cancel).
    ours: bool,
}

/// What a site's status says it has (nothing, when it says nothing).
fn held(status: &Value) -> Vec<Held> {
    status
        .get("products")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|p| Held {
            slug: p
                .get("slug")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            ours: p.get("is_provisioned_by_calling_partner") == Some(&Value::Bool(true)),
        })
        .collect()
}

/// When a change is not needed, judged from the site's status.
#[derive(Debug, Clone, PartialEq)]
pub enum Needless {
    /// provision: the plan or product is there (provisioned or pending),
    /// whoever provisioned it.
    Present(String),
    /// cancel: the calling partner has nothing this cancel would cancel
    /// (that product; without one, its plan; with `all`, anything).
    NothingOfOurs { plan: Option<String>, all: bool },
}

/// The plans (as opposed to standalone products).
pub const PLANS: &[&str] = &["free", "personal", "premium", "professional"];

impl Needless {
    pub fn holds(&self, status: &Value) -> bool {
        let held = held(status);
        match self {
            Needless::Present(plan) => held.iter().any(|h| &h.slug == plan),
            Needless::NothingOfOurs { plan, all } => {
                !held.iter().filter(|h| h.ours).any(|h| match (all, plan) {
                    (true, _) => true,
                    (false, Some(plan)) => &h.slug == plan,
                    (false, None) => PLANS.contains(&h.slug.as_str()),
                })
            }
        }
    }
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
                Step::Each(calls) => calls.iter().map(|(_, r)| r).collect(),
                Step::Authorize { .. } | Step::Narrow { .. } => Vec::new(),
            }
        })
    }

    /// Does any request carry the partner token?
    pub fn needs_token(&self) -> bool {
        self.requests().any(|r| r.bearer)
    }

    /// Work that reads (the status) even in a dry run: `apply`.
    pub fn reads_in_dry_run(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Reconcile(_)))
    }
}

/// What the job needs to know about its site. A dry run activates nothing.
pub fn need(job: &SiteJob, dry_run: bool) -> Need<'_> {
    match &job.action {
        Action::Provision(p) => Need::Provision {
            user: &p.user,
            site_url: p.site_url.as_deref(),
            activate: !dry_run,
            blog_id: p.check_upgrade.is_some() || p.if_needed,
        },
        Action::Cancel { .. } | Action::Status | Action::UpgradePaths => Need::Id,
        Action::BackupCredentials { .. } => Need::BlogId,
        // Provisions need the user and the siteurl; without a user, apply
        // can still cancel and report.
        Action::Apply { provision: p, .. } if !p.user.is_empty() => Need::Provision {
            user: &p.user,
            site_url: p.site_url.as_deref(),
            activate: !dry_run,
            blog_id: true,
        },
        Action::Apply { .. } => Need::Id,
    }
}

/// Whether the token may be fetched while WordPress boots. Provision waits
/// by default, so that an unknown user fails before any network call (SPEC
/// §3); `--early-token` opts in. backup-credentials waits too: a site
/// without a Jetpack blog id is `invalid_input` with no request at all
/// (SPEC §7), and with `--blog_id` there is nothing to wait for.
pub fn token_while_wordpress_boots(job: &SiteJob) -> bool {
    match &job.action {
        Action::Provision(p) => p.early_token,
        Action::BackupCredentials { .. } => false,
        Action::Cancel { .. } | Action::Status | Action::UpgradePaths | Action::Apply { .. } => {
            true
        }
    }
}

/// The steps for this job on this site.
pub fn steps(job: &SiteJob, site: &Site) -> Work {
    match &job.action {
        Action::Provision(p) => {
            let mut steps = Vec::new();
            if let (true, Some(plan)) = (p.if_needed, p.fields.iter().find(|(k, _)| k == "plan")) {
                steps.push(Step::Unless {
                    status: endpoints::STATUS.at(&site.id),
                    needless: Needless::Present(plan.1.clone()),
                });
            }
            if let Some(plan) = &p.check_upgrade {
                steps.push(Step::RequirePlan {
                    request: endpoints::UPGRADE_PATHS.at(&site.id),
                    plan: plan.clone(),
                });
            }
            let mut form = vec![
                ("local_user".to_string(), p.user.clone()),
                ("siteurl".to_string(), site.siteurl.clone()),
            ];
            form.extend(p.fields.iter().cloned());
            steps.push(Step::Send(
                endpoints::PROVISION
                    .request()
                    .query_opt("partner-tracking-id", p.tracking.as_deref())
                    .form(form),
            ));
            if let (true, Some(wp)) = (p.authorize, &site.wp) {
                steps.push(Step::Authorize {
                    wp: wp.clone(),
                    user: p.user.clone(),
                });
            }
            Work { steps }
        }
        Action::Cancel {
            tracking,
            plan,
            all,
            if_needed,
        } => {
            let mut form = Vec::new();
            if let Some(p) = plan {
                form.push(("plan".to_string(), p.clone()));
            }
            if *all {
                form.push(("cancel-all".to_string(), "true".to_string()));
            }
            let mut request = endpoints::CANCEL
                .at(&site.id)
                .query_opt("partner_tracking_id", tracking.as_deref());
            if !form.is_empty() {
                request = request.form(form);
            }
            let mut steps = Vec::new();
            if *if_needed {
                steps.push(Step::Unless {
                    status: endpoints::STATUS.at(&site.id),
                    needless: Needless::NothingOfOurs {
                        plan: plan.clone(),
                        all: *all,
                    },
                });
            }
            steps.push(Step::Send(request));
            Work { steps }
        }
        Action::Status => Work::send(endpoints::STATUS.at(&site.id)),
        Action::Apply {
            products,
            prune,
            provision: p,
        } => {
            let provision = (!p.user.is_empty()).then(|| {
                endpoints::PROVISION
                    .request()
                    .query_opt("partner-tracking-id", p.tracking.as_deref())
                    .form(vec![
                        ("local_user".to_string(), p.user.clone()),
                        ("siteurl".to_string(), site.siteurl.clone()),
                    ])
            });
            Work {
                steps: vec![Step::Reconcile(Box::new(Reconcile {
                    status: endpoints::STATUS.at(&site.id),
                    desired: products.clone(),
                    prune: *prune,
                    provision,
                    cancel: endpoints::CANCEL.at(&site.id),
                }))],
            }
        }
        Action::UpgradePaths => Work::send(endpoints::UPGRADE_PATHS.at(&site.id)),
        Action::BackupCredentials { ssh, ftp } => {
            let mut calls = Vec::new();
            if let Some(form) = ssh {
                calls.push((
                    "ssh",
                    endpoints::SSH_CREDENTIALS.at(&site.id).form(form.clone()),
                ));
            }
            if let Some(form) = ftp {
                calls.push((
                    "ftp",
                    endpoints::FTP_CREDENTIALS.at(&site.id).form(form.clone()),
                ));
            }
            match calls.len() {
                1 => Work::send(calls.remove(0).1),
                _ => Work {
                    steps: vec![Step::Each(calls)],
                },
            }
        }
    }
}

/// `errors [CODE]`: the public catalogue, `?verbose` when asked, narrowed
/// to CODE when given.
pub fn errors(code: Option<&str>, verbose: bool) -> Work {
    let mut request = endpoints::ERRORS.request();
    if verbose {
        request.raw_query = Some("verbose".to_string());
    }
    let mut steps = vec![Step::Send(request)];
    if let Some(code) = code {
        steps.push(Step::Narrow {
            code: code.to_string(),
        });
    }
    Work { steps }
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
