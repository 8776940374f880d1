//! No repeated names in a run: a server may reject a second connection with a name it already
//! holds (A9), so every body a run expects to be accepted (`accept` or `either`) must carry a name
//! no other such body of the run has, or that server is failed for a choice the spec allows.
//! Checked over whole default runs (the case files, the corpus and every generator class at the
//! default `--examples`) at several seeds, reading names as a lenient server does.

use std::collections::HashMap;

use dli_conformance::case::{self, Case, Expect, Source};
use dli_conformance::corpus;
use dli_conformance::fixtures::Fixtures;
use dli_conformance::generate;
use dli_conformance::runner::fit::Fit;
use dli_conformance::shipped::CaseRoot;
use dli_conformance::spec::json_text;

/// The run id the runs below carry, as `run` gives every run one.
const RUN: &str = "r5k2q";

/// The cases of a whole default run at `seed`, as `run` sends them: hand-written names with the
/// run id, every case fitted to the run (generated and corpus names end in it too).
fn whole_run(seed: u64) -> Vec<Case> {
    let root = CaseRoot::Dir(case::SHIPPED_DIR.into());
    let fixtures = Fixtures::with_run(RUN).expect("a valid run token");
    let mut cases = case::load(&root, &fixtures).expect("the case files load");
    cases.extend(corpus::load(&root).expect("the corpus loads"));
    cases.extend(generate::sample_cases(seed, generate::DEFAULT_EXAMPLES));
    let fit = Fit {
        run_id: Some(RUN.into()),
        ..Fit::default()
    };
    cases.into_iter().map(|case| fit.case(case)).collect()
}

/// Names shared by bodies that may be accepted, with the ids that share them, under `key`
/// (the name itself, or a folded form of it). Two kinds of sharing are allowed, as they can fail
/// no server: hand-written `either` cases that share a name on purpose (A9's repeats, whose
/// subject is the repeat), and the empty name of `either` cases (A6's subject, which cannot carry
/// a tag). Any sharing with an `accept` case, or by a generated or corpus body, is a bug.
fn shared_names(cases: &[Case], key: impl Fn(&str) -> String) -> Vec<String> {
    let mut by_name: HashMap<String, Vec<(&str, Expect, bool)>> = HashMap::new();
    for case in cases.iter().filter(|case| case.expect != Expect::Reject) {
        if let Some(name) = json_text::string_member(&case.body, "name") {
            let written = matches!(case.source, Source::File { .. });
            by_name
                .entry(key(&name))
                .or_default()
                .push((&case.id, case.expect, written));
        }
    }
    let mut shared: Vec<String> = by_name
        .into_iter()
        .filter(|(name, users)| {
            let open = users.iter().all(|(_, expect, _)| *expect == Expect::Either);
            let allowed = open && (name.is_empty() || users.iter().all(|(_, _, written)| *written));
            users.len() > 1 && !allowed
        })
        .map(|(name, users)| format!("{name:?}: {users:?}"))
        .collect();
    shared.sort();
    shared
}

/// Five whole runs: the seeds of `cargo test`, of `selftest` and three more.
const SEEDS: [u64; 5] = [0x5eed_d11c, 20_260_527, 0, 1, u64::MAX];

#[test]
fn no_name_repeats_in_a_whole_run() {
    for seed in SEEDS {
        let cases = whole_run(seed);
        let shared = shared_names(&cases, str::to_owned);
        assert!(
            shared.is_empty(),
            "seed {seed}: {} names repeat:\n{}",
            shared.len(),
            shared.join("\n")
        );
        // A unique-name constraint may compare names as a database collation does
        // (case-insensitive, trailing blanks ignored): the tags keep names apart that way too.
        let folded = shared_names(&cases, |name| name.trim().to_lowercase());
        assert!(folded.is_empty(), "seed {seed}: {}", folded.join("\n"));
        let untagged: Vec<&str> = cases
            .iter()
            .filter(|case| case.expect != Expect::Reject)
            .filter(|case| !matches!(case.source, Source::File { .. }))
            .filter(|case| {
                json_text::string_member(&case.body, "name").is_some_and(|name| {
                    !name.is_empty() && !name.contains("_g") && !name.contains("_c")
                })
            })
            .map(|case| case.id.as_str())
            .collect();
        assert!(untagged.is_empty(), "seed {seed}: untagged {untagged:?}");
    }
}
