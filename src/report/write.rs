//! Writing the report files: each through a temporary file in the same folder, flushed to disk,
//! then renamed over the old one. A rename within one folder is atomic, so a run killed midway
//! leaves either the previous complete report or the new complete one, never half of one.
//! [`Reports`] is the set of report files in the making; [`write_all`] writes a whole run.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::openapi::Registry;
use crate::run::{RunResult, ScenarioResult};

use super::RunInfo;
use super::coverage;
use super::gate::Gate;
use super::html::Page;
use super::json::JsonReport;
use super::junit::JunitReport;
use super::markdown::Summary;
use super::parts::{InMemory, Parts};

/// Why a report could not be written; the run's own outcome is unaffected.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot create the report folder {}: {source}", path.display())]
    /// The report folder cannot be created.
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    /// A report file cannot be written or renamed into place.
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    #[error("cannot write the reports in {}: {source}", path.display())]
    /// A report's parts cannot be made or read back.
    Parts {
        /// The report folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// The file names written into the report folder, in writing order.
pub const FILES: [&str; 4] = ["report.json", "junit.xml", "report.html", "summary.md"];

/// Writes every report of `run` into `dir` (created if missing) and returns their paths.
/// `registry` supplies the documented statuses for the coverage table.
pub fn write_all(
    dir: &Path,
    run: &RunResult,
    registry: &Registry,
) -> Result<Vec<PathBuf>, ReportError> {
    create_dir(dir)?;
    let parts_error = |source| ReportError::Parts {
        path: dir.to_owned(),
        source,
    };
    let mut reports = Reports::new(InMemory).map_err(parts_error)?;
    for s in &run.scenarios {
        reports.add(s).map_err(parts_error)?;
    }
    reports.write(dir, &RunInfo::of(run), registry, None)
}

/// Creates the report folder and its parents.
pub fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_owned(),
        source,
    })
}

/// Every report file in the making, fed one scenario at a time, written at the end: what
/// [`write_all`] does with a whole run in memory and a streamed run
/// ([`super::stream::ReportWriter`]) with parts in the report folder.
pub struct Reports<S: Parts> {
    json: JsonReport<S::Part>,
    junit: JunitReport<S>,
    html: Page<S::Part>,
    markdown: Summary,
    coverage: coverage::Tally,
}

impl<S: Parts + Clone> Reports<S> {
    /// Starts every report, each writing its rows into parts made by `parts`.
    pub fn new(mut parts: S) -> std::io::Result<Self> {
        Ok(Reports {
            json: JsonReport::new(parts.part("report.json")?),
            html: Page::new(
                parts.part("report.html.articles")?,
                parts.part("report.html.rows")?,
            ),
            junit: JunitReport::new(parts),
            markdown: Summary::default(),
            coverage: coverage::Tally::default(),
        })
    }

    /// Appends one scenario to every report, after those added before it.
    pub fn add(&mut self, s: &ScenarioResult) -> std::io::Result<()> {
        self.json.add(s)?;
        self.junit.add(s)?;
        self.html.add(s)?;
        self.markdown.add(s);
        self.coverage.add(s);
        Ok(())
    }

    /// Writes every file into `dir` (which must exist), each atomically, and returns their
    /// paths. `registry` supplies the documented statuses for the coverage; `gate`, when set,
    /// judges it, and every report says the verdict (and fails the run when it is not met).
    pub fn write(
        self,
        dir: &Path,
        info: &RunInfo<'_>,
        registry: &Registry,
        gate: Option<Gate>,
    ) -> Result<Vec<PathBuf>, ReportError> {
        let Reports {
            json,
            junit,
            html,
            markdown,
            coverage,
        } = self;
        let coverage = coverage.coverage(registry);
        let verdict = gate.map(|g| g.judge(&coverage));
        let info = &RunInfo {
            verdict: verdict.as_ref(),
            ..*info
        };
        let paths: Vec<PathBuf> = FILES.iter().map(|name| dir.join(name)).collect();
        atomic_write_with(&paths[0], |out| json.finish(info, &coverage, out))?;
        atomic_write_with(&paths[1], |out| junit.finish(info, out))?;
        atomic_write_with(&paths[2], |out| html.finish(info, &coverage, out))?;
        atomic_write(&paths[3], markdown.finish(info, &coverage).as_bytes())?;
        Ok(paths)
    }
}

/// Writes `bytes` to `path` atomically: a sibling temporary file, synced, then renamed.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    atomic_write_with(path, |out| out.write_all(bytes))
}

/// Writes what `fill` writes to `path` atomically: a sibling temporary file, synced, then
/// renamed over `path`. If `fill` fails, `path` is left as it was.
pub fn atomic_write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_owned(),
        source,
    };
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::fs::File::create(&tmp)?);
        fill(&mut out)?;
        let f = out.into_inner().map_err(|e| e.into_error())?;
        commit(f, &tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Where `path` is written before it is renamed into place: a hidden sibling. The process id
/// keeps two concurrent runs writing into one folder from sharing a temp file; the leading dot
/// keeps the half-written file out of globs such as `*.html`.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    folder_of(path).join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Makes `file`, written at `tmp`, the file at `path`: synced, renamed over it, and the
/// folder's entry synced too.
pub fn commit(file: std::fs::File, tmp: &Path, path: &Path) -> std::io::Result<()> {
    file.sync_all()?;
    std::fs::rename(tmp, path)?;
    // The rename itself reaches the disk with the folder's entry; without this a power cut
    // right after could still show the old file. Not every platform can sync a folder.
    if let Ok(d) = std::fs::File::open(folder_of(path)) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_old_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("report.json");
        atomic_write(&path, b"old").expect("first write");
        atomic_write(&path, b"new").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read back"), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }

    #[test]
    fn a_failed_write_keeps_the_previous_report() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("report.json");
        atomic_write(&path, b"good").expect("first write");
        // A folder where the temporary file should go makes the write fail before the rename.
        let blocker = dir
            .path()
            .join(format!(".report.json.{}.tmp", std::process::id()));
        std::fs::create_dir(&blocker).expect("blocker");
        let e = atomic_write(&path, b"half").expect_err("write must fail");
        assert!(e.to_string().contains("report.json"), "{e}");
        assert_eq!(std::fs::read(&path).expect("read back"), b"good");
    }
}
