//! `cargo test --test case_bytes`: the request bytes of every shipped case are the ones recorded
//! in `tests/fixtures/case-bytes.txt` (`{case id} {sha256 of the body, hex}` per line), so a
//! rewrite of the case files cannot change what is sent without saying so. The fixture was taken
//! from the loader and files of the first case format; after an intended change of a case's
//! bytes, rewrite it with `UPDATE_CASE_BYTES=1 cargo test --test case_bytes` and say why in the
//! commit.

use std::collections::BTreeMap;
use std::path::Path;

use dli_conformance::case;
use sha2::{Digest, Sha256};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/case-bytes.txt");

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

#[test]
fn every_case_sends_the_recorded_bytes() {
    let cases = case::load_dir(Path::new(case::SHIPPED_DIR)).expect("the shipped cases load");
    let now: BTreeMap<String, String> = cases
        .iter()
        .map(|case| (case.id.clone(), hex::encode(Sha256::digest(&case.body))))
        .collect();
    if std::env::var_os("UPDATE_CASE_BYTES").is_some() {
        let text: String = now
            .iter()
            .map(|(id, digest)| format!("{id} {digest}\n"))
            .collect();
        std::fs::write(FIXTURE, text).expect("the fixture is writable");
        return;
    }
    let before = recorded();
    let changed: Vec<String> = before
        .iter()
        .filter(|(id, digest)| now.get(*id) != Some(*digest))
        .map(|(id, _)| format!("changed or gone: {id}"))
        .chain(
            now.keys()
                .filter(|id| !before.contains_key(*id))
                .map(|id| format!("new: {id}")),
        )
        .collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
