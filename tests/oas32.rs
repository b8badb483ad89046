//! OpenAPI 3.2 end to end: the fixture API `tests/fixtures/specs-32/search` (QUERY, a custom
//! PURGE under `additionalOperations`, an `in: querystring` parameter, 3.2's new fields) loads
//! and lints clean; the real binary sends QUERY with its JSON body, PURGE as PURGE and the
//! querystring as the serialized query string to a server on 127.0.0.1, and checks the answers
//! (a wrong one fails naming the field); what 3.2 forbids is refused at its line and column.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::json;

use conform::openapi::lint::{Rule, lint_file};

use crate::util::{self, Conform, root, text};

const SPECS: &str = "tests/fixtures/specs-32";

/// What the server was sent: method, path and query, body.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A server of the search API; when `wrong`, QUERY answers `count` as a string.
fn serve(wrong: bool) -> (tokio::runtime::Runtime, String, Seen) {
    let seen: Seen = Arc::default();
    let handler = move |State(seen): State<Seen>, method: Method, uri: Uri, body: Bytes| async move {
        let body_text = String::from_utf8_lossy(&body).into_owned();
        seen.lock()
            .expect("lock")
            .push((method.to_string(), uri.to_string(), body_text));
        let count = if wrong { json!("1") } else { json!(1) };
        let found = json!({"items": [{"id": "i-1"}], "count": count});
        let r: Response = match method.as_str() {
            "QUERY" | "GET" if uri.path() == "/items" => axum::Json(found).into_response(),
            "PURGE" if uri.path() == "/items/i-1" => StatusCode::NO_CONTENT.into_response(),
            _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        };
        r
    };
    let app = axum::Router::new()
        .route("/items", any(handler))
        .route("/items/{id}", any(handler))
        .with_state(seen.clone());
    let (rt, base) = util::serve(app);
    (rt, format!("search={base}"), seen)
}

fn run(target: &str, scenario: &str) -> (Option<i32>, String) {
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--step-timeout",
        "5s",
        "--specs",
        SPECS,
        "--target",
        target,
        scenario,
    ])
    .output();
    (out.status.code(), text(&out))
}

#[test]
fn the_32_fixture_loads_with_query_custom_and_querystring_and_lints_clean() {
    let spec =
        conform::openapi::load_api("search", &root().join(SPECS).join("search/openapi.yaml"))
            .expect("loads");
    let methods: Vec<(&str, &str)> = spec
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.method.as_str()))
        .collect();
    for expected in [
        ("searchItems", "QUERY"),
        ("listItems", "GET"),
        ("purgeItem", "PURGE"),
    ] {
        assert!(methods.contains(&expected), "{methods:?}");
    }
    let list = spec
        .operations
        .iter()
        .find(|o| o.id == "listItems")
        .expect("listItems");
    let qs = list
        .params_in(conform::openapi::ParamIn::Querystring)
        .next()
        .expect("the querystring parameter");
    assert!(qs.schema.is_some(), "its schema is the media type's");
    let problems = lint_file(&root().join(SPECS).join("search/openapi.yaml"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_32_document_is_linted_against_the_oas_32_schema() {
    let path = root().join("tests/fixtures/specs-lint/openapi-3.2/widgets/openapi.yaml");
    let problems = lint_file(&path);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].rule, Rule::OpenApi32);
    assert_eq!(
        (problems[0].pos.line, problems[0].pos.col),
        (26, 5),
        "{problems:#?}"
    );
    assert!(
        problems[0].message.contains("\"GET\""),
        "{}",
        problems[0].message
    );
    assert!(
        problems[0].help.contains("OpenAPI 3.2 schema"),
        "{}",
        problems[0].help
    );
}

#[test]
fn query_custom_methods_and_a_querystring_go_on_the_wire_and_answers_are_checked() {
    let (_rt, target, seen) = serve(false);
    let (code, out) = run(&target, "tests/fixtures/oas32/search.yaml");
    assert_eq!(code, Some(0), "{out}");
    let seen = seen.lock().expect("lock").clone();
    let query = seen
        .iter()
        .find(|(m, _, _)| m == "QUERY")
        .expect("QUERY sent");
    assert_eq!(query.1, "/items");
    let body: serde_json::Value = serde_json::from_str(&query.2).expect("a JSON body");
    assert_eq!(body, json!({"term": "shoe", "limit": 2}));
    assert!(
        seen.iter()
            .any(|(m, u, _)| m == "GET" && u == "/items?term=red+shoe&limit=2"),
        "the querystring is the serialized query string: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(m, u, _)| m == "PURGE" && u == "/items/i-1"),
        "{seen:?}"
    );

    let (_rt, target, _) = serve(true);
    let (code, out) = run(&target, "tests/fixtures/oas32/search.yaml");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("/count"), "the wrong field is named: {out}");
}

#[test]
fn a_querystring_that_breaks_its_schema_is_the_scenarios_error() {
    let (_rt, target, seen) = serve(false);
    let (code, out) = run(&target, "tests/fixtures/oas32/bad-querystring.yaml");
    assert_eq!(
        code,
        Some(2),
        "the scenario's error, not the target's: {out}"
    );
    assert!(out.contains("querystring parameter `filter`"), "{out}");
    assert!(out.contains("\"term\" is a required property"), "{out}");
    assert!(out.contains("0 is less than the minimum of 1"), "{out}");
    assert!(
        seen.lock().expect("lock").is_empty(),
        "nothing is sent: {out}"
    );
}

/// The fixture API with `from` replaced by `to`, loaded from a temporary folder.
fn load_changed(from: &str, to: &str) -> (String, conform::source::Diagnostic) {
    let tmp = util::temp_dir();
    let text =
        std::fs::read_to_string(root().join(SPECS).join("search/openapi.yaml")).expect("fixture");
    assert!(text.contains(from), "{from}");
    let path = tmp.path().join("openapi.yaml");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    let d = conform::openapi::load_api("search", Path::new(&path)).expect_err("refused");
    (d.to_string(), d)
}

#[test]
fn a_fixed_method_among_additional_operations_is_refused_at_its_line() {
    let (shown, d) = load_changed("      PURGE:\n", "      post:\n");
    assert_eq!((d.pos.line, d.pos.col), (66, 7), "{shown}");
    assert!(
        shown.contains("`additionalOperations` cannot hold `post`"),
        "{shown}"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("move the operation under `post:` in the path item")
    );
    let (shown, _) = load_changed("      PURGE:\n", "      \"PUR GE\":\n");
    assert!(shown.contains("is not an HTTP method name"), "{shown}");
}

#[test]
fn querystring_beside_query_parameters_is_refused_at_the_querystring() {
    let (shown, d) = load_changed(
        "      parameters:\n        - name: filter\n",
        "      parameters:\n        - name: page\n          in: query\n          schema: {type: integer}\n        - name: filter\n",
    );
    assert_eq!((d.pos.line, d.pos.col), (44, 11), "{shown}");
    assert!(
        shown.contains("either an `in: querystring` parameter or `in: query` ones"),
        "{shown}"
    );
    assert!(
        d.help
            .is_some_and(|h| h.contains("properties of the querystring")),
        "{shown}"
    ); // 3.2 describes a querystring by exactly one media type.
    let (shown, d) = load_changed(
        "            application/x-www-form-urlencoded:\n",
        "            text/plain:\n              schema: {type: string}\n            application/x-www-form-urlencoded:\n",
    );
    assert_eq!((d.pos.line, d.pos.col), (41, 11), "{shown}");
    assert!(shown.contains("exactly one media type"), "{shown}");
}

/// `conform init` writes a QUERY scenario with a body and the querystring as an object under
/// `query:`, and the corpus passes against the server.
#[test]
fn init_drafts_query_and_querystring_scenarios_that_pass() {
    let tmp = util::temp_dir();
    let out_dir = tmp.path().to_string_lossy().into_owned();
    let spec = format!("{SPECS}/search/openapi.yaml");
    let out = Conform::new(&["init", &spec, "--out", &out_dir]).output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let list =
        std::fs::read_to_string(tmp.path().join("search/list-items.yaml")).expect("listItems");
    assert!(list.contains("filter: {\"term\":"), "{list}");
    let search =
        std::fs::read_to_string(tmp.path().join("search/search-items.yaml")).expect("searchItems");
    assert!(search.contains("body: {\"term\":"), "{search}");
    let (_rt, target, seen) = serve(false);
    let (code, out) = run(&target, &format!("{out_dir}/search"));
    assert_eq!(code, Some(0), "{out}");
    let seen = seen.lock().expect("lock").clone();
    assert!(
        seen.iter()
            .any(|(m, _, b)| m == "QUERY" && b.contains("\"term\"")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(m, u, _)| m == "GET" && u.starts_with("/items?term=conform")),
        "{seen:?}"
    );
}

/// `conform fuzz` generates QUERY bodies and querystring objects (sent as form pairs), sends
/// PURGE as PURGE, and finds what the server gets wrong: it accepts a QUERY body that breaks
/// the schema, and answers its 405s without `Allow`.
#[test]
fn fuzz_sends_query_bodies_querystrings_and_custom_methods() {
    let (_rt, target, seen) = serve(false);
    let out = Conform::new(&[
        "fuzz",
        "--specs",
        SPECS,
        "--target",
        &target,
        "--max-examples",
        "5",
        "--seed",
        "1",
        "--step-timeout",
        "5s",
        "--no-report",
    ])
    .output();
    let out = text(&out);
    let seen = seen.lock().expect("lock").clone();
    assert!(
        seen.iter()
            .any(|(m, _, b)| m == "QUERY" && b.starts_with("{\"term\":")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(m, u, _)| m == "GET" && u.starts_with("/items?term=")),
        "{seen:?}"
    );
    assert!(seen.iter().any(|(m, _, _)| m == "PURGE"), "{seen:?}");
    assert!(
        out.contains("[invalid-data-accepted] search/searchItems negative case"),
        "{out}"
    );
    assert!(
        out.contains("[undeclared-method] search/listItems probe case"),
        "{out}"
    );
}

/// A recorded run's QUERY, querystring and PURGE exchanges are matched to their operations
/// and checked again offline by `conform check`; the wrong answer fails there too.
#[test]
fn a_recorded_32_run_is_checked_offline() {
    let tmp = util::temp_dir();
    for (wrong, code) in [(false, 0), (true, 1)] {
        let (_rt, target, _) = serve(wrong);
        let har = tmp.path().join(format!("run-{wrong}.har"));
        let har = har.to_string_lossy().into_owned();
        let out = Conform::new(&[
            "run",
            "--no-report",
            "--specs",
            SPECS,
            "--target",
            &target,
            "--record",
            &har,
            "tests/fixtures/oas32/search.yaml",
        ])
        .output();
        assert_eq!(out.status.code(), Some(code), "{}", text(&out));
        let out = Conform::new(&["check", "--no-report", "-v", "--specs", SPECS, &har]).output();
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(code), "{shown}");
        // Each entry matched to its operation, named by method and path template (the wrong
        // answer ends the scenario at its first step).
        let ops: &[&str] = if wrong {
            &["`QUERY /items`"]
        } else {
            &["`QUERY /items`", "`GET /items`", "`PURGE /items/{id}`"]
        };
        for op in ops {
            assert!(shown.contains(op), "{op} matched: {shown}");
        }
        assert_eq!(shown.contains("/count"), wrong, "{shown}");
    }
}

/// `conform proxy` in front of the server forwards QUERY with its body, the query string and
/// PURGE unchanged and checks each answer against its operation.
#[test]
fn the_proxy_forwards_and_checks_query_and_custom_methods() {
    let (_rt, target, seen) = serve(false);
    let base = target.trim_start_matches("search=").to_owned();
    let dir = util::temp_dir();
    let reports = dir.path().join("reports");
    let proxy = util::Served::start(&[
        "proxy",
        "--specs",
        SPECS,
        "--target",
        &target,
        "--report",
        reports.to_str().expect("UTF-8"),
    ]);
    let (code, out) = run(
        &format!("search={}", proxy.url),
        "tests/fixtures/oas32/search.yaml",
    );
    let (proxy_code, stdout, stderr) = proxy.stop();
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(proxy_code, Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json")).expect("report.json"))
            .expect("JSON");
    let calls = crate::proxy::checked(&report);
    for op in ["searchItems", "listItems", "purgeItem"] {
        assert!(
            calls.iter().any(|(c, o)| c == op && o == "passed"),
            "{op} checked through the proxy ({base}): {calls:?}"
        );
    }
    let seen = seen.lock().expect("lock").clone();
    assert!(
        seen.iter()
            .any(|(m, _, b)| m == "QUERY" && b.contains("shoe")),
        "{seen:?}"
    );
    assert!(seen.iter().any(|(m, _, _)| m == "PURGE"), "{seen:?}");
}
