//! What the CLI tests share: running the binary, and serving a router on 127.0.0.1.
#![allow(dead_code)]

use std::net::TcpListener as StdListener;
use std::process::{Command, Output};

/// Runs the binary with `args`.
pub fn cli(args: &[&str]) -> Output {
    command().args(args).output().expect("the binary runs")
}

/// The binary as a command to adjust (environment, working directory) before running.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dli-conformance"));
    for variable in ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "CI"] {
        command.env_remove(variable);
    }
    command
}

/// stdout and stderr as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Serves `router` on a free loopback port from a background thread; gives its base URL.
pub fn serve(router: axum::Router) -> String {
    let address = serve_on("127.0.0.1:0", router).expect("a free loopback port");
    format!("http://{address}")
}

/// Serves `router` on `address` (port 0: a free one) from a background thread; gives the
/// address it listens on, `None` when it cannot bind there (e.g. no IPv6 loopback).
pub fn serve_on(address: &str, router: axum::Router) -> Option<std::net::SocketAddr> {
    let listener = StdListener::bind(address).ok()?;
    listener.set_nonblocking(true).unwrap();
    let bound = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router).await.unwrap();
        });
    });
    Some(bound)
}

/// A fresh temporary folder for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Python servers of the zoo, in `tests/zoo/`.
pub const PYTHON_ZOO: [&str; 2] = ["echo_server.py", "http10_server.py"];

/// The path of the Python zoo server `script`.
pub fn python_zoo(script: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/zoo")
        .join(script)
}

/// What a default run against a zoo server gave.
pub struct ZooRun {
    /// The exit code.
    pub code: Option<i32>,
    /// The JSON report.
    pub report: serde_json::Value,
    /// The end of stderr.
    pub stderr: String,
    /// Wall time of the whole run (cleanup included).
    pub elapsed: std::time::Duration,
}

/// The default run of the binary against `url` at `seed`, with its JSON
/// report.
pub fn zoo_run(name: &str, url: &str, seed: u64) -> ZooRun {
    let dir = temp_dir(&format!("zoo-{}-{seed}", name.replace('/', "-")));
    let report = dir.join("report.json");
    let started = std::time::Instant::now();
    let seed = seed.to_string();
    let args = [
        "run",
        "--target",
        url,
        "--seed",
        &seed,
        "--quiet",
        "--report-json",
        report.to_str().expect("a UTF-8 temporary path"),
    ];
    let output = cli(&args);
    let elapsed = started.elapsed();
    let (_, stderr) = text(&output);
    // The end of stderr is enough to see what went wrong.
    let tail = (stderr.len().saturating_sub(4000)..)
        .find(|&at| stderr.is_char_boundary(at))
        .unwrap_or_default();
    let stderr = stderr[tail..].to_owned();
    let text = std::fs::read_to_string(&report)
        .unwrap_or_else(|err| panic!("{name}: no JSON report ({err}); stderr:\n{stderr}"));
    let _ = std::fs::remove_dir_all(&dir);
    ZooRun {
        code: output.status.code(),
        report: serde_json::from_str(&text).expect("the JSON report is JSON"),
        stderr,
        elapsed,
    }
}

/// A random seed (`ZOO_SEED` when set).
pub fn zoo_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::env::var("ZOO_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        })
}
