//! `errors [CODE]`: the partner API's public error catalogue
//! (`GET /rest/v1.3/jpphp/errors`), narrowed to CODE when given. No token.

use super::Command;
use crate::credentials::CredArgs;
use crate::endpoints;
use crate::flags::common::RunArgs;
use crate::flags::{given, Context, Parsed};
use crate::job::Run;
use crate::work::{Step, Work};
use clap::Parser;

pub const HELP: &str = "\
Required: nothing (the catalogue is public; no token call).

Examples:
  jetpack-partner errors
  jetpack-partner errors invalid_plan --verbose    # with causes and solutions";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "errors",
    about = "Show the partner API's error codes (no credentials needed)",
    after_help = HELP,
    mut_arg("partner_id", |a| a.hide(true)),
    mut_arg("partner_secret", |a| a.hide(true)),
    mut_arg("partner_secret_file", |a| a.hide(true)),
    mut_arg("access_token_file", |a| a.hide(true))
)]
pub struct Errors {
    /// Accepted so one set of flags fits every command; not used (the
    /// catalogue is public, no token is asked for).
    #[command(flatten)]
    pub creds: CredArgs,

    /// Show only this code, e.g. invalid_plan
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Errors {
    fn plan(self, ctx: &Context) -> Parsed {
        ctx.invocation(&self.run, |settings| {
            let mut request = endpoints::ERRORS.request();
            if settings.verbose {
                request.raw_query = Some("verbose".to_string());
            }
            let mut steps = vec![Step::Send(request)];
            if let Some(code) = given(&self.code) {
                steps.push(Step::Narrow {
                    code: code.to_string(),
                });
            }
            Ok(Run::Plain {
                auth: None,
                work: Work { steps },
            })
        })
    }
}
