//! The compiled form of one API's spec: [`ApiSpec`] and its [`Operation`]s.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

/// One API: its file and operations, each with compiled validators.
#[derive(Debug)]
pub struct ApiSpec {
    pub name: String,
    pub path: PathBuf,
    pub operations: Vec<Operation>,
    /// The document's `servers` URLs, each with its variables' defaults filled in, in order.
    pub servers: Vec<String>,
    /// `components.securitySchemes` as written (resolved `$ref`s), by scheme name: what an
    /// [`Operation::security`] name refers to.
    pub security_schemes: BTreeMap<String, Value>,
}

impl ApiSpec {
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    pub fn operation_ids(&self) -> impl Iterator<Item = &str> {
        self.operations.iter().map(|o| o.id.as_str())
    }
}

/// Where something is in a spec file: the file and a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: Arc<str>,
    pub pointer: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)
    }
}

/// A compiled schema with the place it was written.
pub struct Schema {
    pub validator: jsonschema::Validator,
    pub at: Location,
    /// The schema as written (after `$ref` resolution of the outer reference), for type hints.
    pub raw: Value,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Schema({})", self.at)
    }
}

#[derive(Debug)]
pub struct Operation {
    pub id: String,
    pub method: String,
    /// The path template, such as `/servers/{server_id}/action`.
    pub path: String,
    pub params: Vec<Param>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// The security schemes the operation requires (its own `security`, else the document's),
    /// as the names of the first alternative; empty when it needs none (`[]`, or `{}` among
    /// the alternatives).
    pub security: Vec<String>,
    /// The requirement as written (its own `security`, else the document's): the alternatives
    /// in order, each the schemes it needs with their scopes (what an OAuth2 token asks for);
    /// `{}` is an empty alternative (anonymous access).
    pub requirements: Vec<BTreeMap<String, Vec<String>>>,
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

    pub fn documented_statuses(&self) -> Vec<&str> {
        self.responses.iter().map(|r| r.key.as_str()).collect()
    }

    pub fn params_in(&self, location: &str) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(move |p| p.location == location)
    }
}

#[derive(Debug)]
pub struct Param {
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    pub required: bool,
    pub schema: Option<Schema>,
}

#[derive(Debug)]
pub struct RequestBody {
    pub required: bool,
    pub content: Vec<Media>,
}

#[derive(Debug)]
pub struct Response {
    /// `200`, `4XX` or `default`.
    pub key: String,
    pub headers: Vec<HeaderSpec>,
    /// Empty: the response must have no body.
    pub content: Vec<Media>,
    pub at: Location,
}

#[derive(Debug)]
pub struct HeaderSpec {
    pub name: String,
    pub required: bool,
    pub schema: Option<Schema>,
}

#[derive(Debug)]
pub struct Media {
    pub media_type: String,
    pub schema: Option<Schema>,
    /// The documented table read literally (`x-conform-strict`).
    pub strict: Option<Schema>,
}

impl Media {
    /// Whether this media type covers `content_type` (parameters ignored; `*/*`, `type/*`,
    /// and `+json` suffixes understood).
    pub fn covers(&self, content_type: &str) -> bool {
        let actual = essence(content_type);
        let declared = essence(&self.media_type);
        if declared == "*/*" || declared == actual {
            return true;
        }
        match declared.strip_suffix("/*") {
            Some(top) => actual.split('/').next() == Some(top),
            None => false,
        }
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
