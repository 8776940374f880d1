//! What ships inside the binary: the whole `cases/` tree and the spec revision it follows.
//!
//! The case loader ([`crate::case::load`]) reads a [`CaseRoot`]: a folder on disk (`--cases
//! DIR`) or [`CaseRoot::Shipped`], the `cases/` tree compiled into the binary with
//! `include_dir!` (every file, `cases/corpus/` included), so a binary from `cargo install`
//! runs the full suite with no source tree. Both list their files the same way (paths relative
//! to the root, sorted) and read them as bytes; anything that reads case data (the loader,
//! corpora) goes through this one type. [`SPEC_SHA256`] is the SHA-256 of the
//! `tests/spec/CLAUSES.md` the cases were written against, set by `build.rs`; `--version` and
//! every report print it.

use std::borrow::Cow;
use std::io;
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir, DirEntry};

/// The `cases/` tree as it was when the binary was built.
pub static CASES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");

/// SHA-256 of `tests/spec/CLAUSES.md` at build time (`sha256sum tests/spec/CLAUSES.md`).
pub const SPEC_SHA256: &str = env!("DLI_SPEC_SHA256");

/// The short spec revision reports print: `sha256:` and the first 12 hex digits.
pub fn spec_revision() -> String {
    format!("sha256:{}", &SPEC_SHA256[..12])
}

/// `dli-conformance --version`: the version and the spec revision the shipped cases follow.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (cases follow tests/spec/CLAUSES.md sha256:",
    env!("DLI_SPEC_SHA256"),
    ")"
);

/// Where case files are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseRoot {
    /// A folder on disk (`--cases DIR`).
    Dir(PathBuf),
    /// The `cases/` tree compiled into the binary.
    Shipped,
}

impl CaseRoot {
    /// Every file below the root, as paths relative to it, sorted. A folder that cannot be
    /// read gives its path and the error.
    pub fn files(&self) -> Result<Vec<PathBuf>, (PathBuf, io::Error)> {
        let mut files = Vec::new();
        match self {
            CaseRoot::Dir(dir) => collect_disk(dir, dir, &mut files)?,
            CaseRoot::Shipped => collect_shipped(&CASES, &mut files),
        }
        files.sort();
        Ok(files)
    }

    /// The bytes of the file at `relative` (a path [`CaseRoot::files`] gave).
    pub fn read(&self, relative: &Path) -> io::Result<Cow<'static, [u8]>> {
        match self {
            CaseRoot::Dir(dir) => std::fs::read(dir.join(relative)).map(Cow::Owned),
            CaseRoot::Shipped => CASES
                .get_file(relative)
                .map(|file| Cow::Borrowed(file.contents()))
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in the shipped cases")),
        }
    }

    /// The length in bytes of the file at `relative`, without reading it.
    pub fn len(&self, relative: &Path) -> io::Result<u64> {
        match self {
            CaseRoot::Dir(dir) => std::fs::metadata(dir.join(relative)).map(|meta| meta.len()),
            CaseRoot::Shipped => self.read(relative).map(|bytes| bytes.len() as u64),
        }
    }

    /// How a file is named in messages and reports: below the working directory when it is
    /// (as people type it), `cases/...` for the shipped tree (its path in the source tree).
    pub fn shown(&self, relative: &Path) -> PathBuf {
        match self {
            CaseRoot::Dir(dir) => {
                let path = dir.join(relative);
                std::env::current_dir()
                    .ok()
                    .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
                    .unwrap_or(path)
            }
            CaseRoot::Shipped => Path::new("cases").join(relative),
        }
    }

    /// The root itself, for messages about it.
    pub fn path(&self) -> PathBuf {
        match self {
            CaseRoot::Dir(dir) => dir.clone(),
            CaseRoot::Shipped => PathBuf::from("cases (shipped in the binary)"),
        }
    }
}

fn collect_disk(
    root: &Path,
    dir: &Path,
    files: &mut Vec<PathBuf>,
) -> Result<(), (PathBuf, io::Error)> {
    let entries = std::fs::read_dir(dir).map_err(|err| (dir.to_path_buf(), err))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_disk(root, &path, files)?;
        } else {
            files.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

fn collect_shipped(dir: &Dir<'static>, files: &mut Vec<PathBuf>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect_shipped(sub, files),
            DirEntry::File(file) => files.push(file.path().to_path_buf()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_tree_is_the_cases_folder_byte_for_byte() {
        let disk = CaseRoot::Dir(concat!(env!("CARGO_MANIFEST_DIR"), "/cases").into());
        let files = disk.files().unwrap();
        assert_eq!(CaseRoot::Shipped.files().unwrap(), files);
        assert!(files.iter().any(|f| f == Path::new("url.json")));
        for file in &files {
            assert_eq!(
                CaseRoot::Shipped.read(file).unwrap(),
                disk.read(file).unwrap(),
                "{} differs: rebuild",
                file.display()
            );
        }
        assert_eq!(
            CaseRoot::Shipped.shown(Path::new("url.json")),
            Path::new("cases/url.json")
        );
    }

    #[test]
    fn the_shipped_tree_loads_the_same_cases_as_the_folder() {
        use crate::case;
        use crate::fixtures::Fixtures;
        let fixtures = Fixtures::default();
        let shipped = case::load(&CaseRoot::Shipped, &fixtures).unwrap();
        let disk = case::load_dir(case::SHIPPED_DIR.as_ref(), &fixtures).unwrap();
        assert_eq!(shipped.len(), disk.len());
        for (a, b) in shipped.iter().zip(&disk) {
            assert_eq!((&a.id, &a.body, a.expect), (&b.id, &b.body, b.expect));
        }
    }

    #[test]
    fn the_version_names_the_spec_revision() {
        assert_eq!(SPEC_SHA256.len(), 64);
        assert!(VERSION.contains(SPEC_SHA256), "{VERSION}");
        assert_eq!(spec_revision().len(), "sha256:".len() + 12);
    }
}
