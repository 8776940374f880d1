//! `cargo test --test mock_snapshots`: the reference mock's answer to every case, as insta
//! snapshots in the top-level `snapshots/` folder, so any change in the mock's behaviour shows
//! up in review. Connection ids are redacted only after their UUID format is checked.
//! After an intended change: `cargo insta test --review` (or `INSTA_UPDATE=always cargo test
//! --test mock_snapshots` and review the diff).

use std::process::ExitCode;

use dli_conformance::check::is_uuid;
use dli_conformance::transport::{InProcess, Request, Target, DEFAULT_PROJECT_ID};
use dli_conformance::{case, mock};
use libtest_mimic::{Failed, Trial};
use serde_json::{json, Value};

fn main() -> ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let cases_dir = dli_conformance::case::SHIPPED_DIR;
    let cases = match case::load_dir(cases_dir.as_ref(), &Default::default()) {
        Ok(cases) => cases,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let trials = cases
        .into_iter()
        .map(|case| Trial::test(format!("snapshot/{}", case.id), move || snapshot(&case)))
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

/// Sends the case to a fresh mock (so earlier cases cannot change the answer) and snapshots it.
fn snapshot(case: &case::Case) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|err| Failed::from(err.to_string()))?;
    let target = InProcess::new(mock::router());
    let request = Request::create_connection(DEFAULT_PROJECT_ID, case.body.clone());
    let response = runtime
        .block_on(target.send(&request))
        .map_err(|err| Failed::from(err.to_string()))?;
    let body: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&response.body).into_owned()));
    let answer = json!({
        "status": response.status,
        "content_type": response.header("content-type"),
        "body": body,
    });
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(case.description.clone());
    settings.set_omit_expression(true);
    settings.add_dynamic_redaction(".body.connection_id", |value, _path| {
        let id = value.as_str().unwrap_or_default();
        assert!(is_uuid(id), "connection_id {value:?} is not a UUID");
        "[uuid]"
    });
    let name = case.id.replace('/', "__");
    settings.bind(|| insta::assert_json_snapshot!(name, answer));
    Ok(())
}
