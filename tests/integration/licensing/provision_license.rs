//! `provision --license` (SPEC §11): the site connected first when
//! WordPress knows no blog id for it, a license issued, its key set through
//! the fake `wp` (the licenses program's answer chosen here, as in
//! `local`), the site connected afterwards when Jetpack says it is not.
//! One answer `{"success":true,"license_key":…,"blog_id":…}`; a license
//! issued and not on its site is in the error (and the batch line) with
//! `maybe_sent`, so a resume never issues a second; the key shows nowhere
//! else (`--verbose`, dry runs).

use super::{lines, partner_creds, stderr, stdout, Lic, CONNECT, LICENSE};
use crate::partner_api::write_file;
use crate::testenv::{
    assert_exit, assert_failure, assert_success, facts_stdout, stderr_json, strs, wait_until,
    Running, TestEnv, PROMPTLY,
};
use jetpack_partner::wp::LICENSES_PHP;
use serde_json::{json, Value};
use std::time::Duration;

pub const SITE: &str = "https://shop.example";

/// The facts call (with `extra` globals) sees `url`: user admin found,
/// Jetpack activated, this blog id (0: not connected), not a copy.
pub fn facts_for(env: &TestEnv, extra: &[&str], url: &str, blog_id: u64) {
    env.answer_facts(
        extra,
        "",
        json!({"user_id": 1, "siteurl": url, "home": url, "blog_id": blog_id,
            "safe_mode": false, "activate": "ok"}),
    );
}

fn facts(env: &TestEnv, blog_id: u64) {
    facts_for(env, &[], SITE, blog_id);
}

/// The licenses program (with `extra` globals) answers `answer`.
pub fn program_answers(env: &TestEnv, extra: &[&str], answer: Value) {
    let mut argv = env.wp_argv(extra);
    argv.extend([
        "--skip-themes".to_string(),
        "eval".into(),
        LICENSES_PHP.into(),
    ]);
    env.wp
        .answer_with(&strs(&argv), &facts_stdout("", answer), "", 0);
}

/// Jetpack attached the key given; the site's blog id is `blog_id`.
pub fn attached(blog_id: u64) -> Value {
    json!({"blog_id": blog_id, "added": 1, "removed": 0, "changed": true, "stored": 1,
        "attach": "done", "failed": [], "others_failed": 0})
}

/// Jetpack keeps the key: the site is not connected.
fn waiting() -> Value {
    json!({"blog_id": 0, "added": 1, "removed": 0, "changed": true, "stored": 1,
        "attach": {"code": "not_connected", "message": "Jetpack doesn't have a connected owner."}})
}

/// `provision --license --licensing-token-file=… --user=admin --plan=SLUG
/// --allow-root --path=…`, then `extra`. Neither the secret nor a token
/// may show up.
fn run(lic: &Lic, plan: &str, extra: &[&str]) -> std::process::Output {
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.cmd();
    cmd.args(["provision", "--license", &lic.flag(), "--user=admin"])
        .arg(format!("--plan={plan}"))
        .args(["--allow-root", &path])
        .args(extra);
    lic.clean(&mut cmd, &[])
}

/// The one license the model issued.
fn the_key(lic: &Lic) -> String {
    let issued = lic.partner.licenses();
    assert_eq!(issued.len(), 1, "one license issued");
    issued[0].key.clone()
}

/// (method, path) of every request the fake saw.
fn sent(lic: &Lic) -> Vec<(String, String)> {
    let all = lic.env.api.requests();
    all.into_iter().map(|r| (r.method, r.path)).collect()
}

fn post(path: &str) -> (String, String) {
    ("POST".into(), path.into())
}

#[test]
fn a_connected_site_gets_a_license_issued_and_set() {
    let lic = Lic::new();
    facts(&lic.env, 555);
    program_answers(&lic.env, &[], attached(555));
    let out = run(&lic, "jetpack-scan", &[]);
    let key = the_key(&lic);
    assert_success(
        &out,
        &format!(r#"{{"success":true,"license_key":"{key}","blog_id":555}}"#),
    );
    assert_eq!(sent(&lic), [post(LICENSE)], "no connection, no token call");
    let issue = &lic.env.api.requests()[0];
    assert_eq!(issue.body, br#"{"product":"jetpack-scan"}"#);
    assert_eq!(
        issue.header("authorization"),
        Some(format!("Bearer {}", lic.token).as_str())
    );
    let calls = lic.env.wp.calls();
    assert_eq!(calls.len(), 2, "the facts, then the licenses program");
    let vars = lic.env.wp.call_env(1);
    assert!(vars.contains(&("JETPACK_WP_LICENSES".into(), key.clone())));
    assert!(vars.contains(&("JETPACK_WP_LICENSE_OP".into(), "set".into())));
    assert!(vars.contains(&("JETPACK_WP_SAFE_MODE".into(), "1".into())));
    // The key by variable only, never in argv; no token in wp's environment.
    assert!(!calls[1].iter().any(|a| a.contains(&key)));
    assert!(!lic
        .env
        .wp
        .call_environ(1)
        .iter()
        .any(|(_, v)| v.contains(&lic.token)));
}

/// WordPress knows no blog id: the site is connected before anything is
/// issued, and the answer's blog id is the connection's.
#[test]
fn a_site_not_connected_is_connected_first() {
    let lic = Lic::new();
    facts(&lic.env, 0);
    program_answers(&lic.env, &[], attached(0));
    let out = run(&lic, "jetpack-backup-daily", &[]);
    let key = the_key(&lic);
    let blog = lic.partner.blog_id(SITE).unwrap_or_default();
    assert!(blog > 0 && lic.partner.is_connected(SITE));
    assert_success(
        &out,
        &format!(r#"{{"success":true,"license_key":"{key}","blog_id":{blog}}}"#),
    );
    assert_eq!(sent(&lic), [post(CONNECT), post(LICENSE)]);
    assert_eq!(
        lic.env.api.requests()[0].body,
        br#"{"url":"https://shop.example","local_user":"admin"}"#
    );
}

/// A blog id, but Jetpack says the site is not connected: the key waits
/// in jetpack_licenses and the site is connected afterwards (Jetpack then
/// attaches it).
#[test]
fn a_site_jetpack_calls_unconnected_is_connected_after_the_set() {
    let lic = Lic::new();
    let blog = lic.partner.seed(SITE, None, &[]);
    lic.partner.set_connected(SITE, false);
    facts(&lic.env, blog);
    program_answers(&lic.env, &[], waiting());
    let out = run(&lic, "jetpack-scan", &[]);
    let key = the_key(&lic);
    assert_success(
        &out,
        &format!(r#"{{"success":true,"license_key":"{key}","blog_id":{blog}}}"#),
    );
    assert_eq!(sent(&lic), [post(LICENSE), post(CONNECT)]);
    assert!(lic.partner.is_connected(SITE));
}

/// The owner disconnected the site on purpose: nothing is issued.
#[test]
fn previously_connected_issues_nothing() {
    let lic = Lic::new();
    lic.partner.previously_connected(SITE);
    facts(&lic.env, 0);
    let out = run(&lic, "jetpack-scan", &[]);
    let err = assert_failure(&out, "previously_connected");
    assert!(err.get("license_key").is_none(), "{err}");
    assert!(err.get("maybe_sent").is_none(), "{err}");
    assert_eq!(sent(&lic), [post(CONNECT)]);
    assert!(lic.partner.licenses().is_empty());
    assert_eq!(lic.env.wp.calls().len(), 1, "the facts call only");
}

/// `--if-needed`: the site's status (partner token) has the product, so
/// nothing is issued.
#[test]
fn if_needed_issues_nothing_when_the_site_has_the_product() {
    let lic = Lic::new();
    let earlier = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let blog = lic.partner.attach_license(&earlier, SITE);
    facts(&lic.env, blog);
    let creds = partner_creds();
    let out = run(&lic, "jetpack-scan", &["--if-needed", &creds[0], &creds[1]]);
    assert_exit(&out, 0);
    let got: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(got["changed"], json!(false));
    assert_eq!(got["status"]["products"][0]["slug"], json!("jetpack-scan"));
    let status = format!("/rest/v1.4/jpphp/{blog}/status");
    assert_eq!(sent(&lic), [post("/oauth2/token"), ("GET".into(), status)]);
    assert_eq!(lic.partner.licenses().len(), 1, "no second license");
    assert_eq!(lic.env.wp.calls().len(), 1, "nothing set");
    // Without the partner credentials --if-needed cannot read the status:
    // a usage error, before anything runs.
    let out = run(&lic, "jetpack-scan", &["--if-needed"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("required argument was not provided: --partner_id"),
        "{}",
        stderr(&out)
    );
    assert_eq!(lic.env.wp.calls().len(), 1);
}

/// WordPress would not write the option: the key issued is in the error,
/// with maybe_sent, and exit 1.
#[test]
fn a_license_wordpress_did_not_take_is_in_the_error() {
    let lic = Lic::new();
    facts(&lic.env, 555);
    program_answers(
        &lic.env,
        &[],
        json!({"blog_id": 555, "changed": false, "stored": 0, "added": 0, "removed": 0,
            "write_error": "Could not update option jetpack_licenses."}),
    );
    let out = run(&lic, "jetpack-scan", &[]);
    let key = the_key(&lic);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "{}\n",
            json!({"success": false, "error_code": "wp_failed",
                "error_message": "wp eval (jetpack_licenses) failed (exit code 0): Could not update option jetpack_licenses.; the license issued for this site is not set on it (license_key): set it there with jetpack-partner license set, or revoke it; provisioning again would issue, and bill, another",
                "maybe_sent": true, "license_key": key})
        )
    );
    assert_eq!(sent(&lic), [post(LICENSE)]);
}

/// `wp` dies while setting it: whether the key is set is not known.
#[test]
fn wp_dying_while_setting_it_keeps_the_key() {
    let lic = Lic::new();
    facts(&lic.env, 555);
    let mut argv = lic.env.wp_argv(&[]);
    argv.extend([
        "--skip-themes".to_string(),
        "eval".into(),
        LICENSES_PHP.into(),
    ]);
    lic.env.wp.answer_with(
        &strs(&argv),
        "",
        "PHP Fatal error:  Allowed memory size exhausted",
        255,
    );
    let out = run(&lic, "jetpack-scan", &[]);
    let err = assert_failure(&out, "wp_failed");
    assert_eq!(err["license_key"], json!(the_key(&lic)));
    assert_eq!(err["maybe_sent"], json!(true));
    let message = err["error_message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("a license was issued for this site (license_key): check whether it is in the site's jetpack_licenses (license set adds it) before anything else; provisioning again would issue, and bill, another"),
        "{message}"
    );
}

/// A batch line carries the key not set; a resume with --skip-done issues
/// nothing for that site again, and does the other.
#[test]
fn a_batch_line_carries_the_key_and_a_resume_never_issues_it_again() {
    let lic = Lic::new();
    let (a, b) = ("https://a.example", "https://b.example");
    for (url, blog) in [(a, 601), (b, 602)] {
        let extra = [format!("--url={url}")];
        facts_for(&lic.env, &strs(&extra), url, blog);
    }
    program_answers(
        &lic.env,
        &["--url=https://a.example"],
        json!({"blog_id": 601, "changed": false, "stored": 0, "added": 0, "removed": 0,
            "write_error": "Could not update option jetpack_licenses."}),
    );
    program_answers(&lic.env, &["--url=https://b.example"], attached(602));
    let input = write_file(
        &lic.env,
        "sites.jsonl",
        &format!("{{\"url\":\"{a}\",\"plan\":\"jetpack-scan\"}}\n{{\"url\":\"{b}\",\"plan\":\"jetpack-scan\"}}\n"),
    );
    let done = lic.env.root().join("done.jsonl");
    let resume = format!("--skip-done={}", done.display());
    let args = [format!("--batch={input}"), "--jobs=1".into(), resume];
    let first = run(&lic, "jetpack-scan", &strs(&args));
    assert_exit(&first, 1);
    let got = lines(&first);
    assert_eq!(got.len(), 2, "{}", stdout(&first));
    let keys: Vec<String> = lic.partner.licenses().into_iter().map(|l| l.key).collect();
    assert_eq!(keys.len(), 2);
    let failed = &got[0];
    assert_eq!(failed["site"], json!(a));
    assert_eq!(failed["plan"], json!("jetpack-scan"));
    assert_eq!(failed["success"], json!(false));
    assert_eq!(failed["changed"], json!(true));
    assert_eq!(failed["maybe_sent"], json!(true));
    assert_eq!(failed["error_code"], json!("wp_failed"));
    assert_eq!(failed["license_key"], json!(keys[0]));
    assert_eq!(got[1]["success"], json!(true));
    assert_eq!(
        got[1]["answer"],
        json!({"success": true, "license_key": keys[1], "blog_id": 602})
    );
    // The caller keeps the output as --skip-done's file.
    std::fs::write(&done, &first.stdout).unwrap_or_else(|e| panic!("{e}"));
    let again = run(&lic, "jetpack-scan", &strs(&args));
    assert_exit(&again, 0);
    assert_eq!(stdout(&again), "", "both lines done before");
    assert_eq!(lic.partner.licenses().len(), 2, "no license issued again");
    assert!(
        stderr(&again).contains("1 earlier line(s) say the request may have been carried out"),
        "{}",
        stderr(&again)
    );
}

/// A dry run reads WordPress, shows the requests (the connection first
/// for a site without a blog id) and what follows, sends nothing.
#[test]
fn a_dry_run_sends_nothing_and_shows_no_key() {
    let lic = Lic::new();
    facts(&lic.env, 0);
    let out = run(&lic, "jetpack-scan", &["--dry-run"]);
    assert_exit(&out, 0);
    let got: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let shown: Vec<(&str, &str)> = got["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let url = r["url"].as_str().unwrap_or_default();
            let path = url.find("/wpcom").map_or(url, |at| &url[at..]);
            (r["method"].as_str().unwrap_or_default(), path)
        })
        .collect();
    assert_eq!(shown, [("POST", CONNECT), ("POST", LICENSE)]);
    assert_eq!(
        got["requests"][1]["json"],
        json!({"product": "jetpack-scan"})
    );
    assert_eq!(got["jetpack_licenses"], json!({"add": 1}));
    assert_eq!(
        got["then"],
        json!("the new license key set on the site (jetpack_licenses, through wp)")
    );
    assert!(lic.env.api.requests().is_empty());
    assert!(lic.partner.licenses().is_empty());
    assert_eq!(lic.env.wp.calls().len(), 1, "the facts only");
    let vars = lic.env.wp.call_env(0);
    assert!(!vars.contains(&("JETPACK_WP_ACTIVATE".into(), "1".into())));
}

/// `--verbose` says what runs, never the key; stdout has it once.
#[test]
fn verbose_never_shows_the_key() {
    let lic = Lic::new();
    facts(&lic.env, 555);
    program_answers(&lic.env, &[], attached(555));
    let out = run(&lic, "jetpack-scan", &["--verbose"]);
    let key = the_key(&lic);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("jetpack_licenses"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(&key), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches(&key).count(), 1);
}

/// No WordPress to set it in: nothing is sent, whatever --url says.
#[test]
fn without_wordpress_nothing_is_issued() {
    let lic = Lic::new();
    let out = lic.run(
        &[
            "provision",
            "--license",
            "--user=admin",
            "--plan=jetpack-scan",
            "--url=https://shop.example",
        ],
        &[],
    );
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "wp_not_found",
            "error_message": "WP-CLI (wp) is not on PATH, and provision --license sets the license on the site through it, so nothing was issued; install it, or pass --wp-cli-path=/path/to/wp (and --path=/path/to/wordpress)"})
    );
    assert!(lic.env.api.requests().is_empty());
}

/// What only a partner provision sends is refused, and --plan is needed.
#[test]
fn partner_provision_flags_and_no_plan_are_refused() {
    let lic = Lic::new();
    let out = run(
        &lic,
        "jetpack-scan",
        &["--wpcom_user_id=5", "--partner-tracking-id=t-1"],
    );
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_input",
            "error_message": "--wpcom_user_id, --partner-tracking-id are sent only with a partner provision (jpphp), and --license gives the site its product by a license instead; leave them out, or provision without --license"})
    );
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.cmd();
    cmd.args(["provision", "--license", &lic.flag(), "--user=admin", &path]);
    let out = lic.clean(&mut cmd, &[]);
    assert_eq!(
        stderr_json(&out)["error_message"],
        json!("no plan: give --plan (the product --license issues a license for)")
    );
    assert!(lic.env.api.requests().is_empty());
    assert!(lic.env.wp.calls().is_empty());
}

/// SIGINT while the key is being set: the interrupted error carries it.
#[test]
fn a_signal_after_the_issue_still_prints_the_key() {
    let lic = Lic::new();
    facts(&lic.env, 555);
    let mut argv = lic.env.wp_argv(&[]);
    argv.extend([
        "--skip-themes".to_string(),
        "eval".into(),
        LICENSES_PHP.into(),
    ]);
    // The licenses program hangs.
    lic.env.wp.answer_bytes(
        Some(&strs(&argv)),
        b"",
        b"",
        0,
        Some(Duration::from_secs(600)),
    );
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.std_cmd();
    cmd.args(["provision", "--license", &lic.flag(), "--user=admin"])
        .args(["--plan=jetpack-scan", "--allow-root", &path]);
    let running = Running::spawn(cmd);
    wait_until(PROMPTLY, "the licenses program to start", || {
        lic.env.wp.call_pid(1).is_some()
    });
    running.signal("INT");
    let out = running.wait(PROMPTLY);
    assert_exit(&out, 130);
    assert_eq!(stdout(&out), "");
    let key = the_key(&lic);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "interrupted",
            "error_message": "interrupted by SIGINT after POST /wpcom/v2/jetpack-licensing/license was sent: it may have reached WordPress.com and been carried out; check the site (jetpack-partner status) before running it again; a license was issued for this site (license_key): check whether it is in the site's jetpack_licenses (license set adds it) before anything else; provisioning again would issue, and bill, another",
            "maybe_sent": true, "license_key": key})
    );
}

/// A batch of one site whose licenses program takes `delay`, started and
/// held until the program runs.
fn batch_while_setting(lic: &Lic, delay: Duration) -> Running {
    let extra = ["--url=https://a.example"];
    facts_for(&lic.env, &extra, "https://a.example", 601);
    let mut argv = lic.env.wp_argv(&extra);
    argv.extend([
        "--skip-themes".to_string(),
        "eval".into(),
        LICENSES_PHP.into(),
    ]);
    let answer = facts_stdout("", attached(601));
    lic.env
        .wp
        .answer_bytes(Some(&strs(&argv)), answer.as_bytes(), b"", 0, Some(delay));
    let input = write_file(&lic.env, "sites.jsonl", "{\"url\":\"https://a.example\"}\n");
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.std_cmd();
    cmd.args(["provision", "--license", &lic.flag(), "--user=admin"])
        .args(["--plan=jetpack-scan", "--allow-root", &path])
        .arg(format!("--batch={input}"));
    let running = Running::spawn(cmd);
    wait_until(PROMPTLY, "the licenses program to start", || {
        lic.env.wp.call_pid(1).is_some()
    });
    running
}

/// A batch's first signal lets the key being set finish (a license is
/// billed already): the line is the success, key included.
#[test]
fn a_batch_signal_lets_the_key_being_set_finish() {
    let lic = Lic::new();
    let running = batch_while_setting(&lic, Duration::from_secs(2));
    running.signal("INT");
    let out = running.wait(PROMPTLY);
    assert_exit(&out, 130);
    let got = lines(&out);
    assert_eq!(got.len(), 1, "{}", stdout(&out));
    assert_eq!(
        got[0]["answer"],
        json!({"success": true, "license_key": the_key(&lic), "blog_id": 601})
    );
}

/// A second signal ends the batch at once: the line of the site in flight
/// still carries the key issued for it.
#[test]
fn a_second_signal_still_writes_the_key_in_flight() {
    let lic = Lic::new();
    let running = batch_while_setting(&lic, Duration::from_secs(600));
    running.signal("INT");
    running.wait_for_stderr("finishing the requests in flight");
    running.signal("INT");
    let out = running.wait(PROMPTLY);
    assert_exit(&out, 130);
    let got = lines(&out);
    assert_eq!(got.len(), 1, "{}", stdout(&out));
    assert_eq!(got[0]["error_code"], json!("interrupted"));
    assert_eq!(got[0]["maybe_sent"], json!(true));
    assert_eq!(got[0]["changed"], json!(true));
    assert_eq!(got[0]["license_key"], json!(the_key(&lic)));
}

/// A key for the product already waits in the site's jetpack_licenses
/// (the facts name its product, never the key): a second license would be
/// billed too, so none is issued; another product is issued as usual.
#[test]
fn a_key_waiting_on_the_site_is_not_issued_again() {
    let lic = Lic::new();
    let blog = lic.partner.seed(SITE, None, &[]);
    lic.env.answer_facts(
        &[],
        "",
        json!({"user_id": 1, "siteurl": SITE, "home": SITE, "blog_id": blog,
            "safe_mode": false, "activate": "ok", "licensed": ["jetpack-scan"]}),
    );
    let out = run(&lic, "jetpack-scan", &[]);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "license_already_set",
            "error_message": "a license key for jetpack-scan is in this site's jetpack_licenses already, waiting to be attached (or refused: jetpack-partner audit shows Jetpack's license error), so no second license was issued (it would be billed too); connect the site, or remove that key with jetpack-partner license unset before provisioning again"})
    );
    assert_exit(&out, 1);
    assert!(lic.partner.licenses().is_empty());
    assert_eq!(sent(&lic), []);
    program_answers(&lic.env, &[], attached(blog));
    let out = run(&lic, "jetpack-backup-daily", &[]);
    assert_exit(&out, 0);
    assert_eq!(lic.partner.licenses().len(), 1);
}
