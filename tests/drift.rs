//! `conform diff A.har B.har`, end to end through the binary: two recordings of a vendor's
//! corpus against the faithful embedded mocks agree (their ids, timestamps and request ids
//! differ, so values are shown to be ignored); a recording against a mock with a fault profile
//! that changes a body's shape (a field left out, a wrong JSON type), drops a header or changes
//! the Content-Type drifts, and the diff names the operation, the status and the field's JSON
//! Pointer (or the header, or both Content-Types) with both sides, whether the recordings carry
//! conform's annotations or not (then paired through the specs' matcher); a file that is not a
//! HAR is refused with its line and column, an empty one as proving nothing.

use std::path::Path;

use conform::mock::{Fault, MockOptions};
use serde_json::Value;

use crate::util::{Conform, Mocks, temp_dir, text};

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// `cases/<api>` recorded into `har`, against the embedded mocks or a mock served at `base`
/// (`--target API=<base><under>`, with the mock's credentials in the environment, its URLs
/// such as Keystone's filled in).
fn record(api: &str, har: &Path, mock: Option<(&str, &str)>) {
    let cases = format!("cases/{api}");
    let mut args = vec![
        "run",
        &cases,
        "--no-report",
        "--quiet",
        "--record",
        path(har),
    ];
    let flag = mock.map(|(base, under)| format!("--target={api}={base}{under}"));
    args.extend(flag.as_deref());
    let base = mock.map_or("", |(base, _)| base);
    let env = conform::mock::credentials(api)
        .into_iter()
        .map(|(k, v)| (k, v.replace("<the base URL above>", base)));
    let out = Conform::new(&args).envs(env).output();
    // Against a faulted mock the run fails (exit 1); it still records every exchange.
    let expected = if mock.is_some() { 1 } else { 0 };
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
    // (API, the mock's path under its base URL, fault, a line the diff prints, its kind).
    let cases = [
        (
            "liveperson-deletion",
            "",
            Fault::MissingRequiredField,
            "createDeletionRequest 201: /request_id: number in A, missing in B",
            "field",
        ),
        (
            "alibaba-elasticsearch",
            "",
            Fault::WrongType,
            "CancelDeletion 200: /Result: boolean in A, string in B",
            "field",
        ),
        (
            "openstack-compute",
            "compute/v2.1",
            Fault::MissingHeader,
            "createServer 202: header x-openstack-request-id: in A, missing in B",
            "header",
        ),
        (
            "liveperson-deletion",
            "",
            Fault::WrongContentType,
            "createDeletionRequest 201: Content-Type: application/json in A, text/plain in B",
            "content-type",
        ),
    ];
    for (api, under, fault, line, kind) in cases {
        let dir = temp_dir();
        let (a, a2, b) = (
            dir.path().join("a.har"),
            dir.path().join("a2.har"),
            dir.path().join("b.har"),
        );
        faithful_recordings_agree(api, &a, &a2);
        let mocks = Mocks::start(
            &[api],
            &MockOptions {
                fault: Some(fault),
                ..Default::default()
            },
        );
        record(api, &b, Some((&mocks.base(api), under)));
        let drift = Drift { api, fault, line };
        drift_is_named(&drift, kind, &a, &b);
        unannotated_drift_is_named(&drift, dir.path(), [&a, &a2, &b]);
    }
}

/// One faulted recording's drift: its API, the fault, and the line the diff prints for it.
struct Drift<'a> {
    api: &'a str,
    fault: Fault,
    line: &'a str,
}

/// Records `api` twice into `a` and `a2`, against the faithful embedded mocks: the recordings
/// differ in values and agree in shape.
fn faithful_recordings_agree(api: &str, a: &Path, a2: &Path) {
    record(api, a, None);
    record(api, a2, None);
    // The two faithful recordings differ in values (ids, timestamps, request ids) ...
    assert_ne!(bodies(a), bodies(a2), "{api}: the recordings are identical");
    // ... and agree in shape.
    let out = Conform::new(&["diff", path(a), path(a2)]).output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{api}: {said}");
    assert!(said.contains("the shapes agree"), "{said}");
    assert!(said.contains("not compared"), "values said ignored: {said}");
}

/// `diff a b` exits 1 and prints the drift's line; `--format json` has a difference of `kind`
/// under the line's operation.
fn drift_is_named(drift: &Drift, kind: &str, a: &Path, b: &Path) {
    let Drift { api, fault, line } = drift;
    let out = Conform::new(&["diff", path(a), path(b)]).output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{api} {fault}: {said}");
    assert!(said.contains(line), "{api} {fault}: `{line}` in:\n{said}");

    // The same drift, machine-readable.
    let out = Conform::new(&["diff", path(a), path(b), "--format", "json"]).output();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["pairing"], "step");
    let operation = line.split(' ').next().expect("an operation in the line");
    let found = doc["groups"].as_array().expect("groups").iter().any(|g| {
        g["operation"] == operation
            && g["differences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|d| d["difference"]["kind"] == kind)
    });
    assert!(found, "{operation}: a {kind} difference in {doc:#}");
}

/// Without conform's annotations (as a browser's or mitmproxy's export), entries pair by the
/// operation the specs' matcher finds and the status: the same field is named, and the
/// faithful recordings `a` and `a2` still agree. The stripped copies are written in `dir`.
fn unannotated_drift_is_named(drift: &Drift, dir: &Path, [a, a2, b]: [&Path; 3]) {
    let Drift { api, fault, line } = drift;
    let (fa, fb) = (dir.join("fa.har"), dir.join("fb.har"));
    strip(a, &fa);
    strip(b, &fb);
    let out = Conform::new(&["diff", path(&fa), path(&fb)]).output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{api} {fault}: {said}");
    assert!(said.contains(line), "{api} {fault}: `{line}` in:\n{said}");
    assert!(said.contains("operations and statuses paired"), "{said}");
    let out = Conform::new(&["diff", path(&fa), path(a2)]).output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
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
