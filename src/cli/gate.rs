//! The CI-gate flags of `run` (flattened into its `RunArgs`): the JUnit and Markdown reports,
//! the GitHub job summary and annotations, the known-deviation baseline, and the partition
//! (what the end of a run prints about them is `report::console`'s).

use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;
use dli_conformance::baseline::{self, Baseline, BaselineWriter};
use dli_conformance::partition::Partition;
use dli_conformance::report::github::{self, Annotations};
use dli_conformance::report::junit::JunitReport;
use dli_conformance::report::markdown::MarkdownReport;
use dli_conformance::result::RunMeta;
use dli_conformance::sink::Sink;

/// Flags for gating CI on a run.
#[derive(Args, Debug, Clone)]
pub struct GateArgs {
    /// Write a JUnit XML report (one testsuite per case file and generator class).
    #[arg(long, value_name = "PATH")]
    report_junit: Option<PathBuf>,
    /// Write a Markdown summary (verdict, counts, clause matrix, first failures); it is also
    /// appended to $GITHUB_STEP_SUMMARY when that is set.
    #[arg(long, value_name = "PATH")]
    report_markdown: Option<PathBuf>,
    /// Known deviations (TOML): failures an unexpired entry names are reported as known and
    /// do not fail the run; an expired entry fails it.
    #[arg(long, value_name = "PATH")]
    baseline: Option<PathBuf>,
    /// Write this run's failures as a baseline file to review (reasons to fill in, expiry in
    /// 90 days).
    #[arg(long, value_name = "PATH")]
    write_baseline: Option<PathBuf>,
    /// Run one shard of the cases and generated examples: K/N, count:K/N or hash:K/N
    /// (merge the shards' --report-json files with `merge-reports`).
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
}

impl GateArgs {
    /// The baseline to apply, if one was given.
    pub fn load_baseline(&self) -> Result<Option<Baseline>, String> {
        self.baseline
            .as_deref()
            .map(|path| Baseline::load(path, &baseline::today()).map_err(|err| err.to_string()))
            .transpose()
    }

    /// Adds a streaming report to `sink` for each gate flag (and the job summary and
    /// annotations on GitHub Actions).
    pub fn add_reporters(&self, meta: &RunMeta, sink: &mut Sink) -> Result<(), String> {
        let cannot =
            |path: &PathBuf, err: std::io::Error| format!("cannot write {}: {err}", path.display());
        if let Some(path) = &self.report_junit {
            let report = JunitReport::create(path, meta).map_err(|err| cannot(path, err))?;
            sink.add_reporter(path.display().to_string(), Box::new(report));
        }
        let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from);
        if self.report_markdown.is_some() || step_summary.is_some() {
            if let Some(path) = &self.report_markdown {
                std::fs::File::create(path).map_err(|err| cannot(path, err))?;
            }
            let name = self
                .report_markdown
                .iter()
                .chain(&step_summary)
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" and ");
            let report =
                MarkdownReport::new(meta.clone(), self.report_markdown.clone(), step_summary);
            sink.add_reporter(name, Box::new(report));
        }
        if let Some(path) = &self.write_baseline {
            std::fs::File::create(path).map_err(|err| cannot(path, err))?;
            let writer = BaselineWriter::new(path.clone(), SystemTime::now());
            sink.add_reporter(path.display().to_string(), Box::new(writer));
        }
        if github::on_github_actions() {
            sink.add_reporter("GitHub annotations".into(), Box::<Annotations>::default());
        }
        Ok(())
    }

    /// The shard, as the report heads name it.
    pub fn partition_name(&self) -> Option<String> {
        self.partition.map(|p| p.to_string())
    }

    /// Where `--write-baseline` wrote, to say so at the end.
    pub fn written_baseline(&self) -> Option<&PathBuf> {
        self.write_baseline.as_ref()
    }
}
