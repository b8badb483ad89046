//! The `credentials-ignored` check ([`check_credentials`]): an operation that declares security,
//! whose valid request succeeded with the target's credentials, is sent the same request
//! without them (`auth: none`), and again with each credential header holding a wrong value;
//! neither may succeed. Only where the target has credentials configured (a targets entry's
//! credentials, or a credential header such as `--header 'Authorization: ...'`): without them
//! the cases themselves went without, and a success says nothing.
//!
//! What the two requests must get is "not a 2xx": a 401 or a 403 is what the spec's security
//! asks for, but a 404 (a server hiding what exists from strangers), a 3xx to a login page or a
//! 400 are no success either. Each is a scenario like a case, saved and replayable; a create
//! that a server wrongly accepted is deleted after it, as a case's is.

use std::sync::Arc;

use serde_json::{Value, json};

use super::FuzzSummary;
use super::case::{Case, Kind};
use super::checks::{FuzzCheck, tag};
use super::engine::{Fuzzer, Ran, succeeded};
use super::outcome::OperationResult;
use super::shrink::{Shrunk, Signature};
use crate::init::emit::{Line, emit};
use crate::openapi::ApiSpec;
use crate::redact::Redactor;
use crate::run::Outcome;

/// What a credential header holds in the wrong-credential request.
const WRONG: &str = "conform-wrong-credential";

/// Runs the check for operation `op_index`, given the cases that `ran`: the first valid case
/// that succeeded is sent again without credentials and with wrong ones; a success of either
/// is kept in `result` and `out` (saved when asked).
pub(super) async fn check_credentials(
    fuzzer: &Fuzzer,
    (spec, chains, op_index): (&Arc<ApiSpec>, &super::chain::Chains, usize),
    ran: &[Ran],
    result: &mut OperationResult,
    out: &mut FuzzSummary,
) {
    let op = &spec.operations[op_index];
    let Some(target) = fuzzer.runner().targets().get(&spec.name) else {
        return;
    };
    let mut secret: Vec<String> = target
        .headers
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| Redactor::is_secret_header(n))
        .collect();
    if op.security.is_empty() || (target.auth.is_none() && secret.is_empty()) {
        return;
    }
    let Some(worked) = ran.iter().find(|r| {
        !matches!(r.case.kind, Kind::Negative(_))
            && r.result.outcome == Outcome::Passed
            && succeeded(&r.result)
    }) else {
        return;
    };
    if target.auth.is_some() {
        let body = op.request_body.is_some();
        let names = fuzzer
            .runner()
            .auth_headers(&spec.name, &op.method, &op.id, body)
            .await;
        secret.extend(names.into_iter().filter(|n| Redactor::is_secret_header(n)));
    }
    secret.sort_by_key(|n| n.to_ascii_lowercase());
    secret.dedup_by_key(|n| n.to_ascii_lowercase());
    let wrong = (!secret.is_empty()).then_some(secret);
    for headers in [None, wrong] {
        let case = worked.case.clone();
        let ran = without(fuzzer, (spec, chains, op_index), case, headers.as_deref()).await;
        out.cases += 1;
        out.requests += super::engine::requests(&ran.result)
            + ran.cleanup.as_ref().map_or(0, super::engine::requests);
        if succeeded(&ran.result) {
            keep(fuzzer, spec, op_index, ran, result, out);
            return;
        }
    }
}

/// Runs `case` with no credentials; with `wrong` credential headers holding [`WRONG`].
async fn without(
    fuzzer: &Fuzzer,
    (spec, chains, op_index): (&Arc<ApiSpec>, &super::chain::Chains, usize),
    case: Case,
    wrong: Option<&[String]>,
) -> Ran {
    let op = &spec.operations[op_index];
    let mut draft = case.draft(&spec.name, op, fuzzer.seed());
    if let Some(step) = draft.steps.last_mut() {
        let what = match wrong {
            None => "without credentials",
            Some(_) => "with a wrong credential",
        };
        step.name = format!("{} {what}", step.name);
        step.no_auth = Some(format!(
            "sent {what}: the operation declares security, so it must not succeed"
        ));
        for name in wrong.unwrap_or_default() {
            step.headers.retain(|l| !l.key.eq_ignore_ascii_case(name));
            step.headers.push(Line {
                key: name.clone(),
                value: Value::String(WRONG.into()),
                comment: None,
            });
        }
        step.status = Some((
            json!(["3xx", "4xx", "5xx"]),
            format!("{what}, anything but a success"),
        ));
        step.undocumented = true;
    }
    let (result, text) = fuzzer
        .run_emitted(&spec.name, &op.id, case.number, emit(&draft))
        .await;
    let cleanup = fuzzer
        .clean_up(spec, op_index, &case, &result, chains)
        .await;
    Ran {
        case,
        text,
        result,
        cleanup,
    }
}

/// Keeps the request that succeeded without (or with wrong) credentials as a failure.
fn keep(
    fuzzer: &Fuzzer,
    spec: &ApiSpec,
    op_index: usize,
    mut ran: Ran,
    result: &mut OperationResult,
    out: &mut FuzzSummary,
) {
    let op = &spec.operations[op_index];
    let code = Some(FuzzCheck::CredentialsIgnored);
    let Some((step, f)) = ran
        .result
        .findings()
        .find(|(_, f)| super::engine::fails(f.severity))
    else {
        return;
    };
    let (check, message) = (f.check, format!("{}: {}", step.name, f.message));
    let (call, keyword, status) = (step.call.clone(), f.keyword.clone(), step.status);
    tag(&mut ran.result.steps, code);
    let labelled = super::checks::labelled(code, &message);
    let signature = Signature {
        kind: ran.case.kind.label(),
        call,
        check,
        keyword,
        message: message.clone(),
        status_class: status.map(|s| s / 100),
    };
    let shrunk = Shrunk {
        case: ran.case,
        text: ran.text,
        result: ran.result,
        runs: 0,
        requests: 0,
        smaller: false,
        signature,
    };
    let saved = fuzzer.save(&spec.name, &op.id, &shrunk, &labelled, out);
    let mut failure = shrunk.failure(&spec.name, &op.id, saved.clone());
    failure.case = format!("{}, sent without its credentials", failure.case);
    failure.code = code;
    out.failures.push(failure);
    result.failure(shrunk, saved.as_deref());
}
