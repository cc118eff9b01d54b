//! Batch lines as flags: each line is parsed as the command line's flags
//! followed by the line's own (`--key=value`), so that a line is validated
//! exactly as flags are and its fields win over the command line's.

use super::Context;
use crate::error::{Error, LineProblem, Result};
use crate::job::{LineParser, Meta, SiteJob};
use clap::FromArgMatches;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Field names older batch files used besides the flag names.
const LINE_ALIASES: &[(&str, &str)] = &[("local_user", "user"), ("siteurl", "site_url")];

/// A flag as a line may name it: its long name, and whether it takes a value.
struct LineFlag {
    id: String,
    long: String,
    takes_value: bool,
}

/// Parses each batch line as the command line's flags followed by the
/// line's own (`--key=value`), so that a line is validated exactly as flags
/// are and its fields win over the command line's.
pub fn line_parser<T: FromArgMatches + 'static>(
    ctx: &Context,
    meta: &'static Meta,
    data: &'static [&'static str],
    job: impl Fn(&T, &Map<String, Value>) -> Result<SiteJob> + Send + Sync + 'static,
) -> LineParser {
    let mut cmd = ctx.cmd.clone();
    cmd.build();
    let known = Known {
        this: flags(&cmd),
        others: (ctx.line_commands)().iter().flat_map(flags).collect(),
        run_wide: super::common::run_wide(),
    };
    let argv = ctx.argv.clone();
    // Lines are parsed one at a time (the batch reads its input on one
    // thread): one built command serves them all, instead of a copy each.
    let cmd = std::sync::Mutex::new(cmd);
    Box::new(move |n, fields| {
        let fail = |problem| Error::BatchLine {
            flag: meta.input,
            line: n,
            problem,
        };
        let mut full = argv.clone();
        full.extend(
            line_flags(fields, &known, meta.name, data)
                .map_err(fail)?
                .into_iter()
                .map(Into::into),
        );
        let parsed = cmd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_get_matches_from_mut(full)
            .and_then(|m| T::from_arg_matches(&m))
            .map_err(|e| fail(LineProblem::Unusable(e.kind().to_string())))?;
        job(&parsed, fields).map_err(|e| fail(LineProblem::Invalid(Box::new(e))))
    })
}

/// The flags a line may name: this command's, and (ignored) the other site
/// commands', so one file of sites serves provision, status and cancel.
struct Known {
    this: HashMap<String, LineFlag>,
    others: HashMap<String, LineFlag>,
    /// Ids of the flags that apply to the whole run (see
    /// [`super::common::run_wide`]).
    run_wide: Vec<String>,
}

/// A command's flags by every long name and alias.
fn flags(cmd: &clap::Command) -> HashMap<String, LineFlag> {
    let mut known = HashMap::new();
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let flag = || LineFlag {
            id: arg.get_id().to_string(),
            long: long.to_string(),
            takes_value: arg.get_action().takes_values(),
        };
        known.insert(long.to_string(), flag());
        for alias in arg.get_all_aliases().unwrap_or_default() {
            known.insert(alias.to_string(), flag());
        }
    }
    known
}

/// A switch's value: true/false, 1/0, and those as text (or yes/no); null
/// and "" are "not given" (off).
fn switch(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(false),
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => Some(false),
            "true" | "1" | "yes" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// Look a line's key up as given, or with `-` and `_` swapped.
fn lookup<'a>(map: &'a HashMap<String, LineFlag>, name: &str) -> Option<&'a LineFlag> {
    map.get(name)
        .or_else(|| map.get(&name.replace('-', "_")))
        .or_else(|| map.get(&name.replace('_', "-")))
}

/// Fields a line may carry that are data, not flags: apply's products and
/// `via`, and `sites`' report of what it found.
const DATA_FIELDS: &[&str] = &["products", "via", "wordpress"];

/// A line's fields as `--long=value` arguments. Empty and `null` values are
/// "not given" (the command line's value stands); `true` turns a switch on.
fn line_flags(
    fields: &Map<String, Value>,
    known: &Known,
    command: &'static str,
    data: &[&str],
) -> std::result::Result<Vec<String>, LineProblem> {
    let mut out = Vec::new();
    for (key, value) in fields {
        // Data the command reads itself (apply's products), not a flag.
        if data.contains(&key.as_str()) {
            continue;
        }
        let name = LINE_ALIASES
            .iter()
            .find(|(old, _)| old == key)
            .map_or(key.as_str(), |(_, new)| new);
        let Some(flag) = lookup(&known.this, name) else {
            // Another site command's flag or data: this command does not
            // use it. Anything else is a mistake worth stopping the line.
            if lookup(&known.others, name).is_some() || DATA_FIELDS.contains(&name) {
                continue;
            }
            return Err(LineProblem::UnknownField {
                field: key.clone(),
                command,
            });
        };
        if known.run_wide.contains(&flag.id) {
            return Err(LineProblem::NotAllowed { field: key.clone() });
        }
        if !flag.takes_value {
            // A switch: on or off, however a JSON writer spelled it.
            match switch(value) {
                Some(true) => out.push(format!("--{}", flag.long)),
                Some(false) => {}
                None => return Err(LineProblem::Switch { field: key.clone() }),
            }
            continue;
        }
        let text = match value {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(LineProblem::FieldType { field: key.clone() }),
        };
        out.push(format!("--{}={text}", flag.long));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sites_line_is_a_batch_line() {
        let mut known = HashMap::new();
        let path = LineFlag {
            id: "path".into(),
            long: "path".into(),
            takes_value: true,
        };
        known.insert("path".to_string(), path);
        let known = Known {
            this: known,
            others: HashMap::new(),
            run_wide: Vec::new(),
        };
        let line = serde_json::json!({
            "path": "/var/www/a",
            "wordpress": {"version": "6.1.9", "multisite": false, "jetpack": true}
        });
        let Value::Object(fields) = line else {
            panic!("not an object")
        };
        assert_eq!(
            line_flags(&fields, &known, "status", &[]).ok(),
            Some(vec!["--path=/var/www/a".to_string()])
        );
        // Any other object is still no flag value.
        let mut other = fields.clone();
        other.insert("path".into(), serde_json::json!({"a": 1}));
        assert!(matches!(
            line_flags(&other, &known, "status", &[]),
            Err(LineProblem::FieldType { .. })
        ));
    }
}
