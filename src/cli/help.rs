//! The words of `--help`: examples first, for a hosting engineer in a
//! hurry. The man pages are generated from the same clap definitions.

pub const TEMPLATE: &str = "\
{about-with-newline}
{usage-heading} {usage}{after-help}

{all-args}";

pub const PROVISION: &str = "\
Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret=\"$SECRET\" \\
      --user=admin --plan=professional --path=/var/www/site
  JETPACK_PARTNER_ID=1234 JETPACK_PARTNER_SECRET=\"$SECRET\" \\
      jetpack-partner provision --user=admin --plan=jetpack-backup-daily --url=https://example.com
  bin/partner-provision.sh -c=1234 -s=\"$SECRET\" -i=1 -p=premium   # old script flags

Success: the API's JSON on stdout, exit 0. Failure: exit 1 and one JSON object
on stderr with success:false, error_code and error_message.";

pub const CANCEL: &str = "\
Examples:
  jetpack-partner cancel --partner_id=1234 --partner_secret=\"$SECRET\" --path=/var/www/site
  jetpack-partner cancel -c=1234 -s=\"$SECRET\" --url=https://example.com/blog   # no WP-CLI needed
  bin/partner-cancel.sh --partner_id=1234 --partner_secret=\"$SECRET\"

Success: the API's JSON on stdout, exit 0. Failure: exit 1 and one JSON object
on stderr with success:false, error_code and error_message.";

pub const TOP: &str = "\
Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret=\"$SECRET\" --user=admin --plan=professional
  jetpack-partner cancel --partner_id=1234 --partner_secret=\"$SECRET\" --url=https://example.com
  jetpack-partner provision --help

Installed as partner-provision.sh / partner-cancel.sh (or a link of that name)
it behaves as the old Jetpack script of that name, with the same flags.";

pub const UPGRADE_PATHS: &str = "\
Examples:
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner upgrade-paths -c=1234 -s=\"$SECRET\" --path=/var/www/site   # blog id from WordPress

Prints what can be provisioned for the site, e.g.
{\"jetpack-backup\":[\"jetpack-backup-daily\"],\"jetpack-plans\":[\"personal\",\"premium\"]}";

pub const PARTNER_KEY_NEW: &str = "\
Examples:
  jetpack-partner partner-key new -c=1234 -s=\"$SECRET\" --name=\"Agency A\" --allowed_premium_plans=100
  jetpack-partner partner-key new --name=\"Agency B\" --allowed_personal_plans=10 --notes=\"invoice 42\"

Prints the new key as JSON, its client_id and client_secret included: store it
safely, it is shown once.";

pub const VERIFY: &str = "\
Examples:
  jetpack-partner verify -c=1234 -s=\"$SECRET\"
  jetpack-partner verify -c=1234 --partner_secret_file=/etc/jetpack/secret";

pub const STATUS: &str = "\
Examples:
  jetpack-partner status -c=1234 -s=\"$SECRET\" --blog_id=12345
  jetpack-partner status --access-token-file=/etc/jetpack/token --path=/var/www/site

Prints the site's connection and products, e.g.
{\"blog\":{\"is_connected\":true,\"has_backups_credentials\":false},\"products\":[{\"slug\":\"jetpack-backup-daily\",\"is_provisioned_by_partner\":true,\"is_provisioned_by_calling_partner\":true,\"is_pending\":false}]}";

pub const BACKUP_CREDENTIALS: &str = "\
Examples:
  jetpack-partner backup-credentials -c=1234 --partner_secret_file=/etc/jetpack/secret \\
      --blog_id=12345 --ssh-host=ssh.example.com --ssh-user=deploy --ssh-pass-file=/root/ssh-pass
  jetpack-partner backup-credentials --path=/var/www/site --ftp-host=ftp.example.com \\
      --ftp-user=backup --ftp-pass-file=/root/ftp-pass

SSH needs --ssh-host, --ssh-user and a password or --ssh-private-key; FTP needs
--ftp-host and --ftp-user. Both kinds given: two calls, one answer
{\"ssh\":...,\"ftp\":...}. Passwords and keys are never printed.";

pub const ERRORS: &str = "\
Examples:
  jetpack-partner errors
  jetpack-partner errors invalid_plan --verbose    # with causes and solutions

No credentials and no token call: the catalogue is public.";

pub const MAGIC_LINK: &str = "\
Examples:
  jetpack-partner magic-link -c=1234 -s=\"$SECRET\" --email=owner@example.com

WordPress.com allows 5 per address per hour; past that the API's
too_many_requests error is passed through (never retried).";

pub const API: &str = "\
Examples:
  jetpack-partner api /wpcom/v2/sites/12345/rewind/backups
  jetpack-partner api /wpcom/v2/sites/12345/activity -f number=20
  jetpack-partner api -X POST /wpcom/v2/sites/12345/scan/enqueue
  jetpack-partner api -X POST /wpcom/v1.1/activity-log/12345/rewind/to/1700000000 --input=restore.json

PATH is always relative to the API host (JETPACK_START_API_HOST): a full URL
is refused, so the token never goes anywhere else. GET may be retried; any
other method is never sent twice.";

pub const TOKEN: &str = "\
Examples:
  jetpack-partner token -c=1234 --partner_secret_file=/etc/jetpack/secret > token.json
  jq -r .access_token token.json > /etc/jetpack/token && chmod 600 /etc/jetpack/token
  jetpack-partner status --access-token-file=/etc/jetpack/token --blog_id=12345

The token does not expire; later runs can reuse it (--access-token-file or
JETPACK_PARTNER_ACCESS_TOKEN) and skip the token call.";

pub const SITES: &str = "\
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
