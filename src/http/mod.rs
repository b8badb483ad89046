//! One HTTP exchange, whatever produced it: a [`Request`], its [`Response`] or the reason
//! there is none ([`NoResponse`]), and its timing, together an [`Exchange`]. [`Headers`] and
//! [`Body`] are the parts both messages share.
//!
//! The runner builds and sends these, credentials sign a [`Request`], the checks read a
//! [`Response`] and an [`Exchange`], the proxy forwards them, the replaying mock answers
//! with them, and HAR is one serialisation of them ([`crate::har`]). What a report shows of
//! an exchange, redacted and cut, is a record ([`crate::run::RequestRecord`],
//! [`crate::run::ResponseRecord`]), made from these in one place.

mod body;
mod encoding;
mod headers;
pub mod stream;

use std::time::Duration;

use url::Url;

pub(crate) use body::media_type_of;
pub use body::{Body, StreamCut};
pub use encoding::{DecodeError, decode};
pub use headers::{Headers, first as first_header};
pub use stream::{Item, Sequence, Splitter};

/// Whether `url` names this machine (`localhost`, a loopback address): a target whose state
/// may change without confirmation, a spec server reached without the proxy variables.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A request: as built and signed before sending, as a proxy forwarded it, as a recording
/// holds it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The spec's operationId, when known (a vendor may sign it, as an action header); empty when
    /// the request is not matched to an operation yet (a proxied or recorded one).
    pub operation_id: String,
    /// The method, as sent (`GET`).
    pub method: String,
    /// The full URL, query included.
    pub url: Url,
    /// The headers as sent, credentials included (redaction happens when records are made).
    pub headers: Headers,
    /// The body as sent.
    pub body: Body,
}

impl Request {
    /// A request with no header and no body, matched to no operation.
    pub fn new(method: impl Into<String>, url: Url) -> Self {
        Request {
            operation_id: String::new(),
            method: method.into(),
            url,
            headers: Headers::new(),
            body: Body::default(),
        }
    }

    /// Sets header `name` to `value` alone ([`Headers::set`]).
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.set(name, value);
    }

    /// The first value of header `name` ([`Headers::get`]).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

/// A response as read: its body whole, or cut by a recorder (the body says so).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers, in the order received.
    pub headers: Headers,
    /// The body as read, whole or cut by a recorder.
    pub body: Body,
}

impl Response {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The body's JSON tree, when it is JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.body.json()
    }
}

/// Why an exchange has no response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoResponse {
    /// No answer in time.
    Timeout(String),
    /// No connection, or the answer broke off; or a recording says none came.
    Failed(String),
    /// The harness's own limit (a body too large, a TLS tunnel).
    Limit(String),
}

impl NoResponse {
    /// What happened, in words.
    pub fn reason(&self) -> &str {
        match self {
            NoResponse::Timeout(why) | NoResponse::Failed(why) | NoResponse::Limit(why) => why,
        }
    }
}

/// A request and what came of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request as sent.
    pub request: Request,
    /// The response, or why none came.
    pub response: Result<Response, NoResponse>,
    /// When the request started, when known.
    pub started_at: Option<jiff::Timestamp>,
    /// From sending to the last byte of the answer.
    pub elapsed: Duration,
}
