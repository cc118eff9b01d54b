//! PHP tier: the crate's own `wp::FACTS_PHP` (the program behind the single
//! `wp --skip-themes --skip-plugins eval`), and `wp::LICENSES_PHP` (`license
//! set`/`unset`, in [`licenses`]), run against real WordPress sites —
//! Debian's `wordpress` package on MariaDB — through `tests/php/runner.php`,
//! which loads WordPress the way `wp eval` does (WP-CLI itself is not
//! packaged; the runner's header says what it reproduces and what not).
//!
//! Ignored by a plain `cargo test` (the runner lists them as ignored, with
//! how to run them). To run them (as root, on Debian):
//!
//! ```text
//! tests/php/setup.sh
//! JETPACK_PARTNER_PHP_TIER=/tmp/jetpack-partner-php/env cargo test --test integration -- --ignored php_facts
//! ```
//!
//! Run with `--ignored` but without `JETPACK_PARTNER_PHP_TIER`, every test
//! fails and says what is missing: none passes without testing anything.
//!
//! The sites (all from `setup.sh`; users admin = ID 1 <admin@site.test>,
//! editor2 = ID 2 <ed@site.test>):
//! - plain: http://site.test, never connected, stub `jetpack` plugin;
//! - connected: http://site.test, `jetpack_options` id 12345;
//! - split: home http://split.test, siteurl http://split.test/wp, and a
//!   must-use plugin that prints noise (and a decoy marker) while loading;
//! - multi: subdirectory multisite http://multi.test with /shop/, the stub
//!   plugin with the stand-in Jetpack autoloader (below), and
//!   `JETPACK_SHOULD_HANDLE_IDC` (Jetpack's check runs on a network only
//!   with it);
//! - net: subdirectory network http://net.test with 110 subsites (more than
//!   one page of `get_sites`), users on some of them only, archived,
//!   deleted and spam subsites, Jetpack blog ids on some, the stub plugin
//!   activated per site, and a must-use plugin printing noise (also at
//!   every blog switch) — the layout is [`net_sites`];
//! - sub: subdomain network http://sub.test, Jetpack network-active
//!   ([`sub_sites`]);
//! - staging: http://staging.test with `connected`'s blog id 12345 (a copy
//!   of it once a test sets Jetpack's IDC option), the stub plugin with a
//!   stand-in Jetpack autoloader (`vendor/autoload_packages.php`) defining
//!   `Automattic\Jetpack\Identity_Crisis`;
//! - legacy: http://legacy.test, blog id 67890, the old API (a `Jetpack`
//!   class with `validate_sync_error_idc_option()`) from a must-use plugin,
//!   no autoloader.
//!
//! Jetpack's safe-mode check (`JETPACK_WP_SAFE_MODE=1`): the stand-ins
//! (`tests/php/fixtures/idc-standin.php`) decide from the
//! `jetpack_sync_error_idc` option as Jetpack does, fail when a test sets
//! `jp_test_idc_throw`, and record every call in the `jp_test_idc_calls`
//! option of the site it ran on; the safe-mode tests check that record, so
//! they fail if the programs stop asking Jetpack (and compute the answer
//! themselves) or ask it on the wrong site. `plain` and `connected` have no
//! Jetpack code (`safe_mode` null).
//!
//! Most tests hand the constant (`FACTS_PHP`, or `NETWORK_FACTS_PHP` for
//! `--all-sites`) to the runner and check the JSON exactly; the `crate_*`
//! tests go through `Wp::facts` / `Wp::network_facts` itself, with the
//! runner as the `wp` command (`--wp-cli-path='php runner.php'`), and the
//! `binary_*` ones run the jetpack-partner binary against the fake partner
//! API. Tests that change or read `active_plugins` take one lock and put
//! the lists back when they end; tests that set the IDC options take
//! another and clear them when they end.

use crate::testenv::{assert_exit, assert_failure, stderr_json, Reply, TestEnv, SECRET};
use jetpack_partner::error::Error;
use jetpack_partner::wp::parse::parse_marked;
use jetpack_partner::wp::WpSettings;
use jetpack_partner::wp::{Facts, NetworkSite, Want, Wp, FACTS_PHP, NETWORK_FACTS_PHP};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// How to run this tier (the `#[ignore]` reason in [`php_tier!`] says the
/// same).
const HOW: &str = "run tests/php/setup.sh (as root), then JETPACK_PARTNER_PHP_TIER=/tmp/jetpack-partner-php/env cargo test --test integration -- --ignored php_facts";

/// A PHP-tier test: `php_tier! { fn name() { … } }` is a `#[test]` that a
/// plain `cargo test` lists as ignored, with how to run it as the reason
/// (written here once: an `ignore` reason must be a literal).
macro_rules! php_tier {
    ($(#[$meta:meta])* fn $name:ident() $body:block) => {
        #[test]
        #[ignore = "PHP tier: tests/php/setup.sh (root), then JETPACK_PARTNER_PHP_TIER=/tmp/jetpack-partner-php/env cargo test --test integration -- --ignored php_facts"]
        $(#[$meta])*
        fn $name() $body
    };
}

const RUN_LIMIT: Duration = Duration::from_secs(60);
const JETPACK: &str = "jetpack/jetpack.php";
const AKISMET: &str = "akismet/akismet.php";
const SHOP: &str = "http://multi.test/shop";

/// What `setup.sh` wrote in its env file.
struct Tier {
    php: String,
    plain: String,
    connected: String,
    split: String,
    multi: String,
    net: String,
    sub: String,
    staging: String,
    legacy: String,
}

/// The tier; panics, saying how to set it up, when it is not.
fn tier() -> Tier {
    let file = match std::env::var("JETPACK_PARTNER_PHP_TIER") {
        Ok(f) if !f.is_empty() => f,
        _ => panic!(
            "JETPACK_PARTNER_PHP_TIER is not set: the PHP tier needs real WordPress sites; {HOW}"
        ),
    };
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!("JETPACK_PARTNER_PHP_TIER={file}: cannot read it ({e}); run tests/php/setup.sh")
    });
    let vars: HashMap<&str, &str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();
    let get = |k: &str| {
        vars.get(k)
            .map(|v| v.to_string())
            .unwrap_or_else(|| panic!("{file} has no {k}=; re-run tests/php/setup.sh"))
    };
    Tier {
        php: get("PHP"),
        plain: get("SITE_PLAIN"),
        connected: get("SITE_CONNECTED"),
        split: get("SITE_SPLIT"),
        multi: get("SITE_MULTI"),
        net: get("SITE_NET"),
        sub: get("SITE_SUB"),
        staging: get("SITE_STAGING"),
        legacy: get("SITE_LEGACY"),
    }
}

fn runner() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/php/runner.php")
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn assert_clean(&self) {
        assert_eq!(self.code, Some(0), "runner failed: {self:#?}");
        for text in [&self.stdout, &self.stderr] {
            assert!(
                !text.contains("WordPress database error") && !text.contains("Fatal error"),
                "WordPress complained: {self:#?}"
            );
        }
    }
}

/// `php runner.php <site> [url]` evaluating `code`, with a clean
/// environment for the values the code reads and a time limit.
fn run_php(t: &Tier, site: &str, url: Option<&str>, code: &str, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(&t.php);
    cmd.arg(runner()).arg(site);
    if let Some(u) = url {
        cmd.arg(u);
    }
    for k in [
        "JETPACK_WP_USER",
        "JETPACK_WP_ACTIVATE",
        "JETPACK_WP_SAFE_MODE",
        "JETPACK_RUNNER_BARE",
        "JETPACK_TEST_SHUTDOWN_NOISE",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("JETPACK_FACTS_PHP", code)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", t.php));
    let drain = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for php") {
            break s;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("php runner.php {site} ran past {RUN_LIMIT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// FACTS_PHP with the environment the crate sets (`JETPACK_WP_ACTIVATE`
/// and `JETPACK_WP_SAFE_MODE` always, `JETPACK_WP_USER` when a user is
/// asked for; safe mode off unless `extra` turns it on).
fn facts_run(
    t: &Tier,
    site: &str,
    url: Option<&str>,
    user: Option<&str>,
    activate: bool,
    extra: &[(&str, &str)],
) -> (Value, Run) {
    program_run(t, site, url, FACTS_PHP, user, activate, extra)
}

/// `program` (one of the crate's facts programs) with the environment the
/// crate sets, and its marked answer as the crate parses it.
fn program_run(
    t: &Tier,
    site: &str,
    url: Option<&str>,
    program: &str,
    user: Option<&str>,
    activate: bool,
    extra: &[(&str, &str)],
) -> (Value, Run) {
    // `extra` comes last: a later value of a variable wins.
    let mut env = vec![
        ("JETPACK_WP_ACTIVATE", if activate { "1" } else { "0" }),
        ("JETPACK_WP_SAFE_MODE", "0"),
    ];
    if let Some(u) = user {
        env.push(("JETPACK_WP_USER", u));
    }
    env.extend_from_slice(extra);
    let r = run_php(t, site, url, program, &env);
    r.assert_clean();
    let v =
        parse_marked(&r.stdout).unwrap_or_else(|| panic!("parse_marked found no facts: {r:#?}"));
    (v, r)
}

/// The facts, without `licensing_error` and `licensed`: the licensing
/// tests running alongside set and clear them on `plain` (their own test
/// reads them).
fn facts(t: &Tier, site: &str, url: Option<&str>, user: Option<&str>, activate: bool) -> Value {
    let mut v = facts_run(t, site, url, user, activate, &[]).0;
    if let Some(o) = v.as_object_mut() {
        o.remove("licensing_error");
        o.remove("licensed");
    }
    v
}

const GET_PLUGINS_PHP: &str = r#"echo "\nJP_ACTIVE_PLUGINS " . json_encode(array_values((array) get_option('active_plugins'))) . "\n";"#;
const SET_PLUGINS_PHP: &str = r#"update_option('active_plugins', json_decode(getenv('JP_PLUGINS'), true)); echo "\nJP_SET_OK\n";"#;

/// The site's `active_plugins`, read in a separate WordPress run.
fn active_plugins(t: &Tier, site: &str, url: Option<&str>) -> Vec<String> {
    let r = run_php(t, site, url, GET_PLUGINS_PHP, &[]);
    r.assert_clean();
    let line = r
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("JP_ACTIVE_PLUGINS "))
        .unwrap_or_else(|| panic!("no active_plugins in {r:#?}"));
    serde_json::from_str(line).unwrap()
}

fn try_set_active_plugins(
    t: &Tier,
    site: &str,
    url: Option<&str>,
    list: &[&str],
) -> Result<(), Run> {
    let json = serde_json::to_string(list).unwrap();
    let r = run_php(t, site, url, SET_PLUGINS_PHP, &[("JP_PLUGINS", &json)]);
    if r.code == Some(0) && r.stdout.contains("JP_SET_OK") {
        Ok(())
    } else {
        Err(r)
    }
}

fn set_active_plugins(t: &Tier, site: &str, url: Option<&str>, list: &[&str]) {
    if let Err(r) = try_set_active_plugins(t, site, url, list) {
        panic!("could not set active_plugins: {r:#?}");
    }
    assert_eq!(active_plugins(t, site, url), list);
}

/// Serialises the tests that touch `active_plugins`.
static PLUGINS: Mutex<()> = Mutex::new(());

fn plugins_lock() -> MutexGuard<'static, ()> {
    PLUGINS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Puts `active_plugins` back to empty when dropped, pass or fail.
struct NoPluginsAfter<'a> {
    tier: &'a Tier,
    sites: Vec<(String, Option<&'static str>)>,
}

impl Drop for NoPluginsAfter<'_> {
    fn drop(&mut self) {
        for (site, url) in &self.sites {
            if let Err(r) = try_set_active_plugins(self.tier, site, *url, &[]) {
                eprintln!("could not restore active_plugins on {site} {url:?}: {r:#?}");
            }
        }
    }
}

fn site_json(user_id: Option<u64>, siteurl: &str, home: &str, blog_id: u64) -> Value {
    let mut v = json!({"marker": 1, "siteurl": siteurl, "home": home, "blog_id": blog_id});
    if let Some(id) = user_id {
        v["user_id"] = json!(id);
    }
    v
}

/// The crate's own `Wp`, with the runner as its `wp` command.
fn crate_wp(t: &Tier, site: &str, url: Option<&str>) -> Wp {
    let words = vec![t.php.clone(), runner().to_string_lossy().into_owned()];
    Wp::locate(
        &WpSettings {
            program: Some(words),
            path: Some(site.to_string()),
            allow_root: true,
            timeout: RUN_LIMIT,
        },
        url,
    )
    .expect("locate the runner as wp")
}

fn want_all(user: Option<&str>, activate: bool) -> Want<'_> {
    Want {
        user,
        siteurl: true,
        home: true,
        blog_id: true,
        activate,
        safe_mode: false,
    }
}

// ---------------------------------------------------------------- users

php_tier! {
    fn user_by_id() {
        let t = tier();
        let plain = site_json(Some(1), "http://site.test", "http://site.test", 0);
        assert_eq!(facts(&t, &t.plain, None, Some("1"), false), plain);
        assert_eq!(facts(&t, &t.plain, None, Some("2"), false)["user_id"], 2);
    }
}

php_tier! {
    fn user_by_login() {
        let t = tier();
        let plain = site_json(Some(1), "http://site.test", "http://site.test", 0);
        assert_eq!(facts(&t, &t.plain, None, Some("admin"), false), plain);
        assert_eq!(
            facts(&t, &t.plain, None, Some("editor2"), false)["user_id"],
            2
        );
    }
}

php_tier! {
    fn user_by_email() {
        let t = tier();
        let plain = site_json(Some(2), "http://site.test", "http://site.test", 0);
        assert_eq!(
            facts(&t, &t.plain, None, Some("ed@site.test"), false),
            plain
        );
        assert_eq!(
            facts(&t, &t.plain, None, Some("admin@site.test"), false)["user_id"],
            1
        );
    }
}

php_tier! {
    fn no_user_asked_means_no_user_id() {
        let t = tier();
        let plain = site_json(None, "http://site.test", "http://site.test", 0);
        assert_eq!(facts(&t, &t.plain, None, None, false), plain);
    }
}

php_tier! {
    fn missing_user_is_zero_and_activates_nothing() {
        let t = tier();
        let _lock = plugins_lock();
        let _restore = NoPluginsAfter {
            tier: &t,
            sites: vec![(t.plain.clone(), None)],
        };
        set_active_plugins(&t, &t.plain, None, &[]);
        let got = facts(&t, &t.plain, None, Some("nosuchuser"), true);
        // No "activate" key: activation was not even tried.
        let plain = site_json(Some(0), "http://site.test", "http://site.test", 0);
        assert_eq!(got, plain);
        assert_eq!(active_plugins(&t, &t.plain, None), Vec::<String>::new());
    }
}

php_tier! {
    fn hostile_user_values_are_looked_up_as_data() {
        let t = tier();
        let hostile = [
            "x'; DROP TABLE wp_users; --",
            "' OR '1'='1",
            "1' OR '1'='1",
            "' UNION SELECT ID FROM wp_users -- x",
            "$(id)",
            "`id`",
            "\"double\" 'single'",
            "'); echo 'pwned'; //",
            "\\'; exit(0); //",
            "nobody\nadmin",
            "nobody@site.test' OR 1=1 -- ",
        ];
        for value in hostile {
            let (got, run) = facts_run(&t, &t.plain, None, Some(value), false, &[]);
            assert_eq!(got["user_id"], 0, "user {value:?} found someone: {run:#?}");
            assert_eq!(got["siteurl"], "http://site.test", "user {value:?}");
            assert!(!run.stdout.contains("pwned"), "user {value:?} ran as code");
        }
        // Nothing was dropped or changed.
        let r = run_php(
            &t,
            &t.plain,
            None,
            r#"$c = count_users(); echo "\nJP_USERS " . $c['total_users'] . "\n";"#,
            &[],
        );
        r.assert_clean();
        assert!(r.stdout.contains("\nJP_USERS 2\n"), "{r:#?}");
        assert_eq!(
            facts(&t, &t.plain, None, Some("admin"), false)["user_id"],
            1
        );
    }
}

// ---------------------------------------------------------- activation

php_tier! {
    fn activation_on_a_plain_site() {
        let t = tier();
        let _lock = plugins_lock();
        let _restore = NoPluginsAfter {
            tier: &t,
            sites: vec![(t.plain.clone(), None)],
        };
        // Another plugin already active: activating Jetpack must add to the list
        // (eval runs after plugins_loaded, when --skip-plugins no longer hides
        // it), never replace it.
        set_active_plugins(&t, &t.plain, None, &[AKISMET]);
        let got = facts(&t, &t.plain, None, Some("admin"), true);
        let mut want = site_json(Some(1), "http://site.test", "http://site.test", 0);
        want["activate"] = json!("ok");
        assert_eq!(got, want);
        assert_eq!(active_plugins(&t, &t.plain, None), [AKISMET, JETPACK]);

        // Again: already active is fine and changes nothing.
        assert_eq!(facts(&t, &t.plain, None, Some("1"), true)["activate"], "ok");
        assert_eq!(active_plugins(&t, &t.plain, None), [AKISMET, JETPACK]);

        // Without wp-admin/includes/admin.php loaded (the code's own require).
        set_active_plugins(&t, &t.plain, None, &[AKISMET]);
        let (got, _) = facts_run(
            &t,
            &t.plain,
            None,
            Some("ed@site.test"),
            true,
            &[("JETPACK_RUNNER_BARE", "1")],
        );
        assert_eq!(got["activate"], "ok");
        assert_eq!(active_plugins(&t, &t.plain, None), [AKISMET, JETPACK]);
    }
}

php_tier! {
    fn activation_without_the_plugin_is_reported_not_fatal() {
        let t = tier();
        // The connected site has no wp-content/plugins/jetpack.
        let got = facts(&t, &t.connected, None, Some("admin"), true);
        // The wording is the code's or WordPress's; only "not ok" matters.
        let said = got["activate"].as_str().expect("activate is a message");
        assert!(!said.is_empty() && said != "ok", "activate: {said:?}");
        assert_eq!(got["blog_id"], 12345);
        assert_eq!(got["user_id"], 1);
        assert_eq!(active_plugins(&t, &t.connected, None), Vec::<String>::new());
    }
}

php_tier! {
    fn activation_on_a_multisite_subsite_stays_on_that_subsite() {
        let t = tier();
        let _lock = plugins_lock();
        let _restore = NoPluginsAfter {
            tier: &t,
            sites: vec![(t.multi.clone(), None), (t.multi.clone(), Some(SHOP))],
        };
        set_active_plugins(&t, &t.multi, None, &[]);
        set_active_plugins(&t, &t.multi, Some(SHOP), &[]);
        let got = facts(&t, &t.multi, Some(SHOP), Some("admin"), true);
        let mut want = site_json(Some(1), SHOP, SHOP, 0);
        want["activate"] = json!("ok");
        assert_eq!(got, want);
        assert_eq!(active_plugins(&t, &t.multi, Some(SHOP)), [JETPACK]);
        assert_eq!(active_plugins(&t, &t.multi, None), Vec::<String>::new());
    }
}

// ------------------------------------------------------ site URLs, blog id

php_tier! {
    fn blog_id_set_and_unset() {
        let t = tier();
        let connected = site_json(Some(1), "http://site.test", "http://site.test", 12345);
        assert_eq!(facts(&t, &t.connected, None, Some("1"), false), connected);
        let plain = site_json(Some(1), "http://site.test", "http://site.test", 0);
        assert_eq!(facts(&t, &t.plain, None, Some("1"), false), plain);
    }
}

php_tier! {
    /// Jetpack keeps its last license attach error in
    /// `jetpack_options['licensing_error']`; the facts carry it only when
    /// set (a filter stands in for Jetpack having written it).
    fn licensing_error_is_reported_only_when_set() {
        let t = tier();
        let filter = r#"add_filter('option_jetpack_options', function ($o) {
  $o = is_array($o) ? $o : array();
  $o['licensing_error'] = getenv('JP_TEST_LICENSING_ERROR');
  return $o;
});
"#;
        let program = format!("{filter}{FACTS_PHP}");
        let message = "The following Jetpack licenses are invalid, already in use, or revoked: jetpack-scan_4f3a";
        let (v, _) = program_run(&t, &t.connected, None, &program, None, false, &[("JP_TEST_LICENSING_ERROR", message)]);
        assert_eq!(v["licensing_error"], json!(message));
        assert_eq!(v["blog_id"], json!(12345));
        let (v, _) = program_run(&t, &t.connected, None, &program, None, false, &[("JP_TEST_LICENSING_ERROR", "")]);
        assert_eq!(v.get("licensing_error"), None, "{v}");
    }
}

php_tier! {
    fn wordpress_in_its_own_folder() {
        let t = tier();
        let (got, run) = facts_run(&t, &t.split, None, Some("ed@site.test"), false, &[]);
        let split = site_json(Some(2), "http://split.test/wp", "http://split.test", 0);
        assert_eq!(got, split);
        // The must-use plugin's noise and decoy were there, and ignored.
        assert!(run.stdout.contains("decoy.test"), "{run:#?}");
        assert!(
            run.stderr.contains("warning from a must-use plugin"),
            "{run:#?}"
        );
    }
}

php_tier! {
    fn multisite_subsite_by_url() {
        let t = tier();
        let shop = site_json(Some(2), SHOP, SHOP, 0);
        assert_eq!(
            facts(&t, &t.multi, Some(SHOP), Some("ed@site.test"), false),
            shop
        );
        let slash = facts(
            &t,
            &t.multi,
            Some("http://multi.test/shop/"),
            Some("2"),
            false,
        );
        assert_eq!(slash, shop);
    }
}

php_tier! {
    fn multisite_main_site_with_and_without_url() {
        let t = tier();
        let main = site_json(Some(1), "http://multi.test", "http://multi.test", 0);
        assert_eq!(facts(&t, &t.multi, None, Some("admin"), false), main);
        assert_eq!(
            facts(
                &t,
                &t.multi,
                Some("http://multi.test"),
                Some("admin"),
                false
            ),
            main
        );
    }
}

// ------------------------------------- the crate's own Wp::facts, end to end

php_tier! {
    fn crate_facts_end_to_end() {
        let t = tier();
        let plain = crate_wp(&t, &t.plain, None)
            .facts(&want_all(Some("ed@site.test"), false))
            .expect("facts from the plain site");
        // The licensing tests set and clear these on `plain` meanwhile.
        let plain = Facts {
            license_error: None,
            licensed: Vec::new(),
            ..plain
        };
        assert_eq!(
            plain,
            Facts {
                siteurl: Some("http://site.test".into()),
                home: Some("http://site.test".into()),
                blog_id: None,
                safe_mode: None,
                safe_mode_error: None,
                license_error: None,
                licensed: Vec::new(),
            }
        );
        let connected = crate_wp(&t, &t.connected, None)
            .facts(&want_all(None, false))
            .expect("facts from the connected site");
        assert_eq!(connected.blog_id, Some(12345));
        let split = crate_wp(&t, &t.split, None)
            .facts(&want_all(Some("admin"), false))
            .expect("facts from the split site");
        assert_eq!(split.siteurl.as_deref(), Some("http://split.test/wp"));
        assert_eq!(split.home.as_deref(), Some("http://split.test"));
        let shop = crate_wp(&t, &t.multi, Some(SHOP))
            .facts(&want_all(Some("2"), false))
            .expect("facts from the subsite");
        assert_eq!(shop.siteurl.as_deref(), Some(SHOP));
        assert_eq!(shop.home.as_deref(), Some(SHOP));
    }
}

php_tier! {
    fn crate_facts_missing_user_is_invalid_user() {
        let t = tier();
        let err = crate_wp(&t, &t.plain, None)
            .facts(&want_all(Some("nosuchuser"), false))
            .expect_err("no such user");
        assert_eq!(err.error_code(), "invalid_user", "{}", err.message());
        let err = crate_wp(&t, &t.plain, None)
            .facts(&want_all(Some("x'; DROP TABLE wp_users; --"), false))
            .expect_err("no such user");
        assert_eq!(err.error_code(), "invalid_user", "{}", err.message());
    }
}

php_tier! {
    fn crate_facts_activates_jetpack() {
        let t = tier();
        let _lock = plugins_lock();
        let _restore = NoPluginsAfter {
            tier: &t,
            sites: vec![(t.plain.clone(), None)],
        };
        set_active_plugins(&t, &t.plain, None, &[]);
        crate_wp(&t, &t.plain, None)
            .facts(&want_all(Some("admin"), true))
            .expect("facts with activation");
        assert_eq!(active_plugins(&t, &t.plain, None), [JETPACK]);
    }
}

php_tier! {
    fn crate_facts_not_wordpress() {
        let t = tier();
        let empty = std::env::temp_dir();
        let err = crate_wp(&t, empty.to_str().unwrap(), None)
            .facts(&want_all(Some("admin"), false))
            .expect_err("not WordPress");
        assert_eq!(err.error_code(), "wp_not_wordpress", "{}", err.message());
    }
}

// ------------------------------------------------------------ known bugs

php_tier! {
    /// A must-use plugin or drop-in that prints at `shutdown` (after eval) puts
    /// its text on the marker's line, because FACTS_PHP ends without a newline:
    /// `JETPACK_PARTNER_FACTS {...}<!-- ... -->`. parse_marked then rejects the
    /// line and the crate falls back to one `wp` command per value.
    /// Fix: end FACTS_PHP with `json_encode($out) . "\n";` (and/or let
    /// parse_marked read the first JSON value on the line and ignore the rest).
    fn shutdown_noise_after_the_answer() {
        let t = tier();
        let env = [
            ("JETPACK_WP_ACTIVATE", "0"),
            ("JETPACK_WP_SAFE_MODE", "0"),
            ("JETPACK_WP_USER", "admin"),
            ("JETPACK_TEST_SHUTDOWN_NOISE", "1"),
        ];
        let r = run_php(&t, &t.split, None, FACTS_PHP, &env);
        r.assert_clean();
        assert!(r.stdout.contains("shutdown noise"), "{r:#?}");
        let got = parse_marked(&r.stdout).unwrap_or_else(|| panic!("no facts: {r:#?}"));
        let split = site_json(Some(1), "http://split.test/wp", "http://split.test", 0);
        assert_eq!(got, split);
    }
}

// ================================================= networks (--all-sites)
//
// NETWORK_FACTS_PHP, the one `wp eval` behind `--all-sites`, on the `net`
// and `sub` networks. What the tests expect comes from the layouts below,
// written from setup.sh's description (install.php, jp_populate_net and
// jp_populate_sub), never from the program's answers;
// `network_tier_is_as_the_tests_expect` checks that setup built them.

/// One site of a test network, as setup.sh builds it.
#[derive(Debug, Clone)]
struct NetSite {
    blog: u64,
    /// `home_url('/')`.
    url: String,
    siteurl: String,
    home: String,
    /// `id` in `jetpack_options`; 0 for none.
    jetpack_id: u64,
    /// The users with a role on it.
    members: Vec<u64>,
    /// `active_plugins` as built.
    plugins: Vec<&'static str>,
    /// archived, deleted or spam: left out of the answer.
    flag: Option<&'static str>,
}

/// admin (ID 1) is the super admin of both networks.
const SUPER_ADMIN: u64 = 1;
const NET_SUBSITES: u64 = 110;
/// Users on `net` (`users` table): admin, editor2, owner3, loner.
const NET_USERS: u64 = 4;

/// `net`: http://net.test, /s001/../s110/ = blog ids 2..111.
fn net_sites() -> Vec<NetSite> {
    let mut sites = vec![NetSite {
        blog: 1,
        url: "http://net.test/".into(),
        siteurl: "http://net.test".into(),
        home: "http://net.test".into(),
        jetpack_id: 7_000_001,
        // admin and editor2 from the single-site install it started as.
        members: vec![1, 2],
        plugins: vec![],
        flag: None,
    }];
    for n in 1..=NET_SUBSITES {
        let siteurl = format!("http://net.test/s{n:03}");
        let home = if n == 3 {
            "https://net.test/s003".to_string()
        } else {
            siteurl.clone()
        };
        // owner3 created them all; editor2 is an author on every fourth,
        // and on s007 (archived) and s011 (deleted).
        let members = if n % 4 == 0 || n == 7 || n == 11 {
            vec![2, 3]
        } else {
            vec![3]
        };
        sites.push(NetSite {
            blog: n + 1,
            url: format!("{home}/"),
            siteurl,
            home,
            jetpack_id: if n % 6 == 0 { 900_000 + n } else { 0 },
            members,
            plugins: match n {
                16 => vec![JETPACK],
                17 => vec![AKISMET],
                _ => vec![],
            },
            flag: match n {
                7 | 30 => Some("archived"),
                11 | 41 => Some("deleted"),
                19 | 52 => Some("spam"),
                _ => None,
            },
        });
    }
    sites
}

/// `sub`: http://sub.test with a., b. and c.sub.test (c archived); Jetpack
/// network-active, in no site's `active_plugins`.
fn sub_sites() -> Vec<NetSite> {
    let site = |blog, host: &str, jetpack_id, members: Vec<u64>, flag| NetSite {
        blog,
        url: format!("http://{host}/"),
        siteurl: format!("http://{host}"),
        home: format!("http://{host}"),
        jetpack_id,
        members,
        plugins: vec![],
        flag,
    };
    vec![
        site(1, "sub.test", 0, vec![1, 2], None),
        site(2, "a.sub.test", 0, vec![1], None),
        site(3, "b.sub.test", 777, vec![1, 2], None),
        site(4, "c.sub.test", 0, vec![1], Some("archived")),
    ]
}

/// Who JETPACK_WP_USER names.
#[derive(Debug, Clone, Copy)]
enum Asked {
    /// No user asked for (no `user_id` in the answer).
    Nobody,
    /// This existing user.
    User(u64),
    /// A value that is no user.
    NoSuchUser,
}

impl NetSite {
    /// The `user_id` the program should report here.
    fn user_id(&self, asked: Asked) -> Option<u64> {
        match asked {
            Asked::Nobody => None,
            Asked::NoSuchUser => Some(0),
            Asked::User(id) if id == SUPER_ADMIN || self.members.contains(&id) => Some(id),
            Asked::User(_) => Some(0),
        }
    }

    /// Whether the program activates Jetpack here (listed, and the user,
    /// if one was asked for, is on it).
    fn activated(&self, asked: Asked, activate: bool) -> bool {
        activate && self.flag.is_none() && self.user_id(asked) != Some(0)
    }

    fn path(&self) -> &str {
        let rest = self.url.split_once("://").map_or("", |(_, r)| r);
        rest.find('/').map_or("/", |i| &rest[i..])
    }
}

fn listed(sites: &[NetSite]) -> Vec<&NetSite> {
    sites.iter().filter(|s| s.flag.is_none()).collect()
}

fn site_by_path<'a>(sites: &'a [NetSite], path: &str) -> &'a NetSite {
    sites
        .iter()
        .find(|s| s.path() == path)
        .unwrap_or_else(|| panic!("no site {path} in the layout"))
}

/// NETWORK_FACTS_PHP's whole answer for a network.
fn network_json(sites: &[NetSite], asked: Asked, activate: bool) -> Value {
    let list: Vec<Value> = listed(sites)
        .into_iter()
        .map(|s| {
            let mut v = json!({
                "url": s.url,
                "siteurl": s.siteurl,
                "home": s.home,
                "blog_id": s.jetpack_id,
            });
            if let Some(id) = s.user_id(asked) {
                v["user_id"] = json!(id);
            }
            if s.activated(asked, activate) {
                v["activate"] = json!("ok");
            }
            v
        })
        .collect();
    json!({"marker": 1, "multisite": true, "sites": list})
}

/// `active_plugins` per blog id after a run (`network_active`: the program
/// only reports "ok" there, activating nothing).
fn plugins_after(
    sites: &[NetSite],
    asked: Asked,
    activate: bool,
    network_active: bool,
) -> BTreeMap<u64, Vec<String>> {
    sites
        .iter()
        .map(|s| {
            let mut p: Vec<String> = s.plugins.iter().map(|p| p.to_string()).collect();
            if !network_active && s.activated(asked, activate) && !p.iter().any(|x| x == JETPACK) {
                // activate_plugin() keeps the list sorted.
                p.push(JETPACK.to_string());
                p.sort();
            }
            (s.blog, p)
        })
        .collect()
}

fn network(t: &Tier, site: &str, user: Option<&str>, activate: bool) -> (Value, Run) {
    program_run(t, site, None, NETWORK_FACTS_PHP, user, activate, &[])
}

/// Every site of the network (flagged ones too) as the database has it,
/// read by WordPress in a separate run: flags, `active_plugins`, the
/// network-active plugins, who is a member of what, how many users.
const NETWORK_STATE_PHP: &str = r#"global $wpdb;
$r = array('users' => (int) $wpdb->get_var("SELECT COUNT(*) FROM $wpdb->users"),
  'sitewide' => array_keys((array) get_site_option('active_sitewide_plugins', array())),
  'blogs' => array(), 'members' => array());
foreach (get_sites(array('number' => 0)) as $s) {
  $r['blogs'][] = array('id' => (int) $s->blog_id, 'at' => $s->domain . $s->path,
    'archived' => (int) $s->archived, 'deleted' => (int) $s->deleted, 'spam' => (int) $s->spam,
    'mature' => (int) $s->mature, 'public' => (int) $s->public,
    'plugins' => array_values((array) get_blog_option($s->blog_id, 'active_plugins', array())));
}
foreach (get_users(array('blog_id' => 0, 'fields' => 'ID')) as $id) {
  $r['members'][] = array('id' => (int) $id, 'blogs' => array_map('intval', array_keys(get_blogs_of_user($id, true))));
}
echo "\nJP_NETWORK_STATE " . json_encode($r) . "\n";"#;

/// Sets `active_sitewide_plugins` and every site's `active_plugins` from
/// JP_PLUGINS (`{"sitewide":{…},"sites":{"<blog id>":[…]}}`, [] for a site
/// not named).
const SET_NETWORK_PLUGINS_PHP: &str = r#"$want = json_decode(getenv('JP_PLUGINS'), true);
update_site_option('active_sitewide_plugins', $want['sitewide']);
foreach (get_sites(array('number' => 0)) as $s) {
  $id = (string) $s->blog_id;
  update_blog_option($s->blog_id, 'active_plugins', isset($want['sites'][$id]) ? $want['sites'][$id] : array());
}
echo "\nJP_SET_OK\n";"#;

#[derive(Debug)]
struct NetState {
    users: u64,
    sitewide: Vec<String>,
    /// blog id → the blog's row and `active_plugins`.
    blogs: BTreeMap<u64, Value>,
    /// user id → the blogs the user is a member of.
    members: BTreeMap<u64, BTreeSet<u64>>,
}

impl NetState {
    fn plugins(&self) -> BTreeMap<u64, Vec<String>> {
        self.blogs
            .iter()
            .map(|(id, b)| (*id, serde_json::from_value(b["plugins"].clone()).unwrap()))
            .collect()
    }
}

fn network_state(t: &Tier, site: &str) -> NetState {
    let r = run_php(t, site, None, NETWORK_STATE_PHP, &[]);
    r.assert_clean();
    let line = r
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("JP_NETWORK_STATE "))
        .unwrap_or_else(|| panic!("no network state in {r:#?}"));
    let v: Value = serde_json::from_str(line).unwrap();
    let id = |v: &Value| v["id"].as_u64().unwrap();
    NetState {
        users: v["users"].as_u64().unwrap(),
        sitewide: serde_json::from_value(v["sitewide"].clone()).unwrap(),
        blogs: v["blogs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (id(b), b.clone()))
            .collect(),
        members: v["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (id(m), serde_json::from_value(m["blogs"].clone()).unwrap()))
            .collect(),
    }
}

fn try_set_network_plugins(t: &Tier, site: &str, want: &Value) -> Result<(), Run> {
    let json = want.to_string();
    let r = run_php(
        t,
        site,
        None,
        SET_NETWORK_PLUGINS_PHP,
        &[("JP_PLUGINS", &json)],
    );
    if r.code == Some(0) && r.stdout.contains("\nJP_SET_OK\n") {
        Ok(())
    } else {
        Err(r)
    }
}

/// The plugins of a network as setup.sh built them.
fn built_plugins(sites: &[NetSite], network_active: bool) -> Value {
    let per_site: serde_json::Map<String, Value> = sites
        .iter()
        .filter(|s| !s.plugins.is_empty())
        .map(|s| (s.blog.to_string(), json!(s.plugins)))
        .collect();
    let sitewide = if network_active {
        json!({ JETPACK: 1_700_000_000 })
    } else {
        json!({})
    };
    json!({"sitewide": sitewide, "sites": per_site})
}

/// Puts a network's plugins back as setup.sh built them, now and when
/// dropped (pass or fail). Hold [`plugins_lock`] while it lives.
struct BuiltPlugins<'a> {
    tier: &'a Tier,
    site: String,
    want: Value,
}

impl<'a> BuiltPlugins<'a> {
    fn new(tier: &'a Tier, site: &str, sites: &[NetSite], network_active: bool) -> Self {
        let want = built_plugins(sites, network_active);
        if let Err(r) = try_set_network_plugins(tier, site, &want) {
            panic!("could not reset the plugins of {site}: {r:#?}");
        }
        BuiltPlugins {
            tier,
            site: site.to_string(),
            want,
        }
    }
}

impl Drop for BuiltPlugins<'_> {
    fn drop(&mut self) {
        if let Err(r) = try_set_network_plugins(self.tier, &self.site, &self.want) {
            eprintln!("could not restore the plugins of {}: {r:#?}", self.site);
        }
    }
}

/// The answer's sites by URL.
fn answer_sites(v: &Value) -> BTreeMap<String, Value> {
    v["sites"]
        .as_array()
        .unwrap_or_else(|| panic!("no sites in {v}"))
        .iter()
        .map(|s| (s["url"].as_str().unwrap().to_string(), s.clone()))
        .collect()
}

php_tier! {
    fn network_tier_is_as_the_tests_expect() {
        let t = tier();
        let _lock = plugins_lock();
        for (site, layout, network_active, users) in [
            (&t.net, net_sites(), false, NET_USERS),
            (&t.sub, sub_sites(), true, 2),
        ] {
            let state = network_state(&t, site);
            assert_eq!(state.users, users, "{site}");
            assert_eq!(
                state.blogs.keys().copied().collect::<Vec<_>>(),
                layout.iter().map(|s| s.blog).collect::<Vec<_>>(),
                "{site}: blog ids"
            );
            for s in &layout {
                let b = &state.blogs[&s.blog];
                let host_path = s.siteurl.split_once("://").unwrap().1.to_string() + "/";
                assert_eq!(b["at"], json!(host_path), "{site}: blog {}", s.blog);
                for flag in ["archived", "deleted", "spam"] {
                    let want = u64::from(s.flag == Some(flag));
                    assert_eq!(b[flag], json!(want), "{site}: {} {flag}", s.url);
                }
                let who: BTreeSet<u64> = state
                    .members
                    .iter()
                    .filter(|(_, blogs)| blogs.contains(&s.blog))
                    .map(|(id, _)| *id)
                    .collect();
                let members: BTreeSet<u64> = s.members.iter().copied().collect();
                assert_eq!(who, members, "{site}: members of {}", s.url);
            }
            assert_eq!(
                state.plugins(),
                plugins_after(&layout, Asked::Nobody, false, network_active),
                "{site}: active_plugins (re-run tests/php/setup.sh if a test left them changed)"
            );
            let sitewide: Vec<String> = if network_active {
                vec![JETPACK.into()]
            } else {
                vec![]
            };
            assert_eq!(state.sitewide, sitewide, "{site}");
        }
        // net: the super admin is a member of the main site only; s023 is
        // listed although mature and not public.
        let state = network_state(&t, &t.net);
        assert_eq!(state.members[&SUPER_ADMIN], BTreeSet::from([1]));
        assert_eq!(state.members[&4], BTreeSet::new(), "loner is on no site");
        let s023 = &state.blogs[&24];
        assert_eq!((&s023["mature"], &s023["public"]), (&json!(1), &json!(0)));
    }
}

php_tier! {
    fn network_every_site_exactly() {
        let t = tier();
        let net = net_sites();
        let (got, _) = network(&t, &t.net, None, false);
        assert_eq!(got, network_json(&net, Asked::Nobody, false));
        // More than one page of get_sites() (100 by default): all of them.
        assert_eq!(got["sites"].as_array().unwrap().len(), 105);
        let sub = sub_sites();
        let (got, _) = network(&t, &t.sub, None, false);
        assert_eq!(got, network_json(&sub, Asked::Nobody, false));
        assert_eq!(
            answer_sites(&got).keys().collect::<Vec<_>>(),
            [
                "http://a.sub.test/",
                "http://b.sub.test/",
                "http://sub.test/"
            ]
        );
    }
}

php_tier! {
    fn network_user_by_id_login_or_email_member_of_some_sites() {
        let t = tier();
        let net = net_sites();
        let want = network_json(&net, Asked::User(2), false);
        for user in ["2", "editor2", "ed@site.test"] {
            let (got, _) = network(&t, &t.net, Some(user), false);
            assert_eq!(got, want, "user {user:?}");
        }
        let (got, _) = network(&t, &t.net, Some("editor2"), false);
        let by_url = answer_sites(&got);
        for (url, id) in [
            ("http://net.test/", 2),
            ("http://net.test/s004/", 2),
            ("http://net.test/s108/", 2),
            ("http://net.test/s005/", 0),
            ("https://net.test/s003/", 0),
            ("http://net.test/s110/", 0),
        ] {
            assert_eq!(by_url[url]["user_id"], id, "{url}");
        }
        let members = by_url.values().filter(|s| s["user_id"] == 2).count();
        // main + s004..s108 by fours (27) less s052 (spam).
        assert_eq!(members, 27);

        let sub = sub_sites();
        let (got, _) = network(&t, &t.sub, Some("ed@site.test"), false);
        assert_eq!(got, network_json(&sub, Asked::User(2), false));
        assert_eq!(answer_sites(&got)["http://a.sub.test/"]["user_id"], 0);
    }
}

php_tier! {
    fn network_super_admin_counts_on_every_site() {
        let t = tier();
        let net = net_sites();
        // A member of the main site only (network_tier_is_as_the_tests_expect),
        // yet the super admin is the user of every site.
        let want = network_json(&net, Asked::User(1), false);
        for user in ["1", "admin", "admin@site.test"] {
            let (got, _) = network(&t, &t.net, Some(user), false);
            assert_eq!(got, want, "user {user:?}");
            assert!(
                got["sites"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|s| s["user_id"] == 1),
                "{got}"
            );
        }
    }
}

php_tier! {
    fn network_user_of_the_subsites_only_and_user_of_none() {
        let t = tier();
        let net = net_sites();
        let owner = network_json(&net, Asked::User(3), false);
        for user in ["3", "owner3", "owner@net.test"] {
            let (got, _) = network(&t, &t.net, Some(user), false);
            assert_eq!(got, owner, "user {user:?}");
            assert_eq!(answer_sites(&got)["http://net.test/"]["user_id"], 0);
            assert_eq!(answer_sites(&got)["http://net.test/s001/"]["user_id"], 3);
        }
        // loner exists but is a member of no site: 0 everywhere, as for a
        // missing user.
        let loner = network_json(&net, Asked::User(4), false);
        assert_eq!(loner, network_json(&net, Asked::NoSuchUser, false));
        for user in ["4", "loner", "loner@net.test"] {
            let (got, _) = network(&t, &t.net, Some(user), false);
            assert_eq!(got, loner, "user {user:?}");
        }
    }
}

php_tier! {
    fn network_missing_user_is_zero_everywhere_and_activates_nothing() {
        let t = tier();
        let net = net_sites();
        let _lock = plugins_lock();
        let _restore = BuiltPlugins::new(&t, &t.net, &net, false);
        for user in ["nosuchuser", "nobody@net.test", "999", "0"] {
            let (got, _) = network(&t, &t.net, Some(user), true);
            // No "activate" anywhere: activation was not even tried.
            assert_eq!(
                got,
                network_json(&net, Asked::NoSuchUser, true),
                "user {user:?}"
            );
        }
        assert_eq!(
            network_state(&t, &t.net).plugins(),
            plugins_after(&net, Asked::NoSuchUser, true, false)
        );
        assert_eq!(
            plugins_after(&net, Asked::NoSuchUser, true, false),
            plugins_after(&net, Asked::Nobody, false, false)
        );
    }
}

php_tier! {
    fn network_leaves_out_archived_deleted_and_spam_sites() {
        let t = tier();
        let (got, _) = network(&t, &t.net, Some("editor2"), false);
        let urls = answer_sites(&got);
        // editor2 is a member of s007 and s011: membership does not bring them
        // back.
        for (path, flag) in [
            ("s007", "archived"),
            ("s030", "archived"),
            ("s011", "deleted"),
            ("s041", "deleted"),
            ("s019", "spam"),
            ("s052", "spam"),
        ] {
            let url = format!("http://net.test/{path}/");
            assert!(!urls.contains_key(&url), "{flag} {url} is listed");
            assert_eq!(
                site_by_path(&net_sites(), &format!("/{path}/")).flag,
                Some(flag)
            );
        }
        // Mature and not public is still a site.
        assert!(urls.contains_key("http://net.test/s023/"));
        assert_eq!(urls.len(), 1 + 110 - 6);
        // The database has them, flagged.
        let state = network_state(&t, &t.net);
        assert_eq!(state.blogs.len(), 111);
        for (blog, flag) in [(8, "archived"), (12, "deleted"), (20, "spam")] {
            assert_eq!(state.blogs[&blog][flag], 1, "blog {blog}");
        }
        let (got, _) = network(&t, &t.sub, None, false);
        assert!(!answer_sites(&got).contains_key("http://c.sub.test/"));
        assert_eq!(network_state(&t, &t.sub).blogs[&4]["archived"], 1);
    }
}

php_tier! {
    fn network_jetpack_blog_ids_per_site() {
        let t = tier();
        let (got, _) = network(&t, &t.net, None, false);
        let ids: BTreeMap<String, u64> = answer_sites(&got)
            .into_iter()
            .map(|(url, s)| (url, s["blog_id"].as_u64().unwrap()))
            .filter(|(_, id)| *id > 0)
            .collect();
        let mut want = BTreeMap::from([("http://net.test/".to_string(), 7_000_001)]);
        for n in (6..=110).step_by(6) {
            if n != 30 {
                // s030 is archived.
                want.insert(format!("http://net.test/s{n:03}/"), 900_000 + n);
            }
        }
        assert_eq!(ids, want);
        // jetpack_options without an id, and one that is not even an array.
        let sites = answer_sites(&got);
        assert_eq!(sites["http://net.test/s009/"]["blog_id"], 0);
        assert_eq!(sites["http://net.test/s013/"]["blog_id"], 0);
        let (got, _) = network(&t, &t.sub, None, false);
        assert_eq!(answer_sites(&got)["http://b.sub.test/"]["blog_id"], 777);
    }
}

php_tier! {
    fn network_activation_per_site() {
        let t = tier();
        let net = net_sites();
        let _lock = plugins_lock();
        let _restore = BuiltPlugins::new(&t, &t.net, &net, false);

        // editor2: only where editor2 is a member (and listed: not on s007 or
        // s011). s017 had akismet: jetpack is added, not put in its place;
        // s016 had jetpack already.
        let (got, _) = network(&t, &t.net, Some("editor2"), true);
        assert_eq!(got, network_json(&net, Asked::User(2), true));
        let state = network_state(&t, &t.net);
        let plugins = state.plugins();
        assert_eq!(plugins, plugins_after(&net, Asked::User(2), true, false));
        assert_eq!(plugins[&1], [JETPACK]);
        assert_eq!(plugins[&5], [JETPACK], "s004");
        assert_eq!(plugins[&6], Vec::<String>::new(), "s005");
        assert_eq!(plugins[&8], Vec::<String>::new(), "s007 (archived)");
        assert_eq!(plugins[&12], Vec::<String>::new(), "s011 (deleted)");
        assert_eq!(plugins[&17], [JETPACK], "s016");
        assert_eq!(plugins[&18], [AKISMET], "s017, editor2 is no member");
        assert_eq!(state.sitewide, Vec::<String>::new(), "not network-wide");

        // No user asked for: every listed site.
        let (got, _) = network(&t, &t.net, None, true);
        assert_eq!(got, network_json(&net, Asked::Nobody, true));
        let all = plugins_after(&net, Asked::Nobody, true, false);
        assert_eq!(network_state(&t, &t.net).plugins(), all);
        assert_eq!(all[&18], [AKISMET, JETPACK], "s017");
        assert_eq!(all[&20], Vec::<String>::new(), "s019 (spam)");

        // Again: "ok" everywhere, nothing changes.
        let (got, _) = network(&t, &t.net, Some("admin"), true);
        assert_eq!(got, network_json(&net, Asked::User(1), true));
        assert_eq!(network_state(&t, &t.net).plugins(), all);
    }
}

php_tier! {
    fn network_active_jetpack_is_ok_without_activating_per_site() {
        let t = tier();
        let sub = sub_sites();
        let _lock = plugins_lock();
        let _restore = BuiltPlugins::new(&t, &t.sub, &sub, true);
        let (got, _) = network(&t, &t.sub, Some("admin"), true);
        assert_eq!(got, network_json(&sub, Asked::User(1), true));
        let (got, _) = network(&t, &t.sub, Some("editor2"), true);
        assert_eq!(got, network_json(&sub, Asked::User(2), true));
        assert!(answer_sites(&got)["http://a.sub.test/"]
            .get("activate")
            .is_none());
        // Nothing was activated per site; the network-wide list is as it was.
        let state = network_state(&t, &t.sub);
        assert_eq!(
            state.plugins(),
            plugins_after(&sub, Asked::Nobody, true, true)
        );
        assert!(state.plugins().values().all(Vec::is_empty));
        assert_eq!(state.sitewide, [JETPACK]);
    }
}

php_tier! {
    fn network_program_on_a_single_site_says_not_multisite() {
        let t = tier();
        let _lock = plugins_lock();
        let _restore = NoPluginsAfter {
            tier: &t,
            sites: vec![(t.plain.clone(), None)],
        };
        set_active_plugins(&t, &t.plain, None, &[]);
        let none = json!({"marker": 1, "multisite": false, "sites": []});
        for site in [&t.plain, &t.connected] {
            assert_eq!(network(&t, site, Some("admin"), true).0, none, "{site}");
            assert_eq!(network(&t, site, None, false).0, none, "{site}");
        }
        // Nothing activated on the single site.
        assert_eq!(active_plugins(&t, &t.plain, None), Vec::<String>::new());
    }
}

php_tier! {
    fn network_hostile_user_values_are_looked_up_as_data() {
        let t = tier();
        let net = net_sites();
        let nobody = network_json(&net, Asked::NoSuchUser, false);
        let hostile = [
            "x'; DROP TABLE wp_users; --",
            "' OR '1'='1",
            "2' OR '1'='1",
            "' UNION SELECT ID FROM wp_users -- x",
            "$(id)",
            "`id`",
            "\"double\" 'single'",
            "'); echo 'pwned'; //",
            "\\'; exit(0); //",
            "{${print('pwned')}}",
            "${u}",
            "editor2\nadmin",
            "ed@site.test' OR 1=1 -- ",
        ];
        for value in hostile {
            let (got, run) = network(&t, &t.net, Some(value), false);
            assert_eq!(got, nobody, "user {value:?} found someone: {run:#?}");
            assert!(!run.stdout.contains("pwned"), "user {value:?} ran as code");
        }
        // Nothing was dropped or changed.
        assert_eq!(network_state(&t, &t.net).users, NET_USERS);
        let (got, _) = network(&t, &t.net, Some("editor2"), false);
        assert_eq!(got, network_json(&net, Asked::User(2), false));
    }
}

php_tier! {
    fn network_noise_before_between_and_after_the_sites() {
        let t = tier();
        let (got, run) = program_run(
            &t,
            &t.net,
            None,
            NETWORK_FACTS_PHP,
            Some("owner3"),
            false,
            &[("JETPACK_TEST_SHUTDOWN_NOISE", "1")],
        );
        assert_eq!(got, network_json(&net_sites(), Asked::User(3), false));
        // The must-use plugin's noise was all there: a decoy answer while
        // WordPress loaded, a comment at each blog switch, a line at shutdown.
        assert!(run.stdout.contains("decoy.test"), "{run:#?}");
        assert!(run.stdout.contains("<!-- switch_blog 111 -->"), "{run:#?}");
        assert!(
            run.stdout
                .trim_end()
                .ends_with("page generated in 0.01 s -->"),
            "{run:#?}"
        );
        assert!(
            run.stderr
                .contains("warning from a network must-use plugin"),
            "{run:#?}"
        );
    }
}

/// What `Wp::network_facts` should return for a network.
fn network_sites_want(sites: &[NetSite], asked: Asked) -> Vec<NetworkSite> {
    listed(sites)
        .into_iter()
        .map(|s| NetworkSite {
            url: s.url.clone(),
            facts: Facts {
                siteurl: Some(s.siteurl.clone()),
                home: Some(s.home.clone()),
                blog_id: (s.jetpack_id > 0).then_some(s.jetpack_id),
                safe_mode: None,
                safe_mode_error: None,
                license_error: None,
                licensed: Vec::new(),
            },
            user_ok: s.user_id(asked).map(|id| id > 0),
        })
        .collect()
}

fn want_network(user: Option<&str>, activate: bool) -> Want<'_> {
    // As batch.rs asks it (--all-sites).
    Want {
        user,
        activate,
        ..Want::default()
    }
}

php_tier! {
    fn crate_network_facts_end_to_end() {
        let t = tier();
        let net = net_sites();
        let wp = crate_wp(&t, &t.net, None);
        for (user, asked) in [
            (Some("ed@site.test"), Asked::User(2)),
            (Some("admin"), Asked::User(1)),
            (Some("3"), Asked::User(3)),
            (Some("nosuchuser"), Asked::NoSuchUser),
            (None, Asked::Nobody),
        ] {
            let got = wp
                .network_facts(&want_network(user, false))
                .unwrap_or_else(|e| panic!("network facts, user {user:?}: {}", e.message()))
                .unwrap_or_else(|| panic!("no network facts (fell back), user {user:?}"));
            assert_eq!(got, network_sites_want(&net, asked), "user {user:?}");
        }
        let sub = crate_wp(&t, &t.sub, None)
            .network_facts(&want_network(Some("editor2"), false))
            .expect("network facts of sub")
            .expect("network facts of sub, no fallback");
        assert_eq!(sub, network_sites_want(&sub_sites(), Asked::User(2)));
        // A single site is no network.
        let err = crate_wp(&t, &t.plain, None)
            .network_facts(&want_network(Some("admin"), false))
            .expect_err("not a network");
        assert!(matches!(err, Error::WpNoSites), "{err:?}");
        assert_eq!(err.error_code(), "wp_failed");
    }
}

php_tier! {
    fn crate_network_facts_activates_jetpack_where_the_user_is() {
        let t = tier();
        let net = net_sites();
        let _lock = plugins_lock();
        let _restore = BuiltPlugins::new(&t, &t.net, &net, false);
        // owner3: every listed subsite, not the main site.
        let got = crate_wp(&t, &t.net, None)
            .network_facts(&want_network(Some("owner@net.test"), true))
            .expect("network facts")
            .expect("network facts, no fallback");
        assert_eq!(got, network_sites_want(&net, Asked::User(3)));
        let plugins = network_state(&t, &t.net).plugins();
        assert_eq!(plugins, plugins_after(&net, Asked::User(3), true, false));
        assert_eq!(plugins[&1], Vec::<String>::new(), "main site");
        assert_eq!(plugins[&2], [JETPACK], "s001");
    }
}

/// The jetpack-partner binary with the runner as its `wp`, through a
/// wrapper that counts the WordPress bootstraps.
fn counted_wp(env: &TestEnv, t: &Tier) -> (String, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let log = env.root().join("wp-calls.log");
    let script = env.root().join("wp-runner.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho call >>'{}'\nexec '{}' '{}' \"$@\"\n",
            log.display(),
            t.php,
            runner().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (format!("--wp-cli-path={}", script.display()), log)
}

fn bootstraps(log: &PathBuf) -> usize {
    std::fs::read_to_string(log)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

fn result_lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

php_tier! {
    fn binary_provision_and_cancel_all_sites_of_a_real_network() {
        let t = tier();
        let net = net_sites();
        let _lock = plugins_lock();
        let _restore = BuiltPlugins::new(&t, &t.net, &net, false);
        let env = TestEnv::new();
        env.api.reply(
            "POST",
            "/oauth2/token",
            Reply::json(200, r#"{"access_token":"tok-php-net"}"#),
        );
        env.api.set_fallback(|r| {
            if r.path == "/rest/v1.3/jpphp/provision" {
                let url = r.form_value("siteurl").unwrap_or("");
                Reply::json(
                    200,
                    &format!(r#"{{"success":true,"next_url":"{url}/next","auth_required":false}}"#),
                )
            } else {
                Reply::json(200, r#"{"success":true}"#)
            }
        });
        let (wp_cli_path, log) = counted_wp(&env, &t);
        let path = format!("--path={}", t.net);
        let out = env
            .cmd()
            .args([
                "provision",
                "-c=1",
                &format!("-s={SECRET}"),
                "--user=editor2",
                "--plan=premium",
                "--allow-root",
                &path,
                &wp_cli_path,
                "--all-sites",
                "--jobs=4",
            ])
            .output()
            .expect("run");
        // Some sites are not editor2's: those fail, the run exits 1.
        assert_exit(&out, 1);
        assert_eq!(
            bootstraps(&log),
            1,
            "one WordPress bootstrap for the network"
        );
        let lines = result_lines(&out);
        let by_site: BTreeMap<String, &Value> = lines
            .iter()
            .map(|v| (v["site"].as_str().unwrap().to_string(), v))
            .collect();
        assert_eq!(by_site.len(), lines.len(), "a site twice");
        let listed_urls: BTreeSet<String> = listed(&net).iter().map(|s| s.url.clone()).collect();
        assert_eq!(
            by_site.keys().cloned().collect::<BTreeSet<_>>(),
            listed_urls
        );
        let mut members = BTreeSet::new();
        for s in listed(&net) {
            let line = by_site[&s.url];
            if s.user_id(Asked::User(2)) == Some(2) {
                assert_eq!(line["success"], true, "{line}");
                members.insert(s.siteurl.clone());
            } else {
                assert_eq!(line["error_code"], "invalid_user", "{line}");
            }
        }
        let sent: BTreeSet<String> = env
            .api
            .requests_to("/rest/v1.3/jpphp/provision")
            .iter()
            .filter_map(|r| r.form_value("siteurl").map(String::from))
            .collect();
        assert_eq!(sent, members);
        // Jetpack activated on editor2's sites, in the same bootstrap.
        assert_eq!(
            network_state(&t, &t.net).plugins(),
            plugins_after(&net, Asked::User(2), true, false)
        );

        // cancel --all-sites: every listed site, named by its Jetpack blog id
        // or by its home URL; no user, nothing activated.
        let out = env
            .cmd()
            .args([
                "cancel",
                "-c=1",
                &format!("-s={SECRET}"),
                "--allow-root",
                &path,
                &wp_cli_path,
                "--all-sites",
                "--jobs=4",
            ])
            .output()
            .expect("run");
        assert_exit(&out, 0);
        assert_eq!(bootstraps(&log), 2, "one more bootstrap for the cancel");
        assert_eq!(result_lines(&out).len(), 105);
        let paths: BTreeSet<String> = env
            .api
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/partner-cancel"))
            .map(|r| r.path.clone())
            .collect();
        let want: BTreeSet<String> = listed(&net)
            .iter()
            .map(|s| {
                let id = if s.jetpack_id > 0 {
                    s.jetpack_id.to_string()
                } else {
                    format!("net.test::{}", s.path().trim_matches('/'))
                };
                format!("/rest/v1.3/jpphp/{id}/partner-cancel")
            })
            .collect();
        assert_eq!(paths, want);
        assert_eq!(
            network_state(&t, &t.net).plugins(),
            plugins_after(&net, Asked::User(2), true, false)
        );
    }
}

// ========================================== Jetpack's safe-mode check (IDC)
//
// With JETPACK_WP_SAFE_MODE=1 the facts programs run Jetpack's own
// identity-crisis check (SPEC §9a). The tier's stand-ins (setup.sh,
// tests/php/fixtures/idc-standin.php): `staging` has
// Automattic\Jetpack\Identity_Crisis from a stand-in Jetpack autoloader,
// `legacy` the old Jetpack class from a must-use plugin, the `multi`
// network the autoloader (and JETPACK_SHOULD_HANDLE_IDC); `plain` and
// `connected` have no Jetpack code. The stand-ins decide from the
// `jetpack_sync_error_idc` option as Jetpack does and record every call in
// the `jp_test_idc_calls` option of the site it ran on. Every test below
// checks that record: none passes if the program stopped asking Jetpack
// (say, read the option itself), or asked it on the wrong site.

const STAGING: &str = "http://staging.test";
const LEGACY: &str = "http://legacy.test";
const MULTI: &str = "http://multi.test";

/// A site's safe-mode state, read by WordPress in a separate run: the
/// stand-in's call record, Jetpack's IDC option, and the option Jetpack
/// sets when WordPress.com already has the site's URLs (a moved site).
const IDC_STATE_PHP: &str = r#"echo "\nJP_IDC_STATE " . json_encode(array(
  'calls' => get_option('jp_test_idc_calls', array()),
  'sync_error' => get_option('jetpack_sync_error_idc', null),
  'migrate' => get_option('jetpack_migrate_for_idc', null))) . "\n";"#;

/// Sets (or deletes, for null) Jetpack's IDC option and the stand-in's
/// `jp_test_idc_throw` from JP_IDC (`{"sync_error":…,"throw":…}`), and
/// clears the call record and `jetpack_migrate_for_idc`.
const SET_IDC_PHP: &str = r#"$want = json_decode(getenv('JP_IDC'), true);
delete_option('jp_test_idc_calls');
delete_option('jetpack_migrate_for_idc');
foreach (array('sync_error' => 'jetpack_sync_error_idc', 'throw' => 'jp_test_idc_throw') as $k => $name) {
  if ($want[$k] === null) { delete_option($name); } else { update_option($name, $want[$k]); }
}
echo "\nJP_SET_OK\n";"#;

/// `jetpack_sync_error_idc` as Jetpack (connection 2.9 and later) stores it
/// when WordPress.com turned the site away: the site's own URLs then
/// (`local`, normalised: no scheme, a trailing slash) and WordPress.com's
/// for that blog id (`wpcom`), the latter reversed so a search-and-replace
/// over a copied database leaves them alone.
fn idc_option(local: &str, wpcom: &str) -> Value {
    let rev: String = wpcom.chars().rev().collect();
    json!({
        "error_code": "jetpack_url_mismatch",
        "home": local,
        "siteurl": local,
        "wpcom_home": rev,
        "wpcom_siteurl": rev,
        "reversed_url": true,
    })
}

/// The same as older Jetpack stored it: WordPress.com's URLs as they are.
fn old_idc_option(local: &str, wpcom: &str) -> Value {
    json!({
        "error_code": "jetpack_url_mismatch",
        "home": local,
        "siteurl": local,
        "wpcom_home": wpcom,
        "wpcom_siteurl": wpcom,
    })
}

#[derive(Debug)]
struct IdcState {
    calls: Vec<Value>,
    sync_error: Value,
    migrate: Value,
}

fn idc_state(t: &Tier, site: &str, url: Option<&str>) -> IdcState {
    let r = run_php(t, site, url, IDC_STATE_PHP, &[]);
    r.assert_clean();
    let line = r
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("JP_IDC_STATE "))
        .unwrap_or_else(|| panic!("no IDC state in {r:#?}"));
    let v: Value = serde_json::from_str(line).unwrap();
    IdcState {
        calls: serde_json::from_value(v["calls"].clone()).unwrap(),
        sync_error: v["sync_error"].clone(),
        migrate: v["migrate"].clone(),
    }
}

fn try_set_idc(
    t: &Tier,
    site: &str,
    url: Option<&str>,
    sync_error: &Value,
    throw: Option<&str>,
) -> Result<(), Run> {
    let want = json!({"sync_error": sync_error, "throw": throw}).to_string();
    let r = run_php(t, site, url, SET_IDC_PHP, &[("JP_IDC", &want)]);
    if r.code == Some(0) && r.stdout.contains("\nJP_SET_OK\n") {
        Ok(())
    } else {
        Err(r)
    }
}

/// Jetpack's IDC option on a site (None: no option), the stand-in failing
/// or not; the call record starts empty.
fn set_idc(
    t: &Tier,
    site: &str,
    url: Option<&str>,
    sync_error: Option<Value>,
    throw: Option<&str>,
) {
    let sync_error = sync_error.unwrap_or(Value::Null);
    if let Err(r) = try_set_idc(t, site, url, &sync_error, throw) {
        panic!("could not set the IDC options: {r:#?}");
    }
    let state = idc_state(t, site, url);
    assert_eq!(state.sync_error, sync_error);
    assert_eq!(state.calls, Vec::<Value>::new());
}

/// Serialises the tests that set the IDC options.
static IDC: Mutex<()> = Mutex::new(());

fn idc_lock() -> MutexGuard<'static, ()> {
    IDC.lock().unwrap_or_else(|e| e.into_inner())
}

/// No IDC option, no failing stand-in and an empty call record on the
/// sites, now and when dropped (pass or fail). Hold [`idc_lock`].
struct IdcReset<'a> {
    tier: &'a Tier,
    sites: Vec<(String, Option<&'static str>)>,
}

impl<'a> IdcReset<'a> {
    fn new(tier: &'a Tier, sites: &[(&str, Option<&'static str>)]) -> Self {
        let sites: Vec<_> = sites.iter().map(|(s, u)| (s.to_string(), *u)).collect();
        for (site, url) in &sites {
            set_idc(tier, site, *url, None, None);
        }
        IdcReset { tier, sites }
    }
}

impl Drop for IdcReset<'_> {
    fn drop(&mut self) {
        for (site, url) in &self.sites {
            if let Err(r) = try_set_idc(self.tier, site, *url, &Value::Null, None) {
                eprintln!("could not reset the IDC options of {site} {url:?}: {r:#?}");
            }
        }
    }
}

/// One call of `Identity_Crisis::validate_sync_error_idc_option()` as the
/// stand-in records it: on blog `blog` (home `home`), the autoloader loaded
/// once in that bootstrap, and the filter that reads WordPress.com's
/// reversed URLs the right way round registered, as Jetpack registers it.
fn ic_call(blog: u64, home: &str) -> Value {
    json!({
        "api": "Identity_Crisis",
        "blog": blog,
        "home": home,
        "autoloader_loads": 1,
        "unreverse_filter": true,
    })
}

/// One call of the old `Jetpack::validate_sync_error_idc_option()` (no
/// autoloader, no filter: the old API has neither).
fn old_call(home: &str) -> Value {
    json!({
        "api": "Jetpack",
        "blog": 1,
        "home": home,
        "autoloader_loads": 0,
        "unreverse_filter": false,
    })
}

/// FACTS_PHP as `cancel` asks it (no user, no activation) with
/// JETPACK_WP_SAFE_MODE=`mode`.
fn safe_facts(t: &Tier, site: &str, url: Option<&str>, mode: &str) -> Value {
    let extra = [("JETPACK_WP_SAFE_MODE", mode)];
    program_run(t, site, url, FACTS_PHP, None, false, &extra).0
}

/// FACTS_PHP's answer for a site with `home` = `siteurl`, with `safe_mode`.
fn safe_json(home: &str, blog_id: u64, safe_mode: Value) -> Value {
    let mut v = site_json(None, home, home, blog_id);
    v["safe_mode"] = safe_mode;
    v
}

php_tier! {
    fn safe_mode_asks_identity_crisis_on_a_site_that_is_no_copy() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.staging, None)]);
        let got = safe_facts(&t, &t.staging, None, "1");
        assert_eq!(got, safe_json(STAGING, 12345, json!(false)));
        let state = idc_state(&t, &t.staging, None);
        assert_eq!(state.calls, [ic_call(1, STAGING)]);
        assert_eq!(state.sync_error, Value::Null);
    }
}

php_tier! {
    fn safe_mode_of_a_copy_is_true() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.staging, None)]);
        // staging.test carries blog id 12345, which WordPress.com knows as
        // site.test (the `connected` site): a copy of it.
        let copy = idc_option("staging.test/", "site.test/");
        set_idc(&t, &t.staging, None, Some(copy.clone()), None);
        let got = safe_facts(&t, &t.staging, None, "1");
        assert_eq!(got, safe_json(STAGING, 12345, json!(true)));
        let state = idc_state(&t, &t.staging, None);
        assert_eq!(state.calls, [ic_call(1, STAGING)]);
        // An option that holds stays (Jetpack deletes only one that does not).
        assert_eq!(state.sync_error, copy);
        assert_eq!(state.migrate, Value::Null);

        // With a user and activation asked for too: the rest of the answer
        // is as before, the check ran once.
        set_idc(&t, &t.staging, None, Some(copy), None);
        let extra = [("JETPACK_WP_SAFE_MODE", "1")];
        let (got, _) = facts_run(&t, &t.staging, None, Some("editor2"), false, &extra);
        let mut want = safe_json(STAGING, 12345, json!(true));
        want["user_id"] = json!(2);
        assert_eq!(got, want);
        assert_eq!(idc_state(&t, &t.staging, None).calls, [ic_call(1, STAGING)]);
    }
}

php_tier! {
    /// Jetpack decides, not the option's presence: an option naming
    /// WordPress.com's own URLs for the site (it moved; stored reversed, so
    /// only the filter the program registers as Jetpack does reads them the
    /// right way round), or URLs the site no longer has, is no copy — and
    /// Jetpack tidies it away.
    fn safe_mode_is_jetpacks_decision_not_the_options_presence() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.staging, None)]);

        let moved = idc_option("staging.test/", "staging.test/");
        set_idc(&t, &t.staging, None, Some(moved), None);
        let got = safe_facts(&t, &t.staging, None, "1");
        assert_eq!(got, safe_json(STAGING, 12345, json!(false)));
        let state = idc_state(&t, &t.staging, None);
        assert_eq!(state.calls, [ic_call(1, STAGING)]);
        assert_eq!(state.sync_error, Value::Null, "Jetpack deletes it");
        assert_eq!(state.migrate, json!("1"), "Jetpack marks the move");

        let stale = idc_option("old-staging.test/", "site.test/");
        set_idc(&t, &t.staging, None, Some(stale), None);
        let got = safe_facts(&t, &t.staging, None, "1");
        assert_eq!(got, safe_json(STAGING, 12345, json!(false)));
        let state = idc_state(&t, &t.staging, None);
        assert_eq!(state.calls, [ic_call(1, STAGING)]);
        assert_eq!(state.sync_error, Value::Null, "Jetpack deletes it");
        assert_eq!(state.migrate, Value::Null);
    }
}

php_tier! {
    fn safe_mode_falls_back_to_the_old_jetpack_class() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.legacy, None)]);
        let got = safe_facts(&t, &t.legacy, None, "1");
        assert_eq!(got, safe_json(LEGACY, 67890, json!(false)));
        assert_eq!(idc_state(&t, &t.legacy, None).calls, [old_call(LEGACY)]);

        let copy = old_idc_option("legacy.test/", "shop.example/");
        set_idc(&t, &t.legacy, None, Some(copy.clone()), None);
        let got = safe_facts(&t, &t.legacy, None, "1");
        assert_eq!(got, safe_json(LEGACY, 67890, json!(true)));
        let state = idc_state(&t, &t.legacy, None);
        assert_eq!(state.calls, [old_call(LEGACY)]);
        assert_eq!(state.sync_error, copy);
    }
}

php_tier! {
    /// No Jetpack code to ask (`connected` has no jetpack folder, `plain`
    /// only the plugin's main file): null, neither side claimed.
    fn safe_mode_without_jetpack_is_null() {
        let t = tier();
        let got = safe_facts(&t, &t.connected, None, "1");
        assert_eq!(got, safe_json("http://site.test", 12345, Value::Null));
        let got = safe_facts(&t, &t.plain, None, "1");
        assert_eq!(got, safe_json("http://site.test", 0, Value::Null));
    }
}

php_tier! {
    fn safe_mode_check_that_fails_is_reported_as_unknown() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.staging, None)]);
        let copy = idc_option("staging.test/", "site.test/");
        for (throw, said) in [
            (
                "exception",
                "RuntimeException: jetpack-partner test tier: the stand-in check failed",
            ),
            (
                "error",
                "Error: jetpack-partner test tier: the stand-in check failed (Error)",
            ),
        ] {
            set_idc(&t, &t.staging, None, Some(copy.clone()), Some(throw));
            // A user asked for: the program goes on after the failed check.
            let extra = [("JETPACK_WP_SAFE_MODE", "1")];
            let (got, _) = facts_run(&t, &t.staging, None, Some("admin"), false, &extra);
            let mut want = safe_json(STAGING, 12345, Value::Null);
            want["user_id"] = json!(1);
            want["safe_mode_error"] = json!(said);
            assert_eq!(got, want, "{throw}");
            assert_eq!(
                idc_state(&t, &t.staging, None).calls,
                [ic_call(1, STAGING)],
                "{throw}"
            );
        }
    }
}

php_tier! {
    /// Safe mode not asked for (JETPACK_WP_SAFE_MODE anything but "1", or
    /// unset): the check does not run, not even on a copy, and the answer
    /// has no `safe_mode`.
    fn safe_mode_off_calls_nothing() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.staging, None), (&t.legacy, None)]);
        let copy = idc_option("staging.test/", "site.test/");
        set_idc(&t, &t.staging, None, Some(copy.clone()), None);
        let old_copy = old_idc_option("legacy.test/", "shop.example/");
        set_idc(&t, &t.legacy, None, Some(old_copy.clone()), None);
        for mode in ["0", "", "true", "yes", " 1", "1 "] {
            let got = safe_facts(&t, &t.staging, None, mode);
            assert_eq!(got, site_json(None, STAGING, STAGING, 12345), "{mode:?}");
            let got = safe_facts(&t, &t.legacy, None, mode);
            assert_eq!(got, site_json(None, LEGACY, LEGACY, 67890), "{mode:?}");
        }
        let unset = run_php(&t, &t.staging, None, FACTS_PHP, &[]);
        unset.assert_clean();
        assert_eq!(
            parse_marked(&unset.stdout),
            Some(site_json(None, STAGING, STAGING, 12345))
        );
        for (site, option) in [(&t.staging, &copy), (&t.legacy, &old_copy)] {
            let state = idc_state(&t, site, None);
            assert_eq!(state.calls, Vec::<Value>::new(), "{site}");
            assert_eq!(&state.sync_error, option, "{site}");
        }
        // The control: with "1" the same sites are asked, and it shows.
        let got = safe_facts(&t, &t.staging, None, "1");
        assert_eq!(got, safe_json(STAGING, 12345, json!(true)));
        assert_eq!(idc_state(&t, &t.staging, None).calls, [ic_call(1, STAGING)]);
        let got = safe_facts(&t, &t.legacy, None, "1");
        assert_eq!(got, safe_json(LEGACY, 67890, json!(true)));
        assert_eq!(idc_state(&t, &t.legacy, None).calls, [old_call(LEGACY)]);
    }
}

/// NETWORK_FACTS_PHP's answer for `multi` (main site, /shop/).
fn multi_json(main: Option<bool>, shop: Option<bool>) -> Value {
    let site = |url: &str, home: &str, safe: Option<bool>| {
        let mut v = json!({"url": url, "siteurl": home, "home": home, "blog_id": 0});
        if let Some(s) = safe {
            v["safe_mode"] = json!(s);
        }
        v
    };
    json!({"marker": 1, "multisite": true, "sites": [
        site("http://multi.test/", MULTI, main),
        site("http://multi.test/shop/", SHOP, shop),
    ]})
}

php_tier! {
    /// On a network the check runs once per site, after switching to it:
    /// each answer is that site's, the call is recorded on that site, and
    /// Jetpack's autoloader was loaded once for the whole bootstrap.
    fn network_safe_mode_per_site() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.multi, None), (&t.multi, Some(SHOP))]);
        let network = |mode: &str| {
            let extra = [("JETPACK_WP_SAFE_MODE", mode)];
            program_run(&t, &t.multi, None, NETWORK_FACTS_PHP, None, false, &extra).0
        };
        let calls = |url| idc_state(&t, &t.multi, url).calls;

        // The main site a copy, the subsite not.
        let main_copy = idc_option("multi.test/", "multi.example/");
        set_idc(&t, &t.multi, None, Some(main_copy), None);
        assert_eq!(network("1"), multi_json(Some(true), Some(false)));
        assert_eq!(calls(None), [ic_call(1, MULTI)]);
        assert_eq!(calls(Some(SHOP)), [ic_call(2, SHOP)]);

        // The other way round.
        set_idc(&t, &t.multi, None, None, None);
        let shop_copy = idc_option("multi.test/shop/", "shop.example/");
        set_idc(&t, &t.multi, Some(SHOP), Some(shop_copy), None);
        assert_eq!(network("1"), multi_json(Some(false), Some(true)));
        assert_eq!(calls(None), [ic_call(1, MULTI)]);
        assert_eq!(calls(Some(SHOP)), [ic_call(2, SHOP)]);

        // Off: no check anywhere.
        set_idc(&t, &t.multi, None, None, None);
        set_idc(&t, &t.multi, Some(SHOP), None, None);
        assert_eq!(network("0"), multi_json(None, None));
        assert_eq!(calls(None), Vec::<Value>::new());
        assert_eq!(calls(Some(SHOP)), Vec::<Value>::new());
    }
}

fn want_safe_mode() -> Want<'static> {
    // As cancel asks it.
    Want {
        safe_mode: true,
        blog_id: true,
        ..Want::default()
    }
}

php_tier! {
    fn crate_facts_safe_mode() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.staging, None), (&t.legacy, None)]);
        let facts_of = |site: &str| crate_wp(&t, site, None).facts(&want_safe_mode());
        // The program reads siteurl and home whatever is asked.
        let blog = |home: &str, id, safe| Facts {
            siteurl: Some(home.into()),
            home: Some(home.into()),
            blog_id: Some(id),
            safe_mode: safe,
            safe_mode_error: None,
            license_error: None,
            licensed: Vec::new(),
        };

        let copy = idc_option("staging.test/", "site.test/");
        set_idc(&t, &t.staging, None, Some(copy.clone()), None);
        let got = facts_of(&t.staging).expect("facts of the copy");
        assert_eq!(got, blog(STAGING, 12345, Some(true)));
        assert_eq!(got.safe_mode, Some(true));
        assert_eq!(idc_state(&t, &t.staging, None).calls, [ic_call(1, STAGING)]);

        set_idc(&t, &t.staging, None, None, None);
        let got = facts_of(&t.staging).expect("facts of staging");
        assert_eq!(got, blog(STAGING, 12345, Some(false)));
        assert_eq!(idc_state(&t, &t.staging, None).calls, [ic_call(1, STAGING)]);

        let old_copy = old_idc_option("legacy.test/", "shop.example/");
        set_idc(&t, &t.legacy, None, Some(old_copy), None);
        let got = facts_of(&t.legacy).expect("facts of legacy");
        assert_eq!(got, blog(LEGACY, 67890, Some(true)));
        assert_eq!(idc_state(&t, &t.legacy, None).calls, [old_call(LEGACY)]);

        // No Jetpack code: nothing to ask, no answer either way.
        let got = facts_of(&t.connected).expect("facts of connected");
        assert_eq!(got, blog("http://site.test", 12345, None));

        // Jetpack's check failed: neither side is known; the facts carry
        // its words (the resolver then fails a command that acts by blog
        // id: see the binary test and reliability::safe_mode).
        set_idc(&t, &t.staging, None, Some(copy), Some("exception"));
        let got = facts_of(&t.staging).expect("facts with a failed check");
        assert_eq!(got.safe_mode, None);
        assert_eq!(
            got.safe_mode_error.as_deref(),
            Some("RuntimeException: jetpack-partner test tier: the stand-in check failed")
        );
        assert_eq!(idc_state(&t, &t.staging, None).calls, [ic_call(1, STAGING)]);
    }
}

php_tier! {
    fn crate_network_facts_safe_mode() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.multi, None), (&t.multi, Some(SHOP))]);
        let shop_copy = idc_option("multi.test/shop/", "shop.example/");
        set_idc(&t, &t.multi, Some(SHOP), Some(shop_copy), None);
        let got = crate_wp(&t, &t.multi, None)
            .network_facts(&Want {
                safe_mode: true,
                ..Want::default()
            })
            .expect("network facts of multi")
            .expect("network facts of multi, no fallback");
        let site = |url: &str, home: &str, safe| NetworkSite {
            url: url.into(),
            facts: Facts {
                siteurl: Some(home.into()),
                home: Some(home.into()),
                blog_id: None,
                safe_mode: Some(safe),
                safe_mode_error: None,
                license_error: None,
                licensed: Vec::new(),
            },
            user_ok: None,
        };
        assert_eq!(
            got,
            [
                site("http://multi.test/", MULTI, false),
                site("http://multi.test/shop/", SHOP, true),
            ]
        );
        assert_eq!(idc_state(&t, &t.multi, None).calls, [ic_call(1, MULTI)]);
        assert_eq!(idc_state(&t, &t.multi, Some(SHOP)).calls, [ic_call(2, SHOP)]);
    }
}

php_tier! {
    /// The jetpack-partner binary on a staging copy of the `connected`
    /// site: `cancel` sends nothing (the cancel by blog id 12345 would end
    /// the original's plan), `status` says safe_mode; once Jetpack says the
    /// site is no copy, the cancel goes out.
    fn binary_cancel_of_a_copy_sends_nothing() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.staging, None)]);
        let copy = idc_option("staging.test/", "site.test/");
        set_idc(&t, &t.staging, None, Some(copy.clone()), None);
        let env = TestEnv::new();
        env.api.reply(
            "POST",
            "/oauth2/token",
            Reply::json(200, r#"{"access_token":"tok-php-copy"}"#),
        );
        env.api.reply(
            "POST",
            "/rest/v1.3/jpphp/12345/partner-cancel",
            Reply::json(200, r#"{"success":true}"#),
        );
        let status = r#"{"blog":{"is_connected":true,"has_backups_credentials":false},"products":[]}"#;
        env.api.reply(
            "GET",
            "/rest/v1.4/jpphp/12345/status",
            Reply::json(200, status),
        );
        let (wp_cli_path, log) = counted_wp(&env, &t);
        let path = format!("--path={}", t.staging);
        let secret = format!("-s={SECRET}");
        let run = |cmd: &str| {
            env.cmd()
                .args([cmd, "-c=1", &secret, "--allow-root", &path, &wp_cli_path])
                .output()
                .expect("run")
        };

        let out = run("cancel");
        assert_failure(&out, "site_in_safe_mode");
        assert_eq!(
            stderr_json(&out),
            json!({
                "success": false,
                "error_code": "site_in_safe_mode",
                "error_message": "WordPress says this site is a copy of another, in Jetpack's safe mode (identity crisis): blog id 12345 is the original site's, so nothing was sent for it (a request by blog id would act on the original); fix the copy's connection first (https://jetpack.com/support/safe-mode/), or run this on the original site",
            })
        );
        for r in env.api.requests() {
            assert_eq!(r.path, "/oauth2/token", "sent {} {}", r.method, r.path);
        }
        assert_eq!(bootstraps(&log), 1);
        let state = idc_state(&t, &t.staging, None);
        assert_eq!(state.calls, [ic_call(1, STAGING)]);
        assert_eq!(state.sync_error, copy);

        // status still asks, and marks the answer.
        set_idc(&t, &t.staging, None, Some(copy), None);
        let out = run("status");
        assert_exit(&out, 0);
        let printed: Value = serde_json::from_slice(&out.stdout).expect("status prints JSON");
        let mut want: Value = serde_json::from_str(status).unwrap();
        want["safe_mode"] = json!(true);
        assert_eq!(printed, want);
        assert_eq!(idc_state(&t, &t.staging, None).calls, [ic_call(1, STAGING)]);
        assert!(env
            .api
            .requests_to("/rest/v1.3/jpphp/12345/partner-cancel")
            .is_empty());

        // No longer a copy: the cancel is sent by blog id.
        set_idc(&t, &t.staging, None, None, None);
        let out = run("cancel");
        assert_exit(&out, 0);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"success\":true}\n");
        assert_eq!(
            env.api
                .requests_to("/rest/v1.3/jpphp/12345/partner-cancel")
                .len(),
            1
        );
        assert_eq!(idc_state(&t, &t.staging, None).calls, [ic_call(1, STAGING)]);
        assert_eq!(bootstraps(&log), 3);
    }
}

php_tier! {
    /// Jetpack's check cannot be reached (no Jetpack code loads with plugins
    /// skipped, as with a Jetpack older than its Identity_Crisis package):
    /// while Jetpack's identity-crisis option is set the site is taken for
    /// a copy (the safe side); without it, nothing is known.
    fn crate_facts_safe_mode_without_jetpack_code_follows_the_option() {
        let t = tier();
        let _lock = idc_lock();
        let _reset = IdcReset::new(&t, &[(&t.connected, None)]);
        let facts_of = || {
            crate_wp(&t, &t.connected, None)
                .facts(&want_safe_mode())
                .expect("facts of connected")
        };
        assert_eq!(facts_of().safe_mode, None);
        set_idc(
            &t,
            &t.connected,
            None,
            Some(idc_option("site.test/", "shop.example/")),
            None,
        );
        assert_eq!(facts_of().safe_mode, Some(true));
    }
}

/// `license set`/`unset`'s program (`wp::LICENSES_PHP`) against `plain`,
/// with a stand-in for Jetpack's licensing class.
mod licenses;

php_tier! {
    /// The products of the keys in `jetpack_licenses` (never a key), only
    /// when there are some: a filter stands in for the stored option.
    fn licensed_products_are_reported_without_their_keys() {
        let t = tier();
        let filter = r#"add_filter('pre_option_jetpack_licenses', function () {
  $v = getenv('JP_TEST_LICENSES');
  return $v === '' ? array() : json_decode($v, true);
});
"#;
        let program = format!("{filter}{FACTS_PHP}");
        let keys = r#"["jetpack-scan_k1abc","jetpack-backup-daily_k2def","jetpack-scan_k3ghi",42,"nounderscore","_lead"]"#;
        let (v, r) = program_run(&t, &t.connected, None, &program, None, false, &[("JP_TEST_LICENSES", keys)]);
        assert_eq!(v["licensed"], json!(["jetpack-scan", "jetpack-backup-daily"]));
        assert!(!r.stdout.contains("k1abc"), "{r:#?}");
        let (v, _) = program_run(&t, &t.connected, None, &program, None, false, &[("JP_TEST_LICENSES", "")]);
        assert_eq!(v.get("licensed"), None, "{v}");
    }
}
