//! What an install says about itself in its files, read as text and never
//! executed: the version from `wp-includes/version.php`
//! (`$wp_version = '6.1.9';`) and whether it is a multisite from
//! `wp-config.php` (`define( 'MULTISITE', true );`).
//!
//! A small PHP tokenizer drops comments (`//`, `#`, `/* */`), text outside
//! `<?php … ?>` and the insides of heredocs, so a commented-out define or
//! one quoted in a string does not count; spacing, quotes, the case of
//! `define` and `true`, and `const MULTISITE = true;` are all understood.
//! Files are read with a size cap, and only when they are regular files (a
//! FIFO or a device named wp-config.php must not hang or flood the scan).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// `wp-includes/version.php` is about 1.5 KB.
pub const VERSION_CAP: u64 = 64 << 10;
/// `wp-config.php` is a few KB; some carry long comments.
pub const CONFIG_CAP: u64 = 1 << 20;

/// At most `cap` bytes of a regular file, and whether that was all of it.
pub fn capped(path: &Path, cap: u64) -> io::Result<(Vec<u8>, bool)> {
    let file = open_nonblocking(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    let whole = bytes.len() as u64 <= cap;
    bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    Ok((bytes, whole))
}

/// Open a regular file for reading without blocking: opening a FIFO
/// blocks until a writer comes. Anything but a regular file is refused
/// first; where O_NONBLOCK's value is known (0o4000 on the common Linux
/// architectures), a FIFO swapped in after that check cannot block either.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(all(
        target_os = "linux",
        any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "powerpc64",
            target_arch = "s390x"
        )
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(0o4000);
    }
    options.open(path)
}

/// `$wp_version = '6.1.9';` → `6.1.9`. None when there is no such
/// assignment or its value does not look like a version.
pub fn version(php: &[u8]) -> Option<String> {
    let toks = tokens(php);
    toks.windows(4).find_map(|w| match w {
        [Tok::Var(v), Tok::Punct(b'='), Tok::Str(Some(s)), Tok::Punct(b';')]
            if v == "wp_version" && plausible_version(s) =>
        {
            Some(s.clone())
        }
        _ => None,
    })
}

fn plausible_version(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
}

/// Is this a multisite, as WordPress's `is_multisite()` decides from the
/// constants: `MULTISITE` when defined (PHP truthiness of its value),
/// otherwise true when `SUBDOMAIN_INSTALL`, `VHOST` or `SUNRISE` is
/// defined. `WP_ALLOW_MULTISITE` only shows the network setup screen: it
/// does not count. None when it cannot be told from the text: `MULTISITE`
/// set to an expression, or the file was cut at the cap before any of
/// these.
pub fn multisite(php: &[u8], whole: bool) -> Option<bool> {
    let defs = constants(&tokens(php));
    // PHP keeps the first definition of a constant.
    let first = |name: &str| defs.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    match first("MULTISITE") {
        Some(v) => v,
        None if ["SUBDOMAIN_INSTALL", "VHOST", "SUNRISE"]
            .iter()
            .any(|n| first(n).is_some()) =>
        {
            Some(true)
        }
        None if whole => Some(false),
        None => None,
    }
}

/// The constants defined with a literal value, in file order: name and the
/// value's truthiness (None: not a literal).
fn constants(toks: &[Tok]) -> Vec<(String, Option<bool>)> {
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        let Tok::Ident(word) = t else { continue };
        let rest = &toks[k + 1..];
        if word.eq_ignore_ascii_case("define") {
            // Not a method (`$x->define(`, `X::define(`) nor a declaration.
            let prev = k.checked_sub(1).map(|p| &toks[p]);
            if matches!(prev, Some(Tok::Punct(b'>' | b':')))
                || matches!(prev, Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("function"))
            {
                continue;
            }
            if let [Tok::Punct(b'('), Tok::Str(Some(name)), Tok::Punct(b','), value @ ..] = rest {
                out.push((name.clone(), truthiness(value, b"),")));
            }
        } else if word.eq_ignore_ascii_case("const") {
            if let [Tok::Ident(name), Tok::Punct(b'='), value @ ..] = rest {
                out.push((name.clone(), truthiness(value, b";,")));
            }
        }
    }
    out
}

/// PHP's truthiness of a literal at the start of `toks` that `ends` (one of
/// these punctuation marks) closes; None for anything else.
fn truthiness(toks: &[Tok], ends: &[u8]) -> Option<bool> {
    let (value, after) = match toks {
        [Tok::Punct(b'-' | b'+'), Tok::Num(n), after, ..] => (number_truth(n)?, after),
        [Tok::Num(n), after, ..] => (number_truth(n)?, after),
        [Tok::Ident(w), after, ..] if w.eq_ignore_ascii_case("true") => (true, after),
        [Tok::Ident(w), after, ..]
            if w.eq_ignore_ascii_case("false") || w.eq_ignore_ascii_case("null") =>
        {
            (false, after)
        }
        // PHP: "" and "0" are false, every other string (even "false") true.
        [Tok::Str(Some(s)), after, ..] => (!(s.is_empty() || s == "0"), after),
        _ => return None,
    };
    match after {
        Tok::Punct(p) if ends.contains(p) => Some(value),
        _ => None,
    }
}

/// A number literal is true unless it is zero (`0`, `0.0`, `0x0`, `0e5`).
fn number_truth(n: &str) -> Option<bool> {
    let n = n.replace('_', "").to_ascii_lowercase();
    let (digits, radix_digits): (&str, &str) = if let Some(h) = n.strip_prefix("0x") {
        (h, "123456789abcdef")
    } else if let Some(b) = n.strip_prefix("0b") {
        (b, "1")
    } else if let Some(o) = n.strip_prefix("0o") {
        (o, "1234567")
    } else {
        // The mantissa decides: 0e5 is zero.
        (n.split('e').next().unwrap_or(""), "123456789")
    };
    if digits.is_empty() {
        return None;
    }
    Some(digits.chars().any(|c| radix_digits.contains(c)))
}

/// A PHP token, as much as we need of one.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `$name`, without the `$`.
    Var(String),
    /// A string literal; None when its value is not plain text
    /// (interpolation, heredoc, backticks).
    Str(Option<String>),
    Num(String),
    Punct(u8),
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

fn find(src: &[u8], from: usize, what: &[u8]) -> Option<usize> {
    src.get(from..)?
        .windows(what.len())
        .position(|w| w == what)
        .map(|p| p + from)
}

/// The PHP code of `src` as tokens: comments, inline HTML and whitespace
/// dropped.
fn tokens(src: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = src.len();
    let text = |a: usize, b: usize| String::from_utf8_lossy(&src[a..b]).into_owned();
    // Outside PHP: look for the next opening tag.
    while let Some(open) = find(src, i, b"<?") {
        i = open + 2;
        if src.len() >= i + 3 && src[i..i + 3].eq_ignore_ascii_case(b"php") {
            i += 3;
        } else if src.get(i) == Some(&b'=') {
            i += 1;
        }
        // Inside PHP until `?>`.
        while i < n {
            let c = src[i];
            let next = src.get(i + 1).copied();
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => i += 1,
                b'?' if next == Some(b'>') => {
                    // `?>` ends a statement too.
                    out.push(Tok::Punct(b';'));
                    i += 2;
                    break;
                }
                b'#' if next != Some(b'[') => i = line_comment_end(src, i),
                b'/' if next == Some(b'/') => i = line_comment_end(src, i),
                b'/' if next == Some(b'*') => {
                    i = find(src, i + 2, b"*/").map_or(n, |e| e + 2);
                }
                b'\'' => {
                    let (s, end) = single_quoted(src, i + 1);
                    out.push(Tok::Str(Some(s)));
                    i = end;
                }
                b'"' => {
                    let (s, end) = double_quoted(src, i + 1);
                    out.push(Tok::Str(s));
                    i = end;
                }
                b'`' => {
                    let (_, end) = double_quoted_until(src, i + 1, b'`');
                    out.push(Tok::Str(None));
                    i = end;
                }
                b'<' if src[i..].starts_with(b"<<<") => {
                    // Not a heredoc after all: a plain `<`.
                    let end = heredoc_end(src, i + 3);
                    out.push(end.map_or(Tok::Punct(b'<'), |_| Tok::Str(None)));
                    i = end.unwrap_or(i + 1);
                }
                b'$' if next.is_some_and(is_ident_start) => {
                    let start = i + 1;
                    i = run_end(src, start, is_ident);
                    out.push(Tok::Var(text(start, i)));
                }
                c if is_ident_start(c) => {
                    let start = i;
                    i = run_end(src, start, is_ident);
                    out.push(Tok::Ident(text(start, i)));
                }
                c if c.is_ascii_digit() => {
                    let start = i;
                    i = run_end(src, start, |b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.')
                    });
                    out.push(Tok::Num(text(start, i)));
                }
                c => {
                    out.push(Tok::Punct(c));
                    i += 1;
                }
            }
        }
    }
    out
}

/// Where the run of bytes `keep` accepts, from `i` on, ends.
fn run_end(src: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < src.len() && keep(src[i]) {
        i += 1;
    }
    i
}

/// Where a `//` or `#` comment starting at `i` ends: at the line's end, or
/// before a `?>` (which PHP honours inside such a comment).
fn line_comment_end(src: &[u8], mut i: usize) -> usize {
    while i < src.len() {
        match src[i] {
            b'\n' | b'\r' => return i,
            b'?' if src.get(i + 1) == Some(&b'>') => return i,
            _ => i += 1,
        }
    }
    i
}

/// `'…'` from just after the quote: its value and where it ends.
fn single_quoted(src: &[u8], mut i: usize) -> (String, usize) {
    let mut v = Vec::new();
    while i < src.len() {
        match src[i] {
            b'\\' if matches!(src.get(i + 1), Some(b'\\' | b'\'')) => {
                v.push(src[i + 1]);
                i += 2;
            }
            b'\'' => return (String::from_utf8_lossy(&v).into_owned(), i + 1),
            c => {
                v.push(c);
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&v).into_owned(), i)
}

/// `"…"` from just after the quote: its value (None when it interpolates
/// a variable) and where it ends.
fn double_quoted(src: &[u8], i: usize) -> (Option<String>, usize) {
    double_quoted_until(src, i, b'"')
}

fn double_quoted_until(src: &[u8], mut i: usize, quote: u8) -> (Option<String>, usize) {
    let mut v = Vec::new();
    let mut plain = true;
    while i < src.len() {
        let c = src[i];
        match c {
            b'\\' if i + 1 < src.len() => {
                match src[i + 1] {
                    b'n' => v.push(b'\n'),
                    b't' => v.push(b'\t'),
                    b'r' => v.push(b'\r'),
                    b'\\' | b'$' | b'"' | b'`' => v.push(src[i + 1]),
                    other => v.extend_from_slice(&[b'\\', other]),
                }
                i += 2;
            }
            b'$' if src.get(i + 1).copied().is_some_and(is_ident_start) => {
                plain = false;
                i += 1;
            }
            b'{' if src.get(i + 1) == Some(&b'$') => {
                plain = false;
                i += 1;
            }
            c if c == quote => {
                let s = plain.then(|| String::from_utf8_lossy(&v).into_owned());
                return (s, i + 1);
            }
            c => {
                v.push(c);
                i += 1;
            }
        }
    }
    (None, i)
}

/// A heredoc or nowdoc whose `<<<` ends just before `i`: where it ends
/// (after its closing identifier), or None when this is no heredoc.
fn heredoc_end(src: &[u8], mut i: usize) -> Option<usize> {
    while matches!(src.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let quote = match src.get(i) {
        Some(q @ (b'\'' | b'"')) => {
            i += 1;
            Some(*q)
        }
        _ => None,
    };
    let start = i;
    while i < src.len() && is_ident(src[i]) {
        i += 1;
    }
    if i == start || !is_ident_start(src[start]) {
        return None;
    }
    let label = &src[start..i];
    if let Some(q) = quote {
        if src.get(i) != Some(&q) {
            return None;
        }
        i += 1;
    }
    if src.get(i) == Some(&b'\r') {
        i += 1;
    }
    if src.get(i) != Some(&b'\n') {
        return None;
    }
    i += 1;
    // Line by line until one that starts (after indentation) with the label
    // not followed by more of an identifier.
    loop {
        let mut j = i;
        while matches!(src.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        if src[j..].starts_with(label) && !src.get(j + label.len()).copied().is_some_and(is_ident) {
            return Some(j + label.len());
        }
        match find(src, i, b"\n") {
            Some(nl) => i = nl + 1,
            // Never closed: the rest of the file is the string.
            None => return Some(src.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(php: &str) -> Option<bool> {
        multisite(php.as_bytes(), true)
    }

    #[test]
    fn version_is_read_past_the_doc_comment() {
        let php = "<?php\n/**\n * @global string $wp_version\n */\n$wp_version = '6.1.9';\n\n/**\n * @global int $wp_db_version\n */\n$wp_db_version = 53496;\n";
        assert_eq!(version(php.as_bytes()).as_deref(), Some("6.1.9"));
        assert_eq!(
            version(b"<?php $wp_version=\"6.5-RC1-57890\" ;").as_deref(),
            Some("6.5-RC1-57890")
        );
        assert_eq!(
            version(b"<?php // $wp_version = '1.0';\n$wp_version = '6.4.3';").as_deref(),
            Some("6.4.3")
        );
        assert_eq!(version(b"<?php $wp_version = get_version();"), None);
        assert_eq!(version(b"<?php $wp_version = 'not a version';"), None);
        assert_eq!(version(b"$wp_version = '6.1.9';"), None, "not PHP code");
        assert_eq!(version(&[0xff, 0x00, 0x3c, 0x3f, 0xfe]), None);
    }

    #[test]
    fn multisite_from_defines() {
        assert_eq!(ms("<?php define( 'MULTISITE', true );"), Some(true));
        assert_eq!(ms("<?php DEFINE(\"MULTISITE\",TRUE);"), Some(true));
        assert_eq!(ms("<?php\n\\define ( 'MULTISITE' , True ) ;"), Some(true));
        assert_eq!(ms("<?php define('MULTISITE', 1);"), Some(true));
        assert_eq!(ms("<?php define('MULTISITE', '1');"), Some(true));
        assert_eq!(ms("<?php const MULTISITE = true;"), Some(true));
        assert_eq!(ms("<?php define('MULTISITE', false);"), Some(false));
        assert_eq!(ms("<?php define('MULTISITE', 0);"), Some(false));
        assert_eq!(ms("<?php define('MULTISITE', '0');"), Some(false));
        assert_eq!(ms("<?php define('MULTISITE', 0x0);"), Some(false));
        assert_eq!(ms("<?php define('MULTISITE', null);"), Some(false));
        assert_eq!(ms("<?php define('WP_ALLOW_MULTISITE', true);"), Some(false));
        assert_eq!(ms("<?php define('multisite', true);"), Some(false));
        assert_eq!(ms("<?php define('SUBDOMAIN_INSTALL', false);"), Some(true));
        assert_eq!(
            ms("<?php define('MULTISITE', false); define('MULTISITE', true);"),
            Some(false),
            "the first definition wins"
        );
        assert_eq!(
            ms("<?php define('MULTISITE', getenv('MS') === 'on');"),
            None
        );
        assert_eq!(ms("<?php define('MULTISITE', env('MS'));"), None);
        assert_eq!(multisite(b"<?php define('DB_NAME', 'x');", false), None);
    }

    #[test]
    fn commented_or_quoted_defines_do_not_count() {
        let php = r#"<?php
// define( 'MULTISITE', true );
# define( 'MULTISITE', true );
/* define( 'MULTISITE', true );
   define( 'SUBDOMAIN_INSTALL', true ); */
/** Set MULTISITE true to turn the network on: define('MULTISITE', true); */
$note = "define('MULTISITE', true);";
$doc = <<<EOT
define('MULTISITE', true);
EOT;
$now = <<<'NOW'
  define('MULTISITE', true);
  NOW;
$x->define('MULTISITE', true);
define( 'WP_ALLOW_MULTISITE', true );
?>
define('MULTISITE', true);
<?php
/* That's all, stop editing! */
require_once ABSPATH . 'wp-settings.php';
"#;
        assert_eq!(ms(php), Some(false));
        // A `//` comment ends at `?>`: what follows is HTML, not code.
        assert_eq!(ms("<?php // x ?> define('MULTISITE', true);"), Some(false));
        assert_eq!(
            ms("<?php /* unterminated define('MULTISITE', true);"),
            Some(false)
        );
    }

    #[test]
    fn garbage_does_not_hurt() {
        let mut junk: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        junk.extend_from_slice(b"<?php <<<\n'\"`$");
        let _ = multisite(&junk, true);
        let _ = version(&junk);
        assert_eq!(number_truth("0e5"), Some(false));
        assert_eq!(number_truth("1_000"), Some(true));
        assert_eq!(number_truth("0.0"), Some(false));
        assert_eq!(number_truth("0b10"), Some(true));
    }
}
