//! `license attach KEY` (the site: `--blog_id`, else Jetpack's blog id from
//! WordPress, else the site suffix of the URL) and `license detach KEY
//! [--no-email]`: one request each, by blog id, so a copy of a site is
//! refused; batches of them.

use super::{lines, stderr, stdout, Lic, LICENSE};
use crate::partner_api::write_file;
use crate::testenv::{self, assert_exit, assert_failure, facts_stdout, stderr_json};
use serde_json::{json, Value};

fn site_path(key: &str) -> String {
    format!("{LICENSE}/{key}/site")
}

/// `license attach|detach` in WordPress (the fake `wp`), `args` after it.
fn in_wordpress(lic: &Lic, args: &[&str]) -> std::process::Output {
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.cmd();
    cmd.args(&args[..2])
        .arg(lic.flag())
        .args(["--allow-root", &path])
        .args(&args[2..]);
    lic.clean(&mut cmd, &[])
}

#[test]
fn attach_by_blog_id_sends_the_number_and_prints_the_license() {
    let lic = Lic::new();
    lic.partner.seed_site("https://shop.example", 12345);
    let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let out = lic.run(&["license", "attach", "--blog_id=12345", &key], &[]);
    assert_exit(&out, 0);
    let sent = lic.requests();
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(
        (r.method.as_str(), r.path.clone()),
        ("POST", site_path(&key))
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body, br#"{"site":12345}"#);
    assert_eq!(
        lic.partner.license(&key).and_then(|l| l.blog_id),
        Some(12345)
    );
    assert_eq!(lic.partner.slugs("https://shop.example"), ["jetpack-scan"]);
    let now = lic.get(&format!("{LICENSE}?license_key={key}"));
    assert_eq!(stdout(&out), format!("{now}\n"));
}

#[test]
fn attach_asks_wordpress_for_the_blog_id() {
    let lic = Lic::new();
    lic.partner.seed_site("https://shop.example", 777);
    let key = lic.partner.issue_license(&lic.token, "premium");
    lic.env.answer_facts(
        &[],
        "",
        json!({"siteurl": "https://shop.example", "home": "https://shop.example", "blog_id": 777, "safe_mode": false}),
    );
    let out = in_wordpress(&lic, &["license", "attach", &key]);
    assert_exit(&out, 0);
    assert_eq!(lic.requests()[0].body, br#"{"site":777}"#);
    // Jetpack's safe-mode check was asked for in the one facts call.
    assert!(lic
        .env
        .wp
        .call_env(0)
        .contains(&("JETPACK_WP_SAFE_MODE".into(), "1".into())));
    assert_eq!(lic.env.wp.calls().len(), 1);
}

#[test]
fn without_wordpress_attach_names_the_site_by_its_suffix() {
    let lic = Lic::new();
    lic.partner.seed_site("https://shop.example/store", 4242);
    let key = lic
        .partner
        .issue_license(&lic.token, "jetpack-backup-daily");
    let out = lic.run(
        &[
            "license",
            "attach",
            "--url=HTTPS://Shop.Example/store/",
            &key,
        ],
        &[],
    );
    assert_exit(&out, 0);
    assert_eq!(lic.requests()[0].body, br#"{"site":"shop.example::store"}"#);
    assert_eq!(
        lic.partner.license(&key).and_then(|l| l.blog_id),
        Some(4242)
    );
}

#[test]
fn a_copy_of_a_site_gets_no_attach_and_no_detach() {
    for cmd in ["attach", "detach"] {
        let lic = Lic::new();
        let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
        lic.partner.attach_license(&key, "https://shop.example");
        lic.env.answer_facts(
            &[],
            "",
            json!({"siteurl": "https://staging.example", "home": "https://staging.example", "blog_id": 12345, "safe_mode": true}),
        );
        let out = in_wordpress(&lic, &["license", cmd, &key]);
        assert_failure(&out, "site_in_safe_mode");
        assert_eq!(
            stderr_json(&out)["error_message"],
            json!("WordPress says this site is a copy of another, in Jetpack's safe mode (identity crisis): blog id 12345 is the original site's, so nothing was sent for it (a request by blog id would act on the original); fix the copy's connection first (https://jetpack.com/support/safe-mode/), or run this on the original site")
        );
        assert!(lic.env.api.requests().is_empty(), "{cmd}: nothing sent");
        assert!(lic
            .partner
            .license(&key)
            .is_some_and(|l| l.blog_id.is_some()));
    }
}

#[test]
fn an_attach_the_api_refuses_names_its_request_id() {
    let lic = Lic::new();
    let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let out = lic.run(&["license", "attach", "--blog_id=999", &key], &[&key]);
    let id = lic
        .partner
        .request_id_of(&lic.requests()[0])
        .unwrap_or_default();
    assert_failure(&out, "invalid_site");
    assert_eq!(
        stderr(&out),
        format!(
            "{}\n",
            json!({"success": false, "error_code": "invalid_site",
                "error_message": format!("No Jetpack site matches 999. (X-Jetpack-Request-Id: {id}; Jetpack support asks for it)"),
                "request_id": id,
                "code": "invalid_site", "message": "No Jetpack site matches 999.", "data": {"status": 400}})
        )
    );
    // Without a key: the usage names it, nothing is sent.
    let out = lic.run(&["license", "attach", "--blog_id=999"], &[]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("<KEY>"), "{}", stderr(&out));
    assert_eq!(lic.requests().len(), 1);
}

#[test]
fn detach_with_and_without_the_customers_email() {
    for (no_email, query, email) in [(true, "cancellation_email=0", false), (false, "", true)] {
        let lic = Lic::new();
        let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
        let blog = lic.partner.attach_license(&key, "https://shop.example");
        let mut args = vec!["license", "detach", key.as_str()];
        if no_email {
            args.push("--no-email");
        }
        // No WordPress anywhere: the license is detached all the same.
        let out = lic.run(&args, &[]);
        assert_exit(&out, 0);
        let sent = lic.requests();
        assert_eq!(sent.len(), 1);
        assert_eq!(
            (sent[0].method.as_str(), sent[0].path.clone()),
            ("DELETE", site_path(&key))
        );
        assert_eq!(sent[0].query, query);
        let d = lic.partner.detachments();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].blog_id, d[0].email), (blog, email));
        assert!(lic.partner.slugs("https://shop.example").is_empty());
        let line = &lines(&out)[0];
        assert_eq!(line["license_key"], json!(key));
        assert_eq!(line["blog_id"], Value::Null);
    }
}

/// A batch of attaches: one line per site, the key a field of the line;
/// `--skip-done` tells two keys for one site apart (by a fingerprint in
/// `plan`, never the key).
#[test]
fn a_batch_of_attaches_and_its_resume() {
    let lic = Lic::new();
    for (site, id) in [("https://a.example", 101), ("https://b.example", 102)] {
        lic.partner.seed_site(site, id);
    }
    let k1 = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let k2 = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let k3 = lic.partner.issue_license(&lic.token, "jetpack-anti-spam");
    let batch = write_file(
        &lic.env,
        "attach.jsonl",
        &format!("{{\"blog_id\":101,\"license_key\":\"{k1}\"}}\n{{\"blog_id\":\"102\",\"license_key\":\"{k2}\"}}\n"),
    );
    let done = lic.env.root().join("done.jsonl");
    let run = |batch: &str| {
        let out = lic.clean(
            lic.env.cmd_without_wp().args([
                "license",
                "attach",
                &lic.flag(),
                &format!("--batch={batch}"),
                &format!("--skip-done={}", done.display()),
            ]),
            &[],
        );
        let mut log = std::fs::read(&done).unwrap_or_default();
        log.extend_from_slice(&out.stdout);
        std::fs::write(&done, log).expect("append");
        out
    };
    let out = run(&batch);
    assert_exit(&out, 0);
    let got = lines(&out);
    assert_eq!(got.len(), 2);
    for line in &got {
        assert_eq!(line["command"], json!("license attach"));
        assert_eq!(line["success"], json!(true));
        let plan = line["plan"].as_str().unwrap_or_default();
        assert!(plan.starts_with("license #") && !plan.contains(&k1) && !plan.contains(&k2));
    }
    assert_eq!(lic.partner.license(&k1).and_then(|l| l.blog_id), Some(101));
    assert_eq!(lic.partner.license(&k2).and_then(|l| l.blog_id), Some(102));
    assert_eq!(lic.requests().len(), 2);
    // Again with a third key for site 101: only that one is sent.
    let more = write_file(
        &lic.env,
        "more.jsonl",
        &format!("{{\"blog_id\":101,\"license_key\":\"{k1}\"}}\n{{\"blog_id\":101,\"license_key\":\"{k3}\"}}\n"),
    );
    let out = run(&more);
    assert_exit(&out, 0);
    assert_eq!(lines(&out).len(), 1);
    assert_eq!(lic.requests().len(), 3);
    assert_eq!(lic.partner.license(&k3).and_then(|l| l.blog_id), Some(101));
}

/// Two installs with one blog id (one is a copy of the other): both are
/// refused before anything is sent by it.
#[test]
fn two_installs_with_one_blog_id_get_no_attach() {
    let lic = Lic::new();
    lic.partner.seed_site("https://shop.example", 777);
    let k1 = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let k2 = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let mut input = String::new();
    for (dir, key) in [("a", &k1), ("b", &k2)] {
        let p = lic.env.root().join(dir).display().to_string();
        let path = format!("--path={p}");
        let argv = testenv::eval_argv(&["--allow-root", &path]);
        let facts = json!({"siteurl": "https://shop.example", "home": "https://shop.example", "blog_id": 777, "safe_mode": false});
        lic.env
            .wp
            .answer_with(&argv, &facts_stdout("", facts), "", 0);
        input.push_str(&format!("{{\"path\":\"{p}\",\"license_key\":\"{key}\"}}\n"));
    }
    let batch = write_file(&lic.env, "dup.jsonl", &input);
    let out = lic.clean(
        lic.env.cmd().args([
            "license",
            "attach",
            &lic.flag(),
            "--allow-root",
            &format!("--batch={batch}"),
        ]),
        &[],
    );
    assert_exit(&out, 1);
    for line in lines(&out) {
        assert_eq!(line["error_code"], json!("duplicate_blog_id"), "{line}");
    }
    assert!(lic.requests().is_empty());
}
