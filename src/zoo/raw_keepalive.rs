//! `zoo/raw-keepalive`: a hand-written HTTP/1.1 server on `std::net` (no HTTP library) keeping
//! connections alive, every answer chunked in 16-byte pieces, JSON written by hand with raw UTF-8
//! and CR LF tab whitespace, `Content-Type: application/json; charset="utf-8"`, a `Server` header.
//!
//! Choices: accepts `ct` (A2), ignores unknown members (A5), accepts empty strings (A6), refuses a
//! name a live connection already has (A9); echoes the offending value in error messages;
//! implements show, list and delete (an unknown connection is 404). A 201 carries all three
//! optional members, `message` first; an error carries a numeric `status` and `request_id`.

use super::endpoint::{Answer, Choices, Connection};
use super::hand_json::{Json, Layout};
use super::on_std::Framing;
use super::{Foundation, Reply, ZooServer};

pub(super) const SERVER: ZooServer = ZooServer {
    name: "zoo/raw-keepalive",
    summary: "std::net HTTP/1.1 keep-alive, chunked answers, hand-written UTF-8 JSON with CR LF tabs; accepts ct, refuses repeated names, echoes inputs",
    choices: Choices {
        accept_ct: true,
        refuse_unknown: false,
        refuse_empty: false,
        refuse_repeated_name: true,
        family: true,
        echo: true,
    },
    foundation: Foundation::Std(Framing {
        http10: false,
        close: false,
        chunk: Some(16),
        backlog: 128,
    }),
    render,
};

const LAYOUT: Layout = Layout {
    open: "\r\n\t",
    close: "\r\n",
    colon: " : ",
    ascii: false,
};

fn render(answer: &Answer) -> Reply {
    let (status, body) = match answer {
        Answer::Created(c) => (
            201,
            Json::Object(vec![
                ("message", Json::Str("已创建".into())),
                ("is_success", Json::Bool(true)),
                ("connection_id", Json::Str(c.id.clone())),
            ]),
        ),
        Answer::Shown(c) => (200, connection(c)),
        Answer::Listed(all) => (
            200,
            Json::Object(vec![
                ("count", Json::Int(all.len() as i64)),
                (
                    "connections",
                    Json::Array(all.iter().map(connection).collect()),
                ),
            ]),
        ),
        Answer::Deleted => (
            200,
            Json::Object(vec![
                ("is_success", Json::Bool(true)),
                ("message", Json::Str("Deleted".into())),
            ]),
        ),
        Answer::Error {
            status,
            code,
            message,
        } => {
            let (status, code) = match *code {
                "DLI.0002" => (404, "DLI.0002"),
                code => (*status, code),
            };
            (
                status,
                Json::Object(vec![
                    ("status", Json::Int(i64::from(status))),
                    ("error_code", Json::Str(code.to_owned())),
                    ("error_msg", Json::Str(message.clone())),
                    ("request_id", Json::Str(uuid::Uuid::new_v4().to_string())),
                ]),
            )
        }
    };
    Reply {
        status,
        content_type: "application/json; charset=\"utf-8\"",
        headers: vec![("Server", "zoo-raw/1.1".into())],
        body: body.write(LAYOUT).into_bytes(),
    }
}

fn connection(c: &Connection) -> Json {
    Json::Object(vec![
        ("name", Json::Str(c.name.clone())),
        ("connection_id", Json::Str(c.id.clone())),
        ("service", Json::Str(c.service.clone())),
        ("state", Json::Str("ACTIVE".into())),
    ])
}
