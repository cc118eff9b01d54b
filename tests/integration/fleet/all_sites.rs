//! `--all-sites`: every site of a multisite network from one WordPress
//! bootstrap (one `wp eval` for the whole network), or from `wp site list`
//! where eval gives no network facts; each site named by its blog id or
//! suffix.

use super::{api_for_batch, lines};
use crate::testenv::{self, assert_exit, Reply, TestEnv, SECRET};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// A network of three sites as the one-bootstrap program reports it: the
/// main site (Jetpack connected, blog id 111), /shop/ and /blog/ (the user
/// is no member of /blog/).
fn answer_network(env: &TestEnv) {
    let path = format!("--path={}", env.wp_path());
    let argv = [
        "--allow-root",
        &path,
        "--skip-themes",
        "--skip-plugins",
        "eval",
        jetpack_partner::wp::NETWORK_FACTS_PHP,
    ];
    let facts = json!({
        "multisite": true,
        "sites": [
            {"url": "http://multi.test/", "siteurl": "http://multi.test", "home": "http://multi.test", "blog_id": 111, "user_id": 1, "activate": "ok"},
            {"url": "http://multi.test/shop/", "siteurl": "http://multi.test/shop", "home": "http://multi.test/shop", "blog_id": 0, "user_id": 1, "activate": "ok"},
            {"url": "http://multi.test/blog/", "siteurl": "http://multi.test/blog", "home": "http://multi.test/blog", "blog_id": 0, "user_id": 0},
        ]
    });
    env.wp
        .answer_with(&argv, &testenv::facts_stdout("plugin noise", facts), "", 0);
}

#[test]
fn all_sites_in_one_bootstrap() {
    let env = TestEnv::new();
    api_for_batch(&env);
    answer_network(&env);
    let out = env
        .cmd()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--user=admin",
            "--plan=premium",
            "--allow-root",
            &format!("--path={}", env.wp_path()),
            "--all-sites",
            "--jobs=3",
        ])
        .output()
        .expect("run");
    // SPEC §8: one WordPress bootstrap for the whole network.
    let calls = env.wp.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        env.wp.call_env(0),
        vec![
            ("JETPACK_WP_ACTIVATE".to_string(), "1".to_string()),
            ("JETPACK_WP_SAFE_MODE".to_string(), "0".to_string()),
            ("JETPACK_WP_USER".to_string(), "admin".to_string())
        ]
    );
    assert_exit(&out, 1);
    let by_site: HashMap<String, Value> = lines(&out)
        .into_iter()
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect();
    assert_eq!(by_site.len(), 3);
    for site in ["http://multi.test/", "http://multi.test/shop/"] {
        assert_eq!(by_site[site]["success"], json!(true), "{}", by_site[site]);
        assert_eq!(by_site[site]["plan"], json!("premium"));
    }
    let blog = &by_site["http://multi.test/blog/"];
    assert_eq!(blog["success"], json!(false), "{blog}");
    assert_eq!(blog["error_code"], json!("invalid_user"));
    let sent: HashSet<String> = env
        .api
        .requests_to("/rest/v1.3/jpphp/provision")
        .iter()
        .filter_map(|r| r.form_value("siteurl").map(String::from))
        .collect();
    assert_eq!(
        sent,
        HashSet::from([
            "http://multi.test".to_string(),
            "http://multi.test/shop".to_string()
        ])
    );
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 1);
}

#[test]
fn cancel_all_sites_names_each_site_by_its_blog_id_or_suffix() {
    let env = TestEnv::new();
    env.api.token_ok("tok-net");
    env.api
        .set_fallback(|_| Reply::json(200, r#"{"success":true}"#));
    answer_network(&env);
    let out = env
        .cmd()
        .args([
            "cancel",
            "-c=1",
            &format!("-s={SECRET}"),
            "--allow-root",
            &format!("--path={}", env.wp_path()),
            "--all-sites",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(env.wp.calls().len(), 1);
    // No user asked for, nothing activated; every site's safe mode asked.
    assert_eq!(
        env.wp.call_env(0),
        vec![
            ("JETPACK_WP_ACTIVATE".to_string(), "0".to_string()),
            ("JETPACK_WP_SAFE_MODE".to_string(), "1".to_string()),
            ("JETPACK_WP_USER".to_string(), String::new())
        ]
    );
    let paths: HashSet<String> = env
        .api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/partner-cancel"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        HashSet::from([
            "/rest/v1.3/jpphp/111/partner-cancel".to_string(),
            "/rest/v1.3/jpphp/multi.test::shop/partner-cancel".to_string(),
            "/rest/v1.3/jpphp/multi.test::blog/partner-cancel".to_string(),
        ])
    );
    for v in lines(&out) {
        assert_eq!(v["command"], json!("cancel"));
        assert_eq!(v["changed"], json!(true));
    }
}

/// Where eval gives no network facts (disabled, an odd WP-CLI), the sites
/// come from `wp site list` and each is asked on its own.
#[test]
fn all_sites_of_a_multisite_network() {
    let env = TestEnv::new();
    api_for_batch(&env);
    let path = format!("--path={}", env.wp_path());
    env.wp.answer_with(
        &["--allow-root", &path, "site", "list", "--field=url"],
        "http://multi.test/\nhttp://multi.test/shop/\n",
        "",
        0,
    );
    for (url, siteurl) in [
        ("http://multi.test/", "http://multi.test"),
        ("http://multi.test/shop/", "http://multi.test/shop"),
    ] {
        env.answer_facts(
            &[&format!("--url={url}")],
            "",
            json!({"user_id": 1, "siteurl": siteurl, "home": siteurl, "blog_id": 0, "activate": "ok"}),
        );
    }
    let out = env
        .cmd()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--user=admin",
            "--allow-root",
            &path,
            "--all-sites",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let sent: HashSet<String> = env
        .api
        .requests_to("/rest/v1.3/jpphp/provision")
        .iter()
        .filter_map(|r| r.form_value("siteurl").map(String::from))
        .collect();
    assert_eq!(
        sent,
        HashSet::from([
            "http://multi.test".to_string(),
            "http://multi.test/shop".to_string()
        ])
    );
    assert_eq!(lines(&out).len(), 2);
}
