//! The partner's billed activations (partner reporting), every page,
//! handed on one at a time so a fleet of 20 000 never sits in memory
//! whole. Bounded (the executor's paging): pages that never end, or
//! repeat, stop the audit with `invalid_response` instead of looping.

use super::findings::{parse_date, Activation};
use crate::endpoints;
use crate::error::Result;
use crate::exec::Executor;
use crate::holdings;
use crate::work::{Paging, Total};
use serde_json::{Map, Value};

/// Activations asked for per page (the endpoint's most).
pub const PER_PAGE: u64 = 100;

/// Which partner key's activations: `PARTNER_ID/key/KEY_ID`.
#[derive(Debug, Clone)]
pub struct Key {
    pub partner_id: String,
    pub key_id: u64,
}

/// Read every page, handing each activation to `each`; how many were read.
pub fn read(exec: &Executor, key: &Key, mut each: impl FnMut(Activation)) -> Result<usize> {
    let paging = Paging {
        items: "activations",
        total: Total::Items("total"),
        per_page: PER_PAGE,
    };
    let read = exec.each_page(&page(key, 1), paging, |item| {
        if let Some(a) = activation(item) {
            each(a);
        }
        Ok(())
    })?;
    Ok(read as usize)
}

/// The request for one page of a key's activations.
pub fn page(key: &Key, page: u64) -> crate::api::Request {
    // The partner id is the user's text: one path segment, whatever it holds.
    let id =
        percent_encoding::utf8_percent_encode(&key.partner_id, percent_encoding::NON_ALPHANUMERIC);
    endpoints::ACTIVATIONS
        .at(&format!("{id}/key/{}", key.key_id))
        .query_opt("page", Some(&page.to_string()))
        .query_opt("per_page", Some(&PER_PAGE.to_string()))
}

/// One activation as the endpoint writes it.
fn activation(v: &Value) -> Option<Activation> {
    let raw: Map<String, Value> = v.as_object()?.clone();
    let date = |k: &str| v.get(k).and_then(Value::as_str).and_then(parse_date);
    let product_id = v
        .get("product_id")
        .and_then(|p| p.as_u64().or_else(|| p.as_str()?.parse().ok()));
    let product = match product_id {
        Some(id) => holdings::product_slug(id)
            .map(str::to_string)
            .unwrap_or_else(|| format!("product {id}")),
        None => "product ?".into(),
    };
    let blog_id = v
        .get("wpcom_blog_id")
        .and_then(|b| b.as_u64().or_else(|| b.as_str()?.parse().ok()))
        .filter(|b| *b > 0);
    Some(Activation {
        blog_id,
        site_url: v
            .get("site_url")
            .and_then(Value::as_str)
            .map(str::to_string),
        product,
        created_on: date("created_on"),
        activated_on: date("activated_on"),
        cancelled_on: date("cancelled_on"),
        raw,
    })
}
