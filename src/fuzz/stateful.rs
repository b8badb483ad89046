//! Which state each chained case is tried in: every other valid or boundary case of an
//! operation on a created resource runs after a chain ([`super::chain`]), and the chains take
//! in turn the create alone and the create followed by each distinct request that worked on the
//! resource ([`Fuzzer::chain_cases`]). A few chained cases are held back
//! ([`Fuzzer::run_waves`]): when no case of the first wave reached a success status, they try
//! the sequences not tried yet, then two requests between the create and the case
//! (create -> stop -> soft-delete -> restore), up to [`super::chain::DEPTH`]; otherwise they
//! go on as planned. The operation's own case count is never exceeded.

use std::sync::Arc;
use std::time::Instant;

use super::case::{Case, Kind};
use super::chain::{Between, Chains};
use super::engine::{Batch, Fuzzer, Ran, succeeded, target_status};
use crate::openapi::ApiSpec;
use crate::run::Outcome;

/// Chained cases held back for a second wave, at most.
const HELD: usize = 4;

/// Whether a case is one that runs after a chain when one can be made: every other valid or
/// boundary case (the others send an id of their own, which tests what an unknown id gets).
fn chain_candidate(case: &Case) -> bool {
    !matches!(case.kind, Kind::Negative(_)) && case.number.is_multiple_of(2)
}

/// The chained cases of the second wave: the last few candidates, half of them at most.
fn held_back(cases: &[Case]) -> Vec<usize> {
    let candidates: Vec<usize> = cases
        .iter()
        .enumerate()
        .filter(|(_, c)| chain_candidate(c))
        .map(|(i, _)| i)
        .collect();
    let n = (candidates.len() / 2).min(HELD);
    candidates[candidates.len() - n..].to_vec()
}

/// Whether a case of `ran` reached a success status of its own operation: a valid or boundary
/// case answered 2xx (a failing check on the answer still means the state was reached).
fn reached_success(ran: &[Ran]) -> bool {
    ran.iter()
        .any(|r| !matches!(r.case.kind, Kind::Negative(_)) && succeeded(&r.result))
}

/// Remembers the request of `r`, a case of `op`, when it worked: a valid or boundary request
/// that passed with a success status, which later chains may replay.
pub(super) fn remember(spec: &ApiSpec, op: usize, chains: &mut Chains, r: &Ran) {
    let worked = target_status(&r.result)
        .filter(|s| (200..300).contains(s))
        .filter(|_| r.result.outcome == Outcome::Passed)
        .filter(|_| !matches!(r.case.kind, Kind::Negative(_)));
    if let Some(status) = worked {
        chains.worked(spec, op, &r.case.request, status);
    }
}

/// The sequences of `op` with at most one request between the create and the case: the
/// create alone first.
fn shallow(chains: &Chains, spec: &ApiSpec, op: usize) -> Vec<Vec<Between>> {
    let mut out = chains.sequences(spec, op, 0);
    out.extend(chains.sequences(spec, op, 1));
    out
}

impl Fuzzer {
    /// Chains the first wave of `cases` of `op_index`: each candidate but those held back,
    /// in turn after the create alone and after each request that worked on the resource.
    pub(super) async fn chain_cases(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        chains: &mut Chains,
        cases: &mut [Case],
    ) {
        if !chains.can_chain(spec, op_index) {
            return;
        }
        let held = held_back(cases);
        let sequences = shallow(chains, spec, op_index);
        if sequences.is_empty() {
            return;
        }
        let assigned: Vec<(usize, Vec<Between>)> = cases
            .iter()
            .enumerate()
            .filter(|(i, c)| chain_candidate(c) && !held.contains(i))
            .enumerate()
            .map(|(turn, (i, _))| (i, sequences[turn % sequences.len()].clone()))
            .collect();
        self.chain_each(spec, op_index, chains, cases, &assigned)
            .await;
    }

    /// Puts each case of `assigned` (its index in `cases`, and the requests between) after its
    /// chain, once what each chain settles to is learned.
    async fn chain_each(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        chains: &mut Chains,
        cases: &mut [Case],
        assigned: &[(usize, Vec<Between>)],
    ) {
        let sequences: Vec<Vec<Between>> = assigned.iter().map(|(_, s)| s.clone()).collect();
        for key in chains.probes_for(spec, op_index, &sequences) {
            for (learned, pattern) in super::settle::probe(self, spec, chains, &key).await {
                chains.settled.after.insert(learned, pattern);
            }
        }
        for (i, between) in assigned {
            let case = &mut cases[*i];
            case.chain = chains.for_operation(spec, op_index, &case.request.path, between);
        }
    }

    /// Runs `cases` in two waves: all but the held-back chained cases, then those, chained
    /// after what the first wave did not reach (see the module's comment).
    pub(super) async fn run_waves(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        mut cases: Vec<Case>,
        chains: &mut Chains,
        deadline: Option<Instant>,
    ) -> Batch {
        let held_at = if chains.can_chain(spec, op_index) {
            held_back(&cases)
        } else {
            Vec::new()
        };
        let mut held = Vec::new();
        for i in held_at.iter().rev() {
            held.push(cases.remove(*i));
        }
        held.reverse();
        let mut batch = self
            .run_cases(spec, op_index, cases, chains, deadline)
            .await;
        if held.is_empty() || batch.unanswered {
            return batch;
        }
        self.chain_held(spec, op_index, chains, &mut held, &batch.ran)
            .await;
        let more = self.run_cases(spec, op_index, held, chains, deadline).await;
        batch.ran.extend(more.ran);
        batch.unanswered |= more.unanswered;
        batch.late |= more.late;
        batch.valid_on_the_wire += more.valid_on_the_wire;
        batch
    }

    /// Chains the held-back `held` cases: on after the first wave's sequences when it reached
    /// a success status; otherwise after the sequences it did not try, the deeper last.
    async fn chain_held(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        chains: &mut Chains,
        held: &mut [Case],
        first: &[Ran],
    ) {
        let tried: Vec<&Vec<Between>> = first
            .iter()
            .filter_map(|r| r.case.chain.as_ref().map(|c| &c.between))
            .collect();
        let mut next = shallow(chains, spec, op_index);
        let turn0 = if reached_success(first) {
            tried.len()
        } else {
            // The untried first, then deeper ones, then the tried again: a sequence tried only
            // by a case whose own values were refused (a boundary header a server rejects)
            // deserves a case that is not.
            let (untried, again): (Vec<_>, Vec<_>) =
                next.into_iter().partition(|s| !tried.contains(&s));
            next = untried;
            for depth in 2..=super::chain::DEPTH {
                next.extend(chains.sequences(spec, op_index, depth));
            }
            next.extend(again);
            0
        };
        if next.is_empty() {
            next = chains.sequences(spec, op_index, 0);
        }
        if next.is_empty() {
            return;
        }
        let assigned: Vec<(usize, Vec<Between>)> = (0..held.len())
            .map(|i| (i, next[(turn0 + i) % next.len()].clone()))
            .collect();
        self.chain_each(spec, op_index, chains, held, &assigned)
            .await;
    }
}
