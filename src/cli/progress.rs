//! The progress bar of `run`: requests done (of those expected), failures so far, requests/s.
//!
//! Shown on stderr only when stdout is a terminal, `CI` is not set, and the run has lasted a
//! second (a quick run never flickers a bar). libtest-mimic prints each trial's line itself, and
//! a bar redrawn between another writer's lines garbles both, so while the bar is on, libtest's
//! output goes to a log file (its `--logfile`) that a ticker thread tails ten times a second,
//! printing each finished line *above* the bar (indicatif's `suspend`): the lines stream as
//! they would without a bar, in order, and the bar stays at the bottom. When the trials end the
//! rest of the log is printed and the bar is cleared, so the terminal holds exactly what a run
//! without a bar prints. libtest's colours follow the same rule as ours
//! ([`Paint`]: a terminal, `NO_COLOR` unset).

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dli_conformance::report::style::Paint;
use dli_conformance::runner::Run;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use libtest_mimic::{Arguments, ColorSetting};

/// How long a run goes before the bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A running progress bar and the thread that feeds it.
pub struct Progress {
    done: Arc<AtomicBool>,
    ticker: JoinHandle<()>,
    log: PathBuf,
}

/// Whether a run's progress should be shown: stdout a terminal and not in CI.
pub fn wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("CI").is_none()
}

impl Progress {
    /// Starts the bar for `run`, expecting about `expected` requests, and points `test_args`'
    /// output at the log the bar's thread tails.
    pub fn start(
        run: Arc<Run>,
        expected: u64,
        test_args: &mut Arguments,
        paint: Paint,
    ) -> Option<Progress> {
        let log =
            std::env::temp_dir().join(format!("dli-conformance-{}-trials.log", std::process::id()));
        File::create(&log).ok()?;
        test_args.logfile = Some(log.to_string_lossy().into_owned());
        test_args.color = Some(if paint.enabled() {
            ColorSetting::Always
        } else {
            ColorSetting::Never
        });
        let bar = ProgressBar::with_draw_target(Some(expected), ProgressDrawTarget::hidden());
        let template = if paint.enabled() {
            "{spinner:.cyan} {elapsed:>4} [{bar:30.cyan/blue}] {human_pos}/{human_len} requests, {msg}"
        } else {
            "{spinner} {elapsed:>4} [{bar:30}] {human_pos}/{human_len} requests, {msg}"
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("a valid template")
                .progress_chars("=> "),
        );
        let done = Arc::new(AtomicBool::new(false));
        let ticker = {
            let done = Arc::clone(&done);
            let log = log.clone();
            std::thread::spawn(move || tick(&run, &bar, &done, &log, paint))
        };
        Some(Progress { done, ticker, log })
    }

    /// Prints the rest of the trials' output and clears the bar.
    pub fn finish(self) {
        self.done.store(true, Ordering::Release);
        let _ = self.ticker.join();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn tick(run: &Run, bar: &ProgressBar, done: &AtomicBool, log: &PathBuf, paint: Paint) {
    let started = Instant::now();
    let mut reader = File::open(log).ok();
    let mut pending: Vec<u8> = Vec::new();
    let mut shown = false;
    loop {
        let last = done.load(Ordering::Acquire);
        if let Some(reader) = &mut reader {
            let _ = reader.read_to_end(&mut pending);
        }
        let cut = if last {
            pending.len()
        } else {
            pending
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |at| at + 1)
        };
        if cut > 0 {
            let lines: Vec<u8> = pending.drain(..cut).collect();
            bar.suspend(|| {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&lines);
                let _ = out.flush();
            });
        }
        if last {
            bar.finish_and_clear();
            return;
        }
        if !shown && started.elapsed() >= SHOW_AFTER {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        let counts = run.counts();
        let requests = run.executor().requests();
        bar.set_position(requests);
        let failed = format!("{} failed", counts.fail);
        let rate = requests as f64 / started.elapsed().as_secs_f64().max(0.001);
        bar.set_message(format!(
            "{}, {rate:.0} requests/s",
            if counts.fail > 0 {
                paint.red(&failed)
            } else {
                failed
            }
        ));
        bar.tick();
        std::thread::sleep(Duration::from_millis(100));
    }
}
