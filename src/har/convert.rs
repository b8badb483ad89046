//! HAR as one serialisation of the exchange model: an [`Entry`] read into a
//! [`crate::http::Exchange`] ([`exchange_of`]), so a recording is checked, replayed and compared
//! through the same types as a live exchange.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::format::{Content, Entry, Pair};
use crate::http::{Body, Exchange, Headers, NoResponse, Request, Response};
use crate::openapi::model_is_json;

/// The entry's exchange, or why its URL is not one. A response body that is not valid base64
/// where the entry says it is reads as empty, and the error is said.
pub(crate) fn exchange_of(e: &Entry) -> Result<(Exchange, Option<String>), url::ParseError> {
    let request = request_of(e)?;
    let (response, bad_base64) = if e.response.status == 0 {
        let why = e.response.error.as_deref().unwrap_or("none given");
        (Err(NoResponse::Failed(why.to_owned())), None)
    } else {
        let (response, bad) = response_of(e);
        (Ok(response), bad)
    };
    let exchange = Exchange {
        request,
        response,
        started_at: e.started_date_time.parse().ok(),
        elapsed: Duration::from_secs_f64(e.time.max(0.0) / 1000.0),
    };
    Ok((exchange, bad_base64))
}

/// The entry's request. The URL is what went on the wire; a `queryString` is read only when
/// the URL has no query (an export may leave either out).
fn request_of(e: &Entry) -> Result<Request, url::ParseError> {
    let mut url = url::Url::parse(&e.request.url)?;
    if url.query().is_none() && !e.request.query_string.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for p in &e.request.query_string {
            pairs.append_pair(&p.name, &p.value);
        }
    }
    let mut request = Request::new(e.request.method.clone(), url);
    request.headers = headers_of(&e.request.headers);
    if let Some(p) = &e.request.post_data {
        let full = usize::try_from(e.request.body_size).unwrap_or(p.text.len());
        // The body's type is the one `postData` declares, empty included: a body is read as
        // JSON when it says so or says nothing.
        request.body = Body::new(p.text.clone().into_bytes())
            .of_media_type(&p.mime_type)
            .cut_from(full, p.truncated);
    }
    Ok(request)
}

/// The entry's response, its body decoded; and the decoding error, if any.
fn response_of(e: &Entry) -> (Response, Option<String>) {
    let headers = headers_of(&e.response.headers);
    let (bytes, bad) = decoded(&e.response.content);
    let full = usize::try_from(e.response.content.size).unwrap_or(bytes.len());
    let is_json = headers.get("content-type").is_some_and(model_is_json);
    let body = Body::new(bytes)
        .described_by(&headers)
        .cut_from(full, e.response.content.truncated)
        .parse_json(is_json);
    let response = Response {
        status: e.response.status,
        headers,
        body,
    };
    (response, bad)
}

/// The response body a HAR `content` holds, decoded; and the decoding error, if any.
pub(crate) fn decoded(content: &Content) -> (Vec<u8>, Option<String>) {
    match (&content.text, content.encoding.as_deref()) {
        (Some(t), Some(enc)) if enc.eq_ignore_ascii_case("base64") => match BASE64.decode(t) {
            Ok(b) => (b, None),
            Err(err) => (Vec::new(), Some(err.to_string())),
        },
        (Some(t), _) => (t.clone().into_bytes(), None),
        (None, _) => (Vec::new(), None),
    }
}

pub(crate) fn headers_of(pairs: &[Pair]) -> Headers {
    pairs
        .iter()
        .map(|p| (p.name.clone(), p.value.clone()))
        .collect()
}
