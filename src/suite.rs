//! The front door: one builder for a run of the suite, used by the CLI, the tests, the self-test,
//! the benches and anyone's own harness alike.
//!
//! A [`Suite`] takes a target (an axum `Router` in-process, a URL, or any
//! [`Target`]) and the run's options (profile, strictness, seed and examples, guards, baseline,
//! a parity recording, the sink its results go to) and has two ends: [`Suite::test`] makes every case and generator
//! class a libtest-mimic trial and runs them under `cargo test`'s arguments (for a
//! `harness = false` test target of your own crate), and [`Suite::run`] runs them and gives the
//! [`RunRecord`], whose [`status`](RunRecord::status) says whether the target conforms. The
//! cases are the tree compiled into the binary ([`shipped`](crate::shipped)) and its corpus,
//! unless [`Suite::cases_from`] names another root. Callers that arrange the trials themselves
//! (the CLI puts the create budget's skipped cases between them, the benches send without
//! libtest) take [`Suite::load`] and [`Suite::start`] instead. Below it sit [`case`](crate::case)
//! and [`corpus`](crate::corpus) (loading), [`runner`] (the run and its trials) and
//! [`transport`](crate::transport) (the target).

use std::fmt;
use std::sync::Arc;

use libtest_mimic::{Arguments, Conclusion, Trial};

use crate::baseline::Baseline;
use crate::case::{self, Case, LoadError};
use crate::corpus;
use crate::fixtures::Fixtures;
use crate::generate::{DEFAULT_EXAMPLES, FIXED_SEED};
use crate::mock;
use crate::parity::Parity;
use crate::partition::Partition;
use crate::result::RunRecord;
use crate::runner::fit::Fit;
use crate::runner::{GenerateConfig, Guards, Run, RunConfig};
use crate::shipped::CaseRoot;
use crate::sink::Sink;
use crate::spec::clause::Profile;
use crate::transport::{HttpTarget, InProcess, Target};

/// Cases and classes [`Suite::run`] runs at once: each mostly waits for its answers.
const RUN_THREADS: usize = 16;

/// A run of the suite, before it starts: the target and every option, each with a default
/// (the reference mock, the shipped cases and corpus, profile `seed`, not strict,
/// [`DEFAULT_EXAMPLES`] generated bodies per class at [`FIXED_SEED`]).
///
/// ```no_run
/// # fn my_app() -> axum::Router { dli_conformance::mock::router() }
/// use dli_conformance::{Status, Suite};
///
/// let record = Suite::against_router(my_app()).examples(64).run().unwrap();
/// assert_eq!(record.status(), Status::Conforms);
/// ```
pub struct Suite {
    target: Arc<dyn Target>,
    config: RunConfig,
    root: CaseRoot,
    fixtures: Fixtures,
    fit: Fit,
    corpus: bool,
    partition: Option<Partition>,
    generate: GenerateConfig,
    extended: Option<usize>,
    guards: Guards,
    baseline: Option<Baseline>,
    parity: Option<Parity>,
    sink: Option<Sink>,
}

impl Default for Suite {
    /// The suite against the in-process reference mock.
    fn default() -> Suite {
        Suite::new(Arc::new(InProcess::new(mock::router())))
    }
}

impl Suite {
    /// The suite against `target`.
    pub fn new(target: Arc<dyn Target>) -> Suite {
        Suite {
            target,
            config: RunConfig::default(),
            root: CaseRoot::Shipped,
            fixtures: Fixtures::default(),
            fit: Fit::default(),
            corpus: true,
            partition: None,
            generate: GenerateConfig::new(FIXED_SEED, DEFAULT_EXAMPLES),
            extended: None,
            guards: Guards::default(),
            baseline: None,
            parity: None,
            sink: None,
        }
    }

    /// The suite against an axum router, called in-process (no socket).
    pub fn against_router(router: axum::Router) -> Suite {
        Suite::new(Arc::new(InProcess::new(router)))
    }

    /// The suite against the endpoint at base URL `url` (`http` or `https`).
    pub fn against_url(url: &str) -> Result<Suite, Error> {
        let target = HttpTarget::new(url).map_err(Error::Target)?;
        Ok(Suite::new(Arc::new(target)))
    }

    /// The same suite against `target`.
    pub fn target(mut self, target: Arc<dyn Target>) -> Suite {
        self.target = target;
        self
    }

    /// Every knob of [`RunConfig`] at once (its profile becomes the suite's, see
    /// [`Suite::profile`]).
    pub fn config(mut self, config: RunConfig) -> Suite {
        self.fit.profile = config.profile;
        self.config = config;
        self
    }

    /// Judge by `profile`; cases and generated bodies are fitted to it.
    pub fn profile(mut self, profile: Profile) -> Suite {
        self.config.profile = profile;
        self.fit.profile = profile;
        self
    }

    /// Count SHOULD violations as failures.
    pub fn strict(mut self, strict: bool) -> Suite {
        self.config.strict = strict;
        self
    }

    /// Read the case files (and the corpus) below `root` instead of the shipped tree.
    pub fn cases_from(mut self, root: CaseRoot) -> Suite {
        self.root = root;
        self
    }

    /// What the case files' placeholders stand for.
    pub fn fixtures(mut self, fixtures: Fixtures) -> Suite {
        self.fixtures = fixtures;
        self
    }

    /// How every case and generated body is fitted to the run (its profile becomes the suite's).
    pub fn fit(mut self, fit: Fit) -> Suite {
        self.config.profile = fit.profile;
        self.fit = fit;
        self
    }

    /// Whether the corpus cases (`corpus/...`) run too (default: yes).
    pub fn corpus(mut self, corpus: bool) -> Suite {
        self.corpus = corpus;
        self
    }

    /// Run only this shard of the cases and generated examples.
    pub fn partition(mut self, partition: Option<Partition>) -> Suite {
        self.partition = partition;
        self
    }

    /// The seed of the generated bodies (the same seed gives the same bytes).
    pub fn seed(mut self, seed: u64) -> Suite {
        self.generate.seed = seed;
        self
    }

    /// Generated bodies per generator class; 0 runs the case files only.
    pub fn examples(mut self, examples: usize) -> Suite {
        self.generate.examples = examples;
        self
    }

    /// How generated bodies are drawn, sent and shrunk (its fit and partition are the suite's).
    pub fn generate(mut self, generate: GenerateConfig) -> Suite {
        self.generate = generate;
        self
    }

    /// Adds a second, ignored trial per generator class, `prop-<N>/<class>` with `examples`
    /// bodies, run by `cargo test -- --ignored` (`tests/suite.rs` has `prop-10k`).
    pub fn extended_examples(mut self, examples: usize) -> Suite {
        self.extended = Some(examples);
        self
    }

    /// The pace, create budget and ledger every send goes through.
    pub fn guards(mut self, guards: Guards) -> Suite {
        self.guards = guards;
        self
    }

    /// Known deviations applied to every result before it is recorded.
    pub fn baseline(mut self, baseline: Option<Baseline>) -> Suite {
        self.baseline = baseline;
        self
    }

    /// A recording every result is compared with (`run --parity DIR`).
    pub fn parity(mut self, parity: Option<Parity>) -> Suite {
        self.parity = parity;
        self
    }

    /// Where the results go (with its report files); default: a sink with no reports.
    pub fn sink(mut self, sink: Sink) -> Suite {
        self.sink = Some(sink);
        self
    }

    /// The case files and (unless turned off) corpus cases, this shard's, fitted to the run.
    pub fn load(&self) -> Result<Vec<Case>, LoadError> {
        let mut cases = case::load(&self.root, &self.fixtures)?;
        if self.corpus {
            cases.extend(corpus::load(&self.root)?);
        }
        if let Some(partition) = &self.partition {
            cases = partition.select(cases);
        }
        Ok(cases.into_iter().map(|case| self.fit.case(case)).collect())
    }

    /// Starts the run, sending on `runtime`; the trials come from [`Run::trials`] and
    /// [`Suite::generated_trials`]. The sink, the baseline and the recording go to the first run started;
    /// a later one gets a sink without reports and neither of the others.
    pub fn start(&mut self, runtime: tokio::runtime::Handle) -> Arc<Run> {
        let sink = self
            .sink
            .take()
            .unwrap_or_else(|| Sink::new(self.target.base_url()));
        Run::start(
            Arc::clone(&self.target),
            runtime,
            self.config.clone(),
            sink,
            self.guards.clone(),
            self.baseline.take(),
            self.parity.take(),
        )
    }

    /// One trial per generator class, `prop/<class>` (none with 0 examples), then the ignored
    /// `prop-<N>/<class>` of [`Suite::extended_examples`].
    pub fn generated_trials(&self, run: &Arc<Run>) -> Vec<Trial> {
        let mut trials = Vec::new();
        if let Some(config) = self.generated() {
            trials.extend(run.generated_trials("prop", &config));
        }
        if let Some(examples) = self.extended {
            let prefix = format!("prop-{}", thousands(examples));
            trials.extend(
                run.generated_trials(&prefix, &self.generated_with(examples))
                    .into_iter()
                    .map(|trial| trial.with_ignored_flag(true)),
            );
        }
        trials
    }

    /// How the run's generated bodies are drawn and sent; `None` with 0 examples.
    fn generated(&self) -> Option<GenerateConfig> {
        (self.generate.examples > 0).then(|| self.generated_with(self.generate.examples))
    }

    fn generated_with(&self, examples: usize) -> GenerateConfig {
        GenerateConfig {
            examples,
            fit: self.fit.clone(),
            partition: self.partition,
            ..self.generate.clone()
        }
    }

    /// Every trial of the run: the cases of [`Suite::load`], then the generated ones.
    fn trials(&self, run: &Arc<Run>) -> Result<Vec<Trial>, LoadError> {
        let mut trials = run.trials(self.load()?);
        trials.extend(self.generated_trials(run));
        Ok(trials)
    }

    /// Runs the suite under `cargo test`'s arguments and exits with libtest's code (2 when a
    /// case file does not load). The whole of a `harness = false` test target:
    ///
    /// ```no_run
    /// # fn my_app() -> axum::Router { dli_conformance::mock::router() }
    /// fn main() {
    ///     dli_conformance::Suite::against_router(my_app()).test()
    /// }
    /// ```
    pub fn test(self) -> ! {
        let conclusion = self.test_with(&Arguments::from_args());
        match conclusion {
            Ok(conclusion) => conclusion.exit(),
            Err(err) => {
                eprintln!("error: {err}");
                std::process::exit(2)
            }
        }
    }

    /// As [`Suite::test`], with the arguments given and the conclusion returned.
    pub fn test_with(mut self, args: &Arguments) -> Result<Conclusion, Error> {
        let runtime = tokio::runtime::Runtime::new().map_err(Error::Runtime)?;
        let run = self.start(runtime.handle().clone());
        let trials = self.trials(&run)?;
        Ok(libtest_mimic::run(args, trials))
    }

    /// Sends every case and generator class ([`RUN_THREADS`] at once, the ignored extended
    /// examples left out), prints nothing and gives the run's record; call it outside an async
    /// context. The record's tally keeps the first failures' texts, and
    /// [`report::console`](crate::report::console) renders its end-of-run text. A report that
    /// could not be written is an error, and so is a run with no result.
    pub fn run(mut self) -> Result<RunRecord, Error> {
        let runtime = tokio::runtime::Runtime::new().map_err(Error::Runtime)?;
        let cases = self.load()?;
        let run = self.start(runtime.handle().clone());
        run.run_all(cases, self.generated().as_ref(), RUN_THREADS);
        let (record, report_errors) = run.finish();
        if !report_errors.is_empty() {
            return Err(Error::Reports(report_errors));
        }
        if record.tally.counts.total() == 0 {
            return Err(Error::NothingRan);
        }
        Ok(record)
    }
}

/// `10000` as `10k`, other numbers as they are (the extended trials' prefix).
fn thousands(examples: usize) -> String {
    if examples >= 1000 && examples % 1000 == 0 {
        format!("{}k", examples / 1000)
    } else {
        examples.to_string()
    }
}

/// Why a suite could not run.
#[derive(Debug)]
pub enum Error {
    /// The target URL is not one the suite can send to.
    Target(String),
    /// A case file (or the corpus) did not load.
    Load(LoadError),
    /// No tokio runtime could be started.
    Runtime(std::io::Error),
    /// Reports that could not be written, one message each.
    Reports(Vec<String>),
    /// The run recorded no result.
    NothingRan,
}

impl From<LoadError> for Error {
    fn from(err: LoadError) -> Error {
        Error::Load(err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Target(why) => write!(f, "invalid target: {why}"),
            Error::Load(err) => err.fmt(f),
            Error::Runtime(err) => write!(f, "cannot start a tokio runtime: {err}"),
            Error::Reports(errors) => write!(f, "reports not written: {}", errors.join("; ")),
            Error::NothingRan => f.write_str("the run recorded no result"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_trials_are_named_in_thousands() {
        assert_eq!(thousands(10_000), "10k");
        assert_eq!(thousands(2_500), "2500");
        assert_eq!(thousands(64), "64");
    }

    #[test]
    fn a_bad_url_is_an_error_not_a_panic() {
        let err = Suite::against_url("ftp://example.com")
            .err()
            .expect("refused");
        assert!(err.to_string().starts_with("invalid target"), "{err}");
    }
}
