//! SPEC §9 "URLs are normalised before use": the site suffix drops
//! surrounding whitespace, userinfo and the default port and lowercases
//! the host, without encoding twice; a URL with no host names no site and
//! is refused; a blank one is "not given".

use crate::testenv::{
    assert_failure, assert_success, Reply, TestEnv, PARTNER_TOKEN, SECRET, TOKEN_PATH,
};
use serde_json::json;

#[test]
fn cancel_names_the_site_by_its_normalised_url() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    let path = "/rest/v1.3/jpphp/example.com::Blog%20x/partner-cancel";
    env.api
        .reply("POST", path, Reply::json(200, r#"{"success":true}"#));
    let out = env
        .std_cmd_without_wp()
        .args([
            "cancel",
            "-c=1",
            &format!("-s={SECRET}"),
            "--url= HTTP://User:pw@Example.COM:80/Blog%20x/ ",
        ])
        .output()
        .expect("run");
    assert_success(&out, r#"{"success":true}"#);
    let paths: Vec<String> = env.api.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, [TOKEN_PATH, path]);
}

/// A URL with no host would name the site `""` (`/jpphp//partner-cancel`,
/// `siteurl=`): refused before anything is sent. A blank one is "not
/// given" (here: WordPress would be needed, and there is none).
#[test]
fn a_site_url_without_a_host_is_refused_and_a_blank_one_is_not_given() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    for (args, flag, value) in [
        (&["cancel", "--url=https://"][..], "--url", "https://"),
        (&["cancel", "--home_url=http:///"], "--home_url", "http:///"),
        (
            &["status", "--url=HTTPS://:443/x"],
            "--url",
            "HTTPS://:443/x",
        ),
        (&["cancel", "--url=https:///a"], "--url", "https:///a"),
        (
            &["cancel", "--url=https://u:pw@/x"],
            "--url",
            "https://u:pw@/x",
        ),
        (
            &[
                "provision",
                "--user=admin",
                "--url=https://a.test",
                "--site_url=https://",
            ],
            "--site_url",
            "https://",
        ),
    ] {
        let out = env
            .std_cmd_without_wp()
            .args(args)
            .args(["-c=1", &format!("-s={SECRET}")])
            .output()
            .expect("run");
        let err = assert_failure(&out, "invalid_input");
        assert_eq!(
            err["error_message"],
            json!(format!("{flag}={value:?} names no site (there is no host in it); e.g. {flag}=https://example.com")),
            "{args:?}"
        );
    }
    for args in [
        &["cancel", "--url= "][..],
        &["provision", "--user=admin", "--url=\t"],
    ] {
        let out = env
            .std_cmd_without_wp()
            .args(args)
            .args(["-c=1", &format!("-s={SECRET}")])
            .output()
            .expect("run");
        assert_failure(&out, "wp_not_found");
    }
    assert!(env.api.requests().is_empty(), "nothing sent");
}
