//! The part of TOML our config file needs, read by hand: `key = value`
//! lines whose value is a string (`"…"` with TOML's escapes, or `'…'` taken
//! as written), a whole number, a decimal number or a boolean; `#`
//! comments and blank lines; CRLF line ends. Tables, arrays, inline tables,
//! multi-line strings, dotted or quoted keys are refused, saying so: no key
//! of ours takes one. (A TOML crate would bring serde's machinery into the
//! static binary for these nine flat keys.)

use crate::error::ConfigProblem;

/// A value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// One `key = value` line: the key, its value, its line number.
pub type Entry = (String, Value, usize);

/// Every `key = value` of the text, in order; the first line that is not
/// one, with its number and why.
pub fn parse(text: &str) -> Result<Vec<Entry>, (usize, ConfigProblem)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = entry(line).map_err(|p| (i + 1, p))?;
        entries.push((key, value, i + 1));
    }
    Ok(entries)
}

fn entry(line: &str) -> Result<(String, Value), ConfigProblem> {
    use ConfigProblem::{Syntax, Unsupported};
    if line.starts_with('[') {
        return Err(Unsupported("[tables] are"));
    }
    if line.starts_with(['"', '\'']) {
        return Err(Unsupported("quoted keys are"));
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    if end == 0 {
        return Err(Syntax("a key (letters, digits, _ and -)"));
    }
    let (key, rest) = line.split_at(end);
    let rest = rest.trim_start();
    if rest.starts_with('.') {
        return Err(Unsupported("dotted keys (tables) are"));
    }
    let Some(rest) = rest.strip_prefix('=') else {
        return Err(Syntax("= after the key"));
    };
    let (value, rest) = value(rest.trim_start())?;
    let rest = rest.trim_start();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return Err(Syntax(
            "the end of the line (or a # comment) after the value",
        ));
    }
    Ok((key.to_string(), value))
}

/// The value at the start of `s`, and what follows it.
fn value(s: &str) -> Result<(Value, &str), ConfigProblem> {
    use ConfigProblem::{Syntax, Unsupported};
    if s.starts_with("\"\"\"") || s.starts_with("'''") {
        return Err(Unsupported("multi-line strings are"));
    }
    if let Some(body) = s.strip_prefix('"') {
        return basic_string(body).map(|(v, rest)| (Value::Str(v), rest));
    }
    if let Some(body) = s.strip_prefix('\'') {
        let end = body
            .find('\'')
            .ok_or(Syntax("a closing ' after the string"))?;
        return Ok((Value::Str(body[..end].to_string()), &body[end + 1..]));
    }
    if s.starts_with('[') {
        return Err(Unsupported("arrays are"));
    }
    if s.starts_with('{') {
        return Err(Unsupported("inline tables are"));
    }
    let end = s
        .find(|c: char| c.is_whitespace() || c == '#')
        .unwrap_or(s.len());
    let (word, rest) = s.split_at(end);
    scalar(word)
        .map(|v| (v, rest))
        .ok_or(Syntax("a value: a \"string\" or a number"))
}

/// A bare value: true, false, a whole or decimal number (`_` between
/// digits allowed, as TOML does).
fn scalar(word: &str) -> Option<Value> {
    match word {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        "" => return None,
        _ => {}
    }
    let digits = word.trim_start_matches(['+', '-']);
    let ok = digits.starts_with(|c: char| c.is_ascii_digit())
        && !word.contains("__")
        && !word.ends_with('_')
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || "+-_.eE".contains(c));
    if !ok {
        return None;
    }
    let plain = word.replace('_', "");
    match plain.parse::<i64>() {
        Ok(n) => Some(Value::Int(n)),
        Err(_) => plain.parse::<f64>().ok().map(Value::Float),
    }
}

/// A `"…"` string's value (after the opening quote), and what follows
/// its closing quote.
fn basic_string(body: &str) -> Result<(String, &str), ConfigProblem> {
    use ConfigProblem::Syntax;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars
                    .next()
                    .ok_or(Syntax("a closing \" after the string"))?;
                let simple = match e {
                    'b' => Some('\u{8}'),
                    't' => Some('\t'),
                    'n' => Some('\n'),
                    'f' => Some('\u{c}'),
                    'r' => Some('\r'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    _ => None,
                };
                let c = match (simple, e) {
                    (Some(c), _) => c,
                    (None, 'u') => unicode(&mut chars, 4)?,
                    (None, 'U') => unicode(&mut chars, 8)?,
                    _ => return Err(Syntax("a TOML escape (\\\\, \\\", \\n, \\t, \\uXXXX)")),
                };
                out.push(c);
            }
            c if c.is_control() && c != '\t' => {
                return Err(Syntax("no control character inside a string"))
            }
            c => out.push(c),
        }
    }
    Err(Syntax("a closing \" after the string"))
}

/// `\uXXXX` / `\UXXXXXXXX`: `n` hex digits naming a character.
fn unicode(chars: &mut std::str::CharIndices, n: usize) -> Result<char, ConfigProblem> {
    let hex: String = chars.by_ref().take(n).map(|(_, c)| c).collect();
    (hex.len() == n)
        .then(|| u32::from_str_radix(&hex, 16).ok())
        .flatten()
        .and_then(char::from_u32)
        .ok_or(ConfigProblem::Syntax(
            "a Unicode escape of hex digits (\\u00e9)",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Result<Value, String> {
        match parse(line) {
            Ok(mut e) if e.len() == 1 => Ok(e.remove(0).1),
            Ok(e) => Err(format!("{} entries", e.len())),
            Err((_, p)) => Err(p.to_string()),
        }
    }

    #[test]
    fn values() {
        let s = |v: &str| Ok(Value::Str(v.into()));
        assert_eq!(one("a = \"x y\""), s("x y"));
        assert_eq!(one("a=\"x\" # note"), s("x"));
        assert_eq!(one("a = 'C:\\x\\y'"), s("C:\\x\\y"));
        assert_eq!(one(r#"a = "q\"\\\t\u00e9\U0001F600""#), s("q\"\\\té😀"));
        assert_eq!(one("a = \"#not a comment\""), s("#not a comment"));
        assert_eq!(one("a = 1_000"), Ok(Value::Int(1000)));
        assert_eq!(one("a = -3"), Ok(Value::Int(-3)));
        assert_eq!(one("a = 2.5"), Ok(Value::Float(2.5)));
        assert_eq!(one("a = true"), Ok(Value::Bool(true)));
        assert_eq!(one("  a-b_9 = 1  "), Ok(Value::Int(1)));
    }

    #[test]
    fn lines() {
        let text = "\u{feff}# comment\r\n\r\nx = 1\r\n  # indented\ny = \"b\"\r\n";
        let e = parse(text).map_err(|(n, p)| format!("{n}: {p}"));
        assert_eq!(
            e,
            Ok(vec![
                ("x".into(), Value::Int(1), 3),
                ("y".into(), Value::Str("b".into()), 5)
            ])
        );
    }

    #[test]
    fn refused() {
        for (text, line, says) in [
            ("[section]", 1, "[tables] are not supported"),
            ("\n[[a]]", 2, "[tables] are not supported"),
            ("a = [1, 2]", 1, "arrays are not supported"),
            ("a = {b = 1}", 1, "inline tables are not supported"),
            ("a.b = 1", 1, "dotted keys"),
            ("\"a\" = 1", 1, "quoted keys"),
            ("a = \"\"\"x\"\"\"", 1, "multi-line strings"),
            ("a = \"open", 1, "a closing \""),
            ("a = 'open", 1, "a closing '"),
            ("a = \"x\" y", 1, "the end of the line"),
            ("a = x", 1, "a value"),
            ("a = 1979-05-27", 1, "a value"),
            ("a = 1__0", 1, "a value"),
            ("a 1", 1, "= after the key"),
            ("= 1", 1, "a key"),
            ("a = \"\\q\"", 1, "a TOML escape"),
            ("a = \"\\u12\"", 1, "a Unicode escape"),
            ("a = \"\u{1}\"", 1, "no control character"),
        ] {
            match parse(text) {
                Err((n, p)) => {
                    assert_eq!(n, line, "{text:?}");
                    assert!(p.to_string().contains(says), "{text:?}: {p}");
                }
                Ok(e) => panic!("{text:?} parsed: {e:?}"),
            }
        }
    }
}
