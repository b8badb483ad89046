//! The terminal view: one line per scenario (printed in the order found), the failures with their diffs at the
//! end, and the summary line `N passed, N failed`. The same failure text is the message of a
//! failed `cargo test` trial.

use std::fmt::Write;

use crate::check::{Finding, Severity};
use crate::remedy::{Remedies, Setting};
use std::time::Duration;

use crate::run::{Counts, Outcome, ScenarioResult, StepResult};

use super::human_duration;

/// What a target sent, as the terminal shows it ([`crate::term::escape_controls`]): escaped
/// before anything is painted, so the sink can keep conform's own colours and nothing else.
fn t(text: &str) -> std::borrow::Cow<'_, str> {
    crate::term::escape_controls(text)
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn outcome_code(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "32",
        Outcome::Skipped => "33",
        Outcome::Failed => "31",
        Outcome::Errored => "35",
    }
}

/// `PASS  api/file.yaml  name (12ms)`
pub fn scenario_line(r: &ScenarioResult, color: bool) -> String {
    let label = format!("{:<5}", r.outcome.label());
    let why = r
        .skipped
        .as_deref()
        .map(|w| format!(" — {}", t(w)))
        .unwrap_or_default();
    format!(
        "{} {}  {} ({}){why}",
        paint(&label, outcome_code(r.outcome), color),
        r.id,
        r.name,
        human_duration(r.duration)
    )
}

/// A dry run's view of a step: the request as it would be sent, credentials redacted.
pub fn dry_run_step(step: &StepResult) -> String {
    let mut out = String::new();
    match &step.request {
        Some(req) => {
            let _ = writeln!(out, "  {} {}", req.method, req.url);
            if let Some(c) = &req.credentials {
                let _ = writeln!(out, "    credentials: {c}");
            }
            for (n, v) in &req.headers {
                let _ = writeln!(out, "    {n}: {v}");
            }
            if let Some(body) = &req.body {
                let _ = writeln!(out, "    {body}");
            }
        }
        None => {
            let why = step.skipped.as_deref().unwrap_or("not built");
            let _ = writeln!(out, "  {} — {why}", step.call);
        }
    }
    for f in &step.findings {
        let _ = writeln!(out, "    {:?}: {}", f.severity, f.message);
    }
    t(&out).into_owned()
}

/// Everything a person needs to see about a scenario that did not pass.
pub fn details(r: &ScenarioResult, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}: {}",
        paint(r.outcome.label(), outcome_code(r.outcome), color),
        r.id,
        r.name
    );
    for d in &r.errors {
        for line in t(&d.to_string()).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    for (i, step) in r.steps.iter().enumerate() {
        if step.outcome == Outcome::Passed && step.findings.is_empty() {
            continue;
        }
        step_details(&mut out, r, i, step, color);
    }
    out
}

fn step_details(out: &mut String, r: &ScenarioResult, i: usize, step: &StepResult, color: bool) {
    let phase = match step.phase {
        crate::run::Phase::Main => "step",
        crate::run::Phase::Finally => "finally step",
    };
    let _ = writeln!(
        out,
        "  {phase} {} `{}` ({}) {}",
        i + 1,
        step.name,
        step.pos.after(step.written_in(&r.path)),
        step.outcome.label()
    );
    if let Some(why) = &step.skipped {
        let _ = writeln!(out, "    skipped: {}", t(why));
    }
    for f in &step.findings {
        finding(out, step.written_in(&r.path), f, color);
    }
    if let Some(d) = &step.body_diff {
        let text = crate::json_diff::unified(&d.expected, &d.actual, color);
        if !text.is_empty() {
            let _ = writeln!(
                out,
                "    body (expected vs actual, only the fields the expectation names):"
            );
            for line in text.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    if let Some(req) = &step.request {
        let _ = writeln!(out, "    request: {} {}", t(&req.method), t(&req.url));
    }
    if let Some(resp) = &step.response {
        let _ = writeln!(
            out,
            "    response: {}",
            t(&super::verbose::status_line(resp))
        );
        if !resp.body.is_empty() {
            let body = crate::check::schema::preview(resp.body.as_bytes());
            let body = t(&body);
            let _ = writeln!(out, "      {}", body.replace('\n', "\n      "));
        }
    }
}

/// One finding of a step written in `file`.
fn finding(out: &mut String, file: &str, f: &Finding, color: bool) {
    let (mark, code) = match f.severity {
        Severity::Warning => ("warning", "33"),
        Severity::Violation => ("violation", "31"),
        Severity::Error => ("error", "35"),
    };
    let kind = serde_json::to_value(f.check)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "    {} [{kind}] {}",
        paint(mark, code, color),
        t(&f.message)
    );
    if let Some(p) = &f.pointer
        && !p.is_empty()
    {
        let _ = writeln!(out, "      at: {}", t(p));
    }
    if let Some(s) = &f.schema_at {
        let kw = f
            .keyword
            .as_deref()
            .map(|k| format!(" ({k})"))
            .unwrap_or_default();
        let _ = writeln!(out, "      rule: {s}{kw}");
    } else if let Some(k) = &f.keyword {
        let _ = writeln!(out, "      rule: {k}");
    }
    if let Some(e) = &f.expected {
        let _ = writeln!(out, "      expected: {}", t(&compact(e)));
    }
    if let Some(a) = &f.actual {
        let _ = writeln!(out, "      actual: {}", t(&compact(a)));
    }
    if let Some(p) = f.pos {
        let _ = writeln!(out, "      scenario: {file}:{p}");
    }
}

fn compact(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// `N passed, N failed`, then `, N errored` and `, N skipped` when there are any: failed and
/// errored apart, as `summary.md` counts them (a target that broke the contract is not a
/// scenario that could not run), while the line still starts as CI tools read it. An errored
/// count is preceded by a line that says what errored means.
pub fn summary(counts: &Counts, duration: Duration) -> String {
    let mut out = String::new();
    if counts.errored > 0 {
        let _ = writeln!(
            out,
            "{} scenario(s) errored: they could not run or prove anything (scenario, spec, configuration or target unreachable)",
            counts.errored
        );
    }
    let _ = write!(out, "{} passed, {} failed", counts.passed, counts.failed);
    if counts.errored > 0 {
        let _ = write!(out, ", {} errored", counts.errored);
    }
    if counts.skipped > 0 {
        let _ = write!(out, ", {} skipped", counts.skipped);
    }
    let _ = write!(out, " ({})", human_duration(duration));
    out
}

/// What the final report says of the coverage gate: the figure against it when it is met,
/// and when it is not, why, with the operations whose documented statuses to reach next.
pub fn gate(verdict: &crate::report::gate::Verdict, remedies: &dyn Remedies) -> String {
    verdict.failure(remedies).unwrap_or_else(|| verdict.line())
}

pub use super::warnings::{WarningGroup, Warnings};

/// The whole terminal report after a run: the failures with details (`failing`, in the order
/// found), warnings grouped per operation and rule, then the summary. `quiet` names no scenario under a warning,
/// only how many hit it; `remedies` names the setting that would fail the warnings.
pub fn final_report(
    failing: &[ScenarioResult],
    warnings: &Warnings,
    summary_line: &str,
    color: bool,
    quiet: bool,
    remedies: &dyn Remedies,
) -> String {
    let mut out = String::new();
    if !failing.is_empty() {
        let _ = writeln!(out, "\nfailures:\n");
        for r in failing {
            let _ = writeln!(out, "{}", details(r, color));
        }
    }
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{} (they do not fail the run; `{}` fails those where the documents contradict themselves and the target follows the lenient reading):",
            paint("warnings", "33", color),
            remedies.name(Setting::Strict)
        );
        out.push_str(&super::warnings::text(warnings, quiet));
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "{summary_line}");
    out
}

/// Said when the first interrupt comes: what happens now, and how to stop at once.
pub fn interrupted_line(signal: &str, color: bool) -> String {
    format!(
        "{} by {signal}: no new scenario or step starts; requests in flight finish, then the `finally` steps of started scenarios run (a second Ctrl-C exits at once)",
        paint("interrupted", "33", color)
    )
}

/// A clean-up step that ran after an interrupt, shown as it finishes.
pub fn cleanup_line(scenario: &str, step: &StepResult, color: bool) -> String {
    let status = step.status.map(|s| format!(" → {s}")).unwrap_or_default();
    let why = step
        .skipped
        .as_deref()
        .map(|w| format!(" — {}", t(w)))
        .unwrap_or_default();
    format!(
        "  clean-up {} {scenario} › {}{status}{why}",
        paint(step.outcome.label(), outcome_code(step.outcome), color),
        step.name
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::check::{CheckKind, Finding};
    use crate::run::{Phase, StepResult};
    use crate::scenario::Found;
    use crate::source::Pos;

    fn passing_with_warning(id: &str, rule: &str) -> ScenarioResult {
        let found = Found {
            path: Path::new(id).to_owned(),
            id: id.to_owned(),
        };
        let mut r = ScenarioResult::skipped(&found, "");
        r.outcome = Outcome::Passed;
        r.skipped = None;
        let f = Finding::new(Severity::Warning, CheckKind::Schema, "/x: lenient")
            .schema_at(crate::openapi::Location {
                file: rule.split_once('#').map_or(rule, |(f, _)| f).into(),
                pointer: rule.split_once('#').map_or("", |(_, p)| p).to_owned(),
            })
            .at(Pos::new(3, 5));
        let mut step = StepResult::synthetic("get", Phase::Main, f.clone());
        step.findings.push(f);
        r.steps.push(step);
        r
    }

    #[test]
    fn the_summary_counts_errored_and_skipped_apart_from_failed() {
        let counts = Counts {
            total: 7,
            passed: 3,
            failed: 1,
            errored: 2,
            skipped: 1,
        };
        let text = summary(&counts, Duration::from_millis(5));
        let last = text.lines().last().unwrap_or_default();
        assert_eq!(last, "3 passed, 1 failed, 2 errored, 1 skipped (5ms)");
        assert!(text.starts_with("2 scenario(s) errored"), "{text}");
        let clean = Counts {
            total: 2,
            passed: 2,
            ..Counts::default()
        };
        assert_eq!(
            summary(&clean, Duration::from_millis(5)),
            "2 passed, 0 failed (5ms)"
        );
    }

    #[test]
    fn warnings_are_grouped_by_rule_with_a_count_and_a_few_examples() {
        let mut w = Warnings::default();
        for i in 0..10 {
            w.add(&passing_with_warning(&format!("s{i}.yaml"), "spec#/a"), i);
        }
        w.add(&passing_with_warning("t.yaml", "spec#/b"), 10);
        let groups = w.groups();
        assert_eq!(groups.len(), 2);
        assert_eq!(
            groups[0].scenarios, 10,
            "a scenario hitting a rule twice counts once"
        );
        let names: Vec<&str> = groups[0]
            .examples
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(names, ["s0.yaml", "s1.yaml", "s2.yaml"]);
        let loud = final_report(
            &[],
            &w,
            "11 passed, 0 failed",
            false,
            false,
            &crate::remedy::OwnTerms,
        );
        assert!(
            loud.contains("in 10 scenario(s): s0.yaml, s1.yaml, s2.yaml and 7 more"),
            "{loud}"
        );
        let quiet = final_report(
            &[],
            &w,
            "11 passed, 0 failed",
            false,
            true,
            &crate::remedy::OwnTerms,
        );
        assert!(quiet.contains("in 10 scenario(s)\n"), "{quiet}");
        assert!(
            !quiet.contains("s0.yaml"),
            "--quiet names no scenario: {quiet}"
        );
        assert_eq!(quiet.lines().filter(|l| l.contains("rule:")).count(), 2);
    }
}
