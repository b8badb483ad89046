//! Unit tests of the cases, their scenario texts and the chains, on a small todos spec.

use serde_json::json;

use super::case::{Kind, not_a_server_error, refusal};
use super::cases::{Dice, Inputs, op_seed, plan_cases};
use super::chain::Chains;

const TODOS: &str = r#"
openapi: 3.1.0
info: {title: Todos, version: "1"}
paths:
  /todos:
    post:
      operationId: createTodo
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              additionalProperties: false
              properties:
                title: {type: string, minLength: 1, maxLength: 20}
                done: {type: boolean}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties: {id: {type: integer}}
        "400": {description: bad}
        "500": {description: broken}
  /todos/{todoId}:
    parameters:
      - {name: todoId, in: path, required: true, schema: {type: integer, minimum: 1}}
    get:
      operationId: getTodo
      parameters:
        - {name: verbose, in: query, schema: {type: boolean}}
      responses:
        "200": {description: the todo}
        "4XX": {description: not found or bad}
        "503": {description: busy}
    delete:
      operationId: deleteTodo
      responses:
        "204": {description: gone}
        default: {description: an error}
"#;

fn spec() -> (
    tempfile::TempDir,
    crate::openapi::Registry,
    std::sync::Arc<crate::openapi::ApiSpec>,
    crate::init::Doc,
) {
    let (dir, registry, doc) = crate::init::load_for_test("todos", TODOS);
    let spec = registry.api("todos").expect("loads");
    (dir, registry, spec, doc)
}

#[test]
fn what_a_valid_request_may_get_is_every_documented_status_but_a_server_error() {
    let (_d, _r, spec, _) = spec();
    let op = |id: &str| spec.operation(id).expect("op");
    assert_eq!(not_a_server_error(op("createTodo")), json!([201, 400]));
    assert_eq!(not_a_server_error(op("getTodo")), json!([200, "4xx", 503]));
    assert_eq!(
        not_a_server_error(op("deleteTodo")),
        json!([204, "2xx", "3xx", "4xx"])
    );
    assert_eq!(refusal(op("createTodo")), (json!("4xx"), false));
    // A documented 503 does not depend on the request: an answer to an invalid one too.
    assert_eq!(refusal(op("getTodo")), (json!(["4xx", 503]), false));
    assert_eq!(refusal(op("deleteTodo")), (json!("4xx"), false));
}

#[test]
fn the_same_seed_gives_the_same_cases_and_another_seed_others() {
    let (_d, _r, spec, _) = spec();
    let op = spec.operation("createTodo").expect("op");
    let fixed = Default::default();
    let input = Inputs {
        op,
        fixed: &fixed,
        max_examples: 20,
        auth_headers: &[],
    };
    let a = plan_cases(&input, op_seed(1, "todos", &op.id)).expect("cases");
    let b = plan_cases(&input, op_seed(1, "todos", &op.id)).expect("cases");
    let requests =
        |c: &[super::case::Case]| c.iter().map(|c| c.request.clone()).collect::<Vec<_>>();
    assert_eq!(requests(&a), requests(&b));
    assert!(a.len() <= 20 && !a.is_empty());
    assert_eq!(a[0].kind, Kind::Valid);
    assert!(
        a.iter().any(|c| matches!(c.kind, Kind::Negative(_))),
        "a required body yields at least the missing-body negative"
    );
    assert_ne!(op_seed(1, "todos", "a"), op_seed(2, "todos", "a"));
    assert_ne!(op_seed(1, "todos", "a"), op_seed(1, "todo", "sa"));
    let mut d1 = Dice::new(5);
    let mut d2 = Dice::new(5);
    assert_eq!(
        (0..8).map(|_| d1.draw()).collect::<Vec<_>>(),
        (0..8).map(|_| d2.draw()).collect::<Vec<_>>()
    );
}

#[test]
fn every_case_is_a_scenario_that_compiles_and_says_what_it_expects() {
    let (_d, registry, spec, _) = spec();
    for op in &spec.operations {
        let fixed = Default::default();
        let input = Inputs {
            op,
            fixed: &fixed,
            max_examples: 12,
            auth_headers: &[],
        };
        let cases = plan_cases(&input, 3).expect("cases");
        for case in &cases {
            let text = case.scenario("todos", op, 3);
            crate::init::assert_compiles(&registry, "case.yaml", &text);
            match &case.kind {
                Kind::Negative(b) => {
                    assert!(text.contains("invalid_request: true"), "{text}");
                    assert!(text.contains("\"4xx\""), "{text}");
                    assert!(!b.keyword.is_empty());
                }
                _ => assert!(!text.contains("invalid_request"), "{text}"),
            }
            assert!(text.contains("--seed 3"), "{text}");
        }
    }
}

#[test]
fn operations_on_an_item_chain_after_a_create_that_worked_and_delete_it() {
    let (_d, registry, spec, doc) = spec();
    let mut chains = Chains::new(&spec, &doc);
    let index = |id: &str| spec.operations.iter().position(|o| o.id == id).expect("op");
    let order = chains.order(&spec);
    assert_eq!(order[0], index("createTodo"), "creates go first");
    let get = index("getTodo");
    let path = vec![("todoId".to_owned(), json!(7))];
    assert!(
        chains.for_operation(&spec, get, &path, &[]).is_none(),
        "no chain before a create worked"
    );
    let worked = super::case::Request {
        body: Some(json!({"title": "x"})),
        ..Default::default()
    };
    chains.worked(&spec, index("createTodo"), &worked, 201);
    let chained = chains
        .for_operation(&spec, get, &path, &[])
        .expect("a chain");
    let case = super::case::Case {
        number: 2,
        kind: Kind::Valid,
        request: super::case::Request {
            path,
            ..Default::default()
        },
        chain: Some(chained),
    };
    let op = &spec.operations[get];
    let text = case.scenario("todos", op, 1);
    crate::init::assert_compiles(&registry, "chained.yaml", &text);
    assert!(text.contains("call: createTodo"), "{text}");
    assert!(text.contains("\"${todoId}\""), "{text}");
    assert!(
        text.contains("finally:") && text.contains("call: deleteTodo"),
        "{text}"
    );
}

#[test]
fn a_saved_failure_never_replaces_a_file() {
    let dir = tempfile::tempdir().expect("temp");
    let case = super::case::Case {
        number: 4,
        kind: Kind::Valid,
        request: Default::default(),
        chain: None,
    };
    let a = super::save::write(
        dir.path(),
        "todos",
        "getTodo",
        &case,
        "name: x\n",
        "got 500",
    )
    .expect("written");
    let b = super::save::write(
        dir.path(),
        "todos",
        "getTodo",
        &case,
        "name: y\n",
        "got 500",
    )
    .expect("written");
    assert_ne!(a, b);
    assert_eq!(
        std::fs::read_to_string(&a).expect("a"),
        "name: x\n# What `conform fuzz` found with this request:\n#   got 500\n"
    );
    assert!(
        b.ends_with("todos/gettodo-valid-4-2.yaml"),
        "{}",
        b.display()
    );
}

#[test]
fn an_array_query_parameter_is_checked_as_one_array_of_its_items() {
    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: Tags, version: "1"}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - name: ids
          in: query
          schema: {type: array, items: {type: integer}, maxItems: 2}
      responses:
        "200": {description: ok}
"#;
    use crate::check::request::{Outgoing, check};
    let (_d, registry, _) = crate::init::load_for_test("tags", SPEC);
    let spec = registry.api("tags").expect("loads");
    let op = spec.operation("listItems").expect("op");
    let with = |v: serde_json::Value| Outgoing {
        query: vec![("ids".into(), v)],
        ..Default::default()
    };
    let pos = crate::source::Pos::UNKNOWN;
    assert!(check(op, &with(json!(["1", 2])), pos).is_empty());
    assert!(
        check(op, &with(json!("7")), pos).is_empty(),
        "one value is a list of one"
    );
    let wrong = check(op, &with(json!(["1", "x"])), pos);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    let too_many = check(op, &with(json!([1, 2, 3])), pos);
    assert!(
        too_many
            .iter()
            .any(|f| f.keyword.as_deref() == Some("maxItems")),
        "{too_many:?}"
    );
}

#[test]
fn an_empty_optional_query_value_is_no_negative_but_a_required_one_may_be() {
    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: Resolve, version: "1"}
paths:
  /resolve:
    get:
      operationId: resolve
      parameters:
        - {name: path, in: query, required: true, schema: {type: string, minLength: 1}}
        - {name: kernel, in: query, schema: {type: string, format: uuid, minLength: 1}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
"#;
    let (_d, registry, _) = crate::init::load_for_test("resolve", SPEC);
    let spec = registry.api("resolve").expect("loads");
    let op = spec.operation("resolve").expect("op");
    let fixed = Default::default();
    let input = Inputs {
        op,
        fixed: &fixed,
        max_examples: 200,
        auth_headers: &[],
    };
    let cases = plan_cases(&input, op_seed(3, "resolve", &op.id)).expect("cases");
    let empty = |name: &str| {
        cases.iter().any(|c| {
            matches!(c.kind, Kind::Negative(_))
                && c.request
                    .query
                    .iter()
                    .any(|(n, v)| n == name && v == &json!(""))
        })
    };
    assert!(
        empty("path"),
        "a required parameter sent empty is a negative"
    );
    assert!(!empty("kernel"), "`?kernel=` reads as no kernel");
}

#[test]
fn a_value_breaking_only_format_may_be_accepted_but_not_crash() {
    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: Resolve, version: "1"}
paths:
  /resolve:
    get:
      operationId: resolve
      parameters:
        - {name: kernel, in: query, required: true, schema: {type: string, format: uuid}}
      responses:
        "200": {description: ok}
        "500": {description: broken}
"#;
    let (_d, registry, _) = crate::init::load_for_test("resolve", SPEC);
    let spec = registry.api("resolve").expect("loads");
    let op = spec.operation("resolve").expect("op");
    let fixed = Default::default();
    let input = Inputs {
        op,
        fixed: &fixed,
        max_examples: 50,
        auth_headers: &[],
    };
    let cases = plan_cases(&input, op_seed(3, "resolve", &op.id)).expect("cases");
    let mut formats = 0;
    for case in &cases {
        let Kind::Negative(b) = &case.kind else {
            continue;
        };
        let text = case.scenario("resolve", op, 3);
        // The spec documents no 4xx: the case must still compile (`undocumented: true`).
        crate::init::assert_compiles(&registry, "case.yaml", &text);
        if b.keyword == "format" {
            formats += 1;
            assert!(text.contains("status: [200,\"4xx\"]"), "{text}");
        } else {
            assert!(text.contains("status: \"4xx\""), "{text}");
        }
    }
    assert!(
        formats > 0,
        "no case broke `format`: the test proves nothing"
    );
}

const THINGS: &str = r#"
openapi: 3.1.0
info: {title: Things, version: "1"}
paths:
  /things:
    post:
      operationId: createThing
      parameters:
        - {name: clientToken, in: query, schema: {type: string, maxLength: 64}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
  /things/{thingId}:
    parameters:
      - {name: thingId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getThing
      responses:
        "200": {description: the thing}
    delete:
      operationId: deleteThing
      parameters:
        - {name: mode, in: query, schema: {type: string, enum: [soft, hard]}}
        - {name: clientToken, in: query, schema: {type: string, maxLength: 64}}
      responses:
        "204": {description: gone or going}
  /things/{thingId}/restore:
    parameters:
      - {name: thingId, in: path, required: true, schema: {type: string}}
    post:
      operationId: restoreThing
      parameters:
        - {name: Idempotency-Key, in: header, schema: {type: string, pattern: "^[a-z]{12}$"}}
      responses:
        "200": {description: restored}
        "409": {description: not deleted}
"#;

/// The scenario text of a valid case of operation `op` of the `things` API sending `request`
/// after a chain with `between`; it compiles.
fn chained_text(
    registry: &crate::openapi::Registry,
    chains: &Chains,
    op: usize,
    request: &super::case::Request,
    between: &[super::chain::Between],
) -> String {
    let spec = registry.api("things").expect("loads");
    let chained = chains
        .for_operation(&spec, op, &request.path, between)
        .expect("a chain");
    let case = super::case::Case {
        number: 2,
        kind: Kind::Valid,
        request: request.clone(),
        chain: Some(chained),
    };
    let text = case.scenario("things", &spec.operations[op], 1);
    crate::init::assert_compiles(registry, "chained.yaml", &text);
    text
}

/// A chain replays requests that worked with new idempotency keys (`${uuid}` where a uuid is
/// valid, a value drawn now where it is not), keeps the distinct requests of an operation (one
/// per `mode`) and offers each as a step between the create and the case.
#[test]
fn chains_refresh_idempotency_keys_and_try_each_distinct_request_that_worked() {
    let (_d, registry, doc) = crate::init::load_for_test("things", THINGS);
    let spec = registry.api("things").expect("loads");
    let mut chains = Chains::new(&spec, &doc);
    let index = |id: &str| spec.operations.iter().position(|o| o.id == id).expect("op");
    let request = |query: Vec<(&str, serde_json::Value)>| super::case::Request {
        query: query.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..Default::default()
    };
    let mut create = request(vec![("clientToken", json!("first-token"))]);
    create.body = Some(json!({"name": "x"}));
    chains.worked(&spec, index("createThing"), &create, 201);
    let (delete, restore) = (index("deleteThing"), index("restoreThing"));
    for mode in ["soft", "hard", "soft"] {
        let r = request(vec![
            ("mode", json!(mode)),
            ("clientToken", json!("del-token")),
        ]);
        chains.worked(&spec, delete, &r, 204);
    }
    let mut keyed = request(Vec::new());
    keyed.path = vec![("thingId".into(), json!("t"))];
    keyed.headers = vec![("Idempotency-Key".into(), json!("abcdefghijkl"))];
    chains.worked(&spec, restore, &keyed, 200);
    let singles = chains.sequences(&spec, restore, 1);
    assert_eq!(singles.len(), 2, "one per mode: {singles:?}");
    assert!(
        chains.sequences(&spec, index("getThing"), 1).len() == 3,
        "the deletes and the restore, not the read"
    );
    let pairs = chains.sequences(&spec, index("getThing"), 2);
    assert!(
        pairs.iter().all(|p| p.len() == 2 && p[0].0 != p[1].0),
        "{pairs:?}"
    );
    for between in &singles {
        let text = chained_text(&registry, &chains, restore, &keyed, between);
        assert!(!text.contains("first-token"), "{text}");
        assert!(!text.contains("del-token"), "{text}");
        assert_eq!(text.matches("\"${uuid}\"").count(), 2, "{text}");
        assert!(text.contains("call: deleteThing"), "{text}");
    }
    // Steps between the create and the case that carry a key get one the schema takes.
    let deep = chains.sequences(&spec, index("getThing"), 2);
    let with_restore = deep
        .iter()
        .find(|p| p.iter().any(|(op, _)| *op == restore))
        .expect("a pair with the restore");
    let read = super::case::Request {
        path: vec![("thingId".to_owned(), json!("t"))],
        ..Default::default()
    };
    let text = chained_text(&registry, &chains, index("getThing"), &read, with_restore);
    assert!(!text.contains("abcdefghijkl"), "{text}");
    let key = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Idempotency-Key: "))
        .expect("the restore step sends a key");
    let key: String = serde_json::from_str(key).unwrap_or_else(|_| key.to_owned());
    assert!(
        key.len() == 12 && key.bytes().all(|b| b.is_ascii_lowercase()),
        "a uuid does not match the pattern, so a valid value is drawn: {key}"
    );
}

/// The boundaries are drawn from the first valid request: each gets a key of its own, so none
/// is refused for reusing a key with another body, nor answered with another case's answer.
#[test]
fn no_two_valid_cases_of_an_operation_send_the_same_idempotency_key() {
    let (_d, registry, _doc) = crate::init::load_for_test("things", THINGS);
    let spec = registry.api("things").expect("loads");
    let op = spec.operation("createThing").expect("op");
    let fixed = Default::default();
    let mut shared = 0;
    for seed in 0..20 {
        let inputs = Inputs {
            op,
            fixed: &fixed,
            max_examples: 16,
            auth_headers: &[],
        };
        let mut cases = plan_cases(&inputs, seed).expect("cases");
        let tokens = |cases: &[super::case::Case]| -> Vec<serde_json::Value> {
            cases
                .iter()
                .filter(|c| !matches!(c.kind, Kind::Negative(_)))
                .flat_map(|c| c.request.query.iter())
                .filter(|(n, _)| n == "clientToken")
                .map(|(_, v)| v.clone())
                .collect()
        };
        let before = tokens(&cases);
        shared += before.len() - dedup(&before).len();
        super::keys::distinct(op, &mut cases, seed);
        let after = tokens(&cases);
        assert_eq!(after.len(), before.len(), "no key added or dropped");
        assert_eq!(dedup(&after).len(), after.len(), "seed {seed}: {after:?}");
    }
    assert!(shared > 0, "the plans shared keys: the test proved nothing");
}

fn dedup(v: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}
