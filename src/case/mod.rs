//! Case files: loading and validating the suite's hand-written requests. This doc is the format.
//!
//! The loader takes the `cases/` folder and the run's [`Fixtures`](crate::fixtures::Fixtures)
//! and gives sorted [`Case`]s, each with the exact request bytes to send, its expectation, the clauses it exercises and where
//! it was written; `generate` adds more cases of the same shape, `transport` sends them, `check`
//! judges the answers. Parsing is strict: a typo is an error that names the file, line and case
//! id, never a silently ignored key. The files are written to be read: a base body once, then a
//! few short fields per test, one per line (the shape of JSON-Schema-Test-Suite's files).
//!
//! One file per job: `walk` finds the case files below a folder or the shipped tree, `parse`
//! reads one file's groups and tests through the serde types of `format` (which also give the
//! JSON Schema), `body` builds a test's bytes, `placeholders` and `templates` expand its strings,
//! and `clauses` derives what it exercises. Everything other modules use is re-exported here.
//!
//! The format itself, the page below, is `docs/case-format.md`, written once and included here.
//!
#![doc = include_str!("../../docs/case-format.md")]

use std::fmt;
use std::path::PathBuf;

use bytes::Bytes;

use crate::spec::clause::ClauseId;

mod body;
mod clauses;
mod format;
mod parse;
mod placeholders;
mod templates;
#[cfg(test)]
mod tests;
mod walk;

pub use clauses::exercised_clauses;
pub use format::json_schema;
pub use parse::parse_file;
pub use placeholders::{derived_name, literal_text, literal_value};
pub(crate) use walk::root_files;
pub use walk::{case_files, load, load_dir};

/// The longest string a `$string` template or a `$repeat` part may stand for, in characters: a
/// longer one makes a body larger than the reference mock reads ([`crate::spec::BODY_LIMIT`]).
pub const TEMPLATE_MAX_CHARS: usize = crate::spec::BODY_LIMIT;

/// The most body bytes the cases of one file may add up to (64 MiB).
pub const FILE_BODY_MAX_BYTES: usize = 64 << 20;

/// The case folder of the source tree this crate was built from (the tests read it; the
/// binary runs the copy compiled into it, [`crate::shipped::CASES`]).
pub const SHIPPED_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/cases");

/// The folder below the cases folder that holds data for `raw_body_file`, not case files.
pub const CORPUS_DIR: &str = "corpus";

pub use crate::spec::expect::{Expect, Source};

/// One request with its expectation, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `{file stem}/{name}`, unique across the run.
    pub id: String,
    /// The group's description and the test's, as `group: test`.
    pub description: String,
    /// Clause ids this case exercises, in the order of `CLAUSES.md`: derived from its body and
    /// expectation, plus those its file adds (see the module doc).
    pub clauses: Vec<ClauseId>,
    /// What a conformant server does with it.
    pub expect: Expect,
    /// The exact body bytes to send.
    pub body: Bytes,
    /// Where it was written or generated.
    pub source: Source,
    /// For regression cases: where the failure came from.
    pub see: Option<String>,
}

/// A case file or folder that cannot be loaded; the message names file, line and case id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// 1-based line, when the fault has one.
    pub line: Option<usize>,
    /// The case id, when the fault is inside a test whose name could be read.
    pub case_id: Option<String>,
    /// What is wrong, lower-case, quoting the bad value.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.case_id {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}
