//! `verify`: check a partner's credentials
//! (`POST /rest/v1.3/jpphp/partner-keys/verify`).

use super::Command;
use crate::credentials::{self, CredArgs};
use crate::endpoints;
use crate::flags::common::RunArgs;
use crate::flags::{Context, Parsed};
use crate::job::Run;
use crate::work::Work;
use clap::Parser;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables).

Examples:
  jetpack-partner verify -c=1234 -s=\"$SECRET\"
  jetpack-partner verify -c=1234 --partner_secret_file=/etc/jetpack/secret";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "verify",
    about = "Check partner credentials: exit 0 when WordPress.com accepts them, 1 when not",
    after_help = HELP
)]
pub struct Verify {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Verify {
    fn plan(self, ctx: &Context) -> Parsed {
        let auth = ctx.credentials(&self.creds, true)?;
        ctx.invocation(&self.run, |_| {
            Ok(Run::Plain {
                auth: Some(credentials::read_auth(auth)?),
                work: Work::send(endpoints::PARTNER_KEY_VERIFY.request()),
            })
        })
    }
}
