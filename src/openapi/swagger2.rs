//! Swagger 2.0 on load: [`apply`] rewrites a 2.0 spec's files in memory into the OpenAPI 3.0
//! shape conform compiles (then [`super::oas30`] takes it to 3.1, as for any 3.0 file), and
//! gives each file a [`PointerMap`] from the converted pointers back to those the file wrote,
//! so every finding still names the 2.0 file's own line.
//!
//! - `host`/`basePath`/`schemes` become `servers` (a `basePath` without `host` a relative one);
//! - `body` and `formData` parameters become the `requestBody` (media types from `consumes`;
//!   form fields an `application/x-www-form-urlencoded` or `multipart/form-data` object);
//! - a response's `schema` becomes its `content`, one entry per `produces` media type;
//! - `definitions`, `parameters`, `responses` and `securityDefinitions` move under
//!   `components` (their `$ref`s follow);
//! - `type: file` is a binary string, `x-nullable` is `nullable`, `collectionFormat` is
//!   `style`/`explode`.
//!
//! What cannot be read (a `type` 2.0 does not have, a path parameter the operation does not
//! declare) is an [`Unread`] at its place; that operation is left out, the rest loads.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::fileset::{DATA_KEYS, FileSet};
use super::lint::{Rule, Severity, token};

/// Converted pointer prefixes and the original pointer each stands for.
#[derive(Debug, Clone, Default)]
pub(crate) struct PointerMap {
    pairs: Vec<(String, String)>,
}

impl PointerMap {
    fn add(&mut self, converted: String, original: String) {
        if converted != original {
            self.pairs.push((converted, original));
        }
    }

    /// `pointer` (into the converted document) as the file wrote it: the longest mapped prefix
    /// replaced, the rest kept.
    pub(crate) fn original(&self, pointer: &str) -> String {
        let best = self
            .pairs
            .iter()
            .filter(|(c, _)| {
                pointer == c
                    || (pointer.starts_with(c.as_str()) && pointer[c.len()..].starts_with('/'))
            })
            .max_by_key(|(c, _)| c.len());
        match best {
            Some((c, o)) => format!("{o}{}", &pointer[c.len()..]),
            None => pointer.to_owned(),
        }
    }
}

/// Something of a 2.0 document conform cannot read, at the pointer the file wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unread {
    /// The file (0 is the root document).
    pub file: usize,
    /// Where, as the file writes it.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// The fix.
    pub help: String,
    /// The operation left out because of it (`GET /path`), if one was.
    pub skipped: Option<(String, String)>,
    /// The linter's rule it breaks.
    pub rule: Rule,
    /// Whether it fails `specs check` (an error) or is worth knowing (a note).
    pub severity: Severity,
}

/// Whether a document is Swagger 2.0.
pub(crate) fn is_20(doc: &Value) -> bool {
    doc.get("swagger").is_some()
}

/// The types a 2.0 schema or parameter may name.
const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "file", "null",
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// Converts every file of a 2.0 spec in place (the root as a document, the others as the
/// fragments their references name) and returns what could not be read.
pub(crate) fn apply(files: &mut FileSet) -> Vec<Unread> {
    let mut cx = Cx {
        files,
        map: PointerMap::default(),
        unread: Vec::new(),
        bad_defs: BTreeSet::new(),
    };
    let mut value = cx.document();
    tweak(&mut value);
    let (map, unread) = (cx.map, cx.unread);
    files.files[0].value = value;
    files.files[0].map = map;
    for f in files.files.iter_mut().skip(1) {
        tweak(&mut f.value);
    }
    unread
}

struct Cx<'a> {
    files: &'a FileSet,
    map: PointerMap,
    unread: Vec<Unread>,
    /// `definitions` that name a type 2.0 does not have (directly or through a `$ref`).
    bad_defs: BTreeSet<String>,
}

/// A parameter of an operation after `$ref`s: its value and the pointer it is written at (in
/// the root file; a parameter in another file is placed at the `$ref` that names it).
struct Found {
    value: Value,
    at: String,
    /// The original `$ref` to a root `parameters` entry, kept as a reference.
    reference: Option<String>,
}

impl Cx<'_> {
    fn root(&self) -> &Value {
        &self.files.files[0].value
    }

    fn unread(&mut self, pointer: String, message: String, help: &str) {
        self.unread.push(Unread {
            file: 0,
            pointer,
            message,
            help: help.to_owned(),
            skipped: None,
            rule: Rule::Swagger20,
            severity: Severity::Error,
        });
    }

    /// A 2.0 path parameter must say `required: true`; one that does not is read as required
    /// (what every server does with a path segment) and reported at its line, an error of the
    /// spec that leaves its operation in.
    fn check_path_required(&mut self, p: &Value, at: &str) {
        if p.get("in").and_then(Value::as_str) != Some("path")
            || p.get("required") == Some(&Value::Bool(true))
        {
            return;
        }
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let (pointer, what) = match p.get("required") {
            Some(v) => (format!("{at}/required"), format!("says `required: {v}`")),
            None => (at.to_owned(), "has no `required`".to_owned()),
        };
        self.unread.push(Unread {
            file: 0,
            pointer,
            message: format!(
                "path parameter `{name}` {what}; Swagger 2.0 requires `required: true` for \
                 `in: path`, and conform reads it as required"
            ),
            help: "add `required: true`".to_owned(),
            skipped: None,
            rule: Rule::PathParams,
            severity: Severity::Error,
        });
    }

    /// A key of a path item that Swagger 2.0 does not have (`trace`, `GET`, a 3.0 `summary`):
    /// a note at its line, never ignored without a word; an operation under it is left out.
    fn stray_key(&mut self, template: &str, key: &str, ptr: &str) {
        let method = key.to_ascii_lowercase();
        let is_method = METHODS.contains(&method.as_str()) || method == "trace";
        let (message, help, skipped) = if is_method {
            let m = method.to_ascii_uppercase();
            let message = if method == "trace" {
                "Swagger 2.0 has no `trace` operation".to_owned()
            } else {
                format!("`{key}` is not a Swagger 2.0 method key (they are lower case)")
            };
            let help = if method == "trace" {
                "write the spec as OpenAPI 3.x to describe a TRACE operation".to_owned()
            } else {
                format!("write `{method}`")
            };
            (message, help, Some((m, template.to_owned())))
        } else {
            (
                format!(
                    "`{key}` is not a key of a Swagger 2.0 path item; conform reads nothing under it"
                ),
                "a path item holds `get`, `put`, `post`, `delete`, `options`, `head`, `patch`, \
                 `parameters`, `$ref` and `x-` extensions"
                    .to_owned(),
                None,
            )
        };
        self.unread.push(Unread {
            file: 0,
            pointer: format!("{ptr}/{}", token(key)),
            message,
            help,
            skipped,
            rule: Rule::Swagger20,
            severity: Severity::Note,
        });
    }

    fn document(&mut self) -> Value {
        let root = self.root().clone();
        let mut out = Map::new();
        out.insert("openapi".into(), json!("3.0.3"));
        for (k, v) in root.as_object().into_iter().flatten() {
            if matches!(k.as_str(), "info" | "tags" | "externalDocs" | "security")
                || k.starts_with("x-")
            {
                out.insert(k.clone(), v.clone());
            }
        }
        if let Some(servers) = servers(&root) {
            let from = if root.get("basePath").is_some() {
                "/basePath"
            } else {
                "/host"
            };
            self.map.add("/servers".into(), from.into());
            out.insert("servers".into(), servers);
        }
        out.insert("components".into(), self.components(&root));
        let mut paths = Map::new();
        for (template, item) in root
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if template.starts_with("x-") {
                continue;
            }
            let ptr = format!("/paths/{}", token(template));
            paths.insert(template.clone(), self.path_item(template, item, &ptr));
        }
        out.insert("paths".into(), Value::Object(paths));
        Value::Object(out)
    }

    fn components(&mut self, root: &Value) -> Value {
        let mut c = Map::new();
        if let Some(defs) = root.get("definitions").and_then(Value::as_object) {
            self.map
                .add("/components/schemas".into(), "/definitions".into());
            self.find_bad_defs(defs);
            c.insert("schemas".into(), Value::Object(defs.clone()));
        }
        let mut params = Map::new();
        for (name, p) in root
            .get("parameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let in_ = p.get("in").and_then(Value::as_str);
            if matches!(in_, Some("body" | "formData")) {
                continue; // inlined into each operation's requestBody
            }
            let orig = format!("/parameters/{}", token(name));
            let conv = format!("/components/parameters/{}", token(name));
            self.map.add(conv.clone(), orig.clone());
            self.map.add(format!("{conv}/schema"), orig.clone());
            self.check_types(p, &orig);
            self.check_path_required(p, &orig);
            params.insert(name.clone(), param(p));
        }
        if !params.is_empty() {
            c.insert("parameters".into(), Value::Object(params));
        }
        let produces = strings(root.get("produces"));
        let mut responses = Map::new();
        for (name, r) in root
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let orig = format!("/responses/{}", token(name));
            let conv = format!("/components/responses/{}", token(name));
            let (value, _) = self.response(r, &produces, &conv, &orig);
            responses.insert(name.clone(), value);
        }
        if !responses.is_empty() {
            c.insert("responses".into(), Value::Object(responses));
        }
        if let Some(defs) = root.get("securityDefinitions").and_then(Value::as_object) {
            self.map.add(
                "/components/securitySchemes".into(),
                "/securityDefinitions".into(),
            );
            let schemes = defs
                .iter()
                .map(|(k, v)| (k.clone(), security_scheme(v)))
                .collect();
            c.insert("securitySchemes".into(), Value::Object(schemes));
        }
        Value::Object(c)
    }

    /// The names of `definitions` with a type 2.0 does not have, reported each at its place,
    /// and those that refer to one (until nothing changes).
    fn find_bad_defs(&mut self, defs: &Map<String, Value>) {
        for (name, d) in defs {
            if !self.check_types(d, &format!("/definitions/{}", token(name))) {
                self.bad_defs.insert(name.clone());
            }
        }
        loop {
            let before = self.bad_defs.len();
            for (name, d) in defs {
                if !self.bad_defs.contains(name) && refers_to_bad(d, &self.bad_defs) {
                    self.bad_defs.insert(name.clone());
                }
            }
            if self.bad_defs.len() == before {
                break;
            }
        }
    }

    /// Reports every `type` under `v` (a schema or 2.0 parameter) that 2.0 does not have;
    /// false when there was one.
    fn check_types(&mut self, v: &Value, at: &str) -> bool {
        let mut bad = Vec::new();
        bad_types(v, at.to_owned(), &mut bad);
        let ok = bad.is_empty();
        for (ptr, t) in bad {
            self.unread(
                format!("{ptr}/type"),
                format!("`type: {t}` is not a type: Swagger 2.0 has string, number, integer, boolean, array, object and file"),
                "write one of those types (`integer` for a whole number)",
            );
        }
        ok
    }

    fn path_item(&mut self, template: &str, item: &Value, ptr: &str) -> Value {
        if item.get("$ref").is_some() {
            return item.clone();
        }
        let mut out = Map::new();
        let (shared, shared_body, ok) = self.params(item.get("parameters"), ptr, ptr);
        if !shared.is_empty() {
            out.insert("parameters".into(), Value::Array(shared));
        }
        for (k, v) in item.as_object().into_iter().flatten() {
            if k.starts_with("x-") {
                out.insert(k.clone(), v.clone());
            } else if k != "parameters" && !METHODS.contains(&k.as_str()) {
                self.stray_key(template, k, ptr);
            }
        }
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let op_ptr = format!("{ptr}/{method}");
            let before = self.unread.len();
            if let Some(v) = self.operation(template, item, op, &op_ptr, &shared_body, ok) {
                out.insert((*method).to_owned(), v);
            } else {
                let what = (method.to_ascii_uppercase(), template.to_owned());
                let mut marked = 0;
                // What left it out; a path parameter read as required did not.
                for u in &mut self.unread[before..] {
                    if u.rule == Rule::Swagger20 {
                        u.skipped = Some(what.clone());
                        marked += 1;
                    }
                }
                if marked == 0 {
                    // What it uses was the cause (reported at its own line): name the operation.
                    self.unread.push(Unread {
                        file: 0,
                        pointer: op_ptr,
                        message: "the operation uses a parameter that cannot be read".into(),
                        help: "fix the parameter's `type` reported at its line".into(),
                        skipped: Some(what),
                        rule: Rule::Swagger20,
                        severity: Severity::Error,
                    });
                }
            }
        }
        Value::Object(out)
    }

    /// A parameters list converted: the plain parameters, the `body`/`formData` ones (for
    /// the request body) and whether all could be read.
    fn params(
        &mut self,
        list: Option<&Value>,
        conv: &str,
        orig: &str,
    ) -> (Vec<Value>, Vec<Found>, bool) {
        let (mut plain, mut body, mut ok) = (Vec::new(), Vec::new(), true);
        for (i, p) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("{orig}/parameters/{i}");
            let found = self.found(p, at.clone());
            let in_ = found.value.get("in").and_then(Value::as_str).unwrap_or("");
            if matches!(in_, "body" | "formData") {
                ok &= self.check_types(&found.value, &found.at);
                body.push(found);
                continue;
            }
            let conv_at = format!("{conv}/parameters/{}", plain.len());
            self.map.add(conv_at.clone(), at.clone());
            if let Some(r) = found.reference {
                let mut quiet = Vec::new();
                bad_types(&found.value, String::new(), &mut quiet);
                ok &= quiet.is_empty();
                plain.push(json!({ "$ref": r }));
                continue;
            }
            self.map.add(format!("{conv_at}/schema"), at.clone());
            ok &= self.check_types(&found.value, &at);
            self.check_path_required(&found.value, &at);
            plain.push(param(&found.value));
        }
        (plain, body, ok)
    }

    /// A parameter after its `$ref` (to the root's `parameters` or another file).
    fn found(&self, p: &Value, at: String) -> Found {
        let Some(reference) = p.get("$ref").and_then(Value::as_str) else {
            return Found {
                value: p.clone(),
                at,
                reference: None,
            };
        };
        let Some(t) = self.files.target(0, reference) else {
            return Found {
                value: p.clone(),
                at,
                reference: Some(reference.to_owned()),
            };
        };
        let value = self.files.get(&t).cloned().unwrap_or(Value::Null);
        let plain = !matches!(
            value.get("in").and_then(Value::as_str),
            Some("body" | "formData")
        );
        if t.file == 0 && plain {
            // Kept a reference to the converted component; its own problems are reported there.
            return Found {
                value,
                at: t.pointer,
                reference: Some(reference.to_owned()),
            };
        }
        let at = if t.file == 0 { t.pointer } else { at };
        Found {
            value,
            at,
            reference: None,
        }
    }

    fn operation(
        &mut self,
        template: &str,
        item: &Value,
        op: &Value,
        ptr: &str,
        shared_body: &[Found],
        shared_ok: bool,
    ) -> Option<Value> {
        let mut out: Map<String, Value> = op.as_object()?.clone();
        for k in ["parameters", "consumes", "produces", "responses", "schemes"] {
            out.remove(k);
        }
        let (mut plain, mut body, mut ok) = self.params(op.get("parameters"), ptr, ptr);
        ok &= shared_ok;
        for name in self.path_params_declared(template, item, op, ptr) {
            let at = format!("{ptr}/parameters/{}", plain.len());
            self.map.add(at, ptr.to_owned());
            plain.push(json!({
                "name": name, "in": "path", "required": true, "schema": {"type": "string"}
            }));
        }
        if body.is_empty() {
            body = shared_body
                .iter()
                .map(|f| Found {
                    value: f.value.clone(),
                    at: f.at.clone(),
                    reference: None,
                })
                .collect();
        }
        if !plain.is_empty() {
            out.insert("parameters".into(), Value::Array(plain));
        }
        let root = self.root();
        let consumes = strings(op.get("consumes").or(root.get("consumes")));
        let produces = strings(op.get("produces").or(root.get("produces")));
        // 3.x has no operation-wide `produces`; it binds every answer, error pages included
        // (an HTML 404 where only JSON is produced), so it is kept as an extension.
        if !produces.is_empty() {
            let orig = if op.get("produces").is_some() {
                format!("{ptr}/produces")
            } else {
                "/produces".to_owned()
            };
            self.map
                .add(format!("{ptr}/x-conform-produces"), orig.clone());
            out.insert(
                "x-conform-produces".into(),
                json!({"types": produces, "at": orig}),
            );
        }
        if let Some(rb) = self.request_body(&body, &consumes, ptr) {
            out.insert("requestBody".into(), rb);
        }
        let mut responses = Map::new();
        for (status, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let at = format!("{ptr}/responses/{}", token(status));
            let (value, r_ok) = self.response(r, &produces, &at, &at);
            ok &= r_ok;
            responses.insert(status.clone(), value);
        }
        out.insert("responses".into(), Value::Object(responses));
        let op_value = Value::Object(out);
        if refers_to_bad(&op_value, &self.bad_defs) {
            let names: Vec<&str> = self.bad_defs.iter().map(String::as_str).collect();
            self.unread(
                ptr.to_owned(),
                format!(
                    "the operation uses a definition that cannot be read ({})",
                    names.join(", ")
                ),
                "fix the definition's `type` reported at its line",
            );
            ok = false;
        }
        ok.then_some(op_value)
    }

    /// Every `{name}` of the template is an `in: path` parameter of the operation or its path
    /// item; an undeclared one is reported at the operation (which is left out). A path
    /// parameter without `required: true` is read as required and reported.
    fn path_params_declared(
        &mut self,
        template: &str,
        item: &Value,
        op: &Value,
        ptr: &str,
    ) -> Vec<String> {
        let mut declared = BTreeSet::new();
        for holder in [item, op] {
            for p in holder
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let found = self.found(p, String::new());
                if found.value.get("in").and_then(Value::as_str) == Some("path")
                    && let Some(name) = found.value.get("name").and_then(Value::as_str)
                {
                    declared.insert(name.to_owned());
                }
            }
        }
        let mut undeclared = Vec::new();
        for name in super::lint::template_names(template) {
            if !declared.contains(name) {
                // A template name means one path segment whatever the file forgot to say: read
                // as a required string, the operation still runs, and the error stays.
                self.unread.push(Unread {
                    file: 0,
                    pointer: ptr.to_owned(),
                    message: format!(
                        "path parameter `{name}` of `{template}` is not declared; conform reads \
                         it as a required string"
                    ),
                    help: "add it to `parameters` with `in: path`, `required: true` and its `type`"
                        .to_owned(),
                    skipped: None,
                    rule: Rule::PathParams,
                    severity: Severity::Error,
                });
                undeclared.push(name.to_owned());
            }
        }
        undeclared
    }

    fn request_body(&mut self, body: &[Found], consumes: &[String], ptr: &str) -> Option<Value> {
        let rb_ptr = format!("{ptr}/requestBody");
        if let Some(b) = body
            .iter()
            .find(|f| f.value.get("in").and_then(Value::as_str) == Some("body"))
        {
            self.map.add(rb_ptr.clone(), b.at.clone());
            let mut types: Vec<String> = consumes.iter().filter(|t| !is_form(t)).cloned().collect();
            if types.is_empty() {
                types.push("application/json".into());
            }
            let schema = b.value.get("schema").cloned().unwrap_or(json!({}));
            let mut content = Map::new();
            for t in types {
                self.map.add(
                    format!("{rb_ptr}/content/{}/schema", token(&t)),
                    format!("{}/schema", b.at),
                );
                content.insert(t, json!({ "schema": schema }));
            }
            let mut rb = json!({ "content": content });
            copy(&b.value, &mut rb, &["required", "description"]);
            return Some(rb);
        }
        let fields: Vec<&Found> = body.iter().collect();
        let first = fields.first()?;
        self.map.add(rb_ptr.clone(), first.at.clone());
        let has_file = fields
            .iter()
            .any(|f| f.value.get("type").and_then(Value::as_str) == Some("file"));
        let mut types: Vec<String> = consumes.iter().filter(|t| is_form(t)).cloned().collect();
        if types.is_empty() {
            let t = if has_file {
                "multipart/form-data"
            } else {
                "application/x-www-form-urlencoded"
            };
            types.push(t.into());
        }
        let (mut props, mut required) = (Map::new(), Vec::new());
        for f in &fields {
            let name = f
                .value
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if f.value.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(json!(name));
            }
            props.insert(name, param_schema(&f.value));
        }
        let mut content = Map::new();
        for t in types {
            for f in &fields {
                let name = f
                    .value
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let conv = format!(
                    "{rb_ptr}/content/{}/schema/properties/{}",
                    token(&t),
                    token(name)
                );
                self.map.add(conv, f.at.clone());
            }
            let mut schema = json!({ "type": "object", "properties": props });
            if !required.is_empty() {
                schema["required"] = Value::Array(required.clone());
            }
            content.insert(t, json!({ "schema": schema }));
        }
        Some(json!({ "required": !required.is_empty(), "content": content }))
    }

    /// A response converted (`conv` is where it goes, `orig` where the file wrote it), and
    /// whether its schema can be read.
    fn response(
        &mut self,
        r: &Value,
        produces: &[String],
        conv: &str,
        orig: &str,
    ) -> (Value, bool) {
        if r.get("$ref").is_some() {
            return (r.clone(), true);
        }
        self.map.add(conv.to_owned(), orig.to_owned());
        let mut out = json!({ "description": r.get("description").cloned().unwrap_or(json!("")) });
        if let Some(headers) = r.get("headers").and_then(Value::as_object) {
            let mut hs = Map::new();
            for (name, h) in headers {
                let h_orig = format!("{orig}/headers/{}", token(name));
                self.map
                    .add(format!("{conv}/headers/{}/schema", token(name)), h_orig);
                let mut schema = param_schema(h);
                if let Some(o) = schema.as_object_mut() {
                    o.remove("description");
                }
                let mut header = json!({ "schema": schema });
                copy(h, &mut header, &["description"]);
                hs.insert(name.clone(), header);
            }
            out["headers"] = Value::Object(hs);
        }
        let mut ok = true;
        let mut types: Vec<String> = produces.to_vec();
        if types.is_empty() {
            types.push("application/json".into());
        }
        let mut content = Map::new();
        if let Some(schema) = r.get("schema") {
            ok = self.check_types(schema, &format!("{orig}/schema"));
            for t in &types {
                self.map.add(
                    format!("{conv}/content/{}", token(t)),
                    format!("{orig}/schema"),
                );
                self.map.add(
                    format!("{conv}/content/{}/schema", token(t)),
                    format!("{orig}/schema"),
                );
                content.insert(t.clone(), json!({ "schema": schema }));
            }
        }
        // An example without a schema documents no body conform can check: left out.
        let examples = r.get("examples").filter(|_| r.get("schema").is_some());
        for (t, example) in examples.and_then(Value::as_object).into_iter().flatten() {
            self.map.add(
                format!("{conv}/content/{}/example", token(t)),
                format!("{orig}/examples/{}", token(t)),
            );
            let entry = content.entry(t.clone()).or_insert_with(|| json!({}));
            entry["example"] = example.clone();
        }
        if !content.is_empty() {
            out["content"] = Value::Object(content);
        }
        (out, ok)
    }
}

fn is_form(media_type: &str) -> bool {
    let t = super::essence(media_type);
    t == "application/x-www-form-urlencoded" || t == "multipart/form-data"
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn copy(from: &Value, to: &mut Value, keys: &[&str]) {
    for k in keys {
        if let Some(v) = from.get(*k) {
            to[*k] = v.clone();
        }
    }
}

/// `host`/`basePath`/`schemes` as `servers`; none when the document names neither.
fn servers(doc: &Value) -> Option<Value> {
    let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base = base.trim_end_matches('/');
    match doc.get("host").and_then(Value::as_str) {
        Some(host) => {
            let mut schemes = strings(doc.get("schemes"));
            schemes.retain(|s| s == "http" || s == "https");
            if schemes.is_empty() {
                schemes.push("http".into());
            }
            let list: Vec<Value> = schemes
                .iter()
                .map(|s| json!({ "url": format!("{s}://{host}{base}") }))
                .collect();
            Some(Value::Array(list))
        }
        None if !base.is_empty() => Some(json!([{ "url": base }])),
        None => None,
    }
}

/// A 2.0 security definition as a 3.0 security scheme.
fn security_scheme(v: &Value) -> Value {
    let mut out = match v.get("type").and_then(Value::as_str) {
        Some("basic") => json!({ "type": "http", "scheme": "basic" }),
        Some("oauth2") => {
            let flow = match v.get("flow").and_then(Value::as_str) {
                Some("password") => "password",
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                _ => "implicit",
            };
            let mut f = json!({ "scopes": v.get("scopes").cloned().unwrap_or(json!({})) });
            copy(v, &mut f, &["authorizationUrl", "tokenUrl"]);
            json!({ "type": "oauth2", "flows": { flow: f } })
        }
        _ => {
            let mut s = json!({ "type": "apiKey" });
            copy(v, &mut s, &["name", "in"]);
            s
        }
    };
    copy(v, &mut out, &["description"]);
    out
}

/// Keywords of a 2.0 parameter (or header, or `items`) that are its schema.
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
    "description",
];

/// The schema a 2.0 parameter writes on itself (`items` recursively; `collectionFormat` is
/// the parameter's style, not part of the schema).
fn param_schema(p: &Value) -> Value {
    let mut out = Map::new();
    for k in SCHEMA_KEYS {
        if *k == "description" {
            continue;
        }
        if let Some(v) = p.get(*k) {
            let v = if *k == "items" {
                param_schema(v)
            } else {
                v.clone()
            };
            out.insert((*k).to_owned(), v);
        }
    }
    Value::Object(out)
}

/// A 2.0 non-body parameter as a 3.0 one: its schema keywords under `schema`,
/// `collectionFormat` as `style`/`explode`; a path parameter always required.
fn param(p: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in p.as_object().into_iter().flatten() {
        if (!SCHEMA_KEYS.contains(&k.as_str()) || k == "description") && k != "collectionFormat" {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert("schema".into(), param_schema(p));
    let in_ = p.get("in").and_then(Value::as_str).unwrap_or("");
    if in_ == "path" {
        out.insert("required".into(), json!(true));
    }
    if p.get("type").and_then(Value::as_str) == Some("array") {
        let (style, explode) = match p.get("collectionFormat").and_then(Value::as_str) {
            Some("multi") => ("form", true),
            Some("ssv") => ("spaceDelimited", false),
            Some("pipes") => ("pipeDelimited", false),
            _ if in_ == "query" || in_ == "cookie" => ("form", false),
            _ => ("simple", false),
        };
        out.insert("style".into(), json!(style));
        out.insert("explode".into(), json!(explode));
    }
    Value::Object(out)
}

/// Each `type` under `v` that 2.0 does not have, with the pointer of the object holding it.
fn bad_types(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(t)) = map.get("type")
                && !TYPES.contains(&t.as_str())
            {
                out.push((at.clone(), t.clone()));
            }
            for (k, child) in map {
                if DATA_KEYS.contains(&k.as_str()) || k.starts_with("x-") || k == "$ref" {
                    continue;
                }
                bad_types(child, format!("{at}/{}", token(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                bad_types(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Whether some `$ref` under `v` names one of the `bad` definitions.
fn refers_to_bad(v: &Value, bad: &BTreeSet<String>) -> bool {
    if bad.is_empty() {
        return false;
    }
    match v {
        Value::Object(map) => map.iter().any(|(k, child)| match (k.as_str(), child) {
            ("$ref", Value::String(r)) => r
                .split_once("#/definitions/")
                .is_some_and(|(_, name)| bad.contains(&name.replace("~1", "/").replace("~0", "~"))),
            _ => refers_to_bad(child, bad),
        }),
        Value::Array(items) => items.iter().any(|c| refers_to_bad(c, bad)),
        _ => false,
    }
}

/// What every file needs wherever it sits: `$ref`s to `definitions`, `parameters` and
/// `responses` follow them under `components`; `type: file` is a binary string; `x-nullable`
/// is `nullable`; a `discriminator` names its property the 3.0 way.
fn tweak(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                *r = moved_ref(r);
            }
            if map.get("type").and_then(Value::as_str) == Some("file") {
                map.insert("type".into(), json!("string"));
                map.insert("format".into(), json!("binary"));
            }
            if let Some(n) = map.remove("x-nullable") {
                map.insert("nullable".into(), n);
            }
            if let Some(Value::String(d)) = map.get("discriminator") {
                let d = json!({ "propertyName": d });
                map.insert("discriminator".into(), d);
            }
            for (k, child) in map.iter_mut() {
                if !DATA_KEYS.contains(&k.as_str())
                    && (!k.starts_with("x-") || k.starts_with("x-conform-"))
                {
                    tweak(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tweak),
        _ => {}
    }
}

fn moved_ref(r: &str) -> String {
    let Some((file, fragment)) = r.split_once('#') else {
        return r.to_owned();
    };
    for (from, to) in [
        ("/definitions/", "/components/schemas/"),
        ("/parameters/", "/components/parameters/"),
        ("/responses/", "/components/responses/"),
    ] {
        // Only a reference into the root document's sections moves (another file's fragment
        // is where that file wrote it).
        if file.is_empty()
            && let Some(rest) = fragment.strip_prefix(from)
        {
            return format!("#{to}{rest}");
        }
    }
    r.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_maps_back() {
        let mut m = PointerMap::default();
        m.add("/components/schemas".into(), "/definitions".into());
        m.add("/a/requestBody".into(), "/a/parameters/2".into());
        m.add(
            "/a/requestBody/content/application~1json/schema".into(),
            "/a/parameters/2/schema".into(),
        );
        assert_eq!(
            m.original("/components/schemas/Pet/type"),
            "/definitions/Pet/type"
        );
        assert_eq!(m.original("/components/schemasX"), "/components/schemasX");
        assert_eq!(
            m.original("/a/requestBody/content/application~1json/schema/properties/x"),
            "/a/parameters/2/schema/properties/x"
        );
        assert_eq!(
            m.original("/a/requestBody/required"),
            "/a/parameters/2/required"
        );
    }

    #[test]
    fn servers_come_from_host_base_path_and_schemes() {
        let s =
            servers(&json!({"host": "h.example", "basePath": "/v1/", "schemes": ["https", "ws"]}));
        assert_eq!(s, Some(json!([{"url": "https://h.example/v1"}])));
        assert_eq!(
            servers(&json!({"basePath": "/api"})),
            Some(json!([{"url": "/api"}]))
        );
        assert_eq!(servers(&json!({"basePath": "/"})), None);
    }

    #[test]
    fn collection_formats_are_styles() {
        let p = param(
            &json!({"name": "t", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}),
        );
        assert_eq!(p["style"], "form");
        assert_eq!(p["explode"], true);
        assert_eq!(p["schema"]["items"]["type"], "string");
        assert!(p.get("collectionFormat").is_none());
        let p = param(
            &json!({"name": "t", "in": "path", "type": "array", "items": {"type": "string"}}),
        );
        assert_eq!(
            (p["style"].as_str(), p["required"].as_bool()),
            (Some("simple"), Some(true))
        );
    }

    #[test]
    fn security_definitions_are_schemes() {
        assert_eq!(
            security_scheme(&json!({"type": "basic"})),
            json!({"type": "http", "scheme": "basic"})
        );
        let o = security_scheme(
            &json!({"type": "oauth2", "flow": "accessCode", "authorizationUrl": "a", "tokenUrl": "t", "scopes": {"r": "read"}}),
        );
        assert_eq!(o["flows"]["authorizationCode"]["tokenUrl"], "t");
        let k = security_scheme(&json!({"type": "apiKey", "name": "X-Key", "in": "header"}));
        assert_eq!(
            k,
            json!({"type": "apiKey", "name": "X-Key", "in": "header"})
        );
    }
}
