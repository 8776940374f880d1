//! One case file's text to cases: its groups and tests read with line numbers for every error,
//! test names checked, each test's body built by [`body`](super::body) and its clauses derived by
//! [`clauses`](super::clauses).

use std::collections::HashMap;
use std::path::Path;

use bytes::Bytes;
use serde_json::value::RawValue;

use super::body::{test_body, Folders};
use super::clauses::exercised_clauses;
use super::format::{CaseFile, Group, NameOnly, Test};
use super::placeholders::{derived_name, Expand};
use super::{Case, LoadError, Source, FILE_BODY_MAX_BYTES};
use crate::fixtures::Fixtures;
use crate::shipped::CaseRoot;
use crate::spec::clause::ClauseId;
use crate::spec::oracle;

/// Parses one case file's text. `id_prefix` is the file's path below `cases/` without `.json`
/// (so `path` less as many components is the cases folder, which `raw_body_file` stays in).
pub fn parse_file(
    path: &Path,
    id_prefix: &str,
    text: &str,
    fixtures: &Fixtures,
) -> Result<Vec<Case>, LoadError> {
    let folder = path.parent().unwrap_or(Path::new(""));
    let depth = id_prefix.split('/').count() - 1;
    let cases = (0..depth).fold(folder, |folder, _| folder.parent().unwrap_or(Path::new("")));
    parse_in(
        &CaseRoot::Dir(cases.to_path_buf()),
        path,
        id_prefix,
        text,
        fixtures,
    )
}

/// Parses the text of the case file `id_prefix`.json below `root` (shown as `path`).
pub(super) fn parse_in(
    root: &CaseRoot,
    path: &Path,
    id_prefix: &str,
    text: &str,
    fixtures: &Fixtures,
) -> Result<Vec<Case>, LoadError> {
    let at = |line: Option<usize>, case_id: Option<String>, message: String| LoadError {
        path: path.to_path_buf(),
        line,
        case_id,
        message,
    };
    let file: CaseFile = serde_json::from_str(text)
        .map_err(|err| at(Some(err.line()), None, format!("not a case file: {err}")))?;
    if file.groups.is_empty() {
        return Err(at(Some(1), None, "the file has no groups".into()));
    }
    let folders = Folders::of(root, id_prefix);
    let mut cases = Vec::new();
    let mut names_seen: HashMap<String, usize> = HashMap::new();
    let mut body_bytes = 0;
    for raw_group in file.groups {
        let group_line = line_of(text, raw_group);
        let group: Group = serde_json::from_str(raw_group.get())
            .map_err(|err| at(Some(group_line + err.line() - 1), None, err.to_string()))?;
        if group.tests.is_empty() {
            return Err(at(Some(group_line), None, "group has no tests".into()));
        }
        let base = group.body.as_ref().or(file.body.as_ref());
        let mut group_clause_derived = vec![true; group.clauses.len()];
        for raw_test in group.tests {
            let line = line_of(text, raw_test);
            let case_id = read_name(raw_test).map(|name| format!("{id_prefix}/{name}"));
            let fail = |line: usize, message: String| at(Some(line), case_id.clone(), message);
            let test: Test = serde_json::from_str(raw_test.get())
                .map_err(|err| fail(line + err.line() - 1, explain_raw_body(err)))?;
            if !valid_name(&test.name) {
                return Err(fail(
                    line,
                    format!(
                        "test name {:?} may hold only a-z, 0-9, '-', '_' and '.'",
                        test.name
                    ),
                ));
            }
            if let Some(first) = names_seen.insert(test.name.clone(), line) {
                return Err(fail(
                    line,
                    format!(
                        "duplicate case id \"{id_prefix}/{}\" (first defined at line {first})",
                        test.name
                    ),
                ));
            }
            let expand = Expand {
                fixtures,
                name: derived_name(id_prefix, &test.name, fixtures),
            };
            let body =
                test_body(base, &test, &expand, &folders).map_err(|message| fail(line, message))?;
            body_bytes += body.len();
            if body_bytes > FILE_BODY_MAX_BYTES {
                return Err(fail(
                    line,
                    format!("the file's bodies add up to over {FILE_BODY_MAX_BYTES} bytes"),
                ));
            }
            let judged = oracle::expectation(&body);
            let derived = exercised_clauses(&judged, test.expect, &[]);
            if let Some(clause) = test.clauses.iter().find(|c| derived.contains(c)) {
                return Err(fail(
                    line,
                    format!(
                        "clause {:?} is derived for this case: list only what no body shows",
                        clause.id()
                    ),
                ));
            }
            for (derived_here, clause) in group_clause_derived.iter_mut().zip(&group.clauses) {
                *derived_here &= derived.contains(clause);
            }
            let declared: Vec<ClauseId> =
                group.clauses.iter().chain(&test.clauses).copied().collect();
            cases.push(Case {
                id: format!("{id_prefix}/{}", test.name),
                description: format!("{}: {}", group.description, test.description),
                clauses: exercised_clauses(&judged, test.expect, &declared),
                expect: test.expect,
                body: Bytes::from(body),
                source: Source::File {
                    path: path.to_path_buf(),
                    line,
                },
                see: test.see,
            });
        }
        if let Some((clause, _)) = group
            .clauses
            .iter()
            .zip(&group_clause_derived)
            .find(|(_, d)| **d)
        {
            return Err(at(
                Some(group_line),
                None,
                format!("clause {:?} is derived for every test of the group: list only what no body shows", clause.id()),
            ));
        }
    }
    Ok(cases)
}

/// A clearer message than serde's for a `raw_body` that is neither text nor parts.
fn explain_raw_body(err: serde_json::Error) -> String {
    let text = err.to_string();
    if text.contains("untagged enum RawBody") || text.contains("untagged enum RawPart") {
        format!(
            "`raw_body` is a string or an array of parts: strings, {{\"$repeat\": text, \"times\": n}} and {{\"$body\": \"compact\" | \"spaced\", \"cut\": n}} (line {} column {})",
            err.line(),
            err.column()
        )
    } else {
        text
    }
}

/// The 1-based line on which `raw` (a slice borrowed from `text`) starts.
fn line_of(text: &str, raw: &RawValue) -> usize {
    let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The test's `name`, read leniently so errors elsewhere in the test can still name the case.
fn read_name(raw: &RawValue) -> Option<String> {
    let name = serde_json::from_str::<NameOnly>(raw.get()).ok()?.name?;
    name.as_str().map(str::to_owned)
}

pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}
