//! dli-conformance: a spec-conformance suite and fuzz harness for Huawei Cloud DLI's
//! "create a classic datasource connection" API (`POST /v2.0/{project_id}/datasource-connection`).
//!
//! The pipeline, one module per stage: [`case`] loads hand-written cases (with the run's
//! [`fixtures`] in their placeholders), [`transport`] sends
//! requests to the thing under test, [`check`] turns each answer into a verdict naming the
//! spec's clause ids. Below them all, [`spec`] holds what `CLAUSES.md` says (clauses, request
//! rules, the oracle, what JSON is); [`runner`] makes every case a libtest-mimic trial, and
//! [`report`] renders failures, summaries and the JSON, JUnit and Markdown reports. [`shipped`]
//! holds the case tree compiled into the binary, [`baseline`] turns accepted deviations into
//! known results, [`partition`] deals a run to CI shards. [`mock`] is the reference
//! implementation the suite runs against by default; [`selftest`] runs the suite against it,
//! its conformant variants and its faults to show the checks neither miss nor cry wolf.
//!
//! The README shows the command line and a library example (doctested below).
#![deny(missing_docs)]

pub mod baseline;
pub mod case;
pub mod check;
pub mod corpus;
pub mod fixtures;
pub mod fuzzing;
pub mod generate;
pub mod mock;
pub mod partition;
pub mod report;
pub mod result;
pub mod runner;
pub mod selftest;
pub mod shipped;
pub mod sink;
pub mod spec;
pub mod transport;
#[doc(hidden)]
pub mod zoo;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
