//! README.md's examples are the tool's real output: every code block marked
//! `<!-- tested -->` is run here, command by command (`$ ` lines, through
//! `sh`, with `jetpack-partner` on PATH, no `wp`, `$SECRET` and
//! `$LICENSING_TOKEN` set and the API host pointing at a fresh stateful
//! fake partner API), and what each
//! command prints on stdout must be the lines that follow it, exactly.
//! A command may go on over lines ending in `\` and may carry a
//! here-document (`<<'EOF'` … `EOF`). Blocks that show output and are not
//! tested say so (`abbreviated`).

use crate::testenv::partner::DEFAULT_PARTNER_SECRET;
use crate::testenv::TestEnv;

/// One tested block: where it starts, whether it runs against the fake API
/// (`<!-- tested offline -->`: no API host set, for dry runs showing the
/// real one), and its commands with their output.
struct Block {
    line: usize,
    offline: bool,
    steps: Vec<(String, String)>,
}

fn blocks(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let offline = match lines[i].trim() {
            "<!-- tested -->" => false,
            "<!-- tested offline -->" => true,
            _ => {
                i += 1;
                continue;
            }
        };
        let start = i + 1;
        assert!(
            lines.get(start).is_some_and(|l| l.starts_with("```")),
            "README.md line {}: <!-- tested --> must come right before a code block",
            start
        );
        let mut steps: Vec<(String, String)> = Vec::new();
        let mut j = start + 1;
        while j < lines.len() && !lines[j].starts_with("```") {
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
            }
            j += 1;
        }
        assert!(
            !steps.is_empty(),
            "README.md line {start}: a tested block without a `$ ` command"
        );
        out.push(Block {
            line: start,
            offline,
            steps,
        });
        i = j;
    }
    out
}

/// The licensing token of partner 1234 the examples use (`$LICENSING_TOKEN`).
const README_LICENSING_TOKEN: &str = "readme-licensing-token-5c2e";

#[test]
fn readme_examples_are_real_output() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let blocks = blocks(&readme);
    assert!(!blocks.is_empty(), "no tested blocks");
    for block in blocks {
        let env = TestEnv::new();
        // The caller, partner 1234 ($SECRET, and $LICENSING_TOKEN for the
        // Licensing API), and another partner.
        let partner = env.partner_api();
        partner.partner("99", "other");
        partner.licensing_token_named("1234", README_LICENSING_TOKEN);
        // `jetpack-partner` on PATH, as installed.
        let _ = env.cmd_named("jetpack-partner");
        let bin = env.root().join("bin");
        for (cmd, want) in &block.steps {
            let mut sh = std::process::Command::new("sh");
            sh.arg("-c")
                .arg(cmd)
                .env_clear()
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .env("HOME", env.root())
                .env("SECRET", DEFAULT_PARTNER_SECRET)
                .env("LICENSING_TOKEN", README_LICENSING_TOKEN)
                .env("COLUMNS", "100")
                .current_dir(env.root());
            if !block.offline {
                sh.env("JETPACK_START_API_HOST", env.api.base_url());
            }
            let out = sh.output().expect("sh");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                *want,
                "README.md block at line {}: `{cmd}` printed something else (stderr: {})",
                block.line,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// README's table of error codes lists exactly ours (`--help` and the man
/// pages show the same list), plus the wrappers' `binary_not_found`.
#[test]
fn readme_lists_every_error_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table = readme
        .split("\n## Errors\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a ## Errors section");
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
