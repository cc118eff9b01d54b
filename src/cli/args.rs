//! The flags, as clap sees them: every flag of every version of the old
//! scripts, in `--flag=value`, `-x=value` and `--flag value` forms. Plain
//! strings here; `plan` turns them into typed, validated plans.

use super::fields::{Fields, ProvisionFieldSet, SshFtpFieldSet};
use super::help;
use clap::{Args, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

/// The partner credentials (resolved with the environment in `cli::plan`).
#[derive(Args, Debug, Clone, Default)]
pub struct CredArgs {
    /// OAuth client id of the partner [env: JETPACK_PARTNER_ID]
    #[arg(
        short = 'c',
        long = "partner_id",
        visible_alias = "partner-id",
        value_name = "ID",
        help_heading = "Credentials"
    )]
    pub partner_id: Option<String>,

    /// OAuth client secret [env: JETPACK_PARTNER_SECRET]; prefer the file or env form, argv is visible in ps
    #[arg(
        short = 's',
        long = "partner_secret",
        visible_alias = "partner-secret",
        value_name = "SECRET",
        help_heading = "Credentials",
        // A secret may start with '-': take it as the value, never as a
        // flag (and never echo it in a usage error).
        allow_hyphen_values = true
    )]
    pub partner_secret: Option<String>,

    /// Read the client secret from this file (first line)
    #[arg(
        long = "partner_secret_file",
        visible_alias = "partner-secret-file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub partner_secret_file: Option<PathBuf>,

    /// Use this partner access token (first line of the file) instead of asking for one: no token call, no client id or secret needed [env: JETPACK_PARTNER_ACCESS_TOKEN]
    #[arg(
        long = "access-token-file",
        visible_alias = "access_token_file",
        value_name = "PATH",
        help_heading = "Credentials"
    )]
    pub access_token_file: Option<PathBuf>,
}

/// Where WordPress is and how to run WP-CLI.
#[derive(Args, Debug, Clone, Default)]
pub struct WpArgs {
    /// WordPress root (default: the WordPress tree this binary sits in, else the working directory)
    #[arg(long = "path", value_name = "DIR", help_heading = "WordPress (WP-CLI)")]
    pub path: Option<String>,

    /// Pass --allow-root to every wp call
    #[arg(
        long = "allow-root",
        visible_alias = "allow_root",
        help_heading = "WordPress (WP-CLI)"
    )]
    pub allow_root: bool,

    /// The wp command, may hold words: "php /opt/wp-cli.phar" (default: wp on PATH)
    #[arg(
        long = "wp-cli-path",
        visible_alias = "wp_cli_path",
        value_name = "CMD",
        help_heading = "WordPress (WP-CLI)"
    )]
    pub wp_cli_path: Option<String>,

    /// Time limit for each wp call in seconds [default: 120]
    #[arg(
        long = "wp-timeout",
        visible_alias = "wp_timeout",
        value_name = "SECONDS",
        help_heading = "WordPress (WP-CLI)"
    )]
    pub wp_timeout: Option<String>,
}

/// How a run behaves, for every API command.
#[derive(Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Time limit for each API request in seconds [default: 60; connect: 10]
    #[arg(long = "timeout", value_name = "SECONDS", help_heading = "Behaviour")]
    pub timeout: Option<String>,

    /// Print the requests that would be sent (secrets redacted), send nothing
    #[arg(
        long = "dry-run",
        visible_alias = "dry_run",
        help_heading = "Behaviour"
    )]
    pub dry_run: bool,

    /// Say what is being done, on stderr
    #[arg(short = 'v', long = "verbose", help_heading = "Behaviour")]
    pub verbose: bool,

    /// Print this help
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, help_heading = "Behaviour")]
    pub help: Option<bool>,

    /// Print the version
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version, help_heading = "Behaviour")]
    pub version: Option<bool>,
}

/// Many sites in one run.
#[derive(Args, Debug, Clone, Default)]
pub struct BatchArgs {
    /// Many sites: FILE (or - for stdin) holds one JSON object per line, e.g. {"url":"https://a.test","user":"admin","plan":"premium"}
    #[arg(long = "batch", value_name = "FILE", help_heading = "Batch")]
    pub batch: Option<String>,

    /// Every site of this multisite network (from `wp site list`)
    #[arg(
        long = "all-sites",
        visible_alias = "all_sites",
        conflicts_with = "batch",
        help_heading = "Batch"
    )]
    pub all_sites: bool,

    /// Sites worked on at once in a batch [default: 4]
    #[arg(long = "jobs", short = 'j', value_name = "N", help_heading = "Batch")]
    pub jobs: Option<String>,

    /// Skip sites a previous run's output FILE shows done, or maybe done ("maybe_sent": never sent twice); resume a batch
    #[arg(
        long = "skip-done",
        visible_alias = "skip_done",
        value_name = "FILE",
        help_heading = "Batch"
    )]
    pub skip_done: Option<String>,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// How a list is printed.
#[derive(Args, Debug, Clone, Default)]
pub struct FormatArgs {
    /// List output: json (one JSON object per line), table or csv [default: json]
    #[arg(long = "format", value_name = "FORMAT", help_heading = "Output")]
    pub format: Option<String>,
}

/// The tracking id provision and cancel forward.
#[derive(Args, Debug, Clone, Default)]
pub struct TrackingArgs {
    /// Tracking id sent as a query parameter
    #[arg(
        long = "partner-tracking-id",
        visible_alias = "partner_tracking_id",
        value_name = "ID",
        help_heading = "Site"
    )]
    pub partner_tracking_id: Option<String>,
}

/// What every site command's flags have: credentials, batch, WordPress and
/// run settings.
pub trait SiteCommand: FromArgMatches + 'static {
    fn creds(&self) -> &CredArgs;
    fn batch(&self) -> &BatchArgs;
    fn wp(&self) -> &WpArgs;
    fn run(&self) -> &RunArgs;
    /// The user `--all-sites` checks on every site (provision's `--user`).
    fn network_user(&self) -> Option<&str> {
        None
    }
}

macro_rules! site_command {
    ($($t:ty),*) => {$(
        impl SiteCommand for $t {
            fn creds(&self) -> &CredArgs { &self.creds }
            fn batch(&self) -> &BatchArgs { &self.batch }
            fn wp(&self) -> &WpArgs { &self.wp }
            fn run(&self) -> &RunArgs { &self.run }
        }
    )*};
}

impl SiteCommand for ProvisionArgs {
    fn creds(&self) -> &CredArgs {
        &self.creds
    }
    fn batch(&self) -> &BatchArgs {
        &self.batch
    }
    fn wp(&self) -> &WpArgs {
        &self.wp
    }
    fn run(&self) -> &RunArgs {
        &self.run
    }
    fn network_user(&self) -> Option<&str> {
        self.user.as_deref().filter(|u| !u.is_empty())
    }
}

site_command!(
    CancelArgs,
    StatusArgs,
    UpgradePathsArgs,
    BackupCredentialsArgs
);

/// `provision`: the flags of every version of partner-provision.sh.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "provision",
    about = "Provision a Jetpack plan for a WordPress site (drop-in for partner-provision.sh)",
    after_help = help::PROVISION,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct ProvisionArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    /// Local WordPress user who owns the plan: ID, login or email
    #[arg(
        short = 'i',
        long = "user",
        visible_alias = "user_id",
        value_name = "USER",
        help_heading = "Provision"
    )]
    pub user: Option<String>,

    #[command(flatten)]
    pub fields: Fields<ProvisionFieldSet>,

    /// Before provisioning, ask upgrade-paths whether --plan can be provisioned; fail with plan_not_available if not
    #[arg(
        long = "check-upgrade",
        visible_alias = "check_upgrade",
        help_heading = "Provision"
    )]
    pub check_upgrade: bool,

    /// Ask status first; provision only when --plan is not there yet (prints {"success":true,"changed":false,"status":...} otherwise)
    #[arg(
        long = "if-needed",
        visible_alias = "if_needed",
        help_heading = "Provision"
    )]
    pub if_needed: bool,

    /// Fetch the token while WordPress boots (faster; but a token request is then sent even if --user turns out not to exist)
    #[arg(
        long = "early-token",
        visible_alias = "early_token",
        help_heading = "Provision"
    )]
    pub early_token: bool,

    /// Which site: WP-CLI --url (multisite); also the site when WordPress is not reachable
    #[arg(short = 'u', long = "url", value_name = "URL", help_heading = "Site")]
    pub url: Option<String>,

    /// Siteurl to send instead of the one WordPress reports
    #[arg(
        long = "site_url",
        visible_alias = "site-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub site_url: Option<String>,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    #[command(flatten)]
    pub batch: BatchArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Which site a site command works on (cancel, status, upgrade-paths).
#[derive(Args, Debug, Clone, Default)]
pub struct SiteArgs {
    /// WordPress.com blog id of the site (default: Jetpack's id from WordPress)
    #[arg(
        long = "blog_id",
        visible_alias = "blog-id",
        value_name = "ID",
        help_heading = "Site"
    )]
    pub blog_id: Option<String>,

    /// Which site: WP-CLI --url (multisite); also the site when WordPress is not reachable
    #[arg(short = 'u', long = "url", value_name = "URL", help_heading = "Site")]
    pub url: Option<String>,

    /// Home URL whose site suffix names the site when the blog id is unknown
    #[arg(
        long = "home_url",
        visible_alias = "home-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub home_url: Option<String>,
}

/// `cancel`: the flags of every version of partner-cancel.sh.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "cancel",
    about = "Cancel the Jetpack plan (or one product) of a WordPress site (drop-in for partner-cancel.sh)",
    after_help = help::CANCEL,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct CancelArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    /// The plan or product to cancel; needed for standalone products (jetpack-backup-daily, jetpack-scan, ...)
    #[arg(
        short = 'p',
        long = "plan",
        value_name = "SLUG",
        help_heading = "Cancel"
    )]
    pub plan: Option<String>,

    /// Cancel everything this partner provisioned for the site
    #[arg(
        long = "cancel-all",
        visible_alias = "cancel_all",
        help_heading = "Cancel"
    )]
    pub cancel_all: bool,

    /// Ask status first; send nothing when this partner has nothing to cancel (prints {"success":true,"changed":false,"status":...})
    #[arg(
        long = "if-needed",
        visible_alias = "if_needed",
        help_heading = "Cancel"
    )]
    pub if_needed: bool,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    #[command(flatten)]
    pub batch: BatchArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `upgrade-paths`: what can be provisioned for a site.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "upgrade-paths",
    about = "Show which plans and products can be provisioned for a site",
    after_help = help::UPGRADE_PATHS,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct UpgradePathsArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub batch: BatchArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `status`: what a site has.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "status",
    about = "Show a site's Jetpack products and connection (GET /rest/v1.4/jpphp/{site}/status)",
    after_help = help::STATUS,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct StatusArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub batch: BatchArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `backup-credentials`: set the SSH and/or FTP credentials Jetpack Backup uses.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "backup-credentials",
    about = "Set the SSH and/or FTP credentials Jetpack Backup uses for a site",
    after_help = help::BACKUP_CREDENTIALS,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct BackupCredentialsArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    /// WordPress.com blog id of the site (default: Jetpack's id from WordPress)
    #[arg(
        long = "blog_id",
        visible_alias = "blog-id",
        value_name = "ID",
        help_heading = "Site"
    )]
    pub blog_id: Option<String>,

    /// Which site of a multisite network (WP-CLI --url), to read its blog id
    #[arg(short = 'u', long = "url", value_name = "URL", help_heading = "Site")]
    pub url: Option<String>,

    #[command(flatten)]
    pub fields: Fields<SshFtpFieldSet>,

    #[command(flatten)]
    pub batch: BatchArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `errors`: the API's error catalogue.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "errors",
    about = "Show the partner API's error codes (no credentials needed)",
    after_help = help::ERRORS,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct ErrorsArgs {
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

/// `magic-link`: email a user a link that logs them in to the WordPress app.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "magic-link",
    about = "Email a user a magic link that logs them in to the WordPress mobile app",
    after_help = help::MAGIC_LINK,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct MagicLinkArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    /// The user's email address
    #[arg(long = "email", value_name = "ADDR", help_heading = "Magic link")]
    pub email: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `api`: any partner API endpoint with the partner token, like `gh api`.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "api",
    about = "Call any endpoint of the API with the partner token (backups, scan, activity, restore, ...)",
    after_help = help::API,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct ApiArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    /// The endpoint, relative to the API host: /wpcom/v2/sites/12345/rewind/backups
    #[arg(value_name = "PATH")]
    pub path: Option<String>,

    /// HTTP method [default: GET]
    #[arg(
        short = 'X',
        long = "method",
        value_name = "METHOD",
        help_heading = "Request"
    )]
    pub method: Option<String>,

    /// A form field (a query parameter for GET), repeatable
    #[arg(
        short = 'f',
        long = "field",
        value_name = "KEY=VALUE",
        help_heading = "Request",
        action = clap::ArgAction::Append
    )]
    pub field: Vec<String>,

    /// Send this file's JSON as the body (- for stdin)
    #[arg(long = "input", value_name = "FILE", help_heading = "Request")]
    pub input: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `token`: the token call alone.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "token",
    about = "Get a partner access token and print the token answer (it does not expire: keep it safe)",
    after_help = help::TOKEN,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct TokenArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `apply`: make sites have the products a file says, touching only what
/// must change.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "apply",
    about = "Make sites have the plans and products a desired-state file lists (status first; only what must change)",
    after_help = help::APPLY,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    /// The desired state: one JSON object per line, a site (as in --batch) and "products":[...] (- for stdin)
    #[arg(long = "desired", value_name = "FILE", help_heading = "Apply")]
    pub desired: Option<String>,

    /// Also cancel what this partner provisioned and the file no longer lists (never another partner's)
    #[arg(long = "prune", help_heading = "Apply")]
    pub prune: bool,

    /// Local WordPress user for the provisions (ID, login or email); a line's "user" wins
    #[arg(
        short = 'i',
        long = "user",
        visible_alias = "user_id",
        value_name = "USER",
        help_heading = "Apply"
    )]
    pub user: Option<String>,

    #[command(flatten)]
    pub site: SiteArgs,

    /// Siteurl to send instead of the one WordPress reports
    #[arg(
        long = "site_url",
        visible_alias = "site-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub site_url: Option<String>,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    /// Sites worked on at once [default: 4]
    #[arg(long = "jobs", short = 'j', value_name = "N", help_heading = "Apply")]
    pub jobs: Option<String>,

    #[command(flatten)]
    pub format: FormatArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `sites`: find the WordPress installs on this server.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "sites",
    about = "Find the WordPress installs under a folder (without running them); the output feeds --batch",
    after_help = help::SITES,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct SitesArgs {
    /// Look under this folder
    #[arg(long = "scan", value_name = "DIR", help_heading = "Sites")]
    pub scan: Option<String>,

    /// How many folders deep to look [default: 6]
    #[arg(
        long = "max-depth",
        visible_alias = "max_depth",
        value_name = "N",
        help_heading = "Sites"
    )]
    pub max_depth: Option<String>,

    /// Also ask each install through wp: siteurl, home, blog id
    #[arg(long = "facts", help_heading = "Sites")]
    pub facts: bool,

    /// Installs asked at once with --facts [default: 4]
    #[arg(long = "jobs", short = 'j', value_name = "N", help_heading = "Sites")]
    pub jobs: Option<String>,

    #[command(flatten)]
    pub format: FormatArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `partner-key new`: create a partner key for a reseller's customer.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "new",
    about = "Create a new partner key (resellers)",
    after_help = help::PARTNER_KEY_NEW,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct PartnerKeyNewArgs {
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

#[derive(Subcommand, Debug)]
pub enum PartnerKeyCmd {
    New(PartnerKeyNewArgs),
}

/// `verify`: check a partner's credentials.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "verify",
    about = "Check partner credentials: exit 0 when WordPress.com accepts them, 1 when not",
    after_help = help::VERIFY,
    help_template = help::template(),
    args_override_self = true,
    version,
    disable_version_flag = true,
    disable_help_flag = true
)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand, Debug)]
// Parsed once per run; boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Cmd {
    Provision(ProvisionArgs),
    Cancel(CancelArgs),
    Status(StatusArgs),
    UpgradePaths(UpgradePathsArgs),
    BackupCredentials(BackupCredentialsArgs),
    Errors(ErrorsArgs),
    MagicLink(MagicLinkArgs),
    Api(ApiArgs),
    Token(TokenArgs),
    Apply(ApplyArgs),
    Sites(SitesArgs),
    /// Manage partner keys (resellers)
    #[command(subcommand, name = "partner-key", version)]
    PartnerKey(PartnerKeyCmd),
    Verify(VerifyArgs),
}

#[derive(Parser, Debug)]
#[command(
    name = "jetpack-partner",
    version,
    about = "Provision and cancel Jetpack plans through the WordPress.com partner API",
    after_help = help::TOP,
    help_template = help::template(),
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}
