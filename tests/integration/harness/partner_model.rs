//! The stateful partner API model ([`PartnerApi`]) on its own, driven over
//! HTTP with a tiny ureq client, without the binary.

use crate::testenv::partner::{site_suffix, Product, DEFAULT_PARTNER_ID, FIRST_BLOG_ID};
use crate::testenv::{FakeApi, PartnerApi, Reply, NOT_FOUND_BODY, SECRET};
use serde_json::{json, Value};

const PROVISION: &str = "/rest/v1.3/jpphp/provision";

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

    fn answer(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
        let mut resp = resp.expect("request to the fake api");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().expect("body");
        let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text:?}"));
        (status, body)
    }

    fn token(&self, id: &str, secret: &str) -> (u16, Value) {
        let form = [
            ("client_id", id),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
            ("scope", "jetpack-partner"),
        ];
        Self::answer(
            self.agent
                .post(format!("{}/oauth2/token", self.base))
                .send_form(form),
        )
    }

    /// The partner's token, which the token call must hand out.
    fn login(&self, id: &str, secret: &str) -> String {
        let (status, body) = self.token(id, secret);
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().expect("token").to_string()
    }

    fn post(&self, path: &str, token: Option<&str>, form: &[(&str, &str)]) -> (u16, Value) {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::answer(req.send_form(form.iter().copied()))
    }

    fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::answer(req.call())
    }

    fn provision(&self, token: &str, siteurl: &str, plan: &str) -> (u16, Value) {
        self.post(
            PROVISION,
            Some(token),
            &[
                ("local_user", "admin"),
                ("siteurl", siteurl),
                ("plan", plan),
            ],
        )
    }

    fn cancel(&self, token: &str, site: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let path = format!("/rest/v1.3/jpphp/{site}/partner-cancel");
        self.post(&path, Some(token), form)
    }

    fn status(&self, token: &str, site: &str) -> (u16, Value) {
        self.get(&format!("/rest/v1.4/jpphp/{site}/status"), Some(token))
    }
}

/// A fake API serving a fresh model with partners A and B besides the
/// default one.
fn setup() -> (FakeApi, PartnerApi, Client) {
    let api = FakeApi::start();
    let partner = PartnerApi::new();
    partner.partner("A", "secret-a").partner("B", "secret b&c");
    partner.install(&api);
    let client = Client::new(&api);
    (api, partner, client)
}

fn product(slug: &str, partner: &str, pending: bool) -> Product {
    Product {
        slug: slug.into(),
        partner: Some(partner.into()),
        pending,
    }
}

fn error_code(body: &Value) -> &str {
    body["error"].as_str().unwrap_or("")
}

#[test]
fn a_token_per_partner_and_wrong_credentials_refused() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let b = c.login("B", "secret b&c");
    let default = c.login(DEFAULT_PARTNER_ID, SECRET);
    assert_ne!(a, b);
    assert_ne!(a, default);
    assert_eq!(c.login("A", "secret-a"), a, "the token does not expire");
    assert_eq!(partner.token_of("A").as_deref(), Some(a.as_str()));
    let (status, body) = c.token("A", "secret-b");
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "invalid_client");
    assert!(body["error_description"].is_string(), "{body}");
    let (status, body) = c.token("nobody", "secret-a");
    assert_eq!((status, error_code(&body)), (400, "invalid_client"));
    let (_, body) = c.token("A", "secret-a");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["scope"], "jetpack-partner");
    // The token names the caller: each partner sees its own products.
    c.provision(&a, "https://a.test", "premium");
    let (_, status) = c.status(&b, "a.test");
    assert_eq!(
        status["products"][0]["is_provisioned_by_calling_partner"],
        false
    );
    let (_, status) = c.status(&a, "a.test");
    assert_eq!(
        status["products"][0]["is_provisioned_by_calling_partner"],
        true
    );
}

#[test]
fn endpoints_need_an_issued_token_but_errors_does_not() {
    let (api, _partner, c) = setup();
    let (status, body) = c.get("/rest/v1.3/jpphp/errors", None);
    assert_eq!(status, 200);
    for code in [
        "invalid_plan",
        "not_jps_plan",
        "incorrect_partner_key",
        "invalid_blog",
        "too_many_requests",
        "activation_limit_reached",
    ] {
        assert!(body["errors"][code].is_string(), "{code}: {body}");
    }
    let (_, verbose) = c.get("/rest/v1.3/jpphp/errors?verbose", None);
    let entry = &verbose["errors"]["invalid_plan"];
    for key in ["description", "cause", "solution"] {
        assert!(entry[key].is_string(), "{key}: {verbose}");
    }

    let form = [("local_user", "admin"), ("siteurl", "https://x.test")];
    let (status, body) = c.post(PROVISION, None, &form);
    assert_eq!((status, error_code(&body)), (400, "authorization_required"));
    let (status, body) = c.post(PROVISION, Some("made-up"), &form);
    assert_eq!((status, error_code(&body)), (403, "invalid_scope"));
    let (status, body) = c.get("/wpcom/v2/sites/1/scan", None);
    assert_eq!((status, error_code(&body)), (400, "authorization_required"));
    // Unknown paths stay the harness's 404, token or not.
    let (status, body) = c.get("/rest/v1.3/jpphp/nothing/here/at/all", None);
    assert_eq!(
        (status, body),
        (404, serde_json::from_str(NOT_FOUND_BODY).unwrap())
    );
    // Everything was recorded as usual.
    assert_eq!(api.requests_to(PROVISION).len(), 2);
}

#[test]
fn provision_then_status_shows_the_product() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let (status, body) = c.provision(&a, "https://Example.com/Shop/", "premium");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["auth_required"], true);
    assert!(body["next_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    assert!(body.get("access_token").is_none());

    let blog_id = partner.blog_id("example.com::Shop").expect("blog id");
    assert_eq!(blog_id, FIRST_BLOG_ID);
    assert_eq!(
        partner.products("https://example.com/Shop"),
        [product("premium", "A", false)]
    );
    let expected = json!({
        "blog": {"is_connected": true, "has_backups_credentials": false},
        "products": [{
            "slug": "premium",
            "is_provisioned_by_partner": true,
            "is_provisioned_by_calling_partner": true,
            "is_pending": false,
        }],
    });
    assert_eq!(c.status(&a, "example.com::Shop"), (200, expected.clone()));
    assert_eq!(c.status(&a, &blog_id.to_string()), (200, expected));
    // The deprecated v1.3 shape too.
    let (_, old) = c.get("/rest/v1.3/jpphp/example.com::Shop/status", Some(&a));
    assert_eq!(old["plan"], "premium");
    assert_eq!(old["is_partner_plan"], true);

    // A site never seen: nothing there; an unknown blog id: invalid_blog.
    let (status, empty) = c.status(&a, "never.test");
    assert_eq!(status, 200);
    assert_eq!(empty["products"], json!([]));
    assert_eq!(empty["blog"]["is_connected"], false);
    let (status, body) = c.status(&a, "999");
    assert_eq!((status, error_code(&body)), (403, "invalid_blog"));

    // wpcom_user_id: an access token for authorize_user, no next step.
    let (_, body) = c.post(
        PROVISION,
        Some(&a),
        &[
            ("local_user", "admin"),
            ("siteurl", "https://u.test"),
            ("wpcom_user_id", "42"),
        ],
    );
    assert_eq!(body["auth_required"], false);
    assert!(body["access_token"].is_string(), "{body}");
    // No plan: the site is registered, nothing provisioned.
    assert_eq!(partner.slugs("u.test"), Vec::<String>::new());
    assert_eq!(partner.blog_id("u.test"), Some(FIRST_BLOG_ID + 1));
}

#[test]
fn plans_replace_each_other_and_so_do_backups() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    for plan in [
        "personal",
        "jetpack-backup-daily",
        "professional",
        "jetpack-scan",
        "jetpack-backup-realtime",
        "jetpack-anti-spam",
        "free",
    ] {
        let (status, body) = c.provision(&a, "http://r.test", plan);
        assert_eq!(status, 200, "{plan}: {body}");
    }
    assert_eq!(
        partner.slugs("r.test"),
        [
            "jetpack-scan",
            "jetpack-backup-realtime",
            "jetpack-anti-spam",
            "free"
        ]
    );
    let (status, body) = c.provision(&a, "http://r.test", "gold");
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_plan", "message": "gold is not a valid plan"})
    );
    let (status, body) = c.post(PROVISION, Some(&a), &[("local_user", "admin")]);
    assert_eq!((status, error_code(&body)), (400, "invalid_siteurl"));

    // The knobs: a refused change, downgrades, pending, limits.
    partner.refuse_provision(Some("r.test"), "premium");
    let (status, body) = c.provision(&a, "http://r.test", "premium");
    assert_eq!(
        (status, error_code(&body)),
        (400, "plan_downgrade_disallowed")
    );
    assert_eq!(c.provision(&a, "http://other.test", "premium").0, 200);
    partner.allow_downgrades(false);
    let (status, body) = c.provision(&a, "http://other.test", "personal");
    assert_eq!(
        (status, error_code(&body)),
        (400, "plan_downgrade_disallowed")
    );
    partner.set_pending("other.test", "premium", true);
    let (_, status) = c.status(&a, "other.test");
    assert_eq!(status["products"][0]["is_pending"], true);

    partner.limit("A", "jetpack-scan", 1);
    let (status, body) = c.provision(&a, "http://third.test", "jetpack-scan");
    assert_eq!(
        (status, error_code(&body)),
        (400, "activation_limit_reached")
    );
}

#[test]
fn a_site_not_connected_gets_pending_activations() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    partner.set_connected("new.test", false);
    let (_, body) = c.provision(&a, "https://new.test", "jetpack-scan");
    assert_eq!(body["next_url"], "", "{body}");
    assert_eq!(body["auth_required"], true);
    assert_eq!(
        partner.products("new.test"),
        [product("jetpack-scan", "A", true)]
    );
    c.provision(&a, "https://new.test", "premium");
    let (_, body) = c.cancel(&a, "new.test", &[("cancel-all", "true")]);
    assert_eq!(
        body,
        json!({"success": true, "activations": [], "pending_activations": ["jetpack-scan", "premium"]})
    );
}

#[test]
fn cancel_with_plan_removes_only_that_product() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    c.provision(&a, "https://example.com/demo", "premium");
    c.provision(&a, "https://example.com/demo", "jetpack-scan");
    let (status, body) = c.cancel(&a, "example.com::demo", &[("plan", "jetpack-scan")]);
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(partner.slugs("example.com::demo"), ["premium"]);
    // Again: nothing left to cancel.
    let (status, body) = c.cancel(&a, "example.com::demo", &[("plan", "jetpack-scan")]);
    assert_eq!((status, body), (200, json!({"success": false})));
    let (status, body) = c.cancel(&a, "example.com::demo", &[("plan", "x")]);
    assert_eq!((status, error_code(&body)), (400, "invalid_plan"));
    // By blog id.
    let id = partner.blog_id("example.com::demo").unwrap().to_string();
    let (_, body) = c.cancel(&a, &id, &[("plan", "premium")]);
    assert_eq!(body, json!({"success": true}));
    assert!(partner.products("example.com::demo").is_empty());
    let (status, body) = c.cancel(&a, "unknown.test", &[]);
    assert_eq!((status, error_code(&body)), (403, "invalid_blog"));
}

#[test]
fn cancel_without_plan_leaves_a_standalone_product() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    c.provision(&a, "https://s.test", "jetpack-backup-daily");
    let (_, body) = c.cancel(&a, "s.test", &[]);
    assert_eq!(body, json!({"success": false}));
    assert_eq!(partner.slugs("s.test"), ["jetpack-backup-daily"]);
    c.provision(&a, "https://s.test", "personal");
    let (_, body) = c.cancel(&a, "s.test", &[]);
    assert_eq!(body, json!({"success": true}));
    assert_eq!(partner.slugs("s.test"), ["jetpack-backup-daily"]);
}

#[test]
fn another_partners_product_is_refused() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let b = c.login("B", "secret b&c");
    c.provision(&a, "https://shared.test", "premium");
    c.provision(&a, "https://shared.test", "jetpack-scan");
    c.provision(&b, "https://shared.test", "jetpack-anti-spam");

    let (status, body) = c.cancel(&b, "shared.test", &[("plan", "jetpack-scan")]);
    assert_eq!((status, error_code(&body)), (403, "incorrect_partner_key"));
    let (status, body) = c.cancel(&b, "shared.test", &[]);
    assert_eq!((status, error_code(&body)), (403, "incorrect_partner_key"));
    let (status, body) = c.provision(&b, "https://shared.test", "professional");
    assert_eq!((status, error_code(&body)), (403, "incorrect_partner_key"));
    assert_eq!(
        partner.slugs("shared.test"),
        ["premium", "jetpack-scan", "jetpack-anti-spam"]
    );

    // cancel-all takes only the caller's.
    let (_, body) = c.cancel(&a, "shared.test", &[("cancel-all", "true")]);
    assert_eq!(
        body,
        json!({"success": true, "activations": ["premium", "jetpack-scan"], "pending_activations": []})
    );
    assert_eq!(
        partner.products("shared.test"),
        [product("jetpack-anti-spam", "B", false)]
    );
    let (_, body) = c.cancel(&a, "shared.test", &[("cancel-all", "true")]);
    assert_eq!(body["success"], false);

    // Not provisioned by a partner at all.
    partner.seed("owner.test", None, &["premium"]);
    let (status, body) = c.cancel(&a, "owner.test", &[]);
    assert_eq!((status, error_code(&body)), (400, "not_jps_plan"));
    let (_, status) = c.status(&a, "owner.test");
    assert_eq!(status["products"][0]["is_provisioned_by_partner"], false);
}

#[test]
fn upgrade_paths_follow_the_state() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let paths = |site: &str| c.get(&format!("/rest/v1.3/jpphp/{site}/upgrade-paths"), Some(&a));
    let all = json!({
        "jetpack-backup": ["jetpack-backup-daily", "jetpack-backup-realtime"],
        "jetpack-plans": ["personal", "premium", "professional"],
        "jetpack-scan": ["jetpack-scan"],
        "jetpack-anti-spam": ["jetpack-anti-spam"],
    });
    assert_eq!(paths("fresh.test"), (200, all.clone()));
    let id = partner.seed("p.test", Some("A"), &["free"]);
    assert_eq!(paths(&id.to_string()), (200, all));
    partner.seed("p.test", Some("A"), &["premium"]);
    assert_eq!(
        paths("p.test").1,
        json!({"jetpack-backup": ["jetpack-backup-realtime"], "jetpack-plans": ["professional"]})
    );
    partner.seed("p.test", Some("A"), &["professional"]);
    assert_eq!(paths("p.test").1, json!({}));
    partner.seed(
        "q.test",
        Some("A"),
        &["jetpack-backup-daily", "jetpack-scan"],
    );
    assert_eq!(
        paths("q.test").1,
        json!({
            "jetpack-backup": ["jetpack-backup-realtime"],
            "jetpack-plans": ["personal", "premium", "professional"],
            "jetpack-anti-spam": ["jetpack-anti-spam"],
        })
    );
    let (status, body) = paths("424242");
    assert_eq!((status, error_code(&body)), (403, "invalid_blog"));
}

#[test]
fn backup_credentials_are_checked() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let id = partner.seed("creds.test", Some("A"), &["jetpack-backup-daily"]);
    let ssh = format!("/rest/v1.3/jpphp/{id}/ssh-credentials");
    let ftp = format!("/rest/v1.3/jpphp/{id}/ftp-credentials");

    let (status, body) = c.post(&ssh, Some(&a), &[("ssh_host", "h"), ("ssh_user", "u")]);
    assert_eq!(
        (status, error_code(&body)),
        (400, "invalid_input"),
        "{body}"
    );
    let (status, body) = c.post(&ssh, Some(&a), &[("ssh_user", "u"), ("ssh_pass", "p")]);
    assert_eq!((status, error_code(&body)), (400, "invalid_input"));
    let (status, body) = c.post(
        &ssh,
        Some(&a),
        &[
            ("ssh_host", "h"),
            ("ssh_user", "u"),
            ("ssh_pass", "p"),
            ("ssh_port", "x"),
        ],
    );
    assert_eq!((status, error_code(&body)), (400, "invalid_input"));
    let (status, body) = c.post(&ftp, Some(&a), &[("ftp_host", "h")]);
    assert_eq!((status, error_code(&body)), (400, "invalid_input"));
    assert!(!partner.has_backups_credentials("creds.test"));

    // Blog ids only.
    let by_suffix = "/rest/v1.3/jpphp/creds.test/ftp-credentials";
    let (status, body) = c.post(by_suffix, Some(&a), &[("ftp_host", "h"), ("ftp_user", "u")]);
    assert_eq!((status, error_code(&body)), (403, "invalid_blog"));
    let (status, body) = c.post(
        "/rest/v1.3/jpphp/99/ftp-credentials",
        Some(&a),
        &[("ftp_host", "h"), ("ftp_user", "u")],
    );
    assert_eq!((status, error_code(&body)), (403, "invalid_blog"));

    let (status, body) = c.post(&ftp, Some(&a), &[("ftp_host", "h"), ("ftp_user", "u")]);
    assert_eq!((status, body), (200, json!({"success": true})));
    assert!(partner.has_backups_credentials("creds.test"));
    let (status, body) = c.post(
        &ssh,
        Some(&a),
        &[
            ("ssh_host", "h"),
            ("ssh_user", "u"),
            ("ssh_private_key", "KEY"),
        ],
    );
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(
        c.status(&a, &id.to_string()).1["blog"]["has_backups_credentials"],
        true
    );

    // Provision's ssh fields: saved, or said why not.
    let (_, body) = c.post(
        PROVISION,
        Some(&a),
        &[
            ("local_user", "admin"),
            ("siteurl", "https://k.test"),
            ("ssh_user", "u"),
        ],
    );
    assert_eq!(body["ssh_set"], false);
    assert!(body["ssh_error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(!partner.has_backups_credentials("k.test"));
    let (_, body) = c.post(
        PROVISION,
        Some(&a),
        &[
            ("local_user", "admin"),
            ("siteurl", "https://k.test"),
            ("ssh_user", "u"),
            ("ssh_pass", "p"),
        ],
    );
    assert_eq!(
        (body["ssh_set"].clone(), body["ssh_error"].clone()),
        (json!(true), json!(""))
    );
    assert!(partner.has_backups_credentials("k.test"));
}

#[test]
fn magic_links_are_throttled_per_address() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let path = "/rest/v1.3/jpphp/mobile-magic-link";
    for _ in 0..5 {
        let (status, body) = c.post(path, Some(&a), &[("email", "U@site.test")]);
        assert_eq!((status, body), (200, json!({"success": true})));
    }
    for _ in 0..2 {
        let (status, body) = c.post(path, Some(&a), &[("email", "u@site.test")]);
        assert_eq!(status, 429);
        assert_eq!(
            body,
            json!({"error": "too_many_requests", "message": "Too many requests per time interval"})
        );
    }
    assert_eq!(partner.magic_links_sent("u@SITE.test"), 5);
    // Another address is not throttled; after the hour, this one neither.
    assert_eq!(c.post(path, Some(&a), &[("email", "v@site.test")]).0, 200);
    partner.reset_magic_links();
    assert_eq!(c.post(path, Some(&a), &[("email", "u@site.test")]).0, 200);
    let (status, body) = c.post(path, Some(&a), &[]);
    assert_eq!((status, error_code(&body)), (400, "invalid_email"));
}

#[test]
fn a_new_partner_key_can_log_in() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let (status, key) = c.post(
        "/rest/v1.3/jpphp/partner-keys/new",
        Some(&a),
        &[
            ("name", "Agency"),
            ("allowed_premium_plans", "1"),
            ("notes", "n"),
        ],
    );
    assert_eq!(status, 200, "{key}");
    assert_eq!(key["name"], "Agency");
    assert_eq!(key["allowed_premium_plans"], "1");
    assert_eq!(key["allowed_personal_plans"], "0");
    assert_eq!(key["notes"], "n");
    let id = key["client_id"].as_str().unwrap();
    let secret = key["client_secret"].as_str().unwrap();
    assert!(partner.partner_ids().contains(&id.to_string()));
    let token = c.login(id, secret);
    let (status, body) = c.post("/rest/v1.3/jpphp/partner-keys/verify", Some(&token), &[]);
    assert_eq!((status, body), (200, json!({"success": true})));
    // Its count of premium plans is a limit.
    assert_eq!(c.provision(&token, "https://k1.test", "premium").0, 200);
    let (status, body) = c.provision(&token, "https://k2.test", "premium");
    assert_eq!(
        (status, error_code(&body)),
        (400, "activation_limit_reached")
    );
    let (status, body) = c.post("/rest/v1.3/jpphp/partner-keys/new", Some(&a), &[]);
    assert_eq!((status, error_code(&body)), (400, "invalid_input"));
}

#[test]
fn backup_scan_activity_and_restore_for_known_blogs() {
    let (_api, partner, c) = setup();
    let a = c.login("A", "secret-a");
    let id = partner.seed("b.test", Some("A"), &["jetpack-backup-realtime"]);
    let site = |rest: &str| format!("/wpcom/v2/sites/{id}/{rest}");

    let (status, backups) = c.get(&site("rewind/backups"), Some(&a));
    assert_eq!(status, 200);
    assert!(
        backups.as_array().is_some_and(|b| !b.is_empty()),
        "{backups}"
    );
    assert_eq!(backups[0]["status"], "finished");
    let (_, scan) = c.get(&site("scan"), Some(&a));
    assert_eq!(scan["state"], "unavailable", "no scan product");
    assert_eq!(scan["threats"], json!([]));
    let (_, activity) = c.get(&site("activity"), Some(&a));
    assert_eq!(activity["type"], "OrderedCollection");
    let (_, one) = c.get(&site("activity/1714532712.0"), Some(&a));
    assert_eq!(one["rewind_id"], "1714532712.0");
    let (_, fix) = c.get(
        &site("alerts/fix?threat_ids%5B%5D=7&threat_ids%5B%5D=8"),
        Some(&a),
    );
    assert_eq!(fix["threats"]["8"]["status"], "in_progress", "{fix}");

    let (status, download) = c.post(&site("rewind/downloads"), Some(&a), &[]);
    assert_eq!(status, 200);
    let download_id = download["downloadId"].as_u64().unwrap();
    let (_, list) = c.get(&site("rewind/downloads"), Some(&a));
    assert_eq!(list[0]["downloadId"], download_id);

    let log = format!("/wpcom/v1.1/activity-log/{id}/rewind");
    let (status, restore) = c.post(
        &format!("{log}/to/1714532400"),
        Some(&a),
        &[("roleName", "main")],
    );
    assert_eq!((status, restore["ok"].clone()), (200, json!(true)));
    let rid = restore["restore_id"].as_u64().unwrap();
    let statuses: Vec<Value> = (0..3)
        .map(|_| c.get(&format!("{log}/{rid}/restore-status"), Some(&a)).1)
        .map(|b| b["restore_status"]["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("queued"), json!("running"), json!("finished")]
    );

    let (status, _) = c.get("/wpcom/v2/sites/12/rewind/backups", Some(&a));
    assert_eq!(status, 403);
    let (status, _) = c.post("/wpcom/v1.1/activity-log/12/rewind/to/1", Some(&a), &[]);
    assert_eq!(status, 403);
}

#[test]
fn routes_win_and_the_envelope_wraps() {
    let (api, partner, c) = setup();
    let a = partner.token_of("A").unwrap();
    api.reply(
        "GET",
        "/rest/v1.4/jpphp/x.test/status",
        Reply::json(500, "{}"),
    );
    assert_eq!(c.status(&a, "x.test"), (500, json!({})));
    let (status, body) = c.get("/rest/v1.4/jpphp/999/status?http_envelope=true", Some(&a));
    assert_eq!(status, 200);
    assert_eq!(body["code"], 403);
    assert_eq!(body["body"]["error"], "invalid_blog");
}

#[test]
fn state_json_and_changes() {
    // TestEnv's provisions log in as the default partner.
    assert_eq!(crate::testenv::partner::DEFAULT_PARTNER_SECRET, SECRET);
    let partner = PartnerApi::without_partners();
    assert!(partner.token_of(DEFAULT_PARTNER_ID).is_none());
    let before = partner.changes();
    partner.seed_site("https://Seeded.test/", 77);
    partner.seed("seeded.test", Some("A"), &["premium"]);
    assert!(partner.changes() > before);
    assert_eq!(partner.blog_id("seeded.test"), Some(77));
    assert_eq!(partner.sites(), ["seeded.test"]);
    assert_eq!(
        partner.state_json(),
        json!({
            "partners": [],
            "sites": [{
                "site": "seeded.test",
                "aliases": [],
                "blog_id": 77,
                "is_connected": true,
                "has_backups_credentials": false,
                "products": [{"slug": "premium", "partner": "A", "pending": false}],
            }],
            "magic_links": {},
            "licenses": [],
            // A partner's seeded product is billed like a provisioned one.
            "activations": 1,
        })
    );
}

#[test]
fn site_suffixes() {
    assert_eq!(
        site_suffix("https://Example.com/demo/wp/"),
        "example.com::demo::wp"
    );
    assert_eq!(site_suffix("example.com"), "example.com");
    assert_eq!(
        site_suffix("http://example.com:80/a%20b"),
        "example.com::a b"
    );
    assert_eq!(
        site_suffix("http://u:p@example.com:8080/x?y#z"),
        "example.com:8080::x"
    );
}

#[test]
fn the_binary_against_the_model() {
    use crate::testenv::{assert_exit, provision_args_without_wp, TestEnv};
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.partner("1", SECRET).set_next_blog_id(5000);
    for plan in crate::testenv::partner::PRODUCTS {
        let out = env
            .cmd_without_wp()
            .args(provision_args_without_wp(&[&format!("--plan={plan}")]))
            .output()
            .expect("run");
        assert_exit(&out, 0);
    }
    assert_eq!(partner.blog_id("e.test"), Some(5000));
    assert!(partner.is_connected("e.test"));
    assert_eq!(
        partner.slugs("e.test"),
        [
            "jetpack-backup-realtime",
            "jetpack-scan",
            "jetpack-anti-spam"
        ]
    );
    let cancel = |extra: &[&str]| {
        env.cmd_without_wp()
            .args([
                "cancel",
                "-c=1",
                &format!("-s={SECRET}"),
                "--url=https://e.test",
            ])
            .args(extra)
            .output()
            .expect("run")
    };
    // Without a plan field only a plan goes, and there is none.
    assert_exit(&cancel(&[]), 1);
    let out = env
        .cmd_without_wp()
        .args(provision_args_without_wp(&["--plan=premium"]))
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let out = cancel(&[]);
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"success\":true}\n");
    assert_eq!(
        partner.slugs("e.test"),
        [
            "jetpack-backup-realtime",
            "jetpack-scan",
            "jetpack-anti-spam"
        ]
    );
    let out = env
        .cmd_without_wp()
        .args([
            "upgrade-paths",
            "-c=1",
            &format!("-s={SECRET}"),
            "--blog_id=5000",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let paths: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        paths,
        json!({"jetpack-plans": ["personal", "premium", "professional"]})
    );
}
