//! What `--version` says: the version, and which build this is (commit,
//! target, build date), which a fleet audit asks of every server. The
//! first two words stay `jetpack-partner VERSION` for the scripts that
//! read them. `build.rs` supplies the build facts.

/// `jetpack-partner 0.1.0 (commit 1a2b3c4, x86_64-unknown-linux-gnu, built 2026-12-05)`.
pub const LINE: &str = concat!(
    "jetpack-partner ",
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("JETPACK_PARTNER_COMMIT"),
    ", ",
    env!("JETPACK_PARTNER_TARGET"),
    ", built ",
    env!("JETPACK_PARTNER_BUILD_DATE"),
    ")"
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_words_are_name_and_version() {
        let want = format!("jetpack-partner {} (commit ", env!("CARGO_PKG_VERSION"));
        assert!(super::LINE.starts_with(&want), "{}", super::LINE);
        assert!(super::LINE.ends_with(')'), "{}", super::LINE);
    }
}
