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
    let root: Node = serde_saphyr::from_str_with_options(text, yaml::options())
        .map_err(|e| vec![yaml::diagnostic(path, text, &e)])?;
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
