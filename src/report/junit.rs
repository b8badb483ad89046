//! `junit.xml` with quick-junit: one `<testsuite>` per API, one `<testcase>` per scenario.
//!
//! CI viewers key on `classname` and `name` (GitLab shows both, GitHub's JUnit actions link
//! `file`), so `classname` is the API, `name` the scenario id (its path under the scenario root)
//! and `file` the path as given. A failure's message is its headline, its text the full
//! diagnosis with the body diff (the terminal's, uncolored), and `system-out` holds the redacted
//! request and response of the step that failed.

use std::collections::BTreeMap;
use std::fmt::Write;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::run::{Outcome, RunResult, ScenarioResult, StepResult};

/// The XML text of the JUnit report.
pub fn render(run: &RunResult) -> Result<String, quick_junit::SerializeError> {
    let timestamp = chrono::DateTime::parse_from_rfc3339(&run.started_at).ok();
    let mut report = Report::new("conform");
    report.set_time(run.duration);
    if let Some(t) = timestamp {
        report.set_timestamp(t);
    }
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for s in &run.scenarios {
        let suite = suites.entry(super::api_label(s)).or_insert_with(|| {
            let mut suite = TestSuite::new(super::api_label(s));
            if let Some(t) = timestamp {
                suite.set_timestamp(t);
            }
            suite
        });
        suite.add_test_case(case(s));
    }
    for suite in suites.values_mut() {
        // A suite's time is the sum of its scenarios' times, as JUnit readers expect; the
        // scenarios ran concurrently, so it can exceed the wall time of the run.
        let time = suite.test_cases.iter().filter_map(|c| c.time).sum();
        suite.set_time(time);
    }
    report.add_test_suites(suites.into_values());
    let mut text = report.to_string()?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

fn case(s: &ScenarioResult) -> TestCase {
    let status = match s.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Skipped => {
            let mut st = TestCaseStatus::skipped();
            let why = s.steps.iter().find_map(|st| st.skipped.clone());
            st.set_message(why.unwrap_or_else(|| "not run".into()));
            st
        }
        Outcome::Failed | Outcome::Errored => {
            let kind = if s.outcome == Outcome::Failed {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut st = TestCaseStatus::non_success(kind);
            st.set_message(super::headline(s));
            st.set_type(kind_of(s));
            st.set_description(super::terminal::details(s, false));
            st
        }
    };
    let mut case = TestCase::new(s.id.as_str(), status);
    case.set_classname(super::api_label(s));
    case.set_time(s.duration);
    case.extra.insert("file".into(), s.path.as_str().into());
    if let Some(step) = failing_step(s) {
        case.set_system_out(exchange_text(step));
    }
    case
}

/// The check of the worst finding (`schema`, `body`, `status`...), or `scenario` for a scenario
/// that could not run: the `type` attribute readers group failures by.
fn kind_of(s: &ScenarioResult) -> String {
    if !s.errors.is_empty() {
        return "scenario".into();
    }
    s.findings()
        .map(|(_, f)| f)
        .min_by_key(|f| std::cmp::Reverse(f.severity))
        .and_then(|f| serde_json::to_value(f.check).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "scenario".into())
}

/// The first step that did not pass and has something to show.
fn failing_step(s: &ScenarioResult) -> Option<&StepResult> {
    s.steps.iter().find(|st| {
        matches!(st.outcome, Outcome::Failed | Outcome::Errored)
            && (st.request.is_some() || st.response.is_some())
    })
}

/// The exchange as HTTP text: request line, headers, body; then the response likewise. Both
/// were redacted (and the response body truncated) by the runner before they reached a result.
pub fn exchange_text(step: &StepResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "step `{}` ({}) at line {}",
        step.name, step.call, step.pos
    );
    if let Some(req) = &step.request {
        let _ = writeln!(out, "\n> {} {}", req.method, req.url);
        for (n, v) in &req.headers {
            let _ = writeln!(out, "> {n}: {v}");
        }
        if let Some(b) = &req.body {
            let _ = writeln!(out, ">\n{}", pretty(b));
        }
    }
    if let Some(resp) = &step.response {
        let _ = writeln!(out, "\n< {}", resp.status);
        for (n, v) in &resp.headers {
            let _ = writeln!(out, "< {n}: {v}");
        }
        if !resp.body.is_empty() {
            let _ = writeln!(out, "<\n{}", pretty(&resp.body));
        }
        if resp.truncated {
            let _ = writeln!(out, "(body cut; {} bytes in all)", resp.body_bytes);
        }
    }
    out
}

/// A JSON body pretty-printed for reading; anything else (a cut body, text) as it is.
fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_owned())
}
