//! Traffic as evidence, end to end through the binary: `conform run --record` writes the
//! corpus's exchanges against the embedded mocks as HAR 1.2 that an independent reader accepts
//! (the `har-schema` JSON Schema, vendored in tests/fixtures/har-schema), with no secret in it;
//! `conform check` passes on that HAR and fails, naming the rule, on a copy that breaks one;
//! it reads a browser's export, says which entries no operation matches, and names the line
//! and column of a file that is not JSON.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jsonschema::Draft;
use serde_json::{Value, json};

use crate::declared_server::{CLIENT_SECRET, PASSWORD, Server, TOKEN, USERNAME, all_vars};
use crate::util::{Conform, root, temp_dir, text};

/// The corpus recorded against the embedded mocks, once per test that needs it.
fn record(dir: &Path) -> (PathBuf, String) {
    let har = dir.join("corpus.har");
    let out = Conform::new(&["run", "--no-report", "--quiet", "--record", path(&har)]).output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let body = std::fs::read_to_string(&har).expect("the HAR is written");
    (har, body)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// Every error of `har` against the HAR 1.2 JSON Schema of the npm package `har-schema`.
fn schema_errors(har: &Value) -> Vec<String> {
    let dir = root().join("tests/fixtures/har-schema");
    let mut resources = Vec::new();
    for e in std::fs::read_dir(&dir)
        .expect("the vendored schema")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let v: Value =
            serde_json::from_slice(&std::fs::read(e.path()).expect("read")).expect("schema JSON");
        resources.push((
            format!("https://har-schema.invalid/{name}"),
            Draft::Draft6.create_resource(v),
        ));
    }
    let registry = jsonschema::Registry::new()
        .draft(Draft::Draft6)
        .extend(resources)
        .and_then(|b| b.prepare())
        .expect("the schema's files make a registry");
    let validator = jsonschema::options()
        .with_draft(Draft::Draft6)
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&json!({"$ref": "https://har-schema.invalid/har.json"}))
        .expect("the HAR schema compiles");
    validator
        .iter_errors(har)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_har_schema_rejects_what_is_not_har() {
    // A check that cannot fail proves nothing: an entry without its request is refused.
    let broken = json!({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"},
        "entries": [{"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
            "response": {}, "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}]}});
    let errors = schema_errors(&broken);
    assert!(errors.iter().any(|e| e.contains("request")), "{errors:?}");
}

#[test]
fn the_corpus_recorded_is_har_1_2_with_no_secret_and_checks_clean() {
    let dir = temp_dir();
    let (har, body) = record(dir.path());
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "not HAR 1.2: {errors:#?}");
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert!(entries.len() > 50, "{} entries", entries.len());
    let e = &entries[0];
    let a = &e["_conform"];
    for key in ["scenario", "step", "call", "phase", "outcome", "findings"] {
        assert!(!a[key].is_null(), "_conform.{key} missing: {a}");
    }
    assert_eq!(e["request"]["cookies"], json!([]));
    assert!(e["timings"]["wait"].is_number());
    // Where the run found something, the entry says what (pointer and keyword included).
    let annotated: Vec<&Value> = entries
        .iter()
        .flat_map(|e| e["_conform"]["findings"].as_array().into_iter().flatten())
        .collect();
    assert!(
        annotated
            .iter()
            .any(|f| f["keyword"].is_string() && f["pointer"].is_string()),
        "{annotated:?}"
    );

    // No secret of the mocks' credentials, in any form.
    let mut secrets = Vec::new();
    for api in conform::mock::APIS {
        for (name, value) in conform::mock::credentials(api) {
            if name.contains("KEY") || name.contains("PASSWORD") || name.contains("TOKEN") {
                secrets.push(value);
            }
        }
    }
    assert!(secrets.len() >= 4, "{secrets:?}");
    for s in &secrets {
        assert!(!body.contains(s.as_str()), "secret `{s}` in the HAR");
    }
    // The headers that carry credentials (Alibaba's signature with its key id, the Keystone
    // token, LivePerson's bearer token) are there, redacted.
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        for h in e["request"]["headers"].as_array().into_iter().flatten() {
            let name = h["name"].as_str().unwrap_or_default().to_ascii_lowercase();
            if ["authorization", "x-auth-token"].contains(&name.as_str()) {
                let v = h["value"].as_str().unwrap_or_default();
                assert!(v.ends_with("<redacted>"), "{name}: {v}");
                seen.insert(v.split(' ').next().unwrap_or_default().to_owned());
            }
        }
    }
    for kind in ["ACS3-HMAC-SHA256", "Bearer", "<redacted>"] {
        assert!(
            seen.contains(kind),
            "no {kind} credential recorded: {seen:?}"
        );
    }

    let out = Conform::new(&["check", path(&har), "--no-report"]).output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains(&format!("{} passed, 0 failed", entries.len())),
        "{t}"
    );
}

/// The recording with `edit` applied to the first entry of `call` answered with `status`.
fn edited(dir: &Path, call: &str, status: u64, edit: impl FnOnce(&mut Value)) -> (PathBuf, usize) {
    let (_, body) = record(dir);
    let mut doc: Value = serde_json::from_str(&body).expect("JSON");
    let entries = doc["log"]["entries"].as_array_mut().expect("entries");
    let index = entries
        .iter()
        .position(|e| e["_conform"]["call"] == call && e["response"]["status"] == status)
        .expect("an entry of that call");
    edit(&mut entries[index]);
    let copy = dir.join("edited.har");
    std::fs::write(&copy, serde_json::to_vec(&doc).expect("JSON")).expect("write");
    (copy, index)
}

#[test]
fn a_required_field_removed_from_one_response_fails_naming_the_rule() {
    let dir = temp_dir();
    let (copy, index) = edited(dir.path(), "showServer", 200, |e| {
        let content = &mut e["response"]["content"];
        let mut body: Value =
            serde_json::from_str(content["text"].as_str().expect("text")).expect("JSON body");
        body["server"]
            .as_object_mut()
            .expect("a server")
            .remove("status");
        content["text"] = Value::String(body.to_string());
    });
    let reports = dir.path().join("reports");
    let out = Conform::new(&["check", path(&copy), "--report", path(&reports)]).output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("1 failed"), "{t}");
    assert!(
        t.contains(&format!("edited.har#/log/entries/{index}")),
        "{t}"
    );
    assert!(t.contains("\"status\" is a required property"), "{t}");
    assert!(t.contains("at: /server"), "the pointer: {t}");
    assert!(t.contains("(required)"), "the keyword: {t}");
    // The reports are a run's: the failing entry is a failed case in junit.xml.
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains(&format!("entries/{index}")), "{junit}");
}

#[test]
fn a_status_changed_to_an_undocumented_one_fails_naming_the_rule() {
    let dir = temp_dir();
    let (copy, _) = edited(dir.path(), "DescribeInstance", 200, |e| {
        e["response"]["status"] = json!(418);
    });
    let out = Conform::new(&["check", path(&copy), "--no-report", "--format", "json"]).output();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("undocumented-status"), "{stdout}");
    assert!(
        stdout.contains("status 418 is not documented for DescribeInstance"),
        "{stdout}"
    );
}

#[test]
fn a_browser_export_is_checked_and_an_unmatched_entry_is_said() {
    let fixture = root().join("tests/fixtures/har/browser-export.har");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(fixture).expect("fixture")).expect("JSON");
    assert!(
        schema_errors(&doc).is_empty(),
        "the fixture is HAR 1.2: {:?}",
        schema_errors(&doc)
    );
    let out = Conform::new(&[
        "check",
        "tests/fixtures/har/browser-export.har",
        "--specs",
        "tests/fixtures/specs",
        "--no-report",
    ])
    .output();
    let t = text(&out);
    // A JSON body, one encoded base64, mixed-case headers, a base path (`/v1`) in front of
    // the templates, and a host no spec claims.
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("2 passed, 0 failed, 1 skipped"), "{t}");
    assert!(
        t.contains("unmatched: no operation of fixture is GET /static/app.js"),
        "the unmatched entry is named, not dropped: {t}"
    );
}

#[test]
fn a_browser_export_with_a_broken_body_fails() {
    let text_of = std::fs::read_to_string(root().join("tests/fixtures/har/browser-export.har"))
        .expect("fixture");
    let mut doc: Value = serde_json::from_str(&text_of).expect("JSON");
    // The base64 body of the create, with `size` a string.
    let content = &mut doc["log"]["entries"][1]["response"]["content"];
    let body = BASE64
        .decode(content["text"].as_str().expect("text"))
        .expect("base64");
    let mut widget: Value = serde_json::from_slice(&body).expect("JSON");
    widget["size"] = json!("three");
    content["text"] = Value::String(BASE64.encode(widget.to_string()));
    let dir = temp_dir();
    let copy = dir.path().join("broken.har");
    std::fs::write(&copy, doc.to_string()).expect("write");
    // The spec given by `--spec`, and only that API named.
    let out = Conform::new(&[
        "check",
        path(&copy),
        "fixture",
        "--spec",
        "fixture=tests/fixtures/specs/fixture/openapi.yaml",
        "--no-report",
    ])
    .output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("no operation of fixture is GET"),
        "only fixture: {t}"
    );
    assert!(t.contains("broken.har#/log/entries/1"), "{t}");
    assert!(t.contains("at: /size") && t.contains("(type)"), "{t}");
}

#[test]
fn a_file_that_is_not_json_is_named_at_its_line_and_column() {
    let dir = temp_dir();
    let bad = dir.path().join("bad.har");
    std::fs::write(&bad, "{\"log\": {\n  \"entries\": [,]}}\n").expect("write");
    let out = Conform::new(&["check", path(&bad), "--no-report"]).output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("bad.har:2:15: not a HAR file"), "{t}");
}

#[test]
fn an_empty_recording_is_an_error_not_a_green_check() {
    let dir = temp_dir();
    let empty = dir.path().join("empty.har");
    std::fs::write(&empty, r#"{"log":{"version":"1.2","entries":[]}}"#).expect("write");
    let out = Conform::new(&["check", path(&empty), "--no-report"]).output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("the HAR has no entry to check"), "{t}");
}

#[test]
fn a_record_path_that_cannot_be_written_fails_before_anything_runs() {
    let dir = temp_dir();
    let out = Conform::new(&["run", "--no-report", "--record", path(dir.path())]).output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("is a folder; name a file such as run.har"),
        "{t}"
    );
    assert!(!t.contains("passed"), "nothing ran: {t}");
    let missing = dir.path().join("no/such/folder/x.har");
    let out = Conform::new(&["run", "--no-report", "--record", path(&missing)]).output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("cannot write there"), "{t}");
}

#[test]
fn an_existing_file_is_replaced_and_no_temporary_is_left() {
    let dir = temp_dir();
    let har = dir.path().join("old.har");
    std::fs::write(&har, "old").expect("write");
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--quiet",
        "--record",
        path(&har),
        "cases/liveperson-deletion",
    ])
    .output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let body = std::fs::read_to_string(&har).expect("read");
    assert!(body.starts_with("{\"log\""), "{body}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("old.har")]);
}

#[test]
fn fuzz_records_too() {
    let dir = temp_dir();
    let har = dir.path().join("fuzz.har");
    let out = Conform::new(&[
        "fuzz",
        "fixture",
        "--specs",
        "tests/fixtures/specs",
        "--no-report",
        "--quiet",
        "--seed",
        "7",
        "--max-examples",
        "3",
        "--record",
        path(&har),
    ])
    .output();
    let body = std::fs::read_to_string(&har).unwrap_or_else(|_| panic!("{}", text(&out)));
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert!(!entries.is_empty(), "{}", text(&out));
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
}

#[test]
fn the_declared_schemes_secrets_stay_out_of_the_recording() {
    let server = Server::start();
    let dir = temp_dir();
    let har = dir.path().join("declared.har");
    let target = format!("secured={}", server.base);
    let mut cmd = Conform::new(&[
        "run",
        "--no-report",
        "--specs",
        "tests/fixtures/declared/specs",
        "--target",
        &target,
        "--record",
        path(&har),
        "tests/fixtures/declared/cases",
    ]);
    for var in all_vars().keys() {
        cmd = cmd.env_remove(var);
    }
    let out = cmd.env_remove("CONFORM_TARGETS").envs(all_vars()).output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let body = std::fs::read_to_string(&har).expect("the HAR");
    assert!(body.contains("Basic <redacted>"), "{body}");
    let mut secrets = vec![
        TOKEN.to_owned(),
        PASSWORD.to_owned(),
        BASE64.encode(format!("{USERNAME}:{PASSWORD}")),
        CLIENT_SECRET.to_owned(),
    ];
    secrets.extend(server.issued());
    for s in &secrets {
        assert!(!body.contains(s.as_str()), "secret `{s}` in the HAR");
    }
}

/// CI-only: on the public specs other teams wrote (`../shared/realworld-specs`), every
/// operation's own URL (its first server, its template filled) is matched back to an operation
/// of the same method and template: base paths (`/ds-api`), literal segments beside
/// parameters, hundreds of templates (Stripe) that share prefixes.
#[test]
fn every_real_world_operation_is_matched_back_from_its_url() {
    let dir = root().join("../shared/realworld-specs");
    if !dir.is_dir() {
        eprintln!(
            "skipped: {} is absent (only beside the CI checkout)",
            dir.display()
        );
        return;
    }
    let param = regex::Regex::new(r"\{[^}]+\}").expect("regex");
    for file in [
        "petstore-3.0/openapi.yaml",
        "oai-examples/v3.0/uspto.yaml",
        "oai-examples/v3.0/petstore-expanded.yaml",
        "oai-examples/v3.1/tictactoe.yaml",
        "large/stripe/spec3.yaml",
        "large/openai/openapi.yaml",
    ] {
        let spec = std::sync::Arc::new(
            conform::openapi::load_api("realworld", &dir.join(file))
                .unwrap_or_else(|d| panic!("{file}: {d}")),
        );
        let server = spec
            .servers
            .first()
            .filter(|s| s.contains("://"))
            .cloned()
            .unwrap_or_else(|| "http://api.test".into());
        let matcher = conform::har::Matcher::new(vec![spec.clone()]);
        let mut wrong = Vec::new();
        for op in &spec.operations {
            let filled = param.replace_all(&op.path, "v7");
            let url = url::Url::parse(&format!("{}{filled}", server.trim_end_matches('/')))
                .unwrap_or_else(|e| panic!("{file} {}: {e}", op.path));
            match matcher.find(&op.method, &url, None) {
                Some(m) if m.op.method == op.method && m.op.path == op.path => {}
                other => wrong.push(format!(
                    "{} {} -> {:?}",
                    op.method,
                    op.path,
                    other.map(|m| m.op.path.clone())
                )),
            }
        }
        assert!(wrong.is_empty(), "{file}: {wrong:#?}");
        eprintln!("{file}: {} operations matched back", spec.operations.len());
    }
}

#[test]
fn an_api_without_a_spec_is_named_before_the_file_is_read() {
    let out = Conform::new(&[
        "check",
        "tests/fixtures/har/browser-export.har",
        "nosuch",
        "--no-report",
    ])
    .output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("no spec for API `nosuch`"), "{t}");
}
