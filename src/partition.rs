//! Sharding a run over CI runners: `--partition K/N` runs a stable 1/N share of it.
//!
//! As cargo-nextest's `--partition`: `count:K/N` (or just `K/N`) takes every N-th case from
//! the K-th on, in the loader's sorted order, and every N-th example of each generator class;
//! `hash:K/N` takes the cases (and examples) whose id hashes to K, so a case stays on its shard
//! when others are added or removed. Shards are disjoint and together are exactly the
//! unpartitioned run: a class still draws all its examples in order (the bytes of example `i`
//! depend only on the seed, never on the shard), and only sending and recording are
//! partitioned. `dli-conformance merge-reports` joins the shards' JSON reports into one and
//! runs the run-wide `connection_id` uniqueness check over all of them.

use std::fmt;
use std::str::FromStr;

use crate::case::Case;

/// How cases are dealt to shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Round-robin over the sorted order.
    Count,
    /// By a stable hash (FNV-1a, 64 bits) of the id.
    Hash,
}

/// One shard of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// How cases are dealt.
    pub scheme: Scheme,
    /// This shard, 1-based.
    pub shard: u64,
    /// How many shards.
    pub total: u64,
}

impl Partition {
    /// Whether the case at `position` in the sorted case list, with `id`, is this shard's.
    pub fn keeps_case(&self, position: usize, id: &str) -> bool {
        match self.scheme {
            Scheme::Count => self.is_mine(position as u64),
            Scheme::Hash => self.is_mine(fnv1a(id.as_bytes())),
        }
    }

    /// Whether example `index` of generator class `class` is this shard's.
    pub fn keeps_example(&self, class: &str, index: usize) -> bool {
        match self.scheme {
            Scheme::Count => self.is_mine(index as u64),
            Scheme::Hash => self.is_mine(fnv1a(format!("prop/{class}/{index}").as_bytes())),
        }
    }

    /// This shard's cases, in their order.
    pub fn select(&self, cases: Vec<Case>) -> Vec<Case> {
        cases
            .into_iter()
            .enumerate()
            .filter(|(position, case)| self.keeps_case(*position, &case.id))
            .map(|(_, case)| case)
            .collect()
    }

    fn is_mine(&self, key: u64) -> bool {
        key % self.total == self.shard - 1
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms (std's hashers are not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl FromStr for Partition {
    type Err = String;

    /// `K/N`, `count:K/N` or `hash:K/N`, with 1 <= K <= N.
    fn from_str(text: &str) -> Result<Partition, String> {
        let (scheme, share) = match text.split_once(':') {
            Some(("count", share)) => (Scheme::Count, share),
            Some(("hash", share)) => (Scheme::Hash, share),
            Some((other, _)) => {
                return Err(format!(
                    "unknown partition scheme {other:?} (expected count:K/N or hash:K/N)"
                ))
            }
            None => (Scheme::Count, text),
        };
        let parsed = share
            .split_once('/')
            .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)));
        match parsed {
            Some((shard, total)) if (1..=total).contains(&shard) => Ok(Partition {
                scheme,
                shard,
                total,
            }),
            _ => Err(format!(
                "{text:?} is not a partition (expected K/N with 1 <= K <= N, e.g. 1/3 or hash:2/4)"
            )),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Count => "count",
            Scheme::Hash => "hash",
        };
        write!(f, "{scheme}:{}/{}", self.shard, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_and_print_as_nextest_writes_them() {
        let count: Partition = "2/3".parse().unwrap();
        assert_eq!(count.to_string(), "count:2/3");
        assert_eq!(
            "hash:1/4".parse::<Partition>().unwrap().to_string(),
            "hash:1/4"
        );
        for bad in ["0/3", "4/3", "1/0", "x:1/2", "1", "a/b"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shards_are_disjoint_and_cover_everything() {
        for scheme in ["count", "hash"] {
            let shards: Vec<Partition> = (1..=3)
                .map(|k| format!("{scheme}:{k}/3").parse().unwrap())
                .collect();
            for position in 0..500 {
                let id = format!("url/case-{position}");
                let owners = shards
                    .iter()
                    .filter(|p| p.keeps_case(position, &id))
                    .count();
                assert_eq!(owners, 1, "{scheme} case {position}");
                let owners = shards
                    .iter()
                    .filter(|p| p.keeps_example("valid", position))
                    .count();
                assert_eq!(owners, 1, "{scheme} example {position}");
            }
        }
    }

    #[test]
    fn fnv_is_the_published_function() {
        // Test vectors of the FNV-1a 64-bit reference.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
