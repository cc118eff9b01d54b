//! The wording of the errors of a product given by license (`provision
//! --license`, `apply`'s `"via":"license"`): flags that only a partner
//! provision sends, an issue answer without a key, and a license issued
//! and not on its site.

use super::Error;
use std::fmt;

/// The message of [`Error::NotWithLicense`], [`Error::NoLicenseKey`] and
/// [`Error::LicenseNotOnSite`].
pub(super) fn describe(e: &Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match e {
        Error::NotWithLicense { flags } => {
            let one = flags.len() == 1;
            write!(
                f,
                "{} {} sent only with a partner provision (jpphp), and --license gives the site its product by a license instead; leave {} out, or provision without --license",
                flags.join(", "),
                if one { "is" } else { "are" },
                if one { "it" } else { "them" },
            )
        }
        Error::LicenseWaiting { product } => write!(
            f,
            "a license key for {product} is in this site's jetpack_licenses already, waiting to be attached (or refused: jetpack-partner audit shows Jetpack's license error), so no second license was issued (it would be billed too); connect the site, or remove that key with jetpack-partner license unset before provisioning again"
        ),
        Error::NoLicenseKey { what } => write!(
            f,
            "{what}: the answer holds no license key, so none was set on the site; a license may have been issued all the same: look for it with jetpack-partner license list before running this again"
        ),
        Error::LicenseNotOnSite { failed, set, .. } => {
            write!(f, "{failed}; ")?;
            f.write_str(match set {
                Some(false) => "the license issued for this site is not set on it (license_key): set it there with jetpack-partner license set, or revoke it; provisioning again would issue, and bill, another",
                Some(true) => "the license issued for this site is in its jetpack_licenses (license_key) but not attached yet: once that is fixed, Jetpack attaches it (setting it again retries); provisioning again would issue, and bill, another",
                None => "a license was issued for this site (license_key): check whether it is in the site's jetpack_licenses (license set adds it) before anything else; provisioning again would issue, and bill, another",
            })
        }
        other => f.write_str(other.error_code()),
    }
}
