//! The documentation's own promises: the README stays a short front page, and every page of
//! `docs/` is doctested (its Rust examples compile), so a page added without being listed in
//! `src/lib.rs` fails here rather than shipping an example nobody compiles.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_readme_is_a_short_front_page() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 160,
        "README.md has {lines} lines; keep it at most 160 and move the rest to docs/"
    );
}

#[test]
fn every_docs_page_is_doctested() {
    let lib = std::fs::read_to_string(Path::new(ROOT).join("src/lib.rs")).unwrap();
    let mut pages: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    pages.sort();
    assert!(!pages.is_empty(), "docs/ holds no page");
    let missing: Vec<&String> = pages
        .iter()
        .filter(|page| !lib.contains(&format!("#[doc = include_str!(\"../docs/{page}\")]")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs pages not doctested (add `#[doc = include_str!(\"../docs/PAGE\")]` to src/lib.rs's docs_doctests): {missing:?}"
    );
}
