//! Checks of one exchange ([`crate::http`]), each producing [`Finding`]s: the target's
//! [`crate::http::Response`] against the spec ([`schema`]) and the scenario's compiled
//! expectations ([`status`], [`headers`], [`body`]), and the request against the spec
//! ([`request`]). They read the exchange whatever produced it: the runner, a recording, the
//! proxy. Checks only read the plan
//! ([`crate::plan`]): nothing is parsed or compiled per response.
//!
//! Every finding carries where the difference is (JSON Pointer), which rule it breaks (schema
//! keyword and spec location, or matcher) and which scenario line asked for it.

pub mod body;
pub mod headers;
pub mod items;
pub mod items_expect;
pub mod querystring;
pub mod request;
pub mod schema;
pub mod status;

use serde::Serialize;
use serde_json::Value;

use crate::openapi::Location;
use crate::source::Pos;

/// A spec location as reports write it, `file#/json/pointer`.
fn location_text<S: serde::Serializer>(at: &Option<Location>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.collect_str(at),
        None => s.serialize_none(),
    }
}

/// How bad a finding is; the scenario's outcome is the worst of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something `--strict` would fail: the target follows a lenient reading of the documents.
    Warning,
    /// The target broke the contract or the scenario's expectation.
    Violation,
    /// The scenario, the spec, the configuration or the environment failed; nothing was proven.
    Error,
}

/// Which check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CheckKind {
    /// The expected status.
    Status,
    /// A status the spec does not document for the operation.
    UndocumentedStatus,
    /// A response header, by the spec or by the expectation.
    Header,
    /// Content-Type, body presence and JSON well-formedness against the spec.
    Content,
    /// The body against the spec's schema.
    Schema,
    /// The body against the scenario's expectation.
    Body,
    /// The request against the spec, before sending.
    Request,
    /// Polling (`until`, `fail_if`).
    Poll,
    /// A capture that found nothing.
    Capture,
    /// Connection, TLS, timeout.
    Transport,
    /// Templates, variables, scenario-level timeouts.
    Scenario,
    /// The harness's own limits (the body size it reads, the clean-up budget): nothing is
    /// said of the target.
    Limit,
    /// The run was interrupted (Ctrl-C, SIGTERM) before the step could finish.
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
/// One difference a check found in an exchange: what broke, where, and which rule or scenario line asked for it.
pub struct Finding {
    /// How bad it is; the scenario's outcome is the worst severity among its findings.
    pub severity: Severity,
    /// The check that produced it.
    pub check: CheckKind,
    /// What went wrong, in one human-readable sentence.
    pub message: String,
    /// JSON Pointer into the response body (or the request body, for request findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The schema keyword (`type`, `required`...) or matcher (`$regex`) that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Where the rule is written in the spec (serialised `file#/json/pointer`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "location_text"
    )]
    pub schema_at: Option<Location>,
    /// The expected value (a status, a header value, a JSON fragment), when the check has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// The value the target sent instead, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
    /// The scenario line that asked for this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pos: Option<Pos>,
}

impl Finding {
    /// A finding with only its severity, check and message; the builder methods add the rest.
    pub fn new(severity: Severity, check: CheckKind, message: impl Into<String>) -> Self {
        Finding {
            severity,
            check,
            message: message.into(),
            pointer: None,
            keyword: None,
            schema_at: None,
            expected: None,
            actual: None,
            pos: None,
        }
    }

    /// A [`Severity::Violation`]: the target broke the contract or the expectation.
    pub fn violation(check: CheckKind, message: impl Into<String>) -> Self {
        Self::new(Severity::Violation, check, message)
    }

    /// A [`Severity::Warning`]: only `--strict` fails on it.
    pub fn warning(check: CheckKind, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, check, message)
    }

    /// A [`Severity::Error`]: the harness, scenario or environment failed; nothing was proven.
    pub fn error(check: CheckKind, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, check, message)
    }

    /// Sets the JSON Pointer to where the difference is.
    pub fn pointer(mut self, p: impl Into<String>) -> Self {
        self.pointer = Some(p.into());
        self
    }
    /// Sets the schema keyword or matcher that failed.
    pub fn keyword(mut self, k: impl Into<String>) -> Self {
        self.keyword = Some(k.into());
        self
    }
    /// Sets where the broken rule is written in the spec.
    pub fn schema_at(mut self, at: Location) -> Self {
        self.schema_at = Some(at);
        self
    }
    /// Sets the expected value.
    pub fn expected(mut self, v: impl Into<Value>) -> Self {
        self.expected = Some(v.into());
        self
    }
    /// Sets the actual value.
    pub fn actual(mut self, v: impl Into<Value>) -> Self {
        self.actual = Some(v.into());
        self
    }
    /// Sets the scenario line that asked for this; an unknown position ([`Pos::is_known`]) leaves it `None`.
    pub fn at(mut self, pos: Pos) -> Self {
        if pos.is_known() {
            self.pos = Some(pos);
        }
        self
    }
}

/// Appends a JSON Pointer token, escaped.
pub fn push_pointer(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}
