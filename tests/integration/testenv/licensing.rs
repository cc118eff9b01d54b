//! The Jetpack Licensing API (`/wpcom/v2/jetpack-licensing/…`), site
//! connection and the partner reporting endpoint (`/wpcom/v2/
//! jetpack-partners/{PARTNER_ID}/key/{KEY_ID}/activations`) of the
//! stateful fake: a child module of `partner.rs`, reading and changing the
//! same sites, products and partners.
//!
//! Facts from `shared/partner-docs/licensing-and-reporting.md` and
//! `notes/research.md` (spec.yml 1.4.1, Calypso's clients, the reporting
//! docs). Where they are silent the model decides, and says so here:
//!
//! - **Tokens.** Licensing endpoints take the partner's client-credentials
//!   token or a licensing token ([`PartnerApi::licensing_token`]); each
//!   token has its own licenses (another token's key is 404, as unknown).
//!   The reporting endpoint takes only a reporting token
//!   ([`PartnerApi::reporting_token`], a WordPress.com user token). A
//!   token of the wrong kind is 403 `invalid_scope` naming the kind wanted;
//!   none is 401 `rest_forbidden`; an unknown one 403 `invalid_token`.
//! - **Errors** are WP REST's `{"code","message","data":{"status"}}`
//!   (missing parameter: `rest_missing_callback_param`, bad value:
//!   `rest_invalid_param` with `data.params`, unknown route:
//!   `rest_no_route`), plus `invalid_product` (400), `license_not_found`
//!   (404), `license_revoked`, `already_revoked`, `already_attached`,
//!   `not_attached`, `invalid_site` (400).
//! - **Parameters** come as WP REST reads them: a JSON body (only with
//!   `Content-Type: application/json`), else a urlencoded or multipart
//!   form, else the query (so `POST /license?product=` works).
//! - **License answers** (issue, show, revoke, attach, detach and list
//!   items) all have Calypso's item fields: `license_id, license_key,
//!   product_id, product` (the product's *name*), `user_id, username,
//!   blog_id, siteurl, has_downloads, issued_at, attached_at, revoked_at,
//!   owner_type, quantity, parent_license_id, referral`. Dates are
//!   `YYYY-MM-DD HH:MM:SS` (UTC), as the docs' example.
//! - **Attach** needs a site the model knows (blog id, URL or suffix), the
//!   same site again is a no-op; the product is pending until the site
//!   connects. **Revoke** keeps `blog_id`/`attached_at` as a record but
//!   takes the product off the site. **Detach** takes it off and clears
//!   them.
//! - **List**: `per_page` 1–100 (default 50), `page` from 1, filter as
//!   Calypso's enum (`standard` = every license: the model has no
//!   bundles), `search` a substring of the key or siteurl, sort by
//!   `issued_at` (default) / `attached_at` / `revoked_at`, `desc` by
//!   default, nulls lowest. `total_pages` is 0 when there is nothing.
//! - **Activations** are a ledger: every product a partner puts on a site
//!   (provision, seed, attach) starts one (`activated_on` null while
//!   pending, set when the site connects); cancel, revoke, detach or a
//!   replacing product sets `cancelled_on` (the entry stays, as billing
//!   history). Listed in id order; `per_page` 1–100 (default 20);
//!   `plans[]` (or `plans`, comma-separated) by product id or slug;
//!   `activated_after`/`activated_before` inclusive, on `activated_on`.
//!   `product_id`s are WordPress.com store ids ([`PRODUCT_IDS`]), an
//!   inference of research.md, not documented.
//! - `X-Jetpack-Request-Id` is on every licensing answer (faults too), not
//!   on reporting answers (undocumented there); [`PartnerApi::exchanges`]
//!   records which request (by [`Recorded::seq`]) got which.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::{
    blog_id_of, normalise, percent_decode, site_suffix, PartnerApi, Recorded, Reply, Site, State,
};

const LICENSING: &str = "/wpcom/v2/jetpack-licensing/";
const REPORTING: &str = "/wpcom/v2/jetpack-partners/";

/// Seconds in a day, for dates relative to the model's now.
pub const DAY: u64 = 86_400;

/// The product slugs the Licensing API issues (spec.yml's enum).
pub const LICENSING_PRODUCTS: [&str; 11] = [
    "free",
    "personal",
    "premium",
    "professional",
    "jetpack-backup-daily",
    "jetpack-backup-realtime",
    "jetpack-scan",
    "jetpack-anti-spam",
    "jetpack-security-daily",
    "jetpack-security-realtime",
    "jetpack-complete",
];

/// Slug → product id, in `/product-families` and the reporting
/// endpoint's `product_id`: the WordPress.com store ids of the yearly
/// products (research.md's table; that reporting uses them is inferred).
pub const PRODUCT_IDS: [(&str, u64); 11] = [
    ("free", 2002),
    ("personal", 2005),
    ("premium", 2000),
    ("professional", 2001),
    ("jetpack-backup-daily", 2100),
    ("jetpack-backup-realtime", 2102),
    ("jetpack-scan", 2106),
    ("jetpack-anti-spam", 2110),
    ("jetpack-security-daily", 2010),
    ("jetpack-security-realtime", 2012),
    ("jetpack-complete", 2014),
];

/// A product of `/product-families`: slug, name, monthly price in USD
/// (for `/partner/product-families`).
type FamilyProduct = (&'static str, &'static str, f64);

/// `/product-families`: family slug, name, and its products.
const FAMILIES: &[(&str, &str, &[FamilyProduct])] = &[
    (
        "jetpack-plans",
        "Jetpack Plans",
        &[
            ("free", "Jetpack Free", 0.0),
            ("personal", "Jetpack Personal", 3.5),
            ("premium", "Jetpack Premium", 9.0),
            ("professional", "Jetpack Professional", 29.0),
        ],
    ),
    (
        "jetpack-packs",
        "Jetpack Packs",
        &[
            ("jetpack-security-daily", "Jetpack Security Daily", 12.0),
            (
                "jetpack-security-realtime",
                "Jetpack Security Real-time",
                25.0,
            ),
            ("jetpack-complete", "Jetpack Complete", 50.0),
        ],
    ),
    (
        "jetpack-backup",
        "Jetpack Backup",
        &[
            ("jetpack-backup-daily", "Jetpack Backup (Daily)", 5.0),
            (
                "jetpack-backup-realtime",
                "Jetpack Backup (Real-time)",
                12.0,
            ),
        ],
    ),
    (
        "jetpack-scan",
        "Jetpack Scan",
        &[("jetpack-scan", "Jetpack Scan Daily", 5.0)],
    ),
    (
        "jetpack-anti-spam",
        "Jetpack Anti-Spam",
        &[("jetpack-anti-spam", "Jetpack Anti-Spam", 4.0)],
    ),
];

const LICENSES_PER_PAGE: u64 = 50;
const ACTIVATIONS_PER_PAGE: u64 = 20;
const MAX_PER_PAGE: u64 = 100;

/// The product id of a licensing slug.
pub fn product_id(slug: &str) -> Option<u64> {
    PRODUCT_IDS
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, id)| *id)
}

/// The licensing slug of a product id.
pub fn product_slug(id: u64) -> Option<&'static str> {
    PRODUCT_IDS.iter().find(|(_, i)| *i == id).map(|(s, _)| *s)
}

fn product_name(slug: &str) -> &'static str {
    FAMILIES
        .iter()
        .flat_map(|(_, _, products)| products.iter())
        .find(|(s, _, _)| *s == slug)
        .map_or("", |(_, name, _)| *name)
}

// ------------------------------------------------------------ public types

/// One license, as the model holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct License {
    pub id: u64,
    pub key: String,
    /// Licensing slug.
    pub product: String,
    /// Client id of the partner whose token issued it (its products are
    /// "provisioned by" that partner in `status`).
    pub partner: String,
    /// The token that issued it: only that token sees it.
    pub token: String,
    /// The site it is attached to (still set after a revoke, as a record).
    pub blog_id: Option<u64>,
    pub issued_at: u64,
    pub attached_at: Option<u64>,
    pub revoked_at: Option<u64>,
}

/// One detach: which license left which site, and whether the customer
/// would have got the cancellation email (`cancellation_email`, default 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detachment {
    pub license_key: String,
    pub blog_id: u64,
    pub email: bool,
}

/// One activation of the reporting endpoint. Dates are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activation {
    pub id: u64,
    /// Client id of the partner (its key id is `jetpack_partner_key_id`).
    pub partner: String,
    pub blog_id: u64,
    pub user_id: Option<u64>,
    /// Licensing slug (`product_id` in the answer).
    pub product: String,
    pub created_on: u64,
    /// `None`: pending (the site never connected).
    pub activated_on: Option<u64>,
    pub cancelled_on: Option<u64>,
    pub site_url: String,
    pub site_name: String,
}

/// A licensing or reporting request and the answer it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// [`Recorded::seq`] of the request.
    pub seq: usize,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// The `X-Jetpack-Request-Id` sent (licensing answers only).
    pub request_id: Option<String>,
    /// `code` of a JSON error answer.
    pub code: Option<String>,
}

/// What [`PartnerApi::fail_next`] makes an endpoint answer instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `status` (429 or 503) with `Retry-After: seconds` and a JSON error.
    RetryAfter { status: u16, seconds: u64 },
    /// 500 with an HTML page, as a proxy or a PHP fatal error gives.
    Html500,
    /// Any JSON error, e.g. 403 for a partner not allow-listed to attach.
    Error {
        status: u16,
        code: String,
        message: String,
    },
}

// ------------------------------------------------------------ model state

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Partner,
    Licensing,
    Reporting,
}

struct Token {
    token: String,
    kind: Kind,
    partner: String,
}

struct Queued {
    endpoint: String,
    left: u32,
    fault: Fault,
}

struct Entry {
    a: Activation,
    /// The model site it is for; `None` for planted ones.
    site: Option<usize>,
}

/// The licensing and reporting part of the model's state.
pub(super) struct Licensing {
    tokens: Vec<Token>,
    licenses: Vec<License>,
    by_key: HashMap<String, usize>,
    detachments: Vec<Detachment>,
    faults: Vec<Queued>,
    endless_licenses: bool,
    endless_activations: bool,
    rfc3339: bool,
    blog_id_as_string: bool,
    now: Option<u64>,
    next_license_id: u64,
    next_activation_id: u64,
    ledger: Vec<Entry>,
    /// Ledger indexes per partner, in id order: a page is a slice.
    by_partner: HashMap<String, Vec<usize>>,
    /// (site, slug) → the ledger entry still running for that product.
    live: HashMap<(usize, String), usize>,
    /// Bumped by every ledger change; keys `filtered`.
    version: u64,
    /// The last filtered activation list, so paging through it costs a
    /// page each: (partner and filters, version, ledger indexes).
    filtered: Option<(String, u64, Vec<usize>)>,
    requests: u64,
    exchanges: Vec<Exchange>,
}

impl Licensing {
    pub(super) fn new() -> Licensing {
        Licensing {
            tokens: Vec::new(),
            licenses: Vec::new(),
            by_key: HashMap::new(),
            detachments: Vec::new(),
            faults: Vec::new(),
            endless_licenses: false,
            endless_activations: false,
            rfc3339: false,
            blog_id_as_string: false,
            now: None,
            next_license_id: 4_100_001,
            next_activation_id: 7_300_001,
            ledger: Vec::new(),
            by_partner: HashMap::new(),
            live: HashMap::new(),
            version: 0,
            filtered: None,
            requests: 0,
            exchanges: Vec::new(),
        }
    }

    pub(super) fn activation_count(&self) -> usize {
        self.ledger.len()
    }

    fn now(&self) -> u64 {
        self.now.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
    }

    fn push_entry(&mut self, entry: Entry) -> usize {
        let n = self.ledger.len();
        self.by_partner
            .entry(entry.a.partner.clone())
            .or_default()
            .push(n);
        if let Some(site) = entry.site {
            self.live.insert((site, entry.a.product.clone()), n);
        }
        self.ledger.push(entry);
        self.version += 1;
        n
    }

    fn entry_by_id(&self, id: u64) -> Option<usize> {
        // Ids grow with the ledger: a binary search finds it.
        self.ledger.binary_search_by_key(&id, |e| e.a.id).ok()
    }

    fn reindex(&mut self) {
        self.by_partner.clear();
        self.live.clear();
        for (n, e) in self.ledger.iter().enumerate() {
            self.by_partner
                .entry(e.a.partner.clone())
                .or_default()
                .push(n);
            if let (Some(site), None) = (e.site, e.a.cancelled_on) {
                self.live.insert((site, e.a.product.clone()), n);
            }
        }
        self.version += 1;
    }

    fn next_request_id(&mut self, salt: u64) -> String {
        self.requests += 1;
        let n = self.requests;
        let hash = RandomState::new().hash_one((salt, n)) as u32;
        format!("fake-req-{n:06}-{hash:08x}")
    }

    fn take_fault(&mut self, endpoint: &str) -> Option<Fault> {
        let k = self
            .faults
            .iter()
            .position(|q| q.left > 0 && (q.endpoint == "*" || q.endpoint == endpoint))?;
        let q = &mut self.faults[k];
        q.left -= 1;
        let fault = q.fault.clone();
        if q.left == 0 {
            self.faults.remove(k);
        }
        Some(fault)
    }

    fn date(&self, secs: u64) -> Value {
        Value::from(if self.rfc3339 {
            format_date(secs).replacen(' ', "T", 1) + "+00:00"
        } else {
            format_date(secs)
        })
    }

    fn opt_date(&self, secs: Option<u64>) -> Value {
        secs.map_or(Value::Null, |s| self.date(s))
    }
}

// ------------------------------------------------------------------ dates

/// `YYYY-MM-DD HH:MM:SS` (UTC) of Unix seconds, the API's date format.
pub fn format_date(secs: u64) -> String {
    let days = (secs / DAY) as i64;
    let rest = secs % DAY;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Unix seconds of `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or RFC 3339
/// (`T`, fractions, `Z` or `±HH:MM`); `None` for anything else.
pub fn parse_date(text: &str) -> Option<u64> {
    let t = text.trim();
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = match t.get(10..11) {
        None if t.len() == 10 => (t, ""),
        Some("T" | "t" | " ") => (&t[..10], &t[11..]),
        _ => return None,
    };
    let mut ymd = date.split('-');
    let (y, m, d) = (num(ymd.next()?)?, num(ymd.next()?)?, num(ymd.next()?)?);
    if ymd.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(k) => (&time[..k], &time[k..]),
        None => (time, ""),
    };
    let clock = clock.split('.').next().unwrap_or("");
    let (h, mi, s) = if clock.is_empty() {
        (0, 0, 0)
    } else {
        let mut hms = clock.split(':');
        let h = num(hms.next()?)?;
        let mi = num(hms.next()?)?;
        let s = hms.next().map_or(Some(0), num)?;
        if hms.next().is_some() {
            return None;
        }
        (h, mi, s)
    };
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let offset = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits: String = o[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            sign * (num(&digits[..2])? * 3600 + num(&digits[2..])? * 60)
        }
    };
    let secs = days_from_civil(y, m, d) * DAY as i64 + h * 3600 + mi * 60 + s - offset;
    u64::try_from(secs).ok()
}

/// Howard Hinnant's `civil_from_days`: (year, month, day) of a day count
/// from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ------------------------------------------------------------- knobs, API

impl PartnerApi {
    /// A new licensing token of `partner` (a client id): the token Jetpack
    /// hands a partner for the Licensing API. Panics for an unknown
    /// partner (a test bug).
    pub fn licensing_token(&self, partner: &str) -> String {
        let token = {
            let state = self.lock();
            let n = state.lic.tokens.len();
            format!(
                "fake-licensing-token-{:016x}",
                RandomState::new().hash_one((state.salt, n, "licensing"))
            )
        };
        self.licensing_token_named(partner, &token);
        token
    }

    /// Makes `token` a licensing token of `partner` (e.g. one given on a
    /// command line).
    pub fn licensing_token_named(&self, partner: &str, token: &str) -> &Self {
        self.add_token(partner, token, Kind::Licensing)
    }

    /// A new reporting token of `partner`: the WordPress.com user token
    /// (OAuth `authorization_code`, scope `global`) of the user tied to
    /// its partner key. Only it reads the partner's activations.
    pub fn reporting_token(&self, partner: &str) -> String {
        let token = {
            let state = self.lock();
            let n = state.lic.tokens.len();
            format!(
                "fake-user-token-{:016x}",
                RandomState::new().hash_one((state.salt, n, "reporting"))
            )
        };
        self.reporting_token_named(partner, &token);
        token
    }

    /// Makes `token` a reporting token of `partner`.
    pub fn reporting_token_named(&self, partner: &str, token: &str) -> &Self {
        self.add_token(partner, token, Kind::Reporting)
    }

    fn add_token(&self, partner: &str, token: &str, kind: Kind) -> &Self {
        let mut state = self.lock();
        assert!(
            state.partner_by_id(partner).is_some(),
            "no partner {partner:?} for a token"
        );
        state.lic.tokens.retain(|t| t.token != token);
        state.lic.tokens.push(Token {
            token: token.to_string(),
            kind,
            partner: partner.to_string(),
        });
        self
    }

    /// The partner key id of `partner` (the reporting endpoint's `KEY_ID`
    /// and the activations' `jetpack_partner_key_id`): 1, 2 … in the order
    /// partners were added by hand; a `partner-keys/new` key's own id.
    pub fn key_id_of(&self, partner: &str) -> Option<u64> {
        let state = self.lock();
        state
            .partner_by_id(partner)
            .map(|p| state.partners[p].key_id)
    }

    /// Gives `partner` this key id.
    pub fn set_key_id(&self, partner: &str, key_id: u64) -> &Self {
        let mut state = self.lock();
        if let Some(p) = state.partner_by_id(partner) {
            state.partners[p].key_id = key_id;
        }
        self
    }

    /// Pins the model's clock (Unix seconds) for issued/attached/revoked
    /// dates and activations; `None`: the system clock (the default, so
    /// dates relative to now mean the same to the binary).
    pub fn set_now(&self, now: Option<u64>) -> &Self {
        self.lock().lic.now = now;
        self
    }

    /// The model's now (Unix seconds).
    pub fn now(&self) -> u64 {
        self.lock().lic.now()
    }

    /// `days` days before the model's now.
    pub fn days_ago(&self, days: u64) -> u64 {
        self.now().saturating_sub(days * DAY)
    }

    /// The next `times` requests to `endpoint` get `fault` instead of
    /// their answer (before any token check, like a proxy or a rate
    /// limiter would). Endpoints: `issue`, `show`, `revoke`, `attach`,
    /// `detach`, `list`, `counts`, `product-families`, `site-connection`,
    /// `activations`, or `*` for any licensing or reporting request.
    /// Queued faults are used in the order they were added.
    pub fn fail_next(&self, endpoint: &str, times: u32, fault: Fault) -> &Self {
        self.lock().lic.faults.push(Queued {
            endpoint: endpoint.to_string(),
            left: times,
            fault,
        });
        self
    }

    /// `/licenses` never ends: every page says there is one more
    /// (`total_pages` = page + 1); pages past the end repeat the last one.
    pub fn endless_license_pages(&self, endless: bool) -> &Self {
        self.lock().lic.endless_licenses = endless;
        self
    }

    /// The activations report never ends: `total` always counts one page
    /// more than was asked; pages past the end repeat the last one.
    pub fn endless_activation_pages(&self, endless: bool) -> &Self {
        self.lock().lic.endless_activations = endless;
        self
    }

    /// Activation dates as RFC 3339 (`2024-05-01T12:00:00+00:00`) instead
    /// of `2024-05-01 12:00:00`: the format is not documented.
    pub fn report_dates_rfc3339(&self, rfc3339: bool) -> &Self {
        self.lock().lic.rfc3339 = rfc3339;
        self
    }

    /// `blog_id` of site-connection answers as a string (the docs'
    /// example) instead of a number (the spec).
    pub fn site_connection_blog_id_as_string(&self, string: bool) -> &Self {
        self.lock().lic.blog_id_as_string = string;
        self
    }

    /// Marks `site` (suffix or URL; created if unknown) as disconnected
    /// on purpose by its owner: site-connection answers
    /// `previously_connected` and does not connect it.
    pub fn previously_connected(&self, site: &str) -> &Self {
        let mut state = self.lock();
        let i = state.site_for_seed(site);
        let s = &mut state.sites[i];
        s.connected = false;
        s.previously_connected = true;
        state.changed();
        self
    }

    /// Issues a license of `product` for `token` (a partner or licensing
    /// token) without a request; its key. Panics on an unknown token or
    /// product (a test bug).
    pub fn issue_license(&self, token: &str, product: &str) -> String {
        let mut state = self.lock();
        let (kind, partner) = state
            .token_kind(token)
            .unwrap_or_else(|| panic!("issue_license: unknown token"));
        assert!(kind != Kind::Reporting, "issue_license: a reporting token");
        assert!(
            product_id(product).is_some(),
            "issue_license: no product {product:?}"
        );
        let k = state.issue(token, &partner, product);
        state.changed();
        state.lic.licenses[k].key.clone()
    }

    /// Attaches license `key` to `site` (blog id, suffix or URL; created,
    /// connected, if unknown) without a request; the site's blog id.
    pub fn attach_license(&self, key: &str, site: &str) -> u64 {
        let mut state = self.lock();
        let k = *state
            .lic
            .by_key
            .get(key)
            .unwrap_or_else(|| panic!("attach_license: no license {key:?}"));
        let i = state.site_for_seed(site);
        state.attach(k, i);
        state.changed();
        state.sites[i].blog_id
    }

    /// Every license, in the order issued.
    pub fn licenses(&self) -> Vec<License> {
        let state = self.lock();
        state.lic.licenses.to_vec()
    }

    /// The license with this key.
    pub fn license(&self, key: &str) -> Option<License> {
        let state = self.lock();
        let k = *state.lic.by_key.get(key)?;
        Some(state.lic.licenses[k].clone())
    }

    /// Every detach so far, in order.
    pub fn detachments(&self) -> Vec<Detachment> {
        self.lock().lic.detachments.clone()
    }

    /// Licensing and reporting requests with their answers, in the order
    /// answered.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.lock().lic.exchanges.clone()
    }

    /// The `X-Jetpack-Request-Id` the answer to `request` (one of
    /// `FakeApi::requests()`) carried.
    pub fn request_id_of(&self, request: &Recorded) -> Option<String> {
        let state = self.lock();
        state
            .lic
            .exchanges
            .iter()
            .find(|e| e.seq == request.seq)
            .and_then(|e| e.request_id.clone())
    }

    /// `partner`'s activations (planted ones too), in id order.
    pub fn activations(&self, partner: &str) -> Vec<Activation> {
        let state = self.lock();
        let lic = &state.lic;
        lic.by_partner
            .get(partner)
            .map(|list| list.iter().map(|&n| lic.ledger[n].a.clone()).collect())
            .unwrap_or_default()
    }

    /// The activation still running for `slug` on `site` (blog id, suffix
    /// or URL), if the model made one.
    pub fn activation_for(&self, site: &str, slug: &str) -> Option<Activation> {
        let state = self.lock();
        let i = state.find(site)?;
        let n = *state.lic.live.get(&(i, slug.to_string()))?;
        Some(state.lic.ledger[n].a.clone())
    }

    /// Adds an activation of `partner` for `product` on a site the model
    /// does not know (`site_url` names it; the model's own blog id if it
    /// knows it, else a fresh one that no model site will get): created
    /// and activated now, not cancelled. Its id; change it with
    /// [`edit_activation`](Self::edit_activation).
    pub fn plant_activation(&self, partner: &str, site_url: &str, product: &str) -> u64 {
        let mut state = self.lock();
        let now = state.lic.now();
        let id = state.plant(partner, site_url, product, now, Some(now));
        state.changed();
        id
    }

    /// `n` activations of `partner` on sites `https://planted-K.example.net`
    /// (K from 1), products in [`LICENSING_PRODUCTS`] order, created one
    /// hour apart going back from now and activated a minute later: for
    /// benchmarks. Their ids.
    pub fn plant_activations(&self, partner: &str, n: u64) -> std::ops::Range<u64> {
        let mut state = self.lock();
        let now = state.lic.now();
        let first = state.lic.next_activation_id;
        for k in 1..=n {
            let product = LICENSING_PRODUCTS[(k as usize - 1) % LICENSING_PRODUCTS.len()];
            let created = now.saturating_sub(k * 3600);
            let url = format!("https://planted-{k}.example.net");
            state.plant(partner, &url, product, created, Some(created + 60));
        }
        state.changed();
        first..state.lic.next_activation_id
    }

    /// Changes activation `id` (dates, site, product …; not its id or
    /// partner). Panics if there is none.
    pub fn edit_activation(&self, id: u64, edit: impl FnOnce(&mut Activation)) -> &Self {
        let mut state = self.lock();
        let n = state
            .lic
            .entry_by_id(id)
            .unwrap_or_else(|| panic!("edit_activation: no activation {id}"));
        let entry = &mut state.lic.ledger[n];
        let (id, partner) = (entry.a.id, entry.a.partner.clone());
        edit(&mut entry.a);
        entry.a.id = id;
        entry.a.partner = partner;
        state.lic.reindex();
        state.changed();
        self
    }

    /// Removes activation `id` from the report (e.g. a product on a site
    /// that billing does not know). Panics if there is none.
    pub fn forget_activation(&self, id: u64) -> &Self {
        let mut state = self.lock();
        let n = state
            .lic
            .entry_by_id(id)
            .unwrap_or_else(|| panic!("forget_activation: no activation {id}"));
        state.lic.ledger.remove(n);
        state.lic.reindex();
        state.changed();
        self
    }
}

// ----------------------------------------------------------- state: model

impl State {
    fn token_kind(&self, token: &str) -> Option<(Kind, String)> {
        if let Some(p) = self.partners.iter().find(|p| p.token == token) {
            return Some((Kind::Partner, p.client_id.clone()));
        }
        self.lic
            .tokens
            .iter()
            .find(|t| t.token == token)
            .map(|t| (t.kind, t.partner.clone()))
    }

    fn issue(&mut self, token: &str, partner: &str, product: &str) -> usize {
        let id = self.lic.next_license_id;
        self.lic.next_license_id += 1;
        let key = format!("{product}_{}", random_key(self.salt, id));
        let now = self.lic.now();
        self.lic.licenses.push(License {
            id,
            key: key.clone(),
            product: product.to_string(),
            partner: partner.to_string(),
            token: token.to_string(),
            blog_id: None,
            issued_at: now,
            attached_at: None,
            revoked_at: None,
        });
        let k = self.lic.licenses.len() - 1;
        self.lic.by_key.insert(key, k);
        k
    }

    /// The site a license is attached to: its blog id names it.
    fn license_site(&self, l: &License) -> Option<usize> {
        l.blog_id.and_then(|id| self.find_blog(id))
    }

    fn attach(&mut self, k: usize, i: usize) {
        let now = self.lic.now();
        let l = &mut self.lic.licenses[k];
        l.blog_id = Some(self.sites[i].blog_id);
        l.attached_at = Some(now);
        let (slug, partner) = (l.product.clone(), l.partner.clone());
        let pending = !self.sites[i].connected;
        self.put_product(i, &slug, Some(&partner), pending);
    }

    /// Takes license `k`'s product off the site it is attached to.
    fn unprovision(&mut self, k: usize) -> Option<usize> {
        let l = &self.lic.licenses[k];
        let i = self.license_site(l)?;
        let (slug, partner) = (l.product.clone(), l.partner.clone());
        let found = self.sites[i]
            .products
            .iter()
            .position(|p| p.slug == slug && p.partner.as_deref() == Some(partner.as_str()));
        if let Some(p) = found {
            self.remove_product(i, p);
        }
        Some(i)
    }

    fn license_json(&self, l: &License) -> Value {
        let site = self.license_site(l).map(|i| &self.sites[i]);
        json!({
            "license_id": l.id,
            "license_key": l.key,
            "product_id": product_id(&l.product),
            "product": product_name(&l.product),
            "user_id": null,
            "username": null,
            "blog_id": l.blog_id,
            "siteurl": l.blog_id.map(|_| site.map_or(String::new(), site_url)),
            "has_downloads": false,
            "issued_at": format_date(l.issued_at),
            "attached_at": l.attached_at.map(format_date),
            "revoked_at": l.revoked_at.map(format_date),
            "owner_type": "jetpack_partner_key",
            "quantity": 1,
            "parent_license_id": null,
            "referral": null,
        })
    }

    /// For `state_json`: no keys, no tokens.
    pub(super) fn licenses_json(&self) -> Value {
        let list: Vec<Value> = self
            .lic
            .licenses
            .iter()
            .map(|l| {
                json!({
                    "license_id": l.id,
                    "product": l.product,
                    "partner": l.partner,
                    "blog_id": l.blog_id,
                    "revoked": l.revoked_at.is_some(),
                })
            })
            .collect();
        Value::Array(list)
    }

    // ------------------------------------------------ the ledger's hooks

    /// A partner put `slug` on site `i` (provision, seed, attach).
    pub(super) fn activation_started(
        &mut self,
        i: usize,
        slug: &str,
        partner: &str,
        pending: bool,
    ) {
        let now = self.lic.now();
        let id = self.lic.next_activation_id;
        self.lic.next_activation_id += 1;
        let site = &self.sites[i];
        let a = Activation {
            id,
            partner: partner.to_string(),
            blog_id: site.blog_id,
            user_id: None,
            product: slug.to_string(),
            created_on: now,
            activated_on: (!pending).then_some(now),
            cancelled_on: None,
            site_url: site_url(site),
            site_name: site_name(&site.suffix),
        };
        self.lic.push_entry(Entry { a, site: Some(i) });
    }

    /// `slug` left site `i` (cancel, revoke, detach, replaced).
    pub(super) fn activation_ended(&mut self, i: usize, slug: &str) {
        let now = self.lic.now();
        if let Some(n) = self.lic.live.remove(&(i, slug.to_string())) {
            self.lic.ledger[n].a.cancelled_on = Some(now);
            self.lic.version += 1;
        }
    }

    /// Site `i` connected: its pending activations start.
    pub(super) fn site_activated(&mut self, i: usize) {
        let now = self.lic.now();
        // Through the site's products: a connect costs its few products,
        // not the whole ledger.
        for p in &self.sites[i].products {
            if let Some(&n) = self.lic.live.get(&(i, p.slug.clone())) {
                let a = &mut self.lic.ledger[n].a;
                if a.activated_on.is_none() {
                    a.activated_on = Some(now);
                }
            }
        }
        self.lic.version += 1;
    }

    pub(super) fn activation_pending(&mut self, i: usize, slug: &str, pending: bool) {
        let now = self.lic.now();
        if let Some(&n) = self.lic.live.get(&(i, slug.to_string())) {
            let a = &mut self.lic.ledger[n].a;
            a.activated_on = if pending { None } else { Some(now) };
            self.lic.version += 1;
        }
    }

    /// Site `i` got another blog id: its activations follow.
    pub(super) fn blog_id_changed(&mut self, i: usize) {
        let blog_id = self.sites[i].blog_id;
        for e in self.lic.ledger.iter_mut().filter(|e| e.site == Some(i)) {
            e.a.blog_id = blog_id;
        }
        self.lic.version += 1;
    }

    fn plant(
        &mut self,
        partner: &str,
        site_url: &str,
        product: &str,
        created: u64,
        activated: Option<u64>,
    ) -> u64 {
        assert!(
            product_id(product).is_some(),
            "plant_activation: no product {product:?}"
        );
        let suffix = site_suffix(site_url);
        let blog_id = match self.find_suffix(&suffix) {
            Some(i) => self.sites[i].blog_id,
            None => {
                let id = self.next_blog_id;
                self.next_blog_id += 1;
                id
            }
        };
        let id = self.lic.next_activation_id;
        self.lic.next_activation_id += 1;
        let a = Activation {
            id,
            partner: partner.to_string(),
            blog_id,
            user_id: None,
            product: product.to_string(),
            created_on: created,
            activated_on: activated,
            cancelled_on: None,
            site_url: site_url.to_string(),
            site_name: site_name(&suffix),
        };
        self.lic.push_entry(Entry { a, site: None });
        id
    }

    // ------------------------------------------------------------ serving

    /// The answer to a licensing or reporting request; `None` for any
    /// other path.
    pub(super) fn licensing_reply(&mut self, r: &Recorded) -> Option<Reply> {
        let (licensing, rest) = match (
            r.path.strip_prefix(LICENSING),
            r.path.strip_prefix(REPORTING),
        ) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => return None,
        };
        let segments: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = r.method.as_str();
        let endpoint = if licensing {
            licensing_endpoint(method, &parts)
        } else {
            match (method, parts.as_slice()) {
                ("GET", [_, "key", _, "activations"]) => "activations",
                _ => "",
            }
        };
        let request_id = licensing.then(|| self.lic.next_request_id(self.salt));
        let mut reply = match self.lic.take_fault(endpoint) {
            Some(fault) => fault_reply(&fault),
            None => {
                let (status, body) = if licensing {
                    self.licensing(r, endpoint, &parts)
                } else {
                    self.reporting(r, &parts)
                };
                Out::json(status, body)
            }
        };
        if let Some(id) = &request_id {
            reply
                .headers
                .push(("X-Jetpack-Request-Id".into(), id.clone()));
        }
        self.lic.exchanges.push(Exchange {
            seq: r.seq,
            method: r.method.clone(),
            path: r.path.clone(),
            query: r.query.clone(),
            status: reply.status,
            request_id,
            code: reply.code.clone(),
        });
        Some(reply.into_reply())
    }

    fn licensing(&mut self, r: &Recorded, endpoint: &str, parts: &[&str]) -> (u16, Value) {
        match endpoint {
            "" => return no_route(),
            "product-families" => return (200, product_families(false)),
            _ => {}
        }
        let token = bearer(r);
        let partner = match self.token_kind(token) {
            _ if token.is_empty() => return not_logged_in(),
            None => return invalid_token(),
            Some((Kind::Reporting, _)) => {
                return rest_error(
                    403,
                    "invalid_scope",
                    "This is a WordPress.com user token (the reporting token); the Jetpack \
                     Licensing API needs the licensing token Jetpack gave the partner, or the \
                     partner's jetpack-partner token.",
                )
            }
            Some((_, partner)) => partner,
        };
        let p = Params::of(r);
        match (endpoint, parts) {
            ("issue", _) => self.issue_answer(token, &partner, &p),
            ("show", _) => self
                .owned(token, &p.key())
                .map_or_else(|e| e, |k| (200, self.license_json(&self.lic.licenses[k]))),
            ("revoke", _) => self.revoke_answer(token, &p),
            ("attach", [_, key, _]) => self.attach_answer(token, key, &p),
            ("detach", [_, key, _]) => self.detach_answer(token, key, &p),
            ("list", _) => self.list_answer(token, &p),
            ("counts", _) => self.counts_answer(token),
            ("partner-product-families", _) => (200, product_families(true)),
            ("site-connection", _) => self.connect_answer(&p),
            _ => no_route(),
        }
    }

    /// License `key` if `token` issued it; 404 otherwise (unknown or
    /// another token's: the same answer, nothing leaks).
    fn owned(&self, token: &str, key: &Option<String>) -> Result<usize, (u16, Value)> {
        let Some(key) = key.as_deref().filter(|k| !k.trim().is_empty()) else {
            return Err(missing("license_key"));
        };
        self.lic
            .by_key
            .get(key.trim())
            .copied()
            .filter(|&k| self.lic.licenses[k].token == token)
            .ok_or_else(|| rest_error(404, "license_not_found", "License not found."))
    }

    fn issue_answer(&mut self, token: &str, partner: &str, p: &Params) -> (u16, Value) {
        let Some(product) = p.string("product").filter(|s| !s.trim().is_empty()) else {
            return missing("product");
        };
        if product_id(&product).is_none() {
            return rest_error(
                400,
                "invalid_product",
                &format!("Invalid product: {product}."),
            );
        }
        let k = self.issue(token, partner, &product);
        self.changed();
        (200, self.license_json(&self.lic.licenses[k]))
    }

    fn revoke_answer(&mut self, token: &str, p: &Params) -> (u16, Value) {
        let k = match self.owned(token, &p.key()) {
            Ok(k) => k,
            Err(e) => return e,
        };
        if self.lic.licenses[k].revoked_at.is_some() {
            return rest_error(400, "already_revoked", "The license is already revoked.");
        }
        self.unprovision(k);
        self.lic.licenses[k].revoked_at = Some(self.lic.now());
        self.changed();
        (200, self.license_json(&self.lic.licenses[k]))
    }

    fn attach_answer(&mut self, token: &str, key: &str, p: &Params) -> (u16, Value) {
        let k = match self.owned(token, &Some(key.to_string())) {
            Ok(k) => k,
            Err(e) => return e,
        };
        if self.lic.licenses[k].revoked_at.is_some() {
            return revoked();
        }
        let site = match p.get("site") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if !s.trim().is_empty() => s,
            Some(_) => return invalid_param("site", "site must be a blog id or a URL."),
            None => return missing("site"),
        };
        let found = match blog_id_of(&site) {
            Some(id) => self.find_blog(id),
            None => self.find_suffix(&normalise(&site)),
        };
        let Some(i) = found else {
            return rest_error(
                400,
                "invalid_site",
                &format!("No Jetpack site matches {site}."),
            );
        };
        match self.license_site(&self.lic.licenses[k]) {
            Some(j) if j == i => {}
            Some(_) => {
                return rest_error(
                    400,
                    "already_attached",
                    "The license is attached to another site; detach it first.",
                )
            }
            None => {
                self.attach(k, i);
                self.changed();
            }
        }
        (200, self.license_json(&self.lic.licenses[k]))
    }

    fn detach_answer(&mut self, token: &str, key: &str, p: &Params) -> (u16, Value) {
        let k = match self.owned(token, &Some(key.to_string())) {
            Ok(k) => k,
            Err(e) => return e,
        };
        if self.lic.licenses[k].revoked_at.is_some() {
            return revoked();
        }
        let email = match p.string("cancellation_email").as_deref().map(str::trim) {
            None | Some("1" | "true") => true,
            Some("0" | "false") => false,
            Some(_) => {
                return invalid_param(
                    "cancellation_email",
                    "cancellation_email is not of type integer.",
                )
            }
        };
        let Some(blog_id) = self.lic.licenses[k].blog_id else {
            return rest_error(
                400,
                "not_attached",
                "The license is not attached to a site.",
            );
        };
        self.unprovision(k);
        let l = &mut self.lic.licenses[k];
        l.blog_id = None;
        l.attached_at = None;
        let license_key = l.key.clone();
        self.lic.detachments.push(Detachment {
            license_key,
            blog_id,
            email,
        });
        self.changed();
        (200, self.license_json(&self.lic.licenses[k]))
    }

    fn list_answer(&self, token: &str, p: &Params) -> (u16, Value) {
        let page = match p.number("page", 1, 1, u64::MAX) {
            Ok(n) => n,
            Err(e) => return e,
        };
        let per_page = match p.number("per_page", LICENSES_PER_PAGE, 1, MAX_PER_PAGE) {
            Ok(n) => n,
            Err(e) => return e,
        };
        let filter = p.string("filter").unwrap_or_default();
        let keep: fn(&License) -> bool =
            match filter.as_str() {
                "" | "standard" => |_| true,
                "not_revoked" => |l| l.revoked_at.is_none(),
                "revoked" => |l| l.revoked_at.is_some(),
                "attached" => |l| l.revoked_at.is_none() && l.blog_id.is_some(),
                "detached" => |l| l.revoked_at.is_none() && l.blog_id.is_none(),
                _ => return invalid_param(
                    "filter",
                    "filter is not one of not_revoked, detached, attached, revoked and standard.",
                ),
            };
        let field = p.string("sort_field").unwrap_or_else(|| "issued_at".into());
        let date: fn(&License) -> Option<u64> = match field.as_str() {
            "issued_at" => |l| Some(l.issued_at),
            "attached_at" => |l| l.attached_at,
            "revoked_at" => |l| l.revoked_at,
            _ => {
                return invalid_param(
                    "sort_field",
                    "sort_field is not one of issued_at, attached_at and revoked_at.",
                )
            }
        };
        let desc = match p.string("sort_direction").as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(_) => {
                return invalid_param(
                    "sort_direction",
                    "sort_direction is not one of asc and desc.",
                )
            }
        };
        let search = p.string("search").unwrap_or_default().to_lowercase();
        let matches = |l: &License| {
            search.is_empty()
                || l.key.to_lowercase().contains(&search)
                || self
                    .license_site(l)
                    .is_some_and(|i| site_url(&self.sites[i]).to_lowercase().contains(&search))
        };
        let mut list: Vec<&License> = self
            .lic
            .licenses
            .iter()
            .filter(|l| l.token == token && keep(l) && matches(l))
            .collect();
        // Issued in id order: a sort by issued_at finds one run.
        list.sort_by_key(|l| (date(l), l.id));
        if desc {
            list.reverse();
        }
        let total = list.len() as u64;
        let mut total_pages = total.div_ceil(per_page);
        let mut shown = page;
        if self.lic.endless_licenses {
            total_pages = page + 1;
            shown = page.min(total.div_ceil(per_page).max(1));
        }
        // Only the page shown is written out.
        let items: Vec<Value> = list
            .into_iter()
            .skip(((shown - 1).saturating_mul(per_page)) as usize)
            .take(per_page as usize)
            .map(|l| self.license_json(l))
            .collect();
        (
            200,
            json!({
                "current_items": items.len(),
                "current_page": page,
                "items": items,
                "items_per_page": per_page,
                "total_items": total,
                "total_pages": total_pages,
            }),
        )
    }

    fn counts_answer(&self, token: &str) -> (u16, Value) {
        let mine = || self.lic.licenses.iter().filter(|l| l.token == token);
        let revoked = mine().filter(|l| l.revoked_at.is_some()).count();
        let attached = mine()
            .filter(|l| l.revoked_at.is_none() && l.blog_id.is_some())
            .count();
        let not_revoked = mine().count() - revoked;
        (
            200,
            json!({
                "attached": attached,
                "detached": not_revoked - attached,
                "revoked": revoked,
                "not_revoked": not_revoked,
            }),
        )
    }

    fn connect_answer(&mut self, p: &Params) -> (u16, Value) {
        let Some(url) = p.string("url").filter(|u| !u.trim().is_empty()) else {
            return missing("url");
        };
        let user = p.string("local_user").filter(|u| !u.trim().is_empty());
        if user.is_none() {
            return missing("local_user");
        }
        let url = url.trim();
        let scheme_ok = ["http://", "https://"]
            .iter()
            .any(|s| url.len() > s.len() && url[..s.len()].eq_ignore_ascii_case(s));
        let suffix = site_suffix(url);
        if !scheme_ok || suffix.is_empty() {
            return invalid_param("url", "url is not a valid URL (with http:// or https://).");
        }
        let (i, code) = match self.find_suffix(&suffix) {
            Some(i) if self.sites[i].previously_connected => (i, "previously_connected"),
            Some(i) if self.sites[i].connected => (i, "already_connected"),
            Some(i) => {
                self.connect(i);
                (i, "success")
            }
            None => (self.new_site(&suffix, None), "success"),
        };
        if code == "success" {
            self.sites[i].url = Some(url.to_string());
            self.changed();
        }
        let blog_id = self.sites[i].blog_id;
        let blog_id = if self.lic.blog_id_as_string {
            Value::from(blog_id.to_string())
        } else {
            Value::from(blog_id)
        };
        (200, json!({"code": code, "blog_id": blog_id}))
    }

    // ---------------------------------------------------------- reporting

    fn reporting(&mut self, r: &Recorded, parts: &[&str]) -> (u16, Value) {
        let &[partner_id, "key", key_id, "activations"] = parts else {
            return no_route();
        };
        if r.method != "GET" {
            return no_route();
        }
        let token = bearer(r);
        let partner = match self.token_kind(token) {
            _ if token.is_empty() => return not_logged_in(),
            None => return invalid_token(),
            Some((Kind::Reporting, partner)) => partner,
            Some(_) => {
                return rest_error(
                    403,
                    "invalid_scope",
                    "This is a partner or licensing token; partner reports need the \
                     WordPress.com user token (scope global) of the partner's user.",
                )
            }
        };
        if partner != partner_id {
            return rest_error(
                403,
                "rest_forbidden",
                "Sorry, you are not allowed to do that.",
            );
        }
        let key = self
            .partner_by_id(&partner)
            .map(|p| self.partners[p].key_id);
        if key.is_none_or(|k| key_id.parse::<u64>().ok() != Some(k)) {
            return rest_error(
                404,
                "invalid_key",
                &format!("Partner {partner_id} has no key {key_id}."),
            );
        }
        let key_id = key.unwrap_or(0);
        let p = Params::of(r);
        let page = match p.number("page", 1, 1, u64::MAX) {
            Ok(n) => n,
            Err(e) => return e,
        };
        let per_page = match p.number("per_page", ACTIVATIONS_PER_PAGE, 1, MAX_PER_PAGE) {
            Ok(n) => n,
            Err(e) => return e,
        };
        let filters = match ReportFilter::of(r) {
            Ok(f) => f,
            Err(e) => return e,
        };
        if !filters.is_empty() {
            self.filter_activations(&partner, &filters);
        }
        let list: &[usize] = if filters.is_empty() {
            self.lic.by_partner.get(&partner).map_or(&[], Vec::as_slice)
        } else {
            self.lic
                .filtered
                .as_ref()
                .map_or(&[], |(_, _, l)| l.as_slice())
        };
        let total = list.len() as u64;
        let mut shown = page;
        let mut said_total = total;
        if self.lic.endless_activations {
            said_total = (page + 1) * per_page;
            shown = page.min(total.div_ceil(per_page).max(1));
        }
        let start = ((shown - 1).saturating_mul(per_page)).min(total) as usize;
        let end = (start + per_page as usize).min(list.len());
        let activations: Vec<Value> = list[start..end]
            .iter()
            .map(|&n| self.activation_json(&self.lic.ledger[n].a, key_id))
            .collect();
        (
            200,
            json!({"total": said_total, "activations": activations}),
        )
    }

    /// Makes `lic.filtered` the ledger indexes of `partner` passing
    /// `filters`, unless it already is: paging through a filtered report
    /// filters once.
    fn filter_activations(&mut self, partner: &str, filters: &ReportFilter) {
        let key = format!("{partner}\n{filters:?}");
        let fresh = self
            .lic
            .filtered
            .as_ref()
            .is_some_and(|(k, v, _)| *k == key && *v == self.lic.version);
        if fresh {
            return;
        }
        let list: Vec<usize> = self
            .lic
            .by_partner
            .get(partner)
            .map(|l| {
                l.iter()
                    .copied()
                    .filter(|&n| filters.keeps(&self.lic.ledger[n].a))
                    .collect()
            })
            .unwrap_or_default();
        self.lic.filtered = Some((key, self.lic.version, list));
    }

    fn activation_json(&self, a: &Activation, key_id: u64) -> Value {
        let lic = &self.lic;
        let product = product_id(&a.product);
        json!({
            "id": a.id,
            "jetpack_partner_key_id": key_id,
            "wpcom_blog_id": a.blog_id,
            "wpcom_user_id": a.user_id,
            "external_user_id": null,
            "product_id": product,
            "current_product_id": product,
            "created_on": lic.date(a.created_on),
            "activated_on": lic.opt_date(a.activated_on),
            "cancelled_on": lic.opt_date(a.cancelled_on),
            "disputed_on": null,
            "site_registered": lic.date(a.created_on),
            "site_url": a.site_url,
            "site_name": a.site_name,
            "site_icon": null,
        })
    }
}

/// Which licensing endpoint `method` + segments is; `""` for none.
fn licensing_endpoint(method: &str, parts: &[&str]) -> &'static str {
    match (method, parts) {
        ("POST", ["license"]) => "issue",
        ("GET", ["license"]) => "show",
        ("DELETE", ["license"]) => "revoke",
        ("POST", ["license", _, "site"]) => "attach",
        ("DELETE", ["license", _, "site"]) => "detach",
        ("GET", ["licenses"]) => "list",
        ("GET", ["licenses", "counts"]) => "counts",
        ("GET", ["product-families"]) => "product-families",
        ("GET", ["partner", "product-families"]) => "partner-product-families",
        ("POST", ["site-connection"]) => "site-connection",
        _ => "",
    }
}

fn product_families(prices: bool) -> Value {
    let families: Vec<Value> = FAMILIES
        .iter()
        .map(|(slug, name, products)| {
            let products: Vec<Value> = products
                .iter()
                .map(|(s, n, price)| {
                    let mut p = json!({"product_id": product_id(s), "name": n, "slug": s});
                    if prices {
                        p["currency"] = "USD".into();
                        p["amount"] = (*price).into();
                        p["price_interval"] = "month".into();
                    }
                    p
                })
                .collect();
            json!({"name": name, "slug": slug, "products": products})
        })
        .collect();
    Value::Array(families)
}

fn site_url(site: &Site) -> String {
    site.url.clone().unwrap_or_else(|| {
        let mut parts = site.suffix.split("::");
        let host = parts.next().unwrap_or("");
        let path: Vec<&str> = parts.collect();
        if path.is_empty() {
            format!("https://{host}")
        } else {
            format!("https://{host}/{}", path.join("/"))
        }
    })
}

fn site_name(suffix: &str) -> String {
    suffix.split("::").next().unwrap_or("").to_string()
}

/// 25 random letters and digits.
fn random_key(salt: u64, id: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(25);
    let mut n = 0u64;
    while out.len() < 25 {
        let mut h = RandomState::new().hash_one((salt, id, n));
        n += 1;
        for _ in 0..10 {
            if out.len() == 25 {
                break;
            }
            out.push(ALPHABET[(h % 62) as usize] as char);
            h /= 62;
        }
    }
    out
}

fn bearer(r: &Recorded) -> &str {
    let header = r.header("authorization").unwrap_or("").trim();
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    }
}

// ----------------------------------------------------------------- errors

fn rest_error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({"code": code, "message": message, "data": {"status": status}}),
    )
}

fn no_route() -> (u16, Value) {
    rest_error(
        404,
        "rest_no_route",
        "No route was found matching the URL and request method.",
    )
}

fn not_logged_in() -> (u16, Value) {
    rest_error(
        401,
        "rest_forbidden",
        "Sorry, you are not allowed to do that.",
    )
}

fn invalid_token() -> (u16, Value) {
    rest_error(403, "invalid_token", "The OAuth2 token is invalid.")
}

fn revoked() -> (u16, Value) {
    rest_error(
        400,
        "license_revoked",
        "The license has been revoked; it can no longer be attached or detached.",
    )
}

fn missing(name: &str) -> (u16, Value) {
    (
        400,
        json!({
            "code": "rest_missing_callback_param",
            "message": format!("Missing parameter(s): {name}"),
            "data": {"status": 400, "params": [name]},
        }),
    )
}

fn invalid_param(name: &str, why: &str) -> (u16, Value) {
    (
        400,
        json!({
            "code": "rest_invalid_param",
            "message": format!("Invalid parameter(s): {name}"),
            "data": {"status": 400, "params": {name: why}},
        }),
    )
}

/// An answer before it becomes a [`Reply`].
struct Out {
    status: u16,
    content_type: &'static str,
    body: String,
    headers: Vec<(String, String)>,
    code: Option<String>,
}

impl Out {
    fn json(status: u16, body: Value) -> Out {
        let code = (status >= 400)
            .then(|| body["code"].as_str().map(str::to_string))
            .flatten();
        Out {
            status,
            content_type: "application/json",
            body: body.to_string(),
            headers: Vec::new(),
            code,
        }
    }

    fn into_reply(self) -> Reply {
        self.headers.iter().fold(
            Reply::text(self.status, self.content_type, &self.body),
            |reply, (name, value)| reply.header(name, value),
        )
    }
}

fn fault_reply(fault: &Fault) -> Out {
    match fault {
        Fault::RetryAfter { status, seconds } => {
            let (code, message) = if *status == 429 {
                ("rate_limit_exceeded", "Too many requests; slow down.")
            } else {
                (
                    "service_unavailable",
                    "The service is temporarily unavailable.",
                )
            };
            let (status, body) = rest_error(*status, code, message);
            let mut out = Out::json(status, body);
            out.headers
                .push(("Retry-After".into(), seconds.to_string()));
            out
        }
        Fault::Html500 => Out {
            status: 500,
            content_type: "text/html; charset=UTF-8",
            body: "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n\
                   <body><h1>Internal Server Error</h1><p>The server encountered an internal \
                   error and was unable to complete your request.</p></body></html>\n"
                .to_string(),
            headers: Vec::new(),
            code: None,
        },
        Fault::Error {
            status,
            code,
            message,
        } => {
            let (status, body) = rest_error(*status, code, message);
            Out::json(status, body)
        }
    }
}

// ------------------------------------------------------------- parameters

/// Request parameters as WP REST reads them: JSON body (with a JSON
/// content type), else a urlencoded or multipart form, then the query.
struct Params<'a> {
    json: Option<Map<String, Value>>,
    form: Vec<(String, String)>,
    query: &'a [(String, String)],
}

impl<'a> Params<'a> {
    fn of(r: &'a Recorded) -> Params<'a> {
        let content_type = r.header("content-type").unwrap_or("").to_ascii_lowercase();
        let mut params = Params {
            json: None,
            form: Vec::new(),
            query: &r.query_pairs,
        };
        if content_type.starts_with("application/json") {
            if let Ok(Value::Object(map)) = serde_json::from_slice(&r.body) {
                params.json = Some(map);
            }
        } else if content_type.starts_with("multipart/form-data") {
            params.form = multipart(r).unwrap_or_default();
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            params.form = r.form.clone();
        }
        params
    }

    fn get(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.json.as_ref().and_then(|m| m.get(name)) {
            return Some(v.clone());
        }
        self.form
            .iter()
            .chain(self.query)
            .find(|(k, _)| k == name)
            .map(|(_, v)| Value::from(v.as_str()))
    }

    /// A string or number parameter as text.
    fn string(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn key(&self) -> Option<String> {
        self.string("license_key")
    }

    /// A whole number in `min..=max`, `default` when absent.
    fn number(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64, (u16, Value)> {
        let Some(text) = self.string(name) else {
            return Ok(default);
        };
        let range = if max == u64::MAX {
            format!("{name} must be greater than or equal to {min}")
        } else {
            format!("{name} must be between {min} (inclusive) and {max} (inclusive)")
        };
        match text.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            Ok(_) => Err(invalid_param(name, &range)),
            Err(_) => Err(invalid_param(
                name,
                &format!("{name} is not of type integer."),
            )),
        }
    }
}

/// The fields of a `multipart/form-data` body (what `curl -F` sends).
fn multipart(r: &Recorded) -> Option<Vec<(String, String)>> {
    let content_type = r.header("content-type")?;
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let body = String::from_utf8_lossy(&r.body);
    let mut fields = Vec::new();
    for part in body.split(&format!("--{boundary}")).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .flat_map(|l| l.split(';'))
            .find_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_string());
        if let Some(name) = name {
            let value = value.strip_suffix("\r\n").unwrap_or(value);
            fields.push((name, value.to_string()));
        }
    }
    Some(fields)
}

/// The reporting endpoint's filters.
#[derive(Debug, Default)]
struct ReportFilter {
    /// Product slugs.
    plans: Vec<String>,
    after: Option<u64>,
    before: Option<u64>,
}

impl ReportFilter {
    fn of(r: &Recorded) -> Result<ReportFilter, (u16, Value)> {
        let mut f = ReportFilter::default();
        for (k, v) in &r.query_pairs {
            let is_plans = k == "plans" || (k.starts_with("plans[") && k.ends_with(']'));
            if !is_plans {
                continue;
            }
            for plan in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let slug = match plan.parse::<u64>() {
                    Ok(id) => product_slug(id),
                    // Store slugs use underscores (jetpack_scan).
                    Err(_) => LICENSING_PRODUCTS
                        .iter()
                        .copied()
                        .find(|s| *s == plan || s.replace('-', "_") == plan),
                };
                match slug {
                    Some(s) => f.plans.push(s.to_string()),
                    None => {
                        return Err(invalid_param(
                            "plans",
                            &format!("{plan} is not a Jetpack product."),
                        ))
                    }
                }
            }
        }
        for (name, slot) in [
            ("activated_after", &mut f.after),
            ("activated_before", &mut f.before),
        ] {
            if let Some(v) = r.query_value(name).filter(|v| !v.trim().is_empty()) {
                *slot =
                    Some(parse_date(v).ok_or_else(|| {
                        invalid_param(name, &format!("{name} is not a valid date."))
                    })?);
            }
        }
        Ok(f)
    }

    fn is_empty(&self) -> bool {
        self.plans.is_empty() && self.after.is_none() && self.before.is_none()
    }

    fn keeps(&self, a: &Activation) -> bool {
        let plan = self.plans.is_empty() || self.plans.contains(&a.product);
        let after = self
            .after
            .is_none_or(|t| a.activated_on.is_some_and(|on| on >= t));
        let before = self
            .before
            .is_none_or(|t| a.activated_on.is_some_and(|on| on <= t));
        plan && after && before
    }
}
