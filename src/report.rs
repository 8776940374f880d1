//! Reports: a run's results in, text and JSON out. Reads results; never sends or re-checks.
//!
//! [`render_failure`] writes one case's failure the way a compiler would: a headline per broken
//! clause, `--> file:line (case id)`, the request as a `curl` line anyone can paste, and aligned
//! `expected =` / `actual   =` lines. [`summary_line`] closes a run, [`may_choices`] records what
//! the target chose where the spec says MAY, and [`json_report`] is the `--report-json` document.
//! Header values that carry secrets (tokens, signatures, keys) are masked before anything is shown.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::case::Expect;
use crate::check::{Decision, Outcome};
use crate::runner::{CaseResult, RunRecord};
use crate::target::Request;

/// Renders a failed or warned case like compiler output.
pub fn render_failure(result: &CaseResult, base_url: &str) -> String {
    let mut out = String::new();
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
    for (index, violation) in result.verdict.violations.iter().enumerate() {
        let severity = match violation.level {
            crate::clause::Level::Must => "error",
            _ => "warning",
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
    }
    let _ = writeln!(
        out,
        "   = case: expect {}, clauses {}",
        result.expect,
        result.clauses.join(", ")
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
                preview(&response.body, 300)
            );
        }
        None => {
            let _ = writeln!(out, "   = response: none");
        }
    }
    out
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(the exchange)"
    } else {
        pointer
    }
}

/// At most `limit` characters of a body, on one line.
fn preview(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    if one_line.chars().count() > limit {
        format!("{}...", one_line.chars().take(limit).collect::<String>())
    } else {
        one_line
    }
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
    if !request.body.is_empty() {
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
    let setup = record.count(Outcome::Setup);
    if setup > 0 {
        let _ = write!(line, ", {setup} setup problems");
    }
    let _ = write!(
        line,
        "; {} requests in {seconds:.2} s ({rate:.0} requests/s)",
        record.requests
    );
    line
}

/// One line per `either` case: which way the target went on a MAY.
pub fn may_choices(record: &RunRecord) -> Vec<String> {
    record
        .results
        .iter()
        .filter(|r| r.expect == Expect::Either && r.outcome() != Outcome::Setup)
        .map(|r| {
            let mays: Vec<&str> = r
                .clauses
                .iter()
                .copied()
                .filter(|id| crate::clause::level_of(id) == crate::clause::Level::May)
                .collect();
            format!(
                "{} [{}]: {}",
                r.id,
                mays.join(", "),
                decision_name(r.verdict.decision)
            )
        })
        .collect()
}

fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Accepted => "accepted",
        Decision::Rejected => "rejected",
        Decision::Neither => "neither",
    }
}

/// Distinct setup problems of the run, each with how many cases met it.
pub fn setup_problems(record: &RunRecord) -> Vec<String> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for setup in record
        .results
        .iter()
        .filter_map(|r| r.verdict.setup.as_ref())
    {
        match seen
            .iter_mut()
            .find(|(message, _)| *message == setup.message)
        {
            Some((_, count)) => *count += 1,
            None => seen.push((setup.message.clone(), 1)),
        }
    }
    seen.into_iter()
        .map(|(message, count)| format!("{message} ({count} cases)"))
        .collect()
}

/// The `--report-json` document.
pub fn json_report(record: &RunRecord, started_at: &str) -> Value {
    let results: Vec<Value> = record
        .results
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "clauses": r.clauses,
                "expect": r.expect,
                "outcome": r.outcome(),
                "decision": decision_name(r.verdict.decision),
                "source": r.source.to_string(),
                "request": {
                    "method": r.request.method.as_str(),
                    "path": r.request.path,
                    "body": body_value(&r.request.body),
                },
                "response": r.response.as_ref().map(|response| json!({
                    "status": response.status,
                    "body": body_value(&response.body),
                })),
                "setup_problem": r.verdict.setup.as_ref().map(|s| &s.message),
                "violations": r.verdict.violations,
            })
        })
        .collect();
    json!({
        "target": record.target,
        "started_at": started_at,
        "summary": {
            "total": record.results.len(),
            "passed": record.count(Outcome::Pass),
            "failed": record.count(Outcome::Fail),
            "warned": record.count(Outcome::Warn),
            "setup": record.count(Outcome::Setup),
            "requests": record.requests,
            "seconds": record.elapsed.as_secs_f64(),
        },
        "results": results,
    })
}

/// A body as JSON when it parses, else as a (lossy) string.
fn body_value(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
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
