//! SPEC §9's smaller rules: schemes matched case-insensitively, bounded
//! secret files, an empty value that is "not given", normalised site
//! suffixes, and requests that never left never said to "may have reached"
//! WordPress.com (a header that cannot be built, a TLS handshake that never
//! comes).

use crate::testenv::{
    self, assert_failure, assert_success, cert_path, provision_args_without_wp, Reply, TestEnv,
    PARTNER_TOKEN, PROVISION_OK, PROVISION_PATH, SECRET, TOKEN_PATH,
};
use serde_json::json;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn an_upper_case_https_scheme_in_the_api_host_still_speaks_tls() {
    let env = TestEnv::new_tls();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let base = env.api.base_url().replacen("https://", "HTTPS://", 1);
    let out = env
        .std_cmd_without_wp()
        .env("JETPACK_START_API_HOST", &base)
        .env("SSL_CERT_FILE", cert_path("ca.pem"))
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run");
    assert_success(&out, PROVISION_OK);
    assert_eq!(env.api.requests().len(), 2);
    assert!(env.api.tls_handshakes() >= 1);
    // A scheme given as is: no Host header of its own.
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(p.header("host"), Some(env.api.host().as_str()));
}

#[test]
fn file_flags_are_read_up_to_64_kib_and_an_empty_one_is_not_given() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            "--partner_secret_file=/dev/zero",
            "-i=admin",
            "-u=https://e.test",
        ])
        .output()
        .expect("run");
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("--partner_secret_file=/dev/zero: larger than 64 KiB, which no secret is; check the path")
    );
    assert!(env.api.requests().is_empty());

    // Just past the limit; a secret file of 64 KiB is read.
    let secret_file = |contents: String| {
        let path = env.root().join("big-secret");
        std::fs::write(&path, contents).expect("file");
        env.cmd_without_wp()
            .args(["provision", "-c=1", "-i=admin", "-u=https://e.test"])
            .arg(format!("--partner_secret_file={}", path.display()))
            .output()
            .expect("run")
    };
    assert_failure(&secret_file("a".repeat(64 * 1024 + 1)), "invalid_input");
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = secret_file(format!("{}\n", "a".repeat(64 * 1024 - 1)));
    assert_success(&out, PROVISION_OK);

    // The SSH key file too (its contents are sent, whole).
    let out = env
        .std_cmd_without_wp()
        .args(provision_args_without_wp(&["--ssh-private-key=/dev/zero"]))
        .output()
        .expect("run");
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!(
            "--ssh-private-key=/dev/zero: larger than 64 KiB, which no secret is; check the path"
        )
    );

    // An empty file flag is "not given" (not a usage error, no file read).
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = env
        .std_cmd_without_wp()
        .args(provision_args_without_wp(&[
            "--ssh-private-key=",
            "--ssh_private_key=",
        ]))
        .output()
        .expect("run");
    assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(
        p.form,
        testenv::pairs(&[("local_user", "admin"), ("siteurl", "https://e.test")])
    );
}

/// `api --input` is a request body: read up to 1 MiB, so `/dev/zero` is a
/// quick `invalid_input`, not a run that eats the memory.
#[test]
fn an_api_input_that_never_ends_is_refused() {
    let env = TestEnv::new();
    let out = env
        .std_cmd_without_wp()
        .args([
            "api",
            "-c=1",
            &format!("-s={SECRET}"),
            "-X",
            "POST",
            "/wpcom/v2/sites/1/x",
            "--input=/dev/zero",
        ])
        .output()
        .expect("run");
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("--input=/dev/zero: larger than 1024 KiB, which no request body is; check the path")
    );
    assert!(env.api.requests().is_empty());
}

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

#[test]
fn a_token_that_cannot_be_a_header_never_says_the_provision_may_have_been_sent() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(200, r#"{"access_token":"tok-with\r\nX-Injected: 1"}"#),
    );
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, PROVISION_OK));
    let out = env
        .std_cmd_without_wp()
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run");
    // An answer with such a token is judged as the answer it is.
    let err = assert_failure(&out, "invalid_response");
    let message = err["error_message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("tok-with"),
        "the token is a secret: {message}"
    );
    assert!(env.api.requests_to(PROVISION_PATH).is_empty());

    // A reused token of the operator's: refused before anything is sent,
    // naming where it came from, not what it is.
    let out = env
        .std_cmd_without_wp()
        .env("JETPACK_PARTNER_ACCESS_TOKEN", "tok-with\r\nX-Injected: 1")
        .args(["provision", "--user=admin", "--url=https://e.test"])
        .output()
        .expect("run");
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("JETPACK_PARTNER_ACCESS_TOKEN: the token holds characters no Authorization header can carry (spaces, line breaks or non-ASCII); check that it holds the token alone")
    );
    assert_eq!(env.api.requests_to(PROVISION_PATH).len(), 0);
    assert_eq!(
        env.api.requests().len(),
        1,
        "only the first run's token call"
    );
}

#[test]
fn a_tls_handshake_that_never_comes_is_a_connect_timeout() {
    // Accepts TCP connections and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", format!("https://{addr}"))
        .args(provision_args_without_wp(&["--timeout=2"]))
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    let err = assert_failure(&out, "timeout");
    assert_eq!(
        err["error_message"],
        json!(format!(
            "POST https://{addr}/oauth2/token: could not connect to {addr} within 2 s; check the network, firewall and proxy settings, or try again later"
        ))
    );
}
