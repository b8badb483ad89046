//! The harness's own limits are named as limits, never blamed on the target: a valid body over
//! `--max-body` is an error of the step (exit 2), with or without a Content-Length, and a body
//! that trickles after its headers is said to be that, not "no response".

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::util::{self, Conform, text};

/// 17 MiB of valid JSON: one string field padded past the default 16 MiB limit.
fn big_json() -> Vec<u8> {
    let mut body = br#"{"id":"00000000-0000-0000-0000-000000000001","name":"big","size":1,"status":"ready","created_at":"2026-12-01T00:00:00Z","pad":""#.to_vec();
    body.resize(body.len() + (17 << 20), b'a');
    body.extend_from_slice(br#""}"#);
    body
}

async fn widget(Path(id): Path<String>) -> Response {
    let json = [
        ("content-type", "application/json"),
        ("x-request-id", "req-00000000-0000-0000-0000-00000000beef"),
    ];
    match id.chars().last() {
        Some('1') => (json, big_json()).into_response(),
        Some('2') => {
            // No Content-Length: the limit must hold while reading.
            let chunks = big_json()
                .chunks(1 << 20)
                .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                .collect::<Vec<_>>();
            (json, Body::from_stream(futures_util::stream::iter(chunks))).into_response()
        }
        _ => {
            // Headers now, then a byte every 300 ms: longer than the step's timeout in all.
            let stream = futures_util::stream::unfold(0u32, |n| async move {
                if n >= 50 {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
                Some((Ok::<_, std::io::Error>(vec![b' ']), n + 1))
            });
            (json, Body::from_stream(stream)).into_response()
        }
    }
}

/// A server for the three cases, on 127.0.0.1, for the test's lifetime.
fn serve() -> (tokio::runtime::Runtime, String) {
    let (rt, base) = util::serve(Router::new().route("/widgets/{id}", get(widget)));
    (rt, format!("fixture={base}"))
}

fn run(target: &str, file: &str, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        "run",
        "--no-report",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        target,
    ];
    args.extend_from_slice(extra);
    args.push(file);
    let out = Conform::new(&args).output();
    (out.status.code(), text(&out))
}

#[test]
fn a_body_over_the_limit_is_the_harness_limit_not_a_violation() {
    let (_rt, target) = serve();
    for file in [
        "tests/fixtures/limits/1.yaml",
        "tests/fixtures/limits/2.yaml",
    ] {
        let (code, out) = run(&target, file, &[]);
        assert_eq!(code, Some(2), "{file}: {out}");
        assert!(
            out.contains("body is larger than 16 MiB, the harness's limit (`--max-body`)"),
            "{file}: {out}"
        );
        assert!(
            !out.contains("well-formed"),
            "not blamed on the target: {out}"
        );
        // Raised, the limit lets the same body be read and checked: it conforms.
        let (code, out) = run(&target, file, &["--max-body", "32MiB"]);
        assert_eq!(code, Some(0), "{file} with --max-body 32MiB: {out}");
    }
}

#[test]
fn a_body_that_trickles_is_said_to_trickle() {
    let (_rt, target) = serve();
    let (code, out) = run(
        &target,
        "tests/fixtures/limits/3.yaml",
        &["--step-timeout", "1s"],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("the status (200) and headers came after")
            && out.contains("but the body did not arrive in full within 1.0s"),
        "{out}"
    );
    assert!(!out.contains("no response within"), "{out}");
}

/// A valid scenario padded with a comment to exactly `size` bytes.
fn padded_scenario(size: u64) -> Vec<u8> {
    let head = b"name: padded\napi: alibaba-elasticsearch\nsteps:\n  - call: createInstance\n#";
    let mut text = head.to_vec();
    text.resize(usize::try_from(size).expect("fits"), b'x');
    text.push(b'\n');
    text.truncate(usize::try_from(size).expect("fits"));
    text
}

#[test]
fn a_scenario_at_the_size_limit_is_read_and_one_byte_over_is_refused_with_the_fix() {
    let dir = util::temp_dir();
    let path = dir.path().join("big.yaml");
    let limit = conform::scenario::MAX_SCENARIO_BYTES;
    std::fs::write(&path, padded_scenario(limit)).expect("write");
    let (scenario, _) = conform::scenario::load(&path).expect("a scenario at the limit");
    assert_eq!(scenario.name.value, "padded");
    std::fs::write(&path, padded_scenario(limit + 1)).expect("write");
    let d = conform::scenario::load(&path).expect_err("one byte over");
    let said = d.to_string();
    assert!(said.starts_with(&path.display().to_string()), "{said}");
    assert!(
        said.contains(&format!(
            "{} bytes is over conform's limit of {limit} bytes (4 MiB) for a scenario file",
            limit + 1
        )),
        "{said}"
    );
    assert!(said.contains("split the scenario"), "{said}");
}

#[test]
fn a_spec_over_the_size_limit_is_refused_with_the_fix_and_one_at_it_is_read() {
    let dir = util::temp_dir();
    let path = dir.path().join("openapi.yaml");
    let limit = conform::openapi::MAX_SPEC_BYTES;
    let head = "openapi: 3.1.0\ninfo: {title: big, version: '1'}\npaths: {}\n#";
    let mut text = head.as_bytes().to_vec();
    text.resize(usize::try_from(limit).expect("fits"), b'x');
    std::fs::write(&path, &text).expect("write");
    if let Err(d) = conform::openapi::load_api("big", &path) {
        assert!(!d.message.contains("limit"), "refused at the limit: {d}");
    }
    text.push(b'x');
    std::fs::write(&path, &text).expect("write");
    let d = conform::openapi::load_api("big", &path).expect_err("one byte over");
    let said = d.to_string();
    assert!(said.starts_with(&path.display().to_string()), "{said}");
    assert!(said.contains("(64 MiB) for a spec file"), "{said}");
    assert!(said.contains("split the spec"), "{said}");
}

#[test]
fn an_error_on_a_400_kb_line_echoes_an_excerpt_not_the_line() {
    // A 200,000-element flow sequence on one line (400 KB), broken at its end.
    let dir = util::temp_dir();
    let path = dir.path().join("long.yaml");
    let items = vec!["1"; 200_000].join(",");
    std::fs::write(&path, format!("name: long\napi: x\nsteps: [{items}, ]]\n")).expect("write");
    let d = conform::scenario::load(&path).expect_err("broken");
    let said = d.to_string();
    assert!(said.len() < 2_000, "{} bytes echoed", said.len());
    assert!(said.contains('…'), "{said}");
}

/// `path` made `size` bytes long: `head`, then a YAML (or Markdown) comment of `x`s.
fn padded(path: &std::path::Path, head: &str, size: u64) {
    let mut bytes = head.as_bytes().to_vec();
    bytes.resize(usize::try_from(size).expect("fits"), b'x');
    std::fs::write(path, bytes).expect("write");
}

/// The real binary with `args` refusing `file`: exit 2, the file's path and `says` in its
/// output. Returns what it printed on stdout.
fn refused(args: &[&str], file: &std::path::Path, says: &str) -> Vec<u8> {
    let out = util::conform(args);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&file.display().to_string()) && said.contains(says),
        "{said}"
    );
    out.stdout
}

#[test]
fn a_targets_file_a_spec_given_to_init_and_a_vendor_page_over_their_limits_are_refused_by_name() {
    let dir = util::temp_dir();
    let shown = |p: &std::path::Path| p.display().to_string();

    let targets = dir.path().join("targets.yaml");
    let limit = conform::targets::config::MAX_TARGETS_BYTES;
    padded(
        &targets,
        "fixture:\n  url: http://127.0.0.1:9/\n#",
        limit + 1,
    );
    refused(
        &[
            "run",
            "cases/alibaba-elasticsearch",
            "--no-report",
            "--targets",
            &shown(&targets),
        ],
        &targets,
        &format!("over conform's limit of {limit} bytes (1 MiB) for a targets file"),
    );

    let spec = dir.path().join("openapi.yaml");
    padded(
        &spec,
        "openapi: 3.1.0\n#",
        conform::openapi::MAX_SPEC_BYTES + 1,
    );
    let cases = dir.path().join("cases");
    refused(
        &["init", &shown(&spec), "--out", &shown(&cases)],
        &spec,
        "(64 MiB) for a spec file",
    );
    assert!(!cases.exists(), "init wrote cases from a refused spec");

    let page = dir.path().join("page.md");
    padded(
        &page,
        "# A page\n\n<!--",
        conform::derive::DOC_LIMIT.bytes + 1,
    );
    let stdout = refused(
        &["derive", &shown(&page)],
        &page,
        "(16 MiB) for a vendor page",
    );
    assert!(stdout.is_empty(), "a draft was printed from a refused page");
}
