//! The reference mock: the endpoint exactly as `CLAUSES.md` reads it, an axum `Router`.
//!
//! It answers `POST /v2.0/{project_id}/datasource-connection` with 201
//! `{"is_success": true, "message": "", "connection_id": "<uuid v4>"}` for a valid body and with
//! 400 `{"error_code": "DLI.0001", "error_msg": "<member>: <what is wrong> (<clause id>)"}` for an
//! invalid one; every other answer it gives (unknown path, body over [`BODY_LIMIT`]) is a JSON
//! error envelope too, never a plain-text rejection. Created connections are kept in memory and
//! can be read back through the classic family's show, list and delete routes. On the spec's
//! MAYs it takes one side: `ct` is rejected (not in the list, A2), unknown members are ignored
//! (A5), empty strings are accepted (A6), duplicate names are accepted (A9). It is the suite's
//! embedded default target: in-process through [`router`], or on a socket through [`serve`].
//! [`faults`] and [`variants`] wrap it in [`deviation`] layers: broken and conformant neighbours
//! of the reference, for `selftest`.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};

use crate::clause::{SERVICES, URL_MAX_CHARS};

pub mod deviation;
pub mod faults;
pub mod variants;

/// The largest request body the mock reads (1 MiB); a larger one is answered 413.
pub const BODY_LIMIT: usize = 1 << 20;

/// A connection the mock created.
#[derive(Debug, Clone)]
struct Connection {
    id: String,
    project_id: String,
    name: String,
    service: String,
    url: String,
}

/// The mock's memory: every connection created and not deleted, in creation order.
#[derive(Debug, Default)]
struct Store {
    connections: Mutex<Vec<Connection>>,
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The reference mock as a router with a fresh, empty store.
pub fn router() -> Router {
    let store = Arc::new(Store::default());
    Router::new()
        .route(
            "/v2.0/{project_id}/datasource-connection",
            get(list_connections).post(create_connection),
        )
        .route(
            "/v2.0/{project_id}/datasource-connection/{connection_id}",
            get(show_connection).delete(delete_connection),
        )
        .fallback(no_such_api)
        .with_state(store)
}

/// Serves [`router`] on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router()).await
}

/// Binds `address` (port 0 picks a free one), serves the mock in the background, and gives the
/// base URL it answers on.
pub async fn spawn(address: &str) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener));
    Ok(url)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = json!({"error_code": code, "error_msg": message.into()});
    (status, Json(body)).into_response()
}

fn bad_request(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, "DLI.0001", message)
}

fn too_large() -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "APIG.0201",
        format!("request body exceeds {BODY_LIMIT} bytes"),
    )
}

async fn no_such_api() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "APIG.0101",
        "The API does not exist or has not been published in the environment",
    )
}

async fn create_connection(
    State(store): State<Arc<Store>>,
    project_id: Result<Path<String>, PathRejection>,
    body: Body,
) -> Response {
    let Ok(Path(project_id)) = project_id else {
        return no_such_api().await;
    };
    let bytes = match http_body_util::Limited::new(body, BODY_LIMIT)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return too_large(),
    };
    let fields = match validate(&bytes) {
        Ok(fields) => fields,
        Err(message) => return bad_request(message),
    };
    let connection = Connection {
        id: uuid::Uuid::new_v4().to_string(),
        project_id,
        name: fields.name,
        service: fields.service,
        url: fields.url,
    };
    let answer = json!({"is_success": true, "message": "", "connection_id": connection.id});
    store.lock().push(connection);
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn list_connections(
    State(store): State<Arc<Store>>,
    Path(project_id): Path<String>,
) -> Response {
    let connections: Vec<Value> = store
        .lock()
        .iter()
        .filter(|c| c.project_id == project_id)
        .map(describe)
        .collect();
    let count = connections.len();
    Json(json!({"is_success": true, "message": "", "connections": connections, "count": count}))
        .into_response()
}

async fn show_connection(
    State(store): State<Arc<Store>>,
    Path((project_id, connection_id)): Path<(String, String)>,
) -> Response {
    let store = store.lock();
    match store
        .iter()
        .find(|c| c.project_id == project_id && c.id == connection_id)
    {
        Some(connection) => {
            let mut answer = json!({"is_success": true, "message": ""});
            answer
                .as_object_mut()
                .expect("a json! object")
                .extend(as_object(describe(connection)));
            Json(answer).into_response()
        }
        None => connection_not_found(&connection_id),
    }
}

async fn delete_connection(
    State(store): State<Arc<Store>>,
    Path((project_id, connection_id)): Path<(String, String)>,
) -> Response {
    let mut store = store.lock();
    let before = store.len();
    store.retain(|c| !(c.project_id == project_id && c.id == connection_id));
    if store.len() == before {
        return connection_not_found(&connection_id);
    }
    Json(json!({"is_success": true, "message": "Deleted"})).into_response()
}

fn connection_not_found(connection_id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "DLI.0002",
        format!("connection {connection_id:?} does not exist"),
    )
}

fn describe(connection: &Connection) -> Value {
    json!({
        "connection_id": connection.id,
        "name": connection.name,
        "service": connection.service,
        "url": connection.url,
        "state": "ACTIVE",
    })
}

fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The members a valid create request carries.
struct ValidRequest {
    name: String,
    service: String,
    url: String,
}

/// Validates a create body; the error names the member, what is wrong and the clause id.
fn validate(bytes: &[u8]) -> Result<ValidRequest, String> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|err| format!("body: not valid JSON: {err} (req.body.object)"))?;
    let Value::Object(body) = value else {
        return Err("body: must be a JSON object (req.body.object)".into());
    };
    let name = required_string(&body, "name")?;
    let service = required_string(&body, "service")?;
    required_string(&body, "security_group_id")?;
    required_string(&body, "network_id")?;
    let url = required_string(&body, "url")?;
    if !SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service)) {
        return Err(format!(
            "service: {service:?} is not one of {} (req.service.enum)",
            SERVICES.join(", ")
        ));
    }
    let url_chars = url.chars().count();
    if url_chars > URL_MAX_CHARS {
        return Err(format!(
            "url: {url_chars} characters, at most {URL_MAX_CHARS} allowed (req.url.max-length)"
        ));
    }
    if let Some(tags) = body.get("tags") {
        validate_tags(tags)?;
    }
    Ok(ValidRequest {
        name: name.to_owned(),
        service: service.to_owned(),
        url: url.to_owned(),
    })
}

fn required_string<'a>(body: &'a Map<String, Value>, member: &str) -> Result<&'a str, String> {
    match body.get(member) {
        None => Err(format!("{member}: required (req.{member}.required)")),
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(format!("{member}: must be a string (req.{member}.type)")),
    }
}

fn validate_tags(tags: &Value) -> Result<(), String> {
    let Value::Array(tags) = tags else {
        return Err("tags: must be an array of objects (req.tags.type)".into());
    };
    for (index, tag) in tags.iter().enumerate() {
        let Value::Object(tag) = tag else {
            return Err(format!("tags[{index}]: must be an object (req.tags.type)"));
        };
        for member in ["key", "value"] {
            match tag.get(member) {
                None => {
                    return Err(format!(
                        "tags[{index}].{member}: required (req.tags.{member}.required)"
                    ))
                }
                Some(Value::String(_)) => {}
                Some(_) => {
                    return Err(format!(
                        "tags[{index}].{member}: must be a string (req.tags.{member}.type)"
                    ))
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> Result<ValidRequest, String> {
        validate(json.as_bytes())
    }

    const VALID: &str = r#"{"name":"n","service":"mrs.opentsdb","security_group_id":"s","network_id":"n","url":"u"}"#;

    #[test]
    fn messages_name_member_and_clause() {
        assert!(body(VALID).is_ok());
        assert_eq!(
            body(r#"{"name":1}"#).err().unwrap(),
            "name: must be a string (req.name.type)"
        );
        assert_eq!(
            body("[]").err().unwrap(),
            "body: must be a JSON object (req.body.object)"
        );
        let bad_tag = VALID.replace('}', r#","tags":[{"key":"k"}]}"#);
        assert_eq!(
            body(&bad_tag).err().unwrap(),
            "tags[0].value: required (req.tags.value.required)"
        );
    }
}
