//! The folder walk: every case file below a [`CaseRoot`] (a folder or the tree shipped in the
//! binary), each parsed by [`parse`](super::parse), the cases sorted by id with duplicates and an
//! empty tree rejected.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use super::parse::parse_in;
use super::{Case, LoadError, Source, CORPUS_DIR};
use crate::fixtures::Fixtures;
use crate::shipped::CaseRoot;

/// Loads every case file below `dir`, sorted by id, with `fixtures` in place of the
/// placeholders. Zero cases is an error.
pub fn load_dir(dir: &Path, fixtures: &Fixtures) -> Result<Vec<Case>, LoadError> {
    load(&CaseRoot::Dir(dir.to_path_buf()), fixtures)
}

/// Loads every case file below `root` (a folder, or the tree shipped in the binary), sorted by
/// id, with `fixtures` in place of the placeholders. Zero cases is an error.
pub fn load(root: &CaseRoot, fixtures: &Fixtures) -> Result<Vec<Case>, LoadError> {
    let mut cases = Vec::new();
    for file in case_files_in(root)? {
        let shown = root.shown(&file);
        let text = root
            .read(&file)
            .and_then(|bytes| {
                String::from_utf8(bytes.into_owned())
                    .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
            })
            .map_err(|err| LoadError {
                path: shown.clone(),
                line: None,
                case_id: None,
                message: format!("cannot read case file: {err}"),
            })?;
        cases.extend(parse_in(root, &shown, &id_prefix(&file), &text, fixtures)?);
    }
    if cases.is_empty() {
        return Err(LoadError {
            path: root.path(),
            line: None,
            case_id: None,
            message: "no cases found (expected *.json case files below this folder)".into(),
        });
    }
    reject_duplicate_ids(&cases)?;
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(cases)
}

/// The case files below `dir`, sorted: every `*.json` but `*.schema.json` and [`CORPUS_DIR`].
pub fn case_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let files = case_files_in(&CaseRoot::Dir(dir.to_path_buf()))?;
    Ok(files.into_iter().map(|file| dir.join(file)).collect())
}

/// Every file below `root`, relative to it, sorted; a folder that cannot be read is a load
/// error naming it.
pub(crate) fn root_files(root: &CaseRoot) -> Result<Vec<PathBuf>, LoadError> {
    root.files().map_err(|(path, err)| LoadError {
        path,
        line: None,
        case_id: None,
        message: format!("cannot read case folder: {err}"),
    })
}

/// The case files below `root`, relative to it, sorted.
fn case_files_in(root: &CaseRoot) -> Result<Vec<PathBuf>, LoadError> {
    Ok(root_files(root)?
        .into_iter()
        .filter(|file| {
            let name = file.to_string_lossy();
            name.ends_with(".json")
                && !name.ends_with(".schema.json")
                && !file.starts_with(CORPUS_DIR)
        })
        .collect())
}

/// `regressions/url.json` (below the case folder) -> `regressions/url`.
fn id_prefix(file: &Path) -> String {
    file.with_extension("")
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn reject_duplicate_ids(cases: &[Case]) -> Result<(), LoadError> {
    let mut first_seen: HashMap<&str, &Source> = HashMap::new();
    for case in cases {
        if let Some(first) = first_seen.insert(&case.id, &case.source) {
            let (path, line) = match &case.source {
                Source::File { path, line } => (path.clone(), Some(*line)),
                Source::Generated { .. } | Source::Corpus { .. } => (PathBuf::new(), None),
            };
            return Err(LoadError {
                path,
                line,
                case_id: Some(case.id.clone()),
                message: format!("duplicate case id {:?} (first defined at {first})", case.id),
            });
        }
    }
    Ok(())
}
