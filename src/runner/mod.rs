//! The runner: cases and a target in, libtest-mimic trials out, every result into the sink.
//!
//! A [`Run`] (started by [`Suite::start`](crate::Suite::start), the front door) owns what a
//! whole run shares: the [`Executor`] (target, timeouts, stop switch,
//! request count), the run-wide `connection_id` registry and the [`Sink`] every result goes to.
//! [`Run::trials`] turns each case into one libtest-mimic trial named by its case id, so
//! `cargo test`, name filters, `--exact`, `--list`, `--test-threads` and cargo-nextest work
//! unchanged; trials run on libtest's threads and share one tokio runtime (`Suite::run` runs
//! the same work on threads of its own, without libtest). A trial fails on a MUST
//! violation, a setup problem or a case that did not run, and on a SHOULD violation under
//! `strict`; its failure text is rendered by `report` through the sink. Results are not kept:
//! [`Run::finish`] gives the sink's tally and closes the streaming reports.
//!
//! Around the sending sit the run's [`Guards`] ([`pace`], [`budget`], [`ledger`]) and its
//! adaptive [`concurrency`]; [`fit`] adapts
//! cases to the run's profile and fixtures, and [`cleanup`] deletes what the run created.

pub mod budget;
pub mod cleanup;
pub mod concurrency;
mod executor;
pub mod fit;
mod generated;
pub mod ledger;
pub mod pace;
pub mod preflight;

pub use executor::{Executor, Guards, Stop};
pub use generated::{GenerateConfig, DEFAULT_CONCURRENCY};

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};

use crate::baseline::Baseline;
use crate::case::Case;
use crate::check::{ConnectionIds, Outcome};
use crate::generate::{Class, CLASSES};
use crate::parity::Parity;
use crate::result::{CaseResult, Counts, RunRecord, Tally};
use crate::sink::Sink;
use crate::spec::clause::Profile;
use crate::transport::{self, Target};

/// Seconds one request may take before it counts as unanswered, unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Consecutive unanswered requests after which a run stops sending, unless told otherwise.
pub const DEFAULT_STOP_AFTER: usize = 8;

/// Requests in flight at once across the whole run, unless told otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

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
    /// The profile the cases' expectations follow.
    pub profile: Profile,
    /// Consecutive requests without an answer after which the run stops sending (0: never).
    pub stop_after: usize,
    /// The longest the whole run may take; what has not run by then is skipped.
    pub max_time: Option<Duration>,
    /// Requests in flight at once across the whole run (trials beyond it wait their turn; a
    /// request's timeout starts when it is sent).
    pub max_in_flight: usize,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            project_id: transport::DEFAULT_PROJECT_ID.into(),
            timeout: DEFAULT_TIMEOUT,
            strict: false,
            headers: Vec::new(),
            profile: Profile::Seed,
            stop_after: DEFAULT_STOP_AFTER,
            max_time: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// Everything one run shares between its trials.
pub struct Run {
    executor: Executor,
    runtime: tokio::runtime::Handle,
    connection_ids: ConnectionIds,
    baseline: Option<Baseline>,
    parity: Option<Parity>,
    sink: Mutex<Option<Sink>>,
    started: Instant,
}

impl Run {
    /// A run against `target`, sending requests on `runtime` through `guards`, applying
    /// `baseline` to every result and comparing it with `parity`'s recording before `sink`
    /// records it. [`Suite::start`](crate::Suite::start) is the way in.
    pub(crate) fn start(
        target: Arc<dyn Target>,
        runtime: tokio::runtime::Handle,
        config: RunConfig,
        sink: Sink,
        guards: Guards,
        baseline: Option<Baseline>,
        parity: Option<Parity>,
    ) -> Arc<Run> {
        Arc::new(Run {
            executor: Executor::guarded(target, config, guards),
            runtime,
            connection_ids: ConnectionIds::default(),
            baseline,
            parity,
            sink: Mutex::new(Some(sink)),
            started: Instant::now(),
        })
    }

    /// The run's executor (its configuration, target and stop switch).
    pub fn executor(&self) -> &Executor {
        &self.executor
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

    /// One ignored trial per case, each recorded at once as not run for `reason` (cases over
    /// the create budget: reported, never sent, never passed).
    pub fn skipped_trials(self: &Arc<Self>, cases: Vec<Case>, reason: &str) -> Vec<Trial> {
        cases
            .into_iter()
            .map(|case| {
                let request = self.executor.request_for(&case);
                let result = CaseResult::skipped(
                    case.id.clone(),
                    case.clauses.clone(),
                    case.expect,
                    case.source.clone(),
                    request,
                    reason.to_owned(),
                );
                self.record(result);
                Trial::test(case.id, || Ok(())).with_ignored_flag(true)
            })
            .collect()
    }

    /// Runs `cases`, then every generator class of `generate`, `threads` at once, without
    /// libtest and without printing: the results go to the sink as a trial's would.
    pub(crate) fn run_all(
        &self,
        cases: Vec<Case>,
        generate: Option<&GenerateConfig>,
        threads: usize,
    ) {
        enum Job<'a> {
            Case(Case),
            Class(&'static Class, &'a GenerateConfig),
        }
        let classes = generate
            .into_iter()
            .flat_map(|config| CLASSES.iter().map(move |class| Job::Class(class, config)));
        let jobs = Mutex::new(cases.into_iter().map(Job::Case).chain(classes));
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                scope.spawn(|| loop {
                    let job = jobs
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .next();
                    // A failure is in the sink already; its text is the trial's, not needed here.
                    let _ = match job {
                        None => break,
                        Some(Job::Case(case)) => self.run_trial(&case),
                        Some(Job::Class(class, config)) => self.run_class(class, config),
                    };
                });
            }
        });
    }

    fn run_trial(&self, case: &Case) -> Result<(), Failed> {
        let result = self.runtime.block_on(self.executor.execute(case));
        self.record(result)
            .map_or(Ok(()), |text| Err(Failed::from(text)))
    }

    /// Whether a result fails its trial under this run's strictness.
    fn fails(&self, result: &CaseResult) -> bool {
        match result.outcome() {
            Outcome::Pass | Outcome::Known => false,
            Outcome::Warn => self.executor.config().strict,
            Outcome::Fail | Outcome::Setup | Outcome::Skip => true,
        }
    }

    /// Checks `result`'s `connection_id` run-wide and hands it to the sink; gives its failure
    /// text when it fails its trial.
    pub fn record(&self, mut result: CaseResult) -> Option<String> {
        self.settle(&mut result);
        self.deliver(result)
    }

    /// What the run adds to a judged result before anyone reads it: the run-wide
    /// `connection_id` check, then the baseline, then the comparison with a recording.
    fn settle(&self, result: &mut CaseResult) {
        self.connection_ids
            .record(&result.id, &result.source, &mut result.verdict);
        if let Some(baseline) = &self.baseline {
            baseline.apply(result);
        }
        if let Some(parity) = &self.parity {
            result.parity = parity.compare(result);
        }
    }

    /// Hands a settled result to the sink; gives its failure text when it fails its trial.
    fn deliver(&self, result: CaseResult) -> Option<String> {
        let text = self.with_sink(|sink| sink.record(&result)).flatten();
        text.filter(|_| self.fails(&result))
    }

    fn with_sink<T>(&self, action: impl FnOnce(&mut Sink) -> T) -> Option<T> {
        self.sink
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_mut()
            .map(action)
    }

    /// The counts so far (cheap: for a progress bar).
    pub fn counts(&self) -> Counts {
        self.with_sink(|sink| sink.tally().counts)
            .unwrap_or_default()
    }

    /// The tally so far (e.g. for a progress line).
    pub fn tally(&self) -> Tally {
        self.with_sink(|sink| sink.tally().clone())
            .unwrap_or_default()
    }

    /// Ends the run: closes the reports and gives the run's record and any report errors.
    /// A second call gives an empty record.
    pub fn finish(&self) -> (RunRecord, Vec<String>) {
        let record = RunRecord {
            target: self.executor.base_url(),
            tally: Tally::default(),
            requests: self.executor.requests(),
            elapsed: self.started.elapsed(),
            strict: self.executor.config().strict,
            stopped: self.executor.stop().reason(),
            baseline: self.baseline.as_ref().map(Baseline::status),
            concurrency: Some(self.executor.concurrency().record()),
        };
        let sink = self
            .sink
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match sink {
            Some(sink) => sink.finish(record),
            None => (record, Vec::new()),
        }
    }
}
