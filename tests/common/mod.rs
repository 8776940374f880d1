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
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
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
    url
}

/// A fresh temporary folder for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
