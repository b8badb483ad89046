//! The compiled form of one API's spec: [`ApiSpec`] and its [`Operation`]s.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

/// One API: its file and operations, each with compiled validators.
#[derive(Debug)]
pub struct ApiSpec {
    /// The API's name as the config names it (the key its spec is loaded under).
    pub name: String,
    /// The root spec file; files its `$ref`s name are read from beside it.
    pub path: PathBuf,
    /// Every operation, `x-conform-variants` included, paths in document order.
    pub operations: Vec<Operation>,
    /// The document's `servers` URLs, each with its variables' defaults filled in, in order.
    pub servers: Vec<String>,
    /// `components.securitySchemes` as written (resolved `$ref`s), by scheme name: what an
    /// [`Operation::security`] name refers to.
    pub security_schemes: BTreeMap<String, Value>,
    /// The operations left out because a part of them cannot be read (a Swagger 2.0
    /// document's `type: int`, an undeclared path parameter), each with why.
    pub skipped: Vec<Skipped>,
}

/// An operation of the document that is not in [`ApiSpec::operations`], and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The HTTP method, upper-case.
    pub method: String,
    /// The path template.
    pub path: String,
    /// Where the reason is written.
    pub at: Location,
    /// The line and column of `at`.
    pub pos: crate::source::Pos,
    /// What cannot be read there.
    pub reason: String,
}

impl ApiSpec {
    /// The operation whose id (its `operationId`, else `METHOD /path`) is `id`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// The ids of all operations, in document order.
    pub fn operation_ids(&self) -> impl Iterator<Item = &str> {
        self.operations.iter().map(|o| o.id.as_str())
    }
}

/// Where something is in a spec file: the file and a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user names it (shown in messages).
    pub file: Arc<str>,
    /// A JSON Pointer into that file, as the file writes it (`/paths/~1todos/get`).
    pub pointer: String,
}

impl Location {
    /// The place `suffix` (a JSON Pointer's further tokens, `/headers/X`) under this one.
    pub fn join(&self, suffix: &str) -> Location {
        Location {
            file: self.file.clone(),
            pointer: format!("{}{suffix}", self.pointer),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)
    }
}

/// Why a schema does not compile, in the words of the JSON Schema library (its errors cannot
/// be cloned, and a compiled schema is shared, so the words are kept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(pub String);

/// A compiled schema with the place it was written.
pub struct Schema {
    /// Compiled on first use: a large spec loads in a moment, and only the schemas a run
    /// meets are compiled (each once: sites that `$ref` the same schema share this value).
    pub(crate) validator: std::sync::OnceLock<Result<jsonschema::Validator, SchemaError>>,
    /// `{"$ref": "<file uri>#<pointer>"}`, what is compiled against `registry`.
    pub(crate) wrapper: Value,
    pub(crate) registry: Arc<jsonschema::Registry<'static>>,
    /// Where the schema is written.
    pub at: Location,
    /// The schema as written (after `$ref` resolution of the outer reference), for type hints.
    pub raw: Value,
    /// The spec's files by registry URI, to name where a failed keyword is written.
    pub(crate) origins: Arc<Origins>,
}

impl Schema {
    /// The validator, compiled now if it was not yet; the error says why the schema cannot
    /// be used (`specs check` reports the same up front).
    pub fn validator(&self) -> Result<&jsonschema::Validator, &str> {
        self.validator
            .get_or_init(|| {
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .with_registry(&self.registry)
                    .build(&self.wrapper)
                    .map_err(|e| {
                        SchemaError(format!("the schema at {} does not compile: {e}", self.at))
                    })
            })
            .as_ref()
            .map_err(|e| e.0.as_str())
    }

    /// Where a keyword is written, from its absolute location in the schema registry
    /// (`file:///.../schemas.yaml#/Todo/properties/id/type`): the file as the user names it and
    /// the pointer as the file wrote it (3.0 conversion undone).
    pub fn keyword_location(&self, absolute: &str) -> Option<Location> {
        let (base, fragment) = absolute.split_once('#')?;
        let file = self
            .origins
            .by_uri(base)
            .unwrap_or_else(|| self.at.file.clone());
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        let pointer = super::oas30::original_pointer(&decoded);
        Some(Location {
            file,
            pointer: self.origins.original(base, &pointer),
        })
    }
}

/// The files of a spec: each one's registry URI and the path shown for it.
#[derive(Debug, Default)]
pub(crate) struct Origins {
    files: Vec<(String, Arc<str>)>,
    /// Each file's converted pointers back to its own (a Swagger 2.0 root's), by file.
    maps: Vec<super::swagger2::PointerMap>,
}

impl Origins {
    pub(crate) fn new(files: Vec<(String, Arc<str>)>) -> Self {
        Origins {
            files,
            maps: Vec::new(),
        }
    }

    /// The same, with each file's pointer map (in file order).
    pub(crate) fn with_maps(mut self, maps: Vec<super::swagger2::PointerMap>) -> Self {
        self.maps = maps;
        self
    }

    /// `pointer` of the file at registry URI `uri` as that file wrote it.
    fn original(&self, uri: &str, pointer: &str) -> String {
        self.files
            .iter()
            .position(|(u, _)| u == uri)
            .and_then(|i| self.maps.get(i))
            .map_or_else(|| pointer.to_owned(), |m| m.original(pointer))
    }

    /// The shown path of file `i` (files are numbered as [`super::fileset::FileSet`] reads them).
    pub(crate) fn display(&self, i: usize) -> Arc<str> {
        self.files
            .get(i)
            .map_or_else(|| Arc::from(""), |(_, d)| d.clone())
    }

    fn by_uri(&self, uri: &str) -> Option<Arc<str>> {
        self.files
            .iter()
            .find(|(u, _)| u == uri)
            .map(|(_, d)| d.clone())
    }
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schema({})", self.at)
    }
}

/// One operation of the spec: a method on a path template, with its parameters, request body,
/// responses and security requirement.
#[derive(Debug)]
pub struct Operation {
    /// The `operationId`, or `METHOD /path` when the spec gives none.
    pub id: String,
    /// The HTTP method, upper-case (`GET`).
    pub method: String,
    /// The path template, such as `/servers/{server_id}/action`.
    pub path: String,
    /// The operation's parameters plus the path item's shared ones it does not override.
    pub params: Vec<Arc<Param>>,
    /// The `requestBody`; `None` when the operation documents none.
    pub request_body: Option<RequestBody>,
    /// The documented responses, one per `responses` key, in document order.
    pub responses: Vec<Response>,
    /// The security schemes the operation requires (its own `security`, else the document's),
    /// as the names of the first alternative; empty when it needs none (`[]`, or `{}` among
    /// the alternatives).
    pub security: Vec<String>,
    /// The requirement as written (its own `security`, else the document's): the alternatives
    /// in order, each the schemes it needs with their scopes (what an OAuth2 token asks for);
    /// `{}` is an empty alternative (anonymous access).
    pub requirements: Vec<BTreeMap<String, Vec<String>>>,
    /// What a Swagger 2.0 operation says it produces (its `produces`, else the document's),
    /// which binds every answer it gives, a status it does not document included; `None` for
    /// OpenAPI 3, which says it per response.
    pub produces: Option<Produces>,
    /// The operation's `tags`, as written (what `conform fuzz --operation tag:NAME` selects).
    pub tags: Vec<String>,
    /// Where the operation is written.
    pub at: Location,
    /// [`Operation::accept`], worked out on the first request, not on each.
    pub accept: std::sync::OnceLock<String>,
}

/// The media types a Swagger 2.0 operation produces, and where its file says so.
#[derive(Debug, Clone)]
pub struct Produces {
    /// `application/json`, …, as written.
    pub types: Vec<String>,
    /// The `produces` that says it: the operation's, else the document's.
    pub at: Location,
}

impl Operation {
    /// The response documented for `status`: the exact code, then its class (`4XX`), then
    /// `default`.
    pub fn response(&self, status: u16) -> Option<&Response> {
        let exact = status.to_string();
        let class = format!("{}XX", status / 100);
        self.responses
            .iter()
            .find(|r| r.key == exact)
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.key.eq_ignore_ascii_case(&class))
            })
            .or_else(|| self.responses.iter().find(|r| r.key == "default"))
    }

    /// The `responses` keys as written (`200`, `4XX`, `default`), in document order.
    pub fn documented_statuses(&self) -> Vec<&str> {
        self.responses.iter().map(|r| r.key.as_str()).collect()
    }

    /// The `Accept` a client of this operation sends: the media types its answers are
    /// documented in (a Swagger 2.0 `produces` included), JSON ones first and the others at
    /// `q=0.9` beside them; `application/json` when it documents none. Asking an operation
    /// that produces only images for JSON earns a 406 that is the client's fault, not the
    /// server's.
    pub fn accept(&self) -> &str {
        self.accept.get_or_init(|| {
            let mut types: Vec<&str> = Vec::new();
            let documented = self
                .responses
                .iter()
                .flat_map(|r| r.content.iter().map(|m| m.media_type.as_str()));
            let produced = self
                .produces
                .iter()
                .flat_map(|p| p.types.iter().map(String::as_str));
            for t in documented.chain(produced) {
                if !types.iter().any(|k| k.eq_ignore_ascii_case(t)) {
                    types.push(t);
                }
            }
            let (json, other): (Vec<&str>, Vec<&str>) = types.into_iter().partition(|t| is_json(t));
            if other.is_empty() && json.iter().all(|t| essence(t) == "application/json") {
                return "application/json".to_owned();
            }
            let q = if json.is_empty() { "" } else { ";q=0.9" };
            let mut out: Vec<String> = json.iter().map(|t| (*t).to_owned()).collect();
            out.extend(other.iter().map(|t| format!("{t}{q}")));
            out.join(", ")
        })
    }

    /// The parameters that go in `location`, in the order of [`Operation::params`].
    pub fn params_in(&self, location: ParamIn) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .map(Arc::as_ref)
            .filter(move |p| p.location == location)
    }
}

/// Where a parameter goes: its `in:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamIn {
    /// A segment of the path template (`{server_id}`).
    Path,
    /// A query-string parameter.
    Query,
    /// A request header.
    Header,
    /// A cookie in the `Cookie` header.
    Cookie,
    /// OpenAPI 3.2's whole query string as one value, described by the parameter's one
    /// `content` media type (usually `application/x-www-form-urlencoded`).
    Querystring,
}

impl ParamIn {
    /// Every location, in the order the spec's `in:` lists them.
    pub const ALL: [ParamIn; 5] = [
        ParamIn::Path,
        ParamIn::Query,
        ParamIn::Header,
        ParamIn::Cookie,
        ParamIn::Querystring,
    ];

    /// The location as the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::Cookie => "cookie",
            ParamIn::Querystring => "querystring",
        }
    }

    /// The location a spec's `in:` names, if it is one.
    pub fn parse(text: &str) -> Option<ParamIn> {
        ParamIn::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

impl std::fmt::Display for ParamIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parameter of an operation: its name, where it goes and its schema.
#[derive(Debug)]
pub struct Param {
    /// The parameter's name as written (header names keep the spec's case).
    pub name: String,
    /// Where it goes.
    pub location: ParamIn,
    /// Whether the request must carry it (`required:`; path parameters always must).
    pub required: bool,
    /// Its `schema`; `None` when the spec gives none (any value passes).
    pub schema: Option<Arc<Schema>>,
    /// `x-conform-lenient`: the service ignores values outside the schema rather than refusing
    /// them, so a value that breaks it is no negative test (`conform fuzz` sends none).
    pub lenient: bool,
}

/// An operation's `requestBody`: whether it is required and the media types it accepts.
#[derive(Debug)]
pub struct RequestBody {
    /// Whether a request must carry a body (`required:`; OpenAPI's default is false).
    pub required: bool,
    /// The accepted media types, in document order.
    pub content: Vec<Media>,
}

/// One documented response of an operation, keyed by status code, class or `default`.
#[derive(Debug)]
pub struct Response {
    /// `200`, `4XX` or `default`.
    pub key: String,
    /// The documented response headers, in document order.
    pub headers: Vec<HeaderSpec>,
    /// Empty: the spec documents no body (a body then is a warning, or a violation where
    /// [`Self::no_body`] or HTTP forbids one).
    pub content: Vec<Media>,
    /// `x-conform-no-body: true`: the spec says this response has no body, so one is a
    /// violation, not only an undocumented extra.
    pub no_body: bool,
    /// Where the response is written.
    pub at: Location,
}

/// One documented response header.
#[derive(Debug)]
pub struct HeaderSpec {
    /// The header's name as written.
    pub name: String,
    /// Whether the response must carry it (`required:`).
    pub required: bool,
    /// Its `schema`; `None` when the spec gives none (any value passes).
    pub schema: Option<Arc<Schema>>,
}

/// One media type of a request body or response, with its schema.
#[derive(Debug)]
pub struct Media {
    /// The media type as written, which may be a range (`application/json`, `*/*`, `image/*`).
    pub media_type: String,
    /// Its `schema`; `None` when the spec gives none (any body of that type passes).
    pub schema: Option<Arc<Schema>>,
    /// The documented table read literally (`x-conform-strict`).
    pub strict: Option<Arc<Schema>>,
    /// The schema of each item of a sequential media type (`itemSchema`, OpenAPI 3.2): an
    /// event of `text/event-stream`, a line of JSON Lines, a record of `application/json-seq`.
    pub item_schema: Option<Arc<Schema>>,
    /// For `text/event-stream`: the `contentSchema` of the item schema's `data` when its
    /// `contentMediaType` is JSON; an event's `data` is then parsed and checked against it.
    pub item_data_schema: Option<Arc<Schema>>,
}

impl Media {
    /// Whether this media type covers `content_type` (parameters ignored; `*/*`, `type/*`,
    /// and `+json` suffixes understood).
    pub fn covers(&self, content_type: &str) -> bool {
        media_covers(&self.media_type, content_type)
    }
}

/// Whether the declared media type (`application/json`, `image/*`, `*/*`) covers a
/// response's `Content-Type`, parameters ignored.
pub fn media_covers(declared: &str, content_type: &str) -> bool {
    let actual = essence(content_type);
    let declared = essence(declared);
    if declared == "*/*" || declared == actual {
        return true;
    }
    match declared.strip_suffix("/*") {
        Some(top) => actual.split('/').next() == Some(top),
        None => false,
    }
}

/// `application/json; charset=utf-8` -> `application/json`, lower-case.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is JSON (`application/json`, `application/problem+json`, ...).
pub fn is_json(content_type: &str) -> bool {
    let e = essence(content_type);
    e == "application/json" || e.ends_with("+json")
}
