//! A small notes service (create, read, delete; errors as `{code, message}`), the example of a
//! Rust crate that checks itself against its contract (`specs/notes/openapi.yaml`) with conform
//! from its own `cargo test` (`tests/contract.rs`). [`app`] builds its axum `Router`.
//!
//! `RUST_SERVICE_BREAK=wrong-type` breaks the contract on purpose (a note's `version` is sent as
//! a string), so CI can check that the test fails and says where and why.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

/// The variable that switches on a deliberate contract break.
pub const BREAK_VAR: &str = "RUST_SERVICE_BREAK";

/// A rule of the contract the service can break on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// A note's `version` is a string, where the spec says integer.
    WrongType,
}

impl Break {
    /// The break [`BREAK_VAR`] names, if any.
    ///
    /// # Panics
    /// On a value that names no break: a typo must not quietly test the unbroken service.
    pub fn from_env() -> Option<Break> {
        match std::env::var(BREAK_VAR).ok()?.as_str() {
            "" => None,
            "wrong-type" => Some(Break::WrongType),
            other => panic!("{BREAK_VAR}={other}: no such break (known: wrong-type)"),
        }
    }
}

#[derive(Debug, Clone)]
struct Note {
    title: String,
    text: String,
    version: u64,
}

#[derive(Default)]
struct Store {
    next: u64,
    notes: BTreeMap<String, Note>,
}

#[derive(Clone)]
struct App {
    store: Arc<Mutex<Store>>,
    broken: Option<Break>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewNote {
    title: String,
    #[serde(default)]
    text: String,
}

/// The service's router, with the break [`BREAK_VAR`] names, if any.
pub fn app() -> Router {
    app_with(Break::from_env())
}

/// The service's router, broken as `broken` says.
pub fn app_with(broken: Option<Break>) -> Router {
    let state = App {
        store: Arc::default(),
        broken,
    };
    Router::new()
        .route("/notes", post(create))
        .route("/notes/{id}", get(read).delete(delete))
        .with_state(state)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

fn body(app: &App, id: &str, note: &Note) -> Value {
    let version = match app.broken {
        Some(Break::WrongType) => json!(note.version.to_string()),
        None => json!(note.version),
    };
    json!({"id": id, "title": note.title, "text": note.text, "version": version})
}

fn store(app: &App) -> std::sync::MutexGuard<'_, Store> {
    // A handler that panicked left whole notes behind: the map is still usable.
    app.store.lock().unwrap_or_else(|p| p.into_inner())
}

async fn create(State(app): State<App>, raw: Bytes) -> Response {
    let new: NewNote = match serde_json::from_slice(&raw) {
        Ok(new) => new,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()),
    };
    if new.title.trim().is_empty() || new.title.chars().count() > 100 {
        let why = "title must have 1 to 100 characters";
        return error(StatusCode::BAD_REQUEST, "bad_request", why);
    }
    let note = Note {
        title: new.title,
        text: new.text,
        version: 1,
    };
    let mut store = store(&app);
    store.next += 1;
    let id = format!("n{}", store.next);
    store.notes.insert(id.clone(), note.clone());
    let location = format!("/notes/{id}");
    let json = axum::Json(body(&app, &id, &note));
    (StatusCode::CREATED, [(header::LOCATION, location)], json).into_response()
}

async fn read(State(app): State<App>, Path(id): Path<String>) -> Response {
    match store(&app).notes.get(&id) {
        Some(note) => axum::Json(body(&app, &id, note)).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such note"),
    }
}

async fn delete(State(app): State<App>, Path(id): Path<String>) -> Response {
    match store(&app).notes.remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such note"),
    }
}
