//! The lifecycle checks ([`check_lifecycle`]) of a create whose item the spec can read and
//! delete: `create-not-readable` (the item a create answered with success is read at once, and
//! must not be 404) and `use-after-delete` (once its delete succeeded, a read must be 404 or
//! 410, not a success). The create of the first valid case that succeeded is sent again, then
//! the read, the delete, the read; what it made is deleted whatever happens.
//!
//! A resource deleted asynchronously or softly still reads for a while, saying so (a compute
//! API's server `SOFT_DELETED`, or `task_state: deleting`): a success whose body has a state
//! field (a key with `status` or `state` in its name) whose value says `delet` is not counted.

use std::sync::Arc;

use serde_json::Value;

use super::case::{Case, Kind, Request};
use super::chain::Chains;
use super::checks::{FuzzCheck, tag};
use super::engine::{Fuzzer, Ran, case_step, last_response, requests, succeeded, target_status};
use super::outcome::OperationResult;
use super::{Failure, FuzzSummary};
use crate::check::{CheckKind, Finding, Severity};
use crate::openapi::ApiSpec;
use crate::run::{Outcome, ScenarioResult, StepResult};

/// Runs the lifecycle checks `wanted` for the create `op_index`, given the cases that `ran`.
pub(super) async fn check_lifecycle(
    fuzzer: &Fuzzer,
    (spec, chains, op_index): (&Arc<ApiSpec>, &Chains, usize),
    ran: &[Ran],
    wanted: (bool, bool),
    result: &mut OperationResult,
    out: &mut FuzzSummary,
) {
    let op = &spec.operations[op_index];
    let Some(worked) = ran.iter().find(|r| {
        r.case.kind == Kind::Valid
            && r.case.chain.is_none()
            && r.result.outcome == Outcome::Passed
            && succeeded(&r.result)
    }) else {
        return;
    };
    let mut case = Case {
        chain: None,
        ..worked.case.clone()
    };
    // Sent again, it is a new create: an idempotency key of the case would replay its answer.
    super::keys::refresh_request(op, &mut case.request);
    let (created, _) = fuzzer
        .run_emitted(
            &spec.name,
            &op.id,
            case.number,
            case.emit(&spec.name, op, fuzzer.seed()),
        )
        .await;
    out.requests += requests(&created);
    let read = item_read(spec, chains, op_index, &case.request, &created);
    let Some((read_op, request)) = read else {
        if let Some(c) = fuzzer
            .clean_up(spec, op_index, &case, &created, chains)
            .await
        {
            out.requests += requests(&c);
        }
        return;
    };
    let (want_readable, want_gone) = wanted;
    let first = read_item(fuzzer, spec, read_op, &request, case.number, out).await;
    if want_readable && target_status(&first) == Some(404) {
        let why = "the item a create answered with success reads as 404";
        keep(
            spec,
            op_index,
            &first,
            (FuzzCheck::CreateNotReadable, why),
            result,
            out,
        );
    }
    let deleted = fuzzer
        .clean_up(spec, op_index, &case, &created, chains)
        .await;
    let Some(deleted) = deleted else { return };
    out.requests += requests(&deleted);
    if !want_gone || !succeeded(&deleted) {
        return;
    }
    let after = read_item(fuzzer, spec, read_op, &request, case.number, out).await;
    let gone = |s: u16| !(200..300).contains(&s);
    let soft = says_deleted(&after) || changed(&first, &after);
    if target_status(&after).is_some_and(|s| !gone(s)) && !soft {
        let why = "the item reads as a success after its delete succeeded (404 or 410 is due)";
        keep(
            spec,
            op_index,
            &after,
            (FuzzCheck::UseAfterDelete, why),
            result,
            out,
        );
    }
}

/// The read of the item a create made (`created`, sent as `request`) and the request that reads
/// it (its path parameters, the id among them): the GET on the path of the create's delete.
fn item_read(
    spec: &ApiSpec,
    chains: &Chains,
    op_index: usize,
    request: &Request,
    created: &ScenarioResult,
) -> Option<(usize, Request)> {
    if !succeeded(created) {
        return None;
    }
    let response = last_response(created)?;
    let (delete, request) = chains.cleanup(spec, op_index, request, response)?;
    let path = &spec.operations[delete].path;
    let read = spec
        .operations
        .iter()
        .position(|o| o.method == "GET" && o.path == *path)?;
    Some((read, request))
}

/// Reads the item (`request` holds its id) with operation `read`.
async fn read_item(
    fuzzer: &Fuzzer,
    spec: &ApiSpec,
    read: usize,
    request: &Request,
    number: usize,
    out: &mut FuzzSummary,
) -> ScenarioResult {
    let op = &spec.operations[read];
    let mut request = request.clone();
    request
        .path
        .retain(|(n, _)| op.params.iter().any(|p| p.name == *n));
    let case = Case {
        number,
        kind: Kind::Valid,
        request,
        chain: None,
    };
    let emitted = case.emit(&spec.name, op, fuzzer.seed());
    let (r, _) = fuzzer
        .run_emitted(&spec.name, &op.id, number, emitted)
        .await;
    out.requests += requests(&r);
    r
}

/// The body of a read's answer, as JSON.
fn body_of(r: &ScenarioResult) -> Option<Value> {
    serde_json::from_str(&last_response(r)?.body).ok()
}

/// The `status`/`state` fields of a body (two levels deep), by their path.
fn states(v: &Value) -> Vec<(String, Value)> {
    fn walk(v: &Value, at: &str, depth: usize, out: &mut Vec<(String, Value)>) {
        let Value::Object(m) = v else { return };
        for (k, v) in m {
            let here = format!("{at}/{k}");
            let key = k.to_ascii_lowercase();
            if (key.contains("status") || key.contains("state")) && !v.is_object() {
                out.push((here.clone(), v.clone()));
            }
            if depth > 0 {
                walk(v, &here, depth - 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(v, "", 2, &mut out);
    out
}

/// Whether the delete visibly changed the item: its `status`/`state` fields (a soft delete
/// that freezes it, Alibaba's `inactive`), or, without such fields, its body. Only an item
/// that reads as before is one whose delete did nothing.
fn changed(before: &ScenarioResult, after: &ScenarioResult) -> bool {
    let (Some(b), Some(a)) = (body_of(before), body_of(after)) else {
        return false;
    };
    let (sb, sa) = (states(&b), states(&a));
    if sb.is_empty() && sa.is_empty() {
        b != a
    } else {
        sb != sa
    }
}

/// Whether the read's body says the item is being, or was, deleted (a soft or slow delete).
fn says_deleted(r: &ScenarioResult) -> bool {
    body_of(r).is_some_and(|v| {
        states(&v).iter().any(|(_, state)| {
            state
                .as_str()
                .is_some_and(|s| s.to_ascii_lowercase().contains("delet"))
        })
    })
}

/// Keeps the read of `r` as a failure of `check`, said as `why`.
fn keep(
    spec: &ApiSpec,
    op_index: usize,
    r: &ScenarioResult,
    (check, why): (FuzzCheck, &str),
    result: &mut OperationResult,
    out: &mut FuzzSummary,
) {
    let Some(step) = case_step(r) else {
        return;
    };
    let op = &spec.operations[op_index];
    let status = step.status.unwrap_or_default();
    let message = format!("{why}: {} got {status}", step.call);
    let mut step: StepResult = step.clone();
    step.name = format!("{} after {}: {}", step.call, op.id, check.description());
    step.findings = vec![Finding::new(
        Severity::Violation,
        CheckKind::Status,
        &message,
    )];
    step.outcome = Outcome::Failed;
    tag(std::slice::from_mut(&mut step), Some(check));
    out.failures.push(Failure {
        api: spec.name.clone(),
        operation: op.id.clone(),
        kind: "probe",
        case: format!("{} after {}", step.call, op.id),
        check: CheckKind::Status,
        code: Some(check),
        message,
        shrink_runs: 0,
        shrunk: false,
        saved: None,
    });
    result.probe_failure(step);
}
