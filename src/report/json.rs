//! The JSON reports, written as the run goes: `--report-json PATH` (one document) and
//! `--report-jsonl PATH` (one result per line).
//!
//! Both write each result the moment it is judged and keep nothing of it, so their memory is
//! flat and their size grows with the number of cases, never with what a target answers. A
//! result keeps its facts (status, content type, body sizes, connection id, time); its bodies
//! are kept only where someone will read them ([`Bodies`]: failures, warnings, setup problems,
//! MAY choices and known deviations, or every result with `--report-bodies all`), else each is
//! `{"bytes"}`. A kept body takes at most [`REPORT_BODY_MAX`] bytes of the report
//! *after escaping*: `json` when it is JSON that fits, `text` (UTF-8, cut by its escaped
//! length) or `base64` (anything else) otherwise, with `bytes` (its length as read) and
//! `truncated` beside it. In the document, a result whose clause list an earlier result already
//! had gives `"clauses": {"as": "<that result's id>"}` (a generator class's thousands of
//! results share one list of about 30 clauses: most of a clean run's report). Files are written beside their path and renamed when complete
//! ([`super::atomic`]). The document opens with the run's metadata and `results`, and closes
//! (in [`Reporter::finish`]) with `summary`, the clause × outcome matrix `clauses`, the MAY
//! choices and the setup problems; `dli-conformance merge-reports` reads the same shape.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use base64::Engine as _;

use serde_json::{json, Map, Value};

use super::atomic::Pending;
use super::{decision_name, Reporter};
use crate::case::Source;
use crate::check::Outcome;
use crate::result::{CaseResult, ParityTally, RunMeta, RunRecord, Tally, REPORT_BODY_MAX};
use crate::spec::clause::ClauseId;

/// Which results keep their request and answer bodies in a report (`--report-bodies`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Bodies {
    /// Results someone reads: failures, warnings, setup problems, MAY choices, known deviations.
    #[default]
    Failures,
    /// Every result.
    All,
}

impl std::str::FromStr for Bodies {
    type Err = String;

    fn from_str(text: &str) -> Result<Bodies, String> {
        match text {
            "failures" => Ok(Bodies::Failures),
            "all" => Ok(Bodies::All),
            _ => Err(format!("{text:?} is neither `failures` nor `all`")),
        }
    }
}

impl Bodies {
    /// Whether `result` keeps its bodies.
    fn keeps(self, result: &CaseResult) -> bool {
        self == Bodies::All || result.outcome() != Outcome::Pass || !result.may_clauses().is_empty()
    }
}

/// `--report-json`: one JSON document, results streamed into its `results` array.
pub struct JsonReport {
    out: Pending,
    results: u64,
    bodies: Bodies,
    /// Each clause list written so far, with the first result that had it.
    clause_lists: HashMap<Vec<ClauseId>, String>,
}

impl JsonReport {
    /// Creates the report's temporary file beside `path` and writes the document's head.
    pub fn create(path: &Path, meta: &RunMeta) -> io::Result<JsonReport> {
        let mut out = Pending::create(path)?;
        let head = serde_json::to_string(meta).map_err(io::Error::other)?;
        // The metadata object without its closing brace, then the results array.
        writeln!(out, "{},", head.trim_end_matches('}'))?;
        writeln!(out, "\"results\": [")?;
        Ok(JsonReport {
            out,
            results: 0,
            bodies: Bodies::default(),
            clause_lists: HashMap::new(),
        })
    }

    /// Keeps the bodies of `bodies` results.
    pub fn with_bodies(mut self, bodies: Bodies) -> JsonReport {
        self.bodies = bodies;
        self
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
        let mut value = result_value(result, self.bodies);
        if !result.clauses.is_empty() {
            match self.clause_lists.get(&result.clauses) {
                Some(first) => value["clauses"] = json!({ "as": first }),
                None => {
                    self.clause_lists
                        .insert(result.clauses.clone(), result.id.clone());
                }
            }
        }
        self.write_value(&value)
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
        self.out.commit()
    }
}

/// `--report-jsonl`: one JSON object per result, one per line.
pub struct JsonLinesReport {
    out: Pending,
    bodies: Bodies,
}

impl JsonLinesReport {
    /// Creates the report's temporary file beside `path`; it keeps the bodies of `bodies`.
    pub fn create(path: &Path, bodies: Bodies) -> io::Result<JsonLinesReport> {
        Ok(JsonLinesReport {
            out: Pending::create(path)?,
            bodies,
        })
    }
}

impl Reporter for JsonLinesReport {
    fn result(&mut self, result: &CaseResult, _failure: Option<&str>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &result_value(result, self.bodies))
            .map_err(io::Error::other)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, _record: &RunRecord) -> io::Result<()> {
        self.out.commit()
    }
}

/// One result as the reports write it, with its bodies when `bodies` keeps them.
pub fn result_value(result: &CaseResult, bodies: Bodies) -> Value {
    let keep = bodies.keeps(result);
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
            "body": body_member(&result.request.body, false, keep),
        },
        "response": result.response.as_ref().map(|response| json!({
            "status": response.status,
            "content_type": response.header("content-type"),
            "body": body_member(&response.body, response.body_truncated, keep),
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

/// The deepest nesting a body kept as `{"json": value}` may have. The report puts it a few
/// levels down, and JSON readers commonly stop at 128 levels (serde_json, Python's `json` near
/// 1 000, browsers' more): a deeper body is kept as `{"text": ...}`, so every report parses.
const REPORT_JSON_DEPTH: usize = 64;

/// How deep `value` nests (a scalar is 0), counting no further than `limit + 1`.
fn nesting(value: &Value, limit: usize) -> usize {
    if limit == 0 {
        return usize::from(matches!(value, Value::Array(_) | Value::Object(_)));
    }
    let deepest = |items: &mut dyn Iterator<Item = &Value>| {
        1 + items
            .map(|item| nesting(item, limit - 1))
            .max()
            .unwrap_or(0)
    };
    match value {
        Value::Array(items) => deepest(&mut items.iter()),
        Value::Object(members) => deepest(&mut members.values()),
        _ => 0,
    }
}

/// A body as a report holds it. Not kept: `{"bytes"}`. Kept: `{"json": value}` when
/// it is JSON, whole, nests at most [`REPORT_JSON_DEPTH`] levels and takes at most
/// [`REPORT_BODY_MAX`] bytes written; else `{"text": ...}` when
/// it is UTF-8 (up to where the read cap cut it), cut where its escaped form would pass
/// [`REPORT_BODY_MAX`]; else `{"base64": ...}` of as many bytes as fit. `bytes` is its length
/// as read, `truncated` whether the report (or the target's read cap, `cut_by_target`) cut it.
fn body_member(body: &[u8], cut_by_target: bool, keep: bool) -> Value {
    let mut member = Map::new();
    member.insert("bytes".into(), body.len().into());
    if !keep {
        return Value::Object(member);
    }
    let json = (body.len() <= REPORT_BODY_MAX && !cut_by_target)
        .then(|| serde_json::from_slice::<Value>(body).ok())
        .flatten()
        .filter(|value| {
            nesting(value, REPORT_JSON_DEPTH) <= REPORT_JSON_DEPTH
                && value.to_string().len() <= REPORT_BODY_MAX
        });
    let whole = match json {
        Some(value) => {
            member.insert("json".into(), value);
            true
        }
        None => match utf8_head(body, cut_by_target) {
            Some(text) => {
                let shown = escaped_head(text, REPORT_BODY_MAX);
                member.insert("text".into(), shown.into());
                shown.len() == body.len()
            }
            None => {
                let shown = &body[..body.len().min(REPORT_BODY_MAX / 4 * 3)];
                let encoded = base64::engine::general_purpose::STANDARD.encode(shown);
                member.insert("base64".into(), encoded.into());
                shown.len() == body.len()
            }
        },
    };
    member.insert("truncated".into(), (!whole || cut_by_target).into());
    Value::Object(member)
}

/// `body` as text when it is UTF-8: all of it, or (when the read cap cut it) up to a character
/// the cut split.
fn utf8_head(body: &[u8], cut_by_target: bool) -> Option<&str> {
    match std::str::from_utf8(body) {
        Ok(text) => Some(text),
        Err(err) if cut_by_target && err.error_len().is_none() => {
            std::str::from_utf8(&body[..err.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

/// The longest head of `text` whose JSON string escape takes at most `max` bytes.
fn escaped_head(text: &str, max: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            '\0'..='\u{1f}' => 6,
            c => c.len_utf8(),
        };
        if used > max {
            return &text[..at];
        }
    }
    text
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
        "parity": (tally.parity != ParityTally::default()).then_some(&tally.parity),
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
    fn a_deeply_nested_body_is_kept_as_text_so_the_report_parses() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let shallow = body_member(nested(REPORT_JSON_DEPTH).as_bytes(), false, true);
        assert!(shallow.get("json").is_some());
        let deep = nested(REPORT_JSON_DEPTH + 1);
        let kept = body_member(deep.as_bytes(), false, true);
        assert_eq!(kept["text"], deep.as_str());
        let report = json!({"results": [{"request": {"body": kept}}]}).to_string();
        assert!(serde_json::from_str::<Value>(&report).is_ok());
    }

    #[test]
    fn bodies_are_cut_with_their_length() {
        let small = body_member(br#"{"a":1}"#, false, true);
        assert_eq!(
            small,
            json!({"json": {"a": 1}, "bytes": 7, "truncated": false})
        );
        let big = vec![b' '; 3 * REPORT_BODY_MAX];
        let cut = body_member(&big, false, true);
        assert_eq!(cut["bytes"], 3 * REPORT_BODY_MAX);
        assert_eq!(cut["truncated"], true);
        assert_eq!(cut["text"].as_str().unwrap().len(), REPORT_BODY_MAX);
        let capped = body_member(br#"{"a":1}"#, true, true);
        assert_eq!(capped["truncated"], true);
        assert!(capped.get("json").is_none());
    }

    #[test]
    fn a_kept_body_takes_at_most_the_cap_once_escaped() {
        let controls = vec![1u8; 3 * REPORT_BODY_MAX];
        let binary: Vec<u8> = (0..3 * REPORT_BODY_MAX).map(|i| (i % 256) as u8).collect();
        let quotes = "\"".repeat(3 * REPORT_BODY_MAX);
        for body in [&controls[..], &binary[..], quotes.as_bytes()] {
            let member = body_member(body, false, true);
            let written = member.to_string().len();
            assert!(written <= REPORT_BODY_MAX + 64, "{written}");
            assert_eq!(member["truncated"], true);
        }
        let member = body_member(&binary, false, true);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(member["base64"].as_str().unwrap())
            .unwrap();
        assert_eq!(decoded, binary[..decoded.len()]);
        let whole = body_member(&[0xff, 0, 1], false, true);
        assert_eq!(whole["base64"], "/wAB");
        assert_eq!(whole["truncated"], false);
        // A multi-byte character split by the read cap is left out, the rest is text.
        let split = body_member("aé".as_bytes().split_at(2).0, true, true);
        assert_eq!(split["text"], "a");
    }

    #[test]
    fn a_body_not_kept_leaves_its_size() {
        assert_eq!(body_member(b"abc", false, false), json!({"bytes": 3}));
    }
}
