//! Case-file writing, beside case-file reading ([`case`](crate::case)): a result in, a case
//! file out that replays its exact request bytes (`--save-failures DIR`, and the regression case
//! a generator class's failure text carries). The file is read back by `case::load` like any
//! other, its clauses derived then.

use serde_json::{json, Value};

use crate::case::{self, Source};
use crate::result::CaseResult;

/// The test name a regression case for `result` gets: `{class}-{seed}-{index}` for generated
/// results, the case id with `/` as `-` otherwise.
pub fn regression_name(result: &CaseResult) -> String {
    match &result.source {
        Source::Generated { class, seed, index } => format!("{class}-{seed}-{index}"),
        Source::File { .. } | Source::Corpus { .. } => result.id.replace('/', "-"),
    }
}

/// A case file (for `cases/regressions/`) that replays `result`'s exact request bytes. Its
/// clauses are derived when it is loaded, like any case's.
pub fn regression_case(result: &CaseResult) -> String {
    let broke: Vec<&str> = result
        .verdict
        .violations
        .iter()
        .map(|v| v.clause.id())
        .collect();
    let mut test = serde_json::Map::new();
    test.insert("name".into(), regression_name(result).into());
    test.insert(
        "description".into(),
        format!("{} (found at {})", result.expect, result.source).into(),
    );
    test.insert(
        "see".into(),
        format!(
            "found by dli-conformance against {}: broke {}",
            result.source,
            broke.join(", ")
        )
        .into(),
    );
    match std::str::from_utf8(&result.request.body) {
        Ok(text) => test.insert("raw_body".into(), raw_body_parts(text)),
        Err(_) => test.insert(
            "raw_body_hex".into(),
            hex::encode(&result.request.body).into(),
        ),
    };
    test.insert("expect".into(), json!(result.expect));
    let document = json!({"groups": [{
        "description": "Regression: a body a target once answered wrongly",
        "tests": [test],
    }]});
    serde_json::to_string_pretty(&document).expect("a JSON value serializes") + "\n"
}

/// `text` as a `raw_body`: one string, or parts of 64 characters when longer, so the case file
/// keeps short lines; placeholder-shaped text is written so it is read back as it is.
fn raw_body_parts(text: &str) -> Value {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 64 {
        return case::literal_text(text).into();
    }
    chars
        .chunks(64)
        .map(|part| Value::from(case::literal_text(&part.iter().collect::<String>())))
        .collect()
}
