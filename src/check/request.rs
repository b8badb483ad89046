//! The scenario's request against the spec, before it is sent: a broken scenario is caught
//! before it is blamed on the target.

use serde_json::Value;

use super::querystring;
use super::schema::{coerce, schema_errors};
use super::{CheckKind, Finding, Severity};
use crate::http::{Headers, Request};
use crate::openapi::{Operation, Param, model_is_json};
use crate::source::Pos;

/// A request's parameters as typed values, what the request check reads: path parameters by
/// name (a [`Request`] has them only inside its URL, encoded), the query, the headers as
/// sent (credentials included), and the body as JSON or as raw text.
///
/// Not a second request type: it is a view of one, taken where the values are known. The
/// runner takes it while building (the path parameters and JSON values before they become
/// text); for a recorded or proxied request [`Outgoing::of`] reads it back off the wire.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// Path parameters by name, as typed values before encoding into the URL.
    pub path: Vec<(String, Value)>,
    /// Query parameters by name, as typed values before encoding.
    pub query: Vec<(String, Value)>,
    /// Headers as they will be sent, credentials included.
    pub headers: Headers,
    /// The JSON body; `None` when there is none or it is not JSON (see `raw`).
    pub body: Option<Value>,
    /// The text of a `body_raw`, checked as sent: it may be malformed on purpose.
    pub raw: Option<String>,
}

impl Outgoing {
    /// The parameters of `req` as it went on the wire, its path parameters as the operation's
    /// template reads them (`path`). The body is JSON when its media type says JSON or nothing
    /// at all, raw text otherwise; a body recorded cut is left out.
    pub fn of(req: &Request, path: &[(String, String)]) -> Outgoing {
        let text = |v: &str| Value::String(v.to_owned());
        let (body, raw) = match req.body.media_type() {
            None if req.body.is_empty() => (None, None),
            Some(m) if model_is_json(m) || m.is_empty() => {
                match serde_json::from_slice::<Value>(&req.body) {
                    Ok(v) => (Some(v), None),
                    Err(_) => (None, Some(req.body.text().into_owned())),
                }
            }
            _ => (None, Some(req.body.text().into_owned())),
        };
        let (body, raw) = if req.body.is_truncated() {
            (None, None)
        } else {
            (body, raw)
        };
        Outgoing {
            path: path.iter().map(|(n, v)| (n.clone(), text(v))).collect(),
            query: req
                .url
                .query_pairs()
                .map(|(n, v)| (n.into_owned(), Value::String(v.into_owned())))
                .collect(),
            headers: req.headers.clone(),
            body,
            raw,
        }
    }
}

/// Whether a parameter's schema is an array (`type: array`, or a union with it).
fn is_array(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "array",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "array"),
        _ => false,
    }
}

/// Every way `req` breaks the spec of `op`, as errors of the scenario.
pub fn check(op: &Operation, req: &Outgoing, pos: Pos) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &op.params {
        out.extend(param(p, req, pos));
    }
    out.extend(body(op, req, pos));
    out
}

/// The values `req` gives parameter `p`, as JSON; none for a location not checked (cookie).
fn given(p: &Param, req: &Outgoing) -> Option<Vec<Value>> {
    Some(match p.location.as_str() {
        "path" => req
            .path
            .iter()
            .filter(|(n, _)| *n == p.name)
            .map(|(_, v)| v.clone())
            .collect(),
        "query" => req
            .query
            .iter()
            .filter(|(n, _)| *n == p.name)
            .flat_map(|(_, v)| match v {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            })
            .collect(),
        "header" => req
            .headers
            .get_all(&p.name)
            .map(|v| Value::String(v.to_owned()))
            .collect(),
        "querystring" => querystring_given(p, req).into_iter().collect(),
        _ => return None,
    })
}

/// The value of querystring parameter `p`: the step's under its name (an object, or the query
/// string as text), else the whole query string of a request read off the wire.
fn querystring_given(p: &Param, req: &Outgoing) -> Option<Value> {
    let schema = p.schema.as_ref().map_or(&Value::Null, |s| &s.raw);
    let parse = |text: &str| -> Vec<(String, String)> {
        url::form_urlencoded::parse(text.trim_start_matches('?').as_bytes())
            .into_owned()
            .collect()
    };
    match req.query.iter().find(|(n, _)| *n == p.name) {
        Some((_, Value::String(text))) => Some(querystring::value_of(&parse(text), schema)),
        Some((_, other)) => Some(other.clone()),
        None if req.query.is_empty() => None,
        None => {
            let pairs: Vec<(String, String)> = req
                .query
                .iter()
                .map(|(n, v)| {
                    (
                        n.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect();
            Some(querystring::value_of(&pairs, schema))
        }
    }
}

/// How `req` breaks parameter `p`: required and missing, or its values against its schema.
fn param(p: &Param, req: &Outgoing, pos: Pos) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(given) = given(p, req) else {
        return out;
    };
    if given.is_empty() {
        if p.required {
            out.push(
                Finding::error(
                    CheckKind::Request,
                    format!(
                        "required {} parameter `{}` is not given",
                        p.location, p.name
                    ),
                )
                .keyword("required")
                .at(pos),
            );
        }
        return out;
    }
    let Some(schema) = &p.schema else {
        return out;
    };
    let text_of = |v: &Value, item_schema: &Value| match v {
        Value::String(s) => coerce(s, item_schema),
        // Parameters travel as text: a captured integer id in a path is its digits.
        Value::Number(_) | Value::Bool(_) => coerce(&v.to_string(), item_schema),
        other => other.clone(),
    };
    // An array parameter (`?tag=a&tag=b`) is one value: its items, each read as text.
    let typed_values: Vec<Value> = if is_array(&schema.raw) {
        let items = schema.raw.get("items").cloned().unwrap_or(Value::Null);
        vec![Value::Array(
            given.iter().map(|v| text_of(v, &items)).collect(),
        )]
    } else {
        given.iter().map(|v| text_of(v, &schema.raw)).collect()
    };
    for typed in typed_values {
        for mut f in schema_errors(schema, &typed, Severity::Error, pos) {
            f.check = CheckKind::Request;
            f.message = format!(
                "{} parameter `{}`: {}",
                p.location,
                p.name,
                f.message.trim_start_matches("the body: ")
            );
            f.pointer = None;
            out.push(f);
        }
    }
    out
}

/// How the request body breaks the operation's `requestBody`.
fn body(op: &Operation, req: &Outgoing, pos: Pos) -> Vec<Finding> {
    let mut out = Vec::new();
    let sent = match (&req.body, &req.raw) {
        (Some(v), _) => Some(Ok(v.clone())),
        (None, Some(text)) => Some(serde_json::from_str::<Value>(text)),
        (None, None) => None,
    };
    match (&op.request_body, sent) {
        (Some(rb), None) if rb.required => out.push(
            Finding::error(
                CheckKind::Request,
                format!("{} requires a request body", op.id),
            )
            .keyword("requestBody")
            .at(pos),
        ),
        (None, Some(_)) => out.push(
            Finding::error(
                CheckKind::Request,
                format!(
                    "{} documents no request body, but the step sends one",
                    op.id
                ),
            )
            .keyword("requestBody")
            .at(pos),
        ),
        (Some(rb), Some(parsed)) => {
            let ct = req
                .headers
                .get("content-type")
                .unwrap_or("application/json");
            match rb.content.iter().find(|m| m.covers(ct)) {
                None => out.push(
                    Finding::error(
                        CheckKind::Request,
                        format!(
                            "request Content-Type `{ct}` is not documented for {}",
                            op.id
                        ),
                    )
                    .keyword("content")
                    .at(pos),
                ),
                Some(media) if model_is_json(ct) => match parsed {
                    Err(e) => out.push(
                        Finding::error(
                            CheckKind::Request,
                            format!("request body is not well-formed JSON: {e}"),
                        )
                        .keyword("json")
                        .at(pos),
                    ),
                    Ok(body) => {
                        if let Some(schema) = &media.schema {
                            for mut f in schema_errors(schema, &body, Severity::Error, pos) {
                                f.check = CheckKind::Request;
                                f.message = format!(
                                    "request body {}",
                                    f.message.replacen("the body: ", "", 1)
                                );
                                out.push(f);
                            }
                        }
                    }
                },
                Some(_) => {}
            }
        }
        _ => {}
    }
    out
}
