//! `provision --if-needed` and `cancel --if-needed` against the stateful
//! model: status first; nothing that changes anything is sent when nothing
//! is needed, and the answer is then exactly
//! `{"success":true,"changed":false,"status":<the status answer>}`.

use super::{jp, product, stdout_json};
use crate::testenv::{
    assert_exit, assert_failure, assert_success, pairs, provision_args_without_wp, PartnerApi,
    TestEnv, PROVISION_PATH, SECRET,
};
use serde_json::{json, Value};

/// `provision_args_without_wp` provisions https://e.test as partner 1.
const SITE: &str = "https://e.test";
const STATUS_PATH: &str = "/rest/v1.4/jpphp/e.test/status";
const CANCEL_PATH: &str = "/rest/v1.3/jpphp/e.test/partner-cancel";

/// The model with partner 1 (ours, as `provision_args_without_wp` logs in)
/// and 99 (another).
fn setup() -> (TestEnv, PartnerApi) {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.partner("1", SECRET).partner("99", "other-secret");
    (env, partner)
}

fn provision(env: &TestEnv, extra: &[&str]) -> std::process::Output {
    jp(env, provision_args_without_wp(extra))
}

fn cancel(env: &TestEnv, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "cancel".to_string(),
        "-c=1".into(),
        format!("-s={SECRET}"),
        format!("--url={SITE}"),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    jp(env, args)
}

/// The exact unchanged document for this status.
fn unchanged(status: &Value) -> String {
    format!(r#"{{"success":true,"changed":false,"status":{status}}}"#)
}

/// The paths the fake API saw, in order.
fn paths(env: &TestEnv) -> Vec<String> {
    env.api.requests().into_iter().map(|r| r.path).collect()
}

fn status_as_partner_1(env: &TestEnv) -> Value {
    let out = jp(
        env,
        [
            "status",
            "-c=1",
            &format!("-s={SECRET}"),
            &format!("--url={SITE}"),
        ],
    );
    assert_exit(&out, 0);
    stdout_json(&out)
}

#[test]
fn provision_present_sends_no_provision() {
    let (env, partner) = setup();
    partner.seed("e.test", Some("1"), &["jetpack-backup-daily"]);
    let status = status_as_partner_1(&env);
    let before = env.api.requests().len();
    let out = provision(&env, &["--plan=jetpack-backup-daily", "--if-needed"]);
    assert_success(&out, &unchanged(&status));
    assert_eq!(paths(&env)[before..], ["/oauth2/token", STATUS_PATH]);
    assert_eq!(
        env.api.requests().last().map(|r| r.method.clone()),
        Some("GET".into())
    );
    assert!(env.api.requests_to(PROVISION_PATH).is_empty());
    assert_eq!(
        status["products"],
        json!([product("jetpack-backup-daily", true, true, false)])
    );
}

#[test]
fn provision_pending_sends_no_provision() {
    let (env, partner) = setup();
    partner.seed("e.test", Some("1"), &["premium"]);
    partner.set_pending("e.test", "premium", true);
    let status = status_as_partner_1(&env);
    assert_eq!(
        status["products"],
        json!([product("premium", true, true, true)])
    );
    let out = provision(&env, &["-p=premium", "--if-needed"]);
    assert_success(&out, &unchanged(&status));
    assert!(env.api.requests_to(PROVISION_PATH).is_empty());
}

/// Whoever provisioned it: another partner's product counts as there.
#[test]
fn provision_present_by_another_partner_sends_nothing() {
    let (env, partner) = setup();
    partner.seed("e.test", Some("99"), &["jetpack-scan"]);
    let changes = partner.changes();
    let out = provision(&env, &["--plan=jetpack-scan", "--if-needed"]);
    assert_exit(&out, 0);
    assert_eq!(stdout_json(&out)["changed"], json!(false));
    assert!(env.api.requests_to(PROVISION_PATH).is_empty());
    assert_eq!(partner.changes(), changes);
}

#[test]
fn provision_absent_is_sent() {
    let (env, partner) = setup();
    partner.seed("e.test", Some("1"), &["premium"]);
    let out = provision(&env, &["--plan=jetpack-backup-daily", "--if-needed"]);
    assert_exit(&out, 0);
    // The provision answer itself, as for any provision (no "changed").
    let answer = stdout_json(&out);
    assert_eq!(answer["success"], json!(true));
    assert!(answer.get("changed").is_none(), "{answer}");
    assert_eq!(paths(&env), ["/oauth2/token", STATUS_PATH, PROVISION_PATH]);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(
        p.form,
        pairs(&[
            ("local_user", "admin"),
            ("siteurl", SITE),
            ("plan", "jetpack-backup-daily"),
        ])
    );
    assert_eq!(partner.slugs("e.test"), ["premium", "jetpack-backup-daily"]);

    // A site WordPress.com does not know yet: nothing there, so sent.
    let (env, partner) = setup();
    let out = provision(&env, &["--plan=premium", "--if-needed"]);
    assert_exit(&out, 0);
    assert_eq!(paths(&env), ["/oauth2/token", STATUS_PATH, PROVISION_PATH]);
    assert_eq!(partner.slugs("e.test"), ["premium"]);
    // A second run changes nothing.
    let status = status_as_partner_1(&env);
    let out = provision(&env, &["--plan=premium", "--if-needed"]);
    assert_success(&out, &unchanged(&status));
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 1);
}

#[test]
fn provision_if_needed_needs_a_plan_and_shows_both_requests_in_a_dry_run() {
    let env = TestEnv::new();
    let out = provision(&env, &["--if-needed"]);
    let err = assert_failure(&out, "invalid_input");
    assert!(err["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("--plan")));
    let out = provision(&env, &["--plan=premium", "--if-needed", "--dry-run"]);
    assert_exit(&out, 0);
    let doc = stdout_json(&out);
    let urls: Vec<&str> = doc["requests"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["url"].as_str()).collect())
        .unwrap_or_default();
    let base = env.api.base_url();
    assert_eq!(
        urls,
        [
            format!("{base}/oauth2/token"),
            format!("{base}{STATUS_PATH}"),
            format!("{base}{PROVISION_PATH}"),
        ]
    );
    assert!(env.api.requests().is_empty());
}

/// Nothing of ours to cancel: no cancel request, the unchanged document.
#[test]
fn cancel_with_nothing_of_ours_sends_no_cancel() {
    for (seed, extra) in [
        // No product at all.
        (None, &["--plan=jetpack-scan"][..]),
        // That product is another partner's.
        (Some(("99", "jetpack-scan")), &["--plan=jetpack-scan"]),
        // Everything is another partner's.
        (Some(("99", "premium")), &["--cancel-all"]),
        // No plan of ours (only a standalone product, which a cancel
        // without --plan would not touch).
        (Some(("1", "jetpack-backup-daily")), &[]),
    ] {
        let (env, partner) = setup();
        if let Some((owner, slug)) = seed {
            partner.seed("e.test", Some(owner), &[slug]);
        } else {
            partner.seed_site("e.test", 200_001);
        }
        let slugs = partner.slugs("e.test");
        let status = status_as_partner_1(&env);
        let before = env.api.requests().len();
        let mut flags = extra.to_vec();
        flags.push("--if-needed");
        let out = cancel(&env, &flags);
        assert_success(&out, &unchanged(&status));
        assert_eq!(
            paths(&env)[before..],
            ["/oauth2/token", STATUS_PATH],
            "{extra:?}"
        );
        assert!(env.api.requests_to(CANCEL_PATH).is_empty(), "{extra:?}");
        assert_eq!(partner.slugs("e.test"), slugs, "{extra:?}");
    }

    // A blog id WordPress.com does not know: nothing there either.
    let (env, _partner) = setup();
    let out = jp(
        &env,
        [
            "cancel",
            "-c=1",
            &format!("-s={SECRET}"),
            "--blog_id=999999",
            "--if-needed",
        ],
    );
    assert_success(
        &out,
        r#"{"success":true,"changed":false,"status":{"products":[]}}"#,
    );
    assert_eq!(
        paths(&env),
        ["/oauth2/token", "/rest/v1.4/jpphp/999999/status"]
    );
}

/// Ours there: the cancel is sent, and only ours goes; another partner's
/// product on the same site is never cancelled.
#[test]
fn cancel_with_something_of_ours_is_sent() {
    let (env, partner) = setup();
    partner.seed("e.test", Some("1"), &["jetpack-scan", "premium"]);
    partner.seed("e.test", Some("99"), &["jetpack-backup-daily"]);
    let out = cancel(&env, &["--plan=jetpack-scan", "--if-needed"]);
    assert_success(&out, r#"{"success":true}"#);
    assert_eq!(paths(&env), ["/oauth2/token", STATUS_PATH, CANCEL_PATH]);
    assert_eq!(partner.slugs("e.test"), ["premium", "jetpack-backup-daily"]);

    let out = cancel(&env, &["--cancel-all", "--if-needed"]);
    assert_success(
        &out,
        r#"{"success":true,"activations":["premium"],"pending_activations":[]}"#,
    );
    assert_eq!(partner.slugs("e.test"), ["jetpack-backup-daily"]);

    // Now only the other partner's product is left: nothing is sent.
    let before = env.api.requests_to(CANCEL_PATH).len();
    let out = cancel(&env, &["--cancel-all", "--if-needed"]);
    assert_exit(&out, 0);
    assert_eq!(stdout_json(&out)["changed"], json!(false));
    let out = cancel(&env, &["--plan=jetpack-backup-daily", "--if-needed"]);
    assert_exit(&out, 0);
    assert_eq!(stdout_json(&out)["changed"], json!(false));
    assert_eq!(env.api.requests_to(CANCEL_PATH).len(), before);
    assert_eq!(partner.slugs("e.test"), ["jetpack-backup-daily"]);
    assert_eq!(
        status_as_partner_1(&env)["products"],
        json!([product("jetpack-backup-daily", true, false, false)])
    );
}

/// WordPress in a subfolder (siteurl `…/wp`, home the domain), never
/// connected: the status asked first names the site by its home, as cancel
/// does, and the provision carries the siteurl.
#[test]
fn provision_if_needed_names_the_site_by_its_home() {
    let env = TestEnv::new();
    env.partner_api();
    env.answer_facts(
        &[],
        "",
        json!({"user_id": 1, "siteurl": "https://e.test/wp", "home": "https://e.test", "blog_id": 0, "activate": "ok"}),
    );
    let out = env
        .cmd()
        .args(env.provision_args(&["--user=admin", "--plan=jetpack-backup-daily", "--if-needed"]))
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(
        paths(&env),
        ["/oauth2/token", STATUS_PATH, PROVISION_PATH],
        "status by the home's suffix, not e.test::wp"
    );
    let sent = env.api.requests_to(PROVISION_PATH);
    assert_eq!(sent[0].form_value("siteurl"), Some("https://e.test/wp"));
}
