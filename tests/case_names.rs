//! Case files against a server that rejects duplicate names (A9): the runner sends cases
//! concurrently, in no fixed order, so a case that expects 201 must not share its `name` with
//! any other case a server may accept, or such a server fails the suite by the luck of the
//! schedule (the self-test's sequential runs cannot see that; this test can). And every such body
//! carries the run's fixtures, so two runs against one real project do not collide either.

use std::collections::HashMap;

use dli_conformance::case::{self, Expect};
use dli_conformance::fixtures::{Fixtures, RUN_TOKEN_MAX_CHARS};

#[test]
fn accepted_cases_have_names_of_their_own() {
    let cases_dir = dli_conformance::case::SHIPPED_DIR;
    let cases =
        case::load_dir(cases_dir.as_ref(), &Default::default()).expect("the case files load");
    let mut by_name: HashMap<String, Vec<(&str, Expect)>> = HashMap::new();
    for case in cases.iter().filter(|c| c.expect != Expect::Reject) {
        let body: Option<serde_json::Value> = serde_json::from_slice(&case.body).ok();
        if let Some(name) = body.as_ref().and_then(|b| b["name"].as_str()) {
            by_name
                .entry(name.to_owned())
                .or_default()
                .push((&case.id, case.expect));
        }
    }
    let clashes: Vec<String> = by_name
        .iter()
        .filter(|(_, users)| users.len() > 1 && users.iter().any(|(_, e)| *e == Expect::Accept))
        .map(|(name, users)| format!("{name:?}: {users:?}"))
        .collect();
    assert!(clashes.is_empty(), "shared names:\n{}", clashes.join("\n"));
}

/// Cases about the `name` member itself: they keep the name they are about (the length probes
/// and `valid/unicode-values` carry the run id inside the name, so they stay unique to the run).
const ABOUT_THE_NAME: &[&str] = &[
    "current/name-64-chars",
    "current/name-65-chars",
    "current/name-dot",
    "current/name-non-ascii",
    "current/name-space",
    "required/name-empty-string",
    "valid/escaped-strings",
    "valid/page-example",
    "valid/page-example-upper",
    "valid/unicode-values",
];

/// Cases about the id members themselves: they keep the ids they are about.
const ABOUT_THE_IDS: &[&str] = &[
    "required/network-id-empty-string",
    "required/security-group-id-empty-string",
    "valid/unicode-values",
];

/// Against a real project a second run must not collide with the first (A9), and made-up ids
/// would be refused: every body a server may accept carries a name unique to the run, within
/// `cur.name.pattern`, and the run's security group and subnet, unless the case is about them.
#[test]
fn accepted_bodies_carry_the_run_fixtures() {
    let token = "z".repeat(RUN_TOKEN_MAX_CHARS);
    let fixtures = Fixtures {
        security_group_id: "sg-of-the-run".into(),
        network_id: "net-of-the-run".into(),
        ..Fixtures::with_run(&token).expect("the longest run token is one")
    };
    let cases = case::load_dir(case::SHIPPED_DIR.as_ref(), &fixtures).expect("the case files load");
    let mut problems = Vec::new();
    for case in cases.iter().filter(|c| c.expect != Expect::Reject) {
        let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(&case.body) else {
            continue;
        };
        let id = case.id.as_str();
        let name = body
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        let in_pattern = |name: &str| {
            (1..=64).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let of_the_run = name.ends_with(&fixtures.run_id) && in_pattern(name);
        if !of_the_run && !ABOUT_THE_NAME.contains(&id) {
            problems.push(format!("{id}: name {name:?} is not unique to the run"));
        }
        for (member, value) in [
            ("security_group_id", &fixtures.security_group_id),
            ("network_id", &fixtures.network_id),
        ] {
            if !ABOUT_THE_IDS.contains(&id)
                && body.get(member).and_then(|v| v.as_str()) != Some(value)
            {
                problems.push(format!("{id}: {member} is not the run's"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
