//! The `undeclared-method` check ([`probe`]): once per path, the fuzzer sends a method the spec
//! does not declare there and requires what RFC 9110 requires of it. TRACE is the method sent:
//! it changes nothing on any server (a write the spec does not declare might be implemented
//! all the same, and do what it says), and a spec seldom declares it.
//!
//! The answer must be 405 with an `Allow` header (RFC 9110 §15.5.6: "The origin server MUST
//! generate an Allow header field in a 405 response"), or 501 (the method is not implemented
//! at all). A 2xx fails (the server acts on a method its contract does not have), and so does
//! a 405 without `Allow`. Anything else (a 401 before the method is looked at, a 404 for an id
//! that names nothing, a 400) is no evidence either way and passes; so does no answer, which
//! the cases of the operation report if it is the target's fault.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Instant;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::case::{Request, as_text};
use super::checks::{Checks, FuzzCheck, tag};
use super::outcome::OperationResult;
use super::{Failure, FuzzSummary};
use crate::check::{CheckKind, Finding, Severity};
use crate::openapi::{ApiSpec, Operation};
use crate::run::{Outcome, Phase, Probed, Runner, StepResult};
use crate::source::Pos;

/// What is encoded in a path segment: all but the unreserved characters (RFC 3986 §2.3).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The method sent to every path that does not declare it.
pub(super) const METHOD: &str = "TRACE";

/// The `undeclared-method` check of `op`'s path, when it is selected and the path was not
/// probed yet (for its API): sends [`METHOD`] with the path parameters of `request` (a valid
/// case's; none ran, nothing is sent to a templated path) and, when the answer breaks the rule,
/// keeps the step in `result` and the failure in `out`.
pub(super) async fn check_path(
    (runner, probed, checks): (&Runner, &Mutex<BTreeSet<(String, String)>>, &Checks),
    spec: &ApiSpec,
    op: &Operation,
    request: Option<&Request>,
    result: &mut OperationResult,
    out: &mut FuzzSummary,
) {
    let empty = Request::default();
    let request = match request {
        Some(r) => r,
        None if !op.path.contains('{') => &empty,
        None => return,
    };
    if !checks.keeps(FuzzCheck::UndeclaredMethod) {
        return;
    }
    let key = (spec.name.clone(), op.path.clone());
    if !probed.lock().unwrap_or_else(|p| p.into_inner()).insert(key) {
        return;
    }
    let Some(mut step) = probe(runner, spec, op, request).await else {
        return;
    };
    out.requests += 1;
    let Some(f) = step.findings.first() else {
        return;
    };
    out.failures.push(Failure {
        api: spec.name.clone(),
        operation: op.id.clone(),
        kind: "probe",
        case: format!("{METHOD} {}", op.path),
        check: f.check,
        code: Some(FuzzCheck::UndeclaredMethod),
        message: f.message.clone(),
        shrink_runs: 0,
        shrunk: false,
        saved: None,
    });
    tag(
        std::slice::from_mut(&mut step),
        Some(FuzzCheck::UndeclaredMethod),
    );
    result.probe_failure(step);
}

/// Sends [`METHOD`] to `op`'s path, its parameters filled from `request` (a valid case's), when
/// the path does not declare it; the step that reports the exchange (failed when the answer
/// breaks the rule), or `None` when nothing was sent.
pub(super) async fn probe(
    runner: &Runner,
    spec: &ApiSpec,
    op: &Operation,
    request: &Request,
) -> Option<StepResult> {
    if spec
        .operations
        .iter()
        .any(|o| o.path == op.path && o.method.eq_ignore_ascii_case(METHOD))
    {
        return None;
    }
    let mut url = runner.targets().get(&spec.name)?.base_url.clone();
    let base = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}{}", fill(&op.path, request)?));
    let started = Instant::now();
    let Probed { request, response } = runner.probe(&spec.name, &op.id, METHOD, url).await?;
    let name = format!(
        "{METHOD} {}, a method the spec does not declare there",
        op.path
    );
    let (record, response) = response.ok()?;
    let status = response.status;
    let findings: Vec<Finding> = judge(&op.path, status, response.header("allow").is_some())
        .into_iter()
        .collect();
    Some(StepResult {
        name,
        call: op.id.clone(),
        phase: Phase::Main,
        pos: Pos::default(),
        outcome: Outcome::of(&findings),
        attempts: 1,
        status: Some(status),
        request: Some(request),
        response: Some(record),
        findings,
        body_diff: None,
        skipped: None,
        duration: started.elapsed(),
        unrecorded: None,
        file: None,
    })
}

/// The path template with each `{name}` replaced by the request's value, encoded as a segment;
/// `None` when a parameter has no value.
fn fill(template: &str, request: &Request) -> Option<String> {
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let close = open + rest[open..].find('}')?;
        let name = &rest[open + 1..close];
        let value = request.path.iter().find(|(n, _)| n == name)?;
        path.push_str(&utf8_percent_encode(&as_text(&value.1), SEGMENT).to_string());
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    Some(path)
}

/// The finding an answer `status` to [`METHOD`] on `path` earns, `allow` saying whether it
/// came with an `Allow` header; `None` when it keeps the rule.
fn judge(path: &str, status: u16, allow: bool) -> Option<Finding> {
    let why = "a method the spec does not declare must get 405 with `Allow`, or 501";
    match status {
        200..=299 => Some(
            Finding::new(
                Severity::Violation,
                CheckKind::Status,
                format!(
                    "{METHOD} {path}, which the spec does not declare, was answered {status}: {why}"
                ),
            )
            .expected(Value::from("405 or 501"))
            .actual(Value::from(status)),
        ),
        405 if !allow => Some(
            Finding::new(
                Severity::Violation,
                CheckKind::Header,
                format!(
                    "{METHOD} {path} was answered 405 without an `Allow` header (RFC 9110 \
                     §15.5.6: a 405 must list the methods the resource supports)"
                ),
            )
            .expected(Value::from("Allow"))
            .actual(Value::Null),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_a_success_or_a_405_without_allow_fails() {
        assert!(judge("/a", 200, false).is_some());
        assert!(judge("/a", 204, true).is_some());
        let no_allow = judge("/a", 405, false).expect("fails");
        assert_eq!(no_allow.check, CheckKind::Header);
        assert!(no_allow.message.contains("Allow"), "{}", no_allow.message);
        assert!(judge("/a", 405, true).is_none());
        assert!(judge("/a", 501, false).is_none());
        assert!(judge("/a", 401, false).is_none());
        assert!(judge("/a", 404, false).is_none());
    }

    #[test]
    fn the_path_is_filled_with_the_case_values_encoded() {
        let request = Request {
            path: vec![("id".into(), json!("a/b")), ("n".into(), json!(3))],
            ..Request::default()
        };
        assert_eq!(
            fill("/items/{id}/parts/{n}", &request).as_deref(),
            Some("/items/a%2Fb/parts/3")
        );
        assert_eq!(fill("/items/{other}", &request), None);
        assert_eq!(fill("/status", &request).as_deref(), Some("/status"));
    }
}
