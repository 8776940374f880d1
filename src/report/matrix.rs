//! The clause × outcome matrix, as the end-of-run text and as a Markdown table.
//!
//! One row per clause a result exercised or broke (from the tally's `clauses`, in the order of
//! `CLAUSES.md`): its level, how many results touched it, and how they ended for that clause
//! (pass, fail, warn, known, setup, not run), with the first case that broke it. Columns that
//! are zero on every row are left out of the text, so a clean run reads as one column of
//! passes; clauses of the run's profile that no result exercised (a filter, a partition) are
//! named on one line under the table. The JSON report carries the same rows (`clauses`).

use std::fmt::Write as _;

use super::style::Paint;
use crate::check::Outcome;
use crate::result::{ClauseRow, Tally};
use crate::spec::clause::{ClauseId, Profile};

/// The outcome columns, in display order, with their headings.
const COLUMNS: [(Outcome, &str); 6] = [
    (Outcome::Pass, "pass"),
    (Outcome::Fail, "fail"),
    (Outcome::Warn, "warn"),
    (Outcome::Known, "known"),
    (Outcome::Setup, "setup"),
    (Outcome::Skip, "not run"),
];

/// The rows of the matrix in `CLAUSES.md` order.
pub fn rows(tally: &Tally) -> Vec<(ClauseId, &ClauseRow)> {
    ClauseId::ALL
        .iter()
        .filter_map(|clause| tally.clauses.get(clause).map(|row| (*clause, row)))
        .collect()
}

/// Clauses of `profile` no result exercised.
pub fn not_exercised(tally: &Tally, profile: Profile) -> Vec<ClauseId> {
    ClauseId::ALL
        .iter()
        .copied()
        .filter(|clause| profile.has(*clause) && !tally.clauses.contains_key(clause))
        .collect()
}

/// Outcome columns with a non-zero count on some row (pass and fail always).
fn shown_columns(rows: &[(ClauseId, &ClauseRow)]) -> Vec<(Outcome, &'static str)> {
    COLUMNS
        .iter()
        .copied()
        .filter(|(outcome, _)| {
            matches!(outcome, Outcome::Pass | Outcome::Fail)
                || rows.iter().any(|(_, row)| row.counts.of(*outcome) > 0)
        })
        .collect()
}

/// The matrix as aligned text for the end of a run, painted with `paint`.
pub fn text(tally: &Tally, profile: Profile, paint: Paint) -> String {
    let rows = rows(tally);
    let columns = shown_columns(&rows);
    let width = rows
        .iter()
        .map(|(clause, _)| clause.id().len())
        .max()
        .unwrap_or(0)
        .max("clause".len());
    let mut out = String::new();
    let _ = write!(
        out,
        "{:<width$}  {:<6}  {:>7}",
        "clause", "level", "results"
    );
    for (_, heading) in &columns {
        let _ = write!(out, "  {heading:>7}");
    }
    let with_failures = rows.iter().any(|(_, row)| row.first_failure.is_some());
    if with_failures {
        out.push_str("  first failure");
    }
    out.push('\n');
    for (clause, row) in &rows {
        let _ = write!(
            out,
            "{:<width$}  {:<6}  {:>7}",
            clause.id(),
            clause.level().to_string(),
            row.counts.total()
        );
        for (outcome, _) in &columns {
            let count = row.counts.of(*outcome);
            let cell = format!("{count:>7}");
            let painted = match outcome {
                _ if count == 0 => cell,
                Outcome::Fail => paint.red(&cell),
                Outcome::Warn => paint.yellow(&cell),
                Outcome::Known | Outcome::Setup | Outcome::Skip => paint.cyan(&cell),
                Outcome::Pass => paint.green(&cell),
            };
            let _ = write!(out, "  {painted}");
        }
        if let Some(first) = &row.first_failure {
            let _ = write!(out, "  {first}");
        }
        out.push('\n');
    }
    let missing = not_exercised(tally, profile);
    if !missing.is_empty() {
        let ids: Vec<&str> = missing.iter().map(|c| c.id()).collect();
        let _ = writeln!(out, "not exercised by this run: {}", ids.join(", "));
    }
    out
}

/// The matrix as a Markdown table (every outcome column, zero or not, so tables of different
/// runs line up).
pub fn markdown(tally: &Tally, profile: Profile) -> String {
    let rows = rows(tally);
    let mut out = String::from("| clause | level | results |");
    for (_, heading) in COLUMNS {
        let _ = write!(out, " {heading} |");
    }
    out.push_str(" first failure |\n|---|---|---:|");
    for _ in COLUMNS {
        out.push_str("---:|");
    }
    out.push_str("---|\n");
    for (clause, row) in &rows {
        let _ = write!(
            out,
            "| `{}` | {} | {} |",
            clause.id(),
            clause.level(),
            row.counts.total()
        );
        for (outcome, _) in COLUMNS {
            let count = row.counts.of(outcome);
            let cell = match outcome {
                Outcome::Fail if count > 0 => format!("**{count}**"),
                _ => count.to_string(),
            };
            let _ = write!(out, " {cell} |");
        }
        match &row.first_failure {
            Some(first) => {
                let _ = writeln!(out, " `{}` |", first.replace('|', "\\|"));
            }
            None => out.push_str("  |\n"),
        }
    }
    let missing = not_exercised(tally, profile);
    if !missing.is_empty() {
        let ids: Vec<String> = missing.iter().map(|c| format!("`{}`", c.id())).collect();
        let _ = writeln!(out, "\nNot exercised by this run: {}.", ids.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Counts;

    fn tally() -> Tally {
        let mut tally = Tally::default();
        let mut status = ClauseRow::default();
        status.counts.pass = 3;
        status.counts.fail = 2;
        status.first_failure = Some("url/chars-513".into());
        tally.clauses.insert(ClauseId::RespInvalidStatus, status);
        let url = ClauseRow {
            counts: Counts {
                pass: 5,
                ..Counts::default()
            },
            first_failure: None,
        };
        tally.clauses.insert(ClauseId::ReqUrlMaxLength, url);
        tally
    }

    #[test]
    fn the_text_leaves_out_empty_columns_and_names_unexercised_clauses() {
        let text = text(&tally(), Profile::Seed, Paint::plain());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("clause "), "{text}");
        assert!(
            lines[0].contains("pass") && lines[0].contains("fail"),
            "{text}"
        );
        assert!(
            !lines[0].contains("warn") && !lines[0].contains("known"),
            "{text}"
        );
        assert!(lines[0].ends_with("first failure"), "{text}");
        // CLAUSES.md order: the request rule first.
        assert!(lines[1].starts_with("req.url.max-length "), "{text}");
        assert!(lines[2].ends_with("url/chars-513"), "{text}");
        assert!(
            lines[3].starts_with("not exercised by this run: req.path, "),
            "{text}"
        );
        assert!(!lines[3].contains("cur."), "seed profile: {text}");
    }

    #[test]
    fn the_markdown_table_has_every_column() {
        let table = markdown(&tally(), Profile::Seed);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "| clause | level | results | pass | fail | warn | known | setup | not run | first failure |"
        );
        assert_eq!(
            lines[3],
            "| `resp.invalid.status` | MUST | 5 | 3 | **2** | 0 | 0 | 0 | 0 | `url/chars-513` |"
        );
    }
}
