//! The Alibaba error responses of the mock: [`Code`] names every error it sends, with the HTTP
//! status of conform's mapping (specs/alibaba-elasticsearch/NOTES.md, "HTTP status of the
//! gateway errors") and the vendor's message; [`Reply`] renders success and error bodies with
//! the `RequestId` every Alibaba response carries, and applies the body-level fault profiles.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::mock::Fault;

/// Every error the mock sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    InstanceNotFound,
    InstanceStatusNotSupportCurrentAction,
    InstanceActivating,
    IdempotentParameterMismatch,
    MissingParameter(&'static str),
    InvalidParameter(&'static str),
    IncompleteSignature,
    SignatureDoesNotMatch,
    InvalidAccessKeyIdNotFound,
    InvalidActionNotFound,
}

impl Code {
    pub fn name(self) -> &'static str {
        match self {
            Code::InstanceNotFound => "InstanceNotFound",
            Code::InstanceStatusNotSupportCurrentAction => "InstanceStatusNotSupportCurrentAction",
            Code::InstanceActivating => "InstanceActivating",
            Code::IdempotentParameterMismatch => "IdempotentParameterMismatch",
            Code::MissingParameter(_) => "MissingParameter",
            Code::InvalidParameter(_) => "InvalidParameter",
            Code::IncompleteSignature => "IncompleteSignature",
            Code::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            Code::InvalidAccessKeyIdNotFound => "InvalidAccessKeyId.NotFound",
            Code::InvalidActionNotFound => "InvalidAction.NotFound",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::InvalidAccessKeyIdNotFound | Code::InvalidActionNotFound => StatusCode::NOT_FOUND,
            Code::InstanceActivating => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn message(self) -> String {
        match self {
            Code::InstanceNotFound => "The instanceId provided does not exist.".into(),
            Code::InstanceStatusNotSupportCurrentAction => {
                "The current instance status does not support this action.".into()
            }
            Code::InstanceActivating => "Instance is activating.".into(),
            Code::IdempotentParameterMismatch => {
                "The request uses the same client token as a previous, but non-identical request."
                    .into()
            }
            Code::MissingParameter(p) => format!("{p} is mandatory for this action."),
            Code::InvalidParameter(p) => format!("The specified parameter {p} is not valid."),
            Code::IncompleteSignature => {
                "The request signature does not conform to Aliyun standards.".into()
            }
            Code::SignatureDoesNotMatch => {
                "Specified signature is not matched with our calculation.".into()
            }
            Code::InvalidAccessKeyIdNotFound => "Specified access key is not found.".into(),
            Code::InvalidActionNotFound => {
                "Specified api is not found, please check your url and method.".into()
            }
        }
    }
}

/// Renders the responses of one request: one RequestId, one host, one fault profile.
pub struct Reply {
    pub request_id: String,
    pub host_id: String,
    pub fault: Option<Fault>,
}

/// An upper-case UUID, as Alibaba writes RequestIds.
fn new_request_id() -> String {
    crate::mock::ids::request_uuid().to_string().to_uppercase()
}

/// The response for `body` with its RequestId header (the gateway's `x-acs-request-id`).
pub fn respond(status: StatusCode, body: impl serde::Serialize, request_id: &str) -> Response {
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-acs-request-id", v);
    }
    resp
}

impl Reply {
    /// The replies of a request to `host_id`, under a new RequestId.
    pub fn new(host_id: String, fault: Option<Fault>) -> Reply {
        Reply {
            request_id: new_request_id(),
            host_id,
            fault,
        }
    }

    /// The `RequestId` a success body carries: none under `missing-required-field`.
    pub fn body_request_id(&self) -> Option<&str> {
        (self.fault != Some(Fault::MissingRequiredField)).then_some(self.request_id.as_str())
    }

    /// A success body: `fields` plus `RequestId` ([`Reply::body_request_id`]).
    pub fn success_body(&self, fields: Value) -> Value {
        let mut body = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        if let Some(id) = self.body_request_id() {
            body.insert("RequestId".into(), Value::String(id.to_owned()));
        }
        Value::Object(body)
    }

    /// The error body of every Alibaba OpenAPI call, or its faulty variant.
    pub fn error(&self, code: Code) -> Response {
        self.error_with(code, code.message())
    }

    /// An error whose message says more than the code's usual text.
    pub fn error_with(&self, code: Code, message: String) -> Response {
        let name = match (code, self.fault) {
            (Code::InstanceNotFound, Some(Fault::WrongErrorCode)) => "InvalidInstanceId.NotFound",
            _ => code.name(),
        };
        let recommend = format!(
            "https://api.aliyun.com/troubleshoot?q={name}&product=elasticsearch&requestId={}",
            self.request_id
        );
        let mut body = if self.fault == Some(Fault::WrongErrorEnvelope) {
            // What the SDK tolerates, but the documented envelope is not.
            json!({
                "requestId": self.request_id,
                "hostId": self.host_id,
                "code": name,
                "message": message,
                "recommend": recommend,
            })
        } else {
            json!({
                "RequestId": self.request_id,
                "HostId": self.host_id,
                "Code": name,
                "Message": message,
                "Recommend": recommend,
            })
        };
        if self.fault == Some(Fault::ExtraField) {
            body["Retryable"] = Value::Bool(false);
        }
        respond(code.status(), body, &self.request_id)
    }
}
