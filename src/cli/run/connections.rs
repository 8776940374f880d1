//! How `run` ends its sending and its connections: the first SIGINT or SIGTERM stops the
//! sending, the second gives the cleanup up ([`watch_signals`]); after the summary the cleanup
//! deletes what the run created, unless `--keep`, and `report::console` renders what became of
//! them ([`finish_connections`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dli_conformance::report::console::{self, Connections};
use dli_conformance::runner::cleanup::Cleanup;
use dli_conformance::runner::ledger::Ledger;
use dli_conformance::runner::{Run, Stop};

use super::setup::Setup;
use super::RunArgs;
use crate::cli::{print, Signals};

/// The first SIGINT or SIGTERM stops the run's sending (the cleanup still runs); the second
/// gives the cleanup up.
pub(super) fn watch_signals(
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

/// Deletes what the run created (unless `--keep`) and prints the run's last lines; gives how
/// many connections are left behind against the run's will.
pub(super) fn finish_connections(
    args: &RunArgs,
    setup: &Setup,
    runtime: &tokio::runtime::Runtime,
    run: &Run,
    ledger: &Ledger,
    cleanup_stop: &Stop,
) -> usize {
    let executor = run.executor();
    let unidentified = ledger.unidentified();
    let (fate, left) = if !ledger.keeps() {
        (Connections::InMock, 0)
    } else if args.keep {
        let live = ledger.live().len();
        (Connections::Kept { live }, 0)
    } else {
        let cleanup = Cleanup {
            target: executor.target().as_ref(),
            pace: &executor.guards().pace,
            stop: cleanup_stop,
            timeout: Duration::from_secs_f64(args.timeout),
            patience: args.cleanup_wait,
        };
        let swept = runtime.block_on(cleanup.sweep(ledger, &executor.base_url()));
        let left = swept.left.len();
        let recover = ledger.path().filter(|_| left > 0).map(|path| {
            format!(
                "dli-conformance cleanup --ledger {} --target {} --project-id {}",
                shell_word(path),
                executor.base_url(),
                args.project_id
            )
        });
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
