//! Bodies as a client sees them: a server on 127.0.0.1 answers the fixture API's `getWidget`
//! with its body under `Content-Encoding` gzip, deflate, br, zstd or two of them stacked, and
//! the real binary checks the decoded body against the spec (a wrong-typed field inside a gzip
//! body found at its JSON location). A corrupt gzip body is the target's violation (exit 1,
//! not 2), a gzip bomb stops at `--max-body`, and a body of ESC and BEL bytes reaches the
//! terminal escaped, in colour or not.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::util::{self, Conform};

/// A widget that conforms, and one whose `size` is a string.
const GOOD: &str = r#"{"id":"00000000-0000-0000-0000-000000000001","name":"w","size":1,"status":"ready","created_at":"2026-12-01T00:00:00Z"}"#;
const WRONG: &str = r#"{"id":"00000000-0000-0000-0000-000000000001","name":"w","size":"big","status":"ready","created_at":"2026-12-01T00:00:00Z"}"#;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("deflate");
    e.finish().expect("deflate")
}

fn br(bytes: &[u8]) -> Vec<u8> {
    let mut e = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
    e.write_all(bytes).expect("br");
    e.into_inner()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

/// The body and its coding for the widget whose id ends in `case`.
fn answer(case: char) -> (Vec<u8>, &'static str) {
    match case {
        '1' => (gzip(GOOD.as_bytes()), "gzip"),
        '2' => (deflate(GOOD.as_bytes()), "deflate"),
        '3' => (br(GOOD.as_bytes()), "br"),
        '4' => (zstd(GOOD.as_bytes()), "zstd"),
        '5' => (gzip(WRONG.as_bytes()), "gzip"),
        // A gzip header, then bytes that are no DEFLATE stream.
        '6' => {
            let mut b = gzip(GOOD.as_bytes());
            let end = b.len() - 8;
            b[10..end].fill(0xff);
            (b, "gzip")
        }
        // 8 MiB of zeros in a few KiB: past any small `--max-body` once decoded.
        '7' => (gzip(&vec![b'0'; 8 * 1024 * 1024]), "gzip"),
        // gzip first, then br over it.
        '8' => (br(&gzip(GOOD.as_bytes())), "gzip, br"),
        // Raw ESC and BEL (a screen clear, a window title, a bell) in a body that is not JSON,
        // gzip'd: the decoded text must reach the terminal escaped. Repeated, so the gzip
        // stream is Huffman-coded rather than a stored block that holds the bytes as they are.
        _ => {
            let mut text = b"{\"id\": \"".to_vec();
            for _ in 0..20 {
                text.extend_from_slice(b"\x1b[2J\x1b]0;pwned\x07\x1b[8mhidden\x9b\x07 ");
            }
            (gzip(&text), "gzip")
        }
    }
}

/// The test server: answers each widget as [`answer`] says, and keeps every Accept-Encoding
/// it was sent.
fn serve() -> (tokio::runtime::Runtime, String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .route(
            "/widgets/{id}",
            get(
                |State(seen): State<Arc<Mutex<Vec<String>>>>,
                 Path(id): Path<String>,
                 headers: HeaderMap| async move {
                    let asked = headers
                        .get(header::ACCEPT_ENCODING)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("(none)")
                        .to_owned();
                    seen.lock().expect("lock").push(asked);
                    let (body, coding) = answer(id.chars().last().unwrap_or('0'));
                    let mut r: Response = body.into_response();
                    let h = r.headers_mut();
                    h.insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
                    h.insert(
                        "x-request-id",
                        HeaderValue::from_static("req-00000000-0000-0000-0000-00000000beef"),
                    );
                    r
                },
            ),
        )
        .with_state(seen.clone());
    let (rt, base) = util::serve(app);
    (rt, format!("fixture={base}"), seen)
}

/// The binary against the server for widget `case`, with `extra` arguments: its exit code,
/// its output (stdout then stderr, as bytes) and its report folder.
fn against(target: &str, case: char, extra: &[&str]) -> (Option<i32>, Vec<u8>, Conform) {
    let widget = format!("widget=00000000-0000-0000-0000-00000000000{case}");
    let mut args = vec![
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--step-timeout",
        "5s",
        "--target",
        target,
        "--var",
        &widget,
    ];
    args.extend_from_slice(extra);
    args.push("tests/fixtures/hostile/widget.yaml");
    let mut c = Conform::new(&args);
    let out = c.run();
    let mut all = out.stdout.clone();
    all.extend_from_slice(&out.stderr);
    (out.status.code(), all, c)
}

#[test]
fn every_coding_is_decoded_before_the_checks_and_the_wire_size_is_shown() {
    let (_rt, target, seen) = serve();
    for case in ['1', '2', '3', '4', '8'] {
        let (code, out, _) = against(&target, case, &["-v"]);
        let text = String::from_utf8_lossy(&out);
        assert_eq!(code, Some(0), "case {case}:\n{text}");
        let coding = answer(case).1;
        assert!(
            text.contains(&format!("{coding}, ")) && text.contains("bytes on the wire"),
            "case {case}: the coding and the wire size are shown:\n{text}"
        );
        assert!(
            text.contains("\"size\": 1"),
            "case {case}: the decoded body is shown:\n{text}"
        );
    }
    // conform asks for what it decodes.
    let asked = seen.lock().expect("lock").clone();
    assert!(
        asked.iter().all(|a| a == conform::run::ACCEPT_ENCODING),
        "{asked:?}"
    );
    // A target's own Accept-Encoding wins over conform's.
    let (code, out, _) = against(&target, '1', &["--header", "Accept-Encoding: gzip"]);
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&out));
    assert_eq!(
        seen.lock().expect("lock").last().map(String::as_str),
        Some("gzip")
    );
}

#[test]
fn a_wrong_field_inside_a_gzip_body_is_found_at_its_location() {
    let (_rt, target, _) = serve();
    let tmp = util::temp_dir();
    let har = tmp.path().join("run.har");
    let har_arg = har.to_string_lossy().into_owned();
    let (code, out, c) = against(&target, '5', &["--record", &har_arg]);
    let text = String::from_utf8_lossy(&out);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("[schema]") && text.contains("at: /size"),
        "{text}"
    );
    assert!(
        text.contains("gzip, ") && text.contains("bytes on the wire"),
        "{text}"
    );
    // The report keeps the decoded length and the length on the wire.
    let dir = c.reports().expect("a report folder");
    let report = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    let v: serde_json::Value = serde_json::from_str(&report).expect("JSON");
    let resp = v
        .pointer("/scenarios/0/steps/0/response")
        .unwrap_or_else(|| panic!("a response in {report}"));
    assert_eq!(resp["body_bytes"], WRONG.len(), "{resp}");
    assert_eq!(resp["wire_bytes"], gzip(WRONG.as_bytes()).len(), "{resp}");
    assert!(
        resp["body"].as_str().is_some_and(|b| b.contains("\"big\"")),
        "{resp}"
    );
    // The recording is HAR's: the text decoded, `bodySize` what came over the wire.
    let har: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har).expect("the recording")).expect("JSON");
    let entry = &har["log"]["entries"][0]["response"];
    assert_eq!(entry["bodySize"], gzip(WRONG.as_bytes()).len(), "{entry}");
    assert_eq!(entry["content"]["size"], WRONG.len(), "{entry}");
    assert_eq!(entry["content"]["text"], WRONG, "{entry}");
}

#[test]
fn a_corrupt_gzip_body_is_the_targets_violation_and_a_bomb_stops_at_the_limit() {
    let (_rt, target, _) = serve();
    let (code, out, _) = against(&target, '6', &[]);
    let text = String::from_utf8_lossy(&out);
    assert_eq!(
        code,
        Some(1),
        "a violation, not an error of conform:\n{text}"
    );
    assert!(
        text.contains("violation [content]")
            && text.contains("does not decode")
            && text.contains("not valid gzip"),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");

    let (code, out, _) = against(&target, '7', &["--max-body", "64KiB"]);
    let text = String::from_utf8_lossy(&out);
    assert_eq!(code, Some(2), "the harness's limit:\n{text}");
    assert!(
        text.contains("[limit]") && text.contains("once decoded (gzip,"),
        "{text}"
    );
}

#[test]
fn control_bytes_in_a_decoded_body_reach_the_terminal_escaped() {
    let (_rt, target, _) = serve();
    let sgr = regex::Regex::new(r"^\x1b\[[0-9;]*m").expect("regex");
    for extra in [
        &["-vv", "--color", "never"][..],
        &["-vv", "--color", "always"][..],
    ] {
        let (code, out, c) = against(&target, '9', extra);
        let text = String::from_utf8_lossy(&out);
        assert_eq!(code, Some(1), "{extra:?}:\n{text}");
        assert!(
            // The decoded text is shown, its control bytes escaped.
            text.contains("\\u{1b}]0;pwned\\u{7}") && text.contains("\\u{1b}[2J"),
            "{extra:?}:\n{text}"
        );
        assert!(!out.contains(&0x07), "{extra:?}: a raw BEL:\n{text}");
        assert!(!text.contains('\u{9b}'), "{extra:?}: a raw CSI:\n{text}");
        // XML cannot hold these characters at all: the JUnit report has none of them.
        let dir = c.reports().expect("a report folder");
        let junit = std::fs::read(dir.join("junit.xml")).expect("junit.xml");
        assert!(
            !junit
                .iter()
                .any(|b| matches!(b, 0x00..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f)),
            "{}",
            String::from_utf8_lossy(&junit)
        );
        // Every ESC left is one of conform's own colours, and only with colour on.
        for (at, _) in text.match_indices('\u{1b}') {
            assert!(
                extra.contains(&"always") && sgr.is_match(&text[at..]),
                "{extra:?}: a raw ESC at {at}:\n{text}"
            );
        }
    }
}

#[test]
fn a_replay_of_a_gzip_recording_serves_the_decoded_body_without_its_coding() {
    let (_rt, target, _) = serve();
    let tmp = util::temp_dir();
    let har = tmp.path().join("gzip.har");
    let har_arg = har.to_string_lossy().into_owned();
    let (code, out, _) = against(&target, '1', &["--record", &har_arg]);
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&out));
    // The recording holds the body decoded; replayed under `Content-Encoding: gzip`, it would
    // not decode.
    let replay = util::Served::start(&[
        "mock",
        "fixture",
        "--specs",
        "tests/fixtures/specs",
        "--replay",
        &har_arg,
    ]);
    let printed = replay.stdout_once("serving until Ctrl-C");
    let again = printed
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("run against it: conform run --target ")
        })
        .unwrap_or_else(|| panic!("no target line in:\n{printed}"))
        .to_owned();
    let (code, out, _) = against(&again, '1', &["-vv"]);
    let text = String::from_utf8_lossy(&out);
    let _ = replay.stop();
    assert_eq!(code, Some(0), "{text}");
    assert!(
        !text.to_ascii_lowercase().contains("< content-encoding"),
        "{text}"
    );
}
