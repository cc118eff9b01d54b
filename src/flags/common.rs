//! The flags commands share, each defined once as a small group that
//! commands flatten in. Plain strings here; `values` checks them and the
//! command modules turn them into typed jobs.
//!
//! Which flags apply to a whole run (never to one batch line) is read from
//! these groups too: see [`run_wide`].

use crate::credentials::CredArgs;
use clap::Args;

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

    #[command(flatten)]
    pub program: WpProgramArg,

    /// Time limit for each wp call in seconds [default: 120]
    #[arg(
        long = "wp-timeout",
        visible_alias = "wp_timeout",
        value_name = "SECONDS",
        help_heading = "WordPress (WP-CLI)"
    )]
    pub wp_timeout: Option<String>,
}

/// Which program runs as `wp`: the operator's choice for the whole run,
/// never a batch line's.
#[derive(Args, Debug, Clone, Default)]
pub struct WpProgramArg {
    /// The wp command, may hold words: "php /opt/wp-cli.phar" (default: wp on PATH)
    #[arg(
        long = "wp-cli-path",
        visible_alias = "wp_cli_path",
        value_name = "CMD",
        help_heading = "WordPress (WP-CLI)"
    )]
    pub wp_cli_path: Option<String>,
}

/// How a run behaves, for every command.
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

    /// No progress, no notes, and a fleet run's summary only when a site failed or changed (cron mails only what needs a look)
    #[arg(short = 'q', long = "quiet", help_heading = "Behaviour")]
    pub quiet: bool,

    /// Print this help
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, help_heading = "Behaviour")]
    pub help: Option<bool>,

    /// Print the version
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version, help_heading = "Behaviour")]
    pub version: Option<bool>,

    /// Read settings and where the credentials are from this file (- for stdin) [default: $JETPACK_PARTNER_CONFIG, else ~/.config/jetpack-partner/config.toml, else /etc/jetpack-partner/config.toml]
    #[arg(long = "config", value_name = "FILE", help_heading = "Behaviour")]
    pub config: Option<std::path::PathBuf>,
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

    #[command(flatten)]
    pub jobs: JobsArg,

    /// Skip sites a previous run's output FILE shows done, or maybe done ("maybe_sent": never sent twice); resume a batch
    #[arg(
        long = "skip-done",
        visible_alias = "skip_done",
        value_name = "FILE",
        help_heading = "Batch"
    )]
    pub skip_done: Option<String>,

    #[command(flatten)]
    pub fleet: FleetArgs,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// How a fleet run copes with others: another run on its files, rate
/// limits, a run that cannot succeed.
#[derive(Args, Debug, Clone, Default)]
pub struct FleetArgs {
    /// When another run holds the --skip-done (or --desired) file, wait up to SECONDS for it instead of failing with locked
    #[arg(
        long = "wait-lock",
        visible_alias = "wait_lock",
        value_name = "SECONDS",
        help_heading = "Batch"
    )]
    pub wait_lock: Option<String>,

    /// How long a site may wait out the API's rate limit (429/503) before it fails [default: 600]
    #[arg(
        long = "max-wait",
        visible_alias = "max_wait",
        value_name = "SECONDS",
        help_heading = "Batch"
    )]
    pub max_wait: Option<String>,

    /// The summary on stderr: text, or json (one object: run, sites, changed, unchanged, failed, skipped, not_started, elapsed_ms, stopped_because)
    #[arg(long = "summary", value_name = "FORMAT", help_heading = "Batch")]
    pub summary: Option<String>,

    /// Also write the run's figures to PATH in Prometheus text format (node_exporter's textfile collector), replaced whole at the end
    #[arg(
        long = "metrics-file",
        visible_alias = "metrics_file",
        value_name = "PATH",
        help_heading = "Batch"
    )]
    pub metrics_file: Option<String>,

    /// Start no new site after N failures in a row with the same error code (0: never) [default: 25; 3 for a credential error]
    #[arg(
        long = "max-consecutive-failures",
        visible_alias = "max_consecutive_failures",
        value_name = "N",
        help_heading = "Batch"
    )]
    pub max_consecutive_failures: Option<String>,
}

/// The WordPress installs under a folder (`sites`, `audit`).
#[derive(Args, Debug, Clone, Default)]
pub struct ScanArgs {
    /// Look for WordPress installs under this folder
    #[arg(long = "scan", value_name = "DIR", help_heading = "Sites")]
    pub scan: Option<String>,

    /// How many folders deep --scan looks [default: 6]
    #[arg(
        long = "max-depth",
        visible_alias = "max_depth",
        value_name = "N",
        help_heading = "Sites"
    )]
    pub max_depth: Option<String>,
}

/// How many sites at once.
#[derive(Args, Debug, Clone, Default)]
pub struct JobsArg {
    /// Sites worked on at once [default: 4]
    #[arg(long = "jobs", short = 'j', value_name = "N", help_heading = "Batch")]
    pub jobs: Option<String>,
}

/// How a list is printed (the whole run's choice, never a batch line's).
#[derive(Args, Debug, Clone, Default)]
pub struct FormatArgs {
    /// json (one object per line), table (in input order; cut to fit only on a terminal), csv (rows as sites finish, each with its input line) or count. One site's answer is printed as received unless table, csv, count or --fields is asked for [default: json]
    #[arg(long = "format", value_name = "FORMAT", help_heading = "Output")]
    pub format: Option<String>,

    /// Only these fields, in this order: a table's or CSV's columns, JSON lines' keys; a value inside one with dots (answer.blog.is_connected)
    #[arg(long = "fields", value_name = "A,B,...", help_heading = "Output")]
    pub fields: Option<String>,
}

/// The tracking id provision, cancel and apply forward.
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

/// `--url`: WP-CLI's site, and the site itself when WordPress cannot answer.
#[derive(Args, Debug, Clone, Default)]
pub struct UrlArg {
    /// Which site: WP-CLI --url (multisite); also the site when WordPress is not reachable
    #[arg(short = 'u', long = "url", value_name = "URL", help_heading = "Site")]
    pub url: Option<String>,
}

/// `--blog_id`: the site as WordPress.com knows it; WordPress is not asked.
#[derive(Args, Debug, Clone, Default)]
pub struct BlogIdArg {
    /// WordPress.com blog id of the site (default: Jetpack's id from WordPress)
    #[arg(
        long = "blog_id",
        visible_alias = "blog-id",
        value_name = "ID",
        help_heading = "Site"
    )]
    pub blog_id: Option<String>,
}

/// Which site a site command works on, found as cancel finds it.
#[derive(Args, Debug, Clone, Default)]
pub struct SiteArgs {
    #[command(flatten)]
    pub blog_id: BlogIdArg,

    #[command(flatten)]
    pub url: UrlArg,

    /// Home URL whose site suffix names the site when the blog id is unknown
    #[arg(
        long = "home_url",
        visible_alias = "home-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub home_url: Option<String>,
}

/// The local WordPress user provisions are made for.
#[derive(Args, Debug, Clone, Default)]
pub struct UserArg {
    /// Local WordPress user who owns the plan: ID, login or email
    #[arg(
        short = 'i',
        long = "user",
        visible_alias = "user_id",
        value_name = "USER",
        help_heading = "Provision"
    )]
    pub user: Option<String>,
}

impl UserArg {
    /// The user, if given (empty is not given).
    pub fn given(&self) -> Option<&str> {
        super::given(&self.user)
    }

    /// The usage line naming a missing `--user`.
    pub fn missing(&self) -> Option<&'static str> {
        self.given()
            .is_none()
            .then_some("--user=<USER> (ID, login or email)")
    }

    /// The user a site command cannot go without.
    pub fn required(&self) -> crate::error::Result<&str> {
        self.given()
            .ok_or(crate::error::Error::Missing(crate::error::Needed::User))
    }
}

/// `--site_url`: the siteurl sent instead of WordPress's.
#[derive(Args, Debug, Clone, Default)]
pub struct SiteUrlArg {
    /// Siteurl to send instead of the one WordPress reports
    #[arg(
        long = "site_url",
        visible_alias = "site-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub site_url: Option<String>,
}

/// `--if-needed`: ask status first, send nothing when nothing would change.
#[derive(Args, Debug, Clone, Default)]
pub struct IfNeededArg {
    /// Ask status first; send nothing when it would change nothing (prints {"success":true,"changed":false,"status":...})
    #[arg(
        long = "if-needed",
        visible_alias = "if_needed",
        help_heading = "Only what is needed"
    )]
    pub if_needed: bool,
}

/// provision's `--early-token` (a whole run's choice).
#[derive(Args, Debug, Clone, Default)]
pub struct EarlyTokenArg {
    /// Fetch the token while WordPress boots (faster; but a token request is then sent even if --user turns out not to exist)
    #[arg(
        long = "early-token",
        visible_alias = "early_token",
        help_heading = "Provision"
    )]
    pub early_token: bool,
}

/// provision's `--license` (a whole run's choice: it decides which tokens
/// the run reads).
#[derive(Args, Debug, Clone, Default)]
pub struct LicenseArg {
    /// Give the site --plan by a license instead: issue one (licensing token), set it on the site through WordPress, connect the site if needed; prints {"success":true,"license_key":...,"blog_id":...}
    #[arg(long = "license", help_heading = "Provision")]
    pub license: bool,
}

/// What every site command has besides its own flags: batch, WordPress and
/// run settings.
#[derive(Args, Debug, Clone, Default)]
pub struct SiteCommon {
    #[command(flatten)]
    pub batch: BatchArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// What the commands that work through a list of their own (`apply`'s
/// desired state, `sites`' installs) have besides their own flags.
#[derive(Args, Debug, Clone, Default)]
pub struct ListCommon {
    #[command(flatten)]
    pub jobs: JobsArg,

    #[command(flatten)]
    pub format: FormatArgs,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// The ids of the flags that apply to a whole run, never to one batch line:
/// every flag of these groups.
pub fn run_wide() -> Vec<String> {
    fn ids<T: Args>() -> Vec<String> {
        T::augment_args(clap::Command::new("ids"))
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect()
    }
    [
        ids::<CredArgs>(),
        ids::<RunArgs>(),
        ids::<BatchArgs>(),
        ids::<WpProgramArg>(),
        ids::<EarlyTokenArg>(),
        ids::<LicenseArg>(),
        ids::<crate::tokens::LicensingTokenArg>(),
        ids::<crate::tokens::ReportingTokenArg>(),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_wide_flags_are_read_from_the_groups() {
        let ids = super::run_wide();
        for id in [
            "partner_secret",
            "access_token_file",
            "batch",
            "all_sites",
            "jobs",
            "skip_done",
            "format",
            "fields",
            "timeout",
            "dry_run",
            "verbose",
            "help",
            "wp_cli_path",
            "early_token",
            "config",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id}: {ids:?}");
        }
        assert!(!ids.iter().any(|i| i == "path" || i == "user"));
    }
}
