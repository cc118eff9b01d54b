//! The environment variables this tool reads for credentials: read by
//! `cli`, and removed from the environment of every child process (SPEC §9:
//! `wp` and the PHP it runs never see a partner credential).

pub const ID_VAR: &str = "JETPACK_PARTNER_ID";
pub const SECRET_VAR: &str = "JETPACK_PARTNER_SECRET";
pub const TOKEN_VAR: &str = "JETPACK_PARTNER_ACCESS_TOKEN";
/// The Licensing API's token (SPEC §11).
pub const LICENSING_TOKEN_VAR: &str = "JETPACK_LICENSING_TOKEN";
/// The partner reports' token (a WordPress.com user token).
pub const REPORTING_TOKEN_VAR: &str = "JETPACK_REPORTING_TOKEN";

/// Every variable that carries a partner credential.
pub const CREDENTIAL_VARS: &[&str] = &[
    ID_VAR,
    SECRET_VAR,
    TOKEN_VAR,
    LICENSING_TOKEN_VAR,
    REPORTING_TOKEN_VAR,
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
