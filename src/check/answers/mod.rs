//! The answer space: proptest strategies over every answer a conformant server may give, and over
//! minimal perturbations of them that each break known `resp.*` clauses, with the verdict the
//! [checker](super::check) owes each one.
//!
//! It takes what the `resp.*` clauses of `CLAUSES.md`, RFC 8259's grammar and HTTP's header rules
//! leave free to a server, as the checker's module doc lists it, and gives [`Answer`]s: an
//! expectation, a [`Response`] as the transport hands it to the checker, and what the checker
//! must make of it ([`Want`]). [`conformant`] leans towards the corners other stacks take: any
//! whitespace, every escape form (`\/`, `\u` of any character in either hex case, surrogate
//! pairs, the lone surrogates Python's `json.dumps` and JavaScript's `JSON.stringify` echo),
//! numbers in every form and size, members in any order, extra members of any type and depth,
//! repeated member names, optional members absent, header names and the media type in any case,
//! `Content-Type` parameters, extra headers. [`perturbed`] takes one of those and breaks one rule:
//! `is_success: false`, a `connection_id` that is no UUID string, a `message` that is no string,
//! an error body without a usable `error_code` or `error_msg`, a body that is not JSON or not an
//! object, another media type, a status other than the one wanted. [`quota`] is the real
//! service's quota answer, a setup problem. [`judge`] is the property all three share; the unit
//! tests (`tests.rs`) run it over a few thousand answers, `crate::fuzzing::answer_space` feeds it from
//! libFuzzer's bytes. The strategies generate answers, so they live beside the checker, not in
//! `crate::generate` (which generates requests).
//!
//! The files: this one holds [`Answer`], [`Want`], [`judge`] and [`any_answer`]; `values.rs` the
//! JSON values a server may hold ([`Json`]), the [`Writer`] that writes them with every free
//! choice and the strategies over values and strings; `conformant.rs` the bodies, headers and
//! framing of conformant answers ([`conformant`], [`quota`]); `perturbed.rs` the one-clause
//! breaks of them ([`perturbed`]); `tests.rs` the property tests.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::{check, Outcome};
use crate::spec::clause::ClauseId;
use crate::spec::expect::Expect;
use crate::transport::Response;

mod conformant;
mod perturbed;
#[cfg(test)]
mod tests;
mod values;

pub use conformant::{conformant, quota};
pub use perturbed::perturbed;
pub use values::{json, number, string, Json, Writer};

/// One generated answer and what the checker owes it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// What the case wanted.
    pub expect: Expect,
    /// The answer as the transport gives it to the checker.
    pub response: Response,
    /// The verdict it must get.
    pub want: Want,
}

/// What the checker must make of an [`Answer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// No violation at all: a conformant answer.
    Pass,
    /// A setup problem: the environment answered (a used-up quota).
    Setup,
    /// Exactly these clauses flagged, no other, and no setup problem.
    Flags(BTreeSet<ClauseId>),
}

/// Checks `answer` and says how the verdict differs from the one it wants, if it does.
pub fn judge(answer: &Answer) -> Result<(), String> {
    let verdict = check(answer.expect, &Ok(answer.response.clone()));
    let flagged: BTreeSet<ClauseId> = verdict.violations.iter().map(|v| v.clause).collect();
    let held = match &answer.want {
        Want::Pass => verdict.outcome() == Outcome::Pass,
        Want::Setup => verdict.outcome() == Outcome::Setup,
        Want::Flags(clauses) => verdict.setup.is_none() && &flagged == clauses,
    };
    if held {
        return Ok(());
    }
    Err(format!(
        "wanted {:?}, got {verdict:#?}\nfor {} {}\n{:?}\n{}",
        answer.want,
        answer.expect,
        answer.response.status,
        answer.response.headers,
        String::from_utf8_lossy(&answer.response.body)
    ))
}
/// Every kind of answer: conformant ones (half), perturbed ones, the quota answer.
pub fn any_answer() -> impl Strategy<Value = Answer> {
    prop_oneof![4 => conformant(), 3 => perturbed(), 1 => quota()]
}
