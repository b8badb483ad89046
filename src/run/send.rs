//! One HTTP exchange of a step: building its [`Request`] (templates rendered, path encoded,
//! credentials attached; [`Built`] adds the parameters as typed values for the request check),
//! sending it with a timeout, and reading the [`Response`] with a size cap.

use std::time::Duration;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;

use crate::check::body::render;
use crate::check::request::Outgoing;
use crate::check::{CheckKind, Finding};
use crate::http::{Body, Headers, Request, Response};
use crate::openapi::{Operation, model_is_json};
use crate::plan::{PlannedStep, ValueTemplate};
use crate::scenario::{AuthMode, Scope};
use crate::targets::Target;

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

/// A step's request, and its parameters as the request check reads them.
pub struct Built {
    pub request: Request,
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

    let url = url_of(step, op, target, &path_params, &query)?;
    let mut headers: Headers = vec![
        ("Accept".into(), "application/json".into()),
        (
            "User-Agent".into(),
            concat!("conform/", env!("CARGO_PKG_VERSION")).into(),
        ),
    ]
    .into();
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
    for (name, value) in &header_pairs {
        headers.set(name, text_of(value));
    }
    let body_of = Body::new(bytes).described_by(&headers);
    let mut request = Request {
        operation_id: op.id.clone(),
        method: op.method.clone(),
        url,
        headers,
        body: body_of,
    };
    if let (Some(auth), AuthMode::Default) = (&target.auth, step.auth) {
        auth.apply(&mut request, client).await.map_err(|e| {
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
        headers: request.headers.clone(),
        body,
        raw,
    };
    Ok(Built { request, outgoing })
}

/// Sends `req`; every failure (connect, reset, timeout, a body over `max_body`) becomes a
/// finding.
pub async fn send(
    client: &reqwest::Client,
    req: &Request,
    timeout: Duration,
    max_body: usize,
) -> Result<Response, Finding> {
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
        builder = builder.body(req.body.to_vec());
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
    let resp = builder.send().await.map_err(transport)?;
    let headers_after = started.elapsed();
    let status = resp.status().as_u16();
    let headers = Headers::from(resp.headers());
    let body = read_body(resp, status, headers_after, timeout, max_body).await?;
    let is_json = headers.get("content-type").is_some_and(model_is_json);
    // A JSON body under a wrong Content-Type is still read, so expectations can be judged on
    // their own; the spec check reports the Content-Type.
    let looks_json = matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    );
    let body = Body::new(body)
        .described_by(&headers)
        .parse_json(is_json || looks_json);
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Headers as name and text pairs, for the mocks ([`Headers`] made from the map).
#[cfg(feature = "mock")]
pub(crate) fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    Headers::from(headers).into_vec()
}

/// The body of `resp`, whole and within `max_body`; a body that breaks off, trickles past
/// the timeout or is too large is a finding.
async fn read_body(
    mut resp: reqwest::Response,
    status: u16,
    headers_after: Duration,
    timeout: Duration,
    max_body: usize,
) -> Result<Vec<u8>, Finding> {
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
    Ok(body)
}

/// The URL of `op` on `target`: the path template filled with `path_params` (each encoded as
/// one segment), then the query (an array is the parameter repeated).
fn url_of(
    step: &PlannedStep,
    op: &Operation,
    target: &Target,
    path_params: &[(String, Value)],
    query: &[(String, Value)],
) -> Result<url::Url, Box<Finding>> {
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
        for (k, v) in query {
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

    Ok(url)
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
