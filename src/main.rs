//! The `dli-conformance` command: `run` the suite against a target (the embedded reference mock
//! by default), serve the `mock` (or one of its faults or variants) on a socket, or `selftest`
//! the suite against the mock, its variants and its faults. Each subcommand lives in its own
//! module of `cli/`. Exit codes: 0 conformant, 1 a failure (or a self-test gate broken), 2 a
//! usage, case-file or environment problem.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let parsed = cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return cli::usage_error(format!("cannot start the async runtime: {err}")),
    };
    parsed.command.execute(&runtime)
}
