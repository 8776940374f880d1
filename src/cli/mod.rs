//! The command line: one module per subcommand, each with its flags (a clap `Args` struct) and
//! the function that carries it out. Printing happens here and in `report`, nowhere else.

mod gate;
mod merge;
mod mock;
mod progress;
mod run;
mod selftest;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The parsed command line.
#[derive(Parser)]
#[command(
    version = dli_conformance::shipped::VERSION,
    about = "Conformance suite for DLI's create-classic-datasource-connection API"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the suite against a target (the embedded reference mock when --target is not given).
    Run(Box<run::RunArgs>),
    /// Serve the reference mock until interrupted; prints the URL it listens on.
    Mock(mock::MockArgs),
    /// Run the suite against the mock, every conformant variant and every fault; print the score.
    Selftest(selftest::SelftestArgs),
    /// Merge the JSON reports of a partitioned run's shards into one report.
    MergeReports(merge::MergeArgs),
}

impl Command {
    /// Carries the subcommand out on `runtime`.
    pub fn execute(self, runtime: &tokio::runtime::Runtime) -> ExitCode {
        match self {
            Command::Run(args) => run::run(*args, runtime),
            Command::Mock(args) => runtime.block_on(mock::serve(args)),
            Command::Selftest(args) => selftest::run(args, runtime),
            Command::MergeReports(args) => merge::run(args),
        }
    }
}

/// Prints a line to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Reports an operational error (`error: ...` on stderr) and gives exit code 2.
pub fn usage_error(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Parses a positive number of seconds (`--timeout 2.5`).
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(seconds),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}
