//! [`Collector`]: the reporter that keeps what the report files and the terminal's final report
//! need, and no more: every failing scenario whole (with its exchanges, for the diagnosis), and
//! a compact row of every other one (its steps, statuses and warnings, without requests and
//! responses). A long passing run thus costs a row per scenario, not every exchange.

use std::sync::Mutex;

use crate::run::{Event, EventSink, Outcome, RunResult, RunSummary, ScenarioResult};

#[derive(Default)]
pub struct Collector {
    kept: Mutex<Vec<(usize, ScenarioResult)>>,
}

impl Collector {
    pub fn new() -> Self {
        Self::default()
    }

    /// The run as the reports see it: the kept scenarios in the order they were found.
    pub fn take_run(&self, summary: &RunSummary) -> RunResult {
        let mut kept = std::mem::take(&mut *self.kept.lock().unwrap_or_else(|p| p.into_inner()));
        kept.sort_by_key(|(i, _)| *i);
        RunResult {
            run_id: summary.run_id.clone(),
            started_at: summary.started_at.clone(),
            duration: summary.duration,
            scenarios: kept.into_iter().map(|(_, r)| r).collect(),
        }
    }
}

impl EventSink for Collector {
    fn event(&self, event: &Event<'_>) {
        if let Event::ScenarioFinished { index, result } = event {
            let kept = match result.outcome {
                Outcome::Failed | Outcome::Errored => (*result).clone(),
                Outcome::Passed | Outcome::Skipped => result.compact(),
            };
            self.kept
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((*index, kept));
        }
    }
}
