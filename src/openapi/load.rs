//! Building an [`ApiSpec`] from an OpenAPI 3.2, 3.1 or 3.0 document, in one file or split across
//! several ([`FileSet`]): resolving `$ref`s of parameters, responses, headers and bodies
//! (across files too), and compiling each schema once against a registry that holds every file
//! as its own resource, so schema `$ref`s resolve wherever they point and every keyword keeps
//! the file and pointer where it is written. A 3.0 document is first converted in place
//! ([`super::oas30`]), a Swagger 2.0 one first to 3.0 ([`super::swagger2`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use jsonschema::{Draft, Registry as SchemaRegistry};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::fileset::{FileSet, Target};
use super::model::{
    ApiSpec, HeaderSpec, Location, Media, Operation, Origins, Param, ParamIn, Produces,
    RequestBody, Response, Schema, Skipped,
};
use crate::source::Diagnostic;
use crate::source::Pos;

/// Characters a URI fragment cannot hold as they are (path templates bring `{` and `}`).
pub(crate) const FRAGMENT: &AsciiSet = &CONTROLS
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

/// The help of a cyclic `$ref`, in the words `specs check` uses.
pub(crate) const CYCLE_HELP: &str = "make one of them the object itself instead of another `$ref`";

/// Loads and compiles the spec of `api` from `path` (the root file; the files its `$ref`s name
/// are read from beside it).
pub fn load_api(api: &str, path: &Path) -> Result<ApiSpec, Diagnostic> {
    load_spec(api, path, None)
}

/// [`load_api`], with the root document's text already in hand when `fetched` holds it (a
/// spec named by URL: `path` is the URL, and every problem is placed there).
pub fn load_spec(api: &str, path: &Path, fetched: Option<&str>) -> Result<ApiSpec, Diagnostic> {
    let mut files = FileSet::root_of(path, fetched)?;
    let version = check_version(&files)?;
    files.follow_refs()?;
    if let Some((file, pointer, reference, chain)) = files.first_cycle() {
        let message = format!(
            "`$ref: {reference}` never reaches an object: the references form a cycle ({})",
            chain.join(" -> ")
        );
        return Err(files.error(file, &pointer, message).help(CYCLE_HELP));
    }
    let skipped = match version {
        Version::Swagger20 => {
            let unread = super::swagger2::apply(&mut files);
            skipped(&files, &unread)
        }
        _ => Vec::new(),
    };
    let values = converted(&files, matches!(version, Version::V30 | Version::Swagger20));
    for (f, value) in files.files.iter_mut().zip(values) {
        f.value = value;
    }
    let mut spec = Builder::new(api, files)?.build()?;
    spec.skipped = skipped;
    Ok(spec)
}

/// The operations a 2.0 document's unreadable parts leave out, each with its first reason.
fn skipped(files: &FileSet, unread: &[super::swagger2::Unread]) -> Vec<Skipped> {
    let mut out: Vec<Skipped> = Vec::new();
    for u in unread {
        let Some((method, path)) = &u.skipped else {
            continue;
        };
        if out.iter().any(|s| &s.method == method && &s.path == path) {
            continue;
        }
        out.push(Skipped {
            method: method.clone(),
            path: path.clone(),
            at: Location {
                file: Arc::from(files.files[u.file].path.display().to_string()),
                pointer: u.pointer.clone(),
            },
            pos: files.position(u.file, &u.pointer),
            reason: u.message.clone(),
        });
    }
    out
}

/// Each file's value as conform compiles it: a 3.0 document's converted ([`super::oas30`]),
/// a 3.1 one's repaired. A file that a schema refers to as a whole is converted as a schema.
pub(crate) fn converted(files: &FileSet, is_30: bool) -> Vec<Value> {
    let mut whole_schema = vec![false; files.files.len()];
    for (i, f) in files.files.iter().enumerate() {
        for (at, reference) in super::fileset::refs_of(&f.value) {
            if super::lint::context_of(&at) == Some(super::lint::Context::Schema)
                && let Some(t) = files.target(i, &reference)
                && t.pointer.is_empty()
            {
                whole_schema[t.file] = true;
            }
        }
    }
    files
        .files
        .iter()
        .zip(whole_schema)
        .map(|(f, schema)| {
            let mut v = f.value.clone();
            if is_30 {
                super::oas30::convert(&mut v, schema);
            } else {
                super::oas30::repair_31(&mut v);
            }
            v
        })
        .collect()
}

/// The versions of the OpenAPI Specification conform reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// `swagger: "2.0"`, converted on load ([`super::swagger2`]).
    Swagger20,
    /// `openapi: 3.0.x`, converted on load ([`super::oas30`]).
    V30,
    /// `openapi: 3.1.x`.
    V31,
    /// `openapi: 3.2.x`: 3.1's JSON Schema 2020-12, plus the `QUERY` method,
    /// `additionalOperations`, `in: querystring` and `itemSchema`.
    V32,
}

/// The document's version; anything conform does not read is refused with the fix.
pub(crate) fn check_version(files: &FileSet) -> Result<Version, Diagnostic> {
    let (path, doc) = (&files.files[0].path, &files.files[0].value);
    // At the key when the file has it, else at the top of the file: always a line to go to.
    let at = |key: &str| match files.position(0, &format!("/{key}")) {
        p if p.is_known() => p,
        _ => Pos::new(1, 1),
    };
    let err = |key: &str, m: String| {
        Diagnostic::new(path, at(key), m).with_source(&files.files[0].source)
    };
    if let Some(v) = doc.get("swagger") {
        return match v.as_str() {
            Some("2.0") => Ok(Version::Swagger20),
            _ => Err(err(
                "swagger",
                format!("`swagger: {v}` is not a version conform reads (Swagger 2.0, OpenAPI 3.0, 3.1 and 3.2)"),
            )
            .help(SWAGGER_HELP)),
        };
    }
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.2.") => Ok(Version::V32),
        Some(v) if v.starts_with("3.1.") => Ok(Version::V31),
        Some(v) if v.starts_with("3.0.") => Ok(Version::V30),
        Some(v) => Err(err(
            "openapi",
            format!(
                "`openapi: {v}` is not supported; conform reads OpenAPI 3.0.x, 3.1.x and 3.2.x documents"
            ),
        )
        .help("write `openapi: 3.1.0` and use JSON Schema 2020-12 in schemas")),
        None => Err(err("", "the document has no `openapi` version key".into())
            .help("start the file with `openapi: 3.1.0`")),
    }
}

/// How to write the version of a Swagger document conform reads.
pub(crate) const SWAGGER_HELP: &str =
    "write `swagger: \"2.0\"` (a string), the only Swagger version there is";

/// A place in one of the spec's files.
type At = Target;

fn at(file: usize, pointer: impl Into<String>) -> At {
    Target {
        file,
        pointer: pointer.into(),
    }
}

fn child(a: &At, suffix: &str) -> At {
    at(a.file, format!("{}{suffix}", a.pointer))
}

struct Builder {
    api: String,
    files: FileSet,
    origins: Arc<Origins>,
    registry: Arc<SchemaRegistry<'static>>,
    /// Each schema compiled once, by where it is written (a `$ref`-only site by its target).
    compiled: RefCell<HashMap<At, Arc<Schema>>>,
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Builder {
    fn new(api: &str, files: FileSet) -> Result<Self, Diagnostic> {
        let root = &files.files[0];
        let err = |m: String| Diagnostic::new(&root.path, Pos::UNKNOWN, m);
        // The URIs only name the files inside the schema registry; they are never fetched.
        let resources = files.files.iter().map(|f| {
            (
                f.uri.clone(),
                Draft::Draft202012.create_resource(f.value.clone()),
            )
        });
        let registry = SchemaRegistry::new()
            .draft(Draft::Draft202012)
            .extend(resources)
            .and_then(|b| b.prepare())
            .map_err(|e| {
                err(format!(
                    "the document cannot be used as a schema resource: {e}"
                ))
            })?;
        let origins = Origins::new(
            files
                .files
                .iter()
                .map(|f| (f.uri.clone(), Arc::from(f.path.display().to_string())))
                .collect(),
        )
        .with_maps(files.files.iter().map(|f| f.map.clone()).collect());
        Ok(Builder {
            api: api.to_owned(),
            files,
            origins: Arc::new(origins),
            registry: Arc::new(registry),
            compiled: RefCell::new(HashMap::new()),
        })
    }

    fn root(&self) -> &Value {
        &self.files.files[0].value
    }

    fn error(&self, a: &At, message: impl std::fmt::Display) -> Diagnostic {
        self.files.error(a.file, &a.pointer, message.to_string())
    }

    fn at(&self, a: &At) -> Location {
        Location {
            file: self.origins.display(a.file),
            pointer: self.files.files[a.file].map.original(&a.pointer),
        }
    }

    /// Follows a `$ref` chain (local or to another file) to the object it names; returns it
    /// with its own place.
    fn resolve<'a>(&'a self, value: &'a Value, place: &At) -> Result<(&'a Value, At), Diagnostic> {
        let mut cur = value;
        let mut here = place.clone();
        for _ in 0..32 {
            let Some(reference) = cur.get("$ref").and_then(Value::as_str) else {
                return Ok((cur, here));
            };
            let dangling = || {
                self.error(
                    &child(&here, "/$ref"),
                    format!("`$ref: {reference}` points at nothing (dangling reference)"),
                )
            };
            let target = self
                .files
                .target(here.file, reference)
                .ok_or_else(dangling)?;
            cur = self.files.get(&target).ok_or_else(dangling)?;
            here = target;
        }
        Err(self.error(place, "`$ref` chain is longer than 32 links (a cycle?)"))
    }

    fn compile(&self, site: &At) -> Result<Arc<Schema>, Diagnostic> {
        // Infallible today (compiling is deferred to first use); kept a Result for the callers.
        let raw = self.files.get(site).unwrap_or(&Value::Null);
        // A site that only refers elsewhere shares the validator of what it names.
        let (resolved, key) = match raw.as_object() {
            Some(o) if o.len() == 1 && o.contains_key("$ref") => self
                .resolve(raw, site)
                .unwrap_or_else(|_| (raw, site.clone())),
            _ => (raw, site.clone()),
        };
        if let Some(s) = self.compiled.borrow().get(&key) {
            return Ok(s.clone());
        }
        let fragment = utf8_percent_encode(&key.pointer, FRAGMENT);
        let uri = &self.files.files[key.file].uri;
        let wrapper = json!({ "$ref": format!("{uri}#{fragment}") });
        let schema = Arc::new(Schema {
            validator: std::sync::OnceLock::new(),
            wrapper,
            registry: self.registry.clone(),
            at: self.at(&key),
            raw: resolved.clone(),
            origins: self.origins.clone(),
        });
        self.compiled.borrow_mut().insert(key, schema.clone());
        Ok(schema)
    }

    fn build(self) -> Result<ApiSpec, Diagnostic> {
        let mut operations = Vec::new();
        let empty = Map::new();
        let paths = self
            .root()
            .get("paths")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (template, item) in paths {
            let item_at = at(0, format!("/paths/{}", escape(template)));
            let (item, item_at) = self.resolve(item, &item_at)?;
            let shared = self.params(item.get("parameters"), &child(&item_at, "/parameters"))?;
            let listed = super::methods::operations_of(item).map_err(|bad| {
                self.error(&child(&item_at, &bad.suffix), bad.message)
                    .help(bad.help)
            })?;
            for super::methods::ItemOperation { method, suffix, op } in listed {
                let method = method.as_str();
                let op_at = child(&item_at, &suffix);
                let params = op_params(&self, op, &op_at, &shared)?;
                self.one_query_kind(item, &item_at, op, &op_at, &params)?;
                let base = self.operation(op, &op_at, method, template, params)?;
                operations.extend(self.variants(op, &op_at, &base)?);
                operations.push(base);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for op in &operations {
            if !seen.insert(op.id.clone()) {
                return Err(Diagnostic::new(
                    Path::new(op.at.file.as_ref()),
                    self.files.position(0, &op.at.pointer),
                    format!(
                        "at #{}: operationId `{}` is used twice",
                        op.at.pointer, op.id
                    ),
                ));
            }
        }
        Ok(ApiSpec {
            name: self.api.clone(),
            path: self.files.files[0].path.clone(),
            operations,
            servers: servers(self.root()),
            security_schemes: self.security_schemes()?,
            skipped: Vec::new(),
        })
    }

    /// The operations of `op`'s `x-conform-variants`, each inheriting from `base` what it
    /// does not say.
    fn variants(
        &self,
        op: &Value,
        op_at: &At,
        base: &Operation,
    ) -> Result<Vec<Operation>, Diagnostic> {
        let Some(variants) = op.get("x-conform-variants") else {
            return Ok(Vec::new());
        };
        let list = variants.as_array().ok_or_else(|| {
            self.error(
                &child(op_at, "/x-conform-variants"),
                "must be a list of operations",
            )
        })?;
        let mut out = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let v_at = child(op_at, &format!("/x-conform-variants/{i}"));
            let (r_src, r_at) = if v.get("responses").is_some() {
                (v, &v_at)
            } else {
                (op, op_at)
            };
            let (b_src, b_at) = if v.get("requestBody").is_some() {
                (v, &v_at)
            } else {
                (op, op_at)
            };
            out.push(Operation {
                id: operation_id(v, &base.method, &base.path),
                method: base.method.clone(),
                path: base.path.clone(),
                params: base.params.clone(),
                request_body: self.request_body(b_src, b_at)?,
                responses: self.responses(r_src, r_at)?,
                security: base.security.clone(),
                requirements: base.requirements.clone(),
                produces: base.produces.clone(),
                accept: Default::default(),
                tags: base.tags.clone(),
                at: self.at(&v_at),
            });
        }
        Ok(out)
    }

    /// `components.securitySchemes`, each `$ref` followed.
    fn security_schemes(&self) -> Result<BTreeMap<String, Value>, Diagnostic> {
        let mut out = BTreeMap::new();
        let Some(schemes) = self
            .root()
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
        else {
            return Ok(out);
        };
        for (name, scheme) in schemes {
            let place = at(0, format!("/components/securitySchemes/{}", escape(name)));
            let (scheme, _) = self.resolve(scheme, &place)?;
            out.insert(name.clone(), scheme.clone());
        }
        Ok(out)
    }

    fn operation(
        &self,
        op: &Value,
        op_at: &At,
        method: &str,
        template: &str,
        params: Vec<Arc<Param>>,
    ) -> Result<Operation, Diagnostic> {
        Ok(Operation {
            id: operation_id(op, method, template),
            method: method.to_owned(),
            path: template.to_owned(),
            params,
            request_body: self.request_body(op, op_at)?,
            responses: self.responses(op, op_at)?,
            security: required_security(op.get("security").or(self.root().get("security"))),
            requirements: requirements(op.get("security").or(self.root().get("security"))),
            produces: produces(op, &self.at(op_at)),
            accept: Default::default(),
            tags: op
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            at: self.at(op_at),
        })
    }

    fn params(&self, list: Option<&Value>, list_at: &At) -> Result<Vec<Arc<Param>>, Diagnostic> {
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let items = list
            .as_array()
            .ok_or_else(|| self.error(list_at, "`parameters` must be a list"))?;
        (0..items.len())
            .map(|i| self.param(&child(list_at, &format!("/{i}"))))
            .collect()
    }

    fn param(&self, place: &At) -> Result<Arc<Param>, Diagnostic> {
        let raw = self.files.get(place).unwrap_or(&Value::Null);
        let (p, p_at) = self.resolve(raw, place)?;
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.error(&p_at, "parameter has no `name`"))?;
        let written = p
            .get("in")
            .and_then(Value::as_str)
            .ok_or_else(|| self.error(&p_at, "parameter has no `in`"))?;
        let Some(location) = ParamIn::parse(written) else {
            return Err(self.error(
                &p_at,
                format!("`in: {written}` must be path, query, querystring, header or cookie"),
            ));
        };
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        if location == ParamIn::Path && !required {
            return Err(self.error(
                &p_at,
                format!("path parameter `{name}` must have `required: true`"),
            ));
        }
        let schema = match (p.get("schema"), location) {
            (Some(_), _) => Some(self.compile(&child(&p_at, "/schema"))?),
            (None, ParamIn::Querystring) => self.querystring_schema(p, &p_at)?,
            (None, _) => None,
        };
        Ok(Arc::new(Param {
            name: name.to_owned(),
            location,
            required,
            schema,
            lenient: p.get("x-conform-lenient").is_some(),
        }))
    }

    /// The schema of a `querystring` parameter: that of its one `content` media type.
    fn querystring_schema(&self, p: &Value, p_at: &At) -> Result<Option<Arc<Schema>>, Diagnostic> {
        let media = p.get("content").and_then(Value::as_object);
        let Some((media_type, m)) = media.filter(|m| m.len() == 1).and_then(|m| m.iter().next())
        else {
            return Err(self.error(
                p_at,
                "an `in: querystring` parameter is described by `content` with exactly one media type",
            )
            .help("write `content: { application/x-www-form-urlencoded: { schema: ... } }`"));
        };
        let m_at = child(p_at, &format!("/content/{}", escape(media_type)));
        match m.get("schema") {
            Some(_) => Ok(Some(self.compile(&child(&m_at, "/schema"))?)),
            None => Ok(None),
        }
    }

    /// OpenAPI 3.2 forbids `in: querystring` beside `in: query` parameters on one operation:
    /// the one describes the whole query string the others would share.
    fn one_query_kind(
        &self,
        item: &Value,
        item_at: &At,
        op: &Value,
        op_at: &At,
        params: &[Arc<Param>],
    ) -> Result<(), Diagnostic> {
        let has = |l: ParamIn| params.iter().any(|p| p.location == l);
        if !(has(ParamIn::Querystring) && has(ParamIn::Query)) {
            return Ok(());
        }
        // Placed at the querystring parameter, the operation's own or the path item's.
        let place = [(op, op_at), (item, item_at)]
            .into_iter()
            .find_map(|(holder, holder_at)| {
                let list = holder.get("parameters")?.as_array()?;
                (0..list.len()).find_map(|i| {
                    let p_at = child(holder_at, &format!("/parameters/{i}"));
                    let (p, p_at) = self.resolve(&list[i], &p_at).ok()?;
                    (p.get("in").and_then(Value::as_str) == Some("querystring")).then_some(p_at)
                })
            })
            .unwrap_or_else(|| op_at.clone());
        Err(self
            .error(
                &place,
                "an operation has either an `in: querystring` parameter or `in: query` ones, not both (OpenAPI 3.2)",
            )
            .help("describe the query parameters as properties of the querystring parameter's schema, or drop the querystring parameter"))
    }

    fn content(&self, obj: &Value, obj_at: &At) -> Result<Vec<Media>, Diagnostic> {
        let Some(content) = obj.get("content") else {
            return Ok(Vec::new());
        };
        let map = content.as_object().ok_or_else(|| {
            self.error(
                &child(obj_at, "/content"),
                "`content` must be a mapping of media types",
            )
        })?;
        let mut out = Vec::new();
        for (media_type, m) in map {
            let m_at = child(obj_at, &format!("/content/{}", escape(media_type)));
            // 3.2 lets a media type be a `$ref` (to `components/mediaTypes`).
            let (m, m_at) = self.resolve(m, &m_at)?;
            let schema = match m.get("schema") {
                Some(_) => Some(self.compile(&child(&m_at, "/schema"))?),
                None => None,
            };
            let strict = match m.get("x-conform-strict").and_then(|s| s.get("schema")) {
                Some(_) => Some(self.compile(&child(&m_at, "/x-conform-strict/schema"))?),
                None => None,
            };
            // `itemSchema` is read whatever the 3.x version: a 3.0/3.1 reader ignores a key it
            // does not know, so a document that has one meant it (3.2 wording, older header).
            let item_schema = match m.get("itemSchema") {
                Some(_) => Some(self.compile(&child(&m_at, "/itemSchema"))?),
                None => None,
            };
            let item_data_schema = match m.get("itemSchema") {
                Some(item) => self.data_content_schema(item, &child(&m_at, "/itemSchema"))?,
                None => None,
            };
            out.push(Media {
                media_type: media_type.clone(),
                schema,
                strict,
                item_schema,
                item_data_schema,
            });
        }
        Ok(out)
    }

    /// The `contentSchema` of an event item schema's `data`, when its `contentMediaType` is
    /// JSON (JSON Schema leaves `contentSchema` an annotation: the check applies it itself).
    fn data_content_schema(
        &self,
        item: &Value,
        at: &At,
    ) -> Result<Option<Arc<Schema>>, Diagnostic> {
        let (item, item_at) = self.resolve(item, at)?;
        let Some(data) = item.get("properties").and_then(|p| p.get("data")) else {
            return Ok(None);
        };
        let (data, data_at) = self.resolve(data, &child(&item_at, "/properties/data"))?;
        let json = data
            .get("contentMediaType")
            .and_then(Value::as_str)
            .is_some_and(super::model::is_json);
        if !json || data.get("contentSchema").is_none() {
            return Ok(None);
        }
        Ok(Some(self.compile(&child(&data_at, "/contentSchema"))?))
    }

    fn request_body(&self, op: &Value, op_at: &At) -> Result<Option<RequestBody>, Diagnostic> {
        let Some(rb) = op.get("requestBody") else {
            return Ok(None);
        };
        let (rb, rb_at) = self.resolve(rb, &child(op_at, "/requestBody"))?;
        Ok(Some(RequestBody {
            required: rb.get("required").and_then(Value::as_bool).unwrap_or(false),
            content: self.content(rb, &rb_at)?,
        }))
    }

    fn responses(&self, op: &Value, op_at: &At) -> Result<Vec<Response>, Diagnostic> {
        let r_at = child(op_at, "/responses");
        // 3.1 lets an operation leave `responses` out: then no status is documented.
        let Some(responses) = op.get("responses") else {
            return Ok(Vec::new());
        };
        let map = responses
            .as_object()
            .ok_or_else(|| self.error(&r_at, "`responses` must be a mapping of statuses"))?;
        let mut out = Vec::new();
        for (key, resp) in map {
            let key_at = child(&r_at, &format!("/{}", escape(key)));
            if !valid_status_key(key) {
                return Err(self.error(
                    &key_at,
                    format!("`{key}` is not a status code, a range like `4XX`, or `default`"),
                ));
            }
            let (resp, resp_at) = self.resolve(resp, &key_at)?;
            let mut headers = Vec::new();
            if let Some(hmap) = resp.get("headers").and_then(Value::as_object) {
                for (name, h) in hmap {
                    let h_at = child(&resp_at, &format!("/headers/{}", escape(name)));
                    let (h, h_at) = self.resolve(h, &h_at)?;
                    headers.push(HeaderSpec {
                        name: name.clone(),
                        required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema: match h.get("schema") {
                            Some(_) => Some(self.compile(&child(&h_at, "/schema"))?),
                            None => None,
                        },
                    });
                }
            }
            out.push(Response {
                key: key.clone(),
                headers,
                content: self.content(resp, &resp_at)?,
                no_body: resp.get("x-conform-no-body").and_then(Value::as_bool) == Some(true),
                at: self.at(&resp_at),
            });
        }
        Ok(out)
    }
}

fn valid_status_key(key: &str) -> bool {
    key == "default"
        || (key.len() == 3 && key.chars().all(|c| c.is_ascii_digit()))
        || (key.len() == 3
            && key.as_bytes()[0].is_ascii_digit()
            && key[1..].eq_ignore_ascii_case("XX"))
}

/// The `operationId`, or `METHOD /path` for an operation without one (a team's spec often
/// leaves some out; `specs check` still reports it).
fn operation_id(op: &Value, method: &str, template: &str) -> String {
    op.get("operationId")
        .and_then(Value::as_str)
        .map_or_else(|| format!("{method} {template}"), str::to_owned)
}

/// An operation's own parameters plus the path item's shared ones it does not override; a
/// shared parameter is the same compiled one in every operation.
fn op_params(
    b: &Builder,
    op: &Value,
    op_at: &At,
    shared: &[Arc<Param>],
) -> Result<Vec<Arc<Param>>, Diagnostic> {
    let mut params = b.params(op.get("parameters"), &child(op_at, "/parameters"))?;
    for p in shared {
        if !params
            .iter()
            .any(|q| q.name == p.name && q.location == p.location)
        {
            params.push(p.clone());
        }
    }
    Ok(params)
}

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

/// A `security` list's alternatives, each scheme with its scopes (entries that are not
/// objects, or scopes that are not strings, are left out: the linter reports them).
fn requirements(list: Option<&Value>) -> Vec<BTreeMap<String, Vec<String>>> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|alt| {
            alt.iter()
                .map(|(name, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect();
                    (name.clone(), scopes)
                })
                .collect()
        })
        .collect()
}

/// What a Swagger 2.0 operation produces, as its conversion kept it (`x-conform-produces`:
/// the types, and where the 2.0 file writes them).
fn produces(op: &Value, op_at: &Location) -> Option<Produces> {
    let p = op.get("x-conform-produces")?;
    let types: Vec<String> = p
        .get("types")?
        .as_array()?
        .iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    let pointer = p.get("at").and_then(Value::as_str).unwrap_or_default();
    Some(Produces {
        types,
        at: Location {
            file: op_at.file.clone(),
            pointer: pointer.to_owned(),
        },
    })
}
