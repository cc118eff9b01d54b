//! Typed plans: what the user asked for, validated once by `cli` and handed
//! to the executor. Nothing here knows about flags or clap; nothing here
//! does any work.

use crate::api::Base;
use crate::error::Result;
use crate::output::format::Format;
pub use crate::wp::WpSettings;
use serde_json::{Map, Value};
use std::time::Duration;

/// A whole run.
pub struct Invocation {
    pub settings: Settings,
    pub command: Command,
}

/// How every command behaves.
pub struct Settings {
    pub base: Base,
    /// Each API request's time limit (connecting: at most 10 s of it).
    pub timeout: Duration,
    pub dry_run: bool,
    pub verbose: bool,
}

/// The partner's OAuth client credentials (the secret already read).
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

/// How requests get the partner token.
#[derive(Clone)]
pub enum Auth {
    /// Ask for it (`POST /oauth2/token`) with these credentials, once.
    Client(Credentials),
    /// Given (`--access-token-file`, `JETPACK_PARTNER_ACCESS_TOKEN`): no
    /// token call.
    Token(String),
}

// Built once per run; boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Work on one site or many (provision, cancel, status, upgrade-paths,
    /// backup-credentials).
    Site { auth: Auth, target: Target },
    /// `partner-key new`: the form to send.
    PartnerKeyNew {
        auth: Auth,
        form: Vec<(String, String)>,
    },
    /// `verify`.
    Verify { auth: Auth },
    /// `errors [CODE]`: no token.
    Errors { code: Option<String>, verbose: bool },
    /// `magic-link --email`.
    MagicLink { auth: Auth, email: String },
    /// `api PATH`.
    Api { auth: Auth, call: ApiCall },
    /// `token`: the token answer itself.
    Token { creds: Credentials },
    /// `sites --scan`: no API at all.
    Sites(Scan),
}

/// `sites --scan=DIR`.
#[derive(Clone, Debug)]
pub struct Scan {
    pub root: std::path::PathBuf,
    pub max_depth: usize,
    /// `--facts`: ask each install through `wp` too.
    pub facts: bool,
    pub jobs: usize,
    pub format: Format,
    /// How to run `wp` for `--facts`.
    pub wp: WpSettings,
}

/// `api`: one request to any path of the API.
#[derive(Clone, Debug)]
pub struct ApiCall {
    pub method: crate::api::Method,
    /// Starts with `/` and stays on the API host (checked by `cli`).
    pub path: String,
    /// What followed `?` in PATH, as given.
    pub raw_query: Option<String>,
    /// `-f` pairs: the query of a GET, else the form.
    pub fields: Vec<(String, String)>,
    /// `--input`: a JSON body.
    pub json: Option<Vec<u8>>,
}

#[allow(clippy::large_enum_variant)]
pub enum Target {
    One(SiteJob),
    Many(Batch),
}

/// Which site: what the flags say about it.
#[derive(Clone, Debug, Default)]
pub struct SiteSpec {
    pub wp: WpSettings,
    /// `--url`: WP-CLI's `--url`, and the site when WordPress cannot answer.
    pub url: Option<String>,
    /// `--home_url` where it names the site (cancel, upgrade-paths).
    pub home_url: Option<String>,
    /// `--blog_id`: no need to ask WordPress.
    pub blog_id: Option<u64>,
    /// Facts already gathered for this site (`--all-sites`: the whole
    /// network in one bootstrap): WordPress is not asked again.
    pub known: Option<Known>,
}

/// What one bootstrap of the network said about one of its sites.
#[derive(Clone, Debug)]
pub struct Known {
    pub facts: crate::wp::Facts,
    /// None: no user was asked about; Some(false): the user is not on it.
    pub user_ok: Option<bool>,
    /// `wp` for this site (`--url=`), for the authorize step.
    pub wp: crate::wp::Wp,
}

/// One site's work.
#[derive(Clone, Debug)]
pub struct SiteJob {
    pub site: SiteSpec,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub enum Action {
    Provision(Provision),
    Cancel {
        tracking: Option<String>,
        /// `--plan`: the plan or product to cancel.
        plan: Option<String>,
        /// `--cancel-all`.
        all: bool,
        /// `--if-needed`: only when this partner has something to cancel.
        if_needed: bool,
    },
    Status,
    UpgradePaths,
    /// `apply`: these products on the site; `prune`: cancel ours not
    /// listed. Provisions use `provision`'s user, siteurl and tracking.
    Apply {
        products: Vec<String>,
        prune: bool,
        provision: Provision,
    },
    /// `backup-credentials`: the SSH and/or FTP form (secrets read).
    BackupCredentials {
        ssh: Option<Vec<(String, String)>>,
        ftp: Option<Vec<(String, String)>>,
    },
}

#[derive(Clone, Debug)]
pub struct Provision {
    /// `--user` as given (sent as `local_user`).
    pub user: String,
    /// `--site_url`: overrides the siteurl WordPress reports.
    pub site_url: Option<String>,
    /// The optional form fields, in the order the newest script sent them
    /// (secrets already read from their files).
    pub fields: Vec<(String, String)>,
    pub tracking: Option<String>,
    /// `--check-upgrade`: the plan to look for among the upgrade paths.
    pub check_upgrade: Option<String>,
    /// `--wpcom_user_id` given: finish with `wp jetpack authorize_user`.
    pub authorize: bool,
    /// `--early-token`: fetch the token while WordPress boots.
    pub early_token: bool,
    /// `--if-needed`: only when the plan is not there yet.
    pub if_needed: bool,
}

impl SiteJob {
    /// The plan or product the job is about, if any (batch lines are keyed
    /// by it: a site may get a plan and a product).
    pub fn plan(&self) -> Option<&str> {
        match &self.action {
            Action::Provision(p) => p
                .fields
                .iter()
                .find(|(k, _)| k == "plan")
                .map(|(_, v)| v.as_str()),
            Action::Cancel { plan, .. } => plan.as_deref(),
            Action::Status
            | Action::UpgradePaths
            | Action::BackupCredentials { .. }
            | Action::Apply { .. } => None,
        }
    }

    /// The command's name, for messages and batch results.
    pub fn command(&self) -> &'static str {
        match self.action {
            Action::Provision(_) => "provision",
            Action::Cancel { .. } => "cancel",
            Action::Status => "status",
            Action::UpgradePaths => "upgrade-paths",
            Action::BackupCredentials { .. } => "backup-credentials",
            Action::Apply { .. } => "apply",
        }
    }
}

/// Turns one input line (flag names as keys) into that site's job, with
/// the command line's flags as defaults. Built by `cli`, so a line is
/// validated exactly as flags are.
pub type LineParser = Box<dyn Fn(usize, &Map<String, Value>) -> Result<SiteJob> + Send + Sync>;

/// What makes a batch need the token even in a dry run (`apply --dry-run`
/// reads each site's status).
pub fn reads_in_dry_run(command: &str) -> bool {
    command == "apply"
}

/// Many sites, one token, `jobs` at a time.
/// The flag a command's input lines come from, for messages.
pub fn input_flag(command: &str) -> &'static str {
    if command == "apply" {
        "--desired"
    } else {
        "--batch"
    }
}

pub struct Batch {
    pub command: &'static str,
    pub source: Source,
    pub jobs: usize,
    /// `--skip-done`: a previous run's output.
    pub skip_done: Option<String>,
    pub format: Format,
    pub line: LineParser,
}

pub enum Source {
    /// `--batch=FILE`.
    File(String),
    /// `--batch=-`.
    Stdin,
    /// `--all-sites`: every site of the network WordPress is in, its facts
    /// gathered in one bootstrap (checking `user`; activating Jetpack when
    /// `activate`).
    AllSites {
        wp: WpSettings,
        user: Option<String>,
        activate: bool,
    },
}
