//! Writing the report files: each through a temporary file in the same folder, flushed to disk,
//! then renamed over the old one. A rename within one folder is atomic, so a run killed midway
//! leaves either the previous complete report or the new complete one, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::run::RunResult;
use crate::spec::Registry;

use super::{coverage::Coverage, html, json, junit, markdown};

/// Why a report could not be written; the run's own outcome is unaffected.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot create the report folder {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot render {what}: {message}")]
    Render { what: &'static str, message: String },
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
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let coverage = Coverage::of(run, registry);
    let junit = junit::render(run).map_err(|e| ReportError::Render {
        what: "junit.xml",
        message: e.to_string(),
    })?;
    let contents = [
        json::render(run),
        junit,
        html::render(run, &coverage),
        markdown::render(run),
    ];
    let mut written = Vec::new();
    for (name, text) in FILES.iter().zip(contents) {
        let path = dir.join(name);
        atomic_write(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `bytes` to `path` atomically: a sibling temporary file, synced, then renamed.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The process id keeps two concurrent runs writing into one folder from sharing a temp file;
    // the leading dot keeps the half-written file out of globs such as `*.html`.
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself reaches the disk with the folder's entry; without this a power cut
        // right after could still show the old file. Not every platform can sync a folder.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
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
