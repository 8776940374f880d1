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

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::spec::clause::{ClauseId, Level};
use crate::spec::errors;
use crate::spec::expect::{Expect, Source};
use crate::spec::json_text::{self, Repeats};
use crate::transport::{Response, TransportError, BODY_CAP};

pub mod answers;

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

/// The body's readings by the RFC 8259 reader: the value with the last of each repeated member
/// name, then (only when some name repeats) the value with the first.
fn read_body(response: &Response) -> Result<Vec<Value>, String> {
    if response.body_truncated {
        return Err(format!("a body over the {BODY_CAP}-byte cap"));
    }
    if response.body.is_empty() {
        return Err("an empty body".into());
    }
    let body = &response.body[..];
    let last = json_text::read(body, Repeats::Last).map_err(|err| {
        let head = String::from_utf8_lossy(&body[..body.len().min(60)]);
        format!("{head:?} ({} at byte {})", err.what, err.offset)
    })?;
    let mut readings = vec![last.value];
    if last.repeated_name {
        let first = json_text::read(body, Repeats::First).expect("the same text reads again");
        readings.push(first.value);
    }
    Ok(readings)
}

fn parse_object(response: &Response) -> Option<Map<String, Value>> {
    match read_body(response).ok()?.swap_remove(0) {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn json_kind(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{kind}: {}", compact(value))
}

/// A JSON value on one line, cut to 80 characters.
fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
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

/// Every `connection_id` a run has seen, to check `resp.created.connection_id.unique`.
///
/// Compact at any size, about 20 bytes per id: an id is kept as its 16 bytes plus 4 naming the
/// case that first got it (a generator class and example index packed into one number, or an
/// index into the few case ids from files). The newest ids wait in a small hash table; every
/// [`RECENT_MAX`] of them are merged into two sorted arrays (ids and creators) kept in pages of
/// [`PAGE`] entries, so they grow a page at a time: no hash table's spare room, no doubling and
/// no copy of the whole array late in a long run.
#[derive(Debug, Default)]
pub struct ConnectionIds {
    registry: Mutex<Registry>,
}

/// How many ids wait in the hash table before they are merged into the sorted arrays.
const RECENT_MAX: usize = 4096;

/// Entries per page of the sorted arrays.
const PAGE: usize = 8192;

/// An array of `T` kept in pages of [`PAGE`] entries: growing it adds pages, never moves any.
#[derive(Debug)]
struct Paged<T> {
    pages: Vec<Box<[T]>>,
    len: usize,
}

impl<T: Copy + Default> Paged<T> {
    fn get(&self, at: usize) -> T {
        self.pages[at / PAGE][at % PAGE]
    }

    fn set(&mut self, at: usize, value: T) {
        self.pages[at / PAGE][at % PAGE] = value;
    }

    /// Makes room for `len` entries (new ones hold `T::default()`).
    fn grow_to(&mut self, len: usize) {
        while self.pages.len() * PAGE < len {
            self.pages.push(vec![T::default(); PAGE].into_boxed_slice());
        }
        self.len = len;
    }
}

impl<T> Default for Paged<T> {
    fn default() -> Paged<T> {
        Paged {
            pages: Vec::new(),
            len: 0,
        }
    }
}

impl Paged<u128> {
    /// Where `id` is, if it is there (the array is ascending).
    fn find(&self, id: u128) -> Option<usize> {
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let middle = low + (high - low) / 2;
            match self.get(middle).cmp(&id) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }
}

#[derive(Debug, Default)]
struct Registry {
    /// Merged ids, ascending.
    sorted: Paged<u128>,
    /// Who got each of `sorted` first (see [`Registry::creator`]), in the same order.
    sorted_by: Paged<u32>,
    /// Ids not merged yet, with who got each first.
    recent: HashMap<u128, u32>,
    /// Generator class names, by slot (a handful).
    classes: Vec<&'static str>,
    /// Case ids that do not pack into a number (cases from files), by index.
    named: Vec<Box<str>>,
}

/// Set on a creator number that indexes [`Registry::named`].
const NAMED: u32 = 1 << 31;
/// Bits of a packed generated creator that hold the example index.
const INDEX_BITS: u32 = 24;

impl Registry {
    /// The number that names the case `case_id` from `source`: `slot << 24 | index` for a
    /// generated example (slot < 128, index < 2^24), else `NAMED | position in named`.
    fn creator(&mut self, case_id: &str, source: &Source) -> u32 {
        if let Source::Generated { class, index, .. } = source {
            let slot = match self.classes.iter().position(|known| known == class) {
                Some(slot) => slot,
                None => {
                    self.classes.push(class);
                    self.classes.len() - 1
                }
            };
            if let (Ok(slot), Ok(index)) = (u32::try_from(slot), u32::try_from(*index)) {
                if slot < NAMED >> INDEX_BITS && index < 1 << INDEX_BITS {
                    return slot << INDEX_BITS | index;
                }
            }
        }
        self.named.push(case_id.into());
        NAMED | u32::try_from(self.named.len() - 1).unwrap_or(u32::MAX >> 1)
    }

    /// Who got `id` first, if anyone did.
    fn first(&self, id: u128) -> Option<u32> {
        self.recent
            .get(&id)
            .copied()
            .or_else(|| Some(self.sorted_by.get(self.sorted.find(id)?)))
    }

    /// Records that `creator` got `id` first.
    fn insert(&mut self, id: u128, creator: u32) {
        self.recent.insert(id, creator);
        if self.recent.len() >= RECENT_MAX {
            self.merge_recent();
        }
    }

    /// Merges the recent ids into the sorted arrays, in place from the back.
    fn merge_recent(&mut self) {
        let mut fresh: Vec<(u128, u32)> = self.recent.drain().collect();
        fresh.sort_unstable_by_key(|&(id, _)| id);
        let old = self.sorted.len;
        self.sorted.grow_to(old + fresh.len());
        self.sorted_by.grow_to(old + fresh.len());
        let (mut read, mut write) = (old, self.sorted.len);
        while let Some(&(id, creator)) = fresh.last() {
            write -= 1;
            if read > 0 && self.sorted.get(read - 1) > id {
                read -= 1;
                self.sorted.set(write, self.sorted.get(read));
                self.sorted_by.set(write, self.sorted_by.get(read));
            } else {
                self.sorted.set(write, id);
                self.sorted_by.set(write, creator);
                fresh.pop();
            }
        }
    }

    /// How many ids are recorded.
    fn len(&self) -> usize {
        self.sorted.len + self.recent.len()
    }

    /// The case id a creator number stands for.
    fn describe(&self, creator: u32) -> String {
        if creator & NAMED != 0 {
            let index = (creator & !NAMED) as usize;
            return self
                .named
                .get(index)
                .map_or_else(String::new, |id| id.to_string());
        }
        let class = self.classes[(creator >> INDEX_BITS) as usize];
        format!("prop/{class}/{}", creator & ((1 << INDEX_BITS) - 1))
    }
}

impl ConnectionIds {
    /// Records the verdict's connection id for the case `case_id` from `source`; adds a
    /// violation if another case already got the same one.
    pub fn record(&self, case_id: &str, source: &Source, verdict: &mut Verdict) {
        let Some(id) = verdict.connection_id.as_deref() else {
            return;
        };
        let Ok(uuid) = uuid::Uuid::try_parse(id) else {
            return;
        };
        let key = uuid.as_u128();
        let mut registry = self
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(first) = registry.first(key) {
            let first = registry.describe(first);
            verdict.violations.push(Violation {
                clause: ClauseId::RespCreatedConnectionIdUnique,
                level: Level::Must,
                pointer: "/body/connection_id".into(),
                expected: "an id no other create returned".into(),
                actual: format!("{id:?}, already returned to {first}"),
                message: "two successful creates returned the same connection_id".into(),
            });
        } else {
            let creator = registry.creator(case_id, source);
            registry.insert(key, creator);
        }
    }

    /// How many distinct ids were recorded.
    pub fn len(&self) -> usize {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// True when no id was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn answer(status: u16, content_type: &str, body: &str) -> Result<Response, TransportError> {
        Ok(Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: Bytes::from(body.to_owned()),
            body_truncated: false,
        })
    }

    fn clauses(verdict: &Verdict) -> Vec<ClauseId> {
        verdict.violations.iter().map(|v| v.clause).collect()
    }

    const CREATED: &str = r#"{"is_success":true,"message":"","connection_id":"68233202-63bf-4f27-a99b-fa5f5a2dbae1"}"#;
    const ERROR: &str = r#"{"error_code":"DLI.0001","error_msg":"url: too long"}"#;

    /// Every response clause is judged for some expectation, and only response clauses are.
    #[test]
    fn judged_clauses_are_the_response_clauses() {
        let judged: std::collections::BTreeSet<ClauseId> =
            [Expect::Accept, Expect::Reject, Expect::Either]
                .into_iter()
                .flat_map(judged_clauses)
                .filter(|clause| clause.id().starts_with("resp."))
                .collect();
        let responses: std::collections::BTreeSet<ClauseId> = ClauseId::ALL
            .iter()
            .copied()
            .filter(|clause| clause.id().starts_with("resp."))
            .collect();
        assert_eq!(judged, responses);
        for expect in [Expect::Accept, Expect::Reject, Expect::Either] {
            assert!(judged_clauses(expect).iter().all(|c| !c.is_request_rule()));
        }
    }

    #[test]
    fn a_conformant_success_passes() {
        let verdict = check(
            Expect::Accept,
            &answer(201, "application/json; charset=utf-8", CREATED),
        );
        assert_eq!(verdict.outcome(), Outcome::Pass, "{verdict:?}");
        assert_eq!(verdict.decision, Decision::Accepted);
        assert_eq!(
            verdict.connection_id.as_deref(),
            Some("68233202-63bf-4f27-a99b-fa5f5a2dbae1")
        );
    }

    #[test]
    fn status_200_breaks_created_status() {
        let verdict = check(Expect::Accept, &answer(200, "application/json", CREATED));
        assert_eq!(
            clauses(&verdict),
            [ClauseId::RespCreatedStatus, ClauseId::RespStatusDocumented]
        );
        assert_eq!(verdict.violations[0].expected, "201");
        assert_eq!(verdict.violations[0].actual, "200");
        assert_eq!(verdict.outcome(), Outcome::Fail);
    }

    #[test]
    fn accepting_an_invalid_request_fails() {
        let verdict = check(Expect::Reject, &answer(201, "application/json", CREATED));
        assert_eq!(clauses(&verdict), [ClauseId::RespInvalidStatus]);
    }

    #[test]
    fn either_takes_both_answers() {
        assert_eq!(
            check(Expect::Either, &answer(201, "application/json", CREATED)).outcome(),
            Outcome::Pass
        );
        let rejected = check(Expect::Either, &answer(400, "application/json", ERROR));
        assert_eq!(rejected.outcome(), Outcome::Pass);
        assert_eq!(rejected.decision, Decision::Rejected);
        let server_error = check(Expect::Either, &answer(500, "application/json", ERROR));
        assert_eq!(clauses(&server_error), [ClauseId::RespNoServerError]);
    }

    #[test]
    fn success_shape_rules() {
        let body = r#"{"is_success":"yes","message":3,"connection_id":"abc"}"#;
        let verdict = check(Expect::Accept, &answer(201, "text/plain", body));
        assert_eq!(
            clauses(&verdict),
            [
                ClauseId::RespCreatedJson,
                ClauseId::RespCreatedIsSuccessType,
                ClauseId::RespCreatedMessageType,
                ClauseId::RespCreatedConnectionIdType
            ]
        );
        let lying = check(
            Expect::Accept,
            &answer(
                201,
                "application/json",
                r#"{"is_success":false,"connection_id":"68233202-63bf-4f27-a99b-fa5f5a2dbae1"}"#,
            ),
        );
        assert_eq!(clauses(&lying), [ClauseId::RespCreatedIsSuccessTrue]);
        let no_id = check(
            Expect::Accept,
            &answer(201, "application/json", r#"{"is_success":true}"#),
        );
        assert_eq!(clauses(&no_id), [ClauseId::RespCreatedConnectionIdPresent]);
        assert_eq!(no_id.outcome(), Outcome::Warn);
        let array = check(Expect::Accept, &answer(201, "application/json", "[]"));
        assert_eq!(clauses(&array), [ClauseId::RespCreatedJson]);
        assert_eq!(array.violations[0].actual, "an array: []");
    }

    #[test]
    fn two_content_types_are_not_json() {
        let mut twice = answer(201, "application/json", CREATED).unwrap();
        twice
            .headers
            .push(("content-type".into(), "text/html; charset=utf-8".into()));
        let verdict = check(Expect::Accept, &Ok(twice));
        assert_eq!(clauses(&verdict), [ClauseId::RespCreatedJson]);
        assert_eq!(
            verdict.violations[0].actual,
            r#"["application/json", "text/html; charset=utf-8"]"#
        );
    }

    #[test]
    fn error_envelope_rules() {
        let plain = check(
            Expect::Reject,
            &answer(400, "text/plain", "Failed to parse"),
        );
        assert_eq!(
            clauses(&plain),
            [ClauseId::RespErrorEnvelope, ClauseId::RespErrorEnvelope]
        );
        let empty_code = check(
            Expect::Reject,
            &answer(
                400,
                "application/json",
                r#"{"error_code":"","error_msg":"x"}"#,
            ),
        );
        assert_eq!(empty_code.violations[0].pointer, "/body/error_code");
        let no_msg = check(
            Expect::Reject,
            &answer(400, "application/json", r#"{"error_code":"DLI.0001"}"#),
        );
        assert_eq!(no_msg.violations[0].pointer, "/body/error_msg");
        assert_eq!(no_msg.violations[0].actual, "absent");
    }

    #[test]
    fn undocumented_and_server_errors() {
        let teapot = check(Expect::Reject, &answer(422, "application/json", ERROR));
        assert_eq!(
            clauses(&teapot),
            [ClauseId::RespInvalidStatus, ClauseId::RespStatusDocumented]
        );
        let crash = check(Expect::Reject, &answer(500, "application/json", ERROR));
        assert_eq!(
            clauses(&crash),
            [ClauseId::RespInvalidStatus, ClauseId::RespNoServerError]
        );
    }

    #[test]
    fn gateway_answers_are_setup_problems() {
        let body = r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information","request_id":"x"}"#;
        let verdict = check(Expect::Accept, &answer(401, "application/json", body));
        assert_eq!(verdict.outcome(), Outcome::Setup);
        assert_eq!(
            verdict.setup.unwrap().message,
            "the target rejected the credentials: 401 APIG.0301"
        );
    }

    #[test]
    fn no_answer_breaks_the_status_clause() {
        let hung = check(
            Expect::Reject,
            &Err(TransportError::Timeout(std::time::Duration::from_secs(10))),
        );
        assert_eq!(clauses(&hung), [ClauseId::RespInvalidStatus]);
        assert_eq!(hung.violations[0].actual, "no answer within 10 s");
    }

    /// What `json.dumps` (Python) writes when a server echoes a request's lone surrogate.
    #[test]
    fn lone_surrogates_echoed_in_error_messages_pass() {
        for body in [
            r#"{"error_code": "DLI.0001", "error_msg": "unsupported service: \udada"}"#,
            r#"{"error_code": "DLI.0001", "error_msg": "name: \ud800\udc00 and \udfff"}"#,
        ] {
            let verdict = check(Expect::Reject, &answer(400, "application/json", body));
            assert_eq!(verdict.outcome(), Outcome::Pass, "{body}: {verdict:?}");
        }
        let created = r#"{"is_success": true, "message": "\udada", "connection_id": "68233202-63BF-4F27-A99B-FA5F5A2DBAE1"}"#;
        let verdict = check(
            Expect::Accept,
            &answer(201, "Application/JSON;charset=UTF-8", created),
        );
        assert_eq!(verdict.outcome(), Outcome::Pass, "{verdict:?}");
    }

    /// The corners RFC 8259 leaves to the receiver pass; what its grammar refuses does not.
    #[test]
    fn implementation_defined_texts_pass_and_others_fail() {
        let id = "68233202-63bf-4f27-a99b-fa5f5a2dbae1";
        for body in [
            format!("\u{feff}{{\"connection_id\": \"{id}\"}}"),
            format!("{{\"connection_id\": \"{id}\", \"size\": 1e400, \"n\": 123456789012345678901234567890}}"),
            format!("{{\"connection_id\": \"{id}\", \"deep\": {}{}}}", "[".repeat(1000), "]".repeat(1000)),
            format!("{{\"message\": 3, \"message\": \"ok\", \"connection_id\": \"{id}\"}}"),
            format!(" \r\n\t{{\"connection_id\":\"\\u0036{}\"}}\n", &id[1..]),
        ] {
            let verdict = check(Expect::Accept, &answer(201, "application/json", &body));
            assert_eq!(verdict.outcome(), Outcome::Pass, "{body}: {verdict:?}");
        }
        let twice = r#"{"error_code": "", "error_msg": "x", "error_code": "DLI.0001"}"#;
        assert_eq!(
            check(Expect::Reject, &answer(400, "application/json", twice)).outcome(),
            Outcome::Pass
        );
        let both_bad = r#"{"error_code": "", "error_msg": "x", "error_code": 7}"#;
        let verdict = check(Expect::Reject, &answer(400, "application/json", both_bad));
        assert_eq!(clauses(&verdict), [ClauseId::RespErrorEnvelope]);
        for body in [r#"{"connection_id": NaN}"#, "{\"a\": 1,}", "{} {}"] {
            let verdict = check(Expect::Accept, &answer(201, "application/json", body));
            assert_eq!(clauses(&verdict), [ClauseId::RespCreatedJson], "{body}");
        }
        let number = check(
            Expect::Accept,
            &answer(
                201,
                "application/json",
                &format!(r#"{{"message": 3, "connection_id": "{id}"}}"#),
            ),
        );
        assert_eq!(number.violations[0].actual, "3");
    }

    /// DLI.1028 is the quota answer whatever its message says; a message about the quota still
    /// marks one with another code.
    #[test]
    fn the_quota_answer_is_known_by_its_code() {
        let coded = r#"{"error_code": "DLI.1028", "error_msg": "Insufficient resources"}"#;
        for expect in [Expect::Accept, Expect::Either] {
            let verdict = check(expect, &answer(400, "application/json", coded));
            assert_eq!(verdict.outcome(), Outcome::Setup, "{verdict:?}");
            assert_eq!(
                verdict.setup.unwrap().error_code.as_deref(),
                Some("DLI.1028")
            );
        }
        assert_eq!(
            check(Expect::Reject, &answer(400, "application/json", coded)).outcome(),
            Outcome::Pass
        );
        let worded = r#"{"error_code": "DLI.0009", "error_msg": "已超出配额"}"#;
        assert_eq!(
            check(Expect::Accept, &answer(400, "application/json", worded)).outcome(),
            Outcome::Setup
        );
        let other = r#"{"error_code": "DLI.0001", "error_msg": "url: too long"}"#;
        assert_eq!(
            check(Expect::Accept, &answer(400, "application/json", other)).outcome(),
            Outcome::Fail
        );
    }

    #[test]
    fn truncated_bodies_are_not_json() {
        let mut big = answer(201, "application/json", CREATED).unwrap();
        big.body_truncated = true;
        let verdict = check(Expect::Accept, &Ok(big));
        assert_eq!(clauses(&verdict), [ClauseId::RespCreatedJson]);
    }

    #[test]
    fn connection_ids_are_unique_across_the_run() {
        let ids = ConnectionIds::default();
        let mut first = check(Expect::Accept, &answer(201, "application/json", CREATED));
        let mut second = first.clone();
        let file = Source::File {
            path: "cases/a.json".into(),
            line: 1,
        };
        ids.record("a/one", &file, &mut first);
        ids.record("a/two", &file, &mut second);
        assert_eq!(first.outcome(), Outcome::Pass);
        assert_eq!(clauses(&second), [ClauseId::RespCreatedConnectionIdUnique]);
        assert!(second.violations[0]
            .actual
            .contains("already returned to a/one"));
    }

    #[test]
    fn an_id_in_upper_case_is_the_same_id() {
        let ids = ConnectionIds::default();
        let file = Source::File {
            path: "cases/a.json".into(),
            line: 1,
        };
        let mut lower = check(Expect::Accept, &answer(201, "application/json", CREATED));
        let mut upper = check(
            Expect::Accept,
            &answer(
                201,
                "application/json",
                &CREATED.replace("fa5f5a2dbae1", "FA5F5A2DBAE1"),
            ),
        );
        assert_eq!(upper.outcome(), Outcome::Pass, "{upper:?}");
        ids.record("a/lower", &file, &mut lower);
        ids.record("a/upper", &file, &mut upper);
        assert_eq!(clauses(&upper), [ClauseId::RespCreatedConnectionIdUnique]);
    }

    #[test]
    fn generated_creators_pack_and_read_back() {
        let ids = ConnectionIds::default();
        let created = |id: &str| {
            let body = format!(r#"{{"is_success":true,"message":"","connection_id":"{id}"}}"#);
            check(Expect::Accept, &answer(201, "application/json", &body))
        };
        let a = "2f1c4a2e-8d5b-4c1e-9b7a-3e6f0d9c8b7a";
        let b = "2f1c4a2e-8d5b-4c1e-9b7a-3e6f0d9c8b7b";
        let generated = |class, index| Source::Generated {
            class,
            seed: 1,
            index,
        };
        for (id, source) in [
            (a, generated("valid", 7)),
            (b, generated("may-ct", (1 << 24) + 3)),
        ] {
            let mut verdict = created(id);
            ids.record("x", &source, &mut verdict);
            assert_eq!(verdict.outcome(), Outcome::Pass);
        }
        assert_eq!(ids.len(), 2);
        let mut again = created(a);
        ids.record("y", &generated("valid", 9), &mut again);
        assert!(again.violations[0]
            .actual
            .ends_with("already returned to prop/valid/7"));
        let mut again = created(b);
        ids.record("z", &generated("valid", 10), &mut again);
        assert!(
            again.violations[0]
                .actual
                .ends_with("already returned to x"),
            "{:?}",
            again.violations
        );
    }

    #[test]
    fn ids_stay_unique_across_merges() {
        let ids = ConnectionIds::default();
        let source = |index| Source::Generated {
            class: "valid",
            seed: 1,
            index,
        };
        let created = |n: usize| {
            let id = uuid::Uuid::from_u128(
                (n as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
            );
            let body = format!(r#"{{"is_success":true,"message":"","connection_id":"{id}"}}"#);
            check(Expect::Accept, &answer(201, "application/json", &body))
        };
        let total = 2 * PAGE + 3 * RECENT_MAX + 17;
        for n in 0..total {
            let mut verdict = created(n);
            ids.record("x", &source(n), &mut verdict);
            assert_eq!(verdict.outcome(), Outcome::Pass, "{n}");
        }
        assert_eq!(ids.len(), total);
        let registry = ids.registry.lock().unwrap();
        let sorted = &registry.sorted;
        assert!((1..sorted.len).all(|at| sorted.get(at - 1) < sorted.get(at)));
        drop(registry);
        for n in [0, 1, RECENT_MAX, 2 * RECENT_MAX + 5, total - 1] {
            let mut again = created(n);
            ids.record("y", &source(total + n), &mut again);
            let wanted = format!("already returned to prop/valid/{n}");
            assert!(
                again.violations[0].actual.ends_with(&wanted),
                "{n}: {:?}",
                again.violations
            );
        }
    }
}
