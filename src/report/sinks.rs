//! [`Sinks`]: where the events of any command that reports as a run does (`run`, `fuzz`,
//! `check`, `proxy`) go, assembled in one place so that every command honours every reporting
//! and gate setting the same way. [`Sinks::builder`] takes the live view ([`Live`]), the report
//! folder, `insecure`, the coverage gate and a recording; [`Sinks::finish`] judges the gate,
//! completes the report files and the recording, and gives the [`Ending`]: what the final
//! report shows and the exit code.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::collect::{Collected, Collector};
use super::coverage::Counter;
use super::events::{Fanout, JsonLines};
use super::gate::{Gate, Verdict};
use super::progress::{Human, Verbosity};
use super::stream::ReportWriter;
use super::terminal;
use super::write::ReportError;
use crate::openapi::Registry;
use crate::remedy::{OwnTerms, Remedies};
use crate::run::{EventSink, ExitCode, RunSummary};

/// A sink that writes a file completed when the run ends (the HAR recording).
pub trait Recording: EventSink {
    /// Completes the file: what it holds, in words (`3 exchange(s) in run.har`), or why it
    /// could not be written.
    fn complete(&self) -> Result<String, Box<dyn std::error::Error + Send + Sync>>;
}

/// The live view on stdout while a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    /// One JSON object per event ([`JsonLines`]).
    Json,
    /// Lines for people ([`Human`]).
    Human(HumanView),
}

/// How the human live view looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HumanView {
    /// Colour the output (ANSI escapes).
    pub color: bool,
    /// Only failures and the summary, and no progress bar.
    pub quiet: bool,
    /// Stdout is a terminal: a progress bar may be drawn.
    pub terminal: bool,
    /// The command knows how many scenarios there are (a proxy does not): a bar has a total.
    pub counted: bool,
    /// Show each request as built (a dry run).
    pub dry_run: bool,
    /// How much of each exchange `-v` shows.
    pub verbosity: Verbosity,
}

impl HumanView {
    /// Whether the progress bar is drawn: on a terminal, not quiet, towards a total.
    pub fn bar(&self) -> bool {
        !self.quiet && self.terminal && self.counted
    }
}

impl Live {
    fn sink(self) -> Arc<dyn EventSink> {
        match self {
            Live::Json => Arc::new(JsonLines::new(std::io::stdout())),
            Live::Human(v) => Arc::new(
                Human::new(v.color, v.quiet, v.bar())
                    .dry_run(v.dry_run)
                    .verbosity(v.verbosity),
            ),
        }
    }
}

/// What [`Sinks`] are made of; see [`Sinks::builder`].
pub struct SinksBuilder {
    registry: Arc<Registry>,
    live: Option<Live>,
    reports: Option<PathBuf>,
    insecure: bool,
    gate: Option<Gate>,
    recording: Option<Arc<dyn Recording>>,
    remedies: Arc<dyn Remedies>,
}

impl SinksBuilder {
    /// How the reports and the final lines name the settings they mention (the CLI's flags);
    /// the library's own words by default.
    pub fn remedies(mut self, remedies: Arc<dyn Remedies>) -> Self {
        self.remedies = remedies;
        self
    }

    /// The live view on stdout; none by default (a library caller may want silence).
    pub fn live(mut self, live: Live) -> Self {
        self.live = Some(live);
        self
    }

    /// Writes the report files into `dir`; `None` writes none.
    pub fn reports(mut self, dir: Option<&Path>) -> Self {
        self.reports = dir.map(Path::to_owned);
        self
    }

    /// Server certificates are not verified: every report says so.
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// The coverage gate: counted whether or not reports are written, judged at the end, said
    /// in every report; a gate not met fails a run that conforms.
    pub fn gate(mut self, gate: Option<Gate>) -> Self {
        self.gate = gate;
        self
    }

    /// Every exchange also goes to `recording`, completed at the end.
    pub fn recording(mut self, recording: Option<Arc<dyn Recording>>) -> Self {
        self.recording = recording;
        self
    }

    /// Makes the sinks: the live view chosen, the collector for the final terminal report, the report writer when a folder was given, and the recording.
    pub fn build(self) -> Sinks {
        // The terminal needs the failures and the warnings; the report files are streamed to
        // the report folder as scenarios finish, so a long run keeps no row per scenario.
        let collector = Arc::new(Collector::new(false));
        let reports = self.reports.as_deref().map(|dir| {
            let writer = ReportWriter::new(dir, self.registry.clone());
            Arc::new(
                writer
                    .insecure(self.insecure)
                    .gate(self.gate)
                    .remedies(self.remedies.clone()),
            )
        });
        let gate = self.gate.map(|gate| (gate, Arc::new(Counter::default())));
        let mut all: Vec<Arc<dyn EventSink>> = Vec::new();
        all.extend(self.live.map(Live::sink));
        all.push(collector.clone());
        if let Some(r) = &reports {
            all.push(r.clone());
        }
        if let Some((_, counter)) = &gate {
            all.push(counter.clone());
        }
        if let Some(r) = &self.recording {
            all.push(r.clone());
        }
        Sinks {
            sink: Arc::new(Fanout(all)),
            collector,
            reports: reports.zip(self.reports),
            gate,
            recording: self.recording,
            registry: self.registry,
            remedies: self.remedies,
        }
    }
}

/// The sinks of one command's events, and what to complete at the end.
pub struct Sinks {
    sink: Arc<dyn EventSink>,
    collector: Arc<Collector>,
    reports: Option<(Arc<ReportWriter>, PathBuf)>,
    gate: Option<(Gate, Arc<Counter>)>,
    recording: Option<Arc<dyn Recording>>,
    registry: Arc<Registry>,
    remedies: Arc<dyn Remedies>,
}

/// How a command that reports as a run does ended: what its final report shows, what was
/// written, and its exit code.
pub struct Ending {
    /// The failing scenarios and the warnings.
    pub collected: Collected,
    /// The gate's verdict, when a gate was set.
    pub verdict: Option<Verdict>,
    /// The summary: the counts, the gate's line, the interrupt.
    pub summary: String,
    /// The run's exit code with the gate's verdict (a gate not met fails a run that conforms).
    pub code: ExitCode,
    /// The report folder, or why the reports could not be written; `None` without reports.
    pub reports: Option<Result<PathBuf, ReportError>>,
    /// What the recording holds, or why it could not be written; `None` without one.
    pub recorded: Option<Result<String, Box<dyn std::error::Error + Send + Sync>>>,
}

impl Ending {
    /// The exit code, counting files that could not be written: reports are written whatever
    /// the outcome and do not change it, but failing to write them is an environment error
    /// (exit 2), which CI must not take for green.
    pub fn exit_code(&self) -> ExitCode {
        let failed = matches!(self.reports, Some(Err(_))) || matches!(self.recorded, Some(Err(_)));
        if failed {
            self.code.max(ExitCode::Errors)
        } else {
            self.code
        }
    }
}

impl Sinks {
    /// Sinks whose reports take the documented statuses from `registry`.
    pub fn builder(registry: Arc<Registry>) -> SinksBuilder {
        SinksBuilder {
            registry,
            live: None,
            reports: None,
            insecure: false,
            gate: None,
            recording: None,
            remedies: Arc::new(OwnTerms),
        }
    }

    /// The sink to give the runner: every event goes to each sink in turn.
    pub fn sink(&self) -> Arc<dyn EventSink> {
        self.sink.clone()
    }

    /// Where every exchange goes besides the live sinks (the recording), for a command whose
    /// steps do not reach the run's sink (`fuzz` streams one result per operation).
    pub fn traffic(&self) -> Option<Arc<dyn EventSink>> {
        self.recording.clone().map(|r| -> Arc<dyn EventSink> { r })
    }

    /// Judges the gate, completes the report files and the recording, and says how the run
    /// ended.
    pub fn finish(self, summary: &RunSummary) -> Ending {
        let collected = self.collector.take(summary);
        let verdict = self
            .gate
            .as_ref()
            .map(|(gate, counter)| gate.judge(&counter.coverage(&self.registry)));
        let mut line = terminal::summary(&summary.counts, summary.duration);
        if let Some(v) = &verdict {
            line = format!("{line}\n{}", terminal::gate(v, &*self.remedies));
        }
        if let Some(signal) = summary.interrupted {
            line = format!(
                "interrupted by {signal}; the interrupted scenarios are marked in the reports\n{line}"
            );
        }
        let code = match &verdict {
            Some(v) => v.exit_code(summary.exit_code()),
            None => summary.exit_code(),
        };
        let reports = self
            .reports
            .map(|(writer, dir)| writer.finish().map(|_| dir));
        let recorded = self.recording.map(|r| r.complete());
        Ending {
            collected,
            verdict,
            summary: line,
            code,
            reports,
            recorded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Counts, Event, Outcome, ScenarioResult};
    use crate::scenario::Found;

    fn summary(counts: Counts, interrupted: Option<&'static str>) -> RunSummary {
        RunSummary {
            run_id: "r".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            duration: std::time::Duration::from_millis(5),
            counts,
            interrupted,
        }
    }

    fn passed() -> ScenarioResult {
        let f = Found {
            id: "a.yaml".into(),
            path: "a.yaml".into(),
        };
        let mut r = ScenarioResult::skipped(&f, "x");
        r.outcome = Outcome::Passed;
        r.api = "fixture".into();
        r
    }

    /// One scenario passed, through the sinks: the run's summary.
    fn one_passed(sinks: &Sinks) -> RunSummary {
        let r = passed();
        sinks.sink().event(&Event::ScenarioFinished {
            index: 0,
            result: &r,
        });
        let mut counts = Counts::default();
        counts.add(Outcome::Passed);
        summary(counts, None)
    }

    fn registry() -> Arc<Registry> {
        Arc::new(Registry::new(Path::new("tests/fixtures/specs")))
    }

    #[test]
    fn a_gate_not_met_fails_a_run_that_conforms_without_reports() {
        let gate = Gate::parse("50%").expect("a gate");
        let sinks = Sinks::builder(registry()).gate(Some(gate)).build();
        let run = one_passed(&sinks);
        let ending = sinks.finish(&run);
        let verdict = ending.verdict.as_ref().expect("a verdict");
        assert!(
            !verdict.met,
            "nothing was returned: 0% of the documented statuses"
        );
        assert_eq!(ending.exit_code(), ExitCode::Violations);
        assert!(
            ending.summary.contains("below the coverage gate"),
            "{}",
            ending.summary
        );
        assert!(ending.reports.is_none() && ending.recorded.is_none());
    }

    #[test]
    fn reports_that_cannot_be_written_are_an_error_of_the_run() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, "not a folder").expect("written");
        let sinks = Sinks::builder(registry())
            .reports(Some(&blocked.join("reports")))
            .insecure(true)
            .build();
        let run = one_passed(&sinks);
        let ending = sinks.finish(&run);
        assert_eq!(ending.code, ExitCode::Conform);
        assert!(matches!(ending.reports, Some(Err(_))));
        assert_eq!(ending.exit_code(), ExitCode::Errors);
    }

    #[test]
    fn an_interrupt_is_said_first_and_the_recording_completed() {
        struct Rec;
        impl EventSink for Rec {
            fn event(&self, _: &Event<'_>) {}
        }
        impl Recording for Rec {
            fn complete(&self) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
                Ok("0 exchange(s) in x.har".into())
            }
        }
        let sinks = Sinks::builder(registry())
            .recording(Some(Arc::new(Rec)))
            .build();
        assert!(sinks.traffic().is_some());
        let ending = sinks.finish(&summary(Counts::default(), Some("SIGINT")));
        assert!(
            ending.summary.starts_with("interrupted by SIGINT"),
            "{}",
            ending.summary
        );
        assert_eq!(ending.exit_code(), ExitCode::Interrupted);
        assert!(matches!(ending.recorded, Some(Ok(ref s)) if s.contains("x.har")));
    }
}
