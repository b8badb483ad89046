//! The server tests/declared_auth.rs runs the `secured` fixture spec against: each path
//! answers 200 only to the exact credential its operation requires (and no other), and
//! `/oauth/token` grants client credentials, counting its calls per scope.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Characters a query string and a form must encode, so a key sent unencoded would fail.
pub const TOKEN: &str = "k3y+/=&tok-5150";
pub const USERNAME: &str = "ann";
pub const PASSWORD: &str = "pa55:word-9731";
pub const CLIENT_ID: &str = "conform-client";
pub const CLIENT_SECRET: &str = "cl1ent secret/42";

/// The default variables for the `secured` API and their values.
pub fn all_vars() -> BTreeMap<String, String> {
    [
        ("CONFORM_SECURED_TOKEN", TOKEN),
        ("CONFORM_SECURED_USERNAME", USERNAME),
        ("CONFORM_SECURED_PASSWORD", PASSWORD),
        ("CONFORM_SECURED_CLIENT_ID", CLIENT_ID),
        ("CONFORM_SECURED_CLIENT_SECRET", CLIENT_SECRET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// What the server has issued and been asked.
#[derive(Default)]
struct Ledger {
    /// Token requests by scope.
    fetches: BTreeMap<String, usize>,
    /// Every token issued, with its scope.
    issued: Vec<(String, String)>,
}

type Shared = Arc<Mutex<Ledger>>;

/// The API and its token endpoint on an ephemeral port, served by a runtime of their own.
pub struct Server {
    _rt: tokio::runtime::Runtime,
    pub base: String,
    ledger: Shared,
}

impl Server {
    pub fn start() -> Server {
        let ledger = Shared::default();
        let app = Router::new()
            .route("/oauth/token", post(token))
            .route("/public", get(resource))
            .route("/bearer", get(resource))
            .route("/basic", get(resource))
            .route("/key-header", get(resource))
            .route("/key-query", get(resource))
            .route("/key-cookie", get(resource))
            .route("/either", get(resource))
            .route("/optional", get(resource))
            .route("/reports", get(resource).post(resource))
            .with_state(ledger.clone());
        let (rt, base) = crate::util::serve(app);
        Server {
            _rt: rt,
            base,
            ledger,
        }
    }

    pub fn fetches(&self, scope: &str) -> usize {
        let ledger = self.ledger.lock().expect("ledger");
        ledger.fetches.get(scope).copied().unwrap_or(0)
    }

    pub fn issued(&self) -> Vec<String> {
        let ledger = self.ledger.lock().expect("ledger");
        ledger.issued.iter().map(|(t, _)| t.clone()).collect()
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn unauthorized(why: &str) -> Response {
    json(StatusCode::UNAUTHORIZED, serde_json::json!({"error": why}))
}

/// The client credentials grant: the client authenticated with HTTP basic (id and secret
/// form-encoded first), the grant and scope in a form body.
async fn token(State(ledger): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let form = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let client = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| BASE64.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = client.as_deref().and_then(|c| c.split_once(':')) else {
        return unauthorized("no client authentication");
    };
    if form(id) != CLIENT_ID || form(secret) != CLIENT_SECRET {
        return unauthorized("invalid_client");
    }
    let is_form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let fields: BTreeMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if !is_form || fields.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "unsupported_grant_type"}),
        );
    }
    let scope = fields.get("scope").cloned().unwrap_or_default();
    let mut ledger = ledger.lock().expect("ledger");
    let n = ledger.issued.len() + 1;
    *ledger.fetches.entry(scope.clone()).or_default() += 1;
    let token = format!("issued-{n}-Zq81xw");
    ledger.issued.push((token.clone(), scope.clone()));
    // The write token lives less than the client's renewal margin: it is fetched per request.
    let expires_in = if scope == "reports.write" { 5 } else { 3600 };
    json(
        StatusCode::OK,
        serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in}),
    )
}

/// 200 when the request carries exactly the credential its operation requires (and no other),
/// else 401 naming what was wrong.
async fn resource(
    State(ledger): State<Shared>,
    uri: Uri,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let query_key = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "api_key")
        .map(|(_, v)| v.into_owned());
    let cookie_key = header("cookie").and_then(|c| {
        c.split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == "sid")
            .map(|(_, v)| v.to_owned())
    });
    let sent: Vec<(&str, String)> = [
        ("authorization", header("authorization")),
        ("header key", header("x-api-key")),
        ("query key", query_key),
        ("cookie key", cookie_key),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect();
    let want: Option<(&str, String)> = match uri.path() {
        "/public" | "/either" | "/optional" => None,
        "/bearer" => Some(("authorization", format!("Bearer {TOKEN}"))),
        "/basic" => Some((
            "authorization",
            format!("Basic {}", BASE64.encode(format!("{USERNAME}:{PASSWORD}"))),
        )),
        "/key-header" => Some(("header key", TOKEN.to_owned())),
        "/key-query" => Some(("query key", TOKEN.to_owned())),
        "/key-cookie" => Some(("cookie key", TOKEN.to_owned())),
        "/reports" => {
            let scope = if method == axum::http::Method::GET {
                "reports.read"
            } else {
                "reports.write"
            };
            // The latest token issued for the scope: an older one has been replaced.
            let ledger = ledger.lock().expect("ledger");
            let latest = ledger.issued.iter().rev().find(|(_, s)| s == scope);
            match latest {
                Some((t, _)) => Some(("authorization", format!("Bearer {t}"))),
                None => return unauthorized("no token issued for the scope"),
            }
        }
        _ => return unauthorized("no such path"),
    };
    let basic = format!("Basic {}", BASE64.encode(format!("{USERNAME}:{PASSWORD}")));
    let exactly = |w: &(&str, String)| sent.len() == 1 && sent[0] == (w.0, w.1.clone());
    let ok = match (uri.path(), &want) {
        // Either alternative, but one only.
        ("/either", _) => {
            exactly(&("authorization", basic))
                || exactly(&("authorization", format!("Bearer {TOKEN}")))
        }
        ("/optional", _) => sent.is_empty() || exactly(&("header key", TOKEN.to_owned())),
        (_, None) => sent.is_empty(),
        (_, Some(w)) => exactly(w),
    };
    if !ok {
        let names: Vec<&str> = sent.iter().map(|(k, _)| *k).collect();
        return unauthorized(&format!("wrong credentials: sent {names:?}"));
    }
    json(StatusCode::OK, serde_json::json!({"ok": true}))
}
