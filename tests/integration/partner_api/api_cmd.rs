//! `api PATH`: any method on base + PATH with the partner token, like
//! `gh api` — `-f` a query parameter (GET) or form field, `--input` a JSON
//! body; PATH always relative to the API host; a GET retried like the
//! token call, anything else never sent twice.

use super::{jp, model_get, run, stdout, stdout_json, with_creds, write_file};
use crate::testenv::{
    assert_exit, assert_failure, assert_success, pairs, PartnerApi, Reply, TestEnv, PARTNER_TOKEN,
    SECRET,
};
use serde_json::json;

const BACKUPS: &str = "/wpcom/v2/sites/200001/rewind/backups";
const ACTIVITY: &str = "/wpcom/v2/sites/200001/activity";
const DOWNLOADS: &str = "/wpcom/v2/sites/200001/rewind/downloads";
const FIX: &str = "/wpcom/v2/sites/200001/alerts/fix";

/// The model with example.com as blog 200001 holding premium (so it has
/// backups and scans), and partner 1234's token.
fn setup() -> (TestEnv, PartnerApi, String) {
    let env = TestEnv::new();
    let partner = env.partner_api();
    partner.seed_site("example.com", 200_001);
    partner.seed("example.com", Some("1234"), &["premium"]);
    let token = partner.token_of("1234").unwrap_or_default();
    (env, partner, token)
}

fn api(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut v = with_creds(&["api"]);
    v.extend(args.iter().map(|s| s.to_string()));
    jp(env, v)
}

/// The last request: `method path?query`, the partner's token, and no
/// body (or the given content type).
fn last(env: &TestEnv) -> crate::testenv::fake_api::Recorded {
    env.api.requests().pop().expect("a request")
}

#[test]
fn get_prints_an_array_answer_verbatim() {
    let (env, _partner, token) = setup();
    let out = api(&env, &[BACKUPS]);
    assert_exit(&out, 0);
    let r = last(&env);
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_str()),
        ("GET", BACKUPS, "")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(r.header("content-type"), None);
    assert!(r.body.is_empty());
    let answer = model_get(&env, BACKUPS, Some(&token));
    assert!(answer.starts_with('['), "{answer}");
    assert_success(&out, &answer);
    assert_eq!(stdout_json(&out).as_array().map(Vec::len), Some(2));

    // Any JSON, as received: whitespace, a scalar.
    for (body, printed) in [(" [ 1, 2 ]\n\n", " [ 1, 2 ]"), ("true", "true")] {
        let env = TestEnv::new();
        env.api.token_ok(PARTNER_TOKEN);
        env.api.reply("GET", BACKUPS, Reply::json(200, body));
        assert_success(&api(&env, &[BACKUPS]), printed);
    }
}

#[test]
fn get_fields_are_the_query() {
    let (env, _partner, token) = setup();
    let out = api(&env, &[ACTIVITY, "-f", "number=2", "--field=group=rewind"]);
    let r = last(&env);
    assert_eq!(
        (r.method.as_str(), r.query.as_str()),
        ("GET", "number=2&group=rewind")
    );
    assert!(r.body.is_empty());
    assert_success(
        &out,
        &model_get(
            &env,
            &format!("{ACTIVITY}?number=2&group=rewind"),
            Some(&token),
        ),
    );

    // PATH's own query first, then the fields (encoded).
    let (env, _partner, _token) = setup();
    let out = api(
        &env,
        &[
            &format!("{ACTIVITY}?number=1"),
            "-f",
            "group=post & page",
            "-f",
            "after=",
        ],
    );
    assert_exit(&out, 0);
    let r = last(&env);
    assert_eq!(r.query, "number=1&group=post%20%26%20page&after=");
    assert_eq!(
        r.query_pairs,
        pairs(&[("number", "1"), ("group", "post & page"), ("after", "")])
    );
}

#[test]
fn post_fields_are_the_form() {
    let (env, partner, token) = setup();
    let out = api(&env, &["-X", "POST", DOWNLOADS, "-f", "types=all"]);
    assert_exit(&out, 0);
    let r = last(&env);
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_str()),
        ("POST", DOWNLOADS, "")
    );
    assert_eq!(r.form, pairs(&[("types", "all")]));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    let made = stdout_json(&out);
    let id = made["downloadId"].as_u64().expect("a download id");
    // The model kept it: the next GET sees it.
    let out = api(&env, &[&format!("{DOWNLOADS}/{id}")]);
    assert_success(
        &out,
        &model_get(&env, &format!("{DOWNLOADS}/{id}"), Some(&token)),
    );
    assert!(partner.changes() > 0);

    // A POST without fields has no body at all.
    let (env, _partner, _token) = setup();
    let out = api(
        &env,
        &["--method", "post", "/wpcom/v2/sites/200001/scan/enqueue"],
    );
    assert_success(&out, r#"{"success":true}"#);
    let r = last(&env);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), None);
}

#[test]
fn input_is_a_json_body() {
    let (env, _partner, _token) = setup();
    let body = "{\"threat_ids\": [\"81444650\", \"81444645\"]}\n";
    let file = write_file(&env, "fix.json", body);
    let out = api(&env, &["-X", "POST", FIX, &format!("--input={file}")]);
    assert_success(
        &out,
        r#"{"ok":true,"threats":{"81444650":{"status":"in_progress"},"81444645":{"status":"in_progress"}}}"#,
    );
    let r = last(&env);
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(String::from_utf8_lossy(&r.body), body);

    // From stdin.
    let (env, _partner, _token) = setup();
    let out = run(
        env.cmd_without_wp()
            .args(with_creds(&["api", "-X", "POST", FIX, "--input=-"]))
            .write_stdin(r#"{"threat_ids":[7]}"#),
        &[],
    );
    assert_success(
        &out,
        r#"{"ok":true,"threats":{"7":{"status":"in_progress"}}}"#,
    );
    assert_eq!(last(&env).body, br#"{"threat_ids":[7]}"#);

    // Not JSON, or not there: invalid_input, nothing sent.
    let env = TestEnv::new();
    let bad = write_file(&env, "bad.json", "{threat_ids: [1]}");
    for input in [bad.as_str(), "/nonexistent/fix.json"] {
        let out = api(&env, &["-X", "POST", FIX, &format!("--input={input}")]);
        let err = assert_failure(&out, "invalid_input");
        assert!(err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with(&format!("--input={input}: cannot read it"))));
    }
    assert!(env.api.requests().is_empty());
}

/// A full URL, `//host`, no leading slash, a fragment, spaces or a
/// backslash: `invalid_input`, and nothing at all is sent (no token call).
#[test]
fn paths_off_the_api_host_are_refused() {
    let env = TestEnv::new();
    let own = format!("{}/wpcom/v2/sites/1/scan", env.api.base_url());
    let why_slash = "it must start with / and is always relative to the API host";
    for (path, why) in [
        ("https://evil.test/wpcom/v2/sites/1/scan", why_slash),
        (own.as_str(), why_slash),
        ("wpcom/v2/sites/1/scan", why_slash),
        ("evil.test", why_slash),
        (
            "//evil.test/wpcom/v2/sites/1/scan",
            "// would name another host",
        ),
        ("///evil.test/x", "// would name another host"),
        (
            "/x#frag",
            "spaces, control characters, \\ and # are not allowed",
        ),
        (
            "/a b",
            "spaces, control characters, \\ and # are not allowed",
        ),
        (
            "/\\evil.test/x",
            "spaces, control characters, \\ and # are not allowed",
        ),
        (
            "/x\n",
            "spaces, control characters, \\ and # are not allowed",
        ),
        ("-x", why_slash),
    ] {
        let out = api(&env, &["--", path]);
        assert_exit(&out, 1);
        assert_eq!(stdout(&out), "");
        let want = json!({"success": false, "error_code": "invalid_input",
            "error_message": format!("api {path:?}: {why}; give a path on the API host, e.g. /wpcom/v2/sites/12345/rewind/backups")});
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{want}\n"),
            "{path:?}"
        );
    }
    assert!(env.api.requests().is_empty());
    assert_eq!(env.api.connections(), 0);
}

/// Relative paths that look like other hosts still go to the API host.
#[test]
fn odd_relative_paths_stay_on_the_api_host() {
    for path in [
        "/@evil.test/x",
        "/%2F%2Fevil.test/x",
        "/x//evil.test",
        "/:443@evil.test",
    ] {
        let env = TestEnv::new();
        env.api.token_ok(PARTNER_TOKEN);
        let out = api(&env, &[path]);
        assert_failure(&out, "not_found");
        let reqs = env.api.requests();
        assert_eq!(reqs.len(), 2, "{path}: token call and the request");
        assert_eq!(
            reqs[1].header("host"),
            Some(env.api.host().as_str()),
            "{path}"
        );
        assert_eq!(
            reqs[1].header("authorization"),
            Some(format!("Bearer {PARTNER_TOKEN}").as_str())
        );
    }
}

/// A GET is retried on 503 as the token call is (3 attempts in all); the
/// answer after the retries is the answer.
#[test]
fn get_is_retried_on_503_like_the_token_call() {
    let env = TestEnv::new();
    env.api
        .reply("POST", "/oauth2/token", Reply::json(503, "{}"));
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("GET", BACKUPS, Reply::json(503, "{}"));
    env.api.reply("GET", BACKUPS, Reply::empty(503));
    env.api.reply("GET", BACKUPS, Reply::json(200, "[]"));
    let out = api(&env, &[BACKUPS]);
    assert_success(&out, "[]");
    assert_eq!(env.api.requests_to("/oauth2/token").len(), 2);
    assert_eq!(env.api.requests_to(BACKUPS).len(), 3);

    // Busy every time: given up after 3.
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("GET", BACKUPS, Reply::empty(503));
    let out = api(&env, &[BACKUPS]);
    let want = json!({"success": false, "error_code": "server_error",
        "error_message": "Request failed with code 503"});
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"));
    assert_eq!(env.api.requests_to(BACKUPS).len(), 3);

    // A connection lost before the answer: a GET is asked again.
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("GET", BACKUPS, Reply::close_without_reply());
    env.api.reply("GET", BACKUPS, Reply::json(200, "[]"));
    assert_success(&api(&env, &[BACKUPS]), "[]");
    assert_eq!(env.api.requests_to(BACKUPS).len(), 2);
}

/// Anything but a GET is never sent twice: a connection closed without an
/// answer is one request and an error that says it may have been carried
/// out; a 503 is the answer.
#[test]
fn other_methods_are_never_sent_twice() {
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let env = TestEnv::new();
        env.api.token_ok(PARTNER_TOKEN);
        env.api.reply(method, FIX, Reply::close_without_reply());
        env.api.reply(method, FIX, Reply::json(200, "{}"));
        let out = api(&env, &["-X", method, FIX, "-f", "threat_ids=1"]);
        let err = assert_failure(&out, "network_error");
        let msg = err["error_message"].as_str().unwrap_or_default();
        assert!(
            msg.starts_with(&format!("{method} {}{FIX}: ", env.api.base_url())),
            "{msg}"
        );
        assert!(
            msg.contains("the request may have reached WordPress.com and been carried out"),
            "{msg}"
        );
        assert_eq!(env.api.requests_to(FIX).len(), 1, "{method}");
        assert_eq!(env.api.requests().len(), 2, "{method}");
    }

    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("POST", FIX, Reply::empty(503));
    let out = api(&env, &["-X", "POST", FIX]);
    assert_failure(&out, "server_error");
    assert_eq!(env.api.requests_to(FIX).len(), 1);
}

/// The scripts' short forms before PATH (`-c=ID -s=SECRET`) are flags, not
/// PATH.
#[test]
fn short_credential_flags_before_the_path() {
    let (env, _partner, token) = setup();
    for args in [
        vec![
            "api".to_string(),
            "-c=1234".into(),
            format!("-s={SECRET}"),
            BACKUPS.into(),
        ],
        vec![
            "api".to_string(),
            "-c1234".into(),
            "-s".into(),
            SECRET.into(),
            BACKUPS.into(),
        ],
        vec![
            "api".to_string(),
            "--partner_id=1234".into(),
            format!("-s={SECRET}"),
            "-X=GET".into(),
            "-f=number=1".into(),
            BACKUPS.into(),
        ],
    ] {
        let out = jp(&env, &args);
        assert_exit(&out, 0);
        let r = last(&env);
        assert_eq!(r.path, BACKUPS, "{args:?}");
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
    }
}

#[test]
fn bad_method_field_or_missing_path() {
    let env = TestEnv::new();
    for (args, starts) in [
        (
            &["-X", "TRACE", BACKUPS][..],
            "--method=\"TRACE\" is not a method",
        ),
        (
            &["-f", "novalue", BACKUPS],
            "--field=\"novalue\" is not KEY=VALUE",
        ),
    ] {
        let out = api(&env, args);
        let err = assert_failure(&out, "invalid_input");
        let msg = err["error_message"].as_str().unwrap_or_default();
        assert!(msg.starts_with(starts), "{msg}");
    }
    let out = api(&env, &[]);
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Usage:") && err.contains("<PATH>"), "{err}");
    assert!(env.api.requests().is_empty());
}

/// With a base path (`JETPACK_START_API_HOST=http://h/sandbox`), a `.` or
/// `..` segment took the bearer token out of it (`/../oauth2/token`, and
/// `%2e%2e` which servers decode first): refused in every spelling, before
/// anything is sent. Names that only contain dots stay paths under the
/// base.
#[test]
fn dot_segments_in_any_spelling_are_refused_under_a_base_path() {
    let env = TestEnv::new();
    let base = format!("{}/sandbox", env.api.base_url());
    let under = |args: &[&str]| {
        let mut v = with_creds(&["api"]);
        v.extend(args.iter().map(|s| s.to_string()));
        run(
            env.cmd_without_wp()
                .env("JETPACK_START_API_HOST", &base)
                .args(v),
            &[],
        )
    };
    for path in [
        "/../oauth2/token",
        "/%2e%2e/x",
        "/a/%2E%2E/%2e%2e/x",
        "/.%2e/x",
        "/%2E./x",
        "/%2e%2E/x",
        "/./x",
        "/%2e/x",
        "/a/..",
        "/a/.",
        "/a/..;/x",
        "/a/..%00/x",
        "/a%2f..%2fx",
        "/a%2F%2e%2E%2Fx",
        "/a%5c..%5cx",
        "/x/..?y=1",
    ] {
        let out = under(&["-X", "POST", "--", path]);
        assert_exit(&out, 1);
        assert_eq!(stdout(&out), "", "{path}");
        let want = json!({"success": false, "error_code": "invalid_input",
            "error_message": format!("api {path:?}: a . or .. segment (in any spelling, %2e too) would leave the API's base path; give a path on the API host, e.g. /wpcom/v2/sites/12345/rewind/backups")});
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{want}\n"),
            "{path}"
        );
    }
    assert!(env.api.requests().is_empty());
    assert_eq!(env.api.connections(), 0);

    let token = json!({ "access_token": PARTNER_TOKEN }).to_string();
    env.api
        .reply("POST", "/sandbox/oauth2/token", Reply::json(200, &token));
    env.api.set_fallback(|_| Reply::json(200, "[]"));
    let paths = [
        "/.well-known/x",
        "/a..b/...",
        "/x?y=/../z",
        "/wpcom/v2/x%2e",
    ];
    for path in paths {
        assert_success(&under(&[path]), "[]");
    }
    let seen: Vec<String> = env
        .api
        .requests()
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .map(|r| format!("{}?{}", r.path, r.query))
        .collect();
    assert_eq!(
        seen,
        [
            "/sandbox/.well-known/x?",
            "/sandbox/a..b/...?",
            "/sandbox/x?y=/../z",
            "/sandbox/wpcom/v2/x%2e?"
        ]
    );
}

/// Any JSON the API sends is printed as received, also what serde_json
/// cannot build: nested 200 deep (401 bytes; its limit is 128), a number
/// past f64, a lone surrogate. A GET or a POST alike; a deep error answer
/// is the status's error.
#[test]
fn a_json_answer_nested_deeper_than_serde_reads_is_printed_verbatim() {
    let deep = format!("{}{}\n", "[".repeat(200), "]".repeat(200));
    assert_eq!(deep.len(), 401);
    let deep_object = format!("{}7{}", "{\"a\":".repeat(3000), "}".repeat(3000));
    for body in [
        deep.as_str(),
        deep_object.as_str(),
        "[1e400]",
        "{\"x\":\"\\ud800\"}",
    ] {
        for method in ["GET", "POST"] {
            let env = TestEnv::new();
            env.api.token_ok(PARTNER_TOKEN);
            env.api.reply(method, FIX, Reply::json(200, body));
            let out = api(&env, &["-X", method, FIX]);
            assert_success(&out, body.trim_end());
            assert_eq!(env.api.requests_to(FIX).len(), 1, "{method}");
        }
    }
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("GET", FIX, Reply::json(404, &deep));
    let out = api(&env, &[FIX]);
    let err = assert_failure(&out, "server_error");
    assert_eq!(err["error_message"], json!("Request failed with code 404"));

    // And sent as given: an --input that deep is JSON too.
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply("POST", FIX, Reply::json(200, "{}"));
    let input = write_file(&env, "deep.json", &deep);
    let out = api(&env, &["-X", "POST", FIX, &format!("--input={input}")]);
    assert_success(&out, "{}");
    assert_eq!(env.api.requests_to(FIX)[0].body, deep.as_bytes());
}
