//! Running one step, in its phases: build and check the request before sending ([`prepare`]),
//! send it, again under `until` ([`poll`]), check each answer against the spec, then the
//! final one against the step's expectations, and capture values for later steps.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::dropped::{self, DropKind, Dropped};
use super::send;
// Re-exported from here for `conform proxy`, as `run` has always offered it.
#[cfg(feature = "mock")]
pub(crate) use super::result::cut;
use super::result::{
    BodyDiff, Outcome, Phase, RequestRecord, ResponseRecord, StepResult, Unrecorded,
};
use super::scope::StepScope;
use crate::check::body::{holds, match_value};
use crate::check::request::Outgoing;
use crate::check::{self, CheckKind, Finding, Severity};
use crate::http::{Request, Response};
use crate::openapi::Operation;
use crate::plan::{Expectation, PlannedStep};
use crate::redact::Redactor;
use crate::scenario::{AuthMode, Capture, Spanned, StatusSpec};
use crate::targets::Target;

/// Bodies in records are cut here; reports stay readable and bounded.
pub const RECORD_BODY_LIMIT: usize = 64 * 1024;

pub struct StepContext<'a> {
    pub client: &'a reqwest::Client,
    pub target: &'a Target,
    pub redactor: &'a Redactor,
    pub strict: bool,
    /// For steps without their own `timeout`.
    pub step_timeout: Duration,
    /// Record requests, send nothing.
    pub dry_run: bool,
    /// Polls wait at least this long, whatever the scenario says.
    pub min_poll_timeout: Duration,
    pub rate: Option<&'a super::rate::RateLimiter>,
    /// The latest moment the step may still send a request (scenario timeout).
    pub deadline: Option<Instant>,
    /// The run's stop signal: polls stop at it, and clean-up is bounded by its budget.
    pub interrupt: &'a super::Interrupt,
    /// Response bodies larger than this are not read.
    pub max_body: usize,
    /// The API the step calls, to name its credential variables in messages.
    pub api: &'a str,
    /// How messages name the settings they point at (the CLI's flags).
    pub remedies: &'a dyn crate::remedy::Remedies,
    /// The scenario's step answered last before this one: when the target drops the connection
    /// under this step's request, what it answered on it before is named.
    pub before: Option<Before<'a>>,
    /// The run's answers: the last 5xx of the run that left its connection open.
    pub answers: &'a dropped::Answers,
    /// Record (and redact) each exchange as it happens. When no sink reads a passing
    /// scenario's exchanges, this is off: the step keeps its last exchange unrecorded, and
    /// [`super::ScenarioResult::record_exchanges`] records it only if the scenario fails.
    pub record_now: bool,
}

/// A step of the scenario that got an answer, by its number (from 1, as reports count).
#[derive(Clone, Copy)]
pub struct Before<'a> {
    pub number: usize,
    pub step: &'a StepResult,
}

impl Before<'_> {
    /// "500 to POST /x (step 3)", when that answer left its connection open.
    fn kept_alive(&self) -> Option<String> {
        let status = kept_alive_status(self.step)?;
        let (method, path) = self.step.last_request_line()?;
        Some(format!(
            "{status} to {method} {path} (step {})",
            self.number
        ))
    }
}

/// The status of `step`'s last answer, when that answer left its connection open (no
/// `Connection: close`), so that the next request could go on it.
fn kept_alive_status(step: &StepResult) -> Option<u16> {
    let (status, headers) = step.last_response()?;
    let connection = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("connection"))
        .map(|(_, v)| v.as_str());
    (!dropped::closes(connection)).then_some(status)
}

/// The answer last received before `request` is sent, when it left its connection open, named:
/// this step's previous attempt (a poll), else the step before it in the scenario, else the
/// run's last answer (a scenario's first step: another scenario's, as fuzz cases run).
fn prior_kept_alive(
    ctx: &StepContext<'_>,
    request: &Request,
    result: &StepResult,
) -> Option<String> {
    if result.attempts > 1 {
        let status = kept_alive_status(result)?;
        return Some(format!(
            "{status} to {} {} (this step's attempt {})",
            request.method,
            request.url.path(),
            result.attempts - 1
        ));
    }
    match ctx.before {
        Some(b) => b.kept_alive(),
        None => ctx.answers.kept_alive_error(&request.url),
    }
}

/// Whether the answer last received before this request was a 5xx that left its connection
/// open (as [`prior_kept_alive`] finds it, without naming it).
fn after_kept_alive_error(ctx: &StepContext<'_>, request: &Request, result: &StepResult) -> bool {
    let status = match (result.attempts > 1, ctx.before) {
        (true, _) => kept_alive_status(result),
        (false, Some(b)) => kept_alive_status(b.step),
        (false, None) => return ctx.answers.after_kept_alive_error(&request.url),
    };
    status.is_some_and(|st| st >= 500)
}

impl StepContext<'_> {
    /// The run's redactor plus the target's credentials as they are now: a login may have
    /// just returned a token.
    pub(super) fn live_redactor(&self) -> std::borrow::Cow<'_, Redactor> {
        let live = self
            .target
            .auth
            .as_ref()
            .map(|a| a.secrets())
            .unwrap_or_default();
        self.redactor.with(live)
    }

    /// The earliest of the scenario's deadline and, after an interrupt, the clean-up budget's;
    /// with which of the two it is.
    fn deadline(&self) -> Option<(Instant, Bound)> {
        let scenario = self.deadline.map(|d| (d, Bound::Scenario));
        let cleanup = self
            .interrupt
            .cleanup_deadline()
            .map(|d| (d, Bound::Cleanup));
        match (scenario, cleanup) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
    }
}

/// What bounds a step's time besides its own timeout.
#[derive(Debug, Clone, Copy)]
enum Bound {
    Scenario,
    Cleanup,
}

impl Bound {
    fn ran_out(self, remedies: &dyn crate::remedy::Remedies) -> Finding {
        match self {
            Bound::Scenario => Finding::error(
                CheckKind::Scenario,
                "the scenario's timeout ran out before this step",
            ),
            Bound::Cleanup => Finding::error(
                CheckKind::Limit,
                format!(
                    "the clean-up budget after the interrupt ran out before this step (`{}`)",
                    remedies.name(crate::remedy::Setting::CleanupTimeout)
                ),
            ),
        }
    }
}

/// An undocumented status that the step expects (`undocumented: true`) stays a finding, as a
/// warning: the target still answers outside its spec, but the step was written to test just
/// that answer. Under `strict` it stays a violation, as every lenient reading does.
fn expected_undocumented(
    s: &PlannedStep,
    status: u16,
    strict: bool,
    mut findings: Vec<Finding>,
) -> Vec<Finding> {
    let expected = !strict
        && [s.expect.as_ref(), s.until.as_ref()]
            .into_iter()
            .flatten()
            .any(|e| {
                e.undocumented && e.status.as_ref().is_some_and(|st| st.value.matches(status))
            });
    if expected {
        for f in findings
            .iter_mut()
            .filter(|f| f.check == CheckKind::UndocumentedStatus)
        {
            f.severity = Severity::Warning;
            f.message = format!("{}, as the step expects (`undocumented: true`)", f.message);
        }
    }
    findings
}

/// Whether `r` satisfies `exp` (for `until` and `fail_if`), with the findings if not.
fn satisfies(exp: &Expectation, r: &Response, scope: &StepScope) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = &exp.status {
        out.extend(check::status::check(s, r.status));
    }
    if !exp.headers.is_empty() {
        out.extend(check::headers::check(&exp.headers, &r.headers, scope));
    }
    if let Some(b) = &exp.body
        && !holds(b, r.json(), scope)
    {
        out.extend(match_value(b, r.json(), scope, CheckKind::Body, "").findings);
    }
    if let Some(items) = &exp.items {
        out.extend(check::items_expect::check(items, r, scope));
    }
    out
}

pub async fn run(
    step: &PlannedStep,
    phase: Phase,
    op: &Operation,
    scope: &mut StepScope,
    ctx: &StepContext<'_>,
) -> StepResult {
    let (mut result, received) = run_answered(step, phase, op, scope, ctx).await;
    // Unrecorded, the answer the step went on with is the exchange's response.
    if let (Some(u), Some(r)) = (&mut result.unrecorded, received) {
        u.response = Some(r);
    }
    result
}

/// [`run`], with the final response when there was one (an Arazzo step judges its success
/// criteria and takes its outputs from it).
pub async fn run_answered(
    step: &PlannedStep,
    phase: Phase,
    op: &Operation,
    scope: &mut StepScope,
    ctx: &StepContext<'_>,
) -> (StepResult, Option<Response>) {
    let started = Instant::now();
    let mut result = StepResult::not_run(step, phase);
    let received = execute(step, phase, op, scope, ctx, &mut result).await;
    refused_without_credentials(step, op, ctx, &mut result);
    // Findings quote what the target sent; a secret it echoed must not reach a report.
    let redactor = ctx.live_redactor();
    for f in &mut result.findings {
        f.message = redactor.text(&f.message);
        for v in [&mut f.expected, &mut f.actual].into_iter().flatten() {
            *v = redactor.json(v);
        }
    }
    if let Some(d) = &mut result.body_diff {
        d.expected = redactor.json(&d.expected);
        d.actual = redactor.json(&d.actual);
    }
    result.outcome = Outcome::of(&result.findings);
    if result.skipped.is_some() && result.outcome == Outcome::Passed {
        result.outcome = Outcome::Skipped;
    }
    result.duration = started.elapsed();
    (result, received)
}

/// The step's phases: the request sent until it is answered as `until` asks ([`poll`]), then
/// the answer against the step's expectations, then its captures; the answer, if any.
async fn execute(
    s: &PlannedStep,
    phase: Phase,
    op: &Operation,
    scope: &mut StepScope,
    ctx: &StepContext<'_>,
    result: &mut StepResult,
) -> Option<Response> {
    let received = poll(s, phase, op, scope, ctx, result).await?;
    expectations(s, &received, scope, result);
    if check::body::passes(&result.findings) {
        captures(s, &received, scope, result);
    }
    Some(received)
}

/// How long a step polls, and how often.
struct Polling {
    /// One attempt's timeout.
    timeout: Duration,
    every: Duration,
    /// The whole poll's.
    limit: Duration,
    started: Instant,
}

/// What one attempt of a poll decided.
enum Attempt {
    /// The answer the step goes on with.
    Answered,
    /// The step is over: its findings say why.
    Ended,
    /// `until` is not met yet; the spec's findings of this attempt, kept in case it is the last.
    Again(Vec<Finding>),
}

/// Sends the step's request, again every `every` while `until` is not met, and gives the final
/// answer; none when the step ended before (its findings say why). Each attempt is built
/// anew: a template may draw a fresh value, credentials may have been renewed.
async fn poll(
    s: &PlannedStep,
    phase: Phase,
    op: &Operation,
    scope: &StepScope,
    ctx: &StepContext<'_>,
    result: &mut StepResult,
) -> Option<Response> {
    let polling = Polling {
        timeout: s.timeout.unwrap_or(ctx.step_timeout),
        every: s.every,
        // A real vendor takes minutes where a mock takes milliseconds: `--min-poll-timeout`.
        limit: s.poll_timeout.max(ctx.min_poll_timeout),
        started: Instant::now(),
    };
    loop {
        let (request, redactor) = prepare(s, op, scope, ctx, result).await?;
        let sent = send(s, &request, ctx, &polling, &scope.scenario_name, result).await;
        let Some((r, deadline)) = sent else {
            keep_unrecorded(ctx, result, request, None);
            return None;
        };
        result.status = Some(r.status);
        if ctx.record_now {
            result.response = Some(ResponseRecord::redacted(&r, &redactor, RECORD_BODY_LIMIT));
        }
        let spec_findings = spec_check(s, op, &r, ctx.strict);
        let spec_findings = match judge(s, &r, scope, spec_findings, &polling, deadline, result) {
            Attempt::Answered => {
                keep_unrecorded(ctx, result, request, None);
                return Some(r);
            }
            Attempt::Ended => {
                keep_unrecorded(ctx, result, request, Some(r));
                return None;
            }
            Attempt::Again(spec_findings) => {
                keep_unrecorded(ctx, result, request, Some(r));
                spec_findings
            }
        };
        // An interrupt ends a main step's polling (the state may never come); clean-up steps
        // poll on, within the clean-up budget, so what they delete is gone when the run ends.
        let interrupted = match phase {
            Phase::Main => ctx.interrupt.sleep(polling.every).await,
            Phase::Finally => {
                tokio::time::sleep(polling.every).await;
                false
            }
        };
        if interrupted {
            result.findings.extend(spec_findings);
            result
                .findings
                .push(interrupted_poll(s, ctx, &polling, result.attempts));
            return None;
        }
    }
}

/// Keeps the exchange unrecorded in `result` when the step does not record as it goes
/// ([`StepContext::record_now`]).
fn keep_unrecorded(
    ctx: &StepContext<'_>,
    result: &mut StepResult,
    request: Request,
    response: Option<Response>,
) {
    if !ctx.record_now {
        result.unrecorded = Some(Box::new(Unrecorded { request, response }));
    }
}

/// Builds the request and records it; before the first attempt, checks it against the spec
/// (a step that says `invalid_request: true` must break it). None when the step ends here: a
/// template failed, the request check did, or it is a dry run.
async fn prepare<'c>(
    s: &PlannedStep,
    op: &Operation,
    scope: &StepScope,
    ctx: &'c StepContext<'_>,
    result: &mut StepResult,
) -> Option<(Request, std::borrow::Cow<'c, Redactor>)> {
    let built = match send::build(s, op, ctx.target, scope, ctx.client).await {
        Ok(b) => b,
        Err(f) => {
            result.findings.push(*f);
            return None;
        }
    };
    // Credentials may have just been obtained (a login at the vendor's identity service): redact those too.
    let redactor = ctx.live_redactor();
    let record = |result: &mut StepResult| {
        let mut record = RequestRecord::redacted(&built.request, &redactor, RECORD_BODY_LIMIT);
        if ctx.dry_run {
            record.credentials = Some(credentials(s, op, ctx.target));
        }
        result.request = Some(record);
    };
    // Recorded later, if at all, when the step does not record as it goes; but a step that
    // ends here without sending (a dry run, a request that breaks the spec) is recorded now.
    let refused = (result.attempts == 0)
        .then(|| pre_send_check(s, op, &built.outgoing))
        .flatten();
    if ctx.record_now || ctx.dry_run || refused.is_some() {
        record(result);
    }
    if result.attempts == 0
        && let Some(w) = uncredentialed(s, op, ctx.target, ctx.api)
    {
        result.findings.push(w);
    }
    if let Some(f) = refused {
        result.findings.extend(f);
        return None;
    }
    if ctx.dry_run {
        result.skipped = Some("dry run: built and signed, not sent".into());
        return None;
    }
    Some((built.request, redactor))
}

/// The request against the spec before sending: the findings that end the step, if any.
fn pre_send_check(s: &PlannedStep, op: &Operation, outgoing: &Outgoing) -> Option<Vec<Finding>> {
    let problems = check::request::check(op, outgoing, s.call_pos);
    match (s.invalid_request.is_some(), problems.is_empty()) {
        (false, false) => Some(problems),
        (true, true) => {
            let pos = s.invalid_request.unwrap_or(s.call_pos);
            Some(vec![
                Finding::error(
                    CheckKind::Request,
                    "the step says `invalid_request: true`, but its request conforms to the spec",
                )
                .at(pos),
            ])
        }
        _ => None,
    }
}

/// One attempt on the wire, within the rate limit and what is left of the step's time; with
/// the deadline that bounded it.
async fn send(
    s: &PlannedStep,
    request: &Request,
    ctx: &StepContext<'_>,
    polling: &Polling,
    scenario: &str,
    result: &mut StepResult,
) -> Option<(Response, Option<(Instant, Bound)>)> {
    if let Some(limiter) = ctx.rate {
        limiter.acquire().await;
    }
    let deadline = ctx.deadline();
    let remaining = deadline.map(|(d, _)| d.saturating_duration_since(Instant::now()));
    if let (Some(Duration::ZERO), Some((_, bound))) = (remaining, deadline) {
        result
            .findings
            .push(bound.ran_out(ctx.remedies).at(s.call_pos));
        return None;
    }
    let this_timeout = remaining.map_or(polling.timeout, |r| r.min(polling.timeout));
    result.attempts += 1;
    match on_the_wire(s, request, ctx, this_timeout, scenario, result).await {
        Ok(r) => Some((r, deadline)),
        Err(f) => {
            result.findings.push(f.at(s.call_pos));
            None
        }
    }
}

/// The request sent (its redirects followed when the step asks), a connection dropped under
/// it said, and its answer counted among the run's.
async fn on_the_wire(
    s: &PlannedStep,
    request: &Request,
    ctx: &StepContext<'_>,
    timeout: Duration,
    scenario: &str,
    result: &mut StepResult,
) -> Result<Response, Finding> {
    // A request that must not be sent twice gives a close the target may be sending after a
    // 5xx the time to arrive (`dropped::GRACE`); other requests are sent again if it comes.
    if !dropped::idempotent(&request.method) && after_kept_alive_error(ctx, request, result) {
        tokio::time::sleep(dropped::GRACE).await;
    }
    let mut dropped = None;
    let mut sent = if s.follow_redirects.is_some() {
        send::send_following(ctx.client, request, timeout, ctx.max_body, &mut dropped)
            .await
            .map(|f| {
                // The record shows the request that got the answer: the URL that answered.
                if f.redirects > 0 {
                    let redactor = ctx.live_redactor();
                    result.request = Some(RequestRecord::redacted(
                        &f.request,
                        &redactor,
                        RECORD_BODY_LIMIT,
                    ));
                }
                f.response
            })
    } else {
        send::send(ctx.client, request, timeout, ctx.max_body, &mut dropped).await
    };
    if let Some(d) = &dropped {
        let prior = prior_kept_alive(ctx, request, result);
        after_drop(d, prior, &mut sent, result);
    }
    if let Ok(r) = &sent {
        ctx.answers
            .answered(&request.url, r.status, &r.headers, || {
                let path = request.url.path();
                format!(
                    "{} to {} {path} (scenario `{scenario}`)",
                    r.status, request.method
                )
            });
    }
    sent
}

/// What a connection that broke before any answer means for the step, said with the answer
/// before it when that one left the connection open: the target closed a connection it had
/// kept alive, and this step's request was only the one that found out. Sent again and
/// answered, the step goes on with a warning that says so; not sent again (a POST that may
/// have been processed) or failed twice, the error says why.
fn after_drop(
    d: &Dropped,
    prior: Option<String>,
    sent: &mut Result<Response, Finding>,
    result: &mut StepResult,
) {
    let method = &d.method;
    let what = match (d.kind, prior) {
        (DropKind::Unsent, _) => "the connection closed before the request was written".to_owned(),
        (DropKind::Unanswered, Some(prior)) => format!(
            "the target closed the connection it had kept alive after answering {prior} \
             without `Connection: close`"
        ),
        (DropKind::Unanswered, None) => "the connection broke before any answer came".to_owned(),
    };
    match sent {
        Ok(_) => {
            let why = match d.kind {
                DropKind::Unsent => "it never reached the target".to_owned(),
                DropKind::Unanswered => format!("{method} is idempotent"),
            };
            result.findings.push(Finding::warning(
                CheckKind::Transport,
                format!(
                    "{what} ({}); sent again on another connection, as {why}: this is the \
                     answer to the second sending",
                    d.cause
                ),
            ));
        }
        Err(f) if d.resent => {
            f.message = format!(
                "{}; that was the second sending, after the first failed: {what} ({})",
                f.message, d.cause
            );
        }
        Err(f) => {
            f.message = format!(
                "{}; {what}; not sent again: the target may have read and processed this \
                 {method}",
                f.message
            );
        }
    }
}

/// The answer against the spec, an undocumented status the step expects made a warning.
fn spec_check(s: &PlannedStep, op: &Operation, r: &Response, strict: bool) -> Vec<Finding> {
    expected_undocumented(
        s,
        r.status,
        strict,
        check::schema::check(op, r, strict, s.call_pos),
    )
}

/// What an attempt's answer means for the poll: every attempt must conform (a broken
/// intermediate state is a finding, not noise), `fail_if` ends it, `until` met answers it,
/// and time running out ends it with the last attempt's misses.
fn judge(
    s: &PlannedStep,
    r: &Response,
    scope: &StepScope,
    spec_findings: Vec<Finding>,
    polling: &Polling,
    deadline: Option<(Instant, Bound)>,
    result: &mut StepResult,
) -> Attempt {
    let Some(until) = &s.until else {
        result.findings.extend(spec_findings);
        return Attempt::Answered;
    };
    if spec_findings
        .iter()
        .any(|f| f.severity >= Severity::Violation)
    {
        result.findings.extend(spec_findings);
        return Attempt::Ended;
    }
    if let Some(fail_if) = &s.fail_if
        && satisfies(fail_if, r, scope).is_empty()
    {
        result.findings.extend(spec_findings);
        result.findings.push(
            Finding::violation(
                CheckKind::Poll,
                format!("`fail_if` matched on attempt {}", result.attempts),
            )
            .keyword("fail_if")
            .actual(r.json().cloned().unwrap_or(Value::Null))
            .at(fail_if.pos),
        );
        return Attempt::Ended;
    }
    let misses = satisfies(until, r, scope);
    if misses.is_empty() {
        result.findings.extend(spec_findings);
        return Attempt::Answered;
    }
    let out_of_time = polling.started.elapsed() + polling.every > polling.limit
        || deadline.is_some_and(|(d, _)| Instant::now() + polling.every > d);
    if !out_of_time {
        return Attempt::Again(spec_findings);
    }
    result.findings.extend(spec_findings);
    result.findings.push(
        Finding::violation(
            CheckKind::Poll,
            format!(
                "`until` was not met after {} attempt(s) in {}",
                result.attempts,
                crate::units::human_duration(polling.started.elapsed())
            ),
        )
        .keyword("until")
        .at(until.pos),
    );
    for mut f in misses {
        f.message = format!("last attempt: {}", f.message);
        result.findings.push(f);
    }
    if let Some(b) = &until.body {
        let m = match_value(b, r.json(), scope, CheckKind::Body, "");
        result.body_diff = diff_of(m.expected_view, m.actual_view);
    }
    Attempt::Ended
}

/// The finding of a poll an interrupt ended.
fn interrupted_poll(
    s: &PlannedStep,
    ctx: &StepContext<'_>,
    polling: &Polling,
    attempts: u32,
) -> Finding {
    let signal = ctx.interrupt.signal().unwrap_or("an interrupt");
    let pos = s.until.as_ref().map_or(s.call_pos, |u| u.pos);
    Finding::error(
        CheckKind::Interrupted,
        format!(
            "interrupted by {signal} while polling: `until` not met after {attempts} attempt(s) in {}",
            crate::units::human_duration(polling.started.elapsed())
        ),
    )
    .keyword("until")
    .at(pos)
}

/// The final answer against the step's `expect` (a step without `expect.status` expects
/// success).
fn expectations(s: &PlannedStep, received: &Response, scope: &StepScope, result: &mut StepResult) {
    match s.expect.as_ref().and_then(|e| e.status.as_ref()) {
        Some(st) => result
            .findings
            .extend(check::status::check(st, received.status)),
        None => {
            let default = Spanned::new(StatusSpec::Class("2xx".into()), s.call_pos);
            if let Some(mut f) = check::status::check(&default, received.status) {
                f.message = format!(
                    "{} (a step without `expect.status` expects success)",
                    f.message
                );
                result.findings.push(f);
            }
        }
    }
    if let Some(exp) = &s.expect {
        if !exp.headers.is_empty() {
            result.findings.extend(check::headers::check(
                &exp.headers,
                &received.headers,
                scope,
            ));
        }
        if let Some(b) = &exp.body
            && !holds(b, received.json(), scope)
        {
            let m = match_value(b, received.json(), scope, CheckKind::Body, "");
            if !m.ok() {
                result.body_diff = diff_of(m.expected_view, m.actual_view);
            }
            result.findings.extend(m.findings);
        }
        if let Some(items) = &exp.items {
            let found = check::items_expect::check(items, received, scope);
            result.findings.extend(found);
        }
    }
}

/// The step's captures, into the scenario's variables.
fn captures(s: &PlannedStep, received: &Response, scope: &mut StepScope, result: &mut StepResult) {
    // A stream's items are captured from `/items/<index>/...`.
    let stream = if s.captures.is_empty() {
        None
    } else {
        check::items_expect::view(received)
    };
    let json = stream.as_ref().or(received.json());
    for (name, cap) in &s.captures {
        match cap.take(json, &received.headers) {
            Some(v) => {
                scope.vars.insert(name.clone(), v);
            }
            None => result.findings.push(
                Finding::violation(
                    CheckKind::Capture,
                    format!("capture `{name}`: {} is not in the response", describe(cap)),
                )
                .keyword("capture")
                .at(s.capture_pos),
            ),
        }
    }
}

/// A 401 or 403 to a request that carried no credential (no credential header, no
/// credentials attached): its status findings say so, and how to send one, rather than leave
/// "403 is not documented" to be read as the target's fault.
fn refused_without_credentials(
    s: &PlannedStep,
    op: &Operation,
    ctx: &StepContext<'_>,
    result: &mut StepResult,
) {
    if !matches!(result.status, Some(401 | 403)) {
        return;
    }
    let Some(headers) = result.last_request_headers() else {
        return;
    };
    let carried = headers.iter().any(|(n, _)| Redactor::is_secret_header(n));
    let attached =
        s.auth == AuthMode::Default && ctx.target.auth.is_some() && !op.security.is_empty();
    if attached || carried {
        return;
    }
    let note = format!(
        "; the request carried no credential (no Authorization, Cookie or API-key header): \
         to send one, {}",
        ctx.remedies.send_credentials()
    );
    for f in result
        .findings
        .iter_mut()
        .filter(|f| matches!(f.check, CheckKind::Status | CheckKind::UndocumentedStatus))
    {
        f.message.push_str(&note);
    }
}

/// What credentials the step's request carries, in words.
fn credentials(s: &PlannedStep, op: &Operation, target: &Target) -> String {
    match (s.auth, &target.auth) {
        (AuthMode::None, _) => "none (the step says `auth: none`)".into(),
        (AuthMode::Default, Some(a)) => a.describe_for(&op.id),
        (AuthMode::Default, None) => "none (the target has no credentials)".into(),
    }
}

/// A warning, before sending, for a request that goes out without the credentials the spec
/// requires: the target would answer 401 and nothing would say why.
fn uncredentialed(s: &PlannedStep, op: &Operation, target: &Target, api: &str) -> Option<Finding> {
    if op.security.is_empty() || target.auth.is_some() || s.auth == AuthMode::None {
        return None;
    }
    Some(
        Finding::warning(
            CheckKind::Request,
            format!(
                "sent without credentials: the spec requires `{}` for `{}`, and the target has none ({}, or give `auth:` in a targets file)",
                op.security.join("` and `"),
                op.id,
                crate::vendor::credential_hint(api)
            ),
        )
        .keyword("security")
        .at(s.call_pos),
    )
}

fn diff_of(expected: Option<Value>, actual: Option<Value>) -> Option<BodyDiff> {
    Some(BodyDiff {
        expected: expected.unwrap_or(Value::Null),
        actual: actual.unwrap_or(Value::Null),
    })
}

fn describe(cap: &Capture) -> String {
    match cap {
        Capture::Pointer(p) | Capture::Body { body: p } => format!("body pointer `{p}`"),
        Capture::Header {
            header,
            last_segment: false,
        } => format!("header `{header}`"),
        Capture::Header { header, .. } => format!("the last path segment of header `{header}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::Bound;
    use crate::remedy::{OwnTerms, Remedies, Setting};

    /// A caller that names settings its own way, as the CLI does with flags.
    #[derive(Debug)]
    struct Named;

    impl Remedies for Named {
        fn give_target(&self, api: &str) -> String {
            format!("target {api}")
        }
        fn allow_writes(&self) -> String {
            "writes".into()
        }
        fn give_var(&self) -> String {
            "var".into()
        }
        fn name(&self, setting: Setting) -> String {
            format!("<{setting:?}>")
        }
        fn send_credentials(&self) -> String {
            "header".into()
        }
    }

    #[test]
    fn the_clean_up_budget_is_named_as_the_caller_names_it() {
        let named = Bound::Cleanup.ran_out(&Named);
        assert!(
            named.message.ends_with("(`<CleanupTimeout>`)"),
            "{}",
            named.message
        );
        let own = Bound::Cleanup.ran_out(&OwnTerms);
        assert!(
            own.message.ends_with("(`Interrupt::new`)") && !own.message.contains("--"),
            "{}",
            own.message
        );
    }
}
