//! Reading what `wp` printed: only the value asked for, whatever PHP notices
//! and plugins print around it on real hosts.

use serde_json::Value;

/// The marker line the facts program prints before its JSON answer.
pub const FACTS_MARKER: &str = "JETPACK_PARTNER_FACTS ";

/// The JSON after the last facts marker.
pub fn parse_marked(stdout: &str) -> Option<Value> {
    let at = stdout.rfind(FACTS_MARKER)?;
    let rest = &stdout[at + FACTS_MARKER.len()..];
    // The first JSON value after the marker: whatever a shutdown hook prints
    // after it, on the same line or not, is not part of it.
    let v: Value = serde_json::Deserializer::from_str(rest)
        .into_iter::<Value>()
        .next()?
        .ok()?;
    (v.get("marker") == Some(&Value::from(1))).then_some(v)
}

/// What WP-CLI said: its `Error:` lines if any, else the last line of
/// stderr, else stdout. PHP notices are left out.
pub fn wp_error_words(stderr: &str, stdout: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .filter(|l| l.starts_with("Error:"))
        .collect();
    // A PHP fatal error names its cause (function, plugin file, line);
    // WordPress's own "critical error" line does not: that one first.
    let fatal = php_fatal(stderr, stdout);
    match (fatal, errors.is_empty()) {
        (Some(f), true) => return snippet(f),
        (Some(f), false) => return snippet(&format!("{f} ({})", errors.join(" "))),
        (None, false) => return snippet(&errors.join(" ")),
        (None, true) => {}
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .or_else(|| stdout.lines().rev().find(|l| !l.trim().is_empty()));
    match last {
        Some(l) => snippet(l),
        None => "no output".into(),
    }
}

/// The first PHP fatal error line, on either stream (PHP writes it to
/// stdout or stderr depending on `display_errors`, to both with logging).
pub fn php_fatal<'a>(stderr: &'a str, stdout: &'a str) -> Option<&'a str> {
    stderr
        .lines()
        .chain(stdout.lines())
        .find(|l| l.contains("Fatal error:"))
        .map(str::trim)
}

/// At most a few hundred characters, one line.
pub fn snippet(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty)".into();
    }
    let mut out: String = flat.chars().take(300).collect();
    if flat.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// The last line that is a bare number (a user ID). Noise printed by plugins
/// lands on stdout before the value.
pub fn parse_id(stdout: &str) -> Option<u64> {
    if let Some(id) = stdout.lines().rev().find_map(|l| {
        let t = l.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    }) {
        return Some(id);
    }
    // A plugin that echoes without a newline puts its output on the same
    // line, before the value: take the digits that end the last line when
    // they follow markup or punctuation, not a word ("user42").
    let last = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())?;
    let digits = last.len() - last.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let before = last[..last.len() - digits].chars().last()?;
    if digits == 0 || before.is_alphanumeric() {
        return None;
    }
    last[last.len() - digits..].parse().ok()
}

/// The URL value: the last line that is a URL, or failing that the last
/// `http(s)://` run in the last non-empty line (a plugin that echoes HTML
/// without a newline puts it on the same line as the value).
pub fn parse_url(stdout: &str) -> Option<String> {
    let is_url = |t: &str| is_http_url(t) && !t.contains(char::is_whitespace);
    if let Some(l) = stdout.lines().rev().map(str::trim).find(|t| is_url(t)) {
        return Some(l.to_string());
    }
    let last = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|t| !t.is_empty())?;
    let lower = last.to_ascii_lowercase();
    let start = lower.rfind("https://").max(lower.rfind("http://"))?;
    let tail = &last[start..];
    is_url(tail).then(|| tail.to_string())
}

/// Starts with `http://` or `https://`, in any case.
pub fn is_http_url(t: &str) -> bool {
    let starts = |p: &str| t.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p));
    starts("http://") || starts("https://")
}

/// `id` of the last JSON object line (`{"id":12345}`); numbers or numeric
/// strings, positive only.
pub fn parse_blog_id(stdout: &str) -> Option<u64> {
    stdout.lines().rev().find_map(|l| {
        let t = l.trim();
        let start = t.find('{')?;
        let v: Value = serde_json::from_str(&t[start..]).ok()?;
        let id = v.get("id")?;
        let n = match id {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }?;
        (n > 0).then_some(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_after_noise() {
        assert_eq!(parse_id("1\n"), Some(1));
        assert_eq!(parse_id("lab-noise: hello 7\n42\n"), Some(42));
        assert_eq!(parse_id("Notice: x\n"), None);
        assert_eq!(parse_id("<div class=\"x\">hi</div>1\n"), Some(1));
        assert_eq!(parse_id("user42\n"), None);
        assert_eq!(parse_id(""), None);
    }

    #[test]
    fn url_after_noise() {
        assert_eq!(
            parse_url("http://site.test\n").as_deref(),
            Some("http://site.test")
        );
        assert_eq!(
            parse_url("lab-noise: a plugin printed this while loading\nhttp://site.test\n")
                .as_deref(),
            Some("http://site.test")
        );
        assert_eq!(
            parse_url("<div>hi</div>https://a.test/wp\n").as_deref(),
            Some("https://a.test/wp")
        );
        assert_eq!(parse_url("no url here\n"), None);
        assert_eq!(parse_url(""), None);
    }

    #[test]
    fn blog_id_from_json() {
        assert_eq!(parse_blog_id("{\"id\":12345}\n"), Some(12345));
        assert_eq!(parse_blog_id("noise\n{\"id\":\"77\",\"x\":1}\n"), Some(77));
        assert_eq!(parse_blog_id("{\"version\":\"1\"}\n"), None);
        assert_eq!(parse_blog_id("{\"id\":0}\n"), None);
        assert_eq!(parse_blog_id("garbage"), None);
    }

    #[test]
    fn marked_facts_survive_noise() {
        let out = "lab-noise: hi\n<b>x</b>\nJETPACK_PARTNER_FACTS {\"marker\":1,\"siteurl\":\"http:\\/\\/site.test\"}";
        let v = parse_marked(out);
        assert_eq!(
            v.as_ref()
                .and_then(|v| v.get("siteurl"))
                .and_then(|s| s.as_str()),
            Some("http://site.test")
        );
        assert!(parse_marked("JETPACK_PARTNER_FACTS {\"siteurl\":1}").is_none());
        assert!(parse_marked("nothing here").is_none());
        assert!(parse_marked("JETPACK_PARTNER_FACTS {broken").is_none());
    }

    #[test]
    fn error_words_prefer_error_lines() {
        let stderr = "PHP Deprecated:  x\nDeprecated: x\nError: There has been a critical error on this website.\n";
        assert_eq!(
            wp_error_words(stderr, ""),
            "Error: There has been a critical error on this website."
        );
        assert_eq!(wp_error_words("", ""), "no output");
        assert_eq!(wp_error_words("just this\n", ""), "just this");
    }
}
