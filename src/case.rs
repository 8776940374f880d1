//! Case files: loading and validating the suite's hand-written requests. This doc is the format.
//!
//! The loader takes the `cases/` folder and gives sorted [`Case`]s, each with the exact request
//! bytes to send, its expectation and where it was written; `generate` adds more cases of the same
//! shape, `target` sends them, `check` judges the answers. Parsing is strict: a typo is an error
//! that names the file, line and case id, never a silently ignored key.
//!
//! # Layout
//! - The folder is read through [`CaseRoot`]: a folder on disk, or the `cases/` tree compiled
//!   into the binary ([`crate::shipped`]); [`load`] takes either, [`load_dir`] a folder.
//! - Every `*.json` file below `cases/` is a case file, except `*.schema.json` (the JSON Schema of
//!   case files, `cases/case-file.schema.json`, which a test checks every file against).
//! - A case's id is `{path-below-cases-without-.json}/{name}`, e.g. `url/over-limit-513` or
//!   `regressions/url/shrunk-513`. Ids are unique across the folder; a duplicate is a load error.
//! - Finding no case at all is an error, so a typo in a path cannot pass as an empty, green run.
//!
//! # A case file
//! A JSON array of groups. A group:
//! - `description` (string, required): what the group exercises.
//! - `clauses` (array of clause ids, required, non-empty): the rules every test of the group
//!   exercises; ids are those of `shared/spec/CLAUSES.md` (see [`crate::clause`]).
//! - `request` (object, required): `{"body": <JSON>}`, the base request body the tests patch.
//! - `tests` (array, required, non-empty) of tests. A test:
//!   - `name` (string, required): lower-case letters, digits, `-`, `_` and `.`; unique in the file.
//!   - `description` (string, required): one sentence saying what is special about this request.
//!   - `clauses` (array of clause ids, default `[]`): added to the group's clauses.
//!   - `expect` (required): `"accept"` (201 and the success shape), `"reject"` (400 and the error
//!     envelope) or `"either"` (a MAY: both are conformant; the run records which it saw).
//!   - `see` (string, optional): for regression cases, where the failure came from and one
//!     sentence of root cause.
//!   - at most one of (default: send the group's body unchanged):
//!     - `patch`: `{"set": {member: value, ...}, "remove": [member, ...]}` applied to the group's
//!       body (which must then be an object); `set` adds or replaces top-level members (a `null`
//!       value sends JSON `null`), `remove` deletes them. Both default to empty; a member may not
//!       be in both.
//!     - `body`: a whole JSON body replacing the group's.
//!     - `raw_body`: a string sent byte for byte (UTF-8), for malformed JSON and empty bodies.
//!     - `raw_body_hex`: the bytes to send, in hexadecimal, for bodies that are not UTF-8.
//!
//! # Long strings
//! Anywhere inside `request.body`, `patch.set` or `body`, the object
//! `{"$string": {"prefix": P, "fill": F, "chars": N}}` stands for the string `P` followed by `F`
//! repeated (and cut) until the whole string is exactly `N` characters (Unicode scalar values).
//! `prefix` defaults to `""`; `fill` must not be empty; `N` must be at least the length of `P`
//! and at most [`TEMPLATE_MAX_CHARS`], and the bodies of one file add up to at most
//! [`FILE_BODY_MAX_BYTES`], so a few bytes of case file can never expand into gigabytes.
//! So a 513-character url is `{"$string": {"prefix": "https://", "fill": "a", "chars": 513}}`.
//!
//! JSON members keep the order they are written in, so the bytes sent are predictable.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::clause::ClauseId;
use crate::shipped::CaseRoot;

/// The longest string a `$string` template may stand for (1 Mi characters: longer bodies than
/// any target reads in full, [`crate::target::BODY_CAP`]).
pub const TEMPLATE_MAX_CHARS: usize = 1 << 20;

/// The most body bytes the cases of one file may add up to (64 MiB).
pub const FILE_BODY_MAX_BYTES: usize = 64 << 20;

/// The case folder of the source tree this crate was built from (the tests read it; the
/// binary runs the copy compiled into it, [`crate::shipped::CASES`]).
pub const SHIPPED_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/cases");

/// What a conformant server does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// 201 with the success shape.
    Accept,
    /// 400 with the error envelope.
    Reject,
    /// A MAY: 201 or 400 are both conformant.
    Either,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expect::Accept => "accept",
            Expect::Reject => "reject",
            Expect::Either => "either",
        })
    }
}

/// Where a case comes from: a line of a case file, or an example of a generated class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A hand-written test.
    File {
        /// The case file, as given to the loader (e.g. `cases/url.json`).
        path: PathBuf,
        /// 1-based line of the test object.
        line: usize,
    },
    /// A property-generated body.
    Generated {
        /// The generator class (see [`crate::generate::CLASSES`]).
        class: &'static str,
        /// The run seed it was drawn with.
        seed: u64,
        /// Its position among the class's examples.
        index: usize,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Generated { class, seed, index } => {
                write!(f, "prop/{class} --seed {seed}, example {index}")
            }
        }
    }
}

/// One request with its expectation, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `{file stem}/{name}`, unique across the run.
    pub id: String,
    /// The group's description and the test's, as `group: test`.
    pub description: String,
    /// Clause ids this case exercises: the group's, then the test's own.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile<'a> {
    description: String,
    clauses: Vec<String>,
    request: BaseRequest,
    #[serde(borrow)]
    tests: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaseRequest {
    body: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    name: String,
    description: String,
    #[serde(default)]
    clauses: Vec<String>,
    expect: Expect,
    #[serde(default)]
    see: Option<String>,
    #[serde(default)]
    patch: Option<Patch>,
    #[serde(default, deserialize_with = "present")]
    body: Option<Value>,
    #[serde(default)]
    raw_body: Option<String>,
    #[serde(default)]
    raw_body_hex: Option<String>,
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
struct Patch {
    #[serde(default)]
    set: Map<String, Value>,
    #[serde(default)]
    remove: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StringTemplate {
    #[serde(default)]
    prefix: String,
    fill: String,
    chars: usize,
}

/// Loads every case file below `dir`, sorted by id. Zero cases is an error.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, LoadError> {
    load(&CaseRoot::Dir(dir.to_path_buf()))
}

/// Loads every case file below `root` (a folder, or the tree shipped in the binary), sorted by
/// id. Zero cases is an error.
pub fn load(root: &CaseRoot) -> Result<Vec<Case>, LoadError> {
    let files = root.files().map_err(|(path, err)| LoadError {
        path,
        line: None,
        case_id: None,
        message: format!("cannot read case folder: {err}"),
    })?;
    let mut cases = Vec::new();
    for file in files.iter().filter(|file| is_case_file(file)) {
        let shown = root.shown(file);
        let text = root
            .read(file)
            .and_then(|bytes| {
                String::from_utf8(bytes.into_owned())
                    .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
            })
            .map_err(|err| LoadError {
                path: shown.clone(),
                line: None,
                case_id: None,
                message: format!("cannot read case file: {err}"),
            })?;
        cases.extend(parse_file(&shown, &id_prefix(file), &text)?);
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

/// `*.json` files are case files, except `*.schema.json`.
fn is_case_file(relative: &Path) -> bool {
    let name = relative.to_string_lossy();
    name.ends_with(".json") && !name.ends_with(".schema.json")
}

/// `regressions/url.json` (below the case folder) -> `regressions/url`.
fn id_prefix(file: &Path) -> String {
    let relative = file.with_extension("");
    relative
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
                Source::Generated { .. } => (PathBuf::new(), None),
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

/// Parses one case file's text. `id_prefix` is the file's path below `cases/` without `.json`.
pub fn parse_file(path: &Path, id_prefix: &str, text: &str) -> Result<Vec<Case>, LoadError> {
    let at = |line: Option<usize>, case_id: Option<String>, message: String| LoadError {
        path: path.to_path_buf(),
        line,
        case_id,
        message,
    };
    let groups: Vec<&RawValue> = serde_json::from_str(text).map_err(|err| {
        at(
            Some(err.line()),
            None,
            format!("not a JSON array of groups: {err}"),
        )
    })?;
    let mut cases = Vec::new();
    let mut names_seen: HashMap<String, usize> = HashMap::new();
    let mut body_bytes = 0;
    for raw_group in groups {
        let group_line = line_of(text, raw_group);
        let group: GroupFile = serde_json::from_str(raw_group.get())
            .map_err(|err| at(Some(group_line + err.line() - 1), None, err.to_string()))?;
        if group.tests.is_empty() {
            return Err(at(Some(group_line), None, "group has no tests".into()));
        }
        let group_clauses = resolve_clauses(&group.clauses)
            .map_err(|message| at(Some(group_line), None, message))?;
        if group_clauses.is_empty() {
            return Err(at(Some(group_line), None, "group names no clause".into()));
        }
        let base_body = expand_templates(group.request.body)
            .map_err(|message| at(Some(group_line), None, format!("request.body: {message}")))?;
        for raw_test in group.tests {
            let line = line_of(text, raw_test);
            let case_id = read_name(raw_test).map(|name| format!("{id_prefix}/{name}"));
            let fail = |line: usize, message: String| at(Some(line), case_id.clone(), message);
            let test: TestFile = serde_json::from_str(raw_test.get())
                .map_err(|err| fail(line + err.line() - 1, err.to_string()))?;
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
            let mut clauses = group_clauses.clone();
            for id in resolve_clauses(&test.clauses).map_err(|message| fail(line, message))? {
                if !clauses.contains(&id) {
                    clauses.push(id);
                }
            }
            let body = test_body(&base_body, &test).map_err(|message| fail(line, message))?;
            body_bytes += body.len();
            if body_bytes > FILE_BODY_MAX_BYTES {
                return Err(fail(
                    line,
                    format!("the file's bodies add up to over {FILE_BODY_MAX_BYTES} bytes"),
                ));
            }
            cases.push(Case {
                id: format!("{id_prefix}/{}", test.name),
                description: format!("{}: {}", group.description, test.description),
                clauses,
                expect: test.expect,
                body,
                source: Source::File {
                    path: path.to_path_buf(),
                    line,
                },
                see: test.see,
            });
        }
    }
    Ok(cases)
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

fn resolve_clauses(ids: &[String]) -> Result<Vec<ClauseId>, String> {
    let mut resolved = Vec::new();
    for id in ids {
        let clause = ClauseId::parse(id).ok_or_else(|| {
            let known: BTreeSet<&str> = ClauseId::ALL.iter().map(|c| c.id()).collect();
            let hint = known
                .iter()
                .find(|known| known.contains(id.as_str()) || id.contains(*known))
                .map(|near| format!(" (did you mean {near:?}?)"))
                .unwrap_or_default();
            format!("unknown clause id {id:?}{hint}")
        })?;
        if !resolved.contains(&clause) {
            resolved.push(clause);
        }
    }
    Ok(resolved)
}

fn test_body(base: &Value, test: &TestFile) -> Result<Bytes, String> {
    let given = [
        test.patch.is_some(),
        test.body.is_some(),
        test.raw_body.is_some(),
        test.raw_body_hex.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err(
            "a test takes at most one of `patch`, `body`, `raw_body` and `raw_body_hex`".into(),
        );
    }
    if let Some(raw) = &test.raw_body {
        return Ok(Bytes::from(raw.clone().into_bytes()));
    }
    if let Some(hex) = &test.raw_body_hex {
        return decode_hex(hex).map(Bytes::from);
    }
    let body = match (&test.patch, &test.body) {
        (Some(patch), _) => apply_patch(base, patch)?,
        (None, Some(body)) => expand_templates(body.clone()).map_err(|m| format!("body: {m}"))?,
        (None, None) => base.clone(),
    };
    Ok(Bytes::from(
        serde_json::to_vec(&body).expect("a JSON value serializes"),
    ))
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return Err("`raw_body_hex` has an odd number of digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "`raw_body_hex` holds {:?}, not a hex byte",
                        String::from_utf8_lossy(pair)
                    )
                })
        })
        .collect()
}

fn apply_patch(base: &Value, patch: &Patch) -> Result<Value, String> {
    let Value::Object(base) = base else {
        return Err("`patch` needs the group's request body to be an object".into());
    };
    let mut body = base.clone();
    for member in &patch.remove {
        if patch.set.contains_key(member) {
            return Err(format!("patch both sets and removes {member:?}"));
        }
        if body.shift_remove(member).is_none() {
            return Err(format!(
                "patch removes {member:?}, which the group's body does not have"
            ));
        }
    }
    for (member, value) in &patch.set {
        let value =
            expand_templates(value.clone()).map_err(|m| format!("patch.set.{member}: {m}"))?;
        body.insert(member.clone(), value);
    }
    Ok(Value::Object(body))
}

/// Replaces every `{"$string": {...}}` object inside `value` by the string it stands for.
fn expand_templates(value: Value) -> Result<Value, String> {
    Ok(match value {
        Value::Object(map) if map.contains_key("$string") => {
            if map.len() != 1 {
                return Err("a `$string` object takes no other member".into());
            }
            let template: StringTemplate = serde_json::from_value(map["$string"].clone())
                .map_err(|err| format!("$string: {err}"))?;
            Value::String(render_template(&template)?)
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| expand_templates(v).map(|v| (k, v)))
                .collect::<Result<_, _>>()?,
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(expand_templates)
                .collect::<Result<_, _>>()?,
        ),
        other => other,
    })
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
        parse_file(Path::new("cases/t.json"), "t", text)
    }

    const GROUP_HEAD: &str = r#"[
  {
    "description": "g",
    "clauses": ["req.url.max-length"],
    "request": {"body": {"name": "n", "url": "u"}},
    "tests": [
"#;

    #[test]
    fn misspelt_key_names_file_line_and_case() {
        let text = format!(
            "{GROUP_HEAD}      {{\"name\": \"ok\", \"description\": \"d\", \"expect\": \"accept\"}},\n      {{\"name\": \"bad\",\n        \"description\": \"d\",\n        \"expct\": \"accept\"}}\n    ]\n  }}\n]\n"
        );
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line, Some(10));
        assert_eq!(err.case_id.as_deref(), Some("t/bad"));
        let shown = err.to_string();
        assert!(
            shown.starts_with("cases/t.json:10 (t/bad): unknown field `expct`"),
            "{shown}"
        );
    }

    #[test]
    fn unknown_clause_and_duplicate_names_are_errors() {
        let unknown = format!(
            "{GROUP_HEAD}      {{\"name\": \"a\", \"description\": \"d\", \"expect\": \"accept\", \"clauses\": [\"req.url.max-lenght\"]}}\n    ]\n  }}\n]\n"
        );
        let err = parse(&unknown).unwrap_err();
        assert!(
            err.message
                .contains("unknown clause id \"req.url.max-lenght\""),
            "{err}"
        );
        assert_eq!(err.case_id.as_deref(), Some("t/a"));

        let twice = format!(
            "{GROUP_HEAD}      {{\"name\": \"a\", \"description\": \"d\", \"expect\": \"accept\"}},\n      {{\"name\": \"a\", \"description\": \"d\", \"expect\": \"reject\"}}\n    ]\n  }}\n]\n"
        );
        let err = parse(&twice).unwrap_err();
        assert_eq!(err.line, Some(8));
        assert!(
            err.message
                .contains("duplicate case id \"t/a\" (first defined at line 7)"),
            "{err}"
        );
    }

    #[test]
    fn patch_and_templates_build_exact_bytes() {
        let text = format!(
            "{GROUP_HEAD}      {{\"name\": \"a\", \"description\": \"d\", \"expect\": \"reject\", \"patch\": {{\"set\": {{\"url\": {{\"$string\": {{\"prefix\": \"ab\", \"fill\": \"é\", \"chars\": 5}}}}, \"tags\": null}}, \"remove\": [\"name\"]}}}}\n    ]\n  }}\n]\n"
        );
        let cases = parse(&text).unwrap();
        assert_eq!(cases[0].id, "t/a");
        assert_eq!(cases[0].source.to_string(), "cases/t.json:7");
        assert_eq!(
            std::str::from_utf8(&cases[0].body).unwrap(),
            r#"{"url":"abééé","tags":null}"#
        );
    }

    /// Found by the `case_file` fuzz target: `"chars": 99999999999` made the loader allocate
    /// 100 GB (an abort, not a load error); many near-limit templates times many tests did too.
    #[test]
    fn templates_cannot_expand_without_bound() {
        let template = |chars: usize| {
            format!(
                "{GROUP_HEAD}      {{\"name\": \"a\", \"description\": \"d\", \"expect\": \"reject\", \"patch\": {{\"set\": {{\"url\": {{\"$string\": {{\"fill\": \"a\", \"chars\": {chars}}}}}}}}}}}\n    ]\n  }}\n]\n"
            )
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
            "[{{\"description\": \"g\", \"clauses\": [\"req.url.max-length\"], \"request\": {{\"body\": {{\"url\": {big}}}}},\n\"tests\": [{}]}}]",
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
        let text = format!(
            "{GROUP_HEAD}      {{\"name\": \"a\", \"description\": \"d\", \"expect\": \"reject\", \"raw_body_hex\": \"7bff\"}},\n      {{\"name\": \"b\", \"description\": \"d\", \"expect\": \"reject\", \"raw_body_hex\": \"7g\"}}\n    ]\n  }}\n]\n"
        );
        let err = parse(&text).unwrap_err();
        assert_eq!(err.case_id.as_deref(), Some("t/b"));
        assert!(err.message.contains("not a hex byte"), "{err}");
        let first_only = text.replace(",\n      {\"name\": \"b\", \"description\": \"d\", \"expect\": \"reject\", \"raw_body_hex\": \"7g\"}", "");
        assert_eq!(&parse(&first_only).unwrap()[0].body[..], b"{\xff");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let err = parse("[\n  {\"description\": \n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.starts_with("not a JSON array of groups"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_folder_is_an_error() {
        let dir = std::env::temp_dir().join(format!("dli-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = load_dir(&dir).unwrap_err();
        assert!(err.message.starts_with("no cases found"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
