//! `zoo/raw-close`: a hand-written HTTP/1.1 server on `std::net` (no HTTP library) that closes
//! the connection after every answer (`Connection: close`) and sends a Content-Length, with a
//! listen backlog of 32. JSON written by hand, compact, ASCII-escaped.
//!
//! The most lenient choices: accepts `ct` (A2), unknown members (A5), empty strings (A6) and
//! repeated names (A9); implements show, list and delete. A 201 carries all three optional
//! members and a nested `data` object repeating the id; an error uses the code `DLI.0001` with
//! an `error_details` array of objects and `is_success: false` before it.

use super::endpoint::{Answer, Choices, Connection};
use super::hand_json::{Json, Layout};
use super::on_std::Framing;
use super::{Foundation, Reply, ZooServer};

pub(super) const SERVER: ZooServer = ZooServer {
    name: "zoo/raw-close",
    summary: "std::net HTTP/1.1 closing every connection, backlog 32, nested members; accepts ct, unknown members, empty strings and repeated names",
    choices: Choices {
        accept_ct: true,
        refuse_unknown: false,
        refuse_empty: false,
        refuse_repeated_name: false,
        family: true,
        echo: false,
    },
    foundation: Foundation::Std(Framing {
        http10: false,
        close: true,
        chunk: None,
        backlog: 32,
    }),
    render,
};

const LAYOUT: Layout = Layout {
    open: " ",
    close: " ",
    colon: ": ",
    ascii: true,
};

fn render(answer: &Answer) -> Reply {
    let (status, body) = match answer {
        Answer::Created(c) => (
            201,
            Json::Object(vec![
                ("connection_id", Json::Str(c.id.clone())),
                ("message", Json::Str(String::new())),
                ("is_success", Json::Bool(true)),
                ("data", connection(c)),
            ]),
        ),
        Answer::Shown(c) => (200, connection(c)),
        Answer::Listed(all) => (
            200,
            Json::Object(vec![
                ("is_success", Json::Bool(true)),
                (
                    "connections",
                    Json::Array(all.iter().map(connection).collect()),
                ),
                ("count", Json::Int(all.len() as i64)),
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
        } => (
            *status,
            Json::Object(vec![
                ("is_success", Json::Bool(false)),
                ("error_code", Json::Str((*code).to_owned())),
                ("error_msg", Json::Str(message.clone())),
                (
                    "error_details",
                    Json::Array(vec![Json::Object(vec![(
                        "reason",
                        Json::Str(message.clone()),
                    )])]),
                ),
            ]),
        ),
    };
    Reply {
        status,
        content_type: "application/json",
        headers: vec![("Cache-Control", "no-cache".into())],
        body: body.write(LAYOUT).into_bytes(),
    }
}

fn connection(c: &Connection) -> Json {
    Json::Object(vec![
        ("connection_id", Json::Str(c.id.clone())),
        ("name", Json::Str(c.name.clone())),
        ("state", Json::Str("ACTIVE".into())),
    ])
}
