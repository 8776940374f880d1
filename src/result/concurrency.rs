//! What a run's adaptive concurrency did, as data: the [`ConcurrencyRecord`] in the run's
//! record and its reports, with the first [`Lowering`]s of the limit.
//!
//! The runner's concurrency control fills it in (it halves the limit of requests in flight when
//! an answer goes missing while others are in flight, and sends that request again alone); the
//! console and JSON reports read it. Nothing here sends or waits: it is a plain value,
//! kept beside the other results so that the run record does not reach up into the runner.

use serde::Serialize;

/// One lowering of the limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lowering {
    /// Seconds from the run's start.
    pub seconds: f64,
    /// The limit before.
    pub from: usize,
    /// The limit after.
    pub to: usize,
    /// Requests in flight when it happened.
    pub in_flight: usize,
    /// The missing answer that lowered it.
    pub reason: String,
}

/// What the run's concurrency did: data for the run record and the reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcurrencyRecord {
    /// The most requests in flight the run allowed (`max_in_flight`).
    pub ceiling: usize,
    /// The lowest limit the run came down to.
    pub lowest: usize,
    /// The limit at the end.
    pub last: usize,
    /// How many times the limit was halved.
    pub lowered: u64,
    /// The first lowerings, in order.
    pub lowerings: Vec<Lowering>,
    /// Requests sent again alone after a missing answer.
    pub resent: u64,
    /// Of those, how many were answered alone.
    pub resent_answered: u64,
    /// The first request left unanswered with nothing else in flight, if any (after it,
    /// timeouts are judged without a resend).
    pub unanswered_alone: Option<String>,
}

impl ConcurrencyRecord {
    /// One line for the console when the run lowered its concurrency or sent anything again.
    pub fn summary(&self) -> Option<String> {
        if self.lowered == 0 && self.resent == 0 {
            return None;
        }
        let why = self
            .lowerings
            .first()
            .map(|first| {
                format!(
                    " (first at {:.1} s: {} with {} in flight)",
                    first.seconds, first.reason, first.in_flight
                )
            })
            .unwrap_or_default();
        Some(format!(
            "concurrency lowered {} times{why}, from {} to {} requests in flight at the lowest, {} at the end; {} requests sent again alone, {} answered",
            self.lowered,
            self.ceiling,
            self.lowest,
            self.last,
            self.resent,
            self.resent_answered
        ))
    }
}
