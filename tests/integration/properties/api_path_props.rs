//! Property: `api PATH` never sends the partner token to another host,
//! nor out of the API's base path.
//!
//! For any PATH string (and `-f` fields, and method) under any API base
//! (`JETPACK_START_API_HOST` in each form it takes, a base path among
//! them), either [`cli::parse`] refuses it with `invalid_input`, or the URL
//! the request goes to has exactly the base's host and port — read both by
//! the `url` crate (WHATWG, what the check in `cli` uses) and by
//! `http::Uri` (what ureq sends with), so a disagreement between the two
//! parsers cannot smuggle the token elsewhere — and its path stays under
//! the base path, however a server reads it: with dot segments resolved
//! (the `url` crate's way, `%2e` included), and percent-decoded first
//! (`%2f..%2f`), `;params` cut (`..;`) and `\` taken for `/`.
//!
//! Failures are shrunk and their seeds kept in
//! `tests/regressions/api_path_props.txt` (replayed first on every run, as
//! in `fuzz_props`). For a longer run:
//!
//! ```sh
//! PROPTEST_CASES=20000 cargo test --release --test integration api_path_props
//! ```

use jetpack_partner::api::Base;
use jetpack_partner::api::Request;
use jetpack_partner::cli::{self, Failure};
use jetpack_partner::job::Run;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::ffi::OsString;

const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/regressions/api_path_props.txt"
);

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..ProptestConfig::default()
    }
}

const TOKEN: &str = "prop-partner-token-40c2";

// ---------------------------------------------------------------------------
// Strategies.

/// `JETPACK_START_API_HOST` as partners write it: unset, a bare host (with
/// a port, a trailing slash, a path), a URL with a scheme in any case,
/// IPv6, user info.
fn base() -> impl Strategy<Value = Option<String>> {
    let fixed = prop::sample::select(vec![
        "public-api.wordpress.com",
        "10.0.0.5:8443",
        "10.0.0.5:8443/",
        "http://127.0.0.1:8080",
        "HTTPS://Api.Example:8443/",
        "https://public-api.wordpress.com/",
        "[::1]:8443",
        "http://[::1]:9",
        "https://user@api.example",
        "api.example/prefix",
        "  https://api.example  ",
        "http://api.example:80",
        "https://api.example:443/base/",
        "http://127.0.0.1:8080/sandbox",
        "https://api.example/a/b/",
        "HTTP://LOCALHOST:9/x/",
        "",
    ])
    .prop_map(|s| Some(s.to_string()));
    let host = prop_oneof![
        "[a-z]{1,8}(\\.[a-z]{2,5}){0,2}",
        Just("127.0.0.1".to_string()),
        Just("[::1]".to_string()),
    ];
    let made = (
        prop::option::of(prop::sample::select(vec!["http://", "https://", "HTTP://"])),
        host,
        prop::option::of(1u16..=65535),
        prop::option::of("(/[a-z]{1,4}){1,2}/?"),
    )
        .prop_map(|(scheme, host, port, prefix)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            Some(format!(
                "{}{host}{port}{}",
                scheme.unwrap_or(""),
                prefix.unwrap_or_default()
            ))
        });
    prop_oneof![Just(None), fixed, made]
}

/// Pieces that URL parsers treat specially, and some that look like them.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "/", "//", "///", "\\", "@", ":", "?", "#", "%", "%2F", "%2f", "%5C", "%40", "%3A",
            "..", ".", "%2e%2e", "%2E", "%2e", ".%2e", "%2E.", "%2e%2E", "..;", ".;x", "%5c", "%00",
            "%2F..", "%252e%252e", "/../", "/./", "evil.test", "evil.test:443", "@evil.test", "http:", "https:",
            "https://evil.test", "//evil.test", "\\\\evil.test", " ", "\t", "\n", "\r", "\u{0}",
            "[::1]", ":8080", "%00", "\u{ff0f}", "\u{2215}", "\u{3002}", "\u{ff20}", "&", "=",
            "wpcom", "v2", "sites", "12345", "rewind", "backups", "\u{7f}", "\u{85}", "\u{a0}",
        ])
        .prop_map(str::to_string),
        1 => "[a-zA-Z0-9._~-]{1,6}",
        1 => any::<char>().prop_map(String::from),
    ]
}

/// A path segment, often a `.` or `..` in one of its spellings.
fn segment() -> impl Strategy<Value = String> {
    let dots = prop::collection::vec(prop::sample::select(vec![".", "%2e", "%2E"]), 1..=2)
        .prop_map(|v| v.concat());
    prop_oneof![
        2 => dots.clone(),
        1 => dots.prop_map(|d| format!("{d};x")),
        2 => piece(),
    ]
}

/// Mostly PATH-like strings (leading `/` or not), sometimes anything.
fn path() -> impl Strategy<Value = String> {
    let pieces = || prop::collection::vec(piece(), 0..10).prop_map(|v| v.concat());
    let segments = prop::collection::vec(segment(), 1..6).prop_map(|v| format!("/{}", v.join("/")));
    prop_oneof![
        3 => pieces().prop_map(|p| format!("/{p}")),
        2 => segments,
        2 => pieces(),
        1 => any::<String>(),
    ]
}

/// `-f` pairs (keys without `=`).
fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
    let text = || prop_oneof![path(), any::<String>()];
    prop::collection::vec((text().prop_map(|k| k.replace('=', "")), text()), 0..3)
}

// ---------------------------------------------------------------------------
// Checks.

/// Host and port as the `url` crate reads them.
fn url_authority(u: &str) -> Option<(String, Option<u16>)> {
    let u = url::Url::parse(u).ok()?;
    Some((u.host_str()?.to_string(), u.port_or_known_default()))
}

/// Host and port as `http::Uri` (ureq) reads them; None when it does not
/// take the URL at all (then nothing is sent).
fn uri_authority(u: &str) -> Option<(String, Option<u16>)> {
    let u: ureq::http::Uri = u.parse().ok()?;
    let default = match u.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => Some(443),
        Some(s) if s.eq_ignore_ascii_case("http") => Some(80),
        _ => None,
    };
    Some((u.host()?.to_ascii_lowercase(), u.port_u16().or(default)))
}

fn argv(method: &str, fields: &[(String, String)], path: &str) -> Vec<OsString> {
    let mut v: Vec<OsString> = vec!["jetpack-partner".into(), "api".into()];
    v.push(format!("--method={method}").into());
    for (k, val) in fields {
        v.push(format!("--field={k}={val}").into());
    }
    // After `--` PATH is PATH whatever it starts with.
    v.push("--".into());
    v.push(path.into());
    v
}

/// Where `api PATH` would send the token under this base, or why not.
fn outcome(
    base: Option<&str>,
    method: &str,
    fields: &[(String, String)],
    path: &str,
) -> Result<(String, Base, bool), String> {
    let base = base.map(str::to_string);
    let env = move |k: &str| match k {
        "JETPACK_START_API_HOST" => base.clone(),
        "JETPACK_PARTNER_ACCESS_TOKEN" => Some(TOKEN.to_string()),
        // Plain http:// bases off this machine are checked too.
        "JETPACK_PARTNER_INSECURE_HTTP" => Some("1".to_string()),
        _ => None,
    };
    match cli::parse(argv(method, fields, path), &env) {
        Ok(inv) => match inv.run {
            Run::Plain { work, .. } => {
                let request = work.requests().next().ok_or("no request")?;
                check_call(request)?;
                Ok((
                    request.url(&inv.settings.base),
                    inv.settings.base,
                    request.bearer != jetpack_partner::api::Bearer::None,
                ))
            }
            _ => Err("parsed as another command".into()),
        },
        Err(Failure::Invalid(e)) => Err(format!("{}: {e}", e.error_code())),
        Err(Failure::Usage(u)) => Err(format!("usage: {}", u.text().0)),
    }
}

/// The base URL's path, `""` for none.
fn base_path(base: &str) -> String {
    url::Url::parse(base)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default()
}

/// `path` is `base` or below it.
fn under(path: &str, base: &str) -> bool {
    path.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The path of `url` as a lenient server resolves it: the path as sent
/// (`http::Uri`, what ureq sends), percent-decoded once, `\` as `/`,
/// `;params` (and anything after a NUL) cut, then `.` and `..` segments
/// resolved.
fn server_path(url: &str) -> Option<String> {
    let uri: ureq::http::Uri = url.parse().ok()?;
    let decoded = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    let mut out: Vec<&str> = Vec::new();
    for seg in decoded.split(['/', '\\']).skip(1) {
        match seg.split([';', '\0']).next().unwrap_or(seg) {
            "." => {}
            ".." => {
                out.pop();
            }
            _ => out.push(seg),
        }
    }
    Some(format!("/{}", out.join("/")))
}

/// What `cli` promises about an accepted call.
fn check_call(request: &Request) -> Result<(), String> {
    if request.path.starts_with('/') && !request.path.starts_with("//") {
        Ok(())
    } else {
        Err(format!("accepted path {:?}", request.path))
    }
}

proptest! {
    #![proptest_config(config())]

    /// Refused with invalid_input, or sent to exactly the base's host and
    /// port (by both parsers), with the token.
    #[test]
    fn the_token_never_leaves_the_api_host(
        base in base(),
        path in path(),
        fields in fields(),
        post in any::<bool>(),
    ) {
        let method = if post { "POST" } else { "GET" };
        match outcome(base.as_deref(), method, &fields, &path) {
            Ok((url, base, bearer)) => {
                prop_assert!(bearer, "api sends the partner token");
                let want = url_authority(&base.url);
                prop_assert!(want.is_some(), "accepted under a base url cannot read: {:?}", base.url);
                prop_assert_eq!(url_authority(&url), want, "url crate: {} under {:?}", url, base.url);
                if let Some(got) = uri_authority(&url) {
                    prop_assert_eq!(Some(got), uri_authority(&base.url), "http::Uri: {} under {:?}", url, base.url);
                }
                let want = base_path(&base.url);
                let resolved = url::Url::parse(&url).map(|u| u.path().to_string()).unwrap_or_default();
                prop_assert!(under(&resolved, &want), "url crate: {} leaves {:?}", url, want);
                if let Some(got) = server_path(&url) {
                    prop_assert!(under(&got, &want), "a server: {} ({}) leaves {:?}", url, got, want);
                }
            }
            Err(why) if path.is_empty() => prop_assert!(why.starts_with("usage:"), "{}", why),
            Err(why) => prop_assert!(why.starts_with("invalid_input: "), "{:?} under {:?}: {}", path, base, why),
        }
    }
}

/// The property's inputs that matter most, pinned: what is refused and
/// what is sent where.
#[test]
fn known_paths() {
    let base = Some("http://127.0.0.1:8080");
    for path in [
        "https://evil.test/x",
        "//evil.test/x",
        "///evil.test",
        "evil.test/x",
        "/\\evil.test",
        "/x#@evil.test",
        "/ @evil.test",
        "/\t/evil.test",
        "-X",
    ] {
        let got = outcome(base, "GET", &[], path);
        assert!(
            got.as_ref()
                .is_err_and(|w| w.starts_with("invalid_input: ")),
            "{path:?}: {got:?}"
        );
    }
    for (path, url) in [
        ("/@evil.test/x", "http://127.0.0.1:8080/@evil.test/x"),
        ("/%2F%2Fevil.test", "http://127.0.0.1:8080/%2F%2Fevil.test"),
        ("/x?y=1", "http://127.0.0.1:8080/x?y=1"),
        ("/:9@evil.test", "http://127.0.0.1:8080/:9@evil.test"),
    ] {
        let got = outcome(base, "GET", &[], path).map(|(u, _, _)| u);
        assert_eq!(got.as_deref(), Ok(url), "{path:?}");
    }
    // Under a base path, a dot segment in any spelling is refused, and
    // anything else stays below it.
    let sandbox = Some("http://127.0.0.1:8080/sandbox/");
    for path in [
        "/../oauth2/token",
        "/%2e%2e/x",
        "/a/%2E%2E/%2e%2e/x",
        "/.%2e/x",
        "/a/..;/x",
        "/a%2f..%2fx",
        "/./x",
    ] {
        let got = outcome(sandbox, "POST", &[], path);
        assert!(
            got.as_ref()
                .is_err_and(|w| w.starts_with("invalid_input: ")),
            "{path:?}: {got:?}"
        );
    }
    let got = outcome(sandbox, "GET", &[], "/a..b/.x").map(|(u, _, _)| u);
    assert_eq!(got.as_deref(), Ok("http://127.0.0.1:8080/sandbox/a..b/.x"));
    // A bare host: https, the host's own port.
    let got = outcome(Some("10.0.0.5:8443/"), "POST", &[], "/x").map(|(u, _, _)| u);
    assert_eq!(got.as_deref(), Ok("https://10.0.0.5:8443/x"));
}
