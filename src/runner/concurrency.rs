//! Adaptive concurrency: how many requests of a run are in flight, and sending one alone.
//!
//! A [`Concurrency`] admits requests up to a limit that starts at the run's `max_in_flight`
//! (its ceiling); the executor sends every request through [`Concurrency::send`]. When one
//! gets no answer (a timeout, a refused or reset connection, a stale pooled connection) while
//! others were in flight, it halves the limit (once per wave: requests admitted before a
//! lowering do not lower it again) and sends the request again alone (it waits until nothing
//! is in flight and admits nothing else until it is done). Only an answer missing alone is
//! judged. Every `limit` answers in a row raise the limit by one (additive increase,
//! multiplicative decrease, as TCP), but never again to a limit at which answers went missing:
//! each wave costs a timeout, so the limit settles below the smallest one that lost answers
//! instead of finding it again and again.
//! A run's load is then never the server's fault: a server with a small listen backlog and one
//! connection at a time drops the SYNs of 64 simultaneous connects, and their retransmits pass
//! the timeout. What happened is a [`ConcurrencyRecord`] in the run's record (and the reports).
//!
//! A target that never answers some body must still end quickly: once one request went
//! unanswered alone ([`ConcurrencyRecord::unanswered_alone`] says which), later timeouts are
//! judged as they come, without a resend that would cost another timeout each; the run's
//! `--stop-after` streak counts them.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::Notify;

use super::Stop;
use crate::transport::{Response, TransportError};

pub use crate::result::concurrency::{ConcurrencyRecord, Lowering};

/// What one attempt at a request gave: the answer, or the transport error standing in for
/// one; `Err` when the run stopped before it was sent (the reason).
pub type Attempt = Result<Result<Response, TransportError>, String>;

/// The lowerings a record keeps in full (the count covers them all).
const LOWERINGS_KEPT: usize = 16;

/// The run's admission of requests: a limit that adapts, and turns alone.
pub struct Concurrency {
    state: Mutex<State>,
    changed: Notify,
    ceiling: usize,
    started: Instant,
}

struct State {
    limit: usize,
    in_flight: usize,
    alone: bool,
    waiting_alone: usize,
    admissions: u64,
    answers: u64,
    generation: u64,
    answered: usize,
    lowest: usize,
    lost_at: usize,
    lowered: u64,
    lowerings: Vec<Lowering>,
    resent: u64,
    resent_answered: u64,
    unanswered_alone: Option<String>,
}

/// A request's place in flight; leaving it (drop) lets others in.
struct Turn<'a> {
    concurrency: &'a Concurrency,
    alone: bool,
    generation: u64,
    admissions: u64,
    answers: u64,
    in_flight: usize,
}

impl Turn<'_> {
    /// Whether any other request was in flight during this one (so far).
    fn crowded(&self) -> bool {
        !self.alone && (self.in_flight > 1 || self.concurrency.lock().admissions != self.admissions)
    }

    /// Whether the target answered any other request while this one was in flight: a busy
    /// server then left this one waiting, where a server that answers nobody is not busy.
    fn others_answered(&self) -> bool {
        self.concurrency.lock().answers != self.answers
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut state = self.concurrency.lock();
        state.in_flight -= 1;
        if self.alone {
            state.alone = false;
        }
        drop(state);
        self.concurrency.changed.notify_waiters();
    }
}

/// Counts a waiter for a turn alone while it waits (also when its future is dropped).
struct WaitingAlone<'a>(&'a Concurrency);

impl Drop for WaitingAlone<'_> {
    fn drop(&mut self) {
        self.0.lock().waiting_alone -= 1;
        self.0.changed.notify_waiters();
    }
}

impl Concurrency {
    /// At most `ceiling` requests in flight (at least one).
    pub fn new(ceiling: usize) -> Concurrency {
        let ceiling = ceiling.max(1);
        Concurrency {
            state: Mutex::new(State {
                limit: ceiling,
                in_flight: 0,
                alone: false,
                waiting_alone: 0,
                admissions: 0,
                answers: 0,
                generation: 0,
                answered: 0,
                lowest: ceiling,
                lost_at: ceiling + 1,
                lowered: 0,
                lowerings: Vec::new(),
                resent: 0,
                resent_answered: 0,
                unanswered_alone: None,
            }),
            changed: Notify::new(),
            ceiling,
            started: Instant::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    /// Waits until `admit` takes a turn from the state.
    async fn wait_for<'a>(
        &'a self,
        mut admit: impl FnMut(&mut State) -> Option<Turn<'a>>,
    ) -> Turn<'a> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(turn) = admit(&mut self.lock()) {
                return turn;
            }
            changed.await;
        }
    }

    /// Waits for a turn among others: under the limit, and not while a request waits to go alone.
    async fn shared(&self) -> Turn<'_> {
        self.wait_for(|state| {
            if state.alone || state.waiting_alone > 0 || state.in_flight >= state.limit {
                return None;
            }
            state.in_flight += 1;
            state.admissions += 1;
            Some(Turn {
                concurrency: self,
                alone: false,
                generation: state.generation,
                admissions: state.admissions,
                answers: state.answers,
                in_flight: state.in_flight,
            })
        })
        .await
    }

    /// Waits until nothing is in flight, then takes a turn no other request shares.
    async fn alone(&self) -> Turn<'_> {
        self.lock().waiting_alone += 1;
        let waiting = WaitingAlone(self);
        let turn = self
            .wait_for(|state| {
                if state.alone || state.in_flight > 0 {
                    return None;
                }
                state.alone = true;
                state.in_flight = 1;
                Some(Turn {
                    concurrency: self,
                    alone: true,
                    generation: state.generation,
                    admissions: state.admissions,
                    answers: state.answers,
                    in_flight: 1,
                })
            })
            .await;
        drop(waiting);
        turn
    }

    /// Sends a request by `attempt` in a shared turn; when no answer came while others were in
    /// flight, or the connection broke, lowers the limit and sends it again alone (unless
    /// `stop` is pulled first). Gives what was last answered.
    pub async fn send<F, Sending>(&self, stop: &Stop, mut attempt: F) -> Attempt
    where
        F: FnMut() -> Sending,
        Sending: Future<Output = Attempt>,
    {
        let turn = self.shared().await;
        let error = match attempt().await? {
            Ok(response) => {
                self.answered(&turn);
                return Ok(Ok(response));
            }
            Err(error) => error,
        };
        let crowded = turn.crowded();
        let busy = crowded && turn.others_answered();
        if crowded {
            self.lower(&turn, &error);
        }
        drop(turn);
        if !self.worth_resending(&error, busy) {
            if !crowded {
                self.note_unanswered_alone(&error);
            }
            return Ok(Err(error));
        }
        let turn = tokio::select! {
            biased;
            reason = stop.stopped() => return Err(reason),
            turn = self.alone() => turn,
        };
        // While this request waited, another may have gone unanswered alone.
        if !self.worth_resending(&error, true) {
            return Ok(Err(error));
        }
        self.lock().resent += 1;
        let answer = attempt().await?;
        match &answer {
            Ok(_) => self.answered(&turn),
            Err(error) => self.note_unanswered_alone(error),
        }
        Ok(answer)
    }

    /// Whether a request that got `error` is sent again alone: a broken connection always
    /// (a pooled connection the server had closed breaks before any byte of answer, and costs
    /// little to try again); a timeout when the target was `busy` answering others meanwhile
    /// (a target that answered nobody was not kept busy by the load), until it has left a
    /// request unanswered alone (from then on every resend would cost one more timeout).
    fn worth_resending(&self, error: &TransportError, busy: bool) -> bool {
        match error {
            TransportError::Broken(_) => true,
            TransportError::Timeout(_) => busy && self.lock().unanswered_alone.is_none(),
        }
    }

    /// An answer came in `turn`: after `limit` of them in a row the limit grows by one; an
    /// answer to a resend counts as answered alone.
    fn answered(&self, turn: &Turn<'_>) {
        let mut state = self.lock();
        state.answers += 1;
        if turn.alone {
            state.resent_answered += 1;
            return;
        }
        state.answered += 1;
        if state.answered >= state.limit && state.limit + 1 < state.lost_at {
            state.limit += 1;
            state.answered = 0;
            drop(state);
            self.changed.notify_waiters();
        }
    }

    /// No answer came in `turn` while others were in flight: halves the limit, unless a
    /// lowering since the turn began already answered the same wave.
    fn lower(&self, turn: &Turn<'_>, error: &TransportError) {
        let mut state = self.lock();
        state.answered = 0;
        if turn.generation != state.generation || state.limit == 1 {
            return;
        }
        let from = state.limit;
        state.lost_at = state.lost_at.min(from);
        state.limit = (from / 2).max(1);
        state.lowest = state.lowest.min(state.limit);
        state.generation += 1;
        state.lowered += 1;
        if state.lowerings.len() < LOWERINGS_KEPT {
            let lowering = Lowering {
                seconds: self.started.elapsed().as_secs_f64(),
                from,
                to: state.limit,
                in_flight: state.in_flight,
                reason: error.to_string(),
            };
            state.lowerings.push(lowering);
        }
    }

    /// Notes that a request went unanswered with nothing else in flight (the first one stays).
    fn note_unanswered_alone(&self, error: &TransportError) {
        self.lock()
            .unanswered_alone
            .get_or_insert_with(|| error.to_string());
    }

    /// What the run's concurrency did so far.
    pub fn record(&self) -> ConcurrencyRecord {
        let state = self.lock();
        ConcurrencyRecord {
            ceiling: self.ceiling,
            lowest: state.lowest,
            last: state.limit,
            lowered: state.lowered,
            lowerings: state.lowerings.clone(),
            resent: state.resent,
            resent_answered: state.resent_answered,
            unanswered_alone: state.unanswered_alone.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn lost() -> TransportError {
        TransportError::Timeout(Duration::from_secs(10))
    }

    #[tokio::test]
    async fn a_wave_of_missing_answers_halves_the_limit_once() {
        let concurrency = Concurrency::new(8);
        let first = concurrency.shared().await;
        let second = concurrency.shared().await;
        assert!(first.crowded() && second.crowded());
        assert!(!first.others_answered());
        concurrency.answered(&second);
        assert!(first.others_answered());
        concurrency.lower(&first, &lost());
        concurrency.lower(&second, &lost());
        assert_eq!(concurrency.limit(), 4, "one wave, one halving");
        drop((first, second));
        let third = concurrency.shared().await;
        concurrency.lower(&third, &lost());
        assert_eq!(concurrency.limit(), 2);
        let record = concurrency.record();
        assert_eq!((record.lowered, record.lowest), (2, 2));
        assert_eq!(record.lowerings[0].reason, "no answer within 10 s");
        assert_eq!((record.lowerings[0].from, record.lowerings[0].to), (8, 4));
    }

    #[tokio::test]
    async fn answers_grow_the_limit_back_slowly_below_where_answers_went_missing() {
        let concurrency = Concurrency::new(16);
        let turn = concurrency.shared().await;
        concurrency.lower(&turn, &lost());
        assert_eq!(concurrency.limit(), 8);
        drop(turn);
        let turn = concurrency.shared().await;
        concurrency.lower(&turn, &lost());
        assert_eq!(concurrency.limit(), 4);
        for _ in 0..3 {
            concurrency.answered(&turn);
        }
        assert_eq!(concurrency.limit(), 4);
        concurrency.answered(&turn);
        assert_eq!(concurrency.limit(), 5);
        for _ in 0..100 {
            concurrency.answered(&turn);
        }
        assert_eq!(
            concurrency.limit(),
            7,
            "never back to 8, where answers went missing"
        );
    }

    #[tokio::test]
    async fn answers_never_grow_the_limit_past_the_ceiling() {
        let concurrency = Concurrency::new(2);
        let turn = concurrency.shared().await;
        for _ in 0..10 {
            concurrency.answered(&turn);
        }
        assert_eq!(concurrency.limit(), 2);
    }

    #[tokio::test]
    async fn a_turn_alone_waits_for_the_others_and_keeps_them_out() {
        let concurrency = std::sync::Arc::new(Concurrency::new(4));
        let busy = concurrency.shared().await;
        let alone = {
            let concurrency = std::sync::Arc::clone(&concurrency);
            tokio::spawn(async move {
                let turn = concurrency.alone().await;
                assert!(!turn.crowded());
                concurrency.answered(&turn);
                tokio::time::sleep(Duration::from_millis(20)).await;
                let in_flight = concurrency.lock().in_flight;
                in_flight
            })
        };
        tokio::task::yield_now().await;
        // Wait until the alone request is queued: then no shared turn is given out.
        while concurrency.lock().waiting_alone == 0 {
            tokio::task::yield_now().await;
        }
        let later = {
            let concurrency = std::sync::Arc::clone(&concurrency);
            tokio::spawn(async move {
                let _turn = concurrency.shared().await;
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(
            !later.is_finished(),
            "nobody joins while one waits to go alone"
        );
        drop(busy);
        assert_eq!(alone.await.unwrap(), 1, "alone: nothing else in flight");
        later.await.unwrap();
        let record = concurrency.record();
        assert_eq!(record.resent_answered, 1);
    }

    #[tokio::test]
    async fn a_dropped_wait_alone_lets_others_in() {
        let concurrency = Concurrency::new(2);
        let busy = concurrency.shared().await;
        let gave_up = tokio::time::timeout(Duration::from_millis(10), concurrency.alone()).await;
        assert!(gave_up.is_err());
        let _second = concurrency.shared().await;
        drop(busy);
    }

    fn created() -> Response {
        Response {
            status: 201,
            headers: Vec::new(),
            body: bytes::Bytes::new(),
            body_truncated: false,
        }
    }

    #[tokio::test]
    async fn a_broken_connection_is_sent_again_alone() {
        let concurrency = Concurrency::new(4);
        let stop = Stop::new(0, None);
        let tries = std::cell::Cell::new(0);
        let answer = concurrency
            .send(&stop, || {
                tries.set(tries.get() + 1);
                let first = tries.get() == 1;
                async move {
                    Ok(if first {
                        Err(TransportError::Broken("connection closed".into()))
                    } else {
                        Ok(created())
                    })
                }
            })
            .await;
        assert_eq!(answer, Ok(Ok(created())));
        let record = concurrency.record();
        assert_eq!((record.resent, record.resent_answered), (1, 1));
        assert_eq!(record.lowered, 0, "alone, nothing to lower");
    }

    #[tokio::test]
    async fn a_timeout_alone_is_judged_at_once_and_remembered() {
        let concurrency = Concurrency::new(4);
        let stop = Stop::new(0, None);
        let answer = concurrency.send(&stop, || async { Ok(Err(lost())) }).await;
        assert_eq!(answer, Ok(Err(lost())));
        let record = concurrency.record();
        assert_eq!(record.resent, 0);
        assert_eq!(
            record.unanswered_alone.as_deref(),
            Some("no answer within 10 s")
        );
    }

    #[test]
    fn the_summary_says_why_and_how_far() {
        let mut record = Concurrency::new(64).record();
        assert_eq!(record.summary(), None);
        record.lowered = 1;
        record.lowest = 32;
        record.last = 40;
        record.resent = 5;
        record.resent_answered = 5;
        record.lowerings.push(Lowering {
            seconds: 10.31,
            from: 64,
            to: 32,
            in_flight: 64,
            reason: "no answer within 10 s".into(),
        });
        assert_eq!(
            record.summary().unwrap(),
            "concurrency lowered 1 times (first at 10.3 s: no answer within 10 s with 64 in flight), from 64 to 32 requests in flight at the lowest, 40 at the end; 5 requests sent again alone, 5 answered"
        );
    }
}
