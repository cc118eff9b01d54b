//! `magic-link --email`: email a user a link that logs them in to the
//! WordPress mobile app (`POST /rest/v1.3/jpphp/mobile-magic-link`).

use super::Command;
use crate::credentials::{self, CredArgs};
use crate::endpoints;
use crate::flags::common::RunArgs;
use crate::flags::{given, Context, Parsed};
use crate::job::Run;
use crate::work::Work;
use clap::Parser;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--email.

Examples:
  jetpack-partner magic-link -c=1234 -s=\"$SECRET\" --email=owner@example.com

WordPress.com allows 5 per address per hour; past that the API's
too_many_requests error is passed through (never retried).";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "magic-link",
    about = "Email a user a magic link that logs them in to the WordPress mobile app",
    after_help = HELP
)]
pub struct MagicLink {
    #[command(flatten)]
    pub creds: CredArgs,

    /// The user's email address
    #[arg(long = "email", value_name = "ADDR", help_heading = "Magic link")]
    pub email: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for MagicLink {
    fn plan(self, ctx: &Context) -> Parsed {
        let auth = ctx.credentials(&self.creds, true)?;
        let Some(email) = given(&self.email).map(str::to_string) else {
            return Err(ctx.missing("--email=<ADDR>"));
        };
        ctx.invocation(&self.run, |_| {
            Ok(Run::Plain {
                auth: Some(credentials::read_auth(auth)?),
                work: Work::send(
                    endpoints::MAGIC_LINK
                        .request()
                        .form(vec![("email".to_string(), email)]),
                ),
            })
        })
    }
}
