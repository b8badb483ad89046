//! Stateful chains: operations on a resource (`/servers/{server_id}`) reached with a real id.
//! [`Chains`] reads the spec's lifecycles (`init::chain`: `links`, a `Location`
//! header, or an id-shaped response field) and, once a generated create has succeeded, makes a
//! [`Chained`] prefix for the cases of the operations on what it creates: the create (the
//! request that worked, with a new idempotency key: `keys`), the capture of the id, then up to
//! [`DEPTH`] other requests on the resource that worked earlier in the run (a delete before a
//! restore), each followed by a wait for the resource to settle, and the delete in `finally`.
//! Several distinct requests that worked are kept per operation ([`Chains::worked`]: by their
//! enum and boolean values and the status they got), so a chain can put the resource in each
//! state they leave it in ([`Chains::sequences`]). Creates that the fuzzing itself sends are
//! deleted after them ([`Chains::cleanup`]).

use std::collections::BTreeMap;

use crate::openapi::{Operation, ParamIn};
use serde_json::Value;

use super::case::{Request, not_a_server_error, step_of};
use super::keys::{refresh_request, refresh_step};
use super::settle::{ProbeKey, Settled};
use crate::init::Doc;
use crate::init::chain::{Lifecycle, lifecycles, success_key};
use crate::init::draft::status_value;
use crate::init::emit::DraftStep;
use crate::openapi::ApiSpec;
use crate::run::ResponseRecord;
use crate::scenario::Capture;

/// One step between a create and a case: an operation (its index in the spec) and which of the
/// requests of it that worked ([`Chains::worked`]).
pub type Between = (usize, usize);

/// Steps between the create and the case, at most (create -> delete -> cancel-deletion needs
/// one; create -> stop -> soft-delete -> restore two).
pub const DEPTH: usize = 2;

/// Distinct requests that worked kept per operation.
const KEPT: usize = 4;

/// Sequences of two steps between tried for one operation, at most.
const PAIRS: usize = 12;

/// The create, capture and delete that put a real id in a case's path.
#[derive(Debug, Clone)]
pub struct Chained {
    /// The item's path parameter the id fills (`server_id`).
    pub param: String,
    /// The scenario variable the created id is captured into.
    pub var: String,
    /// The requests run between the create and the case.
    pub between: Vec<Between>,
    /// The create, a wait for it to settle, then each step between and a wait for it, as the
    /// chain has them.
    before: Vec<DraftStep>,
    delete: Option<DraftStep>,
}

impl Chained {
    /// The steps before the case: the create, and the operations after it if any, each
    /// followed by a wait for the resource to settle when it does not at once.
    pub fn steps_before(&self) -> Vec<DraftStep> {
        self.before.clone()
    }

    /// The delete of the created resource, for the case's `finally`; `None` when the spec has none.
    pub fn delete_step(&self) -> Option<DraftStep> {
        self.delete.clone()
    }
}

/// A request that got a success status, and the status.
#[derive(Debug, Clone)]
struct Worked {
    request: Request,
    status: u16,
}

/// The lifecycles of one API and the requests that worked.
pub struct Chains {
    lifecycles: Vec<Lifecycle>,
    /// By lifecycle: a create request that got its success status.
    worked: Vec<Option<Request>>,
    /// By operation: distinct valid requests that got a success status, to put a resource in
    /// the state each leaves it in (a delete that soft-deletes, before a restore).
    steps: BTreeMap<usize, Vec<Worked>>,
    /// What each chain shape settles to (`settle`).
    pub settled: Settled,
}

/// What `settle::probe` runs: the create, the read of the item, the operations after
/// the create if any, and the delete that cleans up.
pub struct ProbePlan {
    /// Index of the create in the spec's operations.
    pub create: usize,
    /// A create request that got its success status (with new idempotency keys).
    pub create_request: Request,
    /// The item's path parameter the created id fills (`todoId`).
    pub param: String,
    /// Index of the read of the item (its GET) in the spec's operations.
    pub read: usize,
    /// The read's request: the path parameters it shares with the create, and the id left
    /// `null` to fill.
    pub read_request: Request,
    /// The operations run on the item after the create, in order (index, a request that
    /// worked); empty for the create alone.
    pub before: Vec<(usize, Request)>,
    /// The delete that cleans up (index, request); `None` when the spec has none.
    pub delete: Option<(usize, Request)>,
}

impl Chains {
    /// The lifecycles of `spec` (`doc` is the same file as written, for its `links`), none
    /// of whose requests has worked yet.
    pub fn new(spec: &ApiSpec, doc: &Doc) -> Chains {
        // A PUT create (the client chooses the id, init's `put_creates`) is not chained here.
        let lifecycles: Vec<Lifecycle> = lifecycles(spec, doc)
            .into_iter()
            .filter(|l| l.capture.is_some())
            .collect();
        let worked = vec![None; lifecycles.len()];
        Chains {
            lifecycles,
            worked,
            steps: BTreeMap::new(),
            settled: Settled::default(),
        }
    }

    /// Operation indexes in the order to fuzz them: the creates first, so that the operations
    /// on what they create can be chained after a create that worked.
    pub fn order(&self, spec: &ApiSpec) -> Vec<usize> {
        let mut out: Vec<usize> = self.lifecycles.iter().map(|l| l.create).collect();
        out.dedup();
        for i in 0..spec.operations.len() {
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }

    /// The lifecycle whose create is `op`, if any.
    fn created_by(&self, op: usize) -> Option<usize> {
        self.lifecycles.iter().position(|l| l.create == op)
    }

    /// Whether what operation `op` creates has a delete in the spec; `None` when `op` is no
    /// create of a lifecycle (what it makes, if anything, is not known).
    pub fn has_delete(&self, op: usize) -> Option<bool> {
        self.created_by(op)
            .map(|i| self.lifecycles[i].delete.is_some())
    }

    /// Remembers a valid request of `op` that got the success status `status`: the first create
    /// of a lifecycle, and up to four requests per operation that differ from each other in
    /// the values of their enum and boolean parameters (and top-level body fields) or in their
    /// status: `deleteType=immediate` and `deleteType=protective` leave a resource in two
    /// different states, and a chain tries each.
    pub fn worked(&mut self, spec: &ApiSpec, op: usize, request: &Request, status: u16) {
        if let Some(i) = self.created_by(op)
            && self.worked[i].is_none()
        {
            self.worked[i] = Some(request.clone());
        }
        let operation = &spec.operations[op];
        let key = variant(operation, request, status);
        let kept = self.steps.entry(op).or_default();
        if kept.len() < KEPT
            && !kept
                .iter()
                .any(|w| variant(operation, &w.request, w.status) == key)
        {
            kept.push(Worked {
                request: request.clone(),
                status,
            });
        }
    }

    /// Whether a case of `op` can be chained: it acts on what a lifecycle creates, and a
    /// create of it worked.
    pub fn can_chain(&self, spec: &ApiSpec, op: usize) -> bool {
        self.lifecycle_of(spec, op)
            .is_some_and(|(i, _)| self.worked[i].is_some())
    }

    /// The requests that worked on `l`'s item which a chain may run between its create and a
    /// case of `op`: of operations other than `op` and the create, and only those that may
    /// change the resource (a GET or HEAD reads it).
    fn candidates(&self, spec: &ApiSpec, l: &Lifecycle, op: usize) -> Vec<Between> {
        self.steps
            .iter()
            .filter(|(j, _)| **j != op && **j != l.create && on_item(spec, l, **j))
            .filter(|(j, _)| !crate::openapi::is_safe(&spec.operations[**j].method))
            .flat_map(|(j, kept)| (0..kept.len()).map(move |k| (*j, k)))
            .collect()
    }

    /// The sequences of `depth` steps a chain for `op` may run between the create and the
    /// case: none (depth 0), each request that worked (1), or two of different operations
    /// (2, at most twelve); empty when `op` cannot be chained or no such sequence exists.
    pub fn sequences(&self, spec: &ApiSpec, op: usize, depth: usize) -> Vec<Vec<Between>> {
        let Some((_, l)) = self.lifecycle_of(spec, op) else {
            return Vec::new();
        };
        let c = self.candidates(spec, l, op);
        match depth {
            0 => vec![Vec::new()],
            1 => c.iter().map(|b| vec![*b]).collect(),
            _ => c
                .iter()
                .flat_map(|a| {
                    c.iter()
                        .filter(move |b| b.0 != a.0)
                        .map(move |b| vec![*a, *b])
                })
                .take(PAIRS)
                .collect(),
        }
    }

    /// The chain for a case of `op`, when `op` acts on what a lifecycle creates and a create of
    /// it worked. `path` is the case's own path parameters: those the create shares (an account
    /// id) take the case's values. `between` are the requests run after the create, in order
    /// (from [`Chains::sequences`]), each followed by a wait for what it settles to when that
    /// was learned; a request the chain replays gets new idempotency keys.
    pub fn for_operation(
        &self,
        spec: &ApiSpec,
        op: usize,
        path: &[(String, Value)],
        between: &[Between],
    ) -> Option<Chained> {
        let (i, l) = self.lifecycle_of(spec, op)?;
        let mut create_request = self.worked[i].clone()?;
        for (name, value) in &mut create_request.path {
            if let Some((_, v)) = path.iter().find(|(n, _)| n == name) {
                *value = v.clone();
            }
        }
        let create_op = &spec.operations[l.create];
        let mut create = step_of(create_op, &create_request, None);
        refresh_step(create_op, &mut create);
        create.name = format!("create what case acts on ({})", create_op.id);
        create.status = success_key(create_op).map(|k| {
            (
                status_value(k),
                "this request succeeded earlier in the run".into(),
            )
        });
        create.captures = l
            .capture
            .iter()
            .map(|c| (l.var.clone(), c.clone(), l.why.clone()))
            .collect();
        let mut steps = vec![create];
        steps.extend(self.wait_step(spec, l, path, &(i, Vec::new())));
        for (n, (j, k)) in between.iter().enumerate() {
            let worked = self.steps.get(j)?.get(*k)?;
            steps.push(between_step(spec, l, *j, &worked.request, path));
            steps.extend(self.wait_step(spec, l, path, &(i, between[..=n].to_vec())));
        }
        let delete = l.delete.filter(|d| *d != op).map(|d| {
            let mut step = on_the_item(spec, l, d, path);
            step.name = format!("delete what the case acted on ({})", spec.operations[d].id);
            step.status = Some((
                not_a_server_error(&spec.operations[d]),
                "clean-up: gone or already going".into(),
            ));
            step
        });
        Some(Chained {
            param: l.param.clone(),
            var: l.var.clone(),
            between: between.to_vec(),
            before: steps,
            delete,
        })
    }

    /// The lifecycle whose resource `op` acts on: one of its members, its delete, or an
    /// operation under its item (`/servers/{server_id}/action`).
    fn lifecycle_of(&self, spec: &ApiSpec, op: usize) -> Option<(usize, &Lifecycle)> {
        self.lifecycles
            .iter()
            .enumerate()
            .find(|(_, l)| l.members.contains(&op) || l.delete == Some(op) || on_item(spec, l, op))
    }

    /// The read of the item of `l` (its GET on `/things/{id}`), if the spec has one.
    fn read_of(&self, spec: &ApiSpec, l: &Lifecycle) -> Option<usize> {
        let item = l.item_path();
        l.members
            .iter()
            .copied()
            .find(|m| spec.operations[*m].method == "GET" && spec.operations[*m].path == item)
    }

    /// A step that polls the item until it shows what `key`'s chain settles to, when that was
    /// learned and differs from the first answer.
    fn wait_step(
        &self,
        spec: &ApiSpec,
        l: &Lifecycle,
        path: &[(String, Value)],
        key: &ProbeKey,
    ) -> Option<DraftStep> {
        let pattern = self.settled.after.get(key)?;
        if pattern.as_object().is_none_or(|m| m.is_empty()) {
            return None;
        }
        let read_index = self.read_of(spec, l)?;
        let read = &spec.operations[read_index];
        let mut step = on_the_item(spec, l, read_index, path);
        step.name = format!("wait until it settles ({})", read.id);
        step.status = Some((not_a_server_error(read), super::outcome::VALID_WHY.into()));
        step.until_body = Some((
            pattern.clone(),
            "what the resource settled to when conform fuzz tried this chain".into(),
        ));
        step.retry = Some(("100ms".into(), "10s".into()));
        Some(step)
    }

    /// The probes to run before chaining cases of `op` after each of `sequences`: one per
    /// sequence some prefix of which has not been learned yet, the longer first, none whose
    /// sequence begins a longer one's (a probe learns every prefix of its sequence).
    pub fn probes_for(
        &self,
        spec: &ApiSpec,
        op: usize,
        sequences: &[Vec<Between>],
    ) -> Vec<ProbeKey> {
        let Some((i, l)) = self.lifecycle_of(spec, op) else {
            return Vec::new();
        };
        if self.worked[i].is_none() || self.read_of(spec, l).is_none() {
            return Vec::new();
        }
        let mut sorted: Vec<&Vec<Between>> = sequences.iter().collect();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out: Vec<ProbeKey> = Vec::new();
        for seq in sorted {
            let unknown =
                (0..=seq.len()).any(|n| !self.settled.after.contains_key(&(i, seq[..n].to_vec())));
            if unknown && !out.iter().any(|(_, s)| s.starts_with(seq)) {
                out.push((i, seq.clone()));
            }
        }
        out
    }

    /// What `settle::probe` runs for `key`.
    pub fn probe_plan(&self, spec: &ApiSpec, key: &ProbeKey) -> Option<ProbePlan> {
        let (i, between) = key;
        let l = self.lifecycles.get(*i)?;
        let mut create_request = self.worked[*i].clone()?;
        refresh_request(&spec.operations[l.create], &mut create_request);
        let read = self.read_of(spec, l)?;
        let shared = |op: usize, mut r: Request| {
            r.path.retain(|(n, _)| {
                spec.operations[op]
                    .params_in(ParamIn::Path)
                    .any(|p| p.name == *n)
            });
            for (name, value) in &create_request.path {
                if !r.path.iter().any(|(n, _)| n == name)
                    && spec.operations[op]
                        .params_in(ParamIn::Path)
                        .any(|p| p.name == *name)
                {
                    r.path.push((name.clone(), value.clone()));
                }
            }
            if !r.path.iter().any(|(n, _)| *n == l.param) {
                r.path.push((l.param.clone(), Value::Null));
            }
            r
        };
        let mut before = Vec::new();
        for (j, k) in between {
            let mut request = self.steps.get(j)?.get(*k)?.request.clone();
            refresh_request(&spec.operations[*j], &mut request);
            before.push((*j, shared(*j, request)));
        }
        Some(ProbePlan {
            create: l.create,
            create_request: create_request.clone(),
            param: l.param.clone(),
            read,
            read_request: shared(read, Request::default()),
            before,
            delete: l.delete.map(|d| (d, shared(d, Request::default()))),
        })
    }

    /// The id a create answered, by the lifecycle's capture.
    pub fn created_id(&self, create: usize, result: &crate::run::ScenarioResult) -> Option<Value> {
        let l = &self.lifecycles[self.created_by(create)?];
        let response = result.steps.last()?.response.as_ref()?;
        captured(l.capture.as_ref()?, response)
    }

    /// The delete of what a create case made, when `op` is a create whose lifecycle has a
    /// delete and the response names the id: a one-step request, its path parameters those of
    /// the create plus the id.
    pub fn cleanup(
        &self,
        spec: &ApiSpec,
        op: usize,
        request: &Request,
        response: &ResponseRecord,
    ) -> Option<(usize, Request)> {
        let l = &self.lifecycles[self.created_by(op)?];
        let delete = l.delete?;
        let id = captured(l.capture.as_ref()?, response)?;
        let delete_op = &spec.operations[delete];
        let mut path: Vec<(String, Value)> = request
            .path
            .iter()
            .filter(|(n, _)| delete_op.params_in(ParamIn::Path).any(|p| p.name == *n))
            .cloned()
            .collect();
        path.push((l.param.clone(), id));
        Some((
            delete,
            Request {
                path,
                ..Request::default()
            },
        ))
    }
}

/// A step of `op` between a create and a case: `request` (which worked earlier in the run) on
/// the created item, with new idempotency keys.
fn between_step(
    spec: &ApiSpec,
    l: &Lifecycle,
    op: usize,
    request: &Request,
    path: &[(String, Value)],
) -> DraftStep {
    let o = &spec.operations[op];
    let mut request = request.clone();
    for (name, value) in &mut request.path {
        if let Some((_, v)) = path.iter().find(|(n, _)| n == name) {
            *value = v.clone();
        }
        if *name == l.param {
            *value = Value::String(format!("${{{}}}", l.var));
        }
    }
    if !request.path.iter().any(|(n, _)| *n == l.param) {
        let id = Value::String(format!("${{{}}}", l.var));
        request.path.push((l.param.clone(), id));
    }
    let mut step = step_of(o, &request, Some(&l.param));
    refresh_step(o, &mut step);
    step.name = format!("then {} (it worked earlier in the run)", o.id);
    step.status = Some((not_a_server_error(o), super::outcome::VALID_WHY.into()));
    step
}

/// What tells two requests of `op` that worked apart: the status they got, and the values (or
/// absence) of the parameters and top-level body fields that switch behaviour, an enum of two
/// values or more, or a boolean. An enum of one value (`x-acs-action: DeleteInstance`) switches
/// nothing.
fn variant(op: &Operation, r: &Request, status: u16) -> (u16, Vec<Option<Value>>) {
    let switch = |raw: &Value| {
        raw.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.len() >= 2)
            || raw.get("type").and_then(Value::as_str) == Some("boolean")
    };
    let mut values = Vec::new();
    for p in &op.params {
        if p.schema.as_ref().is_some_and(|s| switch(&s.raw)) {
            let list = match p.location {
                ParamIn::Path => &r.path,
                ParamIn::Query | ParamIn::Querystring => &r.query,
                ParamIn::Header | ParamIn::Cookie => &r.headers,
            };
            values.push(
                list.iter()
                    .find(|(n, _)| *n == p.name)
                    .map(|(_, v)| v.clone()),
            );
        }
    }
    let properties = super::cases::body_schema(op)
        .and_then(|s| s.raw.get("properties"))
        .and_then(Value::as_object);
    for (name, schema) in properties.into_iter().flatten() {
        if switch(schema) {
            values.push(r.body.as_ref().and_then(|b| b.get(name)).cloned());
        }
    }
    (status, values)
}

/// Whether operation `op` acts on `l`'s item: its path is the item's, or under it.
fn on_item(spec: &ApiSpec, l: &Lifecycle, op: usize) -> bool {
    let item = l.item_path();
    let p = &spec.operations[op].path;
    *p == item || p.strip_prefix(&item).is_some_and(|r| r.starts_with('/'))
}

/// A step of operation `op` on `l`'s item: the case's path parameters that `op` takes, the
/// item's own one the captured `${variable}`; no expectation yet.
fn on_the_item(spec: &ApiSpec, l: &Lifecycle, op: usize, path: &[(String, Value)]) -> DraftStep {
    let o = &spec.operations[op];
    let mut request = Request {
        path: path.to_vec(),
        ..Request::default()
    };
    request
        .path
        .retain(|(n, _)| o.params_in(ParamIn::Path).any(|p| p.name == *n));
    let mut step = step_of(o, &request, Some(&l.param));
    for line in &mut step.path {
        if line.key == l.param {
            line.value = Value::String(format!("${{{}}}", l.var));
        }
    }
    step
}

/// What `capture` takes from a recorded response (its body as recorded, headers redacted).
fn captured(capture: &Capture, r: &ResponseRecord) -> Option<Value> {
    let json: Option<Value> = serde_json::from_str(&r.body).ok();
    capture.take(json.as_ref(), &r.headers)
}
