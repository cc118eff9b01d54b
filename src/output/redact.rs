//! The secrets registry: every secret and token is registered as soon as it
//! is known, and everything printed is scrubbed of them, the API's answers
//! included (an answer that carries none is printed byte for byte).

use crate::api::encode::{escape, UNRESERVED};
use crate::api::json;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};
use std::sync::Mutex;

/// PHP's urlencode: letters, digits and `-._` kept.
const PHP_URLENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');
/// JavaScript's encodeURIComponent: letters, digits and `-_.!~*'()` kept.
const JS_URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

pub const REDACTED: &str = "<redacted>";

static SECRETS: Mutex<Registry> = Mutex::new(Registry::new());

/// Remember a value that must never appear in any output, in every form it
/// travels in: raw, form- and percent-encoded the ways PHP, JavaScript and
/// we write them (either case of hex), JSON-escaped (with or without
/// escaped slashes and non-ASCII, as serde, PHP and Python write it) and
/// HTML-escaped (named and numeric entities) — both as given and trimmed:
/// a token read with a trailing newline or tab (an Ansible `|` block, an
/// editor) is sent without it, and what is sent is what an answer echoes.
pub fn register_secret(secret: &str) {
    let mut r = registry();
    r.add(secret);
    r.add(secret.trim());
}

/// A secret that is itself the answer a command exists to print: the
/// token of `token`, the site access token in a provision's answer (the
/// caller needs it to finish authorization). Hidden everywhere else
/// (messages, `wp` output, our own documents), kept in API answers.
pub fn allow_in_answers(secret: &str) {
    let mut r = registry();
    r.add(secret);
    let forms = encodings(secret);
    for f in r.forms.iter_mut().filter(|f| forms.contains(&f.text)) {
        f.in_answers = true;
    }
}

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    SECRETS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Replace every registered secret in free text (a message, a string
/// value) with `<redacted>`.
pub fn redact(text: &str) -> String {
    registry().text(text)
}

/// `redact` on every string of a JSON value (and on keys, for secrets of
/// four characters or more).
pub fn redact_value(v: &Value) -> Value {
    registry().value(v)
}

/// `redact_value` on a document that carries API answers (an `apply`
/// line's actions): what [`allow_in_answers`] allows stays.
pub fn redact_answer_value(v: &Value) -> Value {
    registry().kept().value(v)
}

/// A JSON document we built, as text: scrubbed without breaking it. None
/// when it holds no secret, so it can go out as it is.
pub fn redact_json(text: &str) -> Option<String> {
    registry().json(text, false)
}

/// The same for text carrying an API answer as received (see
/// [`allow_in_answers`]).
pub fn redact_answer(text: &str) -> Option<String> {
    registry().json(text, true)
}

/// One form of a secret, and whether the secret is short: 1 to 3
/// characters, which would match inside JSON keys, punctuation and words,
/// so it is only looked for inside string values, standing alone.
struct Form {
    text: String,
    short: bool,
    /// The secret as it is (the form HTML-unescaped text is checked for).
    raw: bool,
    /// Left in API answers (see [`allow_in_answers`]).
    in_answers: bool,
}

struct Registry {
    /// Longest first, so a secret containing another is hidden whole.
    forms: Vec<Form>,
}

impl Registry {
    const fn new() -> Registry {
        Registry { forms: Vec::new() }
    }

    fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let short = secret.chars().count() < 4;
        for text in encodings(secret) {
            if !self.forms.iter().any(|f| f.text == text) {
                self.forms.push(Form {
                    raw: text == secret,
                    text,
                    short,
                    in_answers: false,
                });
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.text.len()));
    }

    fn replace(&self, text: &str, short_too: bool) -> String {
        let mut out = text.to_string();
        for f in &self.forms {
            if f.short {
                if short_too && out.contains(f.text.as_str()) {
                    out = replace_alone(&out, &f.text);
                }
            } else if out.contains(f.text.as_str()) {
                out = out.replace(f.text.as_str(), REDACTED);
            }
        }
        out
    }

    fn text(&self, text: &str) -> String {
        let out = self.replace(text, true);
        // HTML entities come in more spellings than can be listed
        // (`&#038;`, `&AMP;`, named and numeric mixed): the text is read
        // unescaped, and where a secret shows up there, that reading is
        // what is printed, scrubbed.
        if !out.contains('&') {
            return out;
        }
        let plain = html_unescape(&out);
        let found = self.forms.iter().filter(|f| f.raw).any(|f| {
            plain.contains(f.text.as_str()) && (!f.short || replace_alone(&plain, &f.text) != plain)
        });
        if found {
            self.replace(&plain, true)
        } else {
            out
        }
    }

    fn value(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.value(x)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (self.replace(k, false), self.value(v)))
                    .collect::<Map<_, _>>(),
            ),
            other => other.clone(),
        }
    }

    /// The registry without the secrets answers may show.
    fn kept(&self) -> Registry {
        Registry {
            forms: self
                .forms
                .iter()
                .filter(|f| !f.in_answers)
                .map(|f| Form {
                    text: f.text.clone(),
                    short: f.short,
                    raw: f.raw,
                    in_answers: false,
                })
                .collect(),
        }
    }

    fn json(&self, text: &str, answer: bool) -> Option<String> {
        if answer && self.forms.iter().any(|f| f.in_answers) {
            return self.kept().json(text, false);
        }
        if self.forms.is_empty() {
            return None;
        }
        // Parsed, every string is seen unescaped, however the sender
        // escaped it (`\u002b` for `+`); a short secret is looked for only
        // inside strings, never in keys or punctuation. Re-serialised only
        // when something was hidden.
        match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                let scrubbed = self.value(&v);
                (scrubbed != v).then(|| scrubbed.to_string())
            }
            // JSON serde cannot build (nested past 128 levels, ...): each
            // string read the same way, and replaced where it stands.
            Err(_) if json::is_json(text) => {
                let scrubbed = json::map_strings(text, |s, key| {
                    if key {
                        self.replace(s, false)
                    } else {
                        self.text(s)
                    }
                });
                (scrubbed != text).then_some(scrubbed)
            }
            Err(_) => {
                let scrubbed = self.text(text);
                (scrubbed != text).then_some(scrubbed)
            }
        }
    }
}

/// `needle` replaced where it stands alone, not inside a word: a short
/// secret `ab` in `xxabyy`, or `sec` in `secret`, is a coincidence.
fn replace_alone(hay: &str, needle: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(hay.len());
    let (mut last, mut from) = (0, 0);
    while let Some(pos) = hay[from..].find(needle) {
        let (i, j) = (from + pos, from + pos + needle.len());
        if !word(hay[..i].chars().next_back()) && !word(hay[j..].chars().next()) {
            out.push_str(&hay[last..i]);
            out.push_str(REDACTED);
            last = j;
            from = j;
        } else {
            from = i + hay[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&hay[last..]);
    out
}

/// HTML entities read as the characters they stand for: the five named
/// ones in any case, decimal (any zero padding) and hex. Anything else
/// stays as it is.
fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name.to_ascii_lowercase().as_str() {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                n if n.starts_with('#') => n[1..].parse::<u32>().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every form of `secret` an answer or a message could carry.
fn encodings(secret: &str) -> Vec<String> {
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;");
    let entity = |hex: bool| {
        let mut out = String::with_capacity(secret.len());
        for c in secret.chars() {
            match c {
                '&' | '<' | '>' | '"' | '\'' if hex => {
                    out.push_str(&format!("&#x{:x};", u32::from(c)))
                }
                '&' | '<' | '>' | '"' | '\'' => out.push_str(&format!("&#{};", u32::from(c))),
                c => out.push(c),
            }
        }
        out
    };
    let mut all = vec![secret.to_string(), html, entity(false), entity(true)];
    // serde_json and JavaScript; PHP's json_encode (`\/`, `\u00e9`);
    // Python's json.dumps (`\u00e9`); PHP with JSON_UNESCAPED_UNICODE (`\/`).
    for (slashes, ascii) in [(false, false), (true, true), (false, true), (true, false)] {
        all.push(json_escaped(secret, slashes, ascii));
    }
    // Which characters each writer leaves as they are; space as `+`?
    for (set, plus) in [
        // How we send a form (RFC 3986 unreserved kept, space as `+`).
        (UNRESERVED, true),
        // Percent-encoding (PHP rawurlencode, Python quote).
        (UNRESERVED, false),
        // PHP urlencode and http_build_query: `~` escaped too.
        (PHP_URLENCODE, true),
        // JavaScript encodeURIComponent.
        (JS_URI_COMPONENT, false),
    ] {
        let e = escape(secret, set, plus);
        all.push(lower_hex(&e));
        all.push(e);
    }
    all.sort();
    all.dedup();
    all
}

/// The inside of a JSON string: `"` and `\` escaped, control characters as
/// short escapes where JSON has them (else `\u00XX`), `/` as `\/` when
/// `slashes`, everything past ASCII as `\uXXXX` when `ascii`.
fn json_escaped(s: &str, slashes: bool, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if slashes => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `%2B` → `%2b`: the other spelling of the same escapes.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let esc = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        out.push_str(&esc.to_ascii_lowercase());
        rest = &rest[at + esc.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::encode::encode;

    fn with(secrets: &[&str]) -> Registry {
        let mut r = Registry::new();
        for s in secrets {
            r.add(s);
        }
        r
    }

    #[test]
    fn every_encoding_is_hidden() {
        let secret = "p&ss w/rd+é\"x";
        let r = with(&[secret]);
        for form in [
            secret.to_string(),
            encode(secret, true),
            encode(secret, false),
            encode(secret, true).to_ascii_lowercase(),
            serde_json::to_string(secret).unwrap_or_default(),
            "p&ss w\\/rd+\\u00e9\\\"x".to_string(),
            "p&amp;ss w/rd+é&quot;x".to_string(),
            "p&#38;ss w/rd+é&#34;x".to_string(),
            "p&#x26;ss w/rd+é&#x22;x".to_string(),
        ] {
            assert!(!r.text(&format!("<{form}>")).contains("ss w"), "{form}");
        }
        // PHP's urlencode escapes `~`; its json_encode writes `\n` and `\/`.
        let r = with(&["n~w/\nline"]);
        for form in ["n%7Ew%2F%0Aline", "n%7ew%2f%0aline", "n~w\\/\\nline"] {
            assert_eq!(r.text(&format!("<{form}>")), "<<redacted>>", "{form}");
        }
    }

    #[test]
    fn json_with_and_without_escaped_slashes_or_unicode() {
        let r = with(&["p&ss w/rd+é\"x"]);
        for form in [
            "p&ss w/rd+\\u00e9\\\"x".to_string(),
            "p&ss w\\/rd+é\\\"x".to_string(),
        ] {
            assert!(!r.text(&format!("<{form}>")).contains("ss w"), "{form}");
        }
    }

    #[test]
    fn longest_secret_first() {
        let r = with(&["outer-secret-inner-part", "inner-part"]);
        assert_eq!(r.text("x outer-secret-inner-part y"), "x <redacted> y");
    }

    #[test]
    fn a_short_secret_is_hidden_in_values_but_keys_and_structure_stay() {
        let r = with(&["s", "p!x"]);
        let doc = r#"{"success":true,"pass":"p%21x","user":"s"}"#;
        assert_eq!(
            r.json(doc, false).as_deref(),
            Some(r#"{"success":true,"pass":"<redacted>","user":"<redacted>"}"#)
        );
        // Standing alone only: `s` inside `ssh_pass` is a coincidence.
        assert_eq!(r.text("ssh_pass=p%21x"), "ssh_pass=<redacted>");
        let r = with(&["ab", "sec"]);
        assert_eq!(
            r.text("xxabyy ab check --partner_secret (sec)"),
            "xxabyy <redacted> check --partner_secret (<redacted>)"
        );
    }

    #[test]
    fn html_entities_in_any_spelling_are_seen() {
        let r = with(&["hunter2&x+y=z%q", "p<a>s\"s'w"]);
        for form in [
            "hunter2&#038;x+y=z%q",
            "hunter2&AMP;x+y=z%q",
            "p&lt;a&gt;s&quot;s&#39;w",
            "p&#60;a&#x3E;s&#34;s&apos;w",
        ] {
            assert_eq!(
                r.text(&format!("[{form}] &amp; more")),
                "[<redacted>] & more",
                "{form}"
            );
        }
        assert_eq!(r.text("fish &amp; chips"), "fish &amp; chips");
    }

    #[test]
    fn any_json_escaping_of_a_secret_is_seen() {
        let r = with(&["TOKEN-ABC+/=xyz"]);
        assert_eq!(
            r.json(r#"{"z":"Bearer TOKEN-ABC\u002b\/=xyz"}"#, false)
                .as_deref(),
            Some(r#"{"z":"Bearer <redacted>"}"#)
        );
    }

    #[test]
    fn an_answer_keeps_what_it_exists_to_carry() {
        let mut r = with(&["partner-token-1"]);
        r.add("site-token-22");
        for f in r.forms.iter_mut().filter(|f| f.text == "site-token-22") {
            f.in_answers = true;
        }
        let doc = r#"{"access_token":"site-token-22","echo":"partner-token-1"}"#;
        assert_eq!(
            r.json(doc, true).as_deref(),
            Some(r#"{"access_token":"site-token-22","echo":"<redacted>"}"#)
        );
        assert_eq!(
            r.json(doc, false).as_deref(),
            Some(r#"{"access_token":"<redacted>","echo":"<redacted>"}"#)
        );
    }

    #[test]
    fn a_document_without_secrets_is_left_as_it_is() {
        let r = with(&["long-secret-1"]);
        assert_eq!(r.json(r#"{"a": 1.50}"#, false), None);
        assert_eq!(
            r.json(r#"{"a": "long-secret-1", "b": 1.50}"#, false)
                .as_deref(),
            Some(r#"{"a":"<redacted>","b":1.5}"#)
        );
    }
}
