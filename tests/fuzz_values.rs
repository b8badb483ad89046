//! Values that break servers, end to end: a server that crashes on a control character in a
//! path segment (httpbin's `/etag/{etag}`) and in a JSON body, on right-to-left text in a query
//! value, and on an emoji in a header. `conform fuzz` finds each crash, the control character
//! reaches the server percent-encoded (`%0E`), and each saved scenario, run with `conform run`,
//! sends the very request that failed, byte for byte.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::util::{Conform, serve, temp_dir, text};

const SPEC: &str = r"openapi: 3.1.0
info: {title: values, version: '1'}
paths:
  /etag/{etag}:
    get:
      operationId: getEtag
      parameters:
        - {name: etag, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
  /search:
    get:
      operationId: search
      parameters:
        - {name: text, in: query, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '400': {description: refused, content: {application/json: {schema: {type: object}}}}
  /note:
    get:
      operationId: getNote
      parameters:
        - {name: X-Note, in: header, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '400': {description: refused, content: {application/json: {schema: {type: object}}}}
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string}}
              additionalProperties: false
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '400': {description: refused, content: {application/json: {schema: {type: object}}}}
";

/// Every request the server got: method, target as sent, the `X-Note` bytes, the body bytes.
type Log = Arc<Mutex<Vec<String>>>;

fn answer(status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        "{}".to_owned(),
    )
        .into_response()
}

fn rtl(c: char) -> bool {
    ('\u{590}'..='\u{8ff}').contains(&c) || matches!(c, '\u{200f}' | '\u{202e}' | '\u{2067}')
}

/// The planted crashes: a control character in the etag or the item's name, right-to-left
/// text in the search, an emoji (outside the BMP) in the note.
async fn app(State(log): State<Log>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let note = parts.headers.get("x-note").map(|v| v.as_bytes().to_vec());
    let target = parts.uri.to_string();
    log.lock().expect("log").push(format!(
        "{} {target} x-note={note:?} body={bytes:?}",
        parts.method
    ));
    let path = parts.uri.path();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let crash = |bad: bool| {
        answer(if bad {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        })
    };
    match (&parts.method, path) {
        (&Method::GET, p) if p.starts_with("/etag/") => {
            let etag = percent_decode_str(&p[6..]).decode_utf8_lossy().into_owned();
            crash(etag.chars().any(char::is_control))
        }
        (&Method::GET, "/search") => match query.iter().find(|(k, _)| k == "text") {
            Some((_, t)) => crash(t.chars().any(rtl)),
            None => answer(StatusCode::BAD_REQUEST),
        },
        (&Method::GET, "/note") => match note {
            Some(n) => crash(String::from_utf8_lossy(&n).chars().any(|c| c > '\u{ffff}')),
            None => answer(StatusCode::BAD_REQUEST),
        },
        (&Method::POST, "/items") => {
            let v: Option<Value> = serde_json::from_slice(&bytes).ok();
            match v.as_ref().and_then(Value::as_object) {
                Some(o) if o.len() == 1 && o.get("name").is_some_and(Value::is_string) => crash(
                    o["name"]
                        .as_str()
                        .is_some_and(|n| n.chars().any(char::is_control)),
                ),
                _ => answer(StatusCode::BAD_REQUEST),
            }
        }
        (_, "/search" | "/note" | "/items") => Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, if path == "/items" { "POST" } else { "GET" })
            .body(Body::empty())
            .unwrap_or_default(),
        _ => answer(StatusCode::NOT_FOUND),
    }
}

#[test]
fn hostile_values_find_their_crashes_and_saved_cases_replay_the_same_bytes() {
    let log: Log = Arc::default();
    let (_rt, base) = serve(Router::new().fallback(app).with_state(log.clone()));
    let dir = temp_dir();
    let spec_file = dir.path().join("values.yaml");
    std::fs::write(&spec_file, SPEC).expect("spec written");
    let spec = format!("values={}", spec_file.display());
    let target = format!("values={base}");
    let saved = dir.path().join("saved");
    let out = Conform::new(&[
        "fuzz",
        "values",
        "--spec",
        &spec,
        "--target",
        &target,
        "--seed",
        "23",
        "--max-examples",
        "60",
        "--save-failures",
        saved.to_str().expect("utf-8"),
        "--no-report",
    ])
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let fuzzed: Vec<String> = std::mem::take(&mut *log.lock().expect("log"));
    // The control character reached the server percent-encoded, as one path segment.
    assert!(
        fuzzed.iter().any(|r| r.starts_with("GET /etag/")
            && (r.contains("%0") || r.contains("%1") || r.contains("%7F"))),
        "no control character reached /etag/ percent-encoded"
    );
    let mut files: Vec<_> = std::fs::read_dir(saved.join("values"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for op in ["getetag", "search", "getnote", "createitem"] {
        assert!(
            files.iter().any(|f| f.to_string_lossy().contains(op)),
            "no failure of {op} saved: {files:?}\n{said}"
        );
    }
    the_saved_values_are_hostile_and_shrunk(&files);
    for f in &files {
        let replay = Conform::new(&[
            "run",
            f.to_str().expect("utf-8"),
            "--spec",
            &spec,
            "--target",
            &target,
        ])
        .output();
        assert_eq!(replay.status.code(), Some(1), "{}", text(&replay));
        let sent: Vec<String> = std::mem::take(&mut *log.lock().expect("log"));
        assert!(!sent.is_empty(), "{} sent nothing", f.display());
        for r in &sent {
            assert!(
                fuzzed.contains(r),
                "{} replayed a request fuzz never sent: {r}\n{}",
                f.display(),
                std::fs::read_to_string(f).unwrap_or_default()
            );
        }
    }
}

/// The saved `files` hold a control character (escaped), right-to-left text and an emoji (as
/// they are), each value shrunk to little more than the character that breaks the server.
fn the_saved_values_are_hostile_and_shrunk(files: &[std::path::PathBuf]) {
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("saved"))
        .collect();
    // Shrinking keeps the character that breaks the server wherever it was, and little else.
    for key in ["etag: ", "text: ", "X-Note: "] {
        let value = all
            .lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .unwrap_or_else(|| panic!("no `{key}` saved:\n{all}"));
        let value: String = serde_json::from_str(value).unwrap_or_else(|_| value.to_owned());
        assert!(
            value.chars().count() <= 4,
            "`{key}{value:?}` is not shrunk:\n{all}"
        );
    }
    // Control characters are written escaped; right-to-left text and emoji as they are.
    assert!(
        all.contains("\\u00") || all.contains("\\t") || all.contains("\\n"),
        "{all}"
    );
    assert!(all.chars().any(rtl), "{all}");
    assert!(all.chars().any(|c| c > '\u{ffff}'), "{all}");
}
