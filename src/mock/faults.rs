//! Faults: realistic ways an implementation breaks the spec, each a [`Deviation`] tied to the
//! one clause it breaks.
//!
//! [`FAULTS`] is the catalogue `dli-conformance mock --list-faults` prints and `selftest` runs the
//! suite against: every fault must be flagged (a failure for a MUST clause, at least a warning for
//! a SHOULD) by a violation of its own clause, or the suite has gone blind there. For a request
//! rule (`req.*`) the checker sees the fault as a wrong status on a case that exercises the rule.
//! Each fault is one [`Fault`] arm of the [`Rewrite`] layer around the reference handler; the doc
//! of each arm says which real bug it stands for.

use axum::http::{header, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use super::deviation::{object, reject, text, Answer, Deviation, Memory, Rewrite, Step};
use super::lenient::{self, Relax};
use crate::spec::clause::ClauseId;
use crate::spec::rules::{self, SERVICES, URL_MAX_CHARS};

/// Every fault, grouped by what it breaks: status codes, the success body, request rules, the
/// error envelope, then transport.
#[rustfmt::skip]
pub const FAULTS: &[Deviation] = &[
    Deviation::new("created-200", ClauseId::RespCreatedStatus, "answers a valid create 200 instead of 201", &Fault::Created200),
    Deviation::new("invalid-422", ClauseId::RespInvalidStatus, "answers an invalid request 422 instead of 400", &Fault::Invalid422),
    Deviation::new("name-conflict-409", ClauseId::RespStatusDocumented, "answers a repeated connection name 409 Conflict", &Fault::NameConflict409),
    Deviation::new("tags-type-500", ClauseId::RespNoServerError, "answers 500 when `tags` is not an array", &Fault::TagsType500),
    Deviation::new("url-overflow-500", ClauseId::RespNoServerError, "answers 500 when `url` is over 512 characters", &Fault::UrlOverflow500),
    Deviation::new("is-success-string", ClauseId::RespCreatedIsSuccessType, "201 carries `is_success: \"true\"` (a string)", &Fault::IsSuccessString),
    Deviation::new("is-success-false", ClauseId::RespCreatedIsSuccessTrue, "201 carries `is_success: false`", &Fault::IsSuccessFalse),
    Deviation::new("message-null", ClauseId::RespCreatedMessageType, "201 carries `message: null`", &Fault::MessageNull),
    Deviation::new("connection-id-missing", ClauseId::RespCreatedConnectionIdPresent, "201 carries no `connection_id`", &Fault::ConnectionIdMissing),
    Deviation::new("connection-id-unhyphenated", ClauseId::RespCreatedConnectionIdType, "201 carries the UUID as 32 bare hex digits", &Fault::ConnectionIdUnhyphenated),
    Deviation::new("connection-id-reused", ClauseId::RespCreatedConnectionIdUnique, "every 201 carries the first `connection_id` again", &Fault::ConnectionIdReused),
    Deviation::new("created-text-plain", ClauseId::RespCreatedJson, "201 is labelled `text/plain`", &Fault::CreatedTextPlain),
    Deviation::new("created-second-content-type", ClauseId::RespCreatedJson, "201 carries a second `Content-Type: text/html` after the JSON one", &Fault::CreatedSecondContentType),
    Deviation::new("created-empty-body", ClauseId::RespCreatedJson, "201 has an empty body", &Fault::CreatedEmptyBody),
    Deviation::new("created-python-repr", ClauseId::RespCreatedJson, "201 body is a Python dict repr, not JSON", &Fault::CreatedPythonRepr),
    Deviation::new("name-optional", ClauseId::ReqNameRequired, "accepts a body without `name`", &Fault::NameOptional),
    Deviation::new("single-value-arrays-unwrapped", ClauseId::ReqNameType, "accepts a one-element array for a string member (`[\"x\"]` as `\"x\"`)", &Fault::SingleValueArraysUnwrapped),
    Deviation::new("network-id-optional", ClauseId::ReqNetworkIdRequired, "accepts a body without `network_id` (uses a default subnet)", &Fault::NetworkIdOptional),
    Deviation::new("security-group-id-null-default", ClauseId::ReqSecurityGroupIdType, "takes `security_group_id: null` as the default group", &Fault::SecurityGroupIdNullDefault),
    Deviation::new("url-type-coerced", ClauseId::ReqUrlType, "accepts a number or boolean `url`, turned into text", &Fault::UrlTypeCoerced),
    Deviation::new("service-case-sensitive", ClauseId::ReqServiceCaseInsensitive, "rejects a listed service spelt in another case", &Fault::ServiceCaseSensitive),
    Deviation::new("service-list-incomplete", ClauseId::ReqServiceEnum, "rejects `CloudTable.OpenTSDB` (reads the page's pair as one value)", &Fault::ServiceListIncomplete),
    Deviation::new("service-unchecked", ClauseId::ReqServiceEnum, "accepts any `service` string", &Fault::ServiceUnchecked),
    Deviation::new("url-limit-513", ClauseId::ReqUrlMaxLength, "accepts a 513-character `url` (off by one)", &Fault::UrlLimit513),
    Deviation::new("url-length-in-bytes", ClauseId::ReqUrlMaxLength, "measures `url` in UTF-8 bytes: rejects 512 two-byte characters", &Fault::UrlLengthInBytes),
    Deviation::new("url-length-in-utf16", ClauseId::ReqUrlMaxLength, "measures `url` in UTF-16 units: rejects 512 emoji", &Fault::UrlLengthInUtf16),
    Deviation::new("tags-unchecked", ClauseId::ReqTagsType, "ignores `tags` entirely: any value is accepted", &Fault::TagsUnchecked),
    Deviation::new("tags-required", ClauseId::ReqTagsOptional, "rejects a body without `tags`", &Fault::TagsRequired),
    Deviation::new("tag-value-optional", ClauseId::ReqTagsValueRequired, "accepts a tag without `value` (as the empty string)", &Fault::TagValueOptional),
    Deviation::new("tag-key-type-unchecked", ClauseId::ReqTagsKeyType, "accepts a non-string tag `key`, turned into text", &Fault::TagKeyTypeUnchecked),
    Deviation::new("tag-value-type-unchecked", ClauseId::ReqTagsValueType, "accepts a non-string tag `value`, turned into text", &Fault::TagValueTypeUnchecked),
    Deviation::new("body-array-unwrapped", ClauseId::ReqBodyObject, "accepts an array and creates its first element", &Fault::BodyArrayUnwrapped),
    Deviation::new("trailing-data-ignored", ClauseId::ReqBodyObject, "reads the first JSON value and ignores what follows", &Fault::TrailingDataIgnored),
    Deviation::new("error-code-missing", ClauseId::RespErrorEnvelope, "error bodies carry `error_msg` but no `error_code`", &Fault::ErrorCodeMissing),
    Deviation::new("error-msg-list", ClauseId::RespErrorEnvelope, "error bodies carry `error_msg` as a list of strings", &Fault::ErrorMsgList),
    Deviation::new("error-plain-text", ClauseId::RespErrorEnvelope, "400 is a plain-text sentence, `text/plain`", &Fault::ErrorPlainText),
    Deviation::new("error-empty-body", ClauseId::RespErrorEnvelope, "400 has an empty body labelled JSON", &Fault::ErrorEmptyBody),
    Deviation::new("deep-nesting-500", ClauseId::RespNoServerError, "answers 500 when arrays or objects nest over 1000 deep", &Fault::DeepNesting500),
    Deviation::new("long-integer-500", ClauseId::RespNoServerError, "answers 500 on an integer of over 4300 digits", &Fault::LongInteger500),
    Deviation::new("nul-500", ClauseId::RespNoServerError, "answers 500 when a member it stores holds U+0000", &Fault::Nul500),
    Deviation::new("lone-surrogate-500", ClauseId::RespNoServerError, "reads lone surrogate escapes, then answers 500 storing one", &Fault::LoneSurrogate500),
    Deviation::new("non-finite-accepted", ClauseId::ReqBodyObject, "accepts `NaN`, `Infinity` and `-Infinity` as numbers", &Fault::NonFiniteAccepted),
    Deviation::new("comments-accepted", ClauseId::ReqBodyObject, "accepts `//` and `/* */` comments between tokens", &Fault::CommentsAccepted),
    Deviation::new("trailing-commas-accepted", ClauseId::ReqBodyObject, "accepts a comma before `]` or `}`", &Fault::TrailingCommasAccepted),
    Deviation::new("control-chars-accepted", ClauseId::ReqBodyObject, "accepts unescaped control characters inside strings", &Fault::ControlCharsAccepted),
    Deviation::new("service-nfkc", ClauseId::ReqServiceEnum, "NFKC-normalises `service` before the lookup (fullwidth `ＤＷＳ` is DWS)", &Fault::ServiceNfkc),
    Deviation::new("service-trimmed", ClauseId::ReqServiceEnum, "trims whitespace off `service` before the lookup", &Fault::ServiceTrimmed),
    Deviation::new("url-trimmed", ClauseId::ReqUrlMaxLength, "measures `url` after trimming whitespace off it", &Fault::UrlTrimmed),
    Deviation::new("member-names-case-insensitive", ClauseId::ReqNameRequired, "binds member names ignoring ASCII case (`Name` for a missing `name`)", &Fault::MemberNamesCaseInsensitive),
    Deviation::new("drop-on-empty-body", ClauseId::RespInvalidStatus, "drops the connection when the body is empty", &Fault::DropOnEmptyBody),
    Deviation::new("hang-on-blank-body", ClauseId::RespInvalidStatus, "never answers a body of only whitespace", &Fault::HangOnBlankBody),
];

/// The faults, one arm each; the doc says which real bug it stands for.
pub(super) enum Fault {
    /// A framework default (`return Ok(json)`) instead of an explicit `201 Created`.
    Created200,
    /// A validation library's habit (422 Unprocessable Entity) instead of the page's 400.
    Invalid422,
    /// The REST textbook's 409 for a unique-name constraint, a status the page does not list.
    NameConflict409,
    /// An unchecked cast of `tags` to a list raises, and the framework turns that into a 500.
    TagsType500,
    /// No length check: the database's `varchar(512)` column overflows on insert, a 500.
    UrlOverflow500,
    /// A template that renders every field as a string.
    IsSuccessString,
    /// `is_success` copied from an unrelated flag (e.g. "already existed").
    IsSuccessFalse,
    /// An unset optional message serialized as `null` (Java, Jackson's default inclusion).
    MessageNull,
    /// The create answers before the id is assigned, and an unset field is omitted.
    ConnectionIdMissing,
    /// Python's `uuid.uuid4().hex`.
    ConnectionIdUnhyphenated,
    /// An id generated once (a static, a cached default) instead of per create.
    ConnectionIdReused,
    /// `return json.dumps(result)` with the framework's default content type.
    CreatedTextPlain,
    /// A response filter that appends its own `Content-Type` instead of replacing it: two
    /// conflicting labels where HTTP allows one, and clients disagree on which one wins.
    CreatedSecondContentType,
    /// `Response.status(201).build()`: the entity was never attached.
    CreatedEmptyBody,
    /// `str(result)` instead of `json.dumps(result)`, labelled JSON.
    CreatedPythonRepr,
    /// `name` left out of the required list of the request model (it defaults to "unnamed").
    NameOptional,
    /// Jackson's `UNWRAP_SINGLE_VALUE_ARRAYS`: `["x"]` binds to a string field as `"x"`.
    SingleValueArraysUnwrapped,
    /// `network_id` left out of the required list; a missing one means the default subnet.
    NetworkIdOptional,
    /// `null` read as "not given", then defaulted.
    SecurityGroupIdNullDefault,
    /// A weakly typed binder (`@JsonFormat` coercion, pydantic's lax mode) turns 42 into "42".
    UrlTypeCoerced,
    /// An enum matched with `==` instead of a case-insensitive comparison.
    ServiceCaseSensitive,
    /// "CloudTable.OpenTSDB/CloudTable" read as one value `CloudTable`: the first is missing.
    ServiceListIncomplete,
    /// The enum check was never written.
    ServiceUnchecked,
    /// `if len(url) > 513` instead of `> 512`.
    UrlLimit513,
    /// The length of the UTF-8 bytes (`str.len()` in Rust, `len(url.encode())` in Python).
    UrlLengthInBytes,
    /// The length in UTF-16 code units (`String.length()` in Java, `.length` in JavaScript).
    UrlLengthInUtf16,
    /// `tags` is stored as an opaque blob and never looked at.
    TagsUnchecked,
    /// `tags` marked required in the request model.
    TagsRequired,
    /// A tag model whose `value` defaults to the empty string.
    TagValueOptional,
    /// A weakly typed binder coerces a tag's `key` to text.
    TagKeyTypeUnchecked,
    /// A weakly typed binder coerces a tag's `value` to text.
    TagValueTypeUnchecked,
    /// A batch-friendly parser that takes `[obj]` for `obj`.
    BodyArrayUnwrapped,
    /// A streaming deserializer asked for one value (`StreamDeserializer::next`, `JSONDecoder.raw_decode`).
    TrailingDataIgnored,
    /// An error model with only a message field.
    ErrorCodeMissing,
    /// A validation library that reports every problem as a list.
    ErrorMsgList,
    /// The framework's default 400 page.
    ErrorPlainText,
    /// `Response.status(400).build()` with a JSON content type set by a filter.
    ErrorEmptyBody,
    /// A recursive-descent parser whose stack runs out (Python's `RecursionError`, a stack
    /// overflow caught by the framework): 500 instead of 400 on deep nesting.
    DeepNesting500,
    /// Python 3.11's limit on converting integers of over 4300 digits raises `ValueError`, which a
    /// handler catching only `JSONDecodeError` lets through as a 500.
    LongInteger500,
    /// PostgreSQL `text` cannot hold NUL: the insert fails after validation passed.
    Nul500,
    /// Python's `json` reads `"\ud800"` into a `str`; encoding it to UTF-8 for storage raises.
    LoneSurrogate500,
    /// Python's `json.loads` default (`allow_nan`): `NaN` and `Infinity` are numbers.
    NonFiniteAccepted,
    /// Jackson's `ALLOW_COMMENTS`, JSON5 readers.
    CommentsAccepted,
    /// Jackson's `ALLOW_TRAILING_COMMA`, JSON5 readers.
    TrailingCommasAccepted,
    /// Python's `json.loads(strict=False)`, Jackson's `ALLOW_UNESCAPED_CONTROL_CHARS`.
    ControlCharsAccepted,
    /// `unicodedata.normalize("NFKC", service)` (or Java's `Normalizer`) before the enum lookup:
    /// fullwidth, mathematical and circled letters become ASCII ones.
    ServiceNfkc,
    /// `service.strip()` before the lookup (Python and Java 11 trim Unicode whitespace).
    ServiceTrimmed,
    /// `len(url.strip())`: leading and trailing whitespace do not count against the limit.
    UrlTrimmed,
    /// ASP.NET Core's web defaults (`PropertyNameCaseInsensitive`), Jackson's
    /// `ACCEPT_CASE_INSENSITIVE_PROPERTIES`: `Name` binds to `name`.
    MemberNamesCaseInsensitive,
    /// A worker that crashes on an empty read (`Content-Length: 0`) and takes the socket with it.
    DropOnEmptyBody,
    /// A reader that skips whitespace waiting for the first JSON token and treats the end of
    /// the body as "more to come": nothing answers. (Narrow on purpose: every input that hangs
    /// costs the self-test one timeout.)
    HangOnBlankBody,
}

/// A 500 with the error envelope, as a framework's catch-all handler sends it.
fn server_error() -> Step {
    Step::Answer(super::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        crate::spec::errors::SERVER_SYSTEM_ERROR.code,
        "internal server error",
    ))
}

/// Replaces a non-string `member` of every tag object by its JSON text; `None` if none was.
fn coerce_tag_member(mut body: Map<String, Value>, member: &str) -> Option<Value> {
    let mut changed = false;
    for tag in body.get_mut("tags")?.as_array_mut()? {
        if let Some(value) = tag.get_mut(member).filter(|value| !value.is_string()) {
            *value = Value::String(value.to_string());
            changed = true;
        }
    }
    changed.then_some(Value::Object(body))
}

/// Replaces every one-element array of a string member by its element; `None` if none was.
fn unwrap_single_values(mut body: Map<String, Value>) -> Option<Value> {
    let mut changed = false;
    for member in rules::required_text_members() {
        if let Some(value) = body.get_mut(member.name) {
            if let Some([only]) = value.as_array().map(Vec::as_slice) {
                *value = only.clone();
                changed = true;
            }
        }
    }
    changed.then_some(Value::Object(body))
}

/// Gives every tag object without `value` an empty one; `None` if none lacked it.
fn default_tag_values(mut body: Map<String, Value>) -> Option<Value> {
    let mut changed = false;
    for tag in body.get_mut("tags")?.as_array_mut()? {
        if let Some(tag) = tag.as_object_mut().filter(|tag| !tag.contains_key("value")) {
            tag.insert("value".into(), "".into());
            changed = true;
        }
    }
    changed.then_some(Value::Object(body))
}

/// Replaces a number or boolean `member` by its text; `None` when it is not one.
fn coerce_scalar(mut body: Map<String, Value>, member: &str) -> Option<Value> {
    let value = body.get_mut(member)?;
    if !(value.is_number() || value.is_boolean()) {
        return None;
    }
    *value = Value::String(value.to_string());
    Some(Value::Object(body))
}

/// The first JSON value of `bytes` when it is an object, ignoring whatever follows it.
fn first_object(bytes: &[u8]) -> Option<Value> {
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    values.next()?.ok().filter(Value::is_object)
}

impl Rewrite for Fault {
    fn request(&self, bytes: &[u8], memory: &Memory) -> Step {
        let step = match (self, object(bytes)) {
            (Fault::DropOnEmptyBody, _) => bytes.is_empty().then_some(Step::Drop),
            (Fault::HangOnBlankBody, _) => {
                let blank = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_whitespace);
                blank.then_some(Step::Hang)
            }
            (Fault::BodyArrayUnwrapped, None) => match serde_json::from_slice(bytes) {
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .next()
                    .filter(Value::is_object)
                    .map(Step::Replace),
                _ => None,
            },
            (Fault::TrailingDataIgnored, None) => first_object(bytes).map(Step::Replace),
            (Fault::DeepNesting500, _) => (lenient::max_depth(bytes) > 1000).then(server_error),
            (Fault::LongInteger500, _) => {
                (lenient::longest_integer(bytes) > 4300).then(server_error)
            }
            (Fault::LoneSurrogate500, _) => relaxed(bytes, surrogates_marked()),
            (Fault::NameConflict409, _) => memory.name_taken(bytes).then(|| {
                Step::Answer(super::error(
                    StatusCode::CONFLICT,
                    "DLI.0008",
                    "a connection with this name already exists",
                ))
            }),
            (fault, Some(body)) => fault.judge_object(body),
            (fault, None) => fault.extension().and_then(|how| relaxed(bytes, how)),
        };
        step.unwrap_or(Step::Forward)
    }

    fn response(&self, request: &[u8], answer: &mut Answer, memory: &Memory) {
        match self {
            Fault::NameConflict409 => memory.record_created(request, answer),
            Fault::Nul500 if answer.is_created() && stores(request, |text| text.contains('\0')) => {
                answer.become_server_error();
            }
            Fault::LoneSurrogate500 if answer.is_created() => {
                let marked = lenient::relax(request, surrogates_marked());
                if stores(&marked, |text| text.contains(SURROGATE_MARK)) {
                    answer.become_server_error();
                }
            }
            Fault::Created200 if answer.is_created() => answer.status = StatusCode::OK,
            Fault::Invalid422 if answer.status == StatusCode::BAD_REQUEST => {
                answer.status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Fault::IsSuccessString if answer.is_created() => {
                answer.edit_json(|body| {
                    body.insert("is_success".into(), "true".into());
                });
            }
            Fault::IsSuccessFalse if answer.is_created() => {
                answer.edit_json(|body| {
                    body.insert("is_success".into(), false.into());
                });
            }
            Fault::MessageNull if answer.is_created() => {
                answer.edit_json(|body| {
                    body.insert("message".into(), Value::Null);
                });
            }
            Fault::ConnectionIdMissing if answer.is_created() => {
                answer.edit_json(|body| {
                    body.shift_remove("connection_id");
                });
            }
            Fault::ConnectionIdUnhyphenated if answer.is_created() => {
                answer.edit_json(|body| {
                    if let Some(Value::String(id)) = body.get_mut("connection_id") {
                        id.retain(|c| c != '-');
                    }
                });
            }
            Fault::ConnectionIdReused if answer.is_created() => answer.edit_json(|body| {
                if let Some(Value::String(id)) = body.get_mut("connection_id") {
                    *id = memory.first_connection_id(id);
                }
            }),
            Fault::CreatedTextPlain if answer.is_created() => {
                answer.set_content_type("text/plain; charset=utf-8");
            }
            Fault::CreatedSecondContentType if answer.is_created() => {
                answer.headers.append(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
            }
            Fault::CreatedEmptyBody if answer.is_created() => answer.body = Default::default(),
            Fault::CreatedPythonRepr if answer.is_created() => {
                if let Some(body) = answer.json() {
                    answer.body = python_repr(&body).into();
                }
            }
            Fault::ErrorCodeMissing if answer.is_error() => {
                answer.edit_json(|body| {
                    body.shift_remove("error_code");
                });
            }
            Fault::ErrorMsgList if answer.is_error() => {
                answer.edit_json(|body| {
                    if let Some(message) = body.get_mut("error_msg") {
                        *message = Value::Array(vec![message.take()]);
                    }
                });
            }
            Fault::ErrorPlainText if answer.status == StatusCode::BAD_REQUEST => {
                answer.set_content_type("text/plain; charset=utf-8");
                answer.body = "Bad Request: the request body is invalid".into();
            }
            Fault::ErrorEmptyBody if answer.status == StatusCode::BAD_REQUEST => {
                answer.body = Default::default();
            }
            _ => {}
        }
    }
}

impl Fault {
    /// The extension a lenient-reader fault accepts beyond RFC 8259.
    fn extension(&self) -> Option<Relax> {
        let mut how = Relax::default();
        match self {
            Fault::NonFiniteAccepted => how.non_finite = true,
            Fault::CommentsAccepted => how.comments = true,
            Fault::TrailingCommasAccepted => how.trailing_commas = true,
            Fault::ControlCharsAccepted => how.control_chars = true,
            _ => return None,
        }
        Some(how)
    }

    /// The request-side faults that judge a JSON object body; `None` leaves it to the reference.
    fn judge_object(&self, mut body: Map<String, Value>) -> Option<Step> {
        let url_chars = text(&body, "url").map(|url| url.chars().count());
        let service = text(&body, "service");
        let listed = service.filter(|s| rules::listed_service(s).is_some());
        match self {
            Fault::TagsType500 => body
                .get("tags")
                .is_some_and(|tags| !tags.is_array())
                .then(server_error),
            Fault::UrlOverflow500 => url_chars
                .is_some_and(|n| n > URL_MAX_CHARS)
                .then(server_error),
            Fault::NameOptional => (!body.contains_key("name")).then(|| {
                body.insert("name".into(), "unnamed".into());
                Step::Replace(Value::Object(body))
            }),
            Fault::SingleValueArraysUnwrapped => unwrap_single_values(body).map(Step::Replace),
            Fault::NetworkIdOptional => (!body.contains_key("network_id")).then(|| {
                body.insert("network_id".into(), "default".into());
                Step::Replace(Value::Object(body))
            }),
            Fault::SecurityGroupIdNullDefault => body
                .get("security_group_id")
                .is_some_and(Value::is_null)
                .then(|| {
                    body.insert("security_group_id".into(), "default".into());
                    Step::Replace(Value::Object(body))
                }),
            Fault::UrlTypeCoerced => coerce_scalar(body, "url").map(Step::Replace),
            Fault::TagsRequired => (!body.contains_key("tags"))
                .then(|| reject(format!("tags: required ({})", ClauseId::ReqTagsOptional))),
            Fault::TagValueOptional => default_tag_values(body).map(Step::Replace),
            Fault::ServiceCaseSensitive => listed
                .filter(|s| !SERVICES.contains(s))
                .map(|s| reject(format!("service: unknown service {s:?}"))),
            Fault::ServiceListIncomplete => listed
                .filter(|s| s.eq_ignore_ascii_case("CloudTable.OpenTSDB"))
                .map(|s| reject(format!("service: unknown service {s:?}"))),
            Fault::ServiceUnchecked => (service.is_some() && listed.is_none()).then(|| {
                body.insert("service".into(), "DWS".into());
                Step::Replace(Value::Object(body))
            }),
            Fault::UrlLimit513 => (url_chars == Some(URL_MAX_CHARS + 1)).then(|| {
                let cut: String = text(&body, "url")
                    .unwrap_or_default()
                    .chars()
                    .take(URL_MAX_CHARS)
                    .collect();
                body.insert("url".into(), cut.into());
                Step::Replace(Value::Object(body))
            }),
            Fault::UrlLengthInBytes => text(&body, "url")
                .filter(|url| url.len() > URL_MAX_CHARS)
                .map(|url| reject(format!("url: {} bytes, at most {URL_MAX_CHARS}", url.len()))),
            Fault::UrlLengthInUtf16 => text(&body, "url")
                .map(|url| url.encode_utf16().count())
                .filter(|&units| units > URL_MAX_CHARS)
                .map(|units| reject(format!("url: length {units}, at most {URL_MAX_CHARS}"))),
            Fault::TagsUnchecked => body
                .shift_remove("tags")
                .map(|_| Step::Replace(Value::Object(body))),
            Fault::TagKeyTypeUnchecked => coerce_tag_member(body, "key").map(Step::Replace),
            Fault::TagValueTypeUnchecked => coerce_tag_member(body, "value").map(Step::Replace),
            Fault::ServiceNfkc => {
                let nfkc = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc();
                let normalised = service.map(|s| nfkc.normalize(s).into_owned());
                let listed = listed.is_some();
                replace_service(body, listed, normalised)
            }
            Fault::ServiceTrimmed => {
                let trimmed = service.map(|s| s.trim().to_owned());
                let listed = listed.is_some();
                replace_service(body, listed, trimmed)
            }
            Fault::UrlTrimmed => {
                let trimmed = text(&body, "url").map(|url| url.trim().to_owned());
                trimmed
                    .filter(|url| url.chars().count() <= URL_MAX_CHARS)
                    .filter(|_| url_chars.is_some_and(|n| n > URL_MAX_CHARS))
                    .map(|url| {
                        body.insert("url".into(), url.into());
                        Step::Replace(Value::Object(body))
                    })
            }
            Fault::MemberNamesCaseInsensitive => bind_ignoring_case(body).map(Step::Replace),
            _ => None,
        }
    }
}

/// How [`Fault::LoneSurrogate500`] reads lone surrogates: as a private-use mark it can find again.
fn surrogates_marked() -> Relax {
    Relax {
        lone_surrogates: Some(SURROGATE_MARK),
        ..Relax::default()
    }
}

/// What a lone surrogate becomes inside [`Fault::LoneSurrogate500`].
const SURROGATE_MARK: char = '\u{F8FE}';

/// The body as a lenient reader reads it, for the reference to judge; `None` when the reader
/// takes it as it is (or cannot read it either), leaving it to the reference.
fn relaxed(bytes: &[u8], how: Relax) -> Option<Step> {
    let relaxed = lenient::relax(bytes, how);
    (relaxed != bytes)
        .then(|| serde_json::from_slice(&relaxed).ok())
        .flatten()
        .map(Step::Replace)
}

/// Whether a string member a server stores (the required strings, tag keys and values) of the
/// JSON `body` passes `test`.
fn stores(body: &[u8], test: impl Fn(&str) -> bool) -> bool {
    let Some(body) = object(body) else {
        return false;
    };
    let top = rules::required_text_members().filter_map(|member| text(&body, member.name));
    let tags = body
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|tag| tag.values().filter_map(Value::as_str));
    top.chain(tags).any(test)
}

/// The body with `service` replaced by `changed` when that is listed and the original is not.
fn replace_service(
    mut body: Map<String, Value>,
    listed: bool,
    changed: Option<String>,
) -> Option<Step> {
    if listed {
        return None;
    }
    let changed = changed.filter(|s| rules::listed_service(s).is_some())?;
    body.insert("service".into(), changed.into());
    Some(Step::Replace(Value::Object(body)))
}

/// Renames members that match a missing known member up to ASCII case; `None` if none did.
fn bind_ignoring_case(body: Map<String, Value>) -> Option<Value> {
    let mut changed = false;
    let mut bound = Map::new();
    for (name, value) in body {
        let known = rules::MEMBERS
            .iter()
            .find(|member| member.name != name && member.name.eq_ignore_ascii_case(&name));
        match known {
            Some(member) if !bound.contains_key(member.name) => {
                bound.insert(member.name.to_owned(), value);
                changed = true;
            }
            _ => {
                bound.insert(name, value);
            }
        }
    }
    changed.then_some(Value::Object(bound))
}

/// `str(dict)` in Python: single quotes, `True`/`False`/`None`.
fn python_repr(body: &Map<String, Value>) -> String {
    let members: Vec<String> = body
        .iter()
        .map(|(key, value)| {
            let value = match value {
                Value::Bool(true) => "True".to_owned(),
                Value::Bool(false) => "False".to_owned(),
                Value::Null => "None".to_owned(),
                Value::String(text) => format!("'{text}'"),
                other => other.to_string(),
            };
            format!("'{key}': {value}")
        })
        .collect();
    format!("{{{}}}", members.join(", "))
}
