//! What the local sites alone show (no reporting token): copies in safe
//! mode, installs sharing a blog id, sites not connected, drift from a
//! desired-state file; the summary; the sites that could not be read; and
//! the flags refused before anything runs.

use super::{audit, batch_of, findings, only_reads, site_dir};
use crate::testenv::partner::DEFAULT_PARTNER_ID;
use crate::testenv::{assert_exit, stderr_json, TestEnv};
use serde_json::{json, Value};

/// The blog id a finding line gives for `site`.
fn env_blog_id(lines: &[Value], site: &str) -> u64 {
    lines
        .iter()
        .find(|l| l["site"] == site)
        .and_then(|l| l["blog_id"].as_u64())
        .unwrap_or_else(|| panic!("no finding for {site}"))
}

fn t(kind: &str, site: &str, product: &str) -> (String, String, String) {
    (kind.into(), site.into(), product.into())
}

/// Four sites: shop, its staging copy (same blog id, Jetpack's safe mode),
/// one whose connection is gone, and one that is fine.
struct Fleet {
    shop: String,
    staging: String,
    gone: String,
    fine: String,
}

fn fleet(env: &TestEnv) -> Fleet {
    let partner = env.partner_api();
    let me = Some(DEFAULT_PARTNER_ID);
    let shop_id = partner.seed("https://shop.example", me, &["jetpack-scan"]);
    let gone_id = partner.seed("https://gone.example", me, &["jetpack-backup-daily"]);
    partner.set_connected("https://gone.example", false);
    let fine_id = partner.seed(
        "https://fine.example",
        me,
        &["premium", "jetpack-anti-spam"],
    );
    let facts = |home: &str, id: u64, safe: bool| json!({"siteurl": home, "home": home, "blog_id": id, "safe_mode": safe});
    Fleet {
        shop: site_dir(env, "shop", facts("https://shop.example", shop_id, false)),
        staging: site_dir(
            env,
            "staging",
            facts("https://staging.shop.example", shop_id, true),
        ),
        gone: site_dir(env, "gone", facts("https://gone.example", gone_id, false)),
        fine: site_dir(env, "fine", facts("https://fine.example", fine_id, false)),
    }
}

#[test]
fn finds_copies_shared_blog_ids_lost_connections_and_drift_and_changes_nothing() {
    let env = TestEnv::new();
    let f = fleet(&env);
    let desired = env.root().join("desired.jsonl");
    std::fs::write(
        &desired,
        format!(
            "{}\n",
            json!({"path": f.fine, "products": ["premium", "jetpack-scan"]})
        ),
    )
    .expect("write");
    let batch = batch_of(&env, &[&f.shop, &f.staging, &f.gone, &f.fine]);
    let out = audit(&env, &[&batch, &format!("--desired={}", desired.display())]);
    assert_exit(&out, 0);
    assert_eq!(
        findings(&out),
        vec![
            t("drift", &f.fine, "jetpack-anti-spam"),
            t("drift", &f.fine, "jetpack-scan"),
            t("duplicate_blog_id", &f.shop, ""),
            t("duplicate_blog_id", &f.staging, ""),
            t("not_connected", &f.gone, ""),
            t("safe_mode", &f.staging, ""),
        ]
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let drift: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "drift").collect();
    let scan = drift.iter().find(|l| l["product"] == "jetpack-scan");
    assert_eq!(
        scan.map(|l| (
            &l["evidence"]["apply_would"],
            &l["evidence"]["only_with_prune"]
        )),
        Some((&json!("provision"), &json!(false)))
    );
    let spam = drift.iter().find(|l| l["product"] == "jetpack-anti-spam");
    assert_eq!(
        spam.map(|l| &l["evidence"]["only_with_prune"]),
        Some(&json!(true))
    );
    let copy = lines
        .iter()
        .find(|l| l["kind"] == "duplicate_blog_id" && l["site"] == f.shop.as_str());
    assert_eq!(
        copy.map(|l| &l["evidence"]["also_on"]),
        Some(&json!([f.staging]))
    );
    // Every finding says what to do, and which run found it.
    for l in &lines {
        assert!(l["advice"].as_str().is_some_and(|a| !a.is_empty()), "{l}");
        assert!(l["run"].as_str().is_some_and(|r| !r.is_empty()), "{l}");
    }
    only_reads(&env);
    // A status per site but the copy: by its blog id it would be the
    // original's.
    let mut statuses: Vec<String> = env
        .api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/status"))
        .map(|r| r.path.clone())
        .collect();
    statuses.sort();
    let ids: Vec<String> = [&f.shop, &f.gone, &f.fine]
        .iter()
        .map(|dir| {
            let blog = env_blog_id(&lines, dir);
            format!("/rest/v1.4/jpphp/{blog}/status")
        })
        .collect();
    let mut want = ids;
    want.sort();
    assert_eq!(statuses, want);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("audit of 4 sites and no billing (no --reporting-token-file): 6 findings"),
        "{summary}"
    );
}

#[test]
fn the_summary_as_json_counts_per_kind_and_product() {
    let env = TestEnv::new();
    let f = fleet(&env);
    let batch = batch_of(&env, &[&f.shop, &f.staging, &f.gone, &f.fine]);
    let out = audit(&env, &[&batch, "--summary=json"]);
    assert_exit(&out, 0);
    let s = stderr_json(&out);
    assert_eq!(s["sites"], json!(4));
    assert_eq!(s["findings"], json!(4));
    assert_eq!(s["activations"], Value::Null);
    assert_eq!(
        s["by_kind"],
        json!({
            "duplicate_blog_id": {"(no product)": 2},
            "not_connected": {"(no product)": 1},
            "safe_mode": {"(no product)": 1},
        })
    );
}

#[test]
fn a_site_wordpress_cannot_answer_for_is_named_and_the_run_exits_1() {
    let env = TestEnv::new();
    let f = fleet(&env);
    let broken = env.root().join("sites/broken");
    std::fs::create_dir_all(&broken).expect("mkdir");
    let broken = broken.display().to_string();
    let path = format!("--path={broken}");
    let argv = crate::testenv::eval_argv(&["--allow-root", &path]);
    env.wp.answer_with(
        &argv,
        "",
        "Error: Error establishing a database connection.\n",
        1,
    );
    let batch = batch_of(&env, &[&f.fine, &broken]);
    let out = audit(&env, &[&batch]);
    assert_exit(&out, 1);
    assert_eq!(findings(&out), vec![]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{broken}: WordPress could not be asked")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "audit of 2 sites and no billing (no --reporting-token-file): 0 findings; 1 site could not be read: {broken}\n"
        )),
        "{err}"
    );
    // Quiet: no notes, but a run that could not read a site still says
    // which, and --summary=json lists them.
    let out = audit(&env, &[&batch, "--quiet", "--summary=json"]);
    assert_exit(&out, 1);
    assert_eq!(out.stdout, b"");
    let s = stderr_json(&out);
    assert_eq!(s["unread"], json!([broken]));
    assert_eq!(s["findings"], json!(0));
}

#[test]
fn html_is_one_page_with_every_finding() {
    let env = TestEnv::new();
    let f = fleet(&env);
    let batch = batch_of(&env, &[&f.shop, &f.staging, &f.gone, &f.fine]);
    let out = audit(&env, &[&batch, "--format=html", "--quiet"]);
    assert_exit(&out, 0);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert_eq!(page.matches("</html>").count(), 1);
    for site in [&f.shop, &f.staging, &f.gone] {
        assert!(page.contains(site.as_str()), "{site} missing");
    }
    assert!(
        !page.contains(&f.fine),
        "a site without findings is not listed"
    );
    assert!(!page.contains("<script src"), "nothing from elsewhere");
}

#[test]
fn dry_run_sends_nothing_and_shows_the_reads() {
    let env = TestEnv::new();
    let f = fleet(&env);
    let batch = batch_of(&env, &[&f.shop, &f.fine]);
    let out = audit(&env, &[&batch, "--dry-run"]);
    assert_exit(&out, 0);
    assert!(env.api.requests().is_empty());
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["dry_run"], json!(true));
    assert_eq!(v["sites"], json!([f.shop, f.fine]));
    let paths: Vec<&str> = v["requests"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["url"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(paths.len(), 3, "{v}");
    assert!(paths[0].ends_with("/oauth2/token"), "{v}");
    assert!(paths[1..].iter().all(|p| p.ends_with("/status")), "{v}");
}

#[test]
fn refused_before_anything_runs() {
    let env = TestEnv::new();
    // No sites named: a usage error.
    let out = audit(&env, &[]);
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--scan=<DIR>, --batch=<FILE> or --all-sites"),
        "{err}"
    );
    for (flag, code) in [
        ("--format=pdf", "invalid_input"),
        ("--summary=xml", "invalid_input"),
        ("--max-depth=0", "invalid_input"),
    ] {
        let out = audit(&env, &["--scan=/nonexistent", flag]);
        assert_eq!(stderr_json(&out)["error_code"], json!(code), "{flag}");
        assert_exit(&out, 1);
    }
    // Billing takes the reporting token and the key id, both or neither.
    let out = audit(&env, &["--scan=/nonexistent", "--partner-key-id=7"]);
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--reporting-token-file=<PATH> (with --partner-key-id)"),
        "{err}"
    );
    let out = env
        .cmd()
        .args([
            "audit",
            "-c=1234",
            "--scan=/nonexistent",
            "--partner-key-id=abc",
        ])
        .env("JETPACK_PARTNER_SECRET", crate::testenv::SECRET)
        .env("JETPACK_REPORTING_TOKEN", "rep-tok")
        .output()
        .expect("run");
    assert_eq!(stderr_json(&out)["error_code"], json!("invalid_input"));
    assert!(env.api.requests().is_empty());
    assert!(env.wp.calls().is_empty());
}

#[test]
fn jetpacks_last_license_error_is_a_finding_without_the_keys() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    let id = partner.seed("https://lic.example", Some(DEFAULT_PARTNER_ID), &[]);
    let key = "jetpack-scan_9f8e7d6c5b4a3210";
    let message =
        format!("The following Jetpack licenses are invalid, already in use, or revoked: {key}");
    let dir = site_dir(
        &env,
        "lic",
        json!({"siteurl": "https://lic.example", "home": "https://lic.example", "blog_id": id,
               "safe_mode": false, "licensing_error": message}),
    );
    let batch = batch_of(&env, &[&dir]);
    let out = audit(&env, &[&batch]);
    assert_exit(&out, 0);
    assert_eq!(findings(&out), vec![t("license_error", &dir, "")]);
    let line: Value = serde_json::from_slice(&out.stdout).expect("one line");
    assert_eq!(
        line["evidence"]["licensing_error"],
        json!("The following Jetpack licenses are invalid, already in use, or revoked: jetpack-scan_…")
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(key));
}

#[test]
fn all_sites_of_a_network_from_one_bootstrap() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    let me = Some(DEFAULT_PARTNER_ID);
    let main_id = partner.seed("http://multi.test", me, &["premium"]);
    let shop_id = partner.seed("http://multi.test/shop", me, &["jetpack-scan"]);
    partner.set_connected("http://multi.test/shop", false);
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
            {"url": "http://multi.test/", "siteurl": "http://multi.test", "home": "http://multi.test", "blog_id": main_id, "safe_mode": false},
            {"url": "http://multi.test/shop/", "siteurl": "http://multi.test/shop", "home": "http://multi.test/shop", "blog_id": shop_id, "safe_mode": false},
            {"url": "http://multi.test/copy/", "siteurl": "http://multi.test/copy", "home": "http://multi.test/copy", "blog_id": main_id, "safe_mode": true},
        ]
    });
    env.wp
        .answer_with(&argv, &crate::testenv::facts_stdout("", facts), "", 0);
    let out = audit(&env, &["--all-sites", &path]);
    assert_exit(&out, 0);
    assert_eq!(
        findings(&out),
        vec![
            t("duplicate_blog_id", "http://multi.test/", ""),
            t("duplicate_blog_id", "http://multi.test/copy/", ""),
            t("not_connected", "http://multi.test/shop/", ""),
            t("safe_mode", "http://multi.test/copy/", ""),
        ]
    );
    // One WordPress bootstrap for the whole network.
    assert_eq!(env.wp.calls().len(), 1);
    only_reads(&env);
}

#[test]
fn scan_finds_the_installs_and_asks_each() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    let id = partner.seed("https://a.example", Some(DEFAULT_PARTNER_ID), &["premium"]);
    let www = env.root().join("www");
    for (name, home, safe) in [
        ("a", "https://a.example", false),
        ("b", "https://b.example", true),
    ] {
        let dir = www.join(name);
        std::fs::create_dir_all(dir.join("wp-includes")).expect("mkdir");
        std::fs::write(dir.join("wp-load.php"), "<?php\n").expect("write");
        std::fs::write(dir.join("wp-config.php"), "<?php\n").expect("write");
        std::fs::write(
            dir.join("wp-includes/version.php"),
            "<?php\n$wp_version = '6.4.2';\n",
        )
        .expect("write");
        let path = format!("--path={}", dir.display());
        let argv = crate::testenv::eval_argv(&["--allow-root", &path]);
        let facts = json!({"siteurl": home, "home": home, "blog_id": id, "safe_mode": safe});
        env.wp
            .answer_with(&argv, &crate::testenv::facts_stdout("", facts), "", 0);
    }
    let out = audit(&env, &[&format!("--scan={}", www.display())]);
    assert_exit(&out, 0);
    let a = www.join("a").display().to_string();
    let b = www.join("b").display().to_string();
    assert_eq!(
        findings(&out),
        vec![
            t("duplicate_blog_id", &a, ""),
            t("duplicate_blog_id", &b, ""),
            t("safe_mode", &b, ""),
        ]
    );
    assert_eq!(env.wp.calls().len(), 2);
}
