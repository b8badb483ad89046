//! Results as their own types: [`RunResult`] > [`ScenarioResult`] > [`StepResult`]. Reports are
//! pure functions of these; nothing here prints.

use std::time::Duration;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::check::{Finding, Severity};
use crate::diag::Diagnostic;
use crate::scenario::{Pos, Spanned, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
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

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Passed => "PASS",
            Outcome::Skipped => "SKIP",
            Outcome::Failed => "FAIL",
            Outcome::Errored => "ERROR",
        }
    }
}

pub fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0)
}

#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub run_id: String,
    /// RFC 3339.
    pub started_at: String,
    #[serde(serialize_with = "millis", rename = "duration_ms")]
    pub duration: Duration,
    pub scenarios: Vec<ScenarioResult>,
}

impl RunResult {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.scenarios
            .iter()
            .filter(|s| s.outcome == outcome)
            .count()
    }

    /// 0 all conform, 1 violations, 2 errors.
    pub fn exit_code(&self) -> i32 {
        match self.scenarios.iter().map(|s| s.outcome).max() {
            Some(Outcome::Errored) => 2,
            Some(Outcome::Failed) => 1,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// The path under the root it was found in, such as `openstack-compute/restore.yaml`.
    pub id: String,
    pub path: String,
    pub name: String,
    pub api: String,
    pub tags: Vec<String>,
    pub outcome: Outcome,
    /// Why the scenario could not run (parse and validation errors, missing target).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Diagnostic>,
    pub steps: Vec<StepResult>,
    /// Why the scenario was not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(serialize_with = "millis", rename = "duration_ms")]
    pub duration: Duration,
}

impl ScenarioResult {
    pub fn findings(&self) -> impl Iterator<Item = (&StepResult, &Finding)> {
        self.steps
            .iter()
            .flat_map(|s| s.findings.iter().map(move |f| (s, f)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Main,
    Finally,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub name: String,
    /// The operationId called.
    pub call: String,
    pub phase: Phase,
    pub pos: Pos,
    pub outcome: Outcome,
    /// How many times the request was sent (more than one when polling).
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    pub findings: Vec<Finding>,
    /// Expected and actual bodies projected onto what the expectation names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_diff: Option<BodyDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(serialize_with = "millis", rename = "duration_ms")]
    pub duration: Duration,
}

impl StepResult {
    /// The result of `step` before it runs: passed, no attempts, nothing recorded.
    pub fn not_run(step: &Spanned<Step>, phase: Phase) -> Self {
        let s = &step.value;
        StepResult {
            name: s.name.clone().unwrap_or_else(|| s.call.value.clone()),
            call: s.call.value.clone(),
            phase,
            pos: step.pos,
            outcome: Outcome::Passed,
            attempts: 0,
            request: None,
            response: None,
            findings: Vec::new(),
            body_diff: None,
            skipped: None,
            duration: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BodyDiff {
    pub expected: Value,
    pub actual: Value,
}

/// A request as sent, with credentials redacted.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A response as received, with credentials redacted and the body cut at a limit.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body's length before it was cut.
    pub body_bytes: usize,
    pub truncated: bool,
}
