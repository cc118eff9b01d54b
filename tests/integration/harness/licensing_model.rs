//! The partner model's Licensing API, site connection and activations
//! report (`testenv/licensing.rs`) on their own, driven over HTTP with a
//! tiny ureq client, without the binary (whose licensing commands test
//! against this).

use std::collections::BTreeSet;

use crate::testenv::partner::{
    format_date, parse_date, product_id, product_slug, Activation, Detachment, Exchange, Fault,
    License, DAY, DEFAULT_PARTNER_ID, LICENSING_PRODUCTS, PACKS, PRODUCT_IDS,
};
use crate::testenv::{FakeApi, PartnerApi};
use serde_json::{json, Value};

const LICENSE: &str = "/wpcom/v2/jetpack-licensing/license";
const LICENSES: &str = "/wpcom/v2/jetpack-licensing/licenses";
const CONNECT: &str = "/wpcom/v2/jetpack-licensing/site-connection";
const FAMILIES: &str = "/wpcom/v2/jetpack-licensing/product-families";

/// 2024-05-01 12:00:00 UTC.
const MAY_FIRST: u64 = 1_714_564_800;

/// One answer, with the headers the tests look at.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    text: String,
    content_type: String,
    request_id: Option<String>,
    retry_after: Option<String>,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Status and error code, for one-line asserts.
    fn error(&self) -> (u16, &str) {
        (self.status, self.code())
    }
}

enum Body<'a> {
    Empty,
    Json(Value),
    /// JSON text sent without a JSON content type.
    UntypedJson(Value),
    Form(&'a [(&'a str, &'a str)]),
    Multipart(&'a [(&'a str, &'a str)]),
}

struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    fn new(api: &FakeApi) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        Client {
            base: api.base_url(),
            agent,
        }
    }

    fn send(&self, method: &str, path: &str, token: Option<&str>, body: Body) -> Answer {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let with_auth = |mut req: ureq::RequestBuilder<ureq::typestate::WithBody>| {
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req
        };
        let req = match method {
            "GET" | "DELETE" if matches!(body, Body::Empty) => {
                let mut req = if method == "GET" {
                    self.agent.get(&url)
                } else {
                    self.agent.delete(&url)
                };
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                return Self::answer(req.call());
            }
            "POST" => with_auth(self.agent.post(&url)),
            "DELETE" => with_auth(self.agent.delete(&url).force_send_body()),
            _ => panic!("method {method} with a body"),
        };
        let resp = match body {
            Body::Empty => req.send_empty(),
            Body::Json(v) => req
                .header("Content-Type", "application/json")
                .send(v.to_string()),
            Body::UntypedJson(v) => req.send(v.to_string()),
            Body::Form(form) => req.send_form(form.iter().copied()),
            Body::Multipart(fields) => {
                let boundary = "------------------------fake7f3a";
                let mut text = String::new();
                for (name, value) in fields {
                    text.push_str(&format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                    ));
                }
                text.push_str(&format!("--{boundary}--\r\n"));
                req.header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .send(text)
            }
        };
        Self::answer(resp)
    }

    fn answer(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let mut resp = resp.expect("request to the fake api");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("x-jetpack-request-id");
        let retry_after = header("retry-after");
        let content_type = header("content-type").unwrap_or_default();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            text,
            content_type,
            request_id,
            retry_after,
        }
    }

    fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send("GET", path, token, Body::Empty)
    }

    fn issue(&self, token: &str, product: &str) -> Answer {
        self.send(
            "POST",
            LICENSE,
            Some(token),
            Body::Json(json!({ "product": product })),
        )
    }

    /// Issues and returns the key (the answer must be a success).
    fn issue_key(&self, token: &str, product: &str) -> String {
        let a = self.issue(token, product);
        assert_eq!(a.status, 200, "{}", a.text);
        a.body["license_key"].as_str().expect("key").to_string()
    }

    fn show(&self, token: &str, key: &str) -> Answer {
        self.get(&format!("{LICENSE}?license_key={key}"), Some(token))
    }

    fn revoke(&self, token: &str, key: &str) -> Answer {
        let path = format!("{LICENSE}?license_key={key}");
        self.send("DELETE", &path, Some(token), Body::Empty)
    }

    fn attach(&self, token: &str, key: &str, site: Value) -> Answer {
        let path = format!("{LICENSE}/{key}/site");
        self.send(
            "POST",
            &path,
            Some(token),
            Body::Json(json!({ "site": site })),
        )
    }

    fn detach(&self, token: &str, key: &str, query: &str) -> Answer {
        let path = format!("{LICENSE}/{key}/site{query}");
        self.send("DELETE", &path, Some(token), Body::Empty)
    }

    fn status(&self, token: &str, site: &str) -> Value {
        let a = self.get(&format!("/rest/v1.4/jpphp/{site}/status"), Some(token));
        assert_eq!(a.status, 200, "{}", a.text);
        a.body
    }

    fn activations(&self, token: &str, partner: &str, key_id: u64, query: &str) -> Answer {
        let path = format!("/wpcom/v2/jetpack-partners/{partner}/key/{key_id}/activations{query}");
        self.get(&path, Some(token))
    }
}

/// A fake API serving a fresh model with partners A and B besides the
/// default one; the model's clock pinned at [`MAY_FIRST`].
fn setup() -> (FakeApi, PartnerApi, Client) {
    let api = FakeApi::start();
    let partner = PartnerApi::new();
    partner.partner("A", "secret-a").partner("B", "secret-b");
    partner.set_now(Some(MAY_FIRST));
    partner.install(&api);
    let client = Client::new(&api);
    (api, partner, client)
}

fn token(partner: &PartnerApi, id: &str) -> String {
    partner.token_of(id).expect("partner token")
}

/// `(slug, is_provisioned_by_calling_partner, is_pending)` of a v1.4 status.
fn products(status: &Value) -> Vec<(String, bool, bool)> {
    status["products"]
        .as_array()
        .expect("products")
        .iter()
        .map(|p| {
            (
                p["slug"].as_str().unwrap_or("").to_string(),
                p["is_provisioned_by_calling_partner"] == true,
                p["is_pending"] == true,
            )
        })
        .collect()
}

#[test]
fn dates_are_the_apis_format_and_parse_leniently() {
    assert_eq!(format_date(0), "1970-01-01 00:00:00");
    assert_eq!(format_date(MAY_FIRST), "2024-05-01 12:00:00");
    assert_eq!(format_date(951_782_400 + 3_661), "2000-02-29 01:01:01");
    for text in [
        "2024-05-01 12:00:00",
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00.123+00:00",
        "2024-05-01T14:00:00+02:00",
        "2024-05-01T07:00:00-0500",
        "2024-05-01 12:00",
    ] {
        assert_eq!(parse_date(text), Some(MAY_FIRST), "{text}");
    }
    assert_eq!(parse_date("2024-05-01"), Some(MAY_FIRST - 12 * 3600));
    for bad in [
        "",
        "yesterday",
        "2024-13-01",
        "2024-05-01X",
        "2024-05-01T25:00:00",
        "1714564800",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn issue_and_show_per_token_with_request_ids() {
    let (api, partner, c) = setup();
    let a = token(&partner, "A");
    let lic = partner.licensing_token("A");
    assert_ne!(a, lic);

    let issued = c.issue(&a, "jetpack-scan");
    assert_eq!(issued.status, 200, "{}", issued.text);
    let key = issued.body["license_key"]
        .as_str()
        .expect("key")
        .to_string();
    let (prefix, random) = key.split_once('_').expect("product_random");
    assert_eq!(prefix, "jetpack-scan");
    assert_eq!(random.len(), 25);
    assert!(random.bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
    assert_eq!(
        issued.body,
        json!({
            "license_id": issued.body["license_id"],
            "license_key": key,
            "product_id": 2106,
            "product": "Jetpack Scan Daily",
            "user_id": null,
            "username": null,
            "blog_id": null,
            "siteurl": null,
            "has_downloads": false,
            "issued_at": "2024-05-01 12:00:00",
            "attached_at": null,
            "revoked_at": null,
            "owner_type": "jetpack_partner_key",
            "quantity": 1,
            "parent_license_id": null,
            "referral": null,
        })
    );
    assert!(issued.body["license_id"].is_u64());

    // The docs' and WHMCS's form: `?product=` and an empty body.
    let path = format!("{LICENSE}?product=jetpack-anti-spam");
    let second = c.send("POST", &path, Some(&lic), Body::Empty);
    assert_eq!(second.status, 200, "{}", second.text);
    let key2 = second.body["license_key"].as_str().unwrap().to_string();
    assert!(key2.starts_with("jetpack-anti-spam_"), "{key2}");
    assert_ne!(second.body["license_id"], issued.body["license_id"]);

    // Each token sees its own licenses only; the other's is as unknown.
    assert_eq!(c.show(&a, &key).body, issued.body);
    assert_eq!(c.show(&lic, &key).error(), (404, "license_not_found"));
    assert_eq!(c.show(&a, &key2).error(), (404, "license_not_found"));
    assert_eq!(c.show(&lic, &key2).body, second.body);
    let b = token(&partner, "B");
    assert_eq!(c.show(&b, &key).error(), (404, "license_not_found"));
    assert_eq!(c.show(&a, "nope_x").error(), (404, "license_not_found"));
    let no_key = c.get(LICENSE, Some(&a));
    assert_eq!(no_key.error(), (400, "rest_missing_callback_param"));
    assert_eq!(
        no_key.body["data"],
        json!({"status": 400, "params": ["license_key"]})
    );

    let licenses: Vec<License> = partner.licenses();
    assert_eq!(licenses.len(), 2);
    assert_eq!(licenses[0].key, key);
    assert_eq!(licenses[0].partner, "A");
    assert_eq!(licenses[0].token, a);
    assert_eq!(licenses[0].issued_at, MAY_FIRST);
    assert_eq!(licenses[1].token, lic);
    assert_eq!(
        partner.license(&key2).map(|l| l.product),
        Some("jetpack-anti-spam".into())
    );

    // Every licensing answer has its own request id, recorded per request.
    let requests = api.requests();
    let exchanges: Vec<Exchange> = partner.exchanges();
    assert_eq!(exchanges.len(), requests.len());
    let mut ids = BTreeSet::new();
    for (r, e) in requests.iter().zip(&exchanges) {
        assert_eq!(
            (e.seq, &e.method, &e.path, &e.query),
            (r.seq, &r.method, &r.path, &r.query)
        );
        let id = e.request_id.clone().expect("a request id");
        assert_eq!(partner.request_id_of(r), Some(id.clone()));
        assert!(ids.insert(id), "ids are unique");
    }
    assert_eq!(
        c.show(&a, &key).request_id,
        partner
            .exchanges()
            .last()
            .and_then(|e| e.request_id.clone())
    );
    let failed = partner.exchanges()[4].clone();
    assert_eq!(
        (failed.status, failed.code.as_deref()),
        (404, Some("license_not_found"))
    );
}

#[test]
fn products_and_bad_input() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");

    // No token needed; every licensing slug, ids as PRODUCT_IDS.
    let families = c.get(FAMILIES, None);
    assert_eq!(families.status, 200, "{}", families.text);
    assert!(families.request_id.is_some());
    let listed: Vec<(String, u64)> = families
        .body
        .as_array()
        .expect("families")
        .iter()
        .inspect(|f| assert!(f["name"].is_string() && f["slug"].is_string(), "{f}"))
        .flat_map(|f| f["products"].as_array().expect("products").clone())
        .map(|p| {
            assert!(p["name"].is_string(), "{p}");
            (
                p["slug"].as_str().unwrap().to_string(),
                p["product_id"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut expected: Vec<(String, u64)> = PRODUCT_IDS
        .iter()
        .map(|(s, i)| (s.to_string(), *i))
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(LICENSING_PRODUCTS.len(), PRODUCT_IDS.len());
    assert_eq!(product_id("jetpack-complete"), Some(2014));
    assert_eq!(product_slug(2100), Some("jetpack-backup-daily"));
    assert_eq!(product_slug(1), None);
    // Prices need the partner's token.
    let priced = c.get(
        "/wpcom/v2/jetpack-licensing/partner/product-families",
        Some(&a),
    );
    assert_eq!(priced.body[0]["products"][1]["currency"], "USD");
    assert!(priced.body[0]["products"][1]["amount"].is_f64());
    let anonymous = c.get("/wpcom/v2/jetpack-licensing/partner/product-families", None);
    assert_eq!(anonymous.error(), (401, "rest_forbidden"));

    let bad = c.issue(&a, "jetpack-nothing");
    assert_eq!(bad.error(), (400, "invalid_product"));
    assert_eq!(bad.body["data"]["status"], 400);
    assert!(bad.request_id.is_some());
    let empty = c.send("POST", LICENSE, Some(&a), Body::Empty);
    assert_eq!(empty.error(), (400, "rest_missing_callback_param"));
    // WP REST reads a JSON body only with a JSON content type.
    let untyped = c.send(
        "POST",
        LICENSE,
        Some(&a),
        Body::UntypedJson(json!({"product": "jetpack-scan"})),
    );
    assert_eq!(untyped.error(), (400, "rest_missing_callback_param"));
    let form = c.send(
        "POST",
        LICENSE,
        Some(&a),
        Body::Form(&[("product", "premium")]),
    );
    assert_eq!(form.status, 200, "{}", form.text);
    // Packs are licensed, never provisioned through jpphp.
    for pack in PACKS {
        assert_eq!(c.issue(&a, pack).status, 200);
    }
    let unknown = c.get("/wpcom/v2/jetpack-licensing/nothing", Some(&a));
    assert_eq!(unknown.error(), (404, "rest_no_route"));
    assert!(unknown.request_id.is_some());
}

#[test]
fn tokens_of_the_wrong_kind_are_refused() {
    let (_api, partner, c) = setup();
    let user = partner.reporting_token("A");
    let lic = partner.licensing_token("A");
    let a = token(&partner, "A");
    let key_id = partner.key_id_of("A").expect("key id");

    let refused = c.issue(&user, "jetpack-scan");
    assert_eq!(refused.error(), (403, "invalid_scope"));
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("licensing token"),
        "{}",
        refused.text
    );
    assert!(refused.request_id.is_some());
    assert_eq!(
        c.issue("made-up", "jetpack-scan").error(),
        (403, "invalid_token")
    );
    let none = c.send(
        "POST",
        LICENSE,
        None,
        Body::Json(json!({"product": "free"})),
    );
    assert_eq!(none.error(), (401, "rest_forbidden"));
    assert!(partner.licenses().is_empty());

    // The report takes only the user token of the partner it names.
    for other in [&a, &lic] {
        let r = c.activations(other, "A", key_id, "");
        assert_eq!(r.error(), (403, "invalid_scope"));
        assert!(
            r.body["message"].as_str().unwrap().contains("user token"),
            "{}",
            r.text
        );
        assert_eq!(r.request_id, None, "reporting answers carry no request id");
    }
    assert_eq!(c.activations(&user, "A", key_id, "").status, 200);
    assert_eq!(
        c.activations(&user, "B", key_id, "").error(),
        (403, "rest_forbidden")
    );
    assert_eq!(
        c.activations(&user, "A", key_id + 100, "").error(),
        (404, "invalid_key")
    );
    assert_eq!(
        c.activations("made-up", "A", key_id, "").error(),
        (403, "invalid_token")
    );

    // Neither is a jetpack-partner token for the jpphp endpoints.
    for other in [&user, &lic] {
        let r = c.get("/rest/v1.4/jpphp/x.test/status", Some(other));
        assert_eq!(
            (r.status, r.body["error"].as_str()),
            (403, Some("invalid_scope"))
        );
    }
}

#[test]
fn attach_gives_the_product_and_revoke_takes_it_away() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");
    let b = token(&partner, "B");
    let lic = partner.licensing_token("A");
    let blog = partner.seed("https://shop.test/store", None, &[]);
    partner.seed("other.test", None, &[]);

    let key = c.issue_key(&lic, "jetpack-backup-daily");
    let attached = c.attach(&lic, &key, json!(blog));
    assert_eq!(attached.status, 200, "{}", attached.text);
    assert_eq!(attached.body["blog_id"], blog);
    assert_eq!(attached.body["siteurl"], "https://shop.test/store");
    assert_eq!(attached.body["attached_at"], "2024-05-01 12:00:00");
    assert_eq!(partner.license(&key).and_then(|l| l.blog_id), Some(blog));
    // Status: A's product (whichever of A's tokens issued it), not B's.
    let mine = ("jetpack-backup-daily".to_string(), true, false);
    assert_eq!(products(&c.status(&a, "shop.test::store")), [mine]);
    let theirs = c.status(&b, &blog.to_string());
    assert_eq!(theirs["products"][0]["is_provisioned_by_partner"], true);
    assert_eq!(
        theirs["products"][0]["is_provisioned_by_calling_partner"],
        false
    );

    // Again on the same site (by URL or suffix): nothing changes.
    for site in [
        json!("https://shop.test/store/"),
        json!("shop.test::store"),
        json!(blog.to_string()),
    ] {
        assert_eq!(c.attach(&lic, &key, site).body, attached.body);
    }
    assert_eq!(
        c.attach(&lic, &key, json!("other.test")).error(),
        (400, "already_attached")
    );
    assert_eq!(
        c.attach(&lic, &key, json!(999_999)).error(),
        (400, "invalid_site")
    );
    assert_eq!(
        c.attach(&a, &key, json!(blog)).error(),
        (404, "license_not_found")
    );
    let no_site = c.send(
        "POST",
        &format!("{LICENSE}/{key}/site"),
        Some(&lic),
        Body::Json(json!({})),
    );
    assert_eq!(no_site.error(), (400, "rest_missing_callback_param"));

    // A site not connected gets it pending, active once it connects.
    partner.set_connected("other.test", false);
    let key2 = c.issue_key(&lic, "jetpack-scan");
    assert_eq!(
        c.attach(&lic, &key2, json!("https://other.test")).status,
        200
    );
    assert_eq!(
        products(&c.status(&a, "other.test")),
        [("jetpack-scan".to_string(), true, true)]
    );
    partner.set_connected("other.test", true);
    assert_eq!(
        products(&c.status(&a, "other.test")),
        [("jetpack-scan".to_string(), true, false)]
    );

    partner.set_now(Some(MAY_FIRST + DAY));
    let revoked = c.revoke(&lic, &key);
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(revoked.body["revoked_at"], "2024-05-02 12:00:00");
    assert_eq!(revoked.body["blog_id"], blog, "kept as a record");
    assert!(products(&c.status(&a, "shop.test::store")).is_empty());
    assert_eq!(c.show(&lic, &key).body["revoked_at"], "2024-05-02 12:00:00");
    assert_eq!(c.revoke(&lic, &key).error(), (400, "already_revoked"));
    assert_eq!(
        c.attach(&lic, &key, json!(blog)).error(),
        (400, "license_revoked")
    );
    assert_eq!(c.detach(&lic, &key, "").error(), (400, "license_revoked"));
    // Calypso sends the key in a JSON body.
    let body = Body::Json(json!({"license_key": key2}));
    assert_eq!(c.send("DELETE", LICENSE, Some(&lic), body).status, 200);
    assert!(partner.slugs("other.test").is_empty());
}

#[test]
fn detach_takes_the_product_off_and_records_the_email() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");
    let staging = partner.seed("staging.test", None, &[]);
    let production = partner.seed("production.test", None, &[]);
    let key = c.issue_key(&a, "premium");
    assert_eq!(c.detach(&a, &key, "").error(), (400, "not_attached"));

    assert_eq!(c.attach(&a, &key, json!(staging)).status, 200);
    let detached = c.detach(&a, &key, "?cancellation_email=0");
    assert_eq!(detached.status, 200, "{}", detached.text);
    assert_eq!(
        (
            &detached.body["blog_id"],
            &detached.body["attached_at"],
            &detached.body["siteurl"]
        ),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert!(partner.slugs("staging.test").is_empty());
    // Moved to production, then detached with the default email.
    assert_eq!(c.attach(&a, &key, json!(production)).status, 200);
    assert_eq!(partner.slugs("production.test"), ["premium"]);
    assert_eq!(c.detach(&a, &key, "").status, 200);
    assert_eq!(
        c.detach(&a, &key, "?cancellation_email=maybe").error().0,
        400
    );
    let detachments: Vec<Detachment> = partner.detachments();
    assert_eq!(detachments.len(), 2);
    assert_eq!(
        (
            detachments[0].license_key.as_str(),
            detachments[0].blog_id,
            detachments[0].email
        ),
        (key.as_str(), staging, false)
    );
    assert_eq!(
        (detachments[1].blog_id, detachments[1].email),
        (production, true)
    );
}

#[test]
fn list_pages_filters_sorts_and_searches() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");
    let lic = partner.licensing_token("A");
    let blog = partner.seed("listed.test", None, &[]);
    let mut keys = Vec::new();
    for (n, product) in LICENSING_PRODUCTS.iter().take(7).enumerate() {
        partner.set_now(Some(MAY_FIRST + n as u64 * 60));
        keys.push(c.issue_key(&a, product));
    }
    c.issue_key(&lic, "free");
    partner.set_now(Some(MAY_FIRST + DAY));
    assert_eq!(c.attach(&a, keys[2].as_str(), json!(blog)).status, 200);
    assert_eq!(c.attach(&a, keys[5].as_str(), json!(blog)).status, 200);
    assert_eq!(c.revoke(&a, &keys[6]).status, 200);

    let page = |query: &str| {
        let a = c.get(&format!("{LICENSES}{query}"), Some(&a));
        assert_eq!(a.status, 200, "{query}: {}", a.text);
        a.body
    };
    let listed = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["license_key"].as_str().unwrap().to_string())
            .collect()
    };
    // Newest first by default; pages of 3.
    let first = page("?per_page=3");
    assert_eq!(
        first,
        json!({
            "current_items": 3,
            "current_page": 1,
            "items": first["items"],
            "items_per_page": 3,
            "total_items": 7,
            "total_pages": 3,
        })
    );
    assert_eq!(
        listed(&first),
        [keys[6].as_str(), keys[5].as_str(), keys[4].as_str()]
    );
    assert_eq!(listed(&page("?per_page=3&page=3")), [keys[0].as_str()]);
    assert!(listed(&page("?per_page=3&page=4")).is_empty());
    assert_eq!(page("")["items_per_page"], 50);
    assert_eq!(
        listed(&page("?sort_direction=asc&per_page=2")),
        [keys[0].as_str(), keys[1].as_str()]
    );
    // Attached ones first when sorted by attached_at, newest first.
    let by_attach = listed(&page("?sort_field=attached_at"));
    assert_eq!(by_attach[..2], [keys[5].clone(), keys[2].clone()]);

    let filtered = |filter: &str| -> BTreeSet<String> {
        listed(&page(&format!("?filter={filter}")))
            .into_iter()
            .collect()
    };
    let set =
        |idx: &[usize]| -> BTreeSet<String> { idx.iter().map(|&i| keys[i].clone()).collect() };
    assert_eq!(filtered("attached"), set(&[2, 5]));
    assert_eq!(filtered("revoked"), set(&[6]));
    assert_eq!(filtered("detached"), set(&[0, 1, 3, 4]));
    assert_eq!(filtered("not_revoked"), set(&[0, 1, 2, 3, 4, 5]));
    assert_eq!(filtered("standard"), set(&[0, 1, 2, 3, 4, 5, 6]));
    assert_eq!(
        listed(&page(&format!("?search={}", &keys[3][..20]))),
        [keys[3].as_str()]
    );
    assert_eq!(
        listed(&page("?search=LISTED.test")),
        [keys[5].as_str(), keys[2].as_str()]
    );
    let counts = c.get(&format!("{LICENSES}/counts"), Some(&a));
    assert_eq!(
        counts.body,
        json!({"attached": 2, "detached": 4, "revoked": 1, "not_revoked": 6})
    );
    // The licensing token has its own one.
    let other = c.get(LICENSES, Some(&lic));
    assert_eq!(
        (
            other.body["total_items"].as_u64(),
            other.body["total_pages"].as_u64()
        ),
        (Some(1), Some(1))
    );

    for bad in [
        "?per_page=101",
        "?per_page=0",
        "?page=0",
        "?page=x",
        "?filter=all",
        "?sort_field=product",
        "?sort_direction=up",
    ] {
        let r = c.get(&format!("{LICENSES}{bad}"), Some(&a));
        assert_eq!(r.error(), (400, "rest_invalid_param"), "{bad}");
    }
    let r = c.get(&format!("{LICENSES}?per_page=500"), Some(&a));
    assert_eq!(
        r.body["data"]["params"]["per_page"],
        "per_page must be between 1 (inclusive) and 100 (inclusive)"
    );
}

#[test]
fn endless_license_pages_always_say_there_is_another() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");
    for _ in 0..3 {
        c.issue_key(&a, "jetpack-scan");
    }
    partner.endless_license_pages(true);
    for n in [1u64, 2, 3, 50, 1000] {
        let r = c.get(&format!("{LICENSES}?per_page=2&page={n}"), Some(&a));
        assert_eq!(r.body["total_pages"], n + 1, "{}", r.text);
        assert_eq!(r.body["current_page"], n);
        assert!(!r.body["items"].as_array().unwrap().is_empty());
    }
    partner.endless_license_pages(false);
    let r = c.get(&format!("{LICENSES}?per_page=2&page=50"), Some(&a));
    assert_eq!(
        (
            r.body["total_pages"].as_u64(),
            r.body["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(0))
    );
}

#[test]
fn faults_come_before_the_answer_and_keep_the_request_id() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");
    partner.fail_next(
        "issue",
        2,
        Fault::RetryAfter {
            status: 429,
            seconds: 7,
        },
    );
    for _ in 0..2 {
        let r = c.issue(&a, "jetpack-scan");
        assert_eq!(r.error(), (429, "rate_limit_exceeded"));
        assert_eq!(r.retry_after.as_deref(), Some("7"));
        assert!(r.request_id.is_some());
    }
    assert_eq!(c.issue(&a, "jetpack-scan").status, 200);
    assert_eq!(partner.licenses().len(), 1, "a refused call issues nothing");

    partner.fail_next("list", 1, Fault::Html500);
    let html = c.get(LICENSES, Some(&a));
    assert_eq!(html.status, 500);
    assert!(
        html.content_type.starts_with("text/html"),
        "{}",
        html.content_type
    );
    assert!(html.text.starts_with("<!DOCTYPE html>"), "{}", html.text);
    assert!(html.request_id.is_some());
    assert_eq!(c.get(LICENSES, Some(&a)).status, 200);

    // `*` is any licensing or reporting endpoint, token or not.
    partner.fail_next(
        "*",
        2,
        Fault::RetryAfter {
            status: 503,
            seconds: 30,
        },
    );
    let r = c.get(FAMILIES, None);
    assert_eq!(
        (r.error(), r.retry_after.as_deref()),
        ((503, "service_unavailable"), Some("30"))
    );
    let user = partner.reporting_token("A");
    let key_id = partner.key_id_of("A").unwrap();
    assert_eq!(c.activations(&user, "A", key_id, "").status, 503);
    assert_eq!(c.activations(&user, "A", key_id, "").status, 200);

    partner.fail_next(
        "attach",
        1,
        Fault::Error {
            status: 403,
            code: "not_allowlisted".into(),
            message: "This partner may not attach licenses.".into(),
        },
    );
    let key = c.issue_key(&a, "premium");
    let blog = partner.seed("x.test", None, &[]);
    assert_eq!(
        c.attach(&a, &key, json!(blog)).error(),
        (403, "not_allowlisted")
    );
    assert_eq!(c.attach(&a, &key, json!(blog)).status, 200);
    // The jpphp endpoints never get these faults.
    partner.fail_next("*", 1, Fault::Html500);
    assert_eq!(
        c.get("/rest/v1.4/jpphp/x.test/status", Some(&a)).status,
        200
    );
}

#[test]
fn site_connection_connects_once_and_respects_the_owner() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");
    let lic = partner.licensing_token("A");
    partner.set_next_blog_id(8000);

    let form = [("url", "https://new.test/blog"), ("local_user", "admin")];
    let first = c.send("POST", CONNECT, Some(&lic), Body::Form(&form));
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body, json!({"code": "success", "blog_id": 8000}));
    assert!(first.request_id.is_some());
    assert_eq!(partner.blog_id("new.test::blog"), Some(8000));
    assert_eq!(c.status(&a, "8000")["blog"]["is_connected"], true);
    // Safe to repeat, in any encoding: multipart (curl -F) or JSON.
    let again = c.send("POST", CONNECT, Some(&a), Body::Multipart(&form));
    assert_eq!(
        again.body,
        json!({"code": "already_connected", "blog_id": 8000})
    );
    let json_body = Body::Json(json!({"url": "https://new.test/blog/", "local_user": 1}));
    assert_eq!(
        c.send("POST", CONNECT, Some(&a), json_body).body["code"],
        "already_connected"
    );

    // A provision on a site not connected stays pending until it connects.
    partner.set_connected("pending.test", false);
    let provision = [
        ("siteurl", "https://pending.test"),
        ("local_user", "admin"),
        ("plan", "personal"),
    ];
    let mut req = c
        .agent
        .post(format!("{}/rest/v1.3/jpphp/provision", c.base));
    req = req.header("Authorization", format!("Bearer {a}"));
    assert_eq!(req.send_form(provision).expect("provision").status(), 200);
    assert_eq!(
        products(&c.status(&a, "pending.test")),
        [("personal".to_string(), true, true)]
    );
    let key_id = partner.key_id_of("A").unwrap();
    let user = partner.reporting_token("A");
    let report = c.activations(&user, "A", key_id, "");
    assert_eq!(report.body["activations"][0]["activated_on"], Value::Null);
    partner.set_now(Some(MAY_FIRST + 3600));
    let body =
        Body::Json(json!({"url": "https://pending.test", "local_user": "admin@pending.test"}));
    assert_eq!(
        c.send("POST", CONNECT, Some(&lic), body).body["code"],
        "success"
    );
    assert_eq!(
        products(&c.status(&a, "pending.test")),
        [("personal".to_string(), true, false)]
    );
    let report = c.activations(&user, "A", key_id, "");
    assert_eq!(
        report.body["activations"][0]["activated_on"],
        "2024-05-01 13:00:00"
    );

    // Disconnected by its owner: answered, never reconnected.
    partner.previously_connected("https://gone.test");
    let gone = partner.blog_id("gone.test").expect("blog id");
    let body = Body::Form(&[("url", "https://gone.test"), ("local_user", "1")]);
    let r = c.send("POST", CONNECT, Some(&lic), body);
    assert_eq!(
        r.body,
        json!({"code": "previously_connected", "blog_id": gone})
    );
    assert!(!partner.is_connected("gone.test"));

    partner.site_connection_blog_id_as_string(true);
    let body = Body::Form(&[("url", "https://new.test/blog"), ("local_user", "1")]);
    assert_eq!(
        c.send("POST", CONNECT, Some(&lic), body).body["blog_id"],
        "8000"
    );

    for (fields, code) in [
        (
            &[("url", "https://x.test")][..],
            "rest_missing_callback_param",
        ),
        (&[("local_user", "1")][..], "rest_missing_callback_param"),
        (
            &[("url", "x.test"), ("local_user", "1")][..],
            "rest_invalid_param",
        ),
    ] {
        let r = c.send("POST", CONNECT, Some(&lic), Body::Form(fields));
        assert_eq!(r.error(), (400, code), "{fields:?}");
    }
    let user_token = c.send("POST", CONNECT, Some(&user), Body::Form(&form));
    assert_eq!(user_token.error(), (403, "invalid_scope"));
}

#[test]
fn activations_follow_provisions_licenses_and_plants() {
    let (_api, partner, c) = setup();
    let a = token(&partner, "A");
    let user = partner.reporting_token("A");
    partner.set_key_id("A", 42);
    assert_eq!(partner.key_id_of("A"), Some(42));
    let blog = partner.seed("https://billed.test", Some("A"), &["premium"]);
    partner.seed("https://billed.test", Some("B"), &["jetpack-scan"]);
    partner.seed("https://billed.test", None, &["jetpack-anti-spam"]);
    let key = c.issue_key(&a, "jetpack-backup-realtime");
    assert_eq!(c.attach(&a, &key, json!(blog)).status, 200);

    let report = c.activations(&user, "A", 42, "");
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["total"], 2, "only A's: {}", report.text);
    let first = &report.body["activations"][0];
    assert_eq!(
        first,
        &json!({
            "id": first["id"],
            "jetpack_partner_key_id": 42,
            "wpcom_blog_id": blog,
            "wpcom_user_id": null,
            "external_user_id": null,
            "product_id": 2000,
            "current_product_id": 2000,
            "created_on": "2024-05-01 12:00:00",
            "activated_on": "2024-05-01 12:00:00",
            "cancelled_on": null,
            "disputed_on": null,
            "site_registered": "2024-05-01 12:00:00",
            "site_url": "https://billed.test",
            "site_name": "billed.test",
            "site_icon": null,
        })
    );
    assert_eq!(report.body["activations"][1]["product_id"], 2102);
    let backup = partner
        .activation_for("billed.test", "jetpack-backup-realtime")
        .expect("the license's activation");
    assert_eq!(
        backup.id,
        report.body["activations"][1]["id"].as_u64().unwrap()
    );

    // Detaching (like cancelling) ends it; the entry stays as history.
    partner.set_now(Some(MAY_FIRST + 2 * DAY));
    assert_eq!(c.detach(&a, &key, "").status, 200);
    let report = c.activations(&user, "A", 42, "");
    assert_eq!(
        report.body["activations"][1]["cancelled_on"],
        "2024-05-03 12:00:00"
    );
    assert!(partner
        .activation_for("billed.test", "jetpack-backup-realtime")
        .is_none());

    // Planted: a site nowhere else, pending for 20 days.
    let planted = partner.plant_activation("A", "https://elsewhere.example", "jetpack-scan");
    let created = partner.days_ago(20);
    partner.edit_activation(planted, |a| {
        a.created_on = created;
        a.activated_on = None;
    });
    let all: Vec<Activation> = partner.activations("A");
    let p = all.iter().find(|a| a.id == planted).expect("planted");
    assert_eq!(
        (p.created_on, p.activated_on),
        (MAY_FIRST + 2 * DAY - 20 * DAY, None)
    );
    assert!(
        partner.blog_id("elsewhere.example").is_none(),
        "no model site"
    );
    assert!(p.blog_id > blog);
    let report = c.activations(&user, "A", 42, "?page=1&per_page=2");
    assert_eq!(report.body["total"], 3);
    let report = c.activations(&user, "A", 42, "?page=2&per_page=2");
    let third = &report.body["activations"][0];
    assert_eq!(third["created_on"], "2024-04-13 12:00:00");
    assert_eq!(
        (&third["activated_on"], &third["site_url"]),
        (&Value::Null, &json!("https://elsewhere.example"))
    );

    // Filters: plans by slug, store slug or id; activation dates.
    let ids = |query: &str| -> Vec<u64> {
        let r = c.activations(&user, "A", 42, query);
        assert_eq!(r.status, 200, "{query}: {}", r.text);
        let list = r.body["activations"].as_array().expect("list");
        assert_eq!(r.body["total"].as_u64(), Some(list.len() as u64), "{query}");
        list.iter().map(|a| a["id"].as_u64().unwrap()).collect()
    };
    assert_eq!(ids("?plans[]=jetpack-scan").len(), 1);
    assert_eq!(ids("?plans[]=jetpack_scan&plans[]=2000").len(), 2);
    assert_eq!(ids("?plans=2000,2102").len(), 2);
    assert_eq!(ids("?activated_after=2024-05-01T12:00:00Z").len(), 2);
    assert_eq!(ids("?activated_before=2024-04-30").len(), 0);
    assert_eq!(ids("?activated_after=2024-05-02").len(), 0);
    for bad in [
        "?plans[]=nothing",
        "?activated_after=soon",
        "?per_page=101",
        "?page=0",
    ] {
        let r = c.activations(&user, "A", 42, bad);
        assert_eq!(r.error(), (400, "rest_invalid_param"), "{bad}");
    }

    partner.report_dates_rfc3339(true);
    let r = c.activations(&user, "A", 42, "");
    assert_eq!(
        r.body["activations"][0]["created_on"],
        "2024-05-01T12:00:00+00:00"
    );

    // Forgotten: a product billing does not know about.
    let premium = partner
        .activation_for("billed.test", "premium")
        .expect("premium");
    partner.forget_activation(premium.id);
    assert_eq!(c.activations(&user, "A", 42, "").body["total"], 2);
    assert_eq!(partner.slugs("billed.test").len(), 3, "the site keeps it");
    // B has its own report, with its own key.
    let b_user = partner.reporting_token("B");
    let b_key = partner.key_id_of("B").unwrap();
    assert_ne!(b_key, 42);
    assert_eq!(c.activations(&b_user, "B", b_key, "").body["total"], 1);
}

#[test]
fn twenty_thousand_activations_page_by_page() {
    let (_api, partner, c) = setup();
    let user = partner.reporting_token(DEFAULT_PARTNER_ID);
    let key_id = partner.key_id_of(DEFAULT_PARTNER_ID).unwrap();
    let planted = partner.plant_activations(DEFAULT_PARTNER_ID, 20_000);
    assert_eq!(planted.end - planted.start, 20_000);
    let mut seen = Vec::with_capacity(20_000);
    for page in 1..=1000 {
        let query = format!("?page={page}");
        let r = c.activations(&user, DEFAULT_PARTNER_ID, key_id, &query);
        assert_eq!(r.body["total"], 20_000);
        let list = r.body["activations"].as_array().expect("list");
        assert_eq!(list.len(), 20, "default per_page");
        seen.extend(list.iter().map(|a| a["id"].as_u64().unwrap()));
    }
    assert_eq!(seen, planted.collect::<Vec<u64>>());
    let past = c.activations(&user, DEFAULT_PARTNER_ID, key_id, "?page=1001");
    assert_eq!(past.body["activations"], json!([]));
    // Filtered pages come from one filtered list, kept between calls.
    let mut scans = 0;
    for page in 1.. {
        let query = format!("?plans[]=jetpack-scan&per_page=100&page={page}");
        let r = c.activations(&user, DEFAULT_PARTNER_ID, key_id, &query);
        let n = r.body["activations"].as_array().map_or(0, Vec::len);
        if n == 0 {
            assert_eq!(r.body["total"].as_u64(), Some(scans));
            break;
        }
        scans += n as u64;
    }
    // Products go round LICENSING_PRODUCTS; jetpack-scan is the 7th.
    let expected = (0..20_000).filter(|k| k % 11 == 6).count() as u64;
    assert_eq!(scans, expected);
    let first = &partner.activations(DEFAULT_PARTNER_ID)[0];
    assert_eq!(first.site_url, "https://planted-1.example.net");
    assert_eq!(first.product, "free");
    assert_eq!(first.created_on, MAY_FIRST - 3600);
    assert_eq!(first.activated_on, Some(MAY_FIRST - 3540));
}

#[test]
fn endless_activation_pages_always_say_there_is_more() {
    let (_api, partner, c) = setup();
    let user = partner.reporting_token("A");
    let key_id = partner.key_id_of("A").unwrap();
    partner.plant_activations("A", 5);
    partner.endless_activation_pages(true);
    for page in [1u64, 2, 10, 500] {
        let r = c.activations(&user, "A", key_id, &format!("?page={page}&per_page=2"));
        assert_eq!(r.body["total"], (page + 1) * 2);
        assert!(!r.body["activations"].as_array().unwrap().is_empty());
    }
}

#[test]
fn licenses_made_without_a_request() {
    let (api, partner, c) = setup();
    let lic = partner.licensing_token("B");
    let key = partner.issue_license(&lic, "jetpack-complete");
    assert!(key.starts_with("jetpack-complete_"), "{key}");
    let blog = partner.attach_license(&key, "https://made.test");
    assert_eq!(partner.blog_id("made.test"), Some(blog));
    assert_eq!(partner.slugs("made.test"), ["jetpack-complete"]);
    let shown = c.show(&lic, &key);
    assert_eq!(shown.body["blog_id"], blog);
    assert_eq!(shown.body["product"], "Jetpack Complete");
    assert_eq!(shown.body["product_id"], 2014);
    assert_eq!(partner.activations("B").len(), 1);
    assert_eq!(api.requests().len(), 1, "only the show");
}
