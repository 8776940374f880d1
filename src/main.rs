//! The `dli-conformance` command: `run` the suite against a target (the embedded reference mock
//! by default), serve the `mock` (or one of its faults or variants) on a socket, or `selftest`
//! the suite against the mock, its variants and its faults. Exit codes: 0 conformant, 1 a
//! failure (or a self-test gate broken), 2 a usage, case-file or environment problem.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::{Args, Parser, Subcommand};
use dli_conformance::check::Outcome;
use dli_conformance::fixtures::Fixtures;
use dli_conformance::mock::{deviation, faults, variants};
use dli_conformance::runner::{
    GenerateConfig, Run, RunConfig, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT,
};
use dli_conformance::target::{HttpTarget, Target, DEFAULT_PROJECT_ID};
use dli_conformance::{case, mock, report, selftest};

#[derive(Parser)]
#[command(
    version,
    about = "Conformance suite for DLI's create-classic-datasource-connection API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite against a target (the embedded reference mock when --target is not given).
    Run(RunArgs),
    /// Serve the reference mock until interrupted; prints the URL it listens on.
    Mock(MockArgs),
    /// Run the suite against the mock, every conformant variant and every fault; print the score.
    Selftest(SelftestArgs),
}

#[derive(Args)]
struct MockArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Serve the mock with this fault injected (see --list-faults).
    #[arg(long, value_name = "NAME", conflicts_with = "variant")]
    fault: Option<String>,
    /// Serve this conformant variant of the mock (see --list-variants).
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// List the faults (name, clause broken, level, description) and exit.
    #[arg(long)]
    list_faults: bool,
    /// List the conformant variants (name, clause allowing it, level, description) and exit.
    #[arg(long)]
    list_variants: bool,
}

#[derive(Args)]
struct SelftestArgs {
    /// Folder of case files.
    #[arg(long, default_value = case::SHIPPED_DIR)]
    cases: PathBuf,
    /// Seconds one request may take before it counts as unanswered (hanging faults wait this).
    #[arg(long, default_value_t = 2.0, value_parser = parse_seconds)]
    timeout: f64,
    /// Seed of the generated cases added to the case files.
    #[arg(long, default_value_t = selftest::SEED)]
    seed: u64,
    /// Generated cases per mutation class (0: the case files only).
    #[arg(long, value_name = "N", default_value_t = selftest::EXAMPLES_PER_CLASS)]
    examples: usize,
}

#[derive(Args)]
struct RunArgs {
    /// Base URL of the endpoint under test, e.g. https://dli.example.com (default: start the
    /// reference mock on a free loopback port).
    #[arg(long)]
    target: Option<String>,
    /// The {project_id} path segment.
    #[arg(long, default_value = DEFAULT_PROJECT_ID)]
    project_id: String,
    /// Extra header for every request, 'Name: value' (repeatable); values are never printed.
    #[arg(long = "header", value_name = "'NAME: VALUE'", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// Seconds one request may take before it counts as unanswered.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT.as_secs_f64(), value_parser = parse_seconds)]
    timeout: f64,
    /// Write the run's results as one JSON document to this path.
    #[arg(long, value_name = "PATH")]
    report_json: Option<PathBuf>,
    /// Count warnings (SHOULD violations) as failures.
    #[arg(long)]
    strict: bool,
    /// Folder of case files.
    #[arg(long, default_value = case::SHIPPED_DIR)]
    cases: PathBuf,
    /// Trials (cases and generator classes) run at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    test_threads: Option<usize>,
    /// Generated bodies per generator class; 0 runs the hand-written cases only.
    #[arg(long, value_name = "N", default_value_t = 256)]
    examples: usize,
    /// Seed for the generated bodies (default: a random one, always printed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Generated requests of one class in flight at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Write each generator class's shrunk failure as a case file in this folder.
    #[arg(long, value_name = "DIR")]
    save_failures: Option<PathBuf>,
    /// Match FILTER exactly instead of as a substring.
    #[arg(long)]
    exact: bool,
    /// List the cases instead of running them.
    #[arg(long)]
    list: bool,
    /// One character per case instead of one line.
    #[arg(long, short)]
    quiet: bool,
    /// Run only cases whose id contains this.
    filter: Option<String>,
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| "expected 'Name: value'".to_owned())?;
    let name = name.trim();
    http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    Ok((name.to_owned(), value.trim().to_owned()))
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(seconds),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return usage_error(format!("cannot start the async runtime: {err}")),
    };
    match cli.command {
        Command::Run(args) => run(args, &runtime),
        Command::Mock(args) => runtime.block_on(serve_mock(args)),
        Command::Selftest(args) => run_selftest(args, &runtime),
    }
}

/// Prints a line to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn usage_error(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

async fn serve_mock(args: MockArgs) -> ExitCode {
    let listing = if args.list_faults {
        Some(deviation::listing(faults::FAULTS, "clause broken"))
    } else if args.list_variants {
        Some(deviation::listing(variants::VARIANTS, "clause allowing it"))
    } else {
        None
    };
    if let Some(listing) = listing {
        print!("{listing}");
        return ExitCode::SUCCESS;
    }
    let router = match deviation::chosen_router(args.fault.as_deref(), args.variant.as_deref()) {
        Ok(router) => router,
        Err(message) => return usage_error(message),
    };
    let listen = &args.listen;
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(err) => return usage_error(format!("cannot listen on {listen:?}: {err}")),
    };
    match listener.local_addr() {
        Ok(address) => say(&format!("http://{address}")),
        Err(err) => return usage_error(format!("cannot read the bound address: {err}")),
    }
    tokio::select! {
        served = axum::serve(listener, router) => match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => usage_error(format!("the mock stopped: {err}")),
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}

fn run_selftest(args: SelftestArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let cases = match selftest::cases(&args.cases, args.seed, args.examples) {
        Ok(cases) => cases,
        Err(err) => return usage_error(err.to_string()),
    };
    let config = RunConfig {
        timeout: Duration::from_secs_f64(args.timeout),
        ..RunConfig::default()
    };
    let scoreboard = runtime.block_on(selftest::run(Arc::new(cases), config));
    println!("{scoreboard}");
    if scoreboard.holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(args: RunArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let cases = match case::load_dir(&args.cases, &Fixtures::default()) {
        Ok(cases) => cases,
        Err(err) => return usage_error(err.to_string()),
    };
    let target: Arc<dyn Target> = match runtime.block_on(connect(&args)) {
        Ok(target) => target,
        Err(message) => return usage_error(message),
    };
    let config = RunConfig {
        project_id: args.project_id.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        strict: args.strict,
        headers: args.headers.clone(),
    };
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let seed = args.seed.unwrap_or_else(random_seed);
    let run = Run::new(target, runtime.handle().clone(), config);
    let mut trials = run.trials(cases);
    if args.examples > 0 {
        let mut generate = GenerateConfig::new(seed, args.examples);
        generate.concurrency = usize::from(args.concurrency);
        generate.save_failures = args.save_failures.clone();
        trials.extend(run.generated_trials("prop", &generate));
        if !args.list {
            say(&format!(
                "seed: {seed} (repeat this run's generated bodies with --seed {seed})"
            ));
        }
    }
    let mut test_args = libtest_mimic::Arguments {
        filter: args.filter.clone(),
        exact: args.exact,
        list: args.list,
        test_threads: args.test_threads,
        ..Default::default()
    };
    if args.quiet {
        test_args.format = Some(libtest_mimic::FormatSetting::Terse);
    }
    let _conclusion = libtest_mimic::run(&test_args, trials);
    if args.list {
        return ExitCode::SUCCESS;
    }
    let record = run.finish();
    if record.results.is_empty() {
        let filter = args.filter.as_deref().unwrap_or_default();
        return usage_error(format!(
            "no case or generator class matches {filter:?} (see `run --list`)"
        ));
    }
    for problem in report::setup_problems(&record) {
        eprintln!("setup problem: {problem}");
    }
    let choices = report::may_choices(&record);
    if !choices.is_empty() {
        say("choices on MAY clauses:");
        for choice in choices {
            say(&format!("  {choice}"));
        }
    }
    say(&report::summary_line(&record));
    if let Some(path) = &args.report_json {
        let document = report::json_report(&record, &started_at);
        let text = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
        if let Err(err) = std::fs::write(path, text + "\n") {
            return usage_error(format!("cannot write {}: {err}", path.display()));
        }
    }
    if record.count(Outcome::Setup) > 0 {
        ExitCode::from(2)
    } else if record.conforms() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A seed from the standard library's per-process random hasher keys.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// The target of `--target`, checked reachable, or the reference mock on a free loopback port.
async fn connect(args: &RunArgs) -> Result<Arc<dyn Target>, String> {
    let url = match &args.target {
        Some(url) => url.clone(),
        None => mock::spawn("127.0.0.1:0")
            .await
            .map_err(|err| format!("cannot start the reference mock: {err}"))?,
    };
    let target = HttpTarget::new(&url)?;
    let (host, port) = target
        .socket_address()
        .ok_or_else(|| format!("invalid target URL {url:?}: no host or port"))?;
    let probe = tokio::time::timeout(
        Duration::from_secs_f64(args.timeout),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    );
    match probe.await {
        Ok(Ok(_)) => Ok(Arc::new(target)),
        Ok(Err(err)) => Err(format!("target {url} is unreachable: {err}")),
        Err(_) => Err(format!(
            "target {url} is unreachable: no connection within {} s",
            args.timeout
        )),
    }
}
