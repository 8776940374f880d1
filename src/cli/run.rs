//! `dli-conformance run`: the suite against a target, with its reports.
//!
//! Loads the cases, connects to the target (or starts the embedded mock), makes the trials
//! (cases, then generator classes), lets libtest-mimic run them, and closes with the MAY
//! choices, setup problems, what did not run, the summary line and the exit code. Results
//! stream to the report files through the run's sink as they are judged.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::Args;
use dli_conformance::check::Outcome;
use dli_conformance::clause::Profile;
use dli_conformance::fixtures::Fixtures;
use dli_conformance::report::json::{JsonLinesReport, JsonReport};
use dli_conformance::report::style::Paint;
use dli_conformance::report::{self, Reporter};
use dli_conformance::result::RunMeta;
use dli_conformance::runner::{
    GenerateConfig, Run, RunConfig, DEFAULT_CONCURRENCY, DEFAULT_STOP_AFTER, DEFAULT_TIMEOUT,
};
use dli_conformance::shipped::{self, CaseRoot};
use dli_conformance::sink::Sink;
use dli_conformance::target::{HttpTarget, Target, DEFAULT_PROJECT_ID};
use dli_conformance::{case, corpus, generate, mock};

use super::gate::{self, GateArgs};
use super::progress::{self, Progress};
use super::{parse_seconds, say, usage_error};

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
    /// Folder of case files, replacing the cases shipped in the binary.
    #[arg(long, value_name = "DIR")]
    cases: Option<PathBuf>,
    /// Trials (cases and generator classes) run at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    test_threads: Option<usize>,
    /// Generated bodies per generator class; 0 runs the hand-written cases only.
    #[arg(long, value_name = "N", default_value_t = generate::DEFAULT_EXAMPLES)]
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
    #[command(flatten)]
    gate: GateArgs,
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
    let root = args.cases.clone().map_or(CaseRoot::Shipped, CaseRoot::Dir);
    let mut cases = match case::load(&root, &Fixtures::default()) {
        Ok(cases) => cases,
        Err(err) => return usage_error(err.to_string()),
    };
    match corpus::load(&root) {
        Ok(corpus_cases) => cases.extend(corpus_cases),
        Err(err) => return usage_error(err.to_string()),
    }
    if let Some(partition) = &args.gate.partition {
        cases = partition.select(cases);
    }
    let baseline = match args.gate.load_baseline() {
        Ok(baseline) => baseline,
        Err(message) => return usage_error(message),
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
    };
    let seed = args.seed.unwrap_or_else(random_seed);
    let meta = RunMeta {
        tool: format!("dli-conformance {}", env!("CARGO_PKG_VERSION")),
        target: target.base_url(),
        started_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        seed: (args.examples > 0).then_some(seed),
        profile: config.profile,
        spec: shipped::spec_revision(),
        partition: args.gate.partition_name(),
    };
    let sink = if args.list {
        Sink::new(target.base_url())
    } else {
        match sink_for(&args, &meta) {
            Ok(sink) => sink,
            Err(message) => return usage_error(message),
        }
    };
    let profile = config.profile;
    let mut run = Run::new(target, runtime.handle().clone(), config, sink);
    if let Some(baseline) = baseline {
        run = run.with_baseline(baseline);
    }
    let mut trials = run.trials(cases);
    if args.examples > 0 {
        let mut generate = GenerateConfig::new(seed, args.examples);
        generate.concurrency = usize::from(args.concurrency);
        generate.save_failures = args.save_failures.clone();
        generate.partition = args.gate.partition;
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
    let paint = Paint::for_stdout();
    let progress = (!args.list && progress::wanted())
        .then(|| {
            let expected = expected_requests(&args, &trials);
            Progress::start(Arc::clone(&run), expected, &mut test_args, paint)
        })
        .flatten();
    let _conclusion = libtest_mimic::run(&test_args, trials);
    if let Some(progress) = progress {
        progress.finish();
    }
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
    gate::print_end_of_run(&record, profile, paint);
    let choices = report::may_choices(&record.tally);
    if !choices.is_empty() {
        say("choices on MAY clauses:");
        for choice in choices {
            say(&format!("  {choice}"));
        }
    }
    for error in &report_errors {
        eprintln!("error: {error}");
    }
    if let (Some(path), true) = (args.gate.written_baseline(), report_errors.is_empty()) {
        say(&format!(
            "baseline written to {} (review each entry)",
            path.display()
        ));
    }
    let summary = report::summary_line(&record);
    say(&if record.conforms() {
        paint.green(&summary)
    } else {
        paint.red(&summary)
    });
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

/// About how many requests the trials that pass the filter send (for the progress bar): one
/// per case, this shard's examples per generator class.
fn expected_requests(args: &RunArgs, trials: &[libtest_mimic::Trial]) -> u64 {
    let selected = |name: &str| match &args.filter {
        None => true,
        Some(filter) if args.exact => name == filter,
        Some(filter) => name.contains(filter.as_str()),
    };
    trials
        .iter()
        .filter(|trial| selected(trial.name()))
        .map(|trial| match trial.name().strip_prefix("prop/") {
            Some(class) => (0..args.examples)
                .filter(|&index| {
                    args.gate
                        .partition
                        .is_none_or(|partition| partition.keeps_example(class, index))
                })
                .count() as u64,
            None => 1,
        })
        .sum()
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
    args.gate.add_reporters(meta, &mut sink)?;
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
