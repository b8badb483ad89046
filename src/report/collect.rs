//! [`Collector`]: the reporter that keeps what the terminal's final report needs, and no more:
//! every failing scenario whole (with its exchanges, for the diagnosis) and the warnings grouped
//! per operation and rule; a long passing run thus costs nothing per scenario. Asked to, it also keeps a compact
//! row of every other scenario (its steps, statuses and warnings, without requests and
//! responses), for a caller that renders reports from the [`RunResult`]; the CLI streams the
//! report files instead ([`super::stream::ReportWriter`]).

use std::sync::Mutex;

use super::warnings::Warnings;
use crate::run::{Event, EventSink, Outcome, RunResult, RunSummary, ScenarioResult};

/// The [`EventSink`] that keeps the failing scenarios whole and the warnings grouped, for the final terminal report; see the module docs.
pub struct Collector {
    rows: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    kept: Vec<(usize, ScenarioResult)>,
    warnings: Warnings,
}

/// What a run left for the final report.
pub struct Collected {
    /// The kept scenarios, in the order found: the failing ones, and every other one as a
    /// compact row when rows were kept.
    pub run: RunResult,
    /// The warnings of passing scenarios, grouped per operation and rule.
    pub warnings: Warnings,
}

impl Collected {
    /// The failing scenarios, in the order found.
    pub fn failing(&self) -> Vec<ScenarioResult> {
        self.run
            .scenarios
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Failed | Outcome::Errored))
            .cloned()
            .collect()
    }
}

impl Collector {
    /// `rows`: keep a compact row of every passing or skipped scenario too (for report files).
    pub fn new(rows: bool) -> Self {
        Collector {
            rows,
            state: Mutex::default(),
        }
    }

    /// What was kept, as the reports see it; the collector is left empty.
    pub fn take(&self, summary: &RunSummary) -> Collected {
        let state = std::mem::take(&mut *self.state.lock().unwrap_or_else(|p| p.into_inner()));
        let mut kept = state.kept;
        kept.sort_by_key(|(i, _)| *i);
        Collected {
            run: RunResult {
                run_id: summary.run_id.clone(),
                started_at: summary.started_at.clone(),
                duration: summary.duration,
                scenarios: kept.into_iter().map(|(_, r)| r).collect(),
            },
            warnings: state.warnings,
        }
    }
}

impl EventSink for Collector {
    /// A passing scenario is kept [`ScenarioResult::compact`], if at all.
    fn reads_passing_exchanges(&self) -> bool {
        false
    }

    fn event(&self, event: &Event<'_>) {
        if let Event::ScenarioFinished { index, result } = event {
            let kept = match result.outcome {
                Outcome::Failed | Outcome::Errored => Some((*result).clone()),
                Outcome::Passed | Outcome::Skipped => self.rows.then(|| result.compact()),
            };
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.warnings.add(result, *index);
            if let Some(k) = kept {
                state.kept.push((*index, k));
            }
        }
    }
}
