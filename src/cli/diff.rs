//! `dli-conformance diff DIR_A DIR_B`: what changed between two recordings (two versions of a
//! server, or the reference mock and a recording of the real service), without a target.
//!
//! Prints one block per difference, `a =` the first recording's fact and `b =` the second's,
//! then a count per place (`[A2] decision`); exits 0 when the recordings agree, 1 when they
//! differ, 2 when one cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use dli_conformance::parity::{self, Recording};

use super::{say, usage_error};

/// Flags of `diff`.
#[derive(Args)]
pub struct DiffArgs {
    /// The first recording (`run --record DIR_A`).
    a: PathBuf,
    /// The second recording.
    b: PathBuf,
}

/// Compares the two recordings and prints their differences.
pub fn run(args: DiffArgs) -> ExitCode {
    let (a, b) = match (Recording::load(&args.a), Recording::load(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(err), _) | (_, Err(err)) => return usage_error(err),
    };
    if a.meta.seed != b.meta.seed || a.meta.spec != b.meta.spec {
        say(&format!(
            "note: the recordings differ in seed ({} vs {}) or spec ({} vs {}): generated bodies or cases may differ too",
            a.meta.seed, b.meta.seed, a.meta.spec, b.meta.spec
        ));
    }
    let differences = parity::diff(&a, &b);
    let mut places = std::collections::BTreeMap::<String, u64>::new();
    for difference in &differences {
        say(&format!(
            "difference{}: {} ({})\n   = a = {}\n   = b = {}",
            difference
                .clause
                .map_or(String::new(), |c| format!("[{c}]")),
            difference.detail,
            difference.case,
            difference.recorded,
            difference.actual
        ));
        *places.entry(difference.place()).or_default() += 1;
    }
    for (place, count) in &places {
        say(&format!("  differs: {place}: {count} cases"));
    }
    say(&format!(
        "{} differences between {} ({} cases) and {} ({} cases)",
        differences.len(),
        args.a.display(),
        a.snapshots.len(),
        args.b.display(),
        b.snapshots.len()
    ));
    if differences.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
