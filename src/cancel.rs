//! `cancel`: flags → WordPress facts (Jetpack blog id, else the home URL) →
//! token → partner-cancel → the API's answer.

use crate::api::{self, Method, Request};
use crate::cli::CancelArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output;
use crate::provision::tracking;
use crate::Outcome;

pub fn run(a: &CancelArgs, ctx: &Context) -> Result<Outcome> {
    let site = find_site(a, ctx)?;
    let mut cancel = Request {
        method: Method::Post,
        path: format!("/rest/v1.3/jpphp/{site}/partner-cancel"),
        query: tracking(
            "partner_tracking_id",
            a.common.partner_tracking_id.as_deref(),
        ),
        bearer: Some(String::new()),
        form: None,
        secret_fields: vec![],
    };
    if ctx.dry_run {
        let token = api::token_request(&ctx.client_id, &ctx.client_secret);
        return Ok(Outcome::Json(ctx.dry_run_output(&[token, cancel])));
    }
    let api = ctx.api();
    cancel.bearer = Some(ctx.token(&api)?);
    let answer = api.send(&cancel)?;
    api::judge(
        &format!("POST /rest/v1.3/jpphp/{site}/partner-cancel"),
        &answer,
    )?;
    Ok(Outcome::Body(answer.body))
}

/// `{site}`: the Jetpack blog id when WordPress knows it, else the site
/// suffix of the home URL (--home_url, WordPress's home, or --url).
fn find_site(a: &CancelArgs, ctx: &Context) -> Result<String> {
    let fallback = a.home_url.clone().or_else(|| a.common.url.clone());
    let give_up = |e: Error| -> Result<String> {
        match &fallback {
            Some(home) if e.is_wp_unavailable() => {
                output::verbose(&format!(
                    "WordPress not reachable ({}); cancelling by the site suffix of {home}",
                    e.message()
                ));
                Ok(api::site_suffix(home))
            }
            _ => Err(e),
        }
    };
    let wp = match ctx.wp(&a.common) {
        Ok(wp) => wp,
        Err(e) => return give_up(e),
    };
    match wp.jetpack_blog_id() {
        Ok(Some(id)) => Ok(id.to_string()),
        Ok(None) => match &a.home_url {
            Some(home) => Ok(api::site_suffix(home)),
            None => match wp.url_option("home") {
                Ok(home) => Ok(api::site_suffix(&home)),
                Err(e) => give_up(e),
            },
        },
        Err(e) => give_up(e),
    }
}
