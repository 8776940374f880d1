//! Proptest strategies for request bodies: one plain function per field or mutation class.
//!
//! Each doc comment says what the strategy leans towards. Mostly-valid input finds more than
//! random noise, so invalid bodies are built by breaking one thing in an otherwise valid body.
//! The strategies do not decide what a server should answer: `oracle` judges every body they
//! make, so a strategy that strays into valid (or MAY) territory never causes a false alarm.
//!
//! They are grouped by what they generate, one file each: [`valid`] bodies and their parts,
//! [`limits`] (lengths and counts at the spec's limits), [`members`] broken one at a time,
//! [`services`] that are not listed, [`raw`] JSON text with values written by hand,
//! [`malformed`] bytes, [`extremes`] at the edges of parsers, and [`whitespace`]. Every strategy
//! is re-exported here, so `generate::strategies::valid_members` names it whatever its file;
//! `generate` deals them out as the run's families.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Map, Value};

pub mod extremes;
pub mod limits;
pub mod malformed;
pub mod members;
pub mod raw;
pub mod services;
pub mod valid;
pub mod whitespace;

pub use extremes::*;
pub use limits::*;
pub use malformed::*;
pub use members::*;
pub use raw::*;
pub use services::*;
pub use valid::*;
pub use whitespace::*;

/// Strings matching `regex`, one character class, alone or repeated (`[A-Z]`, `\PC{1,24}`):
/// the strings proptest's `string_regex` draws, from the same random numbers and shrinking the
/// same way, but with the characters collected straight into the `String`. (The regex strategy
/// boxes each character's value tree, turns every character into a byte vector and joins them
/// on each draw, which cost more than the rest of a body; a `&str` used as a strategy also
/// compiles its regex again for every value.)
fn pattern(regex: &str) -> BoxedStrategy<String> {
    use regex_syntax::hir::{Class, HirKind};
    let hir = regex_syntax::Parser::new()
        .parse(regex)
        .expect("a valid regex");
    let (class, lengths) = match hir.kind() {
        HirKind::Repetition(repeated) => {
            let most = repeated.max.expect("a bounded repetition");
            (
                repeated.sub.kind(),
                Some(repeated.min as usize..=most as usize),
            )
        }
        single => (single, None),
    };
    let HirKind::Class(Class::Unicode(class)) = class else {
        panic!("{regex}: a pattern is one character class, alone or repeated")
    };
    let ranges: Vec<_> = class
        .iter()
        .map(|range| range.start()..=range.end())
        .collect();
    let chars = proptest::char::ranges(ranges.into());
    match lengths {
        Some(lengths) => vec(chars, lengths).prop_map(String::from_iter).boxed(),
        None => chars.prop_map(String::from).boxed(),
    }
}

/// A body's members, in the order they will be written.
pub type Members = Map<String, Value>;
