//! Corpus cases: the vendored public corpora of `cases/corpus/` in, [`Case`]s out.
//!
//! A stage beside [`crate::generate`]: it takes the corpus files (read through a
//! [`CaseRoot`] by [`load`]: the folder of `--cases DIR`, or the `cases/` tree compiled into the
//! binary; or handed over as [`File`]s) and gives cases of the loader's shape, so `target`, `check` and `report` treat them alike. Every expectation comes
//! from the spec oracle ([`crate::spec::oracle`]), never from the corpus's labels, and every
//! case names the corpus file it sends ([`Source::Corpus`]). Ids are
//! `corpus/<corpus>/<entry>/<placement>`.
//!
//! # What is sent
//! - **JSONTestSuite** (`corpus/jsontestsuite/test_parsing/*.json`, 318 texts labelled `y_` must
//!   parse, `n_` must not, `i_` implementation-defined), each text:
//!   - `whole-body`: the text as the whole body. No text of the suite is a valid create body
//!     (none has the required members), so every one is `reject`: `n_` texts break
//!     `req.body.object`, the others are not an object or miss members.
//!   - `unknown-member`: the text, byte for byte, as the value of an unknown member appended to a
//!     valid body. `n_`: `reject` (the body is no JSON); `y_`: `either` (A5: ignored or rejected,
//!     never 5xx).
//!   - each string member (`name`, `service`, `security_group_id`, `network_id`, `url`, and a tag's
//!     `key` and `value`): for the texts that are one string or an array of one string, the string
//!     token as written (escapes kept). `accept`, except `service` (`reject`, not listed) and where
//!     the oracle finds a rule broken.
//! - **Big List of Naughty Strings** (`corpus/blns/blns.json`, 515 strings), each string as each
//!   string member, as written in the file: `accept`, except `service`, the empty string (A6:
//!   `either`) and where a rule breaks.
//!
//! # Where the corpus and the spec part ways
//! The oracle reads RFC 8259 and the page, so some `i_` labels resolve one way here:
//! - `i_` texts whose strings hold bytes that are not UTF-8 (Latin-1, overlong and truncated
//!   sequences, an encoded surrogate): RFC 8259 §8.1 asks senders for UTF-8 and leaves the
//!   receiver's reading open (Python refuses the text, Go and Java read U+FFFD), so `either` as
//!   an unknown member's value, never 5xx. UTF-16 texts (with or without a byte order mark) have
//!   bytes between tokens that no reading takes: `reject` wherever they go.
//! - `i_` lone surrogate escapes, huge numbers and deep nesting are valid grammar that a parser
//!   may refuse (§6, §8.2, §9): `either` as an unknown member's value, and `either` for a lone
//!   surrogate in a known string member (a server may refuse the text or store U+FFFD), unless
//!   the member breaks a rule however it is read (`service`: `reject`).
//! - the UTF-8 byte order mark before `{}` (`i_structure_UTF-8_BOM_empty_object`) may be ignored
//!   (§8.1); as a whole body it is still `reject` (no members), spliced it is a BOM inside a
//!   body, which no parser may skip: `reject`.
//!
//! # Names
//! Every body carries a `name` of its own: `dlic-corpus` and a tag from
//! [`names::tag`](crate::generate::names::tag); where the string under test is the name, the tag
//! follows the string inside the quotes, so the string is sent whole and no two bodies share a
//! name (A9 servers reject a repeated name).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde_json::value::RawValue;

use crate::case::{Case, LoadError, Source};
use crate::generate::{self, names};
use crate::shipped::CaseRoot;
use crate::spec::rules::{self, Shape};

/// The folder below the case folder that holds the vendored corpora.
pub const DIR: &str = crate::case::CORPUS_DIR;

/// The JSONTestSuite texts, below the case folder.
pub const JSON_TEST_SUITE: &str = "corpus/jsontestsuite/test_parsing";

/// The naughty strings, below the case folder.
pub const NAUGHTY_STRINGS: &str = "corpus/blns/blns.json";

/// The corpus a corpus case id belongs to: `corpus/blns/12/name` -> `corpus/blns`.
pub fn group(id: &str) -> String {
    id.split('/').take(2).collect::<Vec<_>>().join("/")
}

/// The line a corpus case's MAY choices are counted on, one per corpus and placement:
/// `corpus/blns/12/name` -> `corpus/blns/*/name`; `None` for an id that is not a corpus case's.
pub fn choice_group(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["corpus", corpus, _, placement] => Some(format!("corpus/{corpus}/*/{placement}")),
        _ => None,
    }
}

/// One corpus file: its path below the case folder (`corpus/blns/blns.json`) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The path below the case folder, `/`-separated.
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The corpus files below `root` (none when it has no `corpus/` folder), sorted by path.
pub fn files(root: &CaseRoot) -> Result<Vec<File>, LoadError> {
    let mut found = Vec::new();
    for relative in crate::case::root_files(root)? {
        let path = relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let in_suite = path
            .strip_prefix(JSON_TEST_SUITE)
            .is_some_and(|name| name.starts_with('/') && name.ends_with(".json"));
        if in_suite || path == NAUGHTY_STRINGS {
            let bytes = root.read(&relative).map_err(|err| LoadError {
                path: root.shown(&relative),
                line: None,
                case_id: None,
                message: format!("cannot read corpus file: {err}"),
            })?;
            found.push(File {
                path,
                bytes: bytes.into_owned(),
            });
        }
    }
    Ok(found)
}

/// Every corpus case below `root` (the shipped tree or a folder), sorted by id; none when it
/// has no `corpus/` folder.
pub fn load(root: &CaseRoot) -> Result<Vec<Case>, LoadError> {
    let shown = |file: &File| root.shown(Path::new(&file.path));
    cases(&files(root)?, shown)
}

/// The cases of `files`; `shown` names a file as sources and messages show it
/// (`cases/corpus/blns/blns.json`).
pub fn cases(files: &[File], shown: impl Fn(&File) -> PathBuf) -> Result<Vec<Case>, LoadError> {
    let mut drafts = Vec::new();
    for file in files {
        let path = shown(file);
        if let Some(stem) = file
            .path
            .strip_prefix(JSON_TEST_SUITE)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|name| name.strip_suffix(".json"))
        {
            json_test_suite(&path, stem, &file.bytes, &mut drafts);
        } else if file.path == NAUGHTY_STRINGS {
            naughty_strings(&path, &file.bytes, &mut drafts)?;
        }
    }
    drafts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(drafts
        .into_iter()
        .enumerate()
        .map(|(index, draft)| draft.into_case(&names::tag(names::Origin::Corpus { index })))
        .collect())
}

/// A case before its name tag is known: the body in pieces around the tag.
struct Draft {
    id: String,
    description: String,
    source: Source,
    /// The body is `before` + tag + `after`, or `before` alone when it has no name to tag.
    before: Vec<u8>,
    after: Option<Vec<u8>>,
}

impl Draft {
    fn into_case(self, tag: &str) -> Case {
        let mut body = self.before;
        if let Some(after) = self.after {
            body.extend_from_slice(tag.as_bytes());
            body.extend_from_slice(&after);
        }
        generate::judged_case(self.id, self.description, Bytes::from(body), self.source)
    }
}

/// The members of the valid body every placement starts from, as JSON text, in the page's order.
fn base_member(name: &str) -> &'static str {
    match name {
        "service" => "\"DWS\"",
        "security_group_id" => "\"a07ab107-a4ad-4835-ad09-08a2f2efccdb\"",
        "network_id" => "\"e83ba67d-e812-42d3-908d-6ea0b2cc5ecb\"",
        "url" => "\"192.168.0.10:8000\"",
        _ => "\"dlic-corpus\"",
    }
}

/// A valid body with `token` (raw JSON) as the value of `placement`: a required string member,
/// `tags` (a tag whose key and value are both the token) or `unknown-member`.
fn placed(placement: &str, token: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut body = b"{".to_vec();
    let mut tag_at = 0;
    for (i, member) in rules::required_text_members().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(format!("\"{}\":", member.name).as_bytes());
        match (member.name, placement == member.name) {
            ("name", true) => {
                // The tag goes inside the quotes, after the string under test.
                body.extend_from_slice(&token[..token.len() - 1]);
                tag_at = body.len();
                body.push(b'"');
            }
            ("name", false) => {
                body.extend_from_slice(b"\"dlic-corpus");
                tag_at = body.len();
                body.push(b'"');
            }
            (_, true) => body.extend_from_slice(token),
            (name, false) => body.extend_from_slice(base_member(name).as_bytes()),
        }
    }
    match placement {
        "tags" => {
            let [key, value] = [rules::TAG_MEMBERS[0].name, rules::TAG_MEMBERS[1].name];
            body.extend_from_slice(format!(",\"tags\":[{{\"{key}\":").as_bytes());
            body.extend_from_slice(token);
            body.extend_from_slice(format!(",\"{value}\":").as_bytes());
            body.extend_from_slice(token);
            body.extend_from_slice(b"}]");
        }
        "unknown-member" => {
            body.extend_from_slice(b",\"dlic_corpus_text\":");
            body.extend_from_slice(token);
        }
        _ => {}
    }
    body.push(b'}');
    let after = body.split_off(tag_at);
    (body, Some(after))
}

/// The placements of a string token: every required string member, then `tags`.
fn string_placements() -> impl Iterator<Item = &'static str> {
    rules::required_text_members()
        .map(|member| member.name)
        .chain(
            rules::MEMBERS
                .iter()
                .filter(|member| member.shape == Shape::Tags)
                .map(|member| member.name),
        )
}

fn json_test_suite(path: &Path, stem: &str, text: &[u8], drafts: &mut Vec<Draft>) {
    let label = match stem.as_bytes().first() {
        Some(b'y') => "y_: a parser must accept it",
        Some(b'n') => "n_: a parser must reject it",
        _ => "i_: implementation-defined",
    };
    let mut add = |placement: &'static str, what: String, body: (Vec<u8>, Option<Vec<u8>>)| {
        drafts.push(Draft {
            id: format!("corpus/jsontestsuite/{stem}/{placement}"),
            description: format!("JSONTestSuite {stem}.json ({label}) {what}"),
            source: Source::Corpus {
                path: path.to_path_buf(),
                line: None,
                placement,
            },
            before: body.0,
            after: body.1,
        });
    };
    add(
        "whole-body",
        "as the whole body".into(),
        (text.to_vec(), None),
    );
    add(
        "unknown-member",
        "as the value of an unknown member of a valid body".into(),
        placed("unknown-member", text),
    );
    if let Some(token) = lone_string(text) {
        for placement in string_placements() {
            add(
                placement,
                format!("its string as `{placement}` of a valid body"),
                placed(placement, token),
            );
        }
    }
}

/// The string token of a text that is one string or an array holding one string.
fn lone_string(text: &[u8]) -> Option<&[u8]> {
    let blank = |bytes: &[u8]| bytes.iter().all(|b| b" \t\r\n".contains(b));
    let open = text.iter().position(|&b| b == b'"')?;
    let mut at = open + 1;
    while at < text.len() && text[at] != b'"' {
        at += if text[at] == b'\\' { 2 } else { 1 };
    }
    if at >= text.len() {
        return None;
    }
    let (head, tail) = (&text[..open], &text[at + 1..]);
    let trimmed = |bytes: &[u8], bracket: u8| {
        let inner: Vec<u8> = bytes.iter().copied().filter(|&b| b != bracket).collect();
        blank(&inner) && bytes.iter().filter(|&&b| b == bracket).count() <= 1
    };
    let in_array = head.contains(&b'[');
    let shaped = trimmed(head, b'[') && trimmed(tail, b']') && in_array == tail.contains(&b']');
    shaped.then_some(&text[open..=at])
}

fn naughty_strings(path: &Path, text: &[u8], drafts: &mut Vec<Draft>) -> Result<(), LoadError> {
    let invalid = |message: String| LoadError {
        path: path.to_path_buf(),
        line: None,
        case_id: None,
        message,
    };
    let text = std::str::from_utf8(text).map_err(|err| invalid(format!("not UTF-8: {err}")))?;
    let entries: Vec<&RawValue> = serde_json::from_str(text)
        .map_err(|err| invalid(format!("not a JSON array of strings: {err}")))?;
    for entry in entries {
        let token = entry.get();
        if !token.starts_with('"') {
            return Err(invalid(format!("{token} is not a string")));
        }
        let offset = token.as_ptr() as usize - text.as_ptr() as usize;
        let line = text[..offset].matches('\n').count() + 1;
        for placement in string_placements() {
            let (before, after) = placed(placement, token.as_bytes());
            drafts.push(Draft {
                id: format!("corpus/blns/{line}/{placement}"),
                description: format!(
                    "Big List of Naughty Strings, line {line}, as `{placement}` of a valid body"
                ),
                source: Source::Corpus {
                    path: path.to_path_buf(),
                    line: Some(line),
                    placement,
                },
                before,
                after,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Expect;
    use crate::spec::json_text::{self, Repeats};

    fn shipped() -> Vec<Case> {
        load(&CaseRoot::Shipped).expect("the corpus loads")
    }

    #[test]
    fn lone_strings_are_found() {
        assert_eq!(lone_string(b"[\"a\\\"b\"] "), Some(&b"\"a\\\"b\""[..]));
        assert_eq!(lone_string(b" \"\" "), Some(&b"\"\""[..]));
        assert_eq!(lone_string(b"[\"a\",\"b\"]"), None);
        assert_eq!(lone_string(b"[\"a\"]]"), None);
        assert_eq!(lone_string(b"{\"a\":1}"), None);
        assert_eq!(lone_string(b"[\"a\""), None);
    }

    /// The reader the oracle uses reads the suite as its labels say, except `i_` texts.
    #[test]
    fn the_oracle_reader_agrees_with_the_suite_labels() {
        for file in files(&CaseRoot::Shipped).unwrap() {
            let read = json_text::read(&file.bytes, Repeats::Last);
            let name = file.path.rsplit('/').next().unwrap();
            if name.starts_with("y_") {
                assert!(read.is_ok(), "{name}: {read:?}");
            } else if name.starts_with("n_") {
                assert!(read.is_err(), "{name}");
            }
        }
    }

    #[test]
    fn every_placement_of_a_string_is_a_valid_body_around_it() {
        let (before, after) = placed("name", b"\"x\"");
        let body = [before, b"_t".to_vec(), after.unwrap()].concat();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"name":"x_t","service":"DWS","security_group_id":"a07ab107-a4ad-4835-ad09-08a2f2efccdb","network_id":"e83ba67d-e812-42d3-908d-6ea0b2cc5ecb","url":"192.168.0.10:8000"}"#
        );
        let (before, after) = placed("tags", b"\"x\"");
        let body = [before, b"_t".to_vec(), after.unwrap()].concat();
        assert!(std::str::from_utf8(&body)
            .unwrap()
            .ends_with(r#""url":"192.168.0.10:8000","tags":[{"key":"x","value":"x"}]}"#));
    }

    #[test]
    fn expectations_follow_the_labels_where_the_spec_does() {
        let cases = shipped();
        let expect_of = |id: &str| {
            cases
                .iter()
                .find(|case| case.id == id)
                .unwrap_or_else(|| panic!("no case {id}"))
                .expect
        };
        for case in &cases {
            let stem = case.id.split('/').nth(2).unwrap_or_default();
            if case.id.ends_with("/whole-body") {
                assert_eq!(case.expect, Expect::Reject, "{}", case.id);
            }
            if stem.starts_with("n_") {
                assert_eq!(case.expect, Expect::Reject, "{}", case.id);
            }
            if stem.starts_with("y_") && case.id.ends_with("/unknown-member") {
                assert_eq!(case.expect, Expect::Either, "{}", case.id);
            }
        }
        assert_eq!(
            expect_of("corpus/jsontestsuite/y_string_nonCharacterInUTF-8_U+FFFF/name"),
            Expect::Accept
        );
        assert_eq!(
            expect_of("corpus/jsontestsuite/y_string_null_escape/url"),
            Expect::Accept
        );
        assert_eq!(
            expect_of("corpus/jsontestsuite/i_string_lone_second_surrogate/name"),
            Expect::Either
        );
        assert_eq!(
            expect_of("corpus/jsontestsuite/i_string_invalid_utf-8/unknown-member"),
            Expect::Either
        );
        assert_eq!(
            expect_of("corpus/jsontestsuite/i_string_UTF-16LE_with_BOM/unknown-member"),
            Expect::Reject
        );
        assert_eq!(
            expect_of("corpus/jsontestsuite/i_number_huge_exp/unknown-member"),
            Expect::Either
        );
        assert_eq!(expect_of("corpus/blns/2/url"), Expect::Either);
        assert_eq!(expect_of("corpus/blns/2/name"), Expect::Accept);
        assert_eq!(expect_of("corpus/blns/3/service"), Expect::Reject);
        assert_eq!(expect_of("corpus/blns/3/url"), Expect::Accept);
    }
}
