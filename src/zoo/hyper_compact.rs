//! `zoo/hyper-compact`: plain hyper 1 (no axum), HTTP/1.1 keep-alive, compact JSON from
//! `serde_json`, `Content-Type: application/json;charset=UTF-8`.
//!
//! Choices: accepts the `ct` alias (A2), ignores unknown members (A5), refuses empty strings (A6)
//! and a name a live connection already has (A9, `DLI.0006`); implements show, list and delete.
//! A 201 carries `connection_id` then `is_success`, no `message`; an error carries `request_id`
//! and `is_success: false` after `error_code` and `error_msg`.

use serde_json::json;

use super::endpoint::{Answer, Choices};
use super::{Foundation, Reply, ZooServer};

pub(super) const SERVER: ZooServer = ZooServer {
    name: "zoo/hyper-compact",
    summary: "hyper 1, keep-alive, compact serde_json; accepts ct, refuses empty strings and repeated names",
    choices: Choices {
        accept_ct: true,
        refuse_unknown: false,
        refuse_empty: true,
        refuse_repeated_name: true,
        family: true,
        echo: false,
    },
    foundation: Foundation::Hyper { chunk: None },
    render,
};

fn render(answer: &Answer) -> Reply {
    let (status, body) = match answer {
        Answer::Created(c) => (201, json!({"connection_id": c.id, "is_success": true})),
        Answer::Shown(c) => (200, connection(c)),
        Answer::Listed(all) => (
            200,
            json!({"is_success": true, "count": all.len(), "connections": all.iter().map(connection).collect::<Vec<_>>()}),
        ),
        Answer::Deleted => (200, json!({"is_success": true, "message": "Deleted"})),
        Answer::Error {
            status,
            code,
            message,
        } => (
            *status,
            json!({"error_code": code, "error_msg": message, "request_id": uuid::Uuid::new_v4().simple().to_string(), "is_success": false}),
        ),
    };
    Reply {
        status,
        content_type: "application/json;charset=UTF-8",
        headers: Vec::new(),
        body: serde_json::to_vec(&body).expect("a Value serializes"),
    }
}

fn connection(c: &super::endpoint::Connection) -> serde_json::Value {
    json!({"connection_id": c.id, "name": c.name, "service": c.service, "state": "ACTIVE"})
}
