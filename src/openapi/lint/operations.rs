//! Operation rules: unique `operationId`s (variants included), path templates and `in: path`
//! parameters that agree, a `schema` for every documented body, and well-formed
//! `x-conform-variants`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Report, Rule, document, kind, token};
use crate::openapi::fileset::FileSet;

use crate::openapi::methods::readable_operations;

/// Keys a variant may have: an operation's, minus `parameters` (inherited from the base).
const VARIANT_KEYS: &[&str] = &[
    "operationId",
    "summary",
    "description",
    "tags",
    "externalDocs",
    "requestBody",
    "responses",
    "security",
    "deprecated",
    "servers",
    "callbacks",
];

/// (file, pointer) of each operation, by operationId.
type Ids = BTreeMap<String, Vec<(usize, String)>>;

pub(super) fn check(files: &FileSet, report: &mut Report) {
    let doc = &files.files[0].value;
    let mut ids: Ids = BTreeMap::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (template, item) in paths {
            let item_ptr = format!("/paths/{}", token(template));
            // A path item in another file is checked there: its problems name that file.
            let (item, file, item_ptr) = follow(files, 0, item, item_ptr);
            report.cursor = file;
            for o in readable_operations(item) {
                let op = o.op;
                let op_ptr = format!("{item_ptr}{}", o.suffix);
                operation_id(op, &op_ptr, &mut ids, report);
                path_params(files, template, item, &item_ptr, op, &op_ptr, report);
                responses(op, &op_ptr, report);
                variants(op, &op_ptr, &mut ids, report);
            }
            report.cursor = 0;
        }
    }
    if let Some(map) = doc
        .pointer("/components/responses")
        .and_then(Value::as_object)
    {
        for (name, r) in map {
            let ptr = format!("/components/responses/{}", token(name));
            response_content(name, r, &ptr, report);
        }
    }
    for (id, places) in ids {
        if places.len() > 1 {
            for (file, p) in &places {
                report.push_in(
                    *file,
                    Rule::OperationId,
                    &format!("{p}/operationId"),
                    format!(
                        "operationId `{id}` is used {} times ({})",
                        places.len(),
                        places
                            .iter()
                            .map(|(_, q)| format!("#{q}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "scenarios `call` operations by operationId: give each operation its own",
                );
            }
        }
    }
}

/// A `$ref`'d object (in its file, or another) with its file and pointer; the object itself
/// when it is not a (valid) reference.
fn follow<'a>(
    files: &'a FileSet,
    file: usize,
    v: &'a Value,
    ptr: String,
) -> (&'a Value, usize, String) {
    let target = v
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| files.target(file, r))
        .and_then(|t| Some((files.get(&t)?, t)));
    match target {
        Some((value, t)) => (value, t.file, t.pointer),
        None => (v, file, ptr),
    }
}

fn operation_id(op: &Value, op_ptr: &str, ids: &mut Ids, report: &mut Report) {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) => ids
            .entry(id.to_owned())
            .or_default()
            .push((report.cursor, op_ptr.to_owned())),
        None => report.note(
            Rule::OperationId,
            op_ptr,
            "the operation has no `operationId`; conform names it `METHOD /path`",
            "scenarios can `call` it by that name; add `operationId: <verbNoun>` for a shorter one",
        ),
    }
}

/// The `{names}` of a path template, in order.
pub(crate) fn template_names(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

fn path_params(
    files: &FileSet,
    template: &str,
    item: &Value,
    item_ptr: &str,
    op: &Value,
    op_ptr: &str,
    report: &mut Report,
) {
    // The operation's own parameters override the path item's of the same name and location.
    let mut declared: BTreeMap<String, (usize, String, &Value)> = BTreeMap::new();
    for (holder, holder_ptr) in [(item, item_ptr), (op, op_ptr)] {
        let Some(list) = holder.get("parameters").and_then(Value::as_array) else {
            continue;
        };
        for (i, p) in list.iter().enumerate() {
            let here = format!("{holder_ptr}/parameters/{i}");
            let (p, p_file, p_ptr) = follow(files, report.cursor, p, here);
            if p.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                declared.insert(name.to_owned(), (p_file, p_ptr, p));
            }
        }
    }
    let names = template_names(template);
    let op_name = op
        .get("operationId")
        .and_then(Value::as_str)
        .map_or_else(|| "this operation".to_owned(), |id| format!("`{id}`"));
    for name in &names {
        if !declared.contains_key(*name) {
            report.push(
                Rule::PathParams,
                op_ptr,
                format!(
                    "the path `{template}` has `{{{name}}}` but {op_name} declares no `in: path` parameter `{name}`"
                ),
                format!(
                    "add `{{name: {name}, in: path, required: true, schema: {{type: string}}}}` to the path item's or the operation's `parameters`"
                ),
            );
        }
    }
    for (name, (p_file, p_ptr, p)) in &declared {
        if !names.contains(&name.as_str()) {
            report.push_in(
                *p_file,
                Rule::PathParams,
                p_ptr,
                format!("path parameter `{name}` is not in the path `{template}`"),
                format!(
                    "rename it to one of the template's names, or add `{{{name}}}` to the path"
                ),
            );
        }
        if p.get("required") != Some(&Value::Bool(true)) {
            report.push_in(
                *p_file,
                Rule::PathParams,
                p_ptr,
                format!("path parameter `{name}` is not `required: true`"),
                "a path parameter is always required: add `required: true`",
            );
        }
    }
}

fn responses(op: &Value, op_ptr: &str, report: &mut Report) {
    let Some(map) = op.get("responses").and_then(Value::as_object) else {
        return;
    };
    for (status, r) in map {
        let ptr = format!("{op_ptr}/responses/{}", token(status));
        response_content(status, r, &ptr, report);
    }
}

/// A response that documents a body must say what the body is (or, a stream, what its items are).
fn response_content(status: &str, r: &Value, ptr: &str, report: &mut Report) {
    let Some(content) = r.get("content").and_then(Value::as_object) else {
        return;
    };
    for (media_type, m) in content {
        // A 3.2 media type may be a `$ref` (checked where it points) or describe a stream's
        // items (`itemSchema`) instead of the whole body.
        if ["schema", "$ref", "itemSchema"]
            .iter()
            .all(|k| m.get(*k).is_none())
        {
            report.push(
                Rule::ResponseSchema,
                &format!("{ptr}/content/{}", token(media_type)),
                format!(
                    "response `{status}` documents a body of type `{media_type}` without a `schema`, so no body can be checked"
                ),
                "add `schema:` (a `$ref` to components/schemas), or drop `content` if the status has no body",
            );
        }
    }
}

fn variants(op: &Value, op_ptr: &str, ids: &mut Ids, report: &mut Report) {
    let Some(list) = op.get("x-conform-variants") else {
        return;
    };
    let list_ptr = format!("{op_ptr}/x-conform-variants");
    let Some(items) = list.as_array() else {
        report.push(
            Rule::Variants,
            &list_ptr,
            format!("`x-conform-variants` is {}, not a list", kind(list)),
            "write a list of operations, each with its own operationId (see specs/README.md)",
        );
        return;
    };
    if items.is_empty() {
        report.push(
            Rule::Variants,
            &list_ptr,
            "`x-conform-variants` is empty",
            "list the operations the endpoint multiplexes, or remove the key",
        );
    }
    for (i, v) in items.iter().enumerate() {
        let v_ptr = format!("{list_ptr}/{i}");
        let Some(obj) = v.as_object() else {
            report.push(
                Rule::Variants,
                &v_ptr,
                format!("a variant is {}, not an operation mapping", kind(v)),
                "write `- operationId: ...` with its requestBody and responses",
            );
            continue;
        };
        for key in obj.keys() {
            if key == "parameters" {
                report.push(
                    Rule::Variants,
                    &format!("{v_ptr}/parameters"),
                    "a variant cannot have its own `parameters`: they are inherited from the base operation and the path item, and these would be ignored",
                    "move the parameters to the base operation",
                );
            } else if !VARIANT_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
                let known = VARIANT_KEYS.iter().copied();
                let hint = crate::source::did_you_mean(key, known)
                    .map_or_else(String::new, |s| format!("did you mean `{s}`? "));
                report.push(
                    Rule::Variants,
                    &format!("{v_ptr}/{}", token(key)),
                    format!("unknown key `{key}` in a variant"),
                    format!("{hint}a variant takes: {}", VARIANT_KEYS.join(", ")),
                );
            }
        }
        document::check_variant_operation(v, &v_ptr, report);
        operation_id(v, &v_ptr, ids, report);
        responses(v, &v_ptr, report);
    }
}
