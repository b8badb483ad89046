//! Schema rules: every schema object is valid JSON Schema 2020-12 and compiles, and every
//! example (of a parameter, header, media type or schema) validates against its own schema.
//!
//! Schemas are found by walking the OpenAPI structure (not by looking for keys called `schema`
//! anywhere), so a body property that happens to be named `schema` or `example` is not mistaken
//! for one.

use std::rc::Rc;

use jsonschema::{Draft, Registry, Validator};
use percent_encoding::utf8_percent_encode;
use serde_json::{Value, json};

use super::document::{Context, context_of};
use super::{Report, Rule, token};
use crate::openapi::fileset::{FileSet, refs_of};
use crate::openapi::load::FRAGMENT;
use crate::openapi::model::SchemaError;

/// Every file as a schema resource, so a schema anywhere compiles with its `$ref`s.
pub(super) struct Compiled {
    registry: Result<Registry<'static>, SchemaError>,
    uris: Vec<String>,
    /// Each schema compiled once: the schema rule and the examples that use it share it.
    cache: std::cell::RefCell<std::collections::HashMap<At, Rc<Result<Validator, SchemaError>>>>,
}

impl Compiled {
    pub(super) fn new(files: &FileSet, converted: &[Value]) -> Self {
        let resources = files
            .files
            .iter()
            .zip(converted)
            .map(|(f, v)| (f.uri.clone(), Draft::Draft202012.create_resource(v.clone())));
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .extend(resources)
            .and_then(|b| b.prepare())
            .map_err(|e| SchemaError(e.to_string()));
        Compiled {
            registry,
            uris: files.files.iter().map(|f| f.uri.clone()).collect(),
            cache: Default::default(),
        }
    }

    /// The validator of the schema at `pointer` of file `file`, formats asserted as the runner
    /// does.
    fn validator(&self, file: usize, pointer: &str) -> Rc<Result<Validator, SchemaError>> {
        let key = (file, pointer.to_owned());
        if let Some(v) = self.cache.borrow().get(&key) {
            return v.clone();
        }
        let v = Rc::new(self.build(file, pointer));
        self.cache.borrow_mut().insert(key, v.clone());
        v
    }

    fn build(&self, file: usize, pointer: &str) -> Result<Validator, SchemaError> {
        self.build_schema(&self.reference(file, pointer))
    }

    /// Whether every schema of `roots` compiles, tried as one `allOf` of them.
    fn all_compile(&self, roots: &[&At]) -> bool {
        let all: Vec<Value> = roots.iter().map(|(f, p)| self.reference(*f, p)).collect();
        self.build_schema(&json!({ "allOf": all })).is_ok()
    }

    fn reference(&self, file: usize, pointer: &str) -> Value {
        let uri = self.uris.get(file).map_or("", String::as_str);
        json!({ "$ref": format!("{uri}#{}", utf8_percent_encode(pointer, FRAGMENT)) })
    }

    fn build_schema(&self, wrapper: &Value) -> Result<Validator, SchemaError> {
        let registry = self.registry.as_ref().map_err(Clone::clone)?;
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .with_registry(registry)
            .build(wrapper)
            .map_err(|e| SchemaError(e.to_string()))
    }
}

/// A place in one of the spec's files: (file index, JSON pointer).
type At = (usize, String);

/// Where schemas and examples sit in the OpenAPI structure, in every file.
#[derive(Default)]
pub(super) struct Sites {
    /// Schema objects that are not inside another schema.
    schemas: Vec<At>,
    /// (file, object holding `example`/`examples`, pointer of the schema they must match).
    examples: Vec<(usize, String, String)>,
    /// The file being walked.
    file: usize,
}

impl Sites {
    pub(super) fn of(files: &FileSet) -> Self {
        let mut s = Sites::default();
        let doc = &files.files[0].value;
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
        // What other files hold, walked as the kind of object that refers to it.
        let mut seen = std::collections::BTreeSet::new();
        for (i, f) in files.files.iter().enumerate() {
            for (at, reference) in refs_of(&f.value) {
                let (Some(context), Some(t)) = (context_of(&at), files.target(i, &reference))
                else {
                    continue;
                };
                if t.file == i || !seen.insert((t.file, t.pointer.clone())) {
                    continue;
                }
                let Some(v) = files.get(&t) else { continue };
                s.file = t.file;
                match context {
                    Context::Schema => s.schema_root(&t.pointer),
                    Context::PathItem => s.path_item(v, &t.pointer),
                    Context::Parameter | Context::Header => s.param(v, &t.pointer),
                    Context::Response => s.response(v, &t.pointer),
                    Context::RequestBody => s.content(v, &t.pointer),
                    _ => {}
                }
            }
        }
        s.file = 0;
        s
    }

    fn path_item(&mut self, item: &Value, ptr: &str) {
        self.params(item, ptr);
        for o in crate::openapi::methods::readable_operations(item) {
            self.operation(o.op, &format!("{ptr}{}", o.suffix));
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
            self.examples.push((self.file, ptr.to_owned(), schema));
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
                self.examples.push((self.file, m_ptr.clone(), schema));
            }
            if m.pointer("/x-conform-strict/schema").is_some() {
                self.schema_root(&format!("{m_ptr}/x-conform-strict/schema"));
            }
        }
    }

    fn schema_root(&mut self, ptr: &str) {
        self.schemas.push((self.file, ptr.to_owned()));
    }
}

/// Meta-validates and compiles every schema root.
pub(super) fn check_schemas(
    files: &FileSet,
    sites: &Sites,
    compiled: &Compiled,
    report: &mut Report,
) {
    let meta = jsonschema::draft202012::meta::validator();
    let mut valid_roots = Vec::new();
    for (file, ptr) in &sites.schemas {
        let Some(schema) = files.files[*file].value.pointer(ptr) else {
            continue;
        };
        let mut valid = true;
        for e in meta.iter_errors(schema) {
            valid = false;
            report.push_in(
                *file,
                Rule::Schema,
                &format!("{ptr}{}", e.instance_path().as_str()),
                format!("not valid JSON Schema 2020-12: {e}"),
                format!(
                    "the 2020-12 meta-schema requires it at {}",
                    e.schema_path().as_str()
                ),
            );
        }
        if valid {
            valid_roots.push((*file, ptr.clone()));
        }
    }
    compile_all(files, &valid_roots, compiled, report);
}

/// Compiles every schema root (a 3.0 document's, whose Schema Objects the OAS 3.0 schema has
/// checked already).
pub(super) fn check_compiles(
    files: &FileSet,
    sites: &Sites,
    compiled: &Compiled,
    report: &mut Report,
) {
    compile_all(files, &sites.schemas, compiled, report);
}

/// A valid schema can still fail to compile (a `pattern` that is not a regex, a `$ref` into
/// nothing): that too would break every run that uses it. All roots are compiled as one
/// schema first (a large spec's schemas share most of what they refer to, and compiling each
/// alone would build the shared part again each time); only if that fails is each compiled
/// alone, to name the one that does not.
fn compile_all(files: &FileSet, roots: &[At], compiled: &Compiled, report: &mut Report) {
    let roots: Vec<&At> = roots
        .iter()
        .filter(|(file, ptr)| {
            files.files[*file]
                .value
                .pointer(ptr)
                .is_some_and(|s| s.get("$ref").is_none())
        })
        .collect();
    if compiled.all_compile(&roots) {
        return;
    }
    for (file, ptr) in roots {
        if let Err(e) = compiled.build(*file, ptr) {
            report.push_in(
                *file,
                Rule::Schema,
                ptr,
                format!("the schema does not compile: {e}"),
                "fix the keyword the message names",
            );
        }
    }
}

/// Every example validates against its own schema.
pub(super) fn check_examples(
    files: &FileSet,
    sites: &Sites,
    compiled: &Compiled,
    report: &mut Report,
) {
    // (file of the example, its pointer, the value, file of the schema, the schema's pointer)
    let mut checks: Vec<(usize, String, &Value, usize, String)> = Vec::new();
    for (file, holder_ptr, schema_ptr) in &sites.examples {
        let Some(holder) = files.files[*file].value.pointer(holder_ptr) else {
            continue;
        };
        if let Some(v) = holder.get("example") {
            checks.push((
                *file,
                format!("{holder_ptr}/example"),
                v,
                *file,
                schema_ptr.clone(),
            ));
        }
        if let Some(map) = holder.get("examples").and_then(Value::as_object) {
            for (name, ex) in map {
                let mut ex_at = (*file, format!("{holder_ptr}/examples/{}", token(name)));
                let mut ex = ex;
                // Dangling `$ref`s are the ref rule's to report.
                if let Some(r) = ex.get("$ref").and_then(Value::as_str) {
                    match files
                        .target(*file, r)
                        .and_then(|t| Some((files.get(&t)?, t)))
                    {
                        Some((target, t)) => {
                            ex = target;
                            ex_at = (t.file, t.pointer);
                        }
                        None => continue,
                    }
                }
                if let Some(v) = ex.get("value") {
                    checks.push((
                        ex_at.0,
                        format!("{}/value", ex_at.1),
                        v,
                        *file,
                        schema_ptr.clone(),
                    ));
                }
            }
        }
    }
    for (file, root) in &sites.schemas {
        if let Some(schema) = files.files[*file].value.pointer(root) {
            let mut own = Vec::new();
            schema_examples(schema, root, &mut own);
            checks.extend(own.into_iter().map(|(p, v, s)| (*file, p, v, *file, s)));
        }
    }
    for (ex_file, ex_ptr, value, schema_file, schema_ptr) in checks {
        let validator = compiled.validator(schema_file, &schema_ptr);
        let Ok(validator) = validator.as_ref() else {
            continue; // reported by `check_schemas`
        };
        for e in validator.iter_errors(value) {
            report.push_in(
                ex_file,
                Rule::Example,
                &format!("{ex_ptr}{}", e.instance_path().as_str()),
                format!(
                    "the example does not match its schema #{}: {e}",
                    files.files[schema_file].map.original(&schema_ptr)
                ),
                format!(
                    "fix the example, or the schema rule at {}",
                    // A 2.0 file's rule as its file writes it (`/definitions/...`).
                    files.files[schema_file]
                        .map
                        .original(e.schema_path().as_str())
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
