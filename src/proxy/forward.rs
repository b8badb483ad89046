//! One exchange through the proxy: [`handle`] reads the client's request (up to the proxy's
//! body limit), sends it to the target as the client wrote it (method, path, query, headers,
//! body), reads the answer, has it checked and reported ([`super::verdict`]), and gives the
//! client the target's answer unchanged. What the proxy itself cannot do (a body over its
//! limit, a target it cannot reach, a TLS tunnel) is answered with a status of its own (413,
//! 502, 504, 405) and a JSON body that says it comes from conform, never from the target.
//!
//! Only the headers that belong to one connection are not passed on ([`HOP_BY_HOP`]), and
//! three are set: `Host` is the target's (unless kept, see [`super::ProxyOptions`]),
//! `Accept-Encoding: identity` (the proxy reads the answer to check it, and has no
//! decompressor), and `X-Forwarded-Host`/`X-Forwarded-Proto` say where the client connected,
//! for a target that builds links from them (a service catalog does). The proxy's own headers
//! (`--header`, [`super::ProxyOptions::headers`]) are added where the client sent none of the
//! same name. With a signer ([`super::Upstream::signer`]) the request matched to an operation is
//! signed last, after all of that, so the signature covers the bytes sent.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::{ProxyOptions, Session, Upstream};
use crate::har::Matcher;
use crate::http::{
    Body as HttpBody, Exchange, Headers, NoResponse, Request as HttpRequest,
    Response as HttpResponse,
};
use crate::openapi::model_is_json;
use crate::remedy::Setting;

/// Headers of one connection (RFC 9110 section 7.6.1), never forwarded; with them, the ones a
/// message's framing sets (`Content-Length`), which the next hop computes again.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// The target's answer, or why there is none.
type Answered = Result<HttpResponse, NoResponse>;

pub(super) struct Shared {
    pub matcher: Matcher,
    pub upstream: Upstream,
    pub client: reqwest::Client,
    pub options: ProxyOptions,
    pub session: Arc<Session>,
    pub listener: SocketAddr,
}

pub(super) async fn handle(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let started = Instant::now();
    let started_at = jiff::Timestamp::now();
    let (parts, body) = req.into_parts();
    let url = upstream_url(&s.upstream.base, &parts.uri);
    let mut exchange = Exchange {
        request: HttpRequest::new(parts.method.to_string(), url.clone()),
        response: Err(NoResponse::Failed(String::new())),
        started_at: Some(started_at),
        elapsed: Default::default(),
    };
    if parts.method == Method::CONNECT {
        let why = "conform proxy does not open TLS tunnels (CONNECT): it must read the \
                   exchange to check it. Have the client speak plain HTTP to the proxy (for an \
                   SDK, protocol `http` and the proxy as its HTTP proxy); the proxy speaks HTTPS \
                   to the target.";
        exchange.response = Err(NoResponse::Limit(why.into()));
        return s.finish(exchange, started, own(StatusCode::METHOD_NOT_ALLOWED, why));
    }
    let absolute = parts.uri.authority().is_some();
    let mut headers = forwarded(
        &parts.headers,
        &url,
        s.options.preserve_host || absolute,
        s.listener,
    );
    add_own(&mut headers, &s.options.headers);
    exchange.request.headers = Headers::from(headers);
    let bytes = match axum::body::to_bytes(body, s.options.max_body).await {
        Ok(b) => b.to_vec(),
        Err(e) => {
            let why = format!(
                "conform proxy: the request body could not be read whole under the proxy's \
                 limit of {} bytes ({}): {e}",
                s.options.max_body,
                s.options.remedies.name(Setting::MaxBody)
            );
            exchange.response = Err(NoResponse::Limit(why.clone()));
            return s.finish(exchange, started, own(StatusCode::PAYLOAD_TOO_LARGE, &why));
        }
    };
    // What the request declares of its body counts only when it has one: an empty body is
    // none, whatever its headers say.
    exchange.request.body = match bytes.is_empty() {
        true => HttpBody::default(),
        false => HttpBody::new(bytes).described_by(&exchange.request.headers),
    };
    if let Some(signer) = &s.upstream.signer {
        // Signed over the exact request sent next: nothing changes it after this.
        if let Err(e) = signer
            .sign(&mut exchange.request, &s.matcher, &s.client)
            .await
        {
            let why = format!("conform proxy: the request could not be signed: {e}");
            exchange.response = Err(NoResponse::Failed(why.clone()));
            return s.finish(exchange, started, own(StatusCode::BAD_GATEWAY, &why));
        }
    }
    exchange.response = s.send(&parts.method, &exchange.request).await;
    let reply = match &exchange.response {
        Ok(answer) => {
            let mut r = Response::new(Body::from(answer.body.to_vec()));
            *r.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (n, v) in &answer.headers {
                if HOP_BY_HOP.iter().any(|h| n.eq_ignore_ascii_case(h)) {
                    continue;
                }
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(n.as_bytes()),
                    HeaderValue::from_str(v),
                ) {
                    r.headers_mut().append(n, v);
                }
            }
            r
        }
        Err(NoResponse::Timeout(why)) => own(StatusCode::GATEWAY_TIMEOUT, why),
        Err(no) => own(StatusCode::BAD_GATEWAY, no.reason()),
    };
    s.finish(exchange, started, reply)
}

impl Shared {
    fn finish(&self, mut exchange: Exchange, started: Instant, reply: Response) -> Response {
        exchange.elapsed = started.elapsed();
        let result = super::verdict::check(
            &self.upstream.api.name,
            &exchange,
            &self.matcher,
            self.options.strict,
            self.upstream.signer.is_some(),
            &self.session,
        );
        self.session.report(result);
        reply
    }

    /// Sends the request and reads the answer whole, within the timeout and the body limit.
    async fn send(&self, method: &Method, request: &HttpRequest) -> Answered {
        let url = &request.url;
        let Ok(method) = reqwest::Method::from_bytes(method.as_str().as_bytes()) else {
            return Err(NoResponse::Failed(format!(
                "conform proxy: the method {method} is not valid"
            )));
        };
        let mut req = self
            .client
            .request(method, url.clone())
            .timeout(self.options.timeout)
            .body(request.body.to_vec());
        for (n, v) in &request.headers {
            req = req.header(n.as_str(), v.as_str());
        }
        let timeout = |what: &str| {
            Err(NoResponse::Timeout(format!(
                "conform proxy: no {what} from {} within {:?} ({})",
                origin(url),
                self.options.timeout,
                self.options.remedies.name(Setting::Timeout)
            )))
        };
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return timeout("answer"),
            Err(e) => {
                let what = format!("conform proxy: cannot reach {}", origin(url));
                return Err(NoResponse::Failed(crate::run::transport_message(what, &e)));
            }
        };
        let status = resp.status().as_u16();
        let headers = Headers::from(resp.headers());
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.options.max_body {
                        return Err(NoResponse::Limit(format!(
                            "conform proxy: the answer from {} is over the proxy's limit of {} \
                             bytes ({}); it was not passed on",
                            origin(url),
                            self.options.max_body,
                            self.options.remedies.name(Setting::MaxBody)
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => return timeout("whole answer"),
                Err(e) => {
                    let what = format!(
                        "conform proxy: the answer from {} broke off after {} bytes",
                        origin(url),
                        body.len()
                    );
                    return Err(NoResponse::Failed(crate::run::transport_message(what, &e)));
                }
            }
        }
        let is_json = headers.get("content-type").is_some_and(model_is_json);
        let body = HttpBody::new(body)
            .described_by(&headers)
            .parse_json(is_json);
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// The target URL of a request: the target's URL with the request's path appended (the
/// listener's root stands for it) and the request's query as it was written, so a signature
/// over the query still holds. A request in absolute form (`GET http://host/path`, the client
/// uses the proxy as its HTTP proxy) is sent to the target too: its path and query are taken.
pub(super) fn upstream_url(base: &Url, uri: &Uri) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    let path = uri.path();
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(uri.query());
    url
}

/// The client's headers as the target gets them.
fn forwarded(
    headers: &HeaderMap,
    url: &Url,
    keep_host: bool,
    listener: SocketAddr,
) -> Vec<(String, String)> {
    // Headers the client's `Connection` names are of this connection too.
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    let client_host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| listener.to_string(), str::to_owned);
    let mut out = Vec::new();
    for (n, v) in headers {
        let name = n.as_str();
        if HOP_BY_HOP.contains(&name)
            || named.iter().any(|c| c == name)
            || name == "accept-encoding"
            || (name == "host" && !keep_host)
            || name.starts_with("x-forwarded-")
        {
            continue;
        }
        out.push((
            name.to_owned(),
            String::from_utf8_lossy(v.as_bytes()).into_owned(),
        ));
    }
    if !keep_host {
        out.push(("host".into(), host_of(url)));
        out.push(("x-forwarded-host".into(), client_host));
        out.push(("x-forwarded-proto".into(), "http".into()));
    }
    out.push(("accept-encoding".into(), "identity".into()));
    out
}

/// The proxy's `--header`s added to the client's: a header the client sent itself wins, as a
/// step's own header wins over the command line's in a run.
fn add_own(headers: &mut Vec<(String, String)>, own: &[(String, String)]) {
    for (name, value) in own {
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            headers.push((name.to_ascii_lowercase(), value.clone()));
        }
    }
}

/// `host[:port]` of a URL, the port only when it is not the scheme's default.
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

fn origin(url: &Url) -> String {
    format!("{}://{}", url.scheme(), host_of(url))
}

/// An answer of the proxy's own, which says so.
fn own(status: StatusCode, why: &str) -> Response {
    let body = serde_json::json!({ "conform_proxy": why });
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listener_root_stands_for_the_target_url() {
        let base = Url::parse("https://compute.test:8774/v2.1/").expect("url");
        let uri: Uri = "/servers/abc/action?x=%2F1&y=a+b".parse().expect("uri");
        assert_eq!(
            upstream_url(&base, &uri).as_str(),
            "https://compute.test:8774/v2.1/servers/abc/action?x=%2F1&y=a+b"
        );
        let absolute: Uri = "http://es.vendor.test/openapi/instances?clientToken=t"
            .parse()
            .expect("uri");
        let base = Url::parse("http://127.0.0.1:9").expect("url");
        assert_eq!(
            upstream_url(&base, &absolute).as_str(),
            "http://127.0.0.1:9/openapi/instances?clientToken=t"
        );
    }

    #[test]
    fn connection_headers_are_dropped_and_the_host_is_the_targets() {
        let mut h = HeaderMap::new();
        for (n, v) in [
            ("host", "127.0.0.1:7000"),
            ("connection", "keep-alive, x-hop"),
            ("x-hop", "1"),
            ("accept-encoding", "gzip"),
            ("x-acs-signature-nonce", "n-1"),
            ("authorization", "ACS3-HMAC-SHA256 Credential=a"),
            ("content-length", "3"),
        ] {
            h.append(
                HeaderName::from_static(n),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        let url = Url::parse("https://es.vendor.test/openapi").expect("url");
        let listener: SocketAddr = "127.0.0.1:7000".parse().expect("addr");
        let sent = forwarded(&h, &url, false, listener);
        let names: Vec<&str> = sent.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "x-acs-signature-nonce",
                "authorization",
                "host",
                "x-forwarded-host",
                "x-forwarded-proto",
                "accept-encoding"
            ]
        );
        assert_eq!(sent[2].1, "es.vendor.test");
        assert_eq!(sent[3].1, "127.0.0.1:7000");
        let kept = forwarded(&h, &url, true, listener);
        assert!(kept.contains(&("host".into(), "127.0.0.1:7000".into())));
        assert!(!kept.iter().any(|(n, _)| n == "x-forwarded-host"));
    }
}
