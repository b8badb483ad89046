//! The streamed responses of the `fixture` mock (spec in
//! `tests/fixtures/streams/specs/fixture/openapi.yaml`, OpenAPI 3.2 with `itemSchema`). Its
//! [`router`] serves `GET /streams/{name}/events` as server-sent events and
//! `GET /streams/{name}/lines` as NDJSON, each item sent on its own after a real delay (a
//! stream, not one buffer). The stream's *name* selects a fault, as the `fixture` mock's
//! widget names do:
//!
//! | name | fault |
//! |---|---|
//! | `bad-event` | item 3's `size` is a string |
//! | `two-bad` | item 3's `size` is a string, and item 4 has no `size` |
//! | `not-json` | item 2 is not JSON (an event's `data`, a line) |
//! | `endless` | the stream never ends (an item every 50 ms) |
//! | `long` | 300 items, 1 ms apart |
//! | `one` | a single item (one JSON text: still a stream) |
//! | `all-bad` | 300 items, 1 ms apart, every `size` a string |
//! | `unfinished` | the last event has no blank line after it (a client discards it) |
//!
//! Any other name behaves: 5 items, 20 ms apart, each `{seq, size}`.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

/// Items a stream that never ends still stops after (the client has long hung up).
const ENDLESS_CAP: u64 = 20_000;

/// How items are framed on the wire.
#[derive(Clone, Copy)]
enum Framing {
    Events,
    Lines,
}

pub fn router() -> Router {
    Router::new()
        .route(
            "/streams/{name}/events",
            get(|Path(name): Path<String>| async move { stream(name, Framing::Events) }),
        )
        .route(
            "/streams/{name}/lines",
            get(|Path(name): Path<String>| async move { stream(name, Framing::Lines) }),
        )
}

/// How many items `name` sends, and the pause before each.
fn pace(name: &str) -> (u64, Duration) {
    match name {
        "endless" => (ENDLESS_CAP, Duration::from_millis(50)),
        "long" | "all-bad" => (300, Duration::from_millis(1)),
        "one" => (1, Duration::from_millis(1)),
        _ => (5, Duration::from_millis(20)),
    }
}

/// Item `seq` of the stream `name`, as JSON text (the faulted ones broken).
fn item(name: &str, seq: u64) -> String {
    let mut v = json!({"seq": seq, "size": 10 + seq});
    match (name, seq) {
        ("bad-event" | "two-bad", 3) | ("all-bad", _) => {
            v["size"] = Value::String((10 + seq).to_string());
        }
        ("two-bad", 4) => {
            if let Some(o) = v.as_object_mut() {
                o.remove("size");
            }
        }
        ("not-json", 2) => return "{\"seq\": 2, oops".to_owned(),
        _ => {}
    }
    v.to_string()
}

fn framed(framing: Framing, name: &str, seq: u64, text: &str) -> String {
    match framing {
        Framing::Events if name == "unfinished" && seq == 4 => format!("data: {text}\n"),
        // A comment and a CRLF line end among them: a client must take both in its stride.
        Framing::Events if seq == 1 => {
            format!(": keep-alive\r\nevent: tick\r\nid: {seq}\r\ndata: {text}\r\n\r\n")
        }
        Framing::Events => format!("event: tick\nid: {seq}\ndata: {text}\n\n"),
        Framing::Lines => format!("{text}\n"),
    }
}

fn stream(name: String, framing: Framing) -> Response {
    let (count, pause) = pace(&name);
    let items = futures_util::stream::unfold(0u64, move |seq| {
        let name = name.clone();
        async move {
            if seq >= count {
                return None;
            }
            tokio::time::sleep(pause).await;
            let chunk = framed(framing, &name, seq, &item(&name, seq));
            Some((Ok::<_, std::io::Error>(chunk), seq + 1))
        }
    });
    let content_type = match framing {
        Framing::Events => "text/event-stream",
        Framing::Lines => "application/x-ndjson",
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(items))
        .unwrap_or_default()
}
