//! The load test's baselines (`scripts/load-check.sh`): the least an axum server on the mocks'
//! stack can do, on the same runtime as `conform mock` (a multi-thread tokio runtime with its
//! default worker count) and the same allocator. Prints its URL, as `conform mock` does, and
//! serves until it is killed.
//!
//! - `GET /` answers a small JSON body: the bare handler the mocks are measured against.
//! - Each `NAME=FILE` argument serves, at `GET /NAME`, a canned answer: FILE holds an HTTP
//!   response as `curl -si` prints it (status line, headers, blank line, body), answered
//!   byte for byte with no work. Fed a mock's own answer, it says what the same bytes cost on
//!   the wire, so a mock's ratio to it is the cost of the mock's logic alone.
//!
//! `cargo run --release --example baseline -- [PORT] [NAME=FILE]...` (port 0 or none: an
//! ephemeral port).

/// The binary's allocator (`src/main.rs`), so the ratios measure the mocks' work, not malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::routing::get;
use serde_json::json;

/// A recorded answer, replayed as it was.
#[derive(Clone)]
struct Canned {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// `curl -si` output: the last response in it (curl prints a `100 Continue` first when one
/// came), without the headers hyper writes itself.
fn canned(raw: &[u8]) -> Result<Canned, String> {
    let text = String::from_utf8_lossy(raw);
    let start = text.rfind("HTTP/").ok_or("no status line")?;
    let (head, body) = text[start..]
        .split_once("\r\n\r\n")
        .ok_or("no blank line after the headers")?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse::<u16>().ok())
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or("no status code")?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or("a header without `:`")?;
        let name = HeaderName::try_from(name.trim()).map_err(|e| e.to_string())?;
        if name == "content-length" || name == "date" || name == "transfer-encoding" {
            continue;
        }
        let value = HeaderValue::try_from(value.trim()).map_err(|e| e.to_string())?;
        headers.append(name, value);
    }
    Ok(Canned {
        status,
        headers,
        body: Bytes::from(body.to_owned()),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next() {
        Some(p) => p.parse().map_err(|_| format!("`{p}` is not a port"))?,
        None => 0,
    };
    let mut app = axum::Router::new().route(
        "/",
        get(|| async { Json(json!({"status": "ok", "service": "baseline"})) }),
    );
    for arg in args {
        let (name, file) = arg
            .split_once('=')
            .ok_or_else(|| format!("`{arg}` is not NAME=FILE"))?;
        let raw = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        let answer = canned(&raw).map_err(|e| format!("{file}: {e}"))?;
        app = app.route(
            &format!("/{name}"),
            get(move || {
                let a = answer.clone();
                async move { (a.status, a.headers, a.body) }
            }),
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("baseline\thttp://{}/", listener.local_addr()?);
        axum::serve(listener, app).await?;
        Ok(())
    })
}
