//! `apply --desired=FILE`: status per site, then only the provisions and
//! cancels that bring it to its desired products (SPEC §8), against the
//! stateful partner model.

use crate::testenv::partner::DEFAULT_PARTNER_ID;
use crate::testenv::{assert_exit, PartnerApi, TestEnv, SECRET};
use serde_json::{json, Value};
use std::collections::HashMap;

const PROVISION: &str = "/rest/v1.3/jpphp/provision";

fn desired(env: &TestEnv, text: &str) -> String {
    let file = env.root().join("desired.jsonl");
    std::fs::write(&file, text).expect("desired file");
    format!("--desired={}", file.display())
}

fn apply(env: &TestEnv, extra: &[&str]) -> std::process::Output {
    env.cmd_without_wp()
        .args([
            "apply",
            &format!("-c={DEFAULT_PARTNER_ID}"),
            &format!("-s={SECRET}"),
        ])
        .args(extra)
        .output()
        .expect("run")
}

/// The result lines by site.
fn by_site(out: &std::process::Output) -> HashMap<String, Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .map(|v| (v["site"].as_str().unwrap_or("").to_string(), v))
        .collect()
}

/// Requests that change something (provision, cancel).
fn changes(env: &TestEnv) -> Vec<String> {
    env.api
        .requests()
        .iter()
        .filter(|r| r.path == PROVISION || r.path.ends_with("/partner-cancel"))
        .map(|r| {
            format!(
                "{} {} {}",
                r.path,
                r.form_value("plan").unwrap_or(""),
                r.form_value("siteurl").unwrap_or("")
            )
        })
        .collect()
}

const TWO_SITES: &str = concat!(
    "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"premium\",\"jetpack-scan\"]}\n",
    "{\"url\":\"https://b.example\",\"user\":\"admin\",\"products\":[\"jetpack-backup-daily\"]}\n",
);

#[test]
fn provisions_what_is_missing_and_a_second_run_changes_nothing() {
    let env = TestEnv::new();
    let partner: PartnerApi = env.partner_api();
    let file = desired(&env, TWO_SITES);
    let out = apply(&env, &[&file]);
    assert_exit(&out, 0);
    let lines = by_site(&out);
    let a = &lines["https://a.example"];
    assert_eq!(a["command"], json!("apply"));
    assert_eq!(a["success"], json!(true));
    assert_eq!(a["changed"], json!(true));
    let actions: Vec<(String, String, bool)> = a["actions"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|x| {
                    (
                        x["action"].as_str().unwrap_or("").to_string(),
                        x["plan"].as_str().unwrap_or("").to_string(),
                        x["success"] == json!(true),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        actions,
        vec![
            ("provision".into(), "premium".into(), true),
            ("provision".into(), "jetpack-scan".into(), true)
        ]
    );
    assert_eq!(a["status"]["products"], json!([]), "the status before");
    assert_eq!(partner.slugs("a.example"), vec!["premium", "jetpack-scan"]);
    assert_eq!(partner.slugs("b.example"), vec!["jetpack-backup-daily"]);
    assert_eq!(changes(&env).len(), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 sites: 2 changed, 0 unchanged, 0 failed"),
        "{stderr}"
    );

    // The second run: status only, nothing changed.
    let before = env.api.requests().len();
    let again = apply(&env, &[&file]);
    assert_exit(&again, 0);
    for (site, line) in by_site(&again) {
        assert_eq!(line["changed"], json!(false), "{site}: {line}");
        assert_eq!(line["actions"], json!([]), "{site}");
    }
    let mut second: Vec<String> = env.api.requests()[before..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    second.sort();
    assert_eq!(
        second,
        vec![
            "GET /rest/v1.4/jpphp/a.example/status",
            "GET /rest/v1.4/jpphp/b.example/status",
            "POST /oauth2/token",
        ],
        "only the token and the two status calls"
    );
}

#[test]
fn prune_cancels_only_this_partners_products() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.partner("77", "other-partner-secret");
    partner.seed(
        "a.example",
        Some(DEFAULT_PARTNER_ID),
        &["premium", "jetpack-scan"],
    );
    partner.seed("a.example", Some("77"), &["jetpack-anti-spam"]);
    let file = desired(
        &env,
        "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"premium\"]}\n",
    );
    // Without --prune nothing is cancelled.
    let out = apply(&env, &[&file]);
    assert_exit(&out, 0);
    assert_eq!(by_site(&out)["https://a.example"]["changed"], json!(false));
    assert!(changes(&env).is_empty());

    let out = apply(&env, &[&file, "--prune"]);
    assert_exit(&out, 0);
    let line = &by_site(&out)["https://a.example"];
    assert_eq!(line["changed"], json!(true), "{line}");
    assert_eq!(line["actions"][0]["action"], json!("cancel"));
    assert_eq!(line["actions"][0]["plan"], json!("jetpack-scan"));
    assert_eq!(line["actions"].as_array().map(Vec::len), Some(1), "{line}");
    let cancels: Vec<_> = env
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/partner-cancel"))
        .collect();
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].form_value("plan"), Some("jetpack-scan"));
    // Another partner's product stays.
    assert_eq!(
        partner.slugs("a.example"),
        vec!["premium", "jetpack-anti-spam"]
    );
}

#[test]
fn dry_run_sends_only_the_token_and_status_calls() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed(
        "b.example",
        Some(DEFAULT_PARTNER_ID),
        &["jetpack-backup-daily"],
    );
    let file = desired(&env, TWO_SITES);
    let out = apply(&env, &[&file, "--dry-run"]);
    assert_exit(&out, 0);
    let lines = by_site(&out);
    assert_eq!(
        lines["https://a.example"]["actions"],
        json!([{"action":"provision","plan":"premium"},{"action":"provision","plan":"jetpack-scan"}])
    );
    assert_eq!(lines["https://a.example"]["dry_run"], json!(true));
    assert_eq!(lines["https://a.example"]["changed"], json!(true));
    assert_eq!(lines["https://b.example"]["actions"], json!([]));
    assert_eq!(lines["https://b.example"]["changed"], json!(false));
    let methods: Vec<String> = env
        .api
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        methods
            .iter()
            .all(|r| r == "POST /oauth2/token" || (r.starts_with("GET ") && r.ends_with("/status"))),
        "{methods:?}"
    );
    assert_eq!(methods.len(), 3, "{methods:?}");
    assert!(partner.slugs("a.example").is_empty());
}

#[test]
fn a_refused_change_fails_its_site_alone() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.refuse_provision(Some("a.example"), "jetpack-scan");
    let file = desired(&env, TWO_SITES);
    let out = apply(&env, &[&file]);
    assert_exit(&out, 1);
    let lines = by_site(&out);
    let a = &lines["https://a.example"];
    assert_eq!(a["success"], json!(false), "{a}");
    assert_eq!(a["error_code"], json!("plan_downgrade_disallowed"), "{a}");
    // The other change of that site was still made, and said so.
    assert_eq!(a["changed"], json!(true));
    assert_eq!(a["actions"][0]["success"], json!(true));
    assert_eq!(a["actions"][1]["success"], json!(false));
    assert_eq!(
        a["actions"][1]["error_code"],
        json!("plan_downgrade_disallowed")
    );
    assert_eq!(lines["https://b.example"]["success"], json!(true));
    assert_eq!(partner.slugs("b.example"), vec!["jetpack-backup-daily"]);
}

#[test]
fn a_line_without_products_fails_alone() {
    let env = TestEnv::new();
    env.partner_api();
    let file = desired(
        &env,
        "{\"url\":\"https://a.example\",\"user\":\"admin\"}\n{\"url\":\"https://b.example\",\"user\":\"admin\",\"products\":[]}\n",
    );
    let out = apply(&env, &[&file]);
    assert_exit(&out, 1);
    let lines = by_site(&out);
    assert_eq!(
        lines["https://a.example"]["error_code"],
        json!("invalid_input")
    );
    assert_eq!(lines["https://b.example"]["success"], json!(true));
    assert!(changes(&env).is_empty());
}

#[test]
fn table_format_shows_the_actions() {
    let env = TestEnv::new();
    env.partner_api();
    let file = desired(&env, TWO_SITES);
    let out = env
        .cmd_without_wp()
        .env("COLUMNS", "120")
        .args([
            "apply",
            &format!("-c={DEFAULT_PARTNER_ID}"),
            &format!("-s={SECRET}"),
        ])
        .args([file.as_str(), "--format=table", "--jobs=1"])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        concat!(
            "line  site               success  changed  actions\n",
            "1     https://a.example  true     true     provision premium, provision jetpack-scan\n",
            "2     https://b.example  true     true     provision jetpack-backup-daily\n",
        )
    );
}

/// A site listed twice with different products: the second line fails
/// (naming `--desired` and the first line), the first is applied; the same
/// line twice is applied once.
#[test]
fn a_site_with_two_different_desired_states_fails_on_its_second_line() {
    let env = TestEnv::new();
    env.partner_api();
    let file = desired(
        &env,
        concat!(
            "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"premium\"]}\n",
            "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"jetpack-scan\"]}\n",
            "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"premium\"]}\n",
        ),
    );
    let out = apply(&env, &[&file, "--jobs=1"]);
    assert_exit(&out, 1);
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["success"], json!(true));
    assert_eq!(
        crate::fleet::without_record(&lines[1]),
        json!({"command": "apply", "site": "https://a.example", "success": false, "changed": false,
               "error_code": "invalid_input",
               "error_message": "--desired line 2: the site is on line 1 already, with other products; list each site once, with all its products",
               "line": 2})
    );
    assert_eq!(
        changes(&env),
        vec!["/rest/v1.3/jpphp/provision premium https://a.example".to_string()]
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "jetpack-partner: 3 sites: 1 changed, 0 unchanged, 1 failed, 1 skipped (done or listed twice)\n"
    );
}

/// A dry run fails a site the real run would fail (nothing to provision
/// with: no user), and sends only the token and status calls. A single
/// product may be given as a string.
#[test]
fn a_dry_run_fails_where_the_real_run_would() {
    let env = TestEnv::new();
    env.partner_api();
    let file = desired(
        &env,
        "{\"url\":\"https://a.example\",\"products\":\"premium\"}\n",
    );
    for extra in [&["--dry-run"][..], &[]] {
        let mut args = vec![file.as_str()];
        args.extend(extra);
        let out = apply(&env, &args);
        assert_exit(&out, 1);
        let line: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(line["success"], json!(false), "{extra:?}: {line}");
        assert_eq!(
            line["error_code"],
            json!("invalid_input"),
            "{extra:?}: {line}"
        );
        assert_eq!(line["actions"][0]["plan"], json!("premium"), "{line}");
    }
    assert!(changes(&env).is_empty());
}

/// The same site under two spellings is still one site: its second line
/// fails, so `--prune` cannot flip-flop between two desired states.
#[test]
fn a_site_spelled_twice_with_different_products_fails_on_its_second_line() {
    let env = TestEnv::new();
    env.partner_api();
    let file = desired(
        &env,
        concat!(
            "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"premium\"]}\n",
            "{\"url\":\"https://A.example/\",\"user\":\"admin\",\"products\":[\"jetpack-scan\"]}\n",
        ),
    );
    for round in 0..2 {
        let out = apply(&env, &[&file, "--jobs=1", "--prune"]);
        assert_exit(&out, 1);
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        assert_eq!(lines[0]["changed"], json!(round == 0), "{round}: {lines:?}");
        assert_eq!(
            lines[1]["error_code"],
            json!("invalid_input"),
            "{round}: {lines:?}"
        );
    }
    assert_eq!(
        changes(&env),
        vec!["/rest/v1.3/jpphp/provision premium https://a.example".to_string()]
    );
}

/// Issue 17: `--prune` never cancels anything for a site where a desired
/// slug is unknown (a typo `premuim` must not cancel `premium`) or a
/// desired provision failed.
#[test]
fn prune_cancels_nothing_when_a_desired_slug_is_a_typo_or_a_provision_failed() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed("a.example", Some(DEFAULT_PARTNER_ID), &["premium"]);
    let file = desired(
        &env,
        "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"premuim\"]}\n",
    );
    // The dry run already says it would not cancel.
    let out = apply(&env, &[&file, "--prune", "--dry-run"]);
    let line = &by_site(&out)["https://a.example"];
    let cancel = line["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["action"] == json!("cancel")))
        .cloned()
        .unwrap_or_default();
    assert_eq!(cancel["sent"], json!(false), "{line}");
    assert_eq!(
        cancel["why"],
        json!("not sent: the desired \"premuim\" is no plan or product known here (a typo?), so nothing of this site is cancelled")
    );
    // The real run: the provision of the typo fails, premium stays.
    let out = apply(&env, &[&file, "--prune"]);
    assert_exit(&out, 1);
    let line = &by_site(&out)["https://a.example"];
    assert_eq!(line["success"], json!(false), "{line}");
    assert!(
        !changes(&env).iter().any(|c| c.contains("partner-cancel")),
        "{:?}",
        changes(&env)
    );
    assert_eq!(partner.slugs("a.example"), vec!["premium"]);

    // A known slug whose provision fails: nothing is cancelled either.
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed("b.example", Some(DEFAULT_PARTNER_ID), &["jetpack-scan"]);
    partner.refuse_provision_with(
        None,
        "jetpack-backup-daily",
        400,
        "invalid_plan",
        "%s is not a valid plan",
    );
    let file = desired(
        &env,
        "{\"url\":\"https://b.example\",\"user\":\"admin\",\"products\":[\"jetpack-backup-daily\"]}\n",
    );
    let out = apply(&env, &[&file, "--prune"]);
    assert_exit(&out, 1);
    let line = &by_site(&out)["https://b.example"];
    let actions = line["actions"].as_array().cloned().unwrap_or_default();
    assert_eq!(actions.len(), 2, "{line}");
    assert_eq!(actions[1]["action"], json!("cancel"));
    assert_eq!(actions[1]["sent"], json!(false));
    assert_eq!(
        actions[1]["why"],
        json!("not sent: a desired provision failed, so nothing of this site is cancelled until it has what the file lists")
    );
    assert_eq!(partner.slugs("b.example"), vec!["jetpack-scan"]);
}

/// Issue 17 defect 6: a product `status` lists twice (an active and a
/// pending entry) is cancelled once.
#[test]
fn prune_cancels_a_product_listed_twice_once() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        "/oauth2/token",
        crate::testenv::Reply::json(200, r#"{"access_token":"tok-apply-6"}"#),
    );
    let mine = |pending: bool| {
        json!({"slug": "jetpack-scan", "is_provisioned_by_partner": true,
               "is_provisioned_by_calling_partner": true, "is_pending": pending})
    };
    let status = json!({"blog": {"is_connected": true}, "products": [mine(false), mine(true)]});
    env.api.reply(
        "GET",
        "/rest/v1.4/jpphp/a.example/status",
        crate::testenv::Reply::json(200, &status.to_string()),
    );
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/a.example/partner-cancel",
        crate::testenv::Reply::json(200, r#"{"success":true}"#),
    );
    let file_any = desired(
        &env,
        "{\"url\":\"https://a.example\",\"products\":[\"jetpack-anti-spam\"]}\n",
    );
    let out = apply(&env, &[&file_any, "--prune", "--dry-run"]);
    let line = &by_site(&out)["https://a.example"];
    let cancels = line["actions"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["action"] == json!("cancel")).count());
    assert_eq!(cancels, Some(1), "{line}");
}

/// Issue 17 defect 7: the same desired state twice, its products in
/// another order, is done once (not "other products" on line 2).
#[test]
fn the_same_desired_state_in_another_order_is_done_once() {
    let env = TestEnv::new();
    let partner = env.partner_api();
    let file = desired(
        &env,
        concat!(
            "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"premium\",\"jetpack-scan\"]}\n",
            "{\"url\":\"https://a.example\",\"user\":\"admin\",\"products\":[\"jetpack-scan\",\"premium\"]}\n",
        ),
    );
    let out = apply(&env, &[&file, "--jobs=1"]);
    assert_exit(&out, 0);
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 skipped"));
    assert_eq!(partner.slugs("a.example").len(), 2);
}
