//! The front door ([`Suite`]) end to end: in-process and over loopback HTTP, both of its ends
//! (`.run()` and the libtest trials of `.test()`), and the status a record gives.

use dli_conformance::mock::{self, deviation, faults};
use dli_conformance::{Status, Suite};

/// The reference mock, except that a valid create is answered 200 instead of 201.
fn answers_200() -> axum::Router {
    deviation::find(faults::FAULTS, "created-200")
        .expect("the fault exists")
        .router()
}

#[test]
fn the_reference_mock_over_http_conforms() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let url = runtime
        .block_on(mock::spawn("127.0.0.1:0"))
        .expect("the mock binds a loopback port");
    let record = Suite::against_url(&url)
        .expect("a loopback URL")
        .examples(4)
        .run()
        .expect("the suite runs");
    assert_eq!(record.status(), Status::Conforms, "{record:?}");
    assert_eq!(record.target, url);
}

#[test]
fn answering_200_instead_of_201_fails_the_run_and_its_trials() {
    let record = Suite::against_router(answers_200())
        .examples(4)
        .run()
        .expect("the suite runs");
    assert_eq!(record.status(), Status::Fails);
    // The trials' own output (a failing libtest run, on purpose) goes to a log, not among the
    // closing lines of this test binary.
    let log = std::env::temp_dir().join(format!("dli-front-door-{}.log", std::process::id()));
    let args = libtest_mimic::Arguments {
        filter: Some("valid/".into()),
        quiet: true,
        logfile: Some(log.to_string_lossy().into_owned()),
        ..Default::default()
    };
    let conclusion = Suite::against_router(answers_200())
        .examples(0)
        .test_with(&args)
        .expect("the suite runs");
    assert!(conclusion.num_passed + conclusion.num_failed > 0);
    assert!(conclusion.has_failed(), "{conclusion:?}");
    let logged = std::fs::read_to_string(&log).expect("the trials' log");
    let _ = std::fs::remove_file(&log);
    assert!(logged.contains("valid/minimal"), "{logged}");
}

#[test]
fn a_run_that_stopped_is_incomplete_unless_it_failed() {
    let mut record = Suite::default()
        .corpus(false)
        .examples(0)
        .run()
        .expect("the suite runs");
    assert_eq!(record.status(), Status::Conforms);
    assert_eq!(
        record.status().with_aftermath(false),
        Status::Incomplete,
        "a report not written or a connection left makes a conforming run incomplete"
    );
    record.stopped = Some("interrupted by SIGINT".into());
    assert_eq!(record.status(), Status::Incomplete);
    record
        .tally
        .counts
        .add(dli_conformance::check::Outcome::Fail);
    assert_eq!(record.status(), Status::Fails);
    assert_eq!(Status::Fails.with_aftermath(false), Status::Fails);
}

#[test]
fn a_missing_case_folder_is_an_error_not_a_conforming_run() {
    let missing = Suite::default()
        .cases_from(dli_conformance::shipped::CaseRoot::Dir(
            "no/such/folder".into(),
        ))
        .run();
    assert!(missing.is_err(), "a missing case folder is an error");
}
