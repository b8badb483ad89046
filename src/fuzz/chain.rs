//! Stateful chains: operations on a resource (`/servers/{server_id}`) reached with a real id.
//! [`Chains`] reads the spec's lifecycles (`init::chain`: `links`, a `Location`
//! header, or an id-shaped response field) and, once a generated create has succeeded, makes a
//! [`Chained`] prefix for the cases of the operations on what it creates: the create (the
//! request that worked), the capture of the id, and the delete in `finally`. Creates that the
//! fuzzing itself sends are deleted after them ([`Chains::cleanup`]).

use crate::openapi::ParamIn;
use serde_json::Value;

use super::case::{Request, not_a_server_error, step_of};
use super::settle::{ProbeKey, Settled};
use crate::init::Doc;
use crate::init::chain::{Lifecycle, lifecycles, success_key};
use crate::init::draft::status_value;
use crate::init::emit::DraftStep;
use crate::openapi::ApiSpec;
use crate::run::ResponseRecord;
use crate::scenario::Capture;

/// The create, capture and delete that put a real id in a case's path.
#[derive(Debug, Clone)]
pub struct Chained {
    /// The item's path parameter the id fills (`server_id`).
    pub param: String,
    /// The scenario variable the created id is captured into.
    pub var: String,
    /// The create, a wait for it to settle, another operation on the resource and a wait for
    /// that one, as the chain has them.
    before: Vec<DraftStep>,
    delete: Option<DraftStep>,
}

impl Chained {
    /// The steps before the case: the create, and the operation after it if any, each
    /// followed by a wait for the resource to settle when it does not at once.
    pub fn steps_before(&self) -> Vec<DraftStep> {
        self.before.clone()
    }

    /// The delete of the created resource, for the case's `finally`; `None` when the spec has none.
    pub fn delete_step(&self) -> Option<DraftStep> {
        self.delete.clone()
    }
}

/// The lifecycles of one API and the requests that worked.
pub struct Chains {
    lifecycles: Vec<Lifecycle>,
    /// By lifecycle: a create request that got its success status.
    worked: Vec<Option<Request>>,
    /// By operation: a valid request that got a success status, to put a resource in the state
    /// it leaves (a delete that soft-deletes, before a restore).
    steps: std::collections::BTreeMap<usize, Request>,
    /// What each chain shape settles to (`settle`).
    pub settled: Settled,
}

/// What `settle::probe` runs: the create, the read of the item, the operation after
/// the create if any, and the delete that cleans up.
pub struct ProbePlan {
    /// Index of the create in the spec's operations.
    pub create: usize,
    /// A create request that got its success status.
    pub create_request: Request,
    /// The item's path parameter the created id fills (`todoId`).
    pub param: String,
    /// Index of the read of the item (its GET) in the spec's operations.
    pub read: usize,
    /// The read's request: the path parameters it shares with the create, and the id left
    /// `null` to fill.
    pub read_request: Request,
    /// The operation run on the item after the create (index, a request that worked); `None` for
    /// the create alone.
    pub before: Option<(usize, Request)>,
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
            steps: Default::default(),
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

    /// Remembers a request of `op` that got a success status (the first one wins).
    pub fn worked(&mut self, op: usize, request: &Request) {
        if let Some(i) = self.created_by(op)
            && self.worked[i].is_none()
        {
            self.worked[i] = Some(request.clone());
        }
        self.steps.entry(op).or_insert_with(|| request.clone());
    }

    /// The chain for a case of `op`, when `op` acts on what a lifecycle creates and a create of
    /// it worked. `path` is the case's own path parameters: those the create shares (an account
    /// id) take the case's values.
    ///
    /// `turn` varies the chain: the operation right after the create, or after another
    /// operation on the same resource that worked earlier (each in turn), so states only a
    /// sequence reaches (create, delete, restore) are tried too.
    pub fn for_operation(
        &self,
        spec: &ApiSpec,
        op: usize,
        path: &[(String, Value)],
        turn: usize,
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
        let between: Vec<(&usize, &Request)> = self
            .steps
            .iter()
            .filter(|(j, _)| **j != op && **j != l.create && on_item(spec, l, **j))
            .collect();
        let before_op = match turn % (between.len() + 1) {
            0 => None,
            k => between.get(k - 1).map(|(i, _)| **i),
        };
        let before = match turn % (between.len() + 1) {
            0 => None,
            k => between.get(k - 1).map(|(i, request)| {
                let before_op = &spec.operations[**i];
                let mut request = (*request).clone();
                for (name, value) in &mut request.path {
                    if let Some((_, v)) = path.iter().find(|(n, _)| n == name) {
                        *value = v.clone();
                    }
                    if *name == l.param {
                        *value = Value::String(format!("${{{}}}", l.var));
                    }
                }
                let mut step = step_of(before_op, &request, Some(&l.param));
                step.name = format!("then {} (it worked earlier in the run)", before_op.id);
                step.status = Some((
                    not_a_server_error(before_op),
                    super::outcome::VALID_WHY.into(),
                ));
                step
            }),
        };
        let delete = l.delete.filter(|d| *d != op).map(|d| {
            let mut step = on_the_item(spec, l, d, path);
            step.name = format!("delete what the case acted on ({})", spec.operations[d].id);
            step.status = Some((
                not_a_server_error(&spec.operations[d]),
                "clean-up: gone or already going".into(),
            ));
            step
        });
        let wait = |key: ProbeKey| self.wait_step(spec, l, path, key);
        let mut steps = vec![create];
        steps.extend(wait((i, None)));
        if let Some(b) = before {
            steps.push(b);
            steps.extend(wait((i, before_op)));
        }
        Some(Chained {
            param: l.param.clone(),
            var: l.var.clone(),
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
        key: ProbeKey,
    ) -> Option<DraftStep> {
        let pattern = self.settled.after.get(&key)?;
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

    /// The chain shapes `op` may get that are not learned yet: its lifecycle's create alone,
    /// and followed by each other operation on the resource that worked.
    pub fn probes_for(&self, spec: &ApiSpec, op: usize) -> Vec<ProbeKey> {
        let Some((i, l)) = self.lifecycle_of(spec, op) else {
            return Vec::new();
        };
        if self.worked[i].is_none() || self.read_of(spec, l).is_none() {
            return Vec::new();
        }
        std::iter::once(None)
            .chain(
                self.steps
                    .keys()
                    .filter(|j| **j != op && **j != l.create && on_item(spec, l, **j))
                    .map(|j| Some(*j)),
            )
            .map(|b| (i, b))
            .filter(|k| !self.settled.after.contains_key(k))
            .collect()
    }

    /// What `settle::probe` runs for `key`.
    pub fn probe_plan(&self, spec: &ApiSpec, key: ProbeKey) -> Option<ProbePlan> {
        let (i, before) = key;
        let l = self.lifecycles.get(i)?;
        let create_request = self.worked[i].clone()?;
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
        Some(ProbePlan {
            create: l.create,
            create_request: create_request.clone(),
            param: l.param.clone(),
            read,
            read_request: shared(read, Request::default()),
            before: before.and_then(|b| Some((b, shared(b, self.steps.get(&b)?.clone())))),
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
