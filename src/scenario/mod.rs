//! Scenario files: discovery ([`Discovery`], streamed, one folder listed at a time), parsing into
//! the typed model ([`Scenario`]) whose nodes keep their spans, and `${...}` templates
//! ([`Template`]). Nothing here knows the specs or the checks: [`crate::plan`] validates a parsed
//! scenario against its spec and compiles it.

mod heads;
mod load;
mod select;
mod syntax;
mod template;

use std::path::{Path, PathBuf};

pub use crate::source::{Node, NodeKind, Pos, Spanned};
pub use heads::scan_heads;
pub use load::{Head, MAX_SCENARIO_BYTES, load, parse, parse_head, read};
pub use select::{Partition, PartitionError, PartitionKind, Selection};
pub use syntax::{
    AuthMode, Capture, Dur, Expect, Retry, Scenario, StatusItem, StatusSpec, Step, class_digit,
};
pub use template::{BUILTINS, Scope, Segment, Template, VarRef};

use crate::source::Diagnostic;

/// A scenario file found on disk, not yet read.
#[derive(Debug, Clone)]
pub struct Found {
    /// The file's path, as found under the root.
    pub path: PathBuf,
    /// The name shown in reports and used as the test name: the path relative to the root it
    /// was found under, with `/` separators.
    pub id: String,
}

/// Scenario files under `roots`, collected (for callers that need them all, such as the test
/// harness that lists one trial per file). [`Discovery`] streams the same sequence.
pub fn discover(roots: &[PathBuf]) -> Result<Vec<Found>, Diagnostic> {
    Discovery::new(roots).collect()
}

/// Scenario files under `roots`, one at a time: files are taken as given; folders are searched
/// for `.yaml` and `.yml`, each folder's entries in name order, so runs and reports are stable.
/// Only the folder being walked is held in memory, never the whole tree.
pub struct Discovery {
    roots: std::vec::IntoIter<PathBuf>,
    /// Folders being walked: the root they belong to and their entries not yet visited (in
    /// reverse name order, so `pop` takes the next one).
    stack: Vec<(PathBuf, Vec<PathBuf>)>,
    seen_roots: Vec<PathBuf>,
}

impl Discovery {
    /// Roots are walked in name order too, whatever order they were given in.
    pub fn new(roots: &[PathBuf]) -> Self {
        let mut roots = roots.to_vec();
        roots.sort();
        Discovery {
            roots: roots.into_iter(),
            stack: Vec::new(),
            seen_roots: Vec::new(),
        }
    }

    fn list(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Diagnostic::new(dir, Pos::UNKNOWN, format!("cannot list the folder: {e}"))
        })?;
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort_by(|a, b| b.cmp(a));
        Ok(paths)
    }
}

impl Iterator for Discovery {
    type Item = Result<Found, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((root, entries)) = self.stack.last_mut() {
                let Some(path) = entries.pop() else {
                    self.stack.pop();
                    continue;
                };
                let root = root.clone();
                if path.is_dir() {
                    match Self::list(&path) {
                        Ok(entries) => self.stack.push((root, entries)),
                        Err(d) => return Some(Err(d)),
                    }
                    continue;
                }
                if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                ) {
                    let rel = path.strip_prefix(&root).unwrap_or(&path);
                    return Some(Ok(Found {
                        id: slash(rel),
                        path,
                    }));
                }
                continue;
            }
            let root = self.roots.next()?;
            // The same argument twice is one set of scenarios, not two runs of each.
            if self.seen_roots.contains(&root) {
                continue;
            }
            self.seen_roots.push(root.clone());
            if root.is_file() {
                return Some(Ok(Found {
                    id: slash(&root),
                    path: root,
                }));
            } else if root.is_dir() {
                match Self::list(&root) {
                    Ok(entries) => self.stack.push((root, entries)),
                    Err(d) => return Some(Err(d)),
                }
            } else {
                return Some(Err(Diagnostic::new(
                    &root,
                    Pos::UNKNOWN,
                    "no such file or folder",
                )
                .help("pass scenario files or folders, such as `cases/`")));
            }
        }
    }
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_walks_folders_in_name_order_and_skips_other_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        for p in ["b.yaml", "a/z.yml", "a/c.yaml", "notes.txt", "c/d/e.yaml"] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, "x").expect("write");
        }
        let root = dir.path().to_path_buf();
        let ids: Vec<String> = discover(&[root.clone(), root])
            .expect("discovers")
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, ["a/c.yaml", "a/z.yml", "b.yaml", "c/d/e.yaml"]);
    }

    #[test]
    fn a_missing_root_is_an_error_with_a_hint() {
        let e = discover(&[PathBuf::from("/no/such/folder")]).expect_err("missing root");
        assert!(e.help.as_deref().unwrap_or("").contains("cases/"), "{e}");
    }
}
