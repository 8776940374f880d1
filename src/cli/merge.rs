//! `dli-conformance merge-reports OUT IN...`: the shards of a partitioned run as one report.
//!
//! Writes the merged JSON report (see `report::merge`), then prints what `run` prints at its
//! end (`report::console`: setup problems, what did not run, clause matrix, baseline entries,
//! MAY choices, the summary line) and exits as `run` would have (`cli::exit_code`): 1 when the merged run has a failure (cross-shard duplicate ids included) or an
//! expired baseline entry, 2 when the shards do not form one run or cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use dli_conformance::report::console::{self, Aftermath};
use dli_conformance::report::{markdown, merge, style::Paint};

use super::{exit_code, print, say, usage_error};

/// Flags of `merge-reports`.
#[derive(Args)]
pub struct MergeArgs {
    /// Where to write the merged JSON report.
    out: PathBuf,
    /// The shards' JSON reports (`run --partition K/N --report-json PATH`).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Also write the merged run's Markdown summary here (it is appended to
    /// $GITHUB_STEP_SUMMARY when that is set).
    #[arg(long, value_name = "PATH")]
    report_markdown: Option<PathBuf>,
}

/// Merges, prints the merged run's end, exits as the run would have.
pub fn run(args: MergeArgs) -> ExitCode {
    let merged = match merge::merge_reports(&args.out, &args.inputs) {
        Ok(merged) => merged,
        Err(err) => return usage_error(err.to_string()),
    };
    let record = &merged.record;
    say(&format!(
        "merged {} reports into {}",
        args.inputs.len(),
        args.out.display()
    ));
    if merged.duplicate_ids > 0 {
        eprintln!(
            "error[resp.created.connection_id.unique]: {} results got a connection_id another shard's result already got",
            merged.duplicate_ids
        );
    }
    let summary = markdown::render(&merged.meta, record);
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty());
    for (path, append) in args
        .report_markdown
        .iter()
        .map(|p| (p.clone(), false))
        .chain(step_summary.map(|p| (PathBuf::from(p), true)))
    {
        let written = if append {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut file| std::io::Write::write_all(&mut file, summary.as_bytes()))
        } else {
            std::fs::write(&path, &summary)
        };
        if let Err(err) = written {
            return usage_error(format!("cannot write {}: {err}", path.display()));
        }
    }
    let aftermath = Aftermath::default();
    print(&console::end_of_run(
        record,
        merged.meta.profile,
        &aftermath,
        Paint::for_stdout(),
    ));
    exit_code(record.status())
}
