//! The run-wide `connection_id` registry: [`ConnectionIds`] takes each [`Verdict`] the checker
//! (`mod.rs`) gives with the case id and [`Source`] of its case, and adds a
//! `resp.created.connection_id.unique` violation when another case already got the same id, the
//! one `resp.*` clause no single answer can judge. The runner holds one per run and calls
//! [`ConnectionIds::record`] after [`check`](super::check); ids are kept compactly (`Paged`
//! sorted arrays plus a small hash table, in `Registry`) so long runs stay small.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Verdict, Violation};
use crate::spec::clause::{ClauseId, Level};
use crate::spec::expect::Source;

/// Every `connection_id` a run has seen, to check `resp.created.connection_id.unique`.
///
/// Compact at any size, about 20 bytes per id: an id is kept as its 16 bytes plus 4 naming the
/// case that first got it (a generator class and example index packed into one number, or an
/// index into the few case ids from files). The newest ids wait in a small hash table; every
/// [`RECENT_MAX`] of them are merged into two sorted arrays (ids and creators) kept in pages of
/// [`PAGE`] entries, so they grow a page at a time: no hash table's spare room, no doubling and
/// no copy of the whole array late in a long run.
#[derive(Debug, Default)]
pub struct ConnectionIds {
    registry: Mutex<Registry>,
}

/// How many ids wait in the hash table before they are merged into the sorted arrays.
const RECENT_MAX: usize = 4096;

/// Entries per page of the sorted arrays.
const PAGE: usize = 8192;

/// An array of `T` kept in pages of [`PAGE`] entries: growing it adds pages, never moves any.
#[derive(Debug)]
struct Paged<T> {
    pages: Vec<Box<[T]>>,
    len: usize,
}

impl<T: Copy + Default> Paged<T> {
    fn get(&self, at: usize) -> T {
        self.pages[at / PAGE][at % PAGE]
    }

    fn set(&mut self, at: usize, value: T) {
        self.pages[at / PAGE][at % PAGE] = value;
    }

    /// Makes room for `len` entries (new ones hold `T::default()`).
    fn grow_to(&mut self, len: usize) {
        while self.pages.len() * PAGE < len {
            self.pages.push(vec![T::default(); PAGE].into_boxed_slice());
        }
        self.len = len;
    }
}

impl<T> Default for Paged<T> {
    fn default() -> Paged<T> {
        Paged {
            pages: Vec::new(),
            len: 0,
        }
    }
}

impl Paged<u128> {
    /// Where `id` is, if it is there (the array is ascending).
    fn find(&self, id: u128) -> Option<usize> {
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let middle = low + (high - low) / 2;
            match self.get(middle).cmp(&id) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }
}

#[derive(Debug, Default)]
struct Registry {
    /// Merged ids, ascending.
    sorted: Paged<u128>,
    /// Who got each of `sorted` first (see [`Registry::creator`]), in the same order.
    sorted_by: Paged<u32>,
    /// Ids not merged yet, with who got each first.
    recent: HashMap<u128, u32>,
    /// Generator class names, by slot (a handful).
    classes: Vec<&'static str>,
    /// Case ids that do not pack into a number (cases from files), by index.
    named: Vec<Box<str>>,
}

/// Set on a creator number that indexes [`Registry::named`].
const NAMED: u32 = 1 << 31;
/// Bits of a packed generated creator that hold the example index.
const INDEX_BITS: u32 = 24;

impl Registry {
    /// The number that names the case `case_id` from `source`: `slot << 24 | index` for a
    /// generated example (slot < 128, index < 2^24), else `NAMED | position in named`.
    fn creator(&mut self, case_id: &str, source: &Source) -> u32 {
        if let Source::Generated { class, index, .. } = source {
            let slot = match self.classes.iter().position(|known| known == class) {
                Some(slot) => slot,
                None => {
                    self.classes.push(class);
                    self.classes.len() - 1
                }
            };
            if let (Ok(slot), Ok(index)) = (u32::try_from(slot), u32::try_from(*index)) {
                if slot < NAMED >> INDEX_BITS && index < 1 << INDEX_BITS {
                    return slot << INDEX_BITS | index;
                }
            }
        }
        self.named.push(case_id.into());
        NAMED | u32::try_from(self.named.len() - 1).unwrap_or(u32::MAX >> 1)
    }

    /// Who got `id` first, if anyone did.
    fn first(&self, id: u128) -> Option<u32> {
        self.recent
            .get(&id)
            .copied()
            .or_else(|| Some(self.sorted_by.get(self.sorted.find(id)?)))
    }

    /// Records that `creator` got `id` first.
    fn insert(&mut self, id: u128, creator: u32) {
        self.recent.insert(id, creator);
        if self.recent.len() >= RECENT_MAX {
            self.merge_recent();
        }
    }

    /// Merges the recent ids into the sorted arrays, in place from the back.
    fn merge_recent(&mut self) {
        let mut fresh: Vec<(u128, u32)> = self.recent.drain().collect();
        fresh.sort_unstable_by_key(|&(id, _)| id);
        let old = self.sorted.len;
        self.sorted.grow_to(old + fresh.len());
        self.sorted_by.grow_to(old + fresh.len());
        let (mut read, mut write) = (old, self.sorted.len);
        while let Some(&(id, creator)) = fresh.last() {
            write -= 1;
            if read > 0 && self.sorted.get(read - 1) > id {
                read -= 1;
                self.sorted.set(write, self.sorted.get(read));
                self.sorted_by.set(write, self.sorted_by.get(read));
            } else {
                self.sorted.set(write, id);
                self.sorted_by.set(write, creator);
                fresh.pop();
            }
        }
    }

    /// How many ids are recorded.
    fn len(&self) -> usize {
        self.sorted.len + self.recent.len()
    }

    /// The case id a creator number stands for.
    fn describe(&self, creator: u32) -> String {
        if creator & NAMED != 0 {
            let index = (creator & !NAMED) as usize;
            return self
                .named
                .get(index)
                .map_or_else(String::new, |id| id.to_string());
        }
        let class = self.classes[(creator >> INDEX_BITS) as usize];
        format!("prop/{class}/{}", creator & ((1 << INDEX_BITS) - 1))
    }
}

impl ConnectionIds {
    /// Records the verdict's connection id for the case `case_id` from `source`; adds a
    /// violation if another case already got the same one.
    pub fn record(&self, case_id: &str, source: &Source, verdict: &mut Verdict) {
        let Some(id) = verdict.connection_id.as_deref() else {
            return;
        };
        let Ok(uuid) = uuid::Uuid::try_parse(id) else {
            return;
        };
        let key = uuid.as_u128();
        let mut registry = self
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(first) = registry.first(key) {
            let first = registry.describe(first);
            verdict.violations.push(Violation {
                clause: ClauseId::RespCreatedConnectionIdUnique,
                level: Level::Must,
                pointer: "/body/connection_id".into(),
                expected: "an id no other create returned".into(),
                actual: format!("{id:?}, already returned to {first}"),
                message: "two successful creates returned the same connection_id".into(),
            });
        } else {
            let creator = registry.creator(case_id, source);
            registry.insert(key, creator);
        }
    }

    /// How many distinct ids were recorded.
    pub fn len(&self) -> usize {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// True when no id was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::check::tests::{answer, clauses, CREATED};
    use crate::check::Outcome;
    use crate::spec::expect::Expect;

    #[test]
    fn connection_ids_are_unique_across_the_run() {
        let ids = ConnectionIds::default();
        let mut first = check(Expect::Accept, &answer(201, "application/json", CREATED));
        let mut second = first.clone();
        let file = Source::File {
            path: "cases/a.json".into(),
            line: 1,
        };
        ids.record("a/one", &file, &mut first);
        ids.record("a/two", &file, &mut second);
        assert_eq!(first.outcome(), Outcome::Pass);
        assert_eq!(clauses(&second), [ClauseId::RespCreatedConnectionIdUnique]);
        assert!(second.violations[0]
            .actual
            .contains("already returned to a/one"));
    }

    #[test]
    fn an_id_in_upper_case_is_the_same_id() {
        let ids = ConnectionIds::default();
        let file = Source::File {
            path: "cases/a.json".into(),
            line: 1,
        };
        let mut lower = check(Expect::Accept, &answer(201, "application/json", CREATED));
        let mut upper = check(
            Expect::Accept,
            &answer(
                201,
                "application/json",
                &CREATED.replace("fa5f5a2dbae1", "FA5F5A2DBAE1"),
            ),
        );
        assert_eq!(upper.outcome(), Outcome::Pass, "{upper:?}");
        ids.record("a/lower", &file, &mut lower);
        ids.record("a/upper", &file, &mut upper);
        assert_eq!(clauses(&upper), [ClauseId::RespCreatedConnectionIdUnique]);
    }

    #[test]
    fn generated_creators_pack_and_read_back() {
        let ids = ConnectionIds::default();
        let created = |id: &str| {
            let body = format!(r#"{{"is_success":true,"message":"","connection_id":"{id}"}}"#);
            check(Expect::Accept, &answer(201, "application/json", &body))
        };
        let a = "2f1c4a2e-8d5b-4c1e-9b7a-3e6f0d9c8b7a";
        let b = "2f1c4a2e-8d5b-4c1e-9b7a-3e6f0d9c8b7b";
        let generated = |class, index| Source::Generated {
            class,
            seed: 1,
            index,
        };
        for (id, source) in [
            (a, generated("valid", 7)),
            (b, generated("may-ct", (1 << 24) + 3)),
        ] {
            let mut verdict = created(id);
            ids.record("x", &source, &mut verdict);
            assert_eq!(verdict.outcome(), Outcome::Pass);
        }
        assert_eq!(ids.len(), 2);
        let mut again = created(a);
        ids.record("y", &generated("valid", 9), &mut again);
        assert!(again.violations[0]
            .actual
            .ends_with("already returned to prop/valid/7"));
        let mut again = created(b);
        ids.record("z", &generated("valid", 10), &mut again);
        assert!(
            again.violations[0]
                .actual
                .ends_with("already returned to x"),
            "{:?}",
            again.violations
        );
    }

    #[test]
    fn ids_stay_unique_across_merges() {
        let ids = ConnectionIds::default();
        let source = |index| Source::Generated {
            class: "valid",
            seed: 1,
            index,
        };
        let created = |n: usize| {
            let id = uuid::Uuid::from_u128(
                (n as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
            );
            let body = format!(r#"{{"is_success":true,"message":"","connection_id":"{id}"}}"#);
            check(Expect::Accept, &answer(201, "application/json", &body))
        };
        let total = 2 * PAGE + 3 * RECENT_MAX + 17;
        for n in 0..total {
            let mut verdict = created(n);
            ids.record("x", &source(n), &mut verdict);
            assert_eq!(verdict.outcome(), Outcome::Pass, "{n}");
        }
        assert_eq!(ids.len(), total);
        let registry = ids.registry.lock().unwrap();
        let sorted = &registry.sorted;
        assert!((1..sorted.len).all(|at| sorted.get(at - 1) < sorted.get(at)));
        drop(registry);
        for n in [0, 1, RECENT_MAX, 2 * RECENT_MAX + 5, total - 1] {
            let mut again = created(n);
            ids.record("y", &source(total + n), &mut again);
            let wanted = format!("already returned to prop/valid/{n}");
            assert!(
                again.violations[0].actual.ends_with(&wanted),
                "{n}: {:?}",
                again.violations
            );
        }
    }
}
