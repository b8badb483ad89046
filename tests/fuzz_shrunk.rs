//! A shrunk failure describes the request it holds (issue 23): a negative keeps the value its
//! name and comment describe while the rest of its request shrinks, and each failure of one
//! operation is reported at its own line of its own saved file, which `conform run` replays.

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::fuzz::{each_saved_scenario_fails_again, yaml_files};
use crate::util::{Conform, serve, temp_dir, text};

const ITEMS_SPEC: &str = r#"
openapi: 3.1.0
info: {title: items, version: "1"}
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, size]
              additionalProperties: false
              properties:
                name: {type: string, minLength: 3, maxLength: 40}
                size: {type: integer, minimum: 1, maximum: 100}
                note: {type: string, minLength: 30, maxLength: 200}
      responses:
        "201": {description: created}
        "400": {description: not an item}
"#;

/// An items server with two bugs: it never checks `name`'s length (a 201 to a name of 2
/// characters, or of none: a shorter name is still accepted, so shrinking would shorten it
/// while its case still said "2 characters"), and a `size` over 50 crashes it.
fn items() -> Router {
    async fn create(body: axum::body::Bytes) -> Response {
        let bad = || {
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"message": "not an item"})),
            )
        };
        let Ok(Value::Object(item)) = serde_json::from_slice::<Value>(&body) else {
            return bad().into_response();
        };
        let known = item
            .keys()
            .all(|k| ["name", "size", "note"].contains(&k.as_str()));
        let size = item.get("size").and_then(Value::as_i64);
        let Some(size) = size.filter(|s| known && (1..=100).contains(s)) else {
            return bad().into_response();
        };
        if !item.get("name").is_some_and(Value::is_string) {
            return bad().into_response();
        }
        if size > 50 {
            let boom = json!({"message": "overflow"});
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(boom)).into_response();
        }
        (StatusCode::CREATED, Json(json!({"id": 1}))).into_response()
    }
    Router::new().route("/items", post(create))
}

#[test]
fn a_shrunk_failure_names_its_own_request_at_its_own_line() {
    let (_rt, base) = serve(items());
    let dir = temp_dir();
    let spec_file = dir.path().join("items.yaml");
    std::fs::write(&spec_file, ITEMS_SPEC).expect("spec written");
    let (spec, target) = (
        format!("items={}", spec_file.display()),
        format!("items={base}"),
    );
    let (saved, reports) = (dir.path().join("saved"), dir.path().join("reports"));
    let out = Conform::new(&[
        "fuzz",
        "items",
        "--spec",
        &spec,
        "--target",
        &target,
        "--seed",
        "5",
        "--max-examples",
        "30",
        "--save-failures",
        saved.to_str().expect("utf-8"),
        "--report",
        reports.to_str().expect("utf-8"),
    ])
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let files = yaml_files(&saved.join("items"));
    assert!(
        files.len() >= 2,
        "a crash and a short name: {files:?}\n{said}"
    );
    let checked = files.iter().filter(|f| names_what_it_sends(f)).count();
    assert_eq!(
        checked, 1,
        "one negative with a short name: {files:?}\n{said}"
    );
    // The negative's request shrank (its `note` left out) while its name stayed as described.
    assert!(
        said.lines()
            .any(|l| l.contains("negative case") && l.contains("shrunk in")),
        "{said}"
    );
    each_failure_at_its_own_line(&reports.join("report.json"), &files, &said);
    each_saved_scenario_fails_again(&files, &spec, &target);
}

/// A saved negative that breaks `name`'s minLength says how long the name it sends is, and
/// its file name, step name and tags say what kind of case it is. True for such a negative.
fn names_what_it_sends(file: &std::path::Path) -> bool {
    let content = std::fs::read_to_string(file).expect("saved file");
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let kind = ["valid", "boundary", "negative"]
        .into_iter()
        .find(|k| stem.contains(&format!("-{k}-")))
        .unwrap_or_else(|| panic!("no kind in the name {stem}"));
    assert!(
        content.contains(&format!("tags: [fuzz, {kind}]")),
        "{content}"
    );
    let step = content
        .lines()
        .find(|l| l.trim_start().starts_with("- name: \"case "))
        .unwrap_or_else(|| panic!("no case step:\n{content}"));
    let said_len = step
        .split("`/name` is ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok());
    let Some(said_len) = said_len else {
        return false;
    };
    assert_eq!(kind, "negative", "{content}");
    let body_line = content
        .lines()
        .find_map(|l| l.trim().strip_prefix("body: "))
        .unwrap_or_else(|| panic!("no body:\n{content}"));
    let body: Value = serde_json::from_str(body_line).expect("the body is JSON");
    let sent = body["name"].as_str().map(|n| n.chars().count());
    assert_eq!(
        sent,
        Some(said_len),
        "the case says the name is {said_len} characters:\n{content}"
    );
    assert!(
        content.contains(&format!(
            "`/name` is {said_len} characters, below minLength 3"
        )),
        "the comment beside `invalid_request` says the same:\n{content}"
    );
    true
}

/// In the report, the failing steps of the operation name the saved file each is written in,
/// and the line each names is that step's own, in that file: two failures, two files.
fn each_failure_at_its_own_line(
    report: &std::path::Path,
    files: &[std::path::PathBuf],
    said: &str,
) {
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(report).expect("report.json")).expect("JSON");
    let steps = report["scenarios"][0]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    for s in steps.iter().filter(|s| s["outcome"] == "failed") {
        let file = s["file"].as_str().unwrap_or_else(|| panic!("no file: {s}"));
        assert!(
            files.iter().any(|f| f.to_str() == Some(file)),
            "{file} is a saved file: {files:?}"
        );
        let line = s["pos"]["line"].as_u64().expect("a line") as usize;
        let content = std::fs::read_to_string(file).expect("the step's file");
        let at = content.lines().nth(line - 1).unwrap_or_default();
        let name = s["name"].as_str().expect("a name");
        let number = name.split(':').next().unwrap_or(name);
        assert!(
            at.contains("name:") && at.contains(&format!("{number}:")),
            "line {line} of {file} is not the step `{name}`: {at}"
        );
        // The comment at the end of the file is what this request found.
        let findings = s["findings"].as_array().cloned().unwrap_or_default();
        let first = findings
            .iter()
            .find(|f| f["severity"] != "warning")
            .and_then(|f| f["message"].as_str())
            .expect("a failing finding");
        // The comment names the check's code first (`[server-error] status 500 …`).
        assert!(
            content
                .lines()
                .any(|l| l.starts_with("#   ") && l.ends_with(first)),
            "{file} says what its request found ({first}):\n{content}"
        );
        let shown = format!("`{name}` ({file}:{line}:");
        assert!(said.contains(&shown), "the output names {shown}:\n{said}");
        seen.insert(file.to_owned());
    }
    assert!(
        seen.len() >= 2,
        "two failures in two files: {seen:?}\n{said}"
    );
}
