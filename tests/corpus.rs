//! The vendored corpora (`cases/corpus/`) are all sent: every JSONTestSuite file and every
//! naughty string is the source of some case, each corpus keeps its licence and names its
//! upstream commit, and corpus cases carry the clauses and the oracle's expectation.

use std::collections::BTreeSet;
use std::path::Path;

use dli_conformance::case::{self, Source};
use dli_conformance::corpus;
use dli_conformance::shipped::CaseRoot;
use dli_conformance::spec::clause::ClauseId;
use dli_conformance::spec::oracle;

fn corpus_dir() -> &'static Path {
    case::SHIPPED_DIR.as_ref()
}

fn root() -> CaseRoot {
    CaseRoot::Dir(corpus_dir().into())
}

#[test]
fn every_vendored_file_and_string_is_sent() {
    let cases = corpus::load(&root()).expect("the corpus loads");
    let sent: BTreeSet<(String, Option<usize>)> = cases
        .iter()
        .filter_map(|case| match &case.source {
            Source::Corpus { path, line, .. } => {
                let name = path.file_name()?.to_string_lossy().into_owned();
                Some((name, *line))
            }
            _ => None,
        })
        .collect();
    let suite = corpus_dir().join(corpus::JSON_TEST_SUITE);
    let mut files = 0;
    for entry in std::fs::read_dir(&suite).expect("the JSONTestSuite folder reads") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        files += 1;
        assert!(
            sent.contains(&(name.clone(), None)),
            "{name} is sent by no case"
        );
    }
    assert_eq!(files, 318, "JSONTestSuite's test_parsing holds 318 files");
    let naughty = std::fs::read_to_string(corpus_dir().join(corpus::NAUGHTY_STRINGS)).unwrap();
    let strings: Vec<String> = serde_json::from_str(&naughty).unwrap();
    assert_eq!(strings.len(), 515);
    let lines: BTreeSet<usize> = sent
        .iter()
        .filter(|(name, _)| name == "blns.json")
        .filter_map(|(_, line)| *line)
        .collect();
    assert_eq!(
        lines.len(),
        strings.len(),
        "a naughty string is sent by no case"
    );
}

#[test]
fn each_corpus_keeps_its_licence_and_source() {
    for folder in ["jsontestsuite", "blns"] {
        let dir = corpus_dir().join(corpus::DIR).join(folder);
        let licence = std::fs::read_to_string(dir.join("LICENSE")).unwrap();
        assert!(licence.contains("MIT"), "{folder}/LICENSE");
        let source = std::fs::read_to_string(dir.join("SOURCE.md")).unwrap();
        assert!(source.contains("https://github.com/"), "{folder}/SOURCE.md");
        let commit = source
            .split('`')
            .any(|word| word.len() == 40 && word.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(commit, "{folder}/SOURCE.md names no commit");
    }
}

#[test]
fn corpus_cases_are_judged_by_the_oracle() {
    let cases = corpus::load(&root()).unwrap();
    assert!(cases.len() > 4000, "{} corpus cases", cases.len());
    for case in &cases {
        assert!(case.id.starts_with("corpus/"), "{}", case.id);
        let judged = oracle::expectation(&case.body);
        assert_eq!(case.expect, judged.expect, "{}", case.id);
        assert!(
            judged.clauses.iter().all(|c| case.clauses.contains(c)),
            "{}",
            case.id
        );
        let status = [
            ClauseId::RespCreatedStatus,
            ClauseId::RespInvalidStatus,
            ClauseId::RespStatusDocumented,
        ];
        assert!(
            case.clauses.iter().any(|c| status.contains(c)),
            "{}",
            case.id
        );
    }
    let ids: BTreeSet<&str> = cases.iter().map(|case| case.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "corpus ids repeat");
}

/// A case folder without `corpus/` (a user's own `--cases DIR`) has no corpus cases, no error;
/// the tree compiled into the binary has the same corpus as the folder.
#[test]
fn a_case_folder_without_a_corpus_has_none() {
    let dir = std::env::temp_dir().join(format!("dli-no-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(
        corpus::load(&CaseRoot::Dir(dir.clone())).unwrap(),
        Vec::new()
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let shipped = corpus::load(&CaseRoot::Shipped).unwrap();
    assert_eq!(shipped.len(), corpus::load(&root()).unwrap().len());
}
