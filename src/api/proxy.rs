//! Which proxy the API request goes through, chosen the way curl (and so
//! the old scripts) chooses it.

use super::Base;

/// `https_proxy`/`HTTPS_PROXY` for https, `http_proxy` (lower case only: an
/// `HTTP_PROXY` can be set by a web request's `Proxy:` header in CGI setups)
/// for http, else `all_proxy`/`ALL_PROXY`; none when the host is in
/// `no_proxy`/`NO_PROXY`. Returns the variable's name and value.
pub fn proxy_for(base: &Base, env: &dyn Fn(&str) -> Option<String>) -> Option<(String, String)> {
    let get = |k: &str| {
        env(k)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (k.to_string(), v))
    };
    let no_proxy = get("no_proxy").or_else(|| get("NO_PROXY")).map(|(_, v)| v);
    let host = base.host().rsplit_once(':').map_or(base.host(), |(h, p)| {
        // Keep IPv6 literals whole; drop a :port.
        if p.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            base.host()
        }
    });
    if no_proxy.is_some_and(|list| no_proxy_matches(&list, host)) {
        return None;
    }
    let scheme_vars: &[&str] = if base.is_https() {
        &["https_proxy", "HTTPS_PROXY"]
    } else {
        &["http_proxy"]
    };
    scheme_vars
        .iter()
        .chain(&["all_proxy", "ALL_PROXY"])
        .find_map(|k| get(k))
}

/// curl's NO_PROXY rules: `*` matches all; otherwise each comma-separated
/// name matches the host itself and its subdomains (a leading `.` is
/// optional); IP addresses match exactly.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|e| {
            if e == "*" {
                return true;
            }
            let e = e.trim_start_matches('.').to_ascii_lowercase();
            let e = e.rsplit_once(':').map_or(e.as_str(), |(h, p)| {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    h
                } else {
                    e.as_str()
                }
            });
            host == e || host.ends_with(&format!(".{e}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_are_chosen_like_curl() {
        let (Ok(https), Ok(http)) = (
            Base::from_env_value(Some("api.example.com:8443"), false),
            Base::from_env_value(Some("http://127.0.0.1:8080"), false),
        ) else {
            panic!("bases")
        };
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let name = |r: Option<(String, String)>| r.map(|(k, _)| k);
        let e = env(&[("HTTP_PROXY", "http://p:1"), ("http_proxy", "http://q:1")]);
        assert_eq!(
            name(proxy_for(&https, &e)),
            None,
            "HTTP_PROXY is not for https"
        );
        assert_eq!(name(proxy_for(&http, &e)).as_deref(), Some("http_proxy"));
        let e = env(&[("HTTPS_PROXY", "http://p:1"), ("ALL_PROXY", "http://a:1")]);
        assert_eq!(name(proxy_for(&https, &e)).as_deref(), Some("HTTPS_PROXY"));
        assert_eq!(name(proxy_for(&http, &e)).as_deref(), Some("ALL_PROXY"));
        let e = env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "localhost, .example.com"),
        ]);
        assert_eq!(
            name(proxy_for(&https, &e)),
            None,
            "subdomain of a NO_PROXY name"
        );
        let e = env(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(name(proxy_for(&https, &e)), None);
        let e = env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "example.org,127.0.0.1"),
        ]);
        assert_eq!(name(proxy_for(&https, &e)).as_deref(), Some("HTTPS_PROXY"));
        assert_eq!(name(proxy_for(&http, &e)), None, "IP match");
    }
}
