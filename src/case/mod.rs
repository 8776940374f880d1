//! Case files: loading and validating the suite's hand-written requests. This doc is the format.
//!
//! The loader takes the `cases/` folder and the run's [`Fixtures`](crate::fixtures::Fixtures) and gives sorted [`Case`]s,
//! each with the exact request bytes to send, its expectation, the clauses it exercises and where
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
//! # Layout
//! - Every `*.json` file below `cases/` is a case file, except `*.schema.json` (the JSON Schema of
//!   case files, `cases/case-file.schema.json`, generated from this module's types by
//!   [`json_schema`]; a test checks that it is current and every file against it) and the
//!   folder `cases/corpus/` (data that tests read with `raw_body_file`, not case files).
//! - A case's id is `{path-below-cases-without-.json}/{name}`, e.g. `url/chars-513` or
//!   `regressions/url/shrunk-513`. Ids are unique across the folder; a duplicate is a load error.
//! - Finding no case at all is an error, so a typo in a path cannot pass as an empty, green run.
//!
//! # A case file
//! A JSON object:
//! - `body` (JSON, optional): the base request body of the file's groups.
//! - `groups` (array, required, non-empty) of groups. A group:
//!   - `description` (string, required): what the group exercises.
//!   - `clauses` (array of clause ids, default `[]`): clauses every test of the group exercises
//!     that cannot be derived (see below), e.g. `A9` for repeated names; ids are those of
//!     `CLAUSES.md` (see [`crate::spec::clause`]). Listing a derived one is an error.
//!   - `body` (JSON, optional): the group's base body, in place of the file's.
//!   - `tests` (array, required, non-empty) of tests. A test:
//!     - `name` (string, required): lower-case letters, digits, `-`, `_` and `.`; unique in the file.
//!     - `description` (string, required): one sentence saying what is special about this request.
//!     - `clauses` (array of clause ids, default `[]`): added to the derived and the group's ones.
//!     - `see` (string, optional): for regression cases, where the failure came from and one
//!       sentence of root cause.
//!     - at most one way to build the body (default: send the base body unchanged):
//!       - `set` (object) and `remove` (array of member names), together or alone: the base body
//!         (which must then be an object) with `set`'s members added or replaced (a `null` value
//!         sends JSON `null`; new members go last) and `remove`'s deleted. A member may not be in
//!         both, and a removed member must be in the base.
//!       - `body` (JSON): a whole body in place of the base.
//!       - `raw_body`: the bytes to send, as text: a string, or an array of parts sent one after
//!         the other, each a string, `{"$repeat": T, "times": N}` (the text `T`, `N` times), or
//!         `{"$body": "compact" | "spaced", "cut": N}` (the base body as JSON text, as serde writes
//!         it or with `", "` and `": "` between items, less its last `N` characters; `cut`
//!         defaults to 0). For malformed JSON, escapes, and empty bodies.
//!       - `raw_body_hex` (string): the bytes to send, in hexadecimal, for bodies that are not UTF-8.
//!       - `raw_body_file` (string): a file whose bytes are sent as they are, by a `/`-separated
//!         path relative to the case file's folder that stays inside the cases folder, e.g.
//!         `corpus/json/n_object_trailing_comma.json`.
//!     - `expect` (required): `"accept"` (201 and the success shape), `"reject"` (400 and the error
//!       envelope) or `"either"` (a MAY: both are conformant; the run records which it saw).
//!
//! # What a case exercises
//! A case's clauses are derived, not listed: the request rules (and the MAYs) the spec oracle
//! finds its body exercises ([`crate::spec::oracle`]: each member present or missing, a
//! service in another casing, a url at the limit in some unit, tags, unknown members, empty
//! strings...), then the response rules the checker judges for its `expect`
//! ([`crate::check::judged_clauses`]), then the `clauses` the group and the test add for what no
//! body shows (`req.path`, `A8`, `A9`). Generated cases are derived the same way
//! ([`exercised_clauses`]).
//!
//! # Placeholders
//! In every string of a body, a `set` value and a `raw_body` (not in member names, nor in
//! `raw_body_hex` or `raw_body_file` bytes), the loader replaces:
//! - `{name}`: the case's own connection name, `dlic-` and its id with `/` (and any character but
//!   ASCII letters, digits, `_` and `-`) as `-`, then `{run}`: `url/chars-512` is
//!   `dlic-url-chars-512`. Bodies a server may accept carry it (or another name with `{run}`), so
//!   no two cases, and no two runs, create connections of the same name (A9).
//! - `{run}`, `{security_group_id}`, `{network_id}`: the run's [`Fixtures`](crate::fixtures::Fixtures) (by default no run
//!   id and the page example's ids).
//!
//! Any other `{word}` of lower-case letters and `_` is an error, so a misspelt placeholder is never
//! sent as text; `{{word}` is the text `{word}` ([`literal_text`] writes text that way).
//!
//! # Long strings
//! Anywhere inside a body or a `set` value, the object `{"$string": {"prefix": P, "fill": F,
//! "chars": N}}` stands for the string `P` followed by `F` repeated (and cut) until the whole
//! string is exactly `N` characters (Unicode scalar values), placeholders in `P` counted as what
//! they stand for (so `"prefix": "n{run}-"` keeps a name `N` long whatever the run id). `prefix`
//! defaults to `""`; `fill` must not be empty; `N` must be at least the length of `P` and at most
//! [`TEMPLATE_MAX_CHARS`], and the bodies of one file add up to at most [`FILE_BODY_MAX_BYTES`],
//! so a few bytes of case file can never expand into gigabytes. So a 513-character url is
//! `{"$string": {"prefix": "https://", "fill": "a", "chars": 513}}`. And `{"$concat": [S, ...]}`
//! stands for its strings joined, so a long string can be written over several short lines.
//!
//! # Characters that are not what they look like
//! A character that cannot be told apart on the page is written as a `\u` escape: combining
//! marks (`e\u0301`, not a literal e and accent), zero-width, bidi and other invisible
//! characters, and letters that look like ASCII ones (the Cyrillic `DW\u0405`, the full-width
//! `\uff24`). A test rejects shipped case files that hold one literally.
//!
//! JSON members keep the order they are written in, so the bytes sent are predictable.

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
