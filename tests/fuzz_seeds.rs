//! `cargo test --test fuzz_seeds`: the committed fuzz seeds (`fuzz/seeds/<target>/`) are exactly
//! what `cases/` gives, so the fuzzers start from every hand-written case. With
//! `UPDATE_FUZZ_SEEDS=1` it rewrites them instead.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dli_conformance::case::{self, Source};
use dli_conformance::fuzzing;

const TARGETS: [&str; 4] = [
    "case_file",
    "check_response",
    "mock_raw_body",
    "mock_structured",
];

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds_dir = root.join("fuzz/seeds");
    let wanted = match wanted_seeds(&root.join("cases")) {
        Ok(wanted) => wanted,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os("UPDATE_FUZZ_SEEDS").is_some() {
        for target in TARGETS {
            let _ = fs::remove_dir_all(seeds_dir.join(target));
            fs::create_dir_all(seeds_dir.join(target)).expect("the seed folder is writable");
        }
        for (path, bytes) in &wanted {
            fs::write(seeds_dir.join(path), bytes).expect("the seed file is writable");
        }
        println!("wrote {} seeds; 1 passed, 0 failed", wanted.len());
        return ExitCode::SUCCESS;
    }
    let mut present = BTreeMap::new();
    for target in TARGETS {
        for entry in fs::read_dir(seeds_dir.join(target)).into_iter().flatten() {
            let path = entry.expect("a readable seed folder").path();
            let bytes = fs::read(&path).expect("a readable seed");
            present.insert(path.strip_prefix(&seeds_dir).unwrap().to_path_buf(), bytes);
        }
    }
    let stale: Vec<String> = wanted
        .iter()
        .filter(|(path, bytes)| present.get(*path) != Some(*bytes))
        .map(|(path, _)| format!("missing or changed: {}", path.display()))
        .chain(
            present
                .keys()
                .filter(|path| !wanted.contains_key(*path))
                .map(|path| format!("left over: {}", path.display())),
        )
        .collect();
    if stale.is_empty() {
        println!(
            "{} fuzz seeds match cases/; 1 passed, 0 failed",
            wanted.len()
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "fuzz/seeds does not match cases/ (rewrite with UPDATE_FUZZ_SEEDS=1 cargo test --test fuzz_seeds):\n  {}",
            stale.join("\n  ")
        );
        println!("0 passed, 1 failed");
        ExitCode::FAILURE
    }
}

/// Every seed file `cases/` gives, by path below `fuzz/seeds/`.
fn wanted_seeds(cases_dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>, case::LoadError> {
    let cases = case::load_dir(cases_dir, &Default::default())?;
    let mut seeds = BTreeMap::new();
    for case in &cases {
        let file = case.id.replace('/', "--");
        for (target, bytes) in fuzzing::seeds(case) {
            seeds.insert(Path::new(target).join(&file), bytes);
        }
        if let Source::File { path, .. } = &case.source {
            let relative = path.strip_prefix("cases").unwrap_or(path);
            let name = relative.to_string_lossy().replace('/', "--");
            let text = fs::read(cases_dir.join(relative)).expect("a loaded case file reads");
            seeds.insert(Path::new("case_file").join(name), text);
        }
    }
    Ok(seeds)
}
