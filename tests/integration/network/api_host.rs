//! `JETPACK_START_API_HOST` (SPEC §4): a value that would send the client
//! secret or the partner token somewhere else than meant is refused with
//! `invalid_input` before anything is sent — a query or a fragment (every
//! request's path would land in it), user info (it would be printed in
//! messages), plain HTTP to a host that is not this machine (unless
//! `JETPACK_PARTNER_INSECURE_HTTP=1`, which is then said on stderr). A
//! base path (`https://h/sandbox`) is kept.

use super::proxies::connect_proxy_to;
use super::{provision_args, token_ok, OK_BODY, TOKEN};
use crate::testenv::{
    assert_exit, closed_port, stderr_json, Reply, TestEnv, PROVISION_PATH, SECRET, TOKEN_PATH,
};
use serde_json::json;
use std::process::Output;

/// A provision without WordPress under this `JETPACK_START_API_HOST`
/// (and other variables).
fn provision_under(env: &TestEnv, host: &str, vars: &[(&str, &str)]) -> Output {
    let mut cmd = env.std_cmd_without_wp();
    cmd.env("JETPACK_START_API_HOST", host)
        .args(provision_args())
        .envs(vars.iter().copied());
    cmd.output().expect("run")
}

/// Exit 1, nothing on stdout, exactly this `invalid_input` on stderr.
fn assert_refused(out: &Output, message: &str, name: &str) {
    assert_exit(out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{name}");
    assert_eq!(
        stderr_json(out),
        json!({"success": false, "error_code": "invalid_input", "error_message": message}),
        "{name}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).lines().count(),
        1,
        "{name}"
    );
}

const QUERY: &str = "JETPACK_START_API_HOST holds a query (?...), where every request's path would land; remove it (a base path such as /sandbox is fine)";
const FRAGMENT: &str = "JETPACK_START_API_HOST holds a fragment (#...), which would cut every request's path off; remove it";
const USER_INFO: &str = "JETPACK_START_API_HOST holds a user name or password (user:pw@), which would be shown in messages and is no partner credential; remove it (credentials go by --partner_id/--partner_secret or a token)";

/// `http://h:p?x=1` sent the client secret to `/?x=1/oauth2/token`, and
/// `#frag` to `/`: both are refused, in any spelling, and nothing is sent
/// (no connection at all).
#[test]
fn a_host_with_a_query_or_fragment_is_refused_before_anything_is_sent() {
    let env = TestEnv::new();
    token_ok(&env);
    let base = env.api.base_url();
    let host = env.api.host();
    for (value, message) in [
        (format!("{base}?x=1"), QUERY),
        (format!("{base}/?"), QUERY),
        (format!("{base}/sandbox?x=1#y"), QUERY),
        (format!("{host}?x=1"), QUERY),
        (format!("{base}#frag"), FRAGMENT),
        (format!(" {base}/# "), FRAGMENT),
    ] {
        let out = provision_under(&env, &value, &[]);
        assert_refused(&out, message, &value);
        // Plain as well as with the variable that allows plain HTTP.
        let out = provision_under(&env, &value, &[("JETPACK_PARTNER_INSECURE_HTTP", "1")]);
        assert_refused(&out, message, &value);
    }
    assert!(env.api.requests().is_empty());
    assert_eq!(env.api.connections(), 0);
}

/// `user:pw@` in the host was printed in network errors (and `--verbose`,
/// dry-run URLs): refused, the password shown nowhere, nothing sent.
#[test]
fn user_info_in_the_host_is_refused_and_never_shown() {
    let env = TestEnv::new();
    token_ok(&env);
    let dead = closed_port();
    for value in [
        format!("http://user:hunter2pw@127.0.0.1:{dead}"),
        format!("http://user:hunter2pw@{}", env.api.host()),
        format!("HTTP://:hunter2pw@{}/sandbox", env.api.host()),
        format!("user:hunter2pw@{}", env.api.host()),
    ] {
        for extra in [vec![], vec!["--verbose"], vec!["--dry-run"]] {
            let mut cmd = env.std_cmd_without_wp();
            cmd.env("JETPACK_START_API_HOST", &value)
                .args(provision_args())
                .args(extra);
            let out = cmd.output().expect("run");
            assert_refused(&out, USER_INFO, &value);
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!all.contains("hunter2pw"), "{value}: {all}");
        }
    }
    assert!(env.api.requests().is_empty());
    assert_eq!(env.api.connections(), 0);
}

/// Plain HTTP is for tests on this machine: `http://` to any other host
/// sent the client secret and the token in clear without a word. It is
/// refused, saying why and how to allow it; allowed by
/// `JETPACK_PARTNER_INSECURE_HTTP=1`, it works and says so once. (A
/// CONNECT proxy stands in for the other machine: `api.test` resolves
/// nowhere, the proxy tunnels to the fake API.)
#[test]
fn plain_http_off_this_machine_is_refused_unless_allowed_and_then_said() {
    let env = TestEnv::new();
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let (proxy, tunnels) = connect_proxy_to(Some(env.api.host()));
    let proxy_url = format!("http://127.0.0.1:{proxy}");
    let refused = |host: &str| {
        format!("JETPACK_START_API_HOST is plain http:// to {host}, which is not this machine: the client secret and partner token would cross the network unencrypted; use https://, or set JETPACK_PARTNER_INSECURE_HTTP=1 to allow it (e.g. a test server on a private network)")
    };
    for (value, host) in [
        ("http://api.test:8080", "api.test:8080"),
        ("HTTP://API.test:8080/sandbox/", "api.test:8080"),
        ("http://10.1.2.3", "10.1.2.3"),
        ("http://[2001:db8::1]:81", "[2001:db8::1]:81"),
        ("http://localhost.example", "localhost.example"),
    ] {
        for allow in ["", "0", "yes"] {
            let vars = [
                ("http_proxy", proxy_url.as_str()),
                ("JETPACK_PARTNER_INSECURE_HTTP", allow),
            ];
            let out = provision_under(&env, value, &vars);
            assert_refused(&out, &refused(host), value);
        }
    }
    assert!(env.api.requests().is_empty());
    assert!(tunnels.lock().map(|t| t.is_empty()).unwrap_or(false));

    let vars = [
        ("http_proxy", proxy_url.as_str()),
        ("JETPACK_PARTNER_INSECURE_HTTP", "1"),
    ];
    let out = provision_under(&env, "http://api.test:8080/", &vars);
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{OK_BODY}\n"));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "jetpack-partner: JETPACK_PARTNER_INSECURE_HTTP=1: the client secret and partner token go unencrypted (plain http://) to api.test:8080\n"
    );
    let reqs = env.api.requests();
    let paths: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, [TOKEN_PATH, PROVISION_PATH]);
    assert_eq!(reqs[0].form_value("client_secret"), Some(SECRET));
    assert_eq!(reqs[1].header("host"), Some("api.test:8080"));
    let auth = format!("Bearer {TOKEN}");
    assert_eq!(reqs[1].header("authorization"), Some(auth.as_str()));
}

/// This machine may be spoken to in plain HTTP however it is written
/// (127.0.0.0/8 in any IPv4 spelling, `localhost` in any case, `[::1]`),
/// with no note; a trailing slash or spaces change nothing.
#[test]
fn loopback_in_any_spelling_stays_plain_http_without_a_word() {
    let env = TestEnv::new();
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let port = env.api.port();
    let values = [
        format!("http://127.0.0.1:{port}"),
        format!(" http://127.0.0.1:{port}/ "),
        format!("http://127.1:{port}"),
        format!("HTTP://LOCALHOST:{port}"),
        format!("http://0x7f.0.0.1:{port}//"),
    ];
    for value in &values {
        let out = provision_under(&env, value, &[]);
        assert_exit(&out, 0);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{OK_BODY}\n"),
            "{value}"
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{value}");
    }
    let paths: Vec<String> = env.api.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, [TOKEN_PATH, PROVISION_PATH].repeat(values.len()));
}

/// `[::1]` is this machine too (where IPv6 loopback is there to listen on).
#[test]
fn ipv6_loopback_stays_plain_http() {
    let Ok(api) = crate::testenv::FakeApi::start_on("[::1]:0".parse().expect("addr"), false) else {
        eprintln!("no IPv6 loopback here: nothing to test");
        return;
    };
    let env = TestEnv::with_api(api);
    token_ok(&env);
    env.api
        .reply("POST", PROVISION_PATH, Reply::json(200, OK_BODY));
    let out = provision_under(&env, &format!("http://[::1]:{}", env.api.port()), &[]);
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(env.api.requests().len(), 2);
}

/// A base path is kept: the token call and the provision go under it.
#[test]
fn a_base_path_is_kept_for_every_request() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        &format!("/sandbox{TOKEN_PATH}"),
        Reply::json(200, &json!({ "access_token": TOKEN }).to_string()),
    );
    env.api.reply(
        "POST",
        &format!("/sandbox{PROVISION_PATH}"),
        Reply::json(200, OK_BODY),
    );
    let out = provision_under(&env, &format!("{}/sandbox/", env.api.base_url()), &[]);
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{OK_BODY}\n"));
    let paths: Vec<String> = env.api.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            format!("/sandbox{TOKEN_PATH}"),
            format!("/sandbox{PROVISION_PATH}")
        ]
    );
}

/// `sites` never talks to the API: a host value other commands would
/// refuse does not stop it.
#[test]
fn a_command_that_never_talks_to_the_api_does_not_read_the_host() {
    let env = TestEnv::new();
    let out = env
        .std_cmd_without_wp()
        .env("JETPACK_START_API_HOST", "http://user:pw@10.0.0.5?x#y")
        .args(["sites", &format!("--scan={}", env.not_wp_path())])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
