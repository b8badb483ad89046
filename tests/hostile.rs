//! Hostile targets: a raw TCP server on 127.0.0.1 that misbehaves in one way per widget id
//! (reset, silence, a short body, malformed JSON, a redirect loop, bytes no header may hold,
//! terminal escapes and markup in a body), each met by the real binary. Every one
//! ends as a clean verdict, never a panic or a hang: an error of the step (exit 2) for what the
//! target did to the connection, a violation (exit 1) for what it said; nothing the target sent
//! reaches the terminal as a control sequence. Each run is bounded by the step timeout, and the
//! child is killed (the test failing) if it outlives 60 s.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::{self, Conform};

/// The head of a JSON answer; every answer closes its connection, as the server does, so no
/// client reuses one the server is closing.
const JSON: &str = "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\nx-request-id: req-00000000-0000-0000-0000-00000000beef\r\n";

/// What the server does with a request for the widget whose id ends in `case`.
async fn misbehave(mut conn: TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    let case = line
        .split(' ')
        .nth(1)
        .and_then(|p| p.chars().last())
        .unwrap_or('0');
    let body = r#"{"id":"00000000-0000-0000-0000-000000000001","name":"w","size":1,"status":"ready","created_at":"2026-12-01T00:00:00Z"}"#;
    let reply: Vec<u8> = match case {
        // Reset: the connection closed with the request read and nothing said.
        '1' => {
            let _ = conn.set_zero_linger();
            return;
        }
        // Silence: the connection held open, nothing ever said.
        '2' => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return;
        }
        // A body shorter than its Content-Length, then the end of the connection.
        '3' => format!("{JSON}content-length: 500\r\n\r\n{}", &body[..20]).into_bytes(),
        // Malformed JSON under a JSON Content-Type.
        '4' => {
            let cut = r#"{"id": "00"#;
            format!("{JSON}content-length: {}\r\n\r\n{cut}", cut.len()).into_bytes()
        }
        // A redirect to itself, forever.
        '5' => format!(
            "HTTP/1.1 302 Found\r\nconnection: close\r\nlocation: {}\r\ncontent-length: 0\r\n\r\n",
            line.split(' ').nth(1).unwrap_or("/")
        )
        .into_bytes(),
        // A header value with bytes no header may hold.
        '6' => {
            let mut r = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: a\x00\x07b\r\ncontent-length: 2\r\n\r\n{}".to_vec();
            r.shrink_to_fit();
            r
        }
        // Terminal escapes and markup in a body that breaks the schema (in a header they are
        // bytes no header may hold, case 6).
        _ => {
            let hostile = r#"{"id":"\u001b[2J\u001b]0;pwned\u0007<script>alert(1)</script>","size":"\u001b[31mred"}"#;
            format!("{JSON}content-length: {}\r\n\r\n{hostile}", hostile.len()).into_bytes()
        }
    };
    let _ = conn.write_all(&reply).await;
    let _ = conn.shutdown().await;
}

/// The hostile server, for the test's lifetime.
fn serve() -> (tokio::runtime::Runtime, String) {
    let rt = util::runtime();
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("a local port");
    let addr = listener.local_addr().expect("its address");
    rt.spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(misbehave(conn));
        }
    });
    (rt, format!("fixture=http://{addr}"))
}

/// The binary against the hostile server for widget `case`: its exit code and all it printed.
fn against(target: &str, case: char) -> (Option<i32>, Vec<u8>) {
    let widget = format!("widget=00000000-0000-0000-0000-00000000000{case}");
    let mut c = Conform::new(&[
        "run",
        "--no-report",
        "--specs",
        "tests/fixtures/specs",
        "--step-timeout",
        "2s",
        "--target",
        target,
        "--var",
        &widget,
        "tests/fixtures/hostile/widget.yaml",
    ]);
    let mut child = c.spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut out = Vec::new();
            if let Some(mut s) = child.stdout.take() {
                let _ = std::io::Read::read_to_end(&mut s, &mut out);
            }
            if let Some(mut s) = child.stderr.take() {
                let _ = std::io::Read::read_to_end(&mut s, &mut out);
            }
            return (status.code(), out);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("case {case}: conform did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_hostile_target_ends_as_a_clean_verdict_and_nothing_reaches_the_terminal_raw() {
    let (_rt, target) = serve();
    // (case, exit code, what the verdict must say)
    let cases = [
        ('1', 2, "[transport]"),
        ('2', 2, "no response within 2.0s"),
        ('3', 2, "[transport]"),
        ('4', 1, "[content]"),
        ('5', 1, "302"),
        ('6', 2, "[transport]"),
        ('7', 1, "[schema]"),
    ];
    let mut failures = Vec::new();
    for (case, code, says) in cases {
        let (got, out) = against(&target, case);
        let text = String::from_utf8_lossy(&out);
        if got != Some(code) || !text.contains(says) {
            failures.push(format!(
                "case {case}: exit {got:?}, expected {code} saying {says:?}:\n{text}"
            ));
        }
        if text.contains("panicked") {
            failures.push(format!("case {case}: a panic:\n{text}"));
        }
        // No control byte from the target reaches the terminal: escapes are shown escaped.
        if let Some(at) = out
            .iter()
            .position(|b| *b == 0x1b || *b == 0x07 || *b == 0x00)
        {
            failures.push(format!(
                "case {case}: a raw control byte {:#04x} at {at}:\n{text}",
                out[at]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
