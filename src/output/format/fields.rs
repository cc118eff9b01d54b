//! `--fields=a,b,…` (WP-CLI's convention): the names a list knows (its
//! columns' headings and the keys its lines carry), checked before anything
//! runs, and turned into columns. A value inside one is named with dots:
//! `answer.blog.is_connected`.

use super::{Col, Column};

/// `--fields`' names in the order given: blanks around commas and empty
/// names dropped, a name given twice kept once.
pub fn parse(v: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Every name a list knows: its columns' headings, then the other keys its
/// lines carry.
pub fn known(columns: &[Column], keys: &[&'static str]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for name in columns.iter().map(|(h, _)| *h).chain(keys.iter().copied()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The names the list does not know (a dotted name is known by its first
/// part).
pub fn check(names: &[String], known: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|n| {
            let first = n.split('.').next().unwrap_or_default();
            !known.contains(&first)
        })
        .cloned()
        .collect()
}

/// The columns `names` ask for: a column by its heading, any other key of
/// the lines by its name, and a dotted name inside either.
pub(super) fn resolve(names: &[String], columns: &[Column]) -> Vec<Col> {
    names
        .iter()
        .map(|name| {
            let mut parts = name.split('.');
            let first = parts.next().unwrap_or_default();
            let mut at = match columns.iter().find(|(h, _)| *h == first) {
                Some((_, at)) => at.to_string(),
                None => pointer_part(first),
            };
            for part in parts {
                at.push_str(&pointer_part(part));
            }
            Col {
                heading: name.clone(),
                at,
            }
        })
        .collect()
}

/// `/name` as a JSON pointer token (RFC 6901: `~` and `/` escaped).
fn pointer_part(name: &str) -> String {
    format!("/{}", name.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        ("site", "/site"),
        ("connected", "/answer/blog/is_connected"),
    ];

    #[test]
    fn names_are_trimmed_and_kept_once_in_order() {
        assert_eq!(parse(" site, answer ,,site,"), ["site", "answer"]);
        assert!(parse(" , ").is_empty());
    }

    #[test]
    fn unknown_names_are_found_and_dotted_ones_known_by_their_first_part() {
        let known = known(COLUMNS, &["site", "answer"]);
        assert_eq!(known, ["site", "connected", "answer"]);
        let names = parse("site,answer.blog.is_connected,nope,nope.x");
        assert_eq!(check(&names, &known), ["nope", "nope.x"]);
    }

    #[test]
    fn names_become_pointers() {
        let cols = resolve(&parse("connected,answer.blog.a/b~c,site"), COLUMNS);
        let got: Vec<(&str, &str)> = cols
            .iter()
            .map(|c| (c.heading.as_str(), c.at.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("connected", "/answer/blog/is_connected"),
                ("answer.blog.a/b~c", "/answer/blog/a~1b~0c"),
                ("site", "/site"),
            ]
        );
    }
}
