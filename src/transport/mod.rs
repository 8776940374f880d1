//! Targets: where requests go. Takes a [`Request`], gives a [`Response`] or a [`TransportError`].
//!
//! A [`Target`] is the thing under test. [`InProcess`] drives an axum `Router` (the reference mock,
//! or a faulty variant of it) through `tower::ServiceExt::oneshot` without a socket; [`HttpTarget`]
//! drives any URL with reqwest. Both read at most [`BODY_CAP`] bytes of a body and both are bounded
//! by a per-request timeout, so a huge, endless or missing answer becomes data for `check`, never
//! a hang or an exhausted memory. [`sign::Signed`] wraps any target to sign its requests with
//! AK/SK; the run's pace, create budget and back-off live in the runner, around the sending.
//! Neither target follows redirects: a 3xx is an answer like any other, judged by `check`, and no
//! request (nor its credentials) ever goes to an origin other than the target's.

pub mod sign;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

/// The most body bytes read from any answer (256 KiB); the rest is dropped and the answer
/// marked. A conformant answer is a few hundred bytes, and the largest body any shipped case
/// sends is about 40 KB, so even an error message that echoes the whole request fits; the cap
/// bounds what a target streaming garbage costs per request (a 64 MiB answer to every request
/// took 23 s to read at 1 MiB each, with shrinking).
pub const BODY_CAP: usize = 256 << 10;

/// The most body bytes read from a list answer (64 MiB): the cleanup reads a project's list
/// whole, and a project with 5 000 connections answers about 1.5 MB.
pub const LIST_BODY_CAP: usize = 64 << 20;

/// The read cap for `request`'s answer: [`LIST_BODY_CAP`] for a `GET` of the collection (the
/// list), [`BODY_CAP`] for everything else.
pub fn body_cap(request: &Request) -> usize {
    if request.method == http::Method::GET && request.path.ends_with("/datasource-connection") {
        LIST_BODY_CAP
    } else {
        BODY_CAP
    }
}

/// The longest a TCP connect may take: long enough for one lost SYN (Linux resends it after
/// 1 s), short enough that a listen backlog overflowed by the run's own load (SYNs dropped,
/// resent after 1, 3, 7 s...) costs 3 s and a resend alone (see `runner::concurrency`) rather
/// than the whole request timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The project id sent when none is given.
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

/// A request to the endpoint under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// HTTP method (always `POST` for the create endpoint).
    pub method: http::Method,
    /// Path and query, e.g. `/v2.0/{project_id}/datasource-connection`.
    pub path: String,
    /// Headers to send, in order (`Content-Type` included).
    pub headers: Vec<(String, String)>,
    /// Exact body bytes.
    pub body: Bytes,
}

impl Request {
    /// `POST /v2.0/{project_id}/datasource-connection` with a JSON content type and `body`.
    pub fn create_connection(project_id: &str, body: Bytes) -> Request {
        Request {
            method: http::Method::POST,
            path: format!("/v2.0/{project_id}/datasource-connection"),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
        }
    }

    /// `GET /v2.0/{project_id}/datasource-connection/{connection_id}` (show).
    pub fn show_connection(project_id: &str, connection_id: &str) -> Request {
        Request::about_connection(http::Method::GET, project_id, connection_id)
    }

    /// `DELETE /v2.0/{project_id}/datasource-connection/{connection_id}`.
    pub fn delete_connection(project_id: &str, connection_id: &str) -> Request {
        Request::about_connection(http::Method::DELETE, project_id, connection_id)
    }

    /// `GET /v2.0/{project_id}/datasource-connection` (list).
    pub fn list_connections(project_id: &str) -> Request {
        Request {
            method: http::Method::GET,
            path: format!("/v2.0/{}/datasource-connection", path_segment(project_id)),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    fn about_connection(method: http::Method, project_id: &str, connection_id: &str) -> Request {
        Request {
            method,
            path: format!(
                "/v2.0/{}/datasource-connection/{}",
                path_segment(project_id),
                path_segment(connection_id)
            ),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }
}

/// `text` as one path segment: everything but `A-Z a-z 0-9 _ . - ~` percent-encoded, so an id
/// a server made up (`../x`, `a?b`) can never reach another path.
pub fn path_segment(text: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(text, SEGMENT).to_string();
    match encoded.as_str() {
        "." => "%2E".into(),
        ".." => "%2E%2E".into(),
        _ => encoded,
    }
}

/// An answer, with its body capped at [`BODY_CAP`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Headers as received (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body bytes, at most [`BODY_CAP`].
    pub body: Bytes,
    /// True when the body went on past [`BODY_CAP`] and was cut.
    pub body_truncated: bool,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// Nothing arrived within the timeout.
    Timeout(Duration),
    /// The connection could not be made, was dropped, or the answer was not HTTP.
    Broken(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout(limit) => {
                write!(f, "no answer within {} s", limit.as_secs_f64())
            }
            TransportError::Broken(why) => write!(f, "no answer: {why}"),
        }
    }
}

/// A future a [`Target`] returns.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response, TransportError>> + Send + 'a>>;

/// Something that answers requests: the thing under test.
pub trait Target: Send + Sync {
    /// Sends one request and reads the answer (body capped, no timeout: see [`send_with_timeout`]).
    fn send<'a>(&'a self, request: &'a Request) -> SendFuture<'a>;
    /// The base URL the requests go to, for curl lines and reports.
    fn base_url(&self) -> String;
}

/// Sends `request`, turning a missing answer after `timeout` into [`TransportError::Timeout`].
pub async fn send_with_timeout(
    target: &dyn Target,
    request: &Request,
    timeout: Duration,
) -> Result<Response, TransportError> {
    match tokio::time::timeout(timeout, target.send(request)).await {
        Ok(answer) => answer,
        Err(_) => Err(TransportError::Timeout(timeout)),
    }
}

/// The `Host` an [`InProcess`] target's requests carry.
pub const IN_PROCESS_HOST: &str = "in-process.mock";

/// An axum `Router` called in-process: no socket, no port.
#[derive(Clone)]
pub struct InProcess {
    router: axum::Router,
}

impl InProcess {
    /// Wraps a router (e.g. [`crate::mock::router`]).
    pub fn new(router: axum::Router) -> InProcess {
        InProcess { router }
    }
}

impl Target for InProcess {
    fn send<'a>(&'a self, request: &'a Request) -> SendFuture<'a> {
        Box::pin(async move {
            use tower::ServiceExt;
            let mut builder = http::Request::builder()
                .method(request.method.clone())
                .uri(&request.path);
            // As an HTTP client would, so a signed request's `host` is there to check.
            if !request
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("host"))
            {
                builder = builder.header(http::header::HOST, IN_PROCESS_HOST);
            }
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let http_request = builder
                .body(axum::body::Body::from(request.body.clone()))
                .map_err(|err| TransportError::Broken(format!("bad request: {err}")))?;
            let answer = self
                .router
                .clone()
                .oneshot(http_request)
                .await
                .map_err(|never| match never {})?;
            let (parts, mut body) = answer.into_parts();
            let (body, body_truncated) = read_capped(&mut body, body_cap(request)).await?;
            Ok(Response {
                status: parts.status.as_u16(),
                headers: header_pairs(&parts.headers),
                body,
                body_truncated,
            })
        })
    }

    fn base_url(&self) -> String {
        format!("http://{IN_PROCESS_HOST}")
    }
}

/// A body read chunk by chunk.
trait ChunkSource {
    /// The next chunk, `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String>;
}

impl ChunkSource for axum::body::Body {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        loop {
            match self.frame().await {
                None => return Ok(None),
                Some(Err(err)) => return Err(err.to_string()),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

impl ChunkSource for reqwest::Response {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        self.chunk()
            .await
            .map_err(|err| describe_reqwest_error(err).to_string())
    }
}

/// Reads `source` to its end or to `cap` bytes; true when cut.
async fn read_capped(
    source: &mut impl ChunkSource,
    cap: usize,
) -> Result<(Bytes, bool), TransportError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = source
        .next_chunk()
        .await
        .map_err(|why| TransportError::Broken(format!("body cut short: {why}")))?
    {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body.freeze(), true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.freeze(), false))
}

fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Any endpoint reached over HTTP(S).
pub struct HttpTarget {
    client: reqwest::Client,
    base_url: String,
    /// The last path sent and its parsed URL: a run sends one path over and over, and parsing
    /// the URL (host included) for every request showed in profiles.
    last_url: std::sync::Mutex<Option<(String, reqwest::Url)>>,
}

impl HttpTarget {
    /// A target at `base_url` (scheme, host, port, optional path prefix).
    pub fn new(base_url: &str) -> Result<HttpTarget, String> {
        HttpTarget::trusting(base_url, &[])
    }

    /// A target at `base_url` whose TLS certificate may also be signed by one of `ca_certs`
    /// (PEM files, each one certificate or a bundle: `--ca-cert`). An `https://` target is
    /// trusted when its chain ends at one of those, at a root of the system's trust store
    /// (`SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured, as by curl and OpenSSL) or at one of the
    /// public roots built in (webpki-roots).
    pub fn trusting(base_url: &str, ca_certs: &[PathBuf]) -> Result<HttpTarget, String> {
        let parsed = parse_base_url(base_url)?;
        // Redirects are never followed: a 3xx is judged as an answer, and credentials never
        // travel to the origin a Location names. The system's store is read for TLS targets
        // only (it costs a few milliseconds of parsing a plain-HTTP run does not need).
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1024)
            .connect_timeout(CONNECT_TIMEOUT)
            .tls_built_in_native_certs(parsed.scheme() == "https");
        for path in ca_certs {
            for certificate in read_ca_certs(path)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder
            .build()
            .map_err(|err| format!("cannot build an HTTP client: {err}"))?;
        Ok(HttpTarget {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            last_url: std::sync::Mutex::new(None),
        })
    }

    /// The URL `path` is sent to (parsed once per distinct path in a row).
    fn url_for(&self, path: &str) -> Result<reqwest::Url, TransportError> {
        let mut last = self
            .last_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((last_path, url)) = last.as_ref() {
            if last_path == path {
                return Ok(url.clone());
            }
        }
        let text = format!("{}{path}", self.base_url);
        let url = reqwest::Url::parse(&text)
            .map_err(|err| TransportError::Broken(format!("bad URL {text:?}: {err}")))?;
        *last = Some((path.to_owned(), url.clone()));
        Ok(url)
    }

    /// The host (an IPv6 literal without its brackets) and port the target listens on, for a
    /// start-up reachability probe.
    pub fn socket_address(&self) -> Option<(String, u16)> {
        let url = reqwest::Url::parse(&self.base_url).ok()?;
        let host = url.host_str()?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        Some((bare.to_owned(), url.port_or_known_default()?))
    }
}

/// The certificates of the PEM file at `path` (`--ca-cert`); an error names the file.
fn read_ca_certs(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let text = std::fs::read(path)
        .map_err(|err| format!("cannot read --ca-cert {}: {err}", path.display()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&text)
        .map_err(|err| format!("--ca-cert {} is not PEM: {err}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!(
            "--ca-cert {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(certificates)
}

/// Reads a target's base URL: `http://` or `https://` with a host. The error says what is wrong
/// (the value parser of the `--target` flags, and [`HttpTarget::new`]'s check).
pub fn parse_base_url(base_url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(base_url)
        .map_err(|err| format!("invalid target URL {base_url:?}: {err}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(format!(
            "invalid target URL {base_url:?}: expected http://host[:port] or https://host[:port]"
        ));
    }
    Ok(parsed)
}

/// Whether `base_url` names a loopback host (`localhost`, `127.0.0.0/8`, `::1`): a server on
/// this machine, where a run needs no fixtures and no create budget.
pub fn is_loopback(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(address) => address.is_loopback(),
        Err(_) => {
            let name = bare.to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

impl Target for HttpTarget {
    fn send<'a>(&'a self, request: &'a Request) -> SendFuture<'a> {
        Box::pin(async move {
            let url = self.url_for(&request.path)?;
            let mut builder = self
                .client
                .request(request.method.clone(), url)
                .body(request.body.clone());
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let mut answer = builder.send().await.map_err(describe_reqwest_error)?;
            let status = answer.status().as_u16();
            let headers = header_pairs(answer.headers());
            let (body, body_truncated) = read_capped(&mut answer, body_cap(request)).await?;
            Ok(Response {
                status,
                headers,
                body,
                body_truncated,
            })
        })
    }

    fn base_url(&self) -> String {
        self.base_url.clone()
    }
}

fn describe_reqwest_error(err: reqwest::Error) -> TransportError {
    use std::error::Error;
    let mut why = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        why.push_str(": ");
        why.push_str(&cause.to_string());
        source = cause.source();
    }
    if why.contains("UnknownIssuer") {
        why.push_str(UNKNOWN_ISSUER_HINT);
    }
    TransportError::Broken(why)
}

/// What a certificate from an unknown CA adds to its error.
const UNKNOWN_ISSUER_HINT: &str = " (the target's certificate is signed by a CA the suite does not trust: give that CA's certificate with --ca-cert PATH, or add it to the system's trust store or SSL_CERT_FILE)";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_are_capped() {
        let router = axum::Router::new().route(
            "/big",
            axum::routing::post(|| async { vec![b'x'; BODY_CAP + 10] }),
        );
        let target = InProcess::new(router);
        let mut request = Request::create_connection("p", Bytes::new());
        request.path = "/big".into();
        let answer = target.send(&request).await.unwrap();
        assert_eq!(answer.body.len(), BODY_CAP);
        assert!(answer.body_truncated);
    }

    #[tokio::test]
    async fn a_list_is_read_whole_past_the_cap_of_other_answers() {
        // About what a project of 5 000 connections answers.
        let router = axum::Router::new().route(
            "/v2.0/{project}/datasource-connection",
            axum::routing::get(|| async { vec![b' '; 6 * BODY_CAP] }),
        );
        let target = InProcess::new(router);
        let answer = target.send(&Request::list_connections("p")).await.unwrap();
        assert_eq!(answer.body.len(), 6 * BODY_CAP);
        assert!(!answer.body_truncated);
        assert_eq!(body_cap(&Request::show_connection("p", "id")), BODY_CAP);
    }

    #[test]
    fn only_http_urls_are_targets() {
        assert!(HttpTarget::new("ftp://x").is_err());
        assert!(HttpTarget::new("not a url").is_err());
        let target = HttpTarget::new("http://127.0.0.1:9/").unwrap();
        assert_eq!(target.base_url(), "http://127.0.0.1:9");
        assert_eq!(target.socket_address(), Some(("127.0.0.1".into(), 9)));
        let target = HttpTarget::new("http://[::1]:8080/dli").unwrap();
        assert_eq!(target.socket_address(), Some(("::1".into(), 8080)));
    }

    #[test]
    fn a_ca_cert_that_is_no_pem_is_refused_by_name() {
        let missing = PathBuf::from("/nonexistent/ca.pem");
        let err = HttpTarget::trusting("https://127.0.0.1:9", &[missing])
            .err()
            .unwrap();
        assert!(
            err.starts_with("cannot read --ca-cert /nonexistent/ca.pem: "),
            "{err}"
        );
        let empty = std::env::temp_dir().join(format!("dli-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = HttpTarget::trusting("https://127.0.0.1:9", std::slice::from_ref(&empty))
            .err()
            .unwrap();
        std::fs::remove_file(&empty).unwrap();
        assert!(err.contains("holds no PEM certificate"), "{err}");
    }

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://127.0.0.1:1",
            "http://127.8.0.1",
            "http://[::1]:80",
            "http://localhost:9",
            "http://LocalHost",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "https://dli.cn-north-4.myhuaweicloud.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
            "nonsense",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }

    /// A redirect is an answer: the target does not follow it to the origin it names.
    #[tokio::test]
    async fn redirects_are_answers() {
        let router = axum::Router::new().route(
            "/v2.0/p/datasource-connection",
            axum::routing::post(|| async {
                (
                    http::StatusCode::TEMPORARY_REDIRECT,
                    [(http::header::LOCATION, "http://127.0.0.1:9/elsewhere")],
                )
            }),
        );
        let url = crate::mock::spawn_router("127.0.0.1:0", router)
            .await
            .unwrap();
        let target = HttpTarget::new(&url).unwrap();
        let request = Request::create_connection("p", Bytes::from_static(b"{}"));
        let answer = target.send(&request).await.unwrap();
        assert_eq!(answer.status, 307);
        assert_eq!(
            answer.header("location"),
            Some("http://127.0.0.1:9/elsewhere")
        );
    }
}
