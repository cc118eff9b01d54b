//! A fake `wp` (WP-CLI) executable that replays recorded transcripts from
//! `tests/fixtures/wp-cli/` byte for byte.
//!
//! It is a POSIX `sh` script plus plain data files, so the binary under test
//! runs it exactly like the real `wp` (a separate process found on PATH),
//! and it needs nothing beyond sh, cat, cmp, sleep, mkdir, printf and env.
//!
//! Layout under the directory given to [`FakeWp::new`]:
//!
//! ```text
//! bin/wp                 the script
//! answers/NNNNNN/        one per registered answer, tried in order:
//!     argv               expected arguments, each NUL-terminated (absent: any)
//!     any                marker: matches any arguments
//!     stdout, stderr     bytes to print
//!     delay              seconds to sleep before printing (optional)
//!     code               exit status; written last, so a half-written answer is never used
//! calls/N/               one per call, N from 0:
//!     argv               arguments received, each NUL-terminated
//!     env                JETPACK_WP_* variables, each `NAME=VALUE` NUL-terminated
//!     environ            the whole environment as received (`env -0`)
//!     pid                the script's `$$`: it leads its own process group
//! ```

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Where `<WP_CLI_PHAR>` in transcripts points.
pub const WP_CLI_PHAR: &str = "/opt/wp-cli.phar";

/// Exit status of the fake `wp` when no answer matches.
pub const UNMATCHED_EXIT: i32 = 99;

/// `tests/fixtures/wp-cli/`.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wp-cli")
}

/// A parsed transcript; `name` with or without `.json`.
pub fn load_fixture(name: &str) -> serde_json::Value {
    let file = if name.ends_with(".json") {
        name.to_string()
    } else {
        format!("{name}.json")
    };
    let path = fixtures_dir().join(file);
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

const SCRIPT: &str = r#"#!/bin/sh
# Fake wp written by tests/integration/testenv/fake_wp.rs: replays recorded WP-CLI output.
d=@DATA_DIR@
# The caller may run us with a bare PATH; we still need cat, cmp and sleep.
# The caller's own PATH is kept for the record of our environment.
caller_path=$PATH
PATH="$PATH:/usr/bin:/bin"

# Claim a call number; mkdir is atomic, so no two calls share one.
n=0
while ! mkdir "$d/calls/$n" 2>/dev/null; do
  # Not "already exists" (e.g. the test's temp dir is gone): give up
  # rather than spin.
  if [ ! -d "$d/calls/$n" ]; then
    printf 'fake wp: cannot record the call in %s\n' "$d/calls" >&2
    exit 98
  fi
  n=$((n + 1))
done
c="$d/calls/$n"

# Who we are (the binary runs us as the leader of a process group of our
# own) and the whole environment we were given, PATH as the caller set it.
printf '%s' "$$" > "$c/pid"
envp=$(command -v env)
PATH=$caller_path "$envp" -0 > "$c/environ"

# printf with no arguments would still print one NUL: keep "no arguments"
# distinct from "one empty argument".
: > "$c/argv"
if [ $# -gt 0 ]; then
  printf '%s\0' "$@" > "$c/argv"
fi

# JETPACK_WP_* variables. Names come from `export -p`; values are read back
# through the shell, so quoting and newlines in values survive intact.
export -p | while IFS= read -r line; do
  case $line in
    "export JETPACK_WP_"*) name=${line#export } ;;
    "declare -x JETPACK_WP_"*) name=${line#declare -x } ;;
    *) continue ;;
  esac
  name=${name%%=*}
  case $name in *[!A-Za-z0-9_]*) continue ;; esac
  eval "[ -n \"\${$name+set}\" ]" || continue
  eval "value=\$$name"
  printf '%s=%s\0' "$name" "$value"
done > "$c/env"

for a in "$d"/answers/*; do
  [ -f "$a/code" ] || continue
  if [ -f "$a/any" ] || cmp -s "$a/argv" "$c/argv"; then
    if [ -f "$a/delay" ]; then
      read -r delay < "$a/delay"
      # Detached from our stdout/stderr: if the caller kills this script on a
      # time-out, an orphaned sleep must not keep its pipes open.
      sleep "$delay" < /dev/null > /dev/null 2>&1
    fi
    cat "$a/stdout"
    cat "$a/stderr" >&2
    read -r code < "$a/code"
    exit "$code"
  fi
done

printf 'fake wp: no answer for:' >&2
printf ' %s' "$@" >&2
printf '\n' >&2
exit 99
"#;

/// Quotes `s` for sh: single quotes, with embedded `'` as `'\''`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// NUL-terminated list, the format both the script and the harness use.
fn nul_join<S: AsRef<[u8]>>(items: &[S]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        out.extend_from_slice(item.as_ref());
        out.push(0);
    }
    out
}

fn nul_split(bytes: &[u8]) -> Vec<String> {
    if bytes.is_empty() {
        return Vec::new();
    }
    // Every item ends with NUL, so the piece after the last one is not an item.
    bytes
        .strip_suffix(&[0])
        .unwrap_or(bytes)
        .split(|&b| b == 0)
        .map(|item| String::from_utf8_lossy(item).into_owned())
        .collect()
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    fs::write(path, contents)
        .unwrap_or_else(|e| panic!("fake wp: writing {}: {e}", path.display()));
}

/// The fake `wp`: registered answers and the record of calls.
pub struct FakeWp {
    dir: PathBuf,
    bin_dir: PathBuf,
    wp_path: String,
    not_wp_path: String,
    answers: AtomicUsize,
}

impl FakeWp {
    /// Sets up the fake in `dir` (created if needed; not removed on drop,
    /// the owner of `dir` cleans up). `wp_path` / `not_wp_path` replace the
    /// `<WP_PATH>` / `<NOT_WP_PATH>` placeholders of transcripts.
    pub fn new(dir: &Path, wp_path: &str, not_wp_path: &str) -> FakeWp {
        for sub in ["bin", "answers", "calls"] {
            let path = dir.join(sub);
            fs::create_dir_all(&path)
                .unwrap_or_else(|e| panic!("fake wp: creating {}: {e}", path.display()));
        }
        let data_dir = dir
            .to_str()
            .unwrap_or_else(|| panic!("fake wp: non-UTF-8 dir {}", dir.display()));
        let bin_dir = dir.join("bin");
        let script = bin_dir.join("wp");
        write(&script, SCRIPT.replace("@DATA_DIR@", &sh_quote(data_dir)));
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("fake wp: chmod {}: {e}", script.display()));
        FakeWp {
            dir: dir.to_path_buf(),
            bin_dir,
            wp_path: wp_path.to_string(),
            not_wp_path: not_wp_path.to_string(),
            answers: AtomicUsize::new(0),
        }
    }

    /// Directory holding `wp`; put it first on PATH.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    pub fn script_path(&self) -> PathBuf {
        self.bin_dir.join("wp")
    }

    /// Replaces the transcript placeholders with this environment's values.
    pub fn substitute(&self, s: &str) -> String {
        s.replace("<NOT_WP_PATH>", &self.not_wp_path)
            .replace("<WP_PATH>", &self.wp_path)
            .replace("<WP_CLI_PHAR>", WP_CLI_PHAR)
    }

    /// Answers with transcript `fixture` when called with exactly its argv
    /// (after `wp`, placeholders substituted).
    pub fn answer(&self, fixture: &str) {
        let t = self.transcript(fixture);
        let argv: Vec<&str> = t.argv.iter().map(String::as_str).collect();
        self.answer_bytes(
            Some(&argv),
            t.stdout.as_bytes(),
            t.stderr.as_bytes(),
            t.code,
            None,
        );
    }

    /// Answers with transcript `fixture` whatever the arguments (for
    /// failures WP-CLI hits before looking at the command).
    pub fn answer_any(&self, fixture: &str) {
        let t = self.transcript(fixture);
        self.answer_bytes(None, t.stdout.as_bytes(), t.stderr.as_bytes(), t.code, None);
    }

    /// Answers with transcript `fixture` when called with `argv` (without
    /// `wp`; placeholders in it substituted too).
    pub fn answer_as(&self, fixture: &str, argv: &[&str]) {
        let t = self.transcript(fixture);
        let argv: Vec<String> = argv.iter().map(|a| self.substitute(a)).collect();
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        self.answer_bytes(
            Some(&argv),
            t.stdout.as_bytes(),
            t.stderr.as_bytes(),
            t.code,
            None,
        );
    }

    /// Answers `argv` (without `wp`, taken literally) with this output.
    pub fn answer_with(&self, argv: &[&str], stdout: &str, stderr: &str, code: i32) {
        self.answer_bytes(Some(argv), stdout.as_bytes(), stderr.as_bytes(), code, None);
    }

    /// The general form: `argv` `None` matches any arguments; `delay`
    /// sleeps before printing anything (a hung PHP, for time-out tests).
    /// Answers are tried in registration order; the first match wins.
    pub fn answer_bytes(
        &self,
        argv: Option<&[&str]>,
        stdout: &[u8],
        stderr: &[u8],
        code: i32,
        delay: Option<Duration>,
    ) {
        assert!(
            (0..=255).contains(&code),
            "fake wp: exit code {code} out of 0..=255"
        );
        let n = self.answers.fetch_add(1, Ordering::SeqCst);
        // Zero-padded so the script's glob visits answers in registration order.
        let dir = self.dir.join(format!("answers/{n:06}"));
        fs::create_dir(&dir).unwrap_or_else(|e| panic!("fake wp: creating {}: {e}", dir.display()));
        match argv {
            Some(argv) => write(&dir.join("argv"), nul_join(argv)),
            None => write(&dir.join("any"), ""),
        }
        write(&dir.join("stdout"), stdout);
        write(&dir.join("stderr"), stderr);
        if let Some(delay) = delay {
            write(
                &dir.join("delay"),
                format!("{}.{:03}\n", delay.as_secs(), delay.subsec_millis()),
            );
        }
        write(&dir.join("code"), format!("{code}\n"));
    }

    /// Arguments (without `wp`) of every call so far, in call order.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.call_numbers()
            .into_iter()
            .map(|n| nul_split(&fs::read(self.call_dir(n).join("argv")).unwrap_or_default()))
            .collect()
    }

    /// The `JETPACK_WP_*` environment variables call `n` (from 0) saw.
    pub fn call_env(&self, n: usize) -> Vec<(String, String)> {
        self.call_variables(n, "env")
    }

    /// The whole environment call `n` (from 0) was started with, in the
    /// order `env` lists it.
    pub fn call_environ(&self, n: usize) -> Vec<(String, String)> {
        self.call_variables(n, "environ")
    }

    /// The process id of call `n` (from 0), once it has written it: the id
    /// of the process group the binary started it in.
    pub fn call_pid(&self, n: usize) -> Option<u32> {
        fs::read_to_string(self.call_dir(n).join("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// A record of call `n` holding `NAME=VALUE` entries, NUL-terminated.
    fn call_variables(&self, n: usize, record: &str) -> Vec<(String, String)> {
        let path = self.call_dir(n).join(record);
        let bytes = fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "fake wp: no {record} record of call {n} ({} calls made): {e}",
                self.call_numbers().len()
            )
        });
        nul_split(&bytes)
            .into_iter()
            .map(|entry| match entry.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None => (entry, String::new()),
            })
            .collect()
    }

    fn call_dir(&self, n: usize) -> PathBuf {
        self.dir.join("calls").join(n.to_string())
    }

    fn call_numbers(&self) -> Vec<usize> {
        let mut numbers: Vec<usize> = fs::read_dir(self.dir.join("calls"))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        numbers.sort_unstable();
        numbers
    }

    fn transcript(&self, fixture: &str) -> Transcript {
        let value = load_fixture(fixture);
        let field = |key: &str| {
            value
                .get(key)
                .unwrap_or_else(|| panic!("fixture {fixture}: no {key:?}"))
        };
        let text = |key: &str| {
            self.substitute(
                field(key)
                    .as_str()
                    .unwrap_or_else(|| panic!("fixture {fixture}: {key:?} is not a string")),
            )
        };
        let argv: Vec<String> =
            field("argv")
                .as_array()
                .unwrap_or_else(|| panic!("fixture {fixture}: argv is not an array"))
                .iter()
                .skip(1) // "wp"
                .map(|a| {
                    self.substitute(a.as_str().unwrap_or_else(|| {
                        panic!("fixture {fixture}: argv item {a} is not a string")
                    }))
                })
                .collect();
        let code = field("exit_code")
            .as_i64()
            .unwrap_or_else(|| panic!("fixture {fixture}: exit_code is not an integer"));
        Transcript {
            argv,
            stdout: text("stdout"),
            stderr: text("stderr"),
            code: i32::try_from(code)
                .unwrap_or_else(|_| panic!("fixture {fixture}: exit_code {code}")),
        }
    }
}

/// A transcript with placeholders substituted.
struct Transcript {
    argv: Vec<String>,
    stdout: String,
    stderr: String,
    code: i32,
}
