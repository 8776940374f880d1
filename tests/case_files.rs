//! The case files themselves: the committed JSON Schema is the one the loader's types give, each
//! file matches it, every clause of the spec is exercised by at least one case, every
//! expectation kind is used, and the files stay easy to read (short lines, one base body, no
//! character that is not what it looks like). `UPDATE_CASE_SCHEMA=1 cargo test --test
//! case_files` rewrites `cases/case-file.schema.json` after a change of the format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dli_conformance::case::{self, Expect};
use dli_conformance::fixtures::Fixtures;
use dli_conformance::spec::clause::ClauseId;
use serde_json::Value;

fn cases_dir() -> PathBuf {
    PathBuf::from(case::SHIPPED_DIR)
}

fn schema_path() -> PathBuf {
    cases_dir().join("case-file.schema.json")
}

fn case_files() -> Vec<PathBuf> {
    let files = case::case_files(&cases_dir()).unwrap();
    assert!(files.len() >= 5, "expected the case files, found {files:?}");
    files
}

fn committed_schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap()
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = case::json_schema();
    let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
    if std::env::var_os("UPDATE_CASE_SCHEMA").is_some() {
        std::fs::write(schema_path(), &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(schema_path()).unwrap();
    assert!(
        committed == text,
        "cases/case-file.schema.json is not what src/case/format.rs gives: rewrite it with \
         UPDATE_CASE_SCHEMA=1 cargo test --test case_files"
    );
}

#[test]
fn every_case_file_matches_the_schema() {
    let validator = jsonschema::validator_for(&committed_schema()).unwrap();
    let mut problems = Vec::new();
    for file in case_files() {
        let instance: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
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
fn the_schema_rejects_what_the_loader_rejects() {
    let validator = jsonschema::validator_for(&committed_schema()).unwrap();
    let file = |test: Value| serde_json::json!({"body": {}, "groups": [{"description": "d", "tests": [test]}]});
    let ok = serde_json::json!({"name": "a", "description": "d", "expect": "accept"});
    assert!(validator.is_valid(&file(ok.clone())));
    let mut misspelt = ok.clone();
    misspelt["expct"] = misspelt["expect"].take();
    misspelt.as_object_mut().unwrap().remove("expect");
    assert!(!validator.is_valid(&file(misspelt)));
    let mut two_bodies = ok.clone();
    two_bodies["set"] = serde_json::json!({"url": "u"});
    two_bodies["raw_body"] = "{}".into();
    assert!(!validator.is_valid(&file(two_bodies)));
    let mut unknown_clause = ok.clone();
    unknown_clause["clauses"] = serde_json::json!(["req.url.max-lenght"]);
    assert!(!validator.is_valid(&file(unknown_clause)));
    let mut bad_name = ok;
    bad_name["name"] = "Upper".into();
    assert!(!validator.is_valid(&file(bad_name)));
}

/// The schema's clause ids are exactly the ids the loader accepts.
#[test]
fn the_schema_knows_every_clause_id() {
    let schema = committed_schema();
    let ids: Vec<&str> = schema["$defs"]["ClauseId"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    let known: Vec<&str> = ClauseId::ALL.iter().map(|clause| clause.id()).collect();
    assert_eq!(ids, known);
}

/// Every member the schema names is specified in `docs/case-format.md` (the loader's module doc).
#[test]
fn the_format_page_names_every_field() {
    let doc = include_str!("../docs/case-format.md");
    let mut fields = BTreeSet::new();
    collect_properties(&committed_schema(), &mut fields);
    let missing: Vec<&String> = fields
        .iter()
        .filter(|field| {
            !doc.contains(&format!("`{field}`")) && !doc.contains(&format!("\"{field}\""))
        })
        .collect();
    assert!(fields.len() > 10, "{fields:?}");
    assert!(
        missing.is_empty(),
        "not in docs/case-format.md: {missing:?}"
    );
}

fn collect_properties(schema: &Value, found: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                found.extend(properties.keys().cloned());
            }
            map.values()
                .for_each(|value| collect_properties(value, found));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|value| collect_properties(value, found)),
        _ => {}
    }
}

/// Counts the clauses cases *exercise* (derived from bodies and expectations, plus what files
/// add for a MAY), not clauses listed by hand.
#[test]
fn every_clause_has_a_case() {
    let cases = case::load_dir(&cases_dir(), &Fixtures::default()).unwrap();
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

/// The longest line of a shipped case file.
const LINE_MAX_CHARS: usize = 159;

#[test]
fn case_files_have_short_lines_and_one_base_body() {
    let mut problems: Vec<String> = case_file_lines()
        .filter(|(_, line)| line.chars().count() > LINE_MAX_CHARS)
        .map(|(at, line)| format!("{at}: {} characters", line.chars().count()))
        .collect();
    for file in case_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let document: Value = serde_json::from_str(&text).unwrap();
        let mut bases: Vec<&Value> = document.get("body").into_iter().collect();
        for group in document["groups"].as_array().unwrap() {
            if let Some(body) = group.get("body") {
                if bases.contains(&body) {
                    problems.push(format!("{}: a base body written twice", file.display()));
                }
                bases.push(body);
            }
            for test in group["tests"].as_array().unwrap() {
                if test.get("body").is_some_and(|body| bases.contains(&body)) {
                    problems.push(format!(
                        "{}: {} repeats a base body",
                        file.display(),
                        test["name"]
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether `c` may stand in a case file as itself: printable ASCII, or a letter of a script that
/// cannot pass for ASCII or for another character once combining marks are escapes (CJK, kana,
/// emoji, dingbats, the precomposed Latin-1 letters). Everything else is written `\uXXXX`:
/// combining marks, zero-width, bidi and other invisible characters, Cyrillic, Greek, Cherokee and
/// full-width letters that look like ASCII ones, spaces other than U+0020.
fn may_stand_as_itself(c: char) -> bool {
    matches!(c, '\n' | ' '..='~')
        || matches!(u32::from(c),
            0x4e00..=0x9fff | 0x3040..=0x30ff | 0x1f300..=0x1faff | 0x2700..=0x27bf)
        || (('\u{c0}'..='\u{ff}').contains(&c) && c != '\u{d7}' && c != '\u{f7}')
}

#[test]
fn case_files_show_every_character_for_what_it_is() {
    let problems: Vec<String> = case_file_lines()
        .flat_map(|(at, line)| {
            line.chars()
                .filter(|&c| !may_stand_as_itself(c))
                .map(|c| {
                    format!(
                        "{at}: U+{:04X} written as itself; write it as an escape",
                        u32::from(c)
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every line of every shipped case file, with `path:line`.
fn case_file_lines() -> impl Iterator<Item = (String, String)> {
    case_files().into_iter().flat_map(|file| {
        let text = std::fs::read_to_string(&file).unwrap();
        text.lines()
            .enumerate()
            .map(|(index, line)| (format!("{}:{}", file.display(), index + 1), line.to_owned()))
            .collect::<Vec<_>>()
    })
}

#[test]
fn the_character_rule_catches_look_alikes() {
    for hidden in [
        '\u{301}', '\u{200b}', '\u{202e}', '\u{feff}', '\u{a0}', '\u{405}', '\u{3a9}', '\u{ff24}',
        '\u{13a0}', '\t',
    ] {
        assert!(!may_stand_as_itself(hidden), "U+{:04X}", u32::from(hidden));
    }
    for plain in [
        'a',
        '{',
        '\u{e9}',
        '\u{4e2d}',
        '\u{30c6}',
        '\u{1f600}',
        '\u{2713}',
    ] {
        assert!(may_stand_as_itself(plain), "U+{:04X}", u32::from(plain));
    }
}

#[test]
fn the_corpus_folder_holds_no_case_files() {
    let corpus = cases_dir().join(case::CORPUS_DIR);
    assert!(case_files().iter().all(|file| !file.starts_with(&corpus)));
    let _ = Path::new(&corpus);
}
