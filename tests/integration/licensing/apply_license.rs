//! `apply` lines with `"via":"license"`: what a site lacks comes as
//! `provision --license` gives it (connect if needed, issue, set through
//! the fake `wp`), each action saying `"via":"license"`; after a failure no
//! other license is issued for the site; `--prune` is unchanged (a partner
//! cancel, never a revoke).

use super::provision_license::{attached, facts_for, program_answers};
use super::{lines, partner_creds, stdout, Lic, CONNECT, LICENSE};
use crate::partner_api::write_file;
use crate::testenv::assert_exit;
use serde_json::{json, Value};

const A: &str = "https://a.example";
const URL: &str = "--url=https://a.example";

/// `apply -c=1234 -s=… --licensing-token-file=… --desired=FILE --allow-root
/// --path=…` with `lines`, then `extra`.
fn apply(lic: &Lic, lines: &str, extra: &[&str]) -> std::process::Output {
    let file = write_file(&lic.env, "desired.jsonl", lines);
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.cmd();
    cmd.arg("apply")
        .args(partner_creds())
        .arg(lic.flag())
        .arg(format!("--desired={file}"))
        .args(["--allow-root", &path])
        .args(extra);
    lic.clean(&mut cmd, &[])
}

/// a.example wants `products` by license, for admin.
fn wants(products: &[&str]) -> String {
    format!(
        "{}\n",
        json!({"url": A, "user": "admin", "via": "license", "products": products})
    )
}

/// (method, path) of the requests after the first `skip`.
fn sent(lic: &Lic, skip: usize) -> Vec<String> {
    let all = lic.env.api.requests();
    all[skip..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The keys the model issued, in order.
fn keys(lic: &Lic) -> Vec<String> {
    lic.partner.licenses().into_iter().map(|l| l.key).collect()
}

#[test]
fn missing_products_come_by_license_and_a_second_run_changes_nothing() {
    let lic = Lic::new();
    lic.partner.seed_site(A, 601);
    lic.partner.set_connected(A, true);
    facts_for(&lic.env, &[URL], A, 601);
    program_answers(&lic.env, &[URL], attached(601));
    let desired = wants(&["jetpack-scan", "jetpack-backup-daily"]);
    let out = apply(&lic, &desired, &[]);
    assert_exit(&out, 0);
    let issued = keys(&lic);
    assert_eq!(issued.len(), 2);
    let got = lines(&out);
    assert_eq!(got.len(), 1, "{}", stdout(&out));
    assert_eq!(got[0]["changed"], json!(true));
    let want: Vec<Value> = ["jetpack-scan", "jetpack-backup-daily"]
        .iter()
        .zip(&issued)
        .map(|(plan, key)| {
            json!({"action": "provision", "plan": plan, "via": "license", "success": true,
                "answer": {"success": true, "license_key": key, "blog_id": 601}})
        })
        .collect();
    assert_eq!(got[0]["actions"], json!(want));
    assert_eq!(
        sent(&lic, 0),
        [
            "POST /oauth2/token",
            "GET /rest/v1.4/jpphp/601/status",
            &format!("POST {LICENSE}"),
            &format!("POST {LICENSE}"),
        ],
        "connected already: no connection; no partner provision"
    );
    // Jetpack attaches them (the fake wp does not); then nothing is missing.
    for key in &issued {
        lic.partner.attach_license(key, A);
    }
    let before = lic.env.api.requests().len();
    let again = apply(&lic, &desired, &[]);
    assert_exit(&again, 0);
    assert_eq!(lines(&again)[0]["actions"], json!([]));
    assert_eq!(
        sent(&lic, before),
        ["POST /oauth2/token", "GET /rest/v1.4/jpphp/601/status"]
    );
    assert_eq!(keys(&lic).len(), 2, "nothing issued again");
}

/// No blog id: one connection first, then each product's license.
#[test]
fn a_site_not_connected_is_connected_once() {
    let lic = Lic::new();
    facts_for(&lic.env, &[URL], A, 0);
    program_answers(&lic.env, &[URL], attached(0));
    let out = apply(&lic, &wants(&["jetpack-scan", "jetpack-anti-spam"]), &[]);
    assert_exit(&out, 0);
    let blog = lic.partner.blog_id(A).unwrap_or_default();
    let got = lines(&out);
    assert_eq!(got[0]["actions"][1]["answer"]["blog_id"], json!(blog));
    assert_eq!(
        sent(&lic, 0),
        [
            "POST /oauth2/token",
            "GET /rest/v1.4/jpphp/a.example/status",
            &format!("POST {CONNECT}"),
            &format!("POST {LICENSE}"),
            &format!("POST {LICENSE}"),
        ]
    );
}

/// The first license does not get onto the site: its action carries the
/// key (maybe_sent), and no second license is issued for the site.
#[test]
fn after_a_license_fails_no_other_is_issued_for_the_site() {
    let lic = Lic::new();
    lic.partner.seed_site(A, 601);
    facts_for(&lic.env, &[URL], A, 601);
    program_answers(
        &lic.env,
        &[URL],
        json!({"blog_id": 601, "changed": false, "stored": 0, "added": 0, "removed": 0,
            "write_error": "Could not update option jetpack_licenses."}),
    );
    let out = apply(&lic, &wants(&["jetpack-scan", "jetpack-backup-daily"]), &[]);
    assert_exit(&out, 1);
    let issued = keys(&lic);
    assert_eq!(issued.len(), 1, "one license, not two");
    let line = &lines(&out)[0];
    assert_eq!(line["success"], json!(false));
    assert_eq!(line["changed"], json!(true), "a license was issued");
    assert_eq!(line["error_code"], json!("wp_failed"));
    let first = &line["actions"][0];
    assert_eq!(first["via"], json!("license"));
    assert_eq!(first["success"], json!(false));
    assert_eq!(first["maybe_sent"], json!(true));
    assert_eq!(first["license_key"], json!(issued[0]));
    assert_eq!(
        line["actions"][1],
        json!({"action": "provision", "plan": "jetpack-backup-daily", "via": "license", "sent": false,
            "why": "not sent: a provision by license of this site failed, so no other license (each is billed) is issued for it in this run"})
    );
}

/// --prune is the partner cancel it always was: this partner's premium,
/// no longer listed, is cancelled; the license path gives what is missing.
#[test]
fn prune_cancels_as_before_and_revokes_nothing() {
    let lic = Lic::new();
    let blog = lic.partner.seed(A, Some("1234"), &["premium"]);
    facts_for(&lic.env, &[URL], A, blog);
    program_answers(&lic.env, &[URL], attached(blog));
    let out = apply(&lic, &wants(&["jetpack-scan"]), &["--prune"]);
    assert_exit(&out, 0);
    let actions: Vec<(String, String)> = lines(&out)[0]["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("plan"))
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("provision".to_string(), "jetpack-scan".to_string()),
            ("cancel".into(), "premium".into())
        ]
    );
    let cancel = format!("POST /rest/v1.3/jpphp/{blog}/partner-cancel");
    assert!(sent(&lic, 0).contains(&cancel));
    assert!(!sent(&lic, 0).iter().any(|r| r.starts_with("DELETE")));
    assert_eq!(lic.partner.slugs(A), Vec::<String>::new(), "premium gone");
}

/// A dry run shows the provision by license and sends only the token and
/// status calls.
#[test]
fn a_dry_run_shows_the_way_and_issues_nothing() {
    let lic = Lic::new();
    facts_for(&lic.env, &[URL], A, 0);
    let out = apply(&lic, &wants(&["jetpack-scan"]), &["--dry-run"]);
    assert_exit(&out, 0);
    assert_eq!(
        lines(&out)[0]["actions"],
        json!([{"action": "provision", "plan": "jetpack-scan", "via": "license"}])
    );
    assert_eq!(
        sent(&lic, 0),
        [
            "POST /oauth2/token",
            "GET /rest/v1.4/jpphp/a.example/status"
        ]
    );
    assert!(lic.partner.licenses().is_empty());
}

/// `via` takes license or partner; anything else fails its line alone.
#[test]
fn an_unknown_via_fails_its_line() {
    let lic = Lic::new();
    let line = json!({"url": A, "user": "admin", "via": "magic", "products": ["jetpack-scan"]});
    let out = apply(&lic, &format!("{line}\n"), &[]);
    assert_exit(&out, 1);
    let got = lines(&out);
    assert_eq!(got[0]["error_code"], json!("invalid_input"));
    let message = got[0]["error_message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("via=\"magic\" is not how the line's products come: \"license\" (a license issued and set on the site), or \"partner\" (provision, the default)"),
        "{message}"
    );
    assert!(lic.partner.licenses().is_empty());
}

/// The nightly case: last night's key never got attached, so it waits in
/// jetpack_licenses (the facts name its product) and the status still
/// lacks the product. Tonight's apply issues nothing for it: one license
/// billed, not one a night.
#[test]
fn a_key_waiting_on_the_site_is_not_issued_again_night_after_night() {
    let lic = Lic::new();
    lic.partner.seed_site(A, 601);
    lic.partner.set_connected(A, true);
    lic.env.answer_facts(
        &[URL],
        "",
        json!({"user_id": 1, "siteurl": A, "home": A, "blog_id": 601,
            "safe_mode": false, "activate": "ok", "licensed": ["jetpack-scan"]}),
    );
    let out = apply(&lic, &wants(&["jetpack-scan"]), &[]);
    assert_exit(&out, 1);
    assert!(keys(&lic).is_empty(), "no license issued");
    let line = &lines(&out)[0];
    assert_eq!(line["error_code"], json!("license_already_set"), "{line}");
    assert_eq!(line["changed"], json!(false), "{line}");
    assert!(
        sent(&lic, 0).iter().all(|r| !r.ends_with(LICENSE)),
        "{:?}",
        sent(&lic, 0)
    );
}
