//! Fault profiles: each turns off one rule a real vendor could break, so the harness's own tests
//! can prove that every check fails when it should. The transport-level ones are applied to
//! every mock by [`layer`]; the others are implemented by each API's mock where the rule exists.

use std::str::FromStr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// One broken rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Success answers with another 2xx than the spec documents.
    WrongSuccessStatus,
    /// A response documented without a body gets one.
    BodyOnEmptyResponse,
    /// A required field is left out of success bodies.
    MissingRequiredField,
    /// A field has the wrong JSON type (`"true"` for a boolean).
    WrongType,
    /// Error envelopes documented as closed get an undocumented field.
    ExtraField,
    /// Errors use another envelope shape than documented.
    WrongErrorEnvelope,
    /// Errors carry another error code than documented.
    WrongErrorCode,
    /// A documented response header is left out.
    MissingHeader,
    /// JSON bodies are sent as `text/plain` (a transport fault: every mock).
    WrongContentType,
    /// A repeated `clientToken` is treated as a new request instead of replaying the first.
    IdempotencyIgnored,
    /// A transition the resource's state machine forbids succeeds.
    ForbiddenTransition,
    /// An asynchronous state change never reaches its final state.
    NeverCompletes,
    /// Every response is delayed past the step timeout (by [`SLOW_DELAY`]; a transport fault).
    Slow,
    /// The connection is cut mid-body (a transport fault: every mock).
    ConnectionReset,
    /// JSON bodies are cut short so they no longer parse (a transport fault: every mock).
    MalformedJson,
    /// An exhausted monthly quota is answered 429, as an earlier vendor page documented it,
    /// instead of the current page's 403 (LivePerson's create).
    Quota429,
}

impl Fault {
    /// Every profile, in the order `conform mock --list-faults` lists them.
    pub const ALL: &'static [Fault] = &[
        Fault::WrongSuccessStatus,
        Fault::BodyOnEmptyResponse,
        Fault::MissingRequiredField,
        Fault::WrongType,
        Fault::ExtraField,
        Fault::WrongErrorEnvelope,
        Fault::WrongErrorCode,
        Fault::MissingHeader,
        Fault::WrongContentType,
        Fault::IdempotencyIgnored,
        Fault::ForbiddenTransition,
        Fault::NeverCompletes,
        Fault::Slow,
        Fault::ConnectionReset,
        Fault::MalformedJson,
        Fault::Quota429,
    ];

    /// The profile's name, as `conform mock --fault` takes it (`wrong-success-status`).
    pub fn name(self) -> &'static str {
        match self {
            Fault::WrongSuccessStatus => "wrong-success-status",
            Fault::BodyOnEmptyResponse => "body-on-empty-response",
            Fault::MissingRequiredField => "missing-required-field",
            Fault::WrongType => "wrong-type",
            Fault::ExtraField => "extra-field",
            Fault::WrongErrorEnvelope => "wrong-error-envelope",
            Fault::WrongErrorCode => "wrong-error-code",
            Fault::MissingHeader => "missing-header",
            Fault::WrongContentType => "wrong-content-type",
            Fault::IdempotencyIgnored => "idempotency-ignored",
            Fault::ForbiddenTransition => "forbidden-transition",
            Fault::NeverCompletes => "never-completes",
            Fault::Slow => "slow",
            Fault::ConnectionReset => "connection-reset",
            Fault::MalformedJson => "malformed-json",
            Fault::Quota429 => "quota-429",
        }
    }

    /// One line: what the profile breaks.
    pub fn description(self) -> &'static str {
        match self {
            Fault::WrongSuccessStatus => {
                "success answers with another 2xx than documented (CancelDeletion 201, restore 200, cancel 201)"
            }
            Fault::BodyOnEmptyResponse => {
                "a response documented without a body gets one (Nova's 202 of restore)"
            }
            Fault::MissingRequiredField => {
                "a required field is left out of success bodies (RequestId, request_id)"
            }
            Fault::WrongType => {
                "a field has the wrong JSON type (\"true\" for Alibaba's boolean Result)"
            }
            Fault::ExtraField => "error envelopes documented as closed get an undocumented field",
            Fault::WrongErrorEnvelope => "errors use another envelope shape than documented",
            Fault::WrongErrorCode => {
                "errors carry another code than documented (InstanceNotFound, itemNotFound, ...)"
            }
            Fault::MissingHeader => {
                "a documented response header is left out (RequestId headers, microversion headers)"
            }
            Fault::WrongContentType => "JSON bodies are sent as text/plain",
            Fault::IdempotencyIgnored => "a repeated clientToken is treated as a new request",
            Fault::ForbiddenTransition => {
                "a transition the state machine forbids succeeds (restore of an active server)"
            }
            Fault::NeverCompletes => {
                "an asynchronous state change never completes (activating, restoring)"
            }
            Fault::Slow => "every response is delayed past the step timeout",
            Fault::ConnectionReset => "the connection is cut in the middle of the response body",
            Fault::MalformedJson => "JSON bodies are cut short and no longer parse",
            Fault::Quota429 => {
                "the monthly quota is answered 429 as LivePerson's earlier page had it, not 403"
            }
        }
    }
}

/// A fault profile's name that names none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault profile `{name}`; profiles: {}", Fault::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownFault {
    /// The name given.
    pub name: String,
}

impl FromStr for Fault {
    type Err = UnknownFault;
    fn from_str(s: &str) -> Result<Self, UnknownFault> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault { name: s.to_owned() })
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How long the `slow` profile delays each response.
pub const SLOW_DELAY: Duration = Duration::from_secs(3);

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(crate::openapi::model_is_json)
}

/// Applies the transport-level faults (`slow`, `connection-reset`, `malformed-json`,
/// `wrong-content-type`) to any mock's responses.
pub async fn layer(
    fault: Option<Fault>,
    slow_delay: Duration,
    req: Request,
    next: Next,
) -> Response {
    let resp = next.run(req).await;
    match fault {
        Some(Fault::Slow) => {
            tokio::time::sleep(slow_delay).await;
            resp
        }
        Some(Fault::WrongContentType) if is_json(&resp) => {
            let (mut parts, body) = resp.into_parts();
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            Response::from_parts(parts, body)
        }
        Some(Fault::MalformedJson) if is_json(&resp) => {
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(cut))
        }
        Some(Fault::ConnectionReset) => {
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            // Promise the whole body, send half, then fail the stream: the server closes the
            // connection mid-body, as a reset would.
            let half = bytes.slice(..bytes.len() / 2);
            let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fault: connection-reset",
                )),
            ];
            parts.headers.insert(
                header::CONTENT_LENGTH,
                HeaderValue::from(bytes.len().max(1)),
            );
            Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
        }
        _ => resp,
    }
}
