//! `cargo test --test case_bytes`: the request bytes of every shipped case are the ones recorded
//! in `tests/fixtures/case-bytes.txt` (`{case id} {sha256 of the body, hex}` per line), so a
//! rewrite of the case files cannot change what is sent without saying so.
//!
//! The fixture was taken from the first case format's loader and files, before they were
//! rewritten in the current form; the test proves the rewrite sends the same bytes, except in two
//! ways it names and checks:
//! - `{name}`: bodies that shared the name `dli-conformance-case` (all of them `reject` cases) now
//!   carry their own derived name (`dlic-{file}-{test}`), as every accepted case already did;
//! - [`FIXTURE_IDS`]: two syntax cases that sent the made-up ids `sg` and `net` now send the run
//!   fixtures, since a real project would refuse made-up ids.
//!
//! After an intended change of a case's bytes, rewrite the fixture with
//! `UPDATE_CASE_BYTES=1 cargo test --test case_bytes` and say why in the commit.

use std::collections::BTreeMap;
use std::path::Path;

use dli_conformance::case::{self, Case, Expect};
use dli_conformance::fixtures::{Fixtures, EXAMPLE_NETWORK_ID, EXAMPLE_SECURITY_GROUP_ID};
use sha2::{Digest, Sha256};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/case-bytes.txt");

/// The name every body of the first format shared unless a test set its own.
const SHARED_NAME: &str = "dli-conformance-case";

/// Cases that sent `"sg"` and `"net"` as ids and now send the run fixtures.
const FIXTURE_IDS: &[&str] = &["valid/escaped-strings", "valid/whitespace-json"];

fn recorded() -> BTreeMap<String, String> {
    std::fs::read_to_string(FIXTURE)
        .expect("the fixture reads")
        .lines()
        .map(|line| {
            let (id, digest) = line.split_once(' ').expect("`id digest` lines");
            (id.to_owned(), digest.to_owned())
        })
        .collect()
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The case's body as the first format wrote it, by undoing the two named differences.
fn as_first_written(case: &Case) -> Vec<u8> {
    let (prefix, test) = case.id.rsplit_once('/').expect("ids are file/test");
    let name = case::derived_name(prefix, test, &Fixtures::default());
    let mut text = String::from_utf8_lossy(&case.body).replace(&name, SHARED_NAME);
    if FIXTURE_IDS.contains(&case.id.as_str()) {
        text = text
            .replace(EXAMPLE_SECURITY_GROUP_ID, "sg")
            .replace(EXAMPLE_NETWORK_ID, "net");
    }
    text.into_bytes()
}

#[test]
fn every_case_sends_the_recorded_bytes() {
    let cases = case::load_dir(Path::new(case::SHIPPED_DIR), &Fixtures::default())
        .expect("the shipped cases load");
    if std::env::var_os("UPDATE_CASE_BYTES").is_some() {
        let text: String = cases
            .iter()
            .map(|case| format!("{} {}\n", case.id, digest(&case.body)))
            .collect();
        std::fs::write(FIXTURE, text).expect("the fixture is writable");
        return;
    }
    let before = recorded();
    let mut problems = Vec::new();
    let mut renamed = Vec::new();
    for case in &cases {
        let Some(recorded) = before.get(&case.id) else {
            problems.push(format!("new: {}", case.id));
            continue;
        };
        if digest(&case.body) == *recorded {
            continue;
        }
        let first = as_first_written(case);
        if digest(&first) != *recorded {
            problems.push(format!("changed: {}", case.id));
        } else if FIXTURE_IDS.contains(&case.id.as_str()) {
            continue;
        } else if case.expect != Expect::Reject {
            problems.push(format!("renamed, but not a reject case: {}", case.id));
        } else {
            renamed.push(case.id.as_str());
        }
    }
    problems.extend(
        before
            .keys()
            .filter(|id| !cases.iter().any(|case| &case.id == *id))
            .map(|id| format!("gone: {id}")),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!(
        "{} cases: {} byte-identical, {} with a derived name in place of {SHARED_NAME:?}, {} with the run fixtures for ids",
        cases.len(),
        cases.len() - renamed.len() - FIXTURE_IDS.len(),
        renamed.len(),
        FIXTURE_IDS.len()
    );
}
