//! The command line: one module per subcommand, each with its flags (a clap `Args` struct) and
//! the function that carries it out. Printing happens here and in `report`, nowhere else.

mod cleanup;
mod diff;
mod gate;
mod merge;
mod mock;
mod parity;
mod progress;
mod run;
mod selftest;

use std::process::ExitCode;

use dli_conformance::report::console::Line;
use dli_conformance::Status;

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
    /// Delete the connections a ledger lists as live (finish an interrupted run's cleanup).
    Cleanup(cleanup::CleanupArgs),
    /// Compare two recordings (`run --record DIR`): exit 0 same, 1 differences, 2 error.
    Diff(diff::DiffArgs),
}

impl Command {
    /// Carries the subcommand out on `runtime`.
    pub fn execute(self, runtime: &tokio::runtime::Runtime) -> ExitCode {
        match self {
            Command::Run(args) => run::run(*args, runtime),
            Command::Mock(args) => runtime.block_on(mock::serve(args)),
            Command::Selftest(args) => selftest::run(args, runtime),
            Command::MergeReports(args) => merge::run(args),
            Command::Cleanup(args) => cleanup::run(args, runtime),
            Command::Diff(args) => diff::run(args),
        }
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM; gives the signal's name.
pub async fn interrupted() -> &'static str {
    Signals::new().next().await
}

/// SIGINT and SIGTERM, caught from creation on (their default action, ending the process, is off
/// for good once caught); none is lost between two calls of [`Signals::next`].
pub struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Starts catching both signals.
    pub fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = signal(SignalKind::interrupt())
                .and_then(|interrupt| Ok((interrupt, signal(SignalKind::terminate())?)))
                .ok();
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next signal's name.
    pub async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        if let Some((interrupt, terminate)) = &mut self.streams {
            return tokio::select! {
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// A random word of `length` lower-case letters and digits (run ids).
pub fn random_token(length: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (0..length)
        .map(|_| {
            let letter = ALPHABET[(bits % ALPHABET.len() as u64) as usize];
            bits /= ALPHABET.len() as u64;
            letter as char
        })
        .collect()
}

/// Prints a line to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// The exit code of a finished run, for `run` and `merge-reports` alike: 0 when it conforms, 1
/// when it fails, 2 when it is incomplete.
pub fn exit_code(status: Status) -> ExitCode {
    match status {
        Status::Conforms => ExitCode::SUCCESS,
        Status::Fails => ExitCode::FAILURE,
        Status::Incomplete => ExitCode::from(2),
    }
}

/// Prints rendered console lines, each to its stream.
pub fn print(lines: &[Line]) {
    for line in lines {
        match line {
            Line::Out(text) => say(text),
            Line::Err(text) => eprintln!("{text}"),
        }
    }
}

/// Reports an operational error (`error: ...` on stderr) and gives exit code 2.
pub fn usage_error(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Checks a `--target` base URL (http or https, with a host) and keeps it as given.
pub fn parse_target(text: &str) -> Result<String, String> {
    dli_conformance::transport::parse_base_url(text).map(|_| text.to_owned())
}

/// Parses a positive number of seconds (`--timeout 2.5`).
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(seconds),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

/// Parses a rate in requests per second (`--rate 2.5`), at most a million.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= 1e6 => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a positive number of requests per second"
        )),
    }
}

/// Parses an extra header, `Name: value` (`--header`); the name must be a valid header name.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| "expected 'Name: value'".to_owned())?;
    let name = name.trim();
    http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    Ok((name.to_owned(), value.trim().to_owned()))
}
