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
        "JETPACK_PARTNER_SECRET_FILE",
        "a file holding the client secret (first line; - for stdin)",
    ),
    (
        "JETPACK_PARTNER_ACCESS_TOKEN, JETPACK_PARTNER_ACCESS_TOKEN_FILE",
        "a partner token (or a file holding one: the token alone, or the JSON `token` printed) to use instead of the credentials: no token call",
    ),
    (
        "CREDENTIALS_DIRECTORY",
        "systemd credentials (LoadCredential=jetpack-partner-secret:/etc/jetpack/secret, or jetpack-partner-token): read after the variables above",
    ),
    (
        "JETPACK_PARTNER_CONFIG",
        "the config file when --config is not given (else ${XDG_CONFIG_HOME:-~/.config}/jetpack-partner/config.toml, else /etc/jetpack-partner/config.toml). Order of everything: flag > environment > config file, and at each level a token before a client secret",
    ),
    (
        "JETPACK_LICENSING_TOKEN",
        "the Licensing API token (license, connect) when --licensing-token-file is not given; without either, the partner token",
    ),
    (
        "JETPACK_REPORTING_TOKEN",
        "the partner reports' token (a WordPress.com user token) when --reporting-token-file is not given",
    ),
    (
        "JETPACK_START_API_HOST",
        "the API host (default public-api.wordpress.com, over https); a value with a scheme, e.g. http://127.0.0.1:8080, is used as is (a base path too); user info, a query or a fragment are refused",
    ),
    (
        "JETPACK_PARTNER_INSECURE_HTTP",
        "1 allows a plain http:// API host other than this machine (the secret and token then go unencrypted)",
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
/// errors` lists them). docs/errors.md's table must list the same (a test checks).
pub const ERROR_CODES: &[(&str, &str)] = &[
    ("invalid_input", "a flag value or input line cannot be used"),
    (
        "insecure_file",
        "a secret, token, key or config file others may read: chmod 600 it",
    ),
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
        "site_in_safe_mode",
        "the site is a copy in Jetpack safe mode: nothing was sent for it",
    ),
    (
        "locked",
        "another run holds the --skip-done or --desired file",
    ),
    (
        "duplicate_blog_id",
        "two sites of the run carry the same Jetpack blog id",
    ),
    (
        "unknown_error_code",
        "errors CODE: no such code in the catalogue",
    ),
    (
        "license_error",
        "license set: the keys are stored, and WordPress.com did not attach some",
    ),
    (
        "license_already_set",
        "provision --license: a key for the product waits on the site; none issued",
    ),
    (
        "previously_connected",
        "connect: the owner disconnected the site on purpose (not retried)",
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
    t.push_str("\n  (docs/errors.md says when each happens.)");
    t
}

pub const TOP: &str = "\
Examples:
  jetpack-partner provision --partner_id=1234 --partner_secret_file=/etc/jetpack/secret --user=admin --plan=professional
  JETPACK_PARTNER_ID=1234 JETPACK_PARTNER_SECRET_FILE=/etc/jetpack/secret jetpack-partner cancel --url=https://example.com
  jetpack-partner status --blog_id=12345   (id and secret file in ~/.config/jetpack-partner/config.toml)
  jetpack-partner provision --help

Installed as partner-provision.sh / partner-cancel.sh (or a link of that name)
it behaves as the old Jetpack script of that name, with the same flags.";
