//! PHP tier for `license set`/`unset`: the crate's own `wp::LICENSES_PHP`
//! against a real WordPress (`plain`), with a stand-in for Jetpack's
//! licensing class (`Automattic\Jetpack\Licensing`, as Jetpack's own: a
//! singleton whose `initialize()` hooks `attach_stored_licenses()` on the
//! `jetpack_licenses` option, reading the keys as `stored_licenses()` does).
//! The stand-in records every attach in the option `jp_test_lic_calls`
//! (and whether it ran from the option hook), refuses the keys listed in
//! `JP_TEST_LIC_BAD` and, as Jetpack, writes its message to
//! `jetpack_options['licensing_error']`; `JP_TEST_LIC_MODE=not_connected`
//! makes it refuse as Jetpack does without a connected owner.
//!
//! The runner always loads WordPress with plugins skipped, so the stand-in
//! is put before the program (as if Jetpack had loaded it); without it the
//! program runs as on a site without Jetpack. The binary's own run
//! (`binary_license_set_keeps_every_key`) goes through the runner as `wp`.

use super::{run_php, runner, tier, Tier, RUN_LIMIT};
use crate::testenv::{assert_success, TestEnv};
use jetpack_partner::wp::parse::parse_marked;
use jetpack_partner::wp::LICENSES_PHP;
use serde_json::{json, Value};
use std::sync::{Mutex, MutexGuard};

/// The stand-in licensing class, loaded before the program.
const STANDIN: &str = r#"
class JP_Test_Licensing {
  private static $instance = null;
  public static function instance() {
    if (!self::$instance) { self::$instance = new self(); }
    return self::$instance;
  }
  public function initialize() {
    add_action('add_option_jetpack_licenses', array($this, 'attach_stored_licenses'));
    add_action('update_option_jetpack_licenses', array($this, 'attach_stored_licenses'));
  }
  public function stored_licenses() {
    $l = (array) get_option('jetpack_licenses', array());
    return array_filter(array_map('strval', array_filter($l, 'is_scalar')));
  }
  public function attach_stored_licenses() {
    $licenses = $this->stored_licenses();
    $calls = (array) get_option('jp_test_lic_calls', array());
    $calls[] = array(
      'hooked' => doing_action('update_option_jetpack_licenses') || doing_action('add_option_jetpack_licenses'),
      'licenses' => array_values($licenses),
    );
    update_option('jp_test_lic_calls', $calls);
    if (getenv('JP_TEST_LIC_MODE') === 'not_connected') {
      return new WP_Error('not_connected', "Jetpack doesn't have a connected owner.");
    }
    $bad = array_filter(explode(',', (string) getenv('JP_TEST_LIC_BAD')));
    $results = array();
    $failed = array();
    foreach ($licenses as $k) {
      if (in_array($k, $bad, true)) {
        $results[] = new WP_Error('invalid_license', "License $k is invalid.");
        $failed[] = $k;
      } else {
        $results[] = array('success' => true);
      }
    }
    if ($failed) {
      $o = get_option('jetpack_options');
      $o = is_array($o) ? $o : array();
      $o['licensing_error'] = 'The following Jetpack licenses are invalid, already in use, or revoked: ' . implode(', ', $failed);
      update_option('jetpack_options', $o);
    }
    return $results;
  }
}
class_alias('JP_Test_Licensing', 'Automattic\Jetpack\Licensing');
JP_Test_Licensing::instance()->initialize();
"#;

/// After the program: Jetpack's hooks are back.
const HOOKS_AFTER: &str = r#"
$l = JP_Test_Licensing::instance();
echo "\nJP_HOOKS " . json_encode(array(
  has_action('add_option_jetpack_licenses', array($l, 'attach_stored_licenses')),
  has_action('update_option_jetpack_licenses', array($l, 'attach_stored_licenses')),
)) . "\n";
"#;

/// Reads (or, with `JP_SET`, first writes) an option as JSON.
const OPTION_PHP: &str = r#"
$name = getenv('JP_OPTION');
if (getenv('JP_DELETE') === '1') { delete_option($name); }
if (getenv('JP_SET') !== false) { update_option($name, json_decode(getenv('JP_SET'), true)); }
echo "\nJP_OPTION " . json_encode(get_option($name, null)) . "\n";
"#;

/// Serialises the tests that change `plain`'s licensing options.
static LICENSES: Mutex<()> = Mutex::new(());

/// Holds the lock; puts `plain` back (no `jetpack_licenses`, no record,
/// no `jetpack_options`, as setup left it) when dropped, pass or fail.
struct Clean<'a> {
    tier: &'a Tier,
    _lock: MutexGuard<'static, ()>,
}

impl<'a> Clean<'a> {
    fn new(tier: &'a Tier) -> Clean<'a> {
        let lock = LICENSES.lock().unwrap_or_else(|e| e.into_inner());
        let clean = Clean { tier, _lock: lock };
        clean.reset();
        clean
    }

    fn reset(&self) {
        for name in ["jetpack_licenses", "jp_test_lic_calls", "jetpack_options"] {
            option(self.tier, name, None, true);
        }
    }
}

impl Drop for Clean<'_> {
    fn drop(&mut self) {
        self.reset();
    }
}

/// The option's value on `plain` (null when absent), after setting it to
/// `set` / deleting it first.
fn option(t: &Tier, name: &str, set: Option<&Value>, delete: bool) -> Value {
    let set = set.map(Value::to_string);
    let mut env = vec![
        ("JP_OPTION", name),
        ("JP_DELETE", if delete { "1" } else { "0" }),
    ];
    if let Some(s) = &set {
        env.push(("JP_SET", s));
    }
    let r = run_php(t, &t.plain, None, OPTION_PHP, &env);
    r.assert_clean();
    let line = r
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("JP_OPTION "))
        .unwrap_or_else(|| panic!("no option in {r:#?}"));
    serde_json::from_str(line).expect("JSON")
}

/// The program on `plain`: `set` or `unset` of `keys`, with the stand-in
/// (`jetpack`) or without; its answer and, with the stand-in, the hooks
/// after it.
fn program(
    t: &Tier,
    set: bool,
    keys: &[&str],
    jetpack: bool,
    env: &[(&str, &str)],
) -> (Value, Option<Value>) {
    let code = if jetpack {
        format!("{STANDIN}\n{LICENSES_PHP}\n{HOOKS_AFTER}")
    } else {
        LICENSES_PHP.to_string()
    };
    let joined = keys.join("\n");
    let mut vars = vec![
        ("JETPACK_WP_SAFE_MODE", "0"),
        ("JETPACK_WP_LICENSE_OP", if set { "set" } else { "unset" }),
        ("JETPACK_WP_LICENSES", joined.as_str()),
    ];
    vars.extend_from_slice(env);
    let r = run_php(t, &t.plain, None, &code, &vars);
    r.assert_clean();
    let answer = parse_marked(&r.stdout).unwrap_or_else(|| panic!("no answer: {r:#?}"));
    let hooks = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("JP_HOOKS "))
        .map(|l| serde_json::from_str(l).expect("JSON"));
    (answer, hooks)
}

fn calls(t: &Tier) -> Value {
    option(t, "jp_test_lic_calls", None, false)
}

php_tier! {
    /// Every entry already there stays, in its order (an object with gaps
    /// and a non-scalar entry included); the option is written as a list;
    /// Jetpack's own hooks do not fire while it is written, and its attach
    /// runs once, after, on every stored key; the hooks are back after.
    fn licenses_set_merges_into_a_list_and_attaches_once() {
        let t = tier();
        let _clean = Clean::new(&t);
        option(&t, "jetpack_licenses", Some(&json!({"1": "OLD2", "3": {"x": 1}})), false);
        let (answer, hooks) = program(&t, true, &["K1", "OLD2", "K2"], true, &[]);
        assert_eq!(
            answer,
            json!({"marker": 1, "blog_id": 0, "added": 2, "removed": 0, "changed": true,
                "stored": 3, "attach": "done", "failed": [], "others_failed": 0})
        );
        assert_eq!(
            option(&t, "jetpack_licenses", None, false),
            json!(["OLD2", {"x": 1}, "K1", "K2"])
        );
        assert_eq!(
            calls(&t),
            json!([{"hooked": false, "licenses": ["OLD2", "K1", "K2"]}])
        );
        assert_eq!(hooks, Some(json!([10, 10])));
    }
}

php_tier! {
    /// A lone string is a key too; absent, the option is created (as a
    /// list, through add_option, whose hook does not fire either).
    fn licenses_set_on_a_string_or_no_option() {
        let t = tier();
        let _clean = Clean::new(&t);
        let (answer, _) = program(&t, true, &["K1"], true, &[]);
        assert_eq!((answer["changed"].clone(), answer["stored"].clone()), (json!(true), json!(1)));
        assert_eq!(option(&t, "jetpack_licenses", None, false), json!(["K1"]));
        option(&t, "jetpack_licenses", Some(&json!("K0")), false);
        option(&t, "jp_test_lic_calls", None, true);
        let (answer, _) = program(&t, true, &["K1"], true, &[]);
        assert_eq!(answer["added"], json!(1));
        assert_eq!(option(&t, "jetpack_licenses", None, false), json!(["K0", "K1"]));
        assert_eq!(calls(&t), json!([{"hooked": false, "licenses": ["K0", "K1"]}]));
    }
}

php_tier! {
    /// The same keys again: nothing written, the attach tried again.
    fn licenses_set_again_retries_the_attach() {
        let t = tier();
        let _clean = Clean::new(&t);
        option(&t, "jetpack_licenses", Some(&json!(["K1", "K2"])), false);
        let (answer, _) = program(&t, true, &["K2"], true, &[]);
        assert_eq!(
            (answer["changed"].clone(), answer["added"].clone(), answer["attach"].clone()),
            (json!(false), json!(0), json!("done"))
        );
        assert_eq!(option(&t, "jetpack_licenses", None, false), json!(["K1", "K2"]));
        assert_eq!(calls(&t), json!([{"hooked": false, "licenses": ["K1", "K2"]}]));
    }
}

php_tier! {
    /// Refused keys by their position among those given; one already there
    /// counted apart; Jetpack's own message reported once it changed.
    fn licenses_refused_keys_come_by_position() {
        let t = tier();
        let _clean = Clean::new(&t);
        option(&t, "jetpack_licenses", Some(&json!(["OLD1"])), false);
        let (answer, _) = program(&t, true, &["K1", "K2"], true, &[("JP_TEST_LIC_BAD", "OLD1,K2")]);
        assert_eq!(
            answer,
            json!({"marker": 1, "blog_id": 0, "added": 2, "removed": 0, "changed": true,
                "stored": 3, "attach": "done",
                "failed": [{"given": 2, "code": "invalid_license", "message": "License K2 is invalid."}],
                "others_failed": 1,
                "jetpack_error": "The following Jetpack licenses are invalid, already in use, or revoked: OLD1, K2"})
        );
    }
}

php_tier! {
    fn licenses_not_connected_keeps_the_keys() {
        let t = tier();
        let _clean = Clean::new(&t);
        let (answer, _) = program(&t, true, &["K1"], true, &[("JP_TEST_LIC_MODE", "not_connected")]);
        assert_eq!(
            answer["attach"],
            json!({"code": "not_connected", "message": "Jetpack doesn't have a connected owner."})
        );
        assert_eq!(option(&t, "jetpack_licenses", None, false), json!(["K1"]));
    }
}

php_tier! {
    /// Only the keys given go, every other entry stays; nothing attaches.
    fn licenses_unset_removes_only_those() {
        let t = tier();
        let _clean = Clean::new(&t);
        option(&t, "jetpack_licenses", Some(&json!(["A", "K1", 7, "B", "K1"])), false);
        let (answer, hooks) = program(&t, false, &["K1", "NOT-THERE"], true, &[]);
        assert_eq!(
            answer,
            json!({"marker": 1, "blog_id": 0, "added": 0, "removed": 2, "changed": true,
                "stored": 3, "attach": "not_tried"})
        );
        assert_eq!(option(&t, "jetpack_licenses", None, false), json!(["A", 7, "B"]));
        assert_eq!(calls(&t), Value::Null, "no attach, from the hook or otherwise");
        assert_eq!(hooks, Some(json!([10, 10])));
    }
}

php_tier! {
    /// Without Jetpack's licensing the keys are stored all the same.
    fn licenses_without_jetpack_are_stored() {
        let t = tier();
        let _clean = Clean::new(&t);
        let (answer, _) = program(&t, true, &["K1", "K2"], false, &[]);
        assert_eq!(
            answer,
            json!({"marker": 1, "blog_id": 0, "added": 2, "removed": 0, "changed": true,
                "stored": 2, "attach": "no_jetpack"})
        );
        assert_eq!(option(&t, "jetpack_licenses", None, false), json!(["K1", "K2"]));
    }
}

php_tier! {
    /// The binary end to end with the runner as its `wp` (plugins skipped
    /// there, so no Jetpack): the facts call, then the program; the option
    /// keeps every key, in order, as a list; no key printed.
    fn binary_license_set_keeps_every_key() {
        let t = tier();
        let _clean = Clean::new(&t);
        option(&t, "jetpack_licenses", Some(&json!({"2": "jetpack-scan_kept0001"})), false);
        let env = TestEnv::new();
        let wp_cli_path = format!("--wp-cli-path={} {}", t.php, runner().display());
        let path = format!("--path={}", t.plain);
        let timeout = format!("--wp-timeout={}", RUN_LIMIT.as_secs());
        let run = |cmd: &str, key: &str| {
            env.cmd()
                .args(["license", cmd, key, "--allow-root", &path, &wp_cli_path, &timeout])
                .output()
                .expect("run")
        };
        let out = run("set", "jetpack-backup-daily_new0002");
        assert_success(
            &out,
            r#"{"success":true,"changed":true,"licenses":2,"added":1,"attached":false,"note":"Jetpack's licensing is not loaded (is Jetpack active?): the keys wait in jetpack_licenses until it is and the site is connected"}"#,
        );
        assert_eq!(
            option(&t, "jetpack_licenses", None, false),
            json!(["jetpack-scan_kept0001", "jetpack-backup-daily_new0002"])
        );
        let out = run("unset", "jetpack-scan_kept0001");
        assert_success(&out, r#"{"success":true,"changed":true,"licenses":1,"removed":1}"#);
        assert_eq!(
            option(&t, "jetpack_licenses", None, false),
            json!(["jetpack-backup-daily_new0002"])
        );
        assert!(env.api.requests().is_empty());
    }
}
