//! The cleanup: delete every connection the ledger says is live, and confirm each is gone.
//!
//! Before relying on it, [`Cleanup::probe`] asks the target what it offers: right after the
//! preflight's valid create it shows that connection and deletes it. A target that answers
//! either route with 404, 405 or 501 (no such route or method), or with anything else that is
//! not the documented answer, is create-only ([`Offer::CreateOnly`]): the run keeps its ledger
//! as a record, sends no cleanup requests, and its exit code is the verdict's.
//!
//! For each live connection, [`Cleanup::remove`] sends `DELETE
//! /v2.0/{project_id}/datasource-connection/{id}`. A 2xx or 404 is confirmed with the show API
//! (`GET .../{id}`): gone means 404, `400 DLI.0002` (no such connection) or `state: DELETED`
//! (a server that deletes softly keeps the connection in show and list). Only answers that mean
//! "later" are tried again: a connection still `CREATING` cannot be deleted yet, so the cleanup
//! waits (0.25 s, doubling to 5 s) for up to [`Cleanup::patience`]; a 429, a 5xx, no answer,
//! or a 400/409 for a connection show then finds past `CREATING` (it may have just become
//! `ACTIVE`) is retried twice. An answer that means "never" (405, 501, 401, 403, any other
//! refusal) leaves the connection at once, with the reason. Only a confirmed deletion is marked in the ledger.
//!
//! A create whose answer never arrived (a timeout, a run killed with the request in flight) may
//! still have made a connection the ledger cannot know. So the sweep then lists each project the
//! ledger's runs created connections in (the list is read whole, however many connections it
//! holds: see `transport::body_cap`) and takes every connection not `DELETED` whose name ends
//! in `-{run id}` of one of those runs as a leftover: it is written into the ledger (case `found
//! by name`) and deleted like the rest. Only run ids of at least [`RUN_ID_MIN_CHARS`]
//! characters are looked for (the default ids are 6 random characters), so a short run id
//! cannot match names of connections the suite did not make. Requests are signed and paced
//! like the run's (the same target stack and [`Pace`]); a pulled [`Stop`] (the end of the grace
//! after a signal, or a second one) ends the waiting and the requests in flight, and whatever
//! is not confirmed by then is left for `dli-conformance cleanup`. Ids are sent as one escaped
//! path segment, so an id a server made up cannot point the DELETE anywhere else.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use super::ledger::{Ledger, Live};
use super::pace::{Attempted, Pace};
use super::Stop;
use crate::transport::{Request, Response, Target};

/// Deletions in flight at once.
pub const CONCURRENCY: usize = 8;

/// The shortest run id leftovers are looked for by (`-{run id}` at the end of their names).
pub const RUN_ID_MIN_CHARS: usize = 6;

/// What a cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Connections whose deletion was confirmed (and marked in the ledger).
    pub deleted: u64,
    /// Of those, leftovers the ledger did not know, found by their names.
    pub found_by_name: u64,
    /// Connections still live, each with why.
    pub left: Vec<(Live, String)>,
}

/// Deletes connections on one target.
pub struct Cleanup<'a> {
    /// Where the DELETE and show requests go (signed, if the run signs).
    pub target: &'a dyn Target,
    /// The run's pace.
    pub pace: &'a Pace,
    /// Pulled to give up waiting (a second interrupt).
    pub stop: &'a Stop,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How long to wait for a connection still being created.
    pub patience: Duration,
}

/// What a target offers of the family's show and delete routes, as [`Cleanup::probe`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// Show and delete answered as documented (or "later"): the cleanup can run.
    Cleanup,
    /// A route is missing or answers otherwise: what the run creates stays on the target. The
    /// reason reads `the target has no DELETE (405)`.
    CreateOnly(String),
}

/// What the show API says about a connection.
enum Shown {
    /// It no longer exists.
    Gone,
    /// It exists in this state (`CREATING`, `ACTIVE`, `FAILED`, ...).
    State(String),
    /// The show request itself failed: why.
    Unknown(String),
}

impl Cleanup<'_> {
    /// Deletes every live connection of `ledger` that was created on `target_url`; the others
    /// are left, with the target they belong to.
    pub async fn sweep(&self, ledger: &Ledger, target_url: &str) -> Swept {
        self.sweep_in(ledger, target_url, None).await
    }

    /// As [`Cleanup::sweep`], only for connections of `project` when one is given.
    pub async fn sweep_in(
        &self,
        ledger: &Ledger,
        target_url: &str,
        project_filter: Option<&str>,
    ) -> Swept {
        let mut swept = Swept::default();
        let mut ours = Vec::new();
        for live in ledger.live() {
            if live.target != target_url {
                let why = format!("created on {}, not on {target_url}", live.target);
                swept.left.push((live, why));
            } else if project_filter.is_some_and(|project| project != live.project) {
                let why = format!("created in project {}", live.project);
                swept.left.push((live, why));
            } else {
                ours.push(live);
            }
        }
        self.delete_all(ledger, ours, &mut swept).await;
        let mut found = Vec::new();
        for (target, project, run) in ledger.runs() {
            let wanted = target == target_url
                && run.chars().count() >= RUN_ID_MIN_CHARS
                && project_filter.is_none_or(|only| only == project);
            if !wanted {
                continue;
            }
            match self.leftovers(&project, &run).await {
                Ok(ids) => {
                    for id in ids {
                        let live = Live {
                            id,
                            case: "found by name".into(),
                            target: target.clone(),
                            project: project.clone(),
                            run: Some(run.clone()),
                        };
                        match ledger.adopt(live.clone()) {
                            Ok(()) => found.push(live),
                            Err(why) => swept.left.push((live, why)),
                        }
                    }
                }
                Err(why) => {
                    let live = Live {
                        id: format!("(any named *-{run})"),
                        case: "found by name".into(),
                        target: target.clone(),
                        project: project.clone(),
                        run: Some(run.clone()),
                    };
                    swept.left.push((
                        live,
                        format!("cannot list the project's connections: {why}"),
                    ));
                }
            }
        }
        let before = swept.deleted;
        self.delete_all(ledger, found, &mut swept).await;
        swept.found_by_name = swept.deleted - before;
        swept
    }

    async fn delete_all(&self, ledger: &Ledger, lives: Vec<Live>, swept: &mut Swept) {
        let outcomes: Vec<(Live, Result<(), String>)> = stream::iter(lives)
            .map(|live| async move {
                let outcome = self.remove(&live).await;
                (live, outcome)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (live, outcome) in outcomes {
            match outcome.and_then(|()| ledger.deleted(&live.id)) {
                Ok(()) => swept.deleted += 1,
                Err(why) => swept.left.push((live, why)),
            }
        }
    }

    /// The ids of the project's connections whose names end in `-{run}`.
    async fn leftovers(&self, project: &str, run: &str) -> Result<Vec<String>, String> {
        let answer = self.send(&Request::list_connections(project)).await?;
        if answer.status != 200 {
            return Err(format!("list answered {}", describe(&answer)));
        }
        let body: Value = serde_json::from_slice(&answer.body)
            .map_err(|err| format!("the list is not JSON: {err}"))?;
        let suffix = format!("-{run}");
        Ok(body
            .get("connections")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|connection| {
                let named_ours = connection
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| name.ends_with(&suffix));
                let deleted = connection
                    .get("state")
                    .and_then(Value::as_str)
                    .is_some_and(|state| state.eq_ignore_ascii_case("DELETED"));
                named_ours && !deleted
            })
            .filter_map(|connection| connection.get("connection_id")?.as_str())
            .map(str::to_owned)
            .collect())
    }

    /// Deletes and shows `live` (the preflight's connection) to learn whether the target offers
    /// the cleanup's routes. The deletion is not confirmed here: the sweep does that. Without a
    /// connection (the create's answer carried no id), the list of `project` is all the cleanup
    /// could go on, so that is what is asked.
    pub async fn probe(&self, project: &str, live: Option<&Live>) -> Offer {
        let Some(live) = live else {
            return match self.send(&Request::list_connections(project)).await {
                Ok(answer) => match missing_list(&answer) {
                    Some(why) => Offer::CreateOnly(format!("the target has no list ({why})")),
                    None => Offer::Cleanup,
                },
                Err(_) => Offer::Cleanup,
            };
        };
        let delete = Request::delete_connection(&live.project, &live.id);
        let deleted = match self.send(&delete).await {
            Ok(answer) => match missing_route(&answer, Route::Delete) {
                Some(why) => return Offer::CreateOnly(format!("the target has no DELETE ({why})")),
                None => (200..300).contains(&answer.status),
            },
            // No answer says nothing about the route: the cleanup will try.
            Err(_) => false,
        };
        let show = Request::show_connection(&live.project, &live.id);
        match self.send(&show).await {
            Ok(answer) => match missing_route(&answer, Route::Show { deleted }) {
                Some(why) => Offer::CreateOnly(format!("the target has no show ({why})")),
                None => Offer::Cleanup,
            },
            Err(_) => Offer::Cleanup,
        }
    }

    /// Deletes one connection and confirms it is gone; why not, when it could not.
    pub async fn remove(&self, live: &Live) -> Result<(), String> {
        let started = Instant::now();
        let mut wait = Duration::from_millis(250);
        let mut retries = 0;
        loop {
            let delete = Request::delete_connection(&live.project, &live.id);
            let refusal = match self.send(&delete).await {
                Ok(answer) => match answer.status {
                    200..=299 | 404 => return self.confirm(live).await,
                    429 | 500..=599 => Later::Retry(describe(&answer)),
                    400 | 409 => Later::IfCreating(describe(&answer)),
                    _ => {
                        return Err(format!(
                            "the target refused the DELETE: {}",
                            describe(&answer)
                        ))
                    }
                },
                Err(why) if self.stop.reason().is_some() => return Err(why),
                Err(why) => Later::Retry(why),
            };
            match refusal {
                Later::Retry(why) if retries >= 2 => {
                    return Err(format!("DELETE answered {why} three times"))
                }
                Later::Retry(_) => retries += 1,
                Later::IfCreating(refusal) => match self.show(live).await {
                    Shown::Gone => return Ok(()),
                    Shown::State(state)
                        if state.eq_ignore_ascii_case("CREATING")
                            && started.elapsed() < self.patience => {}
                    Shown::State(state) if state.eq_ignore_ascii_case("CREATING") => {
                        return Err(format!(
                            "still CREATING after {} s (DELETE answered {refusal})",
                            started.elapsed().as_secs()
                        ))
                    }
                    // It may have left CREATING between the DELETE and the show.
                    Shown::State(_) if retries < 2 => retries += 1,
                    Shown::State(state) => {
                        return Err(format!(
                            "DELETE answered {refusal}; the connection is {state}"
                        ))
                    }
                    Shown::Unknown(why) => {
                        return Err(format!("DELETE answered {refusal}; show: {why}"))
                    }
                },
            }
            self.pause(wait).await?;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }

    /// Confirms with the show API that the connection is gone, waiting while it is still
    /// being deleted.
    async fn confirm(&self, live: &Live) -> Result<(), String> {
        let started = Instant::now();
        let mut wait = Duration::from_millis(250);
        loop {
            match self.show(live).await {
                Shown::Gone => return Ok(()),
                Shown::State(state) if started.elapsed() >= self.patience => {
                    return Err(format!(
                        "DELETE was accepted but the connection is still {state}"
                    ))
                }
                Shown::Unknown(why) => return Err(format!("cannot confirm the deletion: {why}")),
                Shown::State(_) => {}
            }
            self.pause(wait).await?;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }

    async fn show(&self, live: &Live) -> Shown {
        let answer = match self
            .send(&Request::show_connection(&live.project, &live.id))
            .await
        {
            Ok(answer) => answer,
            Err(why) => return Shown::Unknown(why),
        };
        let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let member = |name: &str| {
            body.as_ref()
                .and_then(|body| body.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        match answer.status {
            404 => Shown::Gone,
            400 if member("error_code").as_deref() == Some("DLI.0002") => Shown::Gone,
            200..=299 => match member("state").or_else(|| member("status")) {
                Some(state) if state.eq_ignore_ascii_case("DELETED") => Shown::Gone,
                Some(state) => Shown::State(state),
                None => Shown::Unknown(format!("show answered {} without a state", answer.status)),
            },
            _ => Shown::Unknown(format!("show answered {}", describe(&answer))),
        }
    }

    /// Sends in the run's pace; an answer, or why none came. A pulled stop ends the request
    /// in flight too.
    async fn send(&self, request: &Request) -> Result<Response, String> {
        let attempted = tokio::select! {
            biased;
            reason = self.stop.stopped() => Attempted::Stopped(reason),
            attempted = self.pace.send(self.target, request, self.timeout, self.stop) => attempted,
        };
        match attempted {
            Attempted::Stopped(reason) => Err(format!("cleanup stopped: {reason}")),
            Attempted::Answer {
                gave_up: Some(reason),
                ..
            } => Err(reason),
            Attempted::Answer { answer, .. } => answer.map_err(|err| err.to_string()),
        }
    }

    async fn pause(&self, wait: Duration) -> Result<(), String> {
        tokio::select! {
            biased;
            reason = self.stop.stopped() => Err(format!("cleanup stopped: {reason}")),
            () = tokio::time::sleep(wait) => Ok(()),
        }
    }
}

/// What a refused DELETE may still become.
enum Later {
    /// An answer that means "not now" (429, 5xx) or none at all: try again.
    Retry(String),
    /// A refusal that means "later" only while the connection is still `CREATING`.
    IfCreating(String),
}

/// A route of the family [`missing_route`] judges an answer of.
#[derive(Clone, Copy)]
enum Route {
    /// DELETE of a connection just created.
    Delete,
    /// Show of it, after a DELETE that was accepted (`deleted`) or not.
    Show { deleted: bool },
}

/// Why an answer of `route` about a connection just created says the route is not there:
/// 404, 405 or 501, or anything else that is not the documented answer (DELETE: 2xx, or 400 or
/// 409 for a connection still `CREATING`; show: 2xx with a state, or once deleted 404 or 400
/// `DLI.0002`). `None` for the documented answers and for those that mean "later" (429, 5xx).
fn missing_route(answer: &Response, route: Route) -> Option<String> {
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let member = |name: &str| {
        body.as_ref()
            .and_then(|body| body.get(name))
            .and_then(Value::as_str)
    };
    match (route, answer.status) {
        (Route::Show { deleted: true }, 404) => None,
        (_, 404 | 405 | 501) => Some(answer.status.to_string()),
        (_, 429 | 500..=599) => None,
        (Route::Delete, 200..=299 | 400 | 409) => None,
        (Route::Show { deleted: true }, 400) if member("error_code") == Some("DLI.0002") => None,
        (Route::Show { .. }, 200..=299) if member("state").or(member("status")).is_some() => None,
        (Route::Show { .. }, 200..=299) => Some(format!("{} without a state", answer.status)),
        _ => Some(describe(answer)),
    }
}

/// Why a list answer says the route is not there: anything but "later" (429, 5xx) or 200 with a
/// `connections` array.
fn missing_list(answer: &Response) -> Option<String> {
    let listed = || {
        serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .is_some_and(|body| body.get("connections").is_some_and(Value::is_array))
    };
    match answer.status {
        404 | 405 | 501 => Some(answer.status.to_string()),
        429 | 500..=599 => None,
        200 if listed() => None,
        200..=299 => Some(format!("{} without connections", answer.status)),
        _ => Some(describe(answer)),
    }
}

/// `400 DLI.0008: message` for an error answer (the message cut at 200 characters).
fn describe(answer: &Response) -> String {
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let member = |name: &str| {
        body.as_ref()
            .and_then(|body| body.get(name))
            .and_then(Value::as_str)
            .map(|text| text.chars().take(200).collect::<String>())
    };
    match (member("error_code"), member("error_msg")) {
        (Some(code), Some(message)) => format!("{} {code}: {message}", answer.status),
        (Some(code), None) => format!("{} {code}", answer.status),
        _ => answer.status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, MockConfig};
    use crate::transport::InProcess;

    async fn create(target: &InProcess, ledger: &Ledger, name: &str) {
        let body = format!(
            r#"{{"name":"{name}","service":"RDS","security_group_id":"s","network_id":"n","url":"u"}}"#
        );
        let request = Request::create_connection("p", body.into());
        let answer = target.send(&request).await.unwrap();
        assert_eq!(answer.status, 201);
        ledger.record_answer(name, &request, &answer).unwrap();
    }

    /// The mock with connections that stay CREATING for `creating_for`.
    fn slow_mock(creating_for: Duration) -> InProcess {
        let config = MockConfig {
            creating_for,
            ..MockConfig::default()
        };
        InProcess::new(mock::router_with(config).unwrap())
    }

    /// Sweeps `ledger`'s connections off `target`, waiting up to `patience` for CREATING ones.
    async fn sweep(target: &InProcess, ledger: &Ledger, patience: Duration) -> Swept {
        let pace = Pace::unlimited();
        let stop = Stop::new(0, None);
        let cleanup = Cleanup {
            target,
            pace: &pace,
            stop: &stop,
            timeout: Duration::from_secs(5),
            patience,
        };
        cleanup.sweep(ledger, &target.base_url()).await
    }

    #[tokio::test]
    async fn connections_still_creating_are_deleted_once_they_can_be() {
        let target = slow_mock(Duration::from_millis(300));
        let ledger = Ledger::open(None, &target.base_url(), "p", Some("run123")).unwrap();
        for name in ["a", "b", "c"] {
            create(&target, &ledger, name).await;
        }
        // A create whose answer was lost: the ledger does not know it, its name says whose it is.
        let lost = Request::create_connection(
            "p",
            r#"{"name":"lost-run123","service":"RDS","security_group_id":"s","network_id":"n","url":"u"}"#.into(),
        );
        assert_eq!(target.send(&lost).await.unwrap().status, 201);
        let swept = sweep(&target, &ledger, Duration::from_secs(60)).await;
        assert_eq!(
            swept,
            Swept {
                deleted: 4,
                found_by_name: 1,
                left: Vec::new()
            }
        );
        assert!(ledger.live().is_empty());
        let list = target.send(&Request::list_connections("p")).await.unwrap();
        let list: Value = serde_json::from_slice(&list.body).unwrap();
        assert_eq!(list["count"], 0);
    }

    #[tokio::test]
    async fn a_connection_that_never_becomes_deletable_is_left_with_the_reason() {
        let target = slow_mock(Duration::from_secs(3600));
        let ledger = Ledger::open(None, &target.base_url(), "p", None).unwrap();
        create(&target, &ledger, "a").await;
        let swept = sweep(&target, &ledger, Duration::ZERO).await;
        assert_eq!(swept.deleted, 0);
        let why = &swept.left[0].1;
        assert!(
            why.starts_with("still CREATING after 0 s (DELETE answered 400 DLI.0008"),
            "{why}"
        );
        assert_eq!(ledger.live().len(), 1);
    }

    fn family_mock(family: mock::Family) -> InProcess {
        let config = MockConfig {
            family,
            ..MockConfig::default()
        };
        InProcess::new(mock::router_with(config).unwrap())
    }

    #[tokio::test]
    async fn the_probe_tells_a_create_only_target_from_one_that_cleans_up() {
        for (family, expected) in [
            (
                mock::Family::CreateOnly,
                Offer::CreateOnly("the target has no DELETE (405)".into()),
            ),
            (mock::Family::Full, Offer::Cleanup),
            (mock::Family::SoftDelete, Offer::Cleanup),
        ] {
            let target = family_mock(family);
            let ledger = Ledger::open(None, &target.base_url(), "p", None).unwrap();
            create(&target, &ledger, "a").await;
            let pace = Pace::unlimited();
            let stop = Stop::new(0, None);
            let cleanup = Cleanup {
                target: &target,
                pace: &pace,
                stop: &stop,
                timeout: Duration::from_secs(5),
                patience: Duration::ZERO,
            };
            let live = ledger.live().remove(0);
            assert_eq!(
                cleanup.probe("p", Some(&live)).await,
                expected,
                "{family:?}"
            );
            let list_offer = match family {
                mock::Family::CreateOnly => {
                    Offer::CreateOnly("the target has no list (405)".into())
                }
                _ => Offer::Cleanup,
            };
            assert_eq!(cleanup.probe("p", None).await, list_offer, "{family:?}");
            if expected == Offer::Cleanup {
                // The sweep confirms the probe's deletion.
                let swept = cleanup.sweep(&ledger, &target.base_url()).await;
                assert_eq!((swept.deleted, swept.left.len()), (1, 0), "{family:?}");
            } else {
                // A DELETE that means "never" is not retried.
                let why = cleanup.remove(&live).await.unwrap_err();
                assert!(
                    why.starts_with("the target refused the DELETE: 405"),
                    "{why}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_soft_deleted_connection_is_gone_and_not_found_again_by_name() {
        let target = family_mock(mock::Family::SoftDelete);
        let ledger = Ledger::open(None, &target.base_url(), "p", Some("run456")).unwrap();
        for name in ["a-run456", "b-run456"] {
            create(&target, &ledger, name).await;
        }
        let swept = sweep(&target, &ledger, Duration::ZERO).await;
        assert_eq!(
            swept,
            Swept {
                deleted: 2,
                found_by_name: 0,
                left: Vec::new()
            }
        );
        let list = target.send(&Request::list_connections("p")).await.unwrap();
        let list: Value = serde_json::from_slice(&list.body).unwrap();
        assert_eq!(list["count"], 2, "a soft delete keeps them listed");
        assert_eq!(list["connections"][0]["state"], "DELETED");
    }

    #[tokio::test]
    async fn ids_cannot_escape_their_path_segment() {
        let request = Request::delete_connection("p", "../../v1.0/p/queues/q?x=1");
        assert_eq!(
            request.path,
            "/v2.0/p/datasource-connection/..%2F..%2Fv1.0%2Fp%2Fqueues%2Fq%3Fx%3D1"
        );
    }
}
