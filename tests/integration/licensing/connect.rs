//! `connect`: `POST /site-connection` with the siteurl and `--user` found
//! as provision finds them; `success` and `already_connected` succeed,
//! `previously_connected` fails (exit 1) and is never retried.

use super::{lines, stderr, stdout, Lic, CONNECT};
use crate::partner_api::write_file;
use crate::testenv::partner::FIRST_BLOG_ID;
use crate::testenv::{assert_exit, assert_failure, assert_success, strs};
use serde_json::json;

fn in_wordpress(lic: &Lic, args: &[&str]) -> std::process::Output {
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.cmd();
    cmd.arg("connect")
        .arg(lic.flag())
        .args(["--allow-root", &path])
        .args(args);
    lic.clean(&mut cmd, &[])
}

#[test]
fn a_site_connects_with_the_user_wordpress_confirmed() {
    let lic = Lic::new();
    lic.env.answer_single_site();
    let out = in_wordpress(&lic, &["--user=admin"]);
    let blog = lic.partner.blog_id("http://site.test").unwrap_or_default();
    assert_success(
        &out,
        &json!({"code": "success", "blog_id": blog}).to_string(),
    );
    assert_eq!(blog, FIRST_BLOG_ID);
    assert!(lic.partner.is_connected("http://site.test"));
    let sent = lic.env.api.requests();
    assert_eq!(sent.len(), 1, "no token call");
    let r = &sent[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", CONNECT));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.body,
        br#"{"url":"http://site.test","local_user":"admin"}"#
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {}", lic.token).as_str())
    );
    // The user checked and Jetpack activated in the one facts call.
    let env = lic.env.wp.call_env(0);
    assert!(env.contains(&("JETPACK_WP_USER".into(), "admin".into())));
    assert!(env.contains(&("JETPACK_WP_ACTIVATE".into(), "1".into())));
    // Again: already connected is success too.
    let again = in_wordpress(&lic, &["--user=admin"]);
    assert_success(
        &again,
        &json!({"code": "already_connected", "blog_id": blog}).to_string(),
    );
}

#[test]
fn previously_connected_fails_and_is_sent_once() {
    let lic = Lic::new();
    lic.partner.previously_connected("https://gone.example");
    let blog = lic
        .partner
        .blog_id("https://gone.example")
        .unwrap_or_default();
    let out = lic.run(
        &["connect", "--user=admin", "--url=https://gone.example"],
        &[],
    );
    assert_failure(&out, "previously_connected");
    let sent = lic.env.api.requests_to(CONNECT);
    assert_eq!(sent.len(), 1, "never retried");
    let id = lic.partner.request_id_of(&sent[0]).unwrap_or_default();
    assert_eq!(
        stderr(&out),
        format!(
            "{}\n",
            json!({"success": false, "error_code": "previously_connected",
                "error_message": format!("WordPress.com says the site's owner disconnected it on purpose (previously_connected), so it was not connected again; only its owner can connect it now (Jetpack in wp-admin) (X-Jetpack-Request-Id: {id}; Jetpack support asks for it)"),
                "request_id": id, "code": "previously_connected", "blog_id": blog})
        )
    );
    assert!(!lic.partner.is_connected("https://gone.example"));
}

#[test]
fn an_unknown_user_sends_nothing() {
    let lic = Lic::new();
    lic.env.answer_facts(
        &[],
        "",
        json!({"user_id": 0, "siteurl": "http://site.test", "home": "http://site.test", "blog_id": 0}),
    );
    // With partner credentials too: not even the token call.
    let path = format!("--path={}", lic.env.wp_path());
    let mut cmd = lic.env.cmd();
    cmd.args(["connect", "--user=nobody", "--allow-root", &path])
        .args(super::partner_creds());
    let out = lic.clean(&mut cmd, &[]);
    assert_failure(&out, "invalid_user");
    assert!(lic.env.api.requests().is_empty());
    let out = lic.run(&["connect", "--url=https://a.example"], &[]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("--user=<USER>"), "{}", stderr(&out));
}

#[test]
fn a_blog_id_sent_as_text_is_printed_as_it_came() {
    let lic = Lic::new();
    lic.partner.site_connection_blog_id_as_string(true);
    let out = lic.run(
        &["connect", "--user=7", "--url=https://new.example/blog"],
        &[],
    );
    let blog = lic
        .partner
        .blog_id("https://new.example/blog")
        .unwrap_or_default();
    assert_success(
        &out,
        &json!({"code": "success", "blog_id": blog.to_string()}).to_string(),
    );
    assert_eq!(
        lic.env.api.requests()[0].body,
        br#"{"url":"https://new.example/blog","local_user":"7"}"#
    );
}

/// A batch: each line a site; a site connected on purpose by its owner
/// fails alone, its line carrying the request id.
#[test]
fn a_batch_of_connections() {
    let lic = Lic::new();
    lic.partner.previously_connected("https://gone.example");
    let batch = write_file(
        &lic.env,
        "sites.jsonl",
        "{\"url\":\"https://a.example\",\"user\":\"admin\"}\n{\"url\":\"https://gone.example\",\"user\":\"admin\"}\n",
    );
    let args = [format!("--batch={batch}"), "--jobs=1".to_string()];
    let mut all = vec!["connect"];
    all.extend(strs(&args));
    let out = lic.run(&all, &[]);
    assert_exit(&out, 1);
    let got = lines(&out);
    assert_eq!(got.len(), 2, "{}", stdout(&out));
    assert_eq!(got[0]["site"], json!("https://a.example"));
    assert_eq!(got[0]["success"], json!(true));
    assert_eq!(got[0]["answer"]["code"], json!("success"));
    assert_eq!(got[1]["site"], json!("https://gone.example"));
    assert_eq!(got[1]["error_code"], json!("previously_connected"));
    let gone = lic.env.api.requests_to(CONNECT);
    assert_eq!(gone.len(), 2);
    assert_eq!(
        got[1]["request_id"],
        json!(lic.partner.request_id_of(&gone[1]))
    );
}
