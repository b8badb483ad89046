//! Shrinking: a failing case is reduced, one change at a time, to the smallest request that
//! still fails the same way ([`Signature`]: the same check on the same operation for the same
//! kind of case). Each candidate is run against the target like any case; the budget bounds how
//! many, so a flaky target cannot keep it going.

use crate::openapi::ParamIn;
use std::time::Instant;

use serde_json::Value;

use super::case::{Case, Kind, Request};
use super::engine::{Fuzzer, fails, requests};
use super::r#gen::smaller;
use crate::check::CheckKind;
use std::sync::Arc;

use super::chain::Chains;
use crate::openapi::{ApiSpec, Operation};
use crate::run::ScenarioResult;

/// How a case failed: what two failures must share to be the same one.
#[derive(Debug, Clone)]
pub struct Signature {
    pub kind: &'static str,
    /// The operation whose step failed (a chained create may be the one).
    pub call: String,
    pub check: CheckKind,
    pub keyword: Option<String>,
    /// The first failing finding's message, as reported.
    pub message: String,
    /// The class of the status its step got (4 for a 404), if one came: shrinking must keep
    /// it, or "status 963 is not documented" shrinks into `code: 0`, a 500, another failure.
    pub status_class: Option<u16>,
}

impl PartialEq for Signature {
    /// A valid and a boundary case are both valid requests: failing alike, they are one failure.
    fn eq(&self, other: &Self) -> bool {
        let class = |k: &str| k == "negative";
        class(self.kind) == class(other.kind)
            && self.call == other.call
            && self.check == other.check
            && self.keyword == other.keyword
            && self.status_class == other.status_class
    }
}

impl Signature {
    /// The first finding of `result` that fails it (a violation, or an error such as a reset
    /// connection), if any.
    pub fn of(case: &Case, result: &ScenarioResult) -> Option<Signature> {
        let (step, f) = result.findings().find(|(_, f)| fails(f.severity))?;
        Some(Signature {
            kind: case.kind.label(),
            call: step.call.clone(),
            check: f.check,
            keyword: f.keyword.clone(),
            message: f.message.clone(),
            status_class: step.status.map(|s| s / 100),
        })
    }
}

/// The smallest failing case found, and what finding it cost.
pub struct Shrunk {
    pub case: Case,
    pub text: String,
    pub result: ScenarioResult,
    /// Candidates run.
    pub runs: usize,
    pub requests: usize,
    /// Whether any candidate was smaller and still failed.
    pub smaller: bool,
}

/// Reduces `ran` while it fails as `sig`, running at most `budget` candidates.
pub async fn shrink(
    fuzzer: &Fuzzer,
    (spec, chains): (&Arc<ApiSpec>, &Chains),
    op_index: usize,
    ran: &super::engine::Ran,
    sig: &Signature,
    budget: usize,
    deadline: Option<Instant>,
) -> Shrunk {
    let op = &spec.operations[op_index];
    let mut best = Shrunk {
        case: ran.case.clone(),
        text: ran.text.clone(),
        result: ran.result.clone(),
        runs: 0,
        requests: 0,
        smaller: false,
    };
    if sig.check == CheckKind::Transport {
        // No answer to shrink against: every candidate would wait out the timeout and load a
        // target that is already behind (see `Fuzzer::run_cases`).
        return best;
    }
    'outer: loop {
        let weight = best.case.request.weight();
        for request in candidates(&best.case, op) {
            let pinned = super::cases::pins_kept(&best.case.request, &request, fuzzer.fixed());
            if request.weight() >= weight || !pinned {
                continue;
            }
            if best.runs >= budget || deadline.is_some_and(|d| Instant::now() >= d) {
                break 'outer;
            }
            let mut case = best.case.clone();
            case.request = request;
            let emitted = case.emit(&spec.name, op, fuzzer.seed());
            let (result, text) = fuzzer
                .run_emitted(&spec.name, &op.id, case.number, emitted)
                .await;
            best.runs += 1;
            // A candidate that created something deletes it, as every case does.
            let cleanup = fuzzer
                .clean_up(spec, op_index, &case, &result, chains)
                .await;
            best.requests += requests(&result) + cleanup.as_ref().map_or(0, requests);
            if Signature::of(&case, &result).is_some_and(|s| s == *sig) {
                best.case = case;
                best.text = text;
                best.result = result;
                best.smaller = true;
                continue 'outer;
            }
        }
        break;
    }
    best
}

/// Smaller variants of a case's request, one change each: an optional parameter left out, the
/// optional body left out, then each value made smaller.
fn candidates(case: &Case, op: &Operation) -> Vec<Request> {
    let r = &case.request;
    let mut out = Vec::new();
    let optional = |location: ParamIn, name: &str| {
        op.params_in(location)
            .find(|p| p.name == *name)
            .is_some_and(|p| !p.required)
    };
    for (location, list) in [(ParamIn::Query, &r.query), (ParamIn::Header, &r.headers)] {
        for (i, (name, _)) in list.iter().enumerate() {
            if optional(location, name) {
                let mut c = r.clone();
                match location {
                    ParamIn::Query => c.query.remove(i),
                    _ => c.headers.remove(i),
                };
                out.push(c);
            }
        }
    }
    let body_optional = op.request_body.as_ref().is_some_and(|b| !b.required);
    if r.body.is_some() && body_optional && !matches!(case.kind, Kind::Negative(_)) {
        let mut c = r.clone();
        c.body = None;
        out.push(c);
    }
    if let Some(body) = &r.body {
        for b in smaller(body) {
            let mut c = r.clone();
            c.body = Some(b);
            out.push(c);
        }
    }
    for (location, list) in [
        ("path", &r.path),
        ("query", &r.query),
        ("header", &r.headers),
    ] {
        for (i, (_, value)) in list.iter().enumerate() {
            for v in smaller(value) {
                if location == "path" && v == Value::String(String::new()) {
                    continue;
                }
                let mut c = r.clone();
                match location {
                    "path" => c.path[i].1 = v,
                    "query" => c.query[i].1 = v,
                    _ => c.headers[i].1 = v,
                }
                out.push(c);
            }
        }
    }
    out
}
