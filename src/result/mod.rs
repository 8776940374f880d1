//! Results: what a run produced, as data the reports read. Nothing here sends or prints.
//!
//! The runner makes one [`CaseResult`] per case it sent (or could not send: a skipped result
//! says why) and hands it to the sink, which folds it into a [`Tally`] and passes it to the
//! streaming reports before dropping it. So a run holds only what is in flight plus the tally:
//! counters, the clause × outcome matrix, the MAY choices, the setup problems and a bounded set
//! of failures for the end-of-run text. The tally's size depends on the number of clauses,
//! case files and generator classes, never on the number of requests or on what a target answers.
//! (As hurl keeps `runner/result.rs` apart from its reporters.)
//!
//! Results sit below the code that makes them and the reports that read them: what a result or
//! the run carries from the parity comparison ([`parity`]) and from the runner's adaptive
//! concurrency ([`concurrency`]) is plain data kept here too, so nothing in this module imports
//! the parity module, the runner or the reports.

pub mod concurrency;
pub mod parity;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check::{Decision, Outcome, Verdict, Violation};
use crate::spec::clause::{ClauseId, Level, Profile};
use crate::spec::expect::{Expect, Source};
use crate::transport::{Request, Response};

pub use concurrency::ConcurrencyRecord;
pub use parity::{Compared, ParityTally};

/// The most a body takes in a report (after escaping) or a failure text shows of any request or
/// answer (2 KiB); the real length is recorded beside the cut body. With a request and an
/// answer per result, this keeps a default run's JSON report under 50 MB whatever the target
/// answers (about 10 000 results; a target answering 64 MiB bodies, or 1 MB of unasked gzip,
/// makes it 34 MB, `cargo bench --bench hostile`).
pub const REPORT_BODY_MAX: usize = 2 << 10;

/// How many failures the end-of-run text keeps per clause (later ones are only counted).
pub const FAILURES_KEPT_PER_CLAUSE: usize = 100;

/// One case the run sent, or could not send, and what became of it.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// The clause ids the case exercises.
    pub clauses: Vec<ClauseId>,
    /// What a conformant server does.
    pub expect: Expect,
    /// Where the case was written or generated.
    pub source: Source,
    /// What was sent (or would have been, for a skipped case).
    pub request: Request,
    /// What came back, if anything did (body capped at [`crate::transport::BODY_CAP`]).
    pub response: Option<Response>,
    /// The checker's judgement (empty for a skipped case).
    pub verdict: Verdict,
    /// Why the case was not sent, when it was not (run stopped, budget spent, ...).
    pub skipped: Option<String>,
    /// Time from sending to the judged answer.
    pub elapsed: Duration,
    /// Violations a live entry of the run's baseline accepts, moved out of the verdict by
    /// `crate::baseline` (empty without a baseline).
    pub known: Vec<KnownViolation>,
    /// How the answer compares with a recording (`run --parity`), `None` without one.
    pub parity: Option<Compared>,
}

/// A violation a known-deviation baseline accepts for now, with the entry's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownViolation {
    /// The violation, as the checker found it.
    #[serde(flatten)]
    pub violation: Violation,
    /// Why the deviation is accepted (the baseline entry's `reason`).
    pub reason: String,
    /// The day the baseline entry expires (`YYYY-MM-DD`).
    pub expires: String,
}

impl CaseResult {
    /// A case that was not sent, and why.
    pub fn skipped(
        id: String,
        clauses: Vec<ClauseId>,
        expect: Expect,
        source: Source,
        request: Request,
        reason: String,
    ) -> CaseResult {
        CaseResult {
            id,
            clauses,
            expect,
            source,
            request,
            response: None,
            verdict: Verdict::empty(),
            skipped: Some(reason),
            elapsed: Duration::ZERO,
            known: Vec::new(),
            parity: None,
        }
    }

    /// The result's outcome: skip when not sent, else the verdict's, which is known when the
    /// only violations were accepted by the baseline.
    pub fn outcome(&self) -> Outcome {
        if self.skipped.is_some() {
            return Outcome::Skip;
        }
        match self.verdict.outcome() {
            Outcome::Pass if !self.known.is_empty() => Outcome::Known,
            outcome => outcome,
        }
    }

    /// The generator class or case file the result belongs to: `prop/<class>` for generated
    /// results, `corpus/<corpus>` for corpus cases, the case file's path otherwise (a JUnit
    /// suite, a baseline scope).
    pub fn group(&self) -> String {
        match &self.source {
            Source::Generated { class, .. } => format!("prop/{class}"),
            Source::File { path, .. } => path.display().to_string(),
            Source::Corpus { .. } => crate::corpus::group(&self.id),
        }
    }

    /// The MAY clauses the case touches.
    pub fn may_clauses(&self) -> Vec<ClauseId> {
        self.clauses
            .iter()
            .copied()
            .filter(|clause| clause.level() == Level::May)
            .collect()
    }
}

/// How many results ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Every rule held.
    pub pass: u64,
    /// A MUST broke.
    pub fail: u64,
    /// Only SHOULDs broke.
    pub warn: u64,
    /// The environment answered instead of the endpoint.
    pub setup: u64,
    /// Not sent.
    pub skip: u64,
    /// Failed only where the baseline accepts it.
    pub known: u64,
}

impl Counts {
    /// Adds one result with `outcome`.
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Warn => self.warn += 1,
            Outcome::Setup => self.setup += 1,
            Outcome::Skip => self.skip += 1,
            Outcome::Known => self.known += 1,
        }
    }

    /// How many results ended with `outcome`.
    pub fn of(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Pass => self.pass,
            Outcome::Fail => self.fail,
            Outcome::Warn => self.warn,
            Outcome::Setup => self.setup,
            Outcome::Skip => self.skip,
            Outcome::Known => self.known,
        }
    }

    /// Every result counted.
    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.warn + self.setup + self.skip + self.known
    }

    /// Adds `other`'s counts (merging shards).
    pub fn merge(&mut self, other: &Counts) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.warn += other.warn;
        self.setup += other.setup;
        self.skip += other.skip;
        self.known += other.known;
    }
}

/// One row of the clause × outcome matrix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClauseRow {
    /// Results of cases that exercise the clause, by outcome.
    #[serde(flatten)]
    pub counts: Counts,
    /// The first case whose violation names this clause.
    pub first_failure: Option<String>,
}

/// A failure kept for the end-of-run text: the case id and its rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFailure {
    /// The case id.
    pub id: String,
    /// The first clause its verdict broke.
    pub clause: ClauseId,
    /// The compiler-style text, with bodies cut at [`REPORT_BODY_MAX`].
    pub text: String,
}

/// Everything a run keeps of its results: counters and bounded samples, never the results.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Results by outcome.
    pub counts: Counts,
    /// Results by clause exercised (or broken), then outcome.
    pub clauses: BTreeMap<ClauseId, ClauseRow>,
    /// What the target chose on MAY clauses: `subject [clauses]` -> decision -> count.
    pub may_choices: BTreeMap<String, BTreeMap<Decision, u64>>,
    /// Distinct setup problems, with how many results met each.
    pub setup_problems: BTreeMap<String, u64>,
    /// Distinct reasons results were skipped, with how many each.
    pub skip_reasons: BTreeMap<String, u64>,
    /// The first failures (and warnings), at most [`FAILURES_KEPT_PER_CLAUSE`] per clause.
    pub failures: Vec<KeptFailure>,
    /// Failures not kept because their clause had enough.
    pub failures_dropped: u64,
    /// How the results compared with a recording (`run --parity`; empty without one).
    pub parity: ParityTally,
}

impl Tally {
    /// Folds one result in; `rendered` is its failure text when it failed or warned.
    pub fn add(&mut self, result: &CaseResult, rendered: Option<String>) {
        self.add_facts(&ResultFacts::of(result), rendered);
    }

    /// Folds in one result given as the facts the tally reads (a result of this run, or one
    /// read back from a JSON report by `merge-reports`).
    pub fn add_facts(&mut self, result: &ResultFacts<'_>, rendered: Option<String>) {
        let outcome = result.outcome;
        self.counts.add(outcome);
        for (clause, clause_outcome) in result.clause_outcomes() {
            let row = self.clauses.entry(clause).or_default();
            if matches!(clause_outcome, Outcome::Fail | Outcome::Warn)
                && row.first_failure.is_none()
            {
                row.first_failure = Some(result.id.to_owned());
            }
            row.counts.add(clause_outcome);
        }
        if let Some(reason) = result.skipped {
            *self.skip_reasons.entry(reason.to_owned()).or_default() += 1;
        }
        if let Some(setup) = result.setup {
            *self.setup_problems.entry(setup.to_owned()).or_default() += 1;
        }
        if result.expect == Expect::Either
            && matches!(outcome, Outcome::Pass | Outcome::Fail | Outcome::Known)
        {
            *self
                .may_choices
                .entry(result.may_subject())
                .or_default()
                .entry(result.decision)
                .or_default() += 1;
        }
        if let (Some(text), Some(&clause)) = (rendered, result.broken.first()) {
            let kept = self.failures.iter().filter(|f| f.clause == clause).count();
            if kept < FAILURES_KEPT_PER_CLAUSE {
                self.failures.push(KeptFailure {
                    id: result.id.to_owned(),
                    clause,
                    text,
                });
            } else {
                self.failures_dropped += 1;
            }
        }
    }

    /// Adds `other`'s tally (another shard of the same run): counts, matrix, MAY choices,
    /// setup problems and skip reasons; kept failures are appended up to the same bound.
    pub fn merge(&mut self, other: &Tally) {
        self.counts.merge(&other.counts);
        for (clause, row) in &other.clauses {
            let mine = self.clauses.entry(*clause).or_default();
            mine.counts.merge(&row.counts);
            if mine.first_failure.is_none() {
                mine.first_failure.clone_from(&row.first_failure);
            }
        }
        for (subject, decisions) in &other.may_choices {
            let mine = self.may_choices.entry(subject.clone()).or_default();
            for (decision, count) in decisions {
                *mine.entry(*decision).or_default() += count;
            }
        }
        for (problem, count) in &other.setup_problems {
            *self.setup_problems.entry(problem.clone()).or_default() += count;
        }
        for (reason, count) in &other.skip_reasons {
            *self.skip_reasons.entry(reason.clone()).or_default() += count;
        }
        for failure in &other.failures {
            let kept = self
                .failures
                .iter()
                .filter(|f| f.clause == failure.clause)
                .count();
            if kept < FAILURES_KEPT_PER_CLAUSE {
                self.failures.push(failure.clone());
            } else {
                self.failures_dropped += 1;
            }
        }
        self.failures_dropped += other.failures_dropped;
        self.parity.merge(&other.parity);
    }
}

/// What the tally reads of one result.
#[derive(Debug, Clone)]
pub struct ResultFacts<'a> {
    /// The case id.
    pub id: &'a str,
    /// The clauses the case exercises.
    pub clauses: &'a [ClauseId],
    /// What a conformant server does.
    pub expect: Expect,
    /// How the result ended.
    pub outcome: Outcome,
    /// The clauses of its violations, in order.
    pub broken: Vec<ClauseId>,
    /// The clauses of its violations the baseline accepts.
    pub known: Vec<ClauseId>,
    /// Why it was not sent.
    pub skipped: Option<&'a str>,
    /// The setup problem it met.
    pub setup: Option<&'a str>,
    /// Which way the target decided.
    pub decision: Decision,
    /// The generator class, for generated results.
    pub class: Option<&'a str>,
}

impl<'a> ResultFacts<'a> {
    /// The facts of `result`.
    pub fn of(result: &'a CaseResult) -> ResultFacts<'a> {
        ResultFacts {
            id: &result.id,
            clauses: &result.clauses,
            expect: result.expect,
            outcome: result.outcome(),
            broken: result.verdict.violations.iter().map(|v| v.clause).collect(),
            known: result.known.iter().map(|k| k.violation.clause).collect(),
            skipped: result.skipped.as_deref(),
            setup: result.verdict.setup.as_ref().map(|s| s.message.as_str()),
            decision: result.verdict.decision,
            class: match &result.source {
                Source::Generated { class, .. } => Some(class),
                Source::File { .. } | Source::Corpus { .. } => None,
            },
        }
    }

    /// Each clause the result exercised or broke, once, with how it ended for that clause: a
    /// broken clause fails (or warns, for a SHOULD), a clause the baseline accepts is known,
    /// and a request rule fails when the server misjudged a body exercising it (a status
    /// clause broke). Skipped and setup results count as such for every clause.
    pub fn clause_outcomes(&self) -> Vec<(ClauseId, Outcome)> {
        let misjudged = self.broken.iter().any(|clause| clause.is_status_rule());
        let misjudged_known = self.known.iter().any(|clause| clause.is_status_rule());
        let mut touched: Vec<ClauseId> = Vec::with_capacity(self.clauses.len() + 2);
        for &clause in self.clauses.iter().chain(&self.broken).chain(&self.known) {
            if !touched.contains(&clause) {
                touched.push(clause);
            }
        }
        touched
            .into_iter()
            .map(|clause| {
                let outcome = match self.outcome {
                    Outcome::Skip | Outcome::Setup => self.outcome,
                    _ if self.broken.contains(&clause) => match clause.level() {
                        Level::Should => Outcome::Warn,
                        _ => Outcome::Fail,
                    },
                    _ if self.known.contains(&clause) => Outcome::Known,
                    _ if clause.is_request_rule() && misjudged => Outcome::Fail,
                    _ if clause.is_request_rule() && misjudged_known => Outcome::Known,
                    _ => Outcome::Pass,
                };
                (clause, outcome)
            })
            .collect()
    }

    /// The subject of a MAY choice line: `prop/<class> [A2]` for generated results (one line
    /// per class), `corpus/<corpus>/*/<placement> [A5]` for corpus cases (one line per
    /// placement), the case id for a case from a file.
    fn may_subject(&self) -> String {
        let mays: Vec<&str> = self
            .clauses
            .iter()
            .filter(|clause| clause.level() == Level::May)
            .map(|c| c.id())
            .collect();
        let subject = match self.class {
            Some(class) => format!("prop/{class}"),
            None => crate::corpus::choice_group(self.id).unwrap_or_else(|| self.id.to_owned()),
        };
        format!("{subject} [{}]", mays.join(", "))
    }
}

/// What a run is, written at the head of its reports.
#[derive(Debug, Clone, Serialize)]
pub struct RunMeta {
    /// `dli-conformance <version>`.
    pub tool: String,
    /// The target's base URL.
    pub target: String,
    /// When the run started (RFC 3339, seconds).
    pub started_at: String,
    /// The generator seed, when the run generated bodies.
    pub seed: Option<u64>,
    /// The profile the run judged by.
    pub profile: Profile,
    /// The spec revision the cases follow ([`crate::shipped::spec_revision`]).
    pub spec: String,
    /// The shard this run is (`count:1/3`), when it is one.
    pub partition: Option<String>,
}

/// How one baseline entry ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryState {
    /// Live, and it accepted at least one failure.
    Known,
    /// Live, cases it matches ran, and none broke its clause: remove it.
    Fixed,
    /// Live, but no case it matches ran (a filter, a partition, a renamed case).
    Unused,
    /// Past its date: it accepts nothing and fails the run.
    Expired,
}

/// One entry of the baseline at the end of a run (in the record and the reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryStatus {
    /// The entry's `case` (an id or a glob).
    pub case: String,
    /// The entry's clause id.
    pub clause: ClauseId,
    /// The entry's reason.
    pub reason: String,
    /// The entry's expiry date, `YYYY-MM-DD`.
    pub expires: String,
    /// Whether the date had passed when the run started.
    pub expired: bool,
    /// Results the entry's `case` matched that were judged (not skipped).
    pub ran: u64,
    /// Of those, results with a violation of the entry's clause (accepted unless expired).
    pub hits: u64,
}

impl EntryStatus {
    /// What the entry's counters mean.
    pub fn state(&self) -> EntryState {
        if self.expired {
            EntryState::Expired
        } else if self.hits > 0 {
            EntryState::Known
        } else if self.ran > 0 {
            EntryState::Fixed
        } else {
            EntryState::Unused
        }
    }

    /// One line for the end of a run, e.g. `fixed: valid/* resp.created.status ...: remove it`.
    pub fn describe(&self) -> String {
        let entry = format!("{} {} (expires {})", self.case, self.clause, self.expires);
        match self.state() {
            EntryState::Known => format!(
                "known: {entry}: accepted {} failing result(s): {}",
                self.hits, self.reason
            ),
            EntryState::Fixed => format!(
                "fixed: {entry}: {} matching result(s) ran and none broke {}; remove it",
                self.ran, self.clause
            ),
            EntryState::Unused => format!("unused: {entry}: no case it matches ran"),
            EntryState::Expired if self.hits > 0 => format!(
                "expired: {entry}: no longer accepted ({} result(s) still break it); fix the deviation or renew the entry after review",
                self.hits
            ),
            EntryState::Expired => format!(
                "expired: {entry}: no longer accepted (nothing breaks it any more); remove it"
            ),
        }
    }
}

/// The baseline's entries at the end of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineStatus {
    /// The baseline file, as given.
    pub path: String,
    /// Every entry, in file order.
    pub entries: Vec<EntryStatus>,
}

impl BaselineStatus {
    /// Entries past their date (each fails the run).
    pub fn expired(&self) -> impl Iterator<Item = &EntryStatus> {
        self.entries.iter().filter(|e| e.expired)
    }

    /// Adds another shard's counters for the same entries (merging reports); entries are
    /// matched by case, clause and expiry, and entries only `other` has are appended.
    pub fn merge(&mut self, other: &BaselineStatus) {
        for theirs in &other.entries {
            let same = |mine: &&mut EntryStatus| {
                mine.case == theirs.case
                    && mine.clause == theirs.clause
                    && mine.expires == theirs.expires
            };
            match self.entries.iter_mut().find(same) {
                Some(mine) => {
                    mine.ran += theirs.ran;
                    mine.hits += theirs.hits;
                    mine.expired |= theirs.expired;
                }
                None => self.entries.push(theirs.clone()),
            }
        }
    }
}

/// A finished run: what the end-of-run text, the summaries and the exit code read.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The target's base URL.
    pub target: String,
    /// The tally of every result.
    pub tally: Tally,
    /// Requests sent (retries and preflight included).
    pub requests: u64,
    /// Wall time from the run's start.
    pub elapsed: Duration,
    /// Whether warnings count as failures.
    pub strict: bool,
    /// Why the run stopped sending before the end, if it did.
    pub stopped: Option<String>,
    /// The known-deviation baseline's entries and what they matched, when the run had one.
    pub baseline: Option<BaselineStatus>,
    /// What the run's concurrency did (lowered, requests sent again alone); `None` when not
    /// known (merged reports).
    pub concurrency: Option<ConcurrencyRecord>,
}

impl RunRecord {
    /// How many results ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.tally.counts.of(outcome)
    }

    /// True when the run found no failure (and, under `strict`, no warning) and its baseline,
    /// if any, has no expired entry.
    pub fn conforms(&self) -> bool {
        self.count(Outcome::Fail) == 0
            && !(self.strict && self.count(Outcome::Warn) > 0)
            && self
                .baseline
                .as_ref()
                .is_none_or(|baseline| baseline.expired().next().is_none())
    }

    /// What the run says about its target: a failure (or an expired baseline entry) fails it;
    /// otherwise a setup problem or an early stop leaves it incomplete.
    pub fn status(&self) -> Status {
        if !self.conforms() {
            Status::Fails
        } else if self.count(Outcome::Setup) > 0 || self.stopped.is_some() {
            Status::Incomplete
        } else {
            Status::Conforms
        }
    }
}

/// A finished run's verdict on its target; the CLIs map it to the exit code (0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No failure (under `strict`, no warning), nothing left undone.
    Conforms,
    /// At least one failure, or an expired baseline entry.
    Fails,
    /// No failure, but the run could not say everything: a setup problem, an early stop, or
    /// (see [`Status::with_aftermath`]) what came after the results went wrong.
    Incomplete,
}

impl Status {
    /// This status once the run's aftermath is known: a conforming run whose aftermath is not
    /// `clean` (a report not written, a connection left behind) is incomplete.
    pub fn with_aftermath(self, clean: bool) -> Status {
        match self {
            Status::Conforms if !clean => Status::Incomplete,
            status => status,
        }
    }

    /// This status once the comparison with a recording is known: a run that `differs` from
    /// the recording where parity is required (`--require-parity`) fails.
    pub fn with_parity(self, differs: bool) -> Status {
        if differs {
            Status::Fails
        } else {
            self
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::Violation;
    use bytes::Bytes;

    /// A judged result of a case from a file, breaking `violations` (201 where 400 was due).
    pub(crate) fn result(id: &str, clauses: &[ClauseId], violations: &[ClauseId]) -> CaseResult {
        let mut verdict = Verdict::empty();
        verdict.decision = Decision::Rejected;
        verdict.violations = violations
            .iter()
            .map(|&clause| Violation {
                clause,
                level: clause.level(),
                pointer: "/status".into(),
                expected: "400".into(),
                actual: "201".into(),
                message: "m".into(),
            })
            .collect();
        CaseResult {
            id: id.into(),
            clauses: clauses.to_vec(),
            expect: Expect::Reject,
            source: Source::File {
                path: "cases/t.json".into(),
                line: 1,
            },
            request: Request::create_connection("p", Bytes::new()),
            response: None,
            verdict,
            skipped: None,
            elapsed: Duration::ZERO,
            known: Vec::new(),
            parity: None,
        }
    }

    #[test]
    fn the_matrix_counts_each_result_once_per_clause() {
        let mut tally = Tally::default();
        let url = ClauseId::ReqUrlMaxLength;
        let status = ClauseId::RespInvalidStatus;
        tally.add(&result("t/a", &[url, status], &[]), None);
        tally.add(&result("t/b", &[url, status], &[status]), Some("x".into()));
        tally.add(
            &result("t/c", &[url], &[ClauseId::RespNoServerError]),
            Some("y".into()),
        );
        assert_eq!((tally.counts.pass, tally.counts.fail), (1, 2));
        // t/b misjudged the body (a status clause broke): it fails the request rule too; t/c
        // broke only a response rule.
        assert_eq!(tally.clauses[&url].counts.pass, 2);
        assert_eq!(tally.clauses[&url].counts.fail, 1);
        assert_eq!(tally.clauses[&status].counts.fail, 1);
        assert_eq!(tally.clauses[&status].first_failure.as_deref(), Some("t/b"));
        let server = &tally.clauses[&ClauseId::RespNoServerError];
        assert_eq!((server.counts.fail, server.counts.total()), (1, 1));
        assert_eq!(tally.failures.len(), 2);
    }

    #[test]
    fn kept_failures_are_bounded_per_clause() {
        let mut tally = Tally::default();
        let status = ClauseId::RespInvalidStatus;
        for index in 0..FAILURES_KEPT_PER_CLAUSE + 5 {
            let failed = result(&format!("t/{index}"), &[status], &[status]);
            tally.add(&failed, Some("text".into()));
        }
        assert_eq!(tally.failures.len(), FAILURES_KEPT_PER_CLAUSE);
        assert_eq!(tally.failures_dropped, 5);
    }
}
