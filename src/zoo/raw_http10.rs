//! `zoo/raw-http10`: a hand-written HTTP/1.0 server on `std::net` (no HTTP library), a connection
//! per request with `Connection: close`, a listen backlog of 16, JSON written by hand with every
//! non-ASCII character and `/` escaped as `\uXXXX` and `\/`.
//!
//! Create only: show, list and delete are answered 405 with the error envelope. Choices: rejects
//! `ct` (A2), refuses unknown members (A5) and empty strings (A6), accepts repeated names (A9);
//! echoes the offending value in error messages. A 201 carries `is_success` then
//! `connection_id`, no `message`.

use super::endpoint::{Answer, Choices};
use super::hand_json::{Json, Layout};
use super::on_std::Framing;
use super::{Foundation, Reply, ZooServer};

pub(super) const SERVER: ZooServer = ZooServer {
    name: "zoo/raw-http10",
    summary: "std::net HTTP/1.0, connection per request, backlog 16, create only, hand-escaped ASCII JSON; refuses unknown members and empty strings, echoes inputs",
    choices: Choices {
        accept_ct: false,
        refuse_unknown: true,
        refuse_empty: true,
        refuse_repeated_name: false,
        family: false,
        echo: true,
    },
    foundation: Foundation::Std(Framing {
        http10: true,
        close: true,
        chunk: None,
        backlog: 16,
    }),
    render,
};

const LAYOUT: Layout = Layout {
    open: "",
    close: "",
    colon: ":",
    ascii: true,
};

fn render(answer: &Answer) -> Reply {
    let (status, body) = match answer {
        Answer::Created(c) => (
            201,
            Json::Object(vec![
                ("is_success", Json::Bool(true)),
                ("connection_id", Json::Str(c.id.clone())),
            ]),
        ),
        Answer::Error {
            status,
            code,
            message,
        } => (
            *status,
            Json::Object(vec![
                ("error_code", Json::Str((*code).to_owned())),
                ("error_msg", Json::Str(message.clone())),
            ]),
        ),
        Answer::Shown(_) | Answer::Listed(_) | Answer::Deleted => {
            unreachable!("a create-only endpoint shows, lists and deletes nothing")
        }
    };
    Reply {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body: body.write(LAYOUT).into_bytes(),
    }
}
