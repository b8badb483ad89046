//! The `--min-coverage` gate wired into a command that runs scenarios (`run`, `fuzz`):
//! [`GateRun`] counts statuses as scenarios finish (whether or not reports are written) and
//! judges them at the end. The policy (the figure, the verdict, the exit code) is the
//! library's, in `conform::report::gate`.

use std::sync::Arc;

use conform::report::coverage::Counter;
use conform::report::gate::{Gate, Verdict};
use conform::run::{EventSink, ExitCode};
use conform::spec::Registry;

use super::args::GateArgs;

pub struct GateRun {
    gate: Gate,
    counter: Arc<Counter>,
}

impl GateRun {
    /// The gate's run, when `--min-coverage` was given.
    pub fn new(args: &GateArgs) -> Option<GateRun> {
        args.min_coverage.map(|gate| GateRun {
            gate,
            counter: Arc::default(),
        })
    }

    /// The sink to add to the run's events.
    pub fn sink(&self) -> Arc<dyn EventSink> {
        self.counter.clone()
    }

    /// The verdict on what the run returned, against the specs in `registry`.
    pub fn judge(&self, registry: &Registry) -> Verdict {
        self.gate.judge(&self.counter.coverage(registry))
    }
}

/// The run's exit code with the gate's verdict, if any; a failed gate is said on stderr when
/// the final report (which says it otherwise) is not printed.
pub fn exit_code(verdict: Option<&Verdict>, code: ExitCode, printed: bool) -> ExitCode {
    let Some(v) = verdict else {
        return code;
    };
    if let Some(why) = v.failure().filter(|_| !printed) {
        eprintln!("error: {why}");
    }
    v.exit_code(code)
}
