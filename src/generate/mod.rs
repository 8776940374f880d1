//! Generation: bodies beyond the hand-written cases, each judged by the spec's oracle.
//!
//! Takes a seed and an example count, gives [`Case`]s just like the loader's, so `target`,
//! `check` and `report` treat them alike. Each [`Class`] is one mutation class (valid bodies,
//! url over the limit, wrong types, ...) built from the plain strategies in [`strategies`];
//! [`crate::spec::oracle`] computes every example's expectation from the clause model, never from
//! the mock.
//! A class's data depends only on the run seed and the class name (ChaCha, seeded per class), so
//! the same `--seed` gives the same bytes whatever filter or concurrency is used. A [`Draw`]
//! streams a class's examples in order; each [`Example`] carries its proptest value tree, so a
//! failing one can be shrunk, and a run keeps trees only for the requests in flight.
//! [`structured`] shapes arbitrary bytes (the fuzz targets') into create bodies along the spec's
//! edges.

pub mod names;
pub mod strategies;
pub mod structured;

use std::time::{Duration, Instant};

use bytes::Bytes;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

use crate::case::{Case, Source};
use crate::spec::oracle;
use strategies::Members;

/// The seed the crate's own tests and benchmarks draw with, so a red test is red again on
/// every machine (the CLI draws a random one unless `--seed` is given).
pub const FIXED_SEED: u64 = 0x5eed_d11c;

/// Generated bodies per class in a run unless `--examples` says otherwise.
pub const DEFAULT_EXAMPLES: usize = 256;

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
        name: "deep-nesting",
        lean: "a value nested up to 5000 levels deep (arrays, objects, both), mostly as an unknown member, sometimes as a required or tag member",
        strategy: || strategies::deep_nesting().boxed(),
    },
    Class {
        name: "huge-numbers",
        lean: "numbers no double holds (up to 6000 digits, exponents up to 2^63, 1000-digit fractions, -0), mostly as unknown members",
        strategy: || strategies::huge_numbers().boxed(),
    },
    Class {
        name: "odd-strings",
        lean: "string members with NUL and other controls, lone and paired surrogate escapes, non-characters, bidi controls, zero-width characters; sometimes a raw control character",
        strategy: || strategies::odd_strings().boxed(),
    },
    Class {
        name: "almost-json",
        lean: "valid bodies with comments, trailing commas, NaN/Infinity, single quotes, unquoted names, odd numbers, invalid escapes, raw controls, other literals",
        strategy: || strategies::almost_json().boxed(),
    },
    Class {
        name: "whitespace-padding",
        lean: "values padded with whitespace of every Unicode kind (service and url near the limit included), whitespace between tokens, a leading BOM",
        strategy: || strategies::whitespace_padding().boxed(),
    },
    Class {
        name: "service-unicode",
        lean: "listed services with letters swapped for forms NFKC maps back (fullwidth, mathematical, circled, Roman numeral, modifier), for Unicode case mappings (long s, sharp s), or with zero-width or combining characters",
        strategy: || {
            object(strategies::with_member(
                "service",
                strategies::service_unicode().prop_map(Value::String),
            ))
        },
    },
    Class {
        name: "member-name-case",
        lean: "members renamed to another case (`Name`, `URL`, `ſervice`), the real ones absent",
        strategy: || object(strategies::member_name_case()),
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
    Class {
        name: CURRENT_LIMITS_CLASS,
        lean: "valid by the seed, along the newer page's limits: names of 62..=66 characters or outside [A-Za-z0-9_-], tag keys and values at 128 and 255 characters, 18..=23 tags",
        strategy: || object(strategies::current_limits()),
    },
];

/// The class that probes the profile `current`'s limits: its names are left as drawn when a run
/// fits bodies to that profile (`runner::fit`).
pub const CURRENT_LIMITS_CLASS: &str = "current-limits";

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

/// The examples of one class for one seed, drawn one at a time in order: example `i` is the
/// same whatever is done with the others, so a run can stream them and keep value trees only
/// for the requests in flight.
pub struct Draw {
    class: &'static Class,
    seed: u64,
    runner: TestRunner,
    strategy: BoxedStrategy<Vec<u8>>,
    next_index: usize,
}

/// One drawn example: its case and the value tree that can shrink it.
pub struct Example {
    class: &'static Class,
    seed: u64,
    index: usize,
    tree: Box<dyn ValueTree<Value = Vec<u8>>>,
}

impl Class {
    /// The examples of this class for run seed `seed`, drawn on demand.
    pub fn draw(&'static self, seed: u64) -> Draw {
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &class_seed(seed, self.name));
        Draw {
            class: self,
            seed,
            runner: TestRunner::new_with_rng(Config::default(), rng),
            strategy: (self.strategy)(),
            next_index: 0,
        }
    }

    /// The first `examples` examples of this class for `seed`, as cases.
    pub fn sample(&'static self, seed: u64, examples: usize) -> Vec<Case> {
        self.draw(seed).take(examples).map(|e| e.case()).collect()
    }
}

impl Iterator for Draw {
    type Item = Example;

    /// The next example (strategies here never reject, so drawing never ends).
    fn next(&mut self) -> Option<Example> {
        let tree = self.strategy.new_tree(&mut self.runner).ok()?;
        let index = self.next_index;
        self.next_index += 1;
        Some(Example {
            class: self.class,
            seed: self.seed,
            index,
            tree: Box::new(tree),
        })
    }
}

impl Example {
    /// The example's position among its class's examples.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The example as a case, its expectation from the oracle.
    pub fn case(&self) -> Case {
        let origin = names::Origin::Generated {
            class: self.class.position(),
            index: self.index,
        };
        self.case_as(origin)
    }

    /// The example's current body as a case whose name carries the tag of `origin`.
    fn case_as(&self, origin: names::Origin) -> Case {
        generated_case(
            self.class,
            self.seed,
            self.index,
            &self.tree.current(),
            origin,
        )
    }

    /// Shrinks the example while `still_fails` holds for the simpler case, for at most
    /// `budget`; gives the smallest failing case found and how many simpler ones were tried.
    /// Every body tried, and the one given back, carries a name of its own
    /// ([`names::Origin::Shrunk`]), so re-sending it never repeats a name the run has used.
    pub async fn shrink<F, Fut>(mut self, mut still_fails: F, budget: Duration) -> (Case, usize)
    where
        F: FnMut(Case) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        let mut smallest = self.tree.current();
        let mut tries = 0;
        'simplify: while started.elapsed() < budget && self.tree.simplify() {
            loop {
                let candidate = self.case_as(self.class.shrunk_origin(self.index, tries));
                tries += 1;
                if still_fails(candidate).await {
                    smallest = self.tree.current();
                    continue 'simplify;
                }
                if started.elapsed() >= budget || !self.tree.complicate() {
                    break 'simplify;
                }
            }
        }
        let origin = self.class.shrunk_origin(self.index, tries);
        let case = generated_case(self.class, self.seed, self.index, &smallest, origin);
        (case, tries)
    }
}

impl Class {
    /// The class's position in [`CLASSES`], which its name tags carry.
    fn position(&'static self) -> usize {
        CLASSES
            .iter()
            .position(|class| class.name == self.name)
            .expect("a class is one of CLASSES")
    }

    fn shrunk_origin(&'static self, index: usize, attempt: usize) -> names::Origin {
        names::Origin::Shrunk {
            class: self.position(),
            index,
            attempt,
        }
    }
}

/// Example `index` of `class` (or a shrunk form of it) as a case judged by the oracle, its name
/// marker filled with the tag of `origin`.
fn generated_case(
    class: &'static Class,
    seed: u64,
    index: usize,
    body: &[u8],
    origin: names::Origin,
) -> Case {
    judged_case(
        format!("prop/{}/{index}", class.name),
        format!("generated: {}", class.lean),
        Bytes::from(names::fill(body, &names::tag(origin))),
        Source::Generated {
            class: class.name,
            seed,
            index,
        },
    )
}

/// A case for `body` whose expectation and clauses come from the oracle (the request rules it
/// exercises, then the response rules checked for its expectation). Generated and corpus cases
/// are built here.
pub fn judged_case(id: String, description: String, body: Bytes, source: Source) -> Case {
    let judged = oracle::expectation(&body);
    let clauses = crate::case::exercised_clauses(&judged, judged.expect, &[]);
    Case {
        id,
        description,
        clauses,
        expect: judged.expect,
        body,
        source,
        see: None,
    }
}

/// `examples` generated cases of every class for `seed`, in class order.
pub fn sample_cases(seed: u64, examples: usize) -> Vec<Case> {
    CLASSES
        .iter()
        .flat_map(|class| class.sample(seed, examples))
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
            let cases = class(name).unwrap().sample(1, 200);
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
        // Bytes that are not UTF-8 landing inside a string leave a body a parser may read (either).
        assert!(share("malformed-json", Expect::Reject) > 0.75);
        assert_eq!(share("almost-json", Expect::Reject), 1.0);
        assert!(share("member-name-case", Expect::Reject) > 0.7);
        assert!(share("deep-nesting", Expect::Either) > 0.7);
        assert!(share("huge-numbers", Expect::Either) > 0.7);
        let odd = share("odd-strings", Expect::Accept);
        assert!(odd > 0.2 && odd < 0.8, "{odd}");
        let padded = share("whitespace-padding", Expect::Reject);
        assert!(padded > 0.2 && padded < 0.8, "{padded}");
        assert!(share("service-unicode", Expect::Reject) > 0.7);
        assert!(share("service-unicode", Expect::Either) > 0.03);
        let near = share("url-near-limit", Expect::Accept);
        assert!(near > 0.2 && near < 0.8, "{near}");
    }

    #[tokio::test]
    async fn shrinking_finds_the_boundary() {
        let example = class("url-over-limit").unwrap().draw(3).next().unwrap();
        let url_chars = |case: &Case| {
            let value: Value = serde_json::from_slice(&case.body).unwrap();
            value["url"].as_str().unwrap().chars().count()
        };
        let (smallest, tries) = example
            .shrink(
                |case| std::future::ready(url_chars(&case) > 512),
                Duration::from_secs(60),
            )
            .await;
        assert_eq!(url_chars(&smallest), 513);
        assert_eq!(smallest.expect, Expect::Reject);
        assert!(tries > 0);
    }
}
