//! Case files: loading and validating the suite's hand-written requests. This doc is the format.
//!
//! The loader takes the `cases/` folder and the run's [`Fixtures`] and gives sorted [`Case`]s,
//! each with the exact request bytes to send, its expectation, the clauses it exercises and where
//! it was written; `generate` adds more cases of the same shape, `target` sends them, `check`
//! judges the answers. Parsing is strict: a typo is an error that names the file, line and case
//! id, never a silently ignored key. The files are written to be read: a base body once, then a
//! few short fields per test, one per line (the shape of JSON-Schema-Test-Suite's files).
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
//! - `{run}`, `{security_group_id}`, `{network_id}`: the run's [`Fixtures`] (by default no run
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

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::fixtures::Fixtures;
use crate::shipped::CaseRoot;
use crate::spec::clause::ClauseId;
use crate::spec::oracle::{self, Expectation};

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

/// A case file: a base body and groups of tests.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "dli-conformance case file",
    description = "A case file of dli-conformance; the module doc of src/case.rs gives the meaning of every field.",
    extend("$id" = "https://dli-conformance.invalid/case-file.schema.json")
)]
struct CaseFile<'a> {
    /// The base request body of the file's groups.
    #[serde(default, deserialize_with = "present")]
    body: Option<Value>,
    /// The groups of tests.
    #[serde(borrow)]
    #[schemars(with = "Vec<Group<'static>>", length(min = 1))]
    groups: Vec<&'a RawValue>,
}

/// Tests that share a description, a base body and added clauses.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Group<'a> {
    /// What the group exercises.
    #[schemars(length(min = 1))]
    description: String,
    /// Clauses every test of the group exercises that cannot be derived from its body.
    #[serde(default)]
    #[schemars(extend("uniqueItems" = true))]
    clauses: Vec<ClauseId>,
    /// The group's base body, in place of the file's.
    #[serde(default, deserialize_with = "present")]
    body: Option<Value>,
    /// The tests.
    #[serde(borrow)]
    #[schemars(with = "Vec<Test>", length(min = 1))]
    tests: Vec<&'a RawValue>,
}

/// One request and what a conformant server does with it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = at_most_one_body_source)]
struct Test {
    /// Unique in the file; the case id is `{file}/{name}`.
    #[schemars(pattern(r"^[a-z0-9._-]+$"))]
    name: String,
    /// What is special about this request, in one sentence.
    #[schemars(length(min = 1))]
    description: String,
    /// Clauses added to the derived ones and the group's.
    #[serde(default)]
    #[schemars(extend("uniqueItems" = true))]
    clauses: Vec<ClauseId>,
    /// For regression cases: where the failure came from and its root cause.
    #[serde(default)]
    #[schemars(with = "String")]
    see: Option<String>,
    /// Members added to or replaced in the base body.
    #[serde(default)]
    #[schemars(with = "Map<String, Value>")]
    set: Option<Map<String, Value>>,
    /// Members deleted from the base body.
    #[serde(default)]
    #[schemars(with = "Vec<String>", extend("uniqueItems" = true))]
    remove: Option<Vec<String>>,
    /// A whole body in place of the base.
    #[serde(default, deserialize_with = "present")]
    body: Option<Value>,
    /// The bytes to send, as text or parts.
    #[serde(default)]
    #[schemars(with = "RawBody")]
    raw_body: Option<RawBody>,
    /// The bytes to send, in hexadecimal.
    #[serde(default)]
    #[schemars(with = "String", pattern(r"^([0-9a-fA-F]{2})*$"))]
    raw_body_hex: Option<String>,
    /// A file whose bytes are sent, relative to the case file's folder.
    #[serde(default)]
    #[schemars(with = "String")]
    raw_body_file: Option<String>,
    /// What a conformant server does.
    expect: Expect,
}

/// The ways a test builds its body; it takes at most one (`set` and `remove` together are one).
const BODY_SOURCES: &[&[&str]] = &[
    &["set", "remove"],
    &["body"],
    &["raw_body"],
    &["raw_body_hex"],
    &["raw_body_file"],
];

/// Adds to the test schema that it takes at most one of [`BODY_SOURCES`].
fn at_most_one_body_source(schema: &mut schemars::Schema) {
    let mut pairs = Vec::new();
    for (i, first) in BODY_SOURCES.iter().enumerate() {
        for second in &BODY_SOURCES[i + 1..] {
            for a in *first {
                for b in *second {
                    pairs.push(serde_json::json!({"required": [a, b]}));
                }
            }
        }
    }
    schema.insert("not".into(), serde_json::json!({"anyOf": pairs}));
}

/// `raw_body`: text, or parts sent one after the other.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
enum RawBody {
    /// The whole body.
    Text(String),
    /// Parts, joined.
    Parts(Vec<RawPart>),
}

/// One part of a `raw_body`.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
enum RawPart {
    /// Text as written.
    Text(String),
    /// A text repeated.
    Repeat(Repeat),
    /// The base body as JSON text.
    Base(BaseText),
}

/// `{"$repeat": T, "times": N}`: the text `T`, `N` times.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Repeat {
    /// The text to repeat.
    #[serde(rename = "$repeat")]
    #[schemars(length(min = 1))]
    text: String,
    /// How many times.
    times: usize,
}

/// `{"$body": STYLE, "cut": N}`: the base body as JSON text, less its last `N` characters.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BaseText {
    /// How the JSON text is spaced.
    #[serde(rename = "$body")]
    style: Spacing,
    /// Characters cut off the end.
    #[serde(default)]
    cut: usize,
}

/// How a `$body` part writes JSON.
#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Spacing {
    /// No blanks, as serde writes it (and as `set` and `body` bodies are sent).
    Compact,
    /// `", "` between items and `": "` after member names.
    Spaced,
}

/// Keeps `"body": null` (send JSON null) apart from a missing `body`.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
struct NameOnly {
    name: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StringTemplate {
    #[serde(default)]
    prefix: String,
    fill: String,
    chars: usize,
}

/// The JSON Schema of case files (draft 2020-12), generated from the types the loader reads;
/// `cases/case-file.schema.json` is this, and a test keeps it so.
pub fn json_schema() -> Value {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<CaseFile<'static>>()
        .to_value()
}

/// Loads every case file below `dir`, sorted by id, with `fixtures` in place of the
/// placeholders. Zero cases is an error.
pub fn load_dir(dir: &Path, fixtures: &Fixtures) -> Result<Vec<Case>, LoadError> {
    load(&CaseRoot::Dir(dir.to_path_buf()), fixtures)
}

/// Loads every case file below `root` (a folder, or the tree shipped in the binary), sorted by
/// id, with `fixtures` in place of the placeholders. Zero cases is an error.
pub fn load(root: &CaseRoot, fixtures: &Fixtures) -> Result<Vec<Case>, LoadError> {
    let mut cases = Vec::new();
    for file in case_files_in(root)? {
        let shown = root.shown(&file);
        let text = root
            .read(&file)
            .and_then(|bytes| {
                String::from_utf8(bytes.into_owned())
                    .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
            })
            .map_err(|err| LoadError {
                path: shown.clone(),
                line: None,
                case_id: None,
                message: format!("cannot read case file: {err}"),
            })?;
        cases.extend(parse_in(root, &shown, &id_prefix(&file), &text, fixtures)?);
    }
    if cases.is_empty() {
        return Err(LoadError {
            path: root.path(),
            line: None,
            case_id: None,
            message: "no cases found (expected *.json case files below this folder)".into(),
        });
    }
    reject_duplicate_ids(&cases)?;
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(cases)
}

/// The case files below `dir`, sorted: every `*.json` but `*.schema.json` and [`CORPUS_DIR`].
pub fn case_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let files = case_files_in(&CaseRoot::Dir(dir.to_path_buf()))?;
    Ok(files.into_iter().map(|file| dir.join(file)).collect())
}

/// Every file below `root`, relative to it, sorted; a folder that cannot be read is a load
/// error naming it.
pub(crate) fn root_files(root: &CaseRoot) -> Result<Vec<PathBuf>, LoadError> {
    root.files().map_err(|(path, err)| LoadError {
        path,
        line: None,
        case_id: None,
        message: format!("cannot read case folder: {err}"),
    })
}

/// The case files below `root`, relative to it, sorted.
fn case_files_in(root: &CaseRoot) -> Result<Vec<PathBuf>, LoadError> {
    Ok(root_files(root)?
        .into_iter()
        .filter(|file| {
            let name = file.to_string_lossy();
            name.ends_with(".json")
                && !name.ends_with(".schema.json")
                && !file.starts_with(CORPUS_DIR)
        })
        .collect())
}

/// `regressions/url.json` (below the case folder) -> `regressions/url`.
fn id_prefix(file: &Path) -> String {
    file.with_extension("")
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn reject_duplicate_ids(cases: &[Case]) -> Result<(), LoadError> {
    let mut first_seen: HashMap<&str, &Source> = HashMap::new();
    for case in cases {
        if let Some(first) = first_seen.insert(&case.id, &case.source) {
            let (path, line) = match &case.source {
                Source::File { path, line } => (path.clone(), Some(*line)),
                Source::Generated { .. } | Source::Corpus { .. } => (PathBuf::new(), None),
            };
            return Err(LoadError {
                path,
                line,
                case_id: Some(case.id.clone()),
                message: format!("duplicate case id {:?} (first defined at {first})", case.id),
            });
        }
    }
    Ok(())
}

/// The clauses a case exercises, in the order of `CLAUSES.md`: those the oracle found its body
/// exercises (`judged`), those the checker judges for `expect`, and `declared`.
pub fn exercised_clauses(
    judged: &Expectation,
    expect: Expect,
    declared: &[ClauseId],
) -> Vec<ClauseId> {
    let mut clauses: Vec<ClauseId> = judged
        .exercised
        .iter()
        .chain(&crate::check::judged_clauses(expect))
        .chain(declared)
        .copied()
        .collect();
    clauses.sort_unstable();
    clauses.dedup();
    clauses
}

/// The connection name `{name}` stands for in case `{id_prefix}/{test}`.
pub fn derived_name(id_prefix: &str, test: &str, fixtures: &Fixtures) -> String {
    let id: String = format!("{id_prefix}-{test}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("dlic-{id}{}", fixtures.run_id)
}

/// Parses one case file's text. `id_prefix` is the file's path below `cases/` without `.json`
/// (so `path` less as many components is the cases folder, which `raw_body_file` stays in).
pub fn parse_file(
    path: &Path,
    id_prefix: &str,
    text: &str,
    fixtures: &Fixtures,
) -> Result<Vec<Case>, LoadError> {
    let folder = path.parent().unwrap_or(Path::new(""));
    let depth = id_prefix.split('/').count() - 1;
    let cases = (0..depth).fold(folder, |folder, _| folder.parent().unwrap_or(Path::new("")));
    parse_in(
        &CaseRoot::Dir(cases.to_path_buf()),
        path,
        id_prefix,
        text,
        fixtures,
    )
}

/// Parses the text of the case file `id_prefix`.json below `root` (shown as `path`).
fn parse_in(
    root: &CaseRoot,
    path: &Path,
    id_prefix: &str,
    text: &str,
    fixtures: &Fixtures,
) -> Result<Vec<Case>, LoadError> {
    let at = |line: Option<usize>, case_id: Option<String>, message: String| LoadError {
        path: path.to_path_buf(),
        line,
        case_id,
        message,
    };
    let file: CaseFile = serde_json::from_str(text)
        .map_err(|err| at(Some(err.line()), None, format!("not a case file: {err}")))?;
    if file.groups.is_empty() {
        return Err(at(Some(1), None, "the file has no groups".into()));
    }
    let folders = Folders::of(root, id_prefix);
    let mut cases = Vec::new();
    let mut names_seen: HashMap<String, usize> = HashMap::new();
    let mut body_bytes = 0;
    for raw_group in file.groups {
        let group_line = line_of(text, raw_group);
        let group: Group = serde_json::from_str(raw_group.get())
            .map_err(|err| at(Some(group_line + err.line() - 1), None, err.to_string()))?;
        if group.tests.is_empty() {
            return Err(at(Some(group_line), None, "group has no tests".into()));
        }
        let base = group.body.as_ref().or(file.body.as_ref());
        let mut group_clause_derived = vec![true; group.clauses.len()];
        for raw_test in group.tests {
            let line = line_of(text, raw_test);
            let case_id = read_name(raw_test).map(|name| format!("{id_prefix}/{name}"));
            let fail = |line: usize, message: String| at(Some(line), case_id.clone(), message);
            let test: Test = serde_json::from_str(raw_test.get())
                .map_err(|err| fail(line + err.line() - 1, explain_raw_body(err)))?;
            if !valid_name(&test.name) {
                return Err(fail(
                    line,
                    format!(
                        "test name {:?} may hold only a-z, 0-9, '-', '_' and '.'",
                        test.name
                    ),
                ));
            }
            if let Some(first) = names_seen.insert(test.name.clone(), line) {
                return Err(fail(
                    line,
                    format!(
                        "duplicate case id \"{id_prefix}/{}\" (first defined at line {first})",
                        test.name
                    ),
                ));
            }
            let expand = Expand {
                fixtures,
                name: derived_name(id_prefix, &test.name, fixtures),
            };
            let body =
                test_body(base, &test, &expand, &folders).map_err(|message| fail(line, message))?;
            body_bytes += body.len();
            if body_bytes > FILE_BODY_MAX_BYTES {
                return Err(fail(
                    line,
                    format!("the file's bodies add up to over {FILE_BODY_MAX_BYTES} bytes"),
                ));
            }
            let judged = oracle::expectation(&body);
            let derived = exercised_clauses(&judged, test.expect, &[]);
            if let Some(clause) = test.clauses.iter().find(|c| derived.contains(c)) {
                return Err(fail(
                    line,
                    format!(
                        "clause {:?} is derived for this case: list only what no body shows",
                        clause.id()
                    ),
                ));
            }
            for (derived_here, clause) in group_clause_derived.iter_mut().zip(&group.clauses) {
                *derived_here &= derived.contains(clause);
            }
            let declared: Vec<ClauseId> =
                group.clauses.iter().chain(&test.clauses).copied().collect();
            cases.push(Case {
                id: format!("{id_prefix}/{}", test.name),
                description: format!("{}: {}", group.description, test.description),
                clauses: exercised_clauses(&judged, test.expect, &declared),
                expect: test.expect,
                body: Bytes::from(body),
                source: Source::File {
                    path: path.to_path_buf(),
                    line,
                },
                see: test.see,
            });
        }
        if let Some((clause, _)) = group
            .clauses
            .iter()
            .zip(&group_clause_derived)
            .find(|(_, d)| **d)
        {
            return Err(at(
                Some(group_line),
                None,
                format!("clause {:?} is derived for every test of the group: list only what no body shows", clause.id()),
            ));
        }
    }
    Ok(cases)
}

/// A clearer message than serde's for a `raw_body` that is neither text nor parts.
fn explain_raw_body(err: serde_json::Error) -> String {
    let text = err.to_string();
    if text.contains("untagged enum RawBody") || text.contains("untagged enum RawPart") {
        format!(
            "`raw_body` is a string or an array of parts: strings, {{\"$repeat\": text, \"times\": n}} and {{\"$body\": \"compact\" | \"spaced\", \"cut\": n}} (line {} column {})",
            err.line(),
            err.column()
        )
    } else {
        text
    }
}

/// The 1-based line on which `raw` (a slice borrowed from `text`) starts.
fn line_of(text: &str, raw: &RawValue) -> usize {
    let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The test's `name`, read leniently so errors elsewhere in the test can still name the case.
fn read_name(raw: &RawValue) -> Option<String> {
    let name = serde_json::from_str::<NameOnly>(raw.get()).ok()?.name?;
    name.as_str().map(str::to_owned)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// The cases folder (on disk or shipped) and the case file's folder below it.
struct Folders<'r> {
    root: &'r CaseRoot,
    file: PathBuf,
}

impl<'r> Folders<'r> {
    fn of(root: &'r CaseRoot, id_prefix: &str) -> Folders<'r> {
        let file = Path::new(id_prefix)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        Folders { root, file }
    }

    /// Reads `relative` (from a `raw_body_file`), which must stay inside the cases folder.
    fn read(&self, relative: &str) -> Result<Vec<u8>, String> {
        let outside = || {
            format!("`raw_body_file` {relative:?} is not a relative path inside the cases folder")
        };
        if relative.is_empty() || Path::new(relative).is_absolute() || relative.contains('\\') {
            return Err(outside());
        }
        let path = normalized(&self.file.join(relative));
        if !matches!(path.components().next(), Some(Component::Normal(_))) {
            return Err(outside());
        }
        let cannot = |err: io::Error| format!("cannot read `raw_body_file` {relative:?}: {err}");
        if self.root.len(&path).map_err(cannot)? > FILE_BODY_MAX_BYTES as u64 {
            return Err(format!(
                "`raw_body_file` {relative:?} is over {FILE_BODY_MAX_BYTES} bytes"
            ));
        }
        self.root
            .read(&path)
            .map(|bytes| bytes.into_owned())
            .map_err(cannot)
    }
}

/// `path` with `.` and `..` resolved as written (no file system look-up).
fn normalized(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// The length of the `word` when `text` starts with `word}` (lower-case letters and `_`).
fn placeholder_len(text: &str) -> Option<usize> {
    let len = text
        .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .unwrap_or(text.len());
    (len > 0 && text[len..].starts_with('}')).then_some(len)
}

/// `text` written so that the loader reads it back unchanged: every `{` that starts a
/// placeholder-shaped `{word}` doubled. For writers of case files (regression cases).
pub fn literal_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        if c == '{' && placeholder_len(&text[at + 1..]).is_some() {
            out.push('{');
        }
        out.push(c);
    }
    out
}

/// `value` with [`literal_text`] applied to every string the loader expands (not to member
/// names, nor inside `$string` templates).
pub fn literal_value(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$string") => value.clone(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), literal_value(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(literal_value).collect()),
        Value::String(text) => Value::String(literal_text(text)),
        other => other.clone(),
    }
}

/// What placeholders stand for in one test.
struct Expand<'a> {
    fixtures: &'a Fixtures,
    name: String,
}

impl Expand<'_> {
    /// `text` with every placeholder replaced; an unknown `{word}` is an error.
    fn text(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            if after.starts_with('{') && placeholder_len(&after[1..]).is_some() {
                out.push('{');
                rest = &after[1..];
                continue;
            }
            let word_len = placeholder_len(after).unwrap_or(0);
            if word_len > 0 {
                let word = &after[..word_len];
                let value = match word {
                    "name" => Some(self.name.as_str()),
                    _ => self.fixtures.value(word),
                };
                out.push_str(value.ok_or_else(|| {
                    format!("unknown placeholder \"{{{word}}}\" (known: {{name}}, {{run}}, {{security_group_id}}, {{network_id}})")
                })?);
                rest = &after[word_len + 1..];
            } else {
                out.push('{');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `value` with its `$string` templates rendered and placeholders replaced in its strings.
    fn value(&self, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::Object(map) if map.contains_key("$string") => {
                if map.len() != 1 {
                    return Err("a `$string` object takes no other member".into());
                }
                let mut template: StringTemplate = serde_json::from_value(map["$string"].clone())
                    .map_err(|err| format!("$string: {err}"))?;
                // Placeholders count as what they stand for: a 64-character name stays 64
                // characters whatever the run id.
                template.prefix = self.text(&template.prefix)?;
                Value::String(render_template(&template)?)
            }
            Value::Object(map) if map.contains_key("$concat") => {
                let parts = match (map.len(), &map["$concat"]) {
                    (1, Value::Array(parts)) => parts,
                    _ => {
                        return Err("`$concat` takes an array of strings and no other member".into())
                    }
                };
                let mut text = String::new();
                for part in parts {
                    let part = part.as_str().ok_or("`$concat` takes an array of strings")?;
                    text.push_str(&self.text(part)?);
                }
                Value::String(text)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| self.value(v).map(|v| (k.clone(), v)))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.value(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::String(text) => Value::String(self.text(text)?),
            other => other.clone(),
        })
    }
}

fn test_body(
    base: Option<&Value>,
    test: &Test,
    expand: &Expand,
    folders: &Folders,
) -> Result<Vec<u8>, String> {
    let given = [
        test.set.is_some() || test.remove.is_some(),
        test.body.is_some(),
        test.raw_body.is_some(),
        test.raw_body_hex.is_some(),
        test.raw_body_file.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err("a test takes at most one of `set`/`remove`, `body`, `raw_body`, `raw_body_hex` and `raw_body_file`".into());
    }
    let base = || -> Result<Value, String> {
        let base = base.ok_or(
            "the test needs a base body: give `body` to its group or file, or a body of its own",
        )?;
        expand.value(base).map_err(|m| format!("base body: {m}"))
    };
    if let Some(raw) = &test.raw_body {
        return raw_text(raw, expand, base).map(String::into_bytes);
    }
    if let Some(digits) = &test.raw_body_hex {
        return hex::decode(digits).map_err(|err| match err {
            hex::FromHexError::OddLength => "`raw_body_hex` has an odd number of digits".into(),
            other => format!("`raw_body_hex`: {other}, not a hex digit"),
        });
    }
    if let Some(relative) = &test.raw_body_file {
        return folders.read(relative);
    }
    let body = if let Some(body) = &test.body {
        expand.value(body).map_err(|m| format!("body: {m}"))?
    } else if test.set.is_some() || test.remove.is_some() {
        apply_patch(base()?, test, expand)?
    } else {
        base()?
    };
    Ok(serde_json::to_vec(&body).expect("a JSON value serializes"))
}

fn raw_text(
    raw: &RawBody,
    expand: &Expand,
    base: impl Fn() -> Result<Value, String>,
) -> Result<String, String> {
    let parts = match raw {
        RawBody::Text(text) => return expand.text(text),
        RawBody::Parts(parts) => parts,
    };
    let mut out = String::new();
    for part in parts {
        match part {
            RawPart::Text(text) => out.push_str(&expand.text(text)?),
            RawPart::Repeat(Repeat { text, times }) => {
                let text = expand.text(text)?;
                if text.chars().count().saturating_mul(*times) > TEMPLATE_MAX_CHARS {
                    return Err(format!("$repeat: over {TEMPLATE_MAX_CHARS} characters"));
                }
                out.push_str(&text.repeat(*times));
            }
            RawPart::Base(BaseText { style, cut }) => {
                let text = json_text(&base()?, *style);
                let keep = text.chars().count().checked_sub(*cut).ok_or_else(|| {
                    format!(
                        "$body: cannot cut {cut} characters off {} of JSON text",
                        text.chars().count()
                    )
                })?;
                out.extend(text.chars().take(keep));
            }
        }
    }
    Ok(out)
}

/// `value` as JSON text, compact or spaced.
fn json_text(value: &Value, style: Spacing) -> String {
    match style {
        Spacing::Compact => value.to_string(),
        Spacing::Spaced => {
            let mut out = Vec::new();
            let mut writer = serde_json::Serializer::with_formatter(&mut out, SpacedJson);
            value
                .serialize(&mut writer)
                .expect("a JSON value serializes");
            String::from_utf8(out).expect("JSON text is UTF-8")
        }
    }
}

/// JSON with `", "` between items and `": "` after member names, on one line.
struct SpacedJson;

impl SpacedJson {
    fn separator<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }
}

impl serde_json::ser::Formatter for SpacedJson {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        SpacedJson::separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        SpacedJson::separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

fn apply_patch(base: Value, test: &Test, expand: &Expand) -> Result<Value, String> {
    let Value::Object(mut body) = base else {
        return Err("`set` and `remove` need the base body to be an object".into());
    };
    let set = test.set.clone().unwrap_or_default();
    for member in test.remove.iter().flatten() {
        if set.contains_key(member) {
            return Err(format!("the test both sets and removes {member:?}"));
        }
        if body.shift_remove(member).is_none() {
            return Err(format!(
                "the test removes {member:?}, which the base body does not have"
            ));
        }
    }
    for (member, value) in &set {
        let value = expand
            .value(value)
            .map_err(|m| format!("set.{member}: {m}"))?;
        body.insert(member.clone(), value);
    }
    Ok(Value::Object(body))
}

fn render_template(template: &StringTemplate) -> Result<String, String> {
    let prefix_chars = template.prefix.chars().count();
    if template.fill.is_empty() {
        return Err("$string: `fill` must not be empty".into());
    }
    if template.chars > TEMPLATE_MAX_CHARS {
        return Err(format!(
            "$string: `chars` is {} but at most {TEMPLATE_MAX_CHARS} are allowed",
            template.chars
        ));
    }
    if template.chars < prefix_chars {
        return Err(format!(
            "$string: `chars` is {} but the prefix alone has {prefix_chars} characters",
            template.chars
        ));
    }
    let mut text = template.prefix.clone();
    text.extend(
        template
            .fill
            .chars()
            .cycle()
            .take(template.chars - prefix_chars),
    );
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Case>, LoadError> {
        parse_file(Path::new("cases/t.json"), "t", text, &Fixtures::default())
    }

    /// A file with base body `{"name": "{name}", "url": "u"}` and `tests`, one per line.
    fn file(tests: &[&str]) -> String {
        format!(
            "{{\n  \"body\": {{\"name\": \"{{name}}\", \"url\": \"u\"}},\n  \"groups\": [\n    {{\n      \"description\": \"g\",\n      \"tests\": [\n{}\n      ]\n    }}\n  ]\n}}\n",
            tests.join(",\n")
        )
    }

    fn body(case: &Case) -> &str {
        std::str::from_utf8(&case.body).unwrap()
    }

    #[test]
    fn misspelt_key_names_file_line_and_case() {
        let text = file(&[
            r#"        {"name": "ok", "description": "d", "expect": "accept"}"#,
            "        {\n          \"name\": \"bad\",\n          \"description\": \"d\",\n          \"expct\": \"accept\"\n        }",
        ]);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line, Some(11));
        assert_eq!(err.case_id.as_deref(), Some("t/bad"));
        let shown = err.to_string();
        assert!(
            shown.starts_with("cases/t.json:11 (t/bad): unknown field `expct`"),
            "{shown}"
        );
    }

    #[test]
    fn unknown_clause_and_duplicate_names_are_errors() {
        let unknown = file(&[
            r#"        {"name": "a", "description": "d", "clauses": ["req.pth"], "expect": "accept"}"#,
        ]);
        let err = parse(&unknown).unwrap_err();
        assert!(
            err.message.contains("unknown clause id \"req.pth\""),
            "{err}"
        );
        assert_eq!(err.case_id.as_deref(), Some("t/a"));

        let twice = file(&[
            r#"        {"name": "a", "description": "d", "expect": "accept"}"#,
            r#"        {"name": "a", "description": "d", "expect": "reject"}"#,
        ]);
        let err = parse(&twice).unwrap_err();
        assert_eq!(err.line, Some(8));
        assert!(
            err.message
                .contains("duplicate case id \"t/a\" (first defined at line 7)"),
            "{err}"
        );
    }

    #[test]
    fn names_and_fixtures_fill_the_placeholders() {
        let text = file(&[
            r#"        {"name": "a", "description": "d", "set": {"sg": "{security_group_id}", "note": "{x", "raw": "{{run}"}, "expect": "accept"}"#,
        ]);
        let cases = parse(&text).unwrap();
        assert_eq!(
            body(&cases[0]),
            r#"{"name":"dlic-t-a","url":"u","sg":"a07ab107-a4ad-4835-ad09-08a2f2efccdb","note":"{x","raw":"{run}"}"#
        );
        let run = Fixtures::with_run("r1").unwrap();
        let cases = parse_file(Path::new("cases/t.json"), "t", &text, &run).unwrap();
        assert!(body(&cases[0]).starts_with(r#"{"name":"dlic-t-a-r1","#));
        assert_eq!(literal_text("{run} {x} {{y}"), "{{run} {{x} {{{y}");

        let typo = file(&[
            r#"        {"name": "a", "description": "d", "set": {"sg": "{netwrk_id}"}, "expect": "accept"}"#,
        ]);
        let err = parse(&typo).unwrap_err();
        assert!(
            err.message.contains("unknown placeholder \"{netwrk_id}\""),
            "{err}"
        );
    }

    #[test]
    fn set_remove_and_templates_build_exact_bytes() {
        let text = file(&[
            r#"        {"name": "a", "description": "d", "set": {"url": {"$string": {"prefix": "ab", "fill": "e\u0301", "chars": 5}}, "tags": null}, "remove": ["name"], "expect": "reject"}"#,
            r#"        {"name": "b", "description": "d", "set": {"url": {"$concat": ["x{run}", "y"]}}, "expect": "accept"}"#,
        ]);
        let cases = parse(&text).unwrap();
        assert_eq!(cases[0].id, "t/a");
        assert_eq!(cases[0].source.to_string(), "cases/t.json:7");
        assert_eq!(body(&cases[0]), "{\"url\":\"abe\u{301}e\",\"tags\":null}");
        assert_eq!(body(&cases[1]), r#"{"name":"dlic-t-b","url":"xy"}"#);
    }

    #[test]
    fn raw_bodies_are_built_from_parts() {
        let text = file(&[
            r#"        {"name": "a", "description": "d", "raw_body": [{"$body": "spaced", "cut": 1}, ",}"], "expect": "reject"}"#,
            r#"        {"name": "b", "description": "d", "raw_body": ["[", {"$body": "compact"}, "]"], "expect": "reject"}"#,
            r#"        {"name": "c", "description": "d", "raw_body": ["\"", {"$repeat": "\\u00e9", "times": 3}, "\""], "expect": "reject"}"#,
            r#"        {"name": "d", "description": "d", "raw_body": [{"$twice": "x"}], "expect": "reject"}"#,
        ]);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.case_id.as_deref(), Some("t/d"));
        assert!(
            err.message
                .starts_with("`raw_body` is a string or an array of parts"),
            "{err}"
        );
        let text = text.replace(",\n        {\"name\": \"d\", \"description\": \"d\", \"raw_body\": [{\"$twice\": \"x\"}], \"expect\": \"reject\"}", "");
        let cases = parse(&text).unwrap();
        assert_eq!(body(&cases[0]), r#"{"name": "dlic-t-a", "url": "u",}"#);
        assert_eq!(body(&cases[1]), r#"[{"name":"dlic-t-b","url":"u"}]"#);
        assert_eq!(body(&cases[2]), r#""\u00e9\u00e9\u00e9""#);
    }

    /// Found by the `case_file` fuzz target: `"chars": 99999999999` made the loader allocate
    /// 100 GB (an abort, not a load error); many near-limit templates times many tests did too.
    #[test]
    fn templates_cannot_expand_without_bound() {
        let template = |chars: usize| {
            file(&[&format!(
                r#"        {{"name": "a", "description": "d", "set": {{"url": {{"$string": {{"fill": "a", "chars": {chars}}}}}}}, "expect": "reject"}}"#
            )])
        };
        assert_eq!(parse(&template(TEMPLATE_MAX_CHARS)).unwrap().len(), 1);
        let err = parse(&template(99_999_999_999)).unwrap_err();
        assert_eq!(err.line, Some(7));
        assert!(err.message.contains("at most 1048576"), "{err}");

        let big = r#"{"$string": {"fill": "a", "chars": 1048576}}"#;
        let tests: Vec<String> = (0..70)
            .map(|i| format!(r#"{{"name": "t{i}", "description": "d", "expect": "reject"}}"#))
            .collect();
        let text = format!(
            "{{\"body\": {{\"url\": {big}}}, \"groups\": [{{\"description\": \"g\",\n\"tests\": [{}]}}]}}",
            tests.join(",\n")
        );
        let err = parse(&text).unwrap_err();
        assert_eq!(err.case_id.as_deref(), Some("t/t63"));
        assert!(
            err.message.contains("add up to over 67108864 bytes"),
            "{err}"
        );
    }

    #[test]
    fn raw_hex_bodies_decode() {
        let text = file(&[
            r#"        {"name": "a", "description": "d", "raw_body_hex": "7bff", "expect": "reject"}"#,
            r#"        {"name": "b", "description": "d", "raw_body_hex": "7g", "expect": "reject"}"#,
        ]);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.case_id.as_deref(), Some("t/b"));
        assert!(err.message.contains("not a hex digit"), "{err}");
        let first_only = text.replace(",\n        {\"name\": \"b\", \"description\": \"d\", \"raw_body_hex\": \"7g\", \"expect\": \"reject\"}", "");
        assert_eq!(&parse(&first_only).unwrap()[0].body[..], b"{\xff");
    }

    #[test]
    fn clauses_are_derived_and_listing_a_derived_one_is_an_error() {
        let text = file(&[
            r#"        {"name": "a", "description": "d", "set": {"service": "dws", "security_group_id": "s", "network_id": "n"}, "expect": "accept"}"#,
        ]);
        let clauses = &parse(&text).unwrap()[0].clauses;
        for clause in [
            ClauseId::ReqServiceCaseInsensitive,
            ClauseId::ReqTagsOptional,
            ClauseId::RespCreatedStatus,
            ClauseId::RespCreatedConnectionIdUnique,
        ] {
            assert!(clauses.contains(&clause), "{clause} not in {clauses:?}");
        }
        assert!(!clauses.contains(&ClauseId::RespInvalidStatus));
        let redundant = text.replace(
            "\"expect\": \"accept\"",
            "\"clauses\": [\"req.service.case-insensitive\"], \"expect\": \"accept\"",
        );
        let err = parse(&redundant).unwrap_err();
        assert!(err.message.contains("is derived for this case"), "{err}");
    }

    #[test]
    fn raw_body_files_stay_inside_the_cases_folder() {
        let dir = std::env::temp_dir().join(format!("dli-raw-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("corpus")).unwrap();
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("corpus/a.json"), b"[1,\n2]").unwrap();
        std::fs::write(dir.join("corpus/ignored.json"), b"not a case file").unwrap();
        let test = |path: &str| {
            format!(
                "{{\"groups\": [{{\"description\": \"g\", \"tests\": [{{\"name\": \"a\", \"description\": \"d\", \"raw_body_file\": \"{path}\", \"expect\": \"reject\"}}]}}]}}"
            )
        };
        std::fs::write(dir.join("sub/in.json"), test("../corpus/a.json")).unwrap();
        let cases = load_dir(&dir, &Fixtures::default()).unwrap();
        assert_eq!(cases.len(), 1, "corpus/ holds no case files");
        assert_eq!(cases[0].id, "sub/in/a");
        assert_eq!(&cases[0].body[..], b"[1,\n2]");
        std::fs::write(dir.join("sub/in.json"), test("../../etc/passwd")).unwrap();
        let err = load_dir(&dir, &Fixtures::default()).unwrap_err();
        assert!(
            err.message
                .contains("not a relative path inside the cases folder"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let err = parse("{\n  \"groups\": \n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.starts_with("not a case file"), "{err}");
    }

    #[test]
    fn an_empty_folder_is_an_error() {
        let dir = std::env::temp_dir().join(format!("dli-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = load_dir(&dir, &Fixtures::default()).unwrap_err();
        assert!(err.message.starts_with("no cases found"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The loader's test-name rule is the schema's pattern.
    #[test]
    fn test_names_follow_the_schema_pattern() {
        let schema = json_schema();
        let pattern = schema["$defs"]["Test"]["properties"]["name"]["pattern"]
            .as_str()
            .unwrap();
        assert_eq!(pattern, "^[a-z0-9._-]+$");
        for c in (0u8..128).map(char::from) {
            let one = c.to_string();
            let in_pattern = c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
            assert_eq!(valid_name(&one), in_pattern, "{c:?}");
        }
    }
}
