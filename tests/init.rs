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
    assert!(written.contains(&dir.join(conform::init::SCHEMA_FILE)));
    for f in written
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "yaml"))
    {
        let body = std::fs::read_to_string(f).expect("read");
        assert!(
            body.starts_with(conform::init::CORPUS_SCHEMA_LINE),
            "{body}"
        );
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
        todos.contains(
            r#"body: {"title":"buy milk-${run.id}-todo-lifecycle"}  # from the spec's example"#
        ),
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

/// A shop as a real server would hold it: stores with unique names, products inside a store
/// (unique names per store), a store that still has products cannot be deleted, audits nobody
/// can create. `PUT /stores` updates the store its body names (as Petstore's `PUT /pet` does).
const SHOP: &str = r##"openapi: 3.0.3
info: {title: Shop API, version: "1"}
paths:
  /stores:
    post:
      operationId: createStore
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewStore'}
            example: {name: corner shop}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Store'}
        "409": {description: the name is taken}
    put:
      operationId: updateStoreByBody
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Store'}
            example: {id: 10, name: corner shop}
      responses:
        "200":
          description: updated
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Store'}
        "404": {description: no such store}
        "409": {description: the name is taken}
  /stores/{storeId}:
    parameters:
      - {name: storeId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getStore
      responses:
        "200":
          description: the store
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Store'}
        "404": {description: no such store}
    put:
      operationId: updateStore
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewStore'}
            example: {name: corner shop}
      responses:
        "200":
          description: updated
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Store'}
        "404": {description: no such store}
        "409": {description: the name is taken}
    delete:
      operationId: deleteStore
      responses:
        "204": {description: deleted}
        "404": {description: no such store}
        "409": {description: the store still has products}
  /stores/{storeId}/products:
    parameters:
      - {name: storeId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: listProducts
      responses:
        "200":
          description: the store's products
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Store'}}
        "404": {description: no such store}
    post:
      operationId: createProduct
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewStore'}
            example: {name: apple}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Store'}
        "404": {description: no such store}
        "409": {description: the name is taken}
  /stores/{storeId}/products/{productId}:
    parameters:
      - {name: storeId, in: path, required: true, schema: {type: integer}}
      - {name: productId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getProduct
      responses:
        "200":
          description: the product
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Store'}
        "404": {description: no such product}
    delete:
      operationId: deleteProduct
      responses:
        "204": {description: deleted}
        "404": {description: no such product}
  /audits/{auditId}:
    parameters:
      - {name: auditId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getAudit
      responses:
        "200": {description: the audit}
        "404": {description: no such audit}
    delete:
      operationId: deleteAudit
      responses:
        "204": {description: deleted}
        "404": {description: no such audit}
components:
  schemas:
    NewStore:
      type: object
      required: [name]
      properties:
        name: {type: string}
    Store:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
"##;

/// The shop's state: the next id, stores by id (name, products by id), audits, and every
/// `DELETE` path the server was sent.
#[derive(Default)]
struct Shop {
    next: u64,
    stores: HashMap<u64, (String, HashMap<u64, String>)>,
    audits: Vec<String>,
    deletes: Vec<String>,
}

type ShopDb = Arc<Mutex<Shop>>;

fn shop(db: &ShopDb) -> std::sync::MutexGuard<'_, Shop> {
    db.lock().unwrap_or_else(|p| p.into_inner())
}

fn name_of(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Value>(body)
        .ok()?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

fn named(id: u64, name: &str) -> Response {
    axum::Json(json!({"id": id, "name": name})).into_response()
}

/// Stores: 409 on a name another store has, 404 on an unknown id, 409 on deleting one that
/// still has products.
fn store_routes() -> axum::routing::MethodRouter<ShopDb> {
    axum::routing::get(
        |State(db): State<ShopDb>, UrlPath(id): UrlPath<u64>| async move {
            match shop(&db).stores.get(&id) {
                Some((name, _)) => named(id, name),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        },
    )
    .put(
        |State(db): State<ShopDb>, UrlPath(id): UrlPath<u64>, body: axum::body::Bytes| async move {
            rename(&mut shop(&db), id, name_of(&body))
        },
    )
    .delete(
        |State(db): State<ShopDb>, UrlPath(id): UrlPath<u64>| async move {
            let mut s = shop(&db);
            s.deletes.push(format!("/stores/{id}"));
            match s.stores.get(&id) {
                None => StatusCode::NOT_FOUND.into_response(),
                Some((_, products)) if !products.is_empty() => StatusCode::CONFLICT.into_response(),
                Some(_) => {
                    s.stores.remove(&id);
                    StatusCode::NO_CONTENT.into_response()
                }
            }
        },
    )
}

fn rename(s: &mut Shop, id: u64, name: Option<String>) -> Response {
    let Some(name) = name else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if s.stores
        .iter()
        .any(|(other, (n, _))| *other != id && *n == name)
    {
        return StatusCode::CONFLICT.into_response();
    }
    match s.stores.get_mut(&id) {
        Some(store) => {
            store.0.clone_from(&name);
            named(id, &name)
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn product_routes() -> axum::Router<ShopDb> {
    let one = axum::routing::get(
        |State(db): State<ShopDb>, UrlPath((s, p)): UrlPath<(u64, u64)>| async move {
            match shop(&db).stores.get(&s).and_then(|st| st.1.get(&p)) {
                Some(name) => named(p, name),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        },
    )
    .delete(
        |State(db): State<ShopDb>, UrlPath((s, p)): UrlPath<(u64, u64)>| async move {
            let mut db = shop(&db);
            db.deletes.push(format!("/stores/{s}/products/{p}"));
            match db.stores.get_mut(&s).and_then(|st| st.1.remove(&p)) {
                Some(_) => StatusCode::NO_CONTENT.into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        },
    );
    let many = axum::routing::get(
        |State(db): State<ShopDb>, UrlPath(s): UrlPath<u64>| async move {
            match shop(&db).stores.get(&s) {
                Some((_, products)) => {
                    let list: Vec<Value> = products
                        .iter()
                        .map(|(id, n)| json!({"id": id, "name": n}))
                        .collect();
                    axum::Json(list).into_response()
                }
                None => StatusCode::NOT_FOUND.into_response(),
            }
        },
    )
    .post(
        |State(db): State<ShopDb>, UrlPath(s): UrlPath<u64>, body: axum::body::Bytes| async move {
            let Some(name) = name_of(&body) else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let mut db = shop(&db);
            db.next += 1;
            let id = db.next;
            let Some(store) = db.stores.get_mut(&s) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            if store.1.values().any(|n| *n == name) {
                return StatusCode::CONFLICT.into_response();
            }
            store.1.insert(id, name.clone());
            (StatusCode::CREATED, named(id, &name)).into_response()
        },
    );
    Router::new()
        .route("/stores/{s}/products", many)
        .route("/stores/{s}/products/{p}", one)
}

/// The shop on 127.0.0.1, with one audit (`a1`) that exists before any run.
fn serve_shop() -> (tokio::runtime::Runtime, String, ShopDb) {
    let db: ShopDb = Arc::new(Mutex::new(Shop {
        audits: vec!["a1".into()],
        ..Shop::default()
    }));
    let stores = post(
        |State(db): State<ShopDb>, body: axum::body::Bytes| async move {
            let Some(name) = name_of(&body) else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let mut s = shop(&db);
            if s.stores.values().any(|(n, _)| *n == name) {
                return StatusCode::CONFLICT.into_response();
            }
            s.next += 1;
            let id = s.next;
            s.stores.insert(id, (name.clone(), HashMap::new()));
            (StatusCode::CREATED, named(id, &name)).into_response()
        },
    )
    .put(
        |State(db): State<ShopDb>, body: axum::body::Bytes| async move {
            let id = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_u64());
            rename(&mut shop(&db), id.unwrap_or(0), name_of(&body))
        },
    );
    let audit = axum::routing::get(
        |State(db): State<ShopDb>, UrlPath(a): UrlPath<String>| async move {
            if shop(&db).audits.contains(&a) {
                StatusCode::OK.into_response()
            } else {
                StatusCode::NOT_FOUND.into_response()
            }
        },
    )
    .delete(
        |State(db): State<ShopDb>, UrlPath(a): UrlPath<String>| async move {
            let mut s = shop(&db);
            s.deletes.push(format!("/audits/{a}"));
            let before = s.audits.len();
            s.audits.retain(|x| *x != a);
            if s.audits.len() < before {
                StatusCode::NO_CONTENT.into_response()
            } else {
                StatusCode::NOT_FOUND.into_response()
            }
        },
    );
    let app = Router::new()
        .route("/stores", stores)
        .route("/stores/{id}", store_routes())
        .route("/audits/{a}", audit)
        .merge(product_routes())
        .with_state(db.clone());
    let (rt, base) = util::serve(app);
    (rt, base, db)
}

/// The shop's corpus: every file but the schema, by name.
fn shop_corpus(work: &Path) -> (PathBuf, PathBuf, std::collections::BTreeMap<String, String>) {
    let specs = work.join("specs");
    std::fs::create_dir_all(specs.join("shop")).expect("mkdir");
    let spec = specs.join("shop/openapi.yaml");
    std::fs::write(&spec, SHOP).expect("spec");
    let cases = work.join("cases");
    let text = run_ok(&["init", path(&spec), "--out", path(&cases)]);
    assert!(
        text.contains("no scenario for deleteAudit") && text.contains("needs-var"),
        "{text}"
    );
    let dir = cases.join("shop");
    let corpus = files(&dir)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "yaml"))
        .map(|f| {
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            (name, std::fs::read_to_string(&f).expect("read"))
        })
        .collect();
    (spec, dir, corpus)
}

#[test]
fn init_scenarios_make_what_they_use_and_run_in_parallel_on_a_faithful_server() {
    let work = util::temp_dir();
    let (spec, dir, corpus) = shop_corpus(work.path());
    // The schema the first line names is beside the scenarios.
    assert!(dir.join(conform::init::SCHEMA_FILE).is_file());
    for text in corpus.values() {
        assert!(
            text.starts_with(conform::init::CORPUS_SCHEMA_LINE),
            "{text}"
        );
    }
    // Names per run and scenario; the nested product made in its store, both removed, the
    // product first; the update by body on a store the scenario made.
    let product = &corpus["product-lifecycle.yaml"];
    assert!(
        product.contains(r#""name":"apple-${run.id}-product-lifecycle""#),
        "{product}"
    );
    let order = [
        "call: createStore",
        "call: createProduct",
        "finally:",
        "call: deleteProduct",
        "call: deleteStore",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|n| product.find(n).unwrap_or(usize::MAX))
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "{order:?} in order:\n{product}"
    );
    let by_body = &corpus["update-store-by-body.yaml"];
    assert!(
        by_body.contains(r#""id":"${storeId}""#) && by_body.contains("call: deleteStore"),
        "{by_body}"
    );
    // Data it cannot make: tagged, and no delete of it is written.
    assert!(
        corpus["get-audit.yaml"].contains("needs-var"),
        "{}",
        corpus["get-audit.yaml"]
    );
    assert!(
        !corpus.keys().any(|k| k.contains("delete-audit")),
        "{:?}",
        corpus.keys()
    );
    let (_rt, base, db) = serve_shop();
    let spec_arg = format!("shop={}", path(&spec));
    let out = Conform::new(&[
        "run",
        "--spec",
        &spec_arg,
        "--target",
        &base,
        "--jobs",
        "8",
        "--var",
        "auditId=a1",
        path(&dir),
    ])
    .output();
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("{} passed, 0 failed", corpus.len())),
        "{text}"
    );
    let s = shop(&db);
    assert!(
        s.stores.is_empty(),
        "everything made was removed: {:?}",
        s.stores.keys()
    );
    assert_eq!(s.audits, ["a1"], "the --var's audit is never deleted");
    assert!(
        !s.deletes.iter().any(|d| d.starts_with("/audits")),
        "{:?}",
        s.deletes
    );
}

/// A spec as a real server's often is: a PUT that creates at a name the client chooses, a read
/// of data nothing creates, an operation that needs a credential the spec declares no way to
/// send, and one that documents only a redirect.
const DESK: &str = r##"openapi: 3.0.3
info: {title: Desk, version: "1"}
paths:
  /files/{path}:
    parameters:
      - {name: path, in: path, required: true, schema: {type: string}}
    put:
      operationId: putFile
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {content: {type: string}, kind: {type: string}}}
      responses:
        "200": {description: saved}
        "201":
          description: created
          content:
            application/json:
              schema: {type: object, properties: {kind: {type: string, enum: [text, binary]}}}
    get:
      operationId: getFile
      responses:
        "200": {description: the file}
        "404": {description: no such file}
    delete:
      operationId: deleteFile
      responses:
        "204": {description: deleted}
        "404": {description: no such file}
  /tickets/{ticketId}:
    get:
      operationId: getTicket
      parameters:
        - {name: ticketId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the ticket}
        "404": {description: no such ticket}
  /secret:
    get:
      operationId: getSecret
      responses:
        "200": {description: the secret}
        "401": {description: no credential}
  /go:
    get:
      operationId: go
      responses:
        "302": {description: elsewhere}
"##;

type Files = Arc<Mutex<(Vec<String>, HashMap<String, Value>)>>;

/// DESK faithfully: files kept by name (every PUT path kept; a `kind` the answer's enum does
/// not name refused), one ticket `t1`, a secret for any `Authorization`, and a redirect.
fn serve_desk() -> (tokio::runtime::Runtime, String, Files) {
    let files: Files = Arc::default();
    let file = axum::routing::put(
        |State(f): State<Files>, UrlPath(p): UrlPath<String>, body: axum::body::Bytes| async move {
            let mut f = f.lock().expect("lock");
            f.0.push(p.clone());
            let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let kind = value.get("kind").cloned().unwrap_or(Value::Null);
            if kind != json!("text") && kind != json!("binary") {
                return StatusCode::BAD_REQUEST.into_response();
            }
            match f.1.insert(p, value) {
                Some(_) => StatusCode::OK.into_response(),
                None => (StatusCode::CREATED, axum::Json(json!({"kind": kind}))).into_response(),
            }
        },
    )
    .get(
        |State(f): State<Files>, UrlPath(p): UrlPath<String>| async move {
            match f.lock().expect("lock").1.contains_key(&p) {
                true => StatusCode::OK,
                false => StatusCode::NOT_FOUND,
            }
        },
    )
    .delete(
        |State(f): State<Files>, UrlPath(p): UrlPath<String>| async move {
            match f.lock().expect("lock").1.remove(&p) {
                Some(_) => StatusCode::NO_CONTENT,
                None => StatusCode::NOT_FOUND,
            }
        },
    );
    let app = Router::new()
        .route("/files/{path}", file)
        .route(
            "/tickets/{id}",
            axum::routing::get(|UrlPath(id): UrlPath<String>| async move {
                if id == "t1" {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                }
            }),
        )
        .route(
            "/secret",
            axum::routing::get(|headers: axum::http::HeaderMap| async move {
                if headers.contains_key(header::AUTHORIZATION) {
                    StatusCode::OK
                } else {
                    StatusCode::UNAUTHORIZED
                }
            }),
        )
        .route(
            "/go",
            axum::routing::get(|| async {
                (StatusCode::FOUND, [(header::LOCATION, "/elsewhere")])
            }),
        )
        .with_state(files.clone());
    let (rt, base) = util::serve(app);
    (rt, base, files)
}

#[test]
fn what_init_cannot_know_is_a_need_and_a_skip_until_given() {
    let work = util::temp_dir();
    let spec = work.path().join("desk.yaml");
    std::fs::write(&spec, DESK).expect("spec");
    let cases = work.path().join("cases");
    run_ok(&["init", path(&spec), "--api", "desk", "--out", path(&cases)]);
    let read = |name: &str| std::fs::read_to_string(cases.join("desk").join(name)).expect(name);
    // The PUT that answers 201 creates at a name of the scenario's own, letters and digits.
    let life = read("file-lifecycle.yaml");
    // A field the request leaves free takes a value the answer's enum allows.
    assert!(life.contains(r#""kind":"text""#), "{life}");
    assert!(
        life.contains(r#"path: "conform${run.id}filelifecycle""#)
            && life.contains("call: putFile")
            && life.contains("status: 201")
            && life.contains("finally:\n  - name: deleteFile"),
        "{life}"
    );
    // A ticket nothing creates: a need, its value only a commented hint.
    let ticket = read("get-ticket.yaml");
    assert!(
        ticket.contains("needs: [ticketId]") && ticket.contains("\n  # ticketId: "),
        "{ticket}"
    );
    assert!(read("get-secret.yaml").contains("needs: [credentials]"));
    assert!(read("go.yaml").contains("status: 302"));

    let (_rt, base, files) = serve_desk();
    let spec_arg = format!("desk={}", path(&spec));
    let dir = cases.join("desk");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--spec", &spec_arg, "--target", &base];
        args.extend_from_slice(extra);
        args.push(path(&dir));
        let out = Conform::new(&args).output();
        (out.status.code(), util::text(&out))
    };
    // Without them: skipped, saying how to give each; the run does not fail.
    let (code, text) = run(&[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("2 passed, 0 failed, 2 skipped"), "{text}");
    assert!(
        text.contains("needs `ticketId`: set it under `vars:`")
            && text.contains("--var NAME=VALUE")
            && text.contains("needs a credential")
            && text.contains("--header"),
        "{text}"
    );
    // Given: they run, and pass on this faithful server.
    let (code, text) = run(&["--var", "ticketId=t1", "--header", "Authorization: token x"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("4 passed, 0 failed"), "{text}");
    let f = files.lock().expect("lock");
    assert!(
        f.1.is_empty(),
        "the lifecycle deleted what it made: {:?}",
        f.1
    );
    assert!(
        f.0.iter()
            .all(|p| p.starts_with("conform") && p.chars().all(|c| c.is_ascii_alphanumeric())),
        "{:?}",
        f.0
    );
}
