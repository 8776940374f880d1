//! The JSON reports, written as the run goes: `--report-json PATH` (one document) and
//! `--report-jsonl PATH` (one result per line).
//!
//! Both write each result the moment it is judged and keep nothing of it, so their memory is
//! flat and their size grows with the number of cases, never with what a target answers: every
//! body is cut at [`REPORT_BODY_MAX`] bytes with `body_bytes` (its length as read) and
//! `body_truncated` beside it. The document opens with the run's metadata and `results`, and
//! closes (in [`Reporter::finish`]) with `summary`, the clause × outcome matrix `clauses`, the
//! MAY choices and the setup problems; `dli-conformance merge-reports` reads the same shape.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde_json::{json, Map, Value};

use super::{decision_name, Reporter};
use crate::case::Source;
use crate::result::{CaseResult, RunMeta, RunRecord, Tally, REPORT_BODY_MAX};

/// `--report-json`: one JSON document, results streamed into its `results` array.
pub struct JsonReport {
    out: BufWriter<File>,
    results: u64,
}

impl JsonReport {
    /// Creates `path` and writes the document's head.
    pub fn create(path: &Path, meta: &RunMeta) -> io::Result<JsonReport> {
        let mut out = BufWriter::new(File::create(path)?);
        let head = serde_json::to_string(meta).map_err(io::Error::other)?;
        // The metadata object without its closing brace, then the results array.
        writeln!(out, "{},", head.trim_end_matches('}'))?;
        writeln!(out, "\"results\": [")?;
        Ok(JsonReport { out, results: 0 })
    }

    /// Writes one result already in report form (merging reports).
    pub fn write_value(&mut self, result: &Value) -> io::Result<()> {
        if self.results > 0 {
            self.out.write_all(b",\n")?;
        }
        self.results += 1;
        serde_json::to_writer(&mut self.out, result).map_err(io::Error::other)
    }
}

impl Reporter for JsonReport {
    fn result(&mut self, result: &CaseResult, _failure: Option<&str>) -> io::Result<()> {
        self.write_value(&result_value(result))
    }

    fn finish(&mut self, record: &RunRecord) -> io::Result<()> {
        let closing = record_value(record);
        let Value::Object(members) = closing else {
            unreachable!("record_value gives an object");
        };
        self.out.write_all(b"\n]")?;
        for (key, value) in members {
            write!(self.out, ",\n{}: ", Value::String(key))?;
            serde_json::to_writer_pretty(&mut self.out, &value).map_err(io::Error::other)?;
        }
        self.out.write_all(b"\n}\n")?;
        self.out.flush()
    }
}

/// `--report-jsonl`: one JSON object per result, one per line, flushed as it goes.
pub struct JsonLinesReport {
    out: BufWriter<File>,
}

impl JsonLinesReport {
    /// Creates `path`.
    pub fn create(path: &Path) -> io::Result<JsonLinesReport> {
        Ok(JsonLinesReport {
            out: BufWriter::new(File::create(path)?),
        })
    }
}

impl Reporter for JsonLinesReport {
    fn result(&mut self, result: &CaseResult, _failure: Option<&str>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &result_value(result)).map_err(io::Error::other)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, _record: &RunRecord) -> io::Result<()> {
        self.out.flush()
    }
}

/// One result as the reports write it.
pub fn result_value(result: &CaseResult) -> Value {
    json!({
        "id": result.id,
        "clauses": result.clauses,
        "expect": result.expect,
        "outcome": result.outcome(),
        "decision": decision_name(result.verdict.decision),
        "source": result.source.to_string(),
        "generated": match &result.source {
            Source::Generated { class, seed, index } => {
                json!({"class": class, "seed": seed, "index": index})
            }
            Source::File { .. } | Source::Corpus { .. } => Value::Null,
        },
        "request": {
            "method": result.request.method.as_str(),
            "path": result.request.path,
            "body": body_member(&result.request.body, false),
        },
        "response": result.response.as_ref().map(|response| json!({
            "status": response.status,
            "body": body_member(&response.body, response.body_truncated),
        })),
        "connection_id": result.verdict.connection_id,
        "setup_problem": result.verdict.setup.as_ref().map(|s| &s.message),
        "skipped": result.skipped,
        "violations": result.verdict.violations,
        "known": result.known,
        "parity": result.parity,
        "seconds": result.elapsed.as_secs_f64(),
    })
}

/// A body cut at [`REPORT_BODY_MAX`] bytes: `{"json": value}` when it is JSON and whole,
/// otherwise `{"text": lossy text}`; `bytes` is its length as read, `truncated` whether the
/// report (or the target's read cap, `cut_by_target`) cut it.
fn body_member(body: &[u8], cut_by_target: bool) -> Value {
    let mut member = Map::new();
    let whole = body.len() <= REPORT_BODY_MAX;
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if whole && !cut_by_target => member.insert("json".into(), value),
        _ => {
            let head = &body[..body.len().min(REPORT_BODY_MAX)];
            member.insert("text".into(), String::from_utf8_lossy(head).into())
        }
    };
    member.insert("bytes".into(), body.len().into());
    member.insert("truncated".into(), (!whole || cut_by_target).into());
    Value::Object(member)
}

/// The closing members of the document: summary, clause matrix, MAY choices, setup problems.
pub fn record_value(record: &RunRecord) -> Value {
    let tally = &record.tally;
    json!({
        "summary": {
            "total": tally.counts.total(),
            "passed": tally.counts.pass,
            "failed": tally.counts.fail,
            "warned": tally.counts.warn,
            "setup": tally.counts.setup,
            "skipped": tally.counts.skip,
            "known": tally.counts.known,
            "requests": record.requests,
            "seconds": record.elapsed.as_secs_f64(),
            "stopped": record.stopped,
            "strict": record.strict,
            "conforms": record.conforms(),
        },
        "clauses": clause_matrix(tally),
        "may_choices": tally.may_choices,
        "setup_problems": tally.setup_problems,
        "skip_reasons": tally.skip_reasons,
        "baseline": record.baseline,
        "concurrency": record.concurrency,
        "parity": (tally.parity != crate::parity::ParityTally::default()).then_some(&tally.parity),
    })
}

/// `{clause id: {level, pass, fail, warn, setup, skip, first_failure}}` for every clause any
/// result exercised or broke; a MAY clause of a `--parity` run adds `parity: {same, differ}`
/// (results that chose as the recording did, or otherwise).
fn clause_matrix(tally: &Tally) -> Value {
    let rows: Map<String, Value> = tally
        .clauses
        .iter()
        .map(|(clause, row)| {
            let mut value = serde_json::to_value(row).expect("a clause row serializes");
            value["level"] = json!(clause.level());
            if let Some(parity) = tally.parity.may.get(clause) {
                value["parity"] = json!(parity);
            }
            (clause.id().to_owned(), value)
        })
        .collect();
    Value::Object(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_cut_with_their_length() {
        let small = body_member(br#"{"a":1}"#, false);
        assert_eq!(
            small,
            json!({"json": {"a": 1}, "bytes": 7, "truncated": false})
        );
        let big = vec![b' '; 3 * REPORT_BODY_MAX];
        let cut = body_member(&big, false);
        assert_eq!(cut["bytes"], 3 * REPORT_BODY_MAX);
        assert_eq!(cut["truncated"], true);
        assert_eq!(cut["text"].as_str().unwrap().len(), REPORT_BODY_MAX);
        let capped = body_member(br#"{"a":1}"#, true);
        assert_eq!(capped["truncated"], true);
        assert!(capped.get("json").is_none());
    }
}
