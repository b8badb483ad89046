//! Building an [`ApiSpec`] from an OpenAPI 3.1 document: resolving `$ref`s of parameters,
//! responses, headers and bodies, and compiling every schema once against a registry that holds
//! the whole document, so schema `$ref`s resolve wherever they point inside it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use jsonschema::{Draft, Registry as SchemaRegistry};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::model::{
    ApiSpec, HeaderSpec, Location, Media, Operation, Param, RequestBody, Response, Schema,
};
use crate::source::Diagnostic;
use crate::source::Pos;

/// Characters a URI fragment cannot hold as they are (path templates bring `{` and `}`).
pub(super) const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'%')
    .add(b'[')
    .add(b']')
    .add(b'#');

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Loads and compiles the spec of `api` from `path`.
pub fn load_api(api: &str, path: &Path) -> Result<ApiSpec, Diagnostic> {
    let source = crate::source::read_text(path)?;
    let doc: Value = serde_saphyr::from_str_with_options(&source, crate::source::yaml::options())
        .map_err(|e| crate::source::yaml::diagnostic(path, &source, &e))?;
    if let Some(p) = super::lint::ref_cycle(path, &source, &doc) {
        return Err(
            Diagnostic::new(path, p.pos, format!("at #{}: {}", p.pointer, p.message)).help(p.help),
        );
    }
    Builder::new(api, path, doc)?.build()
}

struct Builder<'p> {
    api: String,
    path: &'p Path,
    file: Arc<str>,
    base_uri: String,
    doc: Value,
    registry: SchemaRegistry<'static>,
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl<'p> Builder<'p> {
    fn new(api: &str, path: &'p Path, doc: Value) -> Result<Self, Diagnostic> {
        let err = |m: String| Diagnostic::new(path, Pos::UNKNOWN, m);
        match doc.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.1.") => {}
            Some(v) => {
                return Err(err(format!(
                    "`openapi: {v}` is not supported; conform reads OpenAPI 3.1.x documents"
                ))
                .help("write `openapi: 3.1.0` and use JSON Schema 2020-12 in schemas"));
            }
            None => {
                return Err(err("the document has no `openapi` version key".into())
                    .help("start the file with `openapi: 3.1.0`"));
            }
        }
        // The URI only names the document inside the schema registry; it is never fetched.
        let base_uri = format!("https://conform.invalid/specs/{api}/openapi.yaml");
        let registry = SchemaRegistry::new()
            .draft(Draft::Draft202012)
            .add(&base_uri, Draft::Draft202012.create_resource(doc.clone()))
            .and_then(|b| b.prepare())
            .map_err(|e| {
                err(format!(
                    "the document cannot be used as a schema resource: {e}"
                ))
            })?;
        Ok(Builder {
            api: api.to_owned(),
            path,
            file: Arc::from(path.display().to_string()),
            base_uri,
            doc,
            registry,
        })
    }

    fn error(&self, pointer: &str, message: impl std::fmt::Display) -> Diagnostic {
        Diagnostic::new(self.path, Pos::UNKNOWN, format!("at #{pointer}: {message}"))
    }

    fn at(&self, pointer: &str) -> Location {
        Location {
            file: self.file.clone(),
            pointer: pointer.to_owned(),
        }
    }

    /// Follows a local `$ref` chain to the object it names; returns it with its own pointer.
    fn resolve<'a>(
        &'a self,
        value: &'a Value,
        pointer: &str,
    ) -> Result<(&'a Value, String), Diagnostic> {
        let mut cur = value;
        let mut ptr = pointer.to_owned();
        for _ in 0..32 {
            let Some(reference) = cur.get("$ref").and_then(Value::as_str) else {
                return Ok((cur, ptr));
            };
            let target = reference.strip_prefix('#').ok_or_else(|| {
                self.error(
                    &ptr,
                    format!(
                        "`$ref: {reference}` is not local; conform resolves `#/...` references only"
                    ),
                )
            })?;
            cur = self.doc.pointer(target).ok_or_else(|| {
                self.error(
                    &ptr,
                    format!("`$ref: {reference}` points at nothing (dangling reference)"),
                )
            })?;
            ptr = target.to_owned();
        }
        Err(self.error(pointer, "`$ref` chain is longer than 32 links (a cycle?)"))
    }

    fn compile(&self, pointer: &str) -> Result<Schema, Diagnostic> {
        let raw = self.doc.pointer(pointer).cloned().unwrap_or(Value::Null);
        let fragment = utf8_percent_encode(pointer, FRAGMENT);
        let wrapper = json!({ "$ref": format!("{}#{fragment}", self.base_uri) });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .with_registry(&self.registry)
            .build(&wrapper)
            .map_err(|e| self.error(pointer, format!("invalid schema: {e}")))?;
        let raw = match self.resolve(&raw, pointer) {
            Ok((v, _)) => v.clone(),
            Err(_) => raw,
        };
        Ok(Schema {
            validator,
            at: self.at(pointer),
            raw,
        })
    }

    fn build(self) -> Result<ApiSpec, Diagnostic> {
        let mut operations = Vec::new();
        let empty = Map::new();
        let paths = self
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (template, item) in paths {
            let item_ptr = format!("/paths/{}", escape(template));
            let (item, item_ptr) = self.resolve(item, &item_ptr)?;
            let shared = self.params(item.get("parameters"), &format!("{item_ptr}/parameters"))?;
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let op_ptr = format!("{item_ptr}/{method}");
                let params = op_params_again(&self, op, &op_ptr, &shared)?;
                let base = self.operation(op, &op_ptr, method, template, params)?;
                if let Some(variants) = op.get("x-conform-variants") {
                    let list = variants.as_array().ok_or_else(|| {
                        self.error(
                            &format!("{op_ptr}/x-conform-variants"),
                            "must be a list of operations",
                        )
                    })?;
                    for (i, v) in list.iter().enumerate() {
                        let v_ptr = format!("{op_ptr}/x-conform-variants/{i}");
                        let params = op_params_again(&self, op, &op_ptr, &shared)?;
                        // A variant inherits what it does not say from its base operation.
                        let (r_src, r_ptr) = if v.get("responses").is_some() {
                            (v, v_ptr.as_str())
                        } else {
                            (op, op_ptr.as_str())
                        };
                        let (b_src, b_ptr) = if v.get("requestBody").is_some() {
                            (v, v_ptr.as_str())
                        } else {
                            (op, op_ptr.as_str())
                        };
                        let variant = Operation {
                            id: self.operation_id(v, &v_ptr)?.to_owned(),
                            method: method.to_ascii_uppercase(),
                            path: template.to_owned(),
                            params,
                            request_body: self.request_body(b_src, b_ptr)?,
                            responses: self.responses(r_src, r_ptr)?,
                            security: base.security.clone(),
                            at: self.at(&v_ptr),
                        };
                        operations.push(variant);
                    }
                }
                operations.push(base);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for op in &operations {
            if !seen.insert(op.id.clone()) {
                return Err(self.error(
                    &op.at.pointer,
                    format!("operationId `{}` is used twice", op.id),
                ));
            }
        }
        Ok(ApiSpec {
            name: self.api.clone(),
            path: self.path.to_owned(),
            operations,
            servers: servers(&self.doc),
            security_schemes: self.security_schemes()?,
        })
    }

    /// `components.securitySchemes`, each `$ref` followed.
    fn security_schemes(&self) -> Result<BTreeMap<String, Value>, Diagnostic> {
        let mut out = BTreeMap::new();
        let Some(schemes) = self
            .doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
        else {
            return Ok(out);
        };
        for (name, scheme) in schemes {
            let ptr = format!("/components/securitySchemes/{}", escape(name));
            let (scheme, _) = self.resolve(scheme, &ptr)?;
            out.insert(name.clone(), scheme.clone());
        }
        Ok(out)
    }

    fn operation_id<'v>(&self, op: &'v Value, op_ptr: &str) -> Result<&'v str, Diagnostic> {
        op.get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                self.error(
                    op_ptr,
                    "operation has no `operationId`; scenarios call operations by it",
                )
            })
    }

    fn operation(
        &self,
        op: &Value,
        op_ptr: &str,
        method: &str,
        template: &str,
        params: Vec<Param>,
    ) -> Result<Operation, Diagnostic> {
        let id = self.operation_id(op, op_ptr)?;
        Ok(Operation {
            id: id.to_owned(),
            method: method.to_ascii_uppercase(),
            path: template.to_owned(),
            params,
            request_body: self.request_body(op, op_ptr)?,
            responses: self.responses(op, op_ptr)?,
            security: required_security(op.get("security").or(self.doc.get("security"))),
            at: self.at(op_ptr),
        })
    }

    fn params(&self, list: Option<&Value>, list_ptr: &str) -> Result<Vec<ParamAt>, Diagnostic> {
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let items = list
            .as_array()
            .ok_or_else(|| self.error(list_ptr, "`parameters` must be a list"))?;
        (0..items.len())
            .map(|i| self.param(&format!("{list_ptr}/{i}")))
            .collect()
    }

    fn param(&self, ptr: &str) -> Result<ParamAt, Diagnostic> {
        let raw = self.doc.pointer(ptr).unwrap_or(&Value::Null);
        let (p, p_ptr) = self.resolve(raw, ptr)?;
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.error(&p_ptr, "parameter has no `name`"))?;
        let location = p
            .get("in")
            .and_then(Value::as_str)
            .ok_or_else(|| self.error(&p_ptr, "parameter has no `in`"))?;
        if !["path", "query", "header", "cookie"].contains(&location) {
            return Err(self.error(
                &p_ptr,
                format!("`in: {location}` must be path, query, header or cookie"),
            ));
        }
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        if location == "path" && !required {
            return Err(self.error(
                &p_ptr,
                format!("path parameter `{name}` must have `required: true`"),
            ));
        }
        let schema = match p.get("schema") {
            Some(_) => Some(self.compile(&format!("{p_ptr}/schema"))?),
            None => None,
        };
        Ok(ParamAt {
            ptr: ptr.to_owned(),
            param: Param {
                name: name.to_owned(),
                location: location.to_owned(),
                required,
                schema,
            },
        })
    }

    fn content(&self, obj: &Value, obj_ptr: &str) -> Result<Vec<Media>, Diagnostic> {
        let Some(content) = obj.get("content") else {
            return Ok(Vec::new());
        };
        let map = content.as_object().ok_or_else(|| {
            self.error(
                &format!("{obj_ptr}/content"),
                "`content` must be a mapping of media types",
            )
        })?;
        let mut out = Vec::new();
        for (media_type, m) in map {
            let m_ptr = format!("{obj_ptr}/content/{}", escape(media_type));
            let schema = match m.get("schema") {
                Some(_) => Some(self.compile(&format!("{m_ptr}/schema"))?),
                None => None,
            };
            let strict = match m.get("x-conform-strict").and_then(|s| s.get("schema")) {
                Some(_) => Some(self.compile(&format!("{m_ptr}/x-conform-strict/schema"))?),
                None => None,
            };
            out.push(Media {
                media_type: media_type.clone(),
                schema,
                strict,
            });
        }
        Ok(out)
    }

    fn request_body(&self, op: &Value, op_ptr: &str) -> Result<Option<RequestBody>, Diagnostic> {
        let Some(rb) = op.get("requestBody") else {
            return Ok(None);
        };
        let (rb, rb_ptr) = self.resolve(rb, &format!("{op_ptr}/requestBody"))?;
        Ok(Some(RequestBody {
            required: rb.get("required").and_then(Value::as_bool).unwrap_or(false),
            content: self.content(rb, &rb_ptr)?,
        }))
    }

    fn responses(&self, op: &Value, op_ptr: &str) -> Result<Vec<Response>, Diagnostic> {
        let r_ptr = format!("{op_ptr}/responses");
        let map = op
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(|| self.error(op_ptr, "operation has no `responses`"))?;
        let mut out = Vec::new();
        for (key, resp) in map {
            let valid_key = key == "default"
                || (key.len() == 3 && key.chars().all(|c| c.is_ascii_digit()))
                || (key.len() == 3
                    && key.as_bytes()[0].is_ascii_digit()
                    && key[1..].eq_ignore_ascii_case("XX"));
            if !valid_key {
                return Err(self.error(
                    &format!("{r_ptr}/{}", escape(key)),
                    format!("`{key}` is not a status code, a range like `4XX`, or `default`"),
                ));
            }
            let (resp, resp_ptr) = self.resolve(resp, &format!("{r_ptr}/{}", escape(key)))?;
            let mut headers = Vec::new();
            if let Some(hmap) = resp.get("headers").and_then(Value::as_object) {
                for (name, h) in hmap {
                    let (h, h_ptr) =
                        self.resolve(h, &format!("{resp_ptr}/headers/{}", escape(name)))?;
                    headers.push(HeaderSpec {
                        name: name.clone(),
                        required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema: match h.get("schema") {
                            Some(_) => Some(self.compile(&format!("{h_ptr}/schema"))?),
                            None => None,
                        },
                    });
                }
            }
            out.push(Response {
                key: key.clone(),
                headers,
                content: self.content(resp, &resp_ptr)?,
                at: self.at(&resp_ptr),
            });
        }
        Ok(out)
    }
}

struct ParamAt {
    ptr: String,
    param: Param,
}

/// An operation's own parameters plus the path item's shared ones it does not override.
/// Variants get their own copy: validators are not `Clone`, so they are compiled again.
/// The `servers` URLs with each `{variable}` replaced by its `default`.
fn servers(doc: &Value) -> Vec<String> {
    let Some(list) = doc.get("servers").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|server| {
            let mut url = server.get("url")?.as_str()?.to_owned();
            if let Some(vars) = server.get("variables").and_then(Value::as_object) {
                for (name, var) in vars {
                    if let Some(default) = var.get("default").and_then(Value::as_str) {
                        url = url.replace(&format!("{{{name}}}"), default);
                    }
                }
            }
            Some(url)
        })
        .collect()
}

/// The scheme names a request must carry under a `security` requirement list: none when the
/// list is empty or allows `{}` (anonymous), else those of its first alternative.
fn required_security(list: Option<&Value>) -> Vec<String> {
    let Some(alternatives) = list.and_then(Value::as_array) else {
        return Vec::new();
    };
    let anonymous = alternatives
        .iter()
        .any(|a| a.as_object().is_some_and(Map::is_empty));
    if anonymous {
        return Vec::new();
    }
    alternatives
        .first()
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn op_params_again(
    b: &Builder<'_>,
    op: &Value,
    op_ptr: &str,
    shared: &[ParamAt],
) -> Result<Vec<Param>, Diagnostic> {
    let mut params = b.params(op.get("parameters"), &format!("{op_ptr}/parameters"))?;
    for p in shared {
        if !params
            .iter()
            .any(|q| q.param.name == p.param.name && q.param.location == p.param.location)
        {
            params.push(b.param(&p.ptr)?);
        }
    }
    Ok(params.into_iter().map(|p| p.param).collect())
}
