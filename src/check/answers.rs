//! The answer space: proptest strategies over every answer a conformant server may give, and over
//! minimal perturbations of them that each break known `resp.*` clauses, with the verdict the
//! [checker](super::check) owes each one.
//!
//! It takes what the `resp.*` clauses of `CLAUSES.md`, RFC 8259's grammar and HTTP's header rules
//! leave free to a server, as the checker's module doc lists it, and gives [`Answer`]s: an
//! expectation, a [`Response`] as the transport hands it to the checker, and what the checker
//! must make of it ([`Want`]). [`conformant`] leans towards the corners other stacks take: any
//! whitespace, every escape form (`\/`, `\u` of any character in either hex case, surrogate
//! pairs, the lone surrogates Python's `json.dumps` and JavaScript's `JSON.stringify` echo),
//! numbers in every form and size, members in any order, extra members of any type and depth,
//! repeated member names, optional members absent, header names and the media type in any case,
//! `Content-Type` parameters, extra headers. [`perturbed`] takes one of those and breaks one rule:
//! `is_success: false`, a `connection_id` that is no UUID string, a `message` that is no string,
//! an error body without a usable `error_code` or `error_msg`, a body that is not JSON or not an
//! object, another media type, a status other than the one wanted. [`quota`] is the real
//! service's quota answer, a setup problem. [`judge`] is the property all three share; the unit
//! tests below run it over a few thousand answers, `crate::fuzzing::answer_space` feeds it from
//! libFuzzer's bytes. The strategies generate answers, so they live beside the checker, not in
//! `crate::generate` (which generates requests).

use std::collections::BTreeSet;

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::{check, is_uuid, Outcome};
use crate::spec::clause::ClauseId;
use crate::spec::errors;
use crate::spec::expect::Expect;
use crate::transport::Response;

/// One generated answer and what the checker owes it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// What the case wanted.
    pub expect: Expect,
    /// The answer as the transport gives it to the checker.
    pub response: Response,
    /// The verdict it must get.
    pub want: Want,
}

/// What the checker must make of an [`Answer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// No violation at all: a conformant answer.
    Pass,
    /// A setup problem: the environment answered (a used-up quota).
    Setup,
    /// Exactly these clauses flagged, no other, and no setup problem.
    Flags(BTreeSet<ClauseId>),
}

/// Checks `answer` and says how the verdict differs from the one it wants, if it does.
pub fn judge(answer: &Answer) -> Result<(), String> {
    let verdict = check(answer.expect, &Ok(answer.response.clone()));
    let flagged: BTreeSet<ClauseId> = verdict.violations.iter().map(|v| v.clause).collect();
    let held = match &answer.want {
        Want::Pass => verdict.outcome() == Outcome::Pass,
        Want::Setup => verdict.outcome() == Outcome::Setup,
        Want::Flags(clauses) => verdict.setup.is_none() && &flagged == clauses,
    };
    if held {
        return Ok(());
    }
    Err(format!(
        "wanted {:?}, got {verdict:#?}\nfor {} {}\n{:?}\n{}",
        answer.want,
        answer.expect,
        answer.response.status,
        answer.response.headers,
        String::from_utf8_lossy(&answer.response.body)
    ))
}

/// A JSON value as a server may hold it before writing: strings are UTF-16 code units, so they
/// can hold lone surrogates as JavaScript's and Python's strings can; numbers are their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (any form the grammar allows).
    Number(String),
    /// A string's code units.
    String(Vec<u16>),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in order (names may repeat).
    Object(Vec<(Vec<u16>, Json)>),
}

impl Json {
    fn text(text: &str) -> Json {
        Json::String(text.encode_utf16().collect())
    }

    /// True for a value that reads as a non-empty string.
    fn is_nonempty_string(&self) -> bool {
        matches!(self, Json::String(units) if !units.is_empty())
    }
}

/// Writes JSON texts, taking each free choice (whitespace, escape form, hex case) from a tape of
/// bytes, cyclically; an empty tape takes the plainest choice everywhere.
pub struct Writer<'a> {
    tape: &'a [u8],
    at: usize,
    out: Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer taking its choices from `tape`.
    pub fn new(tape: &'a [u8]) -> Writer<'a> {
        Writer {
            tape,
            at: 0,
            out: Vec::new(),
        }
    }

    /// The next choice among `n` (0 when the tape is empty).
    fn choose(&mut self, n: u8) -> u8 {
        if self.tape.is_empty() {
            return 0;
        }
        let byte = self.tape[self.at % self.tape.len()];
        self.at += 1;
        byte % n
    }

    /// Whitespace between tokens: mostly none, sometimes any mix of the four RFC 8259 allows.
    fn whitespace(&mut self) {
        let ws: &[u8] = match self.choose(8) {
            0..=4 => b"",
            5 => b" ",
            6 => b"\n  ",
            _ => b"\r\n\t ",
        };
        self.out.extend_from_slice(ws);
    }

    /// `value`, with whitespace around it.
    pub fn value(&mut self, value: &Json) {
        self.whitespace();
        match value {
            Json::Null => self.out.extend_from_slice(b"null"),
            Json::Bool(true) => self.out.extend_from_slice(b"true"),
            Json::Bool(false) => self.out.extend_from_slice(b"false"),
            Json::Number(text) => self.out.extend_from_slice(text.as_bytes()),
            Json::String(units) => self.string(units),
            Json::Array(items) => {
                self.out.push(b'[');
                for (at, item) in items.iter().enumerate() {
                    if at > 0 {
                        self.out.push(b',');
                    }
                    self.value(item);
                }
                if items.is_empty() {
                    self.whitespace();
                }
                self.out.push(b']');
            }
            Json::Object(members) => {
                self.out.push(b'{');
                for (at, (name, item)) in members.iter().enumerate() {
                    if at > 0 {
                        self.out.push(b',');
                    }
                    self.whitespace();
                    self.string(name);
                    self.whitespace();
                    self.out.push(b':');
                    self.value(item);
                }
                if members.is_empty() {
                    self.whitespace();
                }
                self.out.push(b'}');
            }
        }
        self.whitespace();
    }

    /// A string token: each character written as itself where the grammar lets it, or as a short
    /// escape, or as `\u` escapes in either hex case; lone surrogates only as `\u` escapes.
    fn string(&mut self, units: &[u16]) {
        self.out.push(b'"');
        for unit in char::decode_utf16(units.iter().copied()) {
            match unit {
                Ok(c) => self.char(c),
                Err(lone) => self.unicode_escape(lone.unpaired_surrogate()),
            }
        }
        self.out.push(b'"');
    }

    fn char(&mut self, c: char) {
        let short = match c {
            '"' => Some(b'"'),
            '\\' => Some(b'\\'),
            '/' => Some(b'/'),
            '\u{8}' => Some(b'b'),
            '\u{c}' => Some(b'f'),
            '\n' => Some(b'n'),
            '\r' => Some(b'r'),
            '\t' => Some(b't'),
            _ => None,
        };
        let literal = !matches!(c, '"' | '\\' | '\0'..='\u{1f}');
        match self.choose(4) {
            0 | 1 if literal => {
                let mut buffer = [0; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
            0 | 2 if short.is_some() => self.out.extend([b'\\', short.unwrap_or(b'\\')]),
            _ => {
                let mut buffer = [0; 2];
                for unit in c.encode_utf16(&mut buffer) {
                    self.unicode_escape(*unit);
                }
            }
        }
    }

    fn unicode_escape(&mut self, unit: u16) {
        let escape = if self.choose(2) == 0 {
            format!("\\u{unit:04x}")
        } else {
            format!("\\u{unit:04X}")
        };
        self.out.extend_from_slice(escape.as_bytes());
    }

    /// The text written so far.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// Code units of one character, leaning towards the ones writers treat specially: ASCII, the
/// characters with short escapes, control characters, astral characters (surrogate pairs) and
/// lone surrogates.
fn units() -> impl Strategy<Value = Vec<u16>> {
    let char_units = |c: char| c.encode_utf16(&mut [0; 2]).to_vec();
    prop_oneof![
        6 => (0x20u8..0x7f).prop_map(|b| vec![u16::from(b)]),
        2 => select(&['"', '\\', '/', '\u{8}', '\u{c}', '\n', '\r', '\t', '\0', '\u{1f}', '\u{7f}'][..])
            .prop_map(char_units),
        2 => any::<char>().prop_map(char_units),
        1 => (0xD800u16..0xE000).prop_map(|lone| vec![lone]),
    ]
}

/// Any string's code units (empty too), up to 12 characters.
pub fn string() -> impl Strategy<Value = Vec<u16>> {
    vec(units(), 0..12).prop_map(|parts| parts.concat())
}

/// A string that never reads as a quota refusal's message (so that a conformant error answer is
/// never taken for one).
fn message_string() -> impl Strategy<Value = Vec<u16>> {
    string().prop_filter("says nothing of a quota", |units| {
        let text = String::from_utf16_lossy(units).to_lowercase();
        !text.contains("quota") && !text.contains("配额")
    })
}

/// A number in any form the grammar allows: sign, leading zero, fraction, exponent in any case
/// and sign, and sizes past binary64 (long integers, huge and tiny exponents).
pub fn number() -> impl Strategy<Value = String> {
    let integer = prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,30}"];
    let fraction = proptest::option::of("\\.[0-9]{1,20}");
    let exponent = proptest::option::of("[eE][+-]?[0-9]{1,4}");
    (any::<bool>(), integer, fraction, exponent).prop_map(|(minus, integer, fraction, exponent)| {
        let sign = if minus { "-" } else { "" };
        format!(
            "{sign}{integer}{}{}",
            fraction.unwrap_or_default(),
            exponent.unwrap_or_default()
        )
    })
}

/// Any JSON value: scalars, and arrays and objects nested a few levels, with now and then an
/// array nested hundreds deep (past the 128 levels serde_json stops at).
pub fn json() -> impl Strategy<Value = Json> {
    let deep = (100usize..400).prop_map(|depth| {
        (0..depth).fold(Json::Array(Vec::new()), |inner, _| Json::Array(vec![inner]))
    });
    let leaf = prop_oneof![
        3 => Just(Json::Null),
        3 => any::<bool>().prop_map(Json::Bool),
        3 => number().prop_map(Json::Number),
        3 => string().prop_map(Json::String),
        1 => deep,
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Json::Array),
            vec((string(), inner), 0..4).prop_map(Json::Object),
        ]
    })
}

/// A JSON value that is not a string.
fn non_string() -> impl Strategy<Value = Json> {
    json().prop_filter("not a string", |value| !matches!(value, Json::String(_)))
}

/// A JSON value that is not an object.
fn non_object() -> impl Strategy<Value = Json> {
    json().prop_filter("not an object", |value| !matches!(value, Json::Object(_)))
}

/// Extra members, named anything but `known` (names compared as a reader decodes them).
fn extras(known: &'static [&'static str]) -> impl Strategy<Value = Vec<(Vec<u16>, Json)>> {
    let name = prop_oneof![
        select(
            &[
                "request_id",
                "error_details",
                "data",
                "is_success",
                "message",
                "code",
                ""
            ][..]
        )
        .prop_map(|name| name.encode_utf16().collect()),
        string(),
    ];
    vec((name, json()), 0..4).prop_map(move |members| {
        members
            .into_iter()
            .filter(|(name, _)| !known.contains(&String::from_utf16_lossy(name).as_str()))
            .collect()
    })
}

/// A UUID in the RFC 9562 string form, each hex letter upper- or lower-case.
fn uuid_string() -> impl Strategy<Value = String> {
    (any::<u128>(), any::<u32>())
        .prop_map(|(id, case)| cased(&uuid::Uuid::from_u128(id).hyphenated().to_string(), case))
}

/// A `connection_id` value that is no UUID string: another type, another UUID form, or any
/// other string.
fn not_a_uuid() -> impl Strategy<Value = Json> {
    let other_forms = any::<u128>().prop_flat_map(|id| {
        let id = uuid::Uuid::from_u128(id);
        select(vec![
            id.simple().to_string(),
            id.braced().to_string(),
            id.urn().to_string(),
            format!(" {id}"),
        ])
    });
    prop_oneof![
        non_string(),
        other_forms.prop_map(|id| Json::text(&id)),
        string().prop_filter_map("not a UUID", |units| {
            (!is_uuid(&String::from_utf16_lossy(&units))).then_some(Json::String(units))
        }),
    ]
}

/// The members of a body, each optional, in the order a tape picks.
#[derive(Debug, Clone, Default)]
struct Body {
    /// The members the clauses name, in the spec's order.
    known: Vec<(&'static str, Json)>,
    /// Extra members, and repeats of known ones that every reading accepts.
    extras: Vec<(Vec<u16>, Json)>,
}

impl Body {
    fn set(&mut self, name: &'static str, value: Option<Json>) {
        self.known.retain(|(known, _)| *known != name);
        if let Some(value) = value {
            self.known.push((name, value));
        }
    }

    /// The object with its members shuffled by `tape`.
    fn object(&self, tape: &[u8]) -> Json {
        let mut members: Vec<(Vec<u16>, Json)> = self
            .known
            .iter()
            .map(|(name, value)| (name.encode_utf16().collect(), value.clone()))
            .chain(self.extras.iter().cloned())
            .collect();
        for at in (1..members.len()).rev() {
            let byte = tape.get(at % tape.len().max(1)).copied().unwrap_or(0);
            members.swap(at, usize::from(byte) % (at + 1));
        }
        Json::Object(members)
    }
}

/// How a body reaches the checker: the value, the tape its writer takes choices from, the
/// headers beside `Content-Type`, and the `Content-Type` field (name and value) or none.
#[derive(Debug, Clone)]
struct Framing {
    tape: Vec<u8>,
    content_type: Option<(String, String)>,
    headers: Vec<(String, String)>,
}

/// `name` with each letter's case picked from `mask`.
fn cased(name: &str, mask: u32) -> String {
    name.chars()
        .enumerate()
        .map(|(at, c)| {
            if mask >> (at % 32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// A `Content-Type` field for JSON: name and media type in any case, any parameters, optional
/// whitespace around each `;`.
fn json_content_type() -> impl Strategy<Value = (String, String)> {
    let parameter = select(
        &[
            "charset=utf-8",
            "charset=UTF-8",
            "Charset=\"utf-8\"",
            "version=1",
            "q=0.9",
        ][..],
    );
    let space = select(&["", " ", "  ", "\t"][..]);
    (
        any::<u32>(),
        any::<u32>(),
        vec((space.clone(), parameter, space), 0..3),
    )
        .prop_map(|(name_case, type_case, parameters)| {
            let mut value = cased("application/json", type_case);
            for (before, parameter, after) in parameters {
                value.push_str(&format!("{before};{after}{parameter}"));
            }
            (cased("content-type", name_case), value)
        })
}

/// Headers beside `Content-Type` a server or proxy may add, names in any case.
fn other_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let header = select(
        &[
            ("server", "BaseHTTP/0.6 Python/3.12.3"),
            ("date", "Sun, 06 Dec 2026 20:15:00 GMT"),
            ("connection", "close"),
            ("transfer-encoding", "chunked"),
            ("x-request-id", "5f1c3f0a9f0b4d5e"),
            ("cache-control", "no-store"),
            ("content-type-options", "nosniff"),
        ][..],
    );
    vec((header, any::<u32>()), 0..4).prop_map(|headers| {
        headers
            .into_iter()
            .map(|((name, value), case)| (cased(name, case), value.to_owned()))
            .collect()
    })
}

fn framing() -> impl Strategy<Value = Framing> {
    (
        vec(any::<u8>(), 0..48),
        json_content_type(),
        other_headers(),
    )
        .prop_map(|(tape, content_type, headers)| Framing {
            tape,
            content_type: Some(content_type),
            headers,
        })
}

impl Framing {
    /// The response carrying `body` written with this framing's choices.
    fn respond(&self, status: u16, body: &Json) -> Response {
        let mut writer = Writer::new(&self.tape);
        writer.value(body);
        self.respond_bytes(status, writer.finish())
    }

    fn respond_bytes(&self, status: u16, body: Vec<u8>) -> Response {
        let mut headers = self.headers.clone();
        let at = self
            .tape
            .first()
            .map_or(0, |&b| usize::from(b) % (headers.len() + 1));
        if let Some(content_type) = &self.content_type {
            headers.insert(at, content_type.clone());
        }
        headers.push(("content-length".into(), body.len().to_string()));
        Response {
            status,
            headers,
            body: Bytes::from(body),
            body_truncated: false,
        }
    }
}

/// A conformant 201 body: `is_success: true` or absent, any `message` string or none, a UUID,
/// extra members, and repeated known members whose every value is conformant.
fn created_body() -> impl Strategy<Value = Body> {
    let repeat = prop_oneof![
        message_string().prop_map(|text| ("message", Json::String(text))),
        Just(("is_success", Json::Bool(true))),
        uuid_string().prop_map(|id| ("connection_id", Json::text(&id))),
    ];
    (
        any::<bool>(),
        proptest::option::of(message_string()),
        uuid_string(),
        extras(&CREATED),
        proptest::option::of(repeat),
    )
        .prop_map(|(is_success, message, id, mut extras, repeat)| {
            let mut body = Body::default();
            body.set("is_success", is_success.then_some(Json::Bool(true)));
            body.set("message", message.map(Json::String));
            body.set("connection_id", Some(Json::text(&id)));
            if let Some((name, value)) = repeat {
                extras.push((name.encode_utf16().collect(), value));
            }
            body.extras = extras;
            body
        })
}

/// The members of a success body the clauses name.
const CREATED: [&str; 3] = ["is_success", "message", "connection_id"];

/// The members of an error body the clauses name.
const ERROR: [&str; 2] = ["error_code", "error_msg"];

/// `bodies` without repeats of the members `known`.
fn unrepeated(
    bodies: impl Strategy<Value = Body>,
    known: &'static [&'static str],
) -> impl Strategy<Value = Body> {
    bodies.prop_map(move |mut body| {
        body.extras
            .retain(|(name, _)| !known.contains(&String::from_utf16_lossy(name).as_str()));
        body
    })
}

/// A conformant error body: any non-empty `error_code` (DLI's codes, gateway codes or any other
/// string, never the quota's), any `error_msg` string, extra members, and now and then a second
/// `error_code` of any kind (the other reading of the repeated name carries a good one).
fn error_body() -> impl Strategy<Value = Body> {
    let code = prop_oneof![
        select(
            errors::ALL
                .iter()
                .map(|known| known.code)
                .filter(|&code| code != errors::QUOTA_INSUFFICIENT.code)
                .chain(["APIG.0301", "DLI.0008"])
                .collect::<Vec<_>>()
        )
        .prop_map(Json::text),
        string().prop_map(Json::String),
    ]
    .prop_filter("non-empty", Json::is_nonempty_string);
    (
        code,
        message_string(),
        extras(&ERROR),
        proptest::option::of(json()),
    )
        .prop_map(|(code, message, mut extras, second_code)| {
            let mut body = Body::default();
            body.set("error_code", Some(code));
            body.set("error_msg", Some(Json::String(message)));
            if let Some(second) = second_code {
                extras.push(("error_code".encode_utf16().collect(), second));
            }
            body.extras = extras;
            body
        })
}

/// Conformant answers: a 201 to `accept` or `either`, a 400 error to `reject` or `either`.
pub fn conformant() -> impl Strategy<Value = Answer> {
    let created = (
        select(&[Expect::Accept, Expect::Either][..]),
        created_body(),
        framing(),
    )
        .prop_map(|(expect, body, framing)| Answer {
            expect,
            response: framing.respond(201, &body.object(&framing.tape)),
            want: Want::Pass,
        });
    let rejected = (
        select(&[Expect::Reject, Expect::Either][..]),
        error_body(),
        framing(),
    )
        .prop_map(|(expect, body, framing)| Answer {
            expect,
            response: framing.respond(400, &body.object(&framing.tape)),
            want: Want::Pass,
        });
    prop_oneof![created, rejected]
}

/// The real service's quota answer, 400 `DLI.1028` with any message: a setup problem to a case
/// that wants a 201, a conformant rejection to one that wants a 400.
pub fn quota() -> impl Strategy<Value = Answer> {
    (
        select(&[Expect::Accept, Expect::Either, Expect::Reject][..]),
        error_body(),
        framing(),
    )
        .prop_map(|(expect, mut body, framing)| {
            body.set(
                "error_code",
                Some(Json::text(errors::QUOTA_INSUFFICIENT.code)),
            );
            body.extras
                .retain(|(name, _)| String::from_utf16_lossy(name) != "error_code");
            Answer {
                expect,
                response: framing.respond(400, &body.object(&framing.tape)),
                want: if expect == Expect::Reject {
                    Want::Pass
                } else {
                    Want::Setup
                },
            }
        })
}

/// A body that is no JSON text: a conformant one cut short, with a trailing comma or a comment,
/// empty, or another language's notation.
fn not_json(body: &Json, tape: &[u8], cut: usize) -> Vec<u8> {
    let mut writer = Writer::new(tape);
    writer.value(body);
    let mut text = writer.finish();
    let close = text.iter().rposition(|&b| b == b'}').unwrap_or(0);
    match tape.first().copied().unwrap_or(0) % 5 {
        0 => text.truncate(cut % (close + 1)),
        1 => text.insert(close, b','),
        2 => text = [&b"/* answer */"[..], &text].concat(),
        3 => text.clear(),
        _ => text = b"{'is_success': True, 'message': None}".to_vec(),
    }
    text
}

/// One way to break the media type: another type, none, or a second `Content-Type`.
fn bad_content_type() -> impl Strategy<Value = Vec<(String, String)>> {
    let other = select(
        &[
            "text/plain",
            "text/html; charset=utf-8",
            "application/x-json",
            "application/jsonp",
            "application/problem+json",
            "text/json",
            "",
        ][..],
    );
    prop_oneof![
        other.prop_map(|value| vec![("content-type".to_owned(), value.to_owned())]),
        Just(Vec::new()),
        json_content_type()
            .prop_map(|first| vec![first, ("Content-Type".into(), "text/html".into())]),
    ]
}

/// `bodies` answered `status` to an `expect` case but spoiled for `clause`: written as no JSON
/// text, replaced by JSON that is no object, or labelled as another media type.
fn spoiled(
    bodies: impl Strategy<Value = Body>,
    status: u16,
    expect: Expect,
    clause: ClauseId,
) -> impl Strategy<Value = (Expect, Response, Want)> {
    (
        bodies,
        framing(),
        bad_content_type(),
        any::<usize>(),
        non_object(),
    )
        .prop_map(move |(body, mut framing, content_type, cut, scalar)| {
            let object = body.object(&framing.tape);
            let response = match cut % 3 {
                0 => framing.respond_bytes(status, not_json(&object, &framing.tape, cut)),
                1 => framing.respond(status, &scalar),
                _ => {
                    framing.content_type = None;
                    framing.headers.extend(content_type);
                    framing.respond(status, &object)
                }
            };
            (expect, response, flags(&[clause]))
        })
}

fn flags(clauses: &[ClauseId]) -> Want {
    Want::Flags(clauses.iter().copied().collect())
}

/// A conformant answer broken in one way, with the clauses that breaks. Bodies lose their repeated
/// members first, so that no other reading of the text hides the break.
pub fn perturbed() -> impl Strategy<Value = Answer> {
    use ClauseId::*;
    let created = || (unrepeated(created_body(), &CREATED), framing());
    let members = (
        created(),
        prop_oneof![
            Just((
                "is_success",
                Some(Json::Bool(false)),
                RespCreatedIsSuccessTrue
            )),
            json()
                .prop_filter("not a boolean", |v| !matches!(v, Json::Bool(_)))
                .prop_map(|v| ("is_success", Some(v), RespCreatedIsSuccessType)),
            non_string().prop_map(|v| ("message", Some(v), RespCreatedMessageType)),
            not_a_uuid().prop_map(|v| ("connection_id", Some(v), RespCreatedConnectionIdType)),
            Just(("connection_id", None, RespCreatedConnectionIdPresent)),
        ],
        select(&[Expect::Accept, Expect::Either][..]),
    )
        .prop_map(|((mut body, framing), (name, value, clause), expect)| {
            body.set(name, value);
            (
                expect,
                framing.respond(201, &body.object(&framing.tape)),
                flags(&[clause]),
            )
        });
    let created_framing = spoiled(
        unrepeated(created_body(), &CREATED),
        201,
        Expect::Accept,
        RespCreatedJson,
    );
    let created_status = (
        created(),
        select(&[200u16, 202, 204, 299][..]),
        any::<bool>(),
    )
        .prop_map(|((body, framing), status, either)| {
            let response = framing.respond(status, &body.object(&framing.tape));
            if either {
                (Expect::Either, response, flags(&[RespStatusDocumented]))
            } else {
                let clauses = [RespCreatedStatus, RespStatusDocumented];
                (Expect::Accept, response, flags(&clauses))
            }
        });
    let error = || unrepeated(error_body(), &ERROR);
    let envelope = (
        error(),
        framing(),
        prop_oneof![
            Just(("error_code", None)),
            Just(("error_code", Some(Json::text("")))),
            non_string().prop_map(|v| ("error_code", Some(v))),
            Just(("error_msg", None)),
            non_string().prop_map(|v| ("error_msg", Some(v))),
        ],
        select(&[Expect::Reject, Expect::Either][..]),
    )
        .prop_map(|(mut body, framing, (name, value), expect)| {
            body.set(name, value);
            let response = framing.respond(400, &body.object(&framing.tape));
            (expect, response, flags(&[RespErrorEnvelope]))
        });
    let error_framing = spoiled(error(), 400, Expect::Reject, RespErrorEnvelope);
    let error_status = (
        error(),
        framing(),
        select(&[500u16, 502, 503, 422, 409, 418][..]),
        any::<bool>(),
    )
        .prop_map(|(body, framing, status, either)| {
            let response = framing.respond(status, &body.object(&framing.tape));
            let mut clauses = BTreeSet::new();
            if !either {
                clauses.insert(RespInvalidStatus);
            }
            if status >= 500 {
                clauses.insert(RespNoServerError);
            }
            if status != 500 {
                clauses.insert(RespStatusDocumented);
            }
            let expect = if either {
                Expect::Either
            } else {
                Expect::Reject
            };
            (expect, response, Want::Flags(clauses))
        });
    let accepted_invalid = conformant()
        .prop_filter("a 201", |answer| answer.response.status == 201)
        .prop_map(|answer| (Expect::Reject, answer.response, flags(&[RespInvalidStatus])));
    let rejected_valid = conformant()
        .prop_filter("a 400", |answer| answer.response.status == 400)
        .prop_map(|answer| (Expect::Accept, answer.response, flags(&[RespCreatedStatus])));
    prop_oneof![
        members,
        created_framing,
        created_status,
        envelope,
        error_framing,
        error_status,
        accepted_invalid,
        rejected_valid,
    ]
    .prop_map(|(expect, response, want)| Answer {
        expect,
        response,
        want,
    })
}

/// Every kind of answer: conformant ones (half), perturbed ones, the quota answer.
pub fn any_answer() -> impl Strategy<Value = Answer> {
    prop_oneof![4 => conformant(), 3 => perturbed(), 1 => quota()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::Config;

    fn config(cases: u32) -> Config {
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        }
    }

    proptest! {
        #![proptest_config(config(2000))]

        /// The checker passes every conformant answer.
        #[test]
        fn every_conformant_answer_passes(answer in conformant()) {
            judge(&answer).map_err(TestCaseError::fail)?;
        }

        /// The checker flags each perturbation by the clauses it breaks, and by no other.
        #[test]
        fn each_perturbation_is_flagged_by_its_clauses(answer in perturbed()) {
            judge(&answer).map_err(TestCaseError::fail)?;
        }
    }

    proptest! {
        #![proptest_config(config(300))]

        /// The quota answer is a setup problem unless the case wanted a 400.
        #[test]
        fn the_quota_answer_is_a_setup_problem(answer in quota()) {
            judge(&answer).map_err(TestCaseError::fail)?;
        }
    }

    /// The writer's choices read back as the value: a text written with every tape decodes to
    /// the same value through the project's reader.
    #[test]
    fn written_texts_read_back() {
        let value = Json::Object(vec![
            (
                "a/\"\\".encode_utf16().collect(),
                Json::Number("-0.5E+3".into()),
            ),
            (
                "b".encode_utf16().collect(),
                Json::String(vec![0xD834, 0xDD1E, 0x0A, 0xE9]),
            ),
        ]);
        for tape in [&[][..], &[1, 2, 3, 4, 5, 6, 7], &[255, 0, 17, 3]] {
            let mut writer = Writer::new(tape);
            writer.value(&value);
            let text = writer.finish();
            let read = crate::spec::json_text::read(&text, crate::spec::json_text::Repeats::Last)
                .unwrap_or_else(|err| panic!("{err:?}: {}", String::from_utf8_lossy(&text)));
            assert_eq!(
                read.value,
                serde_json::json!({"a/\"\\": -500.0, "b": "\u{1d11e}\n\u{e9}"}),
                "{}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
