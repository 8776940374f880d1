//! The runner: cases and a target in, libtest-mimic trials out, every result kept for the reports.
//!
//! A [`Run`] owns what a whole run shares: the target, the timeout, the run-wide
//! `connection_id` registry and the list of [`CaseResult`]s. [`Run::trials`] turns each case into
//! one libtest-mimic trial named by its case id, so `cargo test`, name filters, `--exact`,
//! `--list`, `--test-threads` and cargo-nextest work unchanged; trials run on libtest's threads
//! and share one tokio runtime. A trial fails on a MUST violation or a setup problem, and on a
//! SHOULD violation under `strict`; its failure text is rendered by `report`.

mod generated;

pub use generated::{GenerateConfig, DEFAULT_CONCURRENCY};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};

use crate::case::{Case, Expect, Source};
use crate::check::{self, ConnectionIds, Outcome, Verdict};
use crate::clause::ClauseId;
use crate::report;
use crate::target::{self, Request, Response, Target};

/// How long one request may take by default before it counts as unanswered (`--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The knobs of a run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The `{project_id}` path segment.
    pub project_id: String,
    /// How long one request may take before it counts as unanswered.
    pub timeout: Duration,
    /// Whether SHOULD violations fail trials (and the run).
    pub strict: bool,
    /// Headers added to every request (e.g. `X-Auth-Token`); reports mask secret values.
    pub headers: Vec<(String, String)>,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            project_id: target::DEFAULT_PROJECT_ID.into(),
            timeout: DEFAULT_TIMEOUT,
            strict: false,
            headers: Vec::new(),
        }
    }
}

/// One request the run sent and what became of it.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// The clause ids the case exercises.
    pub clauses: Vec<ClauseId>,
    /// What a conformant server does.
    pub expect: Expect,
    /// Where the case was written.
    pub source: Source,
    /// What was sent.
    pub request: Request,
    /// What came back, if anything did.
    pub response: Option<Response>,
    /// The checker's judgement.
    pub verdict: Verdict,
}

impl CaseResult {
    /// The result's outcome.
    pub fn outcome(&self) -> Outcome {
        self.verdict.outcome()
    }
}

/// Everything one run shares between its trials.
pub struct Run {
    target: Arc<dyn Target>,
    runtime: tokio::runtime::Handle,
    config: RunConfig,
    connection_ids: ConnectionIds,
    results: Mutex<Vec<CaseResult>>,
    requests: AtomicU64,
    started: Instant,
}

impl Run {
    /// A run against `target`, sending requests on `runtime`.
    pub fn new(
        target: Arc<dyn Target>,
        runtime: tokio::runtime::Handle,
        config: RunConfig,
    ) -> Arc<Run> {
        Arc::new(Run {
            target,
            runtime,
            config,
            connection_ids: ConnectionIds::default(),
            results: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            started: Instant::now(),
        })
    }

    /// The run's configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The base URL of the target.
    pub fn target_url(&self) -> String {
        self.target.base_url()
    }

    /// One trial per case, named by case id, in the cases' order.
    pub fn trials(self: &Arc<Self>, cases: Vec<Case>) -> Vec<Trial> {
        cases
            .into_iter()
            .map(|case| {
                let run = Arc::clone(self);
                Trial::test(case.id.clone(), move || run.run_trial(&case))
            })
            .collect()
    }

    fn run_trial(&self, case: &Case) -> Result<(), Failed> {
        let result = self.runtime.block_on(self.execute(case));
        let rendered = self
            .fails(&result)
            .then(|| report::render_failure(&result, &self.target_url()));
        self.record(&mut vec![result]);
        rendered.map_or(Ok(()), |text| Err(Failed::from(text)))
    }

    /// Whether a result fails its trial under this run's strictness.
    fn fails(&self, result: &CaseResult) -> bool {
        match result.outcome() {
            Outcome::Pass => false,
            Outcome::Warn => self.config.strict,
            Outcome::Fail | Outcome::Setup => true,
        }
    }

    /// Keeps `results` for the reports.
    fn record(&self, results: &mut Vec<CaseResult>) {
        self.results
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .append(results);
    }

    /// Sends one case and judges the answer (also recording its `connection_id` run-wide).
    pub async fn execute(&self, case: &Case) -> CaseResult {
        let mut request = Request::create_connection(&self.config.project_id, case.body.clone());
        request.headers.extend(self.config.headers.iter().cloned());
        self.requests.fetch_add(1, Ordering::Relaxed);
        let answer =
            target::send_with_timeout(self.target.as_ref(), &request, self.config.timeout).await;
        let mut verdict = check::check(case.expect, &answer);
        self.connection_ids.record(&case.id, &mut verdict);
        CaseResult {
            id: case.id.clone(),
            clauses: case.clauses.clone(),
            expect: case.expect,
            source: case.source.clone(),
            request,
            response: answer.ok(),
            verdict,
        }
    }

    /// Ends the run: its results sorted by case id, the request count and the time taken.
    pub fn finish(&self) -> RunRecord {
        let mut results = std::mem::take(
            &mut *self
                .results
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        results.sort_by(|a, b| a.id.cmp(&b.id));
        RunRecord {
            target: self.target_url(),
            results,
            requests: self.requests.load(Ordering::Relaxed),
            elapsed: self.started.elapsed(),
            strict: self.config.strict,
        }
    }
}

/// A finished run: what the reports read.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The target's base URL.
    pub target: String,
    /// Every case result, sorted by id.
    pub results: Vec<CaseResult>,
    /// Requests sent.
    pub requests: u64,
    /// Wall time from the run's start.
    pub elapsed: Duration,
    /// Whether warnings count as failures.
    pub strict: bool,
}

impl RunRecord {
    /// How many results ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome() == outcome)
            .count()
    }

    /// True when the run found no failure (and, under `strict`, no warning).
    pub fn conforms(&self) -> bool {
        self.count(Outcome::Fail) == 0 && !(self.strict && self.count(Outcome::Warn) > 0)
    }
}
