//! The loader's tests: case files parsed end to end, each error naming file, line and case.

use std::path::Path;

use super::parse::valid_name;
use super::*;
use crate::fixtures::Fixtures;
use crate::spec::clause::ClauseId;

fn parse(text: &str) -> Result<Vec<Case>, LoadError> {
    parse_file(Path::new("cases/t.json"), "t", text, &Fixtures::default())
}

/// A file with base body `{"name": "{name}", "url": "u"}` and `tests`, one per line.
fn file(tests: &[&str]) -> String {
    format!(
        "{{\n  \"body\": {{\"name\": \"{{name}}\", \"url\": \"u\"}},\n  \"groups\": [\n    {{\n      \"description\": \"g\",\n      \"tests\": [\n{}\n      ]\n    }}\n  ]\n}}\n",
        tests.join(",\n")
    )
}

fn body(case: &Case) -> &str {
    std::str::from_utf8(&case.body).unwrap()
}

#[test]
fn misspelt_key_names_file_line_and_case() {
    let text = file(&[
        r#"        {"name": "ok", "description": "d", "expect": "accept"}"#,
        "        {\n          \"name\": \"bad\",\n          \"description\": \"d\",\n          \"expct\": \"accept\"\n        }",
    ]);
    let err = parse(&text).unwrap_err();
    assert_eq!(err.line, Some(11));
    assert_eq!(err.case_id.as_deref(), Some("t/bad"));
    let shown = err.to_string();
    assert!(
        shown.starts_with("cases/t.json:11 (t/bad): unknown field `expct`"),
        "{shown}"
    );
}

#[test]
fn unknown_clause_and_duplicate_names_are_errors() {
    let unknown = file(&[
        r#"        {"name": "a", "description": "d", "clauses": ["req.pth"], "expect": "accept"}"#,
    ]);
    let err = parse(&unknown).unwrap_err();
    assert!(
        err.message.contains("unknown clause id \"req.pth\""),
        "{err}"
    );
    assert_eq!(err.case_id.as_deref(), Some("t/a"));

    let twice = file(&[
        r#"        {"name": "a", "description": "d", "expect": "accept"}"#,
        r#"        {"name": "a", "description": "d", "expect": "reject"}"#,
    ]);
    let err = parse(&twice).unwrap_err();
    assert_eq!(err.line, Some(8));
    assert!(
        err.message
            .contains("duplicate case id \"t/a\" (first defined at line 7)"),
        "{err}"
    );
}

#[test]
fn names_and_fixtures_fill_the_placeholders() {
    let text = file(&[
        r#"        {"name": "a", "description": "d", "set": {"sg": "{security_group_id}", "note": "{x", "raw": "{{run}"}, "expect": "accept"}"#,
    ]);
    let cases = parse(&text).unwrap();
    assert_eq!(
        body(&cases[0]),
        r#"{"name":"dlic-t-a","url":"u","sg":"a07ab107-a4ad-4835-ad09-08a2f2efccdb","note":"{x","raw":"{run}"}"#
    );
    let run = Fixtures::with_run("r1").unwrap();
    let cases = parse_file(Path::new("cases/t.json"), "t", &text, &run).unwrap();
    assert!(body(&cases[0]).starts_with(r#"{"name":"dlic-t-a-r1","#));
    assert_eq!(literal_text("{run} {x} {{y}"), "{{run} {{x} {{{y}");

    let typo = file(&[
        r#"        {"name": "a", "description": "d", "set": {"sg": "{netwrk_id}"}, "expect": "accept"}"#,
    ]);
    let err = parse(&typo).unwrap_err();
    assert!(
        err.message.contains("unknown placeholder \"{netwrk_id}\""),
        "{err}"
    );
}

#[test]
fn set_remove_and_templates_build_exact_bytes() {
    let text = file(&[
        r#"        {"name": "a", "description": "d", "set": {"url": {"$string": {"prefix": "ab", "fill": "e\u0301", "chars": 5}}, "tags": null}, "remove": ["name"], "expect": "reject"}"#,
        r#"        {"name": "b", "description": "d", "set": {"url": {"$concat": ["x{run}", "y"]}}, "expect": "accept"}"#,
    ]);
    let cases = parse(&text).unwrap();
    assert_eq!(cases[0].id, "t/a");
    assert_eq!(cases[0].source.to_string(), "cases/t.json:7");
    assert_eq!(body(&cases[0]), "{\"url\":\"abe\u{301}e\",\"tags\":null}");
    assert_eq!(body(&cases[1]), r#"{"name":"dlic-t-b","url":"xy"}"#);
}

#[test]
fn raw_bodies_are_built_from_parts() {
    let text = file(&[
        r#"        {"name": "a", "description": "d", "raw_body": [{"$body": "spaced", "cut": 1}, ",}"], "expect": "reject"}"#,
        r#"        {"name": "b", "description": "d", "raw_body": ["[", {"$body": "compact"}, "]"], "expect": "reject"}"#,
        r#"        {"name": "c", "description": "d", "raw_body": ["\"", {"$repeat": "\\u00e9", "times": 3}, "\""], "expect": "reject"}"#,
        r#"        {"name": "d", "description": "d", "raw_body": [{"$twice": "x"}], "expect": "reject"}"#,
    ]);
    let err = parse(&text).unwrap_err();
    assert_eq!(err.case_id.as_deref(), Some("t/d"));
    assert!(
        err.message
            .starts_with("`raw_body` is a string or an array of parts"),
        "{err}"
    );
    let text = text.replace(",\n        {\"name\": \"d\", \"description\": \"d\", \"raw_body\": [{\"$twice\": \"x\"}], \"expect\": \"reject\"}", "");
    let cases = parse(&text).unwrap();
    assert_eq!(body(&cases[0]), r#"{"name": "dlic-t-a", "url": "u",}"#);
    assert_eq!(body(&cases[1]), r#"[{"name":"dlic-t-b","url":"u"}]"#);
    assert_eq!(body(&cases[2]), r#""\u00e9\u00e9\u00e9""#);
}

/// Found by the `case_file` fuzz target: `"chars": 99999999999` made the loader allocate
/// 100 GB (an abort, not a load error); many near-limit templates times many tests did too.
#[test]
fn templates_cannot_expand_without_bound() {
    let template = |chars: usize| {
        file(&[&format!(
            r#"        {{"name": "a", "description": "d", "set": {{"url": {{"$string": {{"fill": "a", "chars": {chars}}}}}}}, "expect": "reject"}}"#
        )])
    };
    assert_eq!(parse(&template(TEMPLATE_MAX_CHARS)).unwrap().len(), 1);
    let err = parse(&template(99_999_999_999)).unwrap_err();
    assert_eq!(err.line, Some(7));
    assert!(err.message.contains("at most 1048576"), "{err}");

    let big = r#"{"$string": {"fill": "a", "chars": 1048576}}"#;
    let tests: Vec<String> = (0..70)
        .map(|i| format!(r#"{{"name": "t{i}", "description": "d", "expect": "reject"}}"#))
        .collect();
    let text = format!(
        "{{\"body\": {{\"url\": {big}}}, \"groups\": [{{\"description\": \"g\",\n\"tests\": [{}]}}]}}",
        tests.join(",\n")
    );
    let err = parse(&text).unwrap_err();
    assert_eq!(err.case_id.as_deref(), Some("t/t63"));
    assert!(
        err.message.contains("add up to over 67108864 bytes"),
        "{err}"
    );
}

#[test]
fn raw_hex_bodies_decode() {
    let text = file(&[
        r#"        {"name": "a", "description": "d", "raw_body_hex": "7bff", "expect": "reject"}"#,
        r#"        {"name": "b", "description": "d", "raw_body_hex": "7g", "expect": "reject"}"#,
    ]);
    let err = parse(&text).unwrap_err();
    assert_eq!(err.case_id.as_deref(), Some("t/b"));
    assert!(err.message.contains("not a hex digit"), "{err}");
    let first_only = text.replace(",\n        {\"name\": \"b\", \"description\": \"d\", \"raw_body_hex\": \"7g\", \"expect\": \"reject\"}", "");
    assert_eq!(&parse(&first_only).unwrap()[0].body[..], b"{\xff");
}

#[test]
fn clauses_are_derived_and_listing_a_derived_one_is_an_error() {
    let text = file(&[
        r#"        {"name": "a", "description": "d", "set": {"service": "dws", "security_group_id": "s", "network_id": "n"}, "expect": "accept"}"#,
    ]);
    let clauses = &parse(&text).unwrap()[0].clauses;
    for clause in [
        ClauseId::ReqServiceCaseInsensitive,
        ClauseId::ReqTagsOptional,
        ClauseId::RespCreatedStatus,
        ClauseId::RespCreatedConnectionIdUnique,
    ] {
        assert!(clauses.contains(&clause), "{clause} not in {clauses:?}");
    }
    assert!(!clauses.contains(&ClauseId::RespInvalidStatus));
    let redundant = text.replace(
        "\"expect\": \"accept\"",
        "\"clauses\": [\"req.service.case-insensitive\"], \"expect\": \"accept\"",
    );
    let err = parse(&redundant).unwrap_err();
    assert!(err.message.contains("is derived for this case"), "{err}");
}

#[test]
fn raw_body_files_stay_inside_the_cases_folder() {
    let dir = std::env::temp_dir().join(format!("dli-raw-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("corpus")).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("corpus/a.json"), b"[1,\n2]").unwrap();
    std::fs::write(dir.join("corpus/ignored.json"), b"not a case file").unwrap();
    let test = |path: &str| {
        format!(
            "{{\"groups\": [{{\"description\": \"g\", \"tests\": [{{\"name\": \"a\", \"description\": \"d\", \"raw_body_file\": \"{path}\", \"expect\": \"reject\"}}]}}]}}"
        )
    };
    std::fs::write(dir.join("sub/in.json"), test("../corpus/a.json")).unwrap();
    let cases = load_dir(&dir, &Fixtures::default()).unwrap();
    assert_eq!(cases.len(), 1, "corpus/ holds no case files");
    assert_eq!(cases[0].id, "sub/in/a");
    assert_eq!(&cases[0].body[..], b"[1,\n2]");
    std::fs::write(dir.join("sub/in.json"), test("../../etc/passwd")).unwrap();
    let err = load_dir(&dir, &Fixtures::default()).unwrap_err();
    assert!(
        err.message
            .contains("not a relative path inside the cases folder"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn syntax_errors_have_a_line() {
    let err = parse("{\n  \"groups\": \n").unwrap_err();
    assert_eq!(err.line, Some(3));
    assert!(err.message.starts_with("not a case file"), "{err}");
}

#[test]
fn an_empty_folder_is_an_error() {
    let dir = std::env::temp_dir().join(format!("dli-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let err = load_dir(&dir, &Fixtures::default()).unwrap_err();
    assert!(err.message.starts_with("no cases found"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The loader's test-name rule is the schema's pattern.
#[test]
fn test_names_follow_the_schema_pattern() {
    let schema = json_schema();
    let pattern = schema["$defs"]["Test"]["properties"]["name"]["pattern"]
        .as_str()
        .unwrap();
    assert_eq!(pattern, "^[a-z0-9._-]+$");
    for c in (0u8..128).map(char::from) {
        let one = c.to_string();
        let in_pattern = c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        assert_eq!(valid_name(&one), in_pattern, "{c:?}");
    }
}
