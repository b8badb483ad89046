//! Nova's API under `/compute/v2.1`, in the order Nova's pipeline runs: request ids, token
//! auth (401 from the auth middleware), microversion (400/406), Content-Type (415), routing,
//! then the operations of `handlers.rs`: body schema (400), lookup (404, also for another
//! project's server), state (409). Every response gets the request-id headers and, once a
//! version is negotiated, the version headers.
//!
//! Faults of this API: `body-on-empty-response` (restore 202 with a body),
//! `wrong-success-status` (restore 200), `missing-header` (no `X-Openstack-Request-Id`),
//! `forbidden-transition` (restore of an active server accepted), `never-completes`
//! (restoring forever), `wrong-error-envelope`, `wrong-error-code`, `extra-field` (Nova
//! faults), `missing-required-field` (server without `status`), `wrong-type`
//! (`OS-EXT-STS:power_state` as a string).

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::handlers;
use super::keystone::origin;
use super::microversion::{self, MAX, MIN, Refused, Version};
use super::{Grant, Shared};
use crate::mock::Fault;

/// Request bodies above this are refused, as Nova's `osapi_max_request_body_size` does.
const MAX_BODY: usize = 114_688;

fn version_doc(origin: &str) -> Value {
    json!({
        "id": "v2.1",
        "status": "CURRENT",
        "version": MAX.to_string(),
        "min_version": MIN.to_string(),
        "updated": "2013-07-23T11:33:21Z",
        "links": [
            {"rel": "self", "href": format!("{origin}/compute/v2.1/")},
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}],
    })
}

/// `GET /compute/`: the versions Nova serves (clients discover the microversion range here).
pub async fn versions(headers: HeaderMap) -> Response {
    Json(json!({"versions": [version_doc(&origin(&headers))]})).into_response()
}

/// `GET /compute/v2.1/`.
pub async fn version(headers: HeaderMap) -> Response {
    Json(json!({"version": version_doc(&origin(&headers))})).into_response()
}

/// Who is calling, from the token.
pub(super) struct Caller {
    pub(super) project_id: String,
    pub(super) user_id: String,
}

/// A request on its way through the pipeline.
pub(super) struct Call<'a> {
    pub(super) st: &'a Shared,
    pub(super) caller: Caller,
    /// `http://host/compute`, for links.
    pub(super) root: String,
    pub(super) fault: Option<Fault>,
}

impl Call<'_> {
    pub(super) fn now(&self) -> jiff::Timestamp {
        self.st.now()
    }

    /// Nova's fault envelope, broken as the fault profile says.
    pub(super) fn fault(&self, status: StatusCode, name: &str, message: &str) -> Response {
        nova_fault(self.fault, status, name, message)
    }

    pub(super) fn not_found(&self, id: &str) -> Response {
        let msg = format!("Instance {id} could not be found.");
        self.fault(StatusCode::NOT_FOUND, "itemNotFound", &msg)
    }
}

fn nova_fault(fault: Option<Fault>, status: StatusCode, name: &str, message: &str) -> Response {
    let code = status.as_u16();
    let body = match fault {
        Some(Fault::WrongErrorEnvelope) => json!({"code": code, "message": message}),
        Some(Fault::WrongErrorCode) => {
            let other = if name == "badRequest" {
                "computeFault"
            } else {
                "badRequest"
            };
            json!({other: {"code": code, "message": message}})
        }
        Some(Fault::ExtraField) => {
            json!({name: {"code": code, "message": message, "details": "undocumented"}})
        }
        _ => json!({name: {"code": code, "message": message}}),
    };
    (status, Json(body)).into_response()
}

/// The keystonemiddleware refusal: its own body and `WWW-Authenticate`, no version headers.
fn unauthorized(origin: &str) -> Response {
    let body = json!({"error": {"code": 401, "title": "Unauthorized",
        "message": "The request you have made requires authentication."}});
    let mut resp = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("Keystone uri=\"{origin}/identity\"")) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

pub(super) fn set(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

fn with_request_ids(mut resp: Response, id: &str, fault: Option<Fault>) -> Response {
    set(&mut resp, "x-compute-request-id", id);
    if fault != Some(Fault::MissingHeader) {
        set(&mut resp, "x-openstack-request-id", id);
    }
    resp
}

fn with_version(mut resp: Response, v: Version) -> Response {
    set(&mut resp, "openstack-api-version", &format!("compute {v}"));
    set(&mut resp, "x-openstack-nova-api-version", &v.to_string());
    set(
        &mut resp,
        "vary",
        "OpenStack-API-Version, X-OpenStack-Nova-API-Version",
    );
    resp
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Everything under `/compute/v2.1/...` (and a plain 404 elsewhere).
pub async fn dispatch(State(st): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let Some(rest) = path.strip_prefix("/compute/v2.1/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(by) = crate::mock::clock_jump(&parts.headers) {
        let aged = match segments.as_slice() {
            ["servers", id, ..] | [_, "servers", id, ..] => Some(*id),
            _ => None,
        };
        st.shield(by, aged);
    }

    let fault = st.options.fault;
    let request_id = format!("req-{}", crate::mock::ids::request_uuid());
    let origin = origin(&parts.headers);
    // Nova refuses unscoped tokens as it refuses bad ones: there is no project to act in.
    let Some((user_id, project_id)) = header(&parts.headers, "x-auth-token")
        .and_then(|t| valid_grant(&st, t))
        .and_then(|g| Some((g.user_id, g.project_id?)))
    else {
        return with_request_ids(unauthorized(&origin), &request_id, fault);
    };

    let version = match microversion::negotiate(
        header(&parts.headers, "openstack-api-version"),
        header(&parts.headers, "x-openstack-nova-api-version"),
    ) {
        Ok(v) => v,
        Err(refused) => {
            let msg = refused.message();
            return match refused {
                Refused::Malformed(_) => with_request_ids(
                    nova_fault(fault, StatusCode::BAD_REQUEST, "badRequest", &msg),
                    &request_id,
                    fault,
                ),
                Refused::OutOfRange(v) => with_version(
                    with_request_ids(
                        nova_fault(fault, StatusCode::NOT_ACCEPTABLE, "computeFault", &msg),
                        &request_id,
                        fault,
                    ),
                    v,
                ),
            };
        }
    };

    let call = Call {
        st: &st,
        caller: Caller {
            project_id,
            user_id,
        },
        root: format!("{origin}/compute"),
        fault,
    };
    let resp = route(&call, &parts.method, &parts.headers, &segments, body).await;
    with_version(with_request_ids(resp, &request_id, fault), version)
}

fn valid_grant(st: &Shared, token: &str) -> Option<Grant> {
    let now = st.now();
    st.tokens()
        .get(token)
        .filter(|g| g.expires_at > now)
        .cloned()
}

async fn route(
    call: &Call<'_>,
    method: &Method,
    headers: &HeaderMap,
    segments: &[&str],
    body: Body,
) -> Response {
    // The `/{project_id}` prefix is optional; when given it must be the token's project.
    let segments = match segments {
        [project, "servers", ..] if *project != "servers" => {
            if *project != call.caller.project_id {
                let msg = format!(
                    "Malformed request URL: URL's project_id '{project}' doesn't match Context's project_id '{}'",
                    call.caller.project_id
                );
                return call.fault(StatusCode::BAD_REQUEST, "badRequest", &msg);
            }
            &segments[1..]
        }
        _ => segments,
    };
    if *method == Method::POST {
        let content_type = header(headers, "content-type").unwrap_or("application/json");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json")
            && !essence.eq_ignore_ascii_case("application/vnd.openstack.compute+json")
        {
            return call.fault(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "badMediaType",
                "Unsupported Content-Type",
            );
        }
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let msg = "Request is too large.";
            return call.fault(StatusCode::PAYLOAD_TOO_LARGE, "overLimit", msg);
        }
    };
    // Nova's actions and create take a JSON object; anything else is a malformed body.
    let object = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    let malformed = || {
        call.fault(
            StatusCode::BAD_REQUEST,
            "badRequest",
            "Malformed request body",
        )
    };
    match (method, segments) {
        (&Method::POST, ["servers"]) => match object {
            Some(b) => handlers::create(call, b),
            None => malformed(),
        },
        (&Method::GET, ["servers"]) => handlers::list(call, false),
        (&Method::GET, ["servers", "detail"]) => handlers::list(call, true),
        (&Method::GET, ["servers", id]) => handlers::show(call, id),
        (&Method::DELETE, ["servers", id]) => handlers::delete(call, id),
        (&Method::POST, ["servers", id, "action"]) => match object {
            Some(b) => handlers::action(call, id, b),
            None => malformed(),
        },
        // RFC 9110 §15.5.6: a 405 lists the methods the resource has.
        (_, ["servers"]) => not_allowed("GET, POST"),
        (_, ["servers", "detail"]) => not_allowed("GET"),
        (_, ["servers", _]) => not_allowed("GET, DELETE"),
        (_, ["servers", _, "action"]) => not_allowed("POST"),
        _ => call.fault(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            "The resource could not be found.",
        ),
    }
}

/// A 405 with the `Allow` header RFC 9110 §15.5.6 requires of it.
fn not_allowed(allow: &'static str) -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, [("allow", allow)]).into_response()
}
