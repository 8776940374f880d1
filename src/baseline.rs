//! Known deviations: a reviewed TOML file in, results with accepted violations set aside out.
//!
//! A team whose server has a deviation it cannot fix yet (say it answers 200 instead of 201
//! until next quarter) lists it in a baseline file, reviewed in pull requests like code, and
//! runs `run --baseline FILE`: the gate stays green for that deviation and still catches
//! anything new. (Web Platform Tests' `expected: FAIL` metadata, wasmtime's `should_fail`,
//! with the expiry dates reviewers ask for.) The file:
//!
//! ```toml
//! [[known]]
//! case = "valid/*"                    # a case id, or a glob over ids (`*`, `?`, `[...]`)
//! clause = "resp.created.status"      # the clause id the deviation breaks
//! reason = "answers 200 until the Q3 release (TICKET-123)"
//! expires = 2027-03-01                # a TOML date; the entry no longer holds from that day on
//! ```
//!
//! - `case` is matched against the case id for cases from files and against `prop/<class>`
//!   for generated results, so an entry covers a generator class whatever the seed or the
//!   example index (`prop/url-*` covers every url class).
//! - All four keys are required; an unknown key, an unknown clause id, a date with a time, a
//!   bad glob or an empty reason is an error naming the file and the entry (exit 2).
//!
//! [`Baseline::apply`] is the runner's hook, called for every result before the sink: a
//! violation of a result whose subject matches a live entry with that clause is moved from the
//! verdict to [`CaseResult::known`], so the result reads `known` (not a failure) when nothing
//! else broke, everywhere: the trial, the summary, the matrix, JSON, JUnit and Markdown.
//! [`Baseline::status`] closes the run with one [`EntryStatus`] per entry: `known` (it accepted
//! a failure), `fixed` (cases it matches ran and none broke its clause: remove it), `unused`
//! (no case it matches ran, e.g. under a filter or a partition) or `expired` (it accepts
//! nothing, and fails the run: exit 1, naming it). [`BaselineWriter`] is the report behind
//! `--write-baseline PATH`: the run's failures as a starting file, with a placeholder reason
//! and an expiry [`WRITTEN_EXPIRY_DAYS`] days out (entries that were already known keep theirs).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use crate::case::Source;
use crate::check::Outcome;
use crate::report::Reporter;
use crate::result::{BaselineStatus, CaseResult, EntryStatus, KnownViolation, RunRecord};
use crate::spec::clause::{ClauseId, Level};

/// Days from today to the expiry of an entry `--write-baseline` writes.
pub const WRITTEN_EXPIRY_DAYS: u64 = 90;

/// The reason `--write-baseline` writes for a new entry, for a reviewer to replace.
pub const PLACEHOLDER_REASON: &str = "TODO: why this deviation is accepted, and until when";

/// A loaded baseline, with what the run has matched so far.
#[derive(Debug)]
pub struct Baseline {
    path: PathBuf,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    case: String,
    pattern: glob::Pattern,
    clause: ClauseId,
    reason: String,
    expires: String,
    expired: bool,
    ran: AtomicU64,
    hits: AtomicU64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    #[serde(default)]
    known: Vec<EntryFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    case: String,
    clause: String,
    reason: String,
    expires: toml::value::Datetime,
}

/// A baseline file that cannot be used; the message names the file and the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineError(pub String);

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BaselineError {}

impl Baseline {
    /// Reads the baseline at `path`; entries whose date is on or before `today`
    /// (`YYYY-MM-DD`, see [`today`]) are expired.
    pub fn load(path: &Path, today: &str) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            BaselineError(format!("cannot read baseline {}: {err}", path.display()))
        })?;
        Baseline::parse(path, &text, today)
    }

    /// Parses a baseline's text (`path` is for messages).
    pub fn parse(path: &Path, text: &str, today: &str) -> Result<Baseline, BaselineError> {
        let shown = path.display();
        let file: BaselineFile = toml::from_str(text)
            .map_err(|err| BaselineError(format!("invalid baseline {shown}: {err}")))?;
        let mut entries = Vec::with_capacity(file.known.len());
        for (index, raw) in file.known.into_iter().enumerate() {
            let at = |message: String| {
                BaselineError(format!(
                    "invalid baseline {shown}: entry {} (case {:?}): {message}",
                    index + 1,
                    raw.case
                ))
            };
            let clause = ClauseId::parse(&raw.clause)
                .ok_or_else(|| at(format!("unknown clause id {:?}", raw.clause)))?;
            let pattern = glob::Pattern::new(&raw.case)
                .map_err(|err| at(format!("invalid case pattern: {err}")))?;
            if raw.reason.trim().is_empty() {
                return Err(at("empty reason (say why the deviation is accepted)".into()));
            }
            let expires = match (raw.expires.date, raw.expires.time) {
                (Some(date), None) => date.to_string(),
                _ => {
                    return Err(at(format!(
                        "expires = {} is not a date (write it as YYYY-MM-DD, unquoted)",
                        raw.expires
                    )))
                }
            };
            entries.push(Entry {
                expired: expires.as_str() <= today,
                case: raw.case,
                pattern,
                clause,
                reason: raw.reason,
                expires,
                ran: AtomicU64::new(0),
                hits: AtomicU64::new(0),
            });
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The runner's hook: moves every violation of `result` that a live entry accepts to
    /// `result.known`, and counts what each entry matched.
    pub fn apply(&self, result: &mut CaseResult) {
        if result.skipped.is_some() || result.verdict.setup.is_some() {
            return;
        }
        let subject = subject(result);
        for entry in &self.entries {
            if !entry.pattern.matches(&subject) {
                continue;
            }
            entry.ran.fetch_add(1, Ordering::Relaxed);
            let breaks = |clause: ClauseId| clause == entry.clause;
            let hit = result.verdict.violations.iter().any(|v| breaks(v.clause))
                || result.known.iter().any(|k| breaks(k.violation.clause));
            if !hit {
                continue;
            }
            entry.hits.fetch_add(1, Ordering::Relaxed);
            if entry.expired {
                continue;
            }
            let (accepted, kept) = std::mem::take(&mut result.verdict.violations)
                .into_iter()
                .partition(|v| breaks(v.clause));
            result.verdict.violations = kept;
            result
                .known
                .extend(accepted.into_iter().map(|violation| KnownViolation {
                    violation,
                    reason: entry.reason.clone(),
                    expires: entry.expires.clone(),
                }));
        }
    }

    /// Every entry with what it matched so far.
    pub fn status(&self) -> BaselineStatus {
        BaselineStatus {
            path: self.path.display().to_string(),
            entries: self
                .entries
                .iter()
                .map(|entry| EntryStatus {
                    case: entry.case.clone(),
                    clause: entry.clause,
                    reason: entry.reason.clone(),
                    expires: entry.expires.clone(),
                    expired: entry.expired,
                    ran: entry.ran.load(Ordering::Relaxed),
                    hits: entry.hits.load(Ordering::Relaxed),
                })
                .collect(),
        }
    }
}

/// What a baseline entry's `case` is matched against: `prop/<class>` for a generated result
/// (never its example index), the case id otherwise.
pub fn subject(result: &CaseResult) -> String {
    match &result.source {
        Source::Generated { class, .. } => format!("prop/{class}"),
        Source::File { .. } | Source::Corpus { .. } => result.id.clone(),
    }
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    date_of(SystemTime::now())
}

/// The UTC date of `time`, `YYYY-MM-DD`.
pub fn date_of(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()[..10].to_owned()
}

/// `--write-baseline PATH`: the run's failures as baseline entries, one per subject (case id,
/// or `prop/<class>`) and clause. When every judged case of a file that exercises a clause
/// broke it (a server answering 200 to every create), the file's entries for that clause
/// become one, `file/*`. Warnings are written only under `--strict`, where they fail.
pub struct BaselineWriter {
    path: PathBuf,
    expires: String,
    entries: BTreeMap<(String, ClauseId), Written>,
    /// Judged results of cases from files, by id prefix (the file) and clause exercised.
    exercised: BTreeMap<(String, ClauseId), u64>,
}

struct Written {
    level: Level,
    reason: String,
    expires: Option<String>,
}

impl BaselineWriter {
    /// A writer for `path`; new entries expire [`WRITTEN_EXPIRY_DAYS`] days after `now`.
    pub fn new(path: PathBuf, now: SystemTime) -> BaselineWriter {
        let later = now + Duration::from_secs(WRITTEN_EXPIRY_DAYS * 86_400);
        BaselineWriter {
            path,
            expires: date_of(later),
            entries: BTreeMap::new(),
            exercised: BTreeMap::new(),
        }
    }

    /// The entries to write: per case, except that the new entries of a clause every judged
    /// case of a file exercising it broke are one `file/*` entry.
    fn collapsed(&self) -> BTreeMap<(String, ClauseId), &Written> {
        let mut hits: BTreeMap<(&str, ClauseId), u64> = BTreeMap::new();
        for ((case, clause), written) in &self.entries {
            if let (Some(prefix), None) = (file_prefix(case), &written.expires) {
                *hits.entry((prefix, *clause)).or_default() += 1;
            }
        }
        let whole_file = |case: &str, clause: ClauseId| -> Option<String> {
            file_prefix(case)
                .filter(|prefix| {
                    let key = ((*prefix).to_owned(), clause);
                    let exercised = self.exercised.get(&key).copied().unwrap_or(0);
                    exercised > 1 && hits.get(&(*prefix, clause)) == Some(&exercised)
                })
                .map(str::to_owned)
        };
        self.entries
            .iter()
            .map(|((case, clause), written)| {
                let case = match (whole_file(case, *clause), &written.expires) {
                    (Some(prefix), None) => format!("{prefix}/*"),
                    _ => case.clone(),
                };
                ((case, *clause), written)
            })
            .collect()
    }

    /// The file's text for the entries so far (`strict`: include warnings).
    pub fn render(&self, strict: bool) -> String {
        let mut out = String::from(
            "# Known deviations for `dli-conformance run --baseline` (review every entry).\n\
             # `case` is a case id or a glob over ids (`prop/<class>` for generated bodies);\n\
             # an entry stops holding on its `expires` date and then fails the run.\n",
        );
        for ((case, clause), written) in self.collapsed() {
            if written.level == Level::Should && !strict {
                continue;
            }
            let _ = write!(
                out,
                "\n[[known]]\ncase = {}\nclause = {}\nreason = {}\nexpires = {}\n",
                toml_string(&case),
                toml_string(clause.id()),
                toml_string(&written.reason),
                written.expires.as_deref().unwrap_or(&self.expires),
            );
        }
        out
    }
}

/// `url` of `url/chars-513`; none for generated subjects (`prop/<class>`).
fn file_prefix(case: &str) -> Option<&str> {
    case.rsplit_once('/')
        .map(|(prefix, _)| prefix)
        .filter(|prefix| *prefix != "prop")
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

impl Reporter for BaselineWriter {
    fn result(&mut self, result: &CaseResult, _failure: Option<&str>) -> std::io::Result<()> {
        let judged = result.skipped.is_none() && result.verdict.setup.is_none();
        if let (Source::File { .. }, Some(prefix), true) =
            (&result.source, file_prefix(&result.id), judged)
        {
            let broken = result.verdict.violations.iter().map(|v| v.clause);
            let known = result.known.iter().map(|k| k.violation.clause);
            let mut touched: Vec<ClauseId> = result.clauses.clone();
            touched.extend(broken.chain(known));
            touched.sort();
            touched.dedup();
            for clause in touched {
                *self
                    .exercised
                    .entry((prefix.to_owned(), clause))
                    .or_default() += 1;
            }
        }
        if !matches!(
            result.outcome(),
            Outcome::Fail | Outcome::Warn | Outcome::Known
        ) {
            return Ok(());
        }
        let subject = subject(result);
        for violation in &result.verdict.violations {
            self.entries
                .entry((subject.clone(), violation.clause))
                .or_insert_with(|| Written {
                    level: violation.level,
                    reason: PLACEHOLDER_REASON.into(),
                    expires: None,
                });
        }
        for known in &result.known {
            self.entries
                .entry((subject.clone(), known.violation.clause))
                .or_insert_with(|| Written {
                    level: known.violation.level,
                    reason: known.reason.clone(),
                    expires: Some(known.expires.clone()),
                });
        }
        Ok(())
    }

    fn finish(&mut self, record: &RunRecord) -> std::io::Result<()> {
        crate::report::atomic::write(&self.path, self.render(record.strict).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::EntryState;

    fn failing(id: &str, source: Source, clauses: &[ClauseId]) -> CaseResult {
        let mut result = crate::result::tests::result(id, &[STATUS], clauses);
        result.source = source;
        result
    }

    fn file() -> Source {
        Source::File {
            path: "cases/valid.json".into(),
            line: 3,
        }
    }

    const STATUS: ClauseId = ClauseId::RespCreatedStatus;
    const PRESENT: ClauseId = ClauseId::RespCreatedConnectionIdPresent;

    fn entry(case: &str, clause: &str, expires: &str) -> String {
        format!(
            "[[known]]\ncase = \"{case}\"\nclause = \"{clause}\"\nreason = \"r\"\nexpires = {expires}\n\n"
        )
    }

    fn baseline(text: &str) -> Baseline {
        Baseline::parse("b.toml".as_ref(), text, "2026-06-01").unwrap()
    }

    #[test]
    fn a_live_entry_makes_a_failure_known_and_leaves_other_clauses_failing() {
        let baseline = baseline(&entry("valid/*", "resp.created.status", "2026-07-01"));
        let mut only_status = failing("valid/a", file(), &[STATUS]);
        baseline.apply(&mut only_status);
        assert_eq!(only_status.outcome(), Outcome::Known);
        assert_eq!(only_status.known[0].reason, "r");
        assert_eq!(only_status.known[0].expires, "2026-07-01");

        let mut two = failing("valid/b", file(), &[STATUS, PRESENT]);
        baseline.apply(&mut two);
        assert_eq!(two.outcome(), Outcome::Warn, "the SHOULD still warns");

        let mut other = failing("url/a", file(), &[STATUS]);
        baseline.apply(&mut other);
        assert_eq!(other.outcome(), Outcome::Fail);

        let status = baseline.status();
        assert_eq!((status.entries[0].ran, status.entries[0].hits), (2, 2));
        assert_eq!(status.entries[0].state(), EntryState::Known);
    }

    #[test]
    fn generated_results_match_by_class_not_index() {
        let baseline = baseline(&entry("prop/valid", "resp.created.status", "2026-07-01"));
        for index in [0, 7, 255] {
            let source = Source::Generated {
                class: "valid",
                seed: 1,
                index,
            };
            let mut result = failing(&format!("prop/valid/{index}"), source, &[STATUS]);
            baseline.apply(&mut result);
            assert_eq!(result.outcome(), Outcome::Known);
        }
    }

    #[test]
    fn an_expired_entry_accepts_nothing_and_unmatched_entries_are_fixed_or_unused() {
        let baseline = baseline(
            &[
                entry("valid/a", "resp.created.status", "2026-06-01"),
                entry("valid/b", "resp.created.status", "2027-01-01"),
                entry("gone/*", "resp.created.status", "2027-01-01"),
            ]
            .concat(),
        );
        let mut a = failing("valid/a", file(), &[STATUS]);
        baseline.apply(&mut a);
        assert_eq!(a.outcome(), Outcome::Fail, "expired on its date");
        let mut b = failing("valid/b", file(), &[]);
        baseline.apply(&mut b);
        assert_eq!(b.outcome(), Outcome::Pass);
        let status = baseline.status();
        let states: Vec<EntryState> = status.entries.iter().map(|e| e.state()).collect();
        assert_eq!(
            states,
            [EntryState::Expired, EntryState::Fixed, EntryState::Unused]
        );
        assert!(status.entries[1].describe().ends_with("remove it"));
        assert_eq!(status.expired().count(), 1);
    }

    #[test]
    fn bad_entries_are_errors_naming_the_entry() {
        let error = |text: &str| {
            Baseline::parse("b.toml".as_ref(), text, "2026-06-01")
                .unwrap_err()
                .0
        };
        let unknown = error(&entry("valid/a", "resp.nope", "2027-01-01"));
        assert!(
            unknown.contains("entry 1 (case \"valid/a\"): unknown clause id \"resp.nope\""),
            "{unknown}"
        );
        let timed = error(&entry(
            "valid/a",
            "resp.created.status",
            "2027-01-01T10:00:00Z",
        ));
        assert!(timed.contains("is not a date"), "{timed}");
        let typo = error(&(entry("a", "resp.created.status", "2027-01-01") + "expire = 1\n"));
        assert!(typo.contains("expire"), "{typo}");
    }

    #[test]
    fn a_clause_every_case_of_a_file_breaks_is_written_once_for_the_file() {
        let mut writer = BaselineWriter::new("b.toml".into(), SystemTime::now());
        writer
            .result(&failing("valid/a", file(), &[STATUS]), None)
            .unwrap();
        writer
            .result(
                &failing("valid/b", file(), &[STATUS, ClauseId::RespStatusDocumented]),
                None,
            )
            .unwrap();
        writer
            .result(&failing("url/a", file(), &[STATUS]), None)
            .unwrap();
        writer.result(&failing("url/b", file(), &[]), None).unwrap();
        let text = writer.render(false);
        assert!(
            text.contains("case = \"valid/*\"\nclause = \"resp.created.status\""),
            "{text}"
        );
        assert!(
            text.contains("case = \"valid/b\"\nclause = \"resp.status.documented\""),
            "{text}"
        );
        assert!(
            text.contains("case = \"url/a\"\nclause = \"resp.created.status\""),
            "{text}"
        );
        assert_eq!(text.matches("[[known]]").count(), 3, "{text}");
    }

    #[test]
    fn the_writer_round_trips_and_keeps_known_reasons() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400);
        let mut writer = BaselineWriter::new("b.toml".into(), now);
        let generated = Source::Generated {
            class: "valid",
            seed: 1,
            index: 3,
        };
        writer
            .result(
                &failing("prop/valid/3", generated, &[STATUS, PRESENT]),
                None,
            )
            .unwrap();
        let mut known = failing("valid/a", file(), &[]);
        known.known.push(KnownViolation {
            violation: failing("x", file(), &[STATUS]).verdict.violations[0].clone(),
            reason: "until \"Q3\"".into(),
            expires: "2030-01-01".into(),
        });
        writer.result(&known, None).unwrap();
        let text = writer.render(false);
        assert!(!text.contains("connection_id.present"), "{text}");
        let read = Baseline::parse("b.toml".as_ref(), &text, &date_of(now)).unwrap();
        let status = read.status();
        assert_eq!(status.entries.len(), 2, "{text}");
        assert_eq!(status.entries[0].case, "prop/valid");
        assert_eq!(status.entries[0].reason, PLACEHOLDER_REASON);
        let in_90_days = date_of(now + Duration::from_secs(90 * 86_400));
        assert_eq!(status.entries[0].expires, in_90_days);
        assert_eq!(status.entries[1].reason, "until \"Q3\"");
        assert_eq!(status.entries[1].expires, "2030-01-01");
        assert!(writer
            .render(true)
            .contains("resp.created.connection_id.present"));
    }
}
