//! What the billed activations show, with the reporting token and the
//! partner key id: billed for a site that is not here, pending for more
//! than 14 days, ours on a site with nothing billed; every page read with
//! the reporting token (never the partner token), and a report whose pages
//! never end stopped.

use super::{batch_of, findings, only_reads, site_dir};
use crate::testenv::partner::DEFAULT_PARTNER_ID;
use crate::testenv::{assert_exit, stderr_json, PartnerApi, TestEnv, SECRET};
use serde_json::{json, Value};
use std::process::Output;

fn t(kind: &str, site: &str, product: &str) -> (String, String, String) {
    (kind.into(), site.into(), product.into())
}

/// `audit` with the reporting token (in a 0600 file) and the key id.
fn audit_billed(env: &TestEnv, token: &str, key_id: u64, args: &[&str]) -> Output {
    let file = env.root().join("reporting-token");
    crate::testenv::write_private(&file, format!("{token}\n"));
    env.cmd()
        .args(["audit", &format!("-c={DEFAULT_PARTNER_ID}")])
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .args([
            "--allow-root".to_string(),
            format!("--reporting-token-file={}", file.display()),
            format!("--partner-key-id={key_id}"),
        ])
        .args(args)
        .output()
        .expect("run")
}

fn local(env: &TestEnv, name: &str, home: &str, id: u64) -> String {
    site_dir(
        env,
        name,
        json!({"siteurl": home, "home": home, "blog_id": id, "safe_mode": false}),
    )
}

/// A fleet whose billing has one of each: a site billed and here, one
/// billed and gone, one pending for 20 days (here), one pending for 3 days
/// (here: not yet a finding), one whose activation was cancelled while the
/// product stayed (here: ours, not billed).
struct Billed {
    partner: PartnerApi,
    shop: String,
    pending: String,
    unbilled: String,
    batch: String,
}

fn billed(env: &TestEnv) -> Billed {
    let partner = env.partner_api();
    let me = Some(DEFAULT_PARTNER_ID);
    let shop_id = partner.seed("https://shop.example", me, &["jetpack-scan"]);
    partner.seed("https://gone.example", me, &["jetpack-backup-daily"]);
    let pending_id = partner.seed("https://pending.example", me, &["jetpack-scan"]);
    partner.set_pending("https://pending.example", "jetpack-scan", true);
    let stale = partner
        .activation_for("https://pending.example", "jetpack-scan")
        .expect("pending activation")
        .id;
    let twenty = partner.days_ago(20);
    partner.edit_activation(stale, |a| {
        a.created_on = twenty;
        a.activated_on = None;
    });
    let fresh_id = partner.seed("https://fresh.example", me, &["jetpack-anti-spam"]);
    partner.set_pending("https://fresh.example", "jetpack-anti-spam", true);
    let unbilled_id = partner.seed("https://unbilled.example", me, &["jetpack-backup-daily"]);
    let cancelled = partner
        .activation_for("https://unbilled.example", "jetpack-backup-daily")
        .expect("activation")
        .id;
    let now = partner.now();
    partner.edit_activation(cancelled, |a| a.cancelled_on = Some(now));
    let shop = local(env, "shop", "https://shop.example", shop_id);
    let pending = local(env, "pending", "https://pending.example", pending_id);
    let fresh = local(env, "fresh", "https://fresh.example", fresh_id);
    let unbilled = local(env, "unbilled", "https://unbilled.example", unbilled_id);
    let batch = batch_of(env, &[&shop, &pending, &fresh, &unbilled]);
    Billed {
        partner,
        shop,
        pending,
        unbilled,
        batch,
    }
}

#[test]
fn billed_gone_pending_too_long_and_ours_unbilled_are_found_and_nothing_else() {
    let env = TestEnv::new();
    let b = billed(&env);
    let token = b.partner.reporting_token(DEFAULT_PARTNER_ID);
    let key = b.partner.key_id_of(DEFAULT_PARTNER_ID).expect("key id");
    let out = audit_billed(&env, &token, key, &[&b.batch]);
    assert_exit(&out, 0);
    assert_eq!(
        findings(&out),
        vec![
            t(
                "billed_without_local_site",
                "https://gone.example",
                "jetpack-backup-daily"
            ),
            t(
                "local_product_not_billed",
                &b.unbilled,
                "jetpack-backup-daily"
            ),
            t(
                "pending_over_14_days",
                "https://pending.example",
                "jetpack-scan"
            ),
        ]
    );
    // The evidence is the activation as the report gave it.
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let gone = &lines[0];
    assert_eq!(gone["evidence"]["site_url"], json!("https://gone.example"));
    assert_eq!(gone["evidence"]["product_id"], json!(2100));
    only_reads(&env);
    // Every activations page went with the reporting token, and only there.
    for r in env.api.requests() {
        let bearer = r.header("authorization").unwrap_or("").to_string();
        if r.path.contains("/activations") {
            assert_eq!(bearer, format!("Bearer {token}"), "{}", r.path);
        } else {
            assert!(
                !bearer.contains(&token),
                "reporting token sent to {}",
                r.path
            );
        }
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains(&token));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&token));
    let _ = (&b.shop, &b.pending);
}

#[test]
fn the_summary_counts_the_activations_read() {
    let env = TestEnv::new();
    let b = billed(&env);
    let token = b.partner.reporting_token(DEFAULT_PARTNER_ID);
    let key = b.partner.key_id_of(DEFAULT_PARTNER_ID).expect("key id");
    let out = audit_billed(&env, &token, key, &[&b.batch, "--summary=json"]);
    assert_exit(&out, 0);
    let s = stderr_json(&out);
    assert_eq!(s["sites"], json!(4));
    assert_eq!(
        s["activations"],
        json!(b.partner.activations(DEFAULT_PARTNER_ID).len())
    );
    assert_eq!(s["findings"], json!(3));
}

#[test]
fn many_pages_are_all_read() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.plant_activations(DEFAULT_PARTNER_ID, 250);
    let token = partner.reporting_token(DEFAULT_PARTNER_ID);
    let key = partner.key_id_of(DEFAULT_PARTNER_ID).expect("key id");
    // One local site: planted-1 (by URL, no WordPress to ask).
    let file = env.root().join("urls.jsonl");
    std::fs::write(&file, "{\"url\":\"https://planted-1.example.net\"}\n").expect("write");
    let out = audit_billed(
        &env,
        &token,
        key,
        &[&format!("--batch={}", file.display()), "--summary=json"],
    );
    assert_exit(&out, 0);
    // (planted-1 is no site the partner API knows: not_connected besides.)
    let billed: Vec<_> = findings(&out)
        .into_iter()
        .filter(|f| f.0 == "billed_without_local_site")
        .collect();
    assert_eq!(billed.len(), 249);
    assert!(!billed
        .iter()
        .any(|f| f.1 == "https://planted-1.example.net"));
    assert_eq!(stderr_json(&out)["activations"], json!(250));
    let pages = env
        .api
        .requests()
        .iter()
        .filter(|r| r.path.contains("/activations"))
        .count();
    assert_eq!(pages, 3, "250 activations at 100 a page");
}

#[test]
fn a_report_whose_pages_never_end_stops_with_invalid_response() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.plant_activations(DEFAULT_PARTNER_ID, 5);
    partner.endless_activation_pages(true);
    let token = partner.reporting_token(DEFAULT_PARTNER_ID);
    let key = partner.key_id_of(DEFAULT_PARTNER_ID).expect("key id");
    let file = env.root().join("urls.jsonl");
    std::fs::write(&file, "{\"url\":\"https://planted-1.example.net\"}\n").expect("write");
    let out = audit_billed(&env, &token, key, &[&format!("--batch={}", file.display())]);
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or("");
    let v: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(v["error_code"], json!("invalid_response"), "{v}");
    let pages = env
        .api
        .requests()
        .iter()
        .filter(|r| r.path.contains("/activations"))
        .count();
    assert!(pages < 50, "{pages} pages asked for");
}

#[test]
fn a_licensing_token_where_the_reporting_one_is_due_says_which_is_wanted() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    let wrong = partner.licensing_token(DEFAULT_PARTNER_ID);
    let key = partner.key_id_of(DEFAULT_PARTNER_ID).expect("key id");
    let file = env.root().join("urls.jsonl");
    std::fs::write(&file, "{\"url\":\"https://a.example\"}\n").expect("write");
    let out = audit_billed(&env, &wrong, key, &[&format!("--batch={}", file.display())]);
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or("");
    let v: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(v["error_code"], json!("invalid_scope"), "{v}");
    let message = v["error_message"].as_str().unwrap_or("");
    assert!(message.contains("reporting"), "{message}");
    assert!(!err.contains(&wrong));
}

#[test]
fn the_reporting_token_file_may_come_from_the_config_file() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.plant_activations(DEFAULT_PARTNER_ID, 2);
    let token = partner.reporting_token(DEFAULT_PARTNER_ID);
    let key = partner.key_id_of(DEFAULT_PARTNER_ID).expect("key id");
    let dir = env.root().join("cfg");
    std::fs::create_dir_all(&dir).expect("mkdir");
    crate::testenv::write_private(&dir.join("reporting"), format!("{token}\n"));
    crate::testenv::write_private(&dir.join("secret"), format!("{SECRET}\n"));
    let config = dir.join("config.toml");
    crate::testenv::write_private(
        &config,
        format!("partner_id = {DEFAULT_PARTNER_ID}\npartner_secret_file = \"secret\"\nreporting_token_file = \"reporting\"\n"),
    );
    let file = env.root().join("urls.jsonl");
    std::fs::write(&file, "{\"url\":\"https://planted-1.example.net\"}\n").expect("write");
    let out = env
        .cmd()
        .args([
            "audit".to_string(),
            format!("--config={}", config.display()),
            format!("--batch={}", file.display()),
            format!("--partner-key-id={key}"),
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let billed: Vec<_> = findings(&out)
        .into_iter()
        .filter(|f| f.0 == "billed_without_local_site")
        .collect();
    assert_eq!(
        billed,
        vec![t(
            "billed_without_local_site",
            "https://planted-2.example.net",
            "personal"
        )]
    );
    let sent_with: Vec<String> = env
        .api
        .requests()
        .iter()
        .filter(|r| r.path.contains("/activations"))
        .map(|r| r.header("authorization").unwrap_or("").to_string())
        .collect();
    assert_eq!(sent_with, vec![format!("Bearer {token}")]);
}

/// Only a staging copy is here (Jetpack's safe mode: it carries the
/// original's blog id). The original's billing is not "here" because its
/// copy is, and the copy's status is not read (by that blog id it would be
/// the original's).
#[test]
fn a_copy_does_not_stand_for_the_original_it_copies() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    let shop_id = partner.seed(
        "https://shop.example",
        Some(DEFAULT_PARTNER_ID),
        &["jetpack-scan"],
    );
    let staging = site_dir(
        &env,
        "staging",
        json!({"siteurl": "https://staging.shop.example", "home": "https://staging.shop.example",
               "blog_id": shop_id, "safe_mode": true}),
    );
    let batch = batch_of(&env, &[&staging]);
    let token = partner.reporting_token(DEFAULT_PARTNER_ID);
    let key = partner.key_id_of(DEFAULT_PARTNER_ID).expect("key id");
    let out = audit_billed(&env, &token, key, &[&batch]);
    assert_exit(&out, 0);
    assert_eq!(
        findings(&out),
        vec![
            t(
                "billed_without_local_site",
                "https://shop.example",
                "jetpack-scan"
            ),
            t("safe_mode", &staging, ""),
        ]
    );
    assert!(
        env.api
            .requests()
            .iter()
            .all(|r| !r.path.ends_with("/status")),
        "a copy's status was read"
    );
}
