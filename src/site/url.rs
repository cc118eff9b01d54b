//! A site's URL as the API wants it: whether a URL names a host at all, and
//! the site suffix that names a site in API paths when its blog id is
//! unknown.

use crate::api::encode::{escape, UNRESERVED};
use crate::api::split_scheme;
use percent_encoding::AsciiSet;

/// Does this URL name a host? Read from the text as written (the URL
/// parser would take `https:///a` as host `a`): after any scheme, before
/// the first `/`, without user info and port.
pub fn names_a_host(url: &str) -> bool {
    let url = url.trim();
    let rest = split_scheme(url).map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or("", |(h, _)| h.trim_start_matches('['))
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    !host.trim().is_empty()
}

/// `{site}` when the blog id is unknown: the home URL without scheme, `/`
/// replaced by `::`, no trailing `:` (`example.com/demo/wp` →
/// `example.com::demo::wp`). The URL is normalised first (SPEC §9):
/// surrounding whitespace, userinfo, query and the scheme's default port
/// dropped, the host lower-cased, escapes already in the path kept as they
/// are (not encoded twice).
pub fn site_suffix(home: &str) -> String {
    let home = home.trim();
    let parsed = match split_scheme(home) {
        Some(_) => url::Url::parse(home),
        // A bare `example.com/demo`: the port, if any, is the site's own.
        None => url::Url::parse(&format!("http://{home}")),
    };
    // The path as written, up to any query: the scripts replaced every `/`
    // (`a//b` → `a::::b`, `..` kept), so the parser's tidying is not used.
    let rest = split_scheme(home).map_or(home, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (raw_host, path) = match rest.split_once('/') {
        Some((h, p)) => (h, p),
        None => (rest, ""),
    };
    // The host normalised (case, user info, default port) where the parser
    // takes it; else the text itself.
    let host = match &parsed {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {
            let host = u.host_str().unwrap_or_default();
            match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host.to_string(),
            }
        }
        _ => raw_host.to_ascii_lowercase(),
    };
    let mut parts = vec![encode_path_part(&host)];
    parts.extend(path.split('/').map(encode_path_part));
    parts.join("::").trim_end_matches(':').to_string()
}

/// What stays as it is in one path segment: RFC 3986 unreserved, `:` and `@`.
const SEGMENT: &AsciiSet = &UNRESERVED.remove(b':').remove(b'@');

/// Percent-encoding for one path segment; an escape already in it (`%20`)
/// stays as it is.
fn encode_path_part(s: &str) -> String {
    let bytes = s.as_bytes();
    let is_escape = |i: usize| {
        bytes[i] == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    };
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    for i in (0..bytes.len()).filter(|&i| is_escape(i)) {
        // `%` is ASCII, so both ends are character boundaries.
        out.push_str(&escape(&s[from..i], SEGMENT, false));
        out.push('%');
        from = i + 1;
    }
    out.push_str(&escape(&s[from..], SEGMENT, false));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(site_suffix("example.com"), "example.com");
        assert_eq!(site_suffix("http://example.com/"), "example.com");
        assert_eq!(site_suffix("https://example.com/demo"), "example.com::demo");
        assert_eq!(
            site_suffix("https://example.com/demo/wp/"),
            "example.com::demo::wp"
        );
        assert_eq!(
            site_suffix("http://example.com:8080/a b"),
            "example.com:8080::a%20b"
        );
        // SPEC §9: normalised before use.
        assert_eq!(
            site_suffix("  HTTPS://User:pw@Example.COM:443/Blog/ "),
            "example.com::Blog"
        );
        assert_eq!(
            site_suffix("http://example.com:80/a%20b"),
            "example.com::a%20b"
        );
        assert_eq!(site_suffix("http://example.com/a%2"), "example.com::a%252");
        assert_eq!(
            site_suffix("example.com:8080/x?y=1#z"),
            "example.com:8080::x"
        );
        assert_eq!(site_suffix("http://ex.com/x:y"), "ex.com::x:y");
        // Every `/` becomes `::`, as the scripts' sed did; nothing tidied.
        assert_eq!(
            site_suffix("https://example.com//double//"),
            "example.com::::double"
        );
        assert_eq!(
            site_suffix("https://example.com/a/../b"),
            "example.com::a::..::b"
        );
    }

    #[test]
    fn hosts() {
        for good in [
            "example.com",
            "https://u:p@example.com:8080/x",
            "http://[::1]:80/",
            "HTTP://a",
        ] {
            assert!(names_a_host(good), "{good}");
        }
        for bad in [
            "https://",
            "http:///a",
            "https://u:pw@/x",
            "https://u@",
            "https://:443/x",
            "https://[]/",
            " ",
        ] {
            assert!(!names_a_host(bad), "{bad}");
        }
    }
}
