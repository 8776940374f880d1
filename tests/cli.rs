//! The `dli-conformance run` command end to end: exit codes, failure text, reports and
//! operational errors, against small servers on 127.0.0.1 that each test starts itself.

mod common;

use std::net::TcpListener as StdListener;

use common::{cli, serve, text};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use dli_conformance::mock;

/// The reference mock, but answering 200 where it would answer 201.
fn answers_200_on_success() -> axum::Router {
    async fn downgrade(request: Request<Body>, next: Next) -> Response {
        let mut response = next.run(request).await;
        if response.status() == StatusCode::CREATED {
            *response.status_mut() = StatusCode::OK;
        }
        response
    }
    mock::router().layer(middleware::from_fn(downgrade))
}

/// The reference mock behind a wrong limit: a url of 513..=`limit` characters is cut to 512
/// before the mock sees it, so it is accepted.
fn accepts_urls_up_to(limit: usize) -> axum::Router {
    mock::router().layer(middleware::from_fn(
        move |request: Request<Body>, next: Next| async move {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut forwarded = bytes.to_vec();
            if let Ok(serde_json::Value::Object(mut members)) = serde_json::from_slice(&bytes) {
                if let Some(serde_json::Value::String(url)) = members.get_mut("url") {
                    if (513..=limit).contains(&url.chars().count()) {
                        *url = url.chars().take(512).collect();
                        forwarded = serde_json::to_vec(&members).unwrap();
                    }
                }
            }
            next.run(Request::from_parts(parts, Body::from(forwarded)))
                .await
        },
    ))
}

#[test]
fn the_embedded_mock_conforms() {
    let report = std::env::temp_dir().join(format!("dli-report-{}.json", std::process::id()));
    let output = cli(&["run", "-q", "--report-json", report.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let mut lines = stdout.lines().rev();
    let (last, summary) = (lines.next().unwrap(), lines.next().unwrap());
    assert!(
        summary.contains(" passed, 0 failed, 0 warned; "),
        "{summary}"
    );
    // The embedded mock's connections end with the run: counted, nothing to delete.
    assert!(
        last.starts_with("connections: ")
            && last.ends_with(" created in the embedded mock, gone with it (nothing to clean up)"),
        "{last}"
    );
    assert!(
        stdout.contains("valid/page-example [A2]: rejected"),
        "{stdout}"
    );

    let text = std::fs::read_to_string(&report).unwrap();
    // Passing results keep their facts, not their bodies: a clean default run's report stays
    // small (16 MB when every body was kept).
    assert!(text.len() < 8 << 20, "{} bytes", text.len());
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    std::fs::remove_file(&report).unwrap();
    assert!(document["target"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let total = document["summary"]["total"].as_u64().unwrap();
    assert!(total > 100);
    assert_eq!(document["summary"]["passed"].as_u64(), Some(total));
    let result = document["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "url/chars-513")
        .unwrap();
    assert_eq!(result["outcome"], "pass");
    assert_eq!(result["expect"], "reject");
    assert_eq!(result["request"]["method"], "POST");
    assert_eq!(result["response"]["status"], 400);
    assert_eq!(result["response"]["content_type"], "application/json");
    let body = &result["response"]["body"];
    assert!(body["bytes"].as_u64().unwrap() > 0, "{body}");
    assert!(
        body.get("json").is_none(),
        "a passing result keeps no body: {body}"
    );
    // A MAY choice keeps its bodies.
    let choice = document["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "valid/page-example")
        .unwrap();
    assert_eq!(
        choice["response"]["body"]["json"]["error_code"], "DLI.0001",
        "{choice}"
    );
    // A clause list an earlier result had is given by that result's id.
    let find = |id: &serde_json::Value| {
        document["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| &r["id"] == id)
            .unwrap()
    };
    let clauses = match &result["clauses"] {
        serde_json::Value::Object(refer) => &find(&refer["as"])["clauses"],
        list => list,
    };
    assert!(clauses
        .as_array()
        .unwrap()
        .contains(&"req.url.max-length".into()));
}

#[test]
fn a_server_answering_200_fails_created_status() {
    let url = serve(answers_200_on_success());
    let output = cli(&["run", "-q", "--target", &url, "--examples", "0"]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("error[resp.created.status]: a valid request was not answered 201"));
    assert!(
        stdout.contains("  --> cases/valid.json:14 (valid/minimal)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("   = expected = 201\n   = actual   = 200\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("curl -sS -X POST '{url}/v2.0/")),
        "{stdout}"
    );
}

#[test]
fn a_server_accepting_513_characters_fails_the_url_case() {
    let url = serve(accepts_urls_up_to(513));
    let output = cli(&["run", "-q", "--target", &url, "--examples", "0"]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("error[resp.invalid.status]: an invalid request was not answered 400"));
    assert!(stdout.contains("(url/chars-513)"), "{stdout}");
    assert!(stdout.contains("\n    url/chars-513\n"), "{stdout}");
    assert!(!stdout.contains("\n    url/chars-514\n"), "{stdout}");
}

#[test]
fn an_unreachable_target_exits_2_with_one_line() {
    let port = StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = cli(&["run", "--target", &format!("http://127.0.0.1:{port}")]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: target http://127.0.0.1:{port} is unreachable: "
        )),
        "{stderr}"
    );
}

#[test]
fn a_target_that_is_no_http_url_is_a_usage_error() {
    for (target, why) in [
        ("dli.example.com", "relative URL without a base"),
        (
            "ftp://127.0.0.1",
            "expected http://host[:port] or https://host[:port]",
        ),
    ] {
        let output = cli(&["run", "--target", target]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("invalid target URL {target:?}: {why}")),
            "{stderr}"
        );
    }
}

#[test]
fn a_filter_matching_nothing_is_an_error() {
    let output = cli(&["run", "--examples", "0", "url/no-such-case"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("error: no case or generator class matches \"url/no-such-case\""),
        "{stderr}"
    );
}

#[test]
fn a_misspelt_key_names_file_line_and_case() {
    let dir = std::env::temp_dir().join(format!("dli-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("typo.json"),
        "{\n  \"groups\": [\n    {\n      \"description\": \"d\",\n      \"tests\": [\n        {\n          \"name\": \"oops\",\n          \"description\": \"d\",\n          \"expct\": \"accept\"\n        }\n      ]\n    }\n  ]\n}\n",
    )
    .unwrap();
    let output = cli(&["run", "--cases", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("typo.json:9 (typo/oops): unknown field `expct`"),
        "{stderr}"
    );
}

/// The reference mock, but never answering a body that names `name`.
fn hangs_on_name(name: &'static str) -> axum::Router {
    mock::router().layer(middleware::from_fn(
        move |request: Request<Body>, next: Next| async move {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            if String::from_utf8_lossy(&bytes).contains(name) {
                std::future::pending::<()>().await;
            }
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        },
    ))
}

#[test]
fn a_hanging_answer_fails_its_case_and_the_run_goes_on() {
    let url = serve(hangs_on_name("dli-conformance-repeat"));
    let output = cli(&["run", "-q", "--target", &url, "--timeout", "0.5", "valid/"]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("   = actual   = no answer within 0.5 s"),
        "{stdout}"
    );
    // `valid/` also matches corpus ids such as `.../i_string_1st_valid_surrogate_2nd_invalid/name`.
    assert!(stdout.contains(" passed, 3 failed"), "{stdout}");
}

#[test]
fn a_target_that_never_answers_stops_at_the_preflight() {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let report = std::env::temp_dir().join(format!("dli-silent-{}.json", std::process::id()));
    let output = cli(&[
        "run",
        "-q",
        "--target",
        &url,
        "--timeout",
        "0.5",
        "--report-json",
        report.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: preflight: the target is not answering: no answer within 0.5 s (answering a valid create request; nothing more was sent)",
    );
    assert!(
        stdout.contains("  --> (preflight):1 (preflight/valid)"),
        "{stdout}"
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["summary"]["requests"], 2, "{written}");
    assert_eq!(written["summary"]["total"], 0, "{written}");
    assert!(written["summary"]["stopped"]
        .as_str()
        .unwrap()
        .starts_with("preflight: "));
    std::fs::remove_file(&report).unwrap();
}

#[test]
fn gateway_answers_are_setup_problems_and_secrets_stay_hidden() {
    async fn unauthorized() -> Response {
        let body = serde_json::json!({"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information", "request_id": "r"});
        (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
    }
    let url = serve(axum::Router::new().fallback(unauthorized));
    let output = cli(&[
        "run",
        "-q",
        "--target",
        &url,
        "--header",
        "X-Auth-Token: hunter2-token",
        "url/",
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: preflight: the target rejected the credentials: 401 APIG.0301 (answering a valid create request; nothing more was sent)"
    );
    assert!(stdout.contains("X-Auth-Token: ***"), "{stdout}");
    assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"));
}

/// The reference mock behind a gateway that answers 413 to bodies over 100 KB (as Express's JSON
/// reader does by default).
fn refuses_bodies_over_100_kb() -> axum::Router {
    async fn limit(request: Request<Body>, next: Next) -> Response {
        let length = request
            .headers()
            .get("content-length")
            .and_then(|value| value.to_str().ok()?.parse::<usize>().ok())
            .unwrap_or_default();
        if length > 100 * 1024 {
            let body = serde_json::json!({"error_code": "APIG.0201", "error_msg": "Request entity too large"});
            return (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response();
        }
        next.run(request).await
    }
    mock::router().layer(middleware::from_fn(limit))
}

#[test]
fn a_body_size_limit_is_a_setup_problem_that_skip_leaves_out() {
    let url = serve(refuses_bodies_over_100_kb());
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "-q",
            "--target",
            &url,
            "corpus/jsontestsuite/n_structure",
        ];
        args.extend_from_slice(extra);
        let output = cli(&args);
        let (stdout, stderr) = text(&output);
        (output.status.code(), format!("{stdout}\n{stderr}"))
    };
    let (code, shown) = run(&[]);
    assert_eq!(code, Some(2), "{shown}");
    assert!(
        shown.contains("setup problem: the target refused the body as too large (leave such cases out with --skip ID): 413 APIG.0201 (2 cases)"),
        "{shown}"
    );
    let (code, shown) = run(&["--skip", "n_structure_open_array_object"]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(!shown.contains("n_structure_open_array_object"), "{shown}");
    assert!(shown.contains(" passed, 0 failed, 0 warned;"), "{shown}");
}

#[test]
fn generated_bodies_find_shrink_save_and_replay_a_wrong_limit() {
    let url = serve(accepts_urls_up_to(1024));
    let saved = std::env::temp_dir().join(format!("dli-saved-{}", std::process::id()));
    let output = common::command()
        .args([
            "run",
            "-q",
            "--target",
            &url,
            "--seed",
            "7",
            "--examples",
            "64",
        ])
        .args([
            "--save-failures",
            saved.to_str().unwrap(),
            "--exact",
            "prop/url-over-limit",
        ])
        .env_remove("CI")
        .output()
        .unwrap();
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("seed: 7 (repeat"), "{stdout}");
    assert!(stdout.contains("error[resp.invalid.status]"), "{stdout}");
    assert!(
        stdout.contains("  --> prop/url-over-limit --seed 7, example "),
        "{stdout}"
    );
    assert!(stdout.contains("   = shrunk: "), "{stdout}");
    assert!(
        stdout.contains("   = as a case for cases/regressions/:\n{\n  \"groups\": ["),
        "{stdout}"
    );

    let files: Vec<_> = std::fs::read_dir(&saved)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let case_file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let test = &case_file["groups"][0]["tests"][0];
    assert_eq!(test["expect"], "reject");
    let parts: Vec<&str> = test["raw_body"]
        .as_array()
        .unwrap()
        .iter()
        .map(|part| part.as_str().unwrap())
        .collect();
    let body: serde_json::Value = serde_json::from_str(&parts.concat()).unwrap();
    assert_eq!(body["url"].as_str().unwrap().chars().count(), 513, "{body}");

    let replay = |target: &[&str]| {
        let mut args = vec![
            "run",
            "-q",
            "--examples",
            "0",
            "--cases",
            saved.to_str().unwrap(),
        ];
        args.extend_from_slice(target);
        cli(&args)
    };
    let against_the_wrong_server = replay(&["--target", &url]);
    assert_eq!(against_the_wrong_server.status.code(), Some(1));
    assert_eq!(replay(&[]).status.code(), Some(0));
    std::fs::remove_dir_all(&saved).unwrap();
}

#[test]
fn the_same_seed_sends_the_same_requests() {
    let report = |name: &str| {
        let path = std::env::temp_dir().join(format!("dli-{name}-{}.json", std::process::id()));
        let output = cli(&[
            "run",
            "-q",
            "--report-bodies",
            "all",
            "--seed",
            "99",
            "--run-id",
            "same",
            "--examples",
            "32",
            "--report-json",
            path.to_str().unwrap(),
            "prop/",
        ]);
        assert_eq!(output.status.code(), Some(0));
        let document: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut sent: Vec<_> = document["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["request"]["body"].clone(),
                    r["generated"]["seed"].clone(),
                )
            })
            .collect();
        // Results stream in the order answers come; the requests are what must match.
        sent.sort_by(|a, b| a.0.cmp(&b.0));
        sent
    };
    let first = report("a");
    assert_eq!(first.len(), 32 * dli_conformance::generate::CLASSES.len());
    assert_eq!(first[0].2, 99);
    assert_eq!(first, report("b"));
}
