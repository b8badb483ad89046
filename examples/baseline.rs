//! The load test's baseline (`scripts/load-check.sh`): the least an axum server on the mocks'
//! stack can do, `GET /` answering a small JSON body, on the same runtime as `conform mock` (a
//! multi-thread tokio runtime with its default worker count). Prints its URL, as `conform mock`
//! does, and serves until it is killed.
//!
//! `cargo run --release --example baseline -- [PORT]` (0 or none: an ephemeral port).

use axum::Json;
use axum::routing::get;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        Some(p) => p.parse().map_err(|_| format!("`{p}` is not a port"))?,
        None => 0,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let app = axum::Router::new().route(
            "/",
            get(|| async { Json(json!({"status": "ok", "service": "baseline"})) }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("baseline\thttp://{}/", listener.local_addr()?);
        axum::serve(listener, app).await?;
        Ok(())
    })
}
