//! The JUnit XML report: `--report-junit PATH`, for CI systems' test views (GitLab, Jenkins,
//! GitHub test reporters, Buildkite).
//!
//! One `<testsuite>` per case file and per generator class ([`CaseResult::group`]), one
//! `<testcase>` per result (`classname` the file or `prop/<class>`, `name` the case id, `time`
//! its request's time):
//! - a failure is `<failure type="CLAUSE" message="CLAUSE (MUST): expected ..., actual ...">`
//!   with the whole compiler-style text, curl line included, as its body;
//! - a setup problem (the gateway answered, not the endpoint) is an `<error>`;
//! - a case not run is `<skipped message="why">`;
//! - a warning (SHOULD) passes with its text in `<system-out>` (a `<failure>` under
//!   `--strict`, where warnings fail), a known deviation passes with the baseline's reason and
//!   its text in `<system-out>`, and a MAY choice is a `<system-out>` line
//!   (`MAY [A2]: rejected`), since the Jenkins schema has no per-testcase properties;
//! - run-wide facts (target, seed, spec revision, partition) are each suite's `<properties>`.
//!
//! The output validates against the Jenkins xunit plugin's `junit-10.xsd` (vendored in
//! `tests/junit/`, checked by `tests/gate.rs`). The report keeps a compact entry per
//! result (its id, time, status and message) and the full text of at most
//! [`TEXTS_KEPT_PER_SUITE`] failing results per suite, and writes the file at the end.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{decision_name, Reporter};
use crate::check::{Outcome, Violation};
use crate::result::{CaseResult, RunMeta, RunRecord};

/// Failing results per suite whose whole text the report keeps (later ones keep their message).
pub const TEXTS_KEPT_PER_SUITE: usize = 100;

/// The longest `expected`/`actual` value a `message` attribute shows.
const VALUE_MAX: usize = 160;

/// `--report-junit PATH`.
pub struct JunitReport {
    path: PathBuf,
    properties: Vec<(String, String)>,
    suites: BTreeMap<String, Suite>,
}

#[derive(Default)]
struct Suite {
    cases: Vec<Entry>,
    texts_kept: usize,
}

/// What the report keeps of one result.
struct Entry {
    name: Box<str>,
    time: Duration,
    status: Status,
    /// `<system-out>`: MAY choices, known deviations, warnings.
    out: Option<Box<str>>,
}

enum Status {
    Pass,
    Fail {
        clause: Box<str>,
        message: Box<str>,
        text: Option<Box<str>>,
    },
    Warn {
        clause: Box<str>,
        message: Box<str>,
        text: Option<Box<str>>,
    },
    Setup {
        message: Box<str>,
        text: Option<Box<str>>,
    },
    Skip {
        reason: Box<str>,
    },
}

impl JunitReport {
    /// A report for `path` (created now, so a bad path fails before the run) of the run
    /// described by `meta`.
    pub fn create(path: &Path, meta: &RunMeta) -> io::Result<JunitReport> {
        File::create(path)?;
        let mut properties = vec![
            ("tool".to_owned(), meta.tool.clone()),
            ("target".to_owned(), meta.target.clone()),
            ("spec".to_owned(), meta.spec.clone()),
            ("profile".to_owned(), meta.profile.to_string()),
        ];
        if let Some(seed) = meta.seed {
            properties.push(("seed".into(), seed.to_string()));
        }
        if let Some(partition) = &meta.partition {
            properties.push(("partition".into(), partition.clone()));
        }
        Ok(JunitReport {
            path: path.to_path_buf(),
            properties,
            suites: BTreeMap::new(),
        })
    }
}

/// `CLAUSE (LEVEL): expected X, actual Y`, then `; also breaks A, B` when more rules broke.
fn message(violations: &[&Violation]) -> String {
    let Some(first) = violations.first() else {
        return String::new();
    };
    let mut text = format!(
        "{} ({}): expected {}, actual {}",
        first.clause,
        first.level,
        clip(&first.expected),
        clip(&first.actual)
    );
    let mut others: Vec<&str> = violations[1..].iter().map(|v| v.clause.id()).collect();
    others.dedup();
    if !others.is_empty() {
        text.push_str(&format!("; also breaks {}", others.join(", ")));
    }
    text
}

/// `text` with every character XML 1.0 cannot hold (C0 controls but tab and line ends,
/// surrogates, U+FFFE and U+FFFF) written as its `\uXXXX` escape: request bodies quoted in
/// failures may hold any of them (the `odd-strings` class and the corpora send them), and one
/// raw makes the whole report unreadable to an XML parser.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t'
            | '\n'
            | '\r'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'.. => c.to_string(),
            other => format!("\\u{:04X}", u32::from(other)),
        })
        .collect()
}

fn clip(value: &str) -> String {
    if value.chars().count() <= VALUE_MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(VALUE_MAX).collect();
        format!("{head}...")
    }
}

impl Reporter for JunitReport {
    fn result(&mut self, result: &CaseResult, failure: Option<&str>) -> io::Result<()> {
        let suite = self.suites.entry(result.group()).or_default();
        let mut keep_text = || {
            let keep = suite.texts_kept < TEXTS_KEPT_PER_SUITE;
            suite.texts_kept += usize::from(keep);
            match (keep, failure) {
                (true, Some(text)) => Some(Box::from(xml_safe(text))),
                (false, Some(_)) => Some(Box::from(format!(
                    "(this suite's first {TEXTS_KEPT_PER_SUITE} failures are shown whole; --report-json has every result)"
                ))),
                _ => None,
            }
        };
        let violations = &result.verdict.violations;
        let mut out: Vec<String> = Vec::new();
        let status = match result.outcome() {
            Outcome::Pass | Outcome::Known => Status::Pass,
            Outcome::Fail => {
                let musts: Vec<&Violation> = violations
                    .iter()
                    .filter(|v| v.level == crate::spec::clause::Level::Must)
                    .collect();
                Status::Fail {
                    clause: Box::from(musts[0].clause.id()),
                    message: xml_safe(&message(&musts)).into(),
                    text: keep_text(),
                }
            }
            Outcome::Warn => {
                let all: Vec<&Violation> = violations.iter().collect();
                Status::Warn {
                    clause: Box::from(all[0].clause.id()),
                    message: xml_safe(&message(&all)).into(),
                    text: keep_text(),
                }
            }
            Outcome::Setup => Status::Setup {
                message: result
                    .verdict
                    .setup
                    .as_ref()
                    .map_or_else(String::new, |s| {
                        xml_safe(&format!("setup problem: {}", s.message))
                    })
                    .into(),
                text: keep_text(),
            },
            Outcome::Skip => Status::Skip {
                reason: result.skipped.clone().unwrap_or_default().into(),
            },
        };
        for known in &result.known {
            out.push(format!(
                "known deviation [{}]: accepted by the baseline until {}: {}",
                known.violation.clause, known.expires, known.reason
            ));
        }
        if result.outcome() == Outcome::Known {
            if let Some(text) = keep_text() {
                out.push(text.into());
            }
        }
        for difference in result.parity.iter().flat_map(|c| &c.differences) {
            out.push(format!(
                "parity {}: recorded {}, actual {}",
                difference.place(),
                difference.recorded,
                difference.actual
            ));
        }
        let mays = result.may_clauses();
        if !mays.is_empty()
            && matches!(
                result.outcome(),
                Outcome::Pass | Outcome::Fail | Outcome::Known
            )
        {
            let ids: Vec<&str> = mays.iter().map(|c| c.id()).collect();
            out.push(format!(
                "MAY [{}]: {}",
                ids.join(", "),
                decision_name(result.verdict.decision)
            ));
        }
        suite.cases.push(Entry {
            name: result.id.as_str().into(),
            time: result.elapsed,
            status,
            out: (!out.is_empty()).then(|| xml_safe(&out.join("\n")).into()),
        });
        Ok(())
    }

    fn finish(&mut self, record: &RunRecord) -> io::Result<()> {
        let mut report = Report::new("dli-conformance");
        report.set_time(record.elapsed);
        for (name, suite) in std::mem::take(&mut self.suites) {
            report.add_test_suite(self.suite(&name, suite, record.strict));
        }
        let mut out = DropRootSkipped {
            inner: BufWriter::new(File::create(&self.path)?),
            head: Some(Vec::new()),
        };
        report.serialize(&mut out).map_err(io::Error::other)?;
        out.flush()
    }
}

/// Passes the XML through as it is written, except the `skipped` attribute of the root tag.
struct DropRootSkipped<W: Write> {
    inner: W,
    /// What came before the end of the root tag (then `None`: everything passes through).
    head: Option<Vec<u8>>,
}

impl<W: Write> Write for DropRootSkipped<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let Some(head) = &mut self.head else {
            return self.inner.write(bytes);
        };
        head.extend_from_slice(bytes);
        let (root, rest) = split_root_tag(head);
        if !root.is_empty() {
            self.inner.write_all(&without_skipped(root))?;
            self.inner.write_all(rest)?;
            self.head = None;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(head) = self.head.take() {
            self.inner.write_all(&head)?;
        }
        self.inner.flush()
    }
}

/// The XML up to the end of the `<testsuites ...>` start tag, and the rest (an empty first
/// part while the tag has not ended).
fn split_root_tag(xml: &[u8]) -> (&[u8], &[u8]) {
    let end = find(xml, b"<testsuites")
        .and_then(|start| find(&xml[start..], b">").map(|at| start + at + 1))
        .unwrap_or(0);
    xml.split_at(end)
}

/// The root tag without its `skipped` attribute: quick-junit always writes one on
/// `<testsuites>`, where the Jenkins schema (and so Jenkins) allows none; the count is
/// still on every `<testsuite>`.
fn without_skipped(root: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(root);
    match text.find(" skipped=\"") {
        Some(at) => {
            let value_end = text[at + 10..]
                .find('"')
                .map_or(text.len(), |end| at + 10 + end + 1);
            format!("{}{}", &text[..at], &text[value_end..]).into_bytes()
        }
        None => root.to_vec(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

impl JunitReport {
    fn suite(&self, name: &str, suite: Suite, strict: bool) -> TestSuite {
        let mut test_suite = TestSuite::new(name);
        test_suite.add_properties(
            self.properties
                .iter()
                .map(|(key, value)| Property::new(key.as_str(), value.as_str())),
        );
        let mut time = Duration::ZERO;
        for entry in suite.cases {
            time += entry.time;
            let mut out = entry.out.map(String::from);
            let status = match entry.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Fail {
                    clause,
                    message,
                    text,
                } => failure(NonSuccessKind::Failure, &clause, &message, text),
                Status::Warn {
                    clause,
                    message,
                    text,
                } if strict => failure(NonSuccessKind::Failure, &clause, &message, text),
                Status::Warn { message, text, .. } => {
                    let warning = format!("warning: {message}\n{}", text.as_deref().unwrap_or(""));
                    out = Some(match out {
                        Some(lines) => format!("{warning}\n{lines}"),
                        None => warning,
                    });
                    TestCaseStatus::success()
                }
                Status::Setup { message, text } => {
                    failure(NonSuccessKind::Error, "setup", &message, text)
                }
                Status::Skip { reason } => {
                    let mut skipped = TestCaseStatus::skipped();
                    skipped.set_message(&*reason);
                    skipped
                }
            };
            let mut case = TestCase::new(&*entry.name, status);
            case.set_classname(name);
            case.set_time(entry.time);
            if let Some(out) = out {
                case.set_system_out(out);
            }
            test_suite.add_test_case(case);
        }
        test_suite.set_time(time);
        test_suite
    }
}

fn failure(
    kind: NonSuccessKind,
    ty: &str,
    message: &str,
    text: Option<Box<str>>,
) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_type(ty);
    status.set_message(message);
    if let Some(text) = text {
        status.set_description(&*text);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_xml_cannot_hold_is_escaped() {
        assert_eq!(
            xml_safe("a\u{0}b\u{FFFE}c\u{1}\t\u{10FFFF}é"),
            "a\\u0000b\\uFFFEc\\u0001\t\u{10FFFF}é"
        );
    }

    #[test]
    fn the_root_loses_only_its_skipped_attribute() {
        let xml = b"<?xml version=\"1.0\"?>\n<testsuites name=\"d\" tests=\"2\" skipped=\"1\" failures=\"0\"><testsuite skipped=\"1\"/>";
        let (root, rest) = split_root_tag(xml);
        assert_eq!(
            String::from_utf8(without_skipped(root)).unwrap(),
            "<?xml version=\"1.0\"?>\n<testsuites name=\"d\" tests=\"2\" failures=\"0\">"
        );
        assert_eq!(rest, b"<testsuite skipped=\"1\"/>");

        // Written in pieces, as the serializer writes.
        let mut out = DropRootSkipped {
            inner: Vec::new(),
            head: Some(Vec::new()),
        };
        for piece in xml.chunks(7) {
            out.write_all(piece).unwrap();
        }
        out.flush().unwrap();
        let whole = String::from_utf8(out.inner).unwrap();
        assert!(
            whole.contains("<testsuites name=\"d\" tests=\"2\" failures=\"0\"><testsuite skipped")
        );
    }
}
