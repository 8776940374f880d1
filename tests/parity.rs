//! Parity end to end: `run --record`, `run --parity`, `diff`, against the reference mock and its
//! conformant variants served on loopback, and the shipped recording of the mock.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{cli, serve, temp_dir, text};
use dli_conformance::mock::{self, variants::VARIANTS};
use dli_conformance::parity::{self, Recording};

/// The seed, run id and examples of every recording here (a small run: the shipped recording
/// and the docs use the default one).
const RUN: [&str; 6] = ["--seed", "7", "--run-id", "par1", "--examples", EXAMPLES];

/// Generated examples per class: enough for every variant's choice to show at seed 7 (the
/// Unicode case mapping needs a `ſ` or a `K` among the examples).
const EXAMPLES: &str = "8";

/// Records the mock `variant` (the reference when `None`) into `dir`; gives stdout.
fn record(variant: Option<&str>, dir: &Path) -> String {
    let url = serve(mock::chosen_router(None, variant).unwrap());
    let dir = dir.to_str().unwrap();
    let output = cli(&[&["run", "-q", "--target", &url, "--record", dir], &RUN[..]].concat());
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    stdout
}

/// `run --parity recording` against a fresh server of the mock `variant`, with `extra` flags;
/// gives the exit code and stdout and stderr. (Fresh: reject-duplicate-names remembers names.)
fn parity_run(variant: &str, recording: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let url = serve(mock::chosen_router(None, Some(variant)).unwrap());
    let recording = recording.to_str().unwrap();
    let args = ["run", "-q", "--target", &url, "--examples", EXAMPLES];
    let output = cli(&[&args[..], &["--parity", recording], extra].concat());
    let (stdout, stderr) = text(&output);
    (output.status.code(), format!("{stdout}\n{stderr}"))
}

/// Every `.snap` file below `dir`, path and bytes.
fn snap_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "snap") {
                let bytes = std::fs::read(&path).unwrap();
                found.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn recording_twice_is_byte_identical_and_the_same_mock_has_no_differences() {
    let dir = temp_dir("parity-twice");
    // The reference answers fresh UUIDs; error-extra-members adds a random request_id.
    for variant in [None, Some("error-extra-members")] {
        let (first, second) = (dir.join("first"), dir.join("second"));
        record(variant, &first);
        record(variant, &second);
        let files = snap_files(&first);
        assert!(files.len() > 5, "{files:?}");
        assert_eq!(files, snap_files(&second), "{variant:?}");
        let meta = std::fs::read_to_string(first.join("recording.toml")).unwrap();
        assert!(
            meta.contains("seed = 7") && meta.contains("run_id = \"par1\""),
            "{meta}"
        );
    }
    let (code, out) = parity_run(
        "error-extra-members",
        &dir.join("first"),
        &["--require-parity"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(", 0 parity differences;"), "{out}");
    assert!(!out.contains("not in the recording"), "{out}");
}

/// Where each conformant variant's choice shows against the reference mock's recording.
fn expected_place(variant: &str) -> &'static str {
    match variant {
        "ct-alias" | "every-variant" => "[A2] decision",
        "reject-unknown-members" | "strict-parser-limits" => "[A5] decision",
        "reject-empty-strings" => "[A6] decision",
        "reject-duplicate-names" => "[A9] decision",
        "error-extra-members" => "[resp.error.envelope] body/request_id",
        "created-id-only" => "[A4] body/is_success",
        "charset-content-type" => "[-] content-type",
        "lenient-parser" | "service-unicode-case" => "[-] decision",
        other => panic!("variant {other} has no expected parity difference here: add one"),
    }
}

#[test]
fn every_conformant_variant_conforms_and_differs_from_the_mock_where_it_chooses() {
    let dir = temp_dir("parity-variants");
    let reference = dir.join("mock");
    record(None, &reference);
    for variant in VARIANTS {
        let (code, out) = parity_run(variant.name, &reference, &["--require-parity"]);
        let place = expected_place(variant.name);
        assert_eq!(code, Some(1), "{}: {out}", variant.name);
        assert!(
            out.contains(" 0 failed, 0 warned"),
            "{}: {out}",
            variant.name
        );
        assert!(
            out.contains(&format!("  differs: {place}: ")),
            "{}: no {place}: {out}",
            variant.name
        );
        if variant.name == "ct-alias" {
            // Differences are reported, not failures, unless parity is required.
            // Every report carries them.
            let (json, junit, markdown) = (dir.join("r.json"), dir.join("r.xml"), dir.join("r.md"));
            let reports = [
                "--report-json",
                json.to_str().unwrap(),
                "--report-junit",
                junit.to_str().unwrap(),
                "--report-markdown",
                markdown.to_str().unwrap(),
            ];
            let (code, out) = parity_run(variant.name, &reference, &reports);
            assert_eq!(code, Some(0), "without --require-parity: {out}");
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
            let differing = report["parity"]["differing"].as_u64().unwrap();
            assert!(differing > 0, "{}", report["parity"]);
            assert_eq!(report["clauses"]["A2"]["parity"]["differ"], differing);
            let results = report["results"].as_array().unwrap();
            let with_differences = results
                .iter()
                .filter(|r| r["parity"]["differences"][0]["clause"] == "A2")
                .count() as u64;
            assert_eq!(with_differences, differing);
            let junit = std::fs::read_to_string(&junit).unwrap();
            assert!(junit.contains("parity [A2] decision: recorded rejected, actual accepted"));
            let markdown = std::fs::read_to_string(&markdown).unwrap();
            assert!(
                markdown.contains("### Parity with the recording"),
                "{markdown}"
            );
        }
    }
    // An accepted difference is no difference: ct-alias with its A2 choice ignored.
    let ignore = ["--require-parity", "--parity-ignore", "*#A2"];
    let (code, out) = parity_run("ct-alias", &reference, &ignore);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("ignored by --parity-ignore"), "{out}");
}

#[test]
fn diff_of_two_variants_lists_exactly_their_differences() {
    let dir = temp_dir("parity-diff");
    let (reference, ct, empty) = (dir.join("mock"), dir.join("ct"), dir.join("empty"));
    record(None, &reference);
    record(Some("ct-alias"), &ct);
    record(Some("reject-empty-strings"), &empty);
    let load = |dir: &Path| Recording::load(dir).unwrap();
    let (r, c, e) = (load(&reference), load(&ct), load(&empty));
    let places = |found: Vec<parity::Difference>| -> BTreeSet<(String, String)> {
        found.into_iter().map(|d| (d.case, d.detail)).collect()
    };
    let from_ct = places(parity::diff(&r, &c));
    let from_empty = places(parity::diff(&r, &e));
    assert!(!from_ct.is_empty() && !from_empty.is_empty());
    assert!(from_ct.is_disjoint(&from_empty));
    // Each variant departs from the reference on its own cases: between the two, exactly
    // those cases differ, each way.
    let between = parity::diff(&c, &e);
    for difference in &between {
        assert_eq!(
            c.snapshots[&difference.case]
                .fact(&difference.detail)
                .unwrap_or(parity::compare::ABSENT),
            difference.recorded
        );
        assert_eq!(
            e.snapshots[&difference.case]
                .fact(&difference.detail)
                .unwrap_or(parity::compare::ABSENT),
            difference.actual
        );
    }
    let expected: BTreeSet<_> = from_ct.union(&from_empty).cloned().collect();
    assert_eq!(places(between), expected);

    let output = cli(&["diff", ct.to_str().unwrap(), empty.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("{} differences between", expected.len())),
        "{stdout}"
    );
    assert!(
        stdout.contains("differs: [A2] decision") && stdout.contains("differs: [A6] decision"),
        "{stdout}"
    );
    let same = cli(&["diff", ct.to_str().unwrap(), ct.to_str().unwrap()]);
    assert_eq!(same.status.code(), Some(0));
    let missing = cli(&[
        "diff",
        ct.to_str().unwrap(),
        dir.join("nothing").to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).1.contains("recording.toml"));
}

#[test]
fn merged_shards_count_the_differences_of_one_run() {
    let dir = temp_dir("parity-shards");
    let recording = dir.join("mock");
    record(None, &recording);
    let mut shards = Vec::new();
    let mut differing = 0;
    for shard in ["1/2", "2/2"] {
        let path = dir.join(format!("shard-{}.json", &shard[..1]));
        let flags = [
            "--partition",
            shard,
            "--report-json",
            path.to_str().unwrap(),
            "prop/may-ct",
        ];
        let (code, out) = parity_run("ct-alias", &recording, &flags);
        assert_eq!(code, Some(0), "{out}");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        differing += report["parity"]["differing"].as_u64().unwrap_or(0);
        shards.push(path);
    }
    assert!(differing > 0);
    let merged = dir.join("merged.json");
    let output = cli(&[
        "merge-reports",
        "-o",
        merged.to_str().unwrap(),
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&merged).unwrap()).unwrap();
    assert_eq!(report["parity"]["differing"], differing);
    assert_eq!(report["clauses"]["A2"]["parity"]["differ"], differing);
}

#[test]
fn a_parity_run_refuses_another_seed_than_the_recordings() {
    let dir = temp_dir("parity-seed");
    record(None, &dir);
    let output = cli(&["run", "--seed", "8", "--parity", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("was made with --seed 7"));
}

#[test]
fn the_shipped_recording_of_the_mock_matches_the_mock() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings/mock");
    let output = cli(&[
        "run",
        "-q",
        "--parity",
        shipped.to_str().unwrap(),
        "--require-parity",
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "re-record with `dli-conformance run --seed 1 --run-id mock --record recordings/mock`:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(", 0 parity differences;"), "{stdout}");
    assert!(!stdout.contains("not in the recording"), "{stdout}");
}
