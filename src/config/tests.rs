//! Finding, reading and checking the config file.

use super::*;
use std::os::unix::fs::PermissionsExt;

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jp-config-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn write(path: &Path, text: &[u8], mode: u32) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("dir");
    }
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn env_of(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
}

/// `--config=PATH` read, or its error's message.
fn with_flag(path: &Path) -> std::result::Result<Config, String> {
    load(Some(path.as_os_str()), &env_of(vec![])).map_err(|e| e.to_string())
}

#[test]
fn every_key() {
    let dir = folder("keys");
    let file = dir.join("config.toml");
    write(
        &file,
        b"\xef\xbb\xbf# jetpack-partner\r\npartner_id = 1234\r\npartner_secret_file = \"secret\"  # next to this file\r\naccess_token_file = '/etc/jetpack/token'\r\napi_host = \"10.0.0.5:8443\"\r\njobs = 8\r\nwp_cli_path = \"php /opt/wp-cli.phar\"\r\ntimeout = 2.5\r\n",
        0o600,
    );
    let c = with_flag(&file).expect("config");
    assert_eq!(c.file, Some(format!("--config={}", file.display())));
    assert_eq!(c.partner_id.as_deref(), Some("1234"));
    let secret = c.partner_secret_file.as_ref().expect("secret file");
    assert_eq!(secret.path, dir.join("secret"));
    assert_eq!(
        secret.origin,
        format!("--config={} line 3: partner_secret_file", file.display())
    );
    let token = c.access_token_file.as_ref().expect("token file");
    assert_eq!(token.path, Path::new("/etc/jetpack/token"));
    assert_eq!(c.api_host.as_deref(), Some("10.0.0.5:8443"));
    assert_eq!(
        c.flag_defaults(),
        vec![
            ("jobs", "8"),
            ("wp_cli_path", "php /opt/wp-cli.phar"),
            ("timeout", "2.5")
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn where_it_is_looked_for() {
    let dir = folder("where");
    let xdg = dir.join("xdg");
    let home = dir.join("home");
    let in_xdg = xdg.join("jetpack-partner/config.toml");
    let in_home = home.join(".config/jetpack-partner/config.toml");
    write(&in_xdg, b"jobs = 2\n", 0o600);
    write(&in_home, b"jobs = 3\n", 0o600);
    let named = dir.join("named.toml");
    write(&named, b"jobs = 4\n", 0o600);
    let jobs = |flag: Option<&Path>, vars: Vec<(&'static str, String)>| {
        load(flag.map(Path::as_os_str), &env_of(vars))
            .map(|c| c.jobs)
            .map_err(|e| e.to_string())
    };
    let s = |p: &Path| p.display().to_string();
    let xdg_var = ("XDG_CONFIG_HOME", s(&xdg));
    let home_var = ("HOME", s(&home));
    assert_eq!(
        jobs(None, vec![xdg_var.clone(), home_var.clone()]),
        Ok(Some("2".into()))
    );
    assert_eq!(jobs(None, vec![home_var.clone()]), Ok(Some("3".into())));
    // A relative XDG_CONFIG_HOME is ignored, as XDG says.
    assert_eq!(
        jobs(
            None,
            vec![("XDG_CONFIG_HOME", "rel".into()), home_var.clone()]
        ),
        Ok(Some("3".into()))
    );
    let var = (CONFIG_VAR, s(&named));
    assert_eq!(
        jobs(None, vec![var.clone(), xdg_var.clone()]),
        Ok(Some("4".into()))
    );
    assert_eq!(
        jobs(Some(&in_home), vec![var, xdg_var]),
        Ok(Some("3".into()))
    );
    // Missing default locations are skipped (this machine has no
    // /etc/jetpack-partner either, or the test says nothing about it).
    let nowhere = ("HOME", s(&dir.join("nobody")));
    if !Path::new(SYSTEM_CONFIG).exists() {
        assert_eq!(jobs(None, vec![nowhere]), Ok(None));
    }
    // A file named by flag or variable must be there.
    let missing = dir.join("missing.toml");
    let err = jobs(Some(&missing), vec![]).unwrap_err();
    assert!(
        err.starts_with(&format!(
            "--config={}: cannot read it (No such file",
            missing.display()
        )),
        "{err}"
    );
    let err = jobs(None, vec![(CONFIG_VAR, s(&missing))]).unwrap_err();
    assert!(err.starts_with("JETPACK_PARTNER_CONFIG="), "{err}");
    // /dev/null: no config at all, whatever the default locations hold.
    assert_eq!(jobs(Some(Path::new("/dev/null")), vec![home_var]), Ok(None));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_lines_name_the_file_and_line() {
    let dir = folder("bad");
    let file = dir.join("c.toml");
    let f = file.display().to_string();
    for (text, want) in [
        (&b"jobs = 8\nthreads = 4\n"[..], "line 2: unknown key \"threads\"; the keys are partner_id, partner_secret_file, access_token_file, licensing_token_file, reporting_token_file, api_host, jobs, wp_cli_path, timeout"),
        (b"Zx9-secret=1\n", "line 1: unknown key (not repeated here"),
        (b"jobs = \"8\"\n", "line 1: jobs must be a whole number, e.g. jobs = 8"),
        (b"\n\njobs = 0\n", "line 3: jobs: --jobs=\"0\" is not"),
        (b"timeout = \"30\"", "line 1: timeout must be a number of seconds, e.g. timeout = 30"),
        (b"timeout = -1", "line 1: timeout: --timeout=\"-1\" is not"),
        (b"partner_id = true", "line 1: partner_id must be a client id, e.g. partner_id = 1234"),
        (b"partner_secret_file = 5", "line 1: partner_secret_file must be a path in quotes"),
        (b"partner_secret_file = \"-\"", "line 1: partner_secret_file = \"-\": a config file cannot read a secret from stdin"),
        (b"wp_cli_path = \"php 'x\"", "line 1: wp_cli_path: --wp-cli-path=\"php 'x\" cannot be split into words"),
        (b"api_host = \"https://u:p@h\"", "line 1: api_host holds a user name or password"),
        (b"api_host = \"http://example.com\"", "line 1: api_host is plain http:// to example.com"),
        (b"jobs = 2\njobs = 3\n", "line 2: jobs is set on line 1 already; set it once"),
        (b"[jetpack]\njobs = 2\n", "line 1: [tables] are not supported"),
        (b"jobs = 2\n# ok\n\xff\xfe = 1\n", "line 3: not UTF-8 text; save the file as UTF-8"),
    ] {
        write(&file, text, 0o600);
        let err = with_flag(&file).unwrap_err();
        let want = format!("--config={f} {want}");
        assert!(err.starts_with(&want), "\n got: {err}\nwant: {want}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_that_are_no_config() {
    let dir = folder("files");
    let file = dir.join("c.toml");
    let f = file.display().to_string();
    // Readable by others, directly or through a link: insecure_file.
    write(&file, b"jobs = 2\n", 0o644);
    let link = dir.join("link.toml");
    std::os::unix::fs::symlink(&file, &link).expect("symlink");
    for (path, shown) in [(&file, f.clone()), (&link, link.display().to_string())] {
        let e = load(Some(path.as_os_str()), &env_of(vec![])).unwrap_err();
        assert_eq!(e.error_code(), "insecure_file");
        assert_eq!(
            e.to_string(),
            format!("--config={shown}: other users can read it (mode 0644), so it is not used (as ssh refuses a loose key); make it readable by its owner only: chmod 600 {shown}")
        );
    }
    write(&file, b"jobs = 2\n", 0o620);
    let e = with_flag(&file).unwrap_err();
    assert!(e.contains("other users can change it (mode 0620)"), "{e}");
    // A secret file that is the config itself.
    write(&file, b"partner_secret_file = \"c.toml\"\n", 0o600);
    assert!(with_flag(&file).unwrap_err().ends_with(
        "line 1: partner_secret_file names this config file itself; name the file that holds the secret"
    ));
    // Too large, endless, a folder, a FIFO nobody writes to (read at once:
    // empty), a FIFO others may read.
    write(&file, &vec![b'#'; 64 * 1024 + 1], 0o600);
    assert!(with_flag(&file)
        .unwrap_err()
        .ends_with("larger than 64 KiB, which no config file is; check the path"));
    assert!(with_flag(Path::new("/dev/zero"))
        .unwrap_err()
        .ends_with("larger than 64 KiB, which no config file is; check the path"));
    assert!(with_flag(&dir)
        .unwrap_err()
        .ends_with("it is a folder; give the config file itself"));
    let fifo = dir.join("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo with a NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert_eq!(with_flag(&fifo).map(|c| c.jobs), Ok(None));
    std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert!(with_flag(&fifo)
        .unwrap_err()
        .contains("other users can read it (mode 0644)"));
    let _ = std::fs::remove_dir_all(&dir);
}
