//! Schema rules: every schema object is valid JSON Schema 2020-12 and compiles, and every
//! example (of a parameter, header, media type or schema) validates against its own schema.
//!
//! Schemas are found by walking the OpenAPI structure (not by looking for keys called `schema`
//! anywhere), so a body property that happens to be named `schema` or `example` is not mistaken
//! for one.

use jsonschema::{Draft, Registry, Validator};
use percent_encoding::utf8_percent_encode;
use serde_json::{Value, json};

use super::{Report, Rule, document::resolve, token};
use crate::spec::load::FRAGMENT;

const BASE: &str = "https://conform.invalid/lint/openapi.yaml";

/// The document as a schema resource, so a schema anywhere in it compiles with its `$ref`s.
pub(super) struct Compiled {
    registry: Result<Registry<'static>, String>,
}

impl Compiled {
    pub(super) fn new(doc: &Value) -> Self {
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(BASE, Draft::Draft202012.create_resource(doc.clone()))
            .and_then(|b| b.prepare())
            .map_err(|e| e.to_string());
        Compiled { registry }
    }

    /// The validator of the schema at `pointer`, formats asserted as the runner does.
    fn validator(&self, pointer: &str) -> Result<Validator, String> {
        let registry = self.registry.as_ref().map_err(Clone::clone)?;
        let wrapper =
            json!({ "$ref": format!("{BASE}#{}", utf8_percent_encode(pointer, FRAGMENT)) });
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .with_registry(registry)
            .build(&wrapper)
            .map_err(|e| e.to_string())
    }
}

/// Where schemas and examples sit in the OpenAPI structure.
#[derive(Default)]
pub(super) struct Sites {
    /// Pointers of schema objects that are not inside another schema.
    schemas: Vec<String>,
    /// (object holding `example`/`examples`, pointer of the schema they must match).
    examples: Vec<(String, String)>,
}

impl Sites {
    pub(super) fn of(doc: &Value) -> Self {
        let mut s = Sites::default();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (p, item) in paths {
                s.path_item(item, &format!("/paths/{}", token(p)));
            }
        }
        let comps = doc.get("components");
        let each = |name: &'static str| {
            comps
                .and_then(|c| c.get(name))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(move |(k, v)| (format!("/components/{name}/{}", token(k)), v))
        };
        for (ptr, _) in each("schemas") {
            s.schema_root(&ptr);
        }
        for (ptr, v) in each("parameters").chain(each("headers")) {
            s.param(v, &ptr);
        }
        for (ptr, v) in each("responses") {
            s.response(v, &ptr);
        }
        for (ptr, v) in each("requestBodies") {
            s.content(v, &ptr);
        }
        s
    }

    fn path_item(&mut self, item: &Value, ptr: &str) {
        self.params(item, ptr);
        for method in super::operations::METHODS {
            if let Some(op) = item.get(*method) {
                self.operation(op, &format!("{ptr}/{method}"));
            }
        }
    }

    fn operation(&mut self, op: &Value, ptr: &str) {
        self.params(op, ptr);
        if let Some(rb) = op.get("requestBody") {
            self.content(rb, &format!("{ptr}/requestBody"));
        }
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            for (code, r) in responses {
                self.response(r, &format!("{ptr}/responses/{}", token(code)));
            }
        }
        if let Some(variants) = op.get("x-conform-variants").and_then(Value::as_array) {
            for (i, v) in variants.iter().enumerate() {
                self.operation(v, &format!("{ptr}/x-conform-variants/{i}"));
            }
        }
    }

    fn params(&mut self, holder: &Value, ptr: &str) {
        if let Some(list) = holder.get("parameters").and_then(Value::as_array) {
            for (i, p) in list.iter().enumerate() {
                self.param(p, &format!("{ptr}/parameters/{i}"));
            }
        }
    }

    /// A parameter or header object: `schema` plus examples (or `content`, like a body).
    fn param(&mut self, p: &Value, ptr: &str) {
        if p.get("$ref").is_some() {
            return;
        }
        if p.get("schema").is_some() {
            let schema = format!("{ptr}/schema");
            self.schema_root(&schema);
            self.examples.push((ptr.to_owned(), schema));
        }
        self.content(p, ptr);
    }

    fn response(&mut self, r: &Value, ptr: &str) {
        if r.get("$ref").is_some() {
            return;
        }
        if let Some(headers) = r.get("headers").and_then(Value::as_object) {
            for (name, h) in headers {
                self.param(h, &format!("{ptr}/headers/{}", token(name)));
            }
        }
        self.content(r, ptr);
    }

    fn content(&mut self, holder: &Value, ptr: &str) {
        if holder.get("$ref").is_some() {
            return;
        }
        let Some(content) = holder.get("content").and_then(Value::as_object) else {
            return;
        };
        for (media_type, m) in content {
            let m_ptr = format!("{ptr}/content/{}", token(media_type));
            if m.get("schema").is_some() {
                let schema = format!("{m_ptr}/schema");
                self.schema_root(&schema);
                self.examples.push((m_ptr.clone(), schema));
            }
            if m.pointer("/x-conform-strict/schema").is_some() {
                self.schema_root(&format!("{m_ptr}/x-conform-strict/schema"));
            }
        }
    }

    fn schema_root(&mut self, ptr: &str) {
        self.schemas.push(ptr.to_owned());
    }
}

/// Meta-validates and compiles every schema root.
pub(super) fn check_schemas(doc: &Value, sites: &Sites, compiled: &Compiled, report: &mut Report) {
    let meta = jsonschema::draft202012::meta::validator();
    for ptr in &sites.schemas {
        let Some(schema) = doc.pointer(ptr) else {
            continue;
        };
        let mut valid = true;
        for e in meta.iter_errors(schema) {
            valid = false;
            report.push(
                Rule::Schema,
                &format!("{ptr}{}", e.instance_path().as_str()),
                format!("not valid JSON Schema 2020-12: {e}"),
                format!(
                    "the 2020-12 meta-schema requires it at {}",
                    e.schema_path().as_str()
                ),
            );
        }
        // A meta-valid schema can still fail to compile (a `pattern` that is not a regex, a
        // `$ref` into nothing): that too would break every run that uses it.
        if valid
            && schema.get("$ref").is_none()
            && let Err(e) = compiled.validator(ptr)
        {
            report.push(
                Rule::Schema,
                ptr,
                format!("the schema does not compile: {e}"),
                "fix the keyword the message names",
            );
        }
    }
}

/// Every example validates against its own schema.
pub(super) fn check_examples(doc: &Value, sites: &Sites, compiled: &Compiled, report: &mut Report) {
    let mut checks: Vec<(String, &Value, String)> = Vec::new();
    for (holder_ptr, schema_ptr) in &sites.examples {
        let Some(holder) = doc.pointer(holder_ptr) else {
            continue;
        };
        if let Some(v) = holder.get("example") {
            checks.push((format!("{holder_ptr}/example"), v, schema_ptr.clone()));
        }
        if let Some(map) = holder.get("examples").and_then(Value::as_object) {
            for (name, ex) in map {
                let mut ex_ptr = format!("{holder_ptr}/examples/{}", token(name));
                let mut ex = ex;
                // Dangling `$ref`s are the ref rule's to report.
                if let Some(r) = ex.get("$ref").and_then(Value::as_str) {
                    match r
                        .strip_prefix('#')
                        .and_then(|t| Some((t, resolve(doc, t)?)))
                    {
                        Some((t, target)) => {
                            ex = target;
                            ex_ptr = t.to_owned();
                        }
                        None => continue,
                    }
                }
                if let Some(v) = ex.get("value") {
                    checks.push((format!("{ex_ptr}/value"), v, schema_ptr.clone()));
                }
            }
        }
    }
    for root in &sites.schemas {
        if let Some(schema) = doc.pointer(root) {
            schema_examples(schema, root, &mut checks);
        }
    }
    for (ex_ptr, value, schema_ptr) in checks {
        let validator = match compiled.validator(&schema_ptr) {
            Ok(v) => v,
            Err(_) => continue, // reported by `check_schemas`
        };
        for e in validator.iter_errors(value) {
            report.push(
                Rule::Example,
                &format!("{ex_ptr}{}", e.instance_path().as_str()),
                format!("the example does not match its schema #{schema_ptr}: {e}"),
                format!(
                    "fix the example, or the schema rule at {}",
                    e.schema_path().as_str()
                ),
            );
        }
    }
}

/// Keywords whose value is a schema, and those whose value is a map or list of schemas.
const SUB_ONE: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
];
const SUB_MAP: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];
const SUB_LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// A schema's own `examples` (a list) and OpenAPI's `example`, checked against that schema.
fn schema_examples<'a>(schema: &'a Value, ptr: &str, out: &mut Vec<(String, &'a Value, String)>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let Some(list) = obj.get("examples").and_then(Value::as_array) {
        for (i, v) in list.iter().enumerate() {
            out.push((format!("{ptr}/examples/{i}"), v, ptr.to_owned()));
        }
    }
    if let Some(v) = obj.get("example") {
        out.push((format!("{ptr}/example"), v, ptr.to_owned()));
    }
    for k in SUB_ONE {
        if let Some(sub) = obj.get(*k) {
            schema_examples(sub, &format!("{ptr}/{}", token(k)), out);
        }
    }
    for k in SUB_MAP {
        if let Some(map) = obj.get(*k).and_then(Value::as_object) {
            for (name, sub) in map {
                schema_examples(sub, &format!("{ptr}/{}/{}", token(k), token(name)), out);
            }
        }
    }
    for k in SUB_LIST {
        if let Some(list) = obj.get(*k).and_then(Value::as_array) {
            for (i, sub) in list.iter().enumerate() {
                schema_examples(sub, &format!("{ptr}/{k}/{i}"), out);
            }
        }
    }
}
