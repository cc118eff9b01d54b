//! `sites --scan=DIR`: the WordPress installs under a folder, found without
//! running them (the scan itself is `crate::scan`).

use super::Command;
use crate::flags::common::{ListCommon, ScanArgs};
use crate::flags::values::{depth, jobs, listing, wp_settings};
use crate::flags::{given, Context, Parsed};
use crate::job::Run;
use crate::scan::{self, Scan};
use clap::Parser;

pub const HELP: &str = "\
Required: --scan.

Examples:
  jetpack-partner sites --scan=/var/www
  jetpack-partner sites --scan=/home --max-depth=4 --format=table
  jetpack-partner sites --scan=/var/www --facts --allow-root > sites.jsonl
  jetpack-partner status -c=1234 -s=\"$SECRET\" --batch=sites.jsonl

One JSON line per install, sorted by path (a site before the ones nested in it):
  {\"path\":\"/var/www/a\",\"wordpress\":{\"version\":\"6.1.9\",\"multisite\":false,\"jetpack\":true}}
path is the folder with wp-load.php (WP-CLI's --path); wp-config.php may be
there or one level up, as WordPress allows. --batch takes the lines as they
are and ignores \"wordpress\".

Nothing is executed: the version is read from wp-includes/version.php and
multisite from wp-config.php as text, comments ignored (MULTISITE's value as
WordPress's is_multisite() reads it; null when it is not a plain value).
jetpack: a wp-content/plugins/jetpack folder exists. --facts adds siteurl,
home and blog_id from one `wp eval` per install, --jobs at a time; an install
wp cannot answer gets error_code and error_message in its \"wordpress\" object,
and the run exits 1.

Not looked into: links to folders (DIR itself may be one), wp-admin,
wp-includes, wp-content, node_modules and hidden folders (.git, .snapshot,
...). --max-depth counts DIR's subfolders as 1. A folder that cannot be read
is skipped with a note on stderr.";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "sites",
    about = "Find the WordPress installs under a folder (without running them); the output feeds --batch",
    after_help = HELP,
    mut_arg("path", |a| a.hide(true)),
    mut_arg("timeout", |a| a.hide(true)),
    mut_arg("dry_run", |a| a.hide(true))
)]
pub struct Sites {
    #[command(flatten)]
    pub installs: ScanArgs,

    /// Also ask each install through wp: siteurl, home, blog id
    #[arg(long = "facts", help_heading = "Sites")]
    pub facts: bool,

    #[command(flatten)]
    pub list: ListCommon,
}

impl Command for Sites {
    fn plan(self, ctx: &Context) -> Parsed {
        let Some(root) = given(&self.installs.scan).map(std::path::PathBuf::from) else {
            return Err(ctx.missing("--scan=<DIR>"));
        };
        ctx.local_invocation(&self.list.run, |_| {
            let max_depth = depth(&self.installs.max_depth)?;
            let scan = Scan {
                root,
                max_depth,
                facts: self.facts,
                jobs: jobs(&self.list.jobs)?,
                format: listing(&self.list.format, scan::columns(self.facts), scan::KEYS)?,
                wp: wp_settings(&self.list.wp)?,
            };
            Ok(Run::Task {
                auth: None,
                task: Box::new(scan),
            })
        })
    }
}
