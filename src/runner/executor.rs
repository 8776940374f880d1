//! The executor: one case in, one judged [`CaseResult`] out. Records nothing.
//!
//! [`Executor::execute`] builds the request, sends it within the per-request timeout (and within
//! what is left of the run's `--max-time`), and judges the answer with `check`. It counts the
//! requests it sends and watches the transport through a [`Stop`]: after
//! [`RunConfig::stop_after`] consecutive answers that never came (timeouts, resets, non-HTTP
//! bytes), or once the run's deadline passes, the run stops sending and every case asked for
//! afterwards comes back skipped with the reason. At most [`RunConfig::max_in_flight`] requests
//! are in flight at once, however many trials ask, fewer after the target left some unanswered
//! under load ([`super::concurrency`]: such a request is sent again alone before it is judged);
//! a request's timeout starts when it is sent, not while it waits for its turn, so a busy run
//! never times out a slow answer. The run-wide `connection_id` registry and
//! the reports are not touched here: [`super::Run`] records what the run keeps, and shrinking
//! and the self-test call the executor directly without recording anything.
//!
//! Its [`Guards`] sit around every send: the [`Pace`] (rate limit and 429 back-off; a request
//! that stays throttled stops the run), the create [`Budget`] (a case a conformant server would
//! answer 201 is skipped once the budget is spent) and the cleanup [`Ledger`] (every
//! `connection_id` a 2xx answer carries is written down before the answer is judged).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::budget::Budget;
use super::concurrency::{Attempt, Concurrency};
use super::ledger::Ledger;
use super::pace::{Attempted, Pace};
use super::RunConfig;
use crate::case::Case;
use crate::check;
use crate::result::CaseResult;
use crate::transport::{Request, Response, Target, TransportError};

/// What a run puts around sending besides the target: the pace every request waits for, the
/// create budget and the cleanup ledger. The default: no rate limit, no budget, no ledger.
#[derive(Clone)]
pub struct Guards {
    /// The rate limit and back-off, shared with the cleanup.
    pub pace: Arc<Pace>,
    /// The most creates the run may cause, if limited.
    pub budget: Option<Arc<Budget>>,
    /// Where created connections are written down for the cleanup.
    pub ledger: Option<Arc<Ledger>>,
}

impl Default for Guards {
    fn default() -> Guards {
        Guards {
            pace: Arc::new(Pace::unlimited()),
            budget: None,
            ledger: None,
        }
    }
}

/// Sends cases to one target and judges the answers.
pub struct Executor {
    target: Arc<dyn Target>,
    config: RunConfig,
    requests: AtomicU64,
    stop: Stop,
    concurrency: Concurrency,
    guards: Guards,
}

impl Executor {
    /// An executor for `target` under `config`; the run's deadline starts now.
    pub fn new(target: Arc<dyn Target>, config: RunConfig) -> Executor {
        Executor::guarded(target, config, Guards::default())
    }

    /// An executor whose sends go through `guards`.
    pub fn guarded(target: Arc<dyn Target>, config: RunConfig, guards: Guards) -> Executor {
        let stop = Stop::new(
            config.stop_after,
            config.max_time.map(|limit| (Instant::now() + limit, limit)),
        );
        Executor {
            concurrency: Concurrency::new(config.max_in_flight),
            target,
            config,
            requests: AtomicU64::new(0),
            stop,
            guards,
        }
    }

    /// The pace, budget and ledger around the sends.
    pub fn guards(&self) -> &Guards {
        &self.guards
    }

    /// The target.
    pub fn target(&self) -> &Arc<dyn Target> {
        &self.target
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

    /// The run's concurrency: its limit now, and what lowered it.
    pub fn concurrency(&self) -> &Concurrency {
        &self.concurrency
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

    /// Sends `case` and judges the answer; a skipped result when the run has stopped or the
    /// case would create a connection the budget has no room for.
    pub async fn execute(&self, case: &Case) -> CaseResult {
        let request = self.request_for(case);
        if let Some(reason) = self.stop.reason() {
            return skipped(case, request, reason);
        }
        if let Some(budget) = &self.guards.budget {
            if let Err(reason) = budget.admit(case) {
                return skipped(case, request, reason);
            }
        }
        let started = Instant::now();
        let answer = match self.send(&request).await {
            Ok(answer) => answer,
            Err(reason) => {
                if let Some(budget) = &self.guards.budget {
                    budget.refund(case);
                }
                return skipped(case, request, reason);
            }
        };
        if let (Some(ledger), Ok(response)) = (&self.guards.ledger, &answer) {
            if let Err(problem) = ledger.record_answer(&case.id, &request, response) {
                self.stop.stop(problem);
            }
        }
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
            known: Vec::new(),
            parity: None,
        }
    }

    /// Sends `request` in its turn, within the per-request timeout and the run's deadline,
    /// retrying 429s, counting every attempt and watching the transport. A request that got
    /// no answer while others were in flight (or a connection that broke) lowers the
    /// concurrency and is sent again alone ([`Concurrency::send`]); only what is missing alone
    /// is judged. `Err`: the run stopped before it was sent.
    async fn send(&self, request: &Request) -> Attempt {
        let answer = self
            .concurrency
            .send(&self.stop, || self.attempt(request))
            .await?;
        self.stop.observe(&answer);
        Ok(answer)
    }

    /// One send through the pace, within the per-request timeout and the run's deadline; a
    /// target that stays throttled stops the run.
    async fn attempt(&self, request: &Request) -> Attempt {
        if let Some(reason) = self.stop.reason() {
            return Err(reason);
        }
        let timeout = self.config.timeout;
        let (limit, deadline_bound) = match self.stop.time_left() {
            Some(left) if left < timeout => (left, true),
            _ => (timeout, false),
        };
        let attempted = self
            .guards
            .pace
            .send(&*self.target, request, limit, &self.stop)
            .await;
        let (answer, gave_up) = match attempted {
            Attempted::Stopped(reason) => return Err(reason),
            Attempted::Answer {
                answer,
                attempts,
                gave_up,
            } => {
                self.requests
                    .fetch_add(u64::from(attempts), Ordering::Relaxed);
                (answer, gave_up)
            }
        };
        let answer = match answer {
            Err(TransportError::Timeout(_)) if deadline_bound => {
                return Err(self.stop.reason().unwrap_or_else(|| self.stop.expire()))
            }
            Err(TransportError::Timeout(_)) => Err(TransportError::Timeout(timeout)),
            other => other,
        };
        if let Some(reason) = gave_up {
            self.stop.stop(reason);
        }
        Ok(answer)
    }
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
/// (an interrupt, a target that stays throttled). The first reason wins and stays; whoever
/// waits in [`Stop::stopped`] wakes at once.
pub struct Stop {
    reason: OnceLock<String>,
    streak: AtomicUsize,
    limit: usize,
    deadline: Option<(Instant, Duration)>,
    pulled: tokio::sync::Notify,
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
            pulled: tokio::sync::Notify::new(),
        }
    }

    /// Waits until the run stops (a reason given, or the deadline passed); gives the reason.
    pub async fn stopped(&self) -> String {
        loop {
            let pulled = self.pulled.notified();
            tokio::pin!(pulled);
            pulled.as_mut().enable();
            if let Some(reason) = self.reason() {
                return reason;
            }
            match self.time_left() {
                Some(left) => {
                    tokio::select! {
                        () = pulled => {}
                        () = tokio::time::sleep(left) => {}
                    }
                }
                None => pulled.await,
            }
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
        let reason = self.reason.get_or_init(|| reason).clone();
        self.pulled.notify_waiters();
        reason
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
