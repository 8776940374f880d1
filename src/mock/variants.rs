//! Conformant variants: the reference mock taking the other side of a choice the spec leaves
//! open, each a [`Deviation`] naming the clause that allows it.
//!
//! [`VARIANTS`] is the catalogue `dli-conformance mock --list-variants` prints and `selftest` runs
//! the suite against: every variant must come out with zero failures and zero warnings, or a
//! check is crying wolf. Each variant is one [`Variant`] arm of the [`Rewrite`] layer around the
//! reference handler, which itself ignores unknown members, accepts empty strings and duplicate
//! names, rejects `ct` and answers the full success body.

use serde_json::{Map, Value};

use super::deviation::{object, reject, text, Answer, Deviation, Memory, Rewrite, Step};
use super::lenient::{self, Relax};
use crate::spec::clause::ClauseId;
use crate::spec::rules::{self, TAG_MEMBERS};

/// Every conformant variant.
#[rustfmt::skip]
pub const VARIANTS: &[Deviation] = &[
    Deviation::new("ct-alias", ClauseId::A2, "accepts service `ct` (any case) as an alias of CloudTable", &Variant::CtAlias),
    Deviation::new("reject-unknown-members", ClauseId::A5, "rejects members the spec does not list, in the body and in tags", &Variant::RejectUnknownMembers),
    Deviation::new("reject-empty-strings", ClauseId::A6, "rejects empty required strings and empty tag keys or values", &Variant::RejectEmptyStrings),
    Deviation::new("reject-duplicate-names", ClauseId::A9, "rejects a name it already created a connection for, with 400", &Variant::RejectDuplicateNames),
    Deviation::new("error-extra-members", ClauseId::RespErrorEnvelope, "error bodies add `request_id`, `is_success: false` and `message`", &Variant::ErrorExtraMembers),
    Deviation::new("created-id-only", ClauseId::A4, "201 carries only `connection_id` (no `is_success`, no `message`)", &Variant::CreatedIdOnly),
    Deviation::new("charset-content-type", ClauseId::RespCreatedJson, "every answer is labelled `application/json;charset=UTF-8`", &Variant::CharsetContentType),
    Deviation::new("strict-parser-limits", ClauseId::ReqBodyObject, "rejects nesting over 64 deep, numbers a double cannot hold, lone surrogate escapes and repeated member names", &Variant::StrictParserLimits),
    Deviation::new("lenient-parser", ClauseId::ReqBodyObject, "reads nesting up to 10 000 deep, numbers of any size, lone surrogates (as U+FFFD) and a leading BOM", &Variant::LenientParser),
    Deviation::new("service-unicode-case", ClauseId::ReqServiceCaseInsensitive, "matches services under Unicode case mapping (`RDſ` is RDS), as Java's equalsIgnoreCase or Python's upper() do", &Variant::ServiceUnicodeCase),
    Deviation::new("every-variant", ClauseId::A9, "every choice above at once but the lenient parser (A2, A4, A5, A6, A9, envelope, charset, parser limits, Unicode case)", &Variant::Every),
];

/// The single variants [`Variant::Every`] applies, in order.
const SINGLES: &[Variant] = &[
    Variant::CtAlias,
    Variant::RejectUnknownMembers,
    Variant::RejectEmptyStrings,
    Variant::RejectDuplicateNames,
    Variant::ErrorExtraMembers,
    Variant::CreatedIdOnly,
    Variant::CharsetContentType,
    Variant::StrictParserLimits,
    Variant::ServiceUnicodeCase,
];

/// The variants, one arm each.
pub(super) enum Variant {
    /// The page's own request example sends `"service": "ct"`; a server may honour it.
    CtAlias,
    /// A strict schema (`additionalProperties: false`, `deny_unknown_fields`).
    RejectUnknownMembers,
    /// A `minLength: 1` on every string.
    RejectEmptyStrings,
    /// A unique-name constraint, reported as a plain 400.
    RejectDuplicateNames,
    /// The API gateway's envelope: `request_id` plus the DLI result fields.
    ErrorExtraMembers,
    /// Table 5 marks every response field optional.
    CreatedIdOnly,
    /// Spring's and ASP.NET's default JSON content type.
    CharsetContentType,
    /// RFC 8259 lets a parser limit depth and numbers and refuse what it cannot read well:
    /// .NET's default `MaxDepth` of 64, i-JSON's (RFC 7493) numbers and unique names, a strict
    /// UTF-16 check of surrogates.
    StrictParserLimits,
    /// A parser that reads what RFC 8259 leaves open as generously as it can: deep nesting (up to
    /// a limit of 10 000), numbers of any size (arbitrary precision), lone surrogates (as U+FFFD,
    /// as Go does) and a leading byte order mark (which RFC 8259 lets a parser skip).
    LenientParser,
    /// `service.equalsIgnoreCase(listed)` in Java or `service.upper() == listed.upper()` in Python:
    /// case-insensitive beyond ASCII.
    ServiceUnicodeCase,
    /// A server that takes every choice above: choices must not clash inside the suite either.
    Every,
}

/// The tag objects of `body`, skipping anything that is not one (the reference judges those).
fn tag_objects(body: &Map<String, Value>) -> impl Iterator<Item = &Map<String, Value>> {
    body.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn unknown_member(body: &Map<String, Value>) -> Option<String> {
    let top = body
        .keys()
        .find(|key| !rules::is_known_member(key))
        .cloned();
    top.or_else(|| {
        tag_objects(body).find_map(|tag| {
            tag.keys()
                .find(|key| !rules::is_known_tag_member(key))
                .map(|key| format!("tags[].{key}"))
        })
    })
}

fn empty_member(body: &Map<String, Value>) -> Option<String> {
    let top = rules::required_text_members()
        .find(|member| text(body, member.name) == Some(""))
        .map(|member| member.name.to_owned());
    top.or_else(|| {
        tag_objects(body).find_map(|tag| {
            TAG_MEMBERS
                .iter()
                .find(|member| text(tag, member.name) == Some(""))
                .map(|member| format!("tags[].{}", member.name))
        })
    })
}

impl Rewrite for Variant {
    fn request(&self, bytes: &[u8], memory: &Memory) -> Step {
        match self {
            Variant::Every => return every_request(bytes, memory),
            Variant::StrictParserLimits => return strict_limits(bytes),
            Variant::LenientParser => return lenient_parse(bytes),
            _ => {}
        }
        let Some(mut body) = object(bytes) else {
            return Step::Forward;
        };
        let step = match self {
            Variant::CtAlias => text(&body, "service")
                .filter(|service| service.eq_ignore_ascii_case(rules::CT_ALIAS))
                .is_some()
                .then(|| {
                    body.insert("service".into(), "CloudTable".into());
                    Step::Replace(Value::Object(body))
                }),
            Variant::RejectUnknownMembers => {
                unknown_member(&body).map(|member| reject(format!("{member}: unknown member (A5)")))
            }
            Variant::RejectEmptyStrings => empty_member(&body)
                .map(|member| reject(format!("{member}: must not be empty (A6)"))),
            Variant::RejectDuplicateNames => memory
                .name_taken(bytes)
                .then(|| reject("name: a connection with this name already exists (A9)")),
            Variant::ServiceUnicodeCase => text(&body, "service")
                .filter(|service| rules::listed_service(service).is_none())
                .and_then(|service| {
                    let upper = service.to_uppercase();
                    rules::SERVICES
                        .iter()
                        .find(|listed| listed.to_uppercase() == upper)
                })
                .map(|&listed| {
                    body.insert("service".into(), listed.into());
                    Step::Replace(Value::Object(body))
                }),
            _ => None,
        };
        step.unwrap_or(Step::Forward)
    }

    fn response(&self, request: &[u8], answer: &mut Answer, memory: &Memory) {
        match self {
            Variant::RejectDuplicateNames => memory.record_created(request, answer),
            Variant::ErrorExtraMembers if answer.is_error() => answer.edit_json(|body| {
                let message = body.get("error_msg").cloned().unwrap_or_default();
                body.insert(
                    "request_id".into(),
                    uuid::Uuid::new_v4().simple().to_string().into(),
                );
                body.insert("is_success".into(), false.into());
                body.insert("message".into(), message);
            }),
            Variant::CreatedIdOnly if answer.is_created() => answer.edit_json(|body| {
                body.retain(|key, _| key == "connection_id");
            }),
            Variant::CharsetContentType => {
                answer.set_content_type("application/json;charset=UTF-8");
            }
            Variant::Every => {
                for single in SINGLES {
                    single.response(request, answer, memory);
                }
            }
            _ => {}
        }
    }
}

/// [`Variant::StrictParserLimits`]: a 400 for what its parser refuses.
fn strict_limits(bytes: &[u8]) -> Step {
    let refused = if lenient::max_depth(bytes) > 64 {
        "nesting deeper than 64"
    } else if lenient::number_beyond_double(bytes) {
        "a number a double cannot hold"
    } else if lenient::lone_surrogates(bytes) > 0 {
        "a lone surrogate escape"
    } else if lenient::repeats_a_name(bytes) {
        "a repeated member name"
    } else {
        return Step::Forward;
    };
    reject(format!("body: {refused} (req.body.object)"))
}

/// [`Variant::LenientParser`]: the body as its parser reads it, for the reference to judge.
fn lenient_parse(bytes: &[u8]) -> Step {
    let relaxed = lenient::relax(
        bytes,
        Relax {
            lone_surrogates: Some('\u{FFFD}'),
            bom: true,
            any_number: true,
            ..Relax::default()
        },
    );
    let depth = lenient::max_depth(&relaxed);
    let readable = if depth > 10_000 {
        None
    } else if depth > 100 {
        // Read whole at any depth, then the deep parts (which the server never looks into)
        // stand in as `0` so that the reference can take the rest.
        lenient::parses_at_any_depth(&relaxed).then(|| lenient::flatten_deeper_than(&relaxed, 100))
    } else {
        Some(relaxed)
    };
    match readable.and_then(|text| serde_json::from_slice(&text).ok()) {
        Some(value) => Step::Replace(value),
        None => Step::Forward,
    }
}

/// Runs the request hooks of [`SINGLES`] in turn, each on the body the previous one passed on.
fn every_request(bytes: &[u8], memory: &Memory) -> Step {
    let mut replaced: Option<Value> = None;
    for single in SINGLES {
        let current = replaced.as_ref().map_or_else(
            || bytes.to_vec(),
            |value| serde_json::to_vec(value).expect("a JSON value serializes"),
        );
        match single.request(&current, memory) {
            Step::Forward => {}
            Step::Replace(value) => replaced = Some(value),
            other => return other,
        }
    }
    replaced.map_or(Step::Forward, Step::Replace)
}
