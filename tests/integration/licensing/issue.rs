//! `license issue --product [--count]`: one POST per license with the JSON
//! body `{"product":SLUG}`, each license one line as it comes, never sent
//! twice; the product checked first (documented slugs without a request,
//! any other against `/product-families`), `--count` 1 to 100.

use super::{lines, stderr, stdout, Lic, FAMILIES, LICENSE};
use crate::testenv::partner::Fault;
use crate::testenv::{assert_exit, assert_failure, stderr_json, Reply};
use serde_json::{json, Value};

const DOCUMENTED: &str = "free, personal, premium, professional, jetpack-backup-daily, jetpack-backup-realtime, jetpack-scan, jetpack-anti-spam, jetpack-security-daily, jetpack-security-realtime, jetpack-complete";
const FROM_API: &str = "free, personal, premium, professional, jetpack-security-daily, jetpack-security-realtime, jetpack-complete, jetpack-backup-daily, jetpack-backup-realtime, jetpack-scan, jetpack-anti-spam";

#[test]
fn one_license_is_one_post_and_its_answer_verbatim() {
    let lic = Lic::new();
    let out = lic.run(&["license", "issue", "--product=jetpack-scan"], &[]);
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let issued = lic.partner.licenses();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].product, "jetpack-scan");
    assert_eq!(
        issued[0].token, lic.token,
        "issued with the licensing token"
    );
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1, "no token call, no product check");
    let r = &sent[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_str()),
        ("POST", LICENSE, "")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {}", lic.token).as_str())
    );
    assert_eq!(r.body, br#"{"product":"jetpack-scan"}"#);
    // The answer as sent: the same license as the API shows it now.
    let shown = lic.get(&format!("{LICENSE}?license_key={}", issued[0].key));
    assert_eq!(stdout(&out), format!("{shown}\n"));
}

#[test]
fn count_issues_that_many_one_line_each_in_order() {
    let lic = Lic::new();
    let out = lic.run(
        &[
            "license",
            "issue",
            "--product=jetpack-backup-daily",
            "--count=3",
        ],
        &[],
    );
    assert_exit(&out, 0);
    let got = lines(&out);
    let issued = lic.partner.licenses();
    assert_eq!(issued.len(), 3);
    assert_eq!(got.len(), 3);
    for (line, l) in got.iter().zip(&issued) {
        assert_eq!(line["license_key"], json!(l.key));
        assert_eq!(line["license_id"], json!(l.id));
        assert_eq!(line["product_id"], json!(2100));
    }
    assert_eq!(lic.env.api.requests_to(LICENSE).len(), 3);
}

#[test]
fn a_count_of_zero_or_above_a_hundred_sends_nothing() {
    let lic = Lic::new();
    for (v, shown) in [
        ("0", "0"),
        ("101", "101"),
        ("x", "x"),
        ("-1", "-1"),
        ("2.5", "2.5"),
    ] {
        let out = lic.run(
            &[
                "license",
                "issue",
                "--product=jetpack-scan",
                &format!("--count={v}"),
            ],
            &[],
        );
        assert_failure(&out, "invalid_input");
        assert_eq!(
            stderr_json(&out),
            json!({"success": false, "error_code": "invalid_input",
                "error_message": format!("--count=\"{shown}\" is not a number of licenses from 1 to 100 (each is billed)")})
        );
    }
    let out = lic.run(&["license", "issue"], &[]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("--product=<SLUG>"),
        "{}",
        stderr(&out)
    );
    assert!(lic.env.api.requests().is_empty());
    assert!(lic.partner.licenses().is_empty());
}

#[test]
fn an_unknown_product_lists_the_apis_products_and_issues_nothing() {
    let lic = Lic::new();
    let out = lic.run(&["license", "issue", "--product=jetpack-videopress"], &[]);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_input",
            "error_message": format!("--product=\"jetpack-videopress\" is no product the Licensing API issues; its products (license products) are {FROM_API}")})
    );
    assert_failure(&out, "invalid_input");
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1, "the families, nothing else");
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("GET", FAMILIES)
    );
    assert_eq!(sent[0].header("authorization"), None, "public: no token");
    assert!(lic.partner.licenses().is_empty());
}

#[test]
fn without_the_apis_list_the_documented_products_are_named() {
    let lic = Lic::new();
    lic.partner.fail_next("product-families", 1, Fault::Html500);
    let out = lic.run(&["license", "issue", "--product=jetpack-scna"], &[]);
    assert_failure(&out, "invalid_input");
    assert_eq!(
        stderr_json(&out)["error_message"],
        json!(format!("--product=\"jetpack-scna\" is no product the Licensing API issues; the documented ones are (the API's own list could not be read) {DOCUMENTED}"))
    );
    assert_eq!(lic.env.api.requests().len(), 1);
    assert!(lic.partner.licenses().is_empty());
}

/// The third of five fails: two are printed, the error says so (with the
/// answer's request id), and nothing is sent again or after it.
#[test]
fn a_failure_part_way_keeps_what_was_issued_and_stops() {
    let lic = Lic::new();
    let model = lic.partner.clone();
    let n = std::sync::atomic::AtomicUsize::new(0);
    lic.env.api.set_fallback(move |r| {
        if r.path == LICENSE && n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
            let body = r#"{"code":"quota_exceeded","message":"No more licenses today.","data":{"status":403}}"#;
            return Reply::json(403, body).header("X-Jetpack-Request-Id", "req-third-7f");
        }
        model.handle(r)
    });
    let out = lic.run(
        &["license", "issue", "--product=jetpack-scan", "--count=5"],
        &[],
    );
    assert_exit(&out, 1);
    let issued = lic.partner.licenses();
    assert_eq!(issued.len(), 2);
    let keys: Vec<Value> = lines(&out)
        .iter()
        .map(|l| l["license_key"].clone())
        .collect();
    assert_eq!(keys, [json!(issued[0].key), json!(issued[1].key)]);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "quota_exceeded",
            "error_message": "2 of 5 licenses were issued before this (each printed on stdout as it came, or under \"license\" here), so issue only the rest: No more licenses today. (X-Jetpack-Request-Id: req-third-7f; Jetpack support asks for it)",
            "request_id": "req-third-7f",
            "code": "quota_exceeded", "message": "No more licenses today.", "data": {"status": 403},
            "issued": 2})
    );
    assert_eq!(lic.env.api.requests_to(LICENSE).len(), 3, "none after it");
}

/// A busy answer is the answer: an issue that may have reached the API is
/// never sent again (each is billed).
#[test]
fn an_issue_is_never_retried() {
    let lic = Lic::new();
    lic.partner.fail_next(
        "issue",
        1,
        Fault::RetryAfter {
            status: 503,
            seconds: 0,
        },
    );
    let out = lic.run(&["license", "issue", "--product=jetpack-scan"], &[]);
    let err = assert_failure(&out, "service_unavailable");
    let id = lic.partner.request_id_of(&lic.env.api.requests()[0]);
    assert_eq!(err["request_id"], json!(id));
    assert_eq!(lic.env.api.requests_to(LICENSE).len(), 1);
    assert!(lic.partner.licenses().is_empty());
}

#[test]
fn a_dry_run_shows_each_post_and_sends_nothing() {
    let lic = Lic::new();
    let out = lic.run(
        &[
            "license",
            "issue",
            "--product=jetpack-complete",
            "--count=2",
            "--dry-run",
        ],
        &[],
    );
    let post = json!({"method": "POST", "url": format!("{}{LICENSE}", lic.env.api.base_url()),
        "headers": {"Authorization": "Bearer <redacted>", "Content-Type": "application/json"},
        "json": {"product": "jetpack-complete"}});
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("{}\n", json!({"dry_run": true, "requests": [post, post]}))
    );
    assert!(lic.env.api.requests().is_empty());
}
