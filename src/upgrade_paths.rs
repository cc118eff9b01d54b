//! `upgrade-paths`: which plans and products can be provisioned for a site
//! (`GET /rest/v1.3/jpphp/{blog_id}/upgrade-paths`).

use crate::api::{self, Method, Request};
use crate::cli::UpgradePathsArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::Outcome;

pub fn run(a: &UpgradePathsArgs, ctx: &Context) -> Result<Outcome> {
    let (site, session) = match &a.blog_id {
        Some(id) => {
            let site = blog_id(id)?;
            if ctx.dry_run {
                (site, None)
            } else {
                let api = ctx.api()?;
                let token = ctx.token(&api)?;
                (site, Some((api, token)))
            }
        }
        None => ctx.site_and_token(&a.wp, a.url.as_deref(), a.home_url.as_deref())?,
    };
    let mut req = request(&site);
    let Some((api, token)) = session else {
        let token = api::token_request(&ctx.client_id, &ctx.client_secret);
        return Ok(Outcome::Json(ctx.dry_run_output(&[token, req])));
    };
    req.bearer = Some(token);
    let answer = api.send(&req)?;
    api::judge(&format!("GET {}", req.path), &answer)?;
    Ok(Outcome::Body(answer.body))
}

pub fn request(site: &str) -> Request {
    Request {
        method: Method::Get,
        path: format!("/rest/v1.3/jpphp/{site}/upgrade-paths"),
        query: vec![],
        bearer: Some(String::new()),
        form: None,
        secret_fields: vec![],
    }
}

/// A WordPress.com blog id is a positive number.
fn blog_id(v: &str) -> Result<String> {
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n.to_string()),
        _ => Err(Error::InvalidInput(format!(
            "--blog_id={v:?} is not a WordPress.com blog id (a positive number); leave it out to read it from WordPress"
        ))),
    }
}
