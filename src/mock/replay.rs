//! `conform mock API --replay FILE.har`: a server that answers from a recording
//! ([`crate::har::replay::Replay`]) in front of the API's reference mock, if it has one. What
//! the recording answers is answered as recorded (status, headers but those of one connection,
//! body). What is not an operation of the spec (a login, a version document, a domain lookup)
//! goes to the reference mock, so a client's own authentication still works although the
//! recording holds its credentials redacted; credentials are not checked against the
//! recording. An operation the recording does not hold as asked gets a 404 from conform naming
//! the nearest recorded request ([`Fallback::NotFound`], the default, so a run never passes
//! unknowingly on the mock's answers) or the mock's answer ([`Fallback::Mock`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::Url;

use super::{MockOptions, Running};
use crate::har::replay::{Answer, Replay};

/// Where a request the recording does not hold goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fallback {
    /// A 404 from conform that names the nearest recorded request.
    #[default]
    NotFound,
    /// The API's reference mock.
    Mock,
}

/// Request bodies read whole to match them, at most.
const MAX_BODY: usize = 16 * 1024 * 1024;

struct Shared {
    replay: Replay,
    fallback: Fallback,
    /// The recording's name, for the 404's words.
    file: String,
    has_mock: bool,
}

/// Why a replay cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ReplayServeError {
    /// [`Fallback::Mock`] for an API that has no reference mock.
    #[error(
        "`{api}` has no reference mock to fall back on (mocks: {}); fall back on a 404 instead",
        super::APIS.join(", ")
    )]
    NoMock {
        /// The API named.
        api: String,
    },
    /// The port cannot be bound.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Serves `replay` for `api` on 127.0.0.1:`port` (0: ephemeral).
pub async fn start_replay(
    api: &str,
    replay: Replay,
    file: &str,
    fallback: Fallback,
    port: u16,
) -> Result<Running, ReplayServeError> {
    let mock = super::router(api, &MockOptions::default());
    let has_mock = mock.is_some();
    if fallback == Fallback::Mock && !has_mock {
        return Err(ReplayServeError::NoMock {
            api: api.to_owned(),
        });
    }
    let shared = Arc::new(Shared {
        replay,
        fallback,
        file: file.to_owned(),
        has_mock,
    });
    let app = mock
        .unwrap_or_default()
        .layer(axum::middleware::from_fn_with_state(shared, replaying));
    Ok(super::serve(api, app, port).await?)
}

async fn replaying(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return own(
            StatusCode::PAYLOAD_TOO_LARGE,
            serde_json::json!({"conform_replay": format!(
                "the request body is over the replay's limit of {MAX_BODY} bytes"
            )}),
        );
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let Ok(url) = Url::parse(&format!("http://{host}{target}")) else {
        return own(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"conform_replay": format!("`{target}` is not a request target")}),
        );
    };
    let pass = |parts, bytes| next.run(Request::from_parts(parts, Body::from(bytes)));
    let mut asked = crate::http::Request::new(parts.method.as_str(), url.clone());
    asked.headers = crate::http::Headers::from(&parts.headers);
    asked.body = crate::http::Body::new(bytes.to_vec());
    match s.replay.answer(&asked) {
        Answer::Recorded { response, .. } => {
            let mut r = Response::new(Body::from(response.body.into_bytes()));
            *r.status_mut() = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
            for (n, v) in response.headers {
                // A recording holds the body decoded (HAR's `content.text`): the coding it
                // came in is not the one replayed.
                if crate::proxy::HOP_BY_HOP
                    .iter()
                    .any(|h| n.eq_ignore_ascii_case(h))
                    || n.eq_ignore_ascii_case("content-encoding")
                {
                    continue;
                }
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(n.as_bytes()),
                    HeaderValue::from_str(&v),
                ) {
                    r.headers_mut().append(n, v);
                }
            }
            r
        }
        Answer::NotInSpec if s.has_mock => pass(parts, bytes).await,
        Answer::NotRecorded { .. } if s.fallback == Fallback::Mock => pass(parts, bytes).await,
        Answer::NotInSpec => own(
            StatusCode::NOT_FOUND,
            serde_json::json!({"conform_replay": format!(
                "{} {} is no operation of the spec, and the API has no reference mock to answer it",
                parts.method,
                url.path()
            )}),
        ),
        Answer::NotRecorded { operation, nearest } => own(
            StatusCode::NOT_FOUND,
            serde_json::json!({
                "conform_replay": format!(
                    "{} {} ({operation}) is not in the recording {}: this answer is conform's, \
                     not the vendor's",
                    parts.method, url.path(), s.file
                ),
                "nearest": nearest,
            }),
        ),
    }
}

fn own(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}
