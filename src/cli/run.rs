//! `dli-conformance run`: the suite against a target, with its reports.
//!
//! Loads the cases, connects to the target (or starts the embedded mock), makes the trials
//! (cases, then generator classes), sends the preflight (a setup problem ends the run there,
//! exit 2), lets libtest-mimic run them, and closes with the MAY
//! choices, setup problems, what did not run, the summary line and the exit code. Results
//! stream to the report files through the run's sink as they are judged.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::Args;
use dli_conformance::check::Outcome;
use dli_conformance::clause::Profile;
use dli_conformance::report::json::{JsonLinesReport, JsonReport};
use dli_conformance::report::{self, Reporter};
use dli_conformance::result::RunMeta;
use dli_conformance::runner::{
    preflight, GenerateConfig, Run, RunConfig, DEFAULT_MAX_IN_FLIGHT, DEFAULT_STOP_AFTER,
    DEFAULT_TIMEOUT,
};
use dli_conformance::sink::Sink;
use dli_conformance::target::{HttpTarget, Target, DEFAULT_PROJECT_ID};
use dli_conformance::{case, mock};

use super::{parse_seconds, say, usage_error};

/// Trials run at once unless told otherwise. A trial mostly waits for its answers, so this is
/// well above the number of cores: a target that leaves some requests unanswered then costs
/// one timeout for all of them, not one per core.
const DEFAULT_TEST_THREADS: u16 = 16;

/// Flags of `run`.
#[derive(Args)]
pub struct RunArgs {
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
    /// Stop sending after this many requests in a row got no answer (0: never stop).
    #[arg(long, value_name = "K", default_value_t = DEFAULT_STOP_AFTER)]
    stop_after: usize,
    /// The longest the whole run may take, e.g. 90s or 10m; what has not run by then is
    /// reported as not run.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    max_time: Option<Duration>,
    /// Write the run's results as one JSON document to this path (written as the run goes).
    #[arg(long, value_name = "PATH")]
    report_json: Option<PathBuf>,
    /// Write one JSON object per result, one per line, to this path.
    #[arg(long, value_name = "PATH")]
    report_jsonl: Option<PathBuf>,
    /// Count warnings (SHOULD violations) as failures.
    #[arg(long)]
    strict: bool,
    /// Folder of case files.
    #[arg(long, default_value = case::SHIPPED_DIR)]
    cases: PathBuf,
    /// Trials (cases and generator classes) run at once; they wait on the network, not the CPU.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TEST_THREADS, value_parser = clap::value_parser!(u16).range(1..))]
    test_threads: u16,
    /// Generated bodies per generator class; 0 runs the hand-written cases only.
    #[arg(long, value_name = "N", default_value_t = 256)]
    examples: usize,
    /// Seed for the generated bodies (default: a random one, always printed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Requests in flight at once across the whole run (a request's timeout starts when it is
    /// sent, not while it waits for its turn).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_IN_FLIGHT as u16, value_parser = clap::value_parser!(u16).range(1..))]
    max_in_flight: u16,
    /// Generated requests of one class in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
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

/// Runs the suite; exit 0 conformant, 1 a failure, 2 a setup problem or usage error.
pub fn run(args: RunArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let cases = match case::load_dir(&args.cases) {
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
        profile: Profile::Seed,
        stop_after: args.stop_after,
        max_time: args.max_time,
        max_in_flight: usize::from(args.max_in_flight),
    };
    let seed = args.seed.unwrap_or_else(random_seed);
    let meta = RunMeta {
        tool: format!("dli-conformance {}", env!("CARGO_PKG_VERSION")),
        target: target.base_url(),
        started_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        seed: (args.examples > 0).then_some(seed),
        profile: config.profile,
    };
    let sink = if args.list {
        Sink::new(target.base_url())
    } else {
        match sink_for(&args, &meta) {
            Ok(sink) => sink,
            Err(message) => return usage_error(message),
        }
    };
    let run = Run::new(target, runtime.handle().clone(), config, sink);
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
        test_threads: Some(usize::from(args.test_threads)),
        ..Default::default()
    };
    if args.quiet {
        test_args.format = Some(libtest_mimic::FormatSetting::Terse);
    }
    if !args.list {
        if let Some(filter) = args.filter.as_deref() {
            let matches = |name: &str| match args.exact {
                true => name == filter,
                false => name.contains(filter),
            };
            if !trials.iter().any(|trial| matches(trial.name())) {
                return usage_error(format!(
                    "no case or generator class matches {filter:?} (see `run --list`)"
                ));
            }
        }
        let tag = format!("{:08x}", random_seed() as u32);
        match runtime.block_on(preflight::preflight(run.executor(), &tag)) {
            Ok(ready) => say(&ready.to_string()),
            Err(blocked) => {
                say(&report::render_failure(
                    &blocked.result,
                    &run.executor().base_url(),
                ));
                let (_record, report_errors) = run.finish();
                for error in &report_errors {
                    eprintln!("error: {error}");
                }
                eprintln!("error: {}", blocked.reason);
                return ExitCode::from(2);
            }
        }
    }
    let _conclusion = libtest_mimic::run(&test_args, trials);
    if args.list {
        return ExitCode::SUCCESS;
    }
    let (record, report_errors) = run.finish();
    if record.tally.counts.total() == 0 {
        let filter = args.filter.as_deref().unwrap_or_default();
        return usage_error(format!(
            "no case or generator class matches {filter:?} (see `run --list`)"
        ));
    }
    for problem in report::setup_problems(&record.tally) {
        eprintln!("setup problem: {problem}");
    }
    if let Some(reason) = &record.stopped {
        eprintln!("run stopped: {reason}");
    }
    for reason in report::skip_reasons(&record.tally) {
        say(&format!("not run: {reason}"));
    }
    let choices = report::may_choices(&record.tally);
    if !choices.is_empty() {
        say("choices on MAY clauses:");
        for choice in choices {
            say(&format!("  {choice}"));
        }
    }
    say(&report::summary_line(&record));
    for error in &report_errors {
        eprintln!("error: {error}");
    }
    if !record.conforms() {
        ExitCode::FAILURE
    } else if record.count(Outcome::Setup) > 0
        || record.stopped.is_some()
        || !report_errors.is_empty()
    {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// The run's sink, with a streaming report for each report flag.
fn sink_for(args: &RunArgs, meta: &RunMeta) -> Result<Sink, String> {
    let mut sink = Sink::new(meta.target.clone());
    let cannot =
        |path: &PathBuf, err: std::io::Error| format!("cannot write {}: {err}", path.display());
    if let Some(path) = &args.report_json {
        let report = JsonReport::create(path, meta).map_err(|err| cannot(path, err))?;
        sink.add_reporter(
            path.display().to_string(),
            Box::new(report) as Box<dyn Reporter>,
        );
    }
    if let Some(path) = &args.report_jsonl {
        let report = JsonLinesReport::create(path).map_err(|err| cannot(path, err))?;
        sink.add_reporter(path.display().to_string(), Box::new(report));
    }
    Ok(sink)
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
