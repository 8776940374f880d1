//! Merging the JSON reports of a partitioned run (`dli-conformance merge-reports -o OUT IN...`).
//!
//! Each input is read as a stream (one result at a time, never the whole document), and every
//! result is written to the merged document and folded into one [`Tally`] through the same
//! [`Tally::add_facts`] a run uses, so the merged `summary`, clause matrix, MAY choices, setup
//! problems, not-run reasons and parity counts are what one unpartitioned run would have written. The
//! run-wide `connection_id` uniqueness check is done here over all shards: a result whose id
//! another shard's result already got gains a `resp.created.connection_id.unique` violation
//! and fails. Inputs that name their partition (`--partition` writes it in the head) must be
//! the complete set of shards of one scheme, with one seed; the baseline entries' counters are
//! added up (an entry is fixed only when the whole run says so).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::{json, Map, Value};

use super::json::JsonReport;
use crate::case::Expect;
use crate::check::{Decision, Outcome};
use crate::partition::Partition;
use crate::result::BaselineStatus;
use crate::result::{ResultFacts, RunMeta, RunRecord, Tally};
use crate::spec::clause::{ClauseId, Profile};

/// What a merge produced.
#[derive(Debug)]
pub struct Merged {
    /// The merged record (what a run's end-of-run text and exit code read).
    pub record: RunRecord,
    /// The merged head.
    pub meta: RunMeta,
    /// Results that broke `connection_id` uniqueness across shards.
    pub duplicate_ids: u64,
}

/// A report that cannot be merged; the message names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError(pub String);

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// Merges the JSON reports `inputs` into `output` (written beside it and renamed when
/// complete: a merge that fails leaves no output). An output that is one of the inputs is
/// refused before anything is read.
pub fn merge_reports(output: &Path, inputs: &[PathBuf]) -> Result<Merged, MergeError> {
    if inputs.is_empty() {
        return Err(MergeError("no report to merge".into()));
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if let Some(input) = inputs.iter().find(|input| same(input, output)) {
        return Err(MergeError(format!(
            "the output {} is one of the reports to merge ({}): name another with -o",
            output.display(),
            input.display()
        )));
    }
    let mut tally = Tally::default();
    let mut first_with: HashMap<u128, (usize, Box<str>)> = HashMap::new();
    let mut writer: Option<JsonReport> = None;
    let mut heads = Vec::new();
    let mut closings = Vec::new();
    let mut duplicate_ids = 0;
    // (shard, result id) -> the clause list later results of that shard refer to with `as`:
    // the first result of each list (as the writer refers to it), so one entry per list.
    let mut clause_lists: HashMap<(usize, String), Value> = HashMap::new();
    let mut lists_seen: HashSet<(usize, String)> = HashSet::new();
    for (shard, input) in inputs.iter().enumerate() {
        let shown = input.display().to_string();
        let cannot = |message: String| MergeError(format!("cannot merge {shown}: {message}"));
        let mut error: Option<MergeError> = None;
        let members = read_report(input, &mut |head, mut result| {
            if error.is_some() {
                return;
            }
            if writer.is_none() {
                match meta_of(head).map_err(&cannot).and_then(|meta| {
                    JsonReport::create(output, &meta).map_err(|err| {
                        MergeError(format!("cannot write {}: {err}", output.display()))
                    })
                }) {
                    Ok(report) => writer = Some(report),
                    Err(err) => return error = Some(err),
                }
            }
            if let Some(key) = connection_key(&result) {
                let id = result["id"].as_str().unwrap_or_default();
                match first_with.get(&key) {
                    // A repeat within one shard was flagged by that shard's run.
                    Some((first_shard, first_id))
                        if *first_shard != shard && !flags_reuse(&result) =>
                    {
                        duplicate_ids += 1;
                        add_duplicate_violation(&mut result, first_id, &inputs[*first_shard]);
                    }
                    Some(_) => {}
                    None => {
                        first_with.insert(key, (shard, id.into()));
                    }
                }
            }
            let id = result["id"].as_str().unwrap_or_default().to_owned();
            let clauses = match &result["clauses"] {
                Value::Object(refer) => {
                    let first = refer.get("as").and_then(Value::as_str).unwrap_or_default();
                    match clause_lists.get(&(shard, first.to_owned())) {
                        Some(list) => list.clone(),
                        None => {
                            return error = Some(cannot(format!(
                                "result {id}: its clauses are those of {first:?}, which came before it in no result"
                            )))
                        }
                    }
                }
                list => {
                    if lists_seen.insert((shard, list.to_string())) {
                        clause_lists.insert((shard, id), list.clone());
                    }
                    list.clone()
                }
            };
            let folded = with_facts(&result, &clauses, |facts| tally.add_facts(facts, None))
                .and_then(|()| tally.parity.add_reported(&result, &clauses));
            if let Err(message) = folded {
                return error = Some(cannot(message));
            }
            if let Some(report) = &mut writer {
                if let Err(err) = report.write_value(&result) {
                    error = Some(MergeError(format!(
                        "cannot write {}: {err}",
                        output.display()
                    )));
                }
            }
        })
        .map_err(&cannot)?;
        if let Some(error) = error {
            return Err(error);
        }
        heads.push((shown.clone(), meta_of(&members).map_err(&cannot)?));
        closings.push(members);
    }
    check_shards(&heads)?;
    let meta = merged_meta(&heads);
    let record = merged_record(&meta, tally, &closings);
    let mut report = match writer {
        Some(report) => report,
        None => JsonReport::create(output, &meta)
            .map_err(|err| MergeError(format!("cannot write {}: {err}", output.display())))?,
    };
    use super::Reporter as _;
    report
        .finish(&record)
        .map_err(|err| MergeError(format!("cannot write {}: {err}", output.display())))?;
    Ok(Merged {
        record,
        meta,
        duplicate_ids,
    })
}

/// The shards must be one complete partition (or none of them partitioned), with one seed.
fn check_shards(heads: &[(String, RunMeta)]) -> Result<(), MergeError> {
    let seeds: BTreeSet<Option<u64>> = heads.iter().map(|(_, meta)| meta.seed).collect();
    if seeds.len() > 1 {
        return Err(MergeError(format!(
            "the reports were run with different seeds ({seeds:?}): their generated bodies differ"
        )));
    }
    let partitions: Vec<(&String, Option<Partition>)> = heads
        .iter()
        .map(|(path, meta)| {
            let partition = meta.partition.as_deref().and_then(|p| p.parse().ok());
            (path, partition)
        })
        .collect();
    if partitions.iter().all(|(_, p)| p.is_none()) {
        return Ok(());
    }
    let Some((_, Some(first))) = partitions.iter().find(|(_, p)| p.is_some()) else {
        unreachable!("one report has a partition");
    };
    let mut seen = BTreeSet::new();
    for (path, partition) in &partitions {
        match partition {
            Some(p) if p.scheme == first.scheme && p.total == first.total => {
                if !seen.insert(p.shard) {
                    return Err(MergeError(format!("{path}: shard {p} is given twice")));
                }
            }
            Some(p) => {
                return Err(MergeError(format!(
                    "{path}: shard {p} is not of the same partition as {first}"
                )))
            }
            None => {
                return Err(MergeError(format!(
                    "{path} is not a shard (run without --partition) but other reports are"
                )))
            }
        }
    }
    let missing: Vec<String> = (1..=first.total)
        .filter(|k| !seen.contains(k))
        .map(|k| format!("{k}/{}", first.total))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError(format!(
            "shards missing: {} (merge every shard of the partition)",
            missing.join(", ")
        )));
    }
    Ok(())
}

fn merged_meta(heads: &[(String, RunMeta)]) -> RunMeta {
    let mut meta = heads[0].1.clone();
    let targets: BTreeSet<&str> = heads.iter().map(|(_, m)| m.target.as_str()).collect();
    meta.target = targets.into_iter().collect::<Vec<_>>().join(", ");
    meta.started_at = heads
        .iter()
        .map(|(_, m)| m.started_at.clone())
        .min()
        .unwrap_or_default();
    meta.partition = None;
    meta
}

fn merged_record(meta: &RunMeta, tally: Tally, closings: &[Map<String, Value>]) -> RunRecord {
    let summary = |member: &Map<String, Value>, key: &str| member["summary"][key].clone();
    let requests = closings
        .iter()
        .map(|c| summary(c, "requests").as_u64().unwrap_or(0))
        .sum();
    let seconds = closings
        .iter()
        .map(|c| summary(c, "seconds").as_f64().unwrap_or(0.0))
        .fold(0.0, f64::max);
    let stopped: Vec<String> = closings
        .iter()
        .filter_map(|c| summary(c, "stopped").as_str().map(str::to_owned))
        .collect();
    let mut baseline: Option<BaselineStatus> = None;
    for closing in closings {
        let Some(theirs) = closing
            .get("baseline")
            .and_then(|b| serde_json::from_value::<BaselineStatus>(b.clone()).ok())
        else {
            continue;
        };
        match &mut baseline {
            Some(mine) => mine.merge(&theirs),
            None => baseline = Some(theirs),
        }
    }
    RunRecord {
        target: meta.target.clone(),
        tally,
        requests,
        elapsed: Duration::from_secs_f64(seconds),
        strict: closings
            .iter()
            .any(|c| summary(c, "strict").as_bool() == Some(true)),
        stopped: (!stopped.is_empty()).then(|| stopped.join("; ")),
        baseline,
        concurrency: None,
    }
}

/// The head of a report as [`RunMeta`].
fn meta_of(members: &Map<String, Value>) -> Result<RunMeta, String> {
    let text = |key: &str| {
        members
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                format!("no {key:?} in the report's head (not a dli-conformance JSON report?)")
            })
    };
    let profile: Profile = text("profile")?.parse()?;
    Ok(RunMeta {
        tool: text("tool")?,
        target: text("target")?,
        started_at: text("started_at")?,
        seed: members.get("seed").and_then(Value::as_u64),
        profile,
        spec: text("spec").unwrap_or_default(),
        partition: members
            .get("partition")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn connection_key(result: &Value) -> Option<u128> {
    let id = result.get("connection_id")?.as_str()?;
    uuid::Uuid::try_parse(id).ok().map(|uuid| uuid.as_u128())
}

fn flags_reuse(result: &Value) -> bool {
    let unique = ClauseId::RespCreatedConnectionIdUnique.id();
    result["violations"]
        .as_array()
        .is_some_and(|violations| violations.iter().any(|v| v["clause"] == unique))
}

fn add_duplicate_violation(result: &mut Value, first_id: &str, first_report: &Path) {
    let id = result["connection_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let violation = json!({
        "clause": ClauseId::RespCreatedConnectionIdUnique,
        "pointer": "/body/connection_id",
        "expected": "an id no other create returned",
        "actual": format!("{id:?}, already returned to {first_id} (in {})", first_report.display()),
        "message": "two successful creates returned the same connection_id",
    });
    if let Some(violations) = result["violations"].as_array_mut() {
        violations.push(violation);
    } else {
        result["violations"] = json!([violation]);
    }
    if !matches!(result["outcome"].as_str(), Some("skip" | "setup")) {
        result["outcome"] = json!("fail");
    }
}

/// Calls `fold` with the facts of a result read from a report, whose clause list is `clauses`.
fn with_facts(
    result: &Value,
    clauses: &Value,
    fold: impl FnOnce(&ResultFacts<'_>),
) -> Result<(), String> {
    let id = result["id"].as_str().ok_or("a result without an id")?;
    let bad = |what: &str| format!("result {id}: {what}");
    let clause_list = |list: &Value, key: Option<&str>| -> Result<Vec<ClauseId>, String> {
        let Some(items) = list.as_array() else {
            return Ok(Vec::new());
        };
        items
            .iter()
            .map(|item| {
                let text = match key {
                    Some(key) => item[key].as_str(),
                    None => item.as_str(),
                };
                text.and_then(ClauseId::parse)
                    .ok_or_else(|| bad(&format!("unknown clause {item}")))
            })
            .collect()
    };
    let clauses = clause_list(clauses, None)?;
    let expect: Expect =
        serde_json::from_value(result["expect"].clone()).map_err(|_| bad("bad expect"))?;
    let outcome: Outcome =
        serde_json::from_value(result["outcome"].clone()).map_err(|_| bad("bad outcome"))?;
    let decision: Decision =
        serde_json::from_value(result["decision"].clone()).map_err(|_| bad("bad decision"))?;
    let facts = ResultFacts {
        id,
        clauses: &clauses,
        expect,
        outcome,
        broken: clause_list(&result["violations"], Some("clause"))?,
        known: clause_list(&result["known"], Some("clause"))?,
        skipped: result["skipped"].as_str(),
        setup: result["setup_problem"].as_str(),
        decision,
        class: result["generated"]["class"].as_str(),
    };
    fold(&facts);
    Ok(())
}

/// Reads a JSON report as a stream: `on_result(head so far, result)` for each member of
/// `results` as it is read; gives every other member.
pub fn read_report(
    path: &Path,
    on_result: &mut dyn FnMut(&Map<String, Value>, Value),
) -> Result<Map<String, Value>, String> {
    let file = File::open(path).map_err(|err| err.to_string())?;
    let mut deserializer = serde_json::Deserializer::from_reader(BufReader::new(file));
    let members = deserializer
        .deserialize_map(DocumentVisitor { on_result })
        .map_err(|err| format!("not a JSON report: {err}"))?;
    deserializer
        .end()
        .map_err(|err| format!("not a JSON report: {err}"))?;
    Ok(members)
}

struct DocumentVisitor<'f> {
    on_result: &'f mut dyn FnMut(&Map<String, Value>, Value),
}

impl<'de> Visitor<'de> for DocumentVisitor<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a dli-conformance JSON report (an object with `results`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "results" {
                map.next_value_seed(ResultsSeed {
                    head: &members,
                    on_result: &mut *self.on_result,
                })?;
            } else {
                let value: Value = map.next_value()?;
                members.insert(key, value);
            }
        }
        Ok(members)
    }
}

struct ResultsSeed<'a, 'f> {
    head: &'a Map<String, Value>,
    on_result: &'a mut (dyn FnMut(&Map<String, Value>, Value) + 'f),
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(result) = seq.next_element::<Value>()? {
            (self.on_result)(self.head, result);
        }
        Ok(())
    }
}
