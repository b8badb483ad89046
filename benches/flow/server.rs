//! The stand-in server: the `bench` API of `benches/flow/specs/bench/openapi.yaml`, served by axum
//! on 127.0.0.1 from its own tokio runtime, so that it is as cheap as a server can be and both
//! clients (the raw loop and `conform run`, each a subprocess) meet the same one.
//!
//! State is a map of order id to the order's JSON, serialized once at creation: a `GET` sends
//! stored bytes. `DELETE` removes the order, so the map stays as small as the flows in flight.
//! `ord-0` is seeded at start for the one-step scenarios, and is never deleted by them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Item {
    sku: String,
    qty: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrder {
    customer: String,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Order<'a> {
    id: String,
    token: String,
    customer: &'a str,
    status: &'static str,
    items: &'a [Item],
    total: u64,
    created_at: String,
}

#[derive(Default)]
struct Store {
    next_order: AtomicU64,
    next_request: AtomicU64,
    orders: Mutex<HashMap<u64, Bytes>>,
}

impl Store {
    /// Stores a new order and returns its JSON.
    fn insert(&self, new: &NewOrder) -> Bytes {
        let n = self.next_order.fetch_add(1, Ordering::Relaxed);
        let order = Order {
            id: format!("ord-{n}"),
            token: uuid::Uuid::new_v4().to_string(),
            customer: &new.customer,
            status: "open",
            items: &new.items,
            total: new.items.iter().map(|i| i.qty).sum(),
            created_at: jiff::Timestamp::now().to_string(),
        };
        // A struct of strings and integers always serializes.
        let body = Bytes::from(serde_json::to_vec(&order).unwrap_or_default());
        self.orders().insert(n, body.clone());
        body
    }

    fn orders(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Bytes>> {
        // A panic while holding the lock cannot leave the map half-changed: keep serving.
        self.orders.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn request_id(&self) -> HeaderValue {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        HeaderValue::try_from(format!("req-{n}")).unwrap_or(HeaderValue::from_static("req-0"))
    }
}

type Shared = Arc<Store>;

fn reply(store: &Store, status: StatusCode, body: Option<Bytes>) -> Response {
    let id = store.request_id();
    match body {
        Some(body) => (
            status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::HeaderName::from_static("x-request-id"), id),
            ],
            body,
        )
            .into_response(),
        None => (
            status,
            [(header::HeaderName::from_static("x-request-id"), id)],
        )
            .into_response(),
    }
}

fn error(store: &Store, status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"code": code, "message": message}).to_string();
    reply(store, status, Some(Bytes::from(body)))
}

/// `ord-17` -> 17.
fn order_number(id: &str) -> Option<u64> {
    id.strip_prefix("ord-")?.parse().ok()
}

async fn create(State(store): State<Shared>, body: Bytes) -> Response {
    match serde_json::from_slice::<NewOrder>(&body) {
        Ok(new) if !new.customer.is_empty() && !new.items.is_empty() => {
            let order = store.insert(&new);
            reply(&store, StatusCode::CREATED, Some(order))
        }
        Ok(_) => error(
            &store,
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "customer and items must not be empty",
        ),
        Err(e) => error(
            &store,
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            &e.to_string(),
        ),
    }
}

async fn read(State(store): State<Shared>, Path(id): Path<String>) -> Response {
    let found = order_number(&id).and_then(|n| store.orders().get(&n).cloned());
    match found {
        Some(order) => reply(&store, StatusCode::OK, Some(order)),
        None => error(&store, StatusCode::NOT_FOUND, "NotFound", "no such order"),
    }
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> Response {
    let removed = order_number(&id).and_then(|n| store.orders().remove(&n));
    match removed {
        Some(_) => reply(&store, StatusCode::NO_CONTENT, None),
        None => error(&store, StatusCode::NOT_FOUND, "NotFound", "no such order"),
    }
}

/// The server, running until dropped.
pub struct Server {
    pub base_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    /// Binds 127.0.0.1 on an ephemeral port and serves from a runtime of `threads` workers.
    pub fn start(threads: usize) -> Result<Server, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("bench-server")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .map_err(|e| format!("cannot bind 127.0.0.1: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the server's address: {e}"))?;
        let store = Shared::default();
        store.insert(&NewOrder {
            customer: "probe".into(),
            items: vec![Item {
                sku: "sku-1".into(),
                qty: 1,
            }],
        });
        let app = Router::new()
            .route("/orders", post(create))
            .route("/orders/{id}", get(read).delete(remove))
            .with_state(store);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                eprintln!("flow: the benchmark server stopped: {e}");
            }
        });
        Ok(Server {
            base_url: format!("http://{addr}"),
            shutdown: Some(tx),
            runtime: Some(runtime),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
}
