//! How conform reads YAML (scenarios, specs, targets files) and how serde-saphyr's errors become
//! [`Diagnostic`]s that speak the user's language, with a suggestion where one is known.

use std::path::Path;

use super::diag::Diagnostic;
use super::span::Pos;
use super::suggest::did_you_mean;

/// YAML 1.2 booleans only, so `on`, `yes`, `n` stay strings, as JSON APIs mean them (as keys too).
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true }
}

/// A serde-saphyr error as a diagnostic at its position, with the source line attached.
pub fn diagnostic(path: &Path, source: &str, err: &serde_saphyr::Error) -> Diagnostic {
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
