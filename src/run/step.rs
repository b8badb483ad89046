//! Running one step: build, validate the request, send (polling under `until`), check the
//! response against the spec and the expectation, and capture values for later steps.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::exchange::{self, Received};
use super::result::{BodyDiff, Outcome, Phase, RequestRecord, ResponseRecord, StepResult};
use super::scope::StepScope;
use crate::check::body::match_value;
use crate::check::{self, CheckKind, Finding, Observed, Severity};
use crate::plan::{Expectation, PlannedStep};
use crate::redact::Redactor;
use crate::scenario::{AuthMode, Capture, Spanned, StatusSpec};
use crate::spec::Operation;
use crate::target::Target;

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
    /// Response bodies larger than this are not read (`--max-body`).
    pub max_body: usize,
    /// The API the step calls, to name its credential variables in messages.
    pub api: &'a str,
}

impl StepContext<'_> {
    /// The run's redactor plus the target's credentials as they are now: a login may have
    /// just returned a token.
    fn live_redactor(&self) -> std::borrow::Cow<'_, Redactor> {
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
    fn ran_out(self) -> Finding {
        match self {
            Bound::Scenario => Finding::error(
                CheckKind::Scenario,
                "the scenario's timeout ran out before this step",
            ),
            Bound::Cleanup => Finding::error(
                CheckKind::Limit,
                "the clean-up budget after the interrupt ran out before this step (`--cleanup-timeout`)",
            ),
        }
    }
}

fn observed(r: &Received) -> Observed<'_> {
    Observed {
        status: r.status,
        headers: &r.headers,
        body: &r.body,
        json: r.json.as_ref(),
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
fn satisfies(exp: &Expectation, r: &Received, scope: &StepScope) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = &exp.status {
        out.extend(check::status::check(s, r.status));
    }
    if !exp.headers.is_empty() {
        out.extend(check::headers::check(&exp.headers, &observed(r), scope));
    }
    if let Some(b) = &exp.body {
        out.extend(match_value(b, r.json.as_ref(), scope, CheckKind::Body, "").findings);
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
    let started = Instant::now();
    let mut result = StepResult::not_run(step, phase);
    execute(step, phase, op, scope, ctx, &mut result).await;
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
    result
}

async fn execute(
    s: &PlannedStep,
    phase: Phase,
    op: &Operation,
    scope: &mut StepScope,
    ctx: &StepContext<'_>,
    result: &mut StepResult,
) {
    let timeout = s.timeout.unwrap_or(ctx.step_timeout);
    let every = s.every;
    // A real vendor takes minutes where a mock takes milliseconds: `--min-poll-timeout`.
    let poll_timeout = s.poll_timeout.max(ctx.min_poll_timeout);
    let poll_started = Instant::now();
    let invalid_on_purpose = s.invalid_request.is_some();

    let received = loop {
        let built = match exchange::build(s, op, ctx.target, scope, ctx.client).await {
            Ok(b) => b,
            Err(f) => {
                result.findings.push(*f);
                return;
            }
        };
        // Credentials may have just been obtained (a Keystone login): redact those too.
        let redactor = ctx.live_redactor();
        let mut record = record_request(&built.prepared, &redactor);
        if ctx.dry_run {
            record.credentials = Some(credentials(s, op, ctx.target));
        }
        result.request = Some(record);
        if result.attempts == 0 {
            if let Some(w) = uncredentialed(s, op, ctx.target, ctx.api) {
                result.findings.push(w);
            }
            let problems = check::request::check(op, &built.outgoing, s.call_pos);
            match (invalid_on_purpose, problems.is_empty()) {
                (false, false) => {
                    result.findings.extend(problems);
                    return;
                }
                (true, true) => {
                    let pos = s.invalid_request.unwrap_or(s.call_pos);
                    result.findings.push(
                        Finding::error(CheckKind::Request, "the step says `invalid_request: true`, but its request conforms to the spec")
                            .at(pos),
                    );
                    return;
                }
                _ => {}
            }
        }
        if ctx.dry_run {
            result.skipped = Some("dry run: built and signed, not sent".into());
            return;
        }
        if let Some(limiter) = ctx.rate {
            limiter.acquire().await;
        }
        let deadline = ctx.deadline();
        let remaining = deadline.map(|(d, _)| d.saturating_duration_since(Instant::now()));
        if let (Some(Duration::ZERO), Some((_, bound))) = (remaining, deadline) {
            result.findings.push(bound.ran_out().at(s.call_pos));
            return;
        }
        let this_timeout = remaining.map_or(timeout, |r| r.min(timeout));
        result.attempts += 1;
        let r = match exchange::send(ctx.client, &built.prepared, this_timeout, ctx.max_body).await
        {
            Ok(r) => r,
            Err(f) => {
                result.findings.push(f.at(s.call_pos));
                return;
            }
        };
        result.status = Some(r.status);
        result.response = Some(record_response(&r, &redactor));
        let spec_findings = expected_undocumented(
            s,
            r.status,
            ctx.strict,
            check::schema::check(op, &observed(&r), ctx.strict, s.call_pos),
        );
        let spec_broken = spec_findings
            .iter()
            .any(|f| f.severity >= Severity::Violation);
        let Some(until) = &s.until else {
            result.findings.extend(spec_findings);
            break r;
        };
        // Every attempt must conform: a broken intermediate state is a finding, not noise.
        if spec_broken {
            result.findings.extend(spec_findings);
            return;
        }
        if let Some(fail_if) = &s.fail_if
            && satisfies(fail_if, &r, scope).is_empty()
        {
            result.findings.extend(spec_findings);
            result.findings.push(
                Finding::violation(
                    CheckKind::Poll,
                    format!("`fail_if` matched on attempt {}", result.attempts),
                )
                .keyword("fail_if")
                .actual(r.json.clone().unwrap_or(Value::Null))
                .at(fail_if.pos),
            );
            return;
        }
        let misses = satisfies(until, &r, scope);
        if misses.is_empty() {
            result.findings.extend(spec_findings);
            break r;
        }
        let out_of_time = poll_started.elapsed() + every > poll_timeout
            || deadline.is_some_and(|(d, _)| Instant::now() + every > d);
        if out_of_time {
            result.findings.extend(spec_findings);
            result.findings.push(
                Finding::violation(
                    CheckKind::Poll,
                    format!(
                        "`until` was not met after {} attempt(s) in {}",
                        result.attempts,
                        crate::units::human_duration(poll_started.elapsed())
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
                let m = match_value(b, r.json.as_ref(), scope, CheckKind::Body, "");
                result.body_diff = diff_of(m.expected_view, m.actual_view);
            }
            return;
        }
        // An interrupt ends a main step's polling (the state may never come); clean-up steps
        // poll on, within the clean-up budget, so what they delete is gone when the run ends.
        let interrupted = match phase {
            Phase::Main => ctx.interrupt.sleep(every).await,
            Phase::Finally => {
                tokio::time::sleep(every).await;
                false
            }
        };
        if interrupted {
            result.findings.extend(spec_findings);
            let signal = ctx.interrupt.signal().unwrap_or("an interrupt");
            result.findings.push(
                Finding::error(
                    CheckKind::Interrupted,
                    format!(
                        "interrupted by {signal} while polling: `until` not met after {} attempt(s) in {}",
                        result.attempts,
                        crate::units::human_duration(poll_started.elapsed())
                    ),
                )
                .keyword("until")
                .at(until.pos),
            );
            return;
        }
    };

    let obs = observed(&received);
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
            result
                .findings
                .extend(check::headers::check(&exp.headers, &obs, scope));
        }
        if let Some(b) = &exp.body {
            let m = match_value(b, received.json.as_ref(), scope, CheckKind::Body, "");
            if !m.ok() {
                result.body_diff = diff_of(m.expected_view, m.actual_view);
            }
            result.findings.extend(m.findings);
        }
    }
    if check::body::passes(&result.findings) {
        for (name, cap) in &s.captures {
            match cap.take(received.json.as_ref(), &received.headers) {
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

pub(crate) fn cut(text: &str, limit: usize) -> (String, bool) {
    if text.len() <= limit {
        return (text.to_owned(), false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}

fn record_request(p: &crate::target::Prepared, redactor: &Redactor) -> RequestRecord {
    RequestRecord {
        method: p.method.clone(),
        url: redactor.text(p.url.as_str()),
        headers: redactor.headers(&p.headers),
        body: (!p.body.is_empty()).then(|| {
            let text = String::from_utf8_lossy(&p.body);
            cut(&redactor.body(&text), RECORD_BODY_LIMIT).0
        }),
        body_bytes: p.body.len(),
        credentials: None,
    }
}

fn record_response(r: &Received, redactor: &Redactor) -> ResponseRecord {
    let text = String::from_utf8_lossy(&r.body);
    // The body was parsed once already when it is JSON: redact that tree, not a second parse.
    let redacted = match &r.json {
        Some(v @ (Value::Object(_) | Value::Array(_))) => {
            serde_json::to_string(&redactor.json(v)).unwrap_or_else(|_| redactor.text(&text))
        }
        _ => redactor.body(&text),
    };
    let (body, truncated) = cut(&redacted, RECORD_BODY_LIMIT);
    ResponseRecord {
        status: r.status,
        headers: redactor.headers(&r.headers),
        body,
        body_bytes: r.body_len,
        truncated: truncated || r.body_len > r.body.len(),
    }
}
