//! Connections a server drops: a raw TCP server on 127.0.0.1 that answers `500` to a crash
//! with keep-alive headers (no `Connection: close`) and then closes that connection as soon as
//! the next request is waiting on it, unread, as jupyter-server and httpbin did on every reset
//! conform saw. The request that follows must not be blamed for it: an idempotent one is sent
//! again, with a note naming the answer before it; a POST that may have reached the server is
//! never sent again, and its error names the answer before it (in its scenario, or the run's
//! last answer when it opens one). A POST after a crash whose close is already on its way
//! waits for it and goes on another connection. A server that reads a POST and then resets the
//! connection is a transport failure of that POST, sent once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::{self, Conform};

const WIDGET: &str = r#"{"id":"00000000-0000-0000-0000-000000000001","name":"w","size":1,"status":"ready","created_at":"2026-12-01T00:00:00Z"}"#;

/// What the server read, by kind of request: every count is of requests read whole.
#[derive(Default)]
struct Seen {
    posts: AtomicUsize,
    gets: AtomicUsize,
    resets: AtomicUsize,
}

/// One request read whole: its request line and body; `None` at the end of the connection.
async fn read_request(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, String)> {
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < end + length {
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[end..end + length]).into_owned();
    buf.drain(..end + length);
    Some((head.lines().next().unwrap_or("").to_owned(), body))
}

fn answer(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nx-request-id: \
         req-00000000-0000-0000-0000-00000000beef\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// One connection, kept alive until the client closes it or a crash ends it.
async fn serve_connection(mut conn: TcpStream, seen: Arc<Seen>) {
    let mut buf = Vec::new();
    while let Some((line, body)) = read_request(&mut conn, &mut buf).await {
        let reply = if line.starts_with("POST ") {
            seen.posts.fetch_add(1, Ordering::SeqCst);
            if body.contains("\"crash\"") {
                let crash = answer(
                    "500 Internal Server Error",
                    r#"{"code":"crash","message":"boom"}"#,
                );
                let _ = conn.write_all(crash.as_bytes()).await;
                // Closed once the next request waits on it unread (bounded): the kernel then
                // resets the connection, as a server that closes after an error does when the
                // client was quicker than its close.
                let _ = tokio::time::timeout(Duration::from_secs(3), conn.readable()).await;
                return;
            }
            if body.contains("\"brief\"") {
                // A crash whose connection closes a moment after its answer, unasked, whatever
                // comes next: the close is on its way when the next request is due.
                let crash = answer(
                    "500 Internal Server Error",
                    r#"{"code":"crash","message":"boom"}"#,
                );
                let _ = conn.write_all(crash.as_bytes()).await;
                tokio::time::sleep(Duration::from_millis(1)).await;
                return;
            }
            if body.contains("\"reset\"") {
                // Read whole, then reset: the request reached the server.
                seen.resets.fetch_add(1, Ordering::SeqCst);
                let _ = conn.set_zero_linger();
                return;
            }
            answer("201 Created", WIDGET)
        } else if line.starts_with("GET ") {
            seen.gets.fetch_add(1, Ordering::SeqCst);
            answer("200 OK", WIDGET)
        } else {
            answer("404 Not Found", r#"{"code":"nope","message":"no"}"#)
        };
        if conn.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The server for the test's lifetime, what it read, and the `--target` value for it.
fn serve() -> (tokio::runtime::Runtime, Arc<Seen>, String) {
    let rt = util::runtime();
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("a local port");
    let addr = listener.local_addr().expect("its address");
    let seen = Arc::new(Seen::default());
    let counts = seen.clone();
    rt.spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve_connection(conn, counts.clone()));
        }
    });
    (rt, seen, format!("fixture=http://{addr}"))
}

/// A scenario whose first step crashes the server (a `500` it expects) and whose second is
/// `second`; the binary's exit code and output.
fn run_after_crash(target: &str, second: &str) -> (Option<i32>, String) {
    let dir = util::temp_dir();
    let file = dir.path().join("after-crash.yaml");
    let scenario = format!(
        "name: a request after the server crashed on the one before\napi: fixture\nsteps:\n  \
         - name: crash\n    call: createWidget\n    body: {{name: crash, size: 1}}\n    \
         expect: {{status: 500, undocumented: true}}\n{second}"
    );
    std::fs::write(&file, scenario).expect("scenario");
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--specs",
        "tests/fixtures/specs",
        "--step-timeout",
        "5s",
        "--target",
        target,
        file.to_str().expect("utf-8 path"),
    ])
    .output();
    (out.status.code(), util::text(&out))
}

#[test]
fn a_read_after_a_dropped_keep_alive_connection_is_sent_again_and_the_crash_is_named() {
    let (_rt, seen, target) = serve();
    let (code, out) = run_after_crash(
        &target,
        "  - name: read\n    call: getWidget\n    \
         path: {id: 00000000-0000-0000-0000-000000000001}\n    expect: {status: 200}\n",
    );
    assert_eq!(code, Some(0), "the read passes:\n{out}");
    assert!(
        !out.contains("error [transport]"),
        "no transport error:\n{out}"
    );
    assert!(
        out.contains("answering 500 to POST /widgets (step 1)"),
        "the note names the answer before it:\n{out}"
    );
    assert_eq!(seen.gets.load(Ordering::SeqCst), 1, "answered once");
}

#[test]
fn a_post_after_a_dropped_keep_alive_connection_is_not_sent_again_and_the_crash_is_named() {
    let (_rt, seen, target) = serve();
    let (code, out) = run_after_crash(
        &target,
        "  - name: create\n    call: createWidget\n    body: {name: w, size: 1}\n",
    );
    assert_eq!(code, Some(2), "an error of the step:\n{out}");
    assert!(out.contains("error [transport]"), "{out}");
    assert!(
        out.contains("answering 500 to POST /widgets (step 1)"),
        "the error names the answer before it:\n{out}"
    );
    assert!(out.contains("not sent again"), "{out}");
    // The crash, and nothing more: the POST waited unread on the dropped connection.
    assert_eq!(seen.posts.load(Ordering::SeqCst), 1);
}

#[test]
fn a_post_the_server_read_and_reset_is_a_transport_failure_sent_once() {
    let (_rt, seen, target) = serve();
    let dir = util::temp_dir();
    let file = dir.path().join("reset.yaml");
    std::fs::write(
        &file,
        "name: a create the server reads, then resets\napi: fixture\nsteps:\n  \
         - call: createWidget\n    body: {name: reset, size: 1}\n",
    )
    .expect("scenario");
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--specs",
        "tests/fixtures/specs",
        "--step-timeout",
        "5s",
        "--target",
        &target,
        file.to_str().expect("utf-8 path"),
    ])
    .output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("error [transport]"), "{text}");
    assert!(text.contains("not sent again"), "{text}");
    assert_eq!(seen.resets.load(Ordering::SeqCst), 1, "sent once: {text}");
}

#[test]
fn a_post_after_a_crash_whose_close_is_on_its_way_waits_for_it_and_passes() {
    let (_rt, seen, target) = serve();
    // Ten crashes, each followed by a create that must not meet the crash's connection.
    let pairs: String = (0..10)
        .map(|_| {
            "  - call: createWidget\n    body: {name: brief, size: 1}\n    \
             expect: {status: 500, undocumented: true}\n  \
             - call: createWidget\n    body: {name: w, size: 1}\n    expect: {status: 201}\n"
        })
        .collect();
    let dir = util::temp_dir();
    let file = dir.path().join("crashes.yaml");
    std::fs::write(
        &file,
        format!("name: creates after crashes\napi: fixture\nsteps:\n{pairs}"),
    )
    .expect("scenario");
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        &target,
        file.to_str().expect("utf-8 path"),
    ])
    .output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(seen.posts.load(Ordering::SeqCst), 20, "each sent once");
}

#[test]
fn a_read_that_opens_a_scenario_names_the_crash_that_ended_the_one_before() {
    let (_rt, seen, target) = serve();
    let dir = util::temp_dir();
    std::fs::write(
        dir.path().join("a-crash.yaml"),
        "name: crashes\napi: fixture\nsteps:\n  - call: createWidget\n    \
         body: {name: crash, size: 1}\n    expect: {status: 500, undocumented: true}\n",
    )
    .expect("scenario");
    std::fs::write(
        dir.path().join("b-read.yaml"),
        "name: reads\napi: fixture\nsteps:\n  - call: getWidget\n    \
         path: {id: 00000000-0000-0000-0000-000000000001}\n    expect: {status: 200}\n",
    )
    .expect("scenario");
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--jobs",
        "1",
        "--specs",
        "tests/fixtures/specs",
        "--step-timeout",
        "5s",
        "--target",
        &target,
        dir.path().to_str().expect("utf-8 path"),
    ])
    .output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("answering 500 to POST /widgets (scenario `crashes`)"),
        "{text}"
    );
    assert_eq!(seen.gets.load(Ordering::SeqCst), 1);
}
