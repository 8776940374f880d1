//! The clause registry: every rule of `shared/spec/CLAUSES.md` with its stable id and level.
//!
//! Case files, checker violations, reports and the mock's error messages all name rules by these
//! ids; the loader rejects any id that is not listed here, and a test cross-checks this table
//! against `CLAUSES.md` (a copy ships in `tests/spec/`, itself checked against the project's
//! `shared/spec/` when that sits beside the checkout) so the two cannot drift apart.
//! Ambiguities (`A1`..`A9`) are listed as MAY clauses: the suite records what a server chose
//! there and never fails it.

use std::fmt;

/// How strongly the spec states a rule, and so what breaking it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Either behaviour is conformant; the run records which one it saw.
    May,
    /// Breaking it is a warning (a failure only under `--strict`).
    Should,
    /// Breaking it is a failure.
    Must,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::May => "MAY",
            Level::Should => "SHOULD",
            Level::Must => "MUST",
        })
    }
}

/// One rule of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clause {
    /// Stable id, e.g. `req.url.max-length`.
    pub id: &'static str,
    /// MUST, SHOULD or MAY.
    pub level: Level,
    /// The rule in one line.
    pub rule: &'static str,
}

const fn clause(id: &'static str, level: Level, rule: &'static str) -> Clause {
    Clause { id, level, rule }
}

use Level::{May, Must, Should};

/// Every clause of `CLAUSES.md`, in the order the page lists them.
pub const CLAUSES: &[Clause] = &[
    clause(
        "req.path",
        Must,
        "POST /v2.0/{project_id}/datasource-connection",
    ),
    clause("req.body.object", Must, "the body is a JSON object"),
    clause("req.name.required", Must, "`name` is present"),
    clause("req.name.type", Must, "`name` is a string"),
    clause("req.service.required", Must, "`service` is present"),
    clause("req.service.type", Must, "`service` is a string"),
    clause(
        "req.service.enum",
        Must,
        "`service` is one of the listed services",
    ),
    clause(
        "req.service.case-insensitive",
        Must,
        "service names match regardless of case",
    ),
    clause(
        "req.security_group_id.required",
        Must,
        "`security_group_id` is present",
    ),
    clause(
        "req.security_group_id.type",
        Must,
        "`security_group_id` is a string",
    ),
    clause("req.network_id.required", Must, "`network_id` is present"),
    clause("req.network_id.type", Must, "`network_id` is a string"),
    clause("req.url.required", Must, "`url` is present"),
    clause("req.url.type", Must, "`url` is a string"),
    clause(
        "req.url.max-length",
        Must,
        "`url` is at most 512 characters",
    ),
    clause("req.tags.optional", Must, "`tags` may be absent or empty"),
    clause(
        "req.tags.type",
        Must,
        "`tags`, when present, is an array of objects",
    ),
    clause("req.tags.key.required", Must, "each tag has `key`"),
    clause("req.tags.key.type", Must, "each tag's `key` is a string"),
    clause("req.tags.value.required", Must, "each tag has `value`"),
    clause(
        "req.tags.value.type",
        Must,
        "each tag's `value` is a string",
    ),
    clause(
        "resp.created.status",
        Must,
        "a valid request is answered 201",
    ),
    clause(
        "resp.created.json",
        Must,
        "the 201 body is a JSON object with Content-Type application/json",
    ),
    clause(
        "resp.created.is_success.type",
        Must,
        "`is_success`, when present, is a boolean",
    ),
    clause(
        "resp.created.is_success.true",
        Must,
        "a 201 never carries `is_success: false`",
    ),
    clause(
        "resp.created.message.type",
        Must,
        "`message`, when present, is a string",
    ),
    clause(
        "resp.created.connection_id.type",
        Must,
        "`connection_id`, when present, is a UUID string",
    ),
    clause(
        "resp.created.connection_id.present",
        Should,
        "a 201 carries `connection_id`",
    ),
    clause(
        "resp.created.connection_id.unique",
        Must,
        "two successful creates never share a `connection_id`",
    ),
    clause(
        "resp.invalid.status",
        Must,
        "an invalid request is answered 400",
    ),
    clause(
        "resp.error.envelope",
        Must,
        "every 4xx/5xx body is a JSON object with `error_code` and `error_msg`",
    ),
    clause("resp.no-server-error", Must, "no request is answered 5xx"),
    clause(
        "resp.status.documented",
        Must,
        "the endpoint answers only 201, 400 or 500",
    ),
    clause(
        "A1",
        May,
        "`CloudTable.OpenTSDB/CloudTable` is two values, both accepted",
    ),
    clause("A2", May, "`ct` may be accepted as an alias or rejected"),
    clause(
        "A3",
        May,
        "`MRS.OpenTSDB` is `MRS.OPENTSDB` by case-insensitivity",
    ),
    clause(
        "A4",
        May,
        "every response field is optional; types apply when present",
    ),
    clause(
        "A5",
        May,
        "unknown request members may be ignored or rejected",
    ),
    clause("A6", May, "empty strings may be accepted or rejected"),
    clause(
        "A7",
        May,
        "the SDKs treat any status below 400 as success; the page says 201",
    ),
    clause(
        "A8",
        May,
        "request Content-Type other than application/json is not addressed",
    ),
    clause(
        "A9",
        May,
        "duplicate connection names may be accepted or rejected",
    ),
];

/// The clause with this id, if the spec has one.
pub fn find(id: &str) -> Option<&'static Clause> {
    CLAUSES.iter().find(|clause| clause.id == id)
}

/// The level of a clause id the crate itself names; an id missing from [`CLAUSES`] is a bug.
pub fn level_of(id: &str) -> Level {
    find(id).map_or(Level::Must, |clause| clause.level)
}

/// The services `req.service.enum` lists, in the page's spelling.
pub const SERVICES: &[&str] = &[
    "CloudTable",
    "CloudTable.OpenTSDB",
    "MRS.OPENTSDB",
    "DWS",
    "RDS",
    "CSS",
];

/// The longest `url` `req.url.max-length` allows, in characters (Unicode scalar values).
pub const URL_MAX_CHARS: usize = 512;

/// The request members the spec requires, each a string.
pub const REQUIRED_STRING_MEMBERS: &[&str] =
    &["name", "service", "security_group_id", "network_id", "url"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = CLAUSES.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CLAUSES.len());
    }

    /// The copy of `CLAUSES.md` this crate was written against.
    const VENDORED: &str = include_str!("../tests/spec/CLAUSES.md");

    /// The vendored copy is the project's `shared/spec/CLAUSES.md`, where that sits beside the
    /// checkout (as in CI): a changed spec fails here until the table and the copy follow it.
    #[test]
    fn vendored_spec_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/CLAUSES.md");
        match std::fs::read_to_string(path) {
            Ok(current) => assert!(
                current == VENDORED,
                "{path} changed: update tests/spec/CLAUSES.md and the table in src/clause.rs"
            ),
            Err(_) => eprintln!("note: {path} not found; checked the vendored copy only"),
        }
    }

    #[test]
    fn table_matches_clauses_md() {
        let text = VENDORED;
        let mut in_spec = Vec::new();
        for line in text.lines().filter(|line| line.starts_with("| `")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let level = match cells[2] {
                "MUST" => Must,
                "SHOULD" => Should,
                other => panic!("unexpected level {other:?} in {line}"),
            };
            for id in cells[1].split('/') {
                in_spec.push((id.trim().trim_matches('`').to_string(), level));
            }
        }
        for line in text.lines().filter(|line| line.starts_with("| A")) {
            let id = line.split('|').nth(1).unwrap().trim().to_string();
            in_spec.push((id, May));
        }
        let ours: Vec<(String, Level)> = CLAUSES
            .iter()
            .map(|c| (c.id.to_string(), c.level))
            .collect();
        assert_eq!(ours, in_spec);
    }
}
