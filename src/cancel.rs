//! `cancel`: flags → WordPress facts (Jetpack blog id, else the home URL) →
//! token → partner-cancel → the API's answer.

use crate::api::{self, Method, Request};
use crate::cli::CancelArgs;
use crate::context::Context;
use crate::error::Result;
use crate::provision::tracking;
use crate::Outcome;

pub fn run(a: &CancelArgs, ctx: &Context) -> Result<Outcome> {
    let (site, session) =
        ctx.site_and_token(&a.common.wp, a.common.url.as_deref(), a.home_url.as_deref())?;
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
    let Some((api, token)) = session else {
        let token = api::token_request(&ctx.client_id, &ctx.client_secret);
        return Ok(Outcome::Json(ctx.dry_run_output(&[token, cancel])));
    };
    cancel.bearer = Some(token);
    let answer = api.send(&cancel)?;
    api::judge(
        &format!("POST /rest/v1.3/jpphp/{site}/partner-cancel"),
        &answer,
    )?;
    Ok(Outcome::Body(answer.body))
}
