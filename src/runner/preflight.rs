//! Preflight: two requests before the trials that show the target is the endpoint at all.
//!
//! [`preflight`] sends, at the same time, one valid create body (named for the run, so it
//! collides with no case; it **creates a connection** on a real target) and one obviously
//! invalid body (`{}`), both through [`Executor::execute`], so they are counted, bounded by the
//! per-request timeout and the run's deadline, and go through whatever the executor path adds
//! (signing, the cleanup ledger of created connections), but are not recorded as cases. When
//! either met a setup problem — no answer (unreachable, reset, TLS error, non-HTTP bytes,
//! timeout), a redirect, or a gateway status that means the wrong URL, project or credentials
//! (401, 403, 404, 407, 413, 414) — it gives the reason and the run stops before sending anything
//! more. Any other answer, conformant or not, lets the run go on: judging it is the cases' job. A
//! 429 lets the run go on too (throttling is transient; pacing handles it).

use std::fmt;

use bytes::Bytes;

use super::Executor;
use crate::case::{Case, Expect, Source};
use crate::result::CaseResult;

/// The two preflight requests, answered the way that lets the run go on.
#[derive(Debug, Clone)]
pub struct Ready {
    /// The valid body's result (its answer, its `connection_id` if one was created).
    pub valid: CaseResult,
    /// The invalid body's result.
    pub invalid: CaseResult,
}

impl fmt::Display for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = |result: &CaseResult| result.response.as_ref().map_or(0, |r| r.status);
        write!(
            f,
            "preflight: a valid body was answered {}",
            status(&self.valid)
        )?;
        if let Some(id) = &self.valid.verdict.connection_id {
            write!(f, " (created connection {id})")?;
        }
        write!(f, ", an invalid one {}", status(&self.invalid))
    }
}

/// Why the run cannot start, with the preflight request it is about.
#[derive(Debug, Clone)]
pub struct Blocked {
    /// One line: what is wrong, what to check.
    pub reason: String,
    /// The request that showed it, with whatever came back (for a curl line).
    pub result: CaseResult,
}

/// The valid preflight body, with a name that carries `run_tag` (letters, digits, `-`), valid
/// under every profile and shared with no case.
pub fn valid_body(run_tag: &str) -> Bytes {
    let body = serde_json::json!({
        "name": format!("dlic-preflight-{run_tag}"),
        "service": "DWS",
        "security_group_id": "a07ab107-a4ad-4835-ad09-08a2f2efccdb",
        "network_id": "e83ba67d-e812-42d3-908d-6ea0b2cc5ecb",
        "url": "192.168.0.10:8000",
    });
    Bytes::from(serde_json::to_vec(&body).expect("a JSON value serializes"))
}

fn preflight_case(name: &str, expect: Expect, body: Bytes) -> Case {
    Case {
        id: format!("preflight/{name}"),
        description: format!("preflight: a {name} body"),
        clauses: Vec::new(),
        expect,
        body,
        source: Source::File {
            path: "(preflight)".into(),
            line: 1,
        },
        see: None,
    }
}

/// Sends the valid body (named with `run_tag`) and `{}` at once; gives [`Ready`] when the run
/// may go on, else the first setup problem, the valid request's first. Stops the executor when
/// blocked, so nothing more is sent through it.
pub async fn preflight(executor: &Executor, run_tag: &str) -> Result<Ready, Blocked> {
    let valid = preflight_case("valid", Expect::Accept, valid_body(run_tag));
    let invalid = preflight_case("invalid", Expect::Reject, Bytes::from_static(b"{}"));
    let (valid, invalid) = tokio::join!(executor.execute(&valid), executor.execute(&invalid));
    for (what, result) in [("a valid", &valid), ("an invalid", &invalid)] {
        if let Some(problem) = problem(result) {
            let reason = format!(
                "preflight: {problem} (answering {what} create request; nothing more was sent)"
            );
            executor.stop().stop(reason.clone());
            return Err(Blocked {
                reason,
                result: result.clone(),
            });
        }
    }
    Ok(Ready { valid, invalid })
}

/// What stops the run in one preflight result, if anything.
fn problem(result: &CaseResult) -> Option<String> {
    if let Some(reason) = &result.skipped {
        return Some(format!("the run stopped before it started: {reason}"));
    }
    let Some(response) = &result.response else {
        let why = result
            .verdict
            .violations
            .first()
            .map_or("no answer", |violation| violation.actual.as_str());
        return Some(format!("the target is not answering: {why}"));
    };
    if (300..400).contains(&response.status) {
        let location = response.header("location").unwrap_or("nowhere");
        return Some(format!(
            "the target redirects ({} to {location}); the suite follows no redirect: give the final URL as --target",
            response.status
        ));
    }
    match &result.verdict.setup {
        Some(setup) if setup.status != 429 => Some(setup.message.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::RunConfig;
    use crate::transport::InProcess;
    use std::sync::Arc;

    fn executor(router: axum::Router) -> Executor {
        Executor::new(Arc::new(InProcess::new(router)), RunConfig::default())
    }

    #[tokio::test]
    async fn the_reference_mock_is_ready_and_the_valid_body_is_valid() {
        let executor = executor(crate::mock::router());
        let ready = preflight(&executor, "t1").await.unwrap();
        assert_eq!(ready.valid.response.as_ref().unwrap().status, 201);
        assert_eq!(ready.invalid.response.as_ref().unwrap().status, 400);
        assert!(ready
            .to_string()
            .starts_with("preflight: a valid body was answered 201 (created connection "));
        assert_eq!(executor.requests(), 2);
        assert_eq!(executor.stop().reason(), None);
        let expectation = crate::spec::oracle::expectation(&valid_body("t1"));
        assert_eq!(expectation.expect, Expect::Accept);
    }

    #[tokio::test]
    async fn a_gateway_answer_blocks_the_run_and_stops_the_executor() {
        async fn not_found() -> (http::StatusCode, &'static str) {
            (
                http::StatusCode::NOT_FOUND,
                "{\"error_code\":\"APIG.0101\"}",
            )
        }
        let executor = executor(axum::Router::new().fallback(not_found));
        let blocked = preflight(&executor, "t").await.unwrap_err();
        assert!(
            blocked
                .reason
                .starts_with("preflight: the target has no such path or project"),
            "{}",
            blocked.reason
        );
        assert!(
            blocked.reason.contains("404 APIG.0101"),
            "{}",
            blocked.reason
        );
        assert_eq!(blocked.result.id, "preflight/valid");
        assert_eq!(executor.stop().reason(), Some(blocked.reason));
    }

    #[tokio::test]
    async fn a_redirect_blocks_the_run() {
        async fn moved() -> (http::StatusCode, [(&'static str, &'static str); 1]) {
            (
                http::StatusCode::TEMPORARY_REDIRECT,
                [("location", "/elsewhere")],
            )
        }
        let executor = executor(axum::Router::new().fallback(moved));
        let blocked = preflight(&executor, "t").await.unwrap_err();
        assert!(
            blocked.reason.contains("redirects (307 to /elsewhere)"),
            "{}",
            blocked.reason
        );
    }

    #[tokio::test]
    async fn a_wrong_answer_that_is_no_setup_problem_lets_the_run_go_on() {
        async fn server_error() -> http::StatusCode {
            http::StatusCode::INTERNAL_SERVER_ERROR
        }
        let executor = executor(axum::Router::new().fallback(server_error));
        assert!(preflight(&executor, "t").await.is_ok());
        assert_eq!(executor.stop().reason(), None);
    }
}
