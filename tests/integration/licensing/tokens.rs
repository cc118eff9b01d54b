//! The tokens the licensing commands take (SPEC §11): the licensing token
//! from `--licensing-token-file` or `JETPACK_LICENSING_TOKEN`, else the
//! partner token (client credentials or one given); a token of the wrong
//! kind is named; tokens and keys never shown, `--verbose` included.

use super::{lines, partner_creds, stderr, stdout, Lic, LICENSE, LICENSES};
use crate::partner_api::write_file;
use crate::testenv::{assert_exit, assert_failure, stderr_json, TOKEN_PATH};
use serde_json::json;

#[test]
fn without_a_licensing_token_the_partner_token_is_used() {
    let lic = Lic::new();
    let partner_token = lic.partner.token_of("1234").unwrap_or_default();
    let mut cmd = lic.env.cmd_without_wp();
    cmd.args(["license", "issue", "--product=personal"])
        .args(partner_creds());
    let out = lic.clean(&mut cmd, &[]);
    assert_exit(&out, 0);
    let sent: Vec<String> = lic
        .env
        .api
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(sent, [TOKEN_PATH, LICENSE]);
    assert_eq!(
        lic.env.api.requests()[1].header("authorization"),
        Some(format!("Bearer {partner_token}").as_str())
    );
    assert_eq!(lic.partner.licenses()[0].token, partner_token);
    // A dry run lists the token call, and sends nothing.
    let mut cmd = lic.env.cmd_without_wp();
    cmd.args(["license", "list", "--dry-run"])
        .args(partner_creds());
    let out = lic.clean(&mut cmd, &[]);
    let base = lic.env.api.base_url();
    let want = json!({"dry_run": true, "requests": [
        {"method": "POST", "url": format!("{base}{TOKEN_PATH}"),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "form": {"client_id": "1234", "client_secret": "<redacted>", "grant_type": "client_credentials", "scope": "jetpack-partner"}},
        {"method": "GET", "url": format!("{base}{LICENSES}?per_page=100&page=1"),
            "headers": {"Authorization": "Bearer <redacted>"}}]});
    assert_eq!(stdout(&out), format!("{want}\n"));
    assert_eq!(lic.env.api.requests().len(), 2);
}

#[test]
fn the_variable_serves_and_no_partner_credential_is_needed_then() {
    let lic = Lic::new();
    let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let mut cmd = lic.env.cmd_without_wp();
    cmd.args(["license", "show", &key])
        .args(partner_creds())
        .env("JETPACK_LICENSING_TOKEN", format!("{}\n", lic.token));
    let out = lic.clean(&mut cmd, &[]);
    assert_exit(&out, 0);
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1, "no token call: the licensing token wins");
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {}", lic.token).as_str())
    );
    // No credentials at all: the usage says what to give.
    let out = lic.clean(
        lic.env.cmd_without_wp().args(["license", "show", &key]),
        &[],
    );
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("--partner_id=<ID>"),
        "{}",
        stderr(&out)
    );
    assert_eq!(lic.env.api.requests().len(), 1);
}

#[test]
fn a_token_that_cannot_be_used_is_invalid_input() {
    let lic = Lic::new();
    let mut cmd = lic.env.cmd_without_wp();
    cmd.args(["license", "list"])
        .env("JETPACK_LICENSING_TOKEN", "two words");
    let out = lic.clean(&mut cmd, &["two words"]);
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_input",
            "error_message": "JETPACK_LICENSING_TOKEN: the token holds characters no Authorization header can carry (spaces, line breaks or non-ASCII); check that it holds the token alone"})
    );
    let missing = lic.env.root().join("nope");
    let out = lic.clean(
        lic.env.cmd_without_wp().args([
            "license",
            "list",
            &format!("--licensing-token-file={}", missing.display()),
        ]),
        &[],
    );
    let err = assert_failure(&out, "invalid_input");
    assert!(err["error_message"]
        .as_str()
        .is_some_and(|m| m.starts_with(&format!(
            "--licensing-token-file={}: cannot read it",
            missing.display()
        ))));
    assert!(lic.env.api.requests().is_empty());
}

/// A reporting token (a WordPress.com user token) where the licensing one
/// is due: the API's 403 invalid_scope, and which token the endpoint wants.
#[test]
fn a_reporting_token_is_named_as_the_wrong_kind() {
    let lic = Lic::new();
    let user_token = lic.partner.reporting_token("1234");
    let file = write_file(&lic.env, "report-token", &user_token);
    let out = lic.clean(
        lic.env.cmd_without_wp().args([
            "license",
            "list",
            &format!("--licensing-token-file={file}"),
        ]),
        &[&user_token],
    );
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1);
    let id = lic.partner.request_id_of(&sent[0]).unwrap_or_default();
    let api = "This is a WordPress.com user token (the reporting token); the Jetpack Licensing API needs the licensing token Jetpack gave the partner, or the partner's jetpack-partner token.";
    assert_failure(&out, "invalid_scope");
    assert_eq!(
        stderr_json(&out),
        json!({"success": false, "error_code": "invalid_scope",
            "error_message": format!("the Licensing API refused the token from --licensing-token-file as the wrong kind: it takes the licensing token Jetpack gave you (--licensing-token-file or JETPACK_LICENSING_TOKEN) or the partner token; a reporting token (a WordPress.com user token) does not work there. The API said: {api} (X-Jetpack-Request-Id: {id}; Jetpack support asks for it)"),
            "request_id": id, "code": "invalid_scope", "message": api, "data": {"status": 403}})
    );
}

/// `--verbose` says what is sent and which request id came back, never a
/// token or a key (a key in a path is hidden too).
#[test]
fn verbose_shows_no_token_and_no_key() {
    let lic = Lic::new();
    lic.partner.seed_site("https://shop.example", 321);
    let key = lic.partner.issue_license(&lic.token, "jetpack-scan");
    let out = lic.run(
        &["license", "attach", "--blog_id=321", "--verbose", &key],
        &[],
    );
    assert_exit(&out, 0);
    let id = lic
        .partner
        .request_id_of(&lic.env.api.requests()[0])
        .unwrap_or_default();
    let notes = stderr(&out);
    assert!(
        notes.contains(&format!(
            "POST {}{LICENSE}/<redacted>/site -> HTTP 200",
            lic.env.api.base_url()
        )),
        "{notes}"
    );
    assert!(
        notes.contains(&format!("(X-Jetpack-Request-Id {id})")),
        "{notes}"
    );
    assert!(!notes.contains(&key), "{notes}");
    // The answer itself carries the key: printing the license is the point.
    assert_eq!(lines(&out)[0]["license_key"], json!(key));
}

/// A usage error never echoes the licensing token, even one that strays
/// into argv.
#[test]
fn a_usage_error_hides_the_licensing_token() {
    let lic = Lic::new();
    let mut cmd = lic.env.cmd_without_wp();
    cmd.args(["license", "products", &lic.token])
        .env("JETPACK_LICENSING_TOKEN", &lic.token);
    let out = lic.clean(&mut cmd, &[]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("<redacted>"), "{}", stderr(&out));
    assert!(lic.env.api.requests().is_empty());
}
