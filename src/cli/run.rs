//! `dli-conformance run`: the suite against a target, with its reports.
//!
//! Maps the flags to a [`Suite`] (`setup`: the flags checked against each other, the target,
//! the guards, the sink), which loads the cases and fits them to the run (profile, fixtures);
//! splits off the cases over the create budget, makes the trials (cases, the budget's skipped
//! ones, then generator classes) and lets libtest-mimic run them; prints the end of the run
//! (`report::console`), then deletes what the run created and ends with a line saying how many
//! connections it created, deleted and left (`connections`). SIGINT or SIGTERM stops the sending
//! and goes straight to the cleanup; a second one gives the cleanup up (the ledger keeps what is
//! left for `dli-conformance cleanup`). `--dry-run` prints the plan and sends nothing (`plan`).
//! The exit code is the run's status through `cli::exit_code`.
//!
//! Before the trials, the preflight (`runner::preflight`) sends one valid and one invalid body;
//! a setup problem there ends the run at once with exit 2 and one line.

mod connections;
mod plan;
mod setup;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::Args;
use dli_conformance::generate;
use dli_conformance::report;
use dli_conformance::report::console::{self, Aftermath};
use dli_conformance::report::json::Bodies;
use dli_conformance::report::style::Paint;
use dli_conformance::result::RunMeta;
use dli_conformance::runner::budget;
use dli_conformance::runner::pace::Backoff;
use dli_conformance::runner::{
    preflight, Stop, DEFAULT_CONCURRENCY, DEFAULT_MAX_IN_FLIGHT, DEFAULT_STOP_AFTER,
    DEFAULT_TIMEOUT,
};
use dli_conformance::shipped::{self, CaseRoot};
use dli_conformance::spec::clause::Profile;
use dli_conformance::transport::sign;
use dli_conformance::transport::{Target, DEFAULT_PROJECT_ID};
use dli_conformance::Suite;

use self::plan::{selected, test_args};
use self::setup::{random_seed, set_up};
use super::gate::GateArgs;
use super::parity::ParityArgs;
use super::progress::{self, Progress};
use super::{exit_code, parse_header, parse_rate, parse_seconds, print, say, usage_error};

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
    /// After SIGINT or SIGTERM, how long the cleanup may go on (from the signal) before the
    /// run leaves the rest to `dli-conformance cleanup` and exits.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10s")]
    cleanup_grace: Duration,
    /// Write the run's results as one JSON document to this path (written as the run goes).
    #[arg(long, value_name = "PATH")]
    report_json: Option<PathBuf>,
    /// Write one JSON object per result, one per line, to this path.
    #[arg(long, value_name = "PATH")]
    report_jsonl: Option<PathBuf>,
    /// Which results keep their request and answer bodies in the JSON reports: `failures`
    /// (failures, warnings, setup problems, MAY choices, known deviations) or `all`.
    #[arg(long, value_name = "WHICH", default_value = "failures")]
    report_bodies: Bodies,
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
    #[command(flatten)]
    parity: ParityArgs,
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

/// Runs the suite; the exit code follows the run's status (`cli::exit_code`), or is 2 for a
/// usage error.
pub fn run(mut args: RunArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let recording = match args.parity.load(&mut args.seed, &mut args.run_id) {
        Ok(recording) => recording,
        Err(message) => return usage_error(message),
    };
    let mut setup = match set_up(&args) {
        Ok(setup) => setup,
        Err(message) => return usage_error(message),
    };
    let seed = args.seed.unwrap_or_else(random_seed);
    let suite = Suite::default()
        .config(setup::run_config(&args))
        .cases_from(args.cases.clone().map_or(CaseRoot::Shipped, CaseRoot::Dir))
        .fixtures(setup.fixtures.clone())
        .fit(setup.fit.clone())
        .partition(args.gate.partition)
        .generate(setup::generate_config(&args, seed));
    let cases = match suite.load() {
        Ok(cases) => cases,
        Err(err) => return usage_error(err.to_string()),
    };
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
        return plan::dry_run(&args, &setup, cases, seed);
    }
    if setup.remote && setup.fit.vpc.is_none() && !args.list {
        return usage_error(no_fixtures);
    }
    let credentials = setup.credentials.take();
    let target: Arc<dyn Target> = match runtime.block_on(setup::connect(&args, credentials)) {
        Ok(target) => target,
        Err(message) => return usage_error(message),
    };
    let suite = suite.target(Arc::clone(&target));
    let meta = RunMeta {
        tool: format!("dli-conformance {}", env!("CARGO_PKG_VERSION")),
        target: target.base_url(),
        started_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        seed: (args.examples > 0).then_some(seed),
        profile: args.profile,
        spec: shipped::spec_revision(),
        partition: args.gate.partition_name(),
    };
    if args.list {
        let mut suite = suite;
        let run = suite.start(runtime.handle().clone());
        let mut trials = run.trials(cases);
        trials.extend(suite.generated_trials(&run));
        let _ = libtest_mimic::run(&test_args(&args), trials);
        return ExitCode::SUCCESS;
    }
    let mut sink = match setup::sink_for(&args, &meta) {
        Ok(sink) => sink,
        Err(message) => return usage_error(message),
    };
    let recorder = args
        .parity
        .add_recorder(&meta, &setup.run_id, seed, args.examples, &mut sink);
    if let Err(message) = recorder {
        return usage_error(message);
    }
    let parity = match recording {
        Some(recording) => match args.parity.parity(recording, &setup.run_id) {
            Ok(parity) => Some(parity),
            Err(message) => return usage_error(message),
        },
        None => None,
    };
    let (within, over, reserved) = budget::split(cases, setup.limit, |id| selected(&args, id));
    let (ledger, pace, guards) = match setup::guards(&args, &setup, &meta, reserved) {
        Ok(guards) => guards,
        Err(message) => return usage_error(message),
    };
    let mut suite = suite
        .guards(guards)
        .baseline(baseline)
        .parity(parity)
        .sink(sink);
    let run = suite.start(runtime.handle().clone());
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
    connections::watch_signals(runtime, &run, &cleanup_stop, &args, ledger.path());
    let mut trials = run.trials(within);
    if let Some(limit) = setup.limit {
        trials.extend(run.skipped_trials(over, &budget::over_budget(limit)));
    }
    trials.extend(suite.generated_trials(&run));
    if args.examples > 0 {
        say(&format!(
            "seed: {seed} (repeat this run's generated bodies with --seed {seed} --run-id {})",
            setup.run_id
        ));
    }
    let mut test_args = test_args(&args);
    let narrowed = args.filter.is_some() || !args.skip.is_empty();
    if narrowed && !trials.iter().any(|trial| selected(&args, trial.name())) {
        return plan::nothing_selected(&args);
    }
    let offer = match runtime.block_on(preflight::preflight(run.executor(), &setup.run_id)) {
        Ok(ready) => {
            say(&ready.to_string());
            connections::probe(&args, runtime, &run, &ledger, &cleanup_stop, &ready)
        }
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
    };
    let paint = Paint::for_stdout();
    let progress = progress::wanted()
        .then(|| {
            let expected = plan::expected_requests(&args, &trials);
            Progress::start(Arc::clone(&run), expected, &mut test_args, paint)
        })
        .flatten();
    let _conclusion = libtest_mimic::run(&test_args, trials);
    if let Some(progress) = progress {
        progress.finish();
    }
    let (record, report_errors) = run.finish();
    if record.tally.counts.total() == 0 {
        return plan::nothing_selected(&args);
    }
    let aftermath = Aftermath {
        throttled: (pace.throttled(), pace.retries()),
        report_errors: &report_errors,
        baseline_written: args.gate.written_baseline().map(PathBuf::as_path),
        recorded_to: args.parity.recorded_to(),
    };
    print(&console::end_of_run(
        &record,
        args.profile,
        &aftermath,
        paint,
    ));
    let left = connections::finish_connections(
        &args,
        &setup,
        runtime,
        &run,
        &ledger,
        &cleanup_stop,
        &offer,
    );
    exit_code(
        record
            .status()
            .with_aftermath(report_errors.is_empty() && left == 0)
            .with_parity(args.parity.fails(&record)),
    )
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
