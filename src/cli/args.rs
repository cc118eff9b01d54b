//! The flags, as clap sees them: every flag of every version of the old
//! scripts, in `--flag=value`, `-x=value` and `--flag value` forms. Plain
//! strings here; `plan` turns them into typed, validated plans.

use super::help;
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches, Parser, Subcommand};
use std::marker::PhantomData;
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
        help_heading = "Batch"
    )]
    pub all_sites: bool,

    /// Sites worked on at once in a batch [default: 4]
    #[arg(long = "jobs", short = 'j', value_name = "N", help_heading = "Batch")]
    pub jobs: Option<String>,

    /// Skip sites whose successful result line is already in FILE (resume a batch)
    #[arg(
        long = "skip-done",
        visible_alias = "skip_done",
        value_name = "FILE",
        help_heading = "Batch"
    )]
    pub skip_done: Option<String>,
}

/// How a forwarded flag's value reaches the API.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// As given.
    Value,
    /// As given, and it is a secret.
    Secret,
    /// A path: the file's contents are sent, and they are a secret.
    FileContents,
}

/// One flag that becomes one form field of the same name.
#[derive(Debug)]
pub struct Field {
    /// The form field (and the flag's id).
    pub name: &'static str,
    pub long: &'static str,
    pub alias: &'static str,
    pub short: Option<char>,
    pub value_name: &'static str,
    pub help: &'static str,
    pub heading: &'static str,
    pub kind: Kind,
}

const fn field(name: &'static str, long: &'static str, alias: &'static str) -> Field {
    Field {
        name,
        long,
        alias,
        short: None,
        value_name: "VALUE",
        help: "Forwarded",
        heading: "Provision",
        kind: Kind::Value,
    }
}

const fn ssh_ftp(name: &'static str, long: &'static str, value_name: &'static str) -> Field {
    Field {
        name,
        long,
        alias: name,
        short: None,
        value_name,
        help: "",
        heading: "SSH / FTP (forwarded)",
        kind: Kind::Value,
    }
}

/// provision's optional fields, in the order the newest script sent them:
/// one row per flag.
pub const PROVISION_FIELDS: &[Field] = &[
    Field {
        short: Some('p'),
        value_name: "SLUG",
        help: "Plan or product slug (free, personal, premium, professional, jetpack-backup-daily, ...)",
        ..field("plan", "plan", "")
    },
    Field {
        short: Some('o'),
        value_name: "BOOL",
        help: "Forwarded: put the user through onboarding",
        ..field("onboarding", "onboarding", "")
    },
    Field {
        short: Some('w'),
        value_name: "ID",
        help: "Forwarded; with an access_token in the answer, also runs `wp jetpack authorize_user`",
        ..field("wpcom_user_id", "wpcom_user_id", "wpcom-user-id")
    },
    Field {
        short: Some('e'),
        value_name: "EMAIL",
        ..field("wpcom_user_email", "wpcom_user_email", "wpcom-user-email")
    },
    Field {
        value_name: "BOOL",
        help: "Forwarded: re-register the site even if it has tokens",
        ..field("force_register", "force_register", "force-register")
    },
    Field {
        value_name: "BOOL",
        help: "Forwarded: re-connect the user even if they have tokens",
        ..field("force_connect", "force_connect", "force-connect")
    },
    Field {
        value_name: "URL",
        help: "Home URL to send",
        heading: "Site",
        ..field("home_url", "home_url", "home-url")
    },
    ssh_ftp("ssh_host", "ssh-host", "HOST"),
    ssh_ftp("ssh_port", "ssh-port", "PORT"),
    Field {
        help: "Needs --ssh-pass or --ssh-private-key",
        ..ssh_ftp("ssh_user", "ssh-user", "USER")
    },
    Field {
        kind: Kind::Secret,
        ..ssh_ftp("ssh_pass", "ssh-pass", "PASS")
    },
    Field {
        kind: Kind::FileContents,
        help: "A file; its contents are sent as ssh_private_key",
        ..ssh_ftp("ssh_private_key", "ssh-private-key", "PATH")
    },
    ssh_ftp("ftp_host", "ftp-host", "HOST"),
    ssh_ftp("ftp_port", "ftp-port", "PORT"),
    ssh_ftp("ftp_user", "ftp-user", "USER"),
    Field {
        kind: Kind::Secret,
        ..ssh_ftp("ftp_pass", "ftp-pass", "PASS")
    },
];

/// Every spelling of a flag whose value is a secret: usage errors never
/// echo what follows them.
pub fn secret_flags() -> Vec<String> {
    let mut names = vec![
        "-s".to_string(),
        "--partner_secret".to_string(),
        "--partner-secret".to_string(),
    ];
    for f in PROVISION_FIELDS.iter().filter(|f| f.kind == Kind::Secret) {
        names.push(format!("--{}", f.long));
        names.push(format!("--{}", f.alias));
    }
    names
}

/// A table of [`Field`]s, as a type (so one clap struct can flatten it).
pub trait FieldSet: Clone + Default + std::fmt::Debug + Send + Sync + 'static {
    const FIELDS: &'static [Field];
}

#[derive(Debug, Clone, Default)]
pub struct ProvisionFieldSet;
impl FieldSet for ProvisionFieldSet {
    const FIELDS: &'static [Field] = PROVISION_FIELDS;
}

/// The values given for a field table, in table order.
#[derive(Debug, Clone, Default)]
pub struct Fields<S: FieldSet> {
    pub given: Vec<(&'static Field, String)>,
    set: PhantomData<S>,
}

impl<S: FieldSet> FromArgMatches for Fields<S> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut f = Fields::default();
        f.update_from_arg_matches(m)?;
        Ok(f)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        self.given = S::FIELDS
            .iter()
            .filter_map(|f| {
                m.get_one::<String>(f.name)
                    .filter(|v| !v.is_empty())
                    .map(|v| (f, v.clone()))
            })
            .collect();
        Ok(())
    }
}

impl<S: FieldSet> Args for Fields<S> {
    fn augment_args(mut cmd: Command) -> Command {
        for f in S::FIELDS {
            let mut arg = Arg::new(f.name)
                .long(f.long)
                .value_name(f.value_name)
                .help_heading(f.heading);
            if !f.alias.is_empty() && f.alias != f.long {
                arg = arg.visible_alias(f.alias);
            }
            if let Some(c) = f.short {
                arg = arg.short(c);
            }
            if !f.help.is_empty() {
                arg = arg.help(f.help);
            }
            if f.kind == Kind::Secret {
                arg = arg.allow_hyphen_values(true);
            }
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

/// `provision`: the flags of every version of partner-provision.sh.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "provision",
    about = "Provision a Jetpack plan for a WordPress site (drop-in for partner-provision.sh)",
    after_help = help::PROVISION,
    help_template = help::TEMPLATE,
    args_override_self = true,
    disable_version_flag = true
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

    /// Fetch the token while WordPress boots (faster; but a token request is then sent even if --user turns out not to exist)
    #[arg(
        long = "early-token",
        visible_alias = "early_token",
        help_heading = "Behaviour"
    )]
    pub early_token: bool,

    #[command(flatten)]
    pub batch: BatchArgs,

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

    /// Tracking id sent as a query parameter
    #[arg(
        long = "partner-tracking-id",
        visible_alias = "partner_tracking_id",
        value_name = "ID",
        help_heading = "Site"
    )]
    pub partner_tracking_id: Option<String>,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `cancel`: the flags of every version of partner-cancel.sh.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "cancel",
    about = "Cancel the Jetpack plan of a WordPress site (drop-in for partner-cancel.sh)",
    after_help = help::CANCEL,
    help_template = help::TEMPLATE,
    args_override_self = true,
    disable_version_flag = true
)]
pub struct CancelArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    /// Tracking id sent as a query parameter
    #[arg(
        long = "partner-tracking-id",
        visible_alias = "partner_tracking_id",
        value_name = "ID",
        help_heading = "Site"
    )]
    pub partner_tracking_id: Option<String>,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Which site a site command (cancel, upgrade-paths) works on.
#[derive(Args, Debug, Clone, Default)]
pub struct SiteArgs {
    /// Which site: WP-CLI --url (multisite); also the site when WordPress is not reachable
    #[arg(short = 'u', long = "url", value_name = "URL", help_heading = "Site")]
    pub url: Option<String>,

    /// Home URL whose site suffix names the site when the Jetpack blog id is unknown
    #[arg(
        long = "home_url",
        visible_alias = "home-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub home_url: Option<String>,
}

/// `upgrade-paths`: what can be provisioned for a site.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "upgrade-paths",
    about = "Show which plans and products can be provisioned for a site",
    after_help = help::UPGRADE_PATHS,
    help_template = help::TEMPLATE,
    args_override_self = true,
    disable_version_flag = true
)]
pub struct UpgradePathsArgs {
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

    #[command(flatten)]
    pub site: SiteArgs,

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
    help_template = help::TEMPLATE,
    args_override_self = true,
    disable_version_flag = true
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
    help_template = help::TEMPLATE,
    args_override_self = true,
    disable_version_flag = true
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
    UpgradePaths(UpgradePathsArgs),
    /// Manage partner keys (resellers)
    #[command(subcommand, name = "partner-key")]
    PartnerKey(PartnerKeyCmd),
    Verify(VerifyArgs),
}

#[derive(Parser, Debug)]
#[command(
    name = "jetpack-partner",
    version,
    about = "Provision and cancel Jetpack plans through the WordPress.com partner API",
    after_help = help::TOP,
    help_template = help::TEMPLATE,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}
