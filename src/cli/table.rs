//! How a human table looks: fitted to the terminal (comfy-table's dynamic arrangement) with the
//! columns that must never break (ids) kept whole and the rest cut with `…`; in a pipe every
//! cell whole, no trailing spaces, no colour unless `CLICOLOR_FORCE` asks for it.
//!
//! Not what goes in the tables: [`super::output`] builds the rows.

use std::io::IsTerminal;

use chrono::{DateTime, Utc};
use comfy_table::{
    Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Row, Table, presets,
};

use crate::api::leaks::LEAKED;
use crate::api::types::{TokenInfo, TokenStatus};

/// Whether stdout gets colours: `NO_COLOR` (any non-empty value) wins, then `CLICOLOR_FORCE`
/// (non-empty and not `0`) forces them, else only a terminal gets them (<https://no-color.org>,
/// <https://bixense.com/clicolors/>).
pub(crate) fn stdout_color() -> bool {
    color_from(
        std::env::var_os("NO_COLOR"),
        std::env::var_os("CLICOLOR_FORCE"),
        std::io::stdout().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb"),
    )
}

fn color_from(
    no_color: Option<std::ffi::OsString>,
    force: Option<std::ffi::OsString>,
    terminal: bool,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    terminal
}

/// The width to fit when stdout is a terminal (`COLUMNS` first, then the terminal's own), else
/// None: a pipe gets every cell whole.
pub(crate) fn terminal_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| Table::new().width())
        .or(Some(100))
}

/// How one column behaves when the table must fit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Never cut or wrapped (ids, short fixed words).
    Whole,
    /// Like `Whole`, but left out when the terminal is too narrow for every column.
    Optional,
    /// Shares what is left, at least its header's width; cut with `…` when too long.
    Shrink,
    /// Like `Shrink`, but keeps at least 24 columns: the cell that says the most.
    Prefer,
}

impl Fit {
    /// The narrowest this column may become, given its widest cell (header included).
    fn min_width(self, header: usize, content: usize) -> usize {
        match self {
            Fit::Whole | Fit::Optional => content,
            Fit::Shrink => content.min(header.max(8)),
            Fit::Prefer => content.min(header.max(24)),
        }
    }
}

/// A table with headers and one [`Fit`] per column.
pub(crate) struct HumanTable {
    table: Table,
    columns: Vec<(String, Fit)>,
    width: Option<u16>,
}

impl HumanTable {
    pub(crate) fn new(columns: &[(&str, Fit)]) -> HumanTable {
        HumanTable::with_width(columns, terminal_width(), stdout_color())
    }

    pub(crate) fn with_width(
        columns: &[(&str, Fit)],
        width: Option<u16>,
        color: bool,
    ) -> HumanTable {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING);
        t.set_truncation_indicator("…");
        if color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        match width {
            Some(w) => {
                t.set_content_arrangement(ContentArrangement::Dynamic);
                t.set_width(w);
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        t.set_header(columns.iter().map(|(h, _)| *h).collect::<Vec<_>>());
        let last = columns.len().saturating_sub(1);
        for (i, col) in t.column_iter_mut().enumerate() {
            // gh's layout: nothing before the first column, two spaces between columns.
            col.set_padding((0, if i == last { 0 } else { 2 }));
        }
        HumanTable {
            table: t,
            columns: columns.iter().map(|(h, f)| (h.to_string(), *f)).collect(),
            width,
        }
    }

    /// Column constraints for the terminal's width, once every row is in: whole columns at
    /// their content's width, the others at least their minimum (so a header never wraps), and
    /// optional columns left out while the minimums do not fit.
    fn fit(&mut self, width: u16) {
        let contents = self.table.column_max_content_widths();
        let mins: Vec<usize> = self
            .columns
            .iter()
            .zip(&contents)
            .map(|((h, f), c)| f.min_width(h.chars().count(), *c as usize))
            .collect();
        let mut shown: Vec<bool> = vec![true; mins.len()];
        let need = |shown: &[bool]| {
            let n = shown.iter().filter(|s| **s).count();
            mins.iter()
                .zip(shown)
                .filter(|(_, s)| **s)
                .map(|(m, _)| m)
                .sum::<usize>()
                + 2 * n.saturating_sub(1)
        };
        // The rightmost optional column goes first.
        for i in (0..mins.len()).rev() {
            if need(&shown) <= width as usize {
                break;
            }
            if self.columns[i].1 == Fit::Optional {
                shown[i] = false;
            }
        }
        let constraints: Vec<ColumnConstraint> = self
            .columns
            .iter()
            .zip(&mins)
            .zip(&shown)
            .map(|(((_, fit), min), shown)| match (shown, fit) {
                (false, _) => ColumnConstraint::Hidden,
                (true, Fit::Whole | Fit::Optional) => ColumnConstraint::ContentWidth,
                (true, Fit::Shrink | Fit::Prefer) => ColumnConstraint::LowerBoundary(
                    comfy_table::Width::Fixed(u16::try_from(*min).unwrap_or(u16::MAX)),
                ),
            })
            .collect();
        self.table.set_constraints(constraints);
    }

    pub(crate) fn row(&mut self, cells: Vec<Cell>) {
        let mut row = Row::from(cells);
        if self.width.is_some() {
            // One line a row: a long cell is cut with `…` rather than wrapped mid-word.
            row.max_height(1);
        }
        self.table.add_row(row);
    }

    pub(crate) fn text_row(&mut self, cells: Vec<String>) {
        self.row(cells.into_iter().map(Cell::new).collect());
    }

    /// The table, every line without trailing spaces.
    pub(crate) fn render(mut self) -> String {
        if let Some(width) = self.width {
            self.fit(width);
        }
        let mut out = String::new();
        for line in self.table.lines() {
            out.push_str(&trim_end_styled(&line));
            out.push('\n');
        }
        out
    }
}

/// `line` without trailing spaces, also those a coloured last cell pads inside its colour
/// codes (`\x1b[32mactive \x1b[39m`).
fn trim_end_styled(line: &str) -> String {
    let mut body = line.trim_end();
    let mut codes: Vec<&str> = Vec::new();
    // Peel the colour codes off the end, trim, put them back.
    while body.ends_with('m') {
        let Some(start) = body.rfind('\x1b') else {
            break;
        };
        let code = &body[start..];
        if !code.starts_with("\x1b[")
            || !code[2..code.len() - 1]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ';')
        {
            break;
        }
        codes.push(code);
        body = body[..start].trim_end();
    }
    let mut out = body.to_string();
    for code in codes.iter().rev() {
        out.push_str(code);
    }
    out
}

/// A token's status as a cell: active green, active but expiring within 7 days yellow, expired
/// red, revoked dim, revoked as leaked red (colours only when the table is styled).
pub(crate) fn status_cell(tok: &TokenInfo, now: DateTime<Utc>) -> Cell {
    let cell = Cell::new(super::output::status_label(tok));
    match tok.status {
        TokenStatus::Active
            if tok
                .expires_at
                .is_some_and(|t| t - now <= chrono::Duration::days(7)) =>
        {
            cell.fg(Color::Yellow)
        }
        TokenStatus::Active => cell.fg(Color::Green),
        TokenStatus::Expired => cell.fg(Color::Red),
        // A leaked token is what its owner must act on: it stands out.
        TokenStatus::Revoked if tok.revoked_reason.as_deref() == Some(LEAKED) => {
            cell.fg(Color::Red)
        }
        TokenStatus::Revoked => cell.add_attribute(Attribute::Dim),
    }
}

/// A time relative to now for a table cell: `just now`, `5m ago`, `3h ago`, then days and
/// longer spelled out (`in 6 days`, `2 months ago`).
pub(crate) fn relative_short(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = t - now;
    let future = delta > chrono::Duration::zero();
    let secs = delta.num_seconds().unsigned_abs();
    let short = if secs < 60 {
        return if future { "in a moment" } else { "just now" }.into();
    } else if secs < 3600 - 30 {
        format!("{}m", (secs + 30) / 60)
    } else if secs < 86400 - 1800 {
        format!("{}h", (secs + 1800) / 3600)
    } else {
        return super::output::relative(t, now);
    };
    if future {
        format!("in {short}")
    } else {
        format!("{short} ago")
    }
}

/// An exact time to the second, in UTC: `2026-12-05 14:18:06`.
pub(crate) fn exact(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn no_color_wins_over_clicolor_force_which_wins_over_a_pipe() {
        let s = |v: &str| Some(OsString::from(v));
        assert!(color_from(None, None, true));
        assert!(!color_from(None, None, false));
        assert!(color_from(None, s("1"), false));
        assert!(!color_from(None, s("0"), false));
        assert!(!color_from(s("1"), s("1"), true));
        // An empty NO_COLOR is no NO_COLOR.
        assert!(color_from(s(""), None, true));
    }

    #[test]
    fn trailing_spaces_go_also_inside_colour_codes() {
        assert_eq!(trim_end_styled("a  b   "), "a  b");
        assert_eq!(
            trim_end_styled("x  \x1b[38;5;10mactive \x1b[39m\x1b[m"),
            "x  \x1b[38;5;10mactive\x1b[39m\x1b[m"
        );
        assert_eq!(trim_end_styled("plain"), "plain");
    }

    #[test]
    fn short_relative_times() {
        let now = Utc::now();
        assert_eq!(
            relative_short(now - chrono::Duration::hours(3), now),
            "3h ago"
        );
        assert_eq!(
            relative_short(now + chrono::Duration::minutes(5), now),
            "in 5m"
        );
        assert_eq!(
            relative_short(now + chrono::Duration::days(6), now),
            "in 6 days"
        );
        assert_eq!(relative_short(now, now), "just now");
    }

    #[test]
    fn fitted_tables_keep_ids_whole_and_cut_the_rest() {
        let mut t = HumanTable::with_width(
            &[
                ("ID", Fit::Whole),
                ("NAME", Fit::Shrink),
                ("SCOPES", Fit::Shrink),
            ],
            Some(50),
            false,
        );
        let id = "tk_6ndMEIb7zZB6JdXXlR4g";
        t.text_row(vec![
            id.into(),
            "a-very-long-token-name-for-the-deploy-pipeline".into(),
            "tokens:read, tokens:write, audit:read".into(),
        ]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[1].starts_with(id), "{text}");
        assert!(lines[1].contains('…'), "{text}");
        for l in &lines {
            assert!(l.chars().count() <= 50, "{text}");
            assert_eq!(*l, l.trim_end());
        }
        // Too narrow for every column: the optional one goes, no header wraps.
        let mut t = HumanTable::with_width(
            &[
                ("ID", Fit::Whole),
                ("OWNER", Fit::Shrink),
                ("LAST USED", Fit::Optional),
                ("STATUS", Fit::Whole),
            ],
            Some(40),
            false,
        );
        t.text_row(vec![
            id.into(),
            "alice@example.com".into(),
            "3h ago".into(),
            "active".into(),
        ]);
        let text = t.render();
        assert!(!text.contains("LAST USED"), "{text}");
        assert!(text.lines().next().unwrap().contains("OWNER"), "{text}");
        assert_eq!(text.lines().count(), 2, "{text}");
        // In a pipe: everything whole, still no trailing spaces.
        let mut t = HumanTable::with_width(&[("A", Fit::Shrink), ("B", Fit::Shrink)], None, false);
        t.text_row(vec!["long value here".into(), "x".into()]);
        t.text_row(vec!["y".into(), "".into()]);
        let text = t.render();
        assert!(text.contains("long value here  x"), "{text}");
        assert!(text.lines().all(|l| l == l.trim_end()), "{text:?}");
    }
}
