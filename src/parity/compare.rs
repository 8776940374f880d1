//! Comparison: two snapshots of the same case in, the [`Difference`]s out; and folding each
//! result's comparison into the run's parity tally the reports read.
//!
//! The data ([`Difference`], [`Compared`], [`ParityTally`]) lives with the other results in
//! [`crate::result::parity`] and is re-exported here; this module computes it and renders the
//! texts the tally keeps (with the curl line, from `report`).
//!
//! [`differences`] lines two snapshots up fact by fact. When the decision or the status
//! differs, only those (and the content type) are given: the bodies of a 201 and of a 400 differ
//! everywhere, and one line says it all. Each difference names the clause where the choice was
//! made when there is one (the case's MAY clause for a decision, A4 for a 2xx body,
//! `resp.error.envelope` for an error body) and always the detail (the fact's key). [`Parity`]
//! holds a recording and the accepted differences (`--parity-ignore`) and compares each result
//! of a `run --parity`; [`ParityTally`] counts what came of it (per MAY clause: same choice or
//! not) and keeps a bounded set of rendered differences. [`diff`] compares two recordings.

use std::fmt::Write as _;
use std::path::Path;

use super::recording::Recording;
use super::snapshot::Snapshot;
use crate::report::curl_command;
use crate::result::CaseResult;
use crate::spec::clause::{ClauseId, Level};

pub use crate::result::parity::{
    Compared, Difference, MayParity, ParityTally, ABSENT, DIFFERENCES_KEPT, OTHER_PLACES,
    PLACES_KEPT,
};

/// The differences between `recorded` and `actual`, snapshots of the same case.
pub fn differences(recorded: &Snapshot, actual: &Snapshot) -> Vec<Difference> {
    let may = actual
        .clauses
        .iter()
        .chain(&recorded.clauses)
        .copied()
        .find(|clause| clause.level() == Level::May);
    let accepted = recorded.fact("decision") == Some("accepted");
    let clause_of = |key: &str| match key {
        "decision" | "status" | "answer" => may,
        _ if key.starts_with("body") && accepted => Some(ClauseId::A4),
        _ if key.starts_with("body") => Some(ClauseId::RespErrorEnvelope),
        _ => None,
    };
    let decided_otherwise = ["decision", "status", "answer"]
        .iter()
        .any(|key| recorded.fact(key) != actual.fact(key));
    let mut keys: Vec<&str> = recorded.facts.iter().map(|(k, _)| k.as_str()).collect();
    for (key, _) in &actual.facts {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .filter(|key| !(decided_otherwise && key.starts_with("body")))
        .filter_map(|key| {
            let mine = recorded.fact(key);
            let theirs = actual.fact(key);
            (mine != theirs).then(|| Difference {
                case: recorded.case.clone(),
                detail: key.to_owned(),
                clause: clause_of(key),
                recorded: mine.unwrap_or(ABSENT).to_owned(),
                actual: theirs.unwrap_or(ABSENT).to_owned(),
            })
        })
        .collect()
}

/// A `--parity-ignore` pattern: `CASE_GLOB` or `CASE_GLOB#DETAIL_GLOB` (the detail glob matches
/// the fact's key or the clause id).
#[derive(Debug, Clone)]
struct Ignore {
    case: glob::Pattern,
    detail: Option<glob::Pattern>,
}

impl Ignore {
    fn parse(text: &str) -> Result<Ignore, String> {
        let (case, detail) = match text.split_once('#') {
            Some((case, detail)) => (case, Some(detail)),
            None => (text, None),
        };
        let pattern = |glob: &str| {
            glob::Pattern::new(glob)
                .map_err(|err| format!("--parity-ignore {text:?}: not a glob: {err}"))
        };
        Ok(Ignore {
            case: pattern(case)?,
            detail: detail.map(pattern).transpose()?,
        })
    }

    fn accepts(&self, difference: &Difference) -> bool {
        self.case.matches(&difference.case)
            && self.detail.as_ref().is_none_or(|detail| {
                detail.matches(&difference.detail)
                    || difference.clause.is_some_and(|c| detail.matches(c.id()))
            })
    }
}

/// A recording to compare a run's results with, and the differences accepted.
#[derive(Debug, Clone)]
pub struct Parity {
    recording: Recording,
    ignores: Vec<Ignore>,
    run_id: String,
}

impl Parity {
    /// Compares results against `recording`, redacting `run_id`, accepting what `ignores`
    /// match: each a pattern, or `@FILE` for a reviewed file of patterns (one a line, `#`
    /// starts a comment).
    pub fn new(recording: Recording, ignores: &[String], run_id: &str) -> Result<Parity, String> {
        let mut patterns = Vec::new();
        for ignore in ignores {
            match ignore.strip_prefix('@') {
                Some(path) => {
                    let text = std::fs::read_to_string(Path::new(path))
                        .map_err(|err| format!("cannot read --parity-ignore {path}: {err}"))?;
                    for line in text.lines() {
                        let line = line.split(" #").next().unwrap_or_default().trim();
                        if !line.is_empty() && !line.starts_with('#') {
                            patterns.push(Ignore::parse(line)?);
                        }
                    }
                }
                None => patterns.push(Ignore::parse(ignore)?),
            }
        }
        Ok(Parity {
            recording,
            ignores: patterns,
            run_id: run_id.to_owned(),
        })
    }

    /// How `result` compares with its recorded snapshot; `None` for a result with nothing to
    /// compare (not sent, or a setup problem).
    pub fn compare(&self, result: &CaseResult) -> Option<Compared> {
        let actual = Snapshot::of(result, &self.run_id)?;
        let Some(recorded) = self.recording.snapshots.get(&result.id) else {
            return Some(Compared {
                recorded: false,
                differences: Vec::new(),
                ignored: 0,
            });
        };
        let (ignored, differences): (Vec<Difference>, Vec<Difference>) =
            differences(recorded, &actual)
                .into_iter()
                .partition(|difference| self.ignores.iter().any(|i| i.accepts(difference)));
        Some(Compared {
            recorded: true,
            differences,
            ignored: ignored.len(),
        })
    }
}

/// Folding a result in needs its rendered text (with the curl line), so this part of the tally
/// lives here, beside [`render`]; the tally itself is data in `crate::result::parity`.
impl ParityTally {
    /// Folds in `result`'s comparison (nothing when the run has no recording), rendering kept
    /// differences with curl lines against `base_url`.
    pub fn add(&mut self, result: &CaseResult, base_url: &str) {
        if let Some(compared) = &result.parity {
            self.add_compared(compared, &result.may_clauses(), || {
                render(result, &compared.differences, base_url)
            });
        }
    }
}

/// One result's differences, like compiler output.
pub fn render(result: &CaseResult, differences: &[Difference], base_url: &str) -> String {
    let mut out = String::new();
    for (index, difference) in differences.iter().enumerate() {
        let clause = difference.clause.map_or("-", ClauseId::id);
        let _ = writeln!(
            out,
            "parity[{clause}]: {} differs from the recording",
            difference.detail
        );
        if index == 0 {
            let _ = writeln!(out, "  --> {} ({})", result.source, result.id);
        }
        let _ = writeln!(out, "   = recorded = {}", difference.recorded);
        let _ = writeln!(out, "   = actual   = {}", difference.actual);
    }
    let _ = writeln!(
        out,
        "   = request: {}",
        curl_command(&result.request, base_url)
    );
    out
}

/// The differences between two recordings: per case both have, their differences (`recorded`
/// is `a`'s, `actual` is `b`'s); a case only one has is a difference of detail `case`.
pub fn diff(a: &Recording, b: &Recording) -> Vec<Difference> {
    let mut found = Vec::new();
    for (id, mine) in &a.snapshots {
        match b.snapshots.get(id) {
            Some(theirs) => found.extend(differences(mine, theirs)),
            None => found.push(only_in(id, true)),
        }
    }
    for id in b.snapshots.keys() {
        if !a.snapshots.contains_key(id) {
            found.push(only_in(id, false));
        }
    }
    found
}

fn only_in(id: &str, first: bool) -> Difference {
    let (recorded, actual) = if first {
        ("recorded", ABSENT)
    } else {
        (ABSENT, "recorded")
    };
    Difference {
        case: id.to_owned(),
        detail: "case".into(),
        clause: None,
        recorded: recorded.into(),
        actual: actual.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn snap(case: &str, facts: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            case: case.into(),
            clauses: vec![ClauseId::A2],
            facts: facts
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn another_decision_is_one_difference_on_the_may_clause_not_a_body_diff() {
        let recorded = snap(
            "t/ct",
            &[
                ("decision", "rejected"),
                ("status", "400"),
                ("body/error_code", "string \"DLI.0001\""),
            ],
        );
        let actual = snap(
            "t/ct",
            &[
                ("decision", "accepted"),
                ("status", "201"),
                ("body/connection_id", "string \"[uuid]\""),
            ],
        );
        let found = differences(&recorded, &actual);
        let places: Vec<String> = found.iter().map(Difference::place).collect();
        assert_eq!(places, ["[A2] decision", "[A2] status"]);
    }

    #[test]
    fn the_tally_counts_results_places_and_each_may_clauses_choice() {
        let mut tally = ParityTally::default();
        let mut same = crate::result::tests::result("t/same", &[ClauseId::A2], &[]);
        same.parity = Some(Compared {
            recorded: true,
            differences: Vec::new(),
            ignored: 1,
        });
        let mut other = crate::result::tests::result("t/other", &[ClauseId::A2], &[]);
        let recorded = snap("t/other", &[("decision", "rejected")]);
        let actual = snap("t/other", &[("decision", "accepted")]);
        other.parity = Some(Compared {
            recorded: true,
            differences: differences(&recorded, &actual),
            ignored: 0,
        });
        let mut new = crate::result::tests::result("t/new", &[], &[]);
        new.parity = Some(Compared {
            recorded: false,
            differences: Vec::new(),
            ignored: 0,
        });
        let plain = crate::result::tests::result("t/plain", &[ClauseId::A2], &[]);
        for result in [&same, &other, &new, &plain] {
            tally.add(result, "http://127.0.0.1:1");
        }
        assert_eq!(
            (tally.compared, tally.differing, tally.differences),
            (2, 1, 1)
        );
        assert_eq!((tally.ignored, tally.not_recorded), (1, 1));
        assert_eq!(tally.places["[A2] decision"], 1);
        assert_eq!(tally.may[&ClauseId::A2], MayParity { same: 1, differ: 1 });
        assert!(tally.kept[0].starts_with("parity[A2]: decision differs from the recording\n"));
        let lines = tally.lines();
        assert!(
            lines[0].starts_with("parity: 1 of 2 compared results differ"),
            "{lines:?}"
        );
        assert!(lines.contains(&"  A2 (MAY): differs: 1 same, 1 otherwise".to_owned()));
    }

    #[test]
    fn a_reviewed_ignore_file_holds_patterns_and_comments() {
        let path = std::env::temp_dir().join(format!("dli-parity-ignore-{}", std::process::id()));
        std::fs::write(
            &path,
            "# why: ours are English\n*#body/error_msg  # wording\n\nprop/may-ct/*\n",
        )
        .unwrap();
        let recording = Recording {
            meta: crate::parity::RecordingMeta {
                tool: String::new(),
                target: String::new(),
                recorded_at: String::new(),
                spec: String::new(),
                seed: 0,
                run_id: "r".into(),
                examples: 0,
                profile: "seed".into(),
            },
            snapshots: BTreeMap::new(),
        };
        let parity =
            Parity::new(recording.clone(), &[format!("@{}", path.display())], "r").unwrap();
        assert_eq!(parity.ignores.len(), 2);
        let message = Difference {
            case: "t/x".into(),
            detail: "body/error_msg".into(),
            clause: Some(ClauseId::RespErrorEnvelope),
            recorded: "a".into(),
            actual: "b".into(),
        };
        assert!(parity.ignores[0].accepts(&message) && !parity.ignores[1].accepts(&message));
        let missing = Parity::new(recording, &["@/nonexistent/ignore".into()], "r").unwrap_err();
        assert!(
            missing.starts_with("cannot read --parity-ignore /nonexistent/ignore"),
            "{missing}"
        );
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn body_differences_name_the_envelope_or_a4_and_ignores_accept_them() {
        let recorded = snap(
            "t/x",
            &[("decision", "rejected"), ("body/error_msg", "string \"a\"")],
        );
        let actual = snap(
            "t/x",
            &[
                ("decision", "rejected"),
                ("body/request_id", "string \"[id]\""),
            ],
        );
        let found = differences(&recorded, &actual);
        assert_eq!(found.len(), 2);
        assert!(found
            .iter()
            .all(|d| d.clause == Some(ClauseId::RespErrorEnvelope)));
        assert_eq!(found[0].actual, ABSENT);
        let ignore = Ignore::parse("t/*#body/request_id").unwrap();
        assert!(!ignore.accepts(&found[0]) && ignore.accepts(&found[1]));
        assert!(Ignore::parse("t/*#resp.error.envelope")
            .unwrap()
            .accepts(&found[0]));
        assert!(Ignore::parse("[").is_err());
    }
}
