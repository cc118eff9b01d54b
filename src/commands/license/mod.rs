//! `license`: the Jetpack Licensing API (SPEC §11), a group of subcommands
//! like `partner-key`. Licenses of the partner's own (`account`: issue,
//! show, revoke, list, products), a license and a site at WordPress.com
//! (`site`: attach, detach, by blog id, refusing a copy), and the keys a
//! site's Jetpack holds (`local`: set, unset, through WordPress).
//!
//! A license key is a secret of sorts (whoever sets it on a site gets the
//! product, billed to the partner): every key given is registered at once,
//! kept in the API's answers (`show`, `attach` …: printing the license is
//! their point) and hidden everywhere else (messages, `--verbose`, dry
//! runs, `license set`'s report).

mod account;
mod local;
mod site;

use super::Command;
use crate::error::{Error, KeyProblem, Needed, Result};
use crate::flags::{Context, Parsed};
use crate::output;
use clap::Subcommand;

/// Every `license` subcommand.
#[derive(Subcommand, Debug)]
pub enum License {
    Issue(account::Issue),
    Show(account::Show),
    Revoke(account::Revoke),
    List(account::List),
    Products(account::Products),
    Attach(site::Attach),
    Detach(site::Detach),
    Set(local::Set),
    Unset(local::Unset),
}

impl Command for License {
    fn plan(self, ctx: &Context) -> Parsed {
        match self {
            License::Issue(c) => c.plan(ctx),
            License::Show(c) => c.plan(ctx),
            License::Revoke(c) => c.plan(ctx),
            License::List(c) => c.plan(ctx),
            License::Products(c) => c.plan(ctx),
            License::Attach(c) => c.plan(ctx),
            License::Detach(c) => c.plan(ctx),
            License::Set(c) => c.plan(ctx),
            License::Unset(c) => c.plan(ctx),
        }
    }
}

/// `license --help`: examples first.
pub const HELP: &str = "\
Examples:
  jetpack-partner license issue --licensing-token-file=/etc/jetpack/licensing-token --product=jetpack-scan
  jetpack-partner license set --path=/var/www/site jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM
  jetpack-partner license attach --blog_id=12345 jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM
  jetpack-partner license list | jq -r .license_key
  jetpack-partner license issue --help

The licensing token: --licensing-token-file or JETPACK_LICENSING_TOKEN, else
the partner token. Every failure names the answer's X-Jetpack-Request-Id.";

/// The credentials every licensing command's help names.
const CREDENTIALS: &str = "\
Credentials: the licensing token Jetpack gave you (--licensing-token-file or
JETPACK_LICENSING_TOKEN: the test token or the production one, whose
licenses are billed), else the partner token (--partner_id/--partner_secret
or their variables, or --access-token-file).";

/// No license key is longer (they are about 40 characters).
const KEY_LIMIT: usize = 200;

/// The `n`th key given (1 first), checked and registered as a secret. Its
/// shape beyond the characters is not checked: the API's keys are opaque.
pub fn license_key(n: usize, value: &str) -> Result<String> {
    let key = value.trim();
    let bad = |problem| Err(Error::BadLicenseKey { n, problem });
    if key.is_empty() {
        return bad(KeyProblem::Empty);
    }
    if key.len() > KEY_LIMIT {
        return bad(KeyProblem::TooLong(KEY_LIMIT));
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return bad(KeyProblem::Characters);
    }
    output::allow_in_answers(key);
    Ok(key.to_string())
}

/// The keys of the KEY arguments and `--license-key` (a comma-separated
/// list: a batch line's field), checked; at least one.
pub fn license_keys(positional: &[String], flag: &Option<String>) -> Result<Vec<String>> {
    let from_flag = flag
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|k| !k.trim().is_empty());
    let mut keys = Vec::new();
    for (i, k) in positional
        .iter()
        .map(String::as_str)
        .chain(from_flag)
        .enumerate()
    {
        let key = license_key(i + 1, k)?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err(Error::Missing(Needed::LicenseKey));
    }
    Ok(keys)
}

/// The one key of KEY or `--license-key` (a batch line's field wins over
/// the command line's KEY).
pub fn one_key(positional: &Option<String>, flag: &Option<String>) -> Result<String> {
    match (crate::flags::given(flag), crate::flags::given(positional)) {
        (Some(k), _) | (None, Some(k)) => license_key(1, k),
        (None, None) => Err(Error::Missing(Needed::LicenseKey)),
    }
}

/// What tells apart two lines with other keys for one site in a resume
/// (`--skip-done`), in a result line's `plan`: a fingerprint of the keys
/// (FNV-1a, stable across runs and versions), never a key.
pub fn fingerprint(keys: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for k in keys {
        for b in k.bytes().chain([b'\n']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("license #{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_never_repeated() {
        assert_eq!(
            license_key(1, " jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM\n").ok(),
            Some("jetpack-scan_xZjtE12WIVwBus4n2wbIrYcIM".to_string())
        );
        for (v, problem) in [
            ("", KeyProblem::Empty),
            ("  ", KeyProblem::Empty),
            ("a b", KeyProblem::Characters),
            ("k\"", KeyProblem::Characters),
            ("kä", KeyProblem::Characters),
            ("--require=x", KeyProblem::Characters),
        ] {
            let e = license_key(2, v).err();
            assert!(
                matches!(e, Some(Error::BadLicenseKey { n: 2, problem: p }) if p == problem),
                "{v:?}"
            );
            // The value itself is never in the message.
            let msg = e.map(|e| e.message()).unwrap_or_default();
            assert!(v.trim().is_empty() || !msg.contains(v.trim()), "{msg}");
        }
        assert!(matches!(
            license_key(1, &"k".repeat(201)),
            Err(Error::BadLicenseKey {
                problem: KeyProblem::TooLong(200),
                ..
            })
        ));
        let keys = license_keys(&["a1".into(), "b2".into()], &Some("c3, a1,".into()));
        assert_eq!(keys.ok(), Some(vec!["a1".into(), "b2".into(), "c3".into()]));
        assert!(matches!(
            license_keys(&[], &Some(",".into())),
            Err(Error::Missing(Needed::LicenseKey))
        ));
        assert_eq!(
            one_key(&Some("line-key".into()), &Some("flag-key".into())).ok(),
            Some("flag-key".into())
        );
    }

    #[test]
    fn fingerprints_are_stable_and_tell_keys_apart() {
        let a = fingerprint(&["k1".into()]);
        assert_eq!(a, fingerprint(&["k1".into()]));
        assert_ne!(a, fingerprint(&["k2".into()]));
        assert_ne!(
            fingerprint(&["ab".into(), "c".into()]),
            fingerprint(&["a".into(), "bc".into()])
        );
        assert!(a.starts_with("license #") && !a.contains("k1"));
    }
}
