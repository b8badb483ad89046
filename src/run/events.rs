//! Events the runner emits as it goes. One [`EventSink`] receives them and fans them out to
//! reporters (terminal lines, progress, JSON stream); the runner itself prints nothing.

use super::result::{RunResult, ScenarioResult, StepResult};

#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    RunStarted {
        run_id: &'a str,
        total: usize,
    },
    ScenarioStarted {
        id: &'a str,
    },
    StepFinished {
        scenario: &'a str,
        step: &'a StepResult,
    },
    ScenarioFinished {
        result: &'a ScenarioResult,
    },
    RunFinished {
        result: &'a RunResult,
    },
}

/// Receives events; called from several tasks at once.
pub trait EventSink: Send + Sync {
    fn event(&self, event: &Event<'_>);
}

/// Discards every event.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&self, _: &Event<'_>) {}
}
