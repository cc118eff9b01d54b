//! Totals as an inline SVG bar chart: horizontal bars with their labels and
//! counts as text, so it reads without colour, prints (fills are attributes,
//! not styles) and needs nothing from outside the page.

use super::escape;
use std::fmt::Write;

pub struct Bar<'a> {
    pub label: &'a str,
    pub count: usize,
    pub colour: &'a str,
    /// The index of the kind's section, which the bar links to.
    pub section: Option<usize>,
}

const WIDTH: usize = 960;
const LABEL_END: usize = 262;
const BAR_X: usize = 272;
const BAR_MAX: usize = 600;
const ROW: usize = 28;
const HEADING: usize = 32;
/// Characters of a label that fit left of the bars at 13px.
const LABEL_CHARS: usize = 34;

/// Both groups of bars, on one scale so their lengths compare.
pub fn push(out: &mut String, by_kind: &[Bar], by_product: &[Bar]) {
    let max = by_kind
        .iter()
        .chain(by_product)
        .map(|b| b.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let height = 2 * HEADING + (by_kind.len() + by_product.len()) * ROW + 12;
    let _ = write!(
        out,
        "<figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"chart-t chart-d\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\
         <title id=\"chart-t\">Findings by kind and by product</title><desc id=\"chart-d\">"
    );
    describe(out, "By kind", by_kind);
    describe(out, " By product", by_product);
    out.push_str("</desc>\n");
    let mut y = 0;
    for (title, bars) in [("By kind", by_kind), ("By product", by_product)] {
        let _ = writeln!(
            out,
            "<text class=\"group\" x=\"0\" y=\"{}\">{title}</text>",
            y + 22
        );
        y += HEADING;
        for bar in bars {
            row(out, bar, y, max);
            y += ROW;
        }
    }
    out.push_str("</svg></figure>\n");
}

/// The same totals as one sentence, for screen readers.
fn describe(out: &mut String, title: &str, bars: &[Bar]) {
    out.push_str(title);
    out.push(':');
    for (i, bar) in bars.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { "; " });
        escape::plain(out, bar.label);
        let _ = write!(out, " {}", bar.count);
    }
    out.push('.');
}

fn row(out: &mut String, bar: &Bar, y: usize, max: usize) {
    // At least 2 units wide so a count of 1 in a big fleet is still seen.
    let width = (bar.count * BAR_MAX / max).max(2);
    out.push_str("<g class=\"row\"><title>");
    escape::plain(out, bar.label);
    let _ = write!(out, ": {}</title>", bar.count);
    let _ = write!(
        out,
        "<text class=\"label\" x=\"{LABEL_END}\" y=\"{}\" text-anchor=\"end\">",
        y + 18
    );
    escape::plain_cut(out, bar.label, LABEL_CHARS);
    out.push_str("</text>");
    let rect = format!(
        "<rect class=\"bar\" x=\"{BAR_X}\" y=\"{}\" width=\"{width}\" height=\"18\" rx=\"2\" \
         fill=\"{}\" data-count=\"{}\"",
        y + 5,
        bar.colour,
        bar.count
    );
    match bar.section {
        Some(i) => {
            let _ = write!(
                out,
                "<a href=\"#kind-{i}\">{rect} data-section=\"kind-{i}\"/></a>"
            );
        }
        None => {
            let _ = write!(out, "{rect}/>");
        }
    }
    let _ = writeln!(
        out,
        "<text class=\"count\" x=\"{}\" y=\"{}\">{}</text></g>",
        BAR_X + width + 8,
        y + 18,
        bar.count
    );
}
