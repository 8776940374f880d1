//! Parity results as data: how one result compared with a recording ([`Compared`], its
//! [`Difference`]s) and what came of a whole `run --parity` ([`ParityTally`]).
//!
//! The parity module computes these (it lines snapshots up, applies `--parity-ignore` and
//! renders each result's differences with its curl line); here they are only held, counted,
//! merged across shards and read back from JSON reports, so that a [`super::CaseResult`], the
//! run's [`super::Tally`] and the reports can carry them without reaching up into the code that
//! compares. The tally keeps at most [`DIFFERENCES_KEPT`] rendered texts, already rendered when
//! they are folded in, and counts at most [`PLACES_KEPT`] places apart: its size does not grow
//! with the run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::clause::{ClauseId, Level};

/// What a recorded snapshot has where the other side has nothing.
pub const ABSENT: &str = "(absent)";

/// How many rendered differences the tally keeps for the end-of-run text.
pub const DIFFERENCES_KEPT: usize = 100;

/// How many distinct places the tally counts apart (a target answering new member names each
/// time must not grow the tally with the run); the rest are counted under [`OTHER_PLACES`].
pub const PLACES_KEPT: usize = 200;

/// The place the differences beyond [`PLACES_KEPT`] places are counted under.
pub const OTHER_PLACES: &str = "[-] (other details)";

/// One way a target's answer differs from the recorded one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// The case id.
    pub case: String,
    /// The fact that differs: `decision`, `status`, `content-type`, `body/error_code`, ...
    pub detail: String,
    /// The clause whose choice differs, when the difference is a choice the spec names.
    pub clause: Option<ClauseId>,
    /// What the recording has ([`ABSENT`] when it lacks the fact).
    pub recorded: String,
    /// What the target did ([`ABSENT`] when its answer lacks the fact).
    pub actual: String,
}

impl Difference {
    /// `[A2] decision` or `[-] body/message`: where the difference is, for one-line listings.
    pub fn place(&self) -> String {
        let clause = self.clause.map_or("-", ClauseId::id);
        format!("[{clause}] {}", self.detail)
    }
}

/// How one result of a `run --parity` compared with the recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compared {
    /// Whether the recording has the case at all.
    pub recorded: bool,
    /// The differences not accepted by `--parity-ignore`.
    pub differences: Vec<Difference>,
    /// Differences `--parity-ignore` accepted.
    pub ignored: usize,
}

/// Same choice or not, on one MAY clause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MayParity {
    /// Compared results on the clause that decided as recorded.
    pub same: u64,
    /// Compared results on the clause that decided otherwise.
    pub differ: u64,
}

/// What came of comparing a run's results with a recording.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParityTally {
    /// Results compared with a recorded snapshot.
    pub compared: u64,
    /// Of those, results with at least one difference not ignored.
    pub differing: u64,
    /// Differences in all (one result may have several).
    pub differences: u64,
    /// Differences `--parity-ignore` accepted.
    pub ignored: u64,
    /// Results whose case the recording does not have (a larger run, a renamed case).
    pub not_recorded: u64,
    /// Differences by place (`[A2] decision`), at most [`PLACES_KEPT`] and [`OTHER_PLACES`].
    pub places: BTreeMap<String, u64>,
    /// Per MAY clause: same choice as the recording or not.
    pub may: BTreeMap<ClauseId, MayParity>,
    /// The first rendered differences, at most [`DIFFERENCES_KEPT`].
    #[serde(skip)]
    pub kept: Vec<String>,
}

impl ParityTally {
    /// Folds in the `parity` member of a result read back from a JSON report (`merge-reports`;
    /// its texts stay in the shards' own output), whose clause list is `clauses` (the report may
    /// write it as a reference to an earlier result's; the reader resolves it).
    pub fn add_reported(
        &mut self,
        result: &serde_json::Value,
        clauses: &serde_json::Value,
    ) -> Result<(), String> {
        let id = result["id"].as_str().unwrap_or_default();
        let compared = match result.get("parity") {
            None | Some(serde_json::Value::Null) => return Ok(()),
            Some(value) => Compared::deserialize(value)
                .map_err(|err| format!("result {id}: bad parity: {err}"))?,
        };
        let mays: Vec<ClauseId> = clauses
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|clause| clause.as_str().and_then(ClauseId::parse))
            .filter(|clause| clause.level() == Level::May)
            .collect();
        self.add_compared(&compared, &mays, String::new);
        Ok(())
    }

    /// Folds in one comparison of a result touching `mays`; `text` renders it when kept (an
    /// empty text is not kept). The parity module's `ParityTally::add` calls it with the
    /// result's compiler-style text, curl line included.
    pub fn add_compared(
        &mut self,
        compared: &Compared,
        mays: &[ClauseId],
        text: impl FnOnce() -> String,
    ) {
        if !compared.recorded {
            self.not_recorded += 1;
            return;
        }
        self.compared += 1;
        self.ignored += compared.ignored as u64;
        let chose_otherwise = compared
            .differences
            .iter()
            .any(|d| matches!(d.detail.as_str(), "decision" | "status" | "answer"));
        for &clause in mays {
            let row = self.may.entry(clause).or_default();
            if chose_otherwise {
                row.differ += 1;
            } else {
                row.same += 1;
            }
        }
        if compared.differences.is_empty() {
            return;
        }
        self.differing += 1;
        self.differences += compared.differences.len() as u64;
        for difference in &compared.differences {
            let place = difference.place();
            let place = if self.places.len() < PLACES_KEPT || self.places.contains_key(&place) {
                place
            } else {
                OTHER_PLACES.to_owned()
            };
            *self.places.entry(place).or_default() += 1;
        }
        if self.kept.len() < DIFFERENCES_KEPT {
            let text = text();
            if !text.is_empty() {
                self.kept.push(text);
            }
        }
    }

    /// Adds another shard's tally.
    pub fn merge(&mut self, other: &ParityTally) {
        self.compared += other.compared;
        self.differing += other.differing;
        self.differences += other.differences;
        self.ignored += other.ignored;
        self.not_recorded += other.not_recorded;
        for (place, count) in &other.places {
            *self.places.entry(place.clone()).or_default() += count;
        }
        for (clause, row) in &other.may {
            let mine = self.may.entry(*clause).or_default();
            mine.same += row.same;
            mine.differ += row.differ;
        }
        let room = DIFFERENCES_KEPT.saturating_sub(self.kept.len());
        self.kept.extend(other.kept.iter().take(room).cloned());
    }

    /// The closing lines of a parity run: differences by place, then per MAY clause.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "parity: {} of {} compared results differ from the recording ({} differences{}{})",
            self.differing,
            self.compared,
            self.differences,
            if self.ignored > 0 {
                format!(", {} ignored by --parity-ignore", self.ignored)
            } else {
                String::new()
            },
            if self.not_recorded > 0 {
                format!(", {} results not in the recording", self.not_recorded)
            } else {
                String::new()
            }
        )];
        for (place, count) in &self.places {
            lines.push(format!("  differs: {place}: {count} results"));
        }
        for (clause, row) in &self.may {
            let verdict = if row.differ == 0 {
                "same choice"
            } else {
                "differs"
            };
            lines.push(format!(
                "  {clause} (MAY): {verdict}: {} same, {} otherwise",
                row.same, row.differ
            ));
        }
        lines
    }
}
