//! The environment variables this tool reads for credentials and settings:
//! read by `credentials` and `config`, and (those that carry or name a
//! credential) removed from the environment of every child process (SPEC
//! §9: `wp` and the PHP it runs never see a partner credential).

pub const ID_VAR: &str = "JETPACK_PARTNER_ID";
pub const SECRET_VAR: &str = "JETPACK_PARTNER_SECRET";
pub const TOKEN_VAR: &str = "JETPACK_PARTNER_ACCESS_TOKEN";
/// The Licensing API's token (SPEC §11).
pub const LICENSING_TOKEN_VAR: &str = "JETPACK_LICENSING_TOKEN";
/// The partner reports' token (a WordPress.com user token).
pub const REPORTING_TOKEN_VAR: &str = "JETPACK_REPORTING_TOKEN";

/// A file holding the client secret (first line), or `-` for stdin.
pub const SECRET_FILE_VAR: &str = "JETPACK_PARTNER_SECRET_FILE";
/// A file holding a partner token (bare, or the JSON `token` prints).
pub const TOKEN_FILE_VAR: &str = "JETPACK_PARTNER_ACCESS_TOKEN_FILE";
/// The config file to read instead of the default ones.
pub const CONFIG_VAR: &str = "JETPACK_PARTNER_CONFIG";
/// The API host (also `api_host` in the config file).
pub const API_HOST_VAR: &str = "JETPACK_START_API_HOST";

/// systemd's credentials folder (`LoadCredential=` in a unit), and the
/// names we look for in it.
pub const CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";
pub const SYSTEMD_SECRET: &str = "jetpack-partner-secret";
pub const SYSTEMD_TOKEN: &str = "jetpack-partner-token";

/// Every variable that carries a partner credential, or names a file that
/// holds one (or names such files: the config): none reaches a child. The
/// `_FILE` and config variables only name paths, and `wp` runs as our
/// user, so a plugin could read those files anyway; it is not told where
/// they are. `CREDENTIALS_DIRECTORY` is kept: its path is fixed
/// (`/run/credentials/UNIT`), so hiding it protects nothing, and a
/// `wp-config.php` may read its own credentials (a database password) there.
pub const CREDENTIAL_VARS: &[&str] = &[
    ID_VAR,
    SECRET_VAR,
    TOKEN_VAR,
    LICENSING_TOKEN_VAR,
    REPORTING_TOKEN_VAR,
    SECRET_FILE_VAR,
    TOKEN_FILE_VAR,
    CONFIG_VAR,
];

/// Keep our environment (and memory) from other processes of the same
/// user: `wp` and the plugins it runs are such processes, and could read
/// `/proc/<our pid>/environ` (JETPACK_PARTNER_SECRET) or attach to us.
/// Not dumpable, those files belong to root. Argument lists stay visible
/// to everyone (`ps`): pass the secret by variable or file, not `-s`.
pub fn keep_private() {
    #[cfg(target_os = "linux")]
    sys::not_dumpable();
}

#[cfg(target_os = "linux")]
mod sys {
    // std has no prctl.
    pub fn not_dumpable() {
        // SAFETY: prctl(PR_SET_DUMPABLE, 0) changes a flag of this process
        // only; it reads and writes none of our memory. A failure leaves
        // things as they were, which is all we could do about it.
        unsafe {
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_process_is_no_longer_dumpable() {
            super::not_dumpable();
            // SAFETY: PR_GET_DUMPABLE reads a flag of this process.
            let dumpable = unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) };
            assert_eq!(dumpable, 0);
        }
    }
}

/// The environment, injected so tests can supply it.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;
