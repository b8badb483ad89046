//! Which operations chain: a [`Lifecycle`] is a create (`POST /todos`) and the operations on
//! what it made (`/todos/{todoId}`), with the capture that feeds the created id to their path
//! parameter, found from the spec's `links`, a `Location` header, or a response field named
//! like the parameter (`id` feeding `{todoId}` or `{id}`).

use serde_json::Value;

use super::raw::{Doc, compiled, json_media};
use crate::openapi::{ApiSpec, Operation};
use crate::scenario::Capture;

/// A create and the operations on what it creates.
#[derive(Debug)]
pub struct Lifecycle {
    /// Index of the create in the spec's operations.
    pub create: usize,
    /// The collection path (`/todos`) and the item's path parameter (`todoId`).
    pub collection: String,
    pub param: String,
    /// The variable the id is captured into, and how; no capture where the create is a PUT
    /// on the item path itself (jupyter's `PUT /api/contents/{path}` answering 201): the
    /// scenario chooses the id, a new one per run and scenario, under `vars:`.
    pub var: String,
    pub capture: Option<Capture>,
    /// Where the capture came from, for the comment beside it.
    pub why: String,
    /// Reads and updates on the item, in the order they run (GET, then PUT, PATCH, others).
    pub members: Vec<usize>,
    /// The delete on the item, for `finally`.
    pub delete: Option<usize>,
}

impl Lifecycle {
    /// The item's path (`/todos/{todoId}`).
    pub fn item_path(&self) -> String {
        format!("{}/{{{}}}", self.collection, self.param)
    }

    /// `todos` -> `todo`: what a scenario calls the thing it makes.
    pub fn noun(&self) -> String {
        noun(&self.collection)
    }
}

pub fn noun(collection: &str) -> String {
    let last = collection
        .rsplit('/')
        .find(|s| !s.is_empty() && !s.starts_with('{'))
        .unwrap_or("item");
    let singular = last
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| {
            last.strip_suffix('s')
                .filter(|s| !s.ends_with('s'))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| last.to_owned());
    ident(&singular)
}

/// A variable name from any text: letters, digits and `_`.
pub fn ident(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'v');
    }
    out
}

/// The documented success status of `op`: the lowest exact 2xx, else `2XX`, as written.
pub fn success_key(op: &Operation) -> Option<&str> {
    let mut exact: Vec<&str> = op
        .responses
        .iter()
        .map(|r| r.key.as_str())
        .filter(|k| k.len() == 3 && k.starts_with('2') && k.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    exact.sort_unstable();
    exact.first().copied().or_else(|| {
        op.responses
            .iter()
            .map(|r| r.key.as_str())
            .find(|k| k.eq_ignore_ascii_case("2XX"))
    })
}

/// Every lifecycle the spec allows, in the order of their creates.
pub fn lifecycles(spec: &ApiSpec, doc: &Doc) -> Vec<Lifecycle> {
    let mut out = Vec::new();
    for (ci, create) in spec.operations.iter().enumerate() {
        if create.method != "POST" || create.path.ends_with('}') {
            continue;
        }
        let collection = create.path.trim_end_matches('/').to_owned();
        let on_item: Vec<(usize, &Operation, String)> = spec
            .operations
            .iter()
            .enumerate()
            .filter_map(|(i, op)| item_param(&collection, &op.path).map(|p| (i, op, p)))
            .collect();
        let Some((_, _, param)) = on_item.first() else {
            continue;
        };
        let param = param.clone();
        let Some((capture, why)) =
            find_capture(doc, create, on_item.iter().map(|(_, op, _)| *op), &param)
        else {
            continue;
        };
        let mut members: Vec<(usize, &Operation)> = on_item
            .iter()
            .filter(|(_, op, p)| *p == param && op.method != "DELETE")
            .map(|(i, op, _)| (*i, *op))
            .collect();
        let rank = |m: &str| match m {
            "GET" => 0,
            "PUT" => 1,
            "PATCH" => 2,
            _ => 3,
        };
        members.sort_by_key(|(i, op)| (rank(&op.method), *i));
        let delete = on_item
            .iter()
            .find(|(_, op, p)| *p == param && op.method == "DELETE")
            .map(|(i, _, _)| *i);
        let noun = noun(&collection);
        let var = if param == "id" {
            format!("{noun}_id")
        } else {
            ident(&param)
        };
        out.push(Lifecycle {
            create: ci,
            collection,
            param,
            var,
            capture: Some(capture),
            why,
            members: members.into_iter().map(|(i, _)| i).collect(),
            delete,
        });
    }
    // A PUT create on an item a POST already makes is not a second lifecycle of it.
    let puts: Vec<Lifecycle> = put_creates(spec)
        .into_iter()
        .filter(|p| !out.iter().any(|l| l.item_path() == p.item_path()))
        .collect();
    out.extend(puts);
    out
}

/// Why a PUT create's id is what it is: the comment beside it, and how `drafts` knows it.
pub const CHOSEN_WHY: &str = "a new name, chosen by the scenario: the PUT creates it (201)";

/// The lifecycles whose create is a PUT on the item path that documents 201 (a create at a
/// name the client chooses): the reads, updates and delete of that path act on what it made.
/// A POST on the item is left out: it acts on the item as a container (jupyter's `POST
/// /api/contents/{path}` makes a file inside a folder), not on the item itself.
fn put_creates(spec: &ApiSpec) -> Vec<Lifecycle> {
    let mut out = Vec::new();
    for (ci, create) in spec.operations.iter().enumerate() {
        let creates = create.method == "PUT" && create.responses.iter().any(|r| r.key == "201");
        let Some((collection, param)) = create
            .path
            .rsplit_once('/')
            .filter(|_| creates)
            .and_then(|(c, last)| Some((c, item_param(c, &format!("{c}/{last}"))?)))
        else {
            continue;
        };
        let on_item = |m: &'static str| {
            spec.operations
                .iter()
                .enumerate()
                .filter(move |(_, op)| op.path == create.path && op.method == m)
                .map(|(i, _)| i)
        };
        let members = ["GET", "PATCH"].into_iter().flat_map(on_item).collect();
        out.push(Lifecycle {
            create: ci,
            collection: collection.to_owned(),
            var: ident(&param),
            param,
            capture: None,
            why: CHOSEN_WHY.into(),
            members,
            delete: on_item("DELETE").next(),
        });
    }
    out
}

/// `/todos/{todoId}` under `/todos` -> `todoId`; anything else is not the collection's item.
fn item_param(collection: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(collection)?.strip_prefix('/')?;
    let name = rest.strip_prefix('{')?.strip_suffix('}')?;
    (!name.contains(['/', '{', '}'])).then(|| name.to_owned())
}

/// How the create's answer feeds `param`: a link first (the spec says so), then a `Location`
/// header, then a response field named like the parameter.
fn find_capture<'a>(
    doc: &Doc,
    create: &Operation,
    mut users: impl Iterator<Item = &'a Operation>,
    param: &str,
) -> Option<(Capture, String)> {
    let key = success_key(create)?;
    let response = doc.response(create, key)?;
    let users: Vec<&Operation> = users.by_ref().collect();
    if let Some(links) = response.get("links").and_then(Value::as_object) {
        for (name, link) in links {
            let link = doc.resolve(link);
            let target = link.get("operationId").and_then(Value::as_str);
            if !users.iter().any(|u| Some(u.id.as_str()) == target) {
                continue;
            }
            let params = link.get("parameters").and_then(Value::as_object);
            let expr = params
                .and_then(|p| p.get(param).or_else(|| p.get(&format!("path.{param}"))))
                .and_then(Value::as_str);
            if let Some(capture) = expr.and_then(runtime_expression) {
                return Some((capture, format!("from the spec's link `{name}`")));
            }
        }
    }
    let headers = response.get("headers").and_then(Value::as_object);
    if headers.is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("location"))) {
        let capture = Capture::Header {
            header: "Location".into(),
            last_segment: true,
        };
        return Some((capture, "the id at the end of the Location header".into()));
    }
    let schema = compiled::response(create, key).or_else(|| {
        response
            .get("content")
            .and_then(json_media)
            .and_then(|m| m.get("schema"))
    })?;
    let (path, named) = match id_field(doc, schema, param, 1) {
        Some(path) => (path, true),
        None => (only_identifier(doc, schema)?, false),
    };
    let pointer: String = path
        .iter()
        .map(|t| format!("/{}", pointer_escape(t)))
        .collect();
    let shown = match path.as_slice() {
        [one] => one.clone(),
        _ => pointer.clone(),
    };
    let why = if named {
        format!("the response field `{shown}`, named like the path parameter `{param}`")
    } else {
        format!("the response field `{shown}`, the answer's one identifier, for `{param}`")
    };
    Some((Capture::Pointer(pointer), why))
}

/// `$response.body#/id` or `$response.header.Location`, optionally in braces.
fn runtime_expression(expr: &str) -> Option<Capture> {
    let expr = expr.trim();
    let expr = expr
        .strip_prefix('{')
        .and_then(|e| e.strip_suffix('}'))
        .unwrap_or(expr);
    if let Some(ptr) = expr.strip_prefix("$response.body#") {
        return Some(Capture::Pointer(ptr.to_owned()));
    }
    expr.strip_prefix("$response.header.")
        .map(|h| Capture::Header {
            header: h.to_owned(),
            last_segment: false,
        })
}

/// The property of the response schema that carries the id `param` wants, as the tokens of its
/// pointer: the parameter's own name (any case: `instanceId` feeds `{InstanceId}`), else `id`
/// when the parameter is `id` or ends like one (`todoId`, `todo_id`); else the same inside a
/// top-level object property, `depth` levels down at most (such as `/Result/instanceId`).
fn id_field(doc: &Doc, schema: &Value, param: &str, depth: usize) -> Option<Vec<String>> {
    let names = properties(doc, schema);
    let lower = param.to_ascii_lowercase();
    let id_like = lower == "id" || lower.ends_with("id");
    let here = names
        .iter()
        .find(|n| *n == param)
        .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(param)))
        .or_else(|| names.iter().find(|n| id_like && *n == "id"))
        .cloned();
    if let Some(name) = here {
        return Some(vec![name]);
    }
    if depth == 0 {
        return None;
    }
    let schema = doc.resolve(schema);
    let props = schema.get("properties").and_then(Value::as_object)?;
    props.iter().find_map(|(name, sub)| {
        let mut path = id_field(doc, sub, param, depth - 1)?;
        path.insert(0, name.clone());
        Some(path)
    })
}

/// The one identifier-like property of a create's answer (`id`, `name`, `uuid`, `<x>_id`,
/// `<x>Id`), whatever the path parameter is called: jupyter's `POST /api/terminals` answers
/// `{"name": "1"}` for `/api/terminals/{terminal_id}`. As RESTler infers producers, the create
/// on the parent collection is the producer of the item; with two candidates it cannot tell
/// which, so none.
fn only_identifier(doc: &Doc, schema: &Value) -> Option<Vec<String>> {
    let names = properties(doc, schema);
    let mut ids = names.iter().filter(|n| {
        let lower = n.to_ascii_lowercase();
        ["id", "name", "uuid"].contains(&lower.as_str())
            || lower.ends_with("_id")
            || (n.ends_with("Id") && n.len() > 2)
    });
    let one = ids.next()?;
    ids.next().is_none().then(|| vec![one.clone()])
}

/// The top-level property names of a schema, through `$ref`s and `allOf`.
pub fn properties(doc: &Doc, schema: &Value) -> Vec<String> {
    let schema = doc.resolve(schema);
    let mut names: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        names.extend(properties(doc, part));
    }
    names
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nouns_and_item_params() {
        assert_eq!(noun("/todos"), "todo");
        assert_eq!(noun("/v1/categories"), "category");
        assert_eq!(noun("/users/{userId}/address"), "address");
        assert_eq!(
            item_param("/todos", "/todos/{todoId}").as_deref(),
            Some("todoId")
        );
        assert_eq!(item_param("/todos", "/todos/{id}/done"), None);
        assert_eq!(item_param("/todos", "/todosx/{id}"), None);
    }

    #[test]
    fn runtime_expressions_become_captures() {
        assert!(matches!(
            runtime_expression("$response.body#/id"),
            Some(Capture::Pointer(p)) if p == "/id"
        ));
        assert!(matches!(
            runtime_expression("{$response.header.X-Id}"),
            Some(Capture::Header { header, last_segment: false }) if header == "X-Id"
        ));
        assert!(runtime_expression("$request.path.id").is_none());
    }

    #[test]
    fn an_id_field_is_found_in_any_case_and_one_level_down() {
        let doc = Doc::from_value(serde_json::json!({}));
        let schema = serde_json::json!({"type": "object", "properties": {
            "RequestId": {"type": "string"},
            "Result": {"type": "object", "properties": {"instanceId": {"type": "string"}}},
        }});
        assert_eq!(
            id_field(&doc, &schema, "InstanceId", 1),
            Some(vec!["Result".to_owned(), "instanceId".to_owned()])
        );
        assert_eq!(
            id_field(&doc, &schema, "InstanceId", 0),
            None,
            "not deeper than asked"
        );
        let flat = serde_json::json!({"properties": {"id": {}, "todoId": {}}});
        assert_eq!(
            id_field(&doc, &flat, "todoId", 1),
            Some(vec!["todoId".to_owned()])
        );
        assert_eq!(
            id_field(&doc, &flat, "userId", 1),
            Some(vec!["id".to_owned()])
        );
    }

    #[test]
    fn the_one_identifier_of_an_answer_feeds_the_item_whatever_its_name() {
        let doc = Doc::from_value(serde_json::json!({}));
        let terminal = serde_json::json!({"properties": {"name": {}, "last_activity": {}}});
        assert_eq!(
            only_identifier(&doc, &terminal),
            Some(vec!["name".to_owned()])
        );
        let two = serde_json::json!({"properties": {"name": {}, "owner_id": {}}});
        assert_eq!(only_identifier(&doc, &two), None, "two candidates: none");
        let none = serde_json::json!({"properties": {"last_activity": {}}});
        assert_eq!(only_identifier(&doc, &none), None);
    }
}
