//! `provision`: flags → WordPress facts (user exists, siteurl, Jetpack
//! active) → token → provision → authorize step → the API's answer.

use crate::api::{self, Method, Request};
use crate::cli::ProvisionArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output;
use crate::upgrade_paths;
use crate::wp::{Want, Wp};
use crate::Outcome;

/// What WordPress told us (or what the flags stand in for when it can't).
struct Site {
    siteurl: String,
    /// Jetpack's blog id, when asked for (`--check-upgrade`) and known.
    blog_id: Option<u64>,
    /// `wp` that answered for this site; None when we work from flags alone.
    wp: Option<Wp>,
}

pub fn run(a: &ProvisionArgs, ctx: &Context) -> Result<Outcome> {
    if a.batch.is_some() || a.all_sites {
        return crate::batch::run(a, ctx);
    }
    if a.early_token && !ctx.dry_run {
        // Opt-in: the token call runs during the WordPress bootstrap. By
        // default it waits, so that an unknown user fails before any
        // network call (SPEC §3).
        let api = ctx.api()?;
        let (plan, token) = ctx.token_while(&api, || prepare(a, ctx))?;
        return Ok(Outcome::Body(send(plan, &api, &token)?));
    }
    let plan = prepare(a, ctx)?;
    if ctx.dry_run {
        return Ok(Outcome::Json(ctx.dry_run_output(&plan.requests(ctx))));
    }
    let api = ctx.api()?;
    let token = ctx.token(&api)?;
    let body = send(plan, &api, &token)?;
    Ok(Outcome::Body(body))
}

/// One site's work, resolved locally: who, where, and the requests.
pub struct Prepared {
    user: String,
    site: Site,
    provision: Request,
    /// `--check-upgrade`: the upgrade-paths request and the plan to look for.
    upgrade: Option<(Request, String)>,
    /// Authorize with WP-CLI if the answer carries an access token.
    authorize: bool,
}

impl Prepared {
    /// What `--dry-run` shows: token, upgrade-paths (if asked), provision.
    pub fn requests(&self, ctx: &Context) -> Vec<Request> {
        let mut list = vec![api::token_request(&ctx.client_id, &ctx.client_secret)];
        list.extend(self.upgrade.as_ref().map(|(r, _)| r.clone()));
        list.push(self.provision.clone());
        list
    }

    /// The siteurl that will be sent.
    pub fn siteurl(&self) -> &str {
        &self.site.siteurl
    }
}

/// Check the flags, ask WordPress, build the requests. Sends nothing.
pub fn prepare(a: &ProvisionArgs, ctx: &Context) -> Result<Prepared> {
    let user = a.user.clone().unwrap_or_default();
    if user.is_empty() {
        return Err(Error::InvalidInput(
            "no user: give --user (ID, login or email)".into(),
        ));
    }
    let extra = forwarded_fields(a)?;
    let site = find_site(a, ctx, &user)?;

    let mut form = vec![
        ("local_user".to_string(), user.clone()),
        ("siteurl".to_string(), site.siteurl.clone()),
    ];
    form.extend(extra);
    let provision = Request {
        method: Method::Post,
        path: "/rest/v1.3/jpphp/provision".into(),
        query: tracking(
            "partner-tracking-id",
            a.common.partner_tracking_id.as_deref(),
        ),
        bearer: Some(String::new()),
        form: Some(form),
        secret_fields: vec!["ssh_pass", "ftp_pass", "ssh_private_key"],
    };

    // Which site upgrade-paths should look at: Jetpack's blog id when
    // WordPress has one, else the siteurl's suffix (the API takes either).
    let upgrade = match (a.check_upgrade, &a.plan) {
        (true, Some(plan)) => {
            let id = site
                .blog_id
                .map_or_else(|| api::site_suffix(&site.siteurl), |n| n.to_string());
            Some((upgrade_paths::request(&id), plan.clone()))
        }
        _ => None,
    };
    Ok(Prepared {
        user,
        site,
        provision,
        upgrade,
        authorize: a.wpcom_user_id.is_some(),
    })
}

/// Upgrade check (if asked), provision, authorize step; the API's body.
pub fn send(p: Prepared, api: &api::Api, token: &str) -> Result<Vec<u8>> {
    if let Some((mut req, plan)) = p.upgrade {
        req.bearer = Some(token.to_string());
        let answer = api.send(&req)?;
        let paths = api::judge(&format!("GET {}", req.path), &answer)?;
        check_plan(&plan, &paths)?;
    }
    let mut provision = p.provision;
    provision.bearer = Some(token.to_string());
    let answer = api.send(&provision)?;
    let json = api::judge("POST /rest/v1.3/jpphp/provision", &answer)?;

    // The answer carries a user access token when the partner key may connect
    // a WordPress.com user; the scripts finished that step with WP-CLI.
    let access_token = json.get("access_token").and_then(|v| v.as_str());
    if let (Some(t), true, Some(wp)) = (access_token, p.authorize, &p.site.wp) {
        if !t.is_empty() {
            output::register_secret(t);
            wp.authorize_user(&p.user, t)?;
        }
    }
    Ok(answer.body)
}

/// Ask WordPress (one `wp` process: user exists, siteurl, Jetpack
/// activated), or fall back to --site_url / --url when it cannot answer
/// (SPEC §3: the user value is then sent unchecked).
fn find_site(a: &ProvisionArgs, ctx: &Context, user: &str) -> Result<Site> {
    let fallback = a.site_url.clone().or_else(|| a.common.url.clone());
    let give_up = |e: Error| -> Result<Site> {
        match &fallback {
            Some(url) if e.is_wp_unavailable() => {
                output::verbose(&format!(
                    "WordPress not reachable ({}); using {url} as siteurl, user unchecked",
                    e.message()
                ));
                Ok(Site {
                    siteurl: url.clone(),
                    blog_id: None,
                    wp: None,
                })
            }
            _ => Err(e),
        }
    };
    let wp = match ctx.wp(&a.common.wp, a.common.url.as_deref()) {
        Ok(wp) => wp,
        Err(e) => return give_up(e),
    };
    let want = Want {
        user: Some(user),
        siteurl: a.site_url.is_none(),
        blog_id: a.check_upgrade,
        // --dry-run changes nothing, on the site either.
        activate: !ctx.dry_run,
        ..Want::default()
    };
    let facts = match wp.facts(&want) {
        Ok(f) => f,
        Err(e) => return give_up(e),
    };
    let siteurl = match (&a.site_url, facts.siteurl) {
        (Some(s), _) => s.clone(),
        (None, Some(s)) => s,
        (None, None) => {
            return give_up(Error::WpFailed(
                "WordPress reported an empty siteurl; pass --site_url".into(),
            ))
        }
    };
    Ok(Site {
        siteurl,
        blog_id: facts.blog_id,
        wp: Some(wp),
    })
}

/// The optional fields, in the order the newest script sent them. Checks
/// the SSH pair and reads the key file before anything runs.
fn forwarded_fields(a: &ProvisionArgs) -> Result<Vec<(String, String)>> {
    if a.ssh_user.is_some() && a.ssh_pass.is_none() && a.ssh_private_key.is_none() {
        return Err(Error::InvalidInput(
            "--ssh-user needs --ssh-pass or --ssh-private-key=PATH".into(),
        ));
    }
    let key = match &a.ssh_private_key {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            Error::InvalidInput(format!(
                "--ssh-private-key={}: cannot read the key file ({e}); check the path and its permissions",
                p.display()
            ))
        })?),
        None => None,
    };
    for secret in [&a.ssh_pass, &a.ftp_pass, &key].into_iter().flatten() {
        output::register_secret(secret);
    }
    let fields = [
        ("plan", &a.plan),
        ("onboarding", &a.onboarding),
        ("wpcom_user_id", &a.wpcom_user_id),
        ("wpcom_user_email", &a.wpcom_user_email),
        ("force_register", &a.force_register),
        ("force_connect", &a.force_connect),
        ("home_url", &a.home_url),
        ("ssh_host", &a.ssh_host),
        ("ssh_port", &a.ssh_port),
        ("ssh_user", &a.ssh_user),
        ("ssh_pass", &a.ssh_pass),
        ("ssh_private_key", &key),
        ("ftp_host", &a.ftp_host),
        ("ftp_port", &a.ftp_port),
        ("ftp_user", &a.ftp_user),
        ("ftp_pass", &a.ftp_pass),
    ];
    Ok(fields
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
        .collect())
}

/// The tracking id query parameter, when given.
pub fn tracking(name: &str, id: Option<&str>) -> Vec<(String, String)> {
    id.map(|v| vec![(name.to_string(), v.to_string())])
        .unwrap_or_default()
}

/// Is `plan` among the upgrade paths (`{"family": ["slug", ...], ...}`)?
fn check_plan(plan: &str, paths: &serde_json::Value) -> Result<()> {
    let available: Vec<&str> = paths
        .as_object()
        .into_iter()
        .flat_map(|o| o.values())
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    if available.contains(&plan) {
        return Ok(());
    }
    let can = if available.is_empty() {
        "nothing".to_string()
    } else {
        available.join(", ")
    };
    Err(Error::PlanNotAvailable(format!(
        "{plan:?} cannot be provisioned for this site; it can get: {can}"
    )))
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
