//! Percent-encoding for queries and form bodies. (`& + = %` and spaces in
//! secrets broke the shell scripts.)

/// Percent-encode everything but RFC 3986 unreserved characters; in a form
/// body a space becomes `+`.
pub fn encode(s: &str, form: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
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
        assert_eq!(
            encode_pairs(
                &[("k".into(), "v 1".into()), ("x".into(), "@/etc".into())],
                true
            ),
            "k=v+1&x=%40%2Fetc"
        );
    }
}
