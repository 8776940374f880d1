//! The parity flags of `run` (flattened into its `RunArgs`): `--record DIR` writes a recording,
//! `--parity DIR` compares the run with one (its seed and run id become the run's), `--parity-ignore`
//! accepts known differences and `--require-parity` makes a difference fail the run. The logic
//! lives in `dli_conformance::parity`; this only maps flags to it.

use std::path::{Path, PathBuf};

use clap::Args;
use dli_conformance::parity::{Parity, Recorder, Recording, RecordingMeta};
use dli_conformance::result::{RunMeta, RunRecord};
use dli_conformance::shipped;
use dli_conformance::sink::Sink;

/// Flags for recording a target and comparing another with the recording.
#[derive(Args, Debug, Clone, Default)]
pub struct ParityArgs {
    /// Record what the target does for every case and generated example into this folder
    /// (snapshot files to review; see docs/parity.md).
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Compare the target with the recording in this folder (uses its --seed and --run-id);
    /// every difference is reported beside the conformance results.
    #[arg(long, value_name = "DIR")]
    parity: Option<PathBuf>,
    /// With --parity: a difference from the recording fails the run (exit 1).
    #[arg(long, requires = "parity")]
    require_parity: bool,
    /// With --parity: accept differences of cases matching CASE_GLOB (and, after `#`, details or
    /// clause ids matching DETAIL_GLOB), e.g. 'prop/*#body/error_msg'; `@FILE` reads a reviewed
    /// file of patterns, one a line (repeatable).
    #[arg(long, value_name = "PATTERN", requires = "parity")]
    parity_ignore: Vec<String>,
}

impl ParityArgs {
    /// With `--parity`: the recording, after checking `seed` and `run_id` against it and filling
    /// them in from it when not given.
    pub fn load(
        &self,
        seed: &mut Option<u64>,
        run_id: &mut Option<String>,
    ) -> Result<Option<Recording>, String> {
        let Some(dir) = &self.parity else {
            return Ok(None);
        };
        let recording = Recording::load(dir)?;
        let meta = &recording.meta;
        if seed.is_some_and(|seed| seed != meta.seed) {
            return Err(format!(
                "the recording {} was made with --seed {}: drop --seed or give that one (another seed generates other bodies)",
                dir.display(),
                meta.seed
            ));
        }
        if run_id.as_ref().is_some_and(|id| *id != meta.run_id) {
            return Err(format!(
                "the recording {} was made with --run-id {}: drop --run-id or give that one (generated names end in it)",
                dir.display(),
                meta.run_id
            ));
        }
        if meta.spec != shipped::spec_revision() {
            eprintln!(
                "note: the recording {} follows spec {}, this suite {}: cases may have changed",
                dir.display(),
                meta.spec,
                shipped::spec_revision()
            );
        }
        *seed = Some(meta.seed);
        *run_id = Some(meta.run_id.clone());
        Ok(Some(recording))
    }

    /// The comparison of a run whose run id is `run_id` with `recording`.
    pub fn parity(&self, recording: Recording, run_id: &str) -> Result<Parity, String> {
        Parity::new(recording, &self.parity_ignore, run_id)
    }

    /// With `--record`: adds the recorder to `sink`.
    pub fn add_recorder(
        &self,
        meta: &RunMeta,
        run_id: &str,
        seed: u64,
        examples: usize,
        sink: &mut Sink,
    ) -> Result<(), String> {
        let Some(dir) = &self.record else {
            return Ok(());
        };
        let recording = RecordingMeta {
            tool: meta.tool.clone(),
            target: meta.target.clone(),
            recorded_at: meta.started_at.clone(),
            spec: meta.spec.clone(),
            seed,
            run_id: run_id.to_owned(),
            examples,
            profile: meta.profile.to_string(),
        };
        let recorder = Recorder::create(dir, recording)
            .map_err(|err| format!("cannot write the recording {}: {err}", dir.display()))?;
        sink.add_reporter(dir.display().to_string(), Box::new(recorder));
        Ok(())
    }

    /// Whether the run's differences from the recording fail it (`--require-parity`).
    pub fn fails(&self, record: &RunRecord) -> bool {
        self.require_parity && record.tally.parity.differing > 0
    }

    /// Where `--record` writes the recording.
    pub fn recorded_to(&self) -> Option<&Path> {
        self.record.as_deref()
    }
}
