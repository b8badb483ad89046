//! [`ReportWriter`]: the report files of a run, written as scenarios finish. It is an
//! [`EventSink`]: each finished scenario is put back into the order files were found
//! ([`Reorder`]), then appended to every report's parts in the report folder ([`Reports`] over
//! [`Folder`]); when the run finishes, each file is assembled (its header, which carries the
//! counts, then its parts) and renamed into place. What it keeps in memory is counts, plus the
//! results overtaken by a slower one, so memory stays flat however many scenarios run.
//!
//! The files are what [`super::write::write_all`] writes for the same scenarios, with
//! passing and skipped scenarios compact (without requests and responses), as reports always
//! had them. A report that cannot be written does not stop the run: the first error is kept
//! for [`ReportWriter::finish`], and nothing more is written; the previous reports stay.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::openapi::Registry;
use crate::remedy::{OwnTerms, Remedies};
use crate::run::{Event, EventSink, ScenarioResult};

use super::RunInfo;
use super::gate::Gate;
use super::order::Reorder;
use super::parts::Folder;
use super::write::{self, ReportError, Reports};

/// The report files of a run, written as scenarios finish; see the module docs.
pub struct ReportWriter {
    dir: PathBuf,
    registry: Arc<Registry>,
    /// The run accepts any server certificate: every report says so.
    insecure: bool,
    /// The coverage gate, whose verdict every report says.
    gate: Option<Gate>,
    /// How the reports name the settings they mention.
    remedies: Arc<dyn Remedies>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    order: Reorder<ScenarioResult>,
    /// The reports in the making, from the first scenario written on (a run that selects none
    /// creates nothing).
    reports: Option<Reports<Folder>>,
    /// The first thing that went wrong; nothing is written after it.
    error: Option<ReportError>,
    /// The files written when the run finished.
    written: Vec<PathBuf>,
}

impl ReportWriter {
    /// Writes the reports into `dir` (created if missing); `registry` supplies the documented
    /// statuses for the coverage table.
    pub fn new(dir: &Path, registry: Arc<Registry>) -> Self {
        ReportWriter {
            dir: dir.to_owned(),
            registry,
            insecure: false,
            gate: None,
            remedies: Arc::new(OwnTerms),
            state: Mutex::default(),
        }
    }

    /// Marks every report of a run whose server certificates were not verified.
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// Judges the run's coverage with `gate` in every report.
    pub fn gate(mut self, gate: Option<Gate>) -> Self {
        self.gate = gate;
        self
    }

    /// How the reports name the settings they mention (the CLI's flags); the library's own
    /// words by default.
    pub fn remedies(mut self, remedies: Arc<dyn Remedies>) -> Self {
        self.remedies = remedies;
        self
    }

    /// The files written when the run finished (none if no scenario ran), or the first reason
    /// they could not be. Takes it: a second call returns no file.
    pub fn finish(&self) -> Result<Vec<PathBuf>, ReportError> {
        let mut state = self.lock();
        match state.error.take() {
            Some(e) => Err(e),
            None => Ok(std::mem::take(&mut state.written)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventSink for ReportWriter {
    /// A passing scenario is written [`ScenarioResult::compact`]: without its exchanges.
    fn reads_passing_exchanges(&self) -> bool {
        false
    }

    fn event(&self, event: &Event<'_>) {
        let mut state = self.lock();
        if state.error.is_some() {
            return;
        }
        let result = match event {
            Event::Deselected { index, .. } => {
                state.order.put(*index, None);
                state.write_ready(&self.dir)
            }
            Event::ScenarioFinished { index, result } => {
                let kept = if super::is_failing(result) {
                    (*result).clone()
                } else {
                    result.compact()
                };
                state.order.put(*index, Some(kept));
                state.write_ready(&self.dir)
            }
            Event::RunFinished { summary } => {
                let info = RunInfo {
                    insecure: self.insecure,
                    remedies: &*self.remedies,
                    ..RunInfo::of_summary(summary)
                };
                let total = summary.counts.total;
                state.write_files(&self.dir, &self.registry, &info, self.gate, total)
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            // Free what was kept, and remove the parts (they go with the reports).
            *state = State {
                error: Some(e),
                ..State::default()
            };
        }
    }
}

impl State {
    /// The reports in the making, opened (the folder created, the parts made) on first use.
    fn reports(&mut self, dir: &Path) -> Result<&mut Reports<Folder>, ReportError> {
        let reports = match self.reports.take() {
            Some(r) => r,
            None => {
                write::create_dir(dir)?;
                Reports::new(Folder::new(dir)).map_err(|e| parts_error(dir, e))?
            }
        };
        Ok(self.reports.insert(reports))
    }

    /// Appends the results whose turn has come.
    fn write_ready(&mut self, dir: &Path) -> Result<(), ReportError> {
        while let Some(s) = self.order.pop() {
            self.reports(dir)?
                .add(&s)
                .map_err(|e| parts_error(dir, e))?;
        }
        Ok(())
    }

    /// Appends what still waits, then writes every file, unless no scenario ran (the
    /// previous reports are then left as they are).
    fn write_files(
        &mut self,
        dir: &Path,
        registry: &Registry,
        info: &RunInfo<'_>,
        gate: Option<Gate>,
        total: usize,
    ) -> Result<(), ReportError> {
        while let Some(s) = self.order.pop_any() {
            self.reports(dir)?
                .add(&s)
                .map_err(|e| parts_error(dir, e))?;
        }
        let Some(reports) = self.reports.take() else {
            return Ok(());
        };
        if total > 0 {
            self.written = reports.write(dir, info, registry, gate)?;
        }
        Ok(())
    }
}

fn parts_error(dir: &Path, source: std::io::Error) -> ReportError {
    ReportError::Parts {
        path: dir.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckKind, Finding, Severity};
    use crate::run::{Counts, Outcome, Phase, RequestRecord, RunResult, RunSummary, StepResult};
    use crate::scenario::Found;

    fn found(id: &str) -> Found {
        Found {
            id: id.into(),
            path: id.into(),
        }
    }

    /// A scenario of `api` with one step that sent a request, passing or failing.
    fn scenario(id: &str, api: &str, outcome: Outcome) -> ScenarioResult {
        let severity = match outcome {
            Outcome::Failed => Severity::Violation,
            _ => Severity::Warning,
        };
        let mut step = StepResult::synthetic(
            "create",
            Phase::Main,
            Finding::new(severity, CheckKind::Body, format!("{id} <differs>")),
        );
        step.request = Some(RequestRecord {
            method: "POST".into(),
            url: "http://127.0.0.1:1/widgets".into(),
            headers: vec![],
            body: Some("{}".into()),
            body_bytes: 0,
            credentials: None,
        });
        step.status = Some(201);
        let mut s = ScenarioResult::skipped(&found(id), "");
        s.skipped = None;
        s.outcome = outcome;
        s.api = api.into();
        s.tags = vec!["t".into()];
        s.steps = vec![step];
        s
    }

    fn summary(total: usize) -> RunSummary {
        RunSummary {
            run_id: "r1".into(),
            started_at: "2026-01-02T03:04:05Z".into(),
            duration: std::time::Duration::from_millis(9),
            counts: Counts {
                total,
                ..Counts::default()
            },
            interrupted: None,
        }
    }

    fn registry() -> Arc<Registry> {
        Arc::new(Registry::new("no-such-specs"))
    }

    /// The visible files and the hidden ones (parts, temporaries) of a folder.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn results_finishing_out_of_order_are_written_in_the_order_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("report.json"), "previous").expect("old report");
        let writer = ReportWriter::new(dir.path(), registry());
        let a = scenario("a.yaml", "b-api", Outcome::Passed);
        let c = scenario("c.yaml", "a-api", Outcome::Failed);
        let d = scenario("d.yaml", "b-api", Outcome::Skipped);
        writer.event(&Event::RunStarted {
            run_id: "r1",
            total: Some(4),
        });
        writer.event(&Event::ScenarioFinished {
            index: 3,
            result: &d,
        });
        writer.event(&Event::ScenarioFinished {
            index: 2,
            result: &c,
        });
        writer.event(&Event::Deselected {
            index: 1,
            id: "b.yaml",
        });
        writer.event(&Event::ScenarioFinished {
            index: 0,
            result: &a,
        });
        // Until the run finishes, the previous report is the one in place.
        assert_eq!(names(dir.path()), vec!["report.json"]);
        writer.event(&Event::RunFinished {
            summary: &summary(3),
        });
        let written = writer.finish().expect("reports are written");
        assert_eq!(written.len(), write::FILES.len());
        let mut files = write::FILES.map(String::from).to_vec();
        files.sort();
        assert_eq!(
            names(dir.path()),
            files,
            "the files, and no part left behind"
        );

        // The same files as the whole run in order gives, passing scenarios compact.
        let expected = tempfile::tempdir().expect("temp dir");
        let run = RunResult {
            run_id: "r1".into(),
            started_at: "2026-01-02T03:04:05Z".into(),
            duration: std::time::Duration::from_millis(9),
            scenarios: vec![a.compact(), c, d.compact()],
        };
        write::write_all(expected.path(), &run, &registry()).expect("written whole");
        for name in write::FILES {
            let streamed = std::fs::read_to_string(dir.path().join(name)).expect("streamed");
            let whole = std::fs::read_to_string(expected.path().join(name)).expect("whole");
            assert_eq!(streamed, whole, "{name}");
        }
        let json = std::fs::read_to_string(dir.path().join("report.json")).expect("json");
        let at = |id: &str| json.find(&format!("\"id\": \"{id}\"")).expect(id);
        assert!(at("a.yaml") < at("c.yaml") && at("c.yaml") < at("d.yaml"));
        assert!(
            !json.contains("b.yaml"),
            "the deselected file is not reported"
        );
    }

    #[test]
    fn an_insecure_run_says_so_in_every_report_and_a_verified_one_in_none() {
        for insecure in [true, false] {
            let dir = tempfile::tempdir().expect("temp dir");
            let writer = ReportWriter::new(dir.path(), registry()).insecure(insecure);
            let a = scenario("a.yaml", "api", Outcome::Passed);
            writer.event(&Event::ScenarioFinished {
                index: 0,
                result: &a,
            });
            writer.event(&Event::RunFinished {
                summary: &summary(1),
            });
            writer.finish().expect("reports are written");
            let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect(name);
            let json: serde_json::Value = serde_json::from_str(&read("report.json")).expect("JSON");
            assert_eq!(json.get("insecure").is_some(), insecure, "{json}");
            for (name, mark) in [
                ("report.html", "class=\"insecure\""),
                ("junit.xml", "name=\"conform.insecure\""),
                (
                    "summary.md",
                    "**certificate verification off: server certificates were not verified",
                ),
            ] {
                let text = read(name);
                assert_eq!(text.contains(mark), insecure, "{name}: {text}");
            }
        }
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_an_error_and_the_run_goes_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a-file");
        std::fs::write(&file, "not a folder").expect("file");
        let writer = ReportWriter::new(&file.join("reports"), registry());
        let a = scenario("a.yaml", "api", Outcome::Passed);
        for index in 0..3 {
            writer.event(&Event::ScenarioFinished { index, result: &a });
        }
        writer.event(&Event::RunFinished {
            summary: &summary(3),
        });
        let e = writer.finish().expect_err("the folder cannot be created");
        assert!(matches!(e, ReportError::CreateDir { .. }), "{e}");
        assert!(e.to_string().contains("a-file"), "{e}");
        assert_eq!(names(dir.path()), vec!["a-file"]);
    }

    #[test]
    fn a_run_that_selects_nothing_writes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let reports = dir.path().join("reports");
        let writer = ReportWriter::new(&reports, registry());
        writer.event(&Event::Deselected {
            index: 0,
            id: "a.yaml",
        });
        writer.event(&Event::RunFinished {
            summary: &summary(0),
        });
        assert_eq!(writer.finish().expect("no error"), Vec::<PathBuf>::new());
        assert!(!reports.exists());
    }
}
