//! `cargo bench --bench throughput`: how fast the suite drives the reference mock.
//!
//! Sends the hand-written cases plus 256 generated bodies per class (fixed seed), judged exactly
//! as a run judges them, to the mock in-process and over loopback HTTP, at several concurrency
//! levels, and prints requests per second, the time one generator class of 256 examples takes,
//! and the process's peak memory. Numbers, not assertions: these machines are shared and noisy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dli_conformance::case::Case;
use dli_conformance::generate::{self, CLASSES, FIXED_SEED};
use dli_conformance::runner::DEFAULT_CONCURRENCY;
use dli_conformance::transport::{HttpTarget, InProcess, Target};
use dli_conformance::{check::Outcome, mock, Suite};
use futures_util::stream::{self, StreamExt};

const ROUNDS: usize = 3;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let mut cases = Suite::default()
        .corpus(false)
        .load()
        .expect("the shipped cases load");
    cases.extend(generate::sample_cases(FIXED_SEED, 256));
    let url = runtime
        .block_on(mock::spawn("127.0.0.1:0"))
        .expect("the mock binds a loopback port");
    println!(
        "{} requests per round, best of {ROUNDS} rounds",
        cases.len()
    );
    println!(
        "{:<12} {:>11} {:>10} {:>14}",
        "target", "concurrency", "seconds", "requests/s"
    );
    for concurrency in [1, 16, 64] {
        let targets: [(&str, Arc<dyn Target>); 2] = [
            ("in-process", Arc::new(InProcess::new(mock::router()))),
            (
                "http",
                Arc::new(HttpTarget::new(&url).expect("a loopback URL")),
            ),
        ];
        for (name, target) in targets {
            let best = (0..ROUNDS)
                .map(|_| time_run(&runtime, Arc::clone(&target), &cases, concurrency))
                .min()
                .expect("at least one round");
            let rate = cases.len() as f64 / best.as_secs_f64();
            println!(
                "{name:<12} {concurrency:>11} {:>10.3} {rate:>14.0}",
                best.as_secs_f64()
            );
        }
    }
    let concurrency = usize::from(DEFAULT_CONCURRENCY);
    println!("\none generator class, 256 examples, concurrency {concurrency}, over http:");
    let http: Arc<dyn Target> = Arc::new(HttpTarget::new(&url).expect("a loopback URL"));
    for class in CLASSES {
        let sample = class.sample(FIXED_SEED, 256);
        let best = (0..ROUNDS)
            .map(|_| time_run(&runtime, Arc::clone(&http), &sample, concurrency))
            .min()
            .expect("at least one round");
        println!(
            "  prop/{:<22} {:>7.1} ms",
            class.name,
            best.as_secs_f64() * 1e3
        );
    }
    println!("\npeak memory (VmHWM): {}", peak_memory());
}

/// Sends every case once with `concurrency` in flight; every answer must pass.
fn time_run(
    runtime: &tokio::runtime::Runtime,
    target: Arc<dyn Target>,
    cases: &[Case],
    concurrency: usize,
) -> Duration {
    let run = Suite::new(target).start(runtime.handle().clone());
    let started = Instant::now();
    let outcomes: Vec<Outcome> = runtime.block_on(
        stream::iter(cases)
            .map(|case| run.executor().execute(case))
            .buffer_unordered(concurrency)
            .map(|result| {
                let outcome = result.outcome();
                run.record(result);
                outcome
            })
            .collect(),
    );
    let elapsed = started.elapsed();
    let failed = outcomes.iter().filter(|o| **o != Outcome::Pass).count();
    assert_eq!(failed, 0, "the reference mock must pass every request");
    elapsed
}

fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}
