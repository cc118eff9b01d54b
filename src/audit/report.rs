//! The audit's output: one JSON line per finding as it is found (each with
//! what to do), or one HTML page at the end; then a summary per kind and
//! product on stderr (text, or one JSON object with `--summary=json`).

use super::html::{self, kinds::KINDS};
use crate::error::{Error, Result};
use crate::output;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Instant;

pub struct Report {
    html: bool,
    run: String,
    /// Findings kept for the page (HTML only), as JSON text: a tenth of
    /// the memory of values.
    kept: Vec<Box<str>>,
    /// kind → product → count.
    counts: BTreeMap<String, BTreeMap<String, usize>>,
    total: usize,
}

impl Report {
    pub fn new(html: bool, run: &str) -> Report {
        Report {
            html,
            run: run.to_string(),
            kept: Vec::new(),
            counts: BTreeMap::new(),
            total: 0,
        }
    }

    /// Add findings: written at once as JSON lines, or kept for the page.
    pub fn all(&mut self, findings: Vec<Value>) -> Result<()> {
        for mut f in findings {
            let kind = f["kind"].as_str().unwrap_or_default().to_string();
            let product = f["product"].as_str().unwrap_or("(no product)").to_string();
            *self
                .counts
                .entry(kind.clone())
                .or_default()
                .entry(product)
                .or_default() += 1;
            self.total += 1;
            if let Some(k) = KINDS.iter().find(|k| k.slug == kind) {
                f["advice"] = Value::String(k.act.to_string());
            }
            f["run"] = Value::String(self.run.clone());
            if self.html {
                self.kept
                    .push(output::redact_value(&f).to_string().into_boxed_str());
            } else {
                output::raw_line(&output::visible::json(&f.to_string())).map_err(|e| failed(&e))?;
            }
        }
        Ok(())
    }

    /// The page (HTML), then the summary.
    pub fn finish(
        self,
        page: &html::Page,
        unread: &[&str],
        started: Instant,
        json_summary: bool,
    ) -> Result<()> {
        if self.html {
            html::write_page(self.kept.as_slice(), page, &mut |chunk| {
                output::raw_chunk(chunk)
            })
            .map_err(|e| failed(&e))?;
        }
        // Quiet: said only when there is something to look at.
        if output::quiet_end() || (output::quiet() && self.total == 0 && unread.is_empty()) {
            return Ok(());
        }
        let by_kind: serde_json::Map<String, Value> = self
            .counts
            .iter()
            .map(|(k, products)| (k.clone(), json!(products)))
            .collect();
        let text = if json_summary {
            output::visible::json(
                &json!({
                    "run": self.run,
                    "sites": page.sites,
                    "activations": page.activations,
                    "unread": unread,
                    "findings": self.total,
                    "by_kind": by_kind,
                    "elapsed_ms": started.elapsed().as_millis() as u64,
                })
                .to_string(),
            )
            .into_owned()
                + "\n"
        } else {
            self.text(page, unread)
        };
        output::stderr(&text);
        Ok(())
    }

    /// `jetpack-partner: audit of 12 sites and 20 billed activations: 5
    /// findings`, then one line per kind with its products.
    fn text(&self, page: &html::Page, unread: &[&str]) -> String {
        let activations = match page.activations {
            Some(n) => plural(n, "billed activation", "billed activations"),
            None => "no billing (no --reporting-token-file)".to_string(),
        };
        let mut s = format!(
            "jetpack-partner: audit of {} and {activations}: {}",
            plural(page.sites, "site", "sites"),
            plural(self.total, "finding", "findings")
        );
        if !unread.is_empty() {
            // The first few by name; every one is in --summary=json.
            let named: Vec<&str> = unread.iter().take(UNREAD_NAMED).copied().collect();
            let more = unread.len().saturating_sub(UNREAD_NAMED);
            s.push_str(&format!(
                "; {} could not be read: {}{}",
                plural(unread.len(), "site", "sites"),
                named.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        s.push('\n');
        for (kind, products) in &self.counts {
            let n: usize = products.values().sum();
            let each: Vec<String> = products.iter().map(|(p, c)| format!("{p} {c}")).collect();
            s.push_str(&format!("  {kind}: {n} ({})\n", each.join(", ")));
        }
        output::visible::visible_keeping(&s, &['\n']).into_owned()
    }
}

/// Unread sites the text summary names (the JSON one names all).
const UNREAD_NAMED: usize = 10;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn failed(e: &std::io::Error) -> Error {
    Error::OutputFailed {
        cause: e.to_string(),
        carried_out: false,
        lost: 0,
    }
}
