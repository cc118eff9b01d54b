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
