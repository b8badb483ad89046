//! `report.json`: the whole run for other tools. Every scenario, step, request (redacted by the
//! runner), response (truncated by the runner), finding and duration, plus the run id, start
//! time and counts. Its shape is published as `docs/report.schema.json`; a test validates
//! produced reports against it, so the two cannot drift apart silently.
//!
//! [`JsonReport`] builds the text one scenario at a time (a streamed run and [`render`] share
//! it): each scenario is appended to a [`Part`] as it comes, the header, which carries the
//! counts and the coverage (`coverage::Section`), is written at the end. The text is what
//! `serde_json::to_string_pretty` gives for the whole report.

mod coverage;

use std::io::{self, Write};

use serde::Serialize;

use crate::run::{Counts, RunResult, ScenarioResult};

use super::RunInfo;
use super::coverage::Coverage;
use super::parts::Part;

/// Bumped when a field is removed or changes meaning; adding a field keeps the version.
pub const FORMAT: &str = "conform-report/1";

#[derive(Serialize)]
struct Whole<'a> {
    format: &'static str,
    run_id: &'a str,
    started_at: &'a str,
    duration_ms: f64,
    exit_code: u8,
    /// The signal that interrupted the run; absent when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<&'a str>,
    /// Present, and true, only for a run made with `--insecure`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    insecure: bool,
    counts: Counts,
    /// Which documented statuses each operation returned, and the gate's verdict.
    coverage: coverage::Section<'a>,
    // Last: a streamed report writes its header up to this array, then the scenarios.
    scenarios: &'a [ScenarioResult],
}

/// The report as a JSON value.
pub fn value(run: &RunResult, coverage: &Coverage) -> serde_json::Value {
    let whole = whole(
        &RunInfo::of(run),
        Counts::of(run.scenarios.iter()),
        coverage,
        &run.scenarios,
    );
    serde_json::to_value(whole).unwrap_or_default()
}

/// The report as pretty-printed JSON text, ending with a newline.
pub fn render(run: &RunResult, coverage: &Coverage) -> String {
    let mut report = JsonReport::new(Vec::new());
    let mut out = Vec::new();
    // Writing into memory cannot fail, nor serializing plain data (strings, numbers, values).
    for s in &run.scenarios {
        let _ = report.add(s);
    }
    let _ = report.finish(&RunInfo::of(run), coverage, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn whole<'a>(
    info: &RunInfo<'a>,
    counts: Counts,
    coverage: &'a Coverage,
    scenarios: &'a [ScenarioResult],
) -> Whole<'a> {
    Whole {
        format: FORMAT,
        run_id: info.run_id,
        started_at: info.started_at,
        duration_ms: super::millis(info.duration),
        exit_code: info.exit_code(&counts).code(),
        interrupted: info.interrupted,
        insecure: info.insecure,
        counts,
        coverage: coverage::Section::of(coverage, info.verdict),
        scenarios,
    }
}

/// `report.json` in the making: the scenarios so far in a part, and their counts.
pub struct JsonReport<P> {
    scenarios: P,
    counts: Counts,
}

impl<P: Part> JsonReport<P> {
    /// A report whose scenarios wait in `part`.
    pub fn new(part: P) -> Self {
        JsonReport {
            scenarios: part,
            counts: Counts::default(),
        }
    }

    /// Appends one scenario, as an element of the `scenarios` array.
    pub fn add(&mut self, s: &ScenarioResult) -> io::Result<()> {
        let text = serde_json::to_string_pretty(s).map_err(io::Error::other)?;
        let sep = if self.counts.total == 0 { "" } else { "," };
        self.counts.add(s.outcome);
        write!(self.scenarios, "{sep}\n{}", indent(&text))
    }

    /// Writes the whole report: the header, the scenarios, the end.
    pub fn finish(
        mut self,
        info: &RunInfo<'_>,
        coverage: &Coverage,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        // The header is the report with no scenario, cut before its empty array.
        let empty = serde_json::to_string_pretty(&whole(info, self.counts, coverage, &[]))
            .map_err(io::Error::other)?;
        let head = empty
            .strip_suffix("[]\n}")
            .ok_or_else(|| io::Error::other("report.json: unexpected header"))?;
        out.write_all(head.as_bytes())?;
        if self.counts.total == 0 {
            return out.write_all(b"[]\n}\n");
        }
        out.write_all(b"[")?;
        self.scenarios.copy_to(out)?;
        out.write_all(b"\n  ]\n}\n")
    }
}

/// A pretty-printed scenario at the depth of the `scenarios` array's elements. JSON strings
/// hold no raw line break, so every line break in pretty output starts a line to indent.
fn indent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Outcome, ScenarioResult};
    use crate::scenario::Found;

    fn run_of(scenarios: Vec<ScenarioResult>) -> RunResult {
        RunResult {
            run_id: "r1".into(),
            started_at: "2026-01-02T03:04:05Z".into(),
            duration: std::time::Duration::from_millis(5),
            scenarios,
        }
    }

    fn found(id: &str) -> Found {
        Found {
            id: id.into(),
            path: id.into(),
        }
    }

    #[test]
    fn built_piece_by_piece_it_is_the_pretty_printed_whole() {
        let mut passed = ScenarioResult::skipped(&found("a.yaml"), "why");
        passed.outcome = Outcome::Passed;
        passed.tags = vec!["t".into()];
        let skipped = ScenarioResult::skipped(&found("b \"quoted\"\n.yaml"), "not run");
        for scenarios in [vec![], vec![passed.clone()], vec![passed, skipped]] {
            let run = run_of(scenarios);
            let counts = Counts::of(run.scenarios.iter());
            let coverage = Coverage::default();
            let whole = whole(&RunInfo::of(&run), counts, &coverage, &run.scenarios);
            let expected = serde_json::to_string_pretty(&whole).expect("serializes") + "\n";
            assert_eq!(render(&run, &coverage), expected);
        }
    }
}
