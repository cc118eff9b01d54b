//! Property tests over the pure parts of the library: flag parsing, the
//! parsers that read `wp` output, the API answer rules, form encoding and
//! the JSON error object. They stand in for `cargo fuzz` (which needs a
//! nightly toolchain): every input is generated, and each property says
//! what must hold for *any* input — at the least, no panic.
//!
//! `cargo test` runs 256 cases per property (proptest's default; the one
//! that runs the binary, 32). For a longer run:
//!
//! ```sh
//! PROPTEST_CASES=20000 cargo test --release --test integration fuzz_props
//! ```
//!
//! A failure is shrunk to a minimal input and its seed saved in
//! `tests/regressions/fuzz_props.txt`; those seeds are replayed first on
//! every later run, so keep that file in the repository.

use crate::testenv::encodings::every_encoding;
use crate::testenv::{TestEnv, SECRET};
use jetpack_partner::api::encode::{encode, encode_pairs};
use jetpack_partner::api::request::Body;
use jetpack_partner::api::{self, Answer};
use jetpack_partner::cli::{self, Failure};
use jetpack_partner::error::{Error, Expected, NetCause};
use jetpack_partner::job::{Auth, Run, SiteJob, Target};
use jetpack_partner::output;
use jetpack_partner::site::site_suffix;
use jetpack_partner::site::{Need, Site};
use jetpack_partner::wp::parse as wp;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Map, Value};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::Output;

/// Where proptest keeps the seeds of failures it found (replayed first).
/// Absolute, so it does not depend on the directory the test runs in.
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/regressions/fuzz_props.txt"
);

fn config() -> ProptestConfig {
    // `..default()` keeps PROPTEST_CASES and the other PROPTEST_* variables
    // working; only where failures are kept is ours.
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Strategies.

/// Every flag spelling the CLI knows, plus near misses.
const FLAGS: &[&str] = &[
    "--partner_id",
    "--partner-id",
    "-c",
    "--partner_secret",
    "--partner-secret",
    "-s",
    "--partner_secret_file",
    "--partner-secret-file",
    "--user",
    "--user_id",
    "-i",
    "--plan",
    "-p",
    "--onboarding",
    "-o",
    "--wpcom_user_id",
    "-w",
    "--wpcom_user_email",
    "-e",
    "--force_register",
    "--force_connect",
    "--url",
    "-u",
    "--site_url",
    "--home_url",
    "--partner-tracking-id",
    "--partner_tracking_id",
    "--allow-root",
    "--allow_root",
    "--wp-cli-path",
    "--path",
    "--ssh-host",
    "--ssh_port",
    "--ssh-user",
    "--ssh-pass",
    "--ssh-private-key",
    "--ftp-host",
    "--ftp_port",
    "--ftp-user",
    "--ftp-pass",
    "--timeout",
    "--wp-timeout",
    "--dry-run",
    "--check-upgrade",
    "--verbose",
    "-v",
    "--help",
    "-h",
    "--version",
    "-V",
    "--blog_id",
    "--name",
    "--allowed_premium_plans",
    "--notes",
    "--",
    "-",
    "--partner_secrett",
    "-x",
];

const WORDS: &[&str] = &[
    "provision",
    "cancel",
    "upgrade-paths",
    "partner-key",
    "new",
    "verify",
    "help",
];

fn os_arg() -> impl Strategy<Value = OsString> {
    let flag = prop::sample::select(FLAGS);
    prop_oneof![
        3 => (flag.clone(), any::<String>()).prop_map(|(f, v)| OsString::from(format!("{f}={v}"))),
        2 => flag.prop_map(OsString::from),
        2 => prop::sample::select(WORDS).prop_map(OsString::from),
        2 => any::<String>().prop_map(OsString::from),
        1 => "-[a-zA-Z]{1,3}(=[^\\x00]{0,8})?".prop_map(OsString::from),
        1 => prop::collection::vec(any::<u8>(), 0..12).prop_map(OsString::from_vec),
        1 => Just(OsString::new()),
    ]
}

fn argv() -> impl Strategy<Value = Vec<OsString>> {
    let argv0 = prop::sample::select(vec![
        "jetpack-partner",
        "partner-provision.sh",
        "partner-cancel.sh",
        "partner-provision",
        "/opt/jetpack/bin/partner-cancel",
    ]);
    (
        argv0,
        prop::option::of(prop::sample::select(WORDS)),
        prop::collection::vec(os_arg(), 0..14),
    )
        .prop_map(|(a0, sub, rest)| {
            let mut v = vec![OsString::from(a0)];
            v.extend(sub.map(OsString::from));
            v.extend(rest);
            v
        })
}

/// Text shaped like `wp` output: URLs, digits, JSON bits, WP-CLI and PHP
/// words, odd whitespace, mixed with arbitrary strings.
fn noisy_text() -> impl Strategy<Value = String> {
    const BITS: &[&str] = &[
        "http://",
        "https://",
        "site.test",
        "/",
        ":",
        "\n",
        "\r\n",
        "\r",
        " ",
        "\t",
        "\u{a0}",
        "\u{2028}",
        "0",
        "1",
        "42",
        "18446744073709551616",
        "-",
        "{",
        "}",
        "\"id\":",
        "\"7\"",
        ",",
        "Error:",
        "Error: x",
        "Warning: y",
        "PHP Fatal error:  z",
        "<div class=\"x\">",
        "</div>",
        "é",
        "…",
        "JETPACK",
    ];
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(BITS), 0..40).prop_map(|v| v.concat()),
        1 => any::<String>(),
        1 => (any::<String>(), prop::collection::vec(prop::sample::select(BITS), 0..10))
            .prop_map(|(s, v)| format!("{s}{}", v.concat())),
    ]
}

/// Noise that cannot contain a URL scheme.
fn schemeless_noise() -> impl Strategy<Value = String> {
    noisy_text().prop_map(|s| s.replace("http", "htp"))
}

fn url() -> impl Strategy<Value = String> {
    "https?://[a-z0-9]{1,10}(\\.[a-z]{2,5}){1,2}(:[0-9]{2,5})?(/[a-zA-Z0-9._~-]{1,8}){0,3}"
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Value::Number),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec!["", "error", "success", "invalid_plan", "message"])
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A JSON object like the API's answers, with the keys the rules look at.
fn api_object() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => prop::sample::select(vec![
            "error",
            "error_code",
            "message",
            "error_message",
            "error_description",
            "success",
            "access_token",
        ])
        .prop_map(String::from),
        1 => any::<String>(),
    ];
    prop::collection::vec((key, json_value()), 0..6)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => any::<Vec<u8>>(),
        3 => api_object().prop_map(|v| v.to_string().into_bytes()),
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::sample::select(vec!["", " ", "\n", "\r\n\t", "null", "[]", "{}", "<html>"])
            .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

/// Characters a secret may hold: every one that some encoder writes
/// differently, letters, and more than one byte of UTF-8. Not `<` or `>`:
/// a secret ending in `<` would make `x<` + `<redacted>` read as the
/// secret again (the placeholder's own characters, not a leak).
const SECRET_CHARS: &[char] = &[
    'a', 'Z', '7', ' ', '&', '+', '=', '%', '/', '"', '\\', '~', '!', '*', '\'', '(', ')', 'é',
    '€', '😀', '\n', '\r', '\t', '\u{1}', '\u{7f}', ':', '?', '#', '@', ';', ',', '-', '_', '.',
];

/// A random secret: [`SECRET_MARK`], then random characters from
/// [`SECRET_CHARS`].
fn secret() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SECRET_CHARS), 1..16)
        .prop_map(|cs| format!("{SECRET_MARK}{}", cs.into_iter().collect::<String>()))
}

/// How every secret the redaction property registers starts: text no other
/// property generates, so registering them (for the rest of the process)
/// redacts nothing the other properties look at.
const SECRET_MARK: &str = "QzSecret";

/// One line of a batch file (without its newline): arbitrary bytes, JSON
/// objects with the fields a line takes (and some it does not), blank
/// lines, comments, and JSON lines with a byte that is not UTF-8.
fn batch_line() -> impl Strategy<Value = Vec<u8>> {
    let key = prop::sample::select(vec![
        "url",
        "user",
        "plan",
        "onboarding",
        "site_url",
        "blog_id",
        "usr",
        "jobs",
        "",
    ]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "https://a.test",
            "https://b.test",
            "admin",
            "premium",
            "",
            "-x"
        ])
        .prop_map(|s| Value::String(s.into())),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        Just(Value::Array(vec![Value::from(1)])),
    ];
    let object = prop::collection::vec((key, value), 0..5).prop_map(|kv| {
        Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            .to_string()
            .into_bytes()
    });
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..40),
        4 => object.clone(),
        1 => (object, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut line, at, b)| {
            let at = at.index(line.len() + 1);
            line.insert(at.min(line.len()), 0x80 | b);
            line
        }),
        1 => prop::sample::select(vec!["", "   ", "\t", "# comment", "  # note", "\r"])
            .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

/// How many pieces of work the binary reads from `file`: every line (the
/// last one even without its newline) that is not UTF-8, or is UTF-8 and
/// neither blank nor a `#` comment.
fn work_lines(file: &[u8]) -> usize {
    let mut pieces: Vec<&[u8]> = file.split(|&b| b == b'\n').collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    pieces
        .iter()
        .filter(|p| match std::str::from_utf8(p) {
            Ok(t) => !t.trim().is_empty() && !t.trim().starts_with('#'),
            Err(_) => true,
        })
        .count()
}

/// `jetpack-partner: N sites: A would change, U unchanged, B failed, S
/// skipped (...)`: N, A + U (the sites done), B and S.
fn summary_counts(stderr: &str) -> Option<[usize; 4]> {
    let last = stderr.lines().last()?;
    let rest = last.strip_prefix("jetpack-partner: ")?;
    let numbers: Vec<usize> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
        .collect();
    match numbers[..] {
        [n, a, u, b, s] => Some([n, a + u, b, s]),
        _ => None,
    }
}

/// Runs `provision --dry-run --batch=FILE` (no WordPress, nothing sent)
/// over `file`.
fn dry_run_batch(file: &[u8]) -> Output {
    let env = TestEnv::new();
    let path = env.root().join("lines.jsonl");
    std::fs::write(&path, file).expect("batch file");
    env.std_cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            &format!("-s={SECRET}"),
            "--dry-run",
            "--jobs=2",
        ])
        .arg(format!("--batch={}", path.display()))
        .output()
        .expect("running jetpack-partner")
}

// ---------------------------------------------------------------------------
// Helpers.

/// Inverse of `api::encode` (form: `+` is a space).
fn decode(s: &str, form: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if form => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn nonempty(v: &Option<String>) -> bool {
    v.as_ref().is_none_or(|s| !s.is_empty())
}

fn check_credentials(a: &Auth) -> Result<(), TestCaseError> {
    match a {
        Auth::Client(c) => {
            prop_assert!(!c.client_id.is_empty(), "empty partner id accepted");
            prop_assert!(!c.client_secret.is_empty(), "empty secret accepted");
        }
        Auth::Token(t) => prop_assert!(!t.is_empty(), "empty token accepted"),
    }
    Ok(())
}

/// A site job has no empty value standing for "given".
fn check_job(job: &SiteJob) -> Result<(), TestCaseError> {
    for v in [&job.site.url, &job.site.home_url, &job.site.wp.path] {
        prop_assert!(nonempty(v), "an empty value counts as not given");
    }
    if let Some(words) = &job.site.wp.program {
        prop_assert!(!words.is_empty(), "--wp-cli-path without a word");
    }
    if let Need::Provision { user, site_url, .. } = job.action.need(false) {
        prop_assert!(!user.is_empty(), "provision without --user");
        prop_assert!(site_url.is_none_or(|s| !s.is_empty()));
    }
    // What would be sent: no field or query value given empty.
    let site = Site {
        id: "1".into(),
        siteurl: "https://example.com".into(),
        wp: None,
        copy: false,
        learned_blog_id: None,
        licensed: Vec::new(),
    };
    for r in job.action.steps(&site).requests() {
        if let Body::Form(form) = &r.body {
            for (k, v) in form {
                prop_assert!(!v.is_empty(), "field {} given empty", k);
            }
        }
        for (k, v) in &r.query {
            prop_assert!(!v.is_empty(), "query {} given empty", k);
        }
    }
    Ok(())
}

/// The parsed error object: success false, our code and message, and the
/// API's own fields kept — each scrubbed of the secrets registered so far
/// (other properties in this process register random ones through
/// `cli::parse`).
fn check_error_json(err: &Error) -> Result<(), TestCaseError> {
    let text = output::error_json(err);
    prop_assert!(!text.contains('\n'), "one line: {text}");
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {text}")))?;
    let o = v
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("not an object: {text}")))?;
    prop_assert_eq!(o.get("success"), Some(&Value::Bool(false)));
    prop_assert_eq!(
        o.get("error_code"),
        Some(&Value::String(output::redact(err.error_code())))
    );
    prop_assert_eq!(
        o.get("error_message"),
        Some(&Value::String(output::redact(&err.message())))
    );
    let mut reserved = vec!["success", "error_code", "error_message"];
    if err.maybe_sent() {
        prop_assert_eq!(o.get("maybe_sent"), Some(&Value::Bool(true)));
        reserved.push("maybe_sent");
    }
    let mut expected = reserved.len();
    if let Some(fields) = err.api_fields() {
        for (k, val) in fields {
            if !reserved.contains(&k.as_str()) {
                expected += 1;
                // Compared as text: serde_json's default float parsing may
                // not round-trip the last digit of a float. Characters that
                // could act on a terminal are `\u` escapes in our objects.
                let pair = format!("{}:{}", Value::String(k.clone()), output::redact_value(val));
                let pair = output::visible::json(&pair).into_owned();
                prop_assert!(
                    o.contains_key(k) && text.contains(&pair),
                    "field {:?} in {}",
                    k,
                    text
                );
            }
        }
    }
    prop_assert_eq!(o.len(), expected, "{}", text);
    Ok(())
}

// ---------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(config())]

    /// Any argv, under any of the executable names: a result or a usage
    /// error, never a panic; what is accepted has the required values.
    #[test]
    fn cli_parse_never_panics(
        args in argv(),
        env_id in prop::option::of(any::<String>()),
        env_secret in prop::option::of(any::<String>()),
    ) {
        let env = move |k: &str| match k {
            "JETPACK_PARTNER_ID" => env_id.clone(),
            "JETPACK_PARTNER_SECRET" => env_secret.clone(),
            _ => None,
        };
        match cli::parse(args, &env) {
            Err(Failure::Usage(u)) => {
                let (text, usage) = u.text();
                let _ = u.kind();
                prop_assert!(!text.is_empty());
                prop_assert!(!usage.is_empty(), "usage error without usage");
            }
            Err(Failure::Invalid(e)) => {
                prop_assert_eq!(e.error_code(), "invalid_input", "{}", e);
                check_error_json(&e)?;
            }
            Ok(inv) => match &inv.run {
                Run::Site { auth, target, .. } => {
                    if let Some(auth) = auth {
                        check_credentials(auth)?;
                    }
                    if let Target::One(job) = target {
                        check_job(job)?;
                    }
                }
                Run::Plain { auth, work } => {
                    if let Some(auth) = auth {
                        check_credentials(auth)?;
                    }
                    for r in work.requests() {
                        prop_assert!(r.path.starts_with('/') && !r.path.starts_with("//"), "{:?}", r.path);
                        if r.path.ends_with("/partner-keys/new") {
                            let named = matches!(&r.body, Body::Form(f) if f.iter().any(|(k, v)| k == "name" && !v.is_empty()));
                            prop_assert!(named, "partner-key new without --name");
                        }
                    }
                }
                Run::Token { creds } => check_credentials(&Auth::Client(creds.clone()))?,
                Run::Task { auth, .. } => {
                    if let Some(auth) = auth {
                        check_credentials(auth)?;
                    }
                }
            },
        }
    }

    /// A user ID is the value of a whole line of digits in the output, or
    /// the digits that end the last line after markup or punctuation (a
    /// plugin echoing without a newline) — never part of a word.
    #[test]
    fn parse_id_finds_only_whole_numbers(s in noisy_text()) {
        if let Some(n) = wp::parse_id(&s) {
            prop_assert!(s.contains(&n.to_string()));
            let own_line = s.lines().any(|l| {
                let t = l.trim();
                !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.parse() == Ok(n)
            });
            let ends_last_line = s.lines().rev().map(str::trim).find(|l| !l.is_empty()).is_some_and(|l| {
                let digits = l.len() - l.trim_end_matches(|c: char| c.is_ascii_digit()).len();
                digits > 0
                    && l[l.len() - digits..].parse() == Ok(n)
                    && l[..l.len() - digits].chars().last().is_some_and(|c| !c.is_alphanumeric())
            });
            prop_assert!(own_line || ends_last_line, "{} is not a value of its own in {:?}", n, s);
        }
    }

    /// The ID printed last, after any noise, is the one found.
    #[test]
    fn parse_id_after_noise(noise in noisy_text(), n in any::<u64>()) {
        let out = format!("{noise}\n{n}\n");
        prop_assert_eq!(wp::parse_id(&out), Some(n));
    }

    /// A siteurl is a piece of the output, starts with a scheme, and has no
    /// whitespace.
    #[test]
    fn parse_url_result_is_a_clean_piece_of_the_input(s in noisy_text()) {
        if let Some(u) = wp::parse_url(&s) {
            prop_assert!(s.contains(&u), "{:?} not in {:?}", u, s);
            prop_assert!(u.starts_with("http://") || u.starts_with("https://"), "{:?}", u);
            prop_assert!(!u.contains(char::is_whitespace), "{:?}", u);
        }
    }

    /// Noise before the value, on earlier lines or on the same line
    /// (plugin HTML echoed without a newline), never becomes part of it.
    #[test]
    fn parse_url_ignores_noise_before_the_value(noise in schemeless_noise(), u in url(), same_line in any::<bool>()) {
        let sep = if same_line { "" } else { "\n" };
        let out = format!("{noise}{sep}{u}\n");
        prop_assert_eq!(wp::parse_url(&out), Some(u));
    }

    #[test]
    fn parse_blog_id_is_positive(s in noisy_text()) {
        if let Some(n) = wp::parse_blog_id(&s) {
            prop_assert!(n > 0);
        }
    }

    #[test]
    fn parse_blog_id_after_noise(noise in noisy_text(), n in 1..=u64::MAX, quoted in any::<bool>()) {
        let id = if quoted { format!("\"{n}\"") } else { n.to_string() };
        let out = format!("{noise}\n{{\"id\":{id},\"version\":\"13.0\"}}\n");
        prop_assert_eq!(wp::parse_blog_id(&out), Some(n));
    }

    /// The `wp eval` answer: only an object with `"marker":1` after the
    /// marker counts.
    #[test]
    fn parse_marked_never_panics(s in noisy_text()) {
        if let Some(v) = wp::parse_marked(&s) {
            prop_assert_eq!(v.get("marker"), Some(&Value::from(1)));
        }
    }

    /// Whatever plugins print before it, the marked JSON line is read whole.
    #[test]
    fn parse_marked_after_noise(
        noise in noisy_text().prop_map(|s| s.replace("JETPACK_PARTNER_FACTS", "")),
        fields in prop::collection::vec((any::<String>(), json_value()), 0..6),
    ) {
        let mut o: Map<String, Value> = fields.into_iter().collect();
        o.insert("marker".into(), Value::from(1));
        let line = Value::Object(o).to_string();
        let out = format!("{noise}\nJETPACK_PARTNER_FACTS {line}");
        // Compared after the same parse: serde_json's default float parsing
        // may not round-trip the last digit of a float.
        let want: Option<Value> = serde_json::from_str(&line).ok();
        prop_assert_eq!(wp::parse_marked(&out), want);
    }

    /// WP-CLI's words for an error message: one short line, never empty.
    #[test]
    fn wp_error_words_is_one_short_line(err in noisy_text(), out in noisy_text()) {
        let w = wp::wp_error_words(&err, &out);
        prop_assert!(!w.is_empty());
        prop_assert!(!w.contains('\n') && !w.contains('\r'), "{:?}", w);
        prop_assert!(w.chars().count() <= 301, "{} chars", w.chars().count());
    }

    /// SPEC §5 on any status and body: no panic; success only for 2xx;
    /// errors have a code and a message and print as one JSON object.
    #[test]
    fn judge_and_token_from_follow_the_rules(status in 100u16..=599, body in body(), object in any::<bool>()) {
        let answer = Answer { status, body: body.clone(), retry_after: None, request_id: None };
        let ok = (200..300).contains(&status);
        match api::judge("POST /x", &answer, object) {
            Ok(v) => {
                prop_assert!(ok, "HTTP {} judged a success", status);
                prop_assert!(v.is_object() || !object, "{} judged an object", v);
                // SPEC §9: an error member that is there and not
                // null/false/empty (as PHP sees it: "", "0", 0, [], {})
                // means failure, whatever its type.
                let error = v.get("error");
                let zero = |e: &Value| e.as_f64() == Some(0.0) || e == "0";
                prop_assert!(
                    matches!(error, None | Some(Value::Null) | Some(Value::Bool(false)))
                        || error.is_some_and(|e| e == "" || zero(e) || e == &Value::Array(vec![]) || e == &Value::Object(Map::new())),
                    "success with error {:?}", error
                );
                prop_assert_eq!(serde_json::from_slice::<Value>(&body).ok(), Some(v));
            }
            Err(e) => {
                prop_assert!(!e.error_code().is_empty());
                prop_assert!(!e.message().is_empty());
                if ok && String::from_utf8_lossy(&body).trim().is_empty() {
                    prop_assert_eq!(e.error_code(), "unknown_error");
                }
                check_error_json(&e)?;
            }
        }
        match api::token_from(&answer) {
            Ok(t) => {
                prop_assert!(ok && !t.is_empty());
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                prop_assert_eq!(v.get("access_token").and_then(Value::as_str), Some(t.as_str()));
            }
            Err(e) => check_error_json(&e)?,
        }
    }

    /// Form encoding keeps only safe characters and decodes to the input.
    #[test]
    fn encode_round_trips(s in any::<String>()) {
        let form = encode(&s, true);
        prop_assert!(
            form.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%+".contains(&b)),
            "{:?}", form
        );
        prop_assert_eq!(decode(&form, true), Some(s.clone()));
        let query = encode(&s, false);
        prop_assert!(
            query.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{:?}", query
        );
        prop_assert_eq!(decode(&query, false), Some(s));
    }

    #[test]
    fn encode_pairs_round_trips(pairs in prop::collection::vec((any::<String>(), any::<String>()), 0..6), form in any::<bool>()) {
        let text = encode_pairs(&pairs, form);
        let back: Vec<(String, String)> = if text.is_empty() {
            Vec::new()
        } else {
            text.split('&')
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k, form).unwrap_or_default(), decode(v, form).unwrap_or_default())
                })
                .collect()
        };
        prop_assert_eq!(back, pairs);
    }

    /// The `{site}` path segment: safe characters only, no `/`, no trailing `:`.
    #[test]
    fn site_suffix_is_one_safe_path_segment(home in noisy_text()) {
        let s = site_suffix(&home);
        prop_assert!(
            s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~:@%".contains(&b)),
            "{:?}", s
        );
        prop_assert!(!s.ends_with(':'), "{:?}", s);
    }

    #[test]
    fn site_suffix_of_a_plain_url(
        scheme in prop::sample::select(vec!["http://", "https://", ""]),
        host in "[a-z0-9]{1,10}(\\.[a-z]{2,5}){1,2}",
        // `.` and `..` segments are resolved away, as in any URL.
        path in prop::collection::vec("[a-zA-Z0-9._~-]{1,8}".prop_filter("dot segment", |p| !p.trim_matches('.').is_empty()), 0..4),
        trailing in any::<bool>(),
        // SPEC §9: the same site however its URL is dressed.
        dressed in any::<bool>(),
    ) {
        let mut home = if dressed && !scheme.is_empty() {
            let port = if scheme == "https://" { ":443" } else { ":80" };
            format!("  {}user:pw@{}{port}", scheme.to_uppercase(), host.to_uppercase())
        } else {
            format!("{scheme}{host}")
        };
        for p in &path {
            home.push('/');
            home.push_str(p);
        }
        if trailing {
            home.push('/');
        }
        if dressed {
            home.push_str("?x=1 ");
        }
        let mut want = host.clone();
        for p in &path {
            want.push_str("::");
            want.push_str(p);
        }
        prop_assert_eq!(site_suffix(&home), want);
    }

    /// Any API error prints as one JSON object with its fields kept.
    #[test]
    fn error_json_of_any_api_error(
        code in any::<String>(),
        message in any::<String>(),
        fields in prop::collection::vec((any::<String>(), json_value()), 0..8),
    ) {
        let mut map = Map::new();
        for (k, v) in fields {
            map.insert(k, v);
        }
        check_error_json(&Error::Api { code, message, fields: map })?;
    }

    /// Every other variant too, with any text in its fields.
    #[test]
    fn error_json_of_any_error(which in 0usize..16, m in any::<String>(), n in any::<u16>()) {
        let err = match which {
            0 => Error::BadValue { flag: m.clone(), value: m, expected: Expected::Seconds },
            1 => Error::InvalidUser { place: m.clone(), user: m },
            2 => Error::WpNotWordpress { what: m.clone(), place: m },
            3 => Error::WpNeedsAllowRoot { what: m },
            4 => Error::WpFailed { what: m.clone(), exit: m.clone(), said: m },
            5 => Error::WpTimeout { what: m, limit: std::time::Duration::from_secs(u64::from(n)) },
            6 => Error::MissingAccessToken { what: m },
            7 => Error::EmptyAnswer,
            8 => Error::HttpStatus { status: n },
            9 => Error::NotJson { what: m.clone(), status: n, preview: m, json: n % 2 == 0 },
            10 => Error::Network { what: m.clone(), host: m.clone(), cause: NetCause::Talk(m.clone()), via: m, maybe_sent: n % 2 == 0, attempts: u32::from(n % 4) },
            11 => Error::Timeout { what: m.clone(), host: m.clone(), limit: None, connecting: n % 3 == 0, via: m, maybe_sent: n % 2 == 1, attempts: 3 },
            12 => Error::AuthorizationFailure { exit: Some(m.clone()), said: m },
            13 => Error::PlanNotAvailable { plan: m.clone(), available: vec![m] },
            14 => Error::BadProxy { var: m },
            _ => Error::OptionLikeUser { user: m },
        };
        check_error_json(&err)?;
    }

    /// Flag values that reach a parser of their own: no panic.
    #[test]
    fn seconds_and_base_never_panic(v in noisy_text()) {
        let d = std::time::Duration::from_secs(60);
        if let Ok(t) = jetpack_partner::flags::values::seconds("--timeout", Some(&v), d) {
            prop_assert!(t > std::time::Duration::ZERO && t <= std::time::Duration::from_secs(86_400));
        }
        for insecure_ok in [false, true] {
            if let Ok(base) = api::Base::from_env_value(Some(&v), insecure_ok) {
                let _ = (base.host(), base.path());
                prop_assert!(base.url.contains("://"));
                // Nothing but scheme, host, port and path: no user info,
                // query or fragment, read back by either parser.
                let u = url::Url::parse(&base.url);
                prop_assert!(
                    u.as_ref().is_ok_and(|u| u.username().is_empty()
                        && u.password().is_none()
                        && u.query().is_none()
                        && u.fragment().is_none()),
                    "{}",
                    base.url
                );
                let uri: Result<ureq::http::Uri, _> = base.url.parse();
                prop_assert!(
                    uri.as_ref().is_ok_and(|u| u.authority().is_some_and(|a| !a.as_str().contains('@'))),
                    "{}",
                    base.url
                );
            }
        }
    }
}

proptest! {
    // Each case registers a secret for the rest of the process, and every
    // later redaction looks for all of them: a fixed number of cases, not
    // PROPTEST_CASES.
    #![proptest_config(ProptestConfig { cases: 256, ..config() })]

    /// SPEC §9: once a secret is registered, no form of it — raw, form-
    /// and percent-encoded the ways PHP, JavaScript and we write them (hex
    /// in either case), JSON-escaped as serde, PHP and Python write it, or
    /// HTML-escaped — survives redaction, wherever it sits in any text.
    #[test]
    fn redaction_leaves_no_encoding_of_a_secret(
        secret in secret(),
        parts in prop::collection::vec((any::<String>(), any::<prop::sample::Index>()), 1..8),
        end in any::<String>(),
    ) {
        output::register_secret(&secret);
        let forms = every_encoding(&secret);
        let mut text = String::new();
        for (noise, i) in &parts {
            text.push_str(noise);
            text.push_str(&forms[i.index(forms.len())].1);
        }
        text.push_str(&end);
        let out = output::redact(&text);
        // The same inside a JSON value (an API error's fields).
        let nested = output::redact_value(&Value::Array(vec![Value::String(text)]));
        let nested = nested[0].as_str().unwrap_or_default();
        for (name, form) in &forms {
            prop_assert!(!out.contains(form.as_str()), "{} form {:?} left in {:?}", name, form, out);
            prop_assert!(!nested.contains(form.as_str()), "{} form {:?} left in {:?}", name, form, nested);
        }
        prop_assert!(out.contains(output::REDACTED));
    }
}

proptest! {
    // Each case runs the binary: a few dozen, not thousands.
    #![proptest_config(ProptestConfig { cases: 32, ..config() })]

    /// SPEC §8/§9: any bytes as a `--batch` file: no crash, one result line
    /// per line of work (blank lines and comments are none; a line listed
    /// twice is skipped), each a JSON object, and the summary adds up.
    #[test]
    fn any_batch_file_gives_one_line_per_line_of_work(
        lines in prop::collection::vec(batch_line(), 0..12),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let sep: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut file = lines.join(sep);
        if final_newline {
            file.extend_from_slice(sep);
        }
        let out = dry_run_batch(&file);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code();
        prop_assert!(matches!(code, Some(0 | 1)), "exit {:?}: {}", code, stderr);
        let results: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap_or(Value::Null)).collect();
        for r in &results {
            prop_assert!(r["success"].is_boolean() && r["site"].is_string(), "line {} in {}", r, stdout);
            prop_assert_eq!(&r["command"], &Value::from("provision"));
        }
        let [read, ok, failed, skipped] = summary_counts(&stderr)
            .ok_or_else(|| TestCaseError::fail(format!("no summary: {stderr}")))?;
        prop_assert_eq!(read, work_lines(&file), "{}", stderr);
        prop_assert_eq!(ok + failed, results.len());
        prop_assert_eq!(ok + failed + skipped, read);
        let failures = results.iter().filter(|r| r["success"] == Value::Bool(false)).count();
        prop_assert_eq!(failures, failed);
        prop_assert_eq!(code == Some(1), failed > 0);
    }
}
