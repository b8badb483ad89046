//! One operation's result from its cases: [`OperationResult`] counts every case's statuses
//! (`statuses_seen`, for coverage), keeps the cleanups that failed and the errors said once, and
//! picks the distinct failures worth shrinking; the shrunk ones become the result's steps.

use std::collections::BTreeMap;
use std::path::Path;

use super::case::Kind;
use super::engine::Ran;
use super::shrink::{Shrunk, Signature};
use crate::run::{Outcome, ScenarioResult, StatusSeen};

/// Distinct failures shrunk and kept per operation, at most.
const FAILURES_KEPT: usize = 5;

pub(super) struct OperationResult {
    agg: ScenarioResult,
    seen: BTreeMap<(String, u16), usize>,
    signatures: Vec<Signature>,
    kinds: [usize; 3],
    chained: usize,
    chain_broken: usize,
}

impl OperationResult {
    pub(super) fn new(id: &str, api: &str) -> Self {
        OperationResult {
            agg: ScenarioResult::empty(id, id, "", api, vec!["fuzz".into()]),
            seen: BTreeMap::new(),
            signatures: Vec::new(),
            kinds: [0; 3],
            chained: 0,
            chain_broken: 0,
        }
    }

    /// Counts one case of operation `op`; returns how it failed when that is a failure not
    /// seen yet (and fewer than five were), to be shrunk and given to [`Self::failure`].
    pub(super) fn add(&mut self, r: &Ran, op: &str) -> Option<Signature> {
        self.kinds[match r.case.kind {
            Kind::Valid => 0,
            Kind::Boundary(_) => 1,
            Kind::Negative(_) => 2,
        }] += 1;
        self.chained += usize::from(r.case.chain.is_some());
        if let Some(c) = &r.cleanup {
            if c.outcome <= Outcome::Skipped {
                self.count(c);
            } else {
                self.agg.steps.extend(c.steps.iter().cloned().map(|mut s| {
                    s.name = format!("clean-up after case {}: {}", r.case.number, s.name);
                    s
                }));
                self.agg.outcome = self.agg.outcome.max(c.outcome);
            }
        }
        if r.result.outcome <= Outcome::Skipped {
            self.count(&r.result);
            return None;
        }
        if !r.result.errors.is_empty() {
            // The case could not run: writes refused on a target that is not a mock, or a
            // generated scenario that does not compile (conform's own defect). Said once.
            for e in &r.result.errors {
                if !self.agg.errors.iter().any(|a| a.message == e.message) {
                    self.agg.errors.push(e.clone());
                }
            }
            self.agg.outcome = Outcome::Errored;
            return None;
        }
        let sig = Signature::of(&r.case, &r.result);
        let keep = match &sig {
            // The create before a chained case did not give what it gave earlier in the run
            // (a quota spent, say): the case proved nothing of its own operation.
            Some(s) if r.case.chain.is_some() && s.call != op => {
                self.chain_broken += 1;
                false
            }
            Some(s) => !self.signatures.contains(s) && self.signatures.len() < FAILURES_KEPT,
            None => false,
        };
        if !keep {
            self.count(&r.result);
            return None;
        }
        let sig = sig?;
        self.signatures.push(sig.clone());
        Some(sig)
    }

    /// Keeps a shrunk failure as steps of the result (and its saved file as the path).
    pub(super) fn failure(&mut self, shrunk: Shrunk, saved: Option<&Path>) {
        if self.agg.path == self.agg.id
            && let Some(p) = saved
        {
            self.agg.path = p.display().to_string();
        }
        self.agg.outcome = self.agg.outcome.max(shrunk.result.outcome);
        let number = shrunk.case.number;
        self.agg
            .steps
            .extend(shrunk.result.steps.into_iter().map(|mut s| {
                // The case's own step says its number; those of its chain get it here.
                if !s.name.starts_with("case ") {
                    s.name = format!("case {number}: {}", s.name);
                }
                s
            }));
    }

    /// The operation's result, named by what ran (`cases` of them).
    pub(super) fn finish(mut self, op: &str, cases: usize) -> ScenarioResult {
        self.agg.statuses_seen = std::mem::take(&mut self.seen)
            .into_iter()
            .map(|((call, status), count)| StatusSeen {
                call,
                status,
                count,
            })
            .collect();
        let chained_note = match (self.chained, self.chain_broken) {
            (0, _) => String::new(),
            (n, 0) => format!(", {n} after a create"),
            (n, b) => format!(", {n} after a create, {b} of whose creates failed"),
        };
        let [valid, boundary, negative] = self.kinds;
        self.agg.name = format!(
            "{op}: {cases} generated requests ({valid} valid, {boundary} boundary, {negative} negative{chained_note})"
        );
        self.agg
    }

    fn count(&mut self, r: &ScenarioResult) {
        for s in &r.steps {
            if let Some(status) = s.status {
                *self.seen.entry((s.call.clone(), status)).or_insert(0) += 1;
            }
        }
    }
}
