//! Case files against a server that rejects duplicate names (A9): the runner sends cases
//! concurrently, in no fixed order, so a case that expects 201 must not share its `name` with
//! any other case a server may accept, or such a server fails the suite by the luck of the
//! schedule (the self-test's sequential runs cannot see that; this test can).

use std::collections::HashMap;

use dli_conformance::case::{self, Expect};

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
