//! jetpack-partner-gen: writes the man pages and shell completions of
//! jetpack-partner, generated from its clap definitions (src/cli.rs and src/commands/), so they
//! can never disagree with `--help`.
//!
//!     cargo run --features gen --bin jetpack-partner-gen -- OUTDIR
//!
//! writes
//!
//!     OUTDIR/man/jetpack-partner.1
//!     OUTDIR/man/jetpack-partner-provision.1
//!     OUTDIR/man/jetpack-partner-cancel.1
//!     OUTDIR/man/jetpack-partner-<subcommand>.1   (one per subcommand)
//!     OUTDIR/completions/jetpack-partner.bash
//!     OUTDIR/completions/_jetpack-partner        (zsh)
//!     OUTDIR/completions/jetpack-partner.fish
//!
//! packaging/release.sh runs it for the release archive.

use clap_complete::Shell;
use jetpack_partner::cli;
use jetpack_partner::flags::help;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const NAME: &str = "jetpack-partner";

/// Appended to every man page: the parts of the contract that are not
/// flags, from the same lists `--help` shows (src/flags/help.rs).
fn exit_env() -> String {
    let esc = |t: &str| t.replace('\\', "\\\\").replace('-', "\\-");
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for (code, what) in help::EXIT_STATUS {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(code), esc(what)));
    }
    s.push_str(".SH ERRORS\nBesides the API's own codes, which pass through unchanged:\n");
    for (code, what) in help::ERROR_CODES {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(code), esc(what)));
    }
    s.push_str(".SH ENVIRONMENT\n");
    for (name, what) in help::ENVIRONMENT {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(name), esc(what)));
    }
    s.push_str(".SH \"SEE ALSO\"\n\\fBjetpack\\-partner\\fR(1), \\fBwp\\fR(1)\n");
    s
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        eprintln!("usage: jetpack-partner-gen OUTDIR");
        return ExitCode::from(2);
    };
    match generate(Path::new(&out)) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("jetpack-partner-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The command and all its (non-hidden) subcommands, depth first: one man
/// page each (`jetpack-partner-provision.1`, ...).
fn collect(cmd: &clap::Command, out: &mut Vec<clap::Command>) {
    out.push(cmd.clone());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, out);
    }
}

fn generate(out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();

    let man = out.join("man");
    fs::create_dir_all(&man)?;
    let mut top = cli::command().disable_help_subcommand(true);
    top.build();
    let source = format!("{NAME} {}", top.get_version().unwrap_or_default());
    let mut pages = Vec::new();
    collect(&top, &mut pages);
    for cmd in pages {
        let page = clap_mangen::Man::new(cmd).source(source.clone());
        let path = man.join(page.get_filename());
        let mut text = Vec::new();
        page.render(&mut text)?;
        text.extend_from_slice(exit_env().as_bytes());
        fs::write(&path, text)?;
        written.push(path);
    }

    let comp = out.join("completions");
    fs::create_dir_all(&comp)?;
    for (shell, file) in [
        (Shell::Bash, format!("{NAME}.bash")),
        (Shell::Zsh, format!("_{NAME}")),
        (Shell::Fish, format!("{NAME}.fish")),
    ] {
        let path = comp.join(file);
        let mut f = fs::File::create(&path)?;
        clap_complete::generate(shell, &mut cli::command(), NAME, &mut f);
        f.flush()?;
        written.push(path);
    }
    Ok(written)
}
