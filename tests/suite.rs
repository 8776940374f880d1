//! `cargo test --test suite`: every case in `cases/` as a libtest-mimic trial against the
//! in-process reference mock. Standard libtest arguments work (filter, `--exact`, `--list`,
//! `--test-threads`, `--format terse`), and so does cargo-nextest.

use std::process::ExitCode;
use std::sync::Arc;

use dli_conformance::runner::{Run, RunConfig};
use dli_conformance::target::InProcess;
use dli_conformance::{case, mock};

fn main() -> ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let cases_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/cases");
    let cases = match case::load_dir(cases_dir.as_ref()) {
        Ok(cases) => cases,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let target = Arc::new(InProcess::new(mock::router()));
    let run = Run::new(target, runtime.handle().clone(), RunConfig::default());
    libtest_mimic::run(&args, run.trials(cases)).exit_code()
}
