//! Deviations: the reference mock with one named, clause-tagged change, as an axum middleware.
//!
//! It takes [`super::router`] and a rewrite (a fault from [`super::faults`] or a conformant variant
//! from [`super::variants`]) and gives a router that answers like the reference except where the
//! rewrite steps in: before the reference handler (rewrite the request body, answer in its place,
//! never answer, or drop the connection) and after it (rewrite the status, headers or body). The
//! reference handler stays plain; every deviation is a layer around it with its own fresh memory.
//! Only `POST .../datasource-connection` goes through the layer; the show, list and delete routes
//! are the reference's. `selftest` runs the suite against every deviation; `dli-conformance mock
//! --fault NAME` / `--variant NAME` serves one on a socket.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use serde_json::{Map, Value};

use crate::spec::clause::{ClauseId, Level};

/// One way to deviate from the reference: a fault (breaks `clause`) or a conformant variant
/// (takes a choice `clause` allows).
#[derive(Clone, Copy)]
pub struct Deviation {
    /// Stable name, as given to `--fault` / `--variant`, e.g. `created-200`.
    pub name: &'static str,
    /// For a fault, the clause it breaks; for a variant, the clause that allows it.
    pub clause: ClauseId,
    /// What the deviating server does, in one line.
    pub description: &'static str,
    rewrite: &'static (dyn Rewrite + Sync),
}

impl Deviation {
    /// A catalogue entry: `rewrite` is the fault's or variant's arm of its `Rewrite` enum.
    pub(super) const fn new(
        name: &'static str,
        clause: ClauseId,
        description: &'static str,
        rewrite: &'static (dyn Rewrite + Sync),
    ) -> Deviation {
        Deviation {
            name,
            clause,
            description,
            rewrite,
        }
    }

    /// The level of [`Deviation::clause`]: what breaking it costs (MUST fails, SHOULD warns).
    pub fn level(&self) -> Level {
        self.clause.level()
    }

    /// The reference mock wrapped in this deviation, with a fresh store and a fresh memory.
    pub fn router(&self) -> Router {
        self.around(super::router())
    }

    /// As [`Deviation::router`], for the mock configured by `config`: the deviation sits between
    /// the gateway `config` asks for and the reference handler.
    pub fn router_with(&self, config: super::MockConfig) -> Result<Router, String> {
        super::gateway::around(self.around(super::routes(config.clone())), &config)
    }

    fn around(&self, reference: Router) -> Router {
        let rewrite = self.rewrite;
        let memory = Arc::new(Memory::default());
        reference.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let memory = Arc::clone(&memory);
                async move { exchange(rewrite, &memory, request, next).await }
            },
        ))
    }
}

impl fmt::Display for Deviation {
    /// `name  clause  LEVEL  description`, aligned for `--list-faults` / `--list-variants`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<28} {:<36} {:<6} {}",
            self.name,
            self.clause,
            self.level().to_string(),
            self.description
        )
    }
}

/// The deviation called `name` in `list`.
pub fn find(list: &'static [Deviation], name: &str) -> Option<&'static Deviation> {
    list.iter().find(|deviation| deviation.name == name)
}

/// The `--list-faults` / `--list-variants` text: a header naming the clause column
/// `clause_header`, then one [`Deviation`] a line.
pub fn listing(list: &[Deviation], clause_header: &str) -> String {
    let header = format!(
        "{:<28} {clause_header:<36} {:<6} description",
        "name", "level"
    );
    std::iter::once(header)
        .chain(list.iter().map(Deviation::to_string))
        .map(|line| line + "\n")
        .collect()
}

/// What a deviation does before the reference handler sees the request.
pub(super) enum Step {
    /// Pass the request on unchanged.
    Forward,
    /// Pass this body on instead.
    Replace(Value),
    /// Answer this instead of the reference (the answer still goes through the response rewrite).
    Answer(Response),
    /// Never answer: the client's timeout is the only way out.
    Hang,
    /// Drop the connection without an answer.
    Drop,
}

/// An answer, read whole so a deviation can rewrite it.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl Answer {
    /// The body as a JSON object, if it is one.
    pub(super) fn json(&self) -> Option<Map<String, Value>> {
        object(&self.body)
    }

    /// Rewrites the JSON object body with `edit`; a body that is no JSON object stays as it is.
    pub(super) fn edit_json(&mut self, edit: impl FnOnce(&mut Map<String, Value>)) {
        if let Some(mut body) = self.json() {
            edit(&mut body);
            self.body = encode(&Value::Object(body));
        }
    }

    /// Replaces the `Content-Type` header.
    pub(super) fn set_content_type(&mut self, value: &'static str) {
        self.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
    }

    /// Turns the answer into the 500 a framework's catch-all handler sends.
    pub(super) fn become_server_error(&mut self) {
        self.status = StatusCode::INTERNAL_SERVER_ERROR;
        self.set_content_type("application/json");
        self.body = encode(&serde_json::json!({
            "error_code": crate::spec::errors::SERVER_SYSTEM_ERROR.code,
            "error_msg": "internal server error",
        }));
    }

    /// True for the reference's 201.
    pub(super) fn is_created(&self) -> bool {
        self.status == StatusCode::CREATED
    }

    /// True for a 4xx or 5xx.
    pub(super) fn is_error(&self) -> bool {
        self.status.is_client_error() || self.status.is_server_error()
    }
}

/// What a deviation remembers between requests; fresh for every [`Deviation::router`].
#[derive(Default)]
pub(super) struct Memory {
    /// The first `connection_id` handed out.
    first_connection_id: Mutex<Option<String>>,
    /// Names of the connections created so far.
    names: Mutex<HashSet<String>>,
}

impl Memory {
    fn names(&self) -> MutexGuard<'_, HashSet<String>> {
        self.names
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The first connection id this server handed out: `id` itself the first time.
    pub(super) fn first_connection_id(&self, id: &str) -> String {
        let mut first = self
            .first_connection_id
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        first.get_or_insert_with(|| id.to_owned()).clone()
    }

    /// True when `request` names a connection this server already created.
    pub(super) fn name_taken(&self, request: &[u8]) -> bool {
        name_of(request).is_some_and(|name| self.names().contains(&name))
    }

    /// Remembers the name of `request` when `answer` created it.
    pub(super) fn record_created(&self, request: &[u8], answer: &Answer) {
        if let Some(name) = name_of(request).filter(|_| answer.is_created()) {
            self.names().insert(name);
        }
    }
}

fn name_of(request: &[u8]) -> Option<String> {
    object(request)?.get("name")?.as_str().map(str::to_owned)
}

/// A change to the create exchange. Both hooks default to leaving it alone.
pub(super) trait Rewrite {
    /// Before the reference handler: the request body in, what to do with it out.
    fn request(&self, _body: &[u8], _memory: &Memory) -> Step {
        Step::Forward
    }

    /// After it: rewrites the answer to the request with body `_request`.
    fn response(&self, _request: &[u8], _answer: &mut Answer, _memory: &Memory) {}
}

/// The body as a JSON object, if it is one.
pub(super) fn object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The string member `name` of `body`.
pub(super) fn text<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// A 400 with the reference's error envelope.
pub(super) fn reject(message: impl Into<String>) -> Step {
    Step::Answer(super::error(
        StatusCode::BAD_REQUEST,
        super::INVALID_ERROR_CODE,
        message,
    ))
}

fn encode(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("a JSON value serializes"))
}

fn is_create(request: &Request) -> bool {
    request.method() == http::Method::POST
        && request.uri().path().ends_with("/datasource-connection")
}

async fn exchange(
    rewrite: &'static (dyn Rewrite + Sync),
    memory: &Memory,
    request: Request,
    next: Next,
) -> Response {
    if !is_create(&request) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(collected) = Limited::new(body, crate::spec::BODY_LIMIT).collect().await else {
        return super::too_large();
    };
    let body = collected.to_bytes();
    let answer = match rewrite.request(&body, memory) {
        Step::Forward => {
            next.run(Request::from_parts(parts, Body::from(body.clone())))
                .await
        }
        Step::Replace(value) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            next.run(Request::from_parts(parts, Body::from(encode(&value))))
                .await
        }
        Step::Answer(answer) => answer,
        Step::Hang => std::future::pending().await,
        Step::Drop => return severed(),
    };
    let (parts, answer_body) = answer.into_parts();
    let Ok(collected) = answer_body.collect().await else {
        return severed();
    };
    let mut answer = Answer {
        status: parts.status,
        headers: parts.headers,
        body: collected.to_bytes(),
    };
    rewrite.response(&body, &mut answer, memory);
    answer.headers.remove(header::CONTENT_LENGTH);
    (answer.status, answer.headers, answer.body).into_response()
}

/// An answer whose body fails on its first read (a 2-byte body under a 1-byte limit, so it is
/// neither empty nor readable): in-process the target sees the exchange break
/// (`TransportError::Broken`); over HTTP hyper reads the body before writing the head, fails, and
/// closes the socket with nothing sent ("empty reply from server"), as a crashed worker would.
fn severed() -> Response {
    let failing = Limited::new(Full::new(Bytes::from_static(b"--")), 1).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the server dropped the connection",
        )
    });
    Response::new(Body::new(failing))
}
