//! The spec oracle: any body bytes in, the [`Expect`]ation a conformant server meets out.
//!
//! It reads the clause model of `CLAUSES.md` directly and is written apart from the mock's
//! validation, so the two check each other: the fuzz targets and the generator's tests compare
//! them. Every MUST the body breaks makes it `reject` (naming the clauses); otherwise any MAY it
//! touches (unknown members A5, empty strings A6, the `ct` alias A2, a service that matches a
//! listed one only under full Unicode case folding) makes it `either`; otherwise `accept`.
//! Casing variants of a listed service are always valid.

use serde_json::{Map, Value};

use crate::case::Expect;
use crate::clause::{REQUIRED_STRING_MEMBERS, SERVICES, URL_MAX_CHARS};

/// What a conformant server does with a body, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Accept, reject or either.
    pub expect: Expect,
    /// The clauses that decided it: the MUSTs broken (reject) or the MAYs touched (either).
    pub clauses: Vec<&'static str>,
}

/// Every top-level member the spec names.
const KNOWN_MEMBERS: &[&str] = &[
    "name",
    "service",
    "security_group_id",
    "network_id",
    "url",
    "tags",
];

/// The expectation for `body`, sent as `application/json` to the create endpoint.
pub fn expectation(body: &[u8]) -> Expectation {
    let mut broken = Vec::new();
    let mut open = Vec::new();
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(members)) => judge_members(&members, &mut broken, &mut open),
        _ => broken.push("req.body.object"),
    }
    let (expect, mut clauses) = if !broken.is_empty() {
        (Expect::Reject, broken)
    } else if !open.is_empty() {
        (Expect::Either, open)
    } else {
        (Expect::Accept, Vec::new())
    };
    clauses.sort_unstable();
    clauses.dedup();
    Expectation { expect, clauses }
}

fn judge_members(
    members: &Map<String, Value>,
    broken: &mut Vec<&'static str>,
    open: &mut Vec<&'static str>,
) {
    for &member in REQUIRED_STRING_MEMBERS {
        match members.get(member) {
            None => broken.push(required_clause(member)),
            Some(Value::String(text)) if text.is_empty() => open.push("A6"),
            Some(Value::String(_)) => {}
            Some(_) => broken.push(type_clause(member)),
        }
    }
    if let Some(Value::String(service)) = members.get("service") {
        judge_service(service, broken, open);
    }
    if let Some(Value::String(url)) = members.get("url") {
        if url.chars().count() > URL_MAX_CHARS {
            broken.push("req.url.max-length");
        }
    }
    if let Some(tags) = members.get("tags") {
        judge_tags(tags, broken, open);
    }
    if members
        .keys()
        .any(|key| !KNOWN_MEMBERS.contains(&key.as_str()))
    {
        open.push("A5");
    }
}

fn judge_service(service: &str, broken: &mut Vec<&'static str>, open: &mut Vec<&'static str>) {
    if service.is_empty() {
        return; // the A6 choice, already recorded
    }
    let folded = service.to_lowercase();
    let listed = |candidate: &str| SERVICES.iter().any(|s| s.to_lowercase() == candidate);
    if SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service)) {
        // req.service.case-insensitive: every casing of a listed value is that value.
    } else if service.eq_ignore_ascii_case("ct") {
        open.push("A2");
    } else if listed(&folded) || listed(&service.to_uppercase().to_lowercase()) {
        // Non-ASCII letters whose case mapping lands on a listed value (the Kelvin sign, long s):
        // whether "case does not matter" reaches them is not addressed.
        open.push("req.service.case-insensitive");
    } else {
        broken.push("req.service.enum");
    }
}

fn judge_tags(tags: &Value, broken: &mut Vec<&'static str>, open: &mut Vec<&'static str>) {
    let Value::Array(tags) = tags else {
        broken.push("req.tags.type");
        return;
    };
    for tag in tags {
        let Value::Object(tag) = tag else {
            broken.push("req.tags.type");
            continue;
        };
        for (member, required, typed) in [
            ("key", "req.tags.key.required", "req.tags.key.type"),
            ("value", "req.tags.value.required", "req.tags.value.type"),
        ] {
            match tag.get(member) {
                None => broken.push(required),
                Some(Value::String(text)) if text.is_empty() => open.push("A6"),
                Some(Value::String(_)) => {}
                Some(_) => broken.push(typed),
            }
        }
        if tag.keys().any(|key| key != "key" && key != "value") {
            open.push("A5");
        }
    }
}

fn required_clause(member: &str) -> &'static str {
    match member {
        "name" => "req.name.required",
        "service" => "req.service.required",
        "security_group_id" => "req.security_group_id.required",
        "network_id" => "req.network_id.required",
        _ => "req.url.required",
    }
}

fn type_clause(member: &str) -> &'static str {
    match member {
        "name" => "req.name.type",
        "service" => "req.service.type",
        "security_group_id" => "req.security_group_id.type",
        "network_id" => "req.network_id.type",
        _ => "req.url.type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect_of(body: &str) -> Expect {
        expectation(body.as_bytes()).expect
    }

    /// A9 (duplicate names) depends on what the server already holds; the oracle judges one
    /// body alone, so those cases are left out.
    #[test]
    fn agrees_with_every_hand_written_case() {
        let dir = crate::case::SHIPPED_DIR;
        let cases = crate::case::load_dir(dir.as_ref()).unwrap();
        let disagreements: Vec<String> = cases
            .iter()
            .filter(|case| !case.clauses.contains(&"A9"))
            .filter(|case| expectation(&case.body).expect != case.expect)
            .map(|case| {
                format!(
                    "{}: case says {}, oracle says {:?}",
                    case.id,
                    case.expect,
                    expectation(&case.body)
                )
            })
            .collect();
        assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    }

    #[test]
    fn unicode_case_mappings_are_open() {
        let body = |service: &str| {
            format!(
                r#"{{"name":"n","service":"{service}","security_group_id":"s","network_id":"n","url":"u"}}"#
            )
        };
        assert_eq!(expect_of(&body("c\u{17f}s")), Expect::Either);
        assert_eq!(expect_of(&body("Cloudtable.OpenTSDB")), Expect::Accept);
        assert_eq!(expect_of(&body("DW\u{405}")), Expect::Reject);
    }
}
