//! `cargo test --test suite`: every case in `cases/` and every corpus case (`corpus/...`) as a
//! libtest-mimic trial against the in-process reference mock, then every generator class as
//! `prop/<class>` (256 examples, fixed seed) and, ignored unless asked for with `--ignored`,
//! `prop-10k/<class>` (10 000 examples). Standard libtest arguments work (filter, `--exact`,
//! `--list`, `--test-threads`, `--format terse`), and so does cargo-nextest.

use std::process::ExitCode;
use std::sync::Arc;

use dli_conformance::fixtures::Fixtures;
use dli_conformance::generate::FIXED_SEED;
use dli_conformance::runner::{GenerateConfig, Run, RunConfig};
use dli_conformance::shipped::CaseRoot;
use dli_conformance::transport::InProcess;
use dli_conformance::{case, corpus, mock};

fn main() -> ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let cases_dir = dli_conformance::case::SHIPPED_DIR;
    let cases = match case::load_dir(cases_dir.as_ref(), &Fixtures::default()) {
        Ok(cases) => cases,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let corpus_cases = match corpus::load(&CaseRoot::Dir(cases_dir.into())) {
        Ok(cases) => cases,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let target = Arc::new(InProcess::new(mock::router()));
    let run = Run::plain(target, runtime.handle().clone(), RunConfig::default());
    let mut trials = run.trials(cases);
    trials.extend(run.trials(corpus_cases));
    trials.extend(run.generated_trials("prop", &GenerateConfig::new(FIXED_SEED, 256)));
    trials.extend(
        run.generated_trials("prop-10k", &GenerateConfig::new(FIXED_SEED, 10_000))
            .into_iter()
            .map(|trial| trial.with_ignored_flag(true)),
    );
    libtest_mimic::run(&args, trials).exit_code()
}
