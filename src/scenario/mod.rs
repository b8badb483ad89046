//! Scenario files: discovery ([`Discovery`], streamed, one folder listed at a time), parsing into
//! the typed model ([`Scenario`]) whose nodes keep their spans, and `${...}` templates
//! ([`Template`]). Nothing here knows the specs or the checks: [`crate::plan`] validates a parsed
//! scenario against its spec and compiles it.

mod head_scan;
mod heads;
mod load;
mod select;
mod syntax;
mod template;
mod workflows;

use std::path::{Path, PathBuf};

pub use crate::source::{Node, NodeKind, Pos, Spanned};
pub use heads::scan_heads;
pub use load::{Head, MAX_SCENARIO_BYTES, load, parse, parse_head, read};
pub use select::{Partition, PartitionError, PartitionKind, Selection};
pub use syntax::{
    AuthMode, Capture, Dur, Expect, Retry, Scenario, StatusItem, StatusSpec, Step, class_digit,
};
pub use template::{BUILTINS, Scope, Segment, Template, VarRef};
pub use workflows::{WorkflowHead, is_arazzo, workflow_heads};

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
/// Only the folder being walked is held in memory, never the whole tree. An Arazzo document
/// (also `.json`, see [`is_arazzo`]) yields one item per workflow, `file#workflowId`, or the
/// file alone when its workflows cannot be read (the run reports why).
pub struct Discovery {
    /// The workflows of the Arazzo document last met, not yet yielded.
    pending: std::collections::VecDeque<Found>,
    roots: std::vec::IntoIter<PathBuf>,
    /// Folders being walked: the root they belong to and their entries not yet visited, each
    /// with whether it is a folder (in reverse name order, so `pop` takes the next one).
    stack: Vec<(PathBuf, Vec<(PathBuf, bool)>)>,
    seen_roots: Vec<PathBuf>,
    /// Whether files found in folders are yielded unread ([`Walked::Unread`]), their Arazzo check
    /// left to the caller, which reads them anyway ([`scan_heads`]).
    unread: bool,
}

/// What [`Discovery`] yields inside this module: a found item, or (when asked for) a `.yaml`,
/// `.yml` or `.json` file found in a folder and not yet read, so not yet known to be a scenario,
/// an Arazzo document, or neither. Its [`Found`] is the one discovery would yield for a scenario.
enum Walked {
    Found(Found),
    Unread(Found),
}

impl Discovery {
    /// Roots are walked in name order too, whatever order they were given in.
    pub fn new(roots: &[PathBuf]) -> Self {
        let mut roots = roots.to_vec();
        roots.sort();
        Discovery {
            pending: Default::default(),
            roots: roots.into_iter(),
            stack: Vec::new(),
            seen_roots: Vec::new(),
            unread: false,
        }
    }

    /// Discovery that yields the files it finds in folders unread ([`Walked::Unread`]).
    fn unread(roots: &[PathBuf]) -> Self {
        Discovery {
            unread: true,
            ..Self::new(roots)
        }
    }

    /// A folder's entries, each with whether it is a folder: told by the entry's type, which
    /// listing the folder gave, without a `stat` per file; a symbolic link is followed.
    fn list(dir: &Path) -> Result<Vec<(PathBuf, bool)>, Diagnostic> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Diagnostic::new(dir, Pos::UNKNOWN, format!("cannot list the folder: {e}"))
        })?;
        let mut paths: Vec<(PathBuf, bool)> = entries
            .flatten()
            .map(|e| {
                let path = e.path();
                let is_dir = match e.file_type() {
                    Ok(t) if !t.is_symlink() => t.is_dir(),
                    _ => path.is_dir(),
                };
                (path, is_dir)
            })
            .collect();
        paths.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(paths)
    }
}

impl Iterator for Discovery {
    type Item = Result<Found, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        // Only [`Discovery::unread`] yields unread files, and its caller takes `next_item`.
        self.next_item().map(|r| {
            r.map(|item| match item {
                Walked::Found(f) | Walked::Unread(f) => f,
            })
        })
    }
}

impl Discovery {
    /// The next item, in discovery order.
    fn next_item(&mut self) -> Option<Result<Walked, Diagnostic>> {
        loop {
            if let Some(f) = self.pending.pop_front() {
                return Some(Ok(Walked::Found(f)));
            }
            if let Some((root, entries)) = self.stack.last_mut() {
                let Some((path, is_dir)) = entries.pop() else {
                    self.stack.pop();
                    continue;
                };
                let root = root.clone();
                if is_dir {
                    match Self::list(&path) {
                        Ok(entries) => self.stack.push((root, entries)),
                        Err(d) => return Some(Err(d)),
                    }
                    continue;
                }
                let ext = path.extension().and_then(|e| e.to_str());
                if matches!(ext, Some("yaml" | "yml" | "json")) {
                    let id = slash(path.strip_prefix(&root).unwrap_or(&path));
                    if self.unread {
                        return Some(Ok(Walked::Unread(Found { id, path })));
                    } else if is_arazzo(&path) {
                        self.expand(path, id);
                    } else if ext != Some("json") {
                        return Some(Ok(Walked::Found(Found { id, path })));
                    }
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
                if is_arazzo(&root) {
                    self.expand(root.clone(), slash(&root));
                    continue;
                }
                return Some(Ok(Walked::Found(Found {
                    id: slash(&root),
                    path: root,
                })));
            } else if root.is_dir() {
                match Self::list(&root) {
                    Ok(entries) => self.stack.push((root, entries)),
                    Err(d) => return Some(Err(d)),
                }
            } else if let Some(f) = one_workflow(&root) {
                return Some(Ok(Walked::Found(f)));
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

impl Discovery {
    /// Queues the workflows of the Arazzo document at `path` (found as `id`).
    fn expand(&mut self, path: PathBuf, id: String) {
        match workflow_heads(&path) {
            Ok(heads) if !heads.is_empty() => {
                self.pending.extend(heads.into_iter().map(|h| Found {
                    id: format!("{id}#{}", h.id),
                    path: path.clone(),
                }))
            }
            // Unreadable or without workflows: the document alone, whose run says why.
            _ => self.pending.push_back(Found { id, path }),
        }
    }
}

/// `file.arazzo.yaml#workflowId` given as a root: that workflow alone.
fn one_workflow(root: &Path) -> Option<Found> {
    let text = root.to_str()?;
    let (file, workflow) = text.rsplit_once('#')?;
    let path = PathBuf::from(file);
    let known = path.is_file() && is_arazzo(&path);
    let heads = if known {
        workflow_heads(&path).ok()?
    } else {
        return None;
    };
    heads.iter().any(|h| h.id == workflow).then(|| Found {
        id: slash(root),
        path,
    })
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
    fn an_arazzo_document_is_one_item_per_workflow() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = [
            ("a.yaml", "name: s\n"),
            (
                "b.arazzo.yaml",
                "arazzo: 1.0.1\nworkflows:\n- workflowId: x\n- workflowId: y\n",
            ),
            (
                "c.json",
                "{\"arazzo\": \"1.1.0\", \"workflows\": [{\"workflowId\": \"z\"}]}",
            ),
            ("d.json", "{\"openapi\": \"3.1.0\"}"),
            ("e.arazzo.yml", "arazzo: [broken\n"),
        ];
        for (p, text) in files {
            std::fs::write(dir.path().join(p), text).expect("write");
        }
        let ids: Vec<String> = discover(&[dir.path().to_path_buf()])
            .expect("discovers")
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(
            ids,
            [
                "a.yaml",
                "b.arazzo.yaml#x",
                "b.arazzo.yaml#y",
                "c.json#z",
                "e.arazzo.yml"
            ]
        );
        let file = dir.path().join("b.arazzo.yaml");
        let direct = discover(std::slice::from_ref(&file)).expect("discovers");
        assert_eq!(direct.len(), 2);
        assert_eq!(direct[1].workflow(), Some("y"));
        let one = PathBuf::from(format!("{}#y", file.display()));
        let only = discover(&[one]).expect("discovers");
        assert_eq!((only.len(), only[0].workflow()), (1, Some("y")));
        let none = PathBuf::from(format!("{}#nope", file.display()));
        assert!(discover(&[none]).is_err());
    }

    #[test]
    fn a_missing_root_is_an_error_with_a_hint() {
        let e = discover(&[PathBuf::from("/no/such/folder")]).expect_err("missing root");
        assert!(e.help.as_deref().unwrap_or("").contains("cases/"), "{e}");
    }
}
