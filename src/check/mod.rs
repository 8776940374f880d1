//! The checker: an expectation and an answer in, a [`Verdict`] out. Never panics, never prints.
//!
//! [`check`] is a pure function of the case's [`Expect`] and the target's [`Response`] (or the
//! [`TransportError`] that stood in for one); it covers every `resp.*` clause of the spec except
//! `resp.created.connection_id.unique`, which spans the whole run and lives in
//! [`ConnectionIds`]. Each broken rule is a [`Violation`] naming its clause, a JSON pointer into
//! the answer (`/status`, `/headers/content-type`, `/body/connection_id`), what was expected and
//! what came. Gateway answers (401, 403, 404, 407, 413, 414, 429) are not judged: they make the
//! verdict a [`SetupProblem`]. So does a 400 to a valid (or MAY) body that says the project's
//! quota is used up: by its code, DLI's `DLI.1028` ([`errors::QUOTA_INSUFFICIENT`]), or failing
//! that by its message (`quota`, `配额`): the body is fine, the environment is full, so it is
//! neither a failure of `resp.created.status` nor a MAY choice. The runner, the reports and the
//! fuzz oracles all read the same value; [`answers`] generates the space of answers it must pass
//! and the perturbations it must flag.
//!
//! The files: this one holds the verdict types, [`check`] and the per-clause checks; `body.rs`
//! reads a body (the RFC 8259 readings, the object, the short quotes of values a violation
//! carries); `ids.rs` holds the run-wide registry [`ConnectionIds`] (re-exported here);
//! `answers/` the answer space (`values.rs`, `conformant.rs`, `perturbed.rs`, `tests.rs`);
//! `tests.rs` the checker's unit tests.
//!
//! What the checker lets a server choose (a false alarm costs more than a missed fault; where
//! `CLAUSES.md` is explicit the checker is strict, where it and the RFCs it leans on leave a
//! choice the checker takes every reading):
//! - What JSON is (`resp.created.json`, `resp.error.envelope`): the project's RFC 8259 reader
//!   ([`json_text`]), the one the oracle judges requests with, not serde_json. Any whitespace
//!   around and between tokens, any escape (`\/`, `\u` of any character, upper- or lower-case
//!   hex), numbers of any size or precision, any nesting depth. The corners RFC 8259 leaves to
//!   the receiver are never a failure: lone surrogate escapes (§8.2, as Python's `json.dumps`
//!   and JavaScript's `JSON.stringify` write them when they echo a request's string), bytes
//!   inside a string that are not UTF-8 (§8.1, JSONTestSuite's `i_` texts), numbers beyond
//!   binary64 (§6), a leading UTF-8 byte order mark (§8.1: a sender MUST NOT add one, a
//!   receiver MAY ignore it; it is the sender's slip on a text every mainstream reader takes, so
//!   it is ignored), and repeated member names (§4): the body is judged with the first and with
//!   the last value of each repeated name, and the reading with fewer violations stands (a
//!   duplicated `error_code`, one empty and one not, passes). Everything else outside the
//!   grammar (comments, trailing commas, `NaN`, single quotes, raw control characters, an empty
//!   body, a body cut at the transport's cap) is not JSON.
//! - The media type (`resp.created.json`, `resp.error.envelope`): `Content-Type`'s essence must
//!   be `application/json`, compared without regard to case (RFC 9110 §8.3.1), with any
//!   parameters (`; charset=UTF-8`) and whitespace around them; the header name in any case.
//!   A missing label or two `Content-Type` fields (a singleton field, RFC 9110 §5.3) is a
//!   failure: an answer labelled otherwise is not JSON to a client. Other headers are free.
//! - The success body (`resp.created.*`): members in any order, extra members of any type
//!   anywhere; `is_success` and `message` may be absent (A4); `message` any string, empty too;
//!   `connection_id` a string in the UUID string form of RFC 9562 §4 (8-4-4-4-12 hex digits, hex
//!   in either case, as RFC 9562 reads it on input). Braces, `urn:uuid:` and the unhyphenated
//!   form are not that form, so they break `resp.created.connection_id.type`; an upper-case id
//!   and its lower-case twin are the same id for `resp.created.connection_id.unique`.
//! - The error body (`resp.error.envelope`): `error_code` any non-empty string (DLI's codes,
//!   gateway codes or others), `error_msg` any string (empty too), other members of any type.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::clause::{ClauseId, Level};
use crate::spec::errors;
use crate::spec::expect::Expect;
use crate::transport::{Response, TransportError};

pub mod answers;
mod body;
mod ids;
#[cfg(test)]
mod tests;

use body::{compact, json_kind, parse_object, read_body};
pub use ids::ConnectionIds;

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every rule held.
    Pass,
    /// A MUST broke.
    Fail,
    /// Only SHOULDs broke.
    Warn,
    /// The environment answered instead of the endpoint (credentials, path, throttling).
    Setup,
    /// Not sent: the run stopped, the create budget was spent, or the case was left out.
    Skip,
    /// Failed only on clauses a live entry of the run's known-deviation baseline accepts
    /// (see `crate::baseline`): reported, never a failure.
    Known,
}

/// Which way a server decided, for the record of MAY choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// A 2xx answer.
    Accepted,
    /// A 4xx answer.
    Rejected,
    /// A 5xx, another status, or no answer.
    Neither,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The clause id it breaks.
    pub clause: ClauseId,
    /// The clause's level (MUST fails, SHOULD warns).
    #[serde(skip)]
    pub level: Level,
    /// Where in the answer: `/status`, `/headers/content-type`, `/body/...` or `` (no answer).
    pub pointer: String,
    /// What the spec wants there.
    pub expected: String,
    /// What came.
    pub actual: String,
    /// One lower-case sentence.
    pub message: String,
}

/// An answer that came from the environment rather than the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupProblem {
    /// The status the environment answered.
    pub status: u16,
    /// Its `error_code`, when the body had one.
    pub error_code: Option<String>,
    /// What it means for the run, e.g. "the target rejected the credentials: 401 APIG.0301".
    pub message: String,
}

/// The checker's judgement of one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Every broken rule, in the order they were found.
    pub violations: Vec<Violation>,
    /// Set when the environment answered instead of the endpoint.
    pub setup: Option<SetupProblem>,
    /// Accepted, rejected or neither.
    pub decision: Decision,
    /// The `connection_id` of a well-formed success answer, for the run-wide uniqueness check.
    pub connection_id: Option<String>,
}

impl Verdict {
    /// No violation, no setup problem, no decision: the verdict of a case never sent.
    pub fn empty() -> Verdict {
        Verdict {
            violations: Vec::new(),
            setup: None,
            decision: Decision::Neither,
            connection_id: None,
        }
    }

    /// Setup when the environment answered, else fail on any MUST, warn on any SHOULD, else pass.
    pub fn outcome(&self) -> Outcome {
        if self.setup.is_some() {
            Outcome::Setup
        } else if self.violations.iter().any(|v| v.level == Level::Must) {
            Outcome::Fail
        } else if self.violations.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Warn
        }
    }
}

/// Statuses a gateway in front of the endpoint answers, and what each means for the run.
fn gateway_meaning(status: u16) -> Option<&'static str> {
    Some(match status {
        401 => "the target rejected the credentials",
        403 => "the target refused access (permissions or policy)",
        404 => "the target has no such path or project (check --target and --project-id)",
        407 => "a proxy wants credentials",
        413 => "the target refused the body as too large (leave such cases out with --skip ID)",
        414 => "the target refused the URI as too long",
        429 => "the target is throttling the run",
        _ => return None,
    })
}

/// The clauses [`check`] (with [`ConnectionIds`]) judges an answer by, for a case expecting
/// `expect`: what a case exercises on the response side. An `either` case is judged by the
/// success shape or the error envelope, whichever answer comes. (The readings the success checks
/// follow, `A4` and `A7`, are named by the cases about them, not by every case.)
pub fn judged_clauses(expect: Expect) -> Vec<ClauseId> {
    use ClauseId::*;
    const SUCCESS_SHAPE: &[ClauseId] = &[
        RespCreatedJson,
        RespCreatedIsSuccessType,
        RespCreatedIsSuccessTrue,
        RespCreatedMessageType,
        RespCreatedConnectionIdType,
        RespCreatedConnectionIdPresent,
        RespCreatedConnectionIdUnique,
    ];
    const ANY_ANSWER: &[ClauseId] = &[RespNoServerError, RespStatusDocumented];
    let (status, shapes): (&[ClauseId], &[&[ClauseId]]) = match expect {
        Expect::Accept => (&[RespCreatedStatus], &[SUCCESS_SHAPE]),
        Expect::Reject => (&[RespInvalidStatus], &[&[RespErrorEnvelope]]),
        Expect::Either => (&[], &[SUCCESS_SHAPE, &[RespErrorEnvelope]]),
    };
    let mut clauses: Vec<ClauseId> = status.to_vec();
    clauses.extend(shapes.iter().copied().flatten());
    clauses.extend(ANY_ANSWER);
    clauses
}

/// Judges one answer (or its absence) against what a conformant server does.
pub fn check(expect: Expect, answer: &Result<Response, TransportError>) -> Verdict {
    let mut found = Findings::default();
    let response = match answer {
        Ok(response) => response,
        Err(error) => {
            found.push(
                status_clause(expect),
                "",
                expected_status(expect),
                error.to_string(),
                "the target gave no answer",
            );
            return found.into_verdict(Decision::Neither, None);
        }
    };
    let status = response.status;
    if let Some(meaning) = gateway_meaning(status) {
        let error_code = parse_object(response).and_then(|body| {
            body.get("error_code")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let code = error_code
            .as_deref()
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        return Verdict {
            violations: Vec::new(),
            setup: Some(SetupProblem {
                status,
                message: format!("{meaning}: {status}{code}"),
                error_code,
            }),
            decision: Decision::Neither,
            connection_id: None,
        };
    }
    if expect != Expect::Reject && status == 400 {
        if let Some(setup) = quota_refusal(response) {
            return Verdict {
                violations: Vec::new(),
                setup: Some(setup),
                decision: Decision::Neither,
                connection_id: None,
            };
        }
    }
    let decision = match status {
        200..=299 => Decision::Accepted,
        400..=499 => Decision::Rejected,
        _ => Decision::Neither,
    };
    check_status(expect, status, &mut found);
    let mut connection_id = None;
    if (200..300).contains(&status) {
        connection_id = check_success_shape(response, &mut found);
    }
    if status >= 400 {
        check_error_envelope(response, &mut found);
    }
    found.into_verdict(decision, connection_id)
}

/// The setup problem a 400 answer stands for when it says a quota is used up: by DLI's code for
/// it, or else by its error message.
fn quota_refusal(response: &Response) -> Option<SetupProblem> {
    let body = parse_object(response)?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let message = format!("{} {}", text("error_msg"), text("message"));
    let by_code = text("error_code") == errors::QUOTA_INSUFFICIENT.code;
    let by_message = message.to_lowercase().contains("quota") || message.contains("配额");
    if !by_code && !by_message {
        return None;
    }
    let error_code = body
        .get("error_code")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let code = error_code
        .as_deref()
        .map(|c| format!(" {c}"))
        .unwrap_or_default();
    Some(SetupProblem {
        status: response.status,
        message: format!(
            "the project's quota is used up, a valid request was refused: {}{code} (delete connections or lower --max-creates)",
            response.status
        ),
        error_code,
    })
}

fn status_clause(expect: Expect) -> ClauseId {
    match expect {
        Expect::Accept => ClauseId::RespCreatedStatus,
        Expect::Reject => ClauseId::RespInvalidStatus,
        Expect::Either => ClauseId::RespStatusDocumented,
    }
}

fn expected_status(expect: Expect) -> &'static str {
    match expect {
        Expect::Accept => "201",
        Expect::Reject => "400",
        Expect::Either => "201 or 400",
    }
}

fn check_status(expect: Expect, status: u16, found: &mut Findings) {
    let actual = status.to_string();
    if !expect.wants(status) && expect != Expect::Either {
        let message = match expect {
            Expect::Accept => "a valid request was not answered 201",
            _ => "an invalid request was not answered 400",
        };
        found.push(
            status_clause(expect),
            "/status",
            expected_status(expect),
            &actual,
            message,
        );
    }
    if status >= 500 {
        found.push(
            ClauseId::RespNoServerError,
            "/status",
            "not 5xx",
            &actual,
            "the target answered with a server error",
        );
    }
    if !matches!(status, 201 | 400 | 500) {
        found.push(
            ClauseId::RespStatusDocumented,
            "/status",
            "201, 400 or 500",
            &actual,
            "the endpoint answered a status the spec does not list",
        );
    }
}

/// Checks the 2xx body; gives its `connection_id` when that is a well-formed UUID.
fn check_success_shape(response: &Response, found: &mut Findings) -> Option<String> {
    check_json_content_type(response, ClauseId::RespCreatedJson, found);
    let readings = match read_body(response) {
        Ok(readings) => readings,
        Err(why) => {
            found.push(
                ClauseId::RespCreatedJson,
                "/body",
                "a JSON object",
                why,
                "the success body is not JSON",
            );
            return None;
        }
    };
    let (members, id) = most_lenient(&readings, success_members);
    found.0.extend(members.0);
    id
}

/// The reading that breaks the fewest rules (the first of equals), judged by `judge`.
fn most_lenient<T>(
    readings: &[Value],
    judge: impl Fn(&Value, &mut Findings) -> T,
) -> (Findings, T) {
    readings
        .iter()
        .map(|body| {
            let mut found = Findings::default();
            let judged = judge(body, &mut found);
            (found, judged)
        })
        .min_by_key(|(found, _)| found.0.len())
        .expect("a body has at least one reading")
}

/// The success body's members, in one reading of the text.
fn success_members(body: &Value, found: &mut Findings) -> Option<String> {
    let Value::Object(body) = body else {
        found.push(
            ClauseId::RespCreatedJson,
            "/body",
            "a JSON object",
            json_kind(body),
            "the success body is not a JSON object",
        );
        return None;
    };
    match body.get("is_success") {
        None | Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => found.push(
            ClauseId::RespCreatedIsSuccessTrue,
            "/body/is_success",
            "true",
            "false",
            "a 201 carried is_success: false",
        ),
        Some(other) => found.push(
            ClauseId::RespCreatedIsSuccessType,
            "/body/is_success",
            "a boolean",
            compact(other),
            "is_success is not a boolean",
        ),
    }
    if let Some(message) = body.get("message").filter(|m| !m.is_string()) {
        found.push(
            ClauseId::RespCreatedMessageType,
            "/body/message",
            "a string",
            compact(message),
            "message is not a string",
        );
    }
    match body.get("connection_id") {
        None => {
            found.push(
                ClauseId::RespCreatedConnectionIdPresent,
                "/body/connection_id",
                "a UUID string",
                "absent",
                "the 201 carries no connection_id, the only handle on the new connection",
            );
            None
        }
        Some(Value::String(id)) if is_uuid(id) => Some(id.clone()),
        Some(other) => {
            found.push(
                ClauseId::RespCreatedConnectionIdType,
                "/body/connection_id",
                "a UUID string (8-4-4-4-12 hex digits)",
                compact(other),
                "connection_id is not a UUID string",
            );
            None
        }
    }
}

fn check_error_envelope(response: &Response, found: &mut Findings) {
    check_json_content_type(response, ClauseId::RespErrorEnvelope, found);
    match read_body(response) {
        Ok(readings) => found.0.extend(most_lenient(&readings, error_members).0 .0),
        Err(why) => found.push(
            ClauseId::RespErrorEnvelope,
            "/body",
            "a JSON object with error_code and error_msg",
            why,
            "the error body is not JSON",
        ),
    }
}

/// The error body's members, in one reading of the text.
fn error_members(body: &Value, found: &mut Findings) {
    let Value::Object(body) = body else {
        found.push(
            ClauseId::RespErrorEnvelope,
            "/body",
            "a JSON object with error_code and error_msg",
            json_kind(body),
            "the error body is not a JSON object",
        );
        return;
    };
    match body.get("error_code") {
        Some(Value::String(code)) if !code.is_empty() => {}
        other => found.push(
            ClauseId::RespErrorEnvelope,
            "/body/error_code",
            "a non-empty string",
            other.map_or_else(|| "absent".to_owned(), compact),
            "the error body has no usable error_code",
        ),
    }
    match body.get("error_msg") {
        Some(Value::String(_)) => {}
        other => found.push(
            ClauseId::RespErrorEnvelope,
            "/body/error_msg",
            "a string",
            other.map_or_else(|| "absent".to_owned(), compact),
            "the error body has no error_msg string",
        ),
    }
}

fn check_json_content_type(response: &Response, clause_id: ClauseId, found: &mut Findings) {
    let labels: Vec<&str> = response
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.as_str())
        .collect();
    if labels.len() > 1 {
        found.push(
            clause_id,
            "/headers/content-type",
            "one Content-Type, application/json",
            format!("{labels:?}"),
            "the answer carries more than one Content-Type",
        );
        return;
    }
    let content_type = response.header("content-type");
    let essence = content_type
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase());
    if essence.as_deref() != Some("application/json") {
        found.push(
            clause_id,
            "/headers/content-type",
            "application/json",
            content_type.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}")),
            "the answer is not labelled application/json",
        );
    }
}

/// True for a hyphenated UUID: 8-4-4-4-12 hexadecimal digits.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::try_parse(text).is_ok()
}

#[derive(Default)]
struct Findings(Vec<Violation>);

impl Findings {
    fn push(
        &mut self,
        clause_id: ClauseId,
        pointer: &str,
        expected: impl Into<String>,
        actual: impl Into<String>,
        message: &str,
    ) {
        self.0.push(Violation {
            clause: clause_id,
            level: clause_id.level(),
            pointer: pointer.to_owned(),
            expected: expected.into(),
            actual: actual.into(),
            message: message.to_owned(),
        });
    }

    fn into_verdict(self, decision: Decision, connection_id: Option<String>) -> Verdict {
        Verdict {
            violations: self.0,
            setup: None,
            decision,
            connection_id,
        }
    }
}
