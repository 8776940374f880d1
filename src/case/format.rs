//! The case file's serde types, read strictly (`deny_unknown_fields`), and the JSON Schema
//! generated from them ([`json_schema`]). [`parse`](super::parse) reads a file through them;
//! [`body`](super::body) builds a test's bytes from them.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::Expect;
use crate::spec::clause::ClauseId;

/// A case file: a base body and groups of tests.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "dli-conformance case file",
    description = "A case file of dli-conformance; docs/case-format.md gives the meaning of every field.",
    extend("$id" = "https://dli-conformance.invalid/case-file.schema.json")
)]
pub(super) struct CaseFile<'a> {
    /// The base request body of the file's groups.
    #[serde(default, deserialize_with = "present")]
    pub(super) body: Option<Value>,
    /// The groups of tests.
    #[serde(borrow)]
    #[schemars(with = "Vec<Group<'static>>", length(min = 1))]
    pub(super) groups: Vec<&'a RawValue>,
}

/// Tests that share a description, a base body and added clauses.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Group<'a> {
    /// What the group exercises.
    #[schemars(length(min = 1))]
    pub(super) description: String,
    /// Clauses every test of the group exercises that cannot be derived from its body.
    #[serde(default)]
    #[schemars(extend("uniqueItems" = true))]
    pub(super) clauses: Vec<ClauseId>,
    /// The group's base body, in place of the file's.
    #[serde(default, deserialize_with = "present")]
    pub(super) body: Option<Value>,
    /// The tests.
    #[serde(borrow)]
    #[schemars(with = "Vec<Test>", length(min = 1))]
    pub(super) tests: Vec<&'a RawValue>,
}

/// One request and what a conformant server does with it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = at_most_one_body_source)]
pub(super) struct Test {
    /// Unique in the file; the case id is `{file}/{name}`.
    #[schemars(pattern(r"^[a-z0-9._-]+$"))]
    pub(super) name: String,
    /// What is special about this request, in one sentence.
    #[schemars(length(min = 1))]
    pub(super) description: String,
    /// Clauses added to the derived ones and the group's.
    #[serde(default)]
    #[schemars(extend("uniqueItems" = true))]
    pub(super) clauses: Vec<ClauseId>,
    /// For regression cases: where the failure came from and its root cause.
    #[serde(default)]
    #[schemars(with = "String")]
    pub(super) see: Option<String>,
    /// Members added to or replaced in the base body.
    #[serde(default)]
    #[schemars(with = "Map<String, Value>")]
    pub(super) set: Option<Map<String, Value>>,
    /// Members deleted from the base body.
    #[serde(default)]
    #[schemars(with = "Vec<String>", extend("uniqueItems" = true))]
    pub(super) remove: Option<Vec<String>>,
    /// A whole body in place of the base.
    #[serde(default, deserialize_with = "present")]
    pub(super) body: Option<Value>,
    /// The bytes to send, as text or parts.
    #[serde(default)]
    #[schemars(with = "RawBody")]
    pub(super) raw_body: Option<RawBody>,
    /// The bytes to send, in hexadecimal.
    #[serde(default)]
    #[schemars(with = "String", pattern(r"^([0-9a-fA-F]{2})*$"))]
    pub(super) raw_body_hex: Option<String>,
    /// A file whose bytes are sent, relative to the case file's folder.
    #[serde(default)]
    #[schemars(with = "String")]
    pub(super) raw_body_file: Option<String>,
    /// What a conformant server does.
    pub(super) expect: Expect,
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
pub(super) enum RawBody {
    /// The whole body.
    Text(String),
    /// Parts, joined.
    Parts(Vec<RawPart>),
}

/// One part of a `raw_body`.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub(super) enum RawPart {
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
pub(super) struct Repeat {
    /// The text to repeat.
    #[serde(rename = "$repeat")]
    #[schemars(length(min = 1))]
    pub(super) text: String,
    /// How many times.
    pub(super) times: usize,
}

/// `{"$body": STYLE, "cut": N}`: the base body as JSON text, less its last `N` characters.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BaseText {
    /// How the JSON text is spaced.
    #[serde(rename = "$body")]
    pub(super) style: Spacing,
    /// Characters cut off the end.
    #[serde(default)]
    pub(super) cut: usize,
}

/// How a `$body` part writes JSON.
#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub(super) enum Spacing {
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
pub(super) struct NameOnly {
    pub(super) name: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StringTemplate {
    #[serde(default)]
    pub(super) prefix: String,
    pub(super) fill: String,
    pub(super) chars: usize,
}

/// The JSON Schema of case files (draft 2020-12), generated from the types the loader reads;
/// `cases/case-file.schema.json` is this, and a test keeps it so.
pub fn json_schema() -> Value {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<CaseFile<'static>>()
        .to_value()
}
