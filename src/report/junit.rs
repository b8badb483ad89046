//! `junit.xml` with quick-junit: one `<testsuite>` per API, one `<testcase>` per scenario.
//!
//! CI viewers key on `classname` and `name` (GitLab shows both, GitHub's JUnit actions link
//! `file`), so `classname` is the API, `name` the scenario id (its path under the scenario root)
//! and `file` the path as given. A failure's message is its headline, its text the full
//! diagnosis with the body diff (the terminal's, uncolored), and `system-out` holds the redacted
//! request and response of the step that failed. A passing case with warnings carries them in
//! its `system-out`; each suite counts its warnings (property `conform.warnings`) and lists them
//! grouped per operation and rule in its own `system-out`.
//!
//! [`JunitReport`] builds the file one scenario at a time (a streamed run and [`render`] share
//! it); the text is what quick-junit serializes for the whole report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::check::Severity;
use crate::run::{Outcome, RunResult, ScenarioResult, StepResult};

use super::RunInfo;
use super::parts::{InMemory, Part, Parts};
use super::warnings::Warnings;

/// The XML text of the JUnit report.
pub fn render(run: &RunResult) -> io::Result<String> {
    let mut report = JunitReport::new(InMemory);
    for s in &run.scenarios {
        report.add(s)?;
    }
    let mut out = Vec::new();
    report.finish(&RunInfo::of(run), &mut out)?;
    String::from_utf8(out).map_err(io::Error::other)
}

/// Stands for a suite's cases in the skeleton [`JunitReport::finish`] serializes. Only an
/// element can make `<testcase`: in a name or a text, `<` is escaped.
const PLACEHOLDER: &str = "\n        <testcase name=\"conform-cases\"/>";
/// How a serialized suite of one case ends, after its case.
const SUITE_END: &str = "\n    </testsuite>";

/// `junit.xml` in the making: each suite's cases so far in a part of their own (suites are
/// in API order and carry their counts, known only at the end), and the counts.
pub struct JunitReport<S: Parts> {
    parts: S,
    suites: BTreeMap<String, Suite<S::Part>>,
}

struct Suite<P> {
    cases: P,
    tests: usize,
    skipped: usize,
    errors: usize,
    failures: usize,
    /// The sum of its scenarios' times, as JUnit readers expect; the scenarios ran
    /// concurrently, so it can exceed the wall time of the run.
    time: Duration,
    /// Its scenarios' warnings, grouped for the suite's count and output.
    warnings: Warnings,
}

impl<S: Parts> JunitReport<S> {
    /// A report whose suites' cases wait in parts made by `parts`.
    pub fn new(parts: S) -> Self {
        JunitReport {
            parts,
            suites: BTreeMap::new(),
        }
    }

    /// Appends one scenario as a `<testcase>` of its API's suite.
    pub fn add(&mut self, s: &ScenarioResult) -> io::Result<()> {
        let text = case_text(s)?;
        let api = super::api_label(s);
        if !self.suites.contains_key(api) {
            let cases = self
                .parts
                .part(&format!("junit.xml.{}", self.suites.len()))?;
            let suite = Suite {
                cases,
                tests: 0,
                skipped: 0,
                errors: 0,
                failures: 0,
                time: Duration::ZERO,
                warnings: Warnings::every_outcome(),
            };
            self.suites.insert(api.to_owned(), suite);
        }
        let Some(suite) = self.suites.get_mut(api) else {
            return Ok(());
        };
        suite.cases.write_all(text.as_bytes())?;
        suite.warnings.add(s, suite.tests);
        suite.tests += 1;
        match s.outcome {
            Outcome::Passed => {}
            Outcome::Skipped => suite.skipped += 1,
            Outcome::Failed => suite.failures += 1,
            Outcome::Errored => suite.errors += 1,
        }
        suite.time += s.duration;
        Ok(())
    }

    /// Writes the whole report: a skeleton with every suite's attributes (serialized by
    /// quick-junit with a placeholder case per suite), each placeholder replaced by the cases.
    pub fn finish(mut self, info: &RunInfo<'_>, out: &mut dyn Write) -> io::Result<()> {
        let timestamp = chrono::DateTime::parse_from_rfc3339(info.started_at).ok();
        let mut report = Report::new("conform");
        report.set_time(info.duration);
        if let Some(t) = timestamp {
            report.set_timestamp(t);
        }
        for (name, s) in &self.suites {
            let mut suite = TestSuite::new(name.as_str());
            if let Some(t) = timestamp {
                suite.set_timestamp(t);
            }
            suite.set_time(s.time);
            if let Some(signal) = info.interrupted {
                // CI tools show suite properties; an interrupted run must not read as complete.
                suite.add_property(Property::new("conform.interrupted", signal));
            }
            if info.insecure {
                // Suites are what CI viewers show; each carries the warning.
                suite.add_property(Property::new("conform.insecure", info.insecure_note()));
            }
            if let Some(v) = info.verdict {
                // A run failed by its coverage gate has no failing case to show it by.
                suite.add_property(Property::new("conform.coverage", v.line()));
            }
            suite_warnings(&mut suite, &s.warnings);
            suite.tests = s.tests;
            suite.skipped = s.skipped;
            suite.errors = s.errors;
            suite.failures = s.failures;
            suite
                .test_cases
                .push(TestCase::new("conform-cases", TestCaseStatus::success()));
            report.add_test_suite(suite);
        }
        let mut skeleton = report.to_string().map_err(io::Error::other)?;
        if !skeleton.ends_with('\n') {
            skeleton.push('\n');
        }
        let pieces: Vec<&str> = skeleton.split(PLACEHOLDER).collect();
        if pieces.len() != self.suites.len() + 1 {
            return Err(io::Error::other("junit.xml: unexpected skeleton"));
        }
        out.write_all(pieces[0].as_bytes())?;
        for (suite, piece) in self.suites.values_mut().zip(&pieces[1..]) {
            suite.cases.copy_to(out)?;
            out.write_all(piece.as_bytes())?;
        }
        Ok(())
    }
}

/// A suite's warnings: their count as a property, and grouped per operation and rule in the
/// suite's `<system-out>` (Jenkins shows a suite's output; GitLab and GitHub's JUnit actions
/// show neither, so `summary.md` and `report.html` carry them too).
fn suite_warnings(suite: &mut TestSuite, warnings: &Warnings) {
    if warnings.is_empty() {
        return;
    }
    let count = format!(
        "{} warning(s) in {} scenario(s), {} operation(s)",
        warnings.total(),
        warnings.scenarios(),
        warnings.by_operation().len()
    );
    suite.add_property(Property::new("conform.warnings", count.as_str()));
    suite.set_system_out(format!(
        "{count}; they do not fail the run:\n{}",
        super::warnings::text(warnings, false)
    ));
}

/// One scenario's `<testcase>` element as quick-junit serializes it inside a suite: a line
/// break, the suite's indentation, the element.
fn case_text(s: &ScenarioResult) -> io::Result<String> {
    let mut suite = TestSuite::new("suite");
    suite.add_test_case(case(s));
    let mut report = Report::new("report");
    report.add_test_suite(suite);
    let text = report.to_string().map_err(io::Error::other)?;
    let start = text.find("<testcase ").and_then(|i| text[..i].rfind('\n'));
    let end = text.rfind(SUITE_END);
    match (start, end) {
        (Some(a), Some(b)) if a < b => Ok(text[a..b].to_owned()),
        _ => Err(io::Error::other("junit.xml: unexpected test case")),
    }
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
    } else if s.outcome == Outcome::Passed
        && s.findings().any(|(_, f)| f.severity == Severity::Warning)
    {
        // A passing case's warnings go to its `<system-out>`, not to properties: Jenkins and
        // Azure DevOps show a passing case's output, no viewer shows a case's properties, and
        // GitLab shows output for failing cases only (gitlab-org/gitlab#370760), so the
        // suite's count and `summary.md` are what GitLab users see.
        case.set_system_out(super::terminal::details(s, false));
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
        "step `{}` ({}) at {}",
        step.name,
        step.call,
        match &step.file {
            Some(file) => step.pos.after(file),
            None => format!("line {}", step.pos),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Found;

    /// The report as quick-junit serializes it whole, as `render` did before it was streamed.
    fn whole(run: &RunResult) -> String {
        let timestamp = chrono::DateTime::parse_from_rfc3339(&run.started_at).ok();
        let mut report = Report::new("conform");
        report.set_time(run.duration);
        if let Some(t) = timestamp {
            report.set_timestamp(t);
        }
        let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
        for s in &run.scenarios {
            let suite = suites.entry(super::super::api_label(s)).or_insert_with(|| {
                let mut suite = TestSuite::new(super::super::api_label(s));
                if let Some(t) = timestamp {
                    suite.set_timestamp(t);
                }
                suite
            });
            suite.add_test_case(case(s));
        }
        for suite in suites.values_mut() {
            let time = suite.test_cases.iter().filter_map(|c| c.time).sum();
            suite.set_time(time);
        }
        report.add_test_suites(suites.into_values());
        let mut text = report.to_string().expect("serializes");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    #[test]
    fn built_piece_by_piece_it_is_the_whole_report() {
        let f = |id: &str| Found {
            id: id.into(),
            path: id.into(),
        };
        let mut a = ScenarioResult::skipped(&f("a.yaml"), "why");
        a.outcome = Outcome::Passed;
        a.api = "b-api <\"x\">\n".into();
        a.duration = Duration::from_millis(12);
        let mut b = ScenarioResult::errored(
            &f("b.yaml"),
            crate::Diagnostic::new(
                std::path::Path::new("b.yaml"),
                crate::source::Pos::UNKNOWN,
                "no <good>",
            ),
        );
        b.api = "a-api".into();
        let c = ScenarioResult::skipped(&f("c.yaml"), "not run");
        for scenarios in [vec![], vec![a.clone()], vec![a, b, c]] {
            let run = RunResult {
                run_id: "r".into(),
                started_at: "2026-01-02T03:04:05Z".into(),
                duration: Duration::from_millis(5),
                scenarios,
            };
            assert_eq!(render(&run).expect("renders"), whole(&run));
        }
    }
}
