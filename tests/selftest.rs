//! `cargo test --test selftest`: the self-test gate. The whole suite (the case files and the
//! generated cases of `dli-conformance selftest`'s fixed seed) runs against the reference
//! mock, every conformant variant and every fault, in-process; the test fails the day a check
//! goes blind (a fault no longer flagged by its own clause) or starts crying wolf (a failure or
//! warning on the reference or a variant). The score table is the failure message. The
//! command-line side (`selftest`, `mock --list-faults`, `--list-variants`, `--fault`) is checked
//! through the built binary.

use std::time::Duration;

use dli_conformance::mock::{faults, variants};
use dli_conformance::runner::RunConfig;
use dli_conformance::selftest;
use dli_conformance::shipped::CaseRoot;

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_is_flagged_and_no_variant_is() {
    let cases_dir = dli_conformance::case::SHIPPED_DIR;
    let plan = selftest::Plan::new(
        &CaseRoot::Dir(cases_dir.into()),
        selftest::SEED,
        selftest::EXAMPLES_PER_CLASS,
        selftest::NAME_RUNS,
    )
    .expect("the case files load");
    let config = RunConfig {
        timeout: Duration::from_secs(2),
        ..RunConfig::default()
    };
    let scoreboard = selftest::run(plan, config).await;
    assert!(scoreboard.holds(), "\n{scoreboard}");
}

fn command(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dli-conformance"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn the_command_prints_a_row_per_subject_and_exits_0() {
    let output = command(&[
        "selftest",
        "--examples",
        "0",
        "--name-runs",
        "0",
        "--timeout",
        "1",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for fault in faults::FAULTS {
        let row = stdout
            .lines()
            .find(|line| line.split_whitespace().nth(1) == Some(fault.name));
        assert!(
            row.is_some_and(|row| row.starts_with("fault ") && row.contains(" ok ")),
            "{}: {row:?}",
            fault.name
        );
    }
    for server in dli_conformance::zoo::ZOO {
        let row = stdout
            .lines()
            .find(|line| line.split_whitespace().nth(1) == Some(server.name));
        assert!(
            row.is_some_and(|row| row.starts_with("zoo ") && row.contains(" clean")),
            "{}: {row:?}",
            server.name
        );
    }
    assert!(
        stdout.ends_with("every fault flagged by its own clause)\n"),
        "{stdout}"
    );
}

#[test]
fn mock_lists_faults_and_variants_and_refuses_unknown_names() {
    let listed = command(&["mock", "--list-faults"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(text.lines().count(), faults::FAULTS.len() + 1, "{text}");
    assert!(text.lines().any(|line| line.starts_with("url-limit-513 ")
        && line.contains(" req.url.max-length ")
        && line.contains(" MUST ")));
    let listed = command(&["mock", "--list-variants"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(text.lines().count(), variants::VARIANTS.len() + 1, "{text}");
    let unknown = command(&["mock", "--fault", "no-such-fault"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr),
        "error: no fault \"no-such-fault\" (see --list-faults)\n"
    );
}
