//! `dli-conformance cleanup`: finish the cleanup of an interrupted run from its ledger.
//!
//! Reads the ledger (`--ledger PATH`, as `run` wrote it), deletes every connection it lists as
//! live on `--target` (in `--project-id`, or in the project each was created in), confirms each
//! with the show API and marks it deleted in the ledger. Requests are signed with
//! `HUAWEICLOUD_SDK_AK`/`_SK` when set (or carry `--header`s) and paced by `--rate`. Exit 0 only
//! when nothing is left; 2 when something is (each named with why), or on a usage error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use dli_conformance::runner::cleanup::Cleanup;
use dli_conformance::runner::ledger::Ledger;
use dli_conformance::runner::pace::{Backoff, Pace};
use dli_conformance::runner::{Stop, DEFAULT_TIMEOUT};
use dli_conformance::transport::sign::{self, Credentials, Signed};
use dli_conformance::transport::{HttpTarget, Request, SendFuture, Target};

use super::{parse_seconds, say, usage_error, Signals};

/// Flags of `cleanup`.
#[derive(Args)]
pub struct CleanupArgs {
    /// The ledger a run wrote (`run --ledger PATH`, or `dli-conformance-<run id>.ledger.jsonl`).
    #[arg(long, value_name = "PATH")]
    ledger: PathBuf,
    /// Base URL of the endpoint the connections were created on.
    #[arg(long, value_parser = super::parse_target)]
    target: String,
    /// A CA certificate (PEM) the target's certificate may be signed by, as for `run`
    /// (repeatable).
    #[arg(long = "ca-cert", value_name = "PATH")]
    ca_certs: Vec<PathBuf>,
    /// Only connections of this project (default: each in the project it was created in).
    #[arg(long, env = sign::PROJECT_ID_VAR)]
    project_id: Option<String>,
    /// Extra header for every request, 'Name: value' (repeatable); values are never printed.
    #[arg(long = "header", value_name = "'NAME: VALUE'", value_parser = super::parse_header)]
    headers: Vec<(String, String)>,
    /// At most this many requests per second.
    #[arg(long, value_name = "R", value_parser = super::parse_rate)]
    rate: Option<f64>,
    /// Retries of a request answered 429 before giving it up.
    #[arg(long, value_name = "N", default_value_t = Backoff::default().retries)]
    max_retries: u32,
    /// Seconds one request may take.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT.as_secs_f64(), value_parser = parse_seconds)]
    timeout: f64,
    /// How long to wait for a connection still CREATING before leaving it.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10m")]
    cleanup_wait: Duration,
}

/// Adds the `--header`s to every request of the target under it.
struct WithHeaders {
    inner: Arc<dyn Target>,
    headers: Vec<(String, String)>,
}

impl Target for WithHeaders {
    fn send<'a>(&'a self, request: &'a Request) -> SendFuture<'a> {
        Box::pin(async move {
            let mut request = request.clone();
            request.headers.extend(self.headers.iter().cloned());
            self.inner.send(&request).await
        })
    }

    fn base_url(&self) -> String {
        self.inner.base_url()
    }
}

/// Deletes what the ledger lists as live; exit 0 only when nothing is left.
pub fn run(args: CleanupArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    if !args.ledger.exists() {
        return usage_error(format!("no ledger at {}", args.ledger.display()));
    }
    let credentials = match Credentials::from_env() {
        Ok(credentials) => credentials,
        Err(message) => return usage_error(message),
    };
    let http = match HttpTarget::trusting(&args.target, &args.ca_certs) {
        Ok(target) => target,
        Err(message) => return usage_error(message),
    };
    let base_url = http.base_url();
    let mut target: Arc<dyn Target> = Arc::new(WithHeaders {
        inner: Arc::new(http),
        headers: args.headers.clone(),
    });
    if let Some(credentials) = credentials {
        target = match Signed::new(target, credentials) {
            Ok(signed) => Arc::new(signed),
            Err(message) => return usage_error(message),
        };
    }
    let project = args.project_id.clone().unwrap_or_default();
    let ledger = match Ledger::open(Some(&args.ledger), &base_url, &project, None) {
        Ok(ledger) => ledger,
        Err(message) => return usage_error(message),
    };
    let live = ledger.live();
    let backoff = Backoff {
        retries: args.max_retries,
        ..Backoff::default()
    };
    let pace = match Pace::new(args.rate, backoff) {
        Ok(pace) => pace,
        Err(message) => return usage_error(message),
    };
    let stop = Arc::new(Stop::new(0, None));
    let mut signals = {
        let _entered = runtime.enter();
        Signals::new()
    };
    let stopper = Arc::clone(&stop);
    runtime.spawn(async move {
        let signal = signals.next().await;
        eprintln!("{signal}: giving the cleanup up; the ledger lists what is left");
        stopper.stop(format!("interrupted by {signal}"));
    });
    say(&format!(
        "cleanup: {} connections live in {}",
        live.len(),
        args.ledger.display()
    ));
    let cleanup = Cleanup {
        target: target.as_ref(),
        pace: &pace,
        stop: &stop,
        timeout: Duration::from_secs_f64(args.timeout),
        patience: args.cleanup_wait,
    };
    let project = args.project_id.as_deref();
    let swept = runtime.block_on(cleanup.sweep_in(&ledger, &base_url, project));
    for (live, why) in &swept.left {
        eprintln!("left: connection {} (case {}): {why}", live.id, live.case);
    }
    let found = if swept.found_by_name > 0 {
        format!(
            " ({} of them not in the ledger, found by their run id)",
            swept.found_by_name
        )
    } else {
        String::new()
    };
    if swept.deleted == 0 && swept.left.is_empty() {
        say(&format!(
            "connections: nothing to delete, the ledger {} lists none live",
            args.ledger.display()
        ));
        return ExitCode::SUCCESS;
    }
    say(&format!(
        "connections: {} deleted{found}, {} left (ledger {})",
        swept.deleted,
        swept.left.len(),
        args.ledger.display()
    ));
    if swept.left.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
