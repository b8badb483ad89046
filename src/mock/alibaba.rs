//! The reference mock of Alibaba Cloud Elasticsearch (API 2017-06-13, ROA), faithful to
//! `specs/alibaba-elasticsearch/` (its NOTES.md gives the vendor's pages): createInstance,
//! DescribeInstance, DeleteInstance (`protective` freezes for 24 hours, `immediate` releases)
//! and CancelDeletion (`inactive` -> `activating` -> `active`), with clientToken idempotency
//! and real signature checks (ROA v1 and v3) against the test key pair of [`credentials`].
//!
//! The state machine is `instances::Store`; error bodies and the body-level faults are in
//! `errors`. Decisions where the vendor's documents are silent (documented in the spec's
//! NOTES.md): CancelDeletion on an `active` instance answers 400
//! `InstanceStatusNotSupportCurrentAction`, on an `activating` one 409 `InstanceActivating`;
//! `InstanceNotFound` is 400 on every operation (the seed's status); only successful results
//! are remembered under a clientToken, so a retry after a failure is a new request.

mod errors;
mod instances;
pub mod signature;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use self::errors::{Code, Reply, respond};
use self::instances::{DeleteType, Deviations, NewInstance, Refusal, Store};
use super::{Fault, MockOptions};
use crate::vendor::alibaba::{AlibabaAuth, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET};
use signature::{Incoming, Rejection};

/// The mock's test key pair; requests signed with anything else are refused.
pub const ACCESS_KEY_ID: &str = "conform-test-akid";
/// Secret of the mock's test key pair, paired with [`ACCESS_KEY_ID`].
pub const ACCESS_KEY_SECRET: &str = "conform-test-secret-3f9a";

/// The host named in error bodies when the request's `Host` cannot serve.
const DEFAULT_HOST_ID: &str = "elasticsearch.cn-hangzhou.aliyuncs.com";

/// Requests are small; anything bigger is not an Elasticsearch management call.
const MAX_BODY: usize = 1024 * 1024;

/// A successful response remembered under its clientToken.
struct Recorded {
    fingerprint: (String, Vec<(String, String)>, Option<Value>),
    status: StatusCode,
    body: Value,
    request_id: String,
}

struct State0 {
    store: Store,
    tokens: HashMap<String, Recorded>,
}

struct Mock {
    state: Mutex<State0>,
    options: MockOptions,
}

type Shared = Arc<Mock>;

/// The Alibaba Elasticsearch mock's routes, with the deviations `options.fault` asks for.
pub fn router(options: &MockOptions) -> Router {
    let deviations = Deviations {
        never_completes: options.fault == Some(Fault::NeverCompletes),
        restore_active: options.fault == Some(Fault::ForbiddenTransition),
    };
    let mock: Shared = Arc::new(Mock {
        state: Mutex::new(State0 {
            store: Store::new(deviations),
            tokens: HashMap::new(),
        }),
        options: options.clone(),
    });
    Router::new()
        .route("/openapi/instances", post(create))
        .route("/openapi/instances/{id}", get(describe).delete(delete))
        .route(
            "/openapi/instances/{id}/actions/cancel-deletion",
            post(cancel_deletion),
        )
        .fallback(unknown_action)
        .layer(axum::middleware::from_fn_with_state(
            mock.clone(),
            authenticate,
        ))
        .with_state(mock)
}

/// A target that reaches this mock at `base`, signing with the test key pair (v3).
pub fn target(base: &reqwest::Url) -> crate::targets::Target {
    let mut t = crate::targets::Target::new(base.clone());
    t.auth = Some(Arc::new(AlibabaAuth::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET)));
    t
}

/// The test credentials, for people (`conform mock` prints them).
pub fn credentials() -> Vec<(&'static str, String)> {
    vec![
        (ENV_ACCESS_KEY_ID, ACCESS_KEY_ID.into()),
        (ENV_ACCESS_KEY_SECRET, ACCESS_KEY_SECRET.into()),
        (
            "signatures",
            "ROA v1 (HMAC-SHA1) and v3 (ACS3-HMAC-SHA256)".into(),
        ),
    ]
}

/// The host the client called, as Alibaba's `HostId`; the default when it is not a plain host.
fn host_id(headers: &HeaderMap) -> String {
    headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        })
        .unwrap_or_else(|| DEFAULT_HOST_ID.to_owned())
}

fn lock(mock: &Mock) -> MutexGuard<'_, State0> {
    mock.state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The gateway: every request must carry a valid signature of the test key pair.
async fn authenticate(State(mock): State<Shared>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    // A refusal's RequestId and HostId, made only when there is one: an accepted request gets
    // its own in `handle`.
    let refusal = || Reply::new(host_id(&parts.headers), mock.options.fault);
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return refusal().error(Code::InvalidParameter("body"));
    };
    let headers = crate::run::header_pairs(&parts.headers);
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let incoming = Incoming::new(parts.method.as_str(), path_and_query, &headers, &bytes);
    let verdict = signature::verify(&incoming, |id| {
        (id == ACCESS_KEY_ID).then_some(ACCESS_KEY_SECRET)
    });
    match verdict {
        Ok(_) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(Rejection::Missing | Rejection::Incomplete(_)) => {
            refusal().error(Code::IncompleteSignature)
        }
        Err(Rejection::UnknownKey(_)) => refusal().error(Code::InvalidAccessKeyIdNotFound),
        // As the real gateway does, say what was signed here, so a client can diff its own.
        Err(Rejection::Mismatch { signed }) => refusal().error_with(
            Code::SignatureDoesNotMatch,
            format!(
                "{} server string to sign is:{signed}",
                Code::SignatureDoesNotMatch.message()
            ),
        ),
    }
}

async fn unknown_action(State(mock): State<Shared>, headers: HeaderMap) -> Response {
    Reply::new(host_id(&headers), mock.options.fault).error(Code::InvalidActionNotFound)
}

/// One call of an action: its parameters, as far as idempotency compares them.
struct Call<'a> {
    action: &'static str,
    instance: Option<&'a str>,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

impl<'a> Call<'a> {
    /// A call on one instance, without a body.
    fn on(action: &'static str, instance: &'a str, raw_query: Option<String>) -> Self {
        Call {
            action,
            instance: Some(instance),
            query: query_of(raw_query),
            body: None,
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn refusal(r: Refusal) -> Code {
    match r {
        Refusal::NotFound => Code::InstanceNotFound,
        Refusal::WrongStatus => Code::InstanceStatusNotSupportCurrentAction,
        Refusal::Activating => Code::InstanceActivating,
    }
}

/// Runs `action` once per clientToken: the same token with the same parameters replays the
/// first success (same body, same RequestId); with other parameters it is refused.
fn handle(
    mock: &Mock,
    headers: &HeaderMap,
    call: Call<'_>,
    action: impl FnOnce(&mut Store, jiff::Timestamp) -> Result<(StatusCode, Value), Code>,
) -> Response {
    let reply = Reply::new(host_id(headers), mock.options.fault);
    let token = call.param("clientToken").map(str::to_owned);
    if let Some(t) = &token
        && (t.is_empty() || t.len() > 64 || !t.bytes().all(|b| (0x20..0x7f).contains(&b)))
    {
        return reply.error(Code::InvalidParameter("clientToken"));
    }
    // The store is locked for the state change only; the answer is serialised after, so
    // concurrent requests do not queue behind each other's rendering (measured under load).
    let outcome = {
        let mut state = lock(mock);
        decide(mock, &mut state, headers, &reply, call, token, action)
    };
    match outcome {
        Ok((status, body, request_id)) => respond(status, body, &request_id),
        Err(code) => reply.error(code),
    }
}

/// What [`handle`] answers, decided under the lock: the status, body and RequestId of a
/// success (a replayed one's are the first answer's), or the error's code.
fn decide(
    mock: &Mock,
    state: &mut State0,
    headers: &HeaderMap,
    reply: &Reply,
    call: Call<'_>,
    token: Option<String>,
    action: impl FnOnce(&mut Store, jiff::Timestamp) -> Result<(StatusCode, Value), Code>,
) -> Result<(StatusCode, Value, String), Code> {
    let fault = mock.options.fault;
    keep_jump_to(state, headers, call.instance);
    let now = mock.options.clock.now();
    let fingerprint = (
        format!("{}|{}", call.action, call.instance.unwrap_or("")),
        call.query
            .iter()
            .filter(|(k, _)| k != "clientToken")
            .cloned()
            .collect::<Vec<_>>(),
        call.body.clone(),
    );
    let remember = token.filter(|_| fault != Some(Fault::IdempotencyIgnored));
    if let Some(seen) = remember.as_ref().and_then(|t| state.tokens.get(t)) {
        return if seen.fingerprint == fingerprint {
            Ok((seen.status, seen.body.clone(), seen.request_id.clone()))
        } else {
            Err(Code::IdempotentParameterMismatch)
        };
    }
    let (status, fields) = action(&mut state.store, now)?;
    let body = reply.success_body(fields);
    if let Some(t) = remember {
        state.tokens.insert(
            t,
            Recorded {
                fingerprint,
                status,
                body: body.clone(),
                request_id: reply.request_id.clone(),
            },
        );
    }
    Ok((status, body, reply.request_id.clone()))
}

/// The shared layer has already moved the clock for everyone; keep that jump to the instance
/// this request names, so parallel scenarios on one mock do not age each other's instances.
fn keep_jump_to(state: &mut State0, headers: &HeaderMap, instance: Option<&str>) {
    if let Some(by) = super::clock_jump(headers) {
        state.store.shift_deadlines_except(instance, by);
    }
}

fn query_of(raw: Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(signature::decode_query)
        .unwrap_or_default()
}

/// The createInstance body, checked as the product reference documents each field (the
/// spec's `CreateInstanceRequest`): a field of the wrong type, length, pattern or value is
/// `InvalidParameter` naming it, as the service answers; fields it does not know are ignored.
fn new_instance(body: &Bytes) -> Result<NewInstance, Code> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Code::InvalidParameter("body"))?;
    let Value::Object(fields) = &v else {
        return Err(Code::InvalidParameter("body"));
    };
    let chars = |s: &str| s.chars().count();
    let text = |name: &'static str, ok: &dyn Fn(&str) -> bool| match fields.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if ok(s) => Ok(Some(s.clone())),
        Some(_) => Err(Code::InvalidParameter(name)),
    };
    let es_version = match fields.get("esVersion") {
        None => return Err(Code::MissingParameter("esVersion")),
        Some(Value::String(s)) if es_version_ok(s) => s.clone(),
        Some(_) => return Err(Code::InvalidParameter("esVersion")),
    };
    let description = text("description", &|s| chars(s) <= 256)?;
    let payment_type = text("paymentType", &|s| matches!(s, "postpaid" | "prepaid"))?;
    text("esAdminPassword", &|s| (8..=32).contains(&chars(s)))?;
    let node_amount = match fields.get("nodeAmount") {
        None => 2,
        Some(n) => n
            .as_i64()
            .filter(|_| n.is_i64() || n.is_u64())
            .filter(|n| (1..=50).contains(n))
            .ok_or(Code::InvalidParameter("nodeAmount"))?,
    };
    let non_empty = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    if let Some(spec) = fields.get("nodeSpec") {
        let ok = spec.as_object().is_some_and(|o| {
            ["spec", "diskType"]
                .iter()
                .all(|k| o.get(*k).is_none_or(non_empty))
                && o.get("disk")
                    .is_none_or(|d| d.as_i64().is_some_and(|d| d >= 1) && !d.is_f64())
        });
        if !ok {
            return Err(Code::InvalidParameter("nodeSpec"));
        }
    }
    if let Some(net) = fields.get("networkConfig") {
        let ok = net.as_object().is_some_and(|o| {
            o.get("type").is_none_or(|t| t == "vpc")
                && ["vpcId", "vswitchId", "vsArea"]
                    .iter()
                    .all(|k| o.get(*k).is_none_or(non_empty))
        });
        if !ok {
            return Err(Code::InvalidParameter("networkConfig"));
        }
    }
    Ok(NewInstance {
        description: description.unwrap_or_default(),
        es_version,
        payment_type: payment_type.unwrap_or_else(|| "postpaid".into()),
        node_amount,
    })
}

/// `7.10`, `6.7.0`, `7.10_with_X-Pack`: `^[0-9]+\.[0-9]+(\.[0-9]+)?(_with_[A-Za-z-]+)?$`.
fn es_version_ok(s: &str) -> bool {
    let (numbers, suffix) = match s.split_once("_with_") {
        Some((n, x)) => (n, Some(x)),
        None => (s, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && suffix.is_none_or(|x| {
            !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
        })
}

async fn create(
    State(mock): State<Shared>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = new_instance(&body);
    let call = Call {
        action: "createInstance",
        instance: None,
        query: query_of(raw),
        body: serde_json::from_slice(&body).ok(),
    };
    handle(&mock, &headers, call, |store, now| {
        let id = store.create(now, parsed?);
        Ok((StatusCode::OK, json!({"Result": {"instanceId": id}})))
    })
}

/// DescribeInstance: a read, so not through [`handle`]: it takes no clientToken (nothing to
/// replay), and the instance is copied out of the lock and serialised after it, straight from
/// its fields, the hottest path of a scenario that polls.
async fn describe(
    State(mock): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let reply = Reply::new(host_id(&headers), mock.options.fault);
    let found = {
        let mut state = lock(&mock);
        keep_jump_to(&mut state, &headers, Some(&id));
        let now = mock.options.clock.now();
        state.store.describe(now, &id).cloned()
    };
    match found {
        Ok(instance) => {
            let body = Described {
                result: instance.view(),
                request_id: reply.body_request_id(),
            };
            respond(StatusCode::OK, body, &reply.request_id)
        }
        Err(r) => reply.error(refusal(r)),
    }
}

/// DescribeInstance's body: the instance and the RequestId ([`Reply::success_body`]'s shape).
#[derive(serde::Serialize)]
struct Described<'a> {
    #[serde(rename = "Result")]
    result: instances::View<'a>,
    /// [`Reply::body_request_id`].
    #[serde(rename = "RequestId", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

async fn delete(
    State(mock): State<Shared>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let call = Call::on("DeleteInstance", &id, raw);
    // Without `deleteType` the mock freezes rather than releases: the service's default is not
    // in the sources, and the reversible reading cannot lose an instance by surprise.
    let how = match call.param("deleteType") {
        None | Some("protective") => Ok(DeleteType::Protective),
        Some("immediate") => Ok(DeleteType::Immediate),
        Some(_) => Err(Code::InvalidParameter("deleteType")),
    };
    handle(&mock, &headers, call, |store, now| {
        store.delete(now, &id, how?).map_err(refusal)?;
        Ok((StatusCode::OK, json!({})))
    })
}

async fn cancel_deletion(
    State(mock): State<Shared>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let call = Call::on("CancelDeletion", &id, raw);
    let fault = mock.options.fault;
    let delay = mock.options.async_delay;
    handle(&mock, &headers, call, |store, now| {
        store.cancel_deletion(now, &id, delay).map_err(refusal)?;
        let status = if fault == Some(Fault::WrongSuccessStatus) {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let result = if fault == Some(Fault::WrongType) {
            json!("true")
        } else {
            json!(true)
        };
        Ok((status, json!({"Result": result})))
    })
}
