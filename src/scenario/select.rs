//! [`Selection`]: which scenarios a run takes (`--filter`, `--tag`, `--partition`), decided on
//! what the file says of itself (its id, name and tags) and its place in discovery order.
//!
//! [`Partition`] splits a corpus into shards for a CI matrix with nextest's notation and hash:
//! `hash:M/N` takes the scenarios whose id hashes (XXH64, seed 0, as cargo-nextest 0.9 does
//! with a test's name) to bucket M of N, so a file keeps its shard as others are added or
//! removed; `count:M/N` takes every Nth file in discovery order from the Mth, which balances
//! the shards but moves files between them when one is added. A partition is decided before a
//! file is read, so a file that does not parse is reported by its own shard only.

use std::fmt;
use std::str::FromStr;

/// Scenarios whose id or name contains `filter` (when set), that carry any of `tags` (when any
/// are given), and that fall in `partition` (when set).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Text the scenario's id or name must contain; `None` takes every scenario.
    pub filter: Option<String>,
    /// Tags of which the scenario must carry at least one; empty takes every scenario.
    pub tags: Vec<String>,
    /// The shard of the files this run takes (`--partition`); `None` takes them all.
    pub partition: Option<Partition>,
}

impl Selection {
    /// Whether the filter and tags take a scenario (the partition is [`Selection::in_partition`]).
    pub fn admits(&self, id: &str, name: &str, tags: &[&str]) -> bool {
        if let Some(text) = &self.filter
            && !id.contains(text.as_str())
            && !name.contains(text.as_str())
        {
            return false;
        }
        self.tags.is_empty() || self.tags.iter().any(|t| tags.contains(&t.as_str()))
    }

    /// Whether the file `id`, the `index`th found (from 0), is in this run's shard.
    pub fn in_partition(&self, index: usize, id: &str) -> bool {
        self.partition.is_none_or(|p| p.takes(index, id))
    }
}

/// `--partition hash:M/N` or `count:M/N`: shard M (from 1) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// How files are dealt to shards.
    pub kind: PartitionKind,
    /// This run's shard, from 1.
    pub shard: u64,
    /// How many shards there are, at least 1.
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// How [`Partition`] deals files to shards.
pub enum PartitionKind {
    /// By the hash of the scenario id: stable as files come and go.
    Hash,
    /// By the place in discovery order: even, but files move when one is added.
    Count,
}

impl Partition {
    /// Whether the file `id`, the `index`th found, is in this shard.
    pub fn takes(&self, index: usize, id: &str) -> bool {
        let bucket = match self.kind {
            // Fixed: changing the hash would move every scenario to another CI job.
            PartitionKind::Hash => xxhash_rust::xxh64::xxh64(id.as_bytes(), 0),
            PartitionKind::Count => index as u64,
        };
        bucket % self.total == self.shard - 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{problem}; write `hash:M/N` or `count:M/N` with 1 <= M <= N (for example `hash:1/2` and `hash:2/2`)"
)]
/// A `--partition` value that does not parse.
pub struct PartitionError {
    /// What is wrong with it (an unknown kind, a shard out of range...).
    pub problem: String,
}

impl FromStr for Partition {
    type Err = PartitionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |problem: String| PartitionError { problem };
        let (kind, shards) = match s.split_once(':') {
            Some(("hash", rest)) => (PartitionKind::Hash, rest),
            Some(("count", rest)) => (PartitionKind::Count, rest),
            Some((other, _)) => {
                return Err(fail(format!("unknown kind `{other}`")));
            }
            None => return Err(fail("expected KIND:M/N".into())),
        };
        let (m, n) = shards
            .split_once('/')
            .ok_or_else(|| fail("expected M/N after the kind".into()))?;
        let number = |what: &str, text: &str| {
            text.parse::<u64>()
                .map_err(|_| fail(format!("{what} `{text}` is not a whole number")))
        };
        let shard = number("the shard", m)?;
        let total = number("the number of shards", n)?;
        if !(1..=total).contains(&shard) {
            return Err(fail(format!(
                "shard {shard} is not between 1 and the number of shards, {total}"
            )));
        }
        Ok(Partition { kind, shard, total })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            PartitionKind::Hash => "hash",
            PartitionKind::Count => "count",
        };
        write!(f, "{kind}:{}/{}", self.shard, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_matches_id_or_name_and_tags_any_of() {
        let all = Selection::default();
        assert!(all.admits("a.yaml", "anything", &[]));
        let by_text = Selection {
            filter: Some("cancel".into()),
            ..Selection::default()
        };
        assert!(by_text.admits("lp/cancel.yaml", "x", &[]));
        assert!(by_text.admits("lp/a.yaml", "cancel twice", &[]));
        assert!(!by_text.admits("lp/a.yaml", "create", &[]));
        let by_tag = Selection {
            tags: vec!["auth".into(), "negative".into()],
            ..Selection::default()
        };
        assert!(by_tag.admits("a", "b", &["lifecycle", "negative"]));
        assert!(!by_tag.admits("a", "b", &["lifecycle"]));
        let both = Selection {
            filter: Some("a".into()),
            tags: vec!["auth".into()],
            ..Selection::default()
        };
        assert!(!both.admits("a", "b", &["lifecycle"]), "both must hold");
    }

    fn ids() -> Vec<String> {
        (0..200)
            .map(|i| format!("api-{}/case-{i}.yaml", i % 3))
            .collect()
    }

    #[test]
    fn every_scenario_is_in_exactly_one_shard() {
        for kind in ["hash", "count"] {
            for total in [1u64, 2, 3, 7] {
                let shards: Vec<Partition> = (1..=total)
                    .map(|m| format!("{kind}:{m}/{total}").parse().expect("valid"))
                    .collect();
                for (i, id) in ids().iter().enumerate() {
                    let taken = shards.iter().filter(|p| p.takes(i, id)).count();
                    assert_eq!(taken, 1, "{id} in {taken} shards of {kind}:_/{total}");
                }
                if total > 1 {
                    // No shard is empty on 200 ids: the split is a split.
                    for p in &shards {
                        assert!(
                            ids().iter().enumerate().any(|(i, id)| p.takes(i, id)),
                            "{p}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_hash_shard_depends_on_the_id_only() {
        let p: Partition = "hash:1/2".parse().expect("valid");
        for (i, id) in ids().iter().enumerate() {
            assert_eq!(p.takes(i, id), p.takes(i + 17, id), "{id}");
        }
        // nextest's bucket: xxh64 of the name, seed 0, modulo N.
        let id = "widgets/cancel-twice.yaml";
        let bucket = xxhash_rust::xxh64::xxh64(id.as_bytes(), 0) % 2;
        assert_eq!(p.takes(0, id), bucket == 0);
        let selection = Selection {
            partition: Some(p),
            ..Selection::default()
        };
        assert_eq!(selection.in_partition(0, id), bucket == 0);
        assert!(Selection::default().in_partition(0, id));
    }

    #[test]
    fn a_bad_partition_is_refused_with_the_fix() {
        for bad in [
            "hash:0/2",
            "hash:3/2",
            "foo:1/2",
            "hash",
            "hash:1",
            "hash:m/2",
            "hash:1/n",
            "hash:1/2/3",
            "count:1/0",
        ] {
            let e = bad.parse::<Partition>().expect_err(bad).to_string();
            assert!(e.contains("write `hash:M/N` or `count:M/N`"), "{bad}: {e}");
        }
        let e = "foo:1/2".parse::<Partition>().unwrap_err().to_string();
        assert!(e.contains("unknown kind `foo`"), "{e}");
        let e = "hash:3/2".parse::<Partition>().unwrap_err().to_string();
        assert!(e.contains("shard 3 is not between 1"), "{e}");
        assert_eq!(
            "count:2/5".parse::<Partition>().expect("valid").to_string(),
            "count:2/5"
        );
    }
}
