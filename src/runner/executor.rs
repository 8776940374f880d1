//! The executor: one case in, one judged [`CaseResult`] out. Records nothing.
//!
//! [`Executor::execute`] builds the request, sends it within the per-request timeout (and within
//! what is left of the run's `--max-time`), and judges the answer with `check`. It counts the
//! requests it sends and watches the transport through a [`Stop`]: after
//! [`RunConfig::stop_after`] consecutive answers that never came (timeouts, resets, non-HTTP
//! bytes), or once the run's deadline passes, the run stops sending and every case asked for
//! afterwards comes back skipped with the reason. At most [`RunConfig::max_in_flight`] requests
//! are in flight at once, however many trials ask; a request's timeout starts when it is sent,
//! not while it waits for its turn, so a busy run never times out a slow answer. The run-wide `connection_id` registry and
//! the reports are not touched here: [`super::Run`] records what the run keeps, and shrinking
//! and the self-test call the executor directly without recording anything.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::RunConfig;
use crate::case::Case;
use crate::check;
use crate::result::CaseResult;
use crate::target::{Request, Response, Target, TransportError};

/// Sends cases to one target and judges the answers.
pub struct Executor {
    target: Arc<dyn Target>,
    config: RunConfig,
    requests: AtomicU64,
    stop: Stop,
    in_flight: tokio::sync::Semaphore,
}

impl Executor {
    /// An executor for `target` under `config`; the run's deadline starts now.
    pub fn new(target: Arc<dyn Target>, config: RunConfig) -> Executor {
        let stop = Stop::new(
            config.stop_after,
            config.max_time.map(|limit| (Instant::now() + limit, limit)),
        );
        Executor {
            in_flight: tokio::sync::Semaphore::new(config.max_in_flight.max(1)),
            target,
            config,
            requests: AtomicU64::new(0),
            stop,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The target's base URL.
    pub fn base_url(&self) -> String {
        self.target.base_url()
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The run's stop switch.
    pub fn stop(&self) -> &Stop {
        &self.stop
    }

    /// The request `case` makes.
    pub fn request_for(&self, case: &Case) -> Request {
        let mut request = Request::create_connection(&self.config.project_id, case.body.clone());
        request.headers.extend(self.config.headers.iter().cloned());
        request
    }

    /// Sends `case` and judges the answer; a skipped result when the run has stopped.
    pub async fn execute(&self, case: &Case) -> CaseResult {
        let request = self.request_for(case);
        if let Some(reason) = self.stop.reason() {
            return skipped(case, request, reason);
        }
        let started = Instant::now();
        let answer = match self.send(&request).await {
            Sent::Answer(answer) => answer,
            Sent::Stopped(reason) => return skipped(case, request, reason),
        };
        let verdict = check::check(case.expect, &answer);
        CaseResult {
            id: case.id.clone(),
            clauses: case.clauses.clone(),
            expect: case.expect,
            source: case.source.clone(),
            request,
            response: answer.ok(),
            verdict,
            skipped: None,
            elapsed: started.elapsed(),
        }
    }

    /// Waits for a turn among the requests in flight, then sends `request` within the
    /// per-request timeout and the run's deadline, counting it and watching the transport.
    async fn send(&self, request: &Request) -> Sent {
        let _turn = self.in_flight.acquire().await;
        if let Some(reason) = self.stop.reason() {
            return Sent::Stopped(reason);
        }
        let timeout = self.config.timeout;
        let (limit, deadline_bound) = match self.stop.time_left() {
            Some(left) if left < timeout => (left, true),
            _ => (timeout, false),
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let answer = match tokio::time::timeout(limit, self.target.send(request)).await {
            Ok(answer) => answer,
            Err(_) if deadline_bound => {
                return Sent::Stopped(self.stop.reason().unwrap_or_else(|| self.stop.expire()))
            }
            Err(_) => Err(TransportError::Timeout(timeout)),
        };
        self.stop.observe(&answer);
        Sent::Answer(answer)
    }
}

/// What became of a send.
enum Sent {
    /// An answer, or the transport error that stood in for one.
    Answer(Result<Response, TransportError>),
    /// The run stopped (or its deadline passed) while waiting: the case did not run.
    Stopped(String),
}

fn skipped(case: &Case, request: Request, reason: String) -> CaseResult {
    CaseResult::skipped(
        case.id.clone(),
        case.clauses.clone(),
        case.expect,
        case.source.clone(),
        request,
        reason,
    )
}

/// When a run stops sending: a streak of unanswered requests, a deadline, or a caller's reason
/// (an interrupt, a target that stays throttled). The first reason wins and stays.
pub struct Stop {
    reason: OnceLock<String>,
    streak: AtomicUsize,
    limit: usize,
    deadline: Option<(Instant, Duration)>,
}

impl Stop {
    /// Stops after `limit` consecutive unanswered requests (0: never) or at `deadline`
    /// (given with the limit it came from, for the message).
    pub fn new(limit: usize, deadline: Option<(Instant, Duration)>) -> Stop {
        Stop {
            reason: OnceLock::new(),
            streak: AtomicUsize::new(0),
            limit,
            deadline,
        }
    }

    /// Why the run stopped, if it has (also when its deadline just passed).
    pub fn reason(&self) -> Option<String> {
        if let Some(reason) = self.reason.get() {
            return Some(reason.clone());
        }
        match self.deadline {
            Some((deadline, _)) if Instant::now() >= deadline => Some(self.expire()),
            _ => None,
        }
    }

    /// Stops the run for `reason` (the first reason given stays).
    pub fn stop(&self, reason: String) -> String {
        self.reason.get_or_init(|| reason).clone()
    }

    /// Time left before the deadline, if the run has one.
    fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|(deadline, _)| deadline.saturating_duration_since(Instant::now()))
    }

    /// Stops the run because its deadline passed.
    fn expire(&self) -> String {
        let limit = self.deadline.map_or(Duration::ZERO, |(_, limit)| limit);
        self.stop(format!(
            "the run reached its time limit (--max-time {})",
            humantime::format_duration(limit)
        ))
    }

    /// Watches one answer: a streak of `limit` transport failures in a row stops the run.
    fn observe(&self, answer: &Result<Response, TransportError>) {
        match answer {
            Ok(_) => self.streak.store(0, Ordering::Relaxed),
            Err(error) => {
                let streak = self.streak.fetch_add(1, Ordering::Relaxed) + 1;
                if self.limit > 0 && streak >= self.limit {
                    self.stop(format!(
                        "the target stopped answering ({streak} requests in a row without an answer; last: {error})"
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streak_of_unanswered_requests_stops_the_run() {
        let stop = Stop::new(3, None);
        let lost = Err(TransportError::Broken("connection reset".into()));
        stop.observe(&lost);
        stop.observe(&lost);
        assert_eq!(stop.reason(), None);
        stop.observe(&lost);
        let reason = stop.reason().unwrap();
        assert!(
            reason.starts_with("the target stopped answering (3 requests"),
            "{reason}"
        );
        assert_eq!(stop.stop("later".into()), reason, "the first reason stays");
    }

    #[test]
    fn an_answer_breaks_the_streak() {
        let stop = Stop::new(2, None);
        let lost = Err(TransportError::Timeout(Duration::from_secs(1)));
        stop.observe(&lost);
        stop.observe(&Ok(Response {
            status: 400,
            headers: Vec::new(),
            body: bytes::Bytes::new(),
            body_truncated: false,
        }));
        stop.observe(&lost);
        assert_eq!(stop.reason(), None);
    }

    #[test]
    fn a_passed_deadline_stops_the_run() {
        let stop = Stop::new(0, Some((Instant::now(), Duration::from_secs(600))));
        assert_eq!(
            stop.reason().as_deref(),
            Some("the run reached its time limit (--max-time 10m)")
        );
    }
}
