//! `audit`: one read-only view of a fleet (SPEC §11) — which sites, where
//! the findings go, and whose billing is read. The audit itself is
//! `crate::audit`.

use super::Command;
use crate::audit::{billing, local::Local, Audit};
use crate::credentials::{self, CredArgs};
use crate::environment::ID_VAR;
use crate::error::{Error, Expected, FileProblem, Result};
use crate::flags::common::{JobsArg, RunArgs, ScanArgs, WpArgs};
use crate::flags::values::{depth, jobs, summary_json, wp_settings};
use crate::flags::{given, Context, Parsed};
use crate::job::Run;
use crate::tokens::{self, ReportingTokenArg};
use clap::Parser;
use serde_json::Value;
use std::path::PathBuf;

pub const HELP: &str = "\
Required: the partner credentials (or a token) and the sites: --scan, --batch
or --all-sites.

Examples:
  jetpack-partner audit -c=1234 --partner_secret_file=/etc/jetpack/secret --scan=/var/www --allow-root
  jetpack-partner audit -c=1234 --partner_secret_file=/etc/jetpack/secret --scan=/var/www \\
      --reporting-token-file=/etc/jetpack/reporting-token --partner-key-id=42 \\
      --desired=desired.jsonl --format=html > audit.html

One JSON line per finding, then a summary per kind and product on stderr:
  {\"kind\":\"safe_mode\",\"site\":\"/var/www/staging\",\"blog_id\":123,\"product\":null,
   \"evidence\":{...},\"advice\":\"...\",\"run\":\"...\"}
kinds: billed_without_local_site, local_product_not_billed,
pending_over_14_days (with the reporting token), safe_mode,
duplicate_blog_id, not_connected, license_error, drift (with --desired:
what apply would change).

Nothing is changed: WordPress is asked (one `wp eval` per install) and the
API read (a status per site; the activations, every page). --format=html
writes one self-contained page (no network, no script from elsewhere) to
attach to a ticket. Exits 1 when a site could not be read (the report
covers the others).";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "audit",
    about = "Audit a fleet, read only: copies, shared blog ids, connection, drift and what is billed",
    after_help = HELP
)]
pub struct AuditArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub installs: ScanArgs,

    /// The sites: one JSON object per line naming each by path, url or blog_id (sites --scan output; - for stdin)
    #[arg(
        long = "batch",
        value_name = "FILE",
        conflicts_with = "scan",
        help_heading = "Sites"
    )]
    pub batch: Option<String>,

    /// The sites: every site of the multisite network at --path
    #[arg(
        long = "all-sites",
        visible_alias = "all_sites",
        conflicts_with_all = ["scan", "batch"],
        help_heading = "Sites"
    )]
    pub all_sites: bool,

    /// apply's desired-state file: report where sites differ from it (drift)
    #[arg(long = "desired", value_name = "FILE", help_heading = "Audit")]
    pub desired: Option<String>,

    #[command(flatten)]
    pub reporting: ReportingTokenArg,

    /// The partner key whose billed activations are read (with --reporting-token-file)
    #[arg(
        long = "partner-key-id",
        visible_alias = "partner_key_id",
        value_name = "ID",
        help_heading = "Audit"
    )]
    pub partner_key_id: Option<String>,

    /// json (one line per finding) or html (one self-contained page) [default: json]
    #[arg(long = "format", value_name = "FORMAT", help_heading = "Output")]
    pub format: Option<String>,

    /// The summary on stderr: text, or json (one object: run, sites, activations, unread, findings, by_kind, elapsed_ms)
    #[arg(long = "summary", value_name = "FORMAT", help_heading = "Output")]
    pub summary: Option<String>,

    #[command(flatten)]
    pub jobs: JobsArg,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for AuditArgs {
    fn plan(self, ctx: &Context) -> Parsed {
        let auth = ctx.credentials(&self.creds, true)?;
        let local = match (
            given(&self.installs.scan),
            given(&self.batch),
            self.all_sites,
        ) {
            (Some(dir), _, _) => Local::Scan {
                root: PathBuf::from(dir),
                max_depth: 0,
            },
            (_, Some(file), _) => Local::Lines(file.to_string()),
            (_, _, true) => Local::Network,
            _ => return Err(ctx.missing("--scan=<DIR>, --batch=<FILE> or --all-sites")),
        };
        // The activations are read by partner id and key id (the id as the
        // credentials find it: flag, environment, config).
        let partner_id = given(&self.creds.partner_id)
            .map(str::to_string)
            .or_else(|| (ctx.env)(ID_VAR).filter(|s| !s.is_empty()))
            .or_else(|| ctx.config.partner_id.clone());
        let partner_id = match (given(&self.partner_key_id), partner_id) {
            (None, _) => String::new(),
            (Some(_), Some(id)) => id.trim().to_string(),
            (Some(_), None) => return Err(ctx.missing("--partner_id=<ID> (with --partner-key-id)")),
        };
        // Billing is read with both or neither.
        let reporting = tokens::reporting_source(&self.reporting, ctx.env, &ctx.config);
        match (&reporting, given(&self.partner_key_id)) {
            (Some(_), None) => {
                return Err(ctx.missing("--partner-key-id=<ID> (with the reporting token)"))
            }
            (None, Some(_)) => {
                return Err(ctx.missing("--reporting-token-file=<PATH> (with --partner-key-id)"))
            }
            _ => {}
        }
        let sources = tokens::Sources {
            licensing: None,
            reporting,
        };
        let parsed = ctx.invocation(&self.run, |_| {
            let local = match local {
                Local::Scan { root, .. } => Local::Scan {
                    root,
                    max_depth: depth(&self.installs.max_depth)?,
                },
                other => other,
            };
            let audit = Audit {
                local,
                wp: wp_settings(&self.wp)?,
                jobs: jobs(&self.jobs)?,
                desired: given(&self.desired).map(desired).transpose()?,
                billing: self.billing(partner_id)?,
                html: html(&self.format)?,
                json_summary: summary_json(&self.summary)?,
            };
            Ok(Run::Task {
                auth: Some(credentials::read_auth(auth)?),
                task: Box::new(audit),
            })
        });
        tokens::with_tokens(parsed, sources)
    }
}

impl AuditArgs {
    /// `--partner-key-id`: whose activations (the reporting token's owner).
    fn billing(&self, partner_id: String) -> Result<Option<billing::Key>> {
        let Some(v) = given(&self.partner_key_id) else {
            return Ok(None);
        };
        let key_id = v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| Error::BadValue {
                flag: "--partner-key-id".into(),
                value: v.to_string(),
                expected: Expected::KeyId,
            })?;
        Ok(Some(billing::Key { partner_id, key_id }))
    }
}

/// `--format`: json (false) or html (true).
fn html(v: &Option<String>) -> Result<bool> {
    match given(v).map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("json") => Ok(false),
        Some("html") => Ok(true),
        Some(_) => Err(Error::BadValue {
            flag: "--format".into(),
            value: given(v).unwrap_or_default().to_string(),
            expected: Expected::AuditFormat,
        }),
    }
}

/// `--desired=FILE`: apply's desired-state lines, by site.
fn desired(file: &str) -> Result<std::collections::HashMap<String, Vec<String>>> {
    let bad = |problem| Error::BadFile {
        flag: "--desired".into(),
        path: PathBuf::from(file),
        problem,
    };
    let text = if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?
    };
    let lines: Vec<Value> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(crate::audit::desired_map(&lines))
}
