//! `license show`, `revoke`, `list` (every page, bounded) and `products`.

use super::{lines, stderr, stdout, Lic, FAMILIES, LICENSE, LICENSES};
use crate::testenv::{assert_exit, assert_failure, assert_success, stderr_json};
use serde_json::{json, Value};

#[test]
fn show_prints_the_license_as_the_api_has_it() {
    let lic = Lic::new();
    let key = lic.partner.issue_license(&lic.token, "jetpack-anti-spam");
    lic.partner.attach_license(&key, "https://shop.example");
    let out = lic.run(&["license", "show", &key], &[]);
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].path, LICENSE);
    assert_eq!(sent[0].query_value("license_key"), Some(key.as_str()));
    let want = lic.get(&format!("{LICENSE}?license_key={key}"));
    assert_success(&out, &want);
    assert!(want.contains(&key) && want.contains("\"siteurl\":\"https://shop.example\""));
}

#[test]
fn something_that_is_no_license_key_is_refused_before_anything_is_sent() {
    let lic = Lic::new();
    for (cmd, key) in [
        ("show", "jetpack-scan_abc def"),
        ("revoke", "jetpack-scan_abc\"}"),
        ("show", "   "),
        ("revoke", "jetpack-scan_a/../b"),
    ] {
        let out = lic.run(&["license", cmd, "--", key], &[]);
        let err = assert_failure(&out, "invalid_input");
        let msg = err["error_message"].as_str().unwrap_or_default();
        assert!(
            msg.starts_with("license key 1 (of those given) is not a license key: "),
            "{msg}"
        );
        assert!(
            key.trim().is_empty() || !msg.contains(key),
            "the value is not repeated: {msg}"
        );
    }
    let out = lic.run(&["license", "show"], &[]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("<KEY>"), "{}", stderr(&out));
    assert!(lic.env.api.requests().is_empty());
}

#[test]
fn an_unknown_key_fails_with_the_apis_code_and_request_id() {
    let lic = Lic::new();
    let out = lic.run(
        &["license", "show", "jetpack-scan_unknown0000"],
        &["jetpack-scan_unknown0000"],
    );
    let id = lic
        .partner
        .request_id_of(&lic.env.api.requests()[0])
        .unwrap_or_default();
    assert!(!id.is_empty());
    assert_failure(&out, "license_not_found");
    assert_eq!(
        stderr(&out),
        format!(
            "{}\n",
            json!({"success": false, "error_code": "license_not_found",
                "error_message": format!("License not found. (X-Jetpack-Request-Id: {id}; Jetpack support asks for it)"),
                "request_id": id,
                "code": "license_not_found", "message": "License not found.", "data": {"status": 404}})
        )
    );
}

#[test]
fn revoke_is_one_delete_and_the_product_leaves_the_site() {
    let lic = Lic::new();
    let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
    lic.partner.attach_license(&key, "https://shop.example");
    assert_eq!(lic.partner.slugs("https://shop.example"), ["jetpack-scan"]);
    let out = lic.run(&["license", "revoke", &key], &[]);
    assert_exit(&out, 0);
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1, "no read first in a real run");
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("DELETE", LICENSE)
    );
    assert_eq!(sent[0].query_value("license_key"), Some(key.as_str()));
    assert!(lic
        .partner
        .license(&key)
        .is_some_and(|l| l.revoked_at.is_some()));
    assert!(lic.partner.slugs("https://shop.example").is_empty());
    let got = lines(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["license_key"], json!(key));
    assert!(got[0]["revoked_at"].is_string());
    // Again: the API's refusal, with its request id.
    let again = lic.run(&["license", "revoke", &key], &[]);
    let err = assert_failure(&again, "already_revoked");
    assert!(err["request_id"].is_string());
    assert!(err["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("X-Jetpack-Request-Id: ") && !m.contains(&key)));
}

/// `--dry-run` shows the DELETE and the license as it is now (one read),
/// the key itself hidden, and revokes nothing.
#[test]
fn revoke_dry_run_shows_what_would_go_and_the_license_now() {
    let lic = Lic::new();
    let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
    lic.partner.attach_license(&key, "https://shop.example");
    let out = lic.run(&["license", "revoke", "--dry-run", &key], &[&key]);
    assert_exit(&out, 0);
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("GET", LICENSE)
    );
    let now: Value =
        serde_json::from_str(&lic.get(&format!("{LICENSE}?license_key={key}"))).expect("JSON");
    let mut shown = now.clone();
    shown["license_key"] = json!("<redacted>");
    let want = json!({"dry_run": true,
        "requests": [{"method": "DELETE",
            "url": format!("{}{LICENSE}?license_key=<redacted>", lic.env.api.base_url()),
            "headers": {"Authorization": "Bearer <redacted>"}}],
        "license": shown});
    assert_eq!(stdout(&out), format!("{want}\n"));
    assert!(lic
        .partner
        .license(&key)
        .is_some_and(|l| l.revoked_at.is_none()));
    assert_eq!(lic.partner.slugs("https://shop.example"), ["jetpack-scan"]);
    // A key the API does not know: the dry run fails as the revoke would.
    let out = lic.run(
        &["license", "revoke", "--dry-run", "jetpack-scan_nope"],
        &[],
    );
    assert_failure(&out, "license_not_found");
}

/// 230 licenses: three pages of 100, every license once, newest first.
#[test]
fn list_reads_every_page() {
    let lic = Lic::new();
    let mut keys: Vec<String> = (0..230)
        .map(|i| {
            let product = if i % 2 == 0 {
                "jetpack-scan"
            } else {
                "premium"
            };
            lic.partner.issue_license(&lic.token, product)
        })
        .collect();
    // Another partner's token has its own licenses, not listed.
    let other = lic.partner.licensing_token("1234");
    lic.partner.issue_license(&other, "jetpack-scan");
    let out = lic.run(&["license", "list"], &[]);
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let got: Vec<String> = lines(&out)
        .iter()
        .map(|l| l["license_key"].as_str().unwrap_or_default().to_string())
        .collect();
    keys.reverse();
    assert_eq!(got, keys);
    let pages: Vec<(String, String)> = lic
        .env
        .api
        .requests_to(LICENSES)
        .iter()
        .map(|r| {
            (
                r.query.clone(),
                r.header("authorization").unwrap_or("").to_string(),
            )
        })
        .collect();
    let bearer = format!("Bearer {}", lic.token);
    assert_eq!(
        pages,
        [
            ("per_page=100&page=1".to_string(), bearer.clone()),
            ("per_page=100&page=2".to_string(), bearer.clone()),
            ("per_page=100&page=3".to_string(), bearer),
        ]
    );
    // Each line is the item as the API lists it.
    let first_page: Value =
        serde_json::from_str(&lic.get(&format!("{LICENSES}?per_page=100&page=1"))).expect("JSON");
    assert_eq!(lines(&out)[0], first_page["items"][0]);
}

#[test]
fn list_passes_filter_and_search_on() {
    let lic = Lic::new();
    let a = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let _b = lic.partner.issue_license(&lic.token, "jetpack-scan");
    lic.partner.attach_license(&a, "https://shop.example");
    let out = lic.run(
        &[
            "license",
            "list",
            "--filter=attached",
            "--search=shop.example",
        ],
        &[],
    );
    assert_exit(&out, 0);
    let got = lines(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["license_key"], json!(a));
    let sent = lic.env.api.requests_to(LICENSES);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].query,
        "filter=attached&search=shop.example&per_page=100&page=1"
    );
    // Nothing at all: no line, success.
    let none = lic.run(&["license", "list", "--filter=revoked"], &[]);
    assert_exit(&none, 0);
    assert_eq!(
        (stdout(&none), stderr(&none)),
        (String::new(), String::new())
    );
}

/// `total_pages` that grows with every page and pages past the end that
/// repeat the last one: stopped at the first page sent again.
#[test]
fn pages_that_never_end_stop_with_invalid_response() {
    let lic = Lic::new();
    let keys: Vec<String> = (0..3)
        .map(|_| lic.partner.issue_license(&lic.token, "jetpack-scan"))
        .collect();
    lic.partner.endless_license_pages(true);
    let out = lic.run(&["license", "list"], &[]);
    assert_exit(&out, 1);
    assert_eq!(lines(&out).len(), 3, "what came before is printed");
    let sent = lic.env.api.requests_to(LICENSES);
    assert_eq!(sent.len(), 2);
    let id = lic.partner.request_id_of(&sent[1]).unwrap_or_default();
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_response",
            "error_message": format!("GET {LICENSES}: page 2: the API sent the same items as page 1 again, so its pages would never end; stopped here (the items before were printed) (X-Jetpack-Request-Id: {id}; Jetpack support asks for it)"),
            "request_id": id})
    );
    drop(keys);
}

/// A reader that goes away (`| head -1`) ends a list quietly (SPEC §9a).
#[test]
fn a_list_read_by_head_ends_quietly() {
    let lic = Lic::new();
    for _ in 0..300 {
        lic.partner.issue_license(&lic.token, "jetpack-scan");
    }
    let _ = lic.env.cmd_named("jetpack-partner");
    let bin = lic.env.root().join("bin");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{{ jetpack-partner license list {}; echo \"exit=$?\" >&2; }} | head -1 >/dev/null",
            lic.flag()
        ))
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("JETPACK_START_API_HOST", lic.env.api.base_url())
        .output()
        .expect("sh");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "exit=0\n",
        "no error, no note"
    );
}

#[test]
fn products_need_no_credentials_and_are_printed_as_sent() {
    let lic = Lic::new();
    let out = lic.clean(lic.env.cmd_without_wp().args(["license", "products"]), &[]);
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("GET", FAMILIES)
    );
    assert_eq!(sent[0].header("authorization"), None);
    assert_success(&out, &lic.get(FAMILIES));
}

/// `license list` re-writes each item as a line: terminal controls from
/// the API (a bidi override, an escape) come out as `\u` escapes.
#[test]
fn list_items_carry_no_terminal_controls() {
    let env = crate::testenv::TestEnv::new();
    env.api.reply(
        "GET",
        "/wpcom/v2/jetpack-licensing/licenses",
        crate::testenv::Reply::json(
            200,
            "{\"items\":[{\"license_key\":\"jetpack-scan_k1\",\"siteurl\":\"https://a.example/\\u202e\\u001b[2J\"}],\"total_pages\":1}",
        ),
    );
    let file = env.root().join("lic");
    crate::testenv::write_private(&file, "list-tok-1\n");
    let out = env
        .cmd_without_wp()
        .args([
            "license",
            "list",
            &format!("--licensing-token-file={}", file.display()),
        ])
        .output()
        .expect("run");
    crate::testenv::assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"license_key\":\"jetpack-scan_k1\",\"siteurl\":\"https://a.example/\\u202e\\u001b[2J\"}\n"
    );
}
