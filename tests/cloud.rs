//! Runs against a simulated cloud, end to end and without one: `dli-conformance mock` with a
//! gateway (signatures, a rate limit, an access log), a quota, slow creates and the VPC objects
//! of one project, driven by `dli-conformance run` and `cleanup` as child processes. Signed,
//! throttled, budgeted, interrupted in the middle and finished with `cleanup`, 0 connections
//! left; no secret in any output or file. (The full-scale run of the issue's "Done when" is
//! `tests/cloud/acceptance.sh`.)

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dli_conformance::transport::sign::{Credentials, Signed};
use dli_conformance::transport::{HttpTarget, Request, Target};
use serde_json::Value;

const AK: &str = "HPUATESTACCESSKEY0001";
const SK: &str = "testSecretKeyThatMustNeverBePrinted000001";
const TOKEN: &str = "testSecurityTokenThatMustNeverBePrinted";
const PROJECT: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const SECURITY_GROUP: &str = "sg-existing-0001";
const NETWORK: &str = "subnet-existing-0001";

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_dli-conformance")
}

/// A folder of its own for one test's ledger, reports and logs.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dli-cloud-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `dli-conformance mock` as a child process, killed when dropped.
struct Mock {
    child: Child,
    url: String,
    log: PathBuf,
    token: Option<&'static str>,
}

impl Mock {
    fn start(dir: &Path, extra: &[&str]) -> Mock {
        let log = dir.join("access.jsonl");
        let mut child = Command::new(binary())
            .args(["mock", "--listen", "127.0.0.1:0", "--access-log"])
            .arg(&log)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let token = extra.contains(&"--security-token").then_some(TOKEN);
        Mock {
            child,
            url: first.trim().to_owned(),
            log,
            token,
        }
    }

    /// The cloud of the issue, at the test's scale: signatures, a rate limit, a quota, creates
    /// that stay CREATING for a while, one security group and one subnet.
    fn cloud(dir: &Path, rate_limit: u32, quota: u32) -> Mock {
        Mock::start(
            dir,
            &[
                "--ak",
                AK,
                "--sk",
                SK,
                "--rate-limit",
                &rate_limit.to_string(),
                "--quota",
                &quota.to_string(),
                "--creating-for",
                "300ms",
                "--security-group-id",
                SECURITY_GROUP,
                "--network-id",
                NETWORK,
            ],
        )
    }

    /// Every request the gateway saw.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Creates answered 201.
    fn creates(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["method"] == "POST" && r["status"] == 201)
            .count()
    }

    /// Requests answered 401.
    fn auth_failures(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["status"] == 401)
            .count()
    }

    /// The most requests that arrived within any one second.
    fn busiest_second(&self) -> usize {
        let mut times: Vec<f64> = self
            .requests()
            .iter()
            .map(|r| r["time"].as_f64().unwrap())
            .collect();
        times.sort_by(f64::total_cmp);
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|&&t| t < times[i] + 1.0)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// The connections the project has, read with the list API (signed).
    fn live(&self) -> usize {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let http: Arc<dyn Target> = Arc::new(HttpTarget::new(&self.url).unwrap());
            let credentials = Credentials::new(AK, SK, self.token.map(str::to_owned)).unwrap();
            let signed = Signed::new(http, credentials).unwrap();
            let answer = signed
                .send(&Request::list_connections(PROJECT))
                .await
                .unwrap();
            assert_eq!(answer.status, 200);
            let list: Value = serde_json::from_slice(&answer.body).unwrap();
            list["count"].as_u64().unwrap() as usize
        })
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `dli-conformance` with the cloud's credentials in its environment.
fn signed_command(args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env_remove("HUAWEICLOUD_SDK_SECURITY_TOKEN")
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID");
    command
}

/// Runs `dli-conformance` with `args` (no credentials); its output and all it printed.
fn dli(args: &[&str]) -> (Output, String) {
    finished(Command::new(binary()).args(args))
}

/// Runs `command` to its end; its output and all it printed.
fn finished(command: &mut Command) -> (Output, String) {
    let output = command.output().unwrap();
    let shown = text(&output);
    (output, shown)
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// No secret in any of the texts or in any file of `dir`.
fn assert_no_secret(texts: &[&str], dir: &Path) {
    let mut contents: Vec<(String, String)> = texts
        .iter()
        .map(|text| ("output".to_owned(), (*text).to_owned()))
        .collect();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        contents.push((
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    for (source, content) in &contents {
        for secret in [AK, SK, TOKEN, "Signature="] {
            assert!(!content.contains(secret), "{secret:?} in {source}");
        }
    }
}

/// The issue's "Done when" at a small scale: signed, paced under the gateway's limit, budgeted,
/// fixtures in every accepted body; exit 0, no failure, no authentication failure, the budget
/// kept, nothing left, no secret anywhere; `cleanup` then has nothing to do.
#[test]
fn a_signed_paced_budgeted_run_leaves_nothing_behind() {
    let dir = scratch("done-when");
    let mock = Mock::cloud(&dir, 50, 40);
    let ledger = dir.join("ledger.jsonl");
    let report = dir.join("report.json");
    let (output, shown) = finished(&mut signed_command(&[
        "run",
        "--target",
        &mock.url,
        "--project-id",
        PROJECT,
        "--security-group-id",
        SECURITY_GROUP,
        "--network-id",
        NETWORK,
        "--max-creates",
        "30",
        "--rate",
        "40",
        "--examples",
        "2",
        "--ledger",
        ledger.to_str().unwrap(),
        "--report-json",
        report.to_str().unwrap(),
        "-q",
    ]));
    assert_eq!(output.status.code(), Some(0), "{shown}");
    let last = String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap()
        .to_owned();
    // 30 requests may create; those the mock answers 400 by choice (A2: `ct`) create nothing.
    let creates = mock.creates();
    assert!((20..=30).contains(&creates), "{creates}");
    assert!(
        last.starts_with(&format!(
            "connections: {creates} created, {creates} deleted, 0 left"
        )),
        "{last}"
    );
    assert!(shown.contains(", 0 failed, 0 warned, "), "{shown}");
    assert_eq!(mock.auth_failures(), 0);
    assert!(mock.busiest_second() <= 50, "{}", mock.busiest_second());
    assert_eq!(mock.live(), 0);
    // Budget skips are reported, with their reason, never passed.
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let skipped: Vec<&Value> = document["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "skip")
        .collect();
    assert!(!skipped.is_empty());
    assert!(skipped.iter().all(|r| r["skipped"]
        .as_str()
        .unwrap()
        .starts_with("over the create budget (--max-creates 30)")));
    assert_eq!(
        document["summary"]["skipped"].as_u64().unwrap() as usize,
        skipped.len()
    );
    let cleanup = signed_command(&[
        "cleanup",
        "--ledger",
        ledger.to_str().unwrap(),
        "--target",
        &mock.url,
        "--project-id",
        PROJECT,
    ])
    .output()
    .unwrap();
    assert_eq!(cleanup.status.code(), Some(0), "{}", text(&cleanup));
    assert!(text(&cleanup).contains("nothing to delete"));
    assert_no_secret(&[&shown, &text(&cleanup)], &dir);
}

/// A gateway that allows 10 requests a second, and a run with no rate limit: the 429s are
/// retried with back-off, none is a result, and the run conforms.
#[test]
fn answers_429_are_retried_and_are_no_results() {
    let dir = scratch("throttled");
    let mock = Mock::start(&dir, &["--rate-limit", "10"]);
    let (output, shown) = dli(&[
        "run",
        "--target",
        &mock.url,
        "--examples",
        "0",
        "-q",
        "url/",
    ]);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("throttled: "), "{shown}");
    assert!(!shown.contains("setup problem"), "{shown}");
    let throttled = mock
        .requests()
        .iter()
        .filter(|r| r["status"] == 429)
        .count();
    assert!(throttled > 0, "the gateway never throttled");
}

/// A target that stays throttled stops the run as a setup problem (exit 2) that says so, and the
/// generated classes report it as such, not as failing examples.
#[test]
fn a_run_that_stays_throttled_stops() {
    let dir = scratch("stays-throttled");
    let mock = Mock::start(&dir, &["--rate-limit", "1"]);
    let (output, shown) = dli(&[
        "run",
        "--target",
        &mock.url,
        "--examples",
        "4",
        "--concurrency",
        "4",
        "--max-retries",
        "1",
        "-q",
    ]);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains(
            "run stopped: the target stayed throttled: one request was answered 429 APIG.0308"
        ),
        "{shown}"
    );
    assert!(!shown.contains("failing examples"), "{shown}");
    assert!(
        !shown.contains(" 1 failed") && shown.contains(", 0 failed"),
        "{shown}"
    );
}

/// `--max-creates` against a loopback mock: at most that many creates reach it.
#[test]
fn the_budget_caps_creates() {
    let dir = scratch("budget");
    let mock = Mock::start(&dir, &[]);
    let (output, shown) = dli(&[
        "run",
        "--target",
        &mock.url,
        "--examples",
        "8",
        "--max-creates",
        "12",
        "-q",
    ]);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    let creates = mock.creates();
    assert!((8..=12).contains(&creates), "{creates}");
    assert!(
        shown.contains("not run: over the create budget (--max-creates 12)"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "connections: {creates} created, {creates} deleted, 0 left"
        )),
        "{shown}"
    );
}

/// `--dry-run` prints the plan and sends nothing, not even to the embedded mock.
#[test]
fn a_dry_run_sends_nothing() {
    let dir = scratch("dry-run");
    let mock = Mock::start(&dir, &[]);
    let (output, shown) = dli(&[
        "run",
        "--target",
        &mock.url,
        "--dry-run",
        "--examples",
        "4",
        "--max-creates",
        "20",
        "--rate",
        "10",
    ]);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("nothing is sent"), "{shown}");
    assert!(shown.contains("cases/valid.json"), "{shown}");
    assert!(shown.contains("prop/valid"), "{shown}");
    assert!(
        shown.contains("create budget 20 (--max-creates)"),
        "{shown}"
    );
    assert!(mock.requests().is_empty());
}

/// Against a host that is not loopback, a run without fixtures says so before sending
/// anything (no connection is even tried: the host does not exist).
#[test]
fn a_remote_run_needs_fixtures() {
    let (output, shown) = dli(&[
        "run",
        "--target",
        "https://dli.example.invalid",
        "--project-id",
        PROJECT,
    ]);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("https://dli.example.invalid is not a loopback host: give --security-group-id and --network-id"),
        "{shown}"
    );
}

/// Waits until the ledger lists at least `count` creates (or panics after a minute).
fn wait_for_creates(ledger: &Path, count: usize) {
    let started = Instant::now();
    loop {
        let created = std::fs::read_to_string(ledger)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains(r#""event":"created""#))
            .count();
        if created >= count {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run created only {created} connections"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn slow_run(mock: &Mock, ledger: &Path) -> Child {
    slow_run_command(mock, ledger).spawn().unwrap()
}

fn slow_run_command(mock: &Mock, ledger: &Path) -> Command {
    let mut command = signed_command(&[
        "run",
        "--target",
        &mock.url,
        "--project-id",
        PROJECT,
        "--security-group-id",
        SECURITY_GROUP,
        "--network-id",
        NETWORK,
        "--rate",
        "25",
        "--examples",
        "64",
        "--ledger",
        ledger.to_str().unwrap(),
        "-q",
        // Generated valid bodies only: every one carries the run id in its name, so even a
        // create in flight when the run is killed is found by `cleanup`.
        "prop/valid",
    ]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

/// SIGINT in the middle of a run: it stops sending, deletes what it made, says so, exits 2.
#[test]
fn an_interrupted_run_cleans_up_after_itself() {
    let dir = scratch("sigint");
    let mock = Mock::cloud(&dir, 100, 1000);
    let ledger = dir.join("ledger.jsonl");
    let run = slow_run(&mock, &ledger);
    wait_for_creates(&ledger, 3);
    signal(&run, "INT");
    let output = run.wait_with_output().unwrap();
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("SIGINT: the run sends no new requests"),
        "{shown}"
    );
    assert!(
        shown.contains("run stopped: interrupted by SIGINT"),
        "{shown}"
    );
    let last = String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap()
        .to_owned();
    assert!(last.contains(" deleted, 0 left"), "{last}");
    assert_eq!(mock.live(), 0);
    assert_no_secret(&[&shown], &dir);
}

/// A run killed outright (no cleanup at all) and a run whose cleanup is given up (a second
/// SIGINT while connections are still CREATING) leave their connections in the ledger;
/// `cleanup` deletes them all, exits 0, and a second `cleanup` has nothing to do.
#[test]
fn cleanup_finishes_what_an_interrupted_run_left() {
    let dir = scratch("killed");
    let mock = Mock::start(
        &dir,
        &[
            "--ak",
            AK,
            "--sk",
            SK,
            "--security-token",
            TOKEN,
            "--creating-for",
            "3s",
            "--security-group-id",
            SECURITY_GROUP,
            "--network-id",
            NETWORK,
        ],
    );
    let ledger = dir.join("ledger.jsonl");
    let with_token = |mut command: Command| {
        command.env("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN);
        command
    };

    let mut killed = with_token(slow_run_command(&mock, &ledger))
        .spawn()
        .unwrap();
    wait_for_creates(&ledger, 3);
    killed.kill().unwrap();
    let _ = killed.wait();

    let interrupted = with_token(slow_run_command(&mock, &ledger))
        .spawn()
        .unwrap();
    wait_for_creates(&ledger, 6);
    signal(&interrupted, "INT");
    std::thread::sleep(Duration::from_millis(500));
    signal(&interrupted, "INT");
    let output = interrupted.wait_with_output().unwrap();
    let shown = text(&output);
    // The second signal ends the process at once, saying how to finish the job.
    assert_eq!(output.status.code(), Some(130), "{shown}");
    assert!(
        shown.contains("SIGINT: exiting at once; the ledger lists what is left; finish with: dli-conformance cleanup --ledger"),
        "{shown}"
    );
    assert!(
        mock.live() >= 3,
        "the killed run's connections are still there"
    );

    let cleanup = with_token(signed_command(&[
        "cleanup",
        "--ledger",
        ledger.to_str().unwrap(),
        "--target",
        &mock.url,
        "--project-id",
        PROJECT,
    ]))
    .output()
    .unwrap();
    let cleaned = text(&cleanup);
    assert_eq!(cleanup.status.code(), Some(0), "{cleaned}");
    assert!(cleaned.contains(" left (ledger"), "{cleaned}");
    assert_eq!(mock.live(), 0);
    let again = with_token(signed_command(&[
        "cleanup",
        "--ledger",
        ledger.to_str().unwrap(),
        "--target",
        &mock.url,
    ]))
    .output()
    .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("nothing to delete"));
    assert_no_secret(&[&shown, &cleaned], &dir);
}

/// `--profile current` end to end against the embedded mock (which then validates by it too):
/// the hand-written cases at the newer page's limits turn reject, generated bodies break each
/// `cur.*` clause, the valid classes stay valid, and the run conforms.
#[test]
fn the_current_profile_runs_clean() {
    let dir = scratch("current");
    let report = dir.join("report.json");
    let output = Command::new(binary())
        .args([
            "run",
            "--profile",
            "current",
            "--examples",
            "48",
            "--seed",
            "3",
            "-q",
        ])
        .arg("--report-json")
        .arg(&report)
        .output()
        .unwrap();
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(document["profile"], "current");
    let results = document["results"].as_array().unwrap();
    let by_id = |id: &str| results.iter().find(|r| r["id"] == id).unwrap();
    // A clause list an earlier result had is given by that result's id.
    let clauses_of = |result: &Value| match &result["clauses"] {
        Value::Object(refer) => by_id(refer["as"].as_str().unwrap())["clauses"].clone(),
        list => list.clone(),
    };
    for (id, clause) in [
        ("current/name-65-chars", "cur.name.pattern"),
        ("current/key-129", "cur.tags.key.length"),
        ("current/value-256", "cur.tags.value.length"),
        ("current/twenty-one-tags", "cur.tags.max-count"),
        ("current/empty-tag-key", "cur.tags.key.length"),
    ] {
        let result = by_id(id);
        assert_eq!(result["expect"], "reject", "{id}");
        assert_eq!(result["outcome"], "pass", "{id}");
        assert!(
            clauses_of(result)
                .as_array()
                .unwrap()
                .contains(&Value::from(clause)),
            "{id}"
        );
    }
    assert_eq!(by_id("current/name-64-chars")["expect"], "accept");
    for clause in [
        "cur.name.pattern",
        "cur.tags.key.length",
        "cur.tags.value.length",
        "cur.tags.max-count",
    ] {
        assert!(
            results
                .iter()
                .any(|r| r["generated"]["class"] == "current-limits"
                    && r["expect"] == "reject"
                    && clauses_of(r)
                        .as_array()
                        .unwrap()
                        .contains(&Value::from(clause))),
            "no generated body breaks {clause}"
        );
    }
    assert!(results
        .iter()
        .filter(|r| r["generated"]["class"] == "valid")
        .all(|r| r["expect"] == "accept"));
}
