//! TLS: a certificate from an unknown CA is refused before anything is
//! sent, unless the operator trusts its CA (`SSL_CERT_FILE`,
//! `SSL_CERT_DIR`); the scheme in `JETPACK_START_API_HOST` is matched
//! case-insensitively (SPEC §9).

use super::{assert_failure, count, provision, provision_args, run, token_ok, OK_BODY};
use crate::testenv::{
    self, assert_success, cert_path, provision_args_without_wp, FakeApi, Reply, TestEnv,
    PROVISION_OK, PROVISION_PATH, TOKEN_PATH,
};

#[test]
fn untrusted_certificate_is_a_network_error_naming_tls() {
    let env = TestEnv::with_api(FakeApi::start_tls_untrusted());
    token_ok(&env);
    let out = provision(&env, &[]);
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains("TLS"), "{msg}");
    assert!(msg.contains(&env.api.host()), "names the host: {msg}");
    assert!(env.api.requests().is_empty(), "nothing sent over bad TLS");
}

/// The same in the bare-host form (https, `Host: public-api.wordpress.com`)
/// with WordPress answering: refused before anything is sent.
#[test]
fn untrusted_certificate_is_refused() {
    let env = TestEnv::with_api(FakeApi::start_tls_untrusted());
    env.answer_single_site();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = run(env
        .cmd()
        .env("JETPACK_START_API_HOST", env.api.host())
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .args(env.provision_args(&["--user=admin"])));
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains("TLS"), "{msg}");
    assert!(env.api.requests().is_empty());
}

#[test]
fn ssl_cert_file_makes_the_other_ca_trusted() {
    let env = TestEnv::with_api(FakeApi::start_tls_untrusted());
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let mut args = provision_args();
    args.push("--timeout=10".into());
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("other-ca.pem"))
        .args(&args));
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(count(&env.api, TOKEN_PATH), 1);
    assert_eq!(count(&env.api, PROVISION_PATH), 1);
    assert!(env.api.tls_handshakes() >= 1);

    // Bare host form (https + Host: public-api.wordpress.com) too.
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_FILE", testenv::cert_path("other-ca.pem"))
        .env("JETPACK_START_API_HOST", env.api.host())
        .args(&args));
    testenv::assert_success(&out, OK_BODY);
    let p = env.api.requests_to(PROVISION_PATH);
    assert_eq!(p.len(), 2);
    assert_eq!(p[1].header("host"), Some("public-api.wordpress.com"));
}

#[test]
fn ssl_cert_dir_is_read() {
    let env = TestEnv::new_tls();
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));

    // A dir holding the right CA: trusted.
    let good = env.root().join("certs-good");
    std::fs::create_dir(&good).expect("mkdir");
    std::fs::copy(testenv::cert_path("ca.pem"), good.join("ca.pem")).expect("copy ca.pem");
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_DIR", &good)
        .args(provision_args()));
    testenv::assert_success(&out, OK_BODY);
    assert_eq!(count(&env.api, PROVISION_PATH), 1);

    // A dir holding only the other CA: refused, nothing sent.
    let bad = env.root().join("certs-bad");
    std::fs::create_dir(&bad).expect("mkdir");
    std::fs::copy(testenv::cert_path("other-ca.pem"), bad.join("ca.pem")).expect("copy");
    let before = env.api.requests().len();
    let out = run(env
        .cmd_without_wp()
        .env("SSL_CERT_DIR", &bad)
        .args(provision_args()));
    let msg = assert_failure(&out, "network_error");
    assert!(msg.contains("TLS"), "{msg}");
    assert_eq!(env.api.requests().len(), before);
}

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
