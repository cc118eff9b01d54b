//! The same questions for every §7 command (one [`Case`] each): the exact
//! request, and the exact stdout, stderr and exit code on success, on an
//! API error, on a non-JSON answer and on a time-out; `--dry-run` sends
//! nothing; a reused token makes exactly one request; `--help` shows
//! examples first.

use super::{run, stdout, stdout_json, write_file, REUSED_TOKEN};
use crate::testenv::fake_api::Recorded;
use crate::testenv::{assert_exit, pairs, Reply, TestEnv, PARTNER_TOKEN, SECRET, TOKEN_PATH};
use serde_json::{json, Map, Value};
use std::process::Output;
use std::time::Duration;

/// First lines of the pass files the backup-credentials cases read.
const SSH_PASS: &str = "ssh-pw-in-file-3d9a71";
const FTP_PASS: &str = "ftp-pw-in-file-8b2c55";
/// What `--input` sends, byte for byte.
const INPUT: &str = "{\"threat_ids\": [81444650, 81444645]}\n";

/// A successful answer with odd spacing and trailing newlines: printed as
/// received, the newlines trimmed and one added.
const ANSWER: &str = "{\"success\": true,  \"answer\": \"verbatim\"}\n\n";
const ANSWER_PRINTED: &str = "{\"success\": true,  \"answer\": \"verbatim\"}\n";

const API_ERROR: &str = r#"{"error":"invalid_scope","message":"This token is not authorized to provision partner sites"}"#;
const API_ERROR_PRINTED: &str = r#"{"success":false,"error_code":"invalid_scope","error_message":"This token is not authorized to provision partner sites","error":"invalid_scope","message":"This token is not authorized to provision partner sites"}"#;

/// As `MAYBE_SENT` in src/error.rs: what a time-out of (or an unreadable
/// answer to) a request that changes something adds.
const MAYBE_SENT: &str = "; the request may have reached WordPress.com and been carried out, so check the site (e.g. upgrade-paths) before running it again";

/// One command line and the one request it must send.
#[derive(Clone)]
struct Case {
    name: &'static str,
    /// The command and its own flags; `{root}` is the sandbox.
    args: &'static [&'static str],
    method: &'static str,
    path: &'static str,
    /// The raw query, `""` for none.
    query: &'static str,
    form: &'static [(&'static str, &'static str)],
    /// `--input`'s file is the body.
    json: bool,
    /// Carries `Authorization: Bearer <partner token>`.
    bearer: bool,
}

fn cases() -> Vec<Case> {
    let case = |name, args, method, path| Case {
        name,
        args,
        method,
        path,
        query: "",
        form: &[],
        json: false,
        bearer: true,
    };
    vec![
        case(
            "status --blog_id",
            &["status", "--blog_id=12345"],
            "GET",
            "/rest/v1.4/jpphp/12345/status",
        ),
        case(
            "status --url (site suffix)",
            &["status", "--url=https://Example.com/blog/"],
            "GET",
            "/rest/v1.4/jpphp/example.com::blog/status",
        ),
        Case {
            form: &[("plan", "jetpack-backup-daily")],
            ..case(
                "cancel --plan",
                &["cancel", "--plan=jetpack-backup-daily", "--blog_id=12345"],
                "POST",
                "/rest/v1.3/jpphp/12345/partner-cancel",
            )
        },
        Case {
            form: &[("plan", "jetpack-scan")],
            query: "partner_tracking_id=t-9",
            ..case(
                "cancel -p= (site suffix, tracking id)",
                &[
                    "cancel",
                    "-p=jetpack-scan",
                    "--url=https://example.com",
                    "--partner-tracking-id=t-9",
                ],
                "POST",
                "/rest/v1.3/jpphp/example.com/partner-cancel",
            )
        },
        Case {
            form: &[("cancel-all", "true")],
            ..case(
                "cancel --cancel-all",
                &["cancel", "--cancel-all", "--blog_id=12345"],
                "POST",
                "/rest/v1.3/jpphp/12345/partner-cancel",
            )
        },
        Case {
            form: &[
                ("ssh_host", "ssh.example.com"),
                ("ssh_port", "2222"),
                ("ssh_user", "deploy"),
                ("ssh_pass", SSH_PASS),
            ],
            ..case(
                "backup-credentials ssh",
                &[
                    "backup-credentials",
                    "--blog_id=12345",
                    "--ssh-host=ssh.example.com",
                    "--ssh-port=2222",
                    "--ssh-user=deploy",
                    "--ssh-pass-file={root}/ssh-pass",
                ],
                "POST",
                "/rest/v1.3/jpphp/12345/ssh-credentials",
            )
        },
        Case {
            form: &[
                ("ftp_host", "ftp.example.com"),
                ("ftp_user", "backup"),
                ("ftp_pass", FTP_PASS),
            ],
            ..case(
                "backup-credentials ftp",
                &[
                    "backup-credentials",
                    "--blog_id=12345",
                    "--ftp-host=ftp.example.com",
                    "--ftp-user=backup",
                    "--ftp-pass-file={root}/ftp-pass",
                ],
                "POST",
                "/rest/v1.3/jpphp/12345/ftp-credentials",
            )
        },
        Case {
            bearer: false,
            ..case("errors", &["errors"], "GET", "/rest/v1.3/jpphp/errors")
        },
        Case {
            form: &[("email", "owner+jp@example.com")],
            ..case(
                "magic-link",
                &["magic-link", "--email=owner+jp@example.com"],
                "POST",
                "/rest/v1.3/jpphp/mobile-magic-link",
            )
        },
        Case {
            query: "number=20&group=rewind",
            ..case(
                "api GET -f",
                &[
                    "api",
                    "/wpcom/v2/sites/12345/activity",
                    "-f",
                    "number=20",
                    "--field=group=rewind",
                ],
                "GET",
                "/wpcom/v2/sites/12345/activity",
            )
        },
        Case {
            form: &[("types", "all"), ("note", "a&b =c")],
            ..case(
                "api -X POST -f",
                &[
                    "api",
                    "-X",
                    "POST",
                    "/wpcom/v2/sites/12345/rewind/downloads",
                    "-f",
                    "types=all",
                    "-f",
                    "note=a&b =c",
                ],
                "POST",
                "/wpcom/v2/sites/12345/rewind/downloads",
            )
        },
        Case {
            json: true,
            ..case(
                "api --input",
                &[
                    "api",
                    "--method=post",
                    "/wpcom/v2/sites/12345/alerts/fix",
                    "--input={root}/input.json",
                ],
                "POST",
                "/wpcom/v2/sites/12345/alerts/fix",
            )
        },
    ]
}

impl Case {
    /// The files the flags name, and the command line (credentials first
    /// unless `creds` is false; `extra` last).
    fn argv(&self, env: &TestEnv, creds: bool, extra: &[&str]) -> Vec<String> {
        write_file(env, "ssh-pass", &format!("{SSH_PASS}\nsecond line\n"));
        write_file(env, "ftp-pass", &format!("{FTP_PASS}\n"));
        write_file(env, "input.json", INPUT);
        let root = env.root().display().to_string();
        let mut v: Vec<String> = self
            .args
            .iter()
            .map(|a| a.replace("{root}", &root))
            .collect();
        if creds {
            v.extend(super::creds());
        }
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }

    /// Runs it without `wp`; no secret, token or password may be printed.
    fn run(&self, env: &TestEnv, extra: &[&str]) -> Output {
        let argv = self.argv(env, true, extra);
        run(env.cmd_without_wp().args(argv), &[SSH_PASS, FTP_PASS])
    }

    /// `<METHOD> <path>`, as our messages name a request.
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn content_type(&self) -> Option<&'static str> {
        match (self.json, self.form.is_empty()) {
            (true, _) => Some("application/json"),
            (false, false) => Some("application/x-www-form-urlencoded"),
            (false, true) => None,
        }
    }

    /// The recorded request is exactly this case's, with this token.
    fn check(&self, r: &Recorded, token: &str) {
        let n = self.name;
        assert_eq!(r.method, self.method, "{n}");
        assert_eq!(r.path, self.path, "{n}");
        assert_eq!(r.query, self.query, "{n}");
        let bearer = format!("Bearer {token}");
        assert_eq!(
            r.header("authorization"),
            self.bearer.then_some(bearer.as_str()),
            "{n}"
        );
        assert_eq!(r.header("content-type"), self.content_type(), "{n}");
        if self.json {
            assert_eq!(String::from_utf8_lossy(&r.body), INPUT, "{n}");
        } else {
            assert_eq!(r.form, pairs(self.form), "{n}");
        }
    }

    /// What the fake API must have received: the token call (when the
    /// request takes the token), then the request, nothing else.
    fn check_all(&self, env: &TestEnv) {
        let reqs = env.api.requests();
        let n = self.name;
        if self.bearer {
            assert_eq!(reqs.len(), 2, "{n}: {reqs:?}");
            check_token_call(&reqs[0]);
        } else {
            assert_eq!(reqs.len(), 1, "{n}: no token call: {reqs:?}");
        }
        self.check(reqs.last().expect("a request"), PARTNER_TOKEN);
    }

    /// This request as `--dry-run` shows it.
    fn described(&self, base: &str) -> Value {
        let mut headers = Map::new();
        if self.bearer {
            headers.insert("Authorization".into(), json!("Bearer <redacted>"));
        }
        if let Some(t) = self.content_type() {
            headers.insert("Content-Type".into(), json!(t));
        }
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        let mut d = json!({
            "method": self.method,
            "url": format!("{base}{}{query}", self.path),
            "headers": headers,
        });
        if self.json {
            d["json"] = serde_json::from_str(INPUT).expect("INPUT is JSON");
        } else if !self.form.is_empty() {
            let form: Map<String, Value> = self
                .form
                .iter()
                .map(|(k, v)| {
                    let shown = match *k {
                        "ssh_pass" | "ftp_pass" | "ssh_private_key" => "<redacted>",
                        _ => v,
                    };
                    (k.to_string(), json!(shown))
                })
                .collect();
            d["form"] = Value::Object(form);
        }
        d
    }

    /// Answer the case's request with `reply` (and the token call).
    fn replies(&self, env: &TestEnv, reply: Reply) {
        env.api.token_ok(PARTNER_TOKEN);
        env.api.reply(self.method, self.path, reply);
    }
}

/// `POST /oauth2/token` with exactly the four fields, secret intact.
fn check_token_call(r: &Recorded) {
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", TOKEN_PATH));
    assert_eq!(
        r.form,
        pairs(&[
            ("client_id", "1234"),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
            ("scope", "jetpack-partner"),
        ])
    );
    assert_eq!(r.header("authorization"), None);
}

/// Exit 1, nothing on stdout, exactly `stderr` (one line) on stderr.
fn assert_fails_with(out: &Output, stderr: &str, name: &str) {
    assert_exit(out, 1);
    assert_eq!(stdout(out), "", "{name}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{stderr}\n"),
        "{name}"
    );
}

#[test]
fn success_prints_the_answer_verbatim() {
    for c in cases() {
        let env = TestEnv::new();
        c.replies(&env, Reply::json(200, ANSWER));
        let out = c.run(&env, &[]);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), ANSWER_PRINTED, "{}", c.name);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{}", c.name);
        c.check_all(&env);
    }
}

#[test]
fn api_error_passes_through_with_its_fields() {
    for c in cases() {
        let env = TestEnv::new();
        c.replies(&env, Reply::json(403, API_ERROR));
        let out = c.run(&env, &[]);
        assert_fails_with(&out, API_ERROR_PRINTED, c.name);
        c.check_all(&env);
    }
}

#[test]
fn non_json_answer_is_invalid_response() {
    for c in cases() {
        let env = TestEnv::new();
        c.replies(
            &env,
            Reply::text(200, "text/html", "<html>\n  maintenance\n</html>"),
        );
        let out = c.run(&env, &[]);
        // Answered, though unreadably: a request that changes something
        // may have been carried out, and says so (as a batch line does).
        let changes = c.method != "GET";
        let maybe = if changes { MAYBE_SENT } else { "" };
        let message = format!(
            "{}: HTTP 200 but the answer is not JSON: <html> maintenance </html>{maybe}",
            c.label()
        );
        let mut want =
            json!({"success": false, "error_code": "invalid_response", "error_message": message});
        if changes {
            want["maybe_sent"] = json!(true);
        }
        assert_fails_with(&out, &want.to_string(), c.name);
        c.check_all(&env);
    }
}

/// `--timeout=1` and a reply 3 s late: `timeout`, naming the request and
/// the host; one request (a read is not retried on a time-out either),
/// and for a request that changes something, that it may have been
/// carried out.
#[test]
fn time_out_is_timeout_and_sent_once() {
    let list = cases();
    std::thread::scope(|s| {
        for c in &list {
            s.spawn(move || {
                let env = TestEnv::new();
                c.replies(
                    &env,
                    Reply::json(200, ANSWER).delay(Duration::from_secs(3)),
                );
                let out = c.run(&env, &["--timeout=1"]);
                let maybe = if c.method == "GET" { "" } else { MAYBE_SENT };
                let message = format!(
                    "{} {}{}: {} did not answer within 1 s; try again later or raise --timeout{maybe}",
                    c.method,
                    env.api.base_url(),
                    c.path,
                    env.api.host()
                );
                let mut want =
                    json!({"success": false, "error_code": "timeout", "error_message": message});
                if c.method != "GET" {
                    want["maybe_sent"] = json!(true);
                }
                assert_fails_with(&out, &want.to_string(), c.name);
                c.check_all(&env);
            });
        }
    });
}

#[test]
fn dry_run_sends_nothing_and_redacts() {
    for c in cases() {
        let env = TestEnv::new();
        let out = c.run(&env, &["--dry-run"]);
        assert_exit(&out, 0);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{}", c.name);
        let base = env.api.base_url();
        let mut requests = Vec::new();
        if c.bearer {
            requests.push(json!({
                "method": "POST",
                "url": format!("{base}/oauth2/token"),
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                "form": {"client_id": "1234", "client_secret": "<redacted>",
                         "grant_type": "client_credentials", "scope": "jetpack-partner"},
            }));
        }
        requests.push(c.described(&base));
        assert_eq!(
            stdout_json(&out),
            json!({"dry_run": true, "requests": requests}),
            "{}",
            c.name
        );
        assert_eq!(stdout(&out).lines().count(), 1, "{}", c.name);
        assert!(env.api.requests().is_empty(), "{}", c.name);
        assert_eq!(env.api.connections(), 0, "{}", c.name);
    }
}

/// How a reused token is handed over.
#[derive(Clone, Copy, Debug)]
enum Reuse {
    File,
    Env,
}

/// A reused token: no credentials, no token call, exactly one request with
/// that token (plain and `--verbose`), and the token printed nowhere.
fn reused_token_makes_one_request(how: Reuse) {
    for c in cases() {
        for verbose in [false, true] {
            let env = TestEnv::new();
            env.api.reply(c.method, c.path, Reply::json(200, ANSWER));
            let file = write_file(&env, "token", &format!("{REUSED_TOKEN}\n"));
            let mut extra = Vec::new();
            if verbose {
                extra.push("--verbose".to_string());
            }
            if let Reuse::File = how {
                extra.push(format!("--access-token-file={file}"));
            }
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            let mut cmd = env.cmd_without_wp();
            cmd.args(c.argv(&env, false, &extra));
            if let Reuse::Env = how {
                cmd.env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN);
            }
            let out = run(&mut cmd, &[SSH_PASS, FTP_PASS]);
            let name = format!("{} ({how:?}, verbose {verbose})", c.name);
            assert_exit(&out, 0);
            assert_eq!(stdout(&out), ANSWER_PRINTED, "{name}");
            if !verbose {
                assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{name}");
            }
            let reqs = env.api.requests();
            assert_eq!(reqs.len(), 1, "{name}: {reqs:?}");
            // `errors --verbose` asks for the verbose catalogue.
            let c = match (verbose, c.name) {
                (true, "errors") => Case {
                    query: "verbose",
                    ..c.clone()
                },
                _ => c.clone(),
            };
            c.check(&reqs[0], REUSED_TOKEN);
        }
    }
}

#[test]
fn reused_token_from_file_makes_one_request() {
    reused_token_makes_one_request(Reuse::File);
}

#[test]
fn reused_token_from_environment_makes_one_request() {
    reused_token_makes_one_request(Reuse::Env);
}

/// A reused token and `--dry-run`: the one request, no token call.
#[test]
fn reused_token_dry_run_shows_only_the_request() {
    for c in cases() {
        let env = TestEnv::new();
        let mut cmd = env.cmd_without_wp();
        cmd.args(c.argv(&env, false, &["--dry-run"]))
            .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN);
        let out = run(&mut cmd, &[]);
        assert_exit(&out, 0);
        let base = env.api.base_url();
        assert_eq!(
            stdout_json(&out),
            json!({"dry_run": true, "requests": [c.described(&base)]}),
            "{}",
            c.name
        );
        assert!(env.api.requests().is_empty());
    }
}

/// Flags win over the environment: `--access-token-file` over
/// JETPACK_PARTNER_ACCESS_TOKEN, and client credentials given as flags
/// over the token in the environment (they ask for a token).
#[test]
fn token_sources_in_order() {
    let c = &cases()[0];
    let env = TestEnv::new();
    env.api.reply(c.method, c.path, Reply::json(200, ANSWER));
    let file = write_file(&env, "token", &format!("{REUSED_TOKEN}\n"));
    let mut cmd = env.cmd_without_wp();
    cmd.args(c.argv(&env, false, &[&format!("--access-token-file={file}")]))
        .env("JETPACK_PARTNER_ACCESS_TOKEN", "env-token-loses-4411");
    let out = run(&mut cmd, &["env-token-loses-4411"]);
    assert_exit(&out, 0);
    c.check(&env.api.requests()[0], REUSED_TOKEN);

    let env = TestEnv::new();
    c.replies(&env, Reply::json(200, ANSWER));
    let mut cmd = env.cmd_without_wp();
    cmd.args(c.argv(&env, true, &[]))
        .env("JETPACK_PARTNER_ACCESS_TOKEN", REUSED_TOKEN);
    let out = run(&mut cmd, &[]);
    assert_exit(&out, 0);
    c.check_all(&env);
}

/// An unreadable or empty token file is `invalid_input` and nothing is
/// sent; without any credentials at all it is a usage error.
#[test]
fn bad_token_file_and_no_credentials() {
    let c = &cases()[0];
    let env = TestEnv::new();
    let empty = write_file(&env, "empty-token", "\n");
    for file in [empty.as_str(), "/nonexistent/token"] {
        let mut cmd = env.cmd_without_wp();
        cmd.args(c.argv(&env, false, &[&format!("--access-token-file={file}")]));
        let out = run(&mut cmd, &[]);
        let err = crate::testenv::assert_failure(&out, "invalid_input");
        let msg = err["error_message"].as_str().unwrap_or_default();
        assert!(msg.starts_with("--access-token-file="), "{msg}");
    }
    let mut cmd = env.cmd_without_wp();
    cmd.args(c.argv(&env, false, &[]));
    let out = run(&mut cmd, &[]);
    assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Usage:") && err.contains("--partner_id"),
        "{err}"
    );
    assert!(env.api.requests().is_empty());
}

/// `--help` of each new command: exit 0, on stdout, examples right after
/// the usage line (before any list of flags); the flags §7 added are there.
#[test]
fn help_shows_examples_first() {
    let env = TestEnv::new();
    for (cmd, flags) in [
        ("status", &["--blog_id", "--access-token-file", "--url"][..]),
        (
            "backup-credentials",
            &["--ssh-pass-file", "--ftp-pass-file", "--blog_id"],
        ),
        ("errors", &["[CODE]", "--verbose"]),
        ("magic-link", &["--email"]),
        ("api", &["--method", "--field", "--input"]),
        ("token", &["--partner_secret_file"]),
        ("cancel", &["--plan", "--cancel-all", "--if-needed"]),
        ("provision", &["--if-needed", "--ssh-pass-file"]),
    ] {
        let out = env.cmd().args([cmd, "--help"]).output().expect("run");
        assert_exit(&out, 0);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{cmd}");
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        let usage = lines
            .iter()
            .position(|l| l.starts_with("Usage: jetpack-partner "))
            .unwrap_or_else(|| panic!("{cmd}: no usage line:\n{text}"));
        let after = |i: usize| {
            (i + 1..lines.len())
                .find(|&j| !lines[j].trim().is_empty())
                .unwrap_or(lines.len() - 1)
        };
        // What is required comes first, in a paragraph of its own.
        let mut examples = after(usage);
        if lines[examples].starts_with("Required:") {
            while !lines[examples].trim().is_empty() {
                examples += 1;
            }
            examples = after(examples);
        }
        assert_eq!(lines[examples], "Examples:", "{cmd}:\n{text}");
        let example = lines[after(examples)];
        assert!(
            example
                .trim_start()
                .starts_with(&format!("jetpack-partner {cmd}")),
            "{cmd}: the first example is not a {cmd} command line: {example}"
        );
        let examples_at = text.find("Examples:").unwrap_or(usize::MAX);
        // Flags come in groups; every command has Behaviour.
        let options_at = text.find("\nBehaviour:").unwrap_or(0);
        assert!(examples_at < options_at, "{cmd}: flags before examples");
        for flag in flags {
            assert!(text.contains(flag), "{cmd}: {flag} missing:\n{text}");
        }
    }
    assert!(env.api.requests().is_empty());
    assert!(env.wp.calls().is_empty());
}
