//! Reading an Arazzo document from disk: [`load`] gives the [`Document`] and its text, or
//! every problem with its line and column (a version conform does not read, a missing key).

use std::path::Path;

use super::document::{Document, Reader};
use crate::source::{Diagnostic, Node, SizeLimit, yaml};

/// The largest Arazzo document read, as for scenario files.
pub const MAX_DOCUMENT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads and parses the Arazzo document at `path` (YAML or JSON).
pub fn load(path: &Path) -> Result<(Document, String), Vec<Diagnostic>> {
    let text = crate::source::read_text(
        path,
        SizeLimit {
            bytes: MAX_DOCUMENT_BYTES,
            what: "an Arazzo document",
            fix: "split its workflows into several documents",
        },
    )
    .map_err(|d| vec![d])?;
    let doc = parse(path, &text)?;
    Ok((doc, text))
}

/// Parses Arazzo text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Document, Vec<Diagnostic>> {
    let root: Node = yaml::parse_node(path, text).map_err(|d| vec![d])?;
    let mut reader = Reader {
        path,
        problems: Vec::new(),
    };
    let doc = reader.document(&root);
    let v = &doc.version.value;
    if !(v.is_empty() || v.starts_with("1.0.") || v.starts_with("1.1.")) {
        reader.problems.insert(
            0,
            Diagnostic::spanned(
                path,
                doc.version.span(),
                format!("Arazzo {v} is not a version conform reads"),
            )
            .help("conform reads Arazzo 1.0.x and 1.1.x: write `arazzo: 1.0.1` or `arazzo: 1.1.0`"),
        );
    }
    if reader.problems.is_empty() {
        Ok(doc)
    } else {
        Err(reader
            .problems
            .into_iter()
            .map(|d| d.with_source(text))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        parse(Path::new("w.arazzo.yaml"), text)
            .expect_err("refused")
            .iter()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect()
    }

    #[test]
    fn versions_other_than_1_0_and_1_1_are_refused_at_their_line() {
        let p = problems("arazzo: 0.9.0\nworkflows: []\n");
        assert_eq!(
            p,
            ["w.arazzo.yaml:1:9: Arazzo 0.9.0 is not a version conform reads"]
        );
        for ok in ["1.0.0", "1.0.1", "1.1.0"] {
            let doc = parse(Path::new("w"), &format!("arazzo: {ok}\nworkflows: []\n"));
            assert!(doc.is_ok(), "{ok}");
        }
    }

    #[test]
    fn shape_problems_are_all_collected() {
        let p = problems(
            "arazzo: 1.0.1\nworkflows:\n  - steps:\n      - stepId: a\n  - workflowId: w\n    steps:\n      - operationId: x\n",
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("w.arazzo.yaml:3:5: the workflow has no `workflowId`"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("w.arazzo.yaml:7:9: the step has no `stepId`"),
            "{p:?}"
        );
    }

    #[test]
    fn a_step_names_exactly_one_call() {
        let p = problems(
            "arazzo: 1.0.1\nworkflows:\n  - workflowId: w\n    steps:\n      - stepId: a\n        operationId: x\n        workflowId: y\n",
        );
        assert!(p[0].contains("step `a` must name exactly one of"), "{p:?}");
    }

    #[test]
    fn the_exports_conform_switches_are_read_back_and_absent_by_default() {
        let text = "arazzo: 1.0.1\nworkflows:\n  - workflowId: w\n    steps:\n      - stepId: a\n        operationId: x\n        x-conform-auth: none\n        x-conform-body-raw: '{bad'\n        x-conform-invalid-request: true\n      - stepId: b\n        operationId: x\n        x-conform-auth: default\n        x-conform-invalid-request: false\n";
        let doc = parse(Path::new("w"), text).expect("read");
        let steps = &doc.workflows[0].steps;
        let a = &steps[0].extras;
        assert!(a.no_auth);
        assert_eq!(a.body_raw.as_deref(), Some("{bad"));
        assert_eq!(a.invalid_request.map(|p| p.line), Some(9));
        let b = &steps[1].extras;
        assert!(!b.no_auth && b.body_raw.is_none() && b.invalid_request.is_none());
    }
}
