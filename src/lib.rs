//! dli-conformance: a spec-conformance suite and fuzz harness for Huawei Cloud DLI's
//! "create a classic datasource connection" API (`POST /v2.0/{project_id}/datasource-connection`).
//!
//! The front door is [`Suite`]: a target (your axum `Router` in-process, or a URL) and options
//! in, libtest trials ([`Suite::test`]) or the run's [`RunRecord`] ([`Suite::run`]) out, whose
//! [`Status`] says whether the target conforms.
//!
//! The pipeline, one module per stage: [`case`] loads hand-written cases (with the run's
//! [`fixtures`] in their placeholders), [`transport`] sends
//! requests to the thing under test, [`check`] turns each answer into a verdict naming the
//! spec's clause ids. Below them all, [`spec`] holds what `CLAUSES.md` says (clauses, request
//! rules, the oracle, what JSON is); [`runner`] makes every case a libtest-mimic trial, and
//! [`report`] renders failures, summaries and the JSON, JUnit and Markdown reports. [`shipped`]
//! holds the case tree compiled into the binary, [`baseline`] turns accepted deviations into
//! known results, [`partition`] deals a run to CI shards. [`mock`] is the reference
//! implementation the suite runs against by default; [`parity`] records a
//! target's answers and compares another with them; [`selftest`] runs the suite against it,
//! its conformant variants and its faults to show the checks neither miss nor cry wolf.
//!
//! The README shows the command line and a library example; the pages of `docs/` the rest
//! (their Rust examples are doctested below, like the README's).
#![deny(missing_docs)]

pub mod baseline;
pub mod case;
pub mod case_writer;
pub mod check;
pub mod corpus;
pub mod fixtures;
#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
pub mod mock;
pub mod parity;
pub mod partition;
pub mod report;
pub mod result;
pub mod runner;
pub mod selftest;
pub mod shipped;
pub mod sink;
pub mod spec;
pub mod suite;
pub mod transport;
#[doc(hidden)]
pub mod zoo;

pub use result::{RunRecord, Status};
pub use runner::RunConfig;
pub use shipped::CaseRoot;
pub use spec::clause::Profile;
pub use suite::{Error, Suite};
pub use transport::Target;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The Rust examples of the `docs/` pages, doctested like the README's.
#[cfg(doctest)]
mod docs_doctests {
    #[doc = include_str!("../docs/running.md")]
    struct Running;
    #[doc = include_str!("../docs/ci.md")]
    struct Ci;
    #[doc = include_str!("../docs/cloud.md")]
    struct Cloud;
    #[doc = include_str!("../docs/case-format.md")]
    struct CaseFormat;
    #[doc = include_str!("../docs/generated.md")]
    struct Generated;
    #[doc = include_str!("../docs/selftest.md")]
    struct Selftest;
    #[doc = include_str!("../docs/fuzzing.md")]
    struct Fuzzing;
    #[doc = include_str!("../docs/benchmarks.md")]
    struct Benchmarks;
    #[doc = include_str!("../docs/design.md")]
    struct Design;
    #[doc = include_str!("../docs/parity.md")]
    struct Parity;
    #[doc = include_str!("../docs/library.md")]
    struct Library;
    #[doc = include_str!("../docs/cleanup.md")]
    struct Cleanup;
    #[doc = include_str!("../docs/report-files.md")]
    struct ReportFiles;
    #[doc = include_str!("../docs/zoo.md")]
    struct Zoo;
    #[doc = include_str!("../docs/targets.md")]
    struct Targets;
    #[doc = include_str!("../docs/answers.md")]
    struct Answers;
}
