//! `zoo/hyper-minimal`: plain hyper 1 (no axum), create only: show, list and delete are answered
//! 405 with the error envelope, as many emulators do. A 201 is `{"connection_id": ...}` alone;
//! errors put `error_msg` before `error_code` and use the code `InvalidParameter`.
//! `Content-Type: application/json; charset=utf-8`.
//!
//! Choices: accepts `ct` (A2), refuses unknown members (A5), empty strings (A6) and repeated
//! names (A9).

use serde_json::json;

use super::endpoint::{Answer, Choices};
use super::{Foundation, Reply, ZooServer};

pub(super) const SERVER: ZooServer = ZooServer {
    name: "zoo/hyper-minimal",
    summary: "hyper 1, create only (405 elsewhere), minimal 201; accepts ct, refuses unknown members, empty strings, repeated names",
    choices: Choices {
        accept_ct: true,
        refuse_unknown: true,
        refuse_empty: true,
        refuse_repeated_name: true,
        family: false,
        echo: false,
    },
    foundation: Foundation::Hyper { chunk: None },
    render,
};

fn render(answer: &Answer) -> Reply {
    let (status, body) = match answer {
        Answer::Created(c) => (201, json!({"connection_id": c.id})),
        Answer::Error {
            status, message, ..
        } => (
            *status,
            json!({"error_msg": message, "error_code": "InvalidParameter"}),
        ),
        Answer::Shown(_) | Answer::Listed(_) | Answer::Deleted => {
            unreachable!("a create-only endpoint shows, lists and deletes nothing")
        }
    };
    Reply {
        status,
        content_type: "application/json; charset=utf-8",
        headers: Vec::new(),
        body: serde_json::to_vec(&body).expect("a Value serializes"),
    }
}
