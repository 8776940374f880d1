//! Build script: the spec revision the shipped cases follow, for `--version` and the reports.
//!
//! Sets `DLI_SPEC_SHA256`, the SHA-256 of `tests/spec/CLAUSES.md` (reproduce it with
//! `sha256sum tests/spec/CLAUSES.md`), and asks cargo to rebuild when that file or anything
//! below `cases/` changes: the case tree is compiled into the binary (`src/shipped.rs`), and
//! `include_dir!` cannot tell cargo which files it read on stable Rust.

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo::rerun-if-changed=tests/spec/CLAUSES.md");
    println!("cargo::rerun-if-changed=cases");
    let spec = std::fs::read("tests/spec/CLAUSES.md").expect("tests/spec/CLAUSES.md is readable");
    let digest = Sha256::digest(&spec);
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    println!("cargo::rustc-env=DLI_SPEC_SHA256={hex}");
}
