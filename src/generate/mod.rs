//! Generation: bodies beyond the hand-written cases, and the oracle that judges any body.
//!
//! Takes a seed and an example count, gives [`Case`]s just like the loader's, so `target`,
//! `check` and `report` treat them alike. Each [`Class`] is one mutation class (valid bodies,
//! url over the limit, wrong types, ...) built from the plain strategies in [`strategies`];
//! [`oracle`] computes every example's expectation from the clause model, never from the mock.
//! A class's data depends only on the run seed and the class name (ChaCha, seeded per class), so
//! the same `--seed` gives the same bytes whatever filter or concurrency is used. [`Sample`]
//! keeps each example's proptest value tree, so a failing example can be shrunk.
//! [`structured`] shapes arbitrary bytes (the fuzz targets') into create bodies along the spec's
//! edges.

pub mod oracle;
pub mod strategies;
pub mod structured;

use std::time::{Duration, Instant};

use bytes::Bytes;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

use crate::case::{Case, Source};
use strategies::Members;

/// The seed the crate's own tests and benchmarks draw with, so a red test is red again on
/// every machine (the CLI draws a random one unless `--seed` is given).
pub const FIXED_SEED: u64 = 0x5eed_d11c;

/// One mutation class: a name, what it leans towards, and its body strategy.
pub struct Class {
    /// Short name; trials are called `prop/<name>`.
    pub name: &'static str,
    /// What the class leans towards, in one line.
    pub lean: &'static str,
    strategy: fn() -> BoxedStrategy<Vec<u8>>,
}

fn object(members: impl Strategy<Value = Members> + 'static) -> BoxedStrategy<Vec<u8>> {
    members
        .prop_map(|members| {
            serde_json::to_vec(&Value::Object(members)).expect("a JSON value serializes")
        })
        .boxed()
}

fn json(value: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Vec<u8>> {
    value
        .prop_map(|value| serde_json::to_vec(&value).expect("a JSON value serializes"))
        .boxed()
}

/// Every class, in the order they run.
pub const CLASSES: &[Class] = &[
    Class {
        name: "valid",
        lean: "valid bodies: listed services in random casing, Unicode text, urls up to 512 characters, valid tags",
        strategy: || object(strategies::valid_members()),
    },
    Class {
        name: "url-over-limit",
        lean: "a url of 513 characters, up to 10 000, or multi-byte only",
        strategy: || object(strategies::with_member("url", strategies::url_over_limit())),
    },
    Class {
        name: "url-near-limit",
        lean: "a url of 505..=520 characters of mixed UTF-8 widths",
        strategy: || object(strategies::with_member("url", strategies::url_near_limit())),
    },
    Class {
        name: "missing-required",
        lean: "a random non-empty subset of the required members removed",
        strategy: || object(strategies::missing_required()),
    },
    Class {
        name: "wrong-type",
        lean: "required members given null, booleans, numbers, arrays or objects",
        strategy: || object(strategies::wrong_types()),
    },
    Class {
        name: "service-casing",
        lean: "every listed service with each letter's case chosen at random",
        strategy: || {
            object(strategies::with_member(
                "service",
                strategies::service_in_random_case().prop_map(Value::String),
            ))
        },
    },
    Class {
        name: "service-near-miss",
        lean: "listed services with a letter added, dropped or swapped for a look-alike, spaces, hyphens",
        strategy: || {
            object(strategies::with_member(
                "service",
                strategies::near_miss_service().prop_map(Value::String),
            ))
        },
    },
    Class {
        name: "service-unknown",
        lean: "short random words as the service",
        strategy: || {
            object(strategies::with_member(
                "service",
                strategies::unknown_service().prop_map(Value::String),
            ))
        },
    },
    Class {
        name: "tags-malformed",
        lean: "tags that are not an array, elements that are not objects, keys or values missing or not strings",
        strategy: || object(strategies::with_member("tags", strategies::malformed_tags())),
    },
    Class {
        name: "non-object",
        lean: "JSON bodies that are arrays, strings, numbers, booleans or null",
        strategy: || json(strategies::non_object_body()),
    },
    Class {
        name: "malformed-json",
        lean: "valid bodies cut short, with a byte inserted, trailing text, single quotes, or bytes that are not UTF-8",
        strategy: || strategies::malformed_json().boxed(),
    },
    Class {
        name: "may-unknown-members",
        lean: "valid bodies with members the spec does not list (A5)",
        strategy: || object(strategies::unknown_members()),
    },
    Class {
        name: "may-empty-strings",
        lean: "valid bodies with required members set to the empty string (A6)",
        strategy: || object(strategies::empty_strings()),
    },
    Class {
        name: "may-ct",
        lean: "the page example's service `ct` in any casing (A2)",
        strategy: || object(strategies::with_member("service", strategies::ct_alias())),
    },
];

/// The class called `name`.
pub fn class(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|class| class.name == name)
}

/// A class's seed: the run seed mixed with the class name, so classes draw independent data.
/// FNV-1a of the name, its offset basis xor-ed with the run seed, expanded to 32 bytes by
/// SplitMix64 (the same bytes as the hand-written mixing this replaced, so a seed still means
/// what it meant).
fn class_seed(seed: u64, name: &str) -> [u8; 32] {
    use rand_xoshiro::rand_core::{Rng, SeedableRng};
    use std::hash::Hasher;
    let basis = fnv::FnvHasher::default().finish();
    let mut hasher = fnv::FnvHasher::with_key(basis ^ seed);
    hasher.write(name.as_bytes());
    let mut bytes = [0u8; 32];
    rand_xoshiro::SplitMix64::seed_from_u64(hasher.finish()).fill_bytes(&mut bytes);
    bytes
}

/// Drawn examples of one class, with the value trees that can shrink them.
pub struct Sample {
    class: &'static Class,
    seed: u64,
    trees: Vec<Box<dyn ValueTree<Value = Vec<u8>>>>,
}

impl Class {
    /// Draws `examples` bodies from this class for run seed `seed`.
    pub fn sample(&'static self, seed: u64, examples: usize) -> Sample {
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &class_seed(seed, self.name));
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        let strategy = (self.strategy)();
        let trees = (0..examples)
            .filter_map(|_| strategy.new_tree(&mut runner).ok())
            .map(|tree| Box::new(tree) as Box<dyn ValueTree<Value = Vec<u8>>>)
            .collect();
        Sample {
            class: self,
            seed,
            trees,
        }
    }
}

impl Sample {
    /// The drawn examples as cases, ids `prop/<class>/<index>`, expectations from the oracle.
    pub fn cases(&self) -> Vec<Case> {
        self.trees
            .iter()
            .enumerate()
            .map(|(index, tree)| generated_case(self.class, self.seed, index, tree.current()))
            .collect()
    }

    /// Shrinks example `index` while `still_fails` holds for the simpler case, for at most
    /// `budget`; gives the smallest failing case found and how many simpler ones were tried.
    pub fn shrink(
        &mut self,
        index: usize,
        mut still_fails: impl FnMut(&Case) -> bool,
        budget: Duration,
    ) -> (Case, usize) {
        let started = Instant::now();
        let (class, seed) = (self.class, self.seed);
        let tree = &mut self.trees[index];
        let mut smallest = generated_case(class, seed, index, tree.current());
        let mut tries = 0;
        'simplify: while started.elapsed() < budget && tree.simplify() {
            loop {
                tries += 1;
                let candidate = generated_case(class, seed, index, tree.current());
                if still_fails(&candidate) {
                    smallest = candidate;
                    continue 'simplify;
                }
                if started.elapsed() >= budget || !tree.complicate() {
                    break 'simplify;
                }
            }
        }
        (smallest, tries)
    }
}

/// Example `index` of `class` (or a shrunk form of it) as a case judged by the oracle.
fn generated_case(class: &'static Class, seed: u64, index: usize, body: Vec<u8>) -> Case {
    let judged = oracle::expectation(&body);
    let clauses = crate::case::exercised_clauses(&judged, judged.expect, &[]);
    Case {
        id: format!("prop/{}/{index}", class.name),
        description: format!("generated: {}", class.lean),
        clauses,
        expect: judged.expect,
        body: Bytes::from(body),
        source: Source::Generated {
            class: class.name,
            seed,
            index,
        },
        see: None,
    }
}

/// `examples` generated cases of every class for `seed`, in class order.
pub fn sample_cases(seed: u64, examples: usize) -> Vec<Case> {
    CLASSES
        .iter()
        .flat_map(|class| class.sample(seed, examples).cases())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Expect;

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let first = sample_cases(7, 16);
        let again = sample_cases(7, 16);
        let other = sample_cases(8, 16);
        assert_eq!(first.len(), 16 * CLASSES.len());
        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    /// The bytes the hand-written FNV-1a and splitmix64 mixing gave before the crates replaced
    /// it: a seed keeps its meaning.
    #[test]
    fn class_seeds_keep_their_meaning() {
        assert_eq!(
            hex::encode(class_seed(7, "valid")),
            "f0cf193d2e01e6071ec04876be7b6a497aa6705a92610528e07f530b6e222ed4"
        );
    }

    #[test]
    fn classes_lean_where_they_say() {
        let share = |name: &str, expect: Expect| {
            let cases = class(name).unwrap().sample(1, 200).cases();
            cases.iter().filter(|c| c.expect == expect).count() as f64 / cases.len() as f64
        };
        assert_eq!(share("valid", Expect::Accept), 1.0);
        assert_eq!(share("service-casing", Expect::Accept), 1.0);
        assert_eq!(share("url-over-limit", Expect::Reject), 1.0);
        assert_eq!(share("missing-required", Expect::Reject), 1.0);
        assert_eq!(share("wrong-type", Expect::Reject), 1.0);
        assert_eq!(share("tags-malformed", Expect::Reject), 1.0);
        assert_eq!(share("non-object", Expect::Reject), 1.0);
        assert_eq!(share("may-ct", Expect::Either), 1.0);
        assert_eq!(share("may-unknown-members", Expect::Either), 1.0);
        assert!(share("service-near-miss", Expect::Reject) > 0.9);
        assert!(share("malformed-json", Expect::Reject) > 0.9);
        let near = share("url-near-limit", Expect::Accept);
        assert!(near > 0.2 && near < 0.8, "{near}");
    }

    #[test]
    fn shrinking_finds_the_boundary() {
        let mut sample = class("url-over-limit").unwrap().sample(3, 8);
        let url_chars = |case: &Case| {
            let value: Value = serde_json::from_slice(&case.body).unwrap();
            value["url"].as_str().unwrap().chars().count()
        };
        let (smallest, tries) =
            sample.shrink(0, |case| url_chars(case) > 512, Duration::from_secs(60));
        assert_eq!(url_chars(&smallest), 513);
        assert_eq!(smallest.expect, Expect::Reject);
        assert!(tries > 0);
    }
}
