//! `zoo/hyper-chunked`: plain hyper 1 (no axum), HTTP/1.1 keep-alive, every answer chunked in
//! 7-byte pieces, pretty-printed JSON, `Content-Type: Application/JSON`, extra headers.
//!
//! Choices: rejects `ct` (A2), refuses unknown members (A5), accepts empty strings (A6) and
//! repeated names (A9); echoes the offending value in error messages; implements show, list and
//! delete. A 201 carries `message` then `connection_id`, no `is_success`; an error nests a
//! `detail` object and an array after `error_msg` and `error_code`.

use serde_json::json;

use super::endpoint::{Answer, Choices};
use super::{Foundation, Reply, ZooServer};

pub(super) const SERVER: ZooServer = ZooServer {
    name: "zoo/hyper-chunked",
    summary: "hyper 1, chunked answers, pretty JSON, Application/JSON; refuses unknown members, echoes inputs",
    choices: Choices {
        accept_ct: false,
        refuse_unknown: true,
        refuse_empty: false,
        refuse_repeated_name: false,
        family: true,
        echo: true,
    },
    foundation: Foundation::Hyper { chunk: Some(7) },
    render,
};

fn render(answer: &Answer) -> Reply {
    let (status, body) = match answer {
        Answer::Created(c) => (
            201,
            json!({"message": "Creating a classic connection", "connection_id": c.id}),
        ),
        Answer::Shown(c) => (
            200,
            json!({"state": "ACTIVE", "name": c.name, "connection_id": c.id, "tags": []}),
        ),
        Answer::Listed(all) => (
            200,
            json!({"connections": all.iter().map(|c| json!({"name": c.name, "connection_id": c.id})).collect::<Vec<_>>(), "count": all.len()}),
        ),
        Answer::Deleted => (200, json!({"message": "Deleted", "is_success": true})),
        Answer::Error {
            status,
            code,
            message,
        } => (
            *status,
            json!({"error_msg": message, "error_code": code, "detail": {"status": status, "hints": ["see the API reference", null]}}),
        ),
    };
    Reply {
        status,
        content_type: "Application/JSON",
        headers: vec![
            ("Cache-Control", "no-store".into()),
            ("X-Request-Id", uuid::Uuid::new_v4().to_string()),
        ],
        body: serde_json::to_vec_pretty(&body).expect("a Value serializes"),
    }
}
