//! Jetpack's own steps through `wp` failing: activating the plugin (never
//! fatal, as in the scripts) and `jetpack authorize_user`
//! (`authorization_failure`, with WP-CLI's words).

use super::{api_ok, provision_args, run};
use crate::testenv::{self, failure_message, Reply, TestEnv, PROVISION_OK};

#[test]
fn jetpack_activation_failure_is_not_fatal() {
    let env = TestEnv::new();
    env.answer_without_eval(&[
        "user-get-admin-field-ID",
        "option-get-siteurl",
        "plugin-activate-jetpack-not-installed",
    ]);
    api_ok(&env);
    let out = run(env.cmd().args(provision_args(&env, &[])));
    testenv::assert_success(&out, PROVISION_OK);
}

#[test]
fn authorize_failure_is_authorization_failure() {
    let env = TestEnv::new();
    env.answer_without_eval(&[
        "user-get-1-field-ID",
        "option-get-siteurl",
        "plugin-activate-jetpack-first",
        "jetpack-authorize_user-missing-command",
    ]);
    env.provision_replies(Reply::json(
        200,
        r#"{"success":true,"access_token":"abc123"}"#,
    ));
    let args = env.provision_args(&["--user=1", "-w=555"]);
    let out = run(env.cmd().args(&args));
    let msg = failure_message(&out, "authorization_failure");
    assert!(
        msg.contains("'jetpack' is not a registered wp command"),
        "{msg}"
    );
    assert!(
        !msg.contains("abc123"),
        "the access token must not be echoed: {msg}"
    );
}
