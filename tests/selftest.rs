//! `cargo test --test selftest`: the self-test gate. The whole suite (the case files and the
//! generated cases of `dli-conformance selftest`'s fixed seed) runs against the reference
//! mock, every conformant variant and every fault, in-process; the test fails the day a check
//! goes blind (a fault no longer flagged by its own clause) or starts crying wolf (a failure or
//! warning on the reference or a variant). The score table is the failure message.

use std::sync::Arc;
use std::time::Duration;

use dli_conformance::runner::RunConfig;
use dli_conformance::{case, generate, selftest};

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_is_flagged_and_no_variant_is() {
    let cases_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/cases");
    let mut cases = case::load_dir(cases_dir.as_ref()).expect("the case files load");
    cases.extend(generate::sample_cases(
        selftest::SEED,
        selftest::EXAMPLES_PER_CLASS,
    ));
    let config = RunConfig {
        timeout: Duration::from_secs(2),
        ..RunConfig::default()
    };
    let scoreboard = selftest::run(Arc::new(cases), config).await;
    assert!(scoreboard.holds(), "\n{scoreboard}");
}
