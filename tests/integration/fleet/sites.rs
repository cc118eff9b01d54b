//! `sites --scan=DIR`: WordPress installs found on disk without running
//! them, one JSON line each in path order; `--facts` through the fake `wp`;
//! the lines feeding `status --batch`.

use super::{lines, stderr};
use crate::testenv::{assert_exit, eval_argv, facts_stdout, stderr_json, TestEnv, SECRET};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// wp-includes/version.php as WordPress ships it: the variable is named in
/// a doc comment before it is set.
fn version_php(v: &str) -> String {
    format!(
        "<?php\n/**\n * WordPress Version\n *\n * @package WordPress\n * @since 1.2.0\n */\n\n/**\n * The WordPress version string.\n *\n * @global string $wp_version\n */\n$wp_version = '{v}';\n\n/**\n * @global int $wp_db_version\n */\n$wp_db_version = 53496;\n\n$required_php_version = '7.0.0';\n"
    )
}

/// A wp-config.php like wp-config-sample.php, with `extra` before
/// "That's all, stop editing!".
fn config_php(extra: &str) -> String {
    format!(
        "<?php\n/**\n * The base configuration for WordPress\n *\n * @package WordPress\n */\n\n// ** Database settings ** //\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_USER', 'wp' );\ndefine( 'DB_PASSWORD', 'p\\'w' );\ndefine( 'DB_HOST', 'localhost' );\n$table_prefix = 'wp_';\ndefine( 'WP_DEBUG', false );\n\n{extra}\n/* That's all, stop editing! Happy publishing. */\n\nif ( ! defined( 'ABSPATH' ) ) {{\n\tdefine( 'ABSPATH', __DIR__ . '/' );\n}}\nrequire_once ABSPATH . 'wp-settings.php';\n"
    )
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

fn mkdir(path: &Path) {
    fs::create_dir_all(path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
}

fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link)
        .unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
}

/// WordPress's core files in `dir` (no wp-config.php).
fn core(dir: &Path, version: &str) {
    write(
        &dir.join("wp-load.php"),
        "<?php /* loads wp-config.php */\n",
    );
    write(&dir.join("wp-settings.php"), "<?php\n");
    write(
        &dir.join("index.php"),
        "<?php require __DIR__ . '/wp-blog-header.php';\n",
    );
    write(&dir.join("wp-includes/version.php"), version_php(version));
    write(&dir.join("wp-admin/index.php"), "<?php\n");
    write(
        &dir.join("wp-content/index.php"),
        "<?php\n// Silence is golden.\n",
    );
}

/// A whole install: core files and wp-config.php with `extra` in it.
fn install(dir: &Path, version: &str, extra: &str) {
    core(dir, version);
    write(&dir.join("wp-config.php"), config_php(extra));
}

fn jetpack(wp_content_parent: &Path) {
    write(
        &wp_content_parent.join("wp-content/plugins/jetpack/jetpack.php"),
        "<?php\n/* Plugin Name: Jetpack */\n",
    );
}

fn s(p: &Path) -> String {
    p.to_str()
        .unwrap_or_else(|| panic!("non-UTF-8 path {}", p.display()))
        .to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The line `sites` prints for an install.
fn line(path: &Path, version: &str, multisite: Option<bool>, jetpack: bool) -> String {
    json!({
        "path": s(path),
        "wordpress": {"version": version, "multisite": multisite, "jetpack": jetpack}
    })
    .to_string()
}

/// The tree most tests scan, under `<root>/www`; returns it and its
/// installs in the order `sites` lists them.
fn fleet(env: &TestEnv) -> (PathBuf, Vec<String>) {
    let www = env.root().join("www");

    // A single site with Jetpack, and a second WordPress in its subfolder.
    let a = www.join("a");
    install(&a, "6.1.9", "");
    jetpack(&a);
    let blog = a.join("blog");
    install(
        &blog,
        "6.4.3",
        "define('MULTISITE',TRUE); define('SUBDOMAIN_INSTALL', false);",
    );
    // A plugin bundling a WordPress for its tests: wp-content is skipped.
    install(&a.join("wp-content/plugins/tester/wordpress"), "5.0", "");

    // Multisite, with every kind of spacing and quoting.
    let multi = www.join("multi");
    install(
        &multi,
        "6.5-RC1-57890",
        "/* Multisite */\ndefine( \"WP_ALLOW_MULTISITE\" , true );\n\\DEFINE ( \"MULTISITE\" , True ) ;\ndefine( 'SUBDOMAIN_INSTALL', true );\n",
    );
    jetpack(&multi);

    // Noise: MULTISITE true only in comments and strings; WP_ALLOW_MULTISITE
    // alone only shows the network setup screen.
    let noise = www.join("noise");
    install(
        &noise,
        "6.2.6",
        "// define( 'MULTISITE', true );\n#define('MULTISITE', true);\n/*\ndefine( 'MULTISITE', true );\n*/\n$help = \"define('MULTISITE', true)\";\ndefine( 'WP_ALLOW_MULTISITE', true );\n",
    );

    // WordPress in its own folder: core in own/wp, wp-config.php and
    // wp-content one level up.
    let own = www.join("own");
    core(&own.join("wp"), "6.3.5");
    fs::remove_dir_all(own.join("wp/wp-content")).expect("rm wp-content");
    write(&own.join("wp-config.php"), config_php(""));
    write(
        &own.join("index.php"),
        "<?php require __DIR__ . '/wp/wp-blog-header.php';\n",
    );
    jetpack(&own);

    // Not installs: a leftover wp-config.php, core files without a config,
    // core files whose parent is another WordPress (wp-settings.php there).
    write(&www.join("leftover/wp-config.php"), config_php(""));
    core(&www.join("core-only"), "6.0");
    core(&www.join("a/copy"), "6.0");

    // Never looked into: VCS, node_modules, hidden folders.
    install(&www.join(".git/x"), "1.0", "");
    install(&www.join("node_modules/wp"), "1.0", "");
    install(&www.join("b/.snapshot/hourly.0"), "1.0", "");

    // Symbolic links: a loop, and a link to an install (not followed, so
    // `a` is listed once).
    mkdir(&www.join("loops"));
    symlink("..", &www.join("loops/up"));
    symlink("../a", &www.join("loops/a-again"));
    symlink("loops", &www.join("loops/self"));

    // A FIFO where version.php should be: no hang, version null. A binary
    // version.php, and a 5 MB wp-config.php with its define past the cap.
    let fifo = www.join("odd/fifo");
    install(&fifo, "0", "");
    fs::remove_file(fifo.join("wp-includes/version.php")).expect("rm");
    mkfifo(&fifo.join("wp-includes/version.php"));
    let big = www.join("odd/huge");
    install(&big, "0", "");
    write(
        &big.join("wp-includes/version.php"),
        [0u8, 0xff, 0xfe, 0x3c, 0x3f].repeat(1000),
    );
    let mut huge = String::from("<?php\n");
    while huge.len() < 5 << 20 {
        huge.push_str("// a very long comment line in a very long wp-config.php file\n");
    }
    huge.push_str("define('MULTISITE', true);\n");
    write(&big.join("wp-config.php"), huge);

    let expected = vec![
        line(&a, "6.1.9", Some(false), true),
        line(&blog, "6.4.3", Some(true), false),
        line(&multi, "6.5-RC1-57890", Some(true), true),
        line(&noise, "6.2.6", Some(false), false),
        json!({"path": s(&fifo), "wordpress": {"version": null, "multisite": false, "jetpack": false}}).to_string(),
        json!({"path": s(&big), "wordpress": {"version": null, "multisite": null, "jetpack": false}}).to_string(),
        line(&own.join("wp"), "6.3.5", Some(false), true),
    ];
    (www, expected)
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

fn sites(env: &TestEnv, args: &[&str]) -> Output {
    env.cmd()
        .arg("sites")
        .args(args)
        .output()
        .expect("running jetpack-partner sites")
}

#[test]
fn finds_installs_in_path_order_without_running_anything() {
    let env = TestEnv::new();
    let (www, expected) = fleet(&env);
    let out = sites(&env, &[&format!("--scan={}", s(&www))]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), expected.join("\n") + "\n");
    // The FIFO is noted, not waited for; nothing else is said.
    let fifo = www.join("odd/fifo/wp-includes/version.php");
    assert_eq!(
        stderr(&out),
        format!(
            "jetpack-partner: cannot read {}: not a regular file; what it says is left null\n",
            fifo.display()
        )
    );
    assert!(env.wp.calls().is_empty(), "no wp without --facts");

    // A relative DIR (and a trailing slash) gives the same absolute paths.
    let out = env
        .cmd()
        .current_dir(env.root())
        .args(["sites", "--scan=www/"])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), expected.join("\n") + "\n");

    // DIR itself may be an install, and a link to a folder.
    let link = env.root().join("link-to-a");
    symlink("www/a", &link);
    let out = sites(&env, &[&format!("--scan={}", s(&link)), "--max-depth=1"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "{}\n{}\n",
            line(&link, "6.1.9", Some(false), true),
            line(&link.join("blog"), "6.4.3", Some(true), false)
        )
    );
}

#[test]
fn table_and_csv() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    install(&www.join("a"), "6.1.9", "");
    jetpack(&www.join("a"));
    install(&www.join("b"), "6.4.3", "define( 'MULTISITE', true );");
    let run = |format: &str| {
        env.cmd()
            .env("COLUMNS", "200")
            .args(["sites", &format!("--scan={}", s(&www)), format])
            .output()
            .expect("run")
    };
    let (a, b) = (s(&www.join("a")), s(&www.join("b")));
    let w = a.len();
    let out = run("--format=table");
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "{:w$}  version  multisite  jetpack\n{a}  6.1.9    false      true\n{b}  6.4.3    true       false\n",
            "path"
        )
    );
    let out = run("--format=csv");
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("path,version,multisite,jetpack\n{a},6.1.9,false,true\n{b},6.4.3,true,false\n")
    );
    let out = run("--format=json");
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "{}\n{}\n",
            line(&www.join("a"), "6.1.9", Some(false), true),
            line(&www.join("b"), "6.4.3", Some(true), false)
        )
    );
}

#[test]
fn max_depth_is_respected() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    let shallow = www.join("one");
    let deep = www.join("one/two/three");
    install(&shallow, "6.1.9", "");
    install(&deep, "6.4.3", "");
    let scan = format!("--scan={}", s(&www));
    let paths = |depth: &str| -> Vec<String> {
        let out = sites(&env, &[&scan, depth]);
        assert_exit(&out, 0);
        lines(&out)
            .iter()
            .map(|v| v["path"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(paths("--max-depth=2"), vec![s(&shallow)]);
    assert_eq!(paths("--max-depth=3"), vec![s(&shallow), s(&deep)]);
    assert_eq!(paths("--max-depth=1"), vec![s(&shallow)]);
    // The default (6) reaches both.
    let out = sites(&env, &[&scan]);
    assert_eq!(lines(&out).len(), 2);
    // Own-folder installs count at the core folder's depth.
    let own = www.join("own");
    core(&own.join("wp"), "6.3.5");
    write(&own.join("wp-config.php"), config_php(""));
    assert_eq!(
        paths("--max-depth=1"),
        vec![s(&shallow)],
        "own/wp is at depth 2"
    );
    assert_eq!(
        paths("--max-depth=2"),
        vec![s(&shallow), s(&own.join("wp"))]
    );
}

#[test]
fn ten_thousand_folders() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    // 100 users × 99 folders each, plus the 100 user folders: 10 000.
    let mut expected = Vec::new();
    for u in 0..100 {
        let home = www.join(format!("user{u:03}"));
        for d in 0..99 {
            mkdir(&home.join(format!("d{d:02}")));
        }
        if u % 10 == 0 {
            let site = home.join("public_html");
            install(&site, "6.1.9", "");
            expected.push(line(&site, "6.1.9", Some(false), false));
        }
    }
    let started = Instant::now();
    let out = sites(&env, &[&format!("--scan={}", s(&www)), "--verbose"]);
    eprintln!("10 000 folders: {:?}", started.elapsed());
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), expected.join("\n") + "\n");
    // Every folder once: www, 100 homes, 9 900 subfolders, the 10 sites
    // (their wp-admin, wp-includes and wp-content skipped).
    assert!(
        stderr(&out).contains("10011 folders looked at"),
        "{}",
        stderr(&out)
    );
}

/// Run `sites` as an unprivileged user when we are root (root reads any
/// folder whatever its mode); None when that cannot be done here.
fn as_nobody(env: &TestEnv, args: &[String]) -> Option<Output> {
    use std::os::unix::process::CommandExt;
    let probe = env.root().join("probe");
    mkdir(&probe);
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o000)).expect("chmod");
    let privileged = fs::read_dir(&probe).is_ok();
    let mut cmd = env.std_cmd();
    cmd.arg("sites").args(args);
    if privileged {
        cmd.uid(65534).gid(65534);
    }
    match cmd.output() {
        Ok(out) => Some(out),
        Err(e) if privileged => {
            eprintln!("NOTE: running as root and cannot switch to uid 65534 ({e}): unreadable-folder assertions skipped");
            None
        }
        Err(e) => panic!("run: {e}"),
    }
}

#[test]
fn unreadable_folders_are_skipped_with_a_note() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    install(&www.join("a"), "6.1.9", "");
    install(&www.join("locked/site"), "6.4.3", "");
    install(&www.join("z"), "6.2.6", "");
    // As another user the test tree must be reachable.
    for dir in [
        env.root().to_path_buf(),
        env.root().join("empty"),
        www.clone(),
    ] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let locked = www.join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let Some(out) = as_nobody(&env, &[format!("--scan={}", s(&www))]) else {
        return;
    };
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "{}\n{}\n",
            line(&www.join("a"), "6.1.9", Some(false), false),
            line(&www.join("z"), "6.2.6", Some(false), false)
        )
    );
    assert_eq!(
        stderr(&out),
        format!(
            "jetpack-partner: cannot read {}: Permission denied; skipped\n",
            locked.display()
        )
    );

    // DIR itself unreadable: nothing can be read, an error.
    let Some(out) = as_nobody(&env, &[format!("--scan={}", s(&locked))]) else {
        return;
    };
    let err = crate::testenv::assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!(format!(
            "--scan={}: cannot read it (Permission denied); check the path and its permissions",
            locked.display()
        ))
    );
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod back");
}

#[test]
fn dir_that_cannot_be_scanned_is_invalid_input() {
    let env = TestEnv::new();
    let missing = env.root().join("nowhere");
    let out = sites(&env, &[&format!("--scan={}", s(&missing))]);
    let err = crate::testenv::assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!(format!(
            "--scan={}: cannot read it (No such file or directory); check the path and its permissions",
            missing.display()
        ))
    );
    let file = env.root().join("file");
    write(&file, "x");
    let out = sites(&env, &[&format!("--scan={}", s(&file))]);
    crate::testenv::assert_failure(&out, "invalid_input");
}

/// `wp eval` of `install` answers these facts.
fn answer(env: &TestEnv, install: &Path, facts: Value) {
    let path = format!("--path={}", s(install));
    let argv = eval_argv(&["--allow-root", &path]);
    env.wp
        .answer_with(&argv, &facts_stdout("PHP Notice: noise\n", facts), "", 0);
}

/// Three installs under `<root>/www`: a, b (multisite), c.
fn three(env: &TestEnv) -> (PathBuf, [PathBuf; 3]) {
    let www = env.root().join("www");
    let (a, b, c) = (www.join("a"), www.join("b"), www.join("c"));
    install(&a, "6.1.9", "");
    jetpack(&a);
    install(&b, "6.4.3", "define( 'MULTISITE', true );");
    install(&c, "6.2.6", "");
    (www, [a, b, c])
}

#[test]
fn facts_ask_each_install_once_and_keep_path_order() {
    let env = TestEnv::new();
    let (www, [a, b, c]) = three(&env);
    answer(
        &env,
        &a,
        json!({"siteurl": "https://a.test", "home": "https://a.test", "blog_id": 1001, "safe_mode": false}),
    );
    answer(
        &env,
        &b,
        json!({"siteurl": "https://b.test/wp", "home": "https://b.test", "blog_id": 0}),
    );
    // c is a copy of another site (Jetpack's safe mode): SPEC §9a.
    answer(
        &env,
        &c,
        json!({"siteurl": "http://c.test", "home": "http://c.test", "blog_id": 1003, "safe_mode": true}),
    );
    let out = sites(
        &env,
        &[
            &format!("--scan={}", s(&www)),
            "--facts",
            "--jobs=2",
            "--allow-root",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let full = |p: &Path, v: &str, m: bool, j: bool, url: &str, home: &str, id: Value| {
        let safe = match id.as_u64() {
            Some(1001) => json!(false),
            Some(1003) => json!(true),
            _ => Value::Null,
        };
        json!({"path": s(p), "wordpress": {"version": v, "multisite": m, "jetpack": j,
            "siteurl": url, "home": home, "blog_id": id, "safe_mode": safe}})
        .to_string()
    };
    assert_eq!(
        stdout(&out),
        [
            full(
                &a,
                "6.1.9",
                false,
                true,
                "https://a.test",
                "https://a.test",
                json!(1001)
            ),
            full(
                &b,
                "6.4.3",
                true,
                false,
                "https://b.test/wp",
                "https://b.test",
                Value::Null
            ),
            full(
                &c,
                "6.2.6",
                false,
                false,
                "http://c.test",
                "http://c.test",
                json!(1003)
            ),
        ]
        .join("\n")
            + "\n"
    );
    // One `wp eval` per install, with --path=<install>; nothing activated.
    let mut calls = env.wp.calls();
    calls.sort();
    let expected: Vec<Vec<String>> = [&a, &b, &c]
        .iter()
        .map(|p| {
            let path = format!("--path={}", s(p));
            eval_argv(&["--allow-root", &path])
                .into_iter()
                .map(String::from)
                .collect()
        })
        .collect();
    assert_eq!(calls, expected);
    for n in 0..3 {
        let vars = env.wp.call_env(n);
        assert!(vars.contains(&("JETPACK_WP_ACTIVATE".to_string(), "0".to_string())));
        assert!(vars.contains(&("JETPACK_WP_SAFE_MODE".to_string(), "1".to_string())));
    }

    // The same as a table: the facts columns, and error_code.
    let out = env
        .cmd()
        .env("COLUMNS", "300")
        .args([
            "sites",
            &format!("--scan={}", s(&www)),
            "--facts",
            "--allow-root",
            "--format=csv",
        ])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "path,version,multisite,jetpack,siteurl,home,blog_id,safe_mode,error_code\n\
             {},6.1.9,false,true,https://a.test,https://a.test,1001,false,\n\
             {},6.4.3,true,false,https://b.test/wp,https://b.test,,,\n\
             {},6.2.6,false,false,http://c.test,http://c.test,1003,true,\n",
            s(&a),
            s(&b),
            s(&c)
        )
    );
}

#[test]
fn an_install_wp_cannot_ask_fails_alone() {
    let env = TestEnv::new();
    let (www, [a, b, c]) = three(&env);
    answer(
        &env,
        &a,
        json!({"siteurl": "https://a.test", "home": "https://a.test", "blog_id": 1001}),
    );
    let path_b = format!("--path={}", s(&b));
    env.wp.answer_with(
        &eval_argv(&["--allow-root", &path_b]),
        "",
        "PHP Fatal error:  Uncaught Error: Call to undefined function mysql_connect() in /var/www/b/wp-content/db.php:12\n",
        255,
    );
    answer(
        &env,
        &c,
        json!({"siteurl": "http://c.test", "home": "http://c.test", "blog_id": 0}),
    );
    let out = sites(
        &env,
        &[
            &format!("--scan={}", s(&www)),
            "--facts",
            "--allow-root",
            "--jobs=3",
        ],
    );
    assert_exit(&out, 1);
    let got = lines(&out);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0]["wordpress"]["blog_id"], json!(1001));
    assert_eq!(got[2]["wordpress"]["home"], json!("http://c.test"));
    assert_eq!(got[2]["wordpress"]["blog_id"], Value::Null);
    let bad = &got[1];
    assert_eq!(bad["path"], json!(s(&b)));
    assert_eq!(bad["wordpress"]["error_code"], json!("wp_failed"), "{bad}");
    let msg = bad["wordpress"]["error_message"].as_str().unwrap_or("");
    assert!(msg.contains("mysql_connect"), "{msg}");
    assert_eq!(bad["wordpress"]["siteurl"], Value::Null);
    assert_eq!(bad["wordpress"]["version"], json!("6.4.3"));
    assert!(
        bad.get("error_code").is_none(),
        "inside wordpress: the line still feeds --batch"
    );
    assert_eq!(
        stderr(&out),
        "jetpack-partner: 1 of 3 installs could not be asked through wp (error_code in their lines)\n"
    );
    assert_eq!(
        env.wp.calls().len(),
        3,
        "no fallback calls after a PHP fatal"
    );
}

#[test]
fn facts_without_wp_is_one_error() {
    let env = TestEnv::new();
    let (www, _) = three(&env);
    let out = env
        .cmd_without_wp()
        .args(["sites", &format!("--scan={}", s(&www)), "--facts"])
        .output()
        .expect("run");
    crate::testenv::assert_failure(&out, "wp_not_found");
}

#[test]
fn sites_lines_feed_status_batch() {
    let env = TestEnv::new();
    let (www, [a, b, c]) = three(&env);
    let out = sites(&env, &[&format!("--scan={}", s(&www))]);
    assert_exit(&out, 0);
    let file = env.root().join("sites.jsonl");
    fs::write(&file, &out.stdout).expect("sites.jsonl");

    // `status` asks each site's WordPress for its blog id (or home).
    answer(&env, &a, json!({"home": "https://a.test", "blog_id": 1001}));
    answer(
        &env,
        &b,
        json!({"home": "https://b.test/shop", "blog_id": 0}),
    );
    answer(&env, &c, json!({"home": "http://c.test", "blog_id": 1003}));
    let out = env
        .cmd()
        .args([
            "status",
            "-c=1234",
            &format!("-s={SECRET}"),
            "--allow-root",
            "--dry-run",
        ])
        .arg(format!("--batch={}", file.display()))
        .output()
        .expect("run status --batch");
    assert_exit(&out, 0);
    let got = lines(&out);
    assert_eq!(got.len(), 3, "{}", stdout(&out));
    let mut by_site: Vec<(String, String)> = got
        .iter()
        .map(|v| {
            assert_eq!(v["success"], json!(true), "{v}");
            assert_eq!(v["dry_run"], json!(true), "{v}");
            let url = v["requests"][1]["url"].as_str().unwrap_or("").to_string();
            (v["site"].as_str().unwrap_or("").to_string(), url)
        })
        .collect();
    by_site.sort();
    let base = env.api.base_url();
    assert_eq!(
        by_site,
        vec![
            (s(&a), format!("{base}/rest/v1.4/jpphp/1001/status")),
            (s(&b), format!("{base}/rest/v1.4/jpphp/b.test::shop/status")),
            (s(&c), format!("{base}/rest/v1.4/jpphp/1003/status")),
        ]
    );
    assert!(env.api.requests().is_empty(), "a dry run sends nothing");
    assert!(!stdout(&out).contains(SECRET));
}

#[test]
fn a_signal_stops_the_scan_and_starts_no_new_wp() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    for i in 0..30 {
        install(&www.join(format!("site{i:02}")), "6.1.9", "");
    }
    // Every `wp` hangs like a PHP stuck on its database.
    env.wp
        .answer_bytes(None, b"", b"", 0, Some(Duration::from_secs(30)));
    let child = env
        .std_cmd()
        .args([
            "sites",
            &format!("--scan={}", s(&www)),
            "--facts",
            "--jobs=2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while env.wp.calls().len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "wp never called"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(killed, "kill -INT");
    let out = child.wait_with_output().expect("wait");
    assert_exit(&out, 130);
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the hung wp calls were ended, not waited for"
    );
    assert_eq!(env.wp.calls().len(), 2, "no wp started after the signal");
    assert_eq!(stdout(&out), "", "the two killed calls give no line");
    let last = stderr(&out).lines().last().unwrap_or("").to_string();
    let err: Value = serde_json::from_str(&last).unwrap_or_else(|e| panic!("{e}: {last}"));
    assert_eq!(err["error_code"], json!("interrupted"), "{err}");
}

#[test]
fn stdout_that_cannot_be_written_is_output_failed() {
    let env = TestEnv::new();
    let (www, _) = three(&env);
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = env
        .std_cmd()
        .args(["sites", &format!("--scan={}", s(&www))])
        .stdout(full)
        .output()
        .expect("run");
    assert_exit(&out, 1);
    let err = stderr_json(&out);
    assert_eq!(err["error_code"], json!("output_failed"), "{err}");
    let msg = err["error_message"].as_str().unwrap_or("");
    assert!(msg.contains("nothing was sent"), "{msg}");
}

#[test]
fn a_path_that_is_not_utf8_is_skipped_with_a_note() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let www = env.root().join("www");
    install(&www.join("a"), "6.1.9", "");
    let odd = www.join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    install(&odd, "6.4.3", "");
    let out = sites(&env, &[&format!("--scan={}", s(&www))]);
    assert_exit(&out, 0);
    // No JSON string (nor `--path`) could name it faithfully.
    assert_eq!(
        stdout(&out),
        format!("{}\n", line(&www.join("a"), "6.1.9", Some(false), false))
    );
    assert_eq!(
        stderr(&out),
        format!(
            "jetpack-partner: {}: the path is not UTF-8; skipped\n",
            odd.display()
        )
    );
}

/// A folder a customer named with terminal controls (OSC title, BEL, a C1
/// CSI, a right-to-left override): the table, CSV and notes show them as
/// `\u{1b}`, JSON lines carry them as `\u001b` (the same path), and none
/// reaches the terminal raw (SPEC §10, issue 17 defect 3).
#[test]
fn folder_names_with_terminal_controls_are_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let www = env.root().join("www");
    let name = "evil\u{1b}]0;owned\u{7}\u{9b}2J\u{202e}x";
    let evil = www.join(name);
    install(&evil, "6.1.9", "");
    // Not UTF-8 and hostile: skipped, with a note that shows it.
    let odd = www.join(std::ffi::OsStr::from_bytes(b"odd\xff\x1b[2J"));
    install(&odd, "6.4.3", "");
    let shown = format!(
        "{}/evil\\u{{1b}}]0;owned\\u{{7}}\\u{{9b}}2J\\u{{202e}}x",
        s(&www)
    );
    let note = format!(
        "jetpack-partner: {}/odd\u{fffd}\\u{{1b}}[2J: the path is not UTF-8; skipped\n",
        s(&www)
    );
    let scan = format!("--scan={}", s(&www));

    let out = sites(&env, &[&scan, "--format=table"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "path{}  version  multisite  jetpack\n{shown}  6.1.9    false      false\n",
            " ".repeat(shown.len() - 4)
        )
    );
    assert_eq!(stderr(&out), note);

    let out = sites(&env, &[&scan, "--format=csv"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("path,version,multisite,jetpack\n{shown},6.1.9,false,false\n")
    );
    assert_eq!(stderr(&out), note);

    let out = sites(&env, &[&scan]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "{{\"path\":\"{}/evil\\u001b]0;owned\\u0007\\u009b2J\\u202ex\",\"wordpress\":{{\"version\":\"6.1.9\",\"multisite\":false,\"jetpack\":false}}}}\n",
            s(&www)
        )
    );
    assert_eq!(lines(&out)[0]["path"], json!(s(&evil)));
    assert_eq!(stderr(&out), note);
}

/// The note about a folder that cannot be read shows its name escaped too.
#[test]
fn an_unreadable_folder_with_terminal_controls_in_its_name_is_noted_escaped() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    install(&www.join("a"), "6.1.9", "");
    for dir in [env.root().to_path_buf(), www.clone()] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let locked = www.join("locked\u{1b}[2J\u{202e}");
    mkdir(&locked);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let Some(out) = as_nobody(&env, &[format!("--scan={}", s(&www))]) else {
        return;
    };
    assert_exit(&out, 0);
    assert_eq!(
        stderr(&out),
        format!(
            "jetpack-partner: cannot read {}/locked\\u{{1b}}[2J\\u{{202e}}: Permission denied; skipped\n",
            s(&www)
        )
    );
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod back");
}

/// A newline in a folder's name: CSV quotes it and keeps it (RFC 4180), so
/// the cell still names the folder; a table shows it escaped; JSON keeps
/// it as `\n` (issue 17 defect 14).
#[test]
fn a_line_break_in_a_path_is_kept_in_csv_and_shown_in_a_table() {
    let env = TestEnv::new();
    let www = env.root().join("www");
    let odd = www.join("two\nlines, \"quoted\"");
    install(&odd, "6.1.9", "");
    let scan = format!("--scan={}", s(&www));
    let out = sites(&env, &[&scan, "--format=csv"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "path,version,multisite,jetpack\n\"{}/two\nlines, \"\"quoted\"\"\",6.1.9,false,false\n",
            s(&www)
        )
    );
    let out = sites(&env, &[&scan, "--format=table"]);
    assert_exit(&out, 0);
    let shown = format!("{}/two\\u{{a}}lines, \"quoted\"", s(&www));
    assert_eq!(
        stdout(&out),
        format!(
            "path{}  version  multisite  jetpack\n{shown}  6.1.9    false      false\n",
            " ".repeat(shown.len() - 4)
        )
    );
    let out = sites(&env, &[&scan]);
    assert_eq!(lines(&out)[0]["path"], json!(s(&odd)));
}

#[test]
fn fields_and_count_of_a_scan() {
    let env = TestEnv::new();
    let (www, [a, b, c]) = three(&env);
    let scan = format!("--scan={}", s(&www));
    let out = sites(&env, &[&scan, "--format=count"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "3\n");
    assert_eq!(stderr(&out), "");
    let out = sites(
        &env,
        &[
            &scan,
            "--format=csv",
            "--fields=multisite,wordpress.version,path",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "multisite,wordpress.version,path\nfalse,6.1.9,{}\ntrue,6.4.3,{}\nfalse,6.2.6,{}\n",
            s(&a),
            s(&b),
            s(&c)
        )
    );
    let out = sites(&env, &[&scan, "--fields=path,jetpack"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "{}\n{}\n{}\n",
            json!({"path": s(&a), "jetpack": true}),
            json!({"path": s(&b), "jetpack": false}),
            json!({"path": s(&c), "jetpack": false})
        )
    );
}
