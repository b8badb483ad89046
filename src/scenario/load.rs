//! Reading and parsing scenario files into the typed model; errors become [`Diagnostic`]s with a
//! suggestion ([`crate::source::yaml::diagnostic`]).

use std::path::Path;

use crate::source::{Diagnostic, SizeLimit, yaml};

use super::syntax::Scenario;

/// Parses scenario text. `path` is only used in messages.
pub fn parse(path: &Path, source: &str) -> Result<Scenario, Diagnostic> {
    yaml::parse::<Scenario>(path, source)
}

/// What a listing needs of a scenario: its name and tags, read without building the rest (the
/// other keys are skipped by the parser, not checked: a full [`parse`] reports their mistakes).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Head {
    /// The scenario's `name`.
    pub name: String,
    #[serde(default)]
    /// Its `tags`; empty when it has none.
    pub tags: Vec<String>,
}

/// Parses only the [`Head`] of scenario text. `path` is only used in messages. Most files are
/// read straight from the YAML parser's events (`head_scan`); what that scan does not vouch for
/// is parsed by serde-saphyr, as every file once was, so values and diagnostics are the same
/// either way.
pub fn parse_head(path: &Path, source: &str) -> Result<Head, Diagnostic> {
    match super::head_scan::scan(source) {
        Some(head) => Ok(head),
        None => parse_head_serde(path, source),
    }
}

/// serde-saphyr's reading of a [`Head`], the reference [`super::head_scan`] must agree with.
pub(super) fn parse_head_serde(path: &Path, source: &str) -> Result<Head, Diagnostic> {
    yaml::parse_by_serde_saphyr(path, source)
}

/// The largest scenario file read: far above any hand-written or `conform init` scenario, and a
/// bound on the memory one file can cost before the YAML limits ([`yaml::MAX_NODES`],
/// [`yaml::MAX_DEPTH`]) apply.
pub const MAX_SCENARIO_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a scenario file's text, refusing one over [`MAX_SCENARIO_BYTES`].
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    crate::source::read_text(
        path,
        SizeLimit {
            bytes: MAX_SCENARIO_BYTES,
            what: "a scenario file",
            fix: "split the scenario into smaller files (one flow each)",
        },
    )
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<(Scenario, String), Diagnostic> {
    let source = read(path)?;
    let scenario = parse(path, &source)?;
    Ok((scenario, source))
}
