//! How conform reads YAML (scenarios, specs, targets files: [`options`], with conform's own
//! limits) and how serde-saphyr's errors become [`Diagnostic`]s in the project's words: what is
//! wrong, where (an unclosed bracket is named where it opens, a duplicate key where it was first
//! written, a badly indented line with the columns the blocks above expect) and the fix.

use std::path::Path;

use serde_saphyr::budget::BudgetBreach;

use super::diag::Diagnostic;
use super::flow::{self, Bracket};
use super::indent;
use super::node::Node;
use super::span::Pos;
use super::suggest::did_you_mean;

/// The most YAML nodes (scalars, lists, mappings) one file may hold: a bound on the memory and
/// time a file can cost, far above any hand-written scenario or spec.
pub const MAX_NODES: usize = 250_000;

/// The deepest one file may nest lists and mappings.
pub const MAX_DEPTH: usize = 64;

/// YAML 1.2 booleans only, so `on`, `yes`, `n` stay strings, as JSON APIs mean them (as keys too).
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        budget: serde_saphyr::budget! { max_nodes: MAX_NODES, max_depth: MAX_DEPTH },
    }
}

/// `source` read as `T`: by the fast path (`source::de`, straight from the parser's events)
/// when it is sure of the reading, else by serde-saphyr with [`options`], whose error becomes
/// the [`Diagnostic`] (so every diagnostic is serde-saphyr's, as before).
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path, source: &str) -> Result<T, Diagnostic> {
    match super::de::from_str(source) {
        Some(value) => Ok(value),
        None => parse_by_serde_saphyr(path, source),
    }
}

/// `source` as a [`Node`] tree: built straight from the parser's events
/// ([`super::build_node`]) when it is sure of the reading, else read by serde-saphyr.
pub fn parse_node(path: &Path, source: &str) -> Result<Node, Diagnostic> {
    match super::build_node(source) {
        Some(node) => Ok(node),
        None => parse_by_serde_saphyr(path, source),
    }
}

/// `source` read as `T` by serde-saphyr alone, with [`options`]: the reading the fast path must
/// agree with, and the maker of every diagnostic.
pub fn parse_by_serde_saphyr<T: serde::de::DeserializeOwned>(
    path: &Path,
    source: &str,
) -> Result<T, Diagnostic> {
    serde_saphyr::from_str_with_options::<T>(source, options())
        .map_err(|e| diagnostic(path, source, &e))
}

/// A serde-saphyr error as a diagnostic at its position, with the source line attached.
pub fn diagnostic(path: &Path, source: &str, err: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let inner = match err.without_snippet() {
        // An error met while replaying an alias is the error itself, at the alias.
        E::AliasError { error, .. } => error.without_snippet(),
        other => other,
    };
    let pos = err
        .location()
        .map(|l| Pos::from_saphyr(&l))
        .unwrap_or(Pos::UNKNOWN);
    let (message, help) = match inner {
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            let help = match did_you_mean(field, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the keys allowed here are: {}", expected.join(", ")),
            };
            (format!("unknown key `{field}`"), Some(help))
        }
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let help = match did_you_mean(variant, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("write one of: {}", expected.join(", ")),
            };
            (format!("unknown value `{variant}`"), Some(help))
        }
        E::SerdeMissingField { field, .. } => (
            format!("missing key `{field}`"),
            Some(format!("add `{field}:` here")),
        ),
        E::DuplicateMappingKey { key, .. } => duplicate(source, pos, key.as_deref()),
        E::Budget { breach, .. } => budget(breach),
        other => {
            let text = strip_location_suffix(&other.render_with_options(
                serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off },
            ));
            // Structure errors: the parser's own, or a type error at a bracket that never closes.
            let structural = matches!(
                other,
                E::ExternalMessage { .. }
                    | E::Eof { .. }
                    | E::Unexpected { .. }
                    | E::SerdeInvalidType { .. }
                    | E::UnexpectedMappingEnd { .. }
                    | E::UnexpectedSequenceEnd { .. }
                    | E::ContainerEndMismatch { .. }
            );
            let parser = matches!(other, E::ExternalMessage { .. } | E::Eof { .. });
            let found = if structural {
                bracket(source, pos, parser)
                    .or_else(|| parser.then(|| indentation(source, pos, &text)).flatten())
            } else {
                None
            };
            let found = found.or_else(|| {
                text.contains("mapping values are not allowed").then(|| {
                    (
                        pos,
                        "a `: ` inside an unquoted value starts a mapping where none can be".into(),
                        "quote the value (`\"...\"`) if the colon belongs to it".into(),
                    )
                })
            });
            match found {
                Some((pos, message, help)) => {
                    return Diagnostic::new(path, pos, message)
                        .help(help)
                        .with_source(source);
                }
                None => (text, None),
            }
        }
    };
    Diagnostic::new(path, pos, message)
        .help_opt(help)
        .with_source(source)
}

/// "duplicate key `x` (first at line L)".
fn duplicate(source: &str, pos: Pos, key: Option<&str>) -> (String, Option<String>) {
    let Some(key) = key else {
        return (
            "a key appears twice in this mapping".into(),
            Some("remove one of them".into()),
        );
    };
    let first = match indent::first_key(source, pos, key) {
        Some(p) if p.line == pos.line => format!(" (first at line {}, column {})", p.line, p.col),
        Some(p) => format!(" (first at line {})", p.line),
        None => String::new(),
    };
    (
        format!("duplicate key `{key}`{first}"),
        Some("remove one of them: YAML keeps only one value per key".into()),
    )
}

fn budget(breach: &BudgetBreach) -> (String, Option<String>) {
    let split = "split it into smaller files, or shorten its longest lists (every item, and every \
                 item an alias repeats, is a node)";
    match breach {
        BudgetBreach::Nodes { .. } => (
            format!(
                "the file has more than {MAX_NODES} YAML nodes (the limit conform sets for one file)"
            ),
            Some(split.into()),
        ),
        BudgetBreach::Depth { .. } => (
            format!(
                "the file nests lists and mappings more than {MAX_DEPTH} deep (the limit conform sets)"
            ),
            Some("flatten the structure".into()),
        ),
        other => (
            format!("the file is beyond a limit conform sets for YAML files: {other:?}"),
            Some(split.into()),
        ),
    }
}

/// A flow collection that does not close, reported where the parser stopped but named where it
/// opens. `parser`: the error is the parser's (else a type error, which only counts when it is
/// at the bracket itself).
fn bracket(source: &str, pos: Pos, parser: bool) -> Option<(Pos, String, String)> {
    match flow::scan(source)? {
        Bracket::Unclosed { open, at } if at == pos || (parser && at <= pos) => {
            let close = Bracket::closer(open);
            Some((
                pos,
                format!("unclosed `{open}` opened at {at}"),
                format!(
                    "close it with `{close}` before the next key (a `{open}...{close}` value may span lines, but must close)"
                ),
            ))
        }
        Bracket::Mismatched {
            open,
            at,
            close,
            close_at,
        } if parser => Some((
            close_at,
            format!("`{close}` closes the `{open}` opened at {at}"),
            format!("close it with `{}`", Bracket::closer(open)),
        )),
        _ => None,
    }
}

/// The parser's messages that mean a line is indented where no block expects it.
const INDENTATION: &[&str] = &[
    "did not find expected '-' indicator",
    "did not find expected key",
    "mapping values are not allowed in this context",
    "block sequence entries are not allowed in this context",
    "invalid indentation",
];

fn indentation(source: &str, pos: Pos, text: &str) -> Option<(Pos, String, String)> {
    if !INDENTATION.iter().any(|m| text.contains(m)) {
        return None;
    }
    let h = indent::hint(source, pos.line as usize)?;
    let choices: Vec<String> = [h.before, h.after]
        .iter()
        .flatten()
        .map(indent::Block::describe)
        .collect();
    let help = if choices.is_empty() {
        "indent it like the lines it belongs with".to_owned()
    } else {
        format!("indent it to {}", choices.join(" or "))
    };
    Some((
        Pos::new(pos.line, u32::try_from(h.col).unwrap_or(u32::MAX)),
        format!(
            "wrong indentation: line {} starts at column {}, where no block above it does",
            pos.line, h.col
        ),
        help,
    ))
}

/// serde-saphyr messages end with " at line L column C"; our prefix already says where.
fn strip_location_suffix(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_owned(),
        None => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Node;

    fn error(src: &str) -> Diagnostic {
        let err = serde_saphyr::from_str_with_options::<Node>(src, options())
            .expect_err("the YAML is wrong");
        diagnostic(Path::new("f.yaml"), src, &err)
    }

    fn parses(src: &str) -> bool {
        serde_saphyr::from_str_with_options::<Node>(src, options()).is_ok()
    }

    /// `a: [...]` of `items` scalars: the mapping, its key, the list and the items are nodes.
    fn list(items: usize) -> String {
        format!("a: [{}]\n", vec!["1"; items].join(","))
    }

    #[test]
    fn a_file_at_the_node_limit_parses_and_one_node_over_is_refused() {
        assert!(parses(&list(MAX_NODES - 3)), "at the limit");
        let d = error(&list(MAX_NODES - 2));
        assert!(d.message.contains("more than 250000 YAML nodes"), "{d}");
        assert!(d.help.as_deref().unwrap_or("").contains("split it"), "{d}");
    }

    #[test]
    fn a_file_at_the_depth_limit_parses_and_one_level_deeper_is_refused() {
        let nested = |depth: usize| format!("{}{}\n", "[".repeat(depth), "]".repeat(depth));
        assert!(parses(&nested(MAX_DEPTH)), "at the limit");
        let d = error(&nested(MAX_DEPTH + 1));
        assert!(d.message.contains("more than 64 deep"), "{d}");
        assert!(d.pos.is_known(), "{d}");
    }

    #[test]
    fn a_duplicate_key_names_the_first() {
        let d = error("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n");
        assert_eq!(d.message, "duplicate key `c` (first at line 3)", "{d}");
        assert_eq!(d.pos, Pos::new(5, 3));
        assert!(
            d.help.as_deref().unwrap_or("").contains("remove one"),
            "{d}"
        );
    }

    #[test]
    fn too_many_nodes_names_the_limit_and_does_not_echo_the_line() {
        let src = format!("a: [{}]\n", vec!["1"; MAX_NODES + 1].join(","));
        let d = error(&src);
        assert!(
            d.message.contains("more than 250000 YAML nodes"),
            "{}",
            d.message
        );
        assert!(d.to_string().len() < 1000, "{d}");
    }

    #[test]
    fn an_unclosed_bracket_is_named_where_it_opens() {
        let d = error("a:\n  b: {c: 1, d: 2\n  e: {f: 3}\n");
        assert_eq!(d.message, "unclosed `{` opened at 2:6", "{d}");
        let d = error("a: [1, 2\nb: c\n");
        assert_eq!(d.message, "unclosed `[` opened at 1:4", "{d}");
        assert!(d.help.as_deref().unwrap_or("").contains("`]`"), "{d}");
    }

    #[test]
    fn a_wrong_closer_is_named_at_the_closer() {
        let d = error("a: {b: [1, 2}\n");
        assert_eq!(d.message, "`}` closes the `[` opened at 1:8", "{d}");
        assert_eq!(d.pos, Pos::new(1, 13));
    }

    #[test]
    fn a_colon_in_a_plain_value_says_to_quote_it() {
        let d = error("name: a: b\n");
        assert!(
            d.message.starts_with("a `: ` inside an unquoted value"),
            "{d}"
        );
    }

    #[test]
    fn bad_indentation_names_the_columns_the_blocks_expect() {
        let d = error("a:\n  - b: 1\n    c: 2\n   - d: 3\n");
        assert!(d.message.starts_with("wrong indentation: line 4"), "{d}");
        assert_eq!(
            d.help.as_deref(),
            Some("indent it to column 3 (the list at line 2) or column 5 (the mapping at line 3)")
        );
        let d = error("a:\n  b:\n    c: 1\n   d: 2\n");
        assert!(d.message.contains("line 4 starts at column 4"), "{d}");
    }
}
