//! CSV rows (RFC 4180): a cell with a comma, a quote or a line break is
//! quoted, so it keeps its value (a folder name with a newline still names
//! the folder); a cell a spreadsheet would run as a formula is made text.

/// One row: its cells, each quoted where needed and guarded.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

/// A cell. A value a spreadsheet would run as a formula (`=HYPERLINK(…)`
/// in a site's answer) gets a leading `'`, as OWASP advises: the sheet
/// shows it as text. Spreadsheets skip leading blanks before a formula,
/// and read a leading tab or carriage return as one, so those count too.
fn cell(s: &str) -> String {
    let guarded;
    let s = if formula(s) {
        guarded = format!("'{s}");
        guarded.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Whether a spreadsheet could take the cell for a formula: it starts with
/// a tab or a carriage return, or with `=`, `+`, `-` or `@` after any
/// blanks — unless it is a plain number (`-12.5`).
fn formula(s: &str) -> bool {
    if s.starts_with(['\t', '\r']) {
        return true;
    }
    s.trim_start().starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_text() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+1 day"), "'+1 day");
        assert_eq!(cell("-12.5"), "-12.5");
        assert_eq!(cell("premium"), "premium");
        assert_eq!(cell("a-b"), "a-b");
    }

    #[test]
    fn a_formula_behind_blanks_tab_or_cr_is_text_too() {
        assert_eq!(cell(" =1+1"), "' =1+1");
        assert_eq!(cell("   @SUM(A1)"), "'   @SUM(A1)");
        assert_eq!(cell("\t=1+1"), "'\t=1+1");
        assert_eq!(cell("\r=1+1"), "\"'\r=1+1\"");
        assert_eq!(cell("\n=1+1"), "\"'\n=1+1\"");
        assert_eq!(cell("\tplain"), "'\tplain");
        assert_eq!(cell(" -12.5"), "' -12.5");
    }

    #[test]
    fn csv_quotes_what_needs_it_and_keeps_line_breaks() {
        assert_eq!(cell("a"), "a");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("/var/www/a\nb"), "\"/var/www/a\nb\"");
        assert_eq!(line(&["a", "b,c", ""]), "a,\"b,c\",");
    }
}
