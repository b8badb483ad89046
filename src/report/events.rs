//! Live output sinks for the runner's [`Event`]s: [`Fanout`] passes every event to several
//! sinks, and [`JsonLines`] streams one JSON object per line (`--format json`) for other tools.
//!
//! Event lines: `{"event":"run-started","run_id":..,"total":..}`,
//! `{"event":"deselected","id":..}` (left out by `--filter` or `--tag`),
//! `{"event":"scenario-started","id":..}`, `{"event":"step-finished","scenario":..,"step":{..}}`,
//! `{"event":"scenario-finished","scenario":{..}}` (without its steps, already streamed) and
//! `{"event":"interrupted","signal":"SIGINT"}` (the first Ctrl-C or SIGTERM) and
//! `{"event":"run-finished","run_id":..,"counts":{..},"duration_ms":..,"interrupted":..,"exit_code":..}`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::run::{Event, EventSink};

/// Sends each event to every sink, in order.
pub struct Fanout(pub Vec<Arc<dyn EventSink>>);

impl EventSink for Fanout {
    fn event(&self, event: &Event<'_>) {
        for sink in &self.0 {
            sink.event(event);
        }
    }

    fn reads_passing_exchanges(&self) -> bool {
        self.0.iter().any(|s| s.reads_passing_exchanges())
    }
}

/// Writes one JSON line per event; a line is written and flushed under one lock, so lines from
/// concurrent scenarios never interleave.
pub struct JsonLines<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> JsonLines<W> {
    /// Writes the lines into `out` (stdout for `--json`).
    pub fn new(out: W) -> Self {
        JsonLines {
            out: Mutex::new(out),
        }
    }

    /// The writer back, for tests.
    pub fn into_inner(self) -> W {
        self.out.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

/// The JSON form of an event; `None` only if a result cannot be serialized.
pub fn to_json(event: &Event<'_>) -> Option<Value> {
    Some(match event {
        Event::RunStarted { run_id, total } => {
            json!({"event": "run-started", "run_id": run_id, "total": total})
        }
        Event::Deselected { id, .. } => json!({"event": "deselected", "id": id}),
        Event::ScenarioStarted { id } => json!({"event": "scenario-started", "id": id}),
        Event::StepFinished { scenario, step } => {
            json!({"event": "step-finished", "scenario": scenario, "step": step})
        }
        Event::ScenarioFinished { result, .. } => {
            let mut v = serde_json::to_value(result).ok()?;
            if let Some(o) = v.as_object_mut() {
                // Steps went out one by one as step-finished; repeating them doubles the stream.
                o.remove("steps");
                o.insert("steps_run".into(), json!(result.steps.len()));
            }
            json!({"event": "scenario-finished", "scenario": v})
        }
        Event::Interrupted { signal } => json!({"event": "interrupted", "signal": signal}),
        Event::RoundFinished { round } => json!({"event": "round-finished", "round": round}),
        Event::RunFinished { summary } => json!({
            "event": "run-finished",
            "run_id": summary.run_id,
            "counts": summary.counts,
            "duration_ms": super::millis(summary.duration),
            "interrupted": summary.interrupted,
            "exit_code": summary.exit_code(),
        }),
    })
}

impl<W: Write + Send> EventSink for JsonLines<W> {
    fn event(&self, event: &Event<'_>) {
        let Some(v) = to_json(event) else { return };
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // A closed pipe (`| head`) must not stop the run; the reports are still written.
        let _ = writeln!(out, "{v}");
        let _ = out.flush();
    }
}
