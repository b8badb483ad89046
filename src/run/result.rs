//! Results as their own types: [`ScenarioResult`] > [`StepResult`], streamed one scenario at a
//! time; [`RunSummary`] (the counts) at the end; [`RunResult`], the scenarios a reporter chose
//! to keep. Reports are pure functions of these; nothing here prints.

use std::time::Duration;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::check::{Finding, Severity};
use crate::http::{Request, Response};
use crate::plan::{Plan, PlannedStep, Rejected};
use crate::redact::Redactor;
use crate::scenario::Found;
use crate::source::{Diagnostic, Pos};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
/// How a scenario or a step ended; ordered from best to worst, so the worst of several is their `max`.
pub enum Outcome {
    /// Every check held.
    Passed,
    /// Not run: `--fail-fast` stopped the run, or a clean-up step lacked what it needed.
    Skipped,
    /// The target broke the contract or an expectation.
    Failed,
    /// The scenario, spec, configuration or environment failed.
    Errored,
}

impl Outcome {
    /// The outcome implied by a set of findings.
    pub fn of(findings: &[Finding]) -> Outcome {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Outcome::Errored,
            Some(Severity::Violation) => Outcome::Failed,
            _ => Outcome::Passed,
        }
    }

    /// The word reports print for it: `PASS`, `SKIP`, `FAIL`, `ERROR`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Passed => "PASS",
            Outcome::Skipped => "SKIP",
            Outcome::Failed => "FAIL",
            Outcome::Errored => "ERROR",
        }
    }
}

/// The process exit status of a run: 0 every scenario conforms, 1 a target broke the contract or
/// an expectation, 2 something could not be proven (scenario, spec, configuration, environment),
/// 130 the run was interrupted (128 + SIGINT, as shells report it), whatever the scenarios did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum ExitCode {
    /// Every scenario conforms (or none ran).
    Conform = 0,
    /// A target broke the contract or an expectation.
    Violations = 1,
    /// Something could not be proven: scenario, spec, configuration or environment.
    Errors = 2,
    /// The run was interrupted (128 + SIGINT).
    Interrupted = 130,
}

impl ExitCode {
    /// The exit code of a run whose worst outcome is `worst` (`None`: no scenario).
    pub fn of(worst: Option<Outcome>) -> ExitCode {
        match worst {
            Some(Outcome::Errored) => ExitCode::Errors,
            Some(Outcome::Failed) => ExitCode::Violations,
            _ => ExitCode::Conform,
        }
    }

    /// The number the process exits with.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// As the number a shell sees.
impl Serialize for ExitCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

/// Scenarios by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Every scenario counted, whatever its outcome.
    pub total: usize,
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios where the target broke the contract or an expectation.
    pub failed: usize,
    /// Scenarios that could not be proven (scenario, spec, configuration, environment).
    pub errored: usize,
    /// Scenarios not run.
    pub skipped: usize,
}

impl Counts {
    /// The counts of these scenarios' outcomes.
    pub fn of<'a>(scenarios: impl IntoIterator<Item = &'a ScenarioResult>) -> Counts {
        let mut c = Counts::default();
        for s in scenarios {
            c.add(s.outcome);
        }
        c
    }

    /// Counts one more scenario that ended with `outcome`.
    pub fn add(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Errored => self.errored += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    /// How many scenarios ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        match outcome {
            Outcome::Passed => self.passed,
            Outcome::Failed => self.failed,
            Outcome::Errored => self.errored,
            Outcome::Skipped => self.skipped,
        }
    }

    /// The worst outcome present, for coloring a row.
    pub fn worst(&self) -> Outcome {
        if self.errored > 0 {
            Outcome::Errored
        } else if self.failed > 0 {
            Outcome::Failed
        } else if self.passed == 0 && self.skipped > 0 {
            Outcome::Skipped
        } else {
            Outcome::Passed
        }
    }

    /// The process exit status these counts imply: the worst outcome's, [`ExitCode::Conform`] when nothing ran.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::of((self.total > 0).then(|| self.worst()))
    }
}

/// What a whole run amounts to, without its scenarios (they were streamed as they finished).
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// The run's short id ([`crate::run::new_run_id`]), what scenarios see as `${run.id}`.
    pub run_id: String,
    /// RFC 3339.
    pub started_at: String,
    #[serde(serialize_with = "millis", rename = "duration_ms")]
    /// Wall-clock time of the whole run (serialised as `duration_ms`).
    pub duration: Duration,
    /// Scenarios by outcome.
    pub counts: Counts,
    /// The signal that interrupted the run (`SIGINT`, `SIGTERM`), if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<&'static str>,
}

impl RunSummary {
    /// The process exit status: the counts', or 130 after an interrupt.
    pub fn exit_code(&self) -> ExitCode {
        match self.interrupted {
            Some(_) => ExitCode::Interrupted,
            None => self.counts.exit_code(),
        }
    }
}

/// Serialises a duration as milliseconds, to the microsecond.
pub fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0)
}

#[derive(Debug, Clone, Serialize)]
/// A whole run with the scenario results kept: what tests and library callers collect.
pub struct RunResult {
    /// The run's short id ([`crate::run::new_run_id`]).
    pub run_id: String,
    /// RFC 3339.
    pub started_at: String,
    #[serde(serialize_with = "millis", rename = "duration_ms")]
    /// Wall-clock time of the whole run (serialised as `duration_ms`).
    pub duration: Duration,
    /// The results kept, in the order the files were found.
    pub scenarios: Vec<ScenarioResult>,
}

impl RunResult {
    /// How many scenarios ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.scenarios
            .iter()
            .filter(|s| s.outcome == outcome)
            .count()
    }

    /// 0 all conform, 1 violations, 2 errors.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::of(self.scenarios.iter().map(|s| s.outcome).max())
    }
}

#[derive(Debug, Clone, Serialize)]
/// What came of one scenario file: its outcome, its steps, and why it could not run if it could not.
pub struct ScenarioResult {
    /// The path under the root it was found in, such as `widgets/restore.yaml`.
    pub id: String,
    /// The file's path as found on disk.
    pub path: String,
    /// The scenario's `name`, or its id when the file could not be read.
    pub name: String,
    /// The API the scenario targets (its `api`); empty when unknown.
    pub api: String,
    /// The scenario's tags, which `--tag` selects on.
    pub tags: Vec<String>,
    /// The worst outcome of its steps, or why it did not run.
    pub outcome: Outcome,
    /// Why the scenario could not run (parse and validation errors, missing target).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Diagnostic>,
    /// Its steps in the order they ran, `finally` steps last.
    pub steps: Vec<StepResult>,
    /// Responses received that are not kept in `steps` (operationId, status, how many): the
    /// passing generated requests of `conform fuzz`, which still count toward coverage.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses_seen: Vec<StatusSeen>,
    /// Why the scenario was not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// An interrupt stopped its main steps; its `finally` steps still ran.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    #[serde(serialize_with = "millis", rename = "duration_ms")]
    /// Wall-clock time of the scenario (serialised as `duration_ms`).
    pub duration: Duration,
}

impl ScenarioResult {
    /// A result that passed with nothing in it yet, for what a run (or a fuzzed operation, or a
    /// recorded exchange) fills in.
    pub fn empty(id: &str, path: &str, name: &str, api: &str, tags: Vec<String>) -> Self {
        ScenarioResult {
            id: id.to_owned(),
            path: path.to_owned(),
            name: name.to_owned(),
            api: api.to_owned(),
            tags,
            outcome: Outcome::Passed,
            errors: Vec::new(),
            steps: Vec::new(),
            skipped: None,
            interrupted: false,
            duration: Duration::ZERO,
            statuses_seen: Vec::new(),
        }
    }

    /// The result of `plan` before it runs: passed, no steps yet.
    pub fn of_plan(plan: &Plan) -> Self {
        let path = plan.path.display().to_string();
        Self::empty(&plan.id, &path, &plan.name, &plan.api, plan.tags.clone())
    }

    /// A file that could not run, with the reason.
    pub fn errored(f: &Found, d: Diagnostic) -> Self {
        ScenarioResult {
            id: f.id.clone(),
            path: f.path.display().to_string(),
            name: f.id.clone(),
            api: String::new(),
            tags: Vec::new(),
            outcome: Outcome::Errored,
            errors: vec![d],
            steps: Vec::new(),
            statuses_seen: Vec::new(),
            skipped: None,
            interrupted: false,
            duration: Duration::ZERO,
        }
    }

    /// A scenario that does not parse or validate, with every problem.
    pub fn rejected(f: &Found, r: Rejected) -> Self {
        ScenarioResult {
            id: f.id.clone(),
            path: f.path.display().to_string(),
            name: r.name,
            api: r.api,
            tags: r.tags,
            outcome: Outcome::Errored,
            errors: r.diagnostics,
            steps: Vec::new(),
            statuses_seen: Vec::new(),
            skipped: None,
            interrupted: false,
            duration: Duration::ZERO,
        }
    }

    /// A file not run, with the reason.
    pub fn skipped(f: &Found, why: &str) -> Self {
        ScenarioResult {
            outcome: Outcome::Skipped,
            errors: Vec::new(),
            skipped: Some(why.to_owned()),
            ..ScenarioResult::errored(f, Diagnostic::new(&f.path, Pos::UNKNOWN, why))
        }
    }

    /// The same result without the exchanges of its steps (requests, responses, body diffs),
    /// for a scenario that passed: what a report shows of it is its row and its warnings.
    pub fn compact(&self) -> ScenarioResult {
        // Field by field: cloning whole steps would copy every recorded body only to drop it.
        ScenarioResult {
            id: self.id.clone(),
            path: self.path.clone(),
            name: self.name.clone(),
            api: self.api.clone(),
            tags: self.tags.clone(),
            outcome: self.outcome,
            errors: self.errors.clone(),
            steps: self
                .steps
                .iter()
                .map(|s| StepResult {
                    name: s.name.clone(),
                    call: s.call.clone(),
                    phase: s.phase,
                    pos: s.pos,
                    file: None,
                    outcome: s.outcome,
                    attempts: s.attempts,
                    status: s.status,
                    request: None,
                    response: None,
                    findings: s.findings.clone(),
                    body_diff: None,
                    skipped: s.skipped.clone(),
                    duration: s.duration,
                    unrecorded: None,
                })
                .collect(),
            statuses_seen: self.statuses_seen.clone(),
            skipped: self.skipped.clone(),
            interrupted: self.interrupted,
            duration: self.duration,
        }
    }

    /// Records the steps' unrecorded exchanges ([`StepResult::unrecorded`]), redacted by
    /// `redactor` and cut as every record is, when the scenario failed or erred, the only case
    /// in which a sink that did not ask for passing exchanges shows them; drops them otherwise.
    pub(crate) fn record_exchanges(&mut self, redactor: &Redactor) {
        let shown = matches!(self.outcome, Outcome::Failed | Outcome::Errored);
        for step in &mut self.steps {
            let Some(u) = step.unrecorded.take() else {
                continue;
            };
            if !shown {
                continue;
            }
            let limit = super::step::RECORD_BODY_LIMIT;
            if step.request.is_none() {
                step.request = Some(RequestRecord::redacted(&u.request, redactor, limit));
            }
            if let (None, Some(r)) = (&step.response, &u.response) {
                step.response = Some(ResponseRecord::redacted(r, redactor, limit));
            }
        }
    }

    /// Every finding of every step, with the step it belongs to, in step order.
    pub fn findings(&self) -> impl Iterator<Item = (&StepResult, &Finding)> {
        self.steps
            .iter()
            .flat_map(|s| s.findings.iter().map(move |f| (s, f)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
/// Which part of a scenario a step belongs to.
pub enum Phase {
    /// The scenario's `steps`; an interrupt or fail-fast stops them.
    Main,
    /// The `finally` steps, the clean-up that runs even after a failure or an interrupt.
    Finally,
}

#[derive(Debug, Clone, Serialize)]
/// What came of one step: its outcome, the exchange (when kept) and its findings.
pub struct StepResult {
    /// The step's `name`.
    pub name: String,
    /// The operationId called.
    pub call: String,
    /// Main step or clean-up.
    pub phase: Phase,
    /// Where the step is written in the scenario file.
    pub pos: Pos,
    /// The file `pos` (and its findings' positions) are in, when it is not the scenario's own
    /// `path`: a fuzzing result gathers failures each written (and saved) as its own scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The worst outcome of its findings, or skipped.
    pub outcome: Outcome,
    /// How many times the request was sent (more than one when polling).
    pub attempts: u32,
    /// The status of the last response, kept when the exchange itself is not (a passing
    /// scenario's records are dropped once reported, to keep a long run's memory flat).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The last request sent, redacted; `None` when not sent or dropped after reporting.
    pub request: Option<RequestRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The last response, redacted; `None` when none came, or dropped after reporting.
    pub response: Option<ResponseRecord>,
    /// Every difference found, across the last attempt's checks.
    pub findings: Vec<Finding>,
    /// Expected and actual bodies projected onto what the expectation names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_diff: Option<BodyDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Why the step was not run, when it was not.
    pub skipped: Option<String>,
    #[serde(serialize_with = "millis", rename = "duration_ms")]
    /// Wall-clock time of the step, every attempt included (serialised as `duration_ms`).
    pub duration: Duration,
    /// The last exchange as sent and read, kept instead of `request` and `response` while no
    /// sink reads a passing scenario's exchanges ([`super::EventSink::reads_passing_exchanges`]):
    /// recorded, redacted, only if the scenario fails ([`ScenarioResult::record_exchanges`]).
    #[serde(skip)]
    pub(crate) unrecorded: Option<Box<Unrecorded>>,
}

impl StepResult {
    /// The last request's method and URL path, from its record or, unrecorded, as sent.
    pub(crate) fn last_request_line(&self) -> Option<(String, String)> {
        match (&self.request, &self.unrecorded) {
            (Some(r), _) => {
                let path =
                    url::Url::parse(&r.url).map_or_else(|_| r.url.clone(), |u| u.path().to_owned());
                Some((r.method.clone(), path))
            }
            (None, Some(u)) => Some((u.request.method.clone(), u.request.url.path().to_owned())),
            (None, None) => None,
        }
    }

    /// The last request's headers, recorded (redacted values) or as sent: for their names.
    pub(crate) fn last_request_headers(&self) -> Option<&[(String, String)]> {
        match (&self.request, &self.unrecorded) {
            (Some(r), _) => Some(&r.headers),
            (None, Some(u)) => Some(&u.request.headers),
            (None, None) => None,
        }
    }

    /// The last answer's status and headers, from its record or, unrecorded, as read.
    pub(crate) fn last_response(&self) -> Option<(u16, &[(String, String)])> {
        match (&self.response, &self.unrecorded) {
            (Some(r), _) => Some((r.status, &r.headers)),
            (None, Some(u)) => u.response.as_ref().map(|r| (r.status, &*r.headers)),
            (None, None) => None,
        }
    }
}

/// An exchange not recorded yet: the request as sent and the response as read, unredacted.
/// Never serialized; turned into records, or dropped, before the scenario is reported.
#[derive(Debug, Clone)]
pub(crate) struct Unrecorded {
    pub(crate) request: Request,
    pub(crate) response: Option<Response>,
}

impl StepResult {
    /// The result of `step` before it runs: passed, no attempts, nothing recorded.
    pub fn not_run(step: &PlannedStep, phase: Phase) -> Self {
        StepResult {
            name: step.name.clone(),
            call: step.call.clone(),
            phase,
            pos: step.pos,
            file: None,
            outcome: Outcome::Passed,
            attempts: 0,
            status: None,
            request: None,
            response: None,
            findings: Vec::new(),
            body_diff: None,
            skipped: None,
            duration: Duration::ZERO,
            unrecorded: None,
        }
    }
}

impl StepResult {
    /// The file the step is written in: its own `file`, else its scenario's `path`.
    pub fn written_in<'a>(&'a self, scenario_path: &'a str) -> &'a str {
        self.file.as_deref().unwrap_or(scenario_path)
    }

    /// A pseudo-step that carries one finding (a `vars` template that could not be filled).
    pub fn synthetic(name: &str, phase: Phase, f: Finding) -> Self {
        StepResult {
            name: name.to_owned(),
            call: name.to_owned(),
            phase,
            pos: f.pos.unwrap_or_default(),
            file: None,
            outcome: Outcome::of(std::slice::from_ref(&f)),
            attempts: 0,
            status: None,
            request: None,
            response: None,
            findings: vec![f],
            body_diff: None,
            skipped: None,
            duration: Duration::ZERO,
            unrecorded: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
/// The expected body and the actual one projected onto it, for a report's diff: only the real differences show.
pub struct BodyDiff {
    /// The expectation, templates rendered and passing matchers replaced by the actual value.
    pub expected: Value,
    /// The actual body, limited to the keys the expectation names.
    pub actual: Value,
}

/// What a report shows of a [`crate::http::Request`]: redacted and its body cut when the
/// harness sent it, as read when a recording holds it. A separate, serialisable view rather
/// than the request itself: its shape is the reports' (the URL as text, the body as text, the
/// credentials described), and it holds no secret.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// The method sent (`GET`).
    pub method: String,
    /// The full URL, literal secrets redacted when the harness sent it.
    pub url: String,
    /// Headers in the order sent, credentials redacted.
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The body as text, cut at the report limit; `None` when there was none.
    pub body: Option<String>,
    /// The body's length before it was cut (the reports show the cut body; a HAR says both).
    #[serde(skip)]
    pub body_bytes: usize,
    /// The credentials the request carries, described without secrets (`--dry-run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
}

/// What a report shows of a [`crate::http::Response`], with credentials redacted and the body
/// cut at a limit: a serialisable view, as [`RequestRecord`] is.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseRecord {
    /// The HTTP status code.
    pub status: u16,
    /// Headers in the order received, credentials redacted.
    pub headers: Vec<(String, String)>,
    /// The body as text, redacted and cut at the report limit.
    pub body: String,
    /// The body's length before it was cut (decoded, when it came with a `Content-Encoding`).
    pub body_bytes: usize,
    /// The body's length on the wire, when it was decoded from it (`Content-Encoding`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wire_bytes: Option<usize>,
    /// Whether the body was cut (at the report limit, or by a recorder).
    pub truncated: bool,
}

impl RequestRecord {
    /// `req` as the harness sent it, redacted, its body cut at `limit` bytes.
    pub fn redacted(req: &Request, redactor: &Redactor, limit: usize) -> Self {
        RequestRecord {
            method: req.method.clone(),
            url: redactor.text(req.url.as_str()),
            headers: redactor.headers(&req.headers),
            body: (!req.body.is_empty()).then(|| cut(&redactor.body(&req.body.text()), limit).0),
            body_bytes: req.body.len(),
            credentials: None,
        }
    }

    /// `req` as a recording or a client sent it, nothing redacted or cut.
    pub fn whole(req: &Request) -> Self {
        RequestRecord {
            method: req.method.clone(),
            url: req.url.to_string(),
            headers: req.headers.to_vec(),
            // A body a recording declares (its `postData`) is shown even when empty.
            body: (!req.body.is_empty() || req.body.media_type().is_some())
                .then(|| req.body.text().into_owned()),
            body_bytes: req.body.full_len(),
            credentials: None,
        }
    }
}

impl ResponseRecord {
    /// `r` redacted, its body cut at `limit` bytes.
    pub fn redacted(r: &Response, redactor: &Redactor, limit: usize) -> Self {
        let text = r.body.text();
        // The body was parsed once already when it is JSON: redact that tree, not a second parse.
        let redacted = match r.json() {
            Some(v @ (Value::Object(_) | Value::Array(_))) => {
                serde_json::to_string(&redactor.json(v)).unwrap_or_else(|_| redactor.text(&text))
            }
            _ => redactor.body(&text),
        };
        let (body, truncated) = cut(&redacted, limit);
        ResponseRecord {
            status: r.status,
            headers: redactor.headers(&r.headers),
            body,
            body_bytes: r.body.full_len(),
            wire_bytes: r.body.wire_len(),
            truncated: truncated || r.body.is_truncated() || r.body.full_len() > r.body.len(),
        }
    }

    /// `r` as read, nothing redacted or cut.
    pub fn whole(r: &Response) -> Self {
        ResponseRecord {
            status: r.status,
            headers: r.headers.to_vec(),
            body: r.body.text().into_owned(),
            body_bytes: r.body.full_len(),
            wire_bytes: r.body.wire_len(),
            truncated: r.body.is_truncated(),
        }
    }
}

/// `text` cut at `limit` bytes (on a character boundary), and whether it was.
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

/// How many responses of one status an operation gave that a result does not keep as steps
/// (the passing generated requests of `conform fuzz`): counted toward coverage all the same.
/// Written in JSON as `[call, status, count]`, the shape reports have always had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSeen {
    /// The operationId called.
    pub call: String,
    /// The HTTP status it answered.
    pub status: u16,
    /// How many responses had it.
    pub count: usize,
}

impl Serialize for StatusSeen {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (&self.call, self.status, self.count).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::StatusSeen;

    #[test]
    fn a_status_seen_is_written_as_the_array_reports_have_always_had() {
        let seen = StatusSeen {
            call: "listItems".into(),
            status: 404,
            count: 3,
        };
        let json = serde_json::to_value(&seen).expect("serialises");
        assert_eq!(json, serde_json::json!(["listItems", 404, 3]));
    }
}
