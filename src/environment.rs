//! The environment variables this tool reads for credentials: read by
//! `cli`, and removed from the environment of every child process (SPEC §9:
//! `wp` and the PHP it runs never see a partner credential).

pub const ID_VAR: &str = "JETPACK_PARTNER_ID";
pub const SECRET_VAR: &str = "JETPACK_PARTNER_SECRET";
pub const TOKEN_VAR: &str = "JETPACK_PARTNER_ACCESS_TOKEN";

/// Every variable that carries a partner credential.
pub const CREDENTIAL_VARS: &[&str] = &[ID_VAR, SECRET_VAR, TOKEN_VAR];
