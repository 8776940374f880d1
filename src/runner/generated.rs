//! Generated trials: one libtest-mimic trial per generator class, named `prop/<class>`.
//!
//! A trial draws the class's examples for the run seed, sends them concurrently (at most
//! `concurrency` in flight), and judges each with the oracle's expectation. When examples fail,
//! the first one is shrunk (for a bounded time, and not at all when `CI` is set) while it keeps
//! breaking the same clause; the failure text then carries the minimal body, a curl line and a
//! ready-to-paste regression case, which `--save-failures DIR` also writes as a case file with the
//! exact request bytes, so replaying never depends on re-generating from the seed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use libtest_mimic::{Failed, Trial};

use super::{CaseResult, Run};
use crate::generate::{Class, CLASSES};
use crate::report;

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
}

impl GenerateConfig {
    /// `examples` per class for `seed`, [`DEFAULT_CONCURRENCY`] in flight, shrinking for up to 10 s unless `CI` is set.
    pub fn new(seed: u64, examples: usize) -> GenerateConfig {
        GenerateConfig {
            seed,
            examples,
            concurrency: usize::from(DEFAULT_CONCURRENCY),
            shrink_budget: std::env::var_os("CI")
                .is_none()
                .then(|| Duration::from_secs(10)),
            save_failures: None,
        }
    }
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

    fn run_class(&self, class: &'static Class, config: &GenerateConfig) -> Result<(), Failed> {
        let mut sample = class.sample(config.seed, config.examples);
        let cases = sample.cases();
        let mut results: Vec<CaseResult> = self.runtime.block_on(
            stream::iter(&cases)
                .map(|case| self.execute(case))
                .buffered(config.concurrency.max(1))
                .collect(),
        );
        let failed_at: Vec<usize> = (0..results.len())
            .filter(|&index| self.fails(&results[index]))
            .collect();
        let first_failure = failed_at.first().map(|&index| results[index].clone());
        self.record(&mut results);
        let Some(first) = first_failure else {
            return Ok(());
        };
        let index = failed_at[0];
        let mut text = String::new();
        let shrunk = match (&first.verdict.setup, config.shrink_budget) {
            (None, Some(budget)) => {
                let clause = first.verdict.violations[0].clause;
                let started = Instant::now();
                let (case, tries) = sample.shrink(
                    index,
                    |candidate| {
                        let result = self.runtime.block_on(self.execute(candidate));
                        self.fails(&result)
                            && result.verdict.violations.iter().any(|v| v.clause == clause)
                    },
                    budget,
                );
                let result = self.runtime.block_on(self.execute(&case));
                text.push_str(&format!(
                    "   = shrunk: {tries} simpler bodies tried in {:.1} s\n",
                    started.elapsed().as_secs_f64()
                ));
                if self.fails(&result) {
                    result
                } else {
                    first
                }
            }
            (None, None) => {
                text.push_str("   = shrunk: no (shrinking is off when CI is set)\n");
                first
            }
            (Some(_), _) => first,
        };
        let regression = report::regression_case(&shrunk);
        if let Some(dir) = &config.save_failures {
            let path = dir.join(format!("{}.json", report::regression_name(&shrunk)));
            let written =
                std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &regression));
            text.push_str(&match written {
                Ok(()) => format!("   = saved: {}\n", path.display()),
                Err(err) => format!("   = not saved: cannot write {}: {err}\n", path.display()),
            });
        }
        Err(Failed::from(format!(
            "{}{text}   = failing examples: {} of {} (first: example {index})\n   = minimal body: {}\n   = as a case for cases/regressions/:\n{regression}",
            report::render_failure(&shrunk, &self.target_url()),
            failed_at.len(),
            cases.len(),
            String::from_utf8_lossy(&shrunk.request.body),
        )))
    }
}
