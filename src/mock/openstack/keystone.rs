//! The mock's Keystone v3: version documents and `POST /v3/auth/tokens` with the password
//! method, scoped to a project (by id, or by name and domain) or unscoped. Tokens are random,
//! kept in [`Shared`]'s table with their project and expiry; the catalog lists this listener's
//! compute and identity endpoints, built from the request's `Host`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ACCOUNTS, Account, DOMAIN_ID, DOMAIN_NAME, Grant, Shared, TOKEN_LIFETIME};

/// `http://<Host>` of the request: the catalog points back at the listener the client used,
/// or, behind a reverse proxy (`conform proxy`), at the proxy that `X-Forwarded-Host` and
/// `X-Forwarded-Proto` name, as Keystone does behind oslo's `HTTPProxyToWSGI`.
pub(super) fn origin(headers: &HeaderMap) -> String {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or("127.0.0.1");
    let scheme = match get("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn v3_doc(origin: &str) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{origin}/identity/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    })
}

/// `GET /identity`: Keystone answers its root with 300 Multiple Choices.
pub async fn versions(headers: HeaderMap) -> Response {
    let doc = json!({"versions": {"values": [v3_doc(&origin(&headers))]}});
    (StatusCode::MULTIPLE_CHOICES, Json(doc)).into_response()
}

/// `GET /identity/v3`.
pub async fn version(headers: HeaderMap) -> Response {
    Json(json!({"version": v3_doc(&origin(&headers))})).into_response()
}

fn error(status: StatusCode, title: &str, message: &str) -> Response {
    let body = json!({"error": {"code": status.as_u16(), "title": title, "message": message}});
    (status, Json(body)).into_response()
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "The request you have made requires authentication.",
    )
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "Bad Request", message)
}

/// The user named by `identity.password.user` (by id, or by name within a domain).
fn find_user(user: &Value) -> Option<&'static Account> {
    let domain_ok = |d: &Value| {
        d.get("id").and_then(Value::as_str) == Some(DOMAIN_ID)
            || d.get("name").and_then(Value::as_str) == Some(DOMAIN_NAME)
    };
    ACCOUNTS.iter().find(|a| {
        if let Some(id) = user.get("id").and_then(Value::as_str) {
            return id == a.user_id;
        }
        user.get("name").and_then(Value::as_str) == Some(a.user_name)
            && user.get("domain").is_some_and(domain_ok)
    })
}

/// Whether `scope.project` names the account's project.
fn project_matches(project: &Value, account: &Account) -> bool {
    if let Some(id) = project.get("id").and_then(Value::as_str) {
        return id == account.project_id;
    }
    let domain_ok = project.get("domain").is_some_and(|d| {
        d.get("id").and_then(Value::as_str) == Some(DOMAIN_ID)
            || d.get("name").and_then(Value::as_str) == Some(DOMAIN_NAME)
    });
    project.get("name").and_then(Value::as_str) == Some(account.project_name) && domain_ok
}

fn catalog(origin: &str) -> Value {
    let endpoints = |path: &str, service: &str| {
        ["public", "internal"]
            .iter()
            .map(|interface| {
                json!({
                    "id": format!("{service}-{interface}"),
                    "interface": interface,
                    "region": "RegionOne",
                    "region_id": "RegionOne",
                    "url": format!("{origin}{path}"),
                })
            })
            .collect::<Vec<_>>()
    };
    json!([
        {"id": "compute", "type": "compute", "name": "nova", "endpoints": endpoints("/compute/v2.1", "nova")},
        {"id": "identity", "type": "identity", "name": "keystone", "endpoints": endpoints("/identity", "keystone")},
    ])
}

/// `POST /identity/v3/auth/tokens`.
pub async fn issue(State(st): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("The request body is not valid JSON.");
    };
    let auth = &req["auth"];
    let methods = auth["identity"]["methods"].as_array();
    if !methods.is_some_and(|m| m.iter().any(|x| x == "password")) {
        return bad_request("Expecting to find identity.methods with `password` in auth.");
    }
    let user = &auth["identity"]["password"]["user"];
    let Some(account) = find_user(user) else {
        return unauthorized();
    };
    if user.get("password").and_then(Value::as_str) != Some(account.password) {
        return unauthorized();
    }
    let project = auth["scope"].get("project");
    let scoped = match project {
        Some(p) if project_matches(p, account) => true,
        // Keystone: a project the user has no role on, or that does not exist, is a 401.
        Some(_) => return unauthorized(),
        None => false,
    };

    let now = st.now();
    let lifetime = jiff::SignedDuration::try_from(TOKEN_LIFETIME).unwrap_or_default();
    let expires_at = now.checked_add(lifetime).unwrap_or(jiff::Timestamp::MAX);
    let token = format!("gAAAAA{}", uuid::Uuid::new_v4().simple());
    st.tokens().insert(
        token.clone(),
        Grant {
            user_id: account.user_id.to_owned(),
            project_id: scoped.then(|| account.project_id.to_owned()),
            expires_at,
        },
    );

    let stamp = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let domain = json!({"id": DOMAIN_ID, "name": DOMAIN_NAME});
    let mut fields = json!({
        "methods": ["password"],
        "user": {"id": account.user_id, "name": account.user_name, "domain": domain, "password_expires_at": null},
        "audit_ids": [uuid::Uuid::new_v4().simple().to_string()[..22].to_owned()],
        "expires_at": stamp(expires_at),
        "issued_at": stamp(now),
    });
    if scoped {
        fields["project"] =
            json!({"id": account.project_id, "name": account.project_name, "domain": domain});
        fields["is_domain"] = json!(false);
        fields["roles"] = json!([
            {"id": "9fe2ff9ee4384b1894a90878d3e92bab", "name": "member"},
            {"id": "4b3f2a5d6e7c4d8e9f0a1b2c3d4e5f60", "name": "reader"},
        ]);
        fields["catalog"] = catalog(&origin(&headers));
    }
    let mut resp = (StatusCode::CREATED, Json(json!({"token": fields}))).into_response();
    if let Ok(v) = HeaderValue::from_str(&token) {
        resp.headers_mut().insert("x-subject-token", v);
    }
    resp
}
