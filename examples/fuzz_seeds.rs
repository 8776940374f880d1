//! Writes the fuzz seeds, `fuzz/seeds/<target>/<case id>`, from the cases in `cases/`:
//! `cargo run --example fuzz_seeds --features fuzzing` (from the repository root).

use std::fs;
use std::path::Path;

use dli_conformance::{case, fuzzing};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seeds = Path::new("fuzz/seeds");
    for target in [
        "case_file",
        "check_response",
        "mock_raw_body",
        "mock_structured",
    ] {
        let dir = seeds.join(target);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
    }
    let cases = case::load_dir("cases".as_ref())?;
    for case in &cases {
        let file = case.id.replace('/', "--");
        for (target, bytes) in fuzzing::seeds(case) {
            fs::write(seeds.join(target).join(&file), bytes)?;
        }
    }
    let mut files: Vec<_> = cases.iter().map(|case| case.source.path.clone()).collect();
    files.dedup();
    for path in &files {
        let name = path
            .strip_prefix("cases")?
            .to_string_lossy()
            .replace('/', "--");
        fs::copy(path, seeds.join("case_file").join(name))?;
    }
    println!(
        "wrote seeds for {} cases from {} files",
        cases.len(),
        files.len()
    );
    Ok(())
}
