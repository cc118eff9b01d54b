//! Percent-encoding for queries and form bodies. (`& + = %` and spaces in
//! secrets broke the shell scripts.)

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters is escaped.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` with every byte outside `keep`'s complement escaped (`%XX`, upper
/// case hex); with `plus`, a space as `+` as forms write it.
pub fn escape(s: &str, set: &'static AsciiSet, plus: bool) -> String {
    if !plus {
        return utf8_percent_encode(s, set).to_string();
    }
    // A space is escaped by every set we use, so a `%20` here is a space.
    s.split(' ')
        .map(|part| utf8_percent_encode(part, set).to_string())
        .collect::<Vec<_>>()
        .join("+")
}

/// Percent-encode everything but RFC 3986 unreserved characters; in a form
/// body a space becomes `+`.
pub fn encode(s: &str, form: bool) -> String {
    escape(s, UNRESERVED, form)
}

/// `k=v&k=v`, each side encoded.
pub fn encode_pairs(pairs: &[(String, String)], form: bool) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k, form), encode(v, form)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_special_characters_intact() {
        assert_eq!(encode("a&b+c=d%e f", true), "a%26b%2Bc%3Dd%25e+f");
        assert_eq!(encode("a b", false), "a%20b");
        assert_eq!(encode("é", true), "%C3%A9");
        assert_eq!(encode("~-._", true), "~-._");
        assert_eq!(
            encode_pairs(
                &[("k".into(), "v 1".into()), ("x".into(), "@/etc".into())],
                true
            ),
            "k=v+1&x=%40%2Fetc"
        );
    }
}
