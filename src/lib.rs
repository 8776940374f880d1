//! dli-conformance: a spec-conformance suite and fuzz harness for Huawei Cloud DLI's
//! "create a classic datasource connection" API (`POST /v2.0/{project_id}/datasource-connection`).
//!
//! The pipeline, one module per stage: [`case`] loads hand-written cases, [`target`] sends
//! requests to the thing under test, [`check`] turns each answer into a verdict naming the
//! spec's clause ids ([`clause`]), [`runner`] makes every case a libtest-mimic trial, and
//! [`report`] renders failures, summaries and the JSON report. [`mock`] is the reference
//! implementation the suite runs against by default.
//!
//! ```no_run
//! use std::sync::Arc;
//! use dli_conformance::{case, mock, runner, target};
//!
//! let runtime = tokio::runtime::Runtime::new().unwrap();
//! let cases = case::load_dir("cases".as_ref()).unwrap();
//! let target = Arc::new(target::InProcess::new(mock::router()));
//! let run = runner::Run::new(target, runtime.handle().clone(), runner::RunConfig::default());
//! let conclusion = libtest_mimic::run(&libtest_mimic::Arguments::default(), run.trials(cases));
//! assert!(run.finish().conforms() && !conclusion.has_failed());
//! ```
#![deny(missing_docs)]

pub mod case;
pub mod check;
pub mod clause;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod generate;
pub mod mock;
pub mod report;
pub mod runner;
pub mod target;
