//! The self-test: does the suite have teeth? Cases in, a [`Scoreboard`] out.
//!
//! [`run`] sends every case, in id order, to a fresh in-process reference mock, to every
//! conformant variant of `mock::variants` and to every fault of `mock::faults`, all at once,
//! through the runner's `Executor` and a `connection_id` registry per subject (so the checker and
//! the run-wide uniqueness check are the suite's own). The gate ([`Scoreboard::holds`]): no failure, warning or setup problem on the
//! reference and the variants (no check cries wolf), and every fault flagged by its own clause (no
//! check has gone blind). A request rule (`req.*`) is judged by the checker through the answer's
//! status, so a fault breaking one counts as flagged when a case that exercises the rule fails on
//! `resp.invalid.status` or `resp.created.status`; hand-written and generated cases alike derive
//! the rules they exercise from their bodies ([`case::exercised_clauses`](crate::case::exercised_clauses)). Hanging faults end through the per-request
//! timeout of the [`RunConfig`]. The CLI prints the board (its `Display`), `tests/selftest.rs`
//! asserts the gate.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::case::{Case, LoadError, Source};
use crate::check::{ConnectionIds, Outcome};
use crate::generate;
use crate::mock::deviation::Deviation;
use crate::mock::{self, faults, variants};
use crate::result::CaseResult;
use crate::runner::{Executor, RunConfig};
use crate::shipped::CaseRoot;
use crate::spec::clause::{ClauseId, Level};
use crate::transport::InProcess;
use crate::Suite;

/// The seed of the generated cases the self-test adds to the case files.
pub const SEED: u64 = 20_260_527;

/// How many whole default runs (case files, corpus and [`generate::DEFAULT_EXAMPLES`] per class,
/// at seeds `SEED + 1`, `SEED + 2`, ...) the self-test also sends to the variant that rejects
/// duplicate names: a repeated name anywhere in a run fails it, and the run-sized sample finds
/// what the self-test's own smaller one cannot.
pub const NAME_RUNS: usize = 3;

/// The variant the whole runs of [`NAME_RUNS`] go to.
pub const NAME_RUN_VARIANT: &str = "reject-duplicate-names";

/// Generated cases per mutation class the self-test adds.
pub const EXAMPLES_PER_CLASS: usize = 64;

/// What a subject of the self-test is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The reference mock: must pass clean.
    Reference,
    /// A conformant variant: must pass clean.
    Variant,
    /// A fault: must be flagged by its own clause.
    Fault,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Role::Reference => "reference",
            Role::Variant => "variant",
            Role::Fault => "fault",
        })
    }
}

/// What flagged a subject: a violation of a clause, or an answer from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// A violation of this clause.
    Clause(ClauseId),
    /// A setup problem (the environment answered).
    Setup,
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Clause(clause) => clause.fmt(f),
            Flag::Setup => f.write_str("(setup)"),
        }
    }
}

/// The first case that flagged a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The case id.
    pub case_id: String,
    /// The clause of the violation that flagged it, or a setup problem.
    pub clause: Flag,
    /// Fail or warn.
    pub outcome: Outcome,
    /// Requests sent up to and including this case.
    pub requests: usize,
}

/// How one subject fared.
#[derive(Debug, Clone)]
pub struct Score {
    /// Reference, variant or fault.
    pub role: Role,
    /// `reference`, or the deviation's name (with the seed of a whole run of [`NAME_RUNS`]).
    pub name: String,
    /// The clause a fault breaks or a variant relies on; `None` for the reference.
    pub clause: Option<ClauseId>,
    /// Cases that failed.
    pub failed: usize,
    /// Cases that only warned.
    pub warned: usize,
    /// Cases the environment answered (401, 404, 429, ...).
    pub setup: usize,
    /// Requests sent.
    pub requests: usize,
    /// For a fault, the first case flagging its clause; otherwise the first case not passing.
    pub detection: Option<Detection>,
    /// How many cases flagged it that way (fault: its clause; otherwise: anything).
    pub flagged_by: usize,
    /// How many of those were generated cases.
    pub flagged_by_generated: usize,
}

impl Score {
    /// The gate for this subject: a fault is flagged by its clause, anything else is clean.
    pub fn holds(&self) -> bool {
        match self.role {
            Role::Fault => self.detection.is_some(),
            Role::Reference | Role::Variant => self.failed + self.warned + self.setup == 0,
        }
    }
}

/// The self-test's result: one score per subject, reference first, then variants, then faults.
#[derive(Debug, Clone)]
pub struct Scoreboard {
    /// Every subject's score.
    pub scores: Vec<Score>,
    /// Cases sent to each subject.
    pub cases: usize,
    /// Wall time of the whole self-test.
    pub elapsed: Duration,
}

impl Scoreboard {
    /// True when every subject holds its gate.
    pub fn holds(&self) -> bool {
        self.scores.iter().all(Score::holds)
    }
}

/// The self-test's cases: every case file below `root`, its corpus cases, then `examples`
/// generated cases per mutation class drawn with `seed` (see [`SEED`] and [`EXAMPLES_PER_CLASS`]).
pub fn cases(root: &CaseRoot, seed: u64, examples: usize) -> Result<Vec<Case>, LoadError> {
    let mut cases = Suite::default().cases_from(root.clone()).load()?;
    cases.extend(generate::sample_cases(seed, examples));
    Ok(cases)
}

/// What the self-test sends: `cases` to every subject, and each of `name_runs` (a seed and the
/// cases of a whole default run at that seed) to the variant that rejects duplicate names.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The cases every subject gets.
    pub cases: Arc<Vec<Case>>,
    /// Whole default runs for [`NAME_RUN_VARIANT`], by seed.
    pub name_runs: Vec<(u64, Arc<Vec<Case>>)>,
}

impl Plan {
    /// [`cases`] for every subject, plus `name_runs` whole default runs at seeds after `seed`.
    pub fn new(
        root: &CaseRoot,
        seed: u64,
        examples: usize,
        name_runs: usize,
    ) -> Result<Plan, LoadError> {
        let runs = (1..=name_runs as u64)
            .map(|k| {
                let seed = seed.wrapping_add(k);
                cases(root, seed, generate::DEFAULT_EXAMPLES).map(|cases| (seed, Arc::new(cases)))
            })
            .collect::<Result<_, _>>()?;
        Ok(Plan {
            cases: Arc::new(cases(root, seed, examples)?),
            name_runs: runs,
        })
    }
}

/// Runs the plan against the reference, every variant and every fault, concurrently (call it
/// inside a tokio runtime). `config.timeout` bounds each request, so hanging faults end too.
pub async fn run(plan: Plan, config: RunConfig) -> Scoreboard {
    let started = Instant::now();
    let everyone = std::iter::once((Role::Reference, None))
        .chain(variants::VARIANTS.iter().map(|v| (Role::Variant, Some(v))))
        .chain(faults::FAULTS.iter().map(|f| (Role::Fault, Some(f))))
        .map(|(role, deviation)| (role, deviation, None, Arc::clone(&plan.cases)));
    let name_variant = crate::mock::deviation::find(variants::VARIANTS, NAME_RUN_VARIANT);
    let name_runs = plan
        .name_runs
        .iter()
        .map(|(seed, cases)| (Role::Variant, name_variant, Some(*seed), Arc::clone(cases)));
    let tasks: Vec<_> = everyone
        .chain(name_runs)
        .map(|(role, deviation, seed, cases)| {
            let config = config.clone();
            tokio::spawn(async move { score(role, deviation, seed, &cases, config).await })
        })
        .collect();
    let mut scores = Vec::with_capacity(tasks.len());
    for task in tasks {
        scores.push(task.await.expect("a self-test task does not panic"));
    }
    Scoreboard {
        scores,
        cases: plan.cases.len(),
        elapsed: started.elapsed(),
    }
}

async fn score(
    role: Role,
    deviation: Option<&'static Deviation>,
    whole_run_seed: Option<u64>,
    cases: &[Case],
    config: RunConfig,
) -> Score {
    let router = deviation.map_or_else(mock::router, Deviation::router);
    let target = Arc::new(InProcess::new(router));
    let executor = Executor::new(target, config);
    let connection_ids = ConnectionIds::default();
    let mut score = Score {
        role,
        name: match (deviation, whole_run_seed) {
            (None, _) => "reference".to_owned(),
            (Some(d), None) => d.name.to_owned(),
            (Some(d), Some(seed)) => format!("{} (whole run, seed {seed})", d.name),
        },
        clause: deviation.map(|d| d.clause),
        failed: 0,
        warned: 0,
        setup: 0,
        requests: 0,
        detection: None,
        flagged_by: 0,
        flagged_by_generated: 0,
    };
    for case in cases {
        let mut result = executor.execute(case).await;
        connection_ids.record(&result.id, &result.source, &mut result.verdict);
        score.requests += 1;
        match result.outcome() {
            Outcome::Pass | Outcome::Known => {}
            Outcome::Fail => score.failed += 1,
            Outcome::Warn => score.warned += 1,
            Outcome::Setup | Outcome::Skip => score.setup += 1,
        }
        let Some(clause) = detect(role, score.clause, &result) else {
            continue;
        };
        score.flagged_by += 1;
        if matches!(case.source, Source::Generated { .. }) {
            score.flagged_by_generated += 1;
        }
        if score.detection.is_none() {
            score.detection = Some(Detection {
                outcome: result.outcome(),
                case_id: result.id,
                clause,
                requests: score.requests,
            });
        }
    }
    score
}

/// The clause of the violation in `result` that flags the subject, if one does.
fn detect(role: Role, clause: Option<ClauseId>, result: &CaseResult) -> Option<Flag> {
    let violations = &result.verdict.violations;
    match (role, clause) {
        (Role::Fault, Some(clause)) => violations
            .iter()
            .find(|v| v.clause == clause)
            .or_else(|| {
                let exercised = clause.is_request_rule() && result.clauses.contains(&clause);
                violations
                    .iter()
                    .find(|v| exercised && v.level == Level::Must && v.clause.is_status_rule())
            })
            .map(|v| Flag::Clause(v.clause)),
        _ if result.verdict.setup.is_some() => Some(Flag::Setup),
        _ => violations.first().map(|v| Flag::Clause(v.clause)),
    }
}

impl fmt::Display for Scoreboard {
    /// The score table: one row per subject, then the gate's verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults = self.scores.iter().filter(|s| s.role == Role::Fault).count();
        let variants = self
            .scores
            .iter()
            .filter(|s| s.role == Role::Variant)
            .count();
        let whole_runs = self
            .scores
            .iter()
            .filter(|s| s.name.contains("(whole run"))
            .count();
        writeln!(
            f,
            "selftest: {} cases against the reference, {} conformant variants and {faults} faults; {whole_runs} whole runs against {NAME_RUN_VARIANT} ({:.2} s)",
            self.cases,
            variants - whole_runs,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(f)?;
        let header = [
            "role",
            "name",
            "clause",
            "level",
            "gate",
            "detected",
            "first flagged by (case: clause)",
            "requests (to first flag, else sent)",
            "flagged by cases (generated)",
        ]
        .map(str::to_owned);
        let rows: Vec<[String; 9]> = std::iter::once(header)
            .chain(self.scores.iter().map(row))
            .collect();
        let mut widths = [0; 9];
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            writeln!(f, "{}", cells.join("  ").trim_end())?;
        }
        writeln!(f)?;
        let off: Vec<&str> = self
            .scores
            .iter()
            .filter(|s| !s.holds())
            .map(|s| s.name.as_str())
            .collect();
        if off.is_empty() {
            write!(
                f,
                "gate: ok (reference and variants clean, every fault flagged by its own clause)"
            )
        } else {
            write!(f, "gate: FAILED for {}", off.join(", "))
        }
    }
}

/// One subject's row of the score table.
fn row(score: &Score) -> [String; 9] {
    let detected = match (score.role, &score.detection) {
        (Role::Fault, Some(d)) if d.outcome == Outcome::Warn => "yes (warning)".to_owned(),
        (Role::Fault, Some(_)) => "yes (failure)".to_owned(),
        (Role::Fault, None) => "NO".to_owned(),
        _ if score.holds() => "clean".to_owned(),
        _ => format!(
            "{} failed, {} warned, {} setup",
            score.failed, score.warned, score.setup
        ),
    };
    let by = score
        .detection
        .as_ref()
        .map_or("-".to_owned(), |d| format!("{}: {}", d.case_id, d.clause));
    let requests = score
        .detection
        .as_ref()
        .map_or(score.requests, |d| d.requests);
    [
        score.role.to_string(),
        score.name.clone(),
        score.clause.map_or("-", ClauseId::id).to_owned(),
        score
            .clause
            .map_or("-".to_owned(), |c| c.level().to_string()),
        if score.holds() { "ok" } else { "FAIL" }.to_owned(),
        detected,
        by,
        requests.to_string(),
        format!("{} ({})", score.flagged_by, score.flagged_by_generated),
    ]
}
