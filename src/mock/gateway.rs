//! The gateway in front of the mock: what Huawei Cloud's API Gateway does before DLI sees a
//! request, so runs against the real cloud can be rehearsed on a laptop and in CI.
//!
//! [`around`] takes the mock's router and a [`MockConfig`] and gives the router behind a layer
//! that, for every request (create, show, list, delete and unknown paths alike):
//! 1. appends one line to the access log (`--access-log PATH`, JSON lines: `time` in seconds
//!    since the Unix epoch, `method`, `path`, `status`, `error_code`; never a header), so tests can
//!    count requests per second, creates and refusals;
//! 2. with credentials (`mock --ak AK --sk SK [--security-token T]`) checks the
//!    `SDK-HMAC-SHA256` signature over the request as it arrived ([`sign::verify`]): a missing or
//!    wrong signature, another access key, a missing or wrong security token, or an
//!    `X-Sdk-Date` more than 15 minutes off is answered 401 `APIG.0301`;
//! 3. with a rate limit (`--rate-limit R`) answers 429 `APIG.0308` to a request that would make
//!    more than R in the last second (a sliding window: no second ever passes more than R).
//!
//! Bodies over [`crate::spec::BODY_LIMIT`] are answered 413 `APIG.0201` here, as the gateway does.
//! Gateway errors carry `request_id`, as the real gateway's do. With none of these options the
//! layer is not added at all.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use http_body_util::{BodyExt, Limited};
use serde_json::json;

use super::MockConfig;
use crate::transport::sign::Exchange;

/// The error code of a refused signature.
pub const AUTH_ERROR_CODE: &str = "APIG.0301";

/// The error code of a throttled request.
pub const THROTTLE_ERROR_CODE: &str = "APIG.0308";

/// What the gateway keeps between requests.
struct Gateway {
    config: MockConfig,
    window: Mutex<VecDeque<Instant>>,
    log: Option<Mutex<File>>,
}

/// `router` behind the gateway `config` asks for; `router` itself when it asks for none. An
/// access log that cannot be created is an error naming the path.
pub fn around(router: Router, config: &MockConfig) -> Result<Router, String> {
    if config.credentials.is_none() && config.rate_limit.is_none() && config.access_log.is_none() {
        return Ok(router);
    }
    let log = match &config.access_log {
        Some(path) => Some(Mutex::new(File::create(path).map_err(|err| {
            format!("cannot write the access log {}: {err}", path.display())
        })?)),
        None => None,
    };
    let gateway = Arc::new(Gateway {
        config: config.clone(),
        window: Mutex::default(),
        log,
    });
    Ok(router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let gateway = Arc::clone(&gateway);
            async move { gateway.pass(request, next).await }
        },
    )))
}

impl Gateway {
    async fn pass(&self, request: Request, next: Next) -> Response {
        let method = request.method().to_string();
        let path = request.uri().path().to_owned();
        let answer = self.judge(request, next).await;
        self.log(&method, &path, &answer);
        answer
    }

    async fn judge(&self, request: Request, next: Next) -> Response {
        let (parts, body) = request.into_parts();
        let Ok(collected) = Limited::new(body, crate::spec::BODY_LIMIT).collect().await else {
            return super::too_large();
        };
        let body = collected.to_bytes();
        if let Some(credentials) = &self.config.credentials {
            let headers: Vec<(String, String)> = parts
                .headers
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect();
            let exchange = Exchange {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &headers,
                body: &body,
            };
            if let Err(refusal) = credentials.verify(&exchange, SystemTime::now()) {
                return gateway_error(
                    StatusCode::UNAUTHORIZED,
                    AUTH_ERROR_CODE,
                    format!("Incorrect IAM authentication information: {}", refusal.0),
                );
            }
        }
        if let Some(limit) = self.config.rate_limit {
            if !self.admit(limit) {
                return gateway_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    THROTTLE_ERROR_CODE,
                    format!(
                        "The throttling threshold has been reached: policy user over ratelimit,limit:{limit},time:1 second"
                    ),
                );
            }
        }
        next.run(Request::from_parts(parts, Body::from(body))).await
    }

    /// Whether one more request fits the last second's `limit`; counts it when it does.
    fn admit(&self, limit: u32) -> bool {
        let now = Instant::now();
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while window
            .front()
            .is_some_and(|&at| now.duration_since(at) >= Duration::from_secs(1))
        {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return false;
        }
        window.push_back(now);
        true
    }

    fn log(&self, method: &str, path: &str, answer: &Response) {
        let Some(log) = &self.log else { return };
        let time = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let code = answer
            .extensions()
            .get::<ErrorCode>()
            .map(|code| code.0.clone());
        let line = json!({
            "time": time,
            "method": method,
            "path": path,
            "status": answer.status().as_u16(),
            "error_code": code,
        });
        let mut log = log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = writeln!(log, "{line}");
        let _ = log.flush();
    }
}

/// The `error_code` of an answer, carried beside it for the access log.
#[derive(Clone)]
pub(super) struct ErrorCode(pub(super) String);

/// A gateway error: the envelope plus `request_id`.
fn gateway_error(status: StatusCode, code: &str, message: String) -> Response {
    let body = json!({
        "error_code": code,
        "error_msg": message,
        "request_id": uuid::Uuid::new_v4().simple().to_string(),
    });
    let mut answer = (status, Json(body)).into_response();
    answer.extensions_mut().insert(ErrorCode(code.to_owned()));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::sign::{self, Credentials};
    use crate::transport::{InProcess, Request as Sent, Target};

    fn signed_mock() -> MockConfig {
        MockConfig {
            credentials: Some(Arc::new(Credentials::new("AK", "SK", None).unwrap())),
            ..MockConfig::default()
        }
    }

    #[tokio::test]
    async fn unsigned_and_wrongly_signed_requests_are_refused() {
        let mock = InProcess::new(super::super::router_with(signed_mock()).unwrap());
        let request = Sent::create_connection("p", bytes::Bytes::from_static(b"{}"));
        let answer = mock.send(&request).await.unwrap();
        assert_eq!(answer.status, 401);
        assert!(std::str::from_utf8(&answer.body)
            .unwrap()
            .contains(AUTH_ERROR_CODE));

        let wrong = Credentials::new("AK", "not the SK", None).unwrap();
        let signed = sign::Signed::new(Arc::new(mock), wrong).unwrap();
        assert_eq!(signed.send(&request).await.unwrap().status, 401);
    }

    #[tokio::test]
    async fn signed_requests_pass() {
        let mock = InProcess::new(super::super::router_with(signed_mock()).unwrap());
        let right = Credentials::new("AK", "SK", None).unwrap();
        let signed = sign::Signed::new(Arc::new(mock), right).unwrap();
        let request = Sent::create_connection("p", bytes::Bytes::from_static(b"{}"));
        // Past the gateway: the mock itself judges the (invalid) body.
        assert_eq!(signed.send(&request).await.unwrap().status, 400);
    }

    #[tokio::test]
    async fn the_rate_limit_holds_per_second() {
        let config = MockConfig {
            rate_limit: Some(3),
            ..MockConfig::default()
        };
        let mock = InProcess::new(super::super::router_with(config).unwrap());
        let request = Sent::create_connection("p", bytes::Bytes::from_static(b"{}"));
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(mock.send(&request).await.unwrap().status);
        }
        assert_eq!(statuses, [400, 400, 400, 429, 429]);
    }
}
