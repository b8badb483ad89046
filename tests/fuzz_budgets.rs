//! `conform fuzz`'s budgets, selection, pinned values and clean-up report, against small axum
//! servers on 127.0.0.1: a slow operation gets its share of `--time` and the others still run;
//! `--operation`/`--exclude-operation` pick by id, path glob and tag; a value given with
//! `--var` or `--header` is never generated; a clean-up delete that fails is reported under
//! the delete, and what was left behind is listed at the end.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

use crate::fuzz::{Store, todos_server};
use crate::util::{Conform, root, serve, temp_dir, text};

const SHARES_SPEC: &str = r#"
openapi: 3.1.0
info: {title: shares, version: "1"}
tags: [{name: quick}]
paths:
  /slow:
    get:
      operationId: getSlow
      parameters:
        - {name: n, in: query, schema: {type: integer, minimum: 0, maximum: 99}}
      responses:
        "200": {description: eventually}
        "400": {description: bad}
  /quick/a:
    get:
      operationId: getA
      tags: [quick]
      parameters:
        - {name: n, in: query, schema: {type: integer, minimum: 0, maximum: 99}}
      responses:
        "200": {description: at once}
        "400": {description: bad}
  /quick/b:
    get:
      operationId: getB
      tags: [quick]
      parameters:
        - {name: n, in: query, schema: {type: integer, minimum: 0, maximum: 99}}
      responses:
        "200": {description: at once}
        "400": {description: bad}
  /other:
    get:
      operationId: getOther
      parameters:
        - {name: n, in: query, schema: {type: integer, minimum: 0, maximum: 99}}
      responses:
        "200": {description: at once}
        "400": {description: bad}
"#;

/// A server whose `/slow` takes 400 ms per request, and which counts the requests per path.
fn shares() -> (Router, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = |path: &'static str, seen: &Arc<Mutex<Vec<String>>>| {
        let seen = seen.clone();
        move |Query(q): Query<Vec<(String, String)>>| {
            seen.lock().expect("lock").push(path.to_owned());
            // `n` is an integer of 0..=99, as the spec says.
            let good = q
                .iter()
                .all(|(k, v)| k == "n" && v.parse::<u8>().is_ok_and(|n| n <= 99));
            async move {
                if path == "/slow" {
                    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
                }
                if good {
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                }
            }
        }
    };
    let app = Router::new()
        .route("/slow", get(log("/slow", &seen)))
        .route("/quick/a", get(log("/quick/a", &seen)))
        .route("/quick/b", get(log("/quick/b", &seen)))
        .route("/other", get(log("/other", &seen)));
    (app, seen)
}

fn fuzz_shares(base: &str, extra: &[&str]) -> std::process::Output {
    let dir = temp_dir();
    let spec = dir.path().join("shares.yaml");
    std::fs::write(&spec, SHARES_SPEC).expect("spec written");
    let spec_arg = format!("shares={}", spec.display());
    let target = format!("shares={base}");
    let mut args = vec![
        "fuzz",
        "shares",
        "--spec",
        &spec_arg,
        "--target",
        &target,
        "--seed",
        "5",
        "--max-examples",
        "20",
        "--jobs",
        "1",
        "--no-report",
    ];
    args.extend_from_slice(extra);
    Conform::new(&args).output()
}

/// `--time` is shared: the slow operation, first, stops after its share (a quarter of 4 s)
/// and says so; the three after it still run every case.
#[test]
fn a_slow_operation_gets_its_share_of_the_time_and_the_others_still_run() {
    let (app, seen) = shares();
    let (_rt, base) = serve(app);
    let out = fuzz_shares(&base, &["--time", "4s"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let seen = seen.lock().expect("lock").clone();
    let slow = seen.iter().filter(|p| *p == "/slow").count();
    // 1 s of 400 ms requests: three started at most, far from the 20 planned.
    assert!((1..=4).contains(&slow), "{slow} slow requests\n{said}");
    // A quarter of what was left when it started: just under 1 s.
    let share = said
        .split("cases: its share of the time budget, ")
        .nth(1)
        .and_then(|rest| rest.split(", was spent").next())
        .unwrap_or_else(|| panic!("no share said: {said}"));
    let ms = conform::units::parse_duration(share).map_or(0, |d| d.as_millis());
    assert!(
        share == "1.0s" || (700..1000).contains(&ms),
        "{share}: {said}"
    );
    // The cases it ran, of those that reached the server (a probe of the path may be one more).
    let ran: usize = said
        .split("stopped after ")
        .nth(1)
        .and_then(|rest| rest.split(" of ").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count said: {said}"));
    assert!(
        (1..=slow).contains(&ran),
        "{ran} ran, {slow} slow requests: {said}"
    );
    for op in ["getA", "getB", "getOther"] {
        assert!(
            said.contains(&format!("PASS  fuzz/shares/{op}")),
            "{op}: {said}"
        );
    }
    assert!(!said.contains("not run"), "{said}");
    assert!(
        seen.iter().filter(|p| *p == "/other").count() > 5,
        "the last operation ran its cases: {seen:?}"
    );
}

/// `--operation` and `--exclude-operation` by tag, path glob and id; one that matches nothing
/// is an error naming the operations there are.
#[test]
fn operations_are_selected_by_tag_path_glob_and_id() {
    let (app, seen) = shares();
    let (_rt, base) = serve(app);
    let out = fuzz_shares(
        &base,
        &[
            "--operation",
            "tag:quick",
            "--operation",
            "/oth*",
            "--exclude-operation",
            "getB",
        ],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let paths: BTreeSet<String> = seen.lock().expect("lock").iter().cloned().collect();
    assert_eq!(
        paths,
        BTreeSet::from(["/quick/a".to_owned(), "/other".to_owned()]),
        "{said}"
    );

    let wrong = fuzz_shares(&base, &["--operation", "tag:nope"]);
    let said = text(&wrong);
    assert_eq!(wrong.status.code(), Some(2), "{said}");
    assert!(
        said.contains("--operation `tag:nope` matches no operation"),
        "{said}"
    );
    assert!(said.contains("getSlow, getA, getB, getOther"), "{said}");
    let wrong = fuzz_shares(&base, &["--exclude-operation", "/nowhere/*"]);
    assert!(
        text(&wrong).contains("--exclude-operation `/nowhere/*` matches no operation"),
        "{}",
        text(&wrong)
    );
}

const STRICT_SPEC: &str = r#"
openapi: 3.1.0
info: {title: strict, version: "1"}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: X-Mode, in: header, schema: {type: string, maxLength: 30}}
        - {name: account, in: query, schema: {type: string, minLength: 1}}
        - {name: n, in: query, schema: {type: integer, minimum: 0, maximum: 9}}
      responses:
        "200": {description: the items}
        "400": {description: bad}
"#;

/// An optional header the server is stricter about than its spec (`X-Mode` must be `strict`)
/// and an optional query parameter it needs (`account=acme`), pinned with `--header` and
/// `--var`: no case sends another value or leaves them out, so no case gets a 400 for them.
#[test]
fn values_the_user_pins_are_never_generated() {
    let sent = Arc::new(AtomicUsize::new(0));
    let off_pin: Arc<Mutex<Vec<String>>> = Arc::default();
    let (count, wrong) = (sent.clone(), off_pin.clone());
    let app = Router::new().route(
        "/items",
        get(
            move |headers: HeaderMap, Query(q): Query<Vec<(String, String)>>| {
                count.fetch_add(1, Ordering::SeqCst);
                let mode = headers.get("x-mode").and_then(|v| v.to_str().ok());
                let account = q
                    .iter()
                    .find(|(k, _)| k == "account")
                    .map(|(_, v)| v.as_str());
                let ok = mode == Some("strict") && account == Some("acme");
                if !ok {
                    wrong
                        .lock()
                        .expect("lock")
                        .push(format!("X-Mode {mode:?}, account {account:?}"));
                }
                let code = if ok {
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                };
                async move { code }
            },
        ),
    );
    let (_rt, base) = serve(app);
    let dir = temp_dir();
    let spec = dir.path().join("strict.yaml");
    std::fs::write(&spec, STRICT_SPEC).expect("spec written");
    let out = Conform::new(&[
        "fuzz",
        "strict",
        "--spec",
        &format!("strict={}", spec.display()),
        "--target",
        &format!("strict={base}"),
        "--header",
        "X-Mode: strict",
        "--var",
        "account=acme",
        "--seed",
        "9",
        "--max-examples",
        "30",
        "--shrink-runs",
        "8",
        "--no-report",
    ])
    .output();
    let said = text(&out);
    let n = sent.load(Ordering::SeqCst);
    assert!(n >= 10, "only {n} requests: {said}");
    let wrong = off_pin.lock().expect("lock").clone();
    assert!(
        wrong.is_empty(),
        "{} of {n} requests off the pins: {wrong:?}\n{said}",
        wrong.len()
    );
}

/// The todos server whose delete of a todo that exists fails with a 500 (an unknown id still
/// gets its 404).
fn todos_that_stay() -> (Router, Store) {
    todos_server(StatusCode::CREATED, false)
}

/// The clean-up delete fails: the failure is the delete's (its result, not the create's),
/// and the end of the run lists what the create left behind and why.
#[test]
fn a_failed_clean_up_is_the_deletes_and_what_was_left_is_listed() {
    let (app, store) = todos_that_stay();
    let (_rt, base) = serve(app);
    let spec = root().join("tests/fixtures/fuzz/todos.yaml");
    let (spec_arg, target) = (format!("todos={}", spec.display()), format!("todos={base}"));
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
            "10",
            "--no-report",
        ];
        args.extend_from_slice(extra);
        Conform::new(&args).output()
    };
    // The delete not fuzzed itself: its failed clean-ups get a result of their own.
    let out = fuzz(&["--operation", "createTodo"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("PASS  fuzz/todos/createTodo"), "{said}");
    assert!(
        said.contains("FAIL  fuzz/todos/deleteTodo  deleteTodo: clean-up deletes only"),
        "{said}"
    );
    assert!(
        said.contains("clean-up of what createTodo case"),
        "the failed delete says whose resource it was: {said}"
    );
    let left = store.lock().expect("lock").1.len();
    assert!(left >= 3, "only {left} todos left: {said}");
    assert!(
        said.contains("left behind (created, not deleted):"),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "todos/createTodo: {left} resource(s): the delete (deleteTodo) failed with status 500"
        )),
        "{said}"
    );

    // The delete fuzzed after the create: the failed clean-ups join its result.
    let out = fuzz(&[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("PASS  fuzz/todos/createTodo"), "{said}");
    assert!(
        said.contains("FAIL  fuzz/todos/deleteTodo  deleteTodo: "),
        "{said}"
    );
    assert!(said.contains("clean-up of what createTodo case"), "{said}");
    assert!(!said.contains("clean-up deletes only"), "{said}");
}
