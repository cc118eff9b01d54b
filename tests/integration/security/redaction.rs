//! SPEC §9 "Redaction is complete": a secret never appears in any form
//! (raw, form-encoded, percent-encoded in either hex case, JSON-escaped),
//! wherever the API echoes it; a usage error never echoes a value given to
//! a secret flag, even one that starts with '-'.

use crate::testenv::encodings::every_encoding;
use crate::testenv::{assert_exit, stderr_json, Reply, TestEnv, TOKEN_PATH};
use serde_json::json;
use std::process::Output;

/// Every character that encodes differently somewhere: space, `&`, `+`,
/// `=`, `%`, `/`, `"`, `\`, `~`, `'`, a non-ASCII letter and an emoji.
/// Everything secret here carries the marker `LEAK`; nothing else does.
const SECRET: &str = "LEAK-p&ss w/rd+\"q\"\\é=%41~'x😀";

/// Neither stream holds `LEAK`, nor any form of `secret` (nor the form
/// without its first characters, in case it was cut).
fn assert_hidden(out: &Output, secret: &str) {
    for (what, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains("LEAK"), "{what} leaks: {text}");
        for (name, form) in every_encoding(secret) {
            let tail: String = form.chars().skip(5).collect();
            assert!(
                !text.contains(&form) && !text.contains(&tail),
                "{what} leaks the {name} form {form:?}: {text}"
            );
        }
    }
}

/// `provision` without WordPress, with `secret` as the client secret.
fn provision(env: &TestEnv, secret: &str) -> Output {
    env.std_cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            &format!("--partner_secret={secret}"),
            "--user=admin",
            "--url=https://e.test",
        ])
        .output()
        .expect("run")
}

#[test]
fn the_secret_echoed_in_a_token_error_is_hidden_in_every_encoding() {
    let env = TestEnv::new();
    let forms = every_encoding(SECRET);
    let listed: Vec<String> = forms.iter().map(|(n, f)| format!("{n}: {f}")).collect();
    // serde_json escapes the JSON-escaped forms once more: once parsed, the
    // strings hold them as the API meant them.
    let body = json!({
        "error": "invalid_client",
        "error_description": format!("Unknown client secret ({})", listed.join(" | ")),
        "echo": {
            "client_secret": SECRET,
            "forms": forms.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>(),
        },
    });
    env.api
        .reply("POST", TOKEN_PATH, Reply::json(400, &body.to_string()));
    let out = provision(&env, SECRET);
    assert_exit(&out, 1);
    assert_hidden(&out, SECRET);
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("invalid_client"), "{err}");
    // The API's fields stay, scrubbed.
    assert_eq!(err["echo"]["client_secret"], json!("<redacted>"), "{err}");
    // The secret did reach the API, as sent.
    let sent = &env.api.requests_to(TOKEN_PATH)[0];
    assert_eq!(sent.form_value("client_secret"), Some(SECRET));
}

#[test]
fn the_secret_echoed_in_a_non_json_answer_is_hidden_in_every_encoding() {
    let env = TestEnv::new();
    let forms = every_encoding(SECRET);
    // One run per form, each answered by an HTML page holding it.
    for (_, form) in &forms {
        env.api.reply(
            "POST",
            TOKEN_PATH,
            Reply::text(
                200,
                "text/html",
                &format!("<html><p>client_secret={form}</p></html>"),
            ),
        );
    }
    for (name, _) in &forms {
        let out = provision(&env, SECRET);
        assert_exit(&out, 1);
        assert_hidden(&out, SECRET);
        let err = stderr_json(&out);
        assert_eq!(
            err["error_code"],
            json!("invalid_response"),
            "{name}: {err}"
        );
        let message = err["error_message"].as_str().unwrap_or_default();
        assert!(
            message.contains("client_secret=<redacted>"),
            "{name}: {message}"
        );
    }
}

#[test]
fn a_secret_cut_or_folded_by_the_answer_preview_is_still_hidden() {
    // The message quotes the start of a non-JSON answer, whitespace folded
    // and cut at 200 characters: a secret across the cut, or one with runs
    // of whitespace, must not come out in part or folded.
    for secret in [
        "LEAK-cut-across-the-preview-limit",
        "LEAK  tab\tand  spaces",
    ] {
        let env = TestEnv::new();
        let page = format!("<html>{}{secret} and more text</html>", "x".repeat(190));
        env.api
            .reply("POST", TOKEN_PATH, Reply::text(200, "text/html", &page));
        let out = provision(&env, secret);
        assert_exit(&out, 1);
        assert_hidden(&out, secret);
        assert_eq!(stderr_json(&out)["error_code"], json!("invalid_response"));
    }
}

#[test]
fn usage_errors_never_echo_a_secret_flag_value() {
    let env = TestEnv::new();
    let cases: &[&[&str]] = &[
        // Values that start with '-' are values (no --user: a usage error).
        &["provision", "-c=1", "--partner_secret", "-LEAKps1-x"],
        &["provision", "-c=1", "-s", "-LEAKps2-x"],
        &["cancel", "-c=1", "--partner-secret", "-LEAKps3-x", "stray"],
        &[
            "provision",
            "-c=1",
            "-s=abcd1234",
            "--user=admin",
            "--ssh-user=u",
            "--ssh-pass",
            "-LEAKsp1-x",
            "--no-such-flag",
        ],
        &[
            "provision",
            "-c=1",
            "-s=abcd1234",
            "--ssh_pass",
            "-LEAKsp2-x",
        ],
        &[
            "provision",
            "-c=1",
            "-s=abcd1234",
            "--user=admin",
            "--ftp-pass",
            "-LEAKfp1-x",
            "--url",
        ],
        // The secret again as a stray argument.
        &[
            "provision",
            "-c=1",
            "--partner_secret=LEAKps4-x",
            "--user=admin",
            "LEAKps4-x",
        ],
        &[
            "provision",
            "-c=1",
            "--partner_secret",
            "-LEAKps5-x",
            "--user=admin",
            "-LEAKps5-x",
        ],
        &[
            "provision",
            "-c=1",
            "-s=abcd1234",
            "--user=admin",
            "--ftp_pass=-LEAKfp2-x",
            "-LEAKfp2-x",
        ],
    ];
    for argv in cases {
        let out = env.std_cmd_without_wp().args(*argv).output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_exit(&out, 1);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{argv:?}");
        assert!(stderr.contains("Usage:"), "{argv:?}: {stderr}");
        assert!(
            !stderr.contains("LEAK"),
            "{argv:?} echoes a secret: {stderr}"
        );
    }
    // The same through the old script's name.
    let out = env
        .std_cmd_named("partner-provision.sh")
        .args(["-c=1", "-s", "-LEAKps6-x", "-LEAKps6-x"])
        .output()
        .expect("run");
    assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Usage:"), "{stderr}");
    assert!(!stderr.contains("LEAK"), "{stderr}");
    assert!(env.api.requests().is_empty(), "nothing sent");
}

/// A password of three characters is still a secret: hidden inside the
/// error's strings (raw and percent-encoded), while the JSON around it
/// (keys such as `success`) stays intact.
#[test]
fn a_short_password_echoed_back_is_hidden_and_the_json_stays_whole() {
    let env = TestEnv::new();
    env.api.token_ok(crate::testenv::PARTNER_TOKEN);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/7/ssh-credentials",
        Reply::json(
            400,
            r#"{"error":"rest_invalid_param","message":"bad ssh_pass=p%21x (p!x)"}"#,
        ),
    );
    let out = env
        .std_cmd_without_wp()
        .args([
            "backup-credentials",
            "-c=1",
            "-s=long-enough-secret",
            "--blog_id=7",
            "--ssh-host=h",
            "--ssh-user=u",
            "--ssh-pass=p!x",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let err = stderr_json(&out);
    assert_eq!(
        err,
        json!({"success": false, "error_code": "rest_invalid_param",
               "error_message": "bad ssh_pass=<redacted> (<redacted>)",
               "error": "rest_invalid_param", "message": "bad ssh_pass=<redacted> (<redacted>)"})
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("p!x") && !stderr.contains("p%21x"),
        "{stderr}"
    );
}

/// An API error code is the API's text: a secret it repeats is hidden there
/// too.
#[test]
fn a_secret_echoed_as_the_error_code_is_hidden() {
    let env = TestEnv::new();
    env.api.reply(
        "POST",
        TOKEN_PATH,
        Reply::json(400, r#"{"error":"Zq9secretLONG","error_description":"x"}"#),
    );
    let out = provision(&env, "Zq9secretLONG");
    assert_exit(&out, 1);
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("<redacted>"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Zq9secretLONG"));
}

/// A short password is hidden where it stands alone, not inside words: the
/// provision answer's own token and our own wording stay whole.
#[test]
fn a_short_secret_does_not_mangle_words_that_contain_it() {
    let env = TestEnv::new();
    env.api.token_ok(crate::testenv::PARTNER_TOKEN);
    let body =
        r#"{"success":true,"access_token":"xxabyy","next_url":"https://x.test/ab/go","echo":"ab"}"#;
    env.api.reply(
        "POST",
        crate::testenv::PROVISION_PATH,
        Reply::json(200, body),
    );
    let out = env
        .std_cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            "-s=long-enough-secret",
            "--user=admin",
            "--url=https://e.test",
            "--ssh-host=h",
            "--ssh-user=u",
            "--ssh-pass=ab",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"success\":true,\"access_token\":\"xxabyy\",\"next_url\":\"https://x.test/<redacted>/go\",\"echo\":\"<redacted>\"}\n"
    );
}

/// WordPress's `esc_html` writes `&` as `&#038;`: that spelling (and any
/// other entity spelling) of the secret is hidden in a 2xx answer too.
#[test]
fn a_secret_in_wordpress_html_escaping_is_hidden_in_a_success_answer() {
    let env = TestEnv::new();
    env.api.token_ok(crate::testenv::PARTNER_TOKEN);
    env.api.reply(
        "GET",
        "/rest/v1.4/jpphp/5/status",
        Reply::json(
            200,
            r#"{"x":"hunter2&#038;x+y=z%q","y":"fish &amp; chips"}"#,
        ),
    );
    let out = env
        .std_cmd_without_wp()
        .args(["status", "-c=1", "-s=hunter2&x+y=z%q", "--blog_id=5"])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"x\":\"<redacted>\",\"y\":\"fish &amp; chips\"}\n"
    );
}

/// Secrets that arrive other ways stay hidden too: one given by variable
/// that also turns up as a stray word (a usage error), and the body of an
/// SSH key echoed without its armour lines.
#[test]
fn secrets_from_the_environment_and_key_bodies_are_hidden() {
    let env = TestEnv::new();
    let out = env
        .std_cmd_without_wp()
        .env("JETPACK_PARTNER_SECRET", "LEAKenv-Hunt3rZ")
        .args(["status", "-c=1", "--blog_id=1", "LEAKenv-Hunt3rZ"])
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert_hidden(&out, "LEAKenv-Hunt3rZ");

    let key = env.root().join("id_ed25519");
    crate::testenv::write_private(
        &key,
        "-----BEGIN OPENSSH PRIVATE KEY-----\nLEAKkeybody0123456789abcdef\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    env.api.token_ok(crate::testenv::PARTNER_TOKEN);
    env.api.reply(
        "POST",
        "/rest/v1.3/jpphp/7/ssh-credentials",
        Reply::json(
            400,
            r#"{"error":"bad_key","message":"key LEAKkeybody0123456789abcdef is not valid"}"#,
        ),
    );
    let out = env
        .std_cmd_without_wp()
        .args([
            "backup-credentials",
            "-c=1",
            "-s=long-enough-secret",
            "--blog_id=7",
            "--ssh-host=h",
            "--ssh-user=u",
        ])
        .arg(format!("--ssh-private-key={}", key.display()))
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert_hidden(&out, "LEAKkeybody0123456789abcdef");
    assert_eq!(
        stderr_json(&out)["error_message"],
        json!("key <redacted> is not valid")
    );
}

/// A token with trailing whitespace — `JETPACK_PARTNER_ACCESS_TOKEN=$'tok\n'`
/// (an Ansible `|` block scalar gives exactly that), a token file whose
/// first line ends in a tab — is sent trimmed; what was sent is what an
/// answer echoes, and it is hidden in an error, a 2xx answer and
/// `--verbose` alike.
#[test]
fn a_token_with_trailing_whitespace_is_hidden_as_it_was_sent() {
    const TOKEN: &str = "LEAKtok-with-ws-4e1c";
    const STATUS: &str = "/rest/v1.4/jpphp/5/status";
    let env = TestEnv::new();
    let rejected =
        json!({"error": "invalid_token", "message": format!("token {TOKEN} is not valid")});
    env.api
        .reply("GET", STATUS, Reply::json(403, &rejected.to_string()));
    let echoed = json!({"seen": format!("Bearer {TOKEN}")});
    env.api
        .reply("GET", STATUS, Reply::json(200, &echoed.to_string()));
    let file = env.root().join("token");
    crate::testenv::write_private(&file, format!("{TOKEN}\t\nsecond line\n"));
    let status = |token_env: Option<&str>, extra: &[&str]| {
        let mut cmd = env.std_cmd_without_wp();
        cmd.args(["status", "--blog_id=5"]).args(extra);
        match token_env {
            Some(t) => cmd.env("JETPACK_PARTNER_ACCESS_TOKEN", t),
            None => cmd.arg(format!("--access-token-file={}", file.display())),
        };
        cmd.output().expect("run")
    };

    let out = status(Some(&format!("{TOKEN}\n")), &[]);
    assert_exit(&out, 1);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "{\"success\":false,\"error_code\":\"invalid_token\",\"error_message\":\"token <redacted> is not valid\",\"error\":\"invalid_token\",\"message\":\"token <redacted> is not valid\"}\n"
    );
    assert_hidden(&out, TOKEN);

    for (token_env, extra) in [
        (None, &[][..]),
        (Some(format!("{TOKEN} \r\n")), &["--verbose"][..]),
    ] {
        let out = status(token_env.as_deref(), extra);
        assert_exit(&out, 0);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "{\"seen\":\"Bearer <redacted>\"}\n"
        );
        if extra.is_empty() {
            assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        }
        assert_hidden(&out, TOKEN);
    }
    let sent: Vec<Option<String>> = env
        .api
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(sent, vec![Some(format!("Bearer {TOKEN}")); 3]);
}

/// An answer nested deeper than serde_json builds (past 128 levels) that
/// echoes the partner token or the client secret, in any JSON escaping:
/// printed with each such string replaced where it stands, every other
/// byte as received.
#[test]
fn a_secret_in_an_answer_nested_too_deep_to_parse_is_hidden_in_place() {
    const TOKEN: &str = "LEAKdeep-partner-tok-9a";
    const PATH: &str = "/wpcom/v2/sites/1/deep";
    let env = TestEnv::new();
    env.api.token_ok(TOKEN);
    let secret_json = serde_json::to_string(SECRET).unwrap_or_default();
    let inner = format!(
        "{{\"t\" : \"Bearer {TOKEN}\", \"s\": {secret_json}, \"u\": \"Bearer \\u004cEAKdeep-partner-tok-9a\", \"n\": [1.50, \"x\"]}}"
    );
    let body = format!("{}{inner}{}", "[".repeat(150), "]".repeat(150));
    env.api.reply("GET", PATH, Reply::json(200, &body));
    let out = env
        .std_cmd_without_wp()
        .args(["api", "-c=1", &format!("-s={SECRET}"), PATH])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let scrubbed = "{\"t\" : \"Bearer <redacted>\", \"s\": \"<redacted>\", \"u\": \"Bearer <redacted>\", \"n\": [1.50, \"x\"]}";
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}{scrubbed}{}\n", "[".repeat(150), "]".repeat(150))
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_hidden(&out, TOKEN);
    assert_hidden(&out, SECRET);
}

/// A secret or token read from stdin, a `_FILE` variable, a systemd
/// credential or a file the config names is registered like any other:
/// the API echoing it back (in an error) shows `<redacted>`, `--verbose`
/// included.
#[test]
fn secrets_read_from_every_source_are_hidden() {
    const SECRET: &str = "LEAKsecret-from-afar q&+";
    const TOKEN: &str = "LEAKtoken-from-afar-5d";
    const STATUS: &str = "/rest/v1.4/jpphp/5/status";
    let env = TestEnv::new();
    let echo = |what: &str| {
        json!({"error": "invalid_client", "message": format!("{what} is not valid")}).to_string()
    };
    env.api
        .reply("POST", TOKEN_PATH, Reply::json(400, &echo(SECRET)));
    env.api.reply("GET", STATUS, Reply::json(403, &echo(TOKEN)));
    let dir = env.root().join("files");
    std::fs::create_dir(&dir).expect("dir");
    let put = |name: &str, text: &str| {
        let path = dir.join(name);
        crate::testenv::write_private(&path, text);
        path
    };
    put("secret", &format!("{SECRET}\n"));
    put(
        "token.json",
        &format!("{{\"access_token\":\"{TOKEN}\",\"token_type\":\"bearer\"}}\n"),
    );
    put("jetpack-partner-secret", &format!("{SECRET}\n"));
    put("jetpack-partner-token", &format!("{TOKEN}\n"));
    put(
        "secret.toml",
        "partner_id = 1\npartner_secret_file = \"secret\"\n",
    );
    put("token.toml", "access_token_file = \"token.json\"\n");
    let token_json = std::fs::read_to_string(dir.join("token.json")).expect("read");
    let d = dir.display().to_string();
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let var = |k: &'static str, v: String| vec![(k, v)];
    // (arguments, variables, stdin)
    type Case<'a> = (Vec<String>, Vec<(&'a str, String)>, Option<String>);
    let cases: Vec<Case> = vec![
        (
            owned(&["-c=1", "--partner_secret_file=-"]),
            vec![],
            Some(format!("{SECRET}\n")),
        ),
        (
            owned(&["--access-token-file=-"]),
            vec![],
            Some(token_json.clone()),
        ),
        (
            owned(&["-c=1"]),
            var("JETPACK_PARTNER_SECRET_FILE", format!("{d}/secret")),
            None,
        ),
        (
            vec![],
            var(
                "JETPACK_PARTNER_ACCESS_TOKEN_FILE",
                format!("{d}/token.json"),
            ),
            None,
        ),
        (
            vec![],
            var("JETPACK_PARTNER_ACCESS_TOKEN", token_json.clone()),
            None,
        ),
        (
            owned(&["-c=1"]),
            var("CREDENTIALS_DIRECTORY", d.clone()),
            None,
        ),
        (vec![format!("--config={d}/secret.toml")], vec![], None),
        (vec![format!("--config={d}/token.toml")], vec![], None),
    ];
    for (args, vars, stdin) in cases {
        for verbose in [false, true] {
            let mut cmd = env.cmd_without_wp();
            cmd.args(["status", "--blog_id=5"]).args(&args);
            if verbose {
                cmd.arg("--verbose");
            }
            for (k, v) in &vars {
                cmd.env(k, v);
            }
            if let Some(input) = &stdin {
                cmd.write_stdin(input.clone());
            }
            let out = cmd.output().expect("run");
            assert_exit(&out, 1);
            let err = stderr_json_last(&out);
            assert_eq!(
                err["error_message"],
                json!("<redacted> is not valid"),
                "{args:?} {vars:?}"
            );
            assert_hidden(&out, SECRET);
            assert_hidden(&out, TOKEN);
        }
    }
}

/// The last line of stderr (after `--verbose`'s notes) as JSON.
fn stderr_json_last(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stderr);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {text}"))
}
