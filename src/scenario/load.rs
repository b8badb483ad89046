//! Reading and parsing scenario files into the typed model; errors become [`Diagnostic`]s with a
//! suggestion ([`crate::source::yaml::diagnostic`]).

use std::path::Path;

use crate::source::{Diagnostic, Pos, yaml};

use super::model::Scenario;

/// Parses scenario text. `path` is only used in messages.
pub fn parse(path: &Path, source: &str) -> Result<Scenario, Diagnostic> {
    serde_saphyr::from_str_with_options::<Scenario>(source, yaml::options())
        .map_err(|e| yaml::diagnostic(path, source, &e))
}

/// Reads a scenario file's text.
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::new(path, Pos::UNKNOWN, format!("cannot read the file: {e}")))
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<(Scenario, String), Diagnostic> {
    let source = read(path)?;
    let scenario = parse(path, &source)?;
    Ok((scenario, source))
}
