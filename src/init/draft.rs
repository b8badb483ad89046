//! From a spec to [`Draft`]s: the lifecycle scenarios ([`super::chain`]) and one scenario per
//! operation they leave out, each request filled from the spec's examples or the schema
//! ([`super::values`]).

use crate::openapi::ParamIn;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::chain::{self, Lifecycle};
use super::emit::{Draft, DraftStep, Line};
use super::raw::{Doc, compiled, json_media};
use super::values::{self, Filled, Origin};
use crate::openapi::{ApiSpec, Operation};

/// Headers the target's credentials and the client set: a scenario never writes them.
const MANAGED_HEADERS: &[&str] = &["authorization", "content-type", "accept", "content-length"];

/// What a scenario is written to: a file name (without folder) and its draft.
pub struct Planned {
    pub file: String,
    pub draft: Draft,
}

/// An operation no scenario is written for, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The operation's id.
    pub operation: String,
    /// Why it has no scenario.
    pub why: String,
}

/// The tag of a scenario that needs a value it cannot create (an id in a path no operation of
/// the spec makes): written with `needs:`, the user gives it under `vars:` or with `--var`.
pub const NEEDS_VAR: &str = "needs-var";

pub fn drafts(spec: &ApiSpec, doc: &Doc) -> (Vec<Planned>, Vec<Skipped>) {
    let lifecycles = chain::lifecycles(spec, doc);
    let mut covered = vec![false; spec.operations.len()];
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for l in &lifecycles {
        // A collection whose create already runs in an earlier lifecycle is not a second one.
        if covered[l.create] {
            continue;
        }
        covered[l.create] = true;
        for i in l.members.iter().chain(&l.delete) {
            covered[*i] = true;
        }
        out.push(Planned {
            file: format!("{}-lifecycle.yaml", kebab(&l.noun())),
            draft: lifecycle(spec, doc, l, &parents(&lifecycles, &l.collection)),
        });
    }
    for (i, op) in spec.operations.iter().enumerate() {
        if covered[i] {
            continue;
        }
        // An operation below an item a lifecycle creates (`/todos/{id}/done`) runs on a new one,
        // its parents first; an update of the collection naming the item in its body (`PUT
        // /pet` with `{"id": ...}`) too.
        let mut made = parents(&lifecycles, &op.path);
        let by_body = body_target(doc, &lifecycles, op);
        if let Some((l, _)) = by_body {
            made = parents(&lifecycles, &l.collection);
            made.push(l);
        }
        let draft = single(
            spec,
            doc,
            op,
            &made,
            by_body.map(|(l, f)| (f, l.var.as_str())),
        );
        if op.method == "DELETE" && !draft.vars.is_empty() {
            // A delete of something the scenario did not make would act on the user's data.
            skipped.push(Skipped {
                operation: op.id.clone(),
                why: "it would delete a resource the scenario does not create (its id would \
                      come from a variable); write it by hand if you mean it"
                    .into(),
            });
            continue;
        }
        out.push(Planned {
            file: format!("{}.yaml", kebab(&op.id)),
            draft,
        });
    }
    dedupe_files(&mut out);
    for p in &mut out {
        if !p.draft.vars.is_empty() {
            // A made-up id would be sent and 404: the scenario needs a real one, and waits
            // (skipped, saying so) until it has one; the value is left as a commented hint.
            // A free parameter (`/status/{codes}`, `/api/config/{section_name}`) keeps its
            // generated value: any well-formed one is a request a user could send.
            let (wanted, free) = std::mem::take(&mut p.draft.vars)
                .into_iter()
                .partition(|l| !chosen(l) && id_like(spec, doc, &l.key));
            p.draft.vars = free;
            p.draft.needs = wanted.iter().map(|l: &Line| l.key.clone()).collect();
            p.draft.placeholders = wanted;
            if !p.draft.needs.is_empty() {
                p.draft.tags.push(NEEDS_VAR.into());
            }
        }
        if needs_credentials(spec, doc, &p.draft) {
            p.draft.needs.push(crate::plan::NEEDS_CREDENTIALS.into());
        }
        let slug = p.file.trim_end_matches(".yaml").to_owned();
        // An id the scenario chooses is its own: the run's id and the scenario's, in letters
        // and digits (it is a path segment).
        let own: String = slug
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(24)
            .collect();
        for l in p.draft.vars.iter_mut().filter(|l| chosen(l)) {
            l.value = json!(format!("{CHOSEN}{own}"));
        }
        super::unique::unique_names(spec, doc, &mut p.draft, &slug);
    }
    (out, skipped)
}

/// Whether the path parameter behind variable `var` names a resource that must exist: an `id`,
/// a name ending in `id` (`kernel_id`, `petId`), or a `uuid` format. Such a value cannot be
/// made up; a name or a code can.
fn id_like(spec: &ApiSpec, doc: &Doc, var: &str) -> bool {
    let lower = var.to_ascii_lowercase();
    if lower == "id" || lower.ends_with("_id") || (var.ends_with("Id") && var.len() > 2) {
        return true;
    }
    spec.operations.iter().any(|op| {
        op.params_in(ParamIn::Path)
            .filter(|p| chain::ident(&p.name) == var)
            .any(|p| {
                let schema = param_schema(doc, op, &p.name, ParamIn::Path);
                schema.get("format").and_then(Value::as_str) == Some("uuid")
            })
    })
}

/// Whether a step of `d` calls an operation that documents 401 or 403, or a 4xx described as
/// failed authentication (httpbin's `/hidden-basic-auth` answers 404 "Unsuccessful
/// authentication."), while the spec declares no security scheme for it: its success needs a
/// credential conform cannot know of, so the scenario waits for the target to send one.
fn needs_credentials(spec: &ApiSpec, doc: &Doc, d: &Draft) -> bool {
    let refused = |op: &Operation, key: &str| {
        let described = doc
            .response(op, key)
            .and_then(|r| r.get("description"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .is_some_and(|t| t.contains("authenticat") || t.contains("authoriz"));
        key == "401" || key == "403" || (key.starts_with('4') && described)
    };
    d.steps.iter().chain(&d.finally).any(|s| {
        spec.operations.iter().any(|op| {
            op.id == s.call
                && op.security.is_empty()
                && op.responses.iter().any(|r| refused(op, &r.key))
        })
    })
}

/// The lifecycles whose items `path` lies below (or is, for a PUT create), outermost first (`/tenants/{t}` before
/// `/tenants/{t}/databases/{d}` for `/tenants/{t}/databases/{d}/tables`).
fn parents<'a>(lifecycles: &'a [Lifecycle], path: &str) -> Vec<&'a Lifecycle> {
    let mut found: Vec<&Lifecycle> = Vec::new();
    for l in lifecycles {
        let item = l.item_path();
        // An operation on the item of a PUT create that is not in its lifecycle (jupyter's
        // `POST /api/contents/{path}`, which makes a file inside a folder) acts on a new one too.
        let on_it = path == item && l.capture.is_none();
        let below = path.starts_with(&format!("{item}/")) || on_it;
        if below && !found.iter().any(|f| f.item_path() == item) {
            found.push(l);
        }
    }
    found.sort_by_key(|l| l.item_path().len());
    found
}

/// A PUT or PATCH on a lifecycle's collection whose body carries the field the id is captured
/// from (Petstore's `PUT /pet` with `{"id": 10, ...}`): that lifecycle and the field.
fn body_target<'a>(
    doc: &Doc,
    lifecycles: &'a [Lifecycle],
    op: &Operation,
) -> Option<(&'a Lifecycle, String)> {
    if !matches!(op.method.as_str(), "PUT" | "PATCH") {
        return None;
    }
    let path = op.path.trim_end_matches('/');
    let schema = compiled::body(op).or_else(|| doc.request_media(op)?.get("schema"))?;
    let fields = chain::properties(doc, schema);
    lifecycles.iter().find_map(|l| {
        let Some(crate::scenario::Capture::Pointer(ptr)) = &l.capture else {
            return None;
        };
        let field = ptr.strip_prefix('/').filter(|f| !f.contains('/'))?;
        (l.collection == path && fields.iter().any(|f| f == field)).then(|| (l, field.to_owned()))
    })
}

/// Creates each of `chain` in order, its id bound for the next; the deletes that undo them, the
/// innermost first, for `finally`.
fn create_chain(
    spec: &ApiSpec,
    doc: &Doc,
    chain: &[&Lifecycle],
    d: &mut Draft,
    bound: &mut BTreeMap<String, String>,
) -> Vec<DraftStep> {
    for l in chain {
        let s = creating(doc, &spec.operations[l.create], l, &mut d.vars, bound);
        d.steps.push(s);
        bound.insert(l.param.clone(), l.var.clone());
    }
    chain
        .iter()
        .rev()
        .filter_map(|l| l.delete)
        .map(|i| step(doc, &spec.operations[i], &mut d.vars, bound))
        .collect()
}

fn lifecycle(spec: &ApiSpec, doc: &Doc, l: &Lifecycle, parents: &[&Lifecycle]) -> Draft {
    let noun = l.noun();
    let create = &spec.operations[l.create];
    let mut d = Draft {
        name: format!("a {noun} is created, used and deleted"),
        api: spec.name.clone(),
        tags: vec!["lifecycle".into()],
        notes: notes(&format!(
            "The {noun} lifecycle: {}{}.",
            create.id,
            l.members
                .iter()
                .chain(&l.delete)
                .map(|i| format!(", {}", spec.operations[*i].id))
                .collect::<String>()
        )),
        ..Draft::default()
    };
    let mut bound = BTreeMap::new();
    let undo_parents = create_chain(spec, doc, parents, &mut d, &mut bound);
    d.steps.push(creating(doc, create, l, &mut d.vars, &bound));
    bound.insert(l.param.clone(), l.var.clone());
    for i in &l.members {
        let op = &spec.operations[*i];
        let mut s = step(doc, op, &mut d.vars, &bound);
        same_item(&mut s, l);
        if op.method == "GET" {
            s.expect_body = echo(doc, op, l);
        }
        d.steps.push(s);
    }
    d.finally = l
        .delete
        .map(|i| step(doc, &spec.operations[i], &mut d.vars, &bound))
        .into_iter()
        .chain(undo_parents)
        .collect();
    d
}

/// One operation, on new resources where `made` is not empty (created in order, deleted in
/// `finally`); `by_body` names the body field the last one's id goes into, and its variable.
fn single(
    spec: &ApiSpec,
    doc: &Doc,
    op: &Operation,
    made: &[&Lifecycle],
    by_body: Option<(String, &str)>,
) -> Draft {
    let mut d = Draft {
        name: format!("{} answers as documented", op.id),
        api: spec.name.clone(),
        notes: notes(&format!("{} {} ({}).", op.method, op.path, op.id)),
        ..Draft::default()
    };
    let mut bound = BTreeMap::new();
    if let Some(l) = made.last() {
        d.name = format!("{} answers as documented on a new {}", op.id, l.noun());
    }
    d.finally = create_chain(spec, doc, made, &mut d, &mut bound);
    let mut s = step(doc, op, &mut d.vars, &bound);
    if let (Some((field, var)), Some(body)) = (by_body, s.body.as_mut())
        && let Some(fields) = body.value.as_object_mut()
    {
        fields.insert(field.clone(), json!(format!("${{{var}}}")));
        let was = body.comment.take().unwrap_or_default();
        body.comment = Some(format!("{was}; `{field}` is the one created above"));
    }
    d.steps.push(s);
    d
}

fn notes(what: &str) -> Vec<String> {
    vec![
        format!("Written by `conform init` from the spec. {what}"),
        "Edit it freely: `conform init` never overwrites a file that exists.".into(),
    ]
}

/// The create step, with the capture that feeds the rest.
fn creating(
    doc: &Doc,
    create: &Operation,
    l: &Lifecycle,
    vars: &mut Vec<Line>,
    bound: &BTreeMap<String, String>,
) -> DraftStep {
    let mut chosen = bound.clone();
    if l.capture.is_none() {
        // The id is the scenario's own: a new one per run (its slug is added with the others'
        // names, see `drafts`), letters and digits as `values` makes every name.
        vars.push(Line {
            key: l.var.clone(),
            value: json!(CHOSEN),
            comment: Some(l.why.clone()),
        });
        chosen.insert(l.param.clone(), l.var.clone());
    }
    let mut s = step(doc, create, vars, &chosen);
    s.name = format!("create a {}", l.noun());
    if l.capture.is_none() {
        // The body names the item as its path does, where it has such a field.
        same_item(&mut s, l);
        // A PUT that also updates documents 200 too: a new name is the create's 201.
        s.status = Some((
            json!(201),
            "the spec's documented status of a create".into(),
        ));
    }
    if let Some(capture) = &l.capture {
        s.captures
            .push((l.var.clone(), capture.clone(), l.why.clone()));
    }
    s
}

/// Whether `l` is the id a PUT create chooses (see [`chain::CHOSEN_WHY`]).
fn chosen(l: &Line) -> bool {
    l.comment.as_deref() == Some(chain::CHOSEN_WHY)
}

/// The value of an id a scenario chooses, before its slug is added.
const CHOSEN: &str = "conform${run.id}";

/// An update whose body names the item like its path does (jupyter's `PATCH
/// /api/contents/{path}` with `{"path": ...}`, a rename) keeps it: the same value, so the
/// steps after it and the delete in `finally` still find the item.
fn same_item(s: &mut DraftStep, l: &Lifecycle) {
    let Some(body) = s.body.as_mut() else { return };
    let Some(field) = body.value.as_object_mut().and_then(|o| o.get_mut(&l.param)) else {
        return;
    };
    *field = json!(format!("${{{}}}", l.var));
    let was = body.comment.take().unwrap_or_default();
    body.comment = Some(format!("{was}; `{}` is the item's own, kept", l.param));
}

/// `{id: "${todo_id}"}` for a read whose answer has the field the id was captured from.
fn echo(doc: &Doc, op: &Operation, l: &Lifecycle) -> Option<Value> {
    let Some(crate::scenario::Capture::Pointer(ptr)) = &l.capture else {
        return None;
    };
    let field = ptr.strip_prefix('/').filter(|f| !f.contains('/'))?;
    let key = chain::success_key(op)?;
    let schema = compiled::response(op, key).or_else(|| {
        doc.response(op, key)?
            .get("content")
            .and_then(json_media)?
            .get("schema")
    })?;
    chain::properties(doc, schema)
        .iter()
        .any(|p| p == field)
        .then(|| json!({field: format!("${{{}}}", l.var)}))
}

/// The required (or exemplified) query and header parameters of `op` into `s`. A querystring
/// parameter (the whole query string, OpenAPI 3.2) goes under `query:` by its name, as an
/// object.
fn query_and_headers(doc: &Doc, op: &Operation, s: &mut DraftStep) {
    for location in [ParamIn::Query, ParamIn::Querystring, ParamIn::Header] {
        for p in op.params_in(location) {
            if location == ParamIn::Header
                && MANAGED_HEADERS.contains(&p.name.to_ascii_lowercase().as_str())
            {
                continue;
            }
            let has_example = doc
                .param(op, &p.name, location)
                .is_some_and(|raw| !doc.examples_of(raw).is_empty());
            if !p.required && !has_example {
                continue;
            }
            let f = param_value(doc, op, &p.name, location);
            let lines = match location {
                ParamIn::Header => &mut s.headers,
                _ => &mut s.query,
            };
            lines.push(Line {
                key: p.name.clone(),
                value: f.value,
                comment: Some(f.origin.comment().into()),
            });
        }
    }
}

/// One call of `op`: path parameters from `bound` (captured) or shared `vars`, required query
/// and header parameters, the body, and the documented success status.
fn step(
    doc: &Doc,
    op: &Operation,
    vars: &mut Vec<Line>,
    bound: &BTreeMap<String, String>,
) -> DraftStep {
    let mut s = DraftStep {
        name: op.id.clone(),
        call: op.id.clone(),
        ..DraftStep::default()
    };
    for p in op.params_in(ParamIn::Path) {
        let value = match bound.get(&p.name) {
            Some(var) => Line {
                key: p.name.clone(),
                value: json!(format!("${{{var}}}")),
                comment: Some("the one created above".into()),
            },
            None => {
                let var = chain::ident(&p.name);
                if !vars.iter().any(|v| v.key == var) {
                    let f = param_value(doc, op, &p.name, ParamIn::Path);
                    vars.push(Line {
                        key: var.clone(),
                        value: f.value,
                        comment: Some(format!(
                            "path parameter `{}`: {}; no operation here creates one: \
                             uncomment and name an existing one (or pass --var {var}=VALUE)",
                            p.name,
                            f.origin.comment()
                        )),
                    });
                }
                Line {
                    key: p.name.clone(),
                    value: json!(format!("${{{var}}}")),
                    comment: None,
                }
            }
        };
        s.path.push(value);
    }
    query_and_headers(doc, op, &mut s);
    if let Some(mut f) = body_value(doc, op) {
        let mut comment = f.origin.comment().to_owned();
        if f.origin != Origin::Example {
            for field in answer_enums(doc, op, &mut f.value) {
                comment.push_str(&format!("; `{field}` one the answer's schema allows"));
            }
        }
        s.body = Some(Line {
            key: String::new(),
            value: f.value,
            comment: Some(comment),
        });
    }
    s.status = status_of(op);
    s
}

/// The documented success status, as `expect.status` takes it; where the spec documents only
/// redirects (httpbin's `/redirect-to`, whatever the method), the lowest of them: the 3xx is the
/// answer the spec promises, and without it the step would wait for a 2xx that never comes.
pub fn status_of(op: &Operation) -> Option<(Value, String)> {
    if let Some(key) = chain::success_key(op) {
        return Some((
            status_value(key),
            "the spec's documented success status".into(),
        ));
    }
    let keys: Vec<&str> = op.responses.iter().map(|r| r.key.as_str()).collect();
    let redirect = |k: &&str| k.starts_with('3') && k.len() == 3;
    if keys.is_empty() || !keys.iter().all(redirect) {
        return None;
    }
    let key = keys.iter().min()?;
    Some((
        status_value(key),
        "the spec documents only this redirect".into(),
    ))
}

/// A response key as `expect.status` takes it: `201`, or a class `2xx`.
pub(crate) fn status_value(key: &str) -> Value {
    match key.parse::<u16>() {
        Ok(n) => json!(n),
        Err(_) => json!(key.to_ascii_lowercase()),
    }
}

fn param_value(doc: &Doc, op: &Operation, name: &str, location: ParamIn) -> Filled {
    let raw = doc.param(op, name, location);
    if let Some((_, v)) = raw.and_then(|r| doc.examples_of(r).into_iter().next()) {
        return Filled {
            value: values::escape(v),
            origin: Origin::Example,
        };
    }
    values::fill(doc, &param_schema(doc, op, name, location))
}

/// A parameter's schema as the loader resolved it, else as written, else `{}`.
pub fn param_schema(doc: &Doc, op: &Operation, name: &str, location: ParamIn) -> Value {
    compiled::param(op, name, location)
        .or_else(|| doc.param(op, name, location)?.get("schema"))
        .cloned()
        .unwrap_or(json!({}))
}

/// Top-level fields of a generated body that the request's schema leaves free (a plain string)
/// while a success answer's schema names their values (an `enum`): they take the first of
/// those, as the answer describes the same resource (jupyter's `PUT /api/contents/{path}`
/// takes any `type`, its answer's `Contents.type` is `directory`, `file` or `notebook`, and the
/// server refuses anything else). The fields changed.
fn answer_enums(doc: &Doc, op: &Operation, value: &mut Value) -> Vec<String> {
    let Some(fields) = value.as_object_mut() else {
        return Vec::new();
    };
    let prop = |schema: Option<&Value>, name: &str| -> Option<Value> {
        let schema = doc.resolve(schema?);
        let p = schema.get("properties")?.get(name)?;
        Some(doc.resolve(p).clone())
    };
    let request = compiled::body(op).or_else(|| doc.request_media(op)?.get("schema"));
    // Every documented 2xx: a PUT documents its update's 200 and its create's 201.
    let answers: Vec<&Value> = op
        .responses
        .iter()
        .filter(|r| r.key.starts_with('2'))
        .filter_map(|r| {
            compiled::response(op, &r.key).or_else(|| {
                doc.response(op, &r.key)?
                    .get("content")
                    .and_then(json_media)?
                    .get("schema")
            })
        })
        .collect();
    let mut changed = Vec::new();
    for (name, v) in fields.iter_mut() {
        let free = prop(request, name).is_some_and(|p| {
            ![
                "enum", "const", "example", "examples", "default", "format", "pattern",
            ]
            .iter()
            .any(|k| p.get(k).is_some())
        });
        let allowed = answers.iter().find_map(|a| {
            prop(Some(a), name)?
                .get("enum")
                .and_then(Value::as_array)?
                .first()
                .cloned()
        });
        if let (true, Some(first)) = (free, allowed) {
            *v = values::escape(first);
            changed.push(name.clone());
        }
    }
    changed
}

/// The JSON body to send: the media type's first example, else one made from its schema; none
/// for an operation without a JSON body, or an optional one on a method that rarely has one or
/// that would need a made-up required property.
fn body_value(doc: &Doc, op: &Operation) -> Option<Filled> {
    let body = op.request_body.as_ref()?;
    // A Swagger 2.0 spec has no `requestBody` as written: the loaded body's schema serves.
    let media = doc.request_media(op);
    if let Some((_, v)) = media.and_then(|m| doc.examples_of(m).into_iter().next()) {
        return Some(Filled {
            value: values::escape(v),
            origin: Origin::Example,
        });
    }
    if !body.required && !matches!(op.method.as_str(), "POST" | "PUT" | "PATCH" | "QUERY") {
        return None;
    }
    let schema = compiled::body(op).or_else(|| media?.get("schema"))?;
    let filled = values::fill(doc, schema);
    // An optional body is sent (a user's happy path sends one), except where it would carry a
    // required property init can only make up: such a property usually names something the
    // server has (jupyter's `POST /api/kernels` `{"name": <kernel spec>}`), and an invented
    // name fails where the server's default, which an optional body leaves it, works.
    let invented =
        filled.origin != Origin::Example && !values::required(doc.resolve(schema)).is_empty();
    (body.required || !invented).then_some(filled)
}

/// `createTodo` -> `create-todo`.
pub fn kebab(text: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else {
            if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "operation".into()
    } else {
        out
    }
}

/// Two operations that kebab alike (`getTODO`, `get-todo`) get `-2`, `-3`...
fn dedupe_files(out: &mut [Planned]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for p in out.iter_mut() {
        let n = seen.entry(p.file.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let stem = p.file.trim_end_matches(".yaml").to_owned();
            p.file = format!("{stem}-{n}.yaml");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kebab;

    #[test]
    fn file_names_are_kebab_case() {
        assert_eq!(kebab("createTodo"), "create-todo");
        assert_eq!(kebab("list_all.items"), "list-all-items");
        assert_eq!(kebab("GET"), "get");
        assert_eq!(kebab("---"), "operation");
    }
}
