//! Every command, one module each: its flags (a clap struct), its help, how
//! its flags become a typed job, and — for site commands — what it needs to
//! know about a site and the steps it sends there. The one list below
//! registers them; the compiler says what a new command lacks.
//!
//! Adding a command: a module here implementing [`Command`] (or
//! [`site::SiteCommand`] for one that works on sites, with a
//! [`crate::job::SiteAction`]), one line in `commands!` below, and its
//! rows in `crate::endpoints`.

mod api;
mod apply;
mod audit;
mod backup_credentials;
mod cancel;
mod connect;
mod errors;
mod license;
mod magic_link;
mod partner_key;
mod provision;
mod site;
mod sites;
mod status;
mod token;
mod upgrade_paths;
mod verify;

pub use api::api_path;
pub use provision::Provision;

use crate::flags::{Context, Parsed};
use crate::job::Meta;

/// A command: its flags and how they become a run.
pub trait Command: Sized {
    /// For commands that take input lines (`--batch`, `--desired`): what a
    /// batch of them needs to know.
    const LINES: Option<&'static Meta> = None;

    /// These flags as a run, validated: usage problems as usage errors,
    /// values that cannot be used as `invalid_input`, before anything runs.
    fn plan(self, ctx: &Context) -> Parsed;
}

/// The registry: one line per command (doc comments and `#[command]`
/// attributes pass through to clap), in `--help` order.
macro_rules! commands {
    ($( $(#[$attr:meta])* $variant:ident($ty:ty) ),* $(,)?) => {
        /// Every command, as clap parses them.
        #[derive(clap::Subcommand, Debug)]
        // Parsed once per run; boxing would buy nothing.
        #[allow(clippy::large_enum_variant)]
        pub enum Cmd {
            $( $(#[$attr])* $variant($ty), )*
        }

        impl Cmd {
            /// The parsed flags as a run.
            pub fn plan(self, ctx: &Context) -> Parsed {
                match self {
                    $( Cmd::$variant(a) => Command::plan(a, ctx), )*
                }
            }
        }

        /// The names of the commands that take input lines.
        pub fn line_commands() -> Vec<&'static str> {
            [$( <$ty as Command>::LINES ),*]
                .into_iter()
                .flatten()
                .map(|m| m.name)
                .collect()
        }
    };
}

commands! {
    Provision(provision::Provision),
    Cancel(cancel::Cancel),
    Status(status::Status),
    UpgradePaths(upgrade_paths::UpgradePaths),
    BackupCredentials(backup_credentials::BackupCredentials),
    Errors(errors::Errors),
    MagicLink(magic_link::MagicLink),
    Api(api::Api),
    Token(token::Token),
    Apply(apply::Apply),
    Sites(sites::Sites),
    /// Manage partner keys (resellers)
    #[command(subcommand, name = "partner-key")]
    PartnerKey(partner_key::PartnerKey),
    Verify(verify::Verify),
    Audit(audit::AuditArgs),
    /// Jetpack licenses: issue, show, revoke, list; attach to a site; set on a site
    #[command(subcommand, name = "license", after_help = license::HELP)]
    License(license::License),
    Connect(connect::Connect),
}

pub use cancel::Cancel;
