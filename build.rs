//! Build facts for `--version` (src/version.rs): the commit (`+dirty` when
//! the tree has uncommitted changes; `unknown` outside a git checkout, as
//! in a release tarball), the target, and the build date — from
//! `SOURCE_DATE_EPOCH` when set, so that a release build is reproducible
//! (packaging/release.sh sets it to the commit's date), else today.

use std::path::Path;
use std::process::Command;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&dir);
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=JETPACK_PARTNER_COMMIT={}", commit(dir));
    println!("cargo:rustc-env=JETPACK_PARTNER_TARGET={target}");
    println!("cargo:rustc-env=JETPACK_PARTNER_BUILD_DATE={}", date());
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Again when the sources change (dirty or not) or HEAD moves.
    for path in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={path}");
    }
    // (A path that does not exist would make cargo run this every time:
    // packed refs have no file of their own.)
    let mut watch = vec!["HEAD".to_string()];
    watch.extend(git(dir, &["symbolic-ref", "-q", "HEAD"]));
    for name in watch {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &name]) {
            let path = dir.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

/// `git ARGS` in `dir`: its output's first line, if it ran and said
/// something.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

/// The short commit, `+dirty` with uncommitted changes to tracked files;
/// `unknown` unless `dir` is the top of a git checkout (a tarball unpacked
/// inside another repository must not report that one's commit).
fn commit(dir: &Path) -> String {
    let top = git(dir, &["rev-parse", "--show-toplevel"]);
    let ours = match (top, dir.canonicalize()) {
        (Some(top), Ok(here)) => Path::new(&top).canonicalize().ok() == Some(here),
        _ => false,
    };
    let Some(hash) = ours
        .then(|| git(dir, &["rev-parse", "--short=7", "HEAD"]))
        .flatten()
    else {
        return "unknown".into();
    };
    let dirty = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    if dirty {
        format!("{hash}+dirty")
    } else {
        hash
    }
}

/// YYYY-MM-DD (UTC) of SOURCE_DATE_EPOCH, else of now.
fn date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (y, m, d) = civil(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 as a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
