//! `report.json`: the whole run for other tools. Every scenario, step, request (redacted by the
//! runner), response (truncated by the runner), finding and duration, plus the run id, start
//! time and counts. Its shape is published as `docs/report.schema.json`; a test validates
//! produced reports against it, so the two cannot drift apart silently.

use serde::Serialize;

use crate::run::{RunResult, ScenarioResult};

use super::Counts;

/// Bumped when a field is removed or changes meaning; adding a field keeps the version.
pub const FORMAT: &str = "conform-report/1";

#[derive(Serialize)]
struct JsonReport<'a> {
    format: &'static str,
    run_id: &'a str,
    started_at: &'a str,
    duration_ms: f64,
    exit_code: u8,
    counts: Counts,
    scenarios: &'a [ScenarioResult],
}

/// The report as a JSON value.
pub fn value(run: &RunResult) -> serde_json::Value {
    serde_json::to_value(report(run)).unwrap_or_default()
}

/// The report as pretty-printed JSON text, ending with a newline.
pub fn render(run: &RunResult) -> String {
    // Serializing plain data (strings, numbers, serde_json values) cannot fail.
    let mut text = serde_json::to_string_pretty(&report(run)).unwrap_or_default();
    text.push('\n');
    text
}

fn report(run: &RunResult) -> JsonReport<'_> {
    JsonReport {
        format: FORMAT,
        run_id: &run.run_id,
        started_at: &run.started_at,
        duration_ms: super::millis(run.duration),
        exit_code: run.exit_code().code(),
        counts: Counts::of(run.scenarios.iter()),
        scenarios: &run.scenarios,
    }
}
