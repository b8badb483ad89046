//! Arazzo documents among the scenario files: which files are ones ([`is_arazzo`]: named
//! `*.arazzo.yaml|yml|json`, or a YAML/JSON file whose top-level key is `arazzo`), and the
//! workflows each holds ([`workflow_heads`]), so discovery yields one [`super::Found`] per
//! workflow (id `file#workflowId`) and `conform list` shows each. Only ids and summaries are
//! read here; the document itself is read, checked and run by [`crate::arazzo`]'s callers.

use std::io::Read;
use std::path::Path;

use crate::source::{Diagnostic, yaml};

/// How much of a file's head is scanned for a top-level `arazzo` key: an Arazzo document puts
/// it first, and discovery must not read whole files to tell scenarios from workflows.
const HEAD_BYTES: u64 = 8 * 1024;

/// Whether `path` names an Arazzo document by its name (`x.arazzo.yaml`).
fn named_arazzo(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    [".arazzo.yaml", ".arazzo.yml", ".arazzo.json"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Whether the file at `path` is an Arazzo document: by its name, or (for `.yaml`, `.yml`,
/// `.json`) by a top-level `arazzo` key in its first few kilobytes.
pub fn is_arazzo(path: &Path) -> bool {
    if named_arazzo(path) {
        return true;
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext, "yaml" | "yml" | "json") {
        return false;
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    // One read fills it for any scenario-sized file; a few more only for a longer head.
    let mut head = [0u8; HEAD_BYTES as usize];
    let mut len = 0;
    while len < head.len() {
        match file.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    arazzo_head(ext, &head[..len])
}

/// The top-level `arazzo` key looked for in the first [`HEAD_BYTES`] of a file.
fn arazzo_head(ext: &str, head: &[u8]) -> bool {
    if ext == "json" {
        // A JSON document: its first key, after the opening brace.
        let text = String::from_utf8_lossy(head);
        let rest = text.trim_start().trim_start_matches('\u{feff}');
        return rest
            .strip_prefix('{')
            .is_some_and(|r| r.trim_start().starts_with("\"arazzo\""));
    }
    // The key is ASCII at a line's start, so no decoding is needed to find it; the regex looks
    // for the literal `arazzo` first (memchr), which most files do not hold at all.
    static KEY: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| regex::bytes::Regex::new(r#"(?m)^(?:arazzo|"arazzo"):"#).ok())
        .as_ref()
        .is_some_and(|re| re.is_match(head))
}

/// A workflow of an Arazzo document, as a listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowHead {
    /// Its `workflowId`.
    pub id: String,
    /// Its `summary`, when it has one.
    pub summary: Option<String>,
}

#[derive(serde::Deserialize)]
struct Doc {
    #[serde(default)]
    workflows: Vec<Wf>,
}

#[derive(serde::Deserialize)]
struct Wf {
    #[serde(rename = "workflowId")]
    id: String,
    #[serde(default)]
    summary: Option<String>,
}

/// The workflows of the Arazzo document at `path`, in document order (other keys are skipped:
/// a run reports their mistakes).
pub fn workflow_heads(path: &Path) -> Result<Vec<WorkflowHead>, Diagnostic> {
    let text = super::read(path)?;
    let doc: Doc = yaml::parse(path, &text)?;
    Ok(doc
        .workflows
        .into_iter()
        .map(|w| WorkflowHead {
            id: w.id,
            summary: w.summary,
        })
        .collect())
}

impl super::Found {
    /// The workflow this found item names, when it is one of an Arazzo document's (its id is
    /// `file#workflowId`); `None` for a scenario file or a whole Arazzo document. What follows
    /// the workflow id after a space is not part of it (`--repeat` marks ids ` (round k/n)`;
    /// Arazzo ids have no spaces).
    pub fn workflow(&self) -> Option<&str> {
        let (file, workflow) = self.id.rsplit_once('#')?;
        let workflow = workflow.split(' ').next().unwrap_or(workflow);
        let name = self.path.file_name()?.to_str()?;
        (file.ends_with(name) && !workflow.is_empty()).then_some(workflow)
    }

    /// Whether this is an Arazzo document or one of its workflows, not a conform scenario.
    pub fn is_arazzo(&self) -> bool {
        self.workflow().is_some() || is_arazzo(&self.path)
    }

    /// [`Self::is_arazzo`], decided from the file's `text` already read, or (`None`) from the
    /// found item alone, without reading: a workflow's id, or an Arazzo file name.
    pub fn is_arazzo_by(&self, text: Option<&str>) -> bool {
        if self.workflow().is_some() || named_arazzo(&self.path) {
            return true;
        }
        let ext = self.path.extension().and_then(|e| e.to_str()).unwrap_or("");
        // The same first few kilobytes [`is_arazzo`] reads from the file.
        matches!(ext, "yaml" | "yml" | "json")
            && text.is_some_and(|t| {
                arazzo_head(ext, &t.as_bytes()[..t.len().min(HEAD_BYTES as usize)])
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn arazzo_files_are_told_by_name_or_top_level_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        assert!(is_arazzo(&write(d, "a.arazzo.yaml", "x: 1\n")));
        assert!(is_arazzo(&write(d, "b.yaml", "# c\narazzo: 1.0.1\n")));
        assert!(is_arazzo(&write(
            d,
            "c.json",
            " {\n \"arazzo\": \"1.1.0\"}"
        )));
        assert!(!is_arazzo(&write(d, "d.yaml", "name: s\n  arazzo: x\n")));
        assert!(!is_arazzo(&write(
            d,
            "e.json",
            "{\"name\": {\"arazzo\": 1}}"
        )));
        assert!(!is_arazzo(&write(d, "f.txt", "arazzo: 1.0.0\n")));
    }

    #[test]
    fn workflows_are_listed_in_order_with_summaries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = write(
            dir.path(),
            "w.arazzo.yaml",
            "arazzo: 1.0.1\nworkflows:\n  - workflowId: b\n    summary: B\n    steps: []\n  - workflowId: a\n",
        );
        let heads = workflow_heads(&p).expect("reads");
        let ids: Vec<&str> = heads.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        assert_eq!(heads[0].summary.as_deref(), Some("B"));
    }

    #[test]
    fn a_found_workflow_is_known_by_its_id() {
        let f = |id: &str, path: &str| super::super::Found {
            id: id.into(),
            path: path.into(),
        };
        assert_eq!(
            f("x/w.arazzo.yaml#make", "c/x/w.arazzo.yaml").workflow(),
            Some("make")
        );
        assert_eq!(f("x/a#b.yaml", "c/x/a#b.yaml").workflow(), None);
        assert_eq!(f("w.arazzo.yaml#", "w.arazzo.yaml").workflow(), None);
        assert_eq!(
            f("w.arazzo.yaml#make (round 2/3)", "w.arazzo.yaml").workflow(),
            Some("make")
        );
    }
}
