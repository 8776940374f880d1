//! Generated trials: one libtest-mimic trial per generator class, named `prop/<class>`.
//!
//! A trial streams the class's examples for the run seed (drawn in order, so the bytes depend
//! only on the seed), sends them concurrently (at most `concurrency` in flight), judges each with
//! the oracle's expectation and records it at once; only the value trees of requests in flight,
//! and of the first failing example, are kept. A class whose requests go unanswered
//! [`UNANSWERED_PER_CLASS`] times stops there (it has failed already) and its remaining examples
//! are recorded as not run. The first failure is shrunk (for a bounded time, not at all when `CI`
//! is set, and never when it had no answer: a timed-out input is never sent again) through the
//! executor alone, so shrinking adds nothing to the run's results, request count or id registry.
//! The failure text then carries the minimal body, a curl line and a ready-to-paste regression
//! case, which `--save-failures DIR` also writes as a case file with the exact request bytes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use libtest_mimic::{Failed, Trial};

use super::budget;
use super::fit::Fit;
use super::Run;
use crate::case::{Case, Source};
use crate::case_writer;
use crate::check::Outcome;
use crate::generate::{Class, Example, CLASSES};
use crate::partition::Partition;
use crate::report;
use crate::result::CaseResult;
use crate::transport::Request;

/// Examples of one class allowed to go unanswered before the class stops.
pub const UNANSWERED_PER_CLASS: usize = 3;

/// How long a failure is shrunk, unless told otherwise (and never when `CI` is set).
pub const DEFAULT_SHRINK_BUDGET: Duration = Duration::from_secs(10);

/// Requests of one class in flight at once by default (`--concurrency`).
pub const DEFAULT_CONCURRENCY: u16 = 16;

/// How generated bodies are drawn, sent and shrunk.
#[derive(Debug, Clone)]
pub struct GenerateConfig {
    /// The run seed; the same seed gives the same bytes.
    pub seed: u64,
    /// Examples per class.
    pub examples: usize,
    /// Requests of one class in flight at once.
    pub concurrency: usize,
    /// How long to shrink a failure; `None` turns shrinking off.
    pub shrink_budget: Option<Duration>,
    /// Where to write each class's shrunk failure as a case file.
    pub save_failures: Option<PathBuf>,
    /// The shard of the examples to send (all are still drawn, in order).
    pub partition: Option<Partition>,
    /// How each example is fitted to the run (profile, fixtures, run id in names).
    pub fit: Fit,
}

impl GenerateConfig {
    /// `examples` per class for `seed`, [`DEFAULT_CONCURRENCY`] in flight, shrinking for up to
    /// [`DEFAULT_SHRINK_BUDGET`] unless `CI` is set.
    pub fn new(seed: u64, examples: usize) -> GenerateConfig {
        GenerateConfig {
            seed,
            examples,
            concurrency: usize::from(DEFAULT_CONCURRENCY),
            shrink_budget: std::env::var_os("CI")
                .is_none()
                .then_some(DEFAULT_SHRINK_BUDGET),
            save_failures: None,
            partition: None,
            fit: Fit::default(),
        }
    }
}

/// The first failing example of a class, kept for shrinking.
struct FirstFailure {
    example: Example,
    result: CaseResult,
}

impl Run {
    /// One trial per generator class, named `{prefix}/{class}` (the CLI uses `prop`).
    pub fn generated_trials(self: &Arc<Self>, prefix: &str, config: &GenerateConfig) -> Vec<Trial> {
        CLASSES
            .iter()
            .map(|class| {
                let run = Arc::clone(self);
                let config = config.clone();
                Trial::test(format!("{prefix}/{}", class.name), move || {
                    run.run_class(class, &config)
                })
            })
            .collect()
    }

    pub(super) fn run_class(
        &self,
        class: &'static Class,
        config: &GenerateConfig,
    ) -> Result<(), Failed> {
        let unanswered = AtomicUsize::new(0);
        let class_stop: OnceLock<String> = OnceLock::new();
        let mut failed = 0usize;
        let mut setup: Option<(usize, String)> = None;
        let mut over_budget = 0usize;
        let mut not_run: Option<(usize, String)> = None;
        let mut first: Option<FirstFailure> = None;
        let mut recorded = 0usize;
        let mut draw = class.draw(config.seed);
        let sends = stream::iter(0..config.examples)
            .filter_map(|index| {
                let stopped = class_stop.get().cloned();
                // Every example is drawn, in order, so example i has the same bytes on every
                // shard; only this shard's are sent.
                let example = match stopped {
                    Some(_) => None,
                    None => draw.next(),
                };
                let mine = config
                    .partition
                    .is_none_or(|partition| partition.keeps_example(class.name, index));
                std::future::ready(mine.then_some((index, stopped, example)))
            })
            .map(|(index, stopped, example)| {
                let unanswered = &unanswered;
                let class_stop = &class_stop;
                async move {
                    let Some(example) = example else {
                        let reason = stopped.unwrap_or_else(|| "no example drawn".into());
                        return (None, undrawn(class, config.seed, index, reason));
                    };
                    let case = config.fit.case(example.case());
                    let result = self.executor.execute(&case).await;
                    if result.skipped.is_none() && result.response.is_none() {
                        let count = unanswered.fetch_add(1, Ordering::Relaxed) + 1;
                        if count >= UNANSWERED_PER_CLASS {
                            let _ = class_stop.set(format!(
                                "prop/{} stopped after {count} examples without an answer",
                                class.name
                            ));
                        }
                    }
                    (Some(example), result)
                }
            })
            .buffered(config.concurrency.max(1));
        let budget_reason = self
            .executor
            .guards()
            .budget
            .as_ref()
            .map(|budget| budget::over_budget(budget.limit()));
        self.runtime
            .block_on(sends.for_each(|(example, mut result)| {
                recorded += 1;
                // Settled first, so a known deviation or a reused id decides the trial as it
                // decides the run.
                self.settle(&mut result);
                if result.skipped.is_some() && result.skipped == budget_reason {
                    over_budget += 1;
                } else if let Some(reason) = &result.skipped {
                    let (count, _) = not_run.get_or_insert_with(|| (0, reason.clone()));
                    *count += 1;
                } else if let Some(problem) = &result.verdict.setup {
                    // The environment answered (throttling, credentials): no conformance
                    // result, nothing to shrink or to keep as a regression case.
                    let (count, _) = setup.get_or_insert_with(|| (0, problem.message.clone()));
                    *count += 1;
                } else if self.fails(&result) {
                    failed += 1;
                    if let (None, Some(example)) = (&first, example) {
                        first = Some(FirstFailure {
                            example,
                            result: result.clone(),
                        });
                    }
                }
                self.deliver(result);
                std::future::ready(())
            }));
        let mut not_run = not_run.map(|(count, reason)| {
            format!("   = not run: {count} of {recorded} examples ({reason})\n")
        });
        if let Some((count, problem)) = setup {
            let line = format!(
                "   = setup problem: {count} of {recorded} examples ({problem}); not a conformance result\n"
            );
            not_run = Some(line + &not_run.unwrap_or_default());
        }
        if over_budget > 0 && (first.is_some() || not_run.is_some()) {
            let line = format!(
                "   = over the create budget: {over_budget} of {recorded} examples not sent\n"
            );
            not_run = Some(not_run.unwrap_or_default() + &line);
        }
        match (first, not_run) {
            (None, None) => Ok(()),
            (None, Some(not_run)) => Err(Failed::from(not_run)),
            (Some(first), not_run) => {
                let text = self.explain(first, failed, recorded, config);
                Err(Failed::from(text + &not_run.unwrap_or_default()))
            }
        }
    }

    /// The failure text of a class: its first failure, shrunk when it can be, with a
    /// regression case (saved when asked).
    fn explain(
        &self,
        first: FirstFailure,
        failed: usize,
        recorded: usize,
        config: &GenerateConfig,
    ) -> String {
        let FirstFailure { example, result } = first;
        let index = example.index();
        let mut text = String::new();
        let shrinkable = result.verdict.setup.is_none() && result.response.is_some();
        let shrunk = match (shrinkable, config.shrink_budget) {
            (true, Some(budget)) => {
                let clause = result.verdict.violations[0].clause;
                let started = Instant::now();
                let fit = &config.fit;
                let (case, tries) = self.runtime.block_on(example.shrink(
                    |candidate| async move {
                        let candidate = fit.case(candidate);
                        self.still_fails(&candidate, clause).await.is_some()
                    },
                    budget,
                ));
                let case = fit.case(case);
                text.push_str(&format!(
                    "   = shrunk: {tries} simpler bodies tried in {:.1} s\n",
                    started.elapsed().as_secs_f64()
                ));
                self.runtime
                    .block_on(self.still_fails(&case, clause))
                    .unwrap_or(result)
            }
            (true, None) => {
                text.push_str("   = shrunk: no (shrinking is off when CI is set)\n");
                result
            }
            (false, _) => result,
        };
        let regression = case_writer::regression_case(&shrunk);
        if let Some(dir) = &config.save_failures {
            let path = dir.join(format!("{}.json", case_writer::regression_name(&shrunk)));
            let written =
                std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &regression));
            text.push_str(&match written {
                Ok(()) => format!("   = saved: {}\n", path.display()),
                Err(err) => format!("   = not saved: cannot write {}: {err}\n", path.display()),
            });
        }
        format!(
            "{}{text}   = failing examples: {failed} of {recorded} (first: example {index})\n   = minimal body: {}\n   = as a case for cases/regressions/:\n{regression}",
            report::render_failure(&shrunk, &self.executor.base_url()),
            report::body_preview(&shrunk.request.body),
        )
    }

    /// Sends `case` through the executor alone (nothing recorded); gives its result when it
    /// still fails on `clause` with an answer.
    async fn still_fails(
        &self,
        case: &Case,
        clause: crate::spec::clause::ClauseId,
    ) -> Option<CaseResult> {
        let result = self.executor.execute(case).await;
        let fails = result.response.is_some()
            && self.fails(&result)
            && result.outcome() != Outcome::Skip
            && result.verdict.violations.iter().any(|v| v.clause == clause);
        fails.then_some(result)
    }
}

/// Example `index` of `class`, not drawn and not sent, for `reason`.
fn undrawn(class: &'static Class, seed: u64, index: usize, reason: String) -> CaseResult {
    CaseResult::skipped(
        format!("prop/{}/{index}", class.name),
        Vec::new(),
        crate::case::Expect::Either,
        Source::Generated {
            class: class.name,
            seed,
            index,
        },
        Request::create_connection("", bytes::Bytes::new()),
        reason,
    )
}
