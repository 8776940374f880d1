//! What a case exercises: the clauses the spec oracle finds its body exercises, those the checker
//! judges for its expectation, and those its file lists.

use super::Expect;
use crate::spec::clause::ClauseId;
use crate::spec::oracle::Expectation;

/// The clauses a case exercises, in the order of `CLAUSES.md`: those the oracle found its body
/// exercises (`judged`), those the checker judges for `expect`, and `declared`.
pub fn exercised_clauses(
    judged: &Expectation,
    expect: Expect,
    declared: &[ClauseId],
) -> Vec<ClauseId> {
    let mut clauses: Vec<ClauseId> = judged
        .exercised
        .iter()
        .chain(&crate::check::judged_clauses(expect))
        .chain(declared)
        .copied()
        .collect();
    clauses.sort_unstable();
    clauses.dedup();
    clauses
}
