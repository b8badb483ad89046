//! `conform diff A.har B.har`, end to end through the binary: two recordings of a vendor's
//! corpus against the faithful embedded mocks agree (their ids, timestamps and request ids
//! differ, so values are shown to be ignored); a recording against a mock with a fault profile
//! that changes a body's shape drifts, and the diff names the operation, the status and the
//! field's JSON Pointer with both sides; a file that is not a HAR is refused with its line and
//! column.

use std::path::Path;

use conform::mock::{Fault, MockOptions};
use serde_json::Value;

use crate::util::{Conform, Mocks, temp_dir, text};

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// `cases/<api>` recorded into `har`, against `target` (`--target API=URL`, with the mock's
/// credentials in the environment) or the embedded mocks.
fn record(api: &str, har: &Path, target: Option<&str>) {
    let cases = format!("cases/{api}");
    let mut args = vec![
        "run",
        &cases,
        "--no-report",
        "--quiet",
        "--record",
        path(har),
    ];
    let flag = target.map(|url| format!("--target={api}={url}"));
    args.extend(flag.as_deref());
    let out = Conform::new(&args)
        .envs(conform::mock::credentials(api))
        .output();
    // Against a faulted mock the run fails (exit 1); it still records every exchange.
    let expected = if target.is_some() { 1 } else { 0 };
    assert_eq!(out.status.code(), Some(expected), "{}", text(&out));
    assert!(har.is_file(), "no recording at {}", har.display());
}

/// The `text` of every response body in `har`.
fn bodies(har: &Path) -> Vec<String> {
    let doc: Value = serde_json::from_slice(&std::fs::read(har).expect("read")).expect("JSON");
    doc["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["response"]["content"]["text"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn faithful_recordings_agree_and_a_faulted_one_drifts_naming_the_field() {
    let cases = [
        (
            "liveperson-deletion",
            Fault::MissingRequiredField,
            "createDeletionRequest 201: /request_id: number in A, missing in B",
        ),
        (
            "alibaba-elasticsearch",
            Fault::WrongType,
            "CancelDeletion 200: /Result: boolean in A, string in B",
        ),
    ];
    for (api, fault, line) in cases {
        let dir = temp_dir();
        let (a, a2, b) = (
            dir.path().join("a.har"),
            dir.path().join("a2.har"),
            dir.path().join("b.har"),
        );
        record(api, &a, None);
        record(api, &a2, None);
        // The two faithful recordings differ in values (ids, timestamps, request ids) ...
        assert_ne!(
            bodies(&a),
            bodies(&a2),
            "{api}: the recordings are identical"
        );
        // ... and agree in shape.
        let out = Conform::new(&["diff", path(&a), path(&a2)]).output();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(0), "{api}: {said}");
        assert!(said.contains("the shapes agree"), "{said}");
        assert!(said.contains("not compared"), "values said ignored: {said}");

        let mocks = Mocks::start(
            &[api],
            &MockOptions {
                fault: Some(fault),
                ..Default::default()
            },
        );
        record(api, &b, Some(&mocks.base(api)));
        let out = Conform::new(&["diff", path(&a), path(&b)]).output();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{api} {fault}: {said}");
        assert!(said.contains(line), "{api} {fault}: `{line}` in:\n{said}");

        // The same drift, machine-readable.
        let out = Conform::new(&["diff", path(&a), path(&b), "--format", "json"]).output();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
        assert_eq!(doc["pairing"], "step");
        let pointer = line.split(": ").nth(1).expect("a pointer in the line");
        let found = doc["groups"].as_array().expect("groups").iter().any(|g| {
            g["differences"].as_array().into_iter().flatten().any(|d| {
                d["difference"]["pointer"] == pointer && d["difference"]["kind"] == "field"
            })
        });
        assert!(found, "{pointer} in {doc:#}");

        // Without conform's annotations (as a browser's or mitmproxy's export), entries pair
        // by the operation the specs' matcher finds and the status: the same field is named.
        let (fa, fb) = (dir.path().join("fa.har"), dir.path().join("fb.har"));
        strip(&a, &fa);
        strip(&b, &fb);
        let out = Conform::new(&["diff", path(&fa), path(&fb)]).output();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{api} {fault}: {said}");
        assert!(said.contains(line), "{api} {fault}: `{line}` in:\n{said}");
        assert!(said.contains("operations and statuses paired"), "{said}");
        let out = Conform::new(&["diff", path(&fa), path(&a2)]).output();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
}

/// `from` without its `_conform` annotations, into `to`.
fn strip(from: &Path, to: &Path) {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(from).expect("read")).expect("JSON");
    for e in doc["log"]["entries"].as_array_mut().expect("entries") {
        e.as_object_mut().expect("an entry").remove("_conform");
    }
    std::fs::write(to, doc.to_string()).expect("write");
}

#[test]
fn a_file_that_is_not_har_exits_2_with_its_line_and_column() {
    let dir = temp_dir();
    let good = dir.path().join("good.har");
    std::fs::write(&good, r#"{"log": {"entries": []}}"#).expect("write");
    let bad = dir.path().join("bad.har");
    std::fs::write(&bad, "{\"log\":\n  {oops}}").expect("write");
    let out = Conform::new(&["diff", path(&good), path(&bad)]).output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("bad.har:2:4: not a HAR file"), "{said}");
    // An empty recording proves nothing: it is refused, not found to agree.
    let out = Conform::new(&["diff", path(&good), path(&good)]).output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("no entry to compare"), "{said}");
}
