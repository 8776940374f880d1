//! Pacing: every request of a run (cases, generated bodies, shrinking, cleanup) waits its turn
//! under one rate limit, and an answer 429 is retried with a bounded exponential back-off.
//!
//! A [`Pace`] takes `--rate R` (requests per second; a governor GCRA limiter with a burst of one,
//! so no second ever holds more than R requests, plus one at the edge) and a [`Backoff`]. Its
//! [`Pace::send`] waits for a turn, sends within the per-request timeout, and on a 429 waits
//! (exponentially longer each time, with jitter, or what `Retry-After` asks when that is longer,
//! both capped) and sends again. The waits are not part of the per-request timeout, and they end
//! at once when the run's [`Stop`] is pulled (an interrupt, the deadline): a request not yet sent,
//! or throttled and not yet resent, is then not sent at all; a request in flight always finishes,
//! so no connection the server created goes unrecorded. A 429 is never a conformance result:
//! when the retries run out, [`Attempted::gave_up`] says so and the executor stops the run as a
//! setup problem. The executor and the cleanup share one `Pace`.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::Stop;
use crate::transport::{Request, Response, Target, TransportError};

/// How answers 429 are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait before the first retry; each further retry waits twice as long.
    pub first: Duration,
    /// The longest single wait (a longer `Retry-After` is cut to this).
    pub ceiling: Duration,
    /// Retries of one request before the run counts as throttled for good.
    pub retries: u32,
}

impl Default for Backoff {
    /// 0.5 s, doubling, at most 8 s a wait, 6 retries: about 20 s of back-off at most.
    fn default() -> Backoff {
        Backoff {
            first: Duration::from_millis(500),
            ceiling: Duration::from_secs(8),
            retries: 6,
        }
    }
}

impl Backoff {
    /// The wait before retry `retry` (1-based): `first * 2^(retry-1)`, capped, with jitter
    /// taking it to between half and all of that; at least `retry_after` when the server asked.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let doubled = self
            .first
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.ceiling);
        let jittered = doubled.mul_f64(0.5 + 0.5 * unit_random());
        match retry_after {
            Some(asked) => jittered.max(asked.min(self.ceiling)),
            None => jittered,
        }
    }
}

/// A number in `[0, 1)` from the standard library's per-process random hasher keys (jitter
/// needs no better).
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// What became of one request through the pace.
#[derive(Debug)]
pub enum Attempted {
    /// Sent (maybe several times): the last answer, or the transport error standing in for it.
    Answer {
        /// The last answer.
        answer: Result<Response, TransportError>,
        /// How many times it was sent.
        attempts: u32,
        /// Set when the answer is still a 429 after every retry: why the run should stop.
        gave_up: Option<String>,
    },
    /// Not sent (or not resent) because the run stopped while it waited.
    Stopped(String),
}

/// The run's rate limit and back-off, shared by everything that sends.
pub struct Pace {
    limiter: Option<DefaultDirectRateLimiter>,
    rate: Option<f64>,
    backoff: Backoff,
    throttled: AtomicU64,
    retries: AtomicU64,
}

impl Pace {
    /// At most `rate` requests per second (`None`: no limit), 429s retried by `backoff`.
    pub fn new(rate: Option<f64>, backoff: Backoff) -> Result<Pace, String> {
        let limiter = match rate {
            None => None,
            Some(rate) if rate.is_finite() && rate > 0.0 && rate <= 1e6 => {
                let period = Duration::from_secs_f64(1.0 / rate);
                let quota = Quota::with_period(period)
                    .ok_or_else(|| format!("--rate {rate} is too high"))?
                    .allow_burst(NonZeroU32::MIN);
                Some(RateLimiter::direct(quota))
            }
            Some(rate) => return Err(format!("--rate {rate} is not a positive number")),
        };
        Ok(Pace {
            limiter,
            rate,
            backoff,
            throttled: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    /// No rate limit, the default back-off.
    pub fn unlimited() -> Pace {
        Pace::new(None, Backoff::default()).expect("no rate is valid")
    }

    /// The rate limit, in requests per second.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Answers 429 met so far.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Requests sent again after a 429.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Waits for the next turn under the rate limit; the stop reason when `stop` is pulled first.
    pub async fn turn(&self, stop: &Stop) -> Result<(), String> {
        if let Some(reason) = stop.reason() {
            return Err(reason);
        }
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        tokio::select! {
            biased;
            reason = stop.stopped() => Err(reason),
            () = limiter.until_ready() => Ok(()),
        }
    }

    /// Sends `request` to `target` in its turn, each attempt within `timeout`, retrying 429s.
    pub async fn send(
        &self,
        target: &dyn Target,
        request: &Request,
        timeout: Duration,
        stop: &Stop,
    ) -> Attempted {
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            if let Err(reason) = self.turn(stop).await {
                return Attempted::Stopped(reason);
            }
            attempts += 1;
            let answer = match tokio::time::timeout(timeout, target.send(request)).await {
                Ok(answer) => answer,
                Err(_) => Err(TransportError::Timeout(timeout)),
            };
            let retry_after = match &answer {
                Ok(response) if response.status == 429 => retry_after(response),
                _ => {
                    return Attempted::Answer {
                        answer,
                        attempts,
                        gave_up: None,
                    }
                }
            };
            self.throttled.fetch_add(1, Ordering::Relaxed);
            if attempts > self.backoff.retries {
                let code = answer
                    .as_ref()
                    .ok()
                    .and_then(error_code)
                    .map(|code| format!(" {code}"))
                    .unwrap_or_default();
                let rate = match self.rate {
                    Some(rate) => format!("--rate {rate}"),
                    None => "no --rate".into(),
                };
                let gave_up = format!(
                    "the target stayed throttled: one request was answered 429{code} {attempts} times over {:.0} s ({} retries with back-off; {rate}); lower --rate and run again",
                    started.elapsed().as_secs_f64(),
                    self.backoff.retries
                );
                return Attempted::Answer {
                    answer,
                    attempts,
                    gave_up: Some(gave_up),
                };
            }
            let delay = self.backoff.delay(attempts, retry_after);
            self.retries.fetch_add(1, Ordering::Relaxed);
            tokio::select! {
                biased;
                reason = stop.stopped() => return Attempted::Stopped(reason),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }
}

/// The `Retry-After` of an answer, when it gives seconds.
fn retry_after(response: &Response) -> Option<Duration> {
    let seconds: f64 = response.header("retry-after")?.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// The `error_code` of a JSON error answer.
fn error_code(response: &Response) -> Option<String> {
    let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
    body.get("error_code")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::SendFuture;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn delays_double_with_jitter_and_stay_bounded() {
        let backoff = Backoff::default();
        for _ in 0..50 {
            let first = backoff.delay(1, None);
            assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
            let third = backoff.delay(3, None);
            assert!(third >= Duration::from_secs(1) && third <= Duration::from_secs(2));
            assert!(backoff.delay(30, None) <= backoff.ceiling);
            assert!(backoff.delay(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
            assert!(backoff.delay(1, Some(Duration::from_secs(999))) <= backoff.ceiling);
        }
    }

    #[test]
    fn bad_rates_are_refused() {
        assert!(Pace::new(Some(0.0), Backoff::default()).is_err());
        assert!(Pace::new(Some(f64::NAN), Backoff::default()).is_err());
        assert!(Pace::new(Some(0.5), Backoff::default()).is_ok());
    }

    /// Answers 429 `throttle` times, then 201.
    struct Throttling {
        left: AtomicU32,
        sent: AtomicU32,
    }

    impl Target for Throttling {
        fn send<'a>(&'a self, _: &'a Request) -> SendFuture<'a> {
            Box::pin(async move {
                self.sent.fetch_add(1, Ordering::Relaxed);
                let throttled = self
                    .left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok();
                let (status, body) = if throttled {
                    (
                        429,
                        &br#"{"error_code":"APIG.0308","error_msg":"throttled"}"#[..],
                    )
                } else {
                    (201, &b"{}"[..])
                };
                Ok(Response {
                    status,
                    headers: Vec::new(),
                    body: bytes::Bytes::from_static(body),
                    body_truncated: false,
                })
            })
        }

        fn base_url(&self) -> String {
            "http://throttling".into()
        }
    }

    fn quick() -> Backoff {
        Backoff {
            first: Duration::from_millis(1),
            ceiling: Duration::from_millis(4),
            retries: 3,
        }
    }

    #[tokio::test]
    async fn a_429_is_retried_until_it_passes() {
        let target = Throttling {
            left: AtomicU32::new(2),
            sent: AtomicU32::new(0),
        };
        let pace = Pace::new(None, quick()).unwrap();
        let request = Request::create_connection("p", bytes::Bytes::new());
        let stop = Stop::new(0, None);
        let Attempted::Answer {
            answer,
            attempts,
            gave_up,
        } = pace
            .send(&target, &request, Duration::from_secs(5), &stop)
            .await
        else {
            panic!("not stopped");
        };
        assert_eq!(answer.unwrap().status, 201);
        assert_eq!((attempts, gave_up), (3, None));
        assert_eq!((pace.throttled(), pace.retries()), (2, 2));
    }

    #[tokio::test]
    async fn a_target_that_stays_throttled_is_given_up() {
        let target = Throttling {
            left: AtomicU32::new(100),
            sent: AtomicU32::new(0),
        };
        let pace = Pace::new(None, quick()).unwrap();
        let request = Request::create_connection("p", bytes::Bytes::new());
        let stop = Stop::new(0, None);
        let Attempted::Answer {
            answer, gave_up, ..
        } = pace
            .send(&target, &request, Duration::from_secs(5), &stop)
            .await
        else {
            panic!("not stopped");
        };
        assert_eq!(answer.unwrap().status, 429);
        let gave_up = gave_up.unwrap();
        assert!(
            gave_up.starts_with(
                "the target stayed throttled: one request was answered 429 APIG.0308 4 times"
            ),
            "{gave_up}"
        );
        assert_eq!(target.sent.load(Ordering::Relaxed), 4);
    }

    #[tokio::test]
    async fn a_stopped_run_sends_nothing_more() {
        let target = Throttling {
            left: AtomicU32::new(100),
            sent: AtomicU32::new(0),
        };
        let slow = Backoff {
            first: Duration::from_secs(3600),
            ceiling: Duration::from_secs(3600),
            retries: 3,
        };
        let pace = Pace::new(None, slow).unwrap();
        let request = Request::create_connection("p", bytes::Bytes::new());
        let stop = std::sync::Arc::new(Stop::new(0, None));
        let stopper = std::sync::Arc::clone(&stop);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stopper.stop("interrupted".into());
        });
        let attempted = pace
            .send(&target, &request, Duration::from_secs(5), &stop)
            .await;
        assert!(matches!(attempted, Attempted::Stopped(ref r) if r == "interrupted"));
        assert_eq!(target.sent.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn the_rate_spaces_requests() {
        let pace = Pace::new(Some(200.0), quick()).unwrap();
        let stop = Stop::new(0, None);
        let started = Instant::now();
        for _ in 0..11 {
            pace.turn(&stop).await.unwrap();
        }
        // 10 gaps of 5 ms: the burst is one, so 11 turns take at least 50 ms.
        assert!(started.elapsed() >= Duration::from_millis(45));
    }
}
