//! Reports: pure functions of a [`crate::run::RunResult`], one file per format.
//!
//! - [`terminal`]: the human view (a line per scenario, failures with diffs, the summary line);
//! - [`json`]: `report.json`, everything, for tools (schema in `docs/report.schema.json`);
//! - [`junit`]: `junit.xml`, one suite per API, one case per scenario, for CI viewers;
//! - [`html`]: `report.html`, one self-contained page with diffs and a coverage table;
//! - [`markdown`]: `summary.md`, a short table for `$GITHUB_STEP_SUMMARY`;
//! - [`write`](mod@write): writes them all atomically into a folder ([`write::write_all`]);
//! - [`events`] and [`progress`]: live output while a run goes (JSON lines, progress bar).

pub mod collect;
pub mod coverage;
pub mod events;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod order;
pub mod parts;
pub mod progress;
pub mod terminal;
pub mod write;

use std::collections::BTreeMap;

use crate::run::{Outcome, ScenarioResult};

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

/// Counts per API, in name order.
pub fn by_api(scenarios: &[ScenarioResult]) -> BTreeMap<&str, Counts> {
    let mut map: BTreeMap<&str, Counts> = BTreeMap::new();
    for s in scenarios {
        map.entry(api_label(s)).or_default().add(s.outcome);
    }
    map
}

/// Counts per tag, in name order; a scenario counts once under each of its tags.
pub fn by_tag(scenarios: &[ScenarioResult]) -> BTreeMap<&str, Counts> {
    let mut map: BTreeMap<&str, Counts> = BTreeMap::new();
    for s in scenarios {
        for t in &s.tags {
            map.entry(t.as_str()).or_default().add(s.outcome);
        }
    }
    map
}

/// Scenarios that did not pass (failed or errored), in run order.
pub fn failing(scenarios: &[ScenarioResult]) -> impl Iterator<Item = &ScenarioResult> {
    scenarios
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Failed | Outcome::Errored))
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
