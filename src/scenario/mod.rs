//! Scenario files: discovery, parsing into the typed model ([`Scenario`]) whose nodes keep their
//! line and column, `${...}` templates, and the static checks that run before anything is sent
//! ([`validate`]): operations exist, variables are defined, matchers are well-formed.

mod load;
mod model;
mod node;
mod span;
mod template;
mod validate;

use std::path::{Path, PathBuf};

pub(crate) use load::yaml_diagnostic;
pub use load::{load, parse, yaml_options};
pub use model::{
    AuthMode, Capture, Dur, Expect, Retry, Scenario, StatusSpec, Step, class_digit, parse_duration,
};
pub use node::{Node, NodeKind};
pub use span::{Pos, Spanned};
pub use template::{BUILTINS, Scope, Segment, Template, VarRef};
pub use validate::validate;

use crate::diag::Diagnostic;

/// A parsed scenario with where it came from.
#[derive(Debug)]
pub struct LoadedScenario {
    pub path: PathBuf,
    /// The name shown in reports and used as the test name: the path relative to the root it
    /// was found under, with `/` separators.
    pub id: String,
    pub scenario: Scenario,
}

impl LoadedScenario {
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.scenario.tags.iter().map(|t| t.value.as_str())
    }
}

/// A scenario file found on disk, not yet parsed.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    pub id: String,
}

/// Scenario files under `roots` (files are taken as given; folders are searched for `.yaml` and
/// `.yml`), sorted by id so runs and reports are stable.
pub fn discover(roots: &[PathBuf]) -> Result<Vec<Found>, Diagnostic> {
    let mut out = Vec::new();
    for root in roots {
        if root.is_file() {
            out.push(Found {
                path: root.clone(),
                id: slash(root),
            });
        } else if root.is_dir() {
            walk(root, root, &mut out)?;
        } else {
            return Err(
                Diagnostic::new(root, Pos::UNKNOWN, "no such file or folder")
                    .help("pass scenario files or folders, such as `cases/`"),
            );
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Found>) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::new(dir, Pos::UNKNOWN, format!("cannot list the folder: {e}")))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(Found {
                id: slash(rel),
                path,
            });
        }
    }
    Ok(())
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Parses a found file.
pub fn load_found(found: &Found) -> Result<(LoadedScenario, String), Diagnostic> {
    let (scenario, source) = load(&found.path)?;
    Ok((
        LoadedScenario {
            path: found.path.clone(),
            id: found.id.clone(),
            scenario,
        },
        source,
    ))
}
