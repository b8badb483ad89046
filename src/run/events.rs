//! Events the runner emits as it goes (nextest's `reporter/events.rs` is the model). One
//! [`EventSink`] receives them and fans them out to reporters (terminal lines, progress, JSON
//! stream, report files); the runner itself prints nothing and keeps nothing.

use super::result::{RunSummary, ScenarioResult, StepResult};

#[derive(Debug)]
#[non_exhaustive]
/// One thing that happened during a run, in the order the runner saw it; borrowed, so a sink copies only what it keeps.
pub enum Event<'a> {
    /// The run begins.
    RunStarted {
        /// The run's short id.
        run_id: &'a str,
        /// How many files will be considered, when known (some may be deselected).
        total: Option<usize>,
    },
    /// A file the selection (`--filter`, `--tag`) leaves out, known once it is parsed; `index`
    /// is its place in the order files were found, which no `ScenarioFinished` will take.
    Deselected {
        /// Place of the file in the order found.
        index: usize,
        /// The file's id (its path under the root).
        id: &'a str,
    },
    /// A scenario starts its first step.
    ScenarioStarted {
        /// The scenario's id (its path under the root).
        id: &'a str,
    },
    /// A step ended, its checks done.
    StepFinished {
        /// The id of the scenario the step belongs to.
        scenario: &'a str,
        /// What came of the step.
        step: &'a StepResult,
    },
    /// A scenario's whole result; `index` is its place in the order files were found, so a
    /// reporter can write results in a stable order whatever order they finish in.
    ScenarioFinished {
        /// Place of the file in the order found.
        index: usize,
        /// What came of the scenario.
        result: &'a ScenarioResult,
    },
    /// The first Ctrl-C or SIGTERM: no scenario or main step starts from now on, requests in
    /// flight finish, and the `finally` steps of started scenarios run.
    Interrupted {
        /// The signal's name (`SIGINT`, `SIGTERM`).
        signal: &'static str,
    },
    /// `--repeat`: every file of round `round` (from 1) is done and none of the next has
    /// started (see [`super::RunOptions::round_size`]).
    RoundFinished {
        /// The round that finished, from 1.
        round: usize,
    },
    /// The run is over; every scenario has finished.
    RunFinished {
        /// Counts, duration and whether an interrupt stopped it.
        summary: &'a RunSummary,
    },
}

/// Receives events; called from several tasks at once.
pub trait EventSink: Send + Sync {
    /// Handles one event; must not block for long, as the runner waits on it.
    fn event(&self, event: &Event<'_>);

    /// Whether this sink reads the recorded exchanges ([`StepResult::request`] and
    /// [`StepResult::response`], redacted) of a scenario that passes. When no sink does, the
    /// runner neither records nor redacts them, which is most of what a passing step costs
    /// beyond the wire; a scenario that fails or errs is always recorded whole. Yes unless the
    /// sink says otherwise, so a sink written before this question existed loses nothing.
    ///
    /// [`StepResult::request`]: super::StepResult::request
    /// [`StepResult::response`]: super::StepResult::response
    fn reads_passing_exchanges(&self) -> bool {
        true
    }
}

/// Discards every event.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&self, _: &Event<'_>) {}

    fn reads_passing_exchanges(&self) -> bool {
        false
    }
}

/// Keeps every scenario result, in the order found: for tests and callers that want the whole
/// [`super::RunResult`]. A CLI run keeps only failures, and streams the report files.
#[derive(Default)]
pub struct Collect {
    results: std::sync::Mutex<Vec<(usize, ScenarioResult)>>,
}

impl Collect {
    /// The results so far, in the order found.
    pub fn take(&self) -> Vec<ScenarioResult> {
        let mut list = std::mem::take(&mut *self.results.lock().unwrap_or_else(|p| p.into_inner()));
        list.sort_by_key(|(i, _)| *i);
        list.into_iter().map(|(_, r)| r).collect()
    }
}

impl EventSink for Collect {
    fn event(&self, event: &Event<'_>) {
        if let Event::ScenarioFinished { index, result } = event {
            self.results
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((*index, (*result).clone()));
        }
    }
}
