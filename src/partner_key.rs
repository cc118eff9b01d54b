//! Reseller endpoints: `partner-key new` creates a key for a customer,
//! `verify` checks a partner's credentials.

use crate::api::{self, Method, Request};
use crate::cli::{PartnerKeyNewArgs, VerifyArgs};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::Outcome;

pub fn new_key(a: &PartnerKeyNewArgs, ctx: &Context) -> Result<Outcome> {
    let mut form = vec![("name".to_string(), a.name.clone().unwrap_or_default())];
    for (flag, field, value) in [
        (
            "--allowed_personal_plans",
            "allowed_personal_plans",
            &a.allowed_personal_plans,
        ),
        (
            "--allowed_premium_plans",
            "allowed_premium_plans",
            &a.allowed_premium_plans,
        ),
        (
            "--allowed_professional_plans",
            "allowed_professional_plans",
            &a.allowed_professional_plans,
        ),
    ] {
        if let Some(v) = value {
            form.push((field.to_string(), count(flag, v)?));
        }
    }
    if let Some(n) = &a.notes {
        form.push(("notes".to_string(), n.clone()));
    }
    let req = Request {
        method: Method::Post,
        path: "/rest/v1.3/jpphp/partner-keys/new".into(),
        query: vec![],
        bearer: Some(String::new()),
        form: Some(form),
        secret_fields: vec![],
    };
    // The answer holds the new key's client_secret: printing it is the
    // point, so it goes to stdout verbatim and nowhere else.
    send(ctx, req)
}

pub fn verify(_a: &VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let req = Request {
        method: Method::Post,
        path: "/rest/v1.3/jpphp/partner-keys/verify".into(),
        query: vec![],
        bearer: Some(String::new()),
        form: None,
        secret_fields: vec![],
    };
    send(ctx, req)
}

/// Token, then the request with it; or in dry-run mode, both described.
fn send(ctx: &Context, mut req: Request) -> Result<Outcome> {
    if ctx.dry_run {
        let token = api::token_request(&ctx.client_id, &ctx.client_secret);
        return Ok(Outcome::Json(ctx.dry_run_output(&[token, req])));
    }
    let api = ctx.api()?;
    req.bearer = Some(ctx.token(&api)?);
    let answer = api.send(&req)?;
    api::judge(&format!("{} {}", req.method.as_str(), req.path), &answer)?;
    Ok(Outcome::Body(answer.body))
}

/// A plan count: a whole number, zero or more.
fn count(flag: &str, v: &str) -> Result<String> {
    match v.trim().parse::<u64>() {
        Ok(n) => Ok(n.to_string()),
        Err(_) => Err(Error::InvalidInput(format!(
            "{flag}={v:?} is not a number of plans (a whole number, 0 or more)"
        ))),
    }
}
