//! Reports: results and the run's tally in, text and report files out. Reads results; never
//! sends, re-checks or decides an outcome.
//!
//! [`render_failure`] writes one case's failure the way a compiler would: a headline per broken
//! clause, `--> file:line (case id)`, the request as a `curl` line anyone can paste, and aligned
//! `expected =` / `actual   =` lines. [`summary_line`] closes a run, [`may_choices`] records what
//! the target chose where the spec says MAY. A [`Reporter`] receives every result as it is
//! judged and writes a report file as it goes ([`json`]: `--report-json` and `--report-jsonl`;
//! [`junit`], [`markdown`] and [`github`] annotations keep compact entries and write at the
//! end), so no report needs the run's results in memory. [`matrix`] renders the clause ×
//! outcome matrix, [`merge`] joins the JSON reports of a partitioned run's shards, [`console`] is
//! everything printed at the end of a run. Bodies are cut at
//! [`REPORT_BODY_MAX`](crate::result::REPORT_BODY_MAX) bytes everywhere, with their real length
//! beside them. Header values that carry secrets (tokens, signatures, keys) are masked before
//! anything is shown.

pub mod console;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix;
pub mod merge;
pub mod style;

use std::fmt::Write as _;

use crate::case::Expect;
use crate::check::{Decision, Outcome};
use crate::result::{CaseResult, RunRecord, Tally, REPORT_BODY_MAX};
use crate::spec::clause::ClauseId;
use crate::transport::Request;

/// A report written while the run goes: one call per judged result, one at the end.
pub trait Reporter: Send {
    /// Takes one result as soon as it is judged (and its failure text, when it failed or warned).
    fn result(&mut self, result: &CaseResult, failure: Option<&str>) -> std::io::Result<()>;
    /// Closes the report with the run's record.
    fn finish(&mut self, record: &RunRecord) -> std::io::Result<()>;
}

/// Renders a failed or warned case like compiler output.
pub fn render_failure(result: &CaseResult, base_url: &str) -> String {
    let mut out = String::new();
    if let Some(reason) = &result.skipped {
        let _ = writeln!(out, "not run: {reason}");
        let _ = writeln!(out, "  --> {} ({})", result.source, result.id);
        return out;
    }
    if let Some(setup) = &result.verdict.setup {
        let _ = writeln!(out, "setup problem: {}", setup.message);
        let _ = writeln!(
            out,
            "   = note: the environment answered, not the endpoint; no conformance result"
        );
    }
    let location = format!("  --> {} ({})", result.source, result.id);
    if result.verdict.setup.is_some() {
        let _ = writeln!(out, "{location}");
    }
    let known = result.known.iter().map(|k| (&k.violation, Some(k)));
    let violations = result.verdict.violations.iter().map(|v| (v, None));
    for (index, (violation, known)) in violations.chain(known).enumerate() {
        let severity = match (known, violation.level) {
            (Some(_), _) => "known",
            (None, crate::spec::clause::Level::Must) => "error",
            (None, _) => "warning",
        };
        let _ = writeln!(
            out,
            "{severity}[{}]: {}",
            violation.clause, violation.message
        );
        if index == 0 {
            let _ = writeln!(out, "{location}");
        }
        let _ = writeln!(out, "   = at {}", display_pointer(&violation.pointer));
        let _ = writeln!(out, "   = expected = {}", violation.expected);
        let _ = writeln!(out, "   = actual   = {}", violation.actual);
        if let Some(known) = known {
            let _ = writeln!(
                out,
                "   = baseline: accepted until {}: {}",
                known.expires, known.reason
            );
        }
    }
    let _ = writeln!(
        out,
        "   = case: expect {}, clauses {}",
        result.expect,
        joined(&request_side(&result.clauses))
    );
    let _ = writeln!(
        out,
        "   = request: {}",
        curl_command(&result.request, base_url)
    );
    match &result.response {
        Some(response) => {
            let _ = writeln!(
                out,
                "   = response: {} {}",
                response.status,
                preview(&response.body, 300, response.body_truncated)
            );
        }
        None => {
            let _ = writeln!(out, "   = response: none");
        }
    }
    out
}

/// The clauses a case exercises less the response rules, which follow from its `expect`.
fn request_side(clauses: &[ClauseId]) -> Vec<ClauseId> {
    let judged = |clause: &ClauseId| {
        [Expect::Accept, Expect::Reject, Expect::Either]
            .iter()
            .any(|&expect| crate::check::judged_clauses(expect).contains(clause))
    };
    clauses.iter().copied().filter(|c| !judged(c)).collect()
}

/// Clause ids as `a, b, c`.
fn joined(clauses: &[ClauseId]) -> String {
    let ids: Vec<&str> = clauses.iter().map(|clause| clause.id()).collect();
    ids.join(", ")
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(the exchange)"
    } else {
        pointer
    }
}

/// At most `limit` characters of a body, on one line, with its length when it was cut
/// (`truncated`: the target's answer went on past what was read).
fn preview(body: &[u8], limit: usize, truncated: bool) -> String {
    let head = &body[..body.len().min(limit * 4)];
    let one_line: String = String::from_utf8_lossy(head)
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .take(limit + 1)
        .collect();
    let more = if truncated { "+" } else { "" };
    if one_line.chars().count() > limit || head.len() < body.len() || truncated {
        let shown: String = one_line.chars().take(limit).collect();
        format!("{shown}... ({}{more} bytes)", body.len())
    } else {
        one_line
    }
}

/// A body on one line for failure texts, cut at 1 024 characters with its length.
pub fn body_preview(body: &[u8]) -> String {
    preview(body, 1024, false)
}

/// Header names whose values are never shown.
fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "authorization",
        "token",
        "secret",
        "signature",
        "cookie",
        "key",
        "password",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The request as a `curl` command; secret header values are replaced by `***`.
pub fn curl_command(request: &Request, base_url: &str) -> String {
    let mut command = format!(
        "curl -sS -X {} {}",
        request.method,
        shell_quote(format!("{base_url}{}", request.path).as_bytes())
    );
    for (name, value) in &request.headers {
        let value = if is_secret_header(name) { "***" } else { value };
        command.push_str(" -H ");
        command.push_str(&shell_quote(format!("{name}: {value}").as_bytes()));
    }
    if request.body.len() > REPORT_BODY_MAX {
        command.push_str(" --data-binary ");
        command.push_str(&shell_quote(&request.body[..REPORT_BODY_MAX]));
        let _ = write!(
            command,
            "  # body cut at {REPORT_BODY_MAX} of {} bytes; --save-failures DIR writes it whole",
            request.body.len()
        );
    } else if !request.body.is_empty() {
        command.push_str(" --data-binary ");
        command.push_str(&shell_quote(&request.body));
    }
    command
}

/// Quotes bytes for a POSIX shell: `'...'` for printable UTF-8, `$'...'` with escapes otherwise.
fn shell_quote(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.chars().any(char::is_control) => {
            format!("'{}'", text.replace('\'', r"'\''"))
        }
        _ => {
            let mut quoted = String::from("$'");
            for &byte in bytes {
                match byte {
                    b'\\' => quoted.push_str(r"\\"),
                    b'\'' => quoted.push_str(r"\'"),
                    0x20..=0x7e => quoted.push(byte as char),
                    _ => {
                        let _ = write!(quoted, "\\x{byte:02x}");
                    }
                }
            }
            quoted.push('\'');
            quoted
        }
    }
}

/// The line that closes a run: outcomes, requests, time and throughput.
pub fn summary_line(record: &RunRecord) -> String {
    let seconds = record.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        record.requests as f64 / seconds
    } else {
        0.0
    };
    let mut line = format!(
        "{} passed, {} failed, {} warned",
        record.count(Outcome::Pass),
        record.count(Outcome::Fail),
        record.count(Outcome::Warn)
    );
    for (outcome, label) in [
        (Outcome::Known, "known"),
        (Outcome::Setup, "setup problems"),
        (Outcome::Skip, "not run"),
    ] {
        let count = record.count(outcome);
        if count > 0 {
            let _ = write!(line, ", {count} {label}");
        }
    }
    let parity = &record.tally.parity;
    if parity.compared > 0 {
        let _ = write!(line, ", {} parity differences", parity.differing);
    }
    let _ = write!(
        line,
        "; {} requests in {seconds:.2} s ({rate:.0} requests/s)",
        record.requests
    );
    line
}

/// Which way the target went on MAYs: one line per `either` case from a file, and one per
/// generator class for generated ones (`prop/may-ct [A2]: 256 rejected`).
pub fn may_choices(tally: &Tally) -> Vec<String> {
    tally
        .may_choices
        .iter()
        .map(|(subject, decisions)| {
            let choices: Vec<String> = match decisions.iter().collect::<Vec<_>>().as_slice() {
                [(decision, 1)] => vec![decision_name(**decision).to_owned()],
                many => many
                    .iter()
                    .map(|(decision, count)| format!("{count} {}", decision_name(**decision)))
                    .collect(),
            };
            format!("{subject}: {}", choices.join(", "))
        })
        .collect()
}

/// The word for a decision in reports.
pub fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Accepted => "accepted",
        Decision::Rejected => "rejected",
        Decision::Neither => "neither",
    }
}

/// Distinct setup problems of the run, each with how many cases met it.
pub fn setup_problems(tally: &Tally) -> Vec<String> {
    tally
        .setup_problems
        .iter()
        .map(|(message, count)| format!("{message} ({count} cases)"))
        .collect()
}

/// Distinct reasons cases were not run, each with how many.
pub fn skip_reasons(tally: &Tally) -> Vec<String> {
    tally
        .skip_reasons
        .iter()
        .map(|(reason, count)| format!("{reason} ({count} cases)"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn curl_lines_quote_and_mask() {
        let mut request =
            Request::create_connection("p", Bytes::from_static(b"{\"name\":\"it's\"}"));
        request
            .headers
            .push(("X-Auth-Token".into(), "s3cret".into()));
        let line = curl_command(&request, "http://127.0.0.1:1");
        assert_eq!(
            line,
            r#"curl -sS -X POST 'http://127.0.0.1:1/v2.0/p/datasource-connection' -H 'Content-Type: application/json' -H 'X-Auth-Token: ***' --data-binary '{"name":"it'\''s"}'"#
        );
        assert!(!line.contains("s3cret"));
    }

    #[test]
    fn binary_bodies_use_ansi_c_quoting() {
        assert_eq!(shell_quote(b"a\xff\n'"), r"$'a\xff\x0a\''");
    }
}
