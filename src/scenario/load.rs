//! Reading and parsing scenario files into the typed model, turning serde-saphyr's errors into
//! [`Diagnostic`]s with a suggestion.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::suggest::did_you_mean;

use super::model::Scenario;
use super::span::Pos;

/// Parses scenario text. `path` is only used in messages.
pub fn parse(path: &Path, source: &str) -> Result<Scenario, Diagnostic> {
    serde_saphyr::from_str_with_options::<Scenario>(source, yaml_options())
        .map_err(|e| yaml_diagnostic(path, source, &e))
}

/// How conform reads YAML: YAML 1.2 booleans only, so `on`, `yes`, `n` stay strings, as JSON
/// APIs mean them (as keys too).
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true }
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<(Scenario, String), Diagnostic> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::new(path, Pos::UNKNOWN, format!("cannot read the file: {e}")))?;
    let scenario = parse(path, &source)?;
    Ok((scenario, source))
}

pub(crate) fn yaml_diagnostic(path: &Path, source: &str, err: &serde_saphyr::Error) -> Diagnostic {
    let inner = err.without_snippet();
    let pos = err
        .location()
        .map(|l| Pos::from_saphyr(&l))
        .unwrap_or(Pos::UNKNOWN);
    let (message, help) = match inner {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let help = match did_you_mean(field, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the keys allowed here are: {}", expected.join(", ")),
            };
            (format!("unknown key `{field}`"), Some(help))
        }
        serde_saphyr::Error::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let help = match did_you_mean(variant, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("write one of: {}", expected.join(", ")),
            };
            (format!("unknown value `{variant}`"), Some(help))
        }
        serde_saphyr::Error::SerdeMissingField { field, .. } => (
            format!("missing key `{field}`"),
            Some(format!("add `{field}:` here")),
        ),
        other => {
            let msg = other.render_with_options(serde_saphyr::render_options! {
                snippets: serde_saphyr::SnippetMode::Off,
            });
            (strip_location_suffix(&msg), None)
        }
    };
    Diagnostic::new(path, pos, message)
        .help_opt(help)
        .with_source(source)
}

/// serde-saphyr messages end with " at line L column C"; our prefix already says where.
fn strip_location_suffix(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_owned(),
        None => first.to_owned(),
    }
}
