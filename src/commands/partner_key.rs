//! `partner-key new`: a partner key for a reseller's customer
//! (`POST /rest/v1.3/jpphp/partner-keys/new`); its answer holds the new
//! client id and secret, printed once.

use super::Command;
use crate::credentials::{self, CredArgs};
use crate::endpoints;
use crate::error::{Error, Expected};
use crate::flags::common::RunArgs;
use crate::flags::{given, Context, Parsed};
use crate::job::Run;
use crate::work::Work;
use clap::{Parser, Subcommand};

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--name.

Examples:
  jetpack-partner partner-key new -c=1234 -s=\"$SECRET\" --name=\"Agency A\" --allowed_premium_plans=100
  jetpack-partner partner-key new --name=\"Agency B\" --allowed_personal_plans=10 --notes=\"invoice 42\"

Prints the new key as JSON, its client_id and client_secret included: store it
safely, it is shown once.";

#[derive(Subcommand, Debug)]
pub enum PartnerKey {
    New(New),
}

impl Command for PartnerKey {
    fn plan(self, ctx: &Context) -> Parsed {
        match self {
            PartnerKey::New(new) => new.plan(ctx),
        }
    }
}

#[derive(Parser, Debug, Clone, Default)]
#[command(name = "new", about = "Create a new partner key (resellers)", after_help = HELP)]
pub struct New {
    #[command(flatten)]
    pub creds: CredArgs,

    /// Name of the new key
    #[arg(long = "name", value_name = "NAME", help_heading = "Key")]
    pub name: Option<String>,

    /// How many personal plans the key may provision
    #[arg(
        long = "allowed_personal_plans",
        visible_alias = "allowed-personal-plans",
        value_name = "N",
        help_heading = "Key"
    )]
    pub allowed_personal_plans: Option<String>,

    /// How many premium plans the key may provision
    #[arg(
        long = "allowed_premium_plans",
        visible_alias = "allowed-premium-plans",
        value_name = "N",
        help_heading = "Key"
    )]
    pub allowed_premium_plans: Option<String>,

    /// How many professional plans the key may provision
    #[arg(
        long = "allowed_professional_plans",
        visible_alias = "allowed-professional-plans",
        value_name = "N",
        help_heading = "Key"
    )]
    pub allowed_professional_plans: Option<String>,

    /// Free text stored with the key
    #[arg(long = "notes", value_name = "TEXT", help_heading = "Key")]
    pub notes: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for New {
    fn plan(self, ctx: &Context) -> Parsed {
        let auth = ctx.credentials(&self.creds, true)?;
        let Some(name) = given(&self.name).map(str::to_string) else {
            return Err(ctx.missing("--name=<NAME>"));
        };
        ctx.invocation(&self.run, |_| {
            let mut form = vec![("name".to_string(), name)];
            for (field, value) in [
                ("allowed_personal_plans", &self.allowed_personal_plans),
                ("allowed_premium_plans", &self.allowed_premium_plans),
                (
                    "allowed_professional_plans",
                    &self.allowed_professional_plans,
                ),
            ] {
                if let Some(v) = given(value) {
                    let n = v.trim().parse::<u64>().map_err(|_| Error::BadValue {
                        flag: format!("--{field}"),
                        value: v.to_string(),
                        expected: Expected::PlanCount,
                    })?;
                    form.push((field.to_string(), n.to_string()));
                }
            }
            if let Some(n) = given(&self.notes) {
                form.push(("notes".to_string(), n.to_string()));
            }
            Ok(Run::Plain {
                auth: Some(credentials::read_auth(auth)?),
                work: Work::send(endpoints::PARTNER_KEY_NEW.request().form(form)),
            })
        })
    }
}
