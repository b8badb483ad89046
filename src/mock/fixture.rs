//! The `fixture` mock: a tiny widget API (spec in `tests/fixtures/specs/fixture/openapi.yaml`)
//! whose widget *name* selects one fault, so each golden violation fixture breaks one rule:
//!
//! | name | fault |
//! |---|---|
//! | `wrong-type` | `size` is a string |
//! | `missing-field` | `created_at` is left out |
//! | `missing-header` | no `X-Request-Id` header |
//! | `body-on-delete` | the 202 of delete has a body |
//! | `wrong-status` | create answers 200 instead of 201 |
//! | `teapot` | get answers 418, a status the spec does not document |
//! | `never-ready` | status stays `pending` forever |
//! | `slow` | get answers after 2 s |
//! | `malformed` | get answers with broken JSON |
//! | `wrong-content-type` | get answers `text/plain` |
//!
//! Any other name behaves: status turns `ready` on the second get.
//!
//! It also serves the streamed responses of [`super::stream`] (their own spec, so the widget
//! spec and the golden corpus on it stay as they are).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

#[derive(Clone)]
struct Widget {
    name: String,
    size: i64,
    created_at: String,
    gets: u32,
}

type Db = Arc<Mutex<HashMap<String, Widget>>>;

pub fn router() -> Router {
    let db: Db = Arc::default();
    Router::new()
        .route("/widgets", post(create))
        .route("/widgets/{id}", get(show).delete(remove))
        .with_state(db)
        .merge(super::stream::router())
}

fn with_request_id(mut resp: Response, name: &str) -> Response {
    if name != "missing-header" {
        let id = format!("req-{}", super::ids::request_uuid());
        if let Ok(v) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert("x-request-id", v);
        }
    }
    resp
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    with_request_id(
        (status, Json(json!({"code": code, "message": message}))).into_response(),
        "",
    )
}

fn body_of(id: &str, w: &Widget) -> Value {
    let mut v = json!({
        "id": id,
        "name": w.name,
        "size": w.size,
        "status": if w.gets >= 2 && w.name != "never-ready" { "ready" } else { "pending" },
        "created_at": w.created_at,
    });
    match w.name.as_str() {
        "wrong-type" => v["size"] = Value::String(w.size.to_string()),
        "missing-field" => {
            if let Some(o) = v.as_object_mut() {
                o.remove("created_at");
            }
        }
        _ => {}
    }
    v
}

fn lock(db: &Db) -> std::sync::MutexGuard<'_, HashMap<String, Widget>> {
    db.lock().unwrap_or_else(|p| p.into_inner())
}

async fn create(State(db): State<Db>, body: axum::body::Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "MalformedBody",
            "the body is not JSON",
        );
    };
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    let size = v
        .get("size")
        .and_then(Value::as_i64)
        .filter(|s| (1..=100).contains(s));
    let (Some(name), Some(size)) = (name, size) else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "name (1..40 chars) and size (1..100) are required",
        );
    };
    let id = uuid::Uuid::new_v4().to_string();
    let w = Widget {
        name: name.to_owned(),
        size,
        created_at: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        gets: 0,
    };
    let status = if name == "wrong-status" {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = body_of(&id, &w);
    lock(&db).insert(id, w.clone());
    with_request_id((status, Json(body)).into_response(), name)
}

async fn show(State(db): State<Db>, Path(id): Path<String>) -> Response {
    let w = {
        let mut map = lock(&db);
        let Some(w) = map.get_mut(&id) else {
            return error(StatusCode::NOT_FOUND, "NotFound", "no such widget");
        };
        w.gets += 1;
        w.clone()
    };
    let resp = match w.name.as_str() {
        "teapot" => (
            StatusCode::IM_A_TEAPOT,
            Json(json!({"code": "Teapot", "message": "short and stout"})),
        )
            .into_response(),
        "malformed" => Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(Body::from("{\"id\": \"unterminated"))
            .unwrap_or_default(),
        "wrong-content-type" => Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "text/plain")
            .body(Body::from(body_of(&id, &w).to_string()))
            .unwrap_or_default(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Json(body_of(&id, &w)).into_response()
        }
        _ => Json(body_of(&id, &w)).into_response(),
    };
    with_request_id(resp, &w.name)
}

async fn remove(State(db): State<Db>, Path(id): Path<String>) -> Response {
    let Some(w) = lock(&db).remove(&id) else {
        return error(StatusCode::NOT_FOUND, "NotFound", "no such widget");
    };
    let resp = if w.name == "body-on-delete" {
        (StatusCode::ACCEPTED, Json(json!({"deleted": true}))).into_response()
    } else {
        StatusCode::ACCEPTED.into_response()
    };
    with_request_id(resp, &w.name)
}
