//! Reading and parsing scenario files into the typed model; errors become [`Diagnostic`]s with a
//! suggestion ([`crate::source::yaml::diagnostic`]).

use std::path::Path;

use crate::source::{Diagnostic, yaml};

use super::model::Scenario;

/// Parses scenario text. `path` is only used in messages.
pub fn parse(path: &Path, source: &str) -> Result<Scenario, Diagnostic> {
    serde_saphyr::from_str_with_options::<Scenario>(source, yaml::options())
        .map_err(|e| yaml::diagnostic(path, source, &e))
}

/// What a listing needs of a scenario: its name and tags, read without building the rest (the
/// other keys are skipped by the parser, not checked: a full [`parse`] reports their mistakes).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Head {
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Parses only the [`Head`] of scenario text. `path` is only used in messages.
pub fn parse_head(path: &Path, source: &str) -> Result<Head, Diagnostic> {
    serde_saphyr::from_str_with_options::<Head>(source, yaml::options())
        .map_err(|e| yaml::diagnostic(path, source, &e))
}

/// Reads a scenario file's text.
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    crate::source::read_text(path, crate::source::TextKind::Scenario)
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<(Scenario, String), Diagnostic> {
    let source = read(path)?;
    let scenario = parse(path, &source)?;
    Ok((scenario, source))
}
