//! Targets that offer only the create route, and how a run ends: the cleanup learns from the
//! preflight what the target offers (a create-only server gets its verdict's exit code and no
//! cleanup requests), a signal ends the run within its grace with whole reports and ledger, and
//! a run stopped at any moment leaves reports that parse. Every server is the reference mock
//! (`MockConfig::family`, `delete_delay`) on 127.0.0.1, started by the test.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::{cli, command, serve, temp_dir, text};
use dli_conformance::mock::{self, Family, MockConfig};

/// The mock with `family`, `delete_delay` and, when named, a fault, on a loopback port.
fn target(family: Family, delete_delay: Duration, fault: Option<&str>) -> String {
    let config = MockConfig {
        family,
        delete_delay,
        ..MockConfig::default()
    };
    serve(mock::chosen_router_with(fault, None, config).unwrap())
}

#[test]
fn a_create_only_server_gets_its_verdict_and_no_cleanup() {
    let url = target(Family::CreateOnly, Duration::ZERO, None);
    let output = cli(&["run", "-q", "--target", &url, "--examples", "8"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "preflight: the target has no DELETE (405): the connections this run creates stay on it"
        ),
        "{stdout}"
    );
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("connections: ")
            && last.contains(" created, none cleaned up: the target has no DELETE (405); "),
        "{last}"
    );
    assert!(!stderr.contains("left: "), "{stderr}");

    // One seeded fault: the verdict, exit 1, still with no cleanup.
    let faulty = target(Family::CreateOnly, Duration::ZERO, Some("created-200"));
    let output = cli(&["run", "-q", "--target", &faulty, "--examples", "8"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("none cleaned up"), "{stdout}");
}

#[test]
fn a_server_with_delete_is_cleaned_up_as_before_soft_deletes_included() {
    for family in [Family::Full, Family::SoftDelete] {
        let url = target(family, Duration::ZERO, None);
        let output = cli(&["run", "-q", "--target", &url, "--examples", "8"]);
        let (stdout, stderr) = text(&output);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{family:?}\n{stdout}\n{stderr}"
        );
        assert!(!stdout.contains("has no DELETE"), "{stdout}");
        let last = stdout.lines().last().unwrap();
        assert!(last.contains(" deleted, 0 left"), "{family:?}: {last}");
    }
}

/// A running `dli-conformance`, its stdout and stderr drained by threads (a full pipe would
/// block it) into channels of lines.
struct Running {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

/// Lines of `source`, read by a thread, as a channel.
fn lines_of(source: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(source).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// Starts the binary with `args`.
fn start(args: &[&str]) -> Running {
    let mut child = command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    Running {
        child,
        stdout,
        stderr,
    }
}

impl Running {
    /// Reads stdout up to the first line `wanted` accepts; gives the lines read.
    fn read_until(&self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let mut lines = Vec::new();
        for line in &self.stdout {
            let done = wanted(&line);
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    }

    fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end (killing it after `limit`, a hang); gives its exit code and
    /// the rest of its stdout and stderr.
    fn finish(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if started.elapsed() > limit {
                self.child.kill().unwrap();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let code = self.child.wait().unwrap().code();
        let rest = |lines: Receiver<String>| lines.iter().collect::<Vec<_>>().join("\n");
        (code, rest(self.stdout), rest(self.stderr))
    }
}

fn parses(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn a_signal_ends_a_slow_cleanup_within_its_grace_with_whole_files() {
    // Every DELETE takes 5 s: 8 at a time, the cleanup of ~100 connections takes a minute.
    let url = target(Family::Full, Duration::from_secs(5), None);
    let dir = temp_dir("signal-grace");
    let (report, ledger) = (dir.join("report.json"), dir.join("ledger.jsonl"));
    let running = start(&[
        "run",
        "-q",
        "--target",
        &url,
        "--examples",
        "8",
        "--cleanup-grace",
        "2s",
        "--report-json",
        report.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
    ]);
    // The summary line comes right before the cleanup.
    running.read_until(|line| line.contains(" passed, "));
    running.terminate();
    let (code, stdout, stderr) = running.finish(Duration::from_secs(120));
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "SIGTERM: the run sends no new requests; deleting the connections it made for up to 2s"
        ),
        "{stderr}"
    );
    let last = stdout.lines().last().unwrap();
    assert!(
        last.contains(" left (ledger ")
            && last.contains("; finish with: dli-conformance cleanup --ledger "),
        "{last}"
    );
    assert!(parses(&report)["summary"]["total"].as_u64().unwrap() > 0);
    let lines = std::fs::read_to_string(&ledger).unwrap();
    for line in lines.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_stopped_at_any_moment_leaves_reports_that_parse() {
    let url = target(Family::Full, Duration::ZERO, None);
    let dir = temp_dir("signal-reports");
    // After the run id (before the preflight), after the preflight, and some time into the
    // trials.
    let moments: [(&str, Duration); 3] = [
        ("run id: ", Duration::ZERO),
        ("preflight: ", Duration::ZERO),
        ("preflight: ", Duration::from_millis(300)),
    ];
    for (index, (after, wait)) in moments.into_iter().enumerate() {
        let json = dir.join(format!("{index}.json"));
        let junit = dir.join(format!("{index}.xml"));
        let jsonl = dir.join(format!("{index}.jsonl"));
        let running = start(&[
            "run",
            "-q",
            "--target",
            &url,
            "--report-json",
            json.to_str().unwrap(),
            "--report-jsonl",
            jsonl.to_str().unwrap(),
            "--report-junit",
            junit.to_str().unwrap(),
        ]);
        running.read_until(|line| line.starts_with(after));
        std::thread::sleep(wait);
        running.terminate();
        let (code, stdout, stderr) = running.finish(Duration::from_secs(120));
        assert_eq!(code, Some(2), "{after} +{wait:?}\n{stdout}\n{stderr}");
        let document = parses(&json);
        assert!(
            document["summary"]["stopped"]
                .as_str()
                .is_some_and(|reason| reason.contains("SIGTERM")),
            "{after}: {}",
            document["summary"]
        );
        for line in std::fs::read_to_string(&jsonl).unwrap().lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert!(xml.trim_end().ends_with("</testsuites>"), "{xml}");
    }
    let mut left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
