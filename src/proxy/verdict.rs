//! What went through the proxy, and its check: an [`Exchange`] (the client's request as the
//! target got it, the target's answer whole) goes through [`crate::har::verify::exchange`], the
//! check of an exchange whatever produced it, so the proxy judges an answer exactly as
//! `conform check` judges the same exchange in a file. What the proxy could not forward is an
//! error of the exchange, said in the harness's words. The result is redacted, and its bodies
//! cut as a run's records are, before anyone else sees it.

use super::Session;
use crate::check::{CheckKind, Finding};
use crate::har::Matcher;
use crate::har::verify::{self, Seen};
use crate::http::{Exchange, NoResponse};
use crate::redact::Redactor;
use crate::run::{
    Outcome, Phase, RECORD_BODY_LIMIT, RequestRecord, ResponseRecord, ScenarioResult, StepResult,
    cut,
};
use crate::source::Pos;

/// Exchange `x` with the target of `api`, checked against the API's spec, redacted; `signing`:
/// the proxy signs what matches an operation, so an unmatched request's verdict says it went
/// unsigned.
pub(super) fn check(
    api: &str,
    x: &Exchange,
    matcher: &Matcher,
    strict: bool,
    signing: bool,
    session: &Session,
) -> ScenarioResult {
    let redactor = {
        let mut r = session.redactor();
        r.learn(&x.request.headers, &x.request.body.text());
        if let Ok(resp) = &x.response {
            r.learn(&resp.headers, &resp.body.text());
        }
        r.clone()
    };
    let file = format!("proxy/{api}");
    let label = format!("{} {}", x.request.method, x.request.url);
    let mut result = ScenarioResult::empty(&file, &file, &label, "", vec!["har".into()]);
    result.duration = x.elapsed;
    let seen = Seen {
        hint: None,
        whose: "the client's request",
        findings: Vec::new(),
    };
    let mut result = verify::exchange(result, x, seen, matcher, strict);
    if signing && x.request.operation_id.is_empty() {
        // The signer signs only what matched an operation: the client must know this one went
        // without the target's credentials (its refusal is then expected).
        if let Some(why) = &mut result.skipped {
            why.push_str("; ");
            why.push_str(super::sign::UNSIGNED);
        }
    }
    if result.steps.is_empty() {
        // No operation of the spec: nothing to check, but the exchange is still shown with
        // `-v` and recorded by `--record` (a login, a version document).
        result.steps.push(StepResult {
            name: label,
            call: String::new(),
            phase: Phase::Main,
            pos: Pos::UNKNOWN,
            file: None,
            outcome: Outcome::Skipped,
            attempts: 1,
            status: x.response.as_ref().ok().map(|r| r.status),
            request: Some(RequestRecord::whole(&x.request)),
            response: x.response.as_ref().ok().map(ResponseRecord::whole),
            findings: Vec::new(),
            body_diff: None,
            skipped: result.skipped.clone(),
            duration: x.elapsed,
            unrecorded: None,
        });
    }
    let failure = match &x.response {
        Ok(_) => None,
        Err(NoResponse::Limit(why)) => Some(Finding::error(CheckKind::Limit, why.clone())),
        Err(no) => Some(Finding::error(CheckKind::Transport, no.reason().to_owned())),
    };
    if let Some(f) = failure {
        // Every result has its step by now, an unmatched exchange's too.
        if let Some(step) = result.steps.first_mut() {
            step.findings = vec![f];
            step.outcome = Outcome::Errored;
            step.response = None;
            step.skipped = None;
        }
        result.skipped = None;
        result.outcome = Outcome::Errored;
    }
    redact(&mut result, &redactor);
    result
}

/// Credentials out of every record and message, and bodies cut as a run's records are.
fn redact(result: &mut ScenarioResult, r: &Redactor) {
    result.name = r.text(&result.name);
    for step in &mut result.steps {
        step.name = r.text(&step.name);
        if let Some(req) = &mut step.request {
            req.url = r.text(&req.url);
            req.headers = r.headers(&req.headers);
            req.body = req
                .body
                .as_deref()
                .map(|b| cut(&r.body(b), RECORD_BODY_LIMIT).0);
        }
        if let Some(resp) = &mut step.response {
            resp.headers = r.headers(&resp.headers);
            let (body, cut_off) = cut(&r.body(&resp.body), RECORD_BODY_LIMIT);
            resp.body = body;
            resp.truncated |= cut_off;
        }
        for f in &mut step.findings {
            f.message = r.text(&f.message);
        }
    }
}
