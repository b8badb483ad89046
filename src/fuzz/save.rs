//! `--save-failures DIR`: each failure as a scenario file, `DIR/<api>/<operation>-<kind>-<n>.yaml`,
//! the text exactly as it ran (so its lines are the lines the findings name) and what it found
//! as comments at the end. A file that exists is never overwritten: the next free name is used.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::case::Case;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    #[error("cannot write the failing case to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes the case's scenario under `dir` and returns its path.
pub fn write(
    dir: &Path,
    api: &str,
    op: &str,
    case: &Case,
    text: &str,
    found: &str,
) -> Result<PathBuf, SaveError> {
    let folder = dir.join(crate::init::slug(api));
    let err = |path: &Path| {
        let path = path.to_owned();
        move |source| SaveError::Write { path, source }
    };
    std::fs::create_dir_all(&folder).map_err(err(&folder))?;
    let stem = format!(
        "{}-{}-{}",
        crate::init::slug(op),
        case.kind.label(),
        case.number
    );
    let mut body = text.to_owned();
    body.push_str("# What `conform fuzz` found with this request:\n");
    for line in found.lines() {
        body.push_str(&format!("#   {line}\n"));
    }
    for n in 1..1000 {
        let name = match n {
            1 => format!("{stem}.yaml"),
            n => format!("{stem}-{n}.yaml"),
        };
        let path = folder.join(name);
        // `create_new`: a file the user has (or an earlier run wrote) is never replaced.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(body.as_bytes()).map_err(err(&path))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(err(&path)(e)),
        }
    }
    let path = folder.join(format!("{stem}.yaml"));
    Err(SaveError::Write {
        path,
        source: std::io::Error::other("a thousand files of that name already exist"),
    })
}
