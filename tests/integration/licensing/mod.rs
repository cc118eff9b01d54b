//! The licensing commands and `connect` (SPEC §11) end to end against the
//! stateful fake (`testenv/licensing.rs`): exact stdout, stderr JSON, exit
//! code and the requests the fake saw.
//!
//! A test of one command goes in its module: [`issue`] (`license issue`,
//! the product check, `--count`), [`account`] (`show`, `revoke`, `list`
//! and its pages, `products`), [`site`] (`attach`, `detach`: the site,
//! safe mode, batches), [`local`] (`set`, `unset` through the fake `wp`),
//! [`connect`], [`provision_license`] (`provision --license`), [`apply_license`]
//! (`apply`'s `"via":"license"`). The tokens every one of them takes (licensing, partner,
//! the wrong kind) and the request id in failures go in [`tokens`].

use crate::partner_api::{model_get, write_file};
use crate::testenv::partner::PartnerApi;
use crate::testenv::{run_clean, TestEnv, PARTNER_TOKEN, SECRET};
use serde_json::Value;
use std::process::Output;

mod account;
mod apply_license;
mod connect;
mod issue;
mod local;
mod provision_license;
mod site;
mod tokens;

pub const LICENSE: &str = "/wpcom/v2/jetpack-licensing/license";
pub const LICENSES: &str = "/wpcom/v2/jetpack-licensing/licenses";
pub const FAMILIES: &str = "/wpcom/v2/jetpack-licensing/product-families";
pub const CONNECT: &str = "/wpcom/v2/jetpack-licensing/site-connection";

/// A sandbox with the stateful fake, partner 1234 and a licensing token of
/// it in a file.
pub struct Lic {
    pub env: TestEnv,
    pub partner: PartnerApi,
    pub token: String,
    pub file: String,
}

impl Lic {
    pub fn new() -> Lic {
        let env = TestEnv::new();
        let partner = env.partner_api();
        let token = partner.licensing_token("1234");
        let file = write_file(&env, "licensing-token", &format!("{token}\n"));
        Lic {
            env,
            partner,
            token,
            file,
        }
    }

    /// `--licensing-token-file=<the token's file>`.
    pub fn flag(&self) -> String {
        format!("--licensing-token-file={}", self.file)
    }

    /// The binary without `wp`: the command words of `args`, the token
    /// flag, the rest of `args`. No secret, token or `keys` may show up on
    /// stdout or stderr.
    pub fn run(&self, args: &[&str], keys: &[&str]) -> Output {
        let mut cmd = self.env.cmd_without_wp();
        let words = if args.first() == Some(&"license") {
            2
        } else {
            1
        };
        let (words, rest) = args.split_at(words.min(args.len()));
        cmd.args(words).arg(self.flag()).args(rest);
        self.clean(&mut cmd, keys)
    }

    /// Runs `cmd`: neither the client secret nor any token, nor `keys`,
    /// may show up.
    pub fn clean(&self, cmd: &mut assert_cmd::Command, keys: &[&str]) -> Output {
        let partner = self.partner.token_of("1234").unwrap_or_default();
        let mut hidden = vec![self.token.as_str(), partner.as_str(), PARTNER_TOKEN];
        hidden.extend(keys);
        run_clean(cmd, &hidden)
    }

    /// The model's answer to `GET path` with the licensing token, as sent
    /// (asked directly; the fake records it too).
    pub fn get(&self, path: &str) -> String {
        model_get(&self.env, path, Some(&self.token))
    }

    /// The licensing and reporting requests the fake saw, in order.
    pub fn requests(&self) -> Vec<crate::testenv::fake_api::Recorded> {
        self.env
            .api
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/wpcom/v2/"))
            .collect()
    }
}

/// `-c=1234 -s=<SECRET>`.
pub fn partner_creds() -> [String; 2] {
    ["-c=1234".into(), format!("-s={SECRET}")]
}

/// stdout as JSON lines.
pub fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
