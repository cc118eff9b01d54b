//! `cancel --plan` / `-p=` / `--cancel-all` against the stateful model:
//! what is cancelled, what stays, what the answer says.

use super::{jp, product, status_of, stdout, with_creds};
use crate::testenv::{assert_exit, assert_success, pairs, PartnerApi, TestEnv};
use serde_json::json;

const SITE: &str = "https://example.com";
const CANCEL_PATH: &str = "/rest/v1.3/jpphp/example.com/partner-cancel";

/// The model with partner 1234 (ours) and 99 (another).
fn setup() -> (TestEnv, PartnerApi) {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.partner("99", "other-partner-secret");
    (env, partner)
}

/// `cancel --url=https://example.com` plus `extra`.
fn cancel(env: &TestEnv, extra: &[&str]) -> std::process::Output {
    let mut args = with_creds(&["cancel", &format!("--url={SITE}")]);
    args.extend(extra.iter().map(|s| s.to_string()));
    jp(env, args)
}

#[test]
fn plan_cancels_only_that_product() {
    let (env, partner) = setup();
    partner.seed(
        "example.com",
        Some("1234"),
        &["premium", "jetpack-backup-daily", "jetpack-scan"],
    );
    assert_eq!(
        status_of(&env, SITE),
        json!({
            "blog": {"is_connected": true, "has_backups_credentials": false},
            "products": [
                product("premium", true, true, false),
                product("jetpack-backup-daily", true, true, false),
                product("jetpack-scan", true, true, false),
            ],
        })
    );
    let out = cancel(&env, &["--plan=jetpack-backup-daily"]);
    assert_success(&out, r#"{"success":true}"#);
    let sent = env.api.requests_to(CANCEL_PATH);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].form, pairs(&[("plan", "jetpack-backup-daily")]));
    assert_eq!(
        status_of(&env, SITE)["products"],
        json!([
            product("premium", true, true, false),
            product("jetpack-scan", true, true, false),
        ])
    );
}

#[test]
fn short_p_is_the_plan() {
    let (env, partner) = setup();
    partner.seed("example.com", Some("1234"), &["premium", "jetpack-scan"]);
    let out = cancel(&env, &["-p=jetpack-scan"]);
    assert_success(&out, r#"{"success":true}"#);
    assert_eq!(
        env.api.requests_to(CANCEL_PATH)[0].form,
        pairs(&[("plan", "jetpack-scan")])
    );
    assert_eq!(partner.slugs("example.com"), ["premium"]);

    // The old script name takes it too.
    partner.seed("example.com", Some("1234"), &["jetpack-anti-spam"]);
    let out = env
        .cmd_named("partner-cancel.sh")
        .args([
            "-c=1234",
            &format!("-s={}", crate::testenv::SECRET),
            "-u=https://example.com",
            "-p=jetpack-anti-spam",
        ])
        .output()
        .expect("run");
    assert_success(&out, r#"{"success":true}"#);
    assert_eq!(partner.slugs("example.com"), ["premium"]);
}

/// Without `--plan` only the plan goes: a standalone product stays (the
/// API answers success:false when there is no plan, which is exit 1).
#[test]
fn without_plan_a_standalone_product_stays() {
    let (env, partner) = setup();
    partner.seed("example.com", Some("1234"), &["jetpack-backup-daily"]);
    let out = cancel(&env, &[]);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    let want = json!({
        "success": false,
        "error_code": "unknown_error",
        "error_message": format!("POST {CANCEL_PATH} failed with HTTP 200 and no message"),
    });
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    assert_eq!(env.api.requests_to(CANCEL_PATH)[0].form, pairs(&[]));
    assert_eq!(partner.slugs("example.com"), ["jetpack-backup-daily"]);

    // With a plan there too: the plan goes, the product stays.
    partner.seed("example.com", Some("1234"), &["professional"]);
    let out = cancel(&env, &[]);
    assert_success(&out, r#"{"success":true}"#);
    assert_eq!(partner.slugs("example.com"), ["jetpack-backup-daily"]);
}

/// `--cancel-all`: everything of ours, pending or not; the answer's lists
/// are printed as they came; another partner's product stays.
#[test]
fn cancel_all_prints_the_activations() {
    let (env, partner) = setup();
    partner.seed(
        "example.com",
        Some("1234"),
        &["premium", "jetpack-backup-daily", "jetpack-scan"],
    );
    partner.seed("example.com", Some("99"), &["jetpack-anti-spam"]);
    partner.set_pending("example.com", "jetpack-backup-daily", true);
    let out = cancel(&env, &["--cancel-all"]);
    assert_success(
        &out,
        r#"{"success":true,"activations":["premium","jetpack-scan"],"pending_activations":["jetpack-backup-daily"]}"#,
    );
    assert_eq!(
        env.api.requests_to(CANCEL_PATH)[0].form,
        pairs(&[("cancel-all", "true")])
    );
    assert_eq!(
        status_of(&env, SITE)["products"],
        json!([product("jetpack-anti-spam", true, false, false)])
    );

    // --plan and --cancel-all together: both fields go (the API decides).
    let out = cancel(&env, &["--cancel-all", "--plan=premium", "--dry-run"]);
    assert_exit(&out, 0);
    let doc = super::stdout_json(&out);
    assert_eq!(
        doc["requests"][1]["form"],
        json!({"plan": "premium", "cancel-all": "true"})
    );
}

/// Another partner's product: the API refuses (exit 1, its error passed
/// through), and the product stays.
#[test]
fn another_partners_product_is_refused() {
    let (env, partner) = setup();
    partner.seed("example.com", Some("99"), &["jetpack-backup-realtime"]);
    let out = cancel(&env, &["--plan=jetpack-backup-realtime"]);
    let msg = "Only the partner that provisioned a subscription can cancel it.";
    let want = json!({"success": false, "error_code": "incorrect_partner_key",
        "error_message": msg, "error": "incorrect_partner_key", "message": msg});
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    assert_eq!(partner.slugs("example.com"), ["jetpack-backup-realtime"]);
}

/// A cancel by blog id reaches the same site.
#[test]
fn by_blog_id() {
    let (env, partner) = setup();
    let blog = partner.seed("example.com", Some("1234"), &["jetpack-scan"]);
    let out = jp(
        &env,
        with_creds(&[
            "cancel",
            &format!("--blog_id={blog}"),
            "--plan=jetpack-scan",
        ]),
    );
    assert_success(&out, r#"{"success":true}"#);
    assert_eq!(
        env.api.requests()[1].path,
        format!("/rest/v1.3/jpphp/{blog}/partner-cancel")
    );
    assert!(partner.slugs("example.com").is_empty());
}
