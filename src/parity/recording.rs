//! Recordings on disk: a folder of snapshot files a person reviews in a pull request, and
//! `recording.toml` saying what was recorded.
//!
//! [`Recorder`] is a [`Reporter`]: `run --record DIR` hands it every judged result; it keeps one
//! short text per result (a few hundred bytes) and at the end of the run writes one file per case
//! file or generator class, `DIR/<case file stem>.snap`, `DIR/prop/<class>.snap`,
//! `DIR/corpus/<corpus>.snap`, each a header and one section per case in id order:
//!
//! ```text
//! # dli-conformance parity recording: review like a snapshot; re-record with `run --record`
//! # spec sha256:0123456789ab, seed 42, run id rec1 (target and time: recording.toml)
//!
//! --- valid/minimal
//! may: A4, A7, A8
//! decision: accepted
//! status: 201
//! content-type: application/json
//! body: object of 3
//! body/is_success: boolean true
//! body/message: string ""
//! body/connection_id: string "[uuid]"
//! ```
//!
//! (`may`: the MAY clauses the case touches; then one line per node of the answer's JSON,
//! keyed by JSON pointer below `body`). The `.snap` files hold nothing that changes between two
//! recordings of the same server at the same seed and run id, so they are byte-identical; the
//! target's URL and the time go to `recording.toml` ([`RecordingMeta`]), rewritten each time
//! and never compared. Before writing, the `.snap` files already in the folder are removed (no
//! stale case survives a re-recording); nothing else in it is touched. A run that stopped early
//! (interrupted, `--max-time`, the target stopped answering) or recorded nothing writes nothing
//! and leaves the folder as it was (the report error makes the run exit 2). [`Recording::load`] reads
//! a folder back, strictly: a line that is not a fact is an error naming file and line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::snapshot::Snapshot;
use crate::report::Reporter;
use crate::result::{CaseResult, RunRecord};
use crate::spec::clause::{ClauseId, Level};

/// The file beside the snapshots that says what was recorded.
pub const META_FILE: &str = "recording.toml";

/// The extension of snapshot files.
pub const SNAP_EXTENSION: &str = "snap";

/// What a recording is: `recording.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingMeta {
    /// `dli-conformance <version>` that recorded it.
    pub tool: String,
    /// The recorded target's base URL (the embedded mock's is a loopback URL).
    pub target: String,
    /// When the recording was made (RFC 3339, seconds).
    pub recorded_at: String,
    /// The spec revision the cases followed.
    pub spec: String,
    /// The generator seed (`run --parity` uses it; generated bodies differ under another).
    pub seed: u64,
    /// The run id generated names ended with (`run --parity` uses it too).
    pub run_id: String,
    /// Generated examples per class.
    pub examples: usize,
    /// The profile the run judged by.
    pub profile: String,
}

/// A recording read back: its meta and one snapshot per case id.
#[derive(Debug, Clone)]
pub struct Recording {
    /// `recording.toml`.
    pub meta: RecordingMeta,
    /// Snapshots by case id.
    pub snapshots: BTreeMap<String, Snapshot>,
}

impl Recording {
    /// Reads the recording in `dir`; an error names the file (and line) at fault. A folder
    /// without snapshots is an error (a typo in the path must not pass as "no differences").
    pub fn load(dir: &Path) -> Result<Recording, String> {
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&meta_path).map_err(|err| {
            format!(
                "cannot read {}: {err} (is {} a recording made with `run --record`?)",
                meta_path.display(),
                dir.display()
            )
        })?;
        let meta: RecordingMeta = toml::from_str(&text)
            .map_err(|err| format!("{}: not a recording's meta: {err}", meta_path.display()))?;
        let mut snapshots = BTreeMap::new();
        for path in snap_files(dir)? {
            let text = std::fs::read_to_string(&path)
                .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
            for snapshot in parse(&path, &text)? {
                if let Some(old) = snapshots.insert(snapshot.case.clone(), snapshot) {
                    return Err(format!(
                        "{}: case {:?} is recorded twice",
                        path.display(),
                        old.case
                    ));
                }
            }
        }
        if snapshots.is_empty() {
            return Err(format!("{} holds no .snap file", dir.display()));
        }
        Ok(Recording { meta, snapshots })
    }
}

/// Every `.snap` file below `dir`, sorted.
fn snap_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|err| format!("cannot read {}: {err}", folder.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|err| format!("cannot read {}: {err}", folder.display()))?
                .path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == SNAP_EXTENSION) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The snapshot file a case id goes to, below the recording folder: `prop/<class>`,
/// `corpus/<corpus>`, otherwise the case file's stem (the id's first segment). Segments keep
/// only letters, digits, `.`, `_` and `-` (anything else becomes `_`; `..` cannot occur).
pub fn file_of(id: &str) -> PathBuf {
    let parts: Vec<&str> = id.split('/').collect();
    let take = match parts.first() {
        Some(&"prop") | Some(&"corpus") if parts.len() > 2 => 2,
        _ => 1,
    };
    let mut path = PathBuf::new();
    for part in &parts[..take.min(parts.len())] {
        let safe: String = part
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        path.push(safe);
    }
    path.set_extension(SNAP_EXTENSION);
    path
}

/// Where a case's section goes in its file: (id less its last segment, that segment's number
/// or `u64::MAX`, the segment when it is not a number).
type OrderKey = (String, u64, String);

/// A case id's sort key: generated and corpus examples in numeric order (`prop/c/2` before
/// `prop/c/10`).
fn order_key(id: &str) -> OrderKey {
    let (head, last) = id.rsplit_once('/').unwrap_or(("", id));
    match last.parse::<u64>() {
        Ok(number) => (head.to_owned(), number, String::new()),
        Err(_) => (head.to_owned(), u64::MAX, last.to_owned()),
    }
}

/// A fact's key as written: bare unless it holds `": "` or a quote, then a JSON string.
fn write_key(key: &str) -> String {
    if key.contains(": ") || key.starts_with('"') || key.contains('\n') {
        serde_json::to_string(key).expect("a string serializes")
    } else {
        key.to_owned()
    }
}

/// One snapshot's section.
pub fn render(snapshot: &Snapshot) -> String {
    let mut out = format!("--- {}\n", snapshot.case);
    let mays: Vec<&str> = snapshot
        .clauses
        .iter()
        .filter(|c| c.level() == Level::May)
        .map(|c| c.id())
        .collect();
    if !mays.is_empty() {
        let _ = writeln!(out, "may: {}", mays.join(", "));
    }
    for (key, value) in &snapshot.facts {
        let _ = writeln!(out, "{}: {value}", write_key(key));
    }
    out
}

/// The snapshots of one file's text; an error names `path` and the line.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Snapshot>, String> {
    let mut snapshots: Vec<Snapshot> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fail = |why: &str| format!("{}:{}: {why}: {line:?}", path.display(), index + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(case) = line.strip_prefix("--- ") {
            snapshots.push(Snapshot {
                case: case.to_owned(),
                clauses: Vec::new(),
                facts: Vec::new(),
            });
            continue;
        }
        let Some(current) = snapshots.last_mut() else {
            return Err(fail("a fact before the first `--- CASE` line"));
        };
        let (key, value) = if line.starts_with('"') {
            let mut keys = serde_json::Deserializer::from_str(line).into_iter::<String>();
            let key = keys
                .next()
                .and_then(Result::ok)
                .ok_or_else(|| fail("a quoted key that is not a JSON string"))?;
            let rest = &line[keys.byte_offset()..];
            let value = rest
                .strip_prefix(": ")
                .ok_or_else(|| fail("expected `KEY: VALUE`"))?;
            (key, value.to_owned())
        } else {
            let (key, value) = line
                .split_once(": ")
                .ok_or_else(|| fail("expected `KEY: VALUE`"))?;
            (key.to_owned(), value.to_owned())
        };
        if key == "may" && current.facts.is_empty() {
            current.clauses = value
                .split(", ")
                .filter(|id| !id.is_empty())
                .map(ClauseId::parse_or_explain)
                .collect::<Result<_, _>>()
                .map_err(|why| fail(&why))?;
        } else {
            current.facts.push((key, value));
        }
    }
    Ok(snapshots)
}

/// `run --record DIR`: keeps each result's snapshot text and writes the folder at the end.
pub struct Recorder {
    dir: PathBuf,
    meta: RecordingMeta,
    files: BTreeMap<PathBuf, Vec<(OrderKey, String)>>,
}

impl Recorder {
    /// A recorder writing to `dir` (created if missing) what `meta` describes. Fails early when
    /// the folder cannot be made.
    pub fn create(dir: &Path, meta: RecordingMeta) -> io::Result<Recorder> {
        std::fs::create_dir_all(dir)?;
        Ok(Recorder {
            dir: dir.to_path_buf(),
            meta,
            files: BTreeMap::new(),
        })
    }

    fn header(&self) -> String {
        format!(
            "# dli-conformance parity recording: review like a snapshot; re-record with `run --record`\n# spec {}, seed {}, run id {} (target and time: {META_FILE})\n",
            self.meta.spec, self.meta.seed, self.meta.run_id
        )
    }
}

impl Reporter for Recorder {
    fn result(&mut self, result: &CaseResult, _failure: Option<&str>) -> io::Result<()> {
        if let Some(snapshot) = Snapshot::of(result, &self.meta.run_id) {
            self.files
                .entry(file_of(&result.id))
                .or_default()
                .push((order_key(&result.id), render(&snapshot)));
        }
        Ok(())
    }

    fn finish(&mut self, record: &RunRecord) -> io::Result<()> {
        if let Some(reason) = &record.stopped {
            return Err(io::Error::other(format!(
                "the run stopped early ({reason}): nothing written, the folder is as it was"
            )));
        }
        if self.files.is_empty() {
            return Err(io::Error::other(
                "no result to record: nothing written, the folder is as it was",
            ));
        }
        if let Ok(old) = snap_files(&self.dir) {
            for path in old {
                std::fs::remove_file(path)?;
            }
        }
        let header = self.header();
        for (file, sections) in &mut self.files {
            sections.sort();
            let mut text = header.clone();
            for (_, section) in sections.iter() {
                text.push('\n');
                text.push_str(section);
            }
            let path = self.dir.join(file);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        let meta = toml::to_string(&self.meta).map_err(io::Error::other)?;
        std::fs::write(self.dir.join(META_FILE), meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_follow_the_case_file_or_class_and_examples_sort_by_number() {
        assert_eq!(file_of("valid/minimal"), PathBuf::from("valid.snap"));
        assert_eq!(file_of("prop/may-ct/7"), PathBuf::from("prop/may-ct.snap"));
        assert_eq!(
            file_of("corpus/blns/12/name"),
            PathBuf::from("corpus/blns.snap")
        );
        assert_eq!(file_of("../x/y"), PathBuf::from("__.snap"));
        assert!(order_key("prop/c/2") < order_key("prop/c/10"));
    }

    fn answered(id: &str, status: u16, body: &'static str) -> CaseResult {
        let mut result = crate::result::tests::result(id, &[ClauseId::A2], &[]);
        result.response = Some(crate::transport::Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: bytes::Bytes::from_static(body.as_bytes()),
            body_truncated: false,
        });
        result
    }

    fn record(stopped: Option<&str>) -> RunRecord {
        RunRecord {
            target: String::new(),
            tally: crate::result::Tally::default(),
            requests: 0,
            elapsed: std::time::Duration::ZERO,
            strict: false,
            stopped: stopped.map(str::to_owned),
            baseline: None,
            concurrency: None,
        }
    }

    #[test]
    fn a_recorder_writes_sections_that_load_back_and_a_stopped_run_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("dli-recorder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let meta = RecordingMeta {
            tool: "t".into(),
            target: "http://127.0.0.1:1".into(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
            spec: "sha256:0".into(),
            seed: 3,
            run_id: "r1".into(),
            examples: 1,
            profile: "seed".into(),
        };
        let mut recorder = Recorder::create(&dir, meta.clone()).unwrap();
        let created =
            r#"{"is_success":true,"connection_id":"0f8fad5b-d9cb-469f-a165-70867728950e"}"#;
        recorder
            .result(&answered("t/b", 201, created), None)
            .unwrap();
        let refused = r#"{"error_code":"DLI.0001","error_msg":"name x-r1 is taken"}"#;
        recorder
            .result(&answered("t/a", 400, refused), None)
            .unwrap();
        recorder.finish(&record(None)).unwrap();
        let text = std::fs::read_to_string(dir.join("t.snap")).unwrap();
        assert!(
            text.find("--- t/a").unwrap() < text.find("--- t/b").unwrap(),
            "{text}"
        );
        assert!(
            text.contains("body/error_msg: string \"name x-[run-id] is taken\"\n"),
            "{text}"
        );
        assert!(
            text.contains("body/connection_id: string \"[uuid]\"\n"),
            "{text}"
        );
        let loaded = Recording::load(&dir).unwrap();
        assert_eq!(loaded.meta, meta);
        assert_eq!(loaded.snapshots["t/b"].fact("status"), Some("201"));
        assert_eq!(loaded.snapshots["t/a"].clauses, [ClauseId::A2]);

        let mut stopped = Recorder::create(&dir, meta).unwrap();
        stopped
            .result(&answered("t/c", 201, created), None)
            .unwrap();
        assert!(stopped.finish(&record(Some("interrupted"))).is_err());
        assert_eq!(std::fs::read_to_string(dir.join("t.snap")).unwrap(), text);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_section_reads_back_as_written() {
        let snapshot = Snapshot {
            case: "t/a".into(),
            clauses: vec![ClauseId::A2, ClauseId::A4],
            facts: vec![
                ("decision".into(), "rejected".into()),
                ("body/odd: key".into(), "string \"x: y\"".into()),
            ],
        };
        let text = render(&snapshot);
        assert_eq!(parse(Path::new("t.snap"), &text), Ok(vec![snapshot]));
        let bad = parse(Path::new("t.snap"), "--- t/a\nnonsense\n").unwrap_err();
        assert!(bad.starts_with("t.snap:2: expected `KEY: VALUE`"), "{bad}");
    }
}
