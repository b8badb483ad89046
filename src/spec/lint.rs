//! The spec linter behind `conform specs check`: [`lint_file`] returns every [`Problem`] of one
//! `openapi.yaml`, each naming its file, line, JSON location, [`Rule`] and fix.
//!
//! The loader ([`super::load_api`]) stops at the first thing it cannot compile; the linter
//! instead reports everything at once, and also what the loader tolerates but a contract must
//! not have (examples that contradict their schema, a status with a body but no schema, path
//! parameters that are never declared, ...).

mod document;
mod operations;
mod schemas;

pub(crate) use document::position;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::source::{Node, Pos};

/// What a [`Problem`] breaks. The name is printed and is the fixture folder of the rule's test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The file is not YAML, or not a mapping.
    Yaml,
    /// The document does not validate against the official OpenAPI 3.1 schema.
    OpenApi,
    /// A schema object is not valid JSON Schema 2020-12 (or does not compile).
    Schema,
    /// An `example`/`examples` value does not validate against its own schema.
    Example,
    /// A documented response has `content` without a `schema`.
    ResponseSchema,
    /// A `$ref` points at nothing, or outside the document.
    Ref,
    /// An operation has no `operationId`, or shares it with another.
    OperationId,
    /// A path template's parameters and the declared `in: path` parameters differ.
    PathParams,
    /// `x-conform-variants` is not a list of well-formed operations.
    Variants,
    /// The linter found nothing, but conform's loader still refuses the spec.
    Load,
}

impl Rule {
    pub const ALL: [Rule; 10] = [
        Rule::Yaml,
        Rule::OpenApi,
        Rule::Schema,
        Rule::Example,
        Rule::ResponseSchema,
        Rule::Ref,
        Rule::OperationId,
        Rule::PathParams,
        Rule::Variants,
        Rule::Load,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::Yaml => "yaml",
            Rule::OpenApi => "openapi-3.1",
            Rule::Schema => "json-schema-2020-12",
            Rule::Example => "example-matches-schema",
            Rule::ResponseSchema => "response-schema",
            Rule::Ref => "ref-resolves",
            Rule::OperationId => "operation-id",
            Rule::PathParams => "path-params",
            Rule::Variants => "x-conform-variants",
            Rule::Load => "loads",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One broken rule at one place of a spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// The line of the YAML node the pointer names (or of its nearest existing ancestor).
    pub pos: Pos,
    /// JSON Pointer into the document, without the leading `#`.
    pub pointer: String,
    pub rule: Rule,
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.pos.is_known() {
            write!(f, ":{}", self.pos)?;
        }
        write!(
            f,
            ": error[{}] at #{}: {}",
            self.rule, self.pointer, self.message
        )?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Collects problems of one document; checks push into it and never stop early.
pub(crate) struct Report {
    file: PathBuf,
    nodes: Option<Node>,
    problems: Vec<Problem>,
}

impl Report {
    pub(crate) fn push(
        &mut self,
        rule: Rule,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let pos = self
            .nodes
            .as_ref()
            .map_or(Pos::UNKNOWN, |n| document::position(n, pointer));
        self.problems.push(Problem {
            file: self.file.clone(),
            pos,
            pointer: pointer.to_owned(),
            rule,
            message: message.into(),
            help: help.into(),
        });
    }
}

/// Every problem of the spec at `path`, in file order. Empty means the spec is clean.
pub fn lint_file(path: &Path) -> Vec<Problem> {
    let mut report = Report {
        file: path.to_owned(),
        nodes: None,
        problems: Vec::new(),
    };
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            report.push(
                Rule::Yaml,
                "",
                format!("cannot read the file: {e}"),
                "check the path",
            );
            return report.problems;
        }
    };
    let doc: Value = match serde_saphyr::from_str(&source) {
        Ok(v @ Value::Object(_)) => v,
        Ok(other) => {
            report.push(
                Rule::Yaml,
                "",
                format!("the document is {}, not a mapping", kind(&other)),
                "an OpenAPI document is a mapping that starts with `openapi: 3.1.0`",
            );
            return report.problems;
        }
        Err(e) => {
            report.push(
                Rule::Yaml,
                "",
                format!("not valid YAML: {e}"),
                "fix the YAML syntax",
            );
            return report.problems;
        }
    };
    // Positions are a convenience: a document the positioned parser refuses is still linted.
    report.nodes = serde_saphyr::from_str::<Node>(&source).ok();
    lint_value(&doc, &mut report);
    if report.problems.is_empty()
        && let Err(d) = super::load_api("lint", path)
    {
        // The loader words its messages `at #<pointer>: <what>`; keep the two apart.
        let (pointer, message) = d
            .message
            .strip_prefix("at #")
            .and_then(|rest| rest.split_once(": "))
            .map_or(("", d.message.as_str()), |(p, m)| (p, m));
        report.push(
            Rule::Load,
            pointer,
            message.to_owned(),
            d.help
                .unwrap_or_else(|| "see specs/README.md for what conform reads".into()),
        );
    }
    report.problems.sort_by(|a, b| {
        (a.pos, a.rule, &a.pointer, &a.message).cmp(&(b.pos, b.rule, &b.pointer, &b.message))
    });
    report.problems.dedup();
    report.problems
}

fn lint_value(doc: &Value, report: &mut Report) {
    document::check_openapi(doc, report);
    document::check_refs(doc, report);
    let compiled = schemas::Compiled::new(doc);
    let sites = schemas::Sites::of(doc);
    schemas::check_schemas(doc, &sites, &compiled, report);
    schemas::check_examples(doc, &sites, &compiled, report);
    operations::check(doc, report);
}

/// `a mapping`, `a string`, ... for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A JSON Pointer token for `key` (`/` and `~` escaped).
pub(crate) fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
