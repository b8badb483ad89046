//! One HTTP exchange of a step: building its [`Request`] (templates rendered, path encoded,
//! credentials attached; [`Built`] adds the parameters as typed values for the request check),
//! sending it with a timeout, and reading the [`Response`] with a size cap, its
//! `Content-Encoding` undone (the body as a client reads it, its length on the wire kept).

use std::time::Duration;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;

use crate::check::body::render;
use crate::check::querystring;
use crate::check::request::Outgoing;
use crate::check::{CheckKind, Finding};
use crate::http::{Body, DecodeError, Headers, Request, Response, StreamCut};
use crate::openapi::{Operation, model_is_json};
use crate::plan::{PlannedStep, ValueTemplate};
use crate::scenario::{AuthMode, Scope};
use crate::targets::Target;

use super::dropped::{Dropped, dropped_before_answer, resendable};

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

/// The `Accept-Encoding` conform sends unless a step or a target sets its own: the codings
/// it decodes.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

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

/// The headers conform sends on every request before any other: `Accept` (what the operation
/// answers in) and its `User-Agent`.
pub(super) fn client_headers(accept: &str) -> Headers {
    vec![
        ("Accept".into(), accept.to_owned()),
        (
            "User-Agent".into(),
            concat!("conform/", env!("CARGO_PKG_VERSION")).into(),
        ),
    ]
    .into()
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
    let mut headers = client_headers(op.accept());
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
    // The target's extra headers (`--header`, a targets entry's `headers:`), then the step's:
    // a header the step sets itself wins. Under `auth: none` the credential ones stay out.
    for (name, value) in &target.headers {
        if step.auth == AuthMode::Default || !crate::redact::Redactor::is_secret_header(name) {
            headers.set(name, value.clone());
        }
    }
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
    // Every coding the answer is decoded from (as browsers and HTTP clients ask): a server that
    // compresses only when asked is met as its clients meet it. Added after signing, as an
    // SDK's HTTP layer adds it, so no signature covers a header proxies rewrite; a step's or a
    // target's own Accept-Encoding stays.
    if request.header("accept-encoding").is_none() {
        request
            .headers
            .push(("Accept-Encoding".into(), ACCEPT_ENCODING.into()));
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
/// finding. A connection that broke before any answer came is said in `dropped`, and the
/// request sent again once where that is safe ([`super::dropped::resendable`]).
pub async fn send(
    client: &reqwest::Client,
    req: &Request,
    timeout: Duration,
    max_body: usize,
    dropped: &mut Option<Dropped>,
) -> Result<Response, Finding> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
        Finding::error(
            CheckKind::Scenario,
            format!("`{}` is not an HTTP method", req.method),
        )
    })?;
    let started = std::time::Instant::now();
    let transport = |e: reqwest::Error| {
        // Each names the URL: when a step follows redirects, it is not the one it was sent to.
        let what = if e.is_timeout() {
            format!(
                "no response within {} from {}",
                crate::units::human_duration(timeout),
                req.url
            )
        } else if e.is_connect() {
            format!(
                "cannot connect to {} (for {})",
                req.url.origin().ascii_serialization(),
                req.url
            )
        } else {
            format!("the connection to {} failed", req.url)
        };
        transport_finding(what, &e)
    };
    let resp = match request(client, &method, req, timeout).send().await {
        Ok(resp) => resp,
        Err(e) => {
            let Some(kind) = dropped_before_answer(&e) else {
                return Err(transport(e));
            };
            let resent = resendable(kind, &method);
            *dropped = Some(Dropped {
                kind,
                resent,
                method: method.clone(),
                cause: innermost_cause(&e),
            });
            if !resent {
                return Err(transport(e));
            }
            // The broken connection is out of the pool: hyper drops a connection on its error.
            let left = timeout.saturating_sub(started.elapsed());
            request(client, &method, req, left)
                .send()
                .await
                .map_err(transport)?
        }
    };
    let headers_after = started.elapsed();
    let status = resp.status().as_u16();
    let headers = Headers::from(resp.headers());
    let sequential = headers
        .get("content-type")
        .and_then(crate::http::Sequence::of)
        .is_some();
    let read = Limits {
        headers_after,
        timeout,
        max_body,
        sequential,
    };
    let (wire, cut) = read_body(resp, status, read).await?;
    response_of(status, headers, wire, cut, max_body).map_err(|f| *f)
}

/// The response of `wire` bytes as a client reads them: decoded, described by its headers,
/// parsed when JSON, and said cut when it is a stream cut at a limit.
fn response_of(
    status: u16,
    headers: Headers,
    wire: Vec<u8>,
    cut: Option<StreamCut>,
    max_body: usize,
) -> Result<Response, Box<Finding>> {
    let (body, wire_len) = decoded(wire, status, &headers, max_body)?;
    let is_json = headers.get("content-type").is_some_and(model_is_json);
    // A JSON body under a wrong Content-Type is still read, so expectations can be judged on
    // their own; the spec check reports the Content-Type.
    // A stream of JSON items is not one JSON text, even when it holds one item.
    let looks_json = cut.is_none()
        && headers
            .get("content-type")
            .is_none_or(|ct| crate::http::Sequence::of(ct).is_none())
        && matches!(
            body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        );
    let mut body = Body::new(body).described_by(&headers);
    if let Some(n) = wire_len {
        body = body.decoded_from(n);
    }
    if let Some(cut) = cut {
        body = body.stream_cut(cut);
    }
    let body = body.parse_json(is_json || looks_json);
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// `req` as reqwest sends it, built again for a second sending rather than cloned before the
/// first: the common path copies nothing it does not send.
fn request(
    client: &reqwest::Client,
    method: &reqwest::Method,
    req: &Request,
    timeout: Duration,
) -> reqwest::RequestBuilder {
    let mut builder = client
        .request(method.clone(), req.url.clone())
        .timeout(timeout);
    for (n, v) in &req.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    if !req.body.is_empty() {
        builder = builder.body(req.body.to_vec());
    }
    builder
}

/// The most redirects a step that follows them takes before it gives up.
pub const MAX_REDIRECTS: usize = 10;

/// The answer to a request whose step follows redirects: the response, and the request that
/// got it (the last one sent, after `redirects` same-origin redirects).
pub struct Followed {
    /// The final answer.
    pub response: Response,
    /// The request it answers: the original one when no redirect was followed.
    pub request: Request,
    /// How many redirects were followed.
    pub redirects: usize,
}

/// Sends `req` and, while the answer is a redirect (301, 302, 303, 307, 308) to the same
/// origin (scheme, host and port), the request it asks for; all within `timeout`. A redirect
/// to another origin is never followed: the step ends with an error naming the Location, and
/// nothing is sent there.
pub async fn send_following(
    client: &reqwest::Client,
    req: &Request,
    timeout: Duration,
    max_body: usize,
    dropped: &mut Option<Dropped>,
) -> Result<Followed, Finding> {
    let started = std::time::Instant::now();
    let origin = req.url.origin();
    let mut current = req.clone();
    for redirects in 0..=MAX_REDIRECTS {
        let left = timeout.saturating_sub(started.elapsed());
        let response = send(client, &current, left, max_body, dropped).await?;
        let Some(next) = location(&current.url, &response).map_err(|f| *f)? else {
            return Ok(Followed {
                response,
                request: current,
                redirects,
            });
        };
        if next.origin() != origin {
            return Err(Finding::error(
                CheckKind::Limit,
                format!(
                    "{} answered {} with Location: {next}, another origin: not followed (a step \
                     follows redirects only within {}; nothing was sent to {})",
                    current.url,
                    response.status,
                    origin.ascii_serialization(),
                    next.origin().ascii_serialization()
                ),
            ));
        }
        if redirects == MAX_REDIRECTS {
            break;
        }
        current = redirected(current, response.status, next);
    }
    Err(Finding::error(
        CheckKind::Transport,
        format!(
            "more than {MAX_REDIRECTS} redirects from {}, the last from {}: not followed further",
            req.url, current.url
        ),
    ))
}

/// Where a redirect answer sends the client, resolved against `url`; `None` for any other
/// answer (a 3xx without Location, 304, 300 are answers).
fn location(url: &url::Url, r: &Response) -> Result<Option<url::Url>, Box<Finding>> {
    if !matches!(r.status, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(loc) = r.header("location") else {
        return Ok(None);
    };
    url.join(loc).map(Some).map_err(|e| {
        Box::new(Finding::violation(
            CheckKind::Header,
            format!(
                "{url} answered {} with Location: {loc:?}, which is not a URL ({e})",
                r.status
            ),
        ))
    })
}

/// The request a redirect asks for: 303, and 301 or 302 after a POST, become a GET without a
/// body (what browsers and HTTP clients do); 307 and 308 repeat the request.
fn redirected(mut req: Request, status: u16, to: url::Url) -> Request {
    let to_get = status == 303 || (matches!(status, 301 | 302) && req.method == "POST");
    if to_get && req.method != "HEAD" {
        req.method = "GET".into();
        req.body = Body::default();
        req.headers.remove("content-type");
        req.headers.remove("content-length");
    }
    req.url = to;
    req
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
    limits: Limits,
) -> Result<(Vec<u8>, Option<StreamCut>), Finding> {
    let Limits {
        headers_after,
        timeout,
        max_body,
        sequential,
    } = limits;
    let too_large = || {
        Finding::error(
            CheckKind::Limit,
            format!(
                "the {status} response's body is larger than {}, the harness's limit (`--max-body`): not read further, not checked",
                crate::units::human_size(max_body)
            ),
        )
    };
    // A stream's length is no reason not to read its start: its items are checked one by one.
    if !sequential
        && resp
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
            // A stream still open at the time limit: what arrived is checked.
            Err(e) if sequential && e.is_timeout() => {
                return Ok((body, Some(StreamCut::Time(timeout))));
            }
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
            if sequential {
                let room = max_body.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..room]);
                return Ok((body, Some(StreamCut::Size(max_body))));
            }
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, None))
}

/// What bounds the reading of a body: the step's time limit (and when the headers came within
/// it), the body limit, and whether the body is a stream of items (cut at a limit, not refused).
#[derive(Debug, Clone, Copy)]
struct Limits {
    headers_after: Duration,
    timeout: Duration,
    max_body: usize,
    sequential: bool,
}

/// The body as a client reads it: its `Content-Encoding` undone, within `max_body` decoded
/// bytes; with its length on the wire when it was decoded. A body that does not decode is the
/// target's fault (a violation); one that decodes past the limit is the harness's limit, as an
/// oversized body is.
fn decoded(
    wire: Vec<u8>,
    status: u16,
    headers: &Headers,
    max_body: usize,
) -> Result<(Vec<u8>, Option<usize>), Box<Finding>> {
    // Several Content-Encoding fields are one list, in the order applied (RFC 9110 §5.3).
    let coding = headers
        .get_all("content-encoding")
        .collect::<Vec<_>>()
        .join(", ");
    if coding.is_empty() {
        return Ok((wire, None));
    }
    let on_wire = format!("{coding}, {} bytes on the wire", wire.len());
    match crate::http::decode(&wire, &coding, max_body) {
        Ok(Some(body)) => Ok((body, Some(wire.len()))),
        Ok(None) => Ok((wire, None)),
        Err(DecodeError::TooLarge { .. }) => Err(Box::new(Finding::error(
            CheckKind::Limit,
            format!(
                "the {status} response's body is larger than {}, the harness's limit (`--max-body`), once decoded ({on_wire}): not read further, not checked",
                crate::units::human_size(max_body)
            ),
        ))),
        Err(e) => Err(Box::new(Finding::violation(
            CheckKind::Content,
            format!(
                "the {status} response's body does not decode as its `Content-Encoding` says ({on_wire}): {e}"
            ),
        ))),
    }
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
    let whole = |k: &str| {
        op.params_in(crate::openapi::ParamIn::Querystring)
            .any(|p| p.name == k)
    };
    let mut raw = Vec::new();
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            if whole(k) {
                match querystring::pairs_of(v) {
                    querystring::Wire::Pairs(list) => {
                        pairs.extend_pairs(list);
                    }
                    querystring::Wire::Raw(text) => raw.push(text),
                }
                continue;
            }
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
    // A querystring given as text is the query string as written (only `#` would end it).
    for text in raw {
        let text = text.replace('#', "%23");
        let joined = match url.query().filter(|q| !q.is_empty()) {
            Some(q) => format!("{q}&{text}"),
            None => text,
        };
        url.set_query(Some(&joined));
    }

    Ok(url)
}

/// A transport finding: what failed, then the innermost cause (the OS's or TLS's words).
fn transport_finding(what: String, e: &reqwest::Error) -> Finding {
    Finding::error(CheckKind::Transport, transport_message(what, e))
}

/// What failed, then the innermost cause of `e` and, for a TLS failure, the likely fix.
pub(crate) fn transport_message(what: String, e: &reqwest::Error) -> String {
    let cause = innermost_cause(e);
    match (cause.is_empty(), super::client::tls_hint(&cause)) {
        (true, _) => what,
        (false, None) => format!("{what}: {cause}"),
        (false, Some(hint)) => format!("{what}: {cause}; {hint}"),
    }
}

/// The innermost cause of `e` (the OS's, hyper's or TLS's words); empty when it has none.
fn innermost_cause(e: &reqwest::Error) -> String {
    let mut cause = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    cause
}
