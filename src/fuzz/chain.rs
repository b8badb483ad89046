//! Stateful chains: operations on a resource (`/servers/{server_id}`) reached with a real id.
//! [`Chains`] reads the spec's lifecycles ([`crate::init::chain`]: `links`, a `Location`
//! header, or an id-shaped response field) and, once a generated create has succeeded, makes a
//! [`Chained`] prefix for the cases of the operations on what it creates: the create (the
//! request that worked), the capture of the id, and the delete in `finally`. Creates that the
//! fuzzing itself sends are deleted after them ([`Chains::cleanup`]).

use serde_json::Value;

use super::case::{Request, not_a_server_error, step_of};
use crate::init::Doc;
use crate::init::chain::{Lifecycle, lifecycles, success_key};
use crate::init::draft::status_value;
use crate::init::emit::DraftStep;
use crate::run::ResponseRecord;
use crate::scenario::Capture;
use crate::spec::ApiSpec;

/// The create, capture and delete that put a real id in a case's path.
#[derive(Debug, Clone)]
pub struct Chained {
    /// The path parameter the id fills, and the variable it is captured into.
    pub param: String,
    pub var: String,
    create: DraftStep,
    /// Another operation on the resource, between the create and the case.
    before: Option<DraftStep>,
    delete: Option<DraftStep>,
}

impl Chained {
    /// The steps before the case: the create, and the operation after it if any.
    pub fn steps_before(&self) -> Vec<DraftStep> {
        std::iter::once(self.create.clone())
            .chain(self.before.clone())
            .collect()
    }

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
}

impl Chains {
    pub fn new(spec: &ApiSpec, doc: &Doc) -> Chains {
        let lifecycles = lifecycles(spec, doc);
        let worked = vec![None; lifecycles.len()];
        Chains {
            lifecycles,
            worked,
            steps: Default::default(),
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
        let path_of = &spec.operations[op].path;
        let (i, l) = self.lifecycles.iter().enumerate().find(|(_, l)| {
            let item = l.item_path();
            l.members.contains(&op)
                || l.delete == Some(op)
                // Under the item (`/servers/{server_id}/action`): acts on one that exists.
                || path_of
                    .strip_prefix(&item)
                    .is_some_and(|rest| rest.starts_with('/'))
        })?;
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
        create.captures = vec![(l.var.clone(), l.capture.clone(), l.why.clone())];
        let on_item = |i: usize| {
            let item = l.item_path();
            let p = &spec.operations[i].path;
            *p == item || p.strip_prefix(&item).is_some_and(|r| r.starts_with('/'))
        };
        let between: Vec<(&usize, &Request)> = self
            .steps
            .iter()
            .filter(|(i, _)| **i != op && **i != l.create && on_item(**i))
            .collect();
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
                    "a valid request: any documented status but a server error".into(),
                ));
                step
            }),
        };
        let delete = l.delete.filter(|d| *d != op).map(|d| {
            let delete_op = &spec.operations[d];
            let mut request = Request {
                path: path.to_vec(),
                ..Request::default()
            };
            request
                .path
                .retain(|(n, _)| delete_op.params_in("path").any(|p| p.name == *n));
            let mut step = step_of(delete_op, &request, Some(&l.param));
            for line in &mut step.path {
                if line.key == l.param {
                    line.value = Value::String(format!("${{{}}}", l.var));
                }
            }
            step.name = format!("delete what the case acted on ({})", delete_op.id);
            step.status = Some((
                not_a_server_error(delete_op),
                "clean-up: gone or already going".into(),
            ));
            step
        });
        Some(Chained {
            param: l.param.clone(),
            var: l.var.clone(),
            create,
            before,
            delete,
        })
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
        let id = captured(&l.capture, response)?;
        let delete_op = &spec.operations[delete];
        let mut path: Vec<(String, Value)> = request
            .path
            .iter()
            .filter(|(n, _)| delete_op.params_in("path").any(|p| p.name == *n))
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

/// What `capture` takes from a recorded response (body as recorded, headers redacted).
fn captured(capture: &Capture, r: &ResponseRecord) -> Option<Value> {
    match capture {
        Capture::Pointer(p) | Capture::Body { body: p } => {
            let json: Value = serde_json::from_str(&r.body).ok()?;
            json.pointer(p).cloned()
        }
        Capture::Header {
            header,
            last_segment,
        } => {
            let value = r
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(header))
                .map(|(_, v)| v.as_str())?;
            let value = if *last_segment {
                value
                    .split(['?', '#'])
                    .next()?
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()?
            } else {
                value
            };
            Some(Value::String(value.to_owned()))
        }
    }
}
