//! `audit --format=html`: the findings as one self-contained page to attach
//! to a ticket or hand to billing. Nothing on it loads anything (no network,
//! no font, no image; a Content-Security-Policy forbids it), it reads
//! completely without JavaScript, and everything from a finding is escaped:
//! site names come from folder names customers create and from the API.

mod chart;
mod escape;
pub mod kinds;
#[cfg(test)]
mod tests;

use kinds::{Kind, KINDS};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The findings a page shows, read one at a time: a list of values, or
/// (what `audit` keeps, a fraction of the memory) their JSON text.
pub trait Rows {
    fn count(&self) -> usize;
    /// Finding `i`; text that is not JSON shows as a string.
    fn row(&self, i: usize) -> Cow<'_, Value>;
}

impl Rows for [Value] {
    fn count(&self) -> usize {
        self.len()
    }
    fn row(&self, i: usize) -> Cow<'_, Value> {
        Cow::Borrowed(&self[i])
    }
}

impl Rows for [Box<str>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn row(&self, i: usize) -> Cow<'_, Value> {
        let text = &self[i];
        Cow::Owned(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())))
    }
}

/// Written out whenever this much of the page is ready.
const CHUNK: usize = 256 * 1024;

pub struct Page<'a> {
    /// RFC 3339 UTC time of the run.
    pub generated: &'a str,
    pub run: &'a str,
    /// Local sites looked at.
    pub sites: usize,
    /// Billed activations read; None when no reporting token was given.
    pub activations: Option<usize>,
}

const CSS: &str = include_str!("html/page.css");
const SCRIPT: &str = include_str!("html/filter.js");
/// `base64(sha256(CSS))` and of SCRIPT, for the Content-Security-Policy,
/// which then lets only these two run even if escaping ever failed.
/// After editing a file: `openssl dgst -sha256 -binary < FILE | base64`
/// (a unit test fails with the new value when they are stale).
const CSS_SHA256: &str = "fBp5uhCVLOZUiB5rgn+mmSINw0k4op0Y4puMjyZqfZM=";
const SCRIPT_SHA256: &str = "ma0S1BIgIpOd2uFDBR4laGlfbbjKvSbHWcelHwuZUlQ=";
/// Product bars shown; the rest are summed into one bar.
const PRODUCT_BARS: usize = 20;
const PRODUCT_COLOUR: &str = "#475467";

/// One kind's findings (their indices), in the order audit printed them.
struct Group {
    slug: String,
    kind: Option<&'static Kind>,
    colour: usize,
    rows: Vec<usize>,
}

impl Group {
    fn label(&self) -> &str {
        match (self.kind, self.slug.as_str()) {
            (Some(k), _) => k.label,
            (None, "") => "(no kind given)",
            (None, slug) => slug,
        }
    }

    fn colour(&self) -> &'static str {
        self.kind.map_or(kinds::OTHER_COLOUR, |k| k.colour)
    }
}

/// The whole page; `findings` are the JSON lines audit prints.
pub fn render(findings: &[Value], page: &Page) -> String {
    let mut page_text = String::new();
    let _ = write_page(findings, page, &mut |chunk: &str| {
        page_text.push_str(chunk);
        Ok(())
    });
    page_text
}

/// The whole page, handed to `sink` a chunk at a time (a page of 20 000
/// findings is never whole in memory); the sink's first error stops it.
pub fn write_page<R: Rows + ?Sized>(
    findings: &R,
    page: &Page,
    sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let groups = group(findings);
    let mut out = String::with_capacity(CHUNK + 16 * 1024);
    head(&mut out, page);
    header(&mut out, page, findings.count(), groups.len());
    if findings.count() == 0 {
        nothing_found(&mut out, page);
    } else {
        totals(&mut out, findings, &groups);
        out.push_str(
            "<div class=\"filter\" id=\"filter-wrap\" hidden><label for=\"filter\">Filter \
             findings</label><input id=\"filter\" type=\"search\" autocomplete=\"off\" \
             spellcheck=\"false\" placeholder=\"site, blog id, product, evidence…\">\
             <span id=\"filter-status\" aria-live=\"polite\"></span></div>\n",
        );
        for (i, g) in groups.iter().enumerate() {
            section(&mut out, i, g, findings, sink)?;
        }
    }
    let _ = write!(
        out,
        "<footer>Written by jetpack-partner {} audit. This page loads nothing from the \
         network: it can be attached to a ticket or archived as it is.</footer>\n</main>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    sink(&out)
}

fn nothing_found(out: &mut String, page: &Page) {
    let _ = write!(
        out,
        "<section class=\"nothing\"><h2>Nothing found</h2><p>Audit looked at {} site{}",
        page.sites,
        if page.sites == 1 { "" } else { "s" }
    );
    match page.activations {
        Some(n) => {
            let _ = write!(
                out,
                " and {n} billed activation{}",
                if n == 1 { "" } else { "s" }
            );
        }
        None => out.push_str(" (billed activations were not read)"),
    }
    out.push_str(" and found nothing to act on.</p></section>\n");
}

fn kind_of(f: &Value) -> &str {
    f.get("kind").and_then(Value::as_str).unwrap_or("")
}

/// Known kinds in `KINDS` order, then unknown ones by name.
fn group<R: Rows + ?Sized>(findings: &R) -> Vec<Group> {
    let mut known: Vec<Vec<usize>> = vec![Vec::new(); KINDS.len()];
    let mut other: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for n in 0..findings.count() {
        let f = findings.row(n);
        match kinds::find(kind_of(&f)) {
            (Some(_), i) => known[i].push(n),
            (None, _) => other.entry(kind_of(&f).to_string()).or_default().push(n),
        }
    }
    let known = known.into_iter().zip(&KINDS).enumerate();
    let known = known.filter(|(_, (rows, _))| !rows.is_empty());
    known
        .map(|(i, (rows, k))| Group {
            slug: k.slug.to_string(),
            kind: Some(k),
            colour: i,
            rows,
        })
        .chain(other.into_iter().map(|(slug, rows)| Group {
            slug,
            kind: None,
            colour: KINDS.len(),
            rows,
        }))
        .collect()
}

fn head(out: &mut String, page: &Page) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'sha256-{CSS_SHA256}'; script-src 'sha256-{SCRIPT_SHA256}'; \
         base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n<title>Jetpack fleet audit, "
    );
    escape::plain(out, page.generated);
    let _ = write!(
        out,
        "</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
    );
}

fn header(out: &mut String, page: &Page, findings: usize, kinds: usize) {
    out.push_str(
        "<header>\n<p class=\"eyebrow\">jetpack-partner audit</p>\n<h1>Jetpack fleet \
         audit</h1>\n<p class=\"lead\">What <code>jetpack-partner audit</code> found when \
         it compared the sites on this server with what Jetpack reports for each and with \
         the activations the partner account is billed for. The audit is read-only: \
         nothing was changed.</p>\n<dl class=\"meta\">",
    );
    meta(out, "Generated", |o| escape::html(o, page.generated));
    meta(out, "Run id", |o| escape::html(o, page.run));
    meta(out, "Sites looked at", |o| push_num(o, page.sites));
    meta(out, "Billed activations read", |o| match page.activations {
        Some(n) => push_num(o, n),
        None => o.push_str("<span class=\"none\">not read: no --reporting-token-file</span>"),
    });
    meta(out, "Findings", |o| match findings {
        0 => o.push_str("none"),
        n => {
            let _ = write!(
                o,
                "{n} in {kinds} kind{}",
                if kinds == 1 { "" } else { "s" }
            );
        }
    });
    out.push_str("</dl>\n");
    if page.activations.is_none() {
        out.push_str(
            "<p class=\"note\">Without the billed activations, the billing checks \
             (billed without a local site, product not billed) were not made.</p>\n",
        );
    }
    out.push_str("</header>\n");
}

fn meta(out: &mut String, term: &str, value: impl FnOnce(&mut String)) {
    let _ = write!(out, "<div><dt>{term}</dt><dd>");
    value(out);
    out.push_str("</dd></div>");
}

fn push_num(out: &mut String, n: usize) {
    let _ = write!(out, "{n}");
}

/// The chart: per kind (in section order) and per product (most first).
fn totals<R: Rows + ?Sized>(out: &mut String, findings: &R, groups: &[Group]) {
    let by_kind: Vec<chart::Bar> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| chart::Bar {
            label: g.label(),
            count: g.rows.len(),
            colour: g.colour(),
            section: Some(i),
        })
        .collect();
    let mut products: BTreeMap<String, usize> = BTreeMap::new();
    for n in 0..findings.count() {
        let f = findings.row(n);
        let name = match f.get("product") {
            None | Some(Value::Null) => "(no product)".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        *products.entry(name).or_default() += 1;
    }
    let mut products: Vec<(String, usize)> = products.into_iter().collect();
    // Stable sort: equal counts stay in name order, so output is deterministic.
    products.sort_by_key(|p| std::cmp::Reverse(p.1));
    let rest: usize = products.iter().skip(PRODUCT_BARS).map(|p| p.1).sum();
    let others = products.len().saturating_sub(PRODUCT_BARS);
    let rest_label = format!("({others} other products)");
    let mut by_product: Vec<chart::Bar> = products
        .iter()
        .take(PRODUCT_BARS)
        .map(|(name, count)| chart::Bar {
            label: name,
            count: *count,
            colour: PRODUCT_COLOUR,
            section: None,
        })
        .collect();
    if others > 0 {
        by_product.push(chart::Bar {
            label: &rest_label,
            count: rest,
            colour: PRODUCT_COLOUR,
            section: None,
        });
    }
    out.push_str("<h2 class=\"totals\">Totals</h2>\n");
    chart::push(out, &by_kind, &by_product);
}

/// One kind's section; the page so far goes to `sink` whenever a chunk is
/// ready.
fn section<R: Rows + ?Sized>(
    out: &mut String,
    i: usize,
    g: &Group,
    findings: &R,
    sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let _ = write!(
        out,
        "<section class=\"kind c{}\" id=\"kind-{i}\" data-count=\"{}\">\n<h2><span \
         class=\"swatch\"></span>",
        g.colour,
        g.rows.len()
    );
    match g.kind {
        Some(k) => out.push_str(k.title),
        None => {
            out.push_str("Other finding: ");
            escape::html(out, g.label());
        }
    }
    let _ = write!(
        out,
        " <span class=\"n\">{}</span></h2>\n<p class=\"slug\">",
        g.rows.len()
    );
    if g.slug.is_empty() {
        out.push_str("lines without a <code>kind</code>");
    } else {
        out.push_str("kind <code>");
        escape::html(out, &g.slug);
        out.push_str("</code>");
    }
    let (todo, act) = g
        .kind
        .map_or((kinds::OTHER_TODO, kinds::OTHER_ACT), |k| (k.todo, k.act));
    let _ = write!(
        out,
        "</p>\n<p class=\"todo\"><strong>What to do:</strong> {todo}</p>\n\
         <table>\n<thead><tr><th class=\"site\">Site</th><th class=\"blog\">Blog id</th>\
         <th class=\"product\">Product</th><th class=\"evidence\">Evidence</th>\
         <th class=\"advice\">What to do</th></tr></thead>\n<tbody>\n"
    );
    for &n in &g.rows {
        row(out, &findings.row(n), act);
        if out.len() >= CHUNK {
            sink(out)?;
            out.clear();
        }
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
    Ok(())
}

/// `act`: what to do when the line brings no advice of its own.
fn row(out: &mut String, f: &Value, act: &str) {
    out.push_str("<tr class=\"finding\"><td class=\"site\">");
    value(out, f.get("site"));
    out.push_str("</td><td class=\"blog\">");
    value(out, f.get("blog_id"));
    out.push_str("</td><td class=\"product\">");
    value(out, f.get("product"));
    out.push_str("</td><td class=\"evidence\">");
    // A line that is not an object is shown whole, as its own evidence.
    evidence(
        out,
        if f.is_object() {
            f.get("evidence")
        } else {
            Some(f)
        },
    );
    match f.get("advice") {
        Some(Value::String(a)) => {
            out.push_str("</td><td class=\"advice\">");
            escape::html(out, a);
        }
        _ => {
            out.push_str("</td><td class=\"advice default\">");
            out.push_str(act);
        }
    }
    out.push_str("</td></tr>\n");
}

/// A string as its text, anything else as compact JSON, missing as a dash.
fn value(out: &mut String, v: Option<&Value>) {
    match v {
        None | Some(Value::Null) => out.push_str("<span class=\"none\">—</span>"),
        Some(Value::String(s)) if s.is_empty() => out.push_str("<span class=\"none\">\"\"</span>"),
        Some(Value::String(s)) => escape::html(out, s),
        Some(v) => escape::html(out, &v.to_string()),
    }
}

fn evidence(out: &mut String, v: Option<&Value>) {
    match v {
        Some(Value::Object(m)) if !m.is_empty() => {
            out.push_str("<ul class=\"ev\">");
            for (k, v) in m {
                out.push_str("<li><span class=\"k\">");
                escape::html(out, k);
                out.push_str(":</span> ");
                value(out, Some(v));
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        Some(Value::Object(_)) => value(out, None),
        v => value(out, v),
    }
}
