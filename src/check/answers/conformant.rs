//! Conformant answers: the bodies ([`Body`]), `Content-Type` fields, other headers and framing a
//! conformant server may send, the conformant success and error bodies, [`conformant`] answers
//! and the real service's [`quota`] answer. It takes the values and the writer from
//! `values.rs` and gives `mod.rs` its strategies and `perturbed.rs` the bodies and framing it
//! breaks.

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::values::*;
use super::{Answer, Want};
use crate::spec::errors;
use crate::spec::expect::Expect;
use crate::transport::Response;

/// The members of a body, each optional, in the order a tape picks.
#[derive(Debug, Clone, Default)]
pub(super) struct Body {
    /// The members the clauses name, in the spec's order.
    pub(super) known: Vec<(&'static str, Json)>,
    /// Extra members, and repeats of known ones that every reading accepts.
    pub(super) extras: Vec<(Vec<u16>, Json)>,
}

impl Body {
    pub(super) fn set(&mut self, name: &'static str, value: Option<Json>) {
        self.known.retain(|(known, _)| *known != name);
        if let Some(value) = value {
            self.known.push((name, value));
        }
    }

    /// The object with its members shuffled by `tape`.
    pub(super) fn object(&self, tape: &[u8]) -> Json {
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
pub(super) struct Framing {
    pub(super) tape: Vec<u8>,
    pub(super) content_type: Option<(String, String)>,
    pub(super) headers: Vec<(String, String)>,
}

/// A `Content-Type` field for JSON: name and media type in any case, any parameters, optional
/// whitespace around each `;`.
pub(super) fn json_content_type() -> impl Strategy<Value = (String, String)> {
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
pub(super) fn other_headers() -> impl Strategy<Value = Vec<(String, String)>> {
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

pub(super) fn framing() -> impl Strategy<Value = Framing> {
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
    pub(super) fn respond(&self, status: u16, body: &Json) -> Response {
        let mut writer = Writer::new(&self.tape);
        writer.value(body);
        self.respond_bytes(status, writer.finish())
    }

    pub(super) fn respond_bytes(&self, status: u16, body: Vec<u8>) -> Response {
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
pub(super) fn created_body() -> impl Strategy<Value = Body> {
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
pub(super) const CREATED: [&str; 3] = ["is_success", "message", "connection_id"];

/// The members of an error body the clauses name.
pub(super) const ERROR: [&str; 2] = ["error_code", "error_msg"];

/// `bodies` without repeats of the members `known`.
pub(super) fn unrepeated(
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
pub(super) fn error_body() -> impl Strategy<Value = Body> {
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
