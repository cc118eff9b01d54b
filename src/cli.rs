//! Flag parsing. Accepts every flag of every version of the old scripts, in
//! `--flag=value`, `-x=value` and `--flag value` forms, and works out which
//! command was meant from the executable's own name (multi-call).

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

const PROVISION_EXAMPLES: &str = "\
Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret=\"$SECRET\" \\
      --user=admin --plan=professional --path=/var/www/site
  JETPACK_PARTNER_ID=1234 JETPACK_PARTNER_SECRET=\"$SECRET\" \\
      jetpack-partner provision --user=admin --plan=jetpack-backup-daily --url=https://example.com
  bin/partner-provision.sh -c=1234 -s=\"$SECRET\" -i=1 -p=premium   # old script flags

Success: the API's JSON on stdout, exit 0. Failure: exit 1 and one JSON object
on stderr with success:false, error_code and error_message.";

const CANCEL_EXAMPLES: &str = "\
Examples:
  jetpack-partner cancel --partner_id=1234 --partner_secret=\"$SECRET\" --path=/var/www/site
  jetpack-partner cancel -c=1234 -s=\"$SECRET\" --url=https://example.com/blog   # no WP-CLI needed
  bin/partner-cancel.sh --partner_id=1234 --partner_secret=\"$SECRET\"

Success: the API's JSON on stdout, exit 0. Failure: exit 1 and one JSON object
on stderr with success:false, error_code and error_message.";

const TOP_EXAMPLES: &str = "\
Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret=\"$SECRET\" --user=admin --plan=professional
  jetpack-partner cancel --partner_id=1234 --partner_secret=\"$SECRET\" --url=https://example.com
  jetpack-partner provision --help

Installed as partner-provision.sh / partner-cancel.sh (or a link of that name)
it behaves as the old Jetpack script of that name, with the same flags.";

const TEMPLATE: &str = "\
{about-with-newline}
{usage-heading} {usage}{after-help}

{all-args}";

/// The partner credentials (resolved with the environment in `credentials`).
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
        help_heading = "Credentials"
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

/// The options provision and cancel share.
#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    /// Which site: WP-CLI --url (multisite); also the site when WordPress is not reachable
    #[arg(short = 'u', long = "url", value_name = "URL", help_heading = "Site")]
    pub url: Option<String>,

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

/// `provision`: the flags of every version of partner-provision.sh.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "provision",
    about = "Provision a Jetpack plan for a WordPress site (drop-in for partner-provision.sh)",
    after_help = PROVISION_EXAMPLES,
    help_template = TEMPLATE,
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

    /// Plan or product slug (free, personal, premium, professional, jetpack-backup-daily, ...)
    #[arg(
        short = 'p',
        long = "plan",
        value_name = "SLUG",
        help_heading = "Provision"
    )]
    pub plan: Option<String>,

    /// Forwarded: put the user through onboarding
    #[arg(
        short = 'o',
        long = "onboarding",
        value_name = "BOOL",
        help_heading = "Provision"
    )]
    pub onboarding: Option<String>,

    /// Forwarded; with an access_token in the answer, also runs `wp jetpack authorize_user`
    #[arg(
        short = 'w',
        long = "wpcom_user_id",
        visible_alias = "wpcom-user-id",
        value_name = "ID",
        help_heading = "Provision"
    )]
    pub wpcom_user_id: Option<String>,

    /// Forwarded
    #[arg(
        short = 'e',
        long = "wpcom_user_email",
        visible_alias = "wpcom-user-email",
        value_name = "EMAIL",
        help_heading = "Provision"
    )]
    pub wpcom_user_email: Option<String>,

    /// Forwarded: re-register the site even if it has tokens
    #[arg(
        long = "force_register",
        visible_alias = "force-register",
        value_name = "BOOL",
        help_heading = "Provision"
    )]
    pub force_register: Option<String>,

    /// Forwarded: re-connect the user even if they have tokens
    #[arg(
        long = "force_connect",
        visible_alias = "force-connect",
        value_name = "BOOL",
        help_heading = "Provision"
    )]
    pub force_connect: Option<String>,

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

    /// Provision many sites: FILE (or - for stdin) holds one JSON object per line, e.g. {"url":"https://a.test","user":"admin","plan":"premium"}
    #[arg(long = "batch", value_name = "FILE", help_heading = "Batch")]
    pub batch: Option<String>,

    /// Provision every site of this multisite network (from `wp site list`)
    #[arg(
        long = "all-sites",
        visible_alias = "all_sites",
        help_heading = "Batch"
    )]
    pub all_sites: bool,

    /// Sites provisioned at once in a batch [default: 4]
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

    /// Siteurl to send instead of the one WordPress reports
    #[arg(
        long = "site_url",
        visible_alias = "site-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub site_url: Option<String>,

    /// Home URL to send
    #[arg(
        long = "home_url",
        visible_alias = "home-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub home_url: Option<String>,

    #[arg(
        long = "ssh-host",
        visible_alias = "ssh_host",
        value_name = "HOST",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ssh_host: Option<String>,
    #[arg(
        long = "ssh-port",
        visible_alias = "ssh_port",
        value_name = "PORT",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ssh_port: Option<String>,
    /// Needs --ssh-pass or --ssh-private-key
    #[arg(
        long = "ssh-user",
        visible_alias = "ssh_user",
        value_name = "USER",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ssh_user: Option<String>,
    #[arg(
        long = "ssh-pass",
        visible_alias = "ssh_pass",
        value_name = "PASS",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ssh_pass: Option<String>,
    /// A file; its contents are sent as ssh_private_key
    #[arg(
        long = "ssh-private-key",
        visible_alias = "ssh_private_key",
        value_name = "PATH",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ssh_private_key: Option<PathBuf>,
    #[arg(
        long = "ftp-host",
        visible_alias = "ftp_host",
        value_name = "HOST",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ftp_host: Option<String>,
    #[arg(
        long = "ftp-port",
        visible_alias = "ftp_port",
        value_name = "PORT",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ftp_port: Option<String>,
    #[arg(
        long = "ftp-user",
        visible_alias = "ftp_user",
        value_name = "USER",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ftp_user: Option<String>,
    #[arg(
        long = "ftp-pass",
        visible_alias = "ftp_pass",
        value_name = "PASS",
        help_heading = "SSH / FTP (forwarded)"
    )]
    pub ftp_pass: Option<String>,

    #[command(flatten)]
    pub common: Common,
}

/// `cancel`: the flags of every version of partner-cancel.sh.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "cancel",
    about = "Cancel the Jetpack plan of a WordPress site (drop-in for partner-cancel.sh)",
    after_help = CANCEL_EXAMPLES,
    help_template = TEMPLATE,
    args_override_self = true,
    disable_version_flag = true
)]
pub struct CancelArgs {
    #[command(flatten)]
    pub creds: CredArgs,

    /// Home URL whose site suffix names the site when the Jetpack blog id is unknown
    #[arg(
        long = "home_url",
        visible_alias = "home-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub home_url: Option<String>,

    #[command(flatten)]
    pub common: Common,
}

const UPGRADE_EXAMPLES: &str = "\
Examples:
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --path=/var/www/site   # blog id from WordPress

Prints what can be provisioned for the site, e.g.
{\"jetpack-backup\":[\"jetpack-backup-daily\"],\"jetpack-plans\":[\"personal\",\"premium\"]}";

/// `upgrade-paths`: what can be provisioned for a site.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "upgrade-paths",
    about = "Show which plans and products can be provisioned for a site",
    after_help = UPGRADE_EXAMPLES,
    help_template = TEMPLATE,
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

    /// Which site: WP-CLI --url (multisite); also the site when WordPress is not reachable
    #[arg(short = 'u', long = "url", value_name = "URL", help_heading = "Site")]
    pub url: Option<String>,

    /// Home URL naming the site when the blog id is unknown
    #[arg(
        long = "home_url",
        visible_alias = "home-url",
        value_name = "URL",
        help_heading = "Site"
    )]
    pub home_url: Option<String>,

    #[command(flatten)]
    pub wp: WpArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

const PARTNER_KEY_EXAMPLES: &str = "\
Examples:
  jetpack-partner partner-key new -c=1234 -s=\"$SECRET\" --name=\"Agency A\" --allowed_premium_plans=100
  jetpack-partner partner-key new --name=\"Agency B\" --allowed_personal_plans=10 --notes=\"invoice 42\"

Prints the new key as JSON, its client_id and client_secret included: store it
safely, it is shown once.";

/// `partner-key new`: create a partner key for a reseller's customer.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "new",
    about = "Create a new partner key (resellers)",
    after_help = PARTNER_KEY_EXAMPLES,
    help_template = TEMPLATE,
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
enum PartnerKeyCmd {
    New(PartnerKeyNewArgs),
}

/// `verify`: check a partner's credentials.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "verify",
    about = "Check partner credentials: exit 0 when WordPress.com accepts them, 1 when not",
    after_help = "Examples:\n  jetpack-partner verify -c=1234 -s=\"$SECRET\"\n  jetpack-partner verify -c=1234 --partner_secret_file=/etc/jetpack/secret",
    help_template = TEMPLATE,
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
enum Cmd {
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
    after_help = TOP_EXAMPLES,
    help_template = TEMPLATE,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// What the user asked for, with credentials resolved.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Invocation {
    Provision(ProvisionArgs, Credentials),
    Cancel(CancelArgs, Credentials),
    UpgradePaths(UpgradePathsArgs, Credentials),
    PartnerKeyNew(PartnerKeyNewArgs, Credentials),
    Verify(VerifyArgs, Credentials),
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub id: String,
    pub secret: Secret,
}

/// Where the secret comes from; a file is read later so that an unreadable
/// file is an `invalid_input` JSON error rather than a usage error.
#[derive(Debug, Clone)]
pub enum Secret {
    Value(String),
    File(PathBuf),
}

/// Which command an executable name stands for, if it is one of the old
/// script names (`partner-provision.sh` and friends).
fn multi_call_name(argv0: &OsString) -> Option<&'static str> {
    let name = Path::new(argv0).file_name()?.to_str()?;
    match name {
        "partner-provision" | "partner-provision.sh" => Some("partner-provision.sh"),
        "partner-cancel" | "partner-cancel.sh" => Some("partner-cancel.sh"),
        _ => None,
    }
}

/// Parse the whole argv (argv[0] included). `env` supplies
/// JETPACK_PARTNER_ID / JETPACK_PARTNER_SECRET (injected for tests).
pub fn parse(
    args: Vec<OsString>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Invocation, UsageError> {
    parse_inner(args, env).map_err(|b| {
        let (error, mut cmd) = *b;
        UsageError {
            usage: cmd.render_usage().to_string(),
            error,
        }
    })
}

/// A parse failure (or --help/--version) and the usage of the command it
/// happened in: clap leaves the usage out of some errors, and the scripts'
/// callers expect it on every usage error.
#[derive(Debug)]
pub struct UsageError {
    pub error: clap::Error,
    pub usage: String,
}

type ParseResult = Result<Invocation, Box<(clap::Error, clap::Command)>>;

fn parse_inner(args: Vec<OsString>, env: &dyn Fn(&str) -> Option<String>) -> ParseResult {
    let argv0 = args.first().cloned().unwrap_or_default();
    match multi_call_name(&argv0) {
        Some(name) if name.starts_with("partner-provision") => {
            let mut cmd = ProvisionArgs::command().name(name).bin_name(name);
            let a = cmd
                .try_get_matches_from_mut(args)
                .and_then(|m| ProvisionArgs::from_arg_matches(&m));
            match a {
                Ok(a) => provision(a, &mut cmd, env).map_err(|e| Box::new((e, cmd))),
                Err(e) => Err(Box::new((e, cmd))),
            }
        }
        Some(name) => {
            let mut cmd = CancelArgs::command().name(name).bin_name(name);
            let a = cmd
                .try_get_matches_from_mut(args)
                .and_then(|m| CancelArgs::from_arg_matches(&m));
            match a {
                Ok(a) => cancel(a, &mut cmd, env).map_err(|e| Box::new((e, cmd))),
                Err(e) => Err(Box::new((e, cmd))),
            }
        }
        None => {
            let mut cmd = Cli::command();
            let m = match cmd.try_get_matches_from_mut(args.clone()) {
                Ok(m) => m,
                Err(e) => {
                    // Name the subcommand in the usage when there is one.
                    let names: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
                    let sub = sub_command(&mut cmd, &names);
                    return Err(Box::new((e, sub)));
                }
            };
            let cli = match Cli::from_arg_matches(&m) {
                Ok(c) => c,
                Err(e) => return Err(Box::new((e, cmd))),
            };
            match cli.cmd {
                Cmd::Provision(a) => {
                    let mut sub = sub_command(&mut cmd, &["provision"]);
                    provision(a, &mut sub, env).map_err(|e| Box::new((e, sub)))
                }
                Cmd::Cancel(a) => {
                    let mut sub = sub_command(&mut cmd, &["cancel"]);
                    cancel(a, &mut sub, env).map_err(|e| Box::new((e, sub)))
                }
                Cmd::UpgradePaths(mut a) => {
                    let mut sub = sub_command(&mut cmd, &["upgrade-paths"]);
                    blank_creds(&mut a.creds);
                    blank_wp(&mut a.wp);
                    blank_run(&mut a.run);
                    for v in [&mut a.blog_id, &mut a.url, &mut a.home_url] {
                        blank(v);
                    }
                    match credentials(&a.creds, &mut sub, env) {
                        Ok(c) => Ok(Invocation::UpgradePaths(a, c)),
                        Err(e) => Err(Box::new((e, sub))),
                    }
                }
                Cmd::PartnerKey(PartnerKeyCmd::New(mut a)) => {
                    let mut sub = sub_command(&mut cmd, &["partner-key", "new"]);
                    blank_creds(&mut a.creds);
                    blank_run(&mut a.run);
                    for v in [
                        &mut a.name,
                        &mut a.allowed_personal_plans,
                        &mut a.allowed_premium_plans,
                        &mut a.allowed_professional_plans,
                        &mut a.notes,
                    ] {
                        blank(v);
                    }
                    let creds = match credentials(&a.creds, &mut sub, env) {
                        Ok(c) => c,
                        Err(e) => return Err(Box::new((e, sub))),
                    };
                    if a.name.is_none() {
                        let e = missing(&mut sub, "--name=<NAME>");
                        return Err(Box::new((e, sub)));
                    }
                    Ok(Invocation::PartnerKeyNew(a, creds))
                }
                Cmd::Verify(mut a) => {
                    let mut sub = sub_command(&mut cmd, &["verify"]);
                    blank_creds(&mut a.creds);
                    blank_run(&mut a.run);
                    match credentials(&a.creds, &mut sub, env) {
                        Ok(c) => Ok(Invocation::Verify(a, c)),
                        Err(e) => Err(Box::new((e, sub))),
                    }
                }
            }
        }
    }
}

/// The deepest subcommand named at the start of `names`, built, so usage
/// errors name `jetpack-partner partner-key new` and not just the top.
fn sub_command(cmd: &mut clap::Command, names: &[&str]) -> clap::Command {
    cmd.build();
    let mut current = cmd.clone();
    for name in names {
        match current.find_subcommand(name) {
            Some(sub) => current = sub.clone(),
            None => break,
        }
    }
    current
}

fn provision(
    mut a: ProvisionArgs,
    cmd: &mut clap::Command,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Invocation, clap::Error> {
    blank_to_none(&mut a.common, &mut a.creds);
    for v in [
        &mut a.user,
        &mut a.plan,
        &mut a.onboarding,
        &mut a.wpcom_user_id,
        &mut a.wpcom_user_email,
        &mut a.force_register,
        &mut a.force_connect,
        &mut a.site_url,
        &mut a.home_url,
        &mut a.ssh_host,
        &mut a.ssh_port,
        &mut a.ssh_user,
        &mut a.ssh_pass,
        &mut a.ftp_host,
        &mut a.ftp_port,
        &mut a.ftp_user,
        &mut a.ftp_pass,
        &mut a.batch,
        &mut a.jobs,
        &mut a.skip_done,
    ] {
        blank(v);
    }
    let creds = credentials(&a.creds, cmd, env)?;
    // In a batch each line may name its own user.
    if a.user.is_none() && a.batch.is_none() && !a.all_sites {
        return Err(missing(cmd, "--user=<USER> (ID, login or email)"));
    }
    Ok(Invocation::Provision(a, creds))
}

fn cancel(
    mut a: CancelArgs,
    cmd: &mut clap::Command,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Invocation, clap::Error> {
    blank_to_none(&mut a.common, &mut a.creds);
    blank(&mut a.home_url);
    let creds = credentials(&a.creds, cmd, env)?;
    Ok(Invocation::Cancel(a, creds))
}

/// Flags win over the environment: --partner_secret, then
/// --partner_secret_file, then JETPACK_PARTNER_SECRET (same for the id).
fn credentials(
    c: &CredArgs,
    cmd: &mut clap::Command,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credentials, clap::Error> {
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let id = c
        .partner_id
        .clone()
        .or_else(|| nonempty(env("JETPACK_PARTNER_ID")))
        .ok_or_else(|| missing(cmd, "--partner_id=<ID> (or JETPACK_PARTNER_ID)"))?;
    let secret = match (&c.partner_secret, &c.partner_secret_file) {
        (Some(s), _) => Secret::Value(s.clone()),
        (None, Some(p)) => Secret::File(p.clone()),
        (None, None) => Secret::Value(
            nonempty(env("JETPACK_PARTNER_SECRET")).ok_or_else(|| {
                missing(
                    cmd,
                    "--partner_secret=<SECRET> (or --partner_secret_file, or JETPACK_PARTNER_SECRET)",
                )
            })?,
        ),
    };
    Ok(Credentials { id, secret })
}

fn missing(cmd: &mut clap::Command, what: &str) -> clap::Error {
    cmd.error(
        ErrorKind::MissingRequiredArgument,
        format!("the following required argument was not provided: {what}"),
    )
}

/// `--plan=` (empty) means "not given", as it did in the scripts.
fn blank(v: &mut Option<String>) {
    if v.as_deref() == Some("") {
        *v = None;
    }
}

fn blank_to_none(c: &mut Common, k: &mut CredArgs) {
    for v in [&mut c.url, &mut c.partner_tracking_id] {
        blank(v);
    }
    blank_wp(&mut c.wp);
    blank_run(&mut c.run);
    blank_creds(k);
}

fn blank_wp(w: &mut WpArgs) {
    for v in [&mut w.path, &mut w.wp_cli_path, &mut w.wp_timeout] {
        blank(v);
    }
}

fn blank_run(r: &mut RunArgs) {
    blank(&mut r.timeout);
}

fn blank_creds(k: &mut CredArgs) {
    for v in [&mut k.partner_id, &mut k.partner_secret] {
        blank(v);
    }
    if k.partner_secret_file.as_deref() == Some(Path::new("")) {
        k.partner_secret_file = None;
    }
}

/// The clap definition of the top-level command, for man pages and
/// completions (packaging's generator includes this file).
pub fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse_ok(args: &[&str]) -> Invocation {
        let v = args.iter().map(OsString::from).collect();
        match parse(v, &no_env) {
            Ok(i) => i,
            Err(e) => panic!("parse failed: {}", e.error),
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
        ProvisionArgs::command().debug_assert();
        CancelArgs::command().debug_assert();
    }

    #[test]
    fn short_equals_form_is_a_value() {
        let inv = parse_ok(&[
            "partner-provision.sh",
            "-c=12",
            "-s=a=b",
            "-i=1",
            "-p=premium",
        ]);
        let Invocation::Provision(a, creds) = inv else {
            panic!("not provision")
        };
        assert_eq!(creds.id, "12");
        assert!(matches!(creds.secret, Secret::Value(ref s) if s == "a=b"));
        assert_eq!(a.user.as_deref(), Some("1"));
        assert_eq!(a.plan.as_deref(), Some("premium"));
    }

    #[test]
    fn multi_call_names() {
        assert!(matches!(
            parse_ok(&[
                "/x/bin/partner-cancel",
                "--partner_id=1",
                "--partner_secret=2"
            ]),
            Invocation::Cancel(..)
        ));
        assert!(matches!(
            parse_ok(&["jetpack-partner", "cancel", "-c", "1", "-s", "2"]),
            Invocation::Cancel(..)
        ));
    }

    #[test]
    fn environment_supplies_credentials_flags_win() {
        let env = |k: &str| match k {
            "JETPACK_PARTNER_ID" => Some("env-id".to_string()),
            "JETPACK_PARTNER_SECRET" => Some("env-secret".to_string()),
            _ => None,
        };
        let v = ["jetpack-partner", "cancel", "--partner_id=flag-id"]
            .iter()
            .map(OsString::from)
            .collect();
        let Ok(Invocation::Cancel(_, creds)) = parse(v, &env) else {
            panic!("parse failed")
        };
        assert_eq!(creds.id, "flag-id");
        assert!(matches!(creds.secret, Secret::Value(ref s) if s == "env-secret"));
    }

    #[test]
    fn missing_user_is_a_usage_error() {
        let v = ["partner-provision.sh", "-c=1", "-s=2"]
            .iter()
            .map(OsString::from)
            .collect();
        let err = parse(v, &no_env).err().map(|e| e.error.kind());
        assert_eq!(err, Some(ErrorKind::MissingRequiredArgument));
    }
}
