//! The console text at the end of a run: a finished [`RunRecord`] and what came after it in,
//! lines for stdout and stderr out. Used by `run` and `merge-reports` alike, so a merged run
//! ends as its whole run would have.
//!
//! [`end_of_run`] gives, in order: the setup problems, why the run stopped, what did not run,
//! the clause × outcome [`matrix`](super::matrix), the baseline's entries (expired ones as
//! errors), the choices the target made on MAY clauses, answers 429, report errors, where a
//! baseline was written, the differences from a parity recording, where a recording was written
//! and the summary line (green when the run conforms, else red).
//! [`connections`] gives the run's last lines: what became of the connections it created. The
//! CLI prints the lines; nothing here prints or decides an exit code.

use std::path::Path;

use super::matrix;
use super::style::Paint;
use super::{may_choices, setup_problems, skip_reasons, summary_line};
use crate::result::{EntryState, RunRecord};
use crate::spec::clause::Profile;

/// One line of console text and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A line for stdout.
    Out(String),
    /// A line for stderr (errors and what cut the run short).
    Err(String),
}

/// What the end of a run shows besides its record (all empty for a merged run).
#[derive(Debug, Clone, Copy, Default)]
pub struct Aftermath<'a> {
    /// Answers 429 and how many requests were retried after them.
    pub throttled: (u64, u64),
    /// Reports that could not be written.
    pub report_errors: &'a [String],
    /// Where `--write-baseline` wrote (said only when every report was written).
    pub baseline_written: Option<&'a Path>,
    /// Where `--record` wrote the recording.
    pub recorded_to: Option<&'a Path>,
}

/// The end-of-run text of `record`, judged by `profile`, followed by its `aftermath`.
pub fn end_of_run(
    record: &RunRecord,
    profile: Profile,
    aftermath: &Aftermath<'_>,
    paint: Paint,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let tally = &record.tally;
    for problem in setup_problems(tally) {
        lines.push(Line::Err(format!("setup problem: {problem}")));
    }
    if let Some(reason) = &record.stopped {
        lines.push(Line::Err(format!("run stopped: {reason}")));
    }
    for reason in skip_reasons(tally) {
        lines.push(Line::Out(format!("not run: {reason}")));
    }
    if tally.counts.total() > 0 {
        lines.push(Line::Out("clauses:".into()));
        let text = matrix::text(tally, profile, paint);
        lines.extend(text.lines().map(|line| Line::Out(line.to_owned())));
    }
    if let Some(baseline) = &record.baseline {
        lines.push(Line::Out(format!("baseline {}:", baseline.path)));
        for entry in &baseline.entries {
            let line = format!("  {}", entry.describe());
            lines.push(match entry.state() {
                EntryState::Expired => {
                    Line::Err(format!("error: baseline entry {}", entry.describe()))
                }
                EntryState::Known => Line::Out(paint.cyan(&line)),
                EntryState::Fixed => Line::Out(paint.yellow(&line)),
                EntryState::Unused => Line::Out(line),
            });
        }
    }
    let choices = may_choices(tally);
    if !choices.is_empty() {
        lines.push(Line::Out("choices on MAY clauses:".into()));
        lines.extend(
            choices
                .iter()
                .map(|choice| Line::Out(format!("  {choice}"))),
        );
    }
    let (throttled, retried) = aftermath.throttled;
    if throttled > 0 {
        lines.push(Line::Out(format!(
            "throttled: {throttled} answers 429 ({retried} retried after back-off); not conformance results"
        )));
    }
    if let Some(line) = record.concurrency.as_ref().and_then(|c| c.summary()) {
        lines.push(Line::Out(line));
    }
    for error in aftermath.report_errors {
        lines.push(Line::Err(format!("error: {error}")));
    }
    if let (Some(path), true) = (
        aftermath.baseline_written,
        aftermath.report_errors.is_empty(),
    ) {
        lines.push(Line::Out(format!(
            "baseline written to {} (review each entry)",
            path.display()
        )));
    }
    let parity = &tally.parity;
    if parity.compared + parity.not_recorded > 0 {
        lines.extend(parity.kept.iter().map(|text| Line::Out(text.clone())));
        lines.extend(parity.lines().into_iter().map(Line::Out));
    }
    if let Some(dir) = aftermath.recorded_to {
        lines.push(Line::Out(format!("recording written to {}", dir.display())));
    }
    let summary = summary_line(record);
    lines.push(Line::Out(if record.conforms() {
        paint.green(&summary)
    } else {
        paint.red(&summary)
    }));
    lines
}

/// What became of the connections a run created.
#[derive(Debug, Clone)]
pub enum Connections {
    /// Created in the embedded mock, gone with it.
    InMock,
    /// Left on purpose (`--keep`), this many still live.
    Kept {
        /// Connections the ledger lists as live.
        live: usize,
    },
    /// Not cleaned up: the target offers no DELETE or show (`why`); this many still live.
    CreateOnly {
        /// What the preflight's probe found.
        why: String,
        /// Connections the ledger lists as live.
        live: usize,
    },
    /// Deleted by the cleanup as far as it could.
    Swept {
        /// Deletions confirmed.
        deleted: u64,
        /// Of those, connections found by the run id that the ledger did not list.
        found_by_name: u64,
        /// Connections still live: id, the case that created it, why it is left.
        left: Vec<(String, String, String)>,
        /// The command that finishes the cleanup, when something is left and a ledger lists it.
        recover: Option<String>,
    },
}

/// Connections listed one by one before the closing line; the rest are counted.
const LEFT_LISTED: usize = 20;

/// The run's last lines: `created` connections and what became of them (`fate`); `unidentified`
/// were created without a `connection_id` (their names end in `-{run_id}`), `ledger` lists them.
pub fn connections(
    created: u64,
    fate: &Connections,
    unidentified: u64,
    run_id: &str,
    ledger: Option<&Path>,
) -> Vec<Line> {
    let unknown = if unidentified > 0 {
        format!(
            ", {unidentified} created without a connection_id (not deletable by id; their names end in -{run_id})"
        )
    } else {
        String::new()
    };
    let listed = ledger
        .map(|path| format!(" (ledger {})", path.display()))
        .unwrap_or_default();
    match fate {
        Connections::InMock => vec![Line::Out(format!(
            "connections: {created} created in the embedded mock, gone with it (nothing to clean up)"
        ))],
        Connections::Kept { live } => vec![Line::Out(format!(
            "connections: {created} created, kept (--keep): {live} live{listed}{unknown}"
        ))],
        Connections::CreateOnly { why, live } => vec![Line::Out(format!(
            "connections: {created} created, none cleaned up: {why}; {live} live{listed}{unknown}"
        ))],
        Connections::Swept {
            deleted,
            found_by_name,
            left,
            recover,
        } => {
            let mut lines: Vec<Line> = left
                .iter()
                .take(LEFT_LISTED)
                .map(|(id, case, why)| Line::Err(format!("left: connection {id} (case {case}): {why}")))
                .collect();
            if left.len() > LEFT_LISTED {
                lines.push(Line::Err(format!(
                    "left: ... and {} more",
                    left.len() - LEFT_LISTED
                )));
            }
            let found = if *found_by_name > 0 {
                format!(
                    " ({found_by_name} of them not in the ledger: creates whose answer was lost, found by the run id)"
                )
            } else {
                String::new()
            };
            let recover = recover
                .as_ref()
                .map(|command| format!("; finish with: {command}"))
                .unwrap_or_default();
            lines.push(Line::Out(format!(
                "connections: {created} created, {deleted} deleted{found}, {} left{listed}{unknown}{recover}",
                left.len()
            )));
            lines
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Tally;
    use std::time::Duration;

    fn record(stopped: Option<&str>) -> RunRecord {
        RunRecord {
            target: "http://127.0.0.1:1".into(),
            tally: Tally::default(),
            requests: 0,
            elapsed: Duration::ZERO,
            strict: false,
            stopped: stopped.map(str::to_owned),
            baseline: None,
            concurrency: None,
        }
    }

    #[test]
    fn errors_go_to_stderr_and_the_summary_comes_last() {
        let errors = ["cannot write out.json: denied".to_owned()];
        let aftermath = Aftermath {
            throttled: (3, 2),
            report_errors: &errors,
            baseline_written: Some(Path::new("baseline.toml")),
            recorded_to: None,
        };
        let lines = end_of_run(
            &record(Some("interrupted by SIGINT")),
            Profile::Seed,
            &aftermath,
            Paint::plain(),
        );
        assert_eq!(
            lines[0],
            Line::Err("run stopped: interrupted by SIGINT".into())
        );
        assert!(lines.contains(&Line::Err("error: cannot write out.json: denied".into())));
        assert!(lines.contains(&Line::Out(
            "throttled: 3 answers 429 (2 retried after back-off); not conformance results".into()
        )));
        assert!(
            !lines
                .iter()
                .any(|line| matches!(line, Line::Out(text) if text.contains("baseline written"))),
            "no baseline is said to be written when a report failed: {lines:?}"
        );
        assert!(
            matches!(lines.last(), Some(Line::Out(text)) if text.starts_with("0 passed, 0 failed")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_sweep_lists_what_is_left_and_how_to_finish() {
        let left: Vec<_> = (0..22)
            .map(|i| {
                (
                    format!("id{i}"),
                    "valid/minimal".to_owned(),
                    "still CREATING".to_owned(),
                )
            })
            .collect();
        let fate = Connections::Swept {
            deleted: 5,
            found_by_name: 1,
            left,
            recover: Some("dli-conformance cleanup --ledger l.jsonl".into()),
        };
        let lines = connections(27, &fate, 0, "abc", Some(Path::new("l.jsonl")));
        assert_eq!(lines.len(), 22, "20 listed, one count, one closing line");
        assert_eq!(lines[20], Line::Err("left: ... and 2 more".into()));
        assert_eq!(
            lines[21],
            Line::Out("connections: 27 created, 5 deleted (1 of them not in the ledger: creates whose answer was lost, found by the run id), 22 left (ledger l.jsonl); finish with: dli-conformance cleanup --ledger l.jsonl".into())
        );
    }
}
