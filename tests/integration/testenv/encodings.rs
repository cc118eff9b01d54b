//! The forms a secret travels in when a server or a library echoes it back,
//! written here independently of the binary's own encoder: what PHP
//! (WordPress.com), JavaScript, Python and Rust produce for percent- and
//! form-encoding, JSON strings and HTML. Redaction tests embed these in
//! answers and check that none of them comes out.

/// Every form of `secret`, each with a name for messages.
pub fn every_encoding(secret: &str) -> Vec<(&'static str, String)> {
    let mut forms = vec![
        ("raw", secret.to_string()),
        // application/x-www-form-urlencoded as we send it (RFC 3986
        // unreserved characters kept, space as '+').
        ("form", percent(secret, "-._~", true)),
        // PHP urlencode / http_build_query: '~' escaped too.
        ("php urlencode", percent(secret, "-._", true)),
        // PHP rawurlencode, Python quote(safe=''): space as %20.
        ("percent", percent(secret, "-._~", false)),
        // JavaScript encodeURIComponent.
        ("encodeURIComponent", percent(secret, "-_.!~*'()", false)),
        ("json", json(secret, false, false)),
        // PHP json_encode (default flags): "\/" and "\u00e9".
        ("php json", json(secret, true, true)),
        // Python json.dumps (ensure_ascii): "\u00e9" but "/".
        ("ascii json", json(secret, false, true)),
        // PHP json_encode with JSON_UNESCAPED_UNICODE: "\/" but "é".
        ("php json unicode", json(secret, true, false)),
        // PHP htmlspecialchars(ENT_QUOTES).
        ("html", html(secret)),
    ];
    // The percent-encoded forms again, hex in lower case (in those, every
    // `%` starts an escape).
    let lower: Vec<(&'static str, String)> = forms[1..5]
        .iter()
        .map(|(name, f)| (*name, lower_hex(f)))
        .collect();
    forms.extend(lower);
    forms
}

/// Percent-encode every byte but ASCII letters, digits and `keep`; a space
/// as `+` when `plus`. Hex in upper case (lower case: [`lower_hex`]).
pub fn percent(s: &str, keep: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' if plus => out.push('+'),
            _ if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `%2B` → `%2b`.
pub fn lower_hex(s: &str) -> String {
    let mut out = String::new();
    let mut hex_left = 0;
    for c in s.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            if c == '%' {
                hex_left = 2;
            }
            out.push(c);
        }
    }
    out
}

/// The inside of a JSON string: `"` and `\` escaped, control characters
/// as short escapes where JSON has them (else `\u00XX`), `/` as `\/` when
/// `slashes`, everything past ASCII as `\uXXXX` (surrogate pairs) when
/// `ascii`.
pub fn json(s: &str, slashes: bool, ascii: bool) -> String {
    let mut out = String::new();
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
            c if (c as u32) < 0x20 || (ascii && !c.is_ascii()) => {
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

/// PHP htmlspecialchars with ENT_QUOTES.
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;")
}
