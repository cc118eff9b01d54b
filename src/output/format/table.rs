//! A table: columns two spaces apart, widths in display columns (a CJK
//! character or an emoji takes two, a combining mark none). Cut to the
//! terminal's width only when stdout is a terminal; in a file or a pipe
//! every cell is whole.

use std::io::IsTerminal;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The table's text, one line per row after the headings. `drop_empty`:
/// a column no row fills (no failures: no error columns) is left out.
pub fn render(heads: &[&str], rows: &[&[String]], drop_empty: bool) -> String {
    let keep: Vec<bool> = (0..heads.len())
        .map(|i| !drop_empty || rows.iter().any(|r| r.get(i).is_some_and(|c| !c.is_empty())))
        .collect();
    let heads = kept(heads.iter().copied(), &keep);
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| kept(r.iter().map(String::as_str), &keep))
        .collect();
    let mut widths: Vec<usize> = heads.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.width());
        }
    }
    if let Some(total) = terminal_width() {
        fit(&mut widths, total);
    }
    let mut text = line(&heads, &widths);
    for row in &rows {
        text.push_str(&line(row, &widths));
    }
    text
}

/// The cells of the columns kept.
fn kept<'a>(cells: impl Iterator<Item = &'a str>, keep: &[bool]) -> Vec<&'a str> {
    cells
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| c)
        .collect()
}

/// One line: each cell cut to its width and padded, but the last.
fn line(cells: &[&str], widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            s.push_str("  ");
        }
        let cut = cut(c, *w);
        s.push_str(&cut);
        if i + 1 < cells.len() {
            s.push_str(&" ".repeat(w.saturating_sub(cut.width())));
        }
    }
    let mut s = s.trim_end().to_string();
    s.push('\n');
    s
}

/// At most `w` display columns, with `…` where something was cut.
fn cut(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// Shrink the widest columns until the line fits (two spaces between
/// columns), keeping every column at least 6 wide.
fn fit(widths: &mut [usize], total: usize) {
    let gaps = 2 * widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > total {
        let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else {
            return;
        };
        if w <= 6 {
            return;
        }
        widths[i] = w - 1;
    }
}

/// The width to fit when stdout is a terminal: `COLUMNS`, else the
/// terminal's, else 100. None (nothing cut) for a file or a pipe.
fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n >= 20)
    {
        return Some(n);
    }
    Some(tty_width().unwrap_or(100))
}

#[cfg(unix)]
fn tty_width() -> Option<usize> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills a winsize struct we own; fd 1 is ours to ask.
    let rc = unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_col >= 20).then_some(usize::from(ws.ws_col))
}

#[cfg(not(unix))]
fn tty_width() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_shrink_to_fit() {
        let mut w = vec![10, 40, 30];
        fit(&mut w, 60);
        assert!(w.iter().sum::<usize>() + 4 <= 60, "{w:?}");
        assert_eq!(w[0], 10);
        assert_eq!(cut("abcdef", 4), "abc…");
    }

    #[test]
    fn widths_are_display_columns() {
        // Two columns each for CJK and emoji, none for a combining mark.
        assert_eq!("日本語".width(), 6);
        assert_eq!("🎉".width(), 2);
        assert_eq!("e\u{301}".width(), 1);
        assert_eq!(cut("日本語です", 5), "日本…");
        assert_eq!(cut("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        let a = ["日本".to_string(), "x".to_string()];
        let b = ["e\u{301}".to_string(), "y".to_string()];
        assert_eq!(
            line(&["site", "v"], &[4, 1]),
            "site  v\n",
            "the widths given are used"
        );
        let rows: [&[String]; 2] = [&a, &b];
        // Narrow enough for any terminal's width to leave it whole.
        assert_eq!(
            render(&["site", "v"], &rows, true),
            "site  v\n日本  x\ne\u{301}     y\n"
        );
    }
}
