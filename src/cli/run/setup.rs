//! What `run` sets up before it sends: the flags checked against each other and the
//! environment ([`set_up`]), the run's knobs, the guards around sending (ledger, pace, budget),
//! the sink with a report per report flag, and the target (`--target` checked reachable, or the
//! embedded mock; signed when the environment has credentials). Errors are usage errors (exit 2).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dli_conformance::fixtures::Fixtures;
use dli_conformance::mock;
use dli_conformance::report::json::{JsonLinesReport, JsonReport};
use dli_conformance::report::Reporter;
use dli_conformance::result::RunMeta;
use dli_conformance::runner::budget::{Budget, DEFAULT_REMOTE_MAX_CREATES};
use dli_conformance::runner::fit::Fit;
use dli_conformance::runner::ledger::Ledger;
use dli_conformance::runner::pace::{Backoff, Pace};
use dli_conformance::runner::{GenerateConfig, Guards, RunConfig};
use dli_conformance::sink::Sink;
use dli_conformance::transport::sign::{self, Credentials, Signed};
use dli_conformance::transport::{self, HttpTarget, Target};

use super::{MaxCreates, RunArgs};
use crate::cli::random_token;

/// What the run was set up with, before anything is sent.
pub(super) struct Setup {
    pub(super) credentials: Option<Credentials>,
    pub(super) run_id: String,
    /// What the case files' `{run}`, `{security_group_id}` and `{network_id}` stand for.
    pub(super) fixtures: Fixtures,
    pub(super) fit: Fit,
    /// The create budget, `None` for unlimited.
    pub(super) limit: Option<u64>,
    /// The target is a host other than loopback (the real cloud, a staging gateway).
    pub(super) remote: bool,
}

/// Reads the environment and checks the flags against each other; the error is a usage error.
pub(super) fn set_up(args: &RunArgs) -> Result<Setup, String> {
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

/// The run's knobs from its flags.
pub(super) fn run_config(args: &RunArgs) -> RunConfig {
    RunConfig {
        project_id: args.project_id.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        strict: args.strict,
        headers: args.headers.clone(),
        profile: args.profile,
        stop_after: args.stop_after,
        max_time: args.max_time,
        max_in_flight: usize::from(args.max_in_flight),
    }
}

/// How the generated bodies are drawn and sent (the suite adds the fit and the shard).
pub(super) fn generate_config(args: &RunArgs, seed: u64) -> GenerateConfig {
    let mut generate = GenerateConfig::new(seed, args.examples);
    generate.concurrency = usize::from(args.concurrency);
    generate.save_failures = args.save_failures.clone();
    generate
}

/// The ledger (counting only against the embedded mock, in memory against loopback hosts, in
/// a file against a remote host or with `--ledger`), the pace and the create budget with
/// `reserved` creates of the cases that fit it.
pub(super) fn guards(
    args: &RunArgs,
    setup: &Setup,
    meta: &RunMeta,
    reserved: u64,
) -> Result<(Arc<Ledger>, Arc<Pace>, Guards), String> {
    let ledger_path = args.ledger.clone().or_else(|| {
        setup
            .remote
            .then(|| PathBuf::from(format!("dli-conformance-{}.ledger.jsonl", setup.run_id)))
    });
    let ledger = match (&args.target, &ledger_path) {
        (None, None) => Arc::new(Ledger::counting(&meta.target, &args.project_id)),
        _ => Arc::new(Ledger::open(
            ledger_path.as_deref(),
            &meta.target,
            &args.project_id,
            Some(&setup.run_id),
        )?),
    };
    let backoff = Backoff {
        retries: args.max_retries,
        ..Backoff::default()
    };
    let pace = Arc::new(Pace::new(args.rate, backoff)?);
    let guards = Guards {
        pace: Arc::clone(&pace),
        budget: setup
            .limit
            .map(|limit| Arc::new(Budget::new(limit, reserved))),
        ledger: Some(Arc::clone(&ledger)),
    };
    Ok((ledger, pace, guards))
}

/// The run's sink, with a streaming report for each report flag.
pub(super) fn sink_for(args: &RunArgs, meta: &RunMeta) -> Result<Sink, String> {
    let mut sink = Sink::new(meta.target.clone());
    let cannot =
        |path: &PathBuf, err: std::io::Error| format!("cannot write {}: {err}", path.display());
    if let Some(path) = &args.report_json {
        let report = JsonReport::create(path, meta)
            .map_err(|err| cannot(path, err))?
            .with_bodies(args.report_bodies);
        sink.add_reporter(
            path.display().to_string(),
            Box::new(report) as Box<dyn Reporter>,
        );
    }
    args.gate.add_reporters(meta, &mut sink)?;
    if let Some(path) = &args.report_jsonl {
        let report =
            JsonLinesReport::create(path, args.report_bodies).map_err(|err| cannot(path, err))?;
        sink.add_reporter(path.display().to_string(), Box::new(report));
    }
    Ok(sink)
}

/// A seed from the standard library's per-process random hasher keys.
pub(super) fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// The target of `--target`, checked reachable, or the reference mock (under the run's
/// profile) on a free loopback port; signed when the run has credentials.
pub(super) async fn connect(
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
