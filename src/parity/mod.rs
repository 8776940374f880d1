//! Parity: judge a server against the recorded behaviour of another, not only against the spec.
//!
//! Conformance says a server is allowed; parity says it answers like the one its clients were
//! written against. `run --record DIR` writes what a target did for every case and generated
//! example ([`recording::Recorder`], a report like the others), redacted so that two recordings
//! of the same server at the same seed are byte-identical ([`snapshot`]); `run --parity DIR`
//! compares every judged result with its recorded [`snapshot::Snapshot`] ([`compare::Parity`],
//! applied by the runner beside the baseline) and the reports read the differences from each
//! result and from the run's [`ParityTally`]; `dli-conformance diff A B` compares two
//! recordings ([`compare::diff`]). What it computes is data kept with the results
//! ([`crate::result::parity`]: [`Compared`], [`Difference`], [`ParityTally`]), re-exported
//! here. Below it: `result`, `check` (decisions), `report` (curl lines); above it: the runner,
//! the sink and the CLI. The user's guide is `docs/parity.md`.

pub mod compare;
pub mod recording;
pub mod snapshot;

pub use crate::result::parity::{Compared, Difference, ParityTally};
pub use compare::{diff, Parity};
pub use recording::{Recorder, Recording, RecordingMeta};
pub use snapshot::Snapshot;
