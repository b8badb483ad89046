//! Whole-document rules: the official OpenAPI 3.1 schema, `$ref` targets, and mapping a JSON
//! Pointer back to the YAML line it names.

use std::sync::OnceLock;

use jsonschema::Validator;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::{Report, Rule, token};
use crate::source::{Node, NodeKind, Pos};

/// The OpenAPI Initiative's schema of 3.1 documents; provenance in `specs/meta/README.md`.
const OPENAPI_31: &str = include_str!("../../../specs/meta/openapi-3.1.schema.json");

/// The OAS schema, and the same schema rooted at one of its `$defs` (to check the operations
/// inside `x-conform-variants`, which the OAS schema skips as an extension).
fn oas_validator(def: Option<&str>) -> Option<&'static Validator> {
    static ROOT: OnceLock<Option<Validator>> = OnceLock::new();
    static OPERATION: OnceLock<Option<Validator>> = OnceLock::new();
    let build = |def: Option<&str>| {
        // The file is checked in and compiled by a test; `None` here means a broken build input,
        // reported as a problem by the callers rather than a panic.
        let mut schema: Value = serde_json::from_str(OPENAPI_31).ok()?;
        if let (Some(def), Some(obj)) = (def, schema.as_object_mut()) {
            obj.retain(|k, _| k.starts_with('$'));
            obj.insert("$ref".into(), json!(format!("#/$defs/{def}")));
        }
        jsonschema::draft202012::new(&schema).ok()
    };
    match def {
        None => ROOT.get_or_init(|| build(None)).as_ref(),
        Some(_) => OPERATION.get_or_init(|| build(Some("operation"))).as_ref(),
    }
}

/// Validates `doc` against the OpenAPI 3.1 schema; every error is a problem.
pub(super) fn check_openapi(doc: &Value, report: &mut Report) {
    let Some(validator) = oas_validator(None) else {
        report.push(
            Rule::OpenApi,
            "",
            "the embedded OpenAPI 3.1 schema does not compile",
            "restore specs/meta/openapi-3.1.schema.json (see specs/meta/README.md)",
        );
        return;
    };
    for e in validator.iter_errors(doc) {
        report.push(
            Rule::OpenApi,
            e.instance_path().as_str(),
            e.to_string(),
            format!(
                "the OpenAPI 3.1 schema requires it at {}",
                e.schema_path().as_str()
            ),
        );
    }
}

/// Validates one `x-conform-variants` entry as an OpenAPI operation object.
pub(super) fn check_variant_operation(variant: &Value, pointer: &str, report: &mut Report) {
    let Some(validator) = oas_validator(Some("operation")) else {
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

/// Every `$ref` must be local (`#/...`) and point at something.
pub(super) fn check_refs(doc: &Value, report: &mut Report) {
    let mut refs = Vec::new();
    collect_refs(doc, String::new(), &mut refs);
    for (at, reference) in refs {
        let ptr = format!("{at}/$ref");
        match reference.strip_prefix('#') {
            None => report.push(
                Rule::Ref,
                &ptr,
                format!("`$ref: {reference}` is not local"),
                "conform resolves `#/...` references only: move the target into `components`",
            ),
            Some(target) if resolve(doc, target).is_none() => {
                let near = nearest_existing(doc, target);
                report.push(
                    Rule::Ref,
                    &ptr,
                    format!("`$ref: {reference}` points at nothing (dangling reference)"),
                    format!(
                        "define it, or correct the reference; the deepest part that exists is `#{near}`"
                    ),
                );
            }
            Some(target) => {
                if let Some(cycle) = cycle_from(doc, target) {
                    report.push(
                        Rule::Ref,
                        &ptr,
                        cycle_message(&reference, &cycle),
                        CYCLE_HELP,
                    );
                }
            }
        }
    }
}

const CYCLE_HELP: &str = "make one of them the object itself instead of another `$ref`";

fn cycle_message(reference: &str, cycle: &[String]) -> String {
    format!(
        "`$ref: {reference}` never reaches an object: the references form a cycle ({})",
        cycle.join(" -> ")
    )
}

/// The chain of `$ref`-only objects starting at `target`, if it loops back on itself.
fn cycle_from(doc: &Value, target: &str) -> Option<Vec<String>> {
    let mut seen = vec![format!("#{target}")];
    let mut cur = resolve(doc, target)?;
    while let Some(next) = cur.get("$ref").and_then(Value::as_str) {
        let frag = next.strip_prefix('#')?;
        let name = format!("#{frag}");
        if seen.contains(&name) {
            seen.push(name);
            return Some(seen);
        }
        seen.push(name);
        cur = resolve(doc, frag)?;
    }
    None
}

fn collect_refs(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push((at.clone(), r.clone()));
            }
            for (k, child) in map {
                collect_refs(child, format!("{at}/{}", token(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
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
