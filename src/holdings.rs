//! What a site holds, as its `status` answer says: which plans and
//! products, and which of them the calling partner provisioned. `provision
//! --if-needed`, `cancel --if-needed` and `apply` judge from it what needs
//! to change.

use serde_json::Value;

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
            let change = Change::Cancel(h.slug.clone());
            // A product listed twice (active and pending) is cancelled once.
            if h.ours
                && !desired.contains(&h.slug)
                && !replaced
                && !h.slug.is_empty()
                && !out.contains(&change)
            {
                out.push(change);
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

/// The standalone products and bundles the partner documentation names.
pub const PRODUCTS: &[&str] = &[
    "jetpack-backup-daily",
    "jetpack-backup-realtime",
    "jetpack-scan",
    "jetpack-anti-spam",
    "jetpack-security-daily",
    "jetpack-security-realtime",
    "jetpack-complete",
];

/// WordPress.com store ids of the plans and products, as the partner
/// reporting endpoint names them (`product_id`), with their licensing
/// slugs: an inference from WordPress.com's own product list (the partner
/// documentation gives no table); the monthly ids map to the same slug.
const PRODUCT_IDS: &[(u64, &str)] = &[
    (2000, "premium"),
    (2001, "professional"),
    (2002, "free"),
    (2003, "premium"),
    (2004, "professional"),
    (2005, "personal"),
    (2006, "personal"),
    (2010, "jetpack-security-daily"),
    (2011, "jetpack-security-daily"),
    (2012, "jetpack-security-realtime"),
    (2013, "jetpack-security-realtime"),
    (2014, "jetpack-complete"),
    (2015, "jetpack-complete"),
    (2100, "jetpack-backup-daily"),
    (2101, "jetpack-backup-daily"),
    (2102, "jetpack-backup-realtime"),
    (2103, "jetpack-backup-realtime"),
    (2106, "jetpack-scan"),
    (2107, "jetpack-scan"),
    (2110, "jetpack-anti-spam"),
    (2111, "jetpack-anti-spam"),
];

/// The slug of a reporting `product_id`, where known.
pub fn product_slug(id: u64) -> Option<&'static str> {
    PRODUCT_IDS.iter().find(|(i, _)| *i == id).map(|(_, s)| *s)
}

/// The first desired slug that is neither a plan or product we know nor on
/// the site already (so the API knows it): likely a typo.
pub fn unknown(status: &Value, desired: &[String]) -> Option<String> {
    let held = held(status);
    desired
        .iter()
        .find(|d| {
            !PLANS.contains(&d.as_str())
                && !PRODUCTS.contains(&d.as_str())
                && !held.iter().any(|h| &h.slug == *d)
        })
        .cloned()
}

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
