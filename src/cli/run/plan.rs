//! What `run` selects and plans without sending: which trials its filter and `--skip` keep,
//! libtest's arguments, how many requests the kept trials send (for the progress bar), the usage
//! error of a filter that keeps nothing, and `--dry-run`'s plan.

use std::process::ExitCode;

use dli_conformance::case::Case;
use dli_conformance::generate::CLASSES;
use dli_conformance::runner::budget::{self, Plan};

use super::setup::Setup;
use super::RunArgs;
use crate::cli::{say, usage_error};

/// About how many requests the trials that pass the filter send (for the progress bar): one
/// per case, this shard's examples per generator class.
pub(super) fn expected_requests(args: &RunArgs, trials: &[libtest_mimic::Trial]) -> u64 {
    trials
        .iter()
        .filter(|trial| selected(args, trial.name()))
        .map(|trial| match trial.name().strip_prefix("prop/") {
            Some(class) => (0..args.examples)
                .filter(|&index| {
                    args.gate
                        .partition
                        .is_none_or(|partition| partition.keeps_example(class, index))
                })
                .count() as u64,
            None => 1,
        })
        .sum()
}

/// The usage error of a filter (and `--skip`) that leaves nothing to run.
pub(super) fn nothing_selected(args: &RunArgs) -> ExitCode {
    let filter = args.filter.as_deref().unwrap_or_default();
    let skipped = match args.skip.as_slice() {
        [] => String::new(),
        skip => format!(" without {skip:?}"),
    };
    usage_error(format!(
        "no case or generator class matches {filter:?}{skipped} (see `run --list`)"
    ))
}

/// Whether libtest-mimic runs the trial `name` under the run's filter and `--skip`.
pub(super) fn selected(args: &RunArgs, name: &str) -> bool {
    let matches = |pattern: &String| {
        if args.exact {
            name == pattern
        } else {
            name.contains(pattern.as_str())
        }
    };
    args.filter.as_ref().is_none_or(matches) && !args.skip.iter().any(matches)
}

pub(super) fn test_args(args: &RunArgs) -> libtest_mimic::Arguments {
    let mut test_args = libtest_mimic::Arguments {
        filter: args.filter.clone(),
        skip: args.skip.clone(),
        exact: args.exact,
        list: args.list,
        test_threads: Some(usize::from(args.test_threads)),
        ..Default::default()
    };
    if args.quiet {
        test_args.format = Some(libtest_mimic::FormatSetting::Terse);
    }
    test_args
}

/// `--dry-run`: the plan, nothing sent.
pub(super) fn dry_run(args: &RunArgs, setup: &Setup, cases: Vec<Case>, seed: u64) -> ExitCode {
    let selected_cases: Vec<Case> = cases
        .into_iter()
        .filter(|case| selected(args, &case.id))
        .collect();
    let (within, over, _) = budget::split(selected_cases, setup.limit, |_| true);
    let generated: Vec<(String, Vec<Case>)> = if args.examples > 0 {
        CLASSES
            .iter()
            .filter(|class| selected(args, &format!("prop/{}", class.name)))
            .map(|class| {
                let cases = class
                    .sample(seed, args.examples)
                    .into_iter()
                    .map(|case| setup.fit.case(case))
                    .collect();
                (class.name.to_owned(), cases)
            })
            .collect()
    } else {
        Vec::new()
    };
    let plan = Plan::new(&within, &over, &generated, setup.limit);
    let target = args.target.as_deref().unwrap_or("the embedded mock");
    say(&format!(
        "dry run against {target}, project {}, profile {}, run id {}{}: nothing is sent",
        args.project_id,
        args.profile,
        setup.run_id,
        if args.examples > 0 {
            format!(", seed {seed}")
        } else {
            String::new()
        }
    ));
    say(&plan.to_string());
    let rate = match args.rate {
        Some(rate) => format!(
            "at --rate {rate}: about {:.0} s of sending, plus the cleanup (a DELETE and a show per connection)",
            plan.requests() as f64 / rate
        ),
        None => "no --rate: as fast as the target answers".into(),
    };
    say(&rate);
    ExitCode::SUCCESS
}
