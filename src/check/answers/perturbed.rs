//! Perturbations: a conformant answer from `conformant.rs` broken in one way (a body that is
//! no JSON text or no object, another media type, a bad member, a wrong status), with the
//! clauses that break says the checker must flag. It gives [`perturbed`] to `mod.rs`.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::select;

use super::conformant::*;
use super::values::*;
use super::{Answer, Want};
use crate::spec::clause::ClauseId;
use crate::spec::expect::Expect;
use crate::transport::Response;

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
