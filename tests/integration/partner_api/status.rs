//! `status`: `GET /rest/v1.4/jpphp/{site}/status`, the site from
//! `--blog_id`, else Jetpack's blog id through `wp`, else the site suffix
//! of `--home_url` / WordPress's home / `--url`.

use super::{jp, product, run, stdout_json, with_creds};
use crate::testenv::{assert_exit, assert_failure, assert_success, PartnerApi, TestEnv};
use serde_json::{json, Value};

/// The model with example.com (blog 200001): premium ours, realtime backups
/// another partner's, pending.
fn setup() -> (TestEnv, PartnerApi) {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.partner("99", "other-secret");
    partner.seed_site("example.com", 200_001);
    partner.seed("example.com", Some("1234"), &["premium"]);
    partner.seed("example.com", Some("99"), &["jetpack-backup-realtime"]);
    partner.set_pending("example.com", "jetpack-backup-realtime", true);
    (env, partner)
}

/// What status of example.com says to partner 1234, byte for byte.
const EXAMPLE_STATUS: &str = r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[{"slug":"premium","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":true,"is_pending":false},{"slug":"jetpack-backup-realtime","is_provisioned_by_partner":true,"is_provisioned_by_calling_partner":false,"is_pending":true}]}"#;

/// The one status request, with the partner's token.
fn check_status_request(env: &TestEnv, partner: &PartnerApi, site: &str) {
    let reqs = env.api.requests();
    assert_eq!(reqs.len(), 2, "token call and status: {reqs:?}");
    let r = &reqs[1];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, format!("/rest/v1.4/jpphp/{site}/status"));
    assert_eq!(r.query, "");
    assert!(r.body.is_empty());
    let token = partner.token_of("1234").unwrap_or_default();
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
}

#[test]
fn by_blog_id_without_asking_wordpress() {
    let (env, partner) = setup();
    // `wp` is on PATH, but --blog_id is all it takes.
    let out = run(
        env.cmd()
            .args(with_creds(&["status", "--blog_id=200001"]))
            .args(env.globals()),
        &[],
    );
    assert_success(&out, EXAMPLE_STATUS);
    check_status_request(&env, &partner, "200001");
    assert!(env.wp.calls().is_empty());
    let v: Value = stdout_json(&out);
    assert_eq!(
        v["products"],
        json!([
            product("premium", true, true, false),
            product("jetpack-backup-realtime", true, false, true),
        ])
    );
}

#[test]
fn by_jetpack_blog_id_from_wordpress() {
    let (env, partner) = setup();
    env.answer_facts(
        &[],
        "Deprecated: something in a plugin\n",
        json!({"siteurl": "http://other.test", "home": "http://other.test", "blog_id": 200001}),
    );
    let out = run(
        env.cmd().args(with_creds(&["status"])).args(env.globals()),
        &[],
    );
    assert_success(&out, EXAMPLE_STATUS);
    check_status_request(&env, &partner, "200001");
    assert_eq!(env.wp.calls(), vec![env.eval_call(&[])]);
}

/// WordPress answers without a Jetpack blog id: the suffix of its home.
#[test]
fn by_home_suffix_from_wordpress() {
    let (env, partner) = setup();
    env.answer_facts(
        &[],
        "",
        json!({"siteurl": "http://example.com/wp", "home": "http://Example.com/", "blog_id": 0}),
    );
    let out = run(
        env.cmd().args(with_creds(&["status"])).args(env.globals()),
        &[],
    );
    assert_success(&out, EXAMPLE_STATUS);
    check_status_request(&env, &partner, "example.com");
}

/// No `wp` at all: the site suffix of `--url` (normalised), or of
/// `--home_url`, which wins.
#[test]
fn by_url_suffix_without_wordpress() {
    let (env, partner) = setup();
    let out = jp(
        &env,
        with_creds(&["status", "--url=HTTPS://User@EXAMPLE.com:443/"]),
    );
    assert_success(&out, EXAMPLE_STATUS);
    check_status_request(&env, &partner, "example.com");

    let (env, partner) = setup();
    partner.seed("https://example.com/shop", Some("1234"), &["jetpack-scan"]);
    let out = jp(
        &env,
        with_creds(&[
            "status",
            "--url=https://ignored.test",
            "--home_url=https://example.com/shop/",
        ]),
    );
    assert_exit(&out, 0);
    check_status_request(&env, &partner, "example.com::shop");
    assert_eq!(
        stdout_json(&out)["products"],
        json!([product("jetpack-scan", true, true, false)])
    );
}

/// A site the model never saw: connected false, no products (the API
/// knows nothing of it yet); an unknown blog id is the API's invalid_blog.
#[test]
fn unknown_sites() {
    let (env, _partner) = setup();
    let out = jp(&env, with_creds(&["status", "--url=https://new.test"]));
    assert_success(
        &out,
        r#"{"blog":{"is_connected":false,"has_backups_credentials":false},"products":[]}"#,
    );
    let out = jp(&env, with_creds(&["status", "--blog_id=424242"]));
    let msg = "The blog 424242 is not valid.";
    let want = json!({"success": false, "error_code": "invalid_blog", "error_message": msg,
        "error": "invalid_blog", "message": msg});
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
}

/// Neither a blog id, nor `wp`, nor a URL: `wp_not_found`, nothing sent; a
/// bad --blog_id is `invalid_input`.
#[test]
fn no_site_at_all() {
    let env = TestEnv::new();
    let out = jp(&env, with_creds(&["status"]));
    assert_failure(&out, "wp_not_found");
    for bad in ["0", "-3", "12ab", "1.5"] {
        let out = jp(&env, with_creds(&["status", &format!("--blog_id={bad}")]));
        let err = assert_failure(&out, "invalid_input");
        assert!(err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("--blog_id=")));
    }
    assert!(env.api.requests().is_empty());
}
