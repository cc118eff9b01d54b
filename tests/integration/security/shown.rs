//! Hostile text shown, never obeyed (SPEC §10 "Lists"): terminal control
//! and bidi characters from the API reach no table, CSV cell or stderr
//! object raw (shown as `\u{1b}`; JSON carries `\u001b`, the same value),
//! while a single drop-in answer stays verbatim (SPEC §5); and no CSV cell
//! can start a spreadsheet formula. Folder names are `fleet::sites`.

use crate::testenv::{assert_exit, stderr_json, Reply, TestEnv, PARTNER_TOKEN, SECRET};
use serde_json::{json, Value};
use std::process::Output;

/// OSC (set the window title), BEL, clear screen, a C1 CSI (U+009B) and a
/// right-to-left override.
const SLUG: &str = "prem\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil";
const SHOWN: &str = "prem\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{202e}evil";

/// The status answer as an API would send it: C0 escaped (JSON allows no
/// raw C0 in a string), C1 and the override raw.
fn status_body() -> String {
    format!(
        r#"{{"blog":{{"is_connected":true}},"products":[{{"slug":"prem\u001b]0;owned\u0007\u001b[2J{}31m{}evil"}}]}}"#,
        '\u{9b}', '\u{202e}'
    )
}

/// What may not reach a terminal raw: C0 but line breaks, DEL, C1, bidi.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
        })
        .collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn api(env: &TestEnv) {
    env.api.token_ok(PARTNER_TOKEN);
    env.api.reply(
        "GET",
        "/rest/v1.4/jpphp/5/status",
        Reply::json(200, &status_body()),
    );
    // An error whose code and message carry the same.
    let error = json!({"error": format!("e{SLUG}"), "message": format!("no {SLUG}")});
    env.api.reply(
        "GET",
        "/rest/v1.4/jpphp/6/status",
        Reply::json(400, &error.to_string()),
    );
}

fn status(env: &TestEnv, args: &[&str]) -> Output {
    let file = env.root().join("lines.jsonl");
    std::fs::write(&file, "{\"blog_id\":5}\n{\"blog_id\":6}\n").expect("batch file");
    env.cmd_without_wp()
        .args(["status", "-c=1", &format!("-s={SECRET}"), "--jobs=1"])
        .arg(format!("--batch={}", file.display()))
        .args(args)
        .output()
        .expect("run")
}

#[test]
fn terminal_controls_from_the_api_are_shown_escaped_in_tables_and_csv() {
    let env = TestEnv::new();
    api(&env);
    let out = status(&env, &["--format=table"]);
    assert_exit(&out, 1);
    let l = SHOWN.len();
    assert_eq!(
        text(&out.stdout),
        format!(
            "line  site  success  connected  products{}  error_code{}  error_message\n\
             1     5     true     true       {SHOWN}\n\
             2     6     false{}e{SHOWN}  no {SHOWN}\n",
            " ".repeat(l - 8),
            " ".repeat(l + 1 - 10),
            " ".repeat(4 + 11 + l + 2),
        )
    );
    assert!(raw_controls(&text(&out.stdout)).is_empty());

    let out = status(&env, &["--format=csv"]);
    assert_exit(&out, 1);
    assert_eq!(
        text(&out.stdout),
        format!(
            "line,site,success,connected,products,error_code,error_message\n\
             1,5,true,true,{SHOWN},,\n\
             2,6,false,,,e{SHOWN},no {SHOWN}\n"
        )
    );
    assert!(raw_controls(&text(&out.stderr)).is_empty());

    // Headings typed with --fields are shown alike.
    let out = status(&env, &["--format=csv", "--fields=site,answer.\u{1b}[2J"]);
    assert_exit(&out, 1);
    assert_eq!(text(&out.stdout), "site,answer.\\u{1b}[2J\n5,\n6,\n");
}

/// JSON lines carry every such character as a `\u` escape: valid JSON, the
/// same value, nothing raw (serde_json alone writes C1 and bidi raw).
#[test]
fn json_lines_and_error_objects_carry_them_as_json_escapes() {
    let env = TestEnv::new();
    api(&env);
    let out = status(&env, &[]);
    assert_exit(&out, 1);
    let escaped = "prem\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m\\u202eevil";
    let out_text = text(&out.stdout);
    let got: Vec<&str> = out_text.lines().collect();
    assert_eq!(got.len(), 2, "{out_text}");
    // Each line as written, up to its run record.
    assert!(
        got[0].starts_with(&format!(
            "{{\"command\":\"status\",\"site\":\"5\",\"success\":true,\"changed\":false,\"answer\":{{\"blog\":{{\"is_connected\":true}},\"products\":[{{\"slug\":\"{escaped}\"}}]}},\"line\":1,"
        )),
        "{out_text}"
    );
    assert!(
        got[1].starts_with(&format!(
            "{{\"command\":\"status\",\"site\":\"6\",\"success\":false,\"changed\":false,\"error_code\":\"e{escaped}\",\"error_message\":\"no {escaped}\",\"answer\":{{\"error\":\"e{escaped}\",\"message\":\"no {escaped}\"}},\"line\":2,"
        )),
        "{out_text}"
    );
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines[0]["answer"]["products"][0]["slug"], json!(SLUG));
    assert_eq!(lines[1]["error_message"], json!(format!("no {SLUG}")));

    // One site failing: the error object on stderr, escaped alike.
    let out = env
        .cmd_without_wp()
        .args(["status", "-c=1", &format!("-s={SECRET}"), "--blog_id=6"])
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert_eq!(
        text(&out.stderr),
        format!(
            "{{\"success\":false,\"error_code\":\"e{escaped}\",\"error_message\":\"no {escaped}\",\"error\":\"e{escaped}\",\"message\":\"no {escaped}\"}}\n"
        )
    );
    assert_eq!(stderr_json(&out)["error_code"], json!(format!("e{SLUG}")));
}

/// A single answer without `--format` is the API's body byte for byte
/// (SPEC §5: a drop-in caller parses it itself).
#[test]
fn a_single_drop_in_answer_stays_verbatim() {
    let env = TestEnv::new();
    api(&env);
    let out = env
        .cmd_without_wp()
        .args(["status", "-c=1", &format!("-s={SECRET}"), "--blog_id=5"])
        .output()
        .expect("run");
    crate::testenv::assert_success(&out, &status_body());
}

/// OWASP's dangerous first characters: `=`, `+`, `-`, `@`, tab and
/// carriage return; spreadsheets also skip blanks before a formula.
#[test]
fn no_csv_cell_can_start_a_formula() {
    let env = TestEnv::new();
    env.api.token_ok(PARTNER_TOKEN);
    let cells = [
        "=1+1",
        " =HYPERLINK(\"http://x\")",
        "\t=1+1",
        "\r=1+1",
        "  @SUM(A1)",
        "\t-2+3",
        "-12.5",
    ];
    let mut input = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let id = 100 + i;
        env.api.reply(
            "GET",
            &format!("/rest/v1.4/jpphp/{id}/status"),
            Reply::json(400, &json!({"error": "x", "message": cell}).to_string()),
        );
        input.push_str(&format!("{{\"blog_id\":{id}}}\n"));
    }
    let file = env.root().join("lines.jsonl");
    std::fs::write(&file, input).expect("batch file");
    let out = env
        .cmd_without_wp()
        .args(["status", "-c=1", &format!("-s={SECRET}"), "--jobs=1"])
        .arg(format!("--batch={}", file.display()))
        .arg("--format=csv")
        .output()
        .expect("run");
    assert_exit(&out, 1);
    assert_eq!(
        text(&out.stdout),
        concat!(
            "line,site,success,connected,products,error_code,error_message\n",
            "1,100,false,,,x,'=1+1\n",
            "2,101,false,,,x,\"' =HYPERLINK(\"\"http://x\"\")\"\n",
            "3,102,false,,,x,'\t=1+1\n",
            "4,103,false,,,x,\"'\r=1+1\"\n",
            "5,104,false,,,x,'  @SUM(A1)\n",
            "6,105,false,,,x,'\t-2+3\n",
            "7,106,false,,,x,-12.5\n",
        )
    );
}
