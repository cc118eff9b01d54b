//! Which certificates we trust: the system store (or SSL_CERT_FILE /
//! SSL_CERT_DIR, as OpenSSL and curl read them), with the bundled Mozilla
//! roots only when the host has none. Loaded only when an https request is
//! about to be made.

use std::path::{Path, PathBuf};
use ureq::tls::{Certificate, PemItem, RootCerts};

/// Where distributions keep their CA bundle.
const SYSTEM_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",   // RHEL, CentOS, Fedora
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7+
    "/etc/ssl/ca-bundle.pem",             // openSUSE
    "/etc/ssl/cert.pem",                  // Alpine, BSDs
    "/etc/pki/tls/cacert.pem",            // OpenELEC
];
const SYSTEM_DIRS: &[&str] = &["/etc/ssl/certs"];

/// The roots, and where they came from (for --verbose).
pub fn roots() -> (RootCerts, String) {
    let env_file = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let env_dir = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty());
    let mut certs = Vec::new();
    let mut from = Vec::new();
    if env_file.is_some() || env_dir.is_some() {
        // Set explicitly: that is what the operator wants trusted, as with curl.
        if let Some(f) = env_file {
            let p = PathBuf::from(f);
            load_file(&p, &mut certs);
            from.push(p.display().to_string());
        }
        if let Some(d) = env_dir {
            for dir in std::env::split_paths(&d) {
                load_dir(&dir, &mut certs);
                from.push(dir.display().to_string());
            }
        }
    } else if let Some(f) = SYSTEM_FILES.iter().map(Path::new).find(|p| p.is_file()) {
        load_file(f, &mut certs);
        from.push(f.display().to_string());
    } else {
        for d in SYSTEM_DIRS {
            load_dir(Path::new(d), &mut certs);
            from.push((*d).to_string());
        }
    }
    if certs.is_empty() {
        (RootCerts::WebPki, "bundled Mozilla roots".into())
    } else {
        let n = certs.len();
        (
            RootCerts::from(certs),
            format!("{n} roots from {}", from.join(", ")),
        )
    }
}

fn load_file(path: &Path, out: &mut Vec<Certificate<'static>>) {
    let Ok(pem) = std::fs::read(path) else {
        return;
    };
    // One bad certificate in a bundle must not lose us the others.
    for item in ureq::tls::parse_pem(&pem).flatten() {
        if let PemItem::Certificate(c) = item {
            out.push(c);
        }
    }
}

fn load_dir(dir: &Path, out: &mut Vec<Certificate<'static>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_file() {
            load_file(&p, out);
        }
    }
}
