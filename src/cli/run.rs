//! `dli-conformance run`: the suite against a target, with its reports.
//!
//! Loads the cases and fits them to the run (profile, fixtures), checks that a run against a
//! remote host has its fixtures, splits off the cases over the create budget, connects to the
//! target (or starts the embedded mock) and builds its stack (HTTP, AK/SK signing when
//! `HUAWEICLOUD_SDK_AK`/`_SK` are set, the pace, the budget, the ledger), makes the trials
//! (cases, then generator classes), lets libtest-mimic run them, closes with the MAY choices,
//! setup problems, what did not run and the summary line, then deletes what the run created and
//! ends with a line saying how many connections it created, deleted and left. SIGINT or SIGTERM
//! stops the sending and goes straight to the cleanup; a second one gives the cleanup up (the
//! ledger keeps what is left for `dli-conformance cleanup`). `--dry-run` prints the plan and
//! sends nothing.
//!
//! Before the trials, the preflight (`runner::preflight`) sends one valid and one invalid body;
//! a setup problem there ends the run at once with exit 2 and one line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::Args;
use dli_conformance::case::Case;
use dli_conformance::check::Outcome;
use dli_conformance::fixtures::Fixtures;
use dli_conformance::generate::CLASSES;
use dli_conformance::report::json::{JsonLinesReport, JsonReport};
use dli_conformance::report::style::Paint;
use dli_conformance::report::{self, Reporter};
use dli_conformance::result::RunMeta;
use dli_conformance::runner::budget::{self, Budget, Plan, DEFAULT_REMOTE_MAX_CREATES};
use dli_conformance::runner::cleanup::Cleanup;
use dli_conformance::runner::fit::Fit;
use dli_conformance::runner::ledger::Ledger;
use dli_conformance::runner::pace::{Backoff, Pace};
use dli_conformance::runner::{
    preflight, GenerateConfig, Guards, Run, RunConfig, Stop, DEFAULT_CONCURRENCY,
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_STOP_AFTER, DEFAULT_TIMEOUT,
};
use dli_conformance::shipped::{self, CaseRoot};
use dli_conformance::sink::Sink;
use dli_conformance::spec::clause::Profile;
use dli_conformance::transport::sign::{self, Credentials, Signed};
use dli_conformance::transport::{self, HttpTarget, Target, DEFAULT_PROJECT_ID};
use dli_conformance::{case, corpus, generate, mock};

use super::gate::{self, GateArgs};
use super::progress::{self, Progress};
use super::{parse_seconds, random_token, say, usage_error, Signals};

/// Trials run at once unless told otherwise. A trial mostly waits for its answers, so this is
/// well above the number of cores: a target that leaves some requests unanswered then costs
/// one timeout for all of them, not one per core.
const DEFAULT_TEST_THREADS: u16 = 16;

/// Flags of `run`.
#[derive(Args)]
pub struct RunArgs {
    /// Base URL of the endpoint under test, e.g. https://dli.cn-north-4.myhuaweicloud.com
    /// (default: start the reference mock on a free loopback port).
    #[arg(long, value_parser = super::parse_target)]
    target: Option<String>,
    /// A CA certificate (PEM, one or a bundle) an https:// target's certificate may be signed
    /// by, besides the system's trust store (SSL_CERT_FILE, SSL_CERT_DIR) and the public roots
    /// (repeatable).
    #[arg(long = "ca-cert", value_name = "PATH")]
    ca_certs: Vec<PathBuf>,
    /// The {project_id} path segment.
    #[arg(long, env = sign::PROJECT_ID_VAR, default_value = DEFAULT_PROJECT_ID)]
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
    /// Judge by this profile: `seed` (the page the suite was written from) or `current` (adds
    /// the newer page's rules: names of 1-64 [A-Za-z0-9_-], tag lengths, at most 20 tags).
    #[arg(long, default_value = "seed", value_name = "PROFILE")]
    profile: Profile,
    /// The security group id every body expected to be accepted carries (needed against a
    /// remote host: the cloud only accepts VPC objects the project has).
    #[arg(long, value_name = "ID", requires = "network_id")]
    security_group_id: Option<String>,
    /// The subnet (network) id every body expected to be accepted carries.
    #[arg(long, value_name = "ID", requires = "security_group_id")]
    network_id: Option<String>,
    /// The run id generated names end with (1-12 of A-Z a-z 0-9 _ -; default: random, printed).
    #[arg(long, value_name = "ID")]
    run_id: Option<String>,
    /// The most requests a conformant server would answer 201 (accept and either cases, valid
    /// generated bodies), or `unlimited`; the rest are reported as not run. Default: unlimited
    /// against the embedded mock and loopback hosts, 50 against any other host.
    #[arg(long, value_name = "N|unlimited", value_parser = parse_max_creates)]
    max_creates: Option<MaxCreates>,
    /// Print what the run would send (requests and possible creates per case file and generator
    /// class, what fits the budget) and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// At most this many requests per second, for the whole run and its cleanup (e.g. 15 or
    /// 0.5). Answers 429 are always retried with back-off.
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    rate: Option<f64>,
    /// Retries of a request answered 429 (waiting 0.5 s, doubling up to 8 s, with jitter)
    /// before the run counts as throttled for good and stops.
    #[arg(long, value_name = "N", default_value_t = Backoff::default().retries)]
    max_retries: u32,
    /// The cleanup ledger (JSON lines, appended): every connection the run creates, and its
    /// deletion. Default: `dli-conformance-<run id>.ledger.jsonl` in the current directory
    /// against a remote host; kept in memory only against loopback hosts; against the embedded
    /// mock creates are only counted (its connections end with the run).
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// Leave the connections the run created (no cleanup; the ledger still lists them).
    #[arg(long)]
    keep: bool,
    /// How long the cleanup waits for a connection still CREATING before leaving it.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10m")]
    cleanup_wait: Duration,
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
    /// Trials (cases and generator classes) run at once; they wait on the network, not the CPU.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TEST_THREADS, value_parser = clap::value_parser!(u16).range(1..))]
    test_threads: u16,
    /// Generated bodies per generator class; 0 runs the hand-written cases only.
    #[arg(long, value_name = "N", default_value_t = generate::DEFAULT_EXAMPLES)]
    examples: usize,
    /// Seed for the generated bodies (default: a random one, always printed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Requests in flight at once across the whole run (a request's timeout starts when it is
    /// sent, not while it waits for its turn).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_IN_FLIGHT as u16, value_parser = clap::value_parser!(u16).range(1..))]
    max_in_flight: u16,
    /// Generated requests of one class in flight at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Write each generator class's shrunk failure as a case file in this folder.
    #[arg(long, value_name = "DIR")]
    save_failures: Option<PathBuf>,
    /// Match FILTER exactly instead of as a substring.
    #[arg(long)]
    exact: bool,
    /// Leave out cases whose id contains this (matched exactly with --exact); repeatable. For
    /// what the environment refuses, e.g. bodies over a gateway's size limit (413).
    #[arg(long, value_name = "PATTERN")]
    skip: Vec<String>,
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

/// `--max-creates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MaxCreates {
    Limit(u64),
    Unlimited,
}

fn parse_max_creates(text: &str) -> Result<MaxCreates, String> {
    if text == "unlimited" {
        return Ok(MaxCreates::Unlimited);
    }
    text.parse::<u64>()
        .map(MaxCreates::Limit)
        .map_err(|_| format!("{text:?} is neither a number nor `unlimited`"))
}

pub(super) fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= 1e6 => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a positive number of requests per second"
        )),
    }
}

pub(super) fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| "expected 'Name: value'".to_owned())?;
    let name = name.trim();
    http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// What the run was set up with, before anything is sent.
struct Setup {
    credentials: Option<Credentials>,
    run_id: String,
    /// What the case files' `{run}`, `{security_group_id}` and `{network_id}` stand for.
    fixtures: Fixtures,
    fit: Fit,
    /// The create budget, `None` for unlimited.
    limit: Option<u64>,
    /// The target is a host other than loopback (the real cloud, a staging gateway).
    remote: bool,
}

/// Reads the environment and checks the flags against each other; the error is a usage error.
fn set_up(args: &RunArgs) -> Result<Setup, String> {
    let credentials = Credentials::from_env()?;
    if credentials.is_some()
        && args
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
    {
        return Err(format!(
            "{} and {} are set, so the run signs every request: drop --header 'Authorization: ...'",
            sign::AK_VAR,
            sign::SK_VAR
        ));
    }
    let run_id = args.run_id.clone().unwrap_or_else(|| random_token(6));
    let mut fixtures = Fixtures::with_run(&run_id).map_err(|why| format!("--run-id: {why}"))?;
    let vpc = match (&args.security_group_id, &args.network_id) {
        (Some(group), Some(network)) if !group.is_empty() && !network.is_empty() => {
            Some((group.clone(), network.clone()))
        }
        (Some(_), Some(_)) => {
            return Err("--security-group-id and --network-id must not be empty".into())
        }
        _ => None,
    };
    let remote = args
        .target
        .as_deref()
        .is_some_and(|url| !transport::is_loopback(url));
    let limit = match args.max_creates {
        Some(MaxCreates::Limit(limit)) => Some(limit),
        Some(MaxCreates::Unlimited) => None,
        None if remote => Some(DEFAULT_REMOTE_MAX_CREATES),
        None => None,
    };
    if let Some((group, network)) = &vpc {
        fixtures.security_group_id = group.clone();
        fixtures.network_id = network.clone();
    }
    Ok(Setup {
        credentials,
        fixtures,
        fit: Fit {
            profile: args.profile,
            vpc,
            run_id: Some(run_id.clone()),
        },
        run_id,
        limit,
        remote,
    })
}

/// Runs the suite; exit 0 conformant, 1 a failure, 2 a setup problem or usage error.
pub fn run(args: RunArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let mut setup = match set_up(&args) {
        Ok(setup) => setup,
        Err(message) => return usage_error(message),
    };
    let root = args.cases.clone().map_or(CaseRoot::Shipped, CaseRoot::Dir);
    let mut cases = match case::load(&root, &setup.fixtures) {
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
    let cases: Vec<Case> = cases.into_iter().map(|case| setup.fit.case(case)).collect();
    let baseline = match args.gate.load_baseline() {
        Ok(baseline) => baseline,
        Err(message) => return usage_error(message),
    };
    let target_url = args.target.as_deref().unwrap_or("the embedded mock");
    let no_fixtures = format!(
        "{target_url} is not a loopback host: give --security-group-id and --network-id of a security group and a subnet that exist in project {} (bodies the suite expects to be accepted must name them, or the cloud rejects them)",
        args.project_id
    );
    if args.dry_run {
        if setup.remote && setup.fit.vpc.is_none() {
            eprintln!("note: {no_fixtures}");
        }
        return dry_run(&args, &setup, cases);
    }
    if setup.remote && setup.fit.vpc.is_none() && !args.list {
        return usage_error(no_fixtures);
    }
    let credentials = setup.credentials.take();
    let target: Arc<dyn Target> = match runtime.block_on(connect(&args, credentials)) {
        Ok(target) => target,
        Err(message) => return usage_error(message),
    };
    let config = RunConfig {
        project_id: args.project_id.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        strict: args.strict,
        headers: args.headers.clone(),
        profile: args.profile,
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
        spec: shipped::spec_revision(),
        partition: args.gate.partition_name(),
    };
    let profile = config.profile;
    if args.list {
        let run = Run::new(
            target,
            runtime.handle().clone(),
            config,
            Sink::new(meta.target),
        );
        let mut trials = run.trials(cases);
        if args.examples > 0 {
            trials.extend(run.generated_trials("prop", &GenerateConfig::new(seed, 1)));
        }
        let _ = libtest_mimic::run(&test_args(&args), trials);
        return ExitCode::SUCCESS;
    }
    let sink = match sink_for(&args, &meta) {
        Ok(sink) => sink,
        Err(message) => return usage_error(message),
    };
    let (within, over, reserved) = budget::split(cases, setup.limit, |id| selected(&args, id));
    let ledger_path = args.ledger.clone().or_else(|| {
        setup
            .remote
            .then(|| PathBuf::from(format!("dli-conformance-{}.ledger.jsonl", setup.run_id)))
    });
    let ledger = match (&args.target, &ledger_path) {
        (None, None) => Arc::new(Ledger::counting(&meta.target, &args.project_id)),
        _ => match Ledger::open(
            ledger_path.as_deref(),
            &meta.target,
            &args.project_id,
            Some(&setup.run_id),
        ) {
            Ok(ledger) => Arc::new(ledger),
            Err(message) => return usage_error(message),
        },
    };
    let backoff = Backoff {
        retries: args.max_retries,
        ..Backoff::default()
    };
    let pace = match Pace::new(args.rate, backoff) {
        Ok(pace) => Arc::new(pace),
        Err(message) => return usage_error(message),
    };
    let guards = Guards {
        pace: Arc::clone(&pace),
        budget: setup
            .limit
            .map(|limit| Arc::new(Budget::new(limit, reserved))),
        ledger: Some(Arc::clone(&ledger)),
    };
    let mut run = Run::guarded(
        Arc::clone(&target),
        runtime.handle().clone(),
        config,
        sink,
        guards,
    );
    if let Some(baseline) = baseline {
        run = run.with_baseline(baseline);
    }
    say(&format!(
        "run id: {} (the names of the connections this run creates end in -{}){}",
        setup.run_id,
        setup.run_id,
        ledger
            .path()
            .map(|path| format!("; ledger: {}", path.display()))
            .unwrap_or_default()
    ));
    let cleanup_stop = Arc::new(Stop::new(0, None));
    watch_signals(runtime, &run, &cleanup_stop, args.keep);
    let mut trials = run.trials(within);
    if let Some(limit) = setup.limit {
        trials.extend(run.skipped_trials(over, &budget::over_budget(limit)));
    }
    if args.examples > 0 {
        let mut generate = GenerateConfig::new(seed, args.examples);
        generate.concurrency = usize::from(args.concurrency);
        generate.save_failures = args.save_failures.clone();
        generate.fit = setup.fit.clone();
        generate.partition = args.gate.partition;
        trials.extend(run.generated_trials("prop", &generate));
        say(&format!(
            "seed: {seed} (repeat this run's generated bodies with --seed {seed} --run-id {})",
            setup.run_id
        ));
    }
    let mut test_args = test_args(&args);
    let narrowed = args.filter.is_some() || !args.skip.is_empty();
    if narrowed && !trials.iter().any(|trial| selected(&args, trial.name())) {
        return nothing_selected(&args);
    }
    match runtime.block_on(preflight::preflight(run.executor(), &setup.run_id)) {
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
    let paint = Paint::for_stdout();
    let progress = progress::wanted()
        .then(|| {
            let expected = expected_requests(&args, &trials);
            Progress::start(Arc::clone(&run), expected, &mut test_args, paint)
        })
        .flatten();
    let _conclusion = libtest_mimic::run(&test_args, trials);
    if let Some(progress) = progress {
        progress.finish();
    }
    let (record, report_errors) = run.finish();
    if record.tally.counts.total() == 0 {
        return nothing_selected(&args);
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
    if pace.throttled() > 0 {
        say(&format!(
            "throttled: {} answers 429 ({} retried after back-off); not conformance results",
            pace.throttled(),
            pace.retries()
        ));
    }
    if let Some(line) = record.concurrency.as_ref().and_then(|c| c.summary()) {
        say(&line);
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
    let left = finish_connections(&args, &setup, runtime, &run, &ledger, &cleanup_stop);
    if !record.conforms() {
        ExitCode::FAILURE
    } else if record.count(Outcome::Setup) > 0
        || record.stopped.is_some()
        || !report_errors.is_empty()
        || left > 0
    {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// About how many requests the trials that pass the filter send (for the progress bar): one
/// per case, this shard's examples per generator class.
fn expected_requests(args: &RunArgs, trials: &[libtest_mimic::Trial]) -> u64 {
    trials
        .iter()
        .filter(|trial| selected(args, trial.name()))
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

/// The usage error of a filter (and `--skip`) that leaves nothing to run.
fn nothing_selected(args: &RunArgs) -> ExitCode {
    let filter = args.filter.as_deref().unwrap_or_default();
    let skipped = match args.skip.as_slice() {
        [] => String::new(),
        skip => format!(" without {skip:?}"),
    };
    usage_error(format!(
        "no case or generator class matches {filter:?}{skipped} (see `run --list`)"
    ))
}

/// Whether libtest-mimic runs the trial `name` under the run's filter and `--skip`.
fn selected(args: &RunArgs, name: &str) -> bool {
    let matches = |pattern: &String| {
        if args.exact {
            name == pattern
        } else {
            name.contains(pattern.as_str())
        }
    };
    args.filter.as_ref().is_none_or(matches) && !args.skip.iter().any(matches)
}

fn test_args(args: &RunArgs) -> libtest_mimic::Arguments {
    let mut test_args = libtest_mimic::Arguments {
        filter: args.filter.clone(),
        skip: args.skip.clone(),
        exact: args.exact,
        list: args.list,
        test_threads: Some(usize::from(args.test_threads)),
        ..Default::default()
    };
    if args.quiet {
        test_args.format = Some(libtest_mimic::FormatSetting::Terse);
    }
    test_args
}

/// The first SIGINT or SIGTERM stops the run's sending (the cleanup still runs); the second
/// gives the cleanup up.
fn watch_signals(
    runtime: &tokio::runtime::Runtime,
    run: &Arc<Run>,
    cleanup_stop: &Arc<Stop>,
    keep: bool,
) {
    let mut signals = {
        let _entered = runtime.enter();
        Signals::new()
    };
    let run = Arc::clone(run);
    let cleanup_stop = Arc::clone(cleanup_stop);
    runtime.spawn(async move {
        let first = signals.next().await;
        let then = if keep {
            "the connections it made stay (--keep)"
        } else {
            "deleting the connections it made; again to leave them to `dli-conformance cleanup`"
        };
        eprintln!("{first}: the run sends no new requests; {then}");
        run.executor()
            .stop()
            .stop(format!("interrupted by {first}"));
        let second = signals.next().await;
        eprintln!("{second}: giving the cleanup up; the ledger lists what is left");
        cleanup_stop.stop(format!("interrupted by {second}"));
    });
}

/// Deletes what the run created (unless `--keep`) and prints the run's last line; gives how
/// many connections are left behind against the run's will.
fn finish_connections(
    args: &RunArgs,
    setup: &Setup,
    runtime: &tokio::runtime::Runtime,
    run: &Run,
    ledger: &Ledger,
    cleanup_stop: &Stop,
) -> usize {
    let executor = run.executor();
    let created = ledger.created_count();
    let unidentified = ledger.unidentified();
    let unknown = if unidentified > 0 {
        format!(
            ", {unidentified} created without a connection_id (not deletable by id; their names end in -{})",
            setup.run_id
        )
    } else {
        String::new()
    };
    let where_listed = ledger
        .path()
        .map(|path| format!(" (ledger {})", path.display()))
        .unwrap_or_default();
    if !ledger.keeps() {
        say(&format!(
            "connections: {created} created in the embedded mock, gone with it (nothing to clean up)"
        ));
        return 0;
    }
    if args.keep {
        say(&format!(
            "connections: {created} created, kept (--keep): {} live{where_listed}{unknown}",
            ledger.live().len()
        ));
        return 0;
    }
    let cleanup = Cleanup {
        target: executor.target().as_ref(),
        pace: &executor.guards().pace,
        stop: cleanup_stop,
        timeout: Duration::from_secs_f64(args.timeout),
        patience: args.cleanup_wait,
    };
    let swept = runtime.block_on(cleanup.sweep(ledger, &executor.base_url()));
    for (live, why) in swept.left.iter().take(20) {
        eprintln!("left: connection {} (case {}): {why}", live.id, live.case);
    }
    if swept.left.len() > 20 {
        eprintln!("left: ... and {} more", swept.left.len() - 20);
    }
    let left = swept.left.len();
    let recover = match (left > 0, ledger.path()) {
        (true, Some(path)) => format!(
            "; finish with: dli-conformance cleanup --ledger {} --target {} --project-id {}",
            shell_word(path),
            executor.base_url(),
            args.project_id
        ),
        _ => String::new(),
    };
    let found = if swept.found_by_name > 0 {
        format!(
            " ({} of them not in the ledger: creates whose answer was lost, found by the run id)",
            swept.found_by_name
        )
    } else {
        String::new()
    };
    say(&format!(
        "connections: {created} created, {} deleted{found}, {left} left{where_listed}{unknown}{recover}",
        swept.deleted
    ));
    left + usize::try_from(unidentified).unwrap_or(usize::MAX)
}

fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `--dry-run`: the plan, nothing sent.
fn dry_run(args: &RunArgs, setup: &Setup, cases: Vec<Case>) -> ExitCode {
    let selected_cases: Vec<Case> = cases
        .into_iter()
        .filter(|case| selected(args, &case.id))
        .collect();
    let (within, over, _) = budget::split(selected_cases, setup.limit, |_| true);
    let seed = args.seed.unwrap_or_else(random_seed);
    let generated: Vec<(String, Vec<Case>)> = if args.examples > 0 {
        CLASSES
            .iter()
            .filter(|class| selected(args, &format!("prop/{}", class.name)))
            .map(|class| {
                let cases = class
                    .sample(seed, args.examples)
                    .into_iter()
                    .map(|case| setup.fit.case(case))
                    .collect();
                (class.name.to_owned(), cases)
            })
            .collect()
    } else {
        Vec::new()
    };
    let plan = Plan::new(&within, &over, &generated, setup.limit);
    let target = args.target.as_deref().unwrap_or("the embedded mock");
    say(&format!(
        "dry run against {target}, project {}, profile {}, run id {}{}: nothing is sent",
        args.project_id,
        args.profile,
        setup.run_id,
        if args.examples > 0 {
            format!(", seed {seed}")
        } else {
            String::new()
        }
    ));
    say(&plan.to_string());
    let rate = match args.rate {
        Some(rate) => format!(
            "at --rate {rate}: about {:.0} s of sending, plus the cleanup (a DELETE and a show per connection)",
            plan.requests() as f64 / rate
        ),
        None => "no --rate: as fast as the target answers".into(),
    };
    say(&rate);
    ExitCode::SUCCESS
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

/// The target of `--target`, checked reachable, or the reference mock (under the run's
/// profile) on a free loopback port; signed when the run has credentials.
async fn connect(
    args: &RunArgs,
    credentials: Option<Credentials>,
) -> Result<Arc<dyn Target>, String> {
    let url = match &args.target {
        Some(url) => url.clone(),
        None => {
            let config = mock::MockConfig {
                profile: args.profile,
                ..mock::MockConfig::default()
            };
            mock::spawn_router("127.0.0.1:0", mock::router_with(config)?)
                .await
                .map_err(|err| format!("cannot start the reference mock: {err}"))?
        }
    };
    let target = HttpTarget::trusting(&url, &args.ca_certs)?;
    let (host, port) = target
        .socket_address()
        .ok_or_else(|| format!("invalid target URL {url:?}: no host or port"))?;
    let probe = tokio::time::timeout(
        Duration::from_secs_f64(args.timeout),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    );
    match probe.await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => return Err(format!("target {url} is unreachable: {err}")),
        Err(_) => {
            return Err(format!(
                "target {url} is unreachable: no connection within {} s",
                args.timeout
            ))
        }
    }
    let target: Arc<dyn Target> = Arc::new(target);
    Ok(match credentials {
        Some(credentials) => Arc::new(Signed::new(target, credentials)?),
        None => target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_creates_takes_a_number_or_unlimited() {
        assert_eq!(parse_max_creates("60"), Ok(MaxCreates::Limit(60)));
        assert_eq!(parse_max_creates("unlimited"), Ok(MaxCreates::Unlimited));
        assert!(parse_max_creates("lots").is_err());
        assert!(parse_rate("0").is_err());
        assert_eq!(parse_rate("2.5"), Ok(2.5));
    }
}
