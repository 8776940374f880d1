//! `dli-conformance selftest`: the suite against the mock, its variants and its faults.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use dli_conformance::runner::RunConfig;
use dli_conformance::selftest;
use dli_conformance::shipped::CaseRoot;

use super::{parse_seconds, usage_error};

/// Flags of `selftest`.
#[derive(Args)]
pub struct SelftestArgs {
    /// Folder of case files (default: the cases shipped in the binary).
    #[arg(long, value_name = "DIR")]
    cases: Option<PathBuf>,
    /// Seconds one request may take before it counts as unanswered (hanging faults wait this).
    #[arg(long, default_value_t = 2.0, value_parser = parse_seconds)]
    timeout: f64,
    /// Seed of the generated cases added to the case files.
    #[arg(long, default_value_t = selftest::SEED)]
    seed: u64,
    /// Generated cases per mutation class (0: the case files only).
    #[arg(long, value_name = "N", default_value_t = selftest::EXAMPLES_PER_CLASS)]
    examples: usize,
}

/// Prints the score table; exit 0 when the gate holds, 1 when not.
pub fn run(args: SelftestArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let root = args.cases.map_or(CaseRoot::Shipped, CaseRoot::Dir);
    let cases = match selftest::cases(&root, args.seed, args.examples) {
        Ok(cases) => cases,
        Err(err) => return usage_error(err.to_string()),
    };
    let config = RunConfig {
        timeout: Duration::from_secs_f64(args.timeout),
        ..RunConfig::default()
    };
    let scoreboard = runtime.block_on(selftest::run(Arc::new(cases), config));
    println!("{scoreboard}");
    if scoreboard.holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
