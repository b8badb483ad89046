//! `conform init` and `conform run --examples`, through the real binary: a corpus written from
//! the fixture spec runs green against the fixture mock and is never overwritten; ids chain
//! through a spec's `links` and through a `Location` header against a small server; the
//! spec's request examples pass where the target conforms and fail where it does not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::util::{self, Conform};

fn run_ok(args: &[&str]) -> String {
    let out = Conform::new(args).output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(0), "{args:?}\n{text}");
    text
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the API's folder")
        .map(|e| e.expect("entry").path())
        .collect();
    v.sort();
    v
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

#[test]
fn the_fixture_corpus_is_written_lints_and_runs_against_the_mock() {
    let out = util::temp_dir();
    let text = run_ok(&[
        "init",
        "tests/fixtures/specs/fixture/openapi.yaml",
        "--out",
        path(out.path()),
    ]);
    let dir = out.path().join("fixture");
    assert!(text.contains("wrote "), "{text}");
    assert!(
        text.contains("conform run --spec fixture=tests/fixtures/specs/fixture/openapi.yaml"),
        "{text}"
    );
    let written = files(&dir);
    assert!(!written.is_empty());
    for f in &written {
        let body = std::fs::read_to_string(f).expect("read");
        assert!(body.starts_with(conform::init::SCHEMA_LINE), "{body}");
    }
    let lifecycle = std::fs::read_to_string(dir.join("widget-lifecycle.yaml")).expect("lifecycle");
    for needle in [
        "call: createWidget",
        "status: 201",
        "widget_id: /id",
        "call: getWidget",
        "finally:",
        "call: deleteWidget",
        "status: 202",
    ] {
        assert!(
            lifecycle.contains(needle),
            "missing {needle:?}:\n{lifecycle}"
        );
    }
    let dir = path(&dir);
    run_ok(&["run", "--specs", "tests/fixtures/specs", "--dry-run", dir]);
    let text = run_ok(&["run", "--specs", "tests/fixtures/specs", dir]);
    assert!(text.contains("passed, 0 failed"), "{text}");
}

#[test]
fn init_again_keeps_what_the_user_wrote() {
    let out = util::temp_dir();
    let args = [
        "init",
        "tests/fixtures/specs/fixture/openapi.yaml",
        "--api",
        "fixture",
        "--out",
        path(out.path()),
    ];
    run_ok(&args);
    let file = out.path().join("fixture/widget-lifecycle.yaml");
    let mine = "# mine\nname: edited by hand\n";
    std::fs::write(&file, mine).expect("edit");
    let text = run_ok(&args);
    assert!(
        text.contains("kept ") && text.contains("not overwritten"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), mine);
}

/// Todos chain only through their link (the id is in `key`, named like nothing); items only
/// through `Location` (the create answers no body).
const TODOS: &str = r##"openapi: 3.1.0
info: {title: Todo API, version: "1"}
paths:
  /todos:
    post:
      operationId: createTodo
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewTodo'}
            example: {title: buy milk}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Todo'}
          links:
            ReadIt:
              operationId: getTodo
              parameters: {todoId: '$response.body#/key'}
  /todos/{todoId}:
    parameters:
      - {name: todoId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getTodo
      responses:
        "200":
          description: the todo
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Todo'}
        "404": {description: no such todo}
    put:
      operationId: updateTodo
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewTodo'}
      responses:
        "200":
          description: updated
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Todo'}
        "404": {description: no such todo}
    delete:
      operationId: deleteTodo
      responses:
        "204": {description: deleted}
        "404": {description: no such todo}
components:
  schemas:
    NewTodo:
      type: object
      required: [title]
      properties:
        title: {type: string, minLength: 1}
    Todo:
      type: object
      required: [key, title]
      properties:
        key: {type: integer}
        title: {type: string}
"##;

const ITEMS: &str = r##"openapi: 3.1.0
info: {title: Item API, version: "1"}
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
              required: [name]
              properties:
                name: {type: string, maxLength: 8}
      responses:
        "201":
          description: created; no body
          headers:
            Location: {required: true, schema: {type: string}}
  /items/{itemId}:
    parameters:
      - {name: itemId, in: path, required: true, schema: {type: string, pattern: '^[0-9]+$'}}
    get:
      operationId: getItem
      responses:
        "200":
          description: the item
          content:
            application/json:
              schema: {type: object, required: [name], properties: {name: {type: string}}}
        "404": {description: no such item}
    delete:
      operationId: deleteItem
      responses:
        "204": {description: deleted}
        "404": {description: no such item}
"##;

type Db = Arc<Mutex<(u64, HashMap<String, Value>)>>;

fn lock(db: &Db) -> std::sync::MutexGuard<'_, (u64, HashMap<String, Value>)> {
    db.lock().unwrap_or_else(|p| p.into_inner())
}

async fn create_todo(State(db): State<Db>, body: axum::body::Bytes) -> Response {
    let title = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["title"].as_str().map(str::to_owned));
    let mut db = lock(&db);
    db.0 += 1;
    let n = db.0;
    let todo = json!({"key": n, "title": title.unwrap_or_default()});
    db.1.insert(format!("todo/{n}"), todo.clone());
    (StatusCode::CREATED, axum::Json(todo)).into_response()
}

async fn create_item(State(db): State<Db>) -> Response {
    let mut db = lock(&db);
    db.0 += 1;
    let n = db.0;
    db.1.insert(format!("item/{n}"), json!({"name": "item"}));
    (
        StatusCode::CREATED,
        [(header::LOCATION, format!("/items/{n}"))],
    )
        .into_response()
}

fn found(db: &Db, key: &str) -> Response {
    match lock(db).1.get(key) {
        Some(v) => axum::Json(v.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn removed(db: &Db, key: &str) -> Response {
    match lock(db).1.remove(key) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The todo and item API on 127.0.0.1, for the test's lifetime.
fn serve() -> (tokio::runtime::Runtime, String) {
    let db: Db = Arc::default();
    let app = Router::new()
        .route("/todos", post(create_todo))
        .route(
            "/todos/{id}",
            axum::routing::get(
                |State(db): State<Db>, UrlPath(id): UrlPath<String>| async move {
                    found(&db, &format!("todo/{id}"))
                },
            )
            .put(
                |State(db): State<Db>, UrlPath(id): UrlPath<String>| async move {
                    found(&db, &format!("todo/{id}"))
                },
            )
            .delete(
                |State(db): State<Db>, UrlPath(id): UrlPath<String>| async move {
                    removed(&db, &format!("todo/{id}"))
                },
            ),
        )
        .route("/items", post(create_item))
        .route(
            "/items/{id}",
            axum::routing::get(
                |State(db): State<Db>, UrlPath(id): UrlPath<String>| async move {
                    found(&db, &format!("item/{id}"))
                },
            )
            .delete(
                |State(db): State<Db>, UrlPath(id): UrlPath<String>| async move {
                    removed(&db, &format!("item/{id}"))
                },
            ),
        )
        .with_state(db);
    util::serve(app)
}

#[test]
fn ids_chain_through_links_and_location_headers() {
    let work = util::temp_dir();
    let specs = work.path().join("specs");
    for (api, text) in [("todos", TODOS), ("items", ITEMS)] {
        std::fs::create_dir_all(specs.join(api)).expect("mkdir");
        std::fs::write(specs.join(api).join("openapi.yaml"), text).expect("spec");
    }
    let cases = work.path().join("cases");
    for api in ["todos", "items"] {
        let spec = specs.join(api).join("openapi.yaml");
        run_ok(&["init", path(&spec), "--out", path(&cases)]);
    }
    let todos = std::fs::read_to_string(cases.join("todos/todo-lifecycle.yaml")).expect("todos");
    assert!(
        todos.contains("todoId: /key  # from the spec's link `ReadIt`"),
        "{todos}"
    );
    assert!(
        todos.contains(r#"body: {"title":"buy milk"}  # from the spec's example"#),
        "{todos}"
    );
    assert!(todos.contains("call: updateTodo"), "{todos}");
    let items = std::fs::read_to_string(cases.join("items/item-lifecycle.yaml")).expect("items");
    assert!(
        items.contains("{header: Location, last_segment: true}"),
        "{items}"
    );
    let (_rt, base) = serve();
    // Each spec by `--spec`, as `init` tells the user to run its corpus.
    let todos_spec = format!("todos={}", path(&specs.join("todos/openapi.yaml")));
    let items_spec = format!("items={}", path(&specs.join("items/openapi.yaml")));
    let text = run_ok(&[
        "run",
        "--spec",
        &todos_spec,
        "--spec",
        &items_spec,
        "--target",
        &base,
        path(&cases),
    ]);
    // Every lifecycle passed, so each read and delete found what the create made.
    assert!(text.contains("2 passed, 0 failed"), "{text}");
}

/// The fixture spec with request examples: one the mock answers as documented, one whose name
/// makes the mock send `size` as a string, one the spec documents as a 400.
fn spec_with_examples(dir: &Path) -> PathBuf {
    let spec =
        std::fs::read_to_string(util::root().join("tests/fixtures/specs/fixture/openapi.yaml"))
            .expect("fixture spec");
    let spec = spec.replacen(
        "            schema: {$ref: '#/components/schemas/NewWidget'}\n      responses:",
        "            schema: {$ref: '#/components/schemas/NewWidget'}
            examples:
              small: {value: {name: small, size: 3}}
              broken: {value: {name: wrong-type, size: 3}}
              empty-name: {value: {name: \"\", size: 3}}
      responses:",
        1,
    );
    let spec = spec.replacen(
        "              schema: {$ref: '#/components/schemas/Error'}\n  /widgets/{id}:",
        "              schema: {$ref: '#/components/schemas/Error'}
              examples:
                empty-name: {value: {code: InvalidParameter, message: name is empty}}
  /widgets/{id}:",
        1,
    );
    assert!(
        spec.contains("broken:") && spec.contains("message: name is empty"),
        "{spec}"
    );
    let specs = dir.join("specs");
    std::fs::create_dir_all(specs.join("fixture")).expect("mkdir");
    std::fs::write(specs.join("fixture/openapi.yaml"), spec).expect("spec");
    specs
}

#[test]
fn examples_pass_where_the_target_conforms_and_fail_where_it_does_not() {
    let work = util::temp_dir();
    let specs = spec_with_examples(work.path());
    let specs = path(&specs);
    let good = run_ok(&["run", "--examples", "--specs", specs, "--filter", "small"]);
    assert!(
        good.contains("examples/fixture/createWidget/small"),
        "{good}"
    );
    // Named like the 400's example: expected as a 400, and sent although it breaks the schema.
    let bad_request = run_ok(&[
        "run",
        "--examples=fixture",
        "--specs",
        specs,
        "--filter",
        "empty-name",
    ]);
    assert!(bad_request.contains("1 passed, 0 failed"), "{bad_request}");
    let out = Conform::new(&["run", "--examples", "--specs", specs, "--format", "json"]).output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("examples/fixture/createWidget/broken"),
        "{text}"
    );
    assert!(text.contains("is not of type"), "{text}");
    assert!(text.contains("\"passed\":2"), "{text}");
    // An API that is not there is a usage error, not an empty green run.
    let out = Conform::new(&["run", "--examples=nope", "--specs", specs]).output();
    assert_eq!(out.status.code(), Some(2), "{}", util::text(&out));
}

#[test]
fn a_spec_without_request_examples_is_an_error_not_a_green_run() {
    let out = Conform::new(&["run", "--examples", "--specs", "tests/fixtures/specs"]).output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("no request example"), "{text}");
}

/// CI only: a public 3.0 spec (the loader converts 3.0 on load).
#[test]
fn init_on_the_public_petstore_3_0_spec_lints_clean() {
    let shared = util::root().join("../shared/realworld-specs");
    if !shared.is_dir() {
        eprintln!("skipped: {} is absent (CI only)", shared.display());
        return;
    }
    let out = util::temp_dir();
    let spec = shared.join("petstore-3.0/openapi.yaml");
    run_ok(&["init", path(&spec), "--out", path(out.path())]);
    let dir = out.path().join("petstore-3.0");
    assert!(!files(&dir).is_empty());
    run_ok(&[
        "run",
        "--specs",
        path(&shared),
        "--target",
        "http://127.0.0.1:9",
        "--dry-run",
        path(&dir),
    ]);
}

/// CI only: a public 3.1 spec written by others (the OAI tic-tac-toe example) loads today; its
/// corpus lints clean and passes against a small server that implements it. (`non-oauth-scopes` has an operation without `operationId`, which the
/// loader refuses.)
#[test]
fn init_on_a_public_3_1_spec_lints_clean_and_runs() {
    let shared = util::root().join("../shared/realworld-specs/oai-examples/v3.1");
    if !shared.is_dir() {
        eprintln!("skipped: {} is absent (CI only)", shared.display());
        return;
    }
    let name = "tictactoe";
    let work = util::temp_dir();
    // The specs folder layout `run` reads today: <specs>/<api>/openapi.yaml.
    let specs = work.path().join("specs");
    std::fs::create_dir_all(specs.join(name)).expect("mkdir");
    std::fs::copy(
        shared.join(format!("{name}.yaml")),
        specs.join(name).join("openapi.yaml"),
    )
    .expect("copy into the temp folder");
    let spec = specs.join(name).join("openapi.yaml");
    let cases = work.path().join("cases");
    run_ok(&["init", path(&spec), "--out", path(&cases)]);
    let dir = cases.join(name);
    let specs = path(&specs);
    run_ok(&[
        "run",
        "--specs",
        specs,
        "--target",
        "http://127.0.0.1:9",
        "--dry-run",
        path(&dir),
    ]);
    // And it passes against a small server that implements the game.
    let (_rt, base) = serve_tictactoe();
    let out = Conform::new(&["run", "--specs", specs, "--target", &base, path(&dir)])
        // The spec declares API keys and bearer tokens; the server takes any or none.
        .envs([("CONFORM_TICTACTOE_TOKEN", "test-token")])
        .output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("3 passed, 0 failed"), "{text}");
}

type Board = Arc<Mutex<Vec<Vec<String>>>>;

/// The OAI tic-tac-toe example as a server: a board of marks, read whole or by square.
fn serve_tictactoe() -> (tokio::runtime::Runtime, String) {
    fn square(b: &Board, row: usize, col: usize) -> Option<String> {
        let b = b.lock().unwrap_or_else(|p| p.into_inner());
        b.get(row.checked_sub(1)?)?
            .get(col.checked_sub(1)?)
            .cloned()
    }
    fn status(b: &Board) -> Response {
        let board = b.lock().unwrap_or_else(|p| p.into_inner()).clone();
        axum::Json(json!({"winner": ".", "board": board})).into_response()
    }
    let board: Board = Arc::new(Mutex::new(vec![vec![".".to_owned(); 3]; 3]));
    let illegal = || {
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/html")],
            "Illegal coordinates",
        )
            .into_response()
    };
    let app = Router::new()
        .route(
            "/board",
            axum::routing::get(|State(b): State<Board>| async move { status(&b) }),
        )
        .route(
            "/board/{row}/{column}",
            axum::routing::get(
                move |State(b): State<Board>, UrlPath((r, c)): UrlPath<(usize, usize)>| async move {
                    match square(&b, r, c) {
                        Some(m) => axum::Json(json!(m)).into_response(),
                        None => illegal(),
                    }
                },
            )
            .put(
                move |State(b): State<Board>,
                      UrlPath((r, c)): UrlPath<(usize, usize)>,
                      body: axum::body::Bytes| async move {
                    let mark = serde_json::from_slice::<String>(&body).unwrap_or_default();
                    if square(&b, r, c).is_none() || ![".", "X", "O"].contains(&mark.as_str()) {
                        return illegal();
                    }
                    b.lock().unwrap_or_else(|p| p.into_inner())[r - 1][c - 1] = mark;
                    status(&b)
                },
            ),
        )
        .with_state(board);
    util::serve(app)
}
