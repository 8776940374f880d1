//! The zoo against the default run: every conformant server of `dli_conformance::zoo` (Rust,
//! written apart from the mock) and of `tests/zoo/` (Python, standard library only) gets the
//! whole default run of the CLI binary at a random seed, and must have 0 failures (read from the
//! JSON report) and exit 0. The seed is printed; `ZOO_SEED=S cargo test --test zoo` replays one.
//!
//! Create-only servers (show, list and delete answered 405) cannot be cleaned up after; until
//! the run treats such targets as issue 17 asks, their exit-0 assertion is a separate ignored
//! test. Python servers are skipped, with the reason printed, when `python3` is missing.

mod common;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use dli_conformance::zoo;
use serde_json::Value;

/// What a default run against a server gave.
struct Run {
    code: Option<i32>,
    report: Value,
    stderr: String,
}

/// The seed of this test process's runs: `ZOO_SEED`, else a random one.
fn seed() -> u64 {
    std::env::var("ZOO_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| RandomState::new().build_hasher().finish())
}

/// The default run against `url` at a random seed (printed), with its JSON report.
fn default_run(name: &str, url: &str) -> Run {
    let seed = seed();
    eprintln!("{name}: default run at seed {seed} (replay: ZOO_SEED={seed} cargo test --test zoo)");
    let dir = common::temp_dir(&format!("zoo-{}", name.replace('/', "-")));
    let report = dir.join("report.json");
    let output = common::cli(&[
        "run",
        "--target",
        url,
        "--seed",
        &seed.to_string(),
        "--quiet",
        "--report-json",
        report.to_str().expect("a UTF-8 temporary path"),
    ]);
    let (_, stderr) = common::text(&output);
    // The end of stderr is enough to see what went wrong.
    let tail = (stderr.len().saturating_sub(4000)..)
        .find(|&at| stderr.is_char_boundary(at))
        .unwrap_or_default();
    let stderr = stderr[tail..].to_owned();
    let text = std::fs::read_to_string(&report)
        .unwrap_or_else(|err| panic!("{name}: no JSON report ({err}); stderr:\n{stderr}"));
    Run {
        code: output.status.code(),
        report: serde_json::from_str(&text).expect("the JSON report is JSON"),
        stderr,
    }
}

impl Run {
    /// Asserts 0 failed, listing each failure's case id, clause and actual value when not.
    fn assert_no_failure(&self, name: &str) {
        let summary = &self.report["summary"];
        let failures: Vec<String> = self.report["results"]
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
            self.stderr
        );
    }

    fn assert_exit_0(&self, name: &str) {
        assert_eq!(self.code, Some(0), "{name}: stderr:\n{}", self.stderr);
    }
}

/// The default run against the Rust zoo server `name`: 0 failed, and exit 0 when `exit_0`.
fn rust_server(name: &str, exit_0: bool) {
    let server = zoo::find(name).unwrap_or_else(|| panic!("no zoo server {name}"));
    let running = server.start().expect("a zoo server starts on loopback");
    let run = default_run(name, running.url());
    run.assert_no_failure(name);
    if exit_0 {
        run.assert_exit_0(name);
    }
}

#[test]
fn hyper_compact() {
    rust_server("zoo/hyper-compact", true);
}

#[test]
fn hyper_chunked() {
    rust_server("zoo/hyper-chunked", true);
}

#[test]
fn raw_keepalive() {
    rust_server("zoo/raw-keepalive", true);
}

#[test]
fn raw_close() {
    rust_server("zoo/raw-close", true);
}

#[test]
fn hyper_minimal_create_only() {
    rust_server("zoo/hyper-minimal", false);
}

#[test]
fn raw_http10_create_only() {
    rust_server("zoo/raw-http10", false);
}

#[test]
#[ignore = "needs issue 17: create-only targets"]
fn create_only_servers_exit_0() {
    for name in ["zoo/hyper-minimal", "zoo/raw-http10"] {
        rust_server(name, true);
    }
}

#[test]
fn every_rust_server_is_tested_here() {
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
}

/// A Python zoo server started by a test; killed when dropped.
struct Python(Child);

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `tests/zoo/{script}` and gives it with its base URL, or `None` (reason printed) when
/// `python3` is missing.
fn python_server(script: &str) -> Option<(Python, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/zoo")
        .join(script);
    let child = Command::new("python3")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(child) => Python(child),
        Err(err) => {
            eprintln!("skipped: {script} needs python3, which did not start ({err})");
            return None;
        }
    };
    let stdout = child.0.stdout.take().expect("stdout is piped");
    let mut url = String::new();
    BufReader::new(stdout)
        .read_line(&mut url)
        .expect("the server prints its URL");
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "{script} printed {url:?}"
    );
    Some((child, url.trim_end().to_owned()))
}

/// The default run against the Python server `script`: 0 failed, exit 0.
fn python(script: &str) {
    let Some((_server, url)) = python_server(script) else {
        return;
    };
    let run = default_run(script, &url);
    run.assert_no_failure(script);
    run.assert_exit_0(script);
}

#[test]
fn python_json_dumps_echo() {
    python("echo_server.py");
}

#[test]
fn python_http_server_http10_default_backlog() {
    python("http10_server.py");
}
