//! The documentation's examples are the tool's real output. In README.md,
//! CONTRIBUTING.md and every `docs/*.md`, each code block marked
//! `<!-- tested -->` is run here, command by command (`$ ` lines, through
//! `sh`, with `jetpack-partner` on PATH, no `wp`, `$SECRET` and
//! `$LICENSING_TOKEN` and `$REPORTING_TOKEN` set, the client secret also in the file `secret`
//! (mode 600) in the working directory, and the API host pointing at a
//! fresh stateful fake partner API), and what each command prints on stdout
//! must be the lines that follow it, exactly. A command may go on over
//! lines ending in `\` and may carry a here-document (`<<'EOF'` … `EOF`).
//! Blocks that show commands and output and are not tested say so
//! (`<!-- abbreviated: why -->`).
//!
//! Also checked: docs/errors.md's table lists exactly the tool's error
//! codes; every relative link between the documents reaches a file and,
//! with `#anchor`, a heading there; README keeps the two blocks `.ci/run`
//! runs; CONTRIBUTING.md's code map names the modules `src/` has.

use crate::testenv::partner::DEFAULT_PARTNER_SECRET;
use crate::testenv::TestEnv;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const TOP: &str = env!("CARGO_MANIFEST_DIR");

/// README.md, CONTRIBUTING.md and every `docs/*.md`, by path from the top
/// of the repository.
fn documents() -> Vec<String> {
    let mut docs: Vec<String> = std::fs::read_dir(Path::new(TOP).join("docs"))
        .expect("docs/")
        .map(|e| {
            e.expect("docs/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    let mut all = vec!["README.md".to_string(), "CONTRIBUTING.md".to_string()];
    all.extend(docs);
    all
}

fn read(doc: &str) -> String {
    std::fs::read_to_string(Path::new(TOP).join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

/// One tested block: where it starts, whether it runs against the fake API
/// (`<!-- tested offline -->`: no API host set, for dry runs showing the
/// real one), and its commands with their output.
struct Block {
    line: usize,
    offline: bool,
    steps: Vec<(String, String)>,
}

fn blocks(doc: &str, text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let marker = lines[i].trim();
        let offline = match marker {
            "<!-- tested -->" => false,
            "<!-- tested offline -->" => true,
            _ => {
                // A misspelt marker would leave its block untested quietly.
                assert!(
                    !marker.starts_with("<!-- tested") && !marker.starts_with("<!--tested"),
                    "{doc} line {}: {marker:?} is neither <!-- tested --> nor <!-- tested offline -->",
                    i + 1
                );
                i += 1;
                continue;
            }
        };
        let start = i + 1;
        assert!(
            lines.get(start).is_some_and(|l| l.starts_with("```")),
            "{doc} line {}: <!-- tested --> must come right before a code block",
            start
        );
        let mut j = start + 1;
        while j < lines.len() && !lines[j].starts_with("```") {
            j += 1;
        }
        let steps = match steps(&lines[start + 1..j]) {
            Ok(steps) => steps,
            Err(at) => panic!(
                "{doc} line {}: a tested block's first line must be a `$ ` command",
                start + 2 + at
            ),
        };
        assert!(
            j < lines.len(),
            "{doc} line {start}: the tested block is never closed"
        );
        assert!(
            !steps.is_empty(),
            "{doc} line {start}: a tested block without a `$ ` command"
        );
        // Each command runs in a shell of its own: what `export` or `cd`
        // would set up is gone by the next one.
        for (cmd, _) in &steps {
            assert!(
                !cmd.starts_with("export ") && !cmd.starts_with("cd "),
                "{doc} block at line {start}: `{cmd}`: each command runs in its own shell, \
                 so this would not carry over to the next"
            );
        }
        out.push(Block {
            line: start,
            offline,
            steps,
        });
        i = j + 1;
    }
    out
}

/// A block's lines as commands (`$ `, with their `\` continuations and
/// here-documents) and the output after each; `Err(i)`: line `i` is output
/// before any command.
fn steps(lines: &[&str]) -> Result<Vec<(String, String)>, usize> {
    let mut steps: Vec<(String, String)> = Vec::new();
    let mut j = 0;
    while j < lines.len() {
        if let Some(cmd) = lines[j].strip_prefix("$ ") {
            // A command goes on past a line that ends with a backslash.
            let mut cmd = cmd.to_string();
            while cmd.ends_with('\\') && j + 1 < lines.len() {
                j += 1;
                cmd.push('\n');
                cmd.push_str(lines[j]);
            }
            // A here-document is part of its command.
            if cmd.ends_with("<<'EOF'") {
                while j + 1 < lines.len() {
                    j += 1;
                    cmd.push('\n');
                    cmd.push_str(lines[j]);
                    if lines[j] == "EOF" {
                        break;
                    }
                }
            }
            steps.push((cmd, String::new()));
        } else if let Some((_, out)) = steps.last_mut() {
            out.push_str(lines[j]);
            out.push('\n');
        } else {
            return Err(j);
        }
        j += 1;
    }
    Ok(steps)
}

/// The licensing token of partner 1234 the examples use (`$LICENSING_TOKEN`).
const README_LICENSING_TOKEN: &str = "readme-licensing-token-5c2e";
/// Its reporting token (`$REPORTING_TOKEN`), for `audit`.
const README_REPORTING_TOKEN: &str = "readme-reporting-token-91d0";

fn run_blocks(doc: &str) -> usize {
    let text = read(doc);
    let blocks = blocks(doc, &text);
    for block in &blocks {
        let env = TestEnv::new();
        // The caller, partner 1234 ($SECRET, and $LICENSING_TOKEN for the
        // Licensing API), and another partner.
        let partner = env.partner_api();
        partner.partner("99", "other");
        partner.licensing_token_named("1234", README_LICENSING_TOKEN);
        partner.reporting_token_named("1234", README_REPORTING_TOKEN);
        // `jetpack-partner` on PATH, as installed.
        let _ = env.cmd_named("jetpack-partner");
        let bin = env.root().join("bin");
        // The client secret in a file, as the examples pass it.
        write_private(
            &env.root().join("secret"),
            &format!("{DEFAULT_PARTNER_SECRET}\n"),
        );
        for (cmd, want) in &block.steps {
            let mut sh = std::process::Command::new("sh");
            sh.arg("-c")
                .arg(cmd)
                .env_clear()
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .env("HOME", env.root())
                .env("SECRET", DEFAULT_PARTNER_SECRET)
                .env("LICENSING_TOKEN", README_LICENSING_TOKEN)
                .env("REPORTING_TOKEN", README_REPORTING_TOKEN)
                .env("COLUMNS", "100")
                .current_dir(env.root());
            if !block.offline {
                sh.env("JETPACK_START_API_HOST", env.api.base_url());
            }
            let out = sh.output().expect("sh");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                *want,
                "{doc} block at line {}: `{cmd}` printed something else (stderr: {})",
                block.line,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    blocks.len()
}

fn write_private(path: &Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .expect("the secret file");
    f.write_all(text.as_bytes())
        .expect("writing the secret file");
}

#[test]
fn readme_examples_are_real_output() {
    assert!(run_blocks("README.md") > 0, "README.md: no tested blocks");
}

#[test]
fn readme_docs_examples_are_real_output() {
    let mut ran = 0;
    for doc in documents().iter().filter(|d| *d != "README.md") {
        ran += run_blocks(doc);
    }
    assert!(ran > 0, "docs/ and CONTRIBUTING.md: no tested blocks");
}

/// A block that shows a `$ ` command with what it printed is real output:
/// tested, or saying why not (`<!-- abbreviated: … -->`). A block of
/// commands alone (no output lines) needs no mark.
#[test]
fn readme_output_shown_is_tested_or_marked() {
    for doc in documents() {
        let text = read(&doc);
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            if !lines[i].starts_with("```") {
                i += 1;
                continue;
            }
            let open = i;
            let mut j = i + 1;
            while j < lines.len() && !lines[j].starts_with("```") {
                j += 1;
            }
            let body = &lines[open + 1..j.min(lines.len())];
            // Output: a line after a command that is not blank.
            // (A block with other lines before its first command shows
            // output too, if it has a command at all.)
            let shows_output = match steps(body) {
                Ok(steps) => steps
                    .iter()
                    .any(|(_, out)| out.lines().any(|l| !l.trim().is_empty())),
                Err(_) => body.iter().any(|l| l.starts_with("$ ")),
            };
            let mark = lines[..open]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim())
                .unwrap_or("");
            let marked = mark == "<!-- tested -->"
                || mark == "<!-- tested offline -->"
                || (mark.starts_with("<!-- abbreviated:") && mark.ends_with("-->"));
            assert!(
                !shows_output || marked,
                "{doc} line {}: a block showing commands and their output is neither \
                 <!-- tested --> nor <!-- abbreviated: why -->",
                open + 1
            );
            i = j + 1;
        }
    }
}

/// docs/errors.md's table of error codes (section "## Error codes") lists
/// exactly ours (`--help` and the man pages show the same list), plus the
/// wrappers' `binary_not_found`.
#[test]
fn readme_lists_every_error_code() {
    let errors = read("docs/errors.md");
    let table = errors
        .split("\n## Error codes\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/errors.md: a ## Error codes section");
    let mut listed: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    listed.sort_unstable();
    let mut ours: Vec<&str> = jetpack_partner::flags::help::ERROR_CODES
        .iter()
        .map(|(code, _)| *code)
        .chain(["binary_not_found"])
        .collect();
    ours.sort_unstable();
    assert_eq!(listed, ours);
}

/// A heading's anchor as GitHub makes it: lower case, spaces to `-`, every
/// character but letters, digits, `_` and `-` dropped; a repeated heading
/// gets `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut fence = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fence = !fence;
            continue;
        }
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        if fence {
            continue;
        }
        let heading = heading.trim_start_matches('#');
        let Some(heading) = heading.strip_prefix(' ') else {
            continue;
        };
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
                _ => None,
            })
            .collect();
        let mut anchor = slug.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{slug}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

/// Every `](target)` outside code blocks: the target, and its line.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence = false;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        // Inline code (`[x](y)` shown as an example) is no link.
        let text: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// Relative links between the documents reach a file, and a heading there
/// when they name one (`docs/fleets.md#from-cron`, `#errors`).
#[test]
fn readme_links_reach_their_targets() {
    let mut docs = documents();
    docs.push("packaging/README.md".into());
    let mut checked = 0;
    for doc in &docs {
        let text = read(doc);
        let dir = Path::new(doc).parent().unwrap_or(Path::new(""));
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let file: PathBuf = if path.is_empty() {
                PathBuf::from(doc)
            } else {
                normalise(&dir.join(path))
            };
            let full = Path::new(TOP).join(&file);
            assert!(
                full.exists(),
                "{doc} line {line}: the link ({target}) goes to {}, which is not there",
                file.display()
            );
            if let Some(anchor) = anchor {
                assert!(
                    file.extension().is_some_and(|e| e == "md"),
                    "{doc} line {line}: ({target}) names a heading of a file that is not Markdown"
                );
                let there = anchors(&read(&file.to_string_lossy()));
                assert!(
                    there.contains(anchor),
                    "{doc} line {line}: ({target}): {} has no heading #{anchor}",
                    file.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no links found");
}

/// `a/b/../c` → `a/c`, without asking the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                assert!(out.pop(), "{} leaves the repository", path.display());
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `.ci/run` runs the blocks after `<!-- ci: build-and-run … -->` and
/// `<!-- ci: test … -->` in README.md: each marker once, a code block
/// right after it (CI checks this too, but only in CI).
#[test]
fn readme_keeps_the_blocks_ci_runs() {
    let readme = read("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    for name in ["build-and-run", "test"] {
        let marker = format!("<!-- ci: {name} ");
        let at: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with(&marker) && lines[i].trim_end().ends_with("-->"))
            .collect();
        assert_eq!(
            at.len(),
            1,
            "README.md: one {marker}… --> line, not {}",
            at.len()
        );
        let next = lines[at[0] + 1..].iter().find(|l| !l.trim().is_empty());
        assert!(
            next.is_some_and(|l| l.starts_with("```")),
            "README.md line {}: no code block after {marker}… -->",
            at[0] + 1
        );
    }
}

/// CONTRIBUTING.md's code map ("## How the code is laid out"): every module
/// it names in its first column is in `src/`, and every file and folder of
/// `src/` is named there.
#[test]
fn readme_code_map_matches_src() {
    let text = read("CONTRIBUTING.md");
    let map = text
        .split("\n## How the code is laid out\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("CONTRIBUTING.md: a ## How the code is laid out section");
    let named: BTreeSet<String> = map
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    assert!(
        !named.is_empty(),
        "CONTRIBUTING.md: the code map has no rows"
    );
    let src = Path::new(TOP).join("src");
    for name in &named {
        assert!(
            src.join(name.trim_end_matches('/')).exists(),
            "CONTRIBUTING.md's code map names src/{name}, which is not there"
        );
    }
    for entry in std::fs::read_dir(&src).expect("src/") {
        let entry = entry.expect("src/ entry");
        let mut name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            name.push('/');
        }
        assert!(
            named.contains(&name),
            "src/{name} is missing from CONTRIBUTING.md's code map"
        );
    }
}
