//! How `run` ends its sending and its connections: the first SIGINT or SIGTERM stops the
//! sending and gives the cleanup `--cleanup-grace` from the signal, the second exits at once
//! ([`watch_signals`]); after the preflight, [`probe`] learns whether the target offers the
//! cleanup's routes (a create-only target gets no cleanup requests); after the summary the
//! cleanup deletes what the run created, unless `--keep`, and `report::console` renders what
//! became of them ([`finish_connections`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dli_conformance::report::console::{self, Connections};
use dli_conformance::runner::cleanup::{Cleanup, Offer};
use dli_conformance::runner::ledger::Ledger;
use dli_conformance::runner::{preflight, Run, Stop};

use super::setup::Setup;
use super::RunArgs;
use crate::cli::{print, say, Signals};

/// The first SIGINT or SIGTERM stops the run's sending (the reports are closed, the cleanup
/// goes on for `--cleanup-grace` from the signal); the second exits at once.
pub(super) fn watch_signals(
    runtime: &tokio::runtime::Runtime,
    run: &Arc<Run>,
    cleanup_stop: &Arc<Stop>,
    args: &RunArgs,
    ledger: Option<&Path>,
) {
    let mut signals = {
        let _entered = runtime.enter();
        Signals::new()
    };
    let finish_with =
        ledger.map(|path| finish_command(path, &run.executor().base_url(), &args.project_id));
    let run = Arc::clone(run);
    let cleanup_stop = Arc::clone(cleanup_stop);
    let grace = args.cleanup_grace;
    let then = if args.keep {
        "the connections it made stay (--keep)".to_owned()
    } else {
        format!(
            "deleting the connections it made for up to {}; again to exit at once",
            humantime::format_duration(grace)
        )
    };
    runtime.spawn(async move {
        let first = signals.next().await;
        eprintln!("{first}: the run sends no new requests; {then}");
        run.executor()
            .stop()
            .stop(format!("interrupted by {first}"));
        let second = tokio::select! {
            second = signals.next() => Some(second),
            () = tokio::time::sleep(grace) => None,
        };
        let Some(second) = second else {
            cleanup_stop.stop(format!(
                "{first} came {} ago",
                humantime::format_duration(grace)
            ));
            let second = signals.next().await;
            return exit_at_once(second, finish_with.as_deref());
        };
        exit_at_once(second, finish_with.as_deref());
    });
}

/// The second signal: the process ends now (the ledger, flushed line by line, lists what is
/// left; a report not yet complete stays in its temporary file, its destination untouched).
fn exit_at_once(signal: &str, finish_with: Option<&str>) {
    match finish_with {
        Some(command) => eprintln!(
            "{signal}: exiting at once; the ledger lists what is left; finish with: {command}"
        ),
        None => eprintln!("{signal}: exiting at once"),
    }
    std::process::exit(130);
}

/// The command that deletes what the ledger at `path` lists as live.
fn finish_command(path: &Path, base_url: &str, project_id: &str) -> String {
    format!(
        "dli-conformance cleanup --ledger {} --target {base_url} --project-id {project_id}",
        shell_word(path)
    )
}

/// When the run is to clean up after itself (a ledger that keeps, no `--keep`), deletes and
/// shows the preflight's connection (lists the project when the create gave no id) to learn
/// whether the target offers the cleanup's routes; says so once when it does not.
pub(super) fn probe(
    args: &RunArgs,
    runtime: &tokio::runtime::Runtime,
    run: &Run,
    ledger: &Ledger,
    cleanup_stop: &Stop,
    ready: &preflight::Ready,
) -> Offer {
    if !ledger.keeps() || args.keep {
        return Offer::Cleanup;
    }
    let id = ready.valid.verdict.connection_id.as_deref();
    let live = id.and_then(|id| ledger.live().into_iter().find(|live| live.id == id));
    let cleanup = cleanup_for(args, run, cleanup_stop);
    let offer = runtime.block_on(cleanup.probe(&args.project_id, live.as_ref()));
    if let Offer::CreateOnly(why) = &offer {
        say(&format!(
            "preflight: {why}: the connections this run creates stay on it"
        ));
    }
    offer
}

/// The cleanup of the run's connections, through the run's target stack and pace.
fn cleanup_for<'a>(args: &RunArgs, run: &'a Run, stop: &'a Stop) -> Cleanup<'a> {
    let executor = run.executor();
    Cleanup {
        target: executor.target().as_ref(),
        pace: &executor.guards().pace,
        stop,
        timeout: Duration::from_secs_f64(args.timeout),
        patience: args.cleanup_wait,
    }
}

/// Deletes what the run created (unless `--keep`) and prints the run's last lines; gives how
/// many connections are left behind against the run's will.
pub(super) fn finish_connections(
    args: &RunArgs,
    setup: &Setup,
    runtime: &tokio::runtime::Runtime,
    run: &Run,
    ledger: &Ledger,
    cleanup_stop: &Stop,
    offer: &Offer,
) -> usize {
    let executor = run.executor();
    let unidentified = ledger.unidentified();
    let (fate, left) = if !ledger.keeps() {
        (Connections::InMock, 0)
    } else if args.keep {
        let live = ledger.live().len();
        (Connections::Kept { live }, 0)
    } else if let Offer::CreateOnly(why) = offer {
        let live = ledger.live().len();
        let why = why.clone();
        (Connections::CreateOnly { why, live }, 0)
    } else {
        let cleanup = cleanup_for(args, run, cleanup_stop);
        let swept = runtime.block_on(cleanup.sweep(ledger, &executor.base_url()));
        let left = swept.left.len();
        let recover = ledger
            .path()
            .filter(|_| left > 0)
            .map(|path| finish_command(path, &executor.base_url(), &args.project_id));
        let fate = Connections::Swept {
            deleted: swept.deleted,
            found_by_name: swept.found_by_name,
            left: swept
                .left
                .into_iter()
                .map(|(live, why)| (live.id, live.case, why))
                .collect(),
            recover,
        };
        (
            fate,
            left + usize::try_from(unidentified).unwrap_or(usize::MAX),
        )
    };
    print(&console::connections(
        ledger.created_count(),
        &fate,
        unidentified,
        &setup.run_id,
        ledger.path(),
    ));
    left
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
