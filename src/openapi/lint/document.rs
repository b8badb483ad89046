//! Whole-document rules: the official OpenAPI 3.2, 3.1 or 3.0 schema, `$ref` targets, and mapping a JSON
//! Pointer back to the YAML line it names.

use std::sync::OnceLock;

use jsonschema::Validator;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::{Report, Rule};
use crate::openapi::fileset::{
    FETCHED_HELP, FileSet, REMOTE_HELP, is_document, is_remote, refs_of,
};
use crate::openapi::load::CYCLE_HELP;
use crate::source::{Node, NodeKind, Pos};

/// The OpenAPI Initiative's schemas of 3.2, 3.1 and 3.0 documents; provenance in
/// `specs/meta/README.md`.
const OPENAPI_32: &str = include_str!("../../../specs/meta/openapi-3.2.schema.json");
const OPENAPI_31: &str = include_str!("../../../specs/meta/openapi-3.1.schema.json");
const OPENAPI_30: &str = include_str!("../../../specs/meta/openapi-3.0.schema.json");

/// Which OpenAPI schema a document (and every file it refers to) is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Oas {
    V32,
    V31,
    V30,
}

impl Oas {
    fn rule(self) -> Rule {
        match self {
            Oas::V32 => Rule::OpenApi32,
            Oas::V31 => Rule::OpenApi,
            Oas::V30 => Rule::OpenApi30,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Oas::V32 => "OpenAPI 3.2",
            Oas::V31 => "OpenAPI 3.1",
            Oas::V30 => "OpenAPI 3.0",
        }
    }

    /// The definition a referenced fragment is checked against, by what refers to it.
    fn def(self, context: Context) -> &'static str {
        // 3.2 keeps 3.1's definition names.
        match (self, context) {
            (Oas::V31 | Oas::V32, Context::Root) => "",
            (Oas::V31 | Oas::V32, Context::PathItem) => "path-item",
            (Oas::V31 | Oas::V32, Context::Parameter) => "parameter",
            (Oas::V31 | Oas::V32, Context::Response) => "response",
            (Oas::V31 | Oas::V32, Context::RequestBody) => "request-body",
            (Oas::V31 | Oas::V32, Context::Header) => "header",
            (Oas::V31 | Oas::V32, Context::Example) => "example",
            (Oas::V31 | Oas::V32, Context::SecurityScheme) => "security-scheme",
            (Oas::V31 | Oas::V32, Context::Schema) => "schema",
            (Oas::V30, Context::Root) => "",
            (Oas::V30, Context::PathItem) => "PathItem",
            (Oas::V30, Context::Parameter) => "Parameter",
            (Oas::V30, Context::Response) => "Response",
            (Oas::V30, Context::RequestBody) => "RequestBody",
            (Oas::V30, Context::Header) => "Header",
            (Oas::V30, Context::Example) => "Example",
            (Oas::V30, Context::SecurityScheme) => "SecurityScheme",
            (Oas::V30, Context::Schema) => "Schema",
        }
    }
}

/// What kind of OpenAPI object a `$ref` stands for, read from where it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Context {
    Root,
    PathItem,
    Parameter,
    Response,
    RequestBody,
    Header,
    Example,
    SecurityScheme,
    Schema,
}

/// The kind of object a `$ref` at `pointer` (of the object holding it) stands for; `None`
/// where no rule is known (the fragment is then checked only as part of what it lands in).
pub(crate) fn context_of(pointer: &str) -> Option<Context> {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    let n = tokens.len();
    let last = |k: usize| if n >= k { tokens[n - k] } else { "" };
    let schema_keys = [
        "schema",
        "items",
        "additionalProperties",
        "not",
        "allOf",
        "anyOf",
        "oneOf",
        "properties",
        "schemas",
        "prefixItems",
        "$defs",
    ];
    if last(1) == "schema"
        || schema_keys.contains(&last(2)) && last(2) != "schemas"
        || (last(2) == "schemas" && last(3) == "components")
        || ["items", "additionalProperties", "not"].contains(&last(1))
    {
        return Some(Context::Schema);
    }
    match last(2) {
        "paths" => Some(Context::PathItem),
        "parameters" => Some(Context::Parameter),
        "responses" => Some(Context::Response),
        "headers" => Some(Context::Header),
        "examples" => Some(Context::Example),
        "securitySchemes" => Some(Context::SecurityScheme),
        "requestBodies" => Some(Context::RequestBody),
        _ if last(1) == "requestBody" => Some(Context::RequestBody),
        _ => None,
    }
}

/// A compiled OAS schema: the version, the definition it is rooted at, the validator.
type Cached = (Oas, &'static str, &'static Validator);

/// The OAS schema of `oas`, rooted at one of its definitions (`""`: the whole document).
fn oas_validator(oas: Oas, def: &'static str) -> Option<&'static Validator> {
    static CACHE: OnceLock<std::sync::Mutex<Vec<Cached>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, v)) = cache.iter().find(|(o, d, _)| *o == oas && *d == def) {
        return Some(v);
    }
    // The files are checked in and compiled by a test; `None` here means a broken build
    // input, reported as a problem by the callers rather than a panic.
    let (text, defs) = match oas {
        Oas::V32 => (OPENAPI_32, "$defs"),
        Oas::V31 => (OPENAPI_31, "$defs"),
        Oas::V30 => (OPENAPI_30, "definitions"),
    };
    let mut schema: Value = serde_json::from_str(text).ok()?;
    if !def.is_empty()
        && let Some(obj) = schema.as_object_mut()
    {
        obj.retain(|k, _| k.starts_with('$') || k == "id" || k == defs);
        obj.insert("$ref".into(), json!(format!("#/{defs}/{def}")));
    }
    let validator = match oas {
        Oas::V31 | Oas::V32 => jsonschema::draft202012::new(&schema).ok()?,
        Oas::V30 => jsonschema::draft4::new(&schema).ok()?,
    };
    // A handful of validators for the life of the process: leaking them is the simple way to
    // hand out `'static` references from a cache.
    let leaked: &'static Validator = Box::leak(Box::new(validator));
    cache.push((oas, def, leaked));
    Some(leaked)
}

/// Validates `value` (the whole document at `Context::Root`, or a fragment another file
/// refers to) against the OpenAPI schema; every error is a problem in `file`.
pub(crate) fn check_openapi(
    oas: Oas,
    context: Context,
    value: &Value,
    file: usize,
    prefix: &str,
    report: &mut Report,
) {
    let Some(validator) = oas_validator(oas, oas.def(context)) else {
        report.push_in(
            file,
            oas.rule(),
            "",
            format!("the embedded {} schema does not compile", oas.name()),
            "restore the schemas of specs/meta/ (see specs/meta/README.md)",
        );
        return;
    };
    let mut found = Vec::new();
    for e in validator.iter_errors(value) {
        specific(&e, &mut found);
    }
    for (at, message, schema_path) in found {
        report.push_in(
            file,
            oas.rule(),
            &format!("{prefix}{at}"),
            message,
            format!("the {} schema requires it at {schema_path}", oas.name()),
        );
    }
}

/// The errors to show for one OAS schema error: a `oneOf`/`anyOf` miss (3.0 writes every
/// schema as "a Schema or a Reference") is replaced by the errors of the branch the author
/// meant, the one that got furthest into the document and is not just "no `$ref`"; a mapping
/// is masked rather than printed whole. (instance path, message, schema path)
fn specific(e: &jsonschema::ValidationError<'_>, out: &mut Vec<(String, String, String)>) {
    use jsonschema::error::ValidationErrorKind as Kind;
    if let Kind::OneOfNotValid { context } | Kind::AnyOf { context } = e.kind() {
        let only_no_ref = |b: &Vec<jsonschema::ValidationError<'static>>| {
            b.iter()
                .all(|x| matches!(x.kind(), Kind::Required { property } if property == "$ref"))
        };
        let best = context.iter().filter(|b| !b.is_empty()).max_by_key(|b| {
            let depth = b.iter().map(|x| x.instance_path().as_str().len()).max();
            (depth, !only_no_ref(b))
        });
        if let Some(best) = best {
            for x in best {
                specific(x, out);
            }
            return;
        }
    }
    let message = if e.instance().is_object() || e.instance().is_array() {
        e.masked().to_string()
    } else {
        e.to_string()
    };
    out.push((
        e.instance_path().as_str().to_owned(),
        message,
        e.schema_path().as_str().to_owned(),
    ));
}

/// Validates one `x-conform-variants` entry as an OpenAPI operation object.
pub(super) fn check_variant_operation(variant: &Value, pointer: &str, report: &mut Report) {
    let def = match report.oas {
        Oas::V31 | Oas::V32 => "operation",
        Oas::V30 => "Operation",
    };
    let Some(validator) = oas_validator(report.oas, def) else {
        return;
    };
    for e in validator.iter_errors(variant) {
        // Unknown keys get a better message (with a "did you mean") from the variant check.
        if matches!(
            e.kind(),
            jsonschema::error::ValidationErrorKind::UnevaluatedProperties { .. }
        ) {
            continue;
        }
        report.push(
            Rule::Variants,
            &format!("{pointer}{}", e.instance_path().as_str()),
            format!("not a valid operation: {e}"),
            "a variant is an OpenAPI operation object (operationId, requestBody, responses, ...)",
        );
    }
}

/// Every `$ref`, in every file, must point at something: inside its own file, or in a YAML or
/// JSON file beside it; remote references are refused and cycles named.
pub(super) fn check_refs(files: &FileSet, report: &mut Report) {
    for (i, f) in files.files.iter().enumerate() {
        for (at, reference) in refs_of(&f.value) {
            let ptr = format!("{at}/$ref");
            if is_remote(&reference) {
                report.push_in(
                    i,
                    Rule::Ref,
                    &ptr,
                    format!("`$ref: {reference}` is a remote reference; conform refuses it"),
                    REMOTE_HELP,
                );
                continue;
            }
            let (file_part, fragment) = reference.split_once('#').unwrap_or((&reference, ""));
            if !file_part.is_empty() && !is_document(file_part) {
                continue; // documentation (Markdown, code samples): the OAS schema's to judge
            }
            if !file_part.is_empty() && f.fetched {
                report.push_in(
                    i,
                    Rule::Ref,
                    &ptr,
                    format!(
                        "`$ref: {reference}` names another file, and the spec was read from a \
                         URL: conform reads a spec named by URL as one document"
                    ),
                    FETCHED_HELP,
                );
                continue;
            }
            if !file_part.is_empty() && !files.joined(i, file_part).is_file() {
                report.push_in(
                    i,
                    Rule::Ref,
                    &ptr,
                    format!(
                        "`$ref: {reference}` names {}, which does not exist",
                        files.joined(i, file_part).display()
                    ),
                    "correct the relative path: it is taken from the folder of the file that holds the `$ref`",
                );
                continue;
            }
            let target = files.target(i, &reference);
            if target.filter(|t| files.get(t).is_some()).is_none() {
                let doc = files
                    .target(i, file_part)
                    .and_then(|t| files.files.get(t.file))
                    .map_or(&f.value, |f| &f.value);
                let near = nearest_existing(doc, fragment);
                report.push_in(
                    i,
                    Rule::Ref,
                    &ptr,
                    format!("`$ref: {reference}` points at nothing (dangling reference)"),
                    format!(
                        "define it, or correct the reference; the deepest part that exists is `#{near}`"
                    ),
                );
                continue;
            }
            if let Some(cycle) = files.cycle_from(i, &reference) {
                report.push_in(
                    i,
                    Rule::Ref,
                    &ptr,
                    cycle_message(&reference, &cycle),
                    CYCLE_HELP,
                );
            }
        }
    }
}

fn cycle_message(reference: &str, cycle: &[String]) -> String {
    format!(
        "`$ref: {reference}` never reaches an object: the references form a cycle ({})",
        cycle.join(" -> ")
    )
}

/// The value a `#...` fragment names (percent-decoded, as URI fragments are).
pub(super) fn resolve<'a>(doc: &'a Value, fragment: &str) -> Option<&'a Value> {
    let decoded = percent_decode_str(fragment).decode_utf8().ok()?;
    doc.pointer(&decoded)
}

fn nearest_existing(doc: &Value, fragment: &str) -> String {
    let mut tokens: Vec<&str> = fragment.split('/').skip(1).collect();
    while !tokens.is_empty() {
        let p = format!("/{}", tokens.join("/"));
        if resolve(doc, &p).is_some() {
            return p;
        }
        tokens.pop();
    }
    String::new()
}

/// The position of the node `pointer` names: the key's line for a mapping entry, the item's for
/// a list element; the nearest existing ancestor when the pointer goes past the document.
pub(crate) fn position(root: &Node, pointer: &str) -> Pos {
    let mut node = root;
    let mut pos = root.pos;
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        let next = match &node.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.value == key)
                .map(|(k, v)| (k.pos, v)),
            NodeKind::Seq(items) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|v| (v.pos, v)),
            _ => None,
        };
        match next {
            Some((p, v)) => {
                pos = p;
                node = v;
            }
            None => break,
        }
    }
    pos
}
