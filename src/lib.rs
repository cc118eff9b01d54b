//! jetpack-partner as a library: the binary in `main.rs` parses flags and
//! prints; everything else lives here so tests and fuzz targets can reach
//! the pure parts (flag parsing, `wp` output parsing, API answer rules).
//!
//! Data flows one way: flags (`cli`) → typed plans (`plan`) → the site
//! (`site`, asking WordPress through `wp`) → the steps of the command
//! (`work`, from the `endpoints` table) → the executor (`exec`, over `api`),
//! one site or many (`batch`) → one output (`output`).

pub mod api;
pub mod audit;
pub mod batch;
pub mod cli;
pub mod endpoints;
pub mod environment;
pub mod error;
pub mod exec;
pub mod output;
pub mod plan;
pub mod process;
pub mod signals;
pub mod site;
pub mod sites;
pub mod tls;
pub mod work;
pub mod wp;

use exec::{Done, Executor};
use plan::{Command, Invocation, Target};
use work::Work;

pub use output::Outcome;

impl From<Done> for Outcome {
    fn from(d: Done) -> Outcome {
        match d {
            Done::Body(b) => Outcome::Body(b),
            Done::Applied(fields) => Outcome::Json(serde_json::Value::Object(fields)),
            Done::Unchanged(status) => Outcome::Json(serde_json::json!({
                "success": true,
                "changed": false,
                "status": status,
            })),
            Done::DryRun(v) => Outcome::Json(v),
        }
    }
}

/// Run a parsed command: one site, a batch, or a request without a site.
pub fn run(invocation: Invocation) -> error::Result<Outcome> {
    let Invocation { settings, command } = invocation;
    output::set_verbose(settings.verbose);
    let plain = |settings, auth, work| Executor::new(settings, auth).plain(work);
    let done = match command {
        Command::Site { auth, target } => {
            let exec = Executor::new(settings, Some(auth));
            return match target {
                Target::One(job) => exec.site(&job).map(Outcome::from),
                Target::Many(batch) => {
                    batch::run(&batch, &exec).map(|failed| Outcome::Printed { failed })
                }
            };
        }
        Command::PartnerKeyNew { auth, form } => plain(
            settings,
            Some(auth),
            Work::send(endpoints::PARTNER_KEY_NEW.request().form(form)),
        ),
        Command::Verify { auth } => plain(
            settings,
            Some(auth),
            Work::send(endpoints::PARTNER_KEY_VERIFY.request()),
        ),
        Command::Errors { code, verbose } => {
            plain(settings, None, work::errors(code.as_deref(), verbose))
        }
        Command::MagicLink { auth, email } => plain(
            settings,
            Some(auth),
            Work::send(
                endpoints::MAGIC_LINK
                    .request()
                    .form(vec![("email".to_string(), email)]),
            ),
        ),
        Command::Api { auth, call } => {
            plain(settings, Some(auth), Work::send(endpoints::api(&call)))
        }
        Command::Sites(scan) => {
            return sites::run(&scan).map(|failed| Outcome::Printed { failed });
        }
        Command::Token { creds } => {
            Executor::new(settings, Some(plan::Auth::Client(creds))).token_answer()
        }
    };
    done.map(Outcome::from)
}
