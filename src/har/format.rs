//! HAR 1.2 as serde types: [`Har`] > [`Log`] > [`Entry`] (the spec:
//! <http://www.softwareishard.com/blog/har-12-spec/>). Written by [`super::record`], read by
//! [`super::read`]. Reading is lenient where exporters differ (missing optional arrays,
//! `-1` sizes, extra `_`-prefixed fields, which are ignored unless they are conform's own
//! [`Annotation`]); writing always emits every field the spec requires.

use serde::{Deserialize, Serialize};

/// A whole HAR document: read with [`super::read()`], checked, replayed and compared by the
/// rest of [`super`]; its entries are this module's own serde types.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Har {
    pub(crate) log: Log,
}

impl Har {
    /// How many exchanges it holds.
    pub fn len(&self) -> usize {
        self.log.entries.len()
    }

    /// Whether it holds no exchange.
    pub fn is_empty(&self) -> bool {
        self.log.entries.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Log {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub creator: Creator,
    #[serde(default)]
    pub entries: Vec<Entry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Creator {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

impl Creator {
    /// This program, as it names itself in the HAR files it writes.
    pub fn conform() -> Self {
        Creator {
            name: "conform".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// One exchange.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry {
    /// RFC 3339.
    #[serde(default)]
    pub started_date_time: String,
    /// Milliseconds, the whole exchange.
    #[serde(default)]
    pub time: f64,
    pub request: Request,
    pub response: Response,
    /// Always `{}`: conform caches nothing.
    #[serde(default)]
    pub cache: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub timings: Timings,
    /// What conform knew of the exchange when it recorded it; absent in other tools' files.
    #[serde(rename = "_conform", default, skip_serializing_if = "Option::is_none")]
    pub conform: Option<Annotation>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Request {
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub url: String,
    #[serde(default = "http11")]
    pub http_version: String,
    #[serde(default)]
    pub cookies: Vec<serde_json::Value>,
    #[serde(default)]
    pub headers: Vec<Pair>,
    #[serde(default)]
    pub query_string: Vec<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
    #[serde(default = "unknown")]
    pub headers_size: i64,
    #[serde(default = "unknown")]
    pub body_size: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Response {
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub status_text: String,
    #[serde(default = "http11")]
    pub http_version: String,
    #[serde(default)]
    pub cookies: Vec<serde_json::Value>,
    #[serde(default)]
    pub headers: Vec<Pair>,
    #[serde(default)]
    pub content: Content,
    #[serde(rename = "redirectURL", default)]
    pub redirect_url: String,
    #[serde(default = "unknown")]
    pub headers_size: i64,
    #[serde(default = "unknown")]
    pub body_size: i64,
    /// Why there is no response (a timeout, a refused connection): status is then 0, as
    /// browsers record a failed request.
    #[serde(rename = "_error", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A header or a query parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Pair {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

impl Pair {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Pair {
            name: name.into(),
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PostData {
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<serde_json::Value>,
    /// `text` is only the start of the body (see `bodySize` for its length).
    #[serde(
        rename = "_truncated",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Content {
    /// The body's real length in bytes, even when `text` holds only its start.
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub mime_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `base64` when `text` is the body encoded (a binary body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// `text` is only the start of the body: the recorder keeps at most 64 KiB.
    #[serde(
        rename = "_truncated",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub truncated: bool,
}

/// Milliseconds; `-1` where not known, as the spec allows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Timings {
    #[serde(default = "unknown_f")]
    pub send: f64,
    #[serde(default = "unknown_f")]
    pub wait: f64,
    #[serde(default = "unknown_f")]
    pub receive: f64,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            send: -1.0,
            wait: -1.0,
            receive: -1.0,
        }
    }
}

/// conform's `_conform` field: the scenario step the exchange belongs to, and what the run
/// found in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Annotation {
    pub scenario: String,
    pub step: String,
    /// The operationId called.
    pub call: String,
    pub phase: String,
    pub outcome: String,
    #[serde(default)]
    pub findings: Vec<AnnotatedFinding>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AnnotatedFinding {
    pub check: String,
    pub severity: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
}

fn http11() -> String {
    "HTTP/1.1".into()
}

fn unknown() -> i64 {
    -1
}

fn unknown_f() -> f64 {
    -1.0
}
