//! `token`: the token call alone; its answer is printed (the caller asked
//! for the token, as with `partner-key new`).

use super::Command;
use crate::credentials::{self, AuthSource, CredArgs};
use crate::flags::common::RunArgs;
use crate::flags::{Context, Parsed};
use crate::job::Run;
use clap::Parser;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables).

Examples:
  jetpack-partner token -c=1234 --partner_secret_file=/etc/jetpack/secret > token.json
  jetpack-partner status --access-token-file=token.json --blog_id=12345

The token does not expire; later runs can reuse it (--access-token-file or
JETPACK_PARTNER_ACCESS_TOKEN_FILE: a file holding this JSON or the
access_token alone, readable by its owner only (chmod 600 token.json); or
JETPACK_PARTNER_ACCESS_TOKEN) and skip the token call.";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "token",
    about = "Get a partner access token and print the token answer (it does not expire: keep it safe)",
    after_help = HELP
)]
pub struct Token {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Token {
    fn plan(self, ctx: &Context) -> Parsed {
        let AuthSource::Client(creds) = ctx.credentials(&self.creds, false)? else {
            return Err(ctx.missing("--partner_id and --partner_secret"));
        };
        ctx.invocation(&self.run, |_| {
            Ok(Run::Token {
                creds: credentials::read_credentials(creds)?,
            })
        })
    }
}
