//! The case files themselves: each matches the shipped JSON Schema, every clause of the spec is
//! exercised by at least one case, and every expectation kind is used.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dli_conformance::case::{self, Expect};
use dli_conformance::clause::ClauseId;

fn cases_dir() -> PathBuf {
    PathBuf::from(dli_conformance::case::SHIPPED_DIR)
}

fn case_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && name != "corpus" {
            case_files(&path, found);
        } else if name.ends_with(".json") && !name.ends_with(".schema.json") {
            found.push(path);
        }
    }
}

#[test]
fn every_case_file_matches_the_schema() {
    let schema_text = std::fs::read_to_string(cases_dir().join("case-file.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut files = Vec::new();
    case_files(&cases_dir(), &mut files);
    assert!(files.len() >= 5, "expected the case files, found {files:?}");
    let mut problems = Vec::new();
    for file in &files {
        let instance: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for error in validator.iter_errors(&instance) {
            problems.push(format!(
                "{}: {} at {}",
                file.display(),
                error,
                error.instance_path
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_schema_rejects_a_misspelt_key() {
    let schema_text = std::fs::read_to_string(cases_dir().join("case-file.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let bad = serde_json::json!([{
        "description": "d", "clauses": ["req.path"], "request": {"body": {}},
        "tests": [{"name": "a", "description": "d", "expct": "accept"}]
    }]);
    assert!(!validator.is_valid(&bad));
}

#[test]
fn every_clause_has_a_case() {
    let cases = case::load_dir(&cases_dir()).unwrap();
    let covered: BTreeSet<ClauseId> = cases
        .iter()
        .flat_map(|c| c.clauses.iter().copied())
        .collect();
    let missing: Vec<&str> = ClauseId::ALL
        .iter()
        .filter(|clause| !covered.contains(clause))
        .map(|clause| clause.id())
        .collect();
    assert!(missing.is_empty(), "clauses without a case: {missing:?}");
    for expect in [Expect::Accept, Expect::Reject, Expect::Either] {
        assert!(cases.iter().any(|c| c.expect == expect), "no {expect} case");
    }
}
