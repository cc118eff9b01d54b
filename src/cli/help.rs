//! The words of `--help`: examples first, for a hosting engineer in a
//! hurry; what is required; and, after the flags, the environment and the
//! exit status with every error code of ours. The man pages are generated
//! from the same clap definitions and the same lists (packaging/gen.rs).

/// Variables the tool reads, for `--help` and the man pages.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "JETPACK_PARTNER_ID, JETPACK_PARTNER_SECRET",
        "the partner credentials when --partner_id/--partner_secret are not given (keeps the secret out of ps)",
    ),
    (
        "JETPACK_PARTNER_ACCESS_TOKEN",
        "a partner token to use instead of the credentials: no token call",
    ),
    (
        "JETPACK_START_API_HOST",
        "the API host (default public-api.wordpress.com, over https); a value with a scheme, e.g. http://127.0.0.1:8080, is used as is",
    ),
    (
        "HTTPS_PROXY, ALL_PROXY, NO_PROXY",
        "the proxy, as curl reads them (HTTP_PROXY is never used for https)",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "the CA certificates to trust instead of the system store",
    ),
];

/// How a run ends.
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "success: the API's JSON on stdout (list commands: one JSON line per site)"),
    ("1", "failure: one JSON object on stderr with success:false, error_code and error_message (a batch: some site failed); a usage error prints the usage instead"),
    ("129, 130, 143", "ended by SIGHUP, SIGINT, SIGTERM (error_code interrupted)"),
];

/// Our own error codes (the API's pass through unchanged: `jetpack-partner
/// errors` lists them). README's table must list the same (a test checks).
pub const ERROR_CODES: &[(&str, &str)] = &[
    ("invalid_input", "a flag value or input line cannot be used"),
    ("invalid_user", "WordPress has no such --user"),
    ("wp_not_found", "WordPress is needed and there is no wp"),
    ("wp_not_wordpress", "wp finds no WordPress install there"),
    (
        "wp_needs_allow_root",
        "running as root without --allow-root",
    ),
    (
        "wp_failed",
        "any other wp failure (PHP fatal, disabled command)",
    ),
    ("wp_timeout", "a wp call ran past --wp-timeout"),
    (
        "missing_access_token",
        "the token answer has no access_token",
    ),
    (
        "unknown_error",
        "empty answer (\"Empty response from server\")",
    ),
    (
        "server_error",
        "HTTP status not 2xx and no error in the body",
    ),
    (
        "invalid_response",
        "a 2xx answer that is not JSON (or not an object where one is due), or too large",
    ),
    ("network_error", "connection, DNS, TLS or proxy failure"),
    ("timeout", "a request ran past --timeout"),
    ("authorization_failure", "wp jetpack authorize_user failed"),
    (
        "plan_not_available",
        "--check-upgrade: the plan is not among the upgrade paths",
    ),
    (
        "unknown_error_code",
        "errors CODE: no such code in the catalogue",
    ),
    (
        "interrupted",
        "a signal ended the run (the message says whether a request may have been carried out)",
    ),
    (
        "output_failed",
        "stdout could not be written (the request was carried out)",
    ),
    ("internal_error", "a bug in jetpack-partner"),
];

/// The layout of every `--help`: about, usage, examples, the flags, then the
/// environment and exit status.
pub fn template() -> String {
    let mut t = String::from(
        "{about-with-newline}\n{usage-heading} {usage}{after-help}\n\n{all-args}\n\nEnvironment:\n",
    );
    for (name, what) in ENVIRONMENT {
        t.push_str(&format!("  {name}\n      {what}\n"));
    }
    t.push_str("\nExit status:\n");
    for (code, what) in EXIT_STATUS {
        t.push_str(&format!("  {code}  {what}\n"));
    }
    t.push_str("\nError codes (besides the API's own, which pass through):\n ");
    let mut width = 1;
    for (code, _) in ERROR_CODES {
        if width + code.len() + 1 > 79 {
            t.push_str("\n ");
            width = 1;
        }
        t.push(' ');
        t.push_str(code);
        width += code.len() + 1;
    }
    t.push_str("\n  (README \"Errors\" says when each happens.)");
    t
}

pub const PROVISION: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--user (unless --batch/--all-sites lines give it).

Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret=\"$SECRET\" \\
      --user=admin --plan=professional --path=/var/www/site
  JETPACK_PARTNER_ID=1234 JETPACK_PARTNER_SECRET=\"$SECRET\" \\
      jetpack-partner provision --user=admin --plan=jetpack-backup-daily --url=https://example.com
  jetpack-partner provision -c=1234 -s=\"$SECRET\" --user=admin --plan=premium --if-needed --path=/var/www/site
  bin/partner-provision.sh -c=1234 -s=\"$SECRET\" -i=1 -p=premium   # old script flags";

pub const CANCEL: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token).

Examples:
  jetpack-partner cancel --partner_id=1234 --partner_secret=\"$SECRET\" --path=/var/www/site
  jetpack-partner cancel -c=1234 -s=\"$SECRET\" --url=https://example.com/blog   # no WP-CLI needed
  jetpack-partner cancel -c=1234 -s=\"$SECRET\" --blog_id=12345 --plan=jetpack-backup-daily
  bin/partner-cancel.sh --partner_id=1234 --partner_secret=\"$SECRET\"

A standalone product (jetpack-backup-*, jetpack-scan, jetpack-anti-spam) is
cancelled only with --plan; without it the site's plan is.";

pub const TOP: &str = "\
Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret=\"$SECRET\" --user=admin --plan=professional
  jetpack-partner cancel --partner_id=1234 --partner_secret=\"$SECRET\" --url=https://example.com
  jetpack-partner status -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner provision --help

Installed as partner-provision.sh / partner-cancel.sh (or a link of that name)
it behaves as the old Jetpack script of that name, with the same flags.";

pub const UPGRADE_PATHS: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token).

Examples:
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --path=/var/www/site   # blog id from WordPress

Prints what can be provisioned for the site, e.g.
{\"jetpack-backup\":[\"jetpack-backup-daily\"],\"jetpack-plans\":[\"personal\",\"premium\"]}";

pub const PARTNER_KEY_NEW: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--name.

Examples:
  jetpack-partner partner-key new -c=1234 -s=\"$SECRET\" --name=\"Agency A\" --allowed_premium_plans=100
  jetpack-partner partner-key new --name=\"Agency B\" --allowed_personal_plans=10 --notes=\"invoice 42\"

Prints the new key as JSON, its client_id and client_secret included: store it
safely, it is shown once.";

pub const VERIFY: &str = "\
Required: --partner_id and --partner_secret (or their variables).

Examples:
  jetpack-partner verify -c=1234 -s=\"$SECRET\"
  jetpack-partner verify -c=1234 --partner_secret_file=/etc/jetpack/secret";

pub const STATUS: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token).

Examples:
  jetpack-partner status -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner status --access-token-file=/etc/jetpack/token --path=/var/www/site

Prints the site's connection and products, e.g.
{\"blog\":{\"is_connected\":true,\"has_backups_credentials\":false},\"products\":[{\"slug\":\"jetpack-backup-daily\",\"is_provisioned_by_partner\":true,\"is_provisioned_by_calling_partner\":true,\"is_pending\":false}]}";

pub const BACKUP_CREDENTIALS: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token);
SSH: --ssh-host, --ssh-user and a password or --ssh-private-key; FTP:
--ftp-host and --ftp-user. A blog id (--blog_id, or Jetpack's from WordPress).

Examples:
  jetpack-partner backup-credentials -c=1234 --partner_secret_file=/etc/jetpack/secret \\
      --blog_id=12345 --ssh-host=ssh.example.com --ssh-user=deploy --ssh-pass-file=/root/ssh-pass
  jetpack-partner backup-credentials --path=/var/www/site --ftp-host=ftp.example.com \\
      --ftp-user=backup --ftp-pass-file=/root/ftp-pass

Both kinds given: two calls, one answer {\"ssh\":...,\"ftp\":...}. Passwords and
keys are never printed.";

pub const ERRORS: &str = "\
Required: nothing (the catalogue is public; no token call).

Examples:
  jetpack-partner errors
  jetpack-partner errors invalid_plan --verbose    # with causes and solutions";

pub const MAGIC_LINK: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--email.

Examples:
  jetpack-partner magic-link -c=1234 -s=\"$SECRET\" --email=owner@example.com

WordPress.com allows 5 per address per hour; past that the API's
too_many_requests error is passed through (never retried).";

pub const API: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
PATH.

Examples:
  jetpack-partner api /wpcom/v2/sites/12345/rewind/backups
  jetpack-partner api /wpcom/v2/sites/12345/activity -f number=20
  jetpack-partner api -X POST /wpcom/v2/sites/12345/scan/enqueue
  jetpack-partner api -X POST /wpcom/v1.1/activity-log/12345/rewind/to/1700000000 --input=restore.json

PATH is always relative to the API host (JETPACK_START_API_HOST): a full URL
is refused, so the token never goes anywhere else. GET may be retried; any
other method is never sent twice.";

pub const TOKEN: &str = "\
Required: --partner_id and --partner_secret (or their variables).

Examples:
  jetpack-partner token -c=1234 --partner_secret_file=/etc/jetpack/secret > token.json
  jetpack-partner status --access-token-file=/etc/jetpack/token --blog_id=12345

The token does not expire; later runs can reuse it (--access-token-file, a
file holding just the access_token, or JETPACK_PARTNER_ACCESS_TOKEN) and skip
the token call.";

pub const SITES: &str = "\
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

pub const APPLY: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
--desired; a user (--user or \"user\" on the line) where something is to be
provisioned.

Examples:
  jetpack-partner apply -c=1234 --partner_secret_file=/etc/jetpack/secret --desired=desired.jsonl --dry-run
  jetpack-partner apply -c=1234 --partner_secret_file=/etc/jetpack/secret --desired=desired.jsonl --prune
  where desired.jsonl holds lines such as
  {\"url\":\"https://a.example\",\"path\":\"/var/www/a\",\"user\":\"admin\",\"products\":[\"premium\",\"jetpack-backup-daily\"]}

For each site: status, then provision what is missing; with --prune also
cancel what this partner provisioned and the file no longer lists (never
another partner's). One JSON line per site with changed and actions; a
second run changes nothing. --dry-run sends only the token and status calls.";
