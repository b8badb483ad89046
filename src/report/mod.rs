//! Reports: pure functions of a [`crate::run::RunResult`], one file per format, each also built
//! one scenario at a time so a run can stream them.
//!
//! - [`terminal`]: the human view (a line per scenario, failures with diffs, the summary line);
//! - [`json`]: `report.json`, everything, for tools (schema in `docs/report.schema.json`);
//! - [`junit`]: `junit.xml`, one suite per API, one case per scenario, for CI viewers;
//! - [`html`]: `report.html`, one self-contained page with diffs and a coverage table;
//! - [`coverage`] and [`gate`]: the documented statuses each operation returned, the figure,
//!   and the `--min-coverage` gate on it;
//! - [`markdown`]: `summary.md`, a short table for `$GITHUB_STEP_SUMMARY`;
//! - [`write`](mod@write): writes them all atomically into a folder ([`write::write_all`]);
//! - [`stream`]: writes them as a run goes ([`stream::ReportWriter`]), with [`order`] putting
//!   results back into the order found and [`parts`] holding each file's pieces until the end;
//! - [`collect`]: keeps the failures and warnings the terminal's final report shows;
//! - [`warnings`]: the warnings grouped per operation and rule, as every report shows them;
//! - [`events`] and [`progress`]: live output while a run goes (JSON lines, progress bar);
//! - [`sinks`]: all of these assembled for one command ([`sinks::Sinks`]), and its ending.

pub mod collect;
pub mod coverage;
pub mod events;
pub mod gate;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod order;
pub mod parts;
pub mod progress;
pub mod sinks;
pub mod stream;
pub mod terminal;
pub mod verbose;
pub mod warnings;
pub mod write;

use std::collections::BTreeMap;

use crate::remedy::{OWN_TERMS, Remedies, Setting};
use crate::run::{Outcome, RunResult, RunSummary, ScenarioResult};

pub use crate::run::Counts;
pub use crate::units::{human_duration, millis};

/// The API a scenario is grouped under; a scenario that did not parse has none.
pub fn api_label(s: &ScenarioResult) -> &str {
    if s.api.is_empty() {
        "(unknown API)"
    } else {
        &s.api
    }
}

/// What every report says of the run as a whole, besides the counts it keeps itself.
#[derive(Debug, Clone, Copy)]
pub struct RunInfo<'a> {
    /// The run's short id.
    pub run_id: &'a str,
    /// RFC 3339.
    pub started_at: &'a str,
    /// Wall-clock time of the whole run.
    pub duration: std::time::Duration,
    /// Server certificates were not verified: every report says so at its top.
    pub insecure: bool,
    /// The signal that interrupted the run, if one did: every report says so.
    pub interrupted: Option<&'a str>,
    /// What the coverage gate said, when one was set: a gate not met fails the run.
    pub verdict: Option<&'a gate::Verdict>,
    /// How the reports name the settings they mention (the CLI's flags).
    pub remedies: &'a dyn Remedies,
}

impl RunInfo<'_> {
    /// The run's exit status: the counts', or 130 after an interrupt; a coverage gate not
    /// met makes a conforming run a failing one.
    pub fn exit_code(&self, counts: &Counts) -> crate::run::ExitCode {
        let code = match self.interrupted {
            Some(_) => crate::run::ExitCode::Interrupted,
            None => counts.exit_code(),
        };
        match self.verdict {
            Some(v) => v.exit_code(code),
            None => code,
        }
    }
}

impl<'a> RunInfo<'a> {
    /// What a whole run in memory says of itself; not insecure, not interrupted, no gate.
    pub fn of(run: &'a RunResult) -> Self {
        RunInfo {
            run_id: &run.run_id,
            started_at: &run.started_at,
            duration: run.duration,
            interrupted: None,
            insecure: false,
            verdict: None,
            remedies: &OWN_TERMS,
        }
    }

    /// What a streamed run's summary says of itself, its interrupt included; not insecure, no gate.
    pub fn of_summary(summary: &'a RunSummary) -> Self {
        RunInfo {
            run_id: &summary.run_id,
            started_at: &summary.started_at,
            duration: summary.duration,
            interrupted: summary.interrupted,
            insecure: false,
            verdict: None,
            remedies: &OWN_TERMS,
        }
    }

    /// What the reports say of a run whose server certificates were not verified, naming
    /// the setting as the caller does.
    pub fn insecure_note(&self) -> String {
        insecure_note(self.remedies)
    }
}

/// What the reports say of a run whose server certificates were not verified, after the
/// setting's name ([`insecure_note`]).
pub const INSECURE: &str =
    "server certificates were not verified; these results do not show who answered";

/// [`INSECURE`], after the setting that turned verification off as `remedies` names it.
pub fn insecure_note(remedies: &dyn Remedies) -> String {
    format!("{}: {INSECURE}", remedies.name(Setting::Insecure))
}

/// Counts overall, per API and per tag (a scenario counts once under each of its tags), in
/// name order; kept one scenario at a time, so a streamed run holds only these numbers.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Every scenario's outcome.
    pub counts: Counts,
    /// Outcomes by API name (`(unknown API)` for a scenario that names none).
    pub by_api: BTreeMap<String, Counts>,
    /// Outcomes by tag; a scenario counts under each of its tags.
    pub by_tag: BTreeMap<String, Counts>,
}

impl Tally {
    /// Counts one finished scenario.
    pub fn add(&mut self, s: &ScenarioResult) {
        self.counts.add(s.outcome);
        add_to(&mut self.by_api, api_label(s), s.outcome);
        for t in &s.tags {
            add_to(&mut self.by_tag, t, s.outcome);
        }
    }
}

fn add_to(map: &mut BTreeMap<String, Counts>, key: &str, outcome: Outcome) {
    match map.get_mut(key) {
        Some(c) => c.add(outcome),
        None => map.entry(key.to_owned()).or_default().add(outcome),
    }
}

/// A scenario that did not pass (failed or errored).
pub fn is_failing(s: &ScenarioResult) -> bool {
    matches!(s.outcome, Outcome::Failed | Outcome::Errored)
}

/// The first line that says why a scenario did not pass: its first error or worst finding.
pub fn headline(s: &ScenarioResult) -> String {
    if let Some(d) = s.errors.first() {
        return d.message.clone();
    }
    let worst = s
        .findings()
        .map(|(_, f)| f)
        .min_by_key(|f| std::cmp::Reverse(f.severity));
    match worst {
        // Messages already name the JSON location they are about.
        Some(f) => f.message.clone(),
        None => s.outcome.label().to_lowercase(),
    }
}
