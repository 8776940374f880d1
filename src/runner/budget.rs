//! The create budget: at most N requests of a run may be ones a conformant server answers 201.
//!
//! Every `accept` or `either` case (hand-written or generated, and every body tried while
//! shrinking) may create a connection on the target, and on a real project each one counts
//! against a quota and has to be deleted again. `--max-creates N` caps them. The hand-written
//! cases come first and are decided before the run starts ([`split`]: round the case files in
//! turn, so every file gets some, and in id order within a file): those that fit are kept (the
//! budget reserves a slot for each), the others become skipped results with [`over_budget`] as
//! their reason. What the hand-written cases leave is a pool the
//! generated bodies and shrinking draw from as they are sent ([`Budget::admit`]), so the total
//! never passes N however the trials interleave. A skipped result is reported (summary line,
//! `not run:` lines, the JSON reports' `skipped`), never passed, and is no reason for exit 2.
//! [`Plan`] is what `run --dry-run` prints: requests and possible creates per case file and
//! generator class, and what fits the budget.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::case::{Case, Expect, Source};

/// The budget against a target that is neither the embedded mock nor on a loopback host.
pub const DEFAULT_REMOTE_MAX_CREATES: u64 = 50;

/// Whether a conformant server may create a connection for `case` (it expects `accept` or
/// `either`).
pub fn may_create(case: &Case) -> bool {
    case.expect != Expect::Reject
}

/// The reason a case over the budget is not sent.
pub fn over_budget(limit: u64) -> String {
    format!("over the create budget (--max-creates {limit}): a conformant server would create a connection for it")
}

/// The create budget of a run.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    reserved: AtomicU64,
    pool: AtomicU64,
}

impl Budget {
    /// `limit` creates in all, `reserved` of them (at most `limit`) kept for the hand-written
    /// cases [`split`] kept.
    pub fn new(limit: u64, reserved: u64) -> Budget {
        let reserved = reserved.min(limit);
        Budget {
            limit,
            reserved: AtomicU64::new(reserved),
            pool: AtomicU64::new(limit - reserved),
        }
    }

    /// The most creates.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Creates not yet admitted.
    pub fn left(&self) -> u64 {
        self.reserved.load(Ordering::Relaxed) + self.pool.load(Ordering::Relaxed)
    }

    /// Lets `case` be sent, taking a slot when it may create: a hand-written case takes one of
    /// the reserved slots (or, unplanned, one of the pool), anything else one of the pool. The
    /// reason to skip it when none is left.
    pub fn admit(&self, case: &Case) -> Result<(), String> {
        if !may_create(case) {
            return Ok(());
        }
        let from_reserve = matches!(case.source, Source::File { .. }) && take(&self.reserved);
        if from_reserve || take(&self.pool) {
            Ok(())
        } else {
            Err(over_budget(self.limit))
        }
    }

    /// Gives back the slot `case` took when it ended up not being sent.
    pub fn refund(&self, case: &Case) {
        if may_create(case) {
            self.pool.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn take(counter: &AtomicU64) -> bool {
    counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(1)
        })
        .is_ok()
}

/// The hand-written cases within `limit` and over it. Every `selected` case that may create
/// counts; the budget goes round the case files in turn (the first such case of each file, then
/// the second of each, ...), so a small budget still reaches every file, and within a file in id
/// order. Cases that are not selected (filtered out) stay in the first list, uncounted. The third
/// value is how many of the first list may create (what the budget reserves for them).
pub fn split(
    cases: Vec<Case>,
    limit: Option<u64>,
    selected: impl Fn(&str) -> bool,
) -> (Vec<Case>, Vec<Case>, u64) {
    let mut by_file: Vec<(String, std::collections::VecDeque<usize>)> = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        if selected(&case.id) && may_create(case) {
            let file = match &case.source {
                Source::File { path, .. } => path.display().to_string(),
                Source::Generated { class, .. } => format!("prop/{class}"),
            };
            match by_file.iter_mut().find(|(name, _)| *name == file) {
                Some((_, queue)) => queue.push_back(index),
                None => by_file.push((file, [index].into())),
            }
        }
    }
    let total: usize = by_file.iter().map(|(_, queue)| queue.len()).sum();
    let wanted = limit.map_or(total, |limit| {
        total.min(usize::try_from(limit).unwrap_or(usize::MAX))
    });
    let mut allowed = std::collections::HashSet::new();
    while allowed.len() < wanted {
        for (_, queue) in &mut by_file {
            if allowed.len() < wanted {
                allowed.extend(queue.pop_front());
            }
        }
    }
    let mut within = Vec::with_capacity(cases.len());
    let mut over = Vec::new();
    for (index, case) in cases.into_iter().enumerate() {
        let creates = selected(&case.id) && may_create(&case);
        if creates && !allowed.contains(&index) {
            over.push(case);
        } else {
            within.push(case);
        }
    }
    (within, over, allowed.len() as u64)
}

/// One row of a plan: a case file or a generator class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    /// The case file's path, or `prop/<class>`.
    pub group: String,
    /// Requests it makes (before any retry).
    pub requests: u64,
    /// How many of them a conformant server answers 201.
    pub may_create: u64,
    /// How many of those the budget skips (hand-written cases; generated bodies share the pool
    /// and are counted in [`Plan::pool`]).
    pub over_budget: u64,
}

/// What a run will send, for `run --dry-run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Case files first, then generator classes.
    pub rows: Vec<PlanRow>,
    /// The create budget, if any.
    pub limit: Option<u64>,
}

impl Plan {
    /// A plan for the selected hand-written `cases` (already [`split`]: `over` are the ones past
    /// the budget) and the generated `examples` (each class's cases), under `limit`.
    pub fn new(
        cases: &[Case],
        over: &[Case],
        generated: &[(String, Vec<Case>)],
        limit: Option<u64>,
    ) -> Plan {
        let mut rows: Vec<PlanRow> = Vec::new();
        let row_of = |group: String, rows: &mut Vec<PlanRow>| -> usize {
            match rows.iter().position(|row| row.group == group) {
                Some(index) => index,
                None => {
                    rows.push(PlanRow {
                        group,
                        requests: 0,
                        may_create: 0,
                        over_budget: 0,
                    });
                    rows.len() - 1
                }
            }
        };
        for (case, is_over) in cases
            .iter()
            .map(|case| (case, false))
            .chain(over.iter().map(|case| (case, true)))
        {
            let group = match &case.source {
                Source::File { path, .. } => path.display().to_string(),
                Source::Generated { class, .. } => format!("prop/{class}"),
            };
            let index = row_of(group, &mut rows);
            let row = &mut rows[index];
            row.requests += 1;
            row.may_create += u64::from(may_create(case));
            row.over_budget += u64::from(is_over);
        }
        rows.sort_by(|a, b| a.group.cmp(&b.group));
        for (class, cases) in generated {
            rows.push(PlanRow {
                group: format!("prop/{class}"),
                requests: cases.len() as u64,
                may_create: cases.iter().filter(|case| may_create(case)).count() as u64,
                over_budget: 0,
            });
        }
        Plan { rows, limit }
    }

    /// Requests of every row.
    pub fn requests(&self) -> u64 {
        self.rows.iter().map(|row| row.requests).sum()
    }

    /// Requests a conformant server answers 201, budget or not.
    pub fn may_create(&self) -> u64 {
        self.rows.iter().map(|row| row.may_create).sum()
    }

    /// What the hand-written cases leave of the budget for generated bodies and shrinking.
    pub fn pool(&self) -> Option<u64> {
        let files: u64 = self
            .rows
            .iter()
            .filter(|row| !row.group.starts_with("prop/"))
            .map(|row| row.may_create - row.over_budget)
            .sum();
        self.limit.map(|limit| limit.saturating_sub(files))
    }

    /// The most connections the run can create.
    pub fn most_creates(&self) -> u64 {
        match self.limit {
            Some(limit) => limit.min(self.may_create()),
            None => self.may_create(),
        }
    }
}

impl fmt::Display for Plan {
    /// A table (group, requests, may create, over the budget) and the totals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .rows
            .iter()
            .map(|row| row.group.len())
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(
            f,
            "{:<width$}  {:>8}  {:>10}  {:>11}",
            "group", "requests", "may create", "over budget"
        )?;
        for row in &self.rows {
            let over = if row.group.starts_with("prop/") && self.limit.is_some() {
                "pool".to_owned()
            } else {
                row.over_budget.to_string()
            };
            writeln!(
                f,
                "{:<width$}  {:>8}  {:>10}  {:>11}",
                row.group, row.requests, row.may_create, over
            )?;
        }
        writeln!(
            f,
            "{:<width$}  {:>8}  {:>10}",
            "total",
            self.requests(),
            self.may_create()
        )?;
        match (self.limit, self.pool()) {
            (Some(limit), Some(pool)) => write!(
                f,
                "create budget {limit} (--max-creates): the hand-written cases take {}, generated bodies and shrinking share the {pool} left (first come, first served; the rest is skipped); at most {} connections",
                limit - pool,
                self.most_creates()
            ),
            _ => write!(
                f,
                "no create budget (--max-creates unlimited): up to {} connections",
                self.most_creates()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn case(id: &str, expect: Expect) -> Case {
        Case {
            id: id.into(),
            description: String::new(),
            clauses: Vec::new(),
            expect,
            body: Bytes::new(),
            source: Source::File {
                path: "cases/t.json".into(),
                line: 1,
            },
            see: None,
        }
    }

    #[test]
    fn split_goes_round_the_files() {
        let in_file = |id: &str, file: &str| {
            let mut case = case(id, Expect::Accept);
            case.source = Source::File {
                path: file.into(),
                line: 1,
            };
            case
        };
        let cases = vec![
            in_file("a/1", "cases/a.json"),
            in_file("a/2", "cases/a.json"),
            in_file("a/3", "cases/a.json"),
            in_file("b/1", "cases/b.json"),
            in_file("c/1", "cases/c.json"),
            in_file("c/2", "cases/c.json"),
        ];
        let (within, over, reserved) = split(cases, Some(4), |_| true);
        let ids = |list: &[Case]| list.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&within), ["a/1", "a/2", "b/1", "c/1"]);
        assert_eq!(ids(&over), ["a/3", "c/2"]);
        assert_eq!(reserved, 4);
    }

    #[test]
    fn split_keeps_the_first_creates_in_order() {
        let cases = vec![
            case("t/a", Expect::Accept),
            case("t/b", Expect::Reject),
            case("t/c", Expect::Either),
            case("t/d", Expect::Accept),
            case("t/e", Expect::Accept),
        ];
        let (within, over, reserved) = split(cases.clone(), Some(2), |id| id != "t/c");
        let ids = |list: &[Case]| list.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&within), ["t/a", "t/b", "t/c", "t/d"]);
        assert_eq!(ids(&over), ["t/e"]);
        assert_eq!(reserved, 2);
        let (within, over, reserved) = split(cases, None, |_| true);
        assert_eq!((within.len(), over.len(), reserved), (5, 0, 4));
    }

    #[test]
    fn the_budget_never_admits_more_than_its_limit() {
        let budget = Budget::new(3, 2);
        let file = case("t/a", Expect::Accept);
        let mut generated = case("prop/valid/0", Expect::Accept);
        generated.source = Source::Generated {
            class: "valid",
            seed: 1,
            index: 0,
        };
        assert!(budget.admit(&case("t/r", Expect::Reject)).is_ok());
        assert!(budget.admit(&generated).is_ok());
        assert!(budget.admit(&generated).is_err(), "the pool had one slot");
        assert!(budget.admit(&file).is_ok());
        assert!(budget.admit(&file).is_ok());
        let refused = budget.admit(&file).unwrap_err();
        assert_eq!(refused, over_budget(3));
        assert_eq!(budget.left(), 0);
        budget.refund(&file);
        assert!(budget.admit(&generated).is_ok());
    }

    #[test]
    fn the_plan_adds_up() {
        let cases = vec![case("t/a", Expect::Accept), case("t/b", Expect::Reject)];
        let over = vec![case("t/c", Expect::Accept)];
        let generated = vec![(
            "valid".to_owned(),
            vec![case("prop/valid/0", Expect::Accept); 4],
        )];
        let plan = Plan::new(&cases, &over, &generated, Some(1));
        assert_eq!(plan.requests(), 7);
        assert_eq!(plan.may_create(), 6);
        assert_eq!(plan.pool(), Some(0));
        assert_eq!(plan.most_creates(), 1);
        let shown = plan.to_string();
        assert!(shown.contains("cases/t.json"), "{shown}");
        assert!(shown.contains("at most 1 connections"), "{shown}");
    }
}
