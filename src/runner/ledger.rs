//! The cleanup ledger: every connection a run created, written down before anything else is
//! done with it, so the run (or `dli-conformance cleanup` after a crash) can delete it.
//!
//! The executor hands every answer to [`Ledger::record_answer`]; a 2xx answer to a create that
//! carries a `connection_id` string is appended to the ledger file and flushed before the answer
//! is judged, so a run killed the next moment still knows the connection. The file (`--ledger
//! PATH`) holds JSON lines, one event each, and is only ever appended to:
//! - `{"event":"created","id":…,"case":…,"time":…,"target":…,"project":…,"run":…}` for a
//!   connection made (`run`: the run id its name ends with, when the run has one);
//! - `{"event":"deleted","id":…,"time":…,"target":…,"project":…}` once its deletion was confirmed.
//!
//! [`read`] folds the lines back into the connections still live. A ledger without a file keeps
//! the same record in memory only (runs against loopback mocks). A [`Ledger::counting`] ledger
//! only counts: it is for the embedded mock, whose connections end with the process, so a run of
//! any size keeps nothing per connection and has nothing to clean up. A 2xx answer to a create
//! without a usable `connection_id` is counted ([`Ledger::unidentified`]): such a connection
//! cannot be deleted by id. The ledger never holds a header, a key or a token.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::transport::{Request, Response};

/// One line of the ledger file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// `created` or `deleted`.
    pub event: EventKind,
    /// The connection id.
    pub id: String,
    /// The case whose request created it (on `created` lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// When (RFC 3339, seconds, UTC).
    pub time: String,
    /// The target's base URL.
    pub target: String,
    /// The project id.
    pub project: String,
    /// The run id the names of the run's connections end with (on `created` lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

/// What happened to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A create answered 2xx with this id.
    Created,
    /// Its deletion was confirmed.
    Deleted,
}

/// A connection the ledger says is still live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// The connection id.
    pub id: String,
    /// The case that created it.
    pub case: String,
    /// The target it was created on.
    pub target: String,
    /// The project it was created in.
    pub project: String,
    /// The run id of the run that created it, when it had one.
    pub run: Option<String>,
}

/// A run's record of the connections it created.
pub struct Ledger {
    file: Option<Mutex<File>>,
    path: Option<PathBuf>,
    target: String,
    project: String,
    run: Option<String>,
    runs: Mutex<Vec<(String, String, String)>>,
    live: Mutex<Vec<Live>>,
    /// The ids in `live` not deleted yet, with their position there, so a create or a
    /// deletion finds its entry in constant time (scans of `live` made a 280 000-request run
    /// quadratic). Deleted entries leave this map; `live` keeps them until the ledger goes.
    live_ids: Mutex<std::collections::HashMap<String, usize>>,
    /// False for a [`Ledger::counting`] ledger: creates are counted, not kept.
    keeps: bool,
    created: AtomicU64,
    deleted: AtomicU64,
    unidentified: AtomicU64,
}

impl Ledger {
    /// A ledger appending to `path` (created if missing; what it already holds is kept and
    /// its live connections are picked up), or in memory only when `path` is `None`. Connections
    /// created through it are written down with `target`, `project` and the run id `run`.
    pub fn open(
        path: Option<&Path>,
        target: &str,
        project: &str,
        run: Option<&str>,
    ) -> Result<Ledger, String> {
        let mut runs = Vec::new();
        let (file, live) = match path {
            Some(path) => {
                let live = if path.exists() {
                    let events = read_events(path)?;
                    for event in &events {
                        if let Some(run) = &event.run {
                            let seen = (event.target.clone(), event.project.clone(), run.clone());
                            if !runs.contains(&seen) {
                                runs.push(seen);
                            }
                        }
                    }
                    fold(events)
                } else {
                    Vec::new()
                };
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|err| format!("cannot write the ledger {}: {err}", path.display()))?;
                (Some(Mutex::new(file)), live)
            }
            None => (None, Vec::new()),
        };
        if let Some(run) = run {
            let ours = (target.to_owned(), project.to_owned(), run.to_owned());
            if !runs.contains(&ours) {
                runs.push(ours);
            }
        }
        Ok(Ledger {
            file,
            path: path.map(Path::to_path_buf),
            target: target.to_owned(),
            project: project.to_owned(),
            run: run.map(str::to_owned),
            runs: Mutex::new(runs),
            live_ids: Mutex::new(
                live.iter()
                    .enumerate()
                    .map(|(at, entry)| (entry.id.clone(), at))
                    .collect(),
            ),
            live: Mutex::new(live),
            keeps: true,
            created: AtomicU64::new(0),
            deleted: AtomicU64::new(0),
            unidentified: AtomicU64::new(0),
        })
    }

    /// A ledger that counts creates and keeps nothing: for a target whose connections end
    /// with the run (the embedded mock), so there is nothing to delete.
    pub fn counting(target: &str, project: &str) -> Ledger {
        let mut ledger = Ledger::open(None, target, project, None).expect("no file to open");
        ledger.keeps = false;
        ledger
    }

    /// Whether the ledger keeps the connections it records (false for [`Ledger::counting`]).
    pub fn keeps(&self) -> bool {
        self.keeps
    }

    /// The ledger file, if it has one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes down the connection a 2xx answer to a create made (`case_id` sent `request`).
    /// An error (the file cannot be written) means the run must stop creating.
    pub fn record_answer(
        &self,
        case_id: &str,
        request: &Request,
        response: &Response,
    ) -> Result<(), String> {
        let is_create = request.method == http::Method::POST
            && request
                .path
                .split('?')
                .next()
                .is_some_and(|path| path.ends_with("/datasource-connection"));
        if !is_create || !(200..300).contains(&response.status) {
            return Ok(());
        }
        match connection_id(&response.body) {
            Some(id) => self.created(case_id, &id),
            None => {
                self.unidentified.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        }
    }

    /// Writes down connection `id`, created by case `case_id`.
    pub fn created(&self, case_id: &str, id: &str) -> Result<(), String> {
        if !self.keeps {
            self.created.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.adopt(Live {
            id: id.to_owned(),
            case: case_id.to_owned(),
            target: self.target.clone(),
            project: self.project.clone(),
            run: self.run.clone(),
        })?;
        self.created.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Writes down a live connection found another way (a leftover found by its name), so it
    /// is deleted and marked like the others.
    pub fn adopt(&self, live: Live) -> Result<(), String> {
        if self.lock_ids().contains_key(&live.id) {
            return Ok(());
        }
        self.append(&Event {
            event: EventKind::Created,
            id: live.id.clone(),
            case: Some(live.case.clone()),
            time: now(),
            target: live.target.clone(),
            project: live.project.clone(),
            run: live.run.clone(),
        })?;
        let mut entries = self.lock_live();
        self.lock_ids().insert(live.id.clone(), entries.len());
        entries.push(live);
        Ok(())
    }

    /// Every (target, project, run id) the ledger holds connections of, this run's included:
    /// where to look for leftovers by name.
    pub fn runs(&self) -> Vec<(String, String, String)> {
        self.runs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Marks connection `id` deleted (its deletion was confirmed).
    pub fn deleted(&self, id: &str) -> Result<(), String> {
        let at = self.lock_ids().get(id).copied();
        let (target, project) = at
            .map(|at| {
                let entries = self.lock_live();
                (entries[at].target.clone(), entries[at].project.clone())
            })
            .unwrap_or_else(|| (self.target.clone(), self.project.clone()));
        self.append(&Event {
            event: EventKind::Deleted,
            id: id.to_owned(),
            case: None,
            time: now(),
            target,
            project,
            run: None,
        })?;
        self.deleted.fetch_add(1, Ordering::Relaxed);
        self.lock_ids().remove(id);
        Ok(())
    }

    /// The connections not yet marked deleted (those found in the file when it was opened,
    /// then those created since).
    pub fn live(&self) -> Vec<Live> {
        let entries = self.lock_live();
        let ids = self.lock_ids();
        entries
            .iter()
            .enumerate()
            .filter(|(at, entry)| ids.get(&entry.id) == Some(at))
            .map(|(_, entry)| entry.clone())
            .collect()
    }

    /// Connections created through this ledger.
    pub fn created_count(&self) -> u64 {
        self.created.load(Ordering::Relaxed)
    }

    /// Connections marked deleted through this ledger.
    pub fn deleted_count(&self) -> u64 {
        self.deleted.load(Ordering::Relaxed)
    }

    /// 2xx answers to creates that carried no usable `connection_id`.
    pub fn unidentified(&self) -> u64 {
        self.unidentified.load(Ordering::Relaxed)
    }

    fn lock_ids(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, usize>> {
        self.live_ids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_live(&self) -> std::sync::MutexGuard<'_, Vec<Live>> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn append(&self, event: &Event) -> Result<(), String> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut line = serde_json::to_string(event).expect("an event serializes");
        line.push('\n');
        let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|err| {
                let path = self.path.as_deref().unwrap_or(Path::new("?"));
                format!("cannot write the ledger {}: {err}", path.display())
            })
    }
}

/// The `connection_id` string of a JSON answer body, if it has one.
fn connection_id(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = value.get("connection_id")?.as_str()?;
    (!id.is_empty()).then(|| id.to_owned())
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The connections the ledger at `path` says are live: created and not since deleted, in the
/// order they were created. A line that is not an event is an error naming its line.
pub fn read(path: &Path) -> Result<Vec<Live>, String> {
    read_events(path).map(fold)
}

/// Created and not since deleted, in the order created.
fn fold(events: Vec<Event>) -> Vec<Live> {
    let mut live: Vec<Live> = Vec::new();
    for event in events {
        match event.event {
            EventKind::Created => {
                if !live.iter().any(|l| l.id == event.id) {
                    live.push(Live {
                        id: event.id,
                        case: event.case.unwrap_or_default(),
                        target: event.target,
                        project: event.project,
                        run: event.run,
                    });
                }
            }
            EventKind::Deleted => live.retain(|l| l.id != event.id),
        }
    }
    live
}

/// Every event of the ledger at `path`, in order.
fn read_events(path: &Path) -> Result<Vec<Event>, String> {
    let file = File::open(path)
        .map_err(|err| format!("cannot read the ledger {}: {err}", path.display()))?;
    let mut events = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line =
            line.map_err(|err| format!("cannot read the ledger {}: {err}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let event: Event = serde_json::from_str(&line).map_err(|err| {
            format!(
                "{}:{}: not a ledger event: {err}",
                path.display(),
                index + 1
            )
        })?;
        events.push(event);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn created(body: &'static str) -> Response {
        Response {
            status: 201,
            headers: Vec::new(),
            body: Bytes::from_static(body.as_bytes()),
            body_truncated: false,
        }
    }

    #[test]
    fn created_connections_are_written_at_once_and_deleted_ones_marked() {
        let path = std::env::temp_dir().join(format!("dli-ledger-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let ledger = Ledger::open(Some(&path), "http://127.0.0.1:1", "p", Some("r1")).unwrap();
        let create = Request::create_connection("p", Bytes::from_static(b"{}"));
        ledger
            .record_answer("t/a", &create, &created(r#"{"connection_id":"id-1"}"#))
            .unwrap();
        ledger
            .record_answer("t/b", &create, &created(r#"{"connection_id":"id-2"}"#))
            .unwrap();
        ledger
            .record_answer("t/c", &create, &created(r#"{"is_success":true}"#))
            .unwrap();
        let mut rejected = created(r#"{"connection_id":"id-3"}"#);
        rejected.status = 400;
        ledger.record_answer("t/d", &create, &rejected).unwrap();
        // Read back from the file alone, as `cleanup` does after a crash.
        let live = read(&path).unwrap();
        assert_eq!(
            live.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
            ["id-1", "id-2"]
        );
        assert_eq!(live[0].case, "t/a");
        assert_eq!(ledger.unidentified(), 1);
        ledger.deleted("id-1").unwrap();
        assert_eq!(read(&path).unwrap().len(), 1);
        let reopened = Ledger::open(Some(&path), "http://127.0.0.1:1", "q", None).unwrap();
        assert_eq!(reopened.live()[0].id, "id-2");
        assert_eq!(
            reopened.runs(),
            [(
                "http://127.0.0.1:1".to_owned(),
                "p".to_owned(),
                "r1".to_owned()
            )]
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.lines().all(|line| line.starts_with(r#"{"event":"#)));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_damaged_line_names_itself() {
        let path =
            std::env::temp_dir().join(format!("dli-ledger-bad-{}.jsonl", std::process::id()));
        std::fs::write(&path, "{\"event\":\"created\"}\n").unwrap();
        let err = read(&path).unwrap_err();
        assert!(err.contains(":1: not a ledger event"), "{err}");
        std::fs::remove_file(&path).unwrap();
    }
}
