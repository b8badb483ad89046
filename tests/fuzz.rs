//! `conform fuzz` with no hand-written case: against each faithful reference mock, fuzzed by
//! itself, it reports nothing and reaches the seed's headline success; against each fault
//! profile a response can reveal it catches the fault wherever the mock applies it (a table
//! API, profile -> check is printed); against a small server with planted bugs it finds each, and
//! the scenario it saves for each replays the failure with `conform run`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use conform::fuzz::{FuzzOptions, Fuzzer};
use conform::mock::{Fault, MockOptions};
use conform::run::{Collect, Outcome, RunOptions, ScenarioResult};
use serde_json::{Value, json};

use crate::fault_detection::names_rule;
use crate::util::{Conform, details, root, runner, runtime, serve, temp_dir, text};

/// The fault profiles a single response can reveal (the others need a scenario's memory:
/// idempotency, forbidden transitions, polls that never end, slowness past a step timeout).
/// `body-on-empty-response` breaks only the 202 of restoring a soft-deleted server, which a
/// chain reaches only by waiting for two asynchronous transitions (create -> ACTIVE, delete ->
/// SOFT_DELETED): it proves the chains settle.
const REVEALED_BY_A_RESPONSE: &[Fault] = &[
    Fault::WrongSuccessStatus,
    Fault::BodyOnEmptyResponse,
    Fault::MissingRequiredField,
    Fault::WrongType,
    Fault::ExtraField,
    Fault::WrongErrorEnvelope,
    Fault::WrongErrorCode,
    Fault::MissingHeader,
    Fault::WrongContentType,
    Fault::MalformedJson,
    Fault::ConnectionReset,
];

/// The seed APIs whose mocks are fuzzed: the `fixture` mock is left out, as its faults are chosen
/// by a widget's name and it accepts what its spec forbids (an extra property of a widget).
const SEED_APIS: usize = 3;

/// The (API, fault) pairs of [`REVEALED_BY_A_RESPONSE`] where the API's mock breaks a rule its
/// spec states, so that one answer shows it: 26 (8 + 7 + 11). The transport faults apply to
/// every mock (`mock::faults::layer`); the others where each mock implements them (the
/// `Fault::` matches of `src/mock/`). Left out, because nothing a response can show breaks the
/// spec: `wrong-error-code` of Alibaba (`InvalidInstanceId.NotFound` for `InstanceNotFound`
/// matches the open `Code` pattern) and of LivePerson (`code: 400` in a 404 is within the
/// documented 400..599); and the profiles a mock does not implement (Alibaba's
/// `missing-header` and `body-on-empty-response`, LivePerson's `extra-field`, `missing-header`
/// and `body-on-empty-response`). Those pairs must find nothing, as the faithful mocks.
/// OpenStack's `malformed-json` and `connection-reset` break the Keystone login before any
/// request of Nova: they are caught there ([`at_the_login`]).
const CAUGHT: &[(&str, &[Fault])] = &[
    (
        "alibaba-elasticsearch",
        &[
            Fault::WrongSuccessStatus,
            Fault::MissingRequiredField,
            Fault::WrongType,
            Fault::ExtraField,
            Fault::WrongErrorEnvelope,
            Fault::WrongContentType,
            Fault::MalformedJson,
            Fault::ConnectionReset,
        ],
    ),
    (
        "liveperson-deletion",
        &[
            Fault::WrongSuccessStatus,
            Fault::MissingRequiredField,
            Fault::WrongType,
            Fault::WrongErrorEnvelope,
            Fault::WrongContentType,
            Fault::MalformedJson,
            Fault::ConnectionReset,
        ],
    ),
    (
        "openstack-compute",
        &[
            Fault::WrongSuccessStatus,
            Fault::BodyOnEmptyResponse,
            Fault::MissingRequiredField,
            Fault::WrongType,
            Fault::ExtraField,
            Fault::WrongErrorEnvelope,
            Fault::WrongErrorCode,
            Fault::MissingHeader,
            Fault::WrongContentType,
            Fault::MalformedJson,
            Fault::ConnectionReset,
        ],
    ),
];

/// Fuzzes `api` alone against its mock (with `fault`, if any) and returns one result per
/// operation.
fn fuzz_mock(rt: &tokio::runtime::Runtime, api: &str, fault: Option<Fault>) -> Vec<ScenarioResult> {
    rt.block_on(async {
        let options = MockOptions {
            fault,
            ..Default::default()
        };
        let mock = conform::mock::start(api, 0, &options)
            .await
            .expect("the mock starts");
        let mut targets = conform::targets::Targets::default();
        targets.insert(api, mock.target());
        let runner = Arc::new(runner(
            "specs",
            targets,
            RunOptions {
                step_timeout: Duration::from_secs(5),
                ..Default::default()
            },
        ));
        let fuzzer = Fuzzer::new(
            runner,
            FuzzOptions {
                seed: 11,
                max_examples: 16,
                shrink_runs: 4,
                ..Default::default()
            },
        );
        let collect = Arc::new(Collect::default());
        let summary = fuzzer.run(&[api.to_owned()], collect.clone()).await;
        mock.stop().await;
        // A target that resets every connection answers nothing: an operation stops at its
        // first cases (`jobs` at a time), and those that act on a created resource wait for a
        // create that never answers; the reset is still caught (the table below).
        // OpenStack's Keystone login is cut short too under `malformed-json`: nothing is sent.
        let least = if matches!(fault, Some(Fault::ConnectionReset | Fault::MalformedJson)) {
            0
        } else {
            30
        };
        let results = collect.take();
        assert!(
            summary.requests >= least,
            "{api} {fault:?}: the fuzzing sent only {} requests:\n{}",
            summary.requests,
            results.iter().map(details).collect::<Vec<_>>().join("\n")
        );
        results
    })
}

/// What fuzzing `api`'s mock reports that a faithful mock must not: failures, and operations
/// not fuzzed.
fn not_clean(api: &str, results: &[ScenarioResult]) -> Vec<String> {
    let fuzzed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Passed)
        .count();
    let mut wrong: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Passed)
        .map(|r| match r.outcome {
            Outcome::Skipped => format!("{}: {}", r.id, r.skipped.clone().unwrap_or_default()),
            _ => details(r),
        })
        .collect();
    if fuzzed < 3 {
        wrong.push(format!("{api}: only {fuzzed} operations were fuzzed"));
    }
    wrong
}

/// The checks that caught `fault` in `results`, as `check on call`.
fn caught_by(fault: Fault, results: &[ScenarioResult]) -> Vec<String> {
    let mut checks: Vec<String> = results
        .iter()
        .flat_map(|r| r.findings())
        .filter_map(|(step, f)| {
            let check = serde_json::to_value(f.check).unwrap_or(Value::Null);
            let check = check.as_str().unwrap_or("?");
            if names_rule(fault, step, f) {
                Some(format!("{check} on {}", step.call))
            } else if at_the_login(fault, &f.message) {
                Some(format!("{check} (the Keystone login) on {}", step.call))
            } else {
                None
            }
        })
        .collect();
    checks.sort();
    checks.dedup();
    checks
}

/// Whether `message` is OpenStack's Keystone login failing on a transport fault: the fault
/// breaks the token response too (every response of the mock), so no request of Nova is sent;
/// the run ends in an error that names the login, what a user meets on such a cloud.
fn at_the_login(fault: Fault, message: &str) -> bool {
    let Some(why) = message.strip_prefix("cannot attach credentials: Keystone login: ") else {
        return false;
    };
    match fault {
        Fault::MalformedJson => why.contains("EOF while parsing"),
        Fault::ConnectionReset => why.contains("error sending request"),
        _ => false,
    }
}

#[test]
fn fuzzing_each_faithful_mock_finds_nothing_and_each_fault_it_applies_is_caught() {
    let rt = runtime();
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    for (api, caught) in CAUGHT {
        wrong.extend(not_clean(api, &fuzz_mock(&rt, api, None)));
        for &fault in REVEALED_BY_A_RESPONSE {
            let results = fuzz_mock(&rt, api, Some(fault));
            if !caught.contains(&fault) {
                // Not applied, or nothing a response shows: as faithful as no fault at all.
                for w in not_clean(api, &results) {
                    wrong.push(format!("{api} {fault} (not in the table): {w}"));
                }
                continue;
            }
            let checks = caught_by(fault, &results);
            if checks.is_empty() {
                let first = results.first().map(details).unwrap_or_default();
                wrong.push(format!(
                    "{api} {fault}: NOT CAUGHT; the first result:\n{first}"
                ));
            }
            table.push((api, fault, checks));
        }
    }
    println!("\nAPI                    fault profile             caught by `conform fuzz` with");
    for (api, fault, checks) in &table {
        let shown = if checks.is_empty() {
            "-- NOT CAUGHT --".to_owned()
        } else {
            checks.join(", ")
        };
        println!("{api:<22} {:<25} {shown}", fault.name());
    }
    assert_eq!(CAUGHT.len(), SEED_APIS);
    assert_eq!(
        table.len(),
        26,
        "the pairs the mocks apply, as counted above"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Each seed API's headline success, the state its seed contract is about, is reached by
/// fuzzing alone: CancelDeletion on a protectively deleted instance (create -> delete with
/// `deleteType=protective` -> cancel, each create with a new `clientToken`), the restore of a
/// soft-deleted server (create -> wait ACTIVE -> delete -> wait SOFT_DELETED -> restore), the
/// cancel of a deletion request in its grace period; and the result line says so.
#[test]
fn fuzzing_reaches_the_headline_success_of_each_seed_api() {
    let rt = runtime();
    for (api, op, status) in [
        ("alibaba-elasticsearch", "CancelDeletion", 200),
        ("openstack-compute", "restoreServer", 202),
        ("liveperson-deletion", "cancelDeletionRequest", 200),
    ] {
        let results = fuzz_mock(&rt, api, None);
        let result = results
            .iter()
            .find(|r| r.id.ends_with(&format!("/{op}")))
            .unwrap_or_else(|| panic!("no result for {op}"));
        let seen: Vec<(String, u16, usize)> = result
            .statuses_seen
            .iter()
            .map(|s| (s.call.clone(), s.status, s.count))
            .collect();
        assert!(
            seen.iter().any(|(call, s, _)| call == op && *s == status),
            "{api}: fuzzing never got {op} {status}; it got {seen:?}"
        );
        assert!(
            result.name.contains(&format!("reached {status}")),
            "the result line says what was reached: {}",
            result.name
        );
    }
}

/// A notes server with three bugs no scenario tests: a 500 when the search text is longer than
/// 20 characters (the spec allows 200), a 201 to any body, and `id` as a string in a note.
fn planted() -> Router {
    async fn create(body: axum::body::Bytes) -> Response {
        let title = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("title").cloned())
            .unwrap_or(json!("untitled"));
        (StatusCode::CREATED, Json(json!({"id": 1, "title": title}))).into_response()
    }
    async fn note(UrlPath(id): UrlPath<String>) -> Response {
        match id.parse::<i64>() {
            Ok(n) if n >= 1 => Json(json!({"id": id, "title": "a note"})).into_response(),
            _ => (
                StatusCode::BAD_REQUEST,
                Json(json!({"message": "not an id"})),
            )
                .into_response(),
        }
    }
    async fn search(Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
        let bad = |m: &str| (StatusCode::BAD_REQUEST, Json(json!({"message": m}))).into_response();
        let Some(text) = q
            .get("q")
            .filter(|t| !t.is_empty() && t.chars().count() <= 200)
        else {
            return bad("q is required, 1 to 200 characters");
        };
        if let Some(limit) = q.get("limit")
            && !limit.parse::<i64>().is_ok_and(|l| (1..=50).contains(&l))
        {
            return bad("limit is 1 to 50");
        }
        if text.chars().count() > 20 {
            let boom = json!({"message": "index overflow"});
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(boom)).into_response();
        }
        Json(json!({"hits": 0})).into_response()
    }
    Router::new()
        .route("/notes", post(create))
        .route("/notes/{noteId}", get(note))
        .route("/search", get(search))
}

fn spec_arg() -> String {
    let spec = root().join("tests/fixtures/fuzz/planted.yaml");
    format!("planted={}", spec.display())
}

pub(crate) fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    out.sort();
    out
}

#[test]
fn fuzz_finds_each_planted_bug_and_each_saved_scenario_replays_it() {
    let (_rt, base) = serve(planted());
    let dir = temp_dir();
    let saved = dir.path().join("saved");
    let target = format!("planted={base}");
    let spec = spec_arg();
    let fuzz = |reports: &str| {
        Conform::new(&[
            "fuzz",
            "planted",
            "--spec",
            &spec,
            "--target",
            &target,
            "--seed",
            "7",
            "--max-examples",
            "40",
            "--save-failures",
            saved.to_str().expect("utf-8"),
            "--report",
            dir.path().join(reports).to_str().expect("utf-8"),
        ])
        .output()
    };
    let out = fuzz("reports");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    each_planted_bug_is_named(&said);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports/report.json")).expect("report.json"),
    )
    .expect("JSON");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 3, "one result per operation");

    let files = yaml_files(&saved.join("planted"));
    assert!(files.len() >= 3, "saved: {files:?}\n{said}");
    each_saved_scenario_fails_again(&files, &spec, &target);
    the_search_failure_is_shrunk(&files);

    // A second run with the same seed writes new files beside the first: nothing is replaced.
    let again = fuzz("reports2");
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    let after = yaml_files(&saved.join("planted"));
    assert_eq!(after.len(), 2 * files.len(), "{after:?}");
    for f in &files {
        let kept = std::fs::read_to_string(f).expect("kept");
        assert!(kept.contains("# What `conform fuzz` found"));
    }
}

/// The fuzz run's output `said` names each planted bug's operation with what shows it.
fn each_planted_bug_is_named(said: &str) {
    for (op, what, code) in [
        ("planted/searchNotes ", "got 500", "[server-error] "),
        (
            "planted/createNote negative case",
            "got 201",
            "[invalid-data-accepted] ",
        ),
        ("planted/getNote valid case", "type", "[response-schema] "),
    ] {
        assert!(
            said.lines()
                .any(|l| l.contains(op) && l.contains(what) && l.contains(code)),
            "no line names `{op}` with `{what}` and {code}:\n{said}"
        );
    }
}

/// Each saved scenario in `files` says what fuzzing found, and run again (with the planted
/// `spec` against `target`) it fails again.
pub(crate) fn each_saved_scenario_fails_again(
    files: &[std::path::PathBuf],
    spec: &str,
    target: &str,
) {
    for f in files {
        let content = std::fs::read_to_string(f).expect("saved file");
        assert!(content.contains("# What `conform fuzz` found"), "{content}");
        assert!(
            content.contains("#   [server-error] ")
                || content.contains("#   [invalid-data-accepted] ")
                || content.contains("#   [response-schema] "),
            "the comment names the check: {content}"
        );
        let replay = Conform::new(&[
            "run",
            f.to_str().expect("utf-8"),
            "--spec",
            spec,
            "--target",
            target,
        ])
        .output();
        assert_eq!(
            replay.status.code(),
            Some(1),
            "{} must fail again:\n{}",
            f.display(),
            text(&replay)
        );
    }
}

/// The 500 needs a search text over 20 characters: shrinking halves it while it still fails,
/// so the saved search case (among `files`) sends one just over 20.
fn the_search_failure_is_shrunk(files: &[std::path::PathBuf]) {
    let search = files
        .iter()
        .find(|f| f.to_string_lossy().contains("searchnotes"))
        .expect("the search failure is saved");
    let body = std::fs::read_to_string(search).expect("read");
    let q = body
        .lines()
        .find_map(|l| l.trim().strip_prefix("q: "))
        .expect("the saved case sends q");
    let q: String = serde_json::from_str(q).unwrap_or_else(|_| q.to_owned());
    assert!(
        (21..=40).contains(&q.chars().count()),
        "shrinking should leave a search text just over 20 characters, not {q:?}"
    );
}

/// The todos server's state: the last id given, and the ids that exist.
pub(crate) type Store = Arc<std::sync::Mutex<(u64, std::collections::BTreeSet<u64>)>>;

/// A todos server that counts what exists: what fuzzing creates, it must delete.
fn todos() -> (Router, Store) {
    todos_answering(StatusCode::CREATED)
}

/// The todos server whose creates answer `created` (a 200 is a finding: the spec says 201).
fn todos_answering(created: StatusCode) -> (Router, Store) {
    todos_server(created, true)
}

/// The todos server of tests/fixtures/fuzz/todos.yaml: its creates answer `created`; its
/// delete of a todo that exists removes it (`deletes`) or fails with a 500 and keeps it; an
/// unknown id gets a 404.
pub(crate) fn todos_server(created: StatusCode, deletes: bool) -> (Router, Store) {
    use axum::extract::State;
    let store: Store = Arc::default();
    async fn create(
        State((s, created)): State<(Store, StatusCode)>,
        body: axum::body::Bytes,
    ) -> Response {
        let ok = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("title").and_then(Value::as_str).map(str::len))
            .is_some_and(|n| (1..=20).contains(&n));
        if !ok {
            return (StatusCode::BAD_REQUEST, Json(json!({"message": "title"}))).into_response();
        }
        let mut g = s.lock().expect("lock");
        g.0 += 1;
        let id = g.0;
        g.1.insert(id);
        let mut r = (created, Json(json!({"id": id}))).into_response();
        r.headers_mut().insert(
            "location",
            format!("/todos/{id}").parse().expect("header value"),
        );
        r
    }
    fn found(s: &Store, id: &str) -> Option<u64> {
        let id = id.parse::<u64>().ok()?;
        s.lock().expect("lock").1.contains(&id).then_some(id)
    }
    async fn read(State((s, _)): State<(Store, bool)>, UrlPath(id): UrlPath<String>) -> Response {
        match found(&s, &id) {
            Some(id) => Json(json!({"id": id, "title": "t"})).into_response(),
            None => (StatusCode::NOT_FOUND, Json(json!({"message": "no"}))).into_response(),
        }
    }
    async fn delete(
        State((s, deletes)): State<(Store, bool)>,
        UrlPath(id): UrlPath<String>,
    ) -> Response {
        match found(&s, &id) {
            Some(id) if deletes => {
                s.lock().expect("lock").1.remove(&id);
                StatusCode::NO_CONTENT.into_response()
            }
            Some(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            None => (StatusCode::NOT_FOUND, Json(json!({"message": "no"}))).into_response(),
        }
    }
    let app = Router::new()
        .route("/todos", post(create).with_state((store.clone(), created)))
        .route("/todos/{id}", get(read).delete(delete))
        .with_state((store.clone(), deletes));
    (app, store)
}

/// A create whose answer is a finding is shrunk, and every candidate that created a todo
/// deletes it, as the cases do: nothing is left behind by shrinking.
#[test]
fn what_shrinking_creates_it_deletes_too() {
    let (app, store) = todos_answering(StatusCode::OK);
    let (_rt, base) = serve(app);
    let spec = root().join("tests/fixtures/fuzz/todos.yaml");
    let out = Conform::new(&[
        "fuzz",
        "todos",
        "--spec",
        &format!("todos={}", spec.display()),
        "--target",
        &format!("todos={base}"),
        "--seed",
        "3",
        "--max-examples",
        "10",
        "--no-report",
    ])
    .output();
    let said = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a 200 where 201 is documented: {said}"
    );
    assert!(said.contains("shrunk in"), "the failure was shrunk: {said}");
    let (created, left) = {
        let g = store.lock().expect("lock");
        (g.0, g.1.clone())
    };
    assert!(created >= 5, "only {created} todos created:\n{said}");
    assert!(left.is_empty(), "left behind: {left:?}\n{said}");
}

#[test]
fn what_fuzzing_creates_it_deletes_and_its_budget_and_gate_hold() {
    let (app, store) = todos();
    let (_rt, base) = serve(app);
    let spec = root().join("tests/fixtures/fuzz/todos.yaml");
    let spec_arg = format!("todos={}", spec.display());
    let target = format!("todos={base}");
    let fuzz = |extra: &[&str]| {
        let mut args = vec![
            "fuzz",
            "todos",
            "--spec",
            &spec_arg,
            "--target",
            &target,
            "--seed",
            "3",
            "--max-examples",
            "30",
            "--no-report",
        ];
        args.extend_from_slice(extra);
        Conform::new(&args).output()
    };
    let out = fuzz(&[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let (created, left) = {
        let g = store.lock().expect("lock");
        (g.0, g.1.clone())
    };
    assert!(created >= 10, "only {created} todos created:\n{said}");
    assert!(left.is_empty(), "left behind: {left:?}\n{said}");
    assert!(said.contains("after a create"), "no chained case:\n{said}");

    // Fuzzing returned every documented status but the 409 this server never gives: 6 of 7.
    let met = fuzz(&["--min-coverage", "80%"]);
    assert_eq!(met.status.code(), Some(0), "{}", text(&met));
    assert!(text(&met).contains("6 of 7"), "{}", text(&met));
    let gated = fuzz(&["--min-coverage", "100%"]);
    assert_eq!(gated.status.code(), Some(1), "{}", text(&gated));
    assert!(text(&gated).contains("createTodo"), "{}", text(&gated));

    // No case starts after the budget: the operations not reached are skipped, and said so.
    let timed = fuzz(&["--time", "1ms"]);
    let said = text(&timed);
    assert!(said.contains("stopped early"), "{said}");
    assert!(said.contains("`--time` budget"), "{said}");
    // The operations not reached say why in the library's words: no flag named there.
    assert!(said.contains("not run: the time budget of 1ms"), "{said}");
}

#[test]
fn fuzzing_a_target_that_is_not_local_refuses_writes_without_allow_writes() {
    let out = Conform::new(&[
        "fuzz",
        "fixture",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        "fixture=https://fixture.example.invalid",
        "--operation",
        "createWidget",
        "--max-examples",
        "3",
        "--no-report",
    ])
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("which is not a mock"), "{said}");
    assert!(said.contains("--allow-writes"), "{said}");
    assert_eq!(
        said.matches("which is not a mock").count(),
        1,
        "said once per operation:\n{said}"
    );
}

/// A spec that documents its error statuses without `content`, as most do, and a 501 and a 500.
const NOISY_SPEC: &str = r#"openapi: 3.1.0
info: {title: noisy, version: "1"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "404": {description: not found}
  /later:
    get:
      operationId: getLater
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "501": {description: not implemented yet}
  /crash:
    get:
      operationId: getCrash
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "500": {description: documented, still a crash}
  /reset:
    post:
      operationId: resetView
      responses:
        "205": {description: reset the view}
"#;

/// A server that breaks each rule once: an error body the spec leaves undocumented (a warning),
/// a documented 501 (an answer), a documented 500 (a crash) and a body on a 205 (forbidden).
fn noisy() -> Router {
    let text = |status: StatusCode, body: &'static str| {
        move || async move { (status, [("content-type", "text/plain")], body).into_response() }
    };
    Router::new()
        .route(
            "/things/{id}",
            get(text(StatusCode::NOT_FOUND, "no such thing")),
        )
        .route("/things/", get(text(StatusCode::OK, "the list")))
        .route("/later", get(text(StatusCode::NOT_IMPLEMENTED, "")))
        .route("/crash", get(text(StatusCode::INTERNAL_SERVER_ERROR, "")))
        .route("/reset", post(text(StatusCode::RESET_CONTENT, "reset!")))
}

/// Each result of `report.json` by its operation (the id's last segment).
fn by_operation(report: &Value) -> std::collections::BTreeMap<String, Value> {
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    let op = |s: &Value| {
        s["id"]
            .as_str()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("")
            .into()
    };
    scenarios.iter().map(|s| (op(s), s.clone())).collect()
}

/// The findings of a result, whatever step carries them.
fn findings_of(s: &Value) -> Vec<Value> {
    let steps = s["steps"].as_array().cloned().unwrap_or_default();
    let each = |st: &Value| st["findings"].as_array().cloned().unwrap_or_default();
    steps.iter().flat_map(each).collect()
}

#[test]
fn an_undocumented_error_body_warns_once_a_forbidden_one_and_a_documented_500_fail() {
    let (_rt, base) = serve(noisy());
    let dir = temp_dir();
    let spec = dir.path().join("noisy.yaml");
    std::fs::write(&spec, NOISY_SPEC).expect("spec written");
    let reports = dir.path().join("reports");
    let out = Conform::new(&[
        "fuzz",
        "noisy",
        "--spec",
        &format!("noisy={}", spec.display()),
        "--target",
        &format!("noisy={base}"),
        "--seed",
        "3",
        "--max-examples",
        "20",
        "--allow-writes",
        "--report",
        reports.to_str().expect("utf-8"),
    ])
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("report.json")).expect("report.json"),
    )
    .expect("JSON");
    let ops = by_operation(&report);
    // Twenty 404s with a body: one warning for the operation, and the operation passes.
    let thing = &ops["getThing"];
    assert_eq!(thing["outcome"], "passed", "{said}");
    let warnings = findings_of(thing);
    assert_eq!(
        warnings.len(),
        1,
        "one warning per operation and status: {warnings:?}"
    );
    assert_eq!(warnings[0]["severity"], "warning");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("getThing 404")
    );
    assert_eq!(
        said.matches("documents no body for getThing 404").count(),
        1,
        "{said}"
    );
    // No empty path segment: the list route (`/things/`) never answered a case.
    assert!(!said.contains("/things/ "), "{said}");
    assert_eq!(
        ops["getLater"]["outcome"], "passed",
        "a documented 501 is an answer: {said}"
    );
    assert_eq!(ops["getCrash"]["outcome"], "failed", "{said}");
    let crash = findings_of(&ops["getCrash"]);
    assert!(
        crash.iter().any(|f| f["message"]
            .as_str()
            .unwrap_or("")
            .contains("the target crashed")),
        "{crash:?}"
    );
    assert_eq!(ops["resetView"]["outcome"], "failed", "{said}");
    let reset = findings_of(&ops["resetView"]);
    assert!(
        reset.iter().any(|f| f["severity"] == "violation"
            && f["message"]
                .as_str()
                .unwrap_or("")
                .contains("HTTP forbids a body on a 205")),
        "{reset:?}"
    );
}

const SLOW_SPEC: &str = r#"
openapi: 3.1.0
info: {title: slow, version: "1"}
paths:
  /slow:
    get:
      operationId: getSlow
      parameters:
        - {name: n, in: query, schema: {type: integer, minimum: 0, maximum: 9}}
      responses:
        "200": {description: eventually}
  /quick:
    get:
      operationId: getQuick
      responses:
        "200": {description: at once}
"#;

/// An operation whose answers outlive the step timeout gets no more cases after the first
/// one goes unanswered: a server still busy with abandoned requests would starve the rest.
#[test]
fn cases_of_an_operation_that_got_no_answer_stop_and_the_rest_still_run() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let slow_hits = Arc::new(AtomicUsize::new(0));
    let hits = slow_hits.clone();
    let app = Router::new()
        .route(
            "/slow",
            get(move || {
                let hits = hits.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                    "late"
                }
            }),
        )
        .route("/quick", get(|| async { "now" }));
    let (_rt, base) = serve(app);
    let dir = temp_dir();
    let spec = dir.path().join("slow.yaml");
    std::fs::write(&spec, SLOW_SPEC).expect("spec written");
    let out = Conform::new(&[
        "fuzz",
        "slow",
        "--spec",
        &format!("slow={}", spec.display()),
        "--target",
        &format!("slow={base}"),
        "--seed",
        "3",
        "--max-examples",
        "20",
        "--jobs",
        "2",
        "--step-timeout",
        "200ms",
        "--no-report",
    ])
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "a timeout is an error: {said}");
    let sent = slow_hits.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&sent),
        "at most `--jobs` cases of the slow operation in flight, then none: {sent}\n{said}"
    );
    assert!(
        said.contains("more not sent: a case got no answer"),
        "{said}"
    );
    assert!(
        said.contains("PASS  fuzz/slow/getQuick"),
        "the next operation still runs: {said}"
    );
}

const TAGS_SPEC: &str = r#"
openapi: 3.1.0
info: {title: tags, version: "1"}
paths:
  /pets:
    get:
      operationId: findByTags
      parameters:
        - {name: tags, in: query, required: true, schema: {type: array, items: {type: string}}}
      responses:
        "200": {description: the pets}
        "400": {description: bad}
"#;

/// A "negative" whose request is valid once serialised (`tags` as a string where an array of
/// strings is due: `?tags=x` either way, Petstore's `findPetsByTags`) is dropped and counted,
/// never an error of the run.
#[test]
fn a_negative_that_is_valid_on_the_wire_is_dropped_and_counted() {
    let app = Router::new().route("/pets", get(|| async { Json(json!([])) }));
    let (_rt, base) = serve(app);
    let dir = temp_dir();
    let spec = dir.path().join("tags.yaml");
    std::fs::write(&spec, TAGS_SPEC).expect("spec written");
    let out = Conform::new(&[
        "fuzz",
        "tags",
        "--spec",
        &format!("tags={}", spec.display()),
        "--target",
        &format!("tags={base}"),
        "--seed",
        "3",
        "--max-examples",
        "30",
        "--no-report",
    ])
    .output();
    let said = text(&out);
    assert_ne!(
        out.status.code(),
        Some(2),
        "no error of conform's own: {said}"
    );
    assert!(
        said.contains("negative(s) dropped: valid once serialised"),
        "{said}"
    );
    assert!(!said.contains("but its request conforms"), "{said}");
}

const CODES_SPEC: &str = r#"
openapi: 3.1.0
info: {title: codes, version: "1"}
paths:
  /answer:
    get:
      operationId: getAnswer
      parameters:
        - {name: code, in: query, required: true, schema: {type: integer, minimum: 0}}
      responses:
        "200": {description: ok}
"#;

/// Shrinking keeps the failure's status class: a 418 (undocumented) that a smaller `code`
/// would turn into a 500 (also undocumented, by the same check) stays a 418 in the saved case.
#[test]
fn shrinking_keeps_the_status_class_of_the_failure() {
    let app = Router::new().route(
        "/answer",
        get(
            |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                let code: u64 = q.get("code").and_then(|c| c.parse().ok()).unwrap_or(0);
                if code >= 10 {
                    StatusCode::IM_A_TEAPOT
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            },
        ),
    );
    let (_rt, base) = serve(app);
    let dir = temp_dir();
    let spec = dir.path().join("codes.yaml");
    std::fs::write(&spec, CODES_SPEC).expect("spec written");
    let saved = dir.path().join("saved");
    let out = Conform::new(&[
        "fuzz",
        "codes",
        "--spec",
        &format!("codes={}", spec.display()),
        "--target",
        &format!("codes={base}"),
        "--seed",
        "3",
        "--max-examples",
        "10",
        "--save-failures",
        saved.to_str().expect("utf-8"),
        "--no-report",
    ])
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let files = yaml_files(&saved.join("codes"));
    let teapots: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("saved file"))
        .filter(|t| t.contains("418"))
        .collect();
    assert!(!teapots.is_empty(), "no 418 failure saved: {said}");
    for t in &teapots {
        let code: u64 = t
            .lines()
            .find_map(|l| l.trim().strip_prefix("code: "))
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or_else(|| panic!("no code in:\n{t}"));
        assert!(code >= 10, "shrunk into another failure (a 500):\n{t}");
    }
}

const MACHINES_SPEC: &str = r#"
openapi: 3.1.0
info: {title: machines, version: "1"}
paths:
  /machines:
    post:
      operationId: createMachine
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: integer}}}
  /machines/{id}/stop:
    parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}}]
    post:
      operationId: stopMachine
      responses:
        "200": {description: stopped}
        "404": {description: no such machine}
        "409": {description: not running}
  /machines/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}}]
    get:
      operationId: getMachine
      responses:
        "200":
          description: the machine
          content:
            application/json:
              schema: {type: object, properties: {state: {type: string}}}
        "404": {description: no such machine}
    delete:
      operationId: deleteMachine
      responses:
        "204": {description: soft-deleted}
        "404": {description: no such machine}
        "409": {description: not stopped}
  /machines/{id}/restore:
    parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}}]
    post:
      operationId: restoreMachine
      responses:
        "200": {description: restored}
        "404": {description: no such machine}
        "409": {description: not deleted}
"#;

/// Machines that are deleted only once stopped, and restored only once deleted: a restore that
/// works needs two requests between the create and it.
fn machines() -> Router {
    use axum::extract::State;
    type Machines = Arc<std::sync::Mutex<(u64, std::collections::HashMap<u64, &'static str>)>>;
    let store: Machines = Arc::default();
    async fn create(State(s): State<Machines>) -> Response {
        let mut g = s.lock().expect("lock");
        g.0 += 1;
        let id = g.0;
        g.1.insert(id, "running");
        (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
    }
    /// Moves machine `id` from `from` to `to`: the success status, a 409, or a 404.
    fn step(s: &Machines, id: &str, from: &str, to: &'static str, ok: StatusCode) -> Response {
        let mut g = s.lock().expect("lock");
        let Some(state) = id.parse::<u64>().ok().and_then(|id| g.1.get_mut(&id)) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        if *state != from {
            return StatusCode::CONFLICT.into_response();
        }
        *state = to;
        ok.into_response()
    }
    let app = Router::new()
        .route("/machines", post(create))
        .route(
            "/machines/{id}/stop",
            post(
                |State(s): State<Machines>, UrlPath(id): UrlPath<String>| async move {
                    step(&s, &id, "running", "stopped", StatusCode::OK)
                },
            ),
        )
        .route(
            "/machines/{id}",
            get(
                |State(s): State<Machines>, UrlPath(id): UrlPath<String>| async move {
                    let g = s.lock().expect("lock");
                    match id.parse::<u64>().ok().and_then(|id| g.1.get(&id)) {
                        Some(state) => Json(json!({"state": state})).into_response(),
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                },
            )
            .delete(
                |State(s): State<Machines>, UrlPath(id): UrlPath<String>| async move {
                    step(&s, &id, "stopped", "deleted", StatusCode::NO_CONTENT)
                },
            ),
        )
        .route(
            "/machines/{id}/restore",
            post(
                |State(s): State<Machines>, UrlPath(id): UrlPath<String>| async move {
                    step(&s, &id, "deleted", "running", StatusCode::OK)
                },
            ),
        );
    app.with_state(store)
}

/// When no chain of one request between the create and a case reaches the case's success,
/// the held-back cases try two: create -> stop -> delete -> restore answers 200.
#[test]
fn a_state_two_requests_away_from_the_create_is_reached() {
    let (_rt, base) = serve(machines());
    let dir = temp_dir();
    let spec = dir.path().join("machines.yaml");
    std::fs::write(&spec, MACHINES_SPEC).expect("spec written");
    let out = Conform::new(&[
        "fuzz",
        "machines",
        "--spec",
        &format!("machines={}", spec.display()),
        "--target",
        &format!("machines={base}"),
        "--seed",
        "3",
        "--max-examples",
        "16",
        "--no-report",
    ])
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let line = |op: &str| {
        said.lines()
            .find(|l| l.contains(&format!("fuzz/machines/{op} ")))
            .unwrap_or_else(|| panic!("no line for {op}:\n{said}"))
            .to_owned()
    };
    assert!(line("deleteMachine").contains("reached 204"), "{said}");
    assert!(line("restoreMachine").contains("reached 200"), "{said}");
}

const METHODS_SPEC: &str = r#"
openapi: 3.1.0
info: {title: methods, version: "1"}
paths:
  /faithful:
    get:
      operationId: faithful
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
  /no-allow:
    get:
      operationId: noAllow
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
  /items/{id}:
    get:
      operationId: anyMethod
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
"#;

/// `/faithful` answers TRACE as axum does (405 with `Allow`); `/no-allow` with a 405 and no
/// `Allow` (jupyter-server's J6); `/items/{id}` answers every method 200.
fn methods() -> Router {
    use axum::routing::{MethodFilter, any, on};
    async fn ok() -> Response {
        Json(json!({})).into_response()
    }
    async fn item(UrlPath(id): UrlPath<String>) -> Response {
        match id.parse::<i64>() {
            Ok(n) if n >= 1 => Json(json!({})).into_response(),
            _ => (StatusCode::BAD_REQUEST, Json(json!({"message": "an id"}))).into_response(),
        }
    }
    async fn refused() -> Response {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            Json(json!({"message": "no"})),
        )
            .into_response()
    }
    Router::new()
        .route("/faithful", get(ok))
        .route("/no-allow", get(ok).merge(on(MethodFilter::TRACE, refused)))
        .route("/items/{id}", any(item))
}

/// `conform fuzz` on the `methods` server with `extra` switches: exit code, output, report.
fn fuzz_methods(base: &str, dir: &Path, extra: &[&str]) -> (Option<i32>, String, Value) {
    let spec = dir.join("methods.yaml");
    std::fs::write(&spec, METHODS_SPEC).expect("spec written");
    let reports = dir.join(format!("reports{}", extra.len()));
    let (spec, target) = (
        format!("methods={}", spec.display()),
        format!("methods={base}"),
    );
    let mut args = vec![
        "fuzz",
        "methods",
        "--spec",
        &spec,
        "--target",
        &target,
        "--seed",
        "5",
        "--max-examples",
        "6",
        "--report",
        reports.to_str().expect("utf-8"),
    ];
    args.extend(extra);
    let out = Conform::new(&args).output();
    let report = std::fs::read_to_string(reports.join("report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (out.status.code(), text(&out), report)
}

#[test]
fn an_undeclared_method_must_get_405_with_allow_or_501() {
    let (_rt, base) = serve(methods());
    let dir = temp_dir();
    let (code, said, report) = fuzz_methods(&base, dir.path(), &[]);
    assert_eq!(code, Some(1), "{said}");
    for (op, what) in [
        ("noAllow", "without an `Allow` header"),
        ("anyMethod", "answered 200"),
    ] {
        assert!(
            said.lines().any(|l| l.contains("[undeclared-method]")
                && l.contains(&format!("methods/{op} "))
                && l.contains(what)),
            "no line says `{what}` of {op}:\n{said}"
        );
    }
    let ops = by_operation(&report);
    assert_eq!(ops["faithful"]["outcome"], "passed", "{said}");
    for op in ["noAllow", "anyMethod"] {
        let steps = ops[op]["steps"].as_array().cloned().unwrap_or_default();
        let probe = steps
            .iter()
            .find(|s| {
                s["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with("[undeclared-method]"))
            })
            .unwrap_or_else(|| panic!("no step of {op} names the check: {steps:?}"));
        assert_eq!(probe["request"]["method"], "TRACE", "{probe}");
    }

    // Excluded, or not selected, the check sends nothing and reports nothing.
    let (code, said, _) = fuzz_methods(
        &base,
        dir.path(),
        &["--exclude-checks", "undeclared-method"],
    );
    assert_eq!(code, Some(0), "{said}");
    let (code, said, _) = fuzz_methods(
        &base,
        dir.path(),
        &["--checks", "server-error,response-schema"],
    );
    assert_eq!(code, Some(0), "{said}");
    assert!(!said.contains("TRACE"), "{said}");
    let (code, said, _) = fuzz_methods(&base, dir.path(), &["--checks", "crash"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("`crash` is not a check") && said.contains("undeclared-method"),
        "{said}"
    );
}

const AUTH_SPEC: &str = r#"
openapi: 3.1.0
info: {title: guarded, version: "1"}
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /guarded:
    get:
      operationId: guarded
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "401": {description: no credentials}
  /leaky:
    get:
      operationId: leaky
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "401": {description: no credentials}
  /public:
    get:
      operationId: public
      security: []
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
"#;

/// `/guarded` refuses a request without `Authorization: Bearer good`; `/leaky` answers
/// anything 200, credentials or not; `/public` declares no security and answers 200.
fn guarded() -> Router {
    async fn guarded(headers: axum::http::HeaderMap) -> Response {
        match headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some("Bearer good") => Json(json!({})).into_response(),
            _ => (StatusCode::UNAUTHORIZED, Json(json!({}))).into_response(),
        }
    }
    async fn open() -> Response {
        Json(json!({})).into_response()
    }
    Router::new()
        .route("/guarded", get(guarded))
        .route("/leaky", get(open))
        .route("/public", get(open))
}

#[test]
fn an_operation_that_declares_security_must_not_succeed_without_credentials() {
    let (_rt, base) = serve(guarded());
    let dir = temp_dir();
    let spec = dir.path().join("guarded.yaml");
    std::fs::write(&spec, AUTH_SPEC).expect("spec written");
    let saved = dir.path().join("saved");
    let (spec, target) = (
        format!("guarded={}", spec.display()),
        format!("guarded={base}"),
    );
    let fuzz = |extra: &[&str]| {
        let mut args = vec![
            "fuzz",
            "guarded",
            "--spec",
            &spec,
            "--target",
            &target,
            "--seed",
            "1",
            "--max-examples",
            "3",
            "--exclude-checks",
            "undeclared-method",
        ];
        args.extend(extra);
        Conform::new(&args).output()
    };
    let out = fuzz(&[
        "--header",
        "Authorization: Bearer good",
        "--save-failures",
        saved.to_str().expect("utf-8"),
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let lines: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("[credentials-ignored] "))
        .collect();
    assert_eq!(lines.len(), 1, "{said}");
    assert!(lines[0].contains("guarded/leaky "), "{said}");
    assert!(
        !said.contains("Bearer good"),
        "the credential is redacted: {said}"
    );
    let files = yaml_files(&saved.join("guarded"));
    assert_eq!(files.len(), 1, "{files:?}");
    let content = std::fs::read_to_string(&files[0]).expect("saved");
    assert!(
        content.contains("auth: none") && content.contains("#   [credentials-ignored] "),
        "{content}"
    );
    // Replayed, it fails again (the credential given, the step leaves it out).
    let replay = Conform::new(&[
        "run",
        files[0].to_str().expect("utf-8"),
        "--spec",
        &spec,
        "--target",
        &target,
        "--header",
        "Authorization: Bearer good",
    ])
    .output();
    assert_eq!(replay.status.code(), Some(1), "{}", text(&replay));

    // With no credential configured, the check does not apply: nothing to take away.
    let out = fuzz(&["--checks", "credentials-ignored"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Three resources with the same spec shape: `things` kept faithfully; `zombies` whose delete
/// answers 204 and keeps the item; `lost` whose items never read.
const LIFECYCLE_SPEC: &str = r##"
openapi: 3.1.0
info: {title: life, version: "1"}
components:
  schemas:
    Item:
      type: object
      required: [id]
      properties: {id: {type: string}}
paths:
  /things:
    post: {operationId: createThing, responses: {"201": {description: made, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}}}
  /things/{thingId}:
    parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
    get: {operationId: getThing, responses: {"200": {description: it, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}, "404": {description: none}}}
    delete: {operationId: deleteThing, responses: {"204": {description: gone}, "404": {description: none}}}
  /zombies:
    post: {operationId: createZombie, responses: {"201": {description: made, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}}}
  /zombies/{zombieId}:
    parameters: [{name: zombieId, in: path, required: true, schema: {type: string}}]
    get: {operationId: getZombie, responses: {"200": {description: it, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}, "404": {description: none}}}
    delete: {operationId: deleteZombie, responses: {"204": {description: gone}, "404": {description: none}}}
  /lost:
    post: {operationId: createLost, responses: {"201": {description: made, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}}}
  /lost/{lostId}:
    parameters: [{name: lostId, in: path, required: true, schema: {type: string}}]
    get: {operationId: getLost, responses: {"200": {description: it, content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}, "404": {description: none}}}
    delete: {operationId: deleteLost, responses: {"204": {description: gone}, "404": {description: none}}}
"##;

fn lifecycle() -> Router {
    use std::collections::HashSet;
    use std::sync::Mutex;
    type Items = Arc<Mutex<(usize, HashSet<String>)>>;
    fn items(state: &Items) -> std::sync::MutexGuard<'_, (usize, HashSet<String>)> {
        state.lock().unwrap_or_else(|p| p.into_inner())
    }
    let resource = |deletes: bool, reads: bool| {
        let state: Items = Arc::default();
        let (s1, s2, s3) = (state.clone(), state.clone(), state);
        let create = move || async move {
            let mut g = items(&s1);
            g.0 += 1;
            let id = format!("i{}", g.0);
            g.1.insert(id.clone());
            (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
        };
        let read = move |UrlPath(id): UrlPath<String>| async move {
            if reads && items(&s2).1.contains(&id) {
                Json(json!({"id": id})).into_response()
            } else {
                StatusCode::NOT_FOUND.into_response()
            }
        };
        let delete = move |UrlPath(id): UrlPath<String>| async move {
            let mut g = items(&s3);
            if !g.1.contains(&id) {
                return StatusCode::NOT_FOUND.into_response();
            }
            if deletes {
                g.1.remove(&id);
            }
            StatusCode::NO_CONTENT.into_response()
        };
        (post(create), get(read).delete(delete))
    };
    let (things, thing) = resource(true, true);
    let (zombies, zombie) = resource(false, true);
    let (lost, lost_one) = resource(true, false);
    Router::new()
        .route("/things", things)
        .route("/things/{id}", thing)
        .route("/zombies", zombies)
        .route("/zombies/{id}", zombie)
        .route("/lost", lost)
        .route("/lost/{id}", lost_one)
}

#[test]
fn a_created_item_must_read_and_a_deleted_one_must_not() {
    let (_rt, base) = serve(lifecycle());
    let dir = temp_dir();
    let spec = dir.path().join("life.yaml");
    std::fs::write(&spec, LIFECYCLE_SPEC).expect("spec written");
    let (spec, target) = (format!("life={}", spec.display()), format!("life={base}"));
    let fuzz = |checks: &str| {
        Conform::new(&[
            "fuzz",
            "life",
            "--spec",
            &spec,
            "--target",
            &target,
            "--seed",
            "2",
            "--max-examples",
            "4",
            "--checks",
            checks,
        ])
        .output()
    };
    let out = fuzz("create-not-readable,use-after-delete");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let coded: Vec<&str> = said.lines().filter(|l| l.starts_with("  [")).collect();
    assert_eq!(coded.len(), 2, "{said}");
    assert!(
        coded
            .iter()
            .any(|l| l.contains("[use-after-delete] life/createZombie ")),
        "{said}"
    );
    assert!(
        coded
            .iter()
            .any(|l| l.contains("[create-not-readable] life/createLost ")),
        "{said}"
    );
    let out = fuzz("server-error");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
