//! One HTTP exchange: building the request from a step (templates rendered, path encoded,
//! credentials attached), sending it with a timeout, and reading the response with a size cap.

use std::time::Duration;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;

use crate::check::body::render;
use crate::check::request::Outgoing;
use crate::check::{CheckKind, Finding};
use crate::plan::{PlannedStep, ValueTemplate};
use crate::scenario::{AuthMode, Scope};
use crate::spec::{Operation, model_is_json};
use crate::target::{Prepared, Target};

/// Characters escaped in a path segment: everything but unreserved and sub-delims that are safe.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// The body of a response is read up to this many bytes by default (`--max-body`); a larger one
/// is an error of the step (the harness's limit), never a violation of the target.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

pub struct Built {
    pub prepared: Prepared,
    pub outgoing: Outgoing,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn rendered_pairs(
    pairs: &[(String, ValueTemplate)],
    scope: &dyn Scope,
) -> Result<Vec<(String, Value)>, Box<Finding>> {
    pairs
        .iter()
        .map(|(k, v)| Ok((k.clone(), render(v, scope)?)))
        .collect()
}

/// Builds the request of `step` for `op` on `target`.
pub async fn build(
    step: &PlannedStep,
    op: &Operation,
    target: &Target,
    scope: &(dyn Scope + Sync),
    client: &reqwest::Client,
) -> Result<Built, Box<Finding>> {
    let path_params = rendered_pairs(&step.path, scope)?;
    let query = rendered_pairs(&step.query, scope)?;
    let header_pairs = rendered_pairs(&step.headers, scope)?;

    let mut path = String::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .unwrap_or(rest.len() - 1);
        let name = &rest[open + 1..close];
        let value = path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| text_of(v))
            .ok_or_else(|| {
                Finding::error(
                    CheckKind::Scenario,
                    format!("path parameter `{name}` has no value"),
                )
                .at(step.call_pos)
            })?;
        path.push_str(&utf8_percent_encode(&value, SEGMENT).to_string());
        rest = &rest[close + 1..];
    }
    path.push_str(rest);

    let mut url = target.base_url.clone();
    let base_path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base_path}{path}"));
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &query {
            match v {
                Value::Array(items) => {
                    for item in items {
                        pairs.append_pair(k, &text_of(item));
                    }
                }
                other => {
                    pairs.append_pair(k, &text_of(other));
                }
            }
        }
    }

    let mut headers: Vec<(String, String)> = vec![
        ("Accept".into(), "application/json".into()),
        (
            "User-Agent".into(),
            concat!("conform/", env!("CARGO_PKG_VERSION")).into(),
        ),
    ];
    let (body, raw, bytes) = match (&step.body, &step.body_raw) {
        (Some(node), _) => {
            let v = render(node, scope)?;
            let bytes = serde_json::to_vec(&v).unwrap_or_default();
            headers.push(("Content-Type".into(), "application/json".into()));
            (Some(v), None, bytes)
        }
        (None, Some(raw)) => {
            let text = render(raw, scope)?;
            headers.push(("Content-Type".into(), "application/json".into()));
            let text = text_of(&text);
            (None, Some(text.clone()), text.into_bytes())
        }
        (None, None) => (None, None, Vec::new()),
    };
    let mut prepared = Prepared {
        operation_id: op.id.clone(),
        method: op.method.clone(),
        url,
        headers,
        body: bytes,
    };
    for (name, value) in &header_pairs {
        prepared.set_header(name, text_of(value));
    }
    if let (Some(auth), AuthMode::Default) = (&target.auth, step.auth) {
        auth.apply(&mut prepared, client).await.map_err(|e| {
            Finding::error(
                CheckKind::Scenario,
                format!("cannot attach credentials: {e}"),
            )
            .at(step.call_pos)
        })?;
    }
    let outgoing = Outgoing {
        path: path_params,
        query,
        headers: prepared.headers.clone(),
        body,
        raw,
    };
    Ok(Built { prepared, outgoing })
}

/// A response as read.
#[derive(Debug, Clone)]
pub struct Received {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub body_len: usize,
    pub json: Option<Value>,
}

/// Sends `req`; every failure (connect, reset, timeout, a body over `max_body`) becomes a
/// finding.
pub async fn send(
    client: &reqwest::Client,
    req: &Prepared,
    timeout: Duration,
    max_body: usize,
) -> Result<Received, Finding> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
        Finding::error(
            CheckKind::Scenario,
            format!("`{}` is not an HTTP method", req.method),
        )
    })?;
    let mut builder = client.request(method, req.url.clone()).timeout(timeout);
    for (n, v) in &req.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    if !req.body.is_empty() {
        builder = builder.body(req.body.clone());
    }
    let started = std::time::Instant::now();
    let transport = |e: reqwest::Error| {
        let what = if e.is_timeout() {
            format!(
                "no response within {}",
                crate::units::human_duration(timeout)
            )
        } else if e.is_connect() {
            format!(
                "cannot connect to {}",
                req.url.origin().ascii_serialization()
            )
        } else {
            "the connection failed".to_owned()
        };
        transport_finding(what, &e)
    };
    let mut resp = builder.send().await.map_err(transport)?;
    let headers_after = started.elapsed();
    let status = resp.status().as_u16();
    let headers = header_pairs(resp.headers());
    let too_large = || {
        Finding::error(
            CheckKind::Limit,
            format!(
                "the {status} response's body is larger than {}, the harness's limit (`--max-body`): not read further, not checked",
                crate::units::human_size(max_body)
            ),
        )
    };
    if resp
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > max_body))
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                // The status and headers came: a timeout now is a body that trickles.
                let what = if e.is_timeout() {
                    format!(
                        "the status ({status}) and headers came after {}, but the body did not arrive in full within {} ({} bytes so far)",
                        crate::units::human_duration(headers_after),
                        crate::units::human_duration(timeout),
                        body.len()
                    )
                } else {
                    format!("the connection failed while reading the {status} response's body")
                };
                return Err(transport_finding(what, &e));
            }
        };
        if body.len() + chunk.len() > max_body {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let body_len = body.len();
    let is_json = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .is_some_and(|(_, v)| model_is_json(v));
    // A JSON body under a wrong Content-Type is still read, so expectations can be judged on
    // their own; the spec check reports the Content-Type.
    let looks_json = matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    );
    let json = if (is_json || looks_json) && !body.is_empty() && body_len == body.len() {
        serde_json::from_slice(&body).ok()
    } else {
        None
    };
    Ok(Received {
        status,
        headers,
        body,
        body_len,
        json,
    })
}

/// Headers as name and text pairs (bytes that are not UTF-8 replaced): a response's here and
/// in `conform proxy`, a request's in the mocks.
pub(crate) fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A transport finding: what failed, then the innermost cause (the OS's or TLS's words).
fn transport_finding(what: String, e: &reqwest::Error) -> Finding {
    Finding::error(CheckKind::Transport, transport_message(what, e))
}

/// What failed, then the innermost cause of `e` and, for a TLS failure, the likely fix.
pub(crate) fn transport_message(what: String, e: &reqwest::Error) -> String {
    let mut cause = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    match (cause.is_empty(), super::client::tls_hint(&cause)) {
        (true, _) => what,
        (false, None) => format!("{what}: {cause}"),
        (false, Some(hint)) => format!("{what}: {cause}; {hint}"),
    }
}
