//! One result as a parity snapshot: what the target did, with the volatile values redacted.
//!
//! [`Snapshot::of`] takes a judged [`CaseResult`] and the run id and gives the facts a client
//! could rely on, as `key: value` lines: `decision`, `status` (or `answer: none (...)`),
//! `content-type`, then `body`: `empty`, `not json`, or one line per JSON node of the answer,
//! keyed by its JSON pointer below `body`, with its type and, for leaves, its value.
//! Redaction (the only place values are changed): a member named like an id (`connection_id`,
//! `request_id`, `id`, `*_id`) becomes `[uuid]` or `[id]` (the format stays recorded, the value
//! does not); a member named like a time becomes `[time]`; in every other string, UUIDs, runs of
//! 16 or more hex digits, RFC 3339 dates and the run id are replaced by `[uuid]`, `[id]`,
//! `[date]` and `[run-id]`, so a `message` that quotes a name or an id still compares. Nothing
//! else is dropped: an emulator whose `error_msg` words differ shows up. [`super::recording`]
//! writes snapshots to files and reads them back; [`super::compare`] lines two up.

use serde_json::Value;

use crate::check::is_uuid;
use crate::report::decision_name;
use crate::result::CaseResult;
use crate::spec::clause::ClauseId;

/// What one result's target did, redacted: the facts in order, keyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The case id (`valid/minimal`, `prop/may-ct/17`).
    pub case: String,
    /// The clauses the case exercises (a recording keeps its MAY clauses only).
    pub clauses: Vec<ClauseId>,
    /// `(key, value)` facts in the order they are written.
    pub facts: Vec<(String, String)>,
}

impl Snapshot {
    /// The snapshot of `result`, redacting `run_id` in texts; `None` for a result that was not
    /// sent (skipped) or met a setup problem (the environment answered, not the target).
    pub fn of(result: &CaseResult, run_id: &str) -> Option<Snapshot> {
        if result.skipped.is_some() || result.verdict.setup.is_some() {
            return None;
        }
        let mut facts = vec![(
            "decision".to_owned(),
            decision_name(result.verdict.decision).to_owned(),
        )];
        match &result.response {
            None => facts.push(("answer".into(), "none (no HTTP answer in time)".into())),
            Some(response) => {
                facts.push(("status".into(), response.status.to_string()));
                let content_type = response
                    .header("content-type")
                    .map(|value| value.trim().to_ascii_lowercase().replace("; ", ";"))
                    .unwrap_or_else(|| "(none)".into());
                facts.push(("content-type".into(), content_type));
                match serde_json::from_slice::<Value>(&response.body) {
                    _ if response.body.is_empty() => facts.push(("body".into(), "empty".into())),
                    Ok(value) if !response.body_truncated => {
                        shape(&value, "body", None, run_id, &mut facts);
                    }
                    _ => facts.push(("body".into(), "not json".into())),
                }
            }
        }
        Some(Snapshot {
            case: result.id.clone(),
            clauses: result.clauses.clone(),
            facts,
        })
    }

    /// The value of fact `key`, if the snapshot has it.
    pub fn fact(&self, key: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Appends one fact per node of `value` at `key` (`member` is the name it is the value of).
fn shape(
    value: &Value,
    key: &str,
    member: Option<&str>,
    run_id: &str,
    facts: &mut Vec<(String, String)>,
) {
    let fact = match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(text) => format!("string {}", redact_member(member, text, run_id)),
        Value::Array(items) => format!("array of {}", items.len()),
        Value::Object(members) => format!("object of {}", members.len()),
    };
    facts.push((key.to_owned(), fact));
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                shape(item, &format!("{key}/{index}"), None, run_id, facts);
            }
        }
        Value::Object(members) => {
            for (name, item) in members {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                shape(item, &format!("{key}/{escaped}"), Some(name), run_id, facts);
            }
        }
        _ => {}
    }
}

/// A string value as recorded: ids and times by their kind, any other text with its volatile
/// parts replaced; always as a JSON string (quoted, escaped, one line).
fn redact_member(member: Option<&str>, text: &str, run_id: &str) -> String {
    let name = member.unwrap_or_default().to_ascii_lowercase();
    let redacted = if name == "id" || name.ends_with("_id") {
        if is_uuid(text) {
            "[uuid]".to_owned()
        } else if text.is_empty() {
            String::new()
        } else {
            "[id]".to_owned()
        }
    } else if name.ends_with("time") || name.ends_with("date") || name.ends_with("_at") {
        if text.is_empty() {
            String::new()
        } else {
            "[time]".to_owned()
        }
    } else {
        redact_text(text, run_id)
    };
    serde_json::to_string(&redacted).expect("a string serializes")
}

/// `text` with its UUIDs, long hex runs, RFC 3339 dates and the run id replaced.
pub fn redact_text(text: &str, run_id: &str) -> String {
    let mut text = if run_id.is_empty() {
        text.to_owned()
    } else {
        text.replace(run_id, "[run-id]")
    };
    text = replace_runs(&text, 36, is_uuid, "[uuid]");
    text = replace_hex(&text);
    replace_runs(&text, 10, is_date, "[date]")
}

/// Replaces every `width`-byte window of `text` that `matches` (left to right, not
/// overlapping) with `by`.
fn replace_runs(text: &str, width: usize, matches: impl Fn(&str) -> bool, by: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let window = text.get(at..at + width);
        match window {
            Some(window) if matches(window) => {
                out.push_str(by);
                at += width;
                // A date's time part goes with it: `T12:00:00Z`, `T12:00:00.123+08:00`.
                if by == "[date]" {
                    let rest = &text[at..];
                    let tail = rest
                        .strip_prefix(['T', ' '])
                        .map(|time| {
                            1 + time
                                .find(|c: char| !(c.is_ascii_digit() || ":.+-Z".contains(c)))
                                .unwrap_or(time.len())
                        })
                        .filter(|&len| len > 6)
                        .unwrap_or(0);
                    at += tail;
                }
            }
            _ => {
                let c = text[at..].chars().next().expect("at is inside text");
                out.push(c);
                at += c.len_utf8();
            }
        }
    }
    out
}

/// `YYYY-MM-DD`.
fn is_date(window: &str) -> bool {
    let bytes = window.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// Runs of 16 or more hex digits (request ids, trace ids) become `[id]`.
fn replace_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 16 {
            out.push_str("[id]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_parts_of_texts_are_redacted_and_the_rest_kept() {
        let text = "name conn-7-abc123 exists since 2024-05-01T10:20:30.5Z as 0f8fad5b-d9cb-469f-a165-70867728950e, request 5e4b1a2c3d4e5f60718293a4";
        assert_eq!(
            redact_text(text, "abc123"),
            "name conn-7-[run-id] exists since [date] as [uuid], request [id]"
        );
        assert_eq!(
            redact_text("name: too long (65 > 64)", "r"),
            "name: too long (65 > 64)"
        );
    }

    #[test]
    fn ids_keep_their_format_and_times_their_kind() {
        let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(
            redact_member(Some("connection_id"), uuid, "r"),
            "\"[uuid]\""
        );
        assert_eq!(redact_member(Some("request_id"), "req-42", "r"), "\"[id]\"");
        assert_eq!(
            redact_member(Some("create_time"), "1700000000", "r"),
            "\"[time]\""
        );
        assert_eq!(redact_member(Some("message"), "", "r"), "\"\"");
    }
}
