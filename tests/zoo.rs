//! The zoo against the default run: every conformant server of `dli_conformance::zoo` (Rust,
//! written apart from the mock) and of `tests/zoo/` (Python, standard library only) gets the
//! whole default run of the CLI binary at a random seed, and must have 0 failures (read from the
//! JSON report) and exit 0. The seed is printed; `ZOO_SEED=S cargo test --test zoo` replays one.
//!
//! Create-only servers (show, list and delete answered 405) get the plain default run too: the
//! preflight finds they offer no cleanup, the run sends none and its exit code is the verdict's
//! (`docs/cleanup.md`). Python servers are
//! skipped, with the reason printed, when `python3` is missing. `benches/zoo.rs` times each
//! server at 3 seeds.

mod common;

use common::{ZooRun, PYTHON_ZOO};
use dli_conformance::zoo::{self, python::PythonServer};

/// The default run against `url` at a random seed (printed).
fn default_run(name: &str, url: &str) -> ZooRun {
    let seed = common::zoo_seed();
    eprintln!("{name}: default run at seed {seed} (replay: ZOO_SEED={seed} cargo test --test zoo)");
    common::zoo_run(name, url, seed)
}

/// Asserts 0 failed, listing each failure's case id, clause and actual value when not.
fn assert_no_failure(name: &str, run: &ZooRun) {
    let summary = &run.report["summary"];
    let failures: Vec<String> = run.report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|result| result["outcome"] == "fail")
        .map(|result| {
            let first = &result["violations"][0];
            format!(
                "{} [{}] {}",
                result["id"].as_str().unwrap_or_default(),
                first["clause"].as_str().unwrap_or_default(),
                first["actual"]
            )
        })
        .collect();
    assert!(
        summary["failed"] == 0 && summary["total"].as_u64() > Some(1000),
        "{name}: {} failed of {}:\n{}\nstderr:\n{}",
        summary["failed"],
        summary["total"],
        failures.join("\n"),
        run.stderr
    );
}

fn assert_exit_0(name: &str, run: &ZooRun) {
    assert_eq!(run.code, Some(0), "{name}: stderr:\n{}", run.stderr);
}

/// The default run against the Rust zoo server `name`: 0 failed, exit 0.
fn rust_server(name: &str) {
    let server = zoo::find(name).unwrap_or_else(|| panic!("no zoo server {name}"));
    let running = server.start().expect("a zoo server starts on loopback");
    let run = default_run(name, running.url());
    assert_no_failure(name, &run);
    assert_exit_0(name, &run);
}

#[test]
fn hyper_compact() {
    rust_server("zoo/hyper-compact");
}

#[test]
fn hyper_chunked() {
    rust_server("zoo/hyper-chunked");
}

#[test]
fn raw_keepalive() {
    rust_server("zoo/raw-keepalive");
}

#[test]
fn raw_close() {
    rust_server("zoo/raw-close");
}

#[test]
fn hyper_minimal_create_only() {
    rust_server("zoo/hyper-minimal");
}

#[test]
fn raw_http10_create_only() {
    rust_server("zoo/raw-http10");
}

#[test]
fn every_server_is_tested_here_and_the_zoo_has_at_least_8() {
    let tested = [
        "zoo/hyper-compact",
        "zoo/hyper-chunked",
        "zoo/raw-keepalive",
        "zoo/raw-close",
        "zoo/hyper-minimal",
        "zoo/raw-http10",
    ];
    let names: Vec<&str> = zoo::ZOO.iter().map(|server| server.name).collect();
    assert_eq!(names.len(), tested.len(), "{names:?}");
    assert!(names.iter().all(|name| tested.contains(name)), "{names:?}");
    assert!(names.len() + PYTHON_ZOO.len() >= 8);
    for script in PYTHON_ZOO {
        assert!(common::python_zoo(script).is_file(), "{script}");
    }
}

/// The default run against the Python server `script`: 0 failed, exit 0.
fn python(script: &str) {
    let server = match PythonServer::start(&common::python_zoo(script)) {
        Ok(server) => server,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: {script} needs python3, which is missing ({err})");
            return;
        }
        Err(err) => panic!("{script} did not start: {err}"),
    };
    let run = default_run(script, server.url());
    assert_no_failure(script, &run);
    assert_exit_0(script, &run);
}

#[test]
fn python_json_dumps_echo() {
    python(PYTHON_ZOO[0]);
}

#[test]
fn python_http_server_http10_default_backlog() {
    python(PYTHON_ZOO[1]);
}
