//! The order credentials are looked up in ([`super::source`]).

use super::*;
use crate::config::FileSetting;

fn args(flags: &[&str]) -> CredArgs {
    let mut c = CredArgs::default();
    for f in flags {
        match *f {
            "id" => c.partner_id = Some("flag-id".into()),
            "secret" => c.partner_secret = Some("flag-secret".into()),
            "secret_file" => c.partner_secret_file = Some("/flag/secret".into()),
            "token_file" => c.access_token_file = Some("/flag/token".into()),
            other => panic!("{other}"),
        }
    }
    c
}

fn config(keys: &[&str]) -> Config {
    let setting = |path: &str, key: &str| {
        Some(FileSetting {
            path: path.into(),
            origin: format!("config file /c line 1: {key}"),
        })
    };
    let mut c = Config::default();
    for k in keys {
        match *k {
            "partner_id" => c.partner_id = Some("config-id".into()),
            "partner_secret_file" => {
                c.partner_secret_file = setting("/config/secret", "partner_secret_file")
            }
            "access_token_file" => {
                c.access_token_file = setting("/config/token", "access_token_file")
            }
            other => panic!("{other}"),
        }
    }
    c
}

/// Which source wins, as "token ORIGIN" or "ID secret ORIGIN".
fn winner(flags: &[&str], vars: &[(&str, &str)], keys: &[&str], token_ok: bool) -> String {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let origin = |s: &SecretSource| match s {
        SecretSource::Value { origin, .. } | SecretSource::File { origin, .. } => origin.clone(),
    };
    match source(&args(flags), &env, &config(keys), token_ok) {
        Ok(AuthSource::Token(t)) => format!("token {}", origin(&t)),
        Ok(AuthSource::Client(c)) => format!("{} secret {}", c.id, origin(&c.secret)),
        Err(Missing(m)) => format!("missing {}", m.split(' ').next().unwrap_or(m)),
    }
}

#[test]
fn flags_then_environment_then_config() {
    let all_vars = [
        (TOKEN_VAR, "t"),
        (TOKEN_FILE_VAR, "/env/token"),
        (SECRET_VAR, "s"),
        (SECRET_FILE_VAR, "/env/secret"),
        (ID_VAR, "env-id"),
    ];
    let all_keys = ["partner_id", "partner_secret_file", "access_token_file"];
    let everything = ["id", "secret", "secret_file", "token_file"];
    // (flags, variables, config keys, winner)
    type Case<'a> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a [&'a str],
        &'a str,
    );
    let cases: &[Case] = &[
        (
            &everything,
            &all_vars,
            &all_keys,
            "token --access-token-file",
        ),
        (
            &["id", "secret", "secret_file"],
            &all_vars,
            &all_keys,
            "flag-id secret --partner_secret",
        ),
        (
            &["secret_file"],
            &all_vars,
            &all_keys,
            "env-id secret --partner_secret_file",
        ),
        // --partner_id alone asks for no token of its own.
        (
            &["id"],
            &all_vars,
            &all_keys,
            "token JETPACK_PARTNER_ACCESS_TOKEN",
        ),
        (
            &["id"],
            &all_vars[1..],
            &all_keys,
            "token JETPACK_PARTNER_ACCESS_TOKEN_FILE",
        ),
        (
            &[],
            &all_vars[2..],
            &all_keys,
            "env-id secret JETPACK_PARTNER_SECRET",
        ),
        (
            &[],
            &all_vars[3..],
            &all_keys,
            "env-id secret JETPACK_PARTNER_SECRET_FILE",
        ),
        // The environment's id, the config's secret.
        (
            &[],
            &all_vars[4..],
            &["partner_id", "partner_secret_file"],
            "env-id secret config file /c line 1: partner_secret_file",
        ),
        (
            &[],
            &[],
            &all_keys,
            "token config file /c line 1: access_token_file",
        ),
        (
            &["id"],
            &[],
            &["partner_id", "partner_secret_file"],
            "flag-id secret config file /c line 1: partner_secret_file",
        ),
        (
            &[],
            &[],
            &["partner_secret_file"],
            "missing --partner_id=<ID>",
        ),
        (
            &[],
            &[],
            &["partner_id"],
            "missing --partner_secret=<SECRET>",
        ),
        // Blank values are not given.
        (
            &[],
            &[(TOKEN_VAR, " \n"), (SECRET_VAR, ""), (ID_VAR, "")],
            &["partner_id", "partner_secret_file"],
            "config-id secret config file /c line 1: partner_secret_file",
        ),
    ];
    for (flags, vars, keys, want) in cases {
        assert_eq!(
            winner(flags, vars, keys, true),
            *want,
            "{flags:?} {vars:?} {keys:?}"
        );
    }
}

#[test]
fn token_takes_no_token() {
    let vars = [(TOKEN_VAR, "t"), (ID_VAR, "env-id"), (SECRET_VAR, "s")];
    assert_eq!(
        winner(&["token_file"], &vars, &["access_token_file"], false),
        "env-id secret JETPACK_PARTNER_SECRET"
    );
    assert_eq!(
        winner(&[], &vars[..1], &["access_token_file"], false),
        "missing --partner_id=<ID>"
    );
}

#[test]
fn systemd_credentials_stand_after_the_variables() {
    let dir = std::env::temp_dir().join(format!("jp-creds-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join(SYSTEMD_SECRET), "s\n").expect("secret");
    let d = dir.to_string_lossy().into_owned();
    let systemd = (CREDENTIALS_DIRECTORY, d.as_str());
    assert_eq!(
        winner(&[], &[systemd, (ID_VAR, "i")], &[], true),
        "i secret systemd credential jetpack-partner-secret"
    );
    assert_eq!(
        winner(
            &[],
            &[systemd, (ID_VAR, "i"), (SECRET_FILE_VAR, "/f")],
            &[],
            true
        ),
        "i secret JETPACK_PARTNER_SECRET_FILE"
    );
    // A token credential beats a secret at the same level; the config's
    // token stands below both.
    std::fs::write(dir.join(SYSTEMD_TOKEN), "t\n").expect("token");
    assert_eq!(
        winner(
            &[],
            &[systemd, (SECRET_VAR, "s"), (ID_VAR, "i")],
            &["access_token_file"],
            true
        ),
        "token systemd credential jetpack-partner-token"
    );
    // A folder without our names: nothing.
    let empty = std::env::temp_dir();
    let e = empty.to_string_lossy().into_owned();
    assert_eq!(
        winner(&[], &[(CREDENTIALS_DIRECTORY, e.as_str())], &[], true),
        "missing --partner_id=<ID>"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_token_is_bare_or_the_json_token_printed() {
    let read = |v: &str| {
        read_token(SecretSource::Value {
            origin: TOKEN_VAR.into(),
            value: v.into(),
        })
        .map_err(|e| e.to_string())
    };
    assert_eq!(read("tok-1\n"), Ok("tok-1".into()));
    assert_eq!(
        read("{not-json-but-a-token}"),
        Ok("{not-json-but-a-token}".into())
    );
    assert_eq!(
        read("{\"access_token\": \"tok-2\", \"token_type\":\"bearer\",\"blog_id\":0}\n"),
        Ok("tok-2".into())
    );
    let no_token = read("{\"token_type\":\"bearer\"}").unwrap_err();
    assert!(
        no_token.starts_with("JETPACK_PARTNER_ACCESS_TOKEN: JSON without an \"access_token\""),
        "{no_token}"
    );
    let cut = read("{\"access_token\": \"tok-").unwrap_err();
    assert!(cut.contains("starts like JSON but is not JSON"), "{cut}");
    assert!(!cut.contains("tok-"), "{cut}");
    assert!(read("two words").is_err());
}
