//! What an audit finds (SPEC §11), from facts alone: the local sites (what
//! WordPress and the partner API's `status` said of each) and, when the
//! reporting token is given, the billed activations, read page by page.
//! Nothing here asks anything; each finding is one JSON object with its
//! `kind`, the site, the product, the `evidence` it rests on and what to
//! do.

use crate::holdings;
use crate::site::site_suffix;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// Pending activations expire unbilled after this long.
pub const PENDING_LIMIT_DAYS: u64 = 14;

/// One local site as the audit saw it.
#[derive(Debug, Default, Clone)]
pub struct LocalSite {
    /// As the input named it (folder, URL, blog id).
    pub label: String,
    pub blog_id: Option<u64>,
    pub home: Option<String>,
    pub safe_mode: Option<bool>,
    /// Jetpack's last license attach error on the site.
    pub license_error: Option<String>,
    /// Its `status` answer, when it could be read.
    pub status: Option<Value>,
    /// `--desired`: the products it should have.
    pub desired: Option<Vec<String>>,
    /// WordPress, or the API's status, could not be read for it (a note
    /// said why).
    pub unread: bool,
}

/// One billed activation of the reporting endpoint.
#[derive(Debug, Clone)]
pub struct Activation {
    pub blog_id: Option<u64>,
    pub site_url: Option<String>,
    /// The product's slug where known, else `product <id>`.
    pub product: String,
    pub created_on: Option<u64>,
    pub activated_on: Option<u64>,
    pub cancelled_on: Option<u64>,
    /// The answer's own fields, as evidence.
    pub raw: Map<String, Value>,
}

/// One finding.
fn finding(
    kind: &str,
    site: Option<&str>,
    blog_id: Option<u64>,
    product: Option<&str>,
    evidence: Value,
) -> Value {
    json!({
        "kind": kind,
        "site": site,
        "blog_id": blog_id,
        "product": product,
        "evidence": evidence,
    })
}

/// What the local sites alone show: copies (safe mode), installs sharing a
/// blog id, Jetpack not connected, license errors, and (with `--desired`)
/// drift from the desired state.
pub fn local(sites: &[LocalSite]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut by_id: HashMap<u64, Vec<&LocalSite>> = HashMap::new();
    for s in sites {
        if let Some(id) = s.blog_id {
            by_id.entry(id).or_default().push(s);
        }
    }
    for s in sites {
        let site = Some(s.label.as_str());
        if s.safe_mode == Some(true) {
            out.push(finding(
                "safe_mode",
                site,
                s.blog_id,
                None,
                json!({"safe_mode": true, "blog_id": s.blog_id, "home": s.home}),
            ));
        }
        if let Some(others) = s
            .blog_id
            .and_then(|id| by_id.get(&id))
            .filter(|v| v.len() > 1)
        {
            let with: Vec<&str> = others
                .iter()
                .filter(|o| o.label != s.label)
                .map(|o| o.label.as_str())
                .collect();
            out.push(finding(
                "duplicate_blog_id",
                site,
                s.blog_id,
                None,
                json!({"blog_id": s.blog_id, "also_on": with}),
            ));
        }
        if let Some(e) = &s.license_error {
            out.push(finding(
                "license_error",
                site,
                s.blog_id,
                None,
                json!({"licensing_error": e}),
            ));
        }
        if let Some(status) = &s.status {
            out.extend(from_status(s, status));
        }
    }
    out
}

/// `not_connected` and `drift` from one site's status.
fn from_status(s: &LocalSite, status: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let site = Some(s.label.as_str());
    if status.pointer("/blog/is_connected") == Some(&Value::Bool(false)) {
        out.push(finding(
            "not_connected",
            site,
            s.blog_id,
            None,
            json!({"is_connected": false, "products": slugs(status)}),
        ));
    }
    if let Some(desired) = &s.desired {
        // With --prune: what apply would cancel (ours, no longer listed) too.
        for change in holdings::changes(status, desired, true) {
            let prune_only = matches!(change, holdings::Change::Cancel(_));
            out.push(finding(
                "drift",
                site,
                s.blog_id,
                Some(change.slug()),
                json!({"apply_would": change.name(), "only_with_prune": prune_only,
                       "desired": desired, "products": slugs(status)}),
            ));
        }
    }
    out
}

fn slugs(status: &Value) -> Vec<String> {
    status
        .get("products")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("slug").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Matches billed activations to the local sites as the pages come in, and
/// at the end names what the sites have and billing does not.
pub struct Billing {
    /// Local blog ids, and local site suffixes (a site without a blog id
    /// yet is named by its home).
    ids: HashSet<u64>,
    suffixes: HashSet<String>,
    /// (blog id, product) of every activation that is not cancelled.
    billed: HashSet<(u64, String)>,
    /// Now, in seconds since the epoch.
    now: u64,
}

impl Billing {
    pub fn new(sites: &[LocalSite], now: u64) -> Billing {
        // A copy (safe mode) carries the original's blog id: the original's
        // billing is not here because a copy of it is.
        let own_id = |s: &LocalSite| s.blog_id.filter(|_| s.safe_mode != Some(true));
        Billing {
            ids: sites.iter().filter_map(own_id).collect(),
            suffixes: sites
                .iter()
                .filter_map(|s| s.home.as_deref())
                .map(site_suffix)
                .collect(),
            billed: HashSet::new(),
            now,
        }
    }

    /// What one activation shows: billed for a site not here, pending for
    /// more than 14 days.
    pub fn activation(&mut self, a: &Activation) -> Vec<Value> {
        if a.cancelled_on.is_some() {
            return Vec::new();
        }
        if let Some(id) = a.blog_id {
            self.billed.insert((id, a.product.clone()));
        }
        let mut out = Vec::new();
        let site = a.site_url.as_deref();
        let here = a.blog_id.is_some_and(|id| self.ids.contains(&id))
            || a.site_url
                .as_deref()
                .is_some_and(|u| self.suffixes.contains(&site_suffix(u)));
        let evidence = Value::Object(a.raw.clone());
        if !here {
            out.push(finding(
                "billed_without_local_site",
                site,
                a.blog_id,
                Some(&a.product),
                evidence.clone(),
            ));
        }
        let limit = PENDING_LIMIT_DAYS * 86_400;
        let stale = a
            .created_on
            .is_some_and(|c| self.now.saturating_sub(c) > limit);
        if a.activated_on.is_none() && stale {
            out.push(finding(
                "pending_over_14_days",
                site,
                a.blog_id,
                Some(&a.product),
                evidence,
            ));
        }
        out
    }

    /// Our products on local sites with no billed activation (pending ones
    /// are not billed yet, and are left out).
    pub fn unbilled(&self, sites: &[LocalSite]) -> Vec<Value> {
        let mut out = Vec::new();
        for s in sites {
            let (Some(id), Some(status)) = (s.blog_id, &s.status) else {
                continue;
            };
            let products = status.get("products").and_then(Value::as_array);
            for p in products.into_iter().flatten() {
                let ours = p.get("is_provisioned_by_calling_partner") == Some(&Value::Bool(true));
                let pending = p.get("is_pending") == Some(&Value::Bool(true));
                let Some(slug) = p.get("slug").and_then(Value::as_str) else {
                    continue;
                };
                if ours && !pending && !self.billed.contains(&(id, slug.to_string())) {
                    out.push(finding(
                        "local_product_not_billed",
                        Some(&s.label),
                        Some(id),
                        Some(slug),
                        p.clone(),
                    ));
                }
            }
        }
        out
    }
}

/// A date as the reporting endpoint may write it (`2026-11-01 10:00:00`,
/// RFC 3339 with `T` and an offset or `Z`): seconds since the epoch (UTC).
pub fn parse_date(s: &str) -> Option<u64> {
    let s = s.trim();
    let (date, time) = s.split_once([' ', 'T']).unwrap_or((s, "00:00:00"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let clock: String = time
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .collect();
    let mut t = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (
        t.next()?.unwrap_or(0),
        t.next().flatten().unwrap_or(0),
        t.next().flatten().unwrap_or(0),
    );
    let offset = offset_secs(&time[clock.len()..]);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(y, m as u32, day as u32);
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec - offset).ok()
}

/// `+02:00`, `-0500`, `Z`, `.123Z`: the offset east of UTC in seconds.
fn offset_secs(rest: &str) -> i64 {
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let sign = match rest.chars().next() {
        Some('+') => 1,
        Some('-') => -1,
        _ => return 0,
    };
    let digits: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
    let h: i64 = digits.get(..2).and_then(|d| d.parse().ok()).unwrap_or(0);
    let m: i64 = digits.get(2..4).and_then(|d| d.parse().ok()).unwrap_or(0);
    sign * (h * 3600 + m * 60)
}

/// Days from 1970-01-01 to the date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_either_spelling() {
        assert_eq!(parse_date("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_date("2026-12-05 06:42:42"), Some(1_796_452_962));
        assert_eq!(parse_date("2026-12-05T06:42:42Z"), Some(1_796_452_962));
        assert_eq!(parse_date("2026-12-05T08:42:42+02:00"), Some(1_796_452_962));
        assert_eq!(parse_date("2026-12-05T06:42:42.250Z"), Some(1_796_452_962));
        assert_eq!(parse_date("2026-12-05"), Some(1_796_428_800));
        assert_eq!(parse_date("soon"), None);
        assert_eq!(parse_date("2026-13-05"), None);
    }

    fn site(label: &str, blog_id: Option<u64>, status: Value) -> LocalSite {
        LocalSite {
            label: label.into(),
            blog_id,
            home: Some(format!("https://{label}")),
            status: Some(status),
            ..LocalSite::default()
        }
    }

    #[test]
    fn local_findings() {
        let mut a = site(
            "a.example",
            Some(7),
            json!({"blog":{"is_connected":false},"products":[]}),
        );
        a.safe_mode = Some(true);
        let b = site(
            "b.example",
            Some(7),
            json!({"blog":{"is_connected":true},"products":[]}),
        );
        let kinds: Vec<String> = local(&[a, b])
            .iter()
            .map(|f| format!("{} {}", f["kind"], f["site"]))
            .collect();
        assert_eq!(
            kinds,
            [
                "\"safe_mode\" \"a.example\"",
                "\"duplicate_blog_id\" \"a.example\"",
                "\"not_connected\" \"a.example\"",
                "\"duplicate_blog_id\" \"b.example\""
            ]
        );
    }

    #[test]
    fn billing_findings() {
        let ours = json!({"slug":"jetpack-scan","is_provisioned_by_calling_partner":true,"is_pending":false});
        let sites = [site(
            "a.example",
            Some(7),
            json!({"blog":{"is_connected":true},"products":[ours]}),
        )];
        let now = 100 * 86_400;
        let mut billing = Billing::new(&sites, now);
        let act = |blog: u64, product: &str, created: u64, activated: Option<u64>| Activation {
            blog_id: Some(blog),
            site_url: None,
            product: product.into(),
            created_on: Some(created),
            activated_on: activated,
            cancelled_on: None,
            raw: Map::new(),
        };
        assert!(billing
            .activation(&act(7, "premium", now - 86_400, Some(now)))
            .is_empty());
        let gone = billing.activation(&act(9, "premium", now - 86_400, Some(now)));
        assert_eq!(gone[0]["kind"], json!("billed_without_local_site"));
        let stale = billing.activation(&act(7, "jetpack-backup-daily", now - 20 * 86_400, None));
        assert_eq!(stale[0]["kind"], json!("pending_over_14_days"));
        let unbilled = billing.unbilled(&sites);
        assert_eq!(unbilled[0]["kind"], json!("local_product_not_billed"));
        assert_eq!(unbilled[0]["product"], json!("jetpack-scan"));
    }
}
