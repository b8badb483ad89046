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

/// The `{names}` of a path template: the linter's, which the Swagger 2.0 reader shares.
pub(crate) use operations::template_names;

pub(crate) use document::{Context, context_of, position};

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::fileset::{FileSet, looks_like_json};
use crate::source::{Node, Pos};

/// What a [`Problem`] breaks. The name is printed and is the fixture folder of the rule's test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The file is not YAML, or not a mapping.
    Yaml,
    /// The document does not validate against the official OpenAPI 3.1 schema.
    OpenApi,
    /// A 3.0 document does not validate against the official OpenAPI 3.0 schema.
    OpenApi30,
    /// A 3.2 document does not validate against the official OpenAPI 3.2 schema.
    OpenApi32,
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
    /// A Swagger 2.0 document has something conform cannot read (its operation is left out).
    Swagger20,
}

impl Rule {
    /// Every rule, one per variant.
    pub const ALL: [Rule; 13] = [
        Rule::Yaml,
        Rule::OpenApi,
        Rule::OpenApi30,
        Rule::OpenApi32,
        Rule::Schema,
        Rule::Example,
        Rule::ResponseSchema,
        Rule::Ref,
        Rule::OperationId,
        Rule::PathParams,
        Rule::Variants,
        Rule::Load,
        Rule::Swagger20,
    ];

    /// The rule's stable kebab-case name, as printed in reports.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Yaml => "yaml",
            Rule::OpenApi => "openapi-3.1",
            Rule::OpenApi30 => "openapi-3.0",
            Rule::OpenApi32 => "openapi-3.2",
            Rule::Schema => "json-schema-2020-12",
            Rule::Example => "example-matches-schema",
            Rule::ResponseSchema => "response-schema",
            Rule::Ref => "ref-resolves",
            Rule::OperationId => "operation-id",
            Rule::PathParams => "path-params",
            Rule::Variants => "x-conform-variants",
            Rule::Load => "loads",
            Rule::Swagger20 => "swagger-2.0",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How much a [`Problem`] matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec breaks the rule: `specs check` fails.
    Error,
    /// Worth knowing, but conform runs the spec as it is (an operation without
    /// `operationId` is named `METHOD /path`): `specs check` still passes.
    Note,
}

impl Severity {
    /// `error` or `note`, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Note => "note",
        }
    }
}

/// One broken rule at one place of a spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The file the problem is in: the spec or a file one of its `$ref`s names.
    pub file: PathBuf,
    /// The line of the YAML node the pointer names (or of its nearest existing ancestor).
    pub pos: Pos,
    /// JSON Pointer into the document, without the leading `#`.
    pub pointer: String,
    /// The rule broken.
    pub rule: Rule,
    /// Whether it fails `specs check`.
    pub severity: Severity,
    /// What is wrong there, for a person.
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
            ": {}[{}] at #{}: {}",
            self.severity.name(),
            self.rule,
            self.pointer,
            self.message
        )?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Collects problems of one spec (its root file and the files it refers to); checks push into
/// it and never stop early.
pub(crate) struct Report {
    /// Each file's path, source, positioned tree (parsed on its first problem) and the map
    /// from converted pointers back to its own.
    files: Vec<ReportFile>,
    /// Which OpenAPI schema applies.
    pub(crate) oas: document::Oas,
    /// The file [`Report::push`] places problems in (a rule walking a referenced file sets it).
    pub(crate) cursor: usize,
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
        self.push_in(self.cursor, rule, pointer, message, help);
    }

    /// A problem in file `file` of the spec (0 is the root document).
    pub(crate) fn push_in(
        &mut self,
        file: usize,
        rule: Rule,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let Some(f) = self.files.get_mut(file) else {
            return;
        };
        let pointer = f.map.original(pointer);
        let nodes = f
            .nodes
            .get_or_insert_with(|| super::positions::tree(&f.path, &f.source));
        let pos = nodes
            .as_ref()
            .map_or(Pos::UNKNOWN, |n| document::position(n, &pointer));
        self.problems.push(Problem {
            file: f.path.clone(),
            pos,
            pointer,
            rule,
            severity: Severity::Error,
            message: message.into(),
            help: help.into(),
        });
    }

    /// A note: worth knowing, not a failure.
    pub(crate) fn note(
        &mut self,
        rule: Rule,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(rule, pointer, message, help);
        if let Some(p) = self.problems.last_mut() {
            p.severity = Severity::Note;
        }
    }
}

/// One file of the spec as the linter places problems in it.
struct ReportFile {
    path: PathBuf,
    source: String,
    nodes: Option<Option<Node>>,
    map: super::swagger2::PointerMap,
}

impl ReportFile {
    fn new(path: &Path, source: &str) -> Self {
        ReportFile {
            path: path.to_owned(),
            source: source.to_owned(),
            nodes: None,
            map: super::swagger2::PointerMap::default(),
        }
    }
}

/// Every problem of the spec at `path` and of the files its `$ref`s name, in file order.
/// Empty means the spec is clean.
pub fn lint_file(path: &Path) -> Vec<Problem> {
    lint_spec(path, None)
}

/// [`lint_file`], with the root document's text already in hand when `fetched` holds it (a
/// spec named by URL: `path` is the URL, and every problem is placed there).
pub fn lint_spec(path: &Path, fetched: Option<&str>) -> Vec<Problem> {
    let mut report = Report {
        files: vec![ReportFile::new(path, "")],
        oas: document::Oas::V31,
        cursor: 0,
        problems: Vec::new(),
    };
    let mut files = match FileSet::root_of(path, fetched) {
        Ok(f) => f,
        Err(d) => return vec![unreadable(path, fetched, &d)],
    };
    report.files[0] = ReportFile::new(path, &files.files[0].source);
    let doc = files.files[0].value.clone();
    if !doc.is_object() {
        report.push(
            Rule::Yaml,
            "",
            format!("the document is {}, not a mapping", kind(&doc)),
            "an OpenAPI document is a mapping that starts with `openapi: 3.1.0`",
        );
        return report.problems;
    }
    let swagger = super::swagger2::is_20(&doc);
    if swagger && let Err(d) = super::load::check_version(&files) {
        report.push(
            Rule::Swagger20,
            "/swagger",
            d.message,
            d.help.unwrap_or_default(),
        );
        return report.problems;
    }
    if swagger || super::oas30::is_30(&doc) {
        report.oas = document::Oas::V30;
    } else if is_32(&doc) {
        report.oas = document::Oas::V32;
    }
    // Bad references are reported by the ref rule, in the file that holds them.
    let _ = files.follow_all();
    for f in &files.files[1..] {
        report.files.push(ReportFile::new(&f.path, &f.source));
    }
    if swagger {
        swagger_problems(&mut files, &mut report);
    }
    lint_value(&files, &mut report, !swagger);
    if !report
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error)
    {
        load_problem(path, fetched, &mut report);
    }
    report.problems.sort_by(|a, b| {
        (&a.file, a.pos, a.rule, &a.pointer, &a.message)
            .cmp(&(&b.file, b.pos, b.rule, &b.pointer, &b.message))
    });
    report.problems.dedup();
    report.problems
}

/// A Swagger 2.0 spec converted in place (the rules then read the 3.0 shape, each problem
/// mapped back to the file's own pointer), and what cannot be read reported at its line.
fn swagger_problems(files: &mut FileSet, report: &mut Report) {
    for u in super::swagger2::apply(files) {
        let message = match &u.skipped {
            Some((method, path)) => format!("{}; `{method} {path}` is left out", u.message),
            None => u.message,
        };
        report.files[0].map = files.files[0].map.clone();
        report.push_in(u.file, u.rule, &u.pointer, message, u.help);
        if let Some(p) = report.problems.last_mut() {
            p.severity = u.severity;
        }
    }
    report.files[0].map = files.files[0].map.clone();
}

/// The one problem of a spec that cannot be read or parsed at all: the parser's own words,
/// which name the line and column, where it has them.
fn unreadable(path: &Path, fetched: Option<&str>, d: &crate::source::Diagnostic) -> Problem {
    let read = match fetched {
        Some(text) => Ok(text.to_owned()),
        None => std::fs::read_to_string(path),
    };
    let (message, help) = match read {
        Err(e) => (
            format!("cannot read the file: {e}"),
            "check the path".to_owned(),
        ),
        Ok(source) if !looks_like_json(path, &source) => {
            let e = serde_saphyr::from_str::<Value>(&source)
                .err()
                .map_or_else(|| d.message.clone(), |e| e.to_string());
            (
                format!("not valid YAML: {e}"),
                "fix the YAML syntax".to_owned(),
            )
        }
        Ok(_) => (d.message.clone(), d.help.clone().unwrap_or_default()),
    };
    Problem {
        file: path.to_owned(),
        pos: d.pos,
        pointer: String::new(),
        rule: Rule::Yaml,
        severity: Severity::Error,
        message,
        help,
    }
}

/// What the loader still refuses in a spec the rules found clean.
fn load_problem(path: &Path, fetched: Option<&str>, report: &mut Report) {
    let Err(d) = super::load_spec("lint", path, fetched) else {
        return;
    };
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

/// Every rule over the files; `official` says whether the official OpenAPI schema applies
/// (not to a converted Swagger 2.0 document, whose shape conform wrote).
fn lint_value(files: &FileSet, report: &mut Report, official: bool) {
    let doc = &files.files[0].value;
    if official {
        document::check_openapi(report.oas, document::Context::Root, doc, 0, "", report);
    }
    // A fragment in another file is checked as the kind of object its `$ref` stands for.
    let mut checked = std::collections::BTreeSet::new();
    for (i, f) in files.files.iter().enumerate().filter(|_| official) {
        for (at, reference) in super::fileset::refs_of(&f.value) {
            let (Some(context), Some(t)) = (document::context_of(&at), files.target(i, &reference))
            else {
                continue;
            };
            if t.file == i || !checked.insert((t.clone(), context)) {
                continue;
            }
            if let Some(fragment) = files.get(&t) {
                document::check_openapi(report.oas, context, fragment, t.file, &t.pointer, report);
            }
        }
    }
    document::check_refs(files, report);
    let converted = super::load::converted(files, report.oas == document::Oas::V30);
    let compiled = schemas::Compiled::new(files, &converted);
    let sites = schemas::Sites::of(files);
    if report.oas != document::Oas::V30 {
        // A 3.0 document's schemas are Schema Objects, which the OAS 3.0 schema already checked.
        schemas::check_schemas(files, &sites, &compiled, report);
    } else {
        schemas::check_compiles(files, &sites, &compiled, report);
    }
    schemas::check_examples(files, &sites, &compiled, report);
    operations::check(files, report);
}

/// Whether `doc` says `openapi: 3.2.x`.
fn is_32(doc: &Value) -> bool {
    doc.get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.2."))
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
