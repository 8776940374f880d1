//! The reference mock: the endpoint exactly as `CLAUSES.md` reads it, an axum `Router`.
//!
//! It answers `POST /v2.0/{project_id}/datasource-connection` with 201
//! `{"is_success": true, "message": "", "connection_id": "<uuid v4>"}` for a valid body and with
//! 400 `{"error_code": "DLI.0001", "error_msg": "<member>: <what is wrong> (<clause id>)"}` for an
//! invalid one; every other answer it gives (unknown path, body over [`BODY_LIMIT`]) is a JSON
//! error envelope too, never a plain-text rejection. The last [`STORE_CAPACITY`] connections
//! created are kept in memory (older ones are forgotten, so a long run's memory stays flat) and
//! can be read back through the classic family's show, list and delete routes; [`Mock::clear`]
//! empties the store (the fuzz targets reuse one mock and clear it between inputs). On the spec's
//! MAYs it takes one side: `ct` is rejected (not in the list, A2), unknown members are ignored
//! (A5), empty strings are accepted (A6), duplicate names are accepted (A9). It is the suite's
//! embedded default target: in-process through [`router`], or on a socket through [`serve`].
//! [`faults`] and [`variants`] wrap it in [`deviation`] layers: broken and conformant neighbours
//! of the reference, for `selftest`.
//!
//! [`MockConfig`] makes it behave like a project on the real cloud, for rehearsing cloud runs
//! without one: the [`gateway`] in front (signatures, a rate limit, an access log), a quota of
//! live connections (a create beyond it is answered 400 [`QUOTA_ERROR_CODE`] with a message
//! saying the quota is used up), the security group and subnet the project has (a create naming
//! others is answered 400 `DLI.0001`, as the cloud rejects VPC objects it does not know), and
//! connections that stay `CREATING` for a while after the 201 (show and list say so; DELETE is
//! refused with 400 [`CREATING_ERROR_CODE`] until they are `ACTIVE`). Its [`Family`] says which of
//! the family's other routes it serves: all of them (the default), none (a create-only server:
//! show, list and delete answered 405 with the error envelope), or all with a soft delete (a
//! deleted connection stays in show and list as `DELETED`); [`MockConfig::delete_delay`] makes
//! every DELETE slow.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};

use crate::spec::clause::{ClauseId, Profile};
use crate::spec::errors;
use crate::spec::rules::{self, current, Shape, SERVICES, URL_MAX_CHARS};

pub mod deviation;
pub mod faults;
pub mod gateway;
pub mod lenient;
pub mod variants;

/// The error code of a request refused as invalid (DLI's parameter check error).
pub const INVALID_ERROR_CODE: &str = errors::PARAMETER_CHECK.code;

/// The error code of a create refused because the project's quota of connections is used up
/// (the real service's `DLI.1028`, quota insufficient).
pub const QUOTA_ERROR_CODE: &str = errors::QUOTA_INSUFFICIENT.code;

/// The error code of a DELETE refused because the connection is still being created (the mock's
/// own: DLI's page lists no code for it).
pub const CREATING_ERROR_CODE: &str = "DLI.0008";

/// The error code of a method a create-only mock does not serve (answered 405).
pub const NO_METHOD_ERROR_CODE: &str = "APIG.0102";

use crate::spec::BODY_LIMIT;

/// A connection the mock created.
#[derive(Debug, Clone)]
struct Connection {
    id: String,
    project_id: String,
    name: String,
    service: String,
    url: String,
    created: Instant,
    /// Deleted by a soft-deleting mock: still shown and listed, as `DELETED`.
    deleted: bool,
}

/// How many connections a mock without a quota remembers; creating one more forgets the oldest.
pub const STORE_CAPACITY: usize = 1024;

/// The mock's memory: the last [`STORE_CAPACITY`] connections created and not deleted, in
/// creation order.
#[derive(Debug)]
struct Store {
    config: MockConfig,
    connections: Mutex<VecDeque<Connection>>,
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Connection>> {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How the reference mock behaves beyond the seed spec. The default is the plain reference:
/// seed profile, no gateway, no quota, connections `ACTIVE` at once, any ids accepted.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    /// The profile it validates by (`current` adds the `cur.*` rules).
    pub profile: Profile,
    /// The key pair (and security token) every request must be signed with (`--ak`, `--sk`).
    pub credentials: Option<Arc<crate::transport::sign::Credentials>>,
    /// The most requests the gateway passes in any second (`--rate-limit`).
    pub rate_limit: Option<u32>,
    /// The most live connections one project may have (`--quota`).
    pub quota: Option<usize>,
    /// How long a new connection stays `CREATING` (`--creating-for`).
    pub creating_for: Duration,
    /// The only security group and subnet the project has (`--security-group-id`,
    /// `--network-id`); any other non-empty id is rejected as unknown.
    pub vpc: Option<Vpc>,
    /// Where the gateway logs every request (`--access-log`).
    pub access_log: Option<std::path::PathBuf>,
    /// Which of the family's other routes it serves (`--family`).
    pub family: Family,
    /// How long every DELETE takes before it is answered (`--delete-delay`).
    pub delete_delay: Duration,
}

/// Which routes of the classic family the mock serves besides create.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Family {
    /// Show, list and delete, as `CLAUSES.md` describes them.
    #[default]
    Full,
    /// Create only: show, list and delete are answered 405 with the error envelope, as most
    /// servers a user points the suite at (an emulator, a proxy route, a service in the making).
    CreateOnly,
    /// All routes, but a deleted connection stays in show and list with `state: DELETED`.
    SoftDelete,
}

impl std::str::FromStr for Family {
    type Err = String;

    fn from_str(text: &str) -> Result<Family, String> {
        match text {
            "full" => Ok(Family::Full),
            "create-only" => Ok(Family::CreateOnly),
            "soft-delete" => Ok(Family::SoftDelete),
            _ => Err(format!(
                "{text:?} is not a family: full, create-only or soft-delete"
            )),
        }
    }
}

/// The VPC objects a mocked project has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    /// The one security group id that exists.
    pub security_group_id: String,
    /// The one subnet (network) id that exists.
    pub network_id: String,
}

/// The reference mock as a router with a fresh, empty store.
pub fn router() -> Router {
    routes(MockConfig::default())
}

/// The reference mock configured by `config`, with a fresh, empty store, behind the
/// [`gateway`] `config` asks for. An access log that cannot be created is an error.
pub fn router_with(config: MockConfig) -> Result<Router, String> {
    gateway::around(routes(config.clone()), &config)
}

/// What `mock --fault`/`--variant` serves: the named fault, else the named variant, else the
/// reference. An unknown name is an error that says where the names are listed.
pub fn chosen_router(fault: Option<&str>, variant: Option<&str>) -> Result<Router, String> {
    chosen_router_with(fault, variant, MockConfig::default())
}

/// As [`chosen_router`], each configured by `config` (the gateway, quota, ... of `mock`'s flags).
pub fn chosen_router_with(
    fault: Option<&str>,
    variant: Option<&str>,
    config: MockConfig,
) -> Result<Router, String> {
    match (fault, variant) {
        (Some(name), _) => deviation::find(faults::FAULTS, name)
            .ok_or_else(|| format!("no fault {name:?} (see --list-faults)"))?
            .router_with(config),
        (None, Some(name)) => deviation::find(variants::VARIANTS, name)
            .ok_or_else(|| format!("no variant {name:?} (see --list-variants)"))?
            .router_with(config),
        (None, None) => router_with(config),
    }
}

/// The reference mock's routes and store for `config`, without a gateway (deviations wrap these,
/// then the gateway wraps them).
pub(crate) fn routes(config: MockConfig) -> Router {
    routes_on(Arc::new(Store {
        config,
        connections: Mutex::default(),
    }))
}

/// The reference mock with a handle on its store: one router to serve many requests, and a way
/// to forget everything between them. No gateway.
pub struct Mock {
    router: Router,
    store: Arc<Store>,
}

impl Mock {
    /// The reference mock configured by `config` (its gateway settings aside), with a fresh,
    /// empty store.
    pub fn new(config: MockConfig) -> Mock {
        let store = Arc::new(Store {
            config,
            connections: Mutex::default(),
        });
        Mock {
            router: routes_on(Arc::clone(&store)),
            store,
        }
    }

    /// The mock's router (a cheap clone sharing the store).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Decides a create request for `project_id` whose body is `bytes` exactly as the create
    /// route does once it has read the body, without routing, for callers that need no HTTP
    /// (the fuzz targets, where building and routing a request cost more than the answer);
    /// [`Created::into_response`] gives the route's answer.
    pub fn create(&self, project_id: &str, bytes: &[u8]) -> Created {
        self.store.create(project_id.to_owned(), bytes)
    }

    /// Forgets every connection created so far.
    pub fn clear(&self) {
        self.store.lock().clear();
    }

    /// How many connections the store holds.
    pub fn stored(&self) -> usize {
        self.store.lock().len()
    }
}

fn routes_on(store: Arc<Store>) -> Router {
    const COLLECTION: &str = "/v2.0/{project_id}/datasource-connection";
    const ITEM: &str = "/v2.0/{project_id}/datasource-connection/{connection_id}";
    let router = match store.config.family {
        Family::CreateOnly => Router::new()
            .route(COLLECTION, post(create_connection).fallback(no_such_method))
            .route(ITEM, any(no_such_method)),
        Family::Full | Family::SoftDelete => Router::new()
            .route(COLLECTION, get(list_connections).post(create_connection))
            .route(ITEM, get(show_connection).delete(delete_connection)),
    };
    router.fallback(no_such_api).with_state(store)
}

/// Serves [`router`] on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router()).await
}

/// Binds `address`, serves `router` in the background, and gives the base URL it answers on.
pub async fn spawn_router(address: &str, router: Router) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(url)
}

/// Binds `address` (port 0 picks a free one), serves the mock in the background, and gives the
/// base URL it answers on.
pub async fn spawn(address: &str) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener));
    Ok(url)
}

/// The error envelope the mock answers with.
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error_code: &'a str,
    error_msg: String,
}

/// A create's 201 answer.
#[derive(serde::Serialize)]
struct CreatedBody<'a> {
    is_success: bool,
    message: &'a str,
    connection_id: &'a str,
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ErrorBody {
        error_code: code,
        error_msg: message.into(),
    };
    let mut answer = (status, Json(body)).into_response();
    answer
        .extensions_mut()
        .insert(gateway::ErrorCode(code.to_owned()));
    answer
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

async fn no_such_method() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        NO_METHOD_ERROR_CODE,
        "this server implements only the create route of the family",
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
    store.create(project_id, &bytes).into_response()
}

/// What the mock decides about a create request, before it is written as an answer.
pub enum Created {
    /// 201: the new connection's id.
    Id(String),
    /// Refused: the status, the `error_code` and the `error_msg`.
    Refused(StatusCode, &'static str, String),
}

impl Created {
    /// The answer's status.
    pub fn status(&self) -> StatusCode {
        match self {
            Created::Id(_) => StatusCode::CREATED,
            Created::Refused(status, ..) => *status,
        }
    }

    /// The HTTP answer: 201 with the new id, or the error envelope.
    pub fn into_response(self) -> Response {
        match self {
            Created::Id(id) => {
                let answer = CreatedBody {
                    is_success: true,
                    message: "",
                    connection_id: &id,
                };
                (StatusCode::CREATED, Json(answer)).into_response()
            }
            Created::Refused(status, code, message) => error(status, code, message),
        }
    }
}

impl Store {
    /// Decides a create request whose body has been read: refused 400 for an invalid body (or
    /// a used-up quota), else created with a fresh connection id, remembered.
    fn create(&self, project_id: String, bytes: &[u8]) -> Created {
        let invalid =
            |message| Created::Refused(StatusCode::BAD_REQUEST, INVALID_ERROR_CODE, message);
        let fields = match validate(bytes, self.config.profile) {
            Ok(fields) => fields,
            Err(message) => return invalid(message),
        };
        if let Some(vpc) = &self.config.vpc {
            if let Some(refusal) = unknown_vpc_object(&fields, vpc) {
                return invalid(refusal);
            }
        }
        let mut connections = self.lock();
        if let Some(quota) = self.config.quota {
            let live = connections
                .iter()
                .filter(|c| c.project_id == project_id && !c.deleted)
                .count();
            if live >= quota {
                return Created::Refused(
                    StatusCode::BAD_REQUEST,
                    QUOTA_ERROR_CODE,
                    format!("the quota of datasource connections is used up: {live} of {quota} in this project; delete some first"),
                );
            }
        } else if connections.len() >= STORE_CAPACITY {
            // Without a quota nothing else bounds the store: forget the oldest.
            connections.pop_front();
        }
        let id = uuid::Uuid::new_v4().to_string();
        connections.push_back(Connection {
            id: id.clone(),
            project_id,
            name: fields.name,
            service: fields.service,
            url: fields.url,
            created: Instant::now(),
            deleted: false,
        });
        Created::Id(id)
    }
}

/// Why a valid body names a security group or subnet the project does not have, if it does.
/// Empty ids are left to the mock's A6 choice (accepted).
fn unknown_vpc_object(fields: &ValidRequest, vpc: &Vpc) -> Option<String> {
    let unknown = |given: &str, known: &str| !given.is_empty() && given != known;
    if unknown(&fields.security_group_id, &vpc.security_group_id) {
        return Some(format!(
            "security_group_id: security group {:?} does not exist in this project",
            fields.security_group_id
        ));
    }
    if unknown(&fields.network_id, &vpc.network_id) {
        return Some(format!(
            "network_id: subnet {:?} does not exist in this project",
            fields.network_id
        ));
    }
    None
}

async fn list_connections(
    State(store): State<Arc<Store>>,
    Path(project_id): Path<String>,
) -> Response {
    let creating_for = store.config.creating_for;
    let connections: Vec<Value> = store
        .lock()
        .iter()
        .filter(|c| c.project_id == project_id)
        .map(|c| describe(c, creating_for))
        .collect();
    let count = connections.len();
    Json(json!({"is_success": true, "message": "", "connections": connections, "count": count}))
        .into_response()
}

async fn show_connection(
    State(store): State<Arc<Store>>,
    Path((project_id, connection_id)): Path<(String, String)>,
) -> Response {
    let creating_for = store.config.creating_for;
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
                .extend(as_object(describe(connection, creating_for)));
            Json(answer).into_response()
        }
        None => connection_not_found(&connection_id),
    }
}

async fn delete_connection(
    State(store): State<Arc<Store>>,
    Path((project_id, connection_id)): Path<(String, String)>,
) -> Response {
    tokio::time::sleep(store.config.delete_delay).await;
    let creating_for = store.config.creating_for;
    let soft = store.config.family == Family::SoftDelete;
    let mut store = store.lock();
    let Some(index) = store
        .iter()
        .position(|c| c.project_id == project_id && c.id == connection_id && !c.deleted)
    else {
        return connection_not_found(&connection_id);
    };
    if state(&store[index], creating_for) == "CREATING" {
        return error(
            StatusCode::BAD_REQUEST,
            CREATING_ERROR_CODE,
            format!("connection {connection_id:?} is still being created (state CREATING); delete it when it is ACTIVE"),
        );
    }
    if soft {
        store[index].deleted = true;
    } else {
        store.remove(index);
    }
    Json(json!({"is_success": true, "message": "Deleted"})).into_response()
}

/// `CREATING` for `creating_for` after the 201, `ACTIVE` after, `DELETED` once soft-deleted.
fn state(connection: &Connection, creating_for: Duration) -> &'static str {
    if connection.deleted {
        "DELETED"
    } else if connection.created.elapsed() < creating_for {
        "CREATING"
    } else {
        "ACTIVE"
    }
}

fn connection_not_found(connection_id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        errors::OBJECT_NOT_FOUND.code,
        format!("connection {connection_id:?} does not exist"),
    )
}

fn describe(connection: &Connection, creating_for: Duration) -> Value {
    json!({
        "connection_id": connection.id,
        "name": connection.name,
        "service": connection.service,
        "url": connection.url,
        "state": state(connection, creating_for),
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
    security_group_id: String,
    network_id: String,
    url: String,
}

/// Validates a create body under `profile`; the error names the member, what is wrong and the
/// clause id.
fn validate(bytes: &[u8], profile: Profile) -> Result<ValidRequest, String> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|err| format!("body: not valid JSON: {err} ({})", ClauseId::ReqBodyObject))?;
    let Value::Object(body) = value else {
        return Err(format!(
            "body: must be a JSON object ({})",
            ClauseId::ReqBodyObject
        ));
    };
    for member in rules::MEMBERS {
        match (body.get(member.name), member.shape, member.required) {
            (None, _, Some(required)) => {
                return Err(format!("{}: required ({required})", member.name))
            }
            (None, _, None)
            | (Some(Value::String(_)), Shape::Text, _)
            | (Some(_), Shape::Tags, _) => {}
            (Some(_), Shape::Text, _) => {
                return Err(format!(
                    "{}: must be a string ({})",
                    member.name, member.typed
                ))
            }
        }
    }
    let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let service = text("service");
    if rules::listed_service(service).is_none() {
        return Err(format!(
            "service: {service:?} is not one of {} ({})",
            SERVICES.join(", "),
            ClauseId::ReqServiceEnum
        ));
    }
    let url_chars = text("url").chars().count();
    if url_chars > URL_MAX_CHARS {
        return Err(format!(
            "url: {url_chars} characters, at most {URL_MAX_CHARS} allowed ({})",
            ClauseId::ReqUrlMaxLength
        ));
    }
    if let Some(tags) = body.get("tags") {
        validate_tags(tags, profile)?;
    }
    let name = text("name");
    if profile == Profile::Current && !current::name_matches(name) {
        return Err(format!(
            "name: must be 1-{} of A-Z, a-z, 0-9, '_' and '-' ({})",
            current::NAME_MAX_CHARS,
            ClauseId::CurNamePattern
        ));
    }
    Ok(ValidRequest {
        name: name.to_owned(),
        service: service.to_owned(),
        security_group_id: text("security_group_id").to_owned(),
        network_id: text("network_id").to_owned(),
        url: text("url").to_owned(),
    })
}

fn validate_tags(tags: &Value, profile: Profile) -> Result<(), String> {
    let Value::Array(tags) = tags else {
        return Err(format!(
            "tags: must be an array of objects ({})",
            ClauseId::ReqTagsType
        ));
    };
    if profile == Profile::Current && tags.len() > current::TAGS_MAX {
        return Err(format!(
            "tags: {} tags, at most {} allowed ({})",
            tags.len(),
            current::TAGS_MAX,
            ClauseId::CurTagsMaxCount
        ));
    }
    for (index, tag) in tags.iter().enumerate() {
        let Value::Object(tag) = tag else {
            return Err(format!(
                "tags[{index}]: must be an object ({})",
                ClauseId::ReqTagsType
            ));
        };
        for member in rules::TAG_MEMBERS {
            let name = member.name;
            match tag.get(name) {
                None => {
                    let required = member.required.unwrap_or(member.typed);
                    return Err(format!("tags[{index}].{name}: required ({required})"));
                }
                Some(Value::String(text)) if profile == Profile::Current => {
                    let allowed = current::tag_member_chars(name);
                    if !allowed.contains(&text.chars().count()) {
                        let clause = match name {
                            "key" => ClauseId::CurTagsKeyLength,
                            _ => ClauseId::CurTagsValueLength,
                        };
                        return Err(format!(
                            "tags[{index}].{name}: must be {}-{} characters ({clause})",
                            allowed.start(),
                            allowed.end()
                        ));
                    }
                }
                Some(Value::String(_)) => {}
                Some(_) => {
                    return Err(format!(
                        "tags[{index}].{name}: must be a string ({})",
                        member.typed
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
        validate(json.as_bytes(), Profile::Seed)
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

    #[tokio::test]
    async fn the_store_forgets_the_oldest_and_clears() {
        use crate::transport::{InProcess, Request, Target};
        let mock = Mock::new(MockConfig::default());
        let target = InProcess::new(mock.router());
        let request = Request::create_connection("p", bytes::Bytes::from_static(VALID.as_bytes()));
        let mut first = None;
        for _ in 0..STORE_CAPACITY + 1 {
            let answer = target.send(&request).await.unwrap();
            assert_eq!(answer.status, 201);
            first.get_or_insert(answer.body);
        }
        assert_eq!(mock.stored(), STORE_CAPACITY);
        let first: Value = serde_json::from_slice(&first.unwrap()).unwrap();
        let mut show = Request::create_connection("p", bytes::Bytes::new());
        show.method = http::Method::GET;
        show.path = format!(
            "/v2.0/p/datasource-connection/{}",
            first["connection_id"].as_str().unwrap()
        );
        assert_eq!(
            target.send(&show).await.unwrap().status,
            404,
            "the oldest is forgotten"
        );
        mock.clear();
        assert_eq!(mock.stored(), 0);
    }

    /// A create beyond the quota gets the real service's answer, which the checker takes for a
    /// setup problem.
    #[tokio::test]
    async fn a_full_project_answers_dli_1028() {
        use crate::check::{check, Outcome};
        use crate::spec::expect::Expect;
        use crate::transport::{InProcess, Request, Target};
        let mock = Mock::new(MockConfig {
            quota: Some(1),
            ..MockConfig::default()
        });
        let target = InProcess::new(mock.router());
        let request = Request::create_connection("p", bytes::Bytes::from_static(VALID.as_bytes()));
        assert_eq!(target.send(&request).await.unwrap().status, 201);
        let full = target.send(&request).await;
        let verdict = check(Expect::Accept, &full);
        assert_eq!(verdict.outcome(), Outcome::Setup, "{verdict:?}");
        let setup = verdict.setup.unwrap();
        assert_eq!(setup.error_code.as_deref(), Some("DLI.1028"));
    }
}

#[cfg(test)]
mod catalogue_tests {
    use super::deviation::find;
    use super::faults::FAULTS;
    use super::variants::VARIANTS;
    use crate::spec::clause::Level;

    #[test]
    fn catalogue_names_are_unique_and_faults_break_no_may() {
        assert!(FAULTS.len() >= 25, "only {} faults", FAULTS.len());
        let mut names: Vec<&str> = FAULTS.iter().chain(VARIANTS).map(|d| d.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a name is used twice");
        for fault in FAULTS {
            assert_ne!(fault.level(), Level::May, "{} breaks a MAY", fault.name);
        }
    }

    #[test]
    fn listing_lines_are_aligned() {
        let line = find(FAULTS, "created-200").unwrap().to_string();
        assert!(line.starts_with("created-200 "), "{line}");
        assert!(line.contains(" resp.created.status "), "{line}");
        assert!(
            line.ends_with("MUST   answers a valid create 200 instead of 201"),
            "{line}"
        );
        assert!(find(VARIANTS, "created-200").is_none());
    }
}
