//! The control layer of an Arazzo run, [`Machine`]: steps in order, success criteria judged,
//! outputs kept, `onSuccess`/`onFailure` actions (end, goto, retry) followed, nested and
//! depended-on workflows run. It sends nothing itself: each exchange goes through an
//! [`Exchange`] (the runner's, which applies every conform check), so this module needs no
//! HTTP. Every run is bounded: [`STEP_BUDGET`] steps in all, a retry by its limit.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::{Map, Value};

use super::expr;
use super::program::{Action, Call, Do, Program, Step};
use crate::openapi::ParamIn;
use crate::source::Pos;

/// How many steps one run may take in all (each goto or retry counts): a goto loop ends here.
pub const STEP_BUDGET: usize = 1000;

/// A boxed future, for the [`Exchange`] methods and the recursion of nested workflows.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One request to send, its values rendered.
#[derive(Debug, Clone)]
pub struct Request {
    /// The API (index in [`Program::apis`]).
    pub api: usize,
    /// The operation (index in that spec).
    pub op: usize,
    /// The step's id.
    pub step: String,
    /// Where the step starts and where its operation is named.
    pub pos: Pos,
    /// Where the operation is named.
    pub call_pos: Pos,
    /// Path parameters.
    pub path: Vec<(String, Value)>,
    /// Query parameters.
    pub query: Vec<(String, Value)>,
    /// Headers (cookies joined into `Cookie`).
    pub headers: Vec<(String, Value)>,
    /// The JSON body.
    pub body: Option<Value>,
    /// The step's `x-conform-*` switches.
    pub extras: super::program::Extras,
    /// Whether a success criterion of the step tests `$statusCode`: the workflow then says
    /// which status it expects (a 404 after a delete), and conform's default, a success, does
    /// not apply.
    pub status_judged: bool,
}

/// What came back of a request.
#[derive(Debug, Clone, Default)]
pub struct Exchanged {
    /// The URL sent to.
    pub url: String,
    /// The method.
    pub method: String,
    /// The status.
    pub status: u16,
    /// The response headers.
    pub headers: Vec<(String, String)>,
    /// The response body, when JSON.
    pub body: Option<Value>,
    /// The response body as text.
    pub text: Option<String>,
    /// Whether conform's own checks of the exchange passed.
    pub conforms: bool,
}

/// A failed expectation of the workflow: what, and where it is written.
#[derive(Debug, Clone)]
pub struct Failure {
    /// What did not hold, or had no value.
    pub message: String,
    /// Where the criterion or expression is written.
    pub pos: Pos,
}

/// How a [`Machine`] sends, waits and reports.
pub trait Exchange: Send {
    /// Sends `request` (with every check conform applies); `None` when no answer could be
    /// judged (the step's own findings say why).
    fn send(&mut self, request: Request) -> BoxFuture<'_, Option<Exchanged>>;
    /// The workflow's verdict on the last exchange: the criteria it failed (none: it met
    /// them), and whether a failure action (a retry, a goto) took over, so the failure is the
    /// workflow's way on, not the end of it.
    fn judged(&mut self, failures: Vec<Failure>, handled: bool);
    /// Waits `d` (a retry's `retryAfter`); true when the run was interrupted meanwhile.
    fn wait(&mut self, d: Duration) -> BoxFuture<'_, bool>;
    /// A failure of a step outside an exchange: an output the answer does not give.
    fn failed(&mut self, step: &str, failure: Failure);
    /// A fault of the workflow itself, not of the target: a request value with no value (an
    /// output no step declares, an input not given), the step budget spent by a goto loop.
    /// Nothing is proven by the run; by default it is reported as [`Exchange::failed`].
    fn broken(&mut self, step: &str, failure: Failure) {
        self.failed(step, failure);
    }
}

/// Runs a [`Program`].
pub struct Machine<'p> {
    program: &'p Program,
    inputs: HashMap<usize, Map<String, Value>>,
    step_outputs: HashMap<(usize, String), Map<String, Value>>,
    outputs: HashMap<usize, Map<String, Value>>,
    done: Vec<usize>,
    budget: usize,
}

impl<'p> Machine<'p> {
    /// A machine for `program`, the entry workflow given `inputs`.
    pub fn new(program: &'p Program, inputs: Map<String, Value>) -> Self {
        Machine {
            program,
            inputs: HashMap::from([(program.entry, inputs)]),
            step_outputs: HashMap::new(),
            outputs: HashMap::new(),
            done: Vec::new(),
            budget: STEP_BUDGET,
        }
    }

    /// Runs the entry workflow; true when it succeeded.
    pub async fn run(&mut self, ex: &mut dyn Exchange) -> bool {
        let entry = self.program.entry;
        self.workflow(entry, ex).await
    }

    /// The outputs of workflow `w`, once it has run.
    pub fn outputs(&self, w: usize) -> Option<&Map<String, Value>> {
        self.outputs.get(&w)
    }

    fn ctx<'a>(&'a self, w: usize, current: Option<&'a (Request, Exchanged)>) -> Ctx<'a> {
        Ctx {
            m: self,
            w,
            current,
        }
    }

    fn workflow<'a>(&'a mut self, w: usize, ex: &'a mut dyn Exchange) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let wf = &self.program.workflows[w];
            for &d in &wf.depends_on {
                if !self.done.contains(&d) && !self.workflow(d, ex).await {
                    return false;
                }
            }
            let mut retries: HashMap<usize, u32> = HashMap::new();
            let mut i = 0;
            while i < wf.steps.len() {
                if self.budget == 0 {
                    let message = format!(
                        "the workflow took {STEP_BUDGET} steps (gotos and retries included) and was stopped: a goto loop?"
                    );
                    ex.broken(
                        &wf.steps[i].id,
                        Failure {
                            message,
                            pos: wf.steps[i].pos,
                        },
                    );
                    return false;
                }
                self.budget -= 1;
                match self.step(w, i, &mut retries, ex).await {
                    Next::Step(j) => i = j,
                    Next::End(ok) => return self.finish(w, ok, ex),
                }
            }
            self.finish(w, true, ex)
        })
    }

    /// Records workflow `w`'s outputs when it succeeded.
    fn finish(&mut self, w: usize, ok: bool, ex: &mut dyn Exchange) -> bool {
        self.done.push(w);
        if !ok {
            return false;
        }
        let wf = &self.program.workflows[w];
        let mut out = Map::new();
        for (name, e, pos) in &wf.outputs {
            match expr::eval(e, &self.ctx(w, None)) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                }
                Err(err) => {
                    let message = format!("workflow output `{name}`: {}", err.reason);
                    ex.failed(&wf.id, Failure { message, pos: *pos });
                    return false;
                }
            }
        }
        self.outputs.insert(w, out);
        true
    }
}

/// What comes after a step.
enum Next {
    /// Run this step (an index of the workflow; past the end finishes it).
    Step(usize),
    /// The workflow ends, having succeeded or not.
    End(bool),
}

impl Machine<'_> {
    async fn step(
        &mut self,
        w: usize,
        i: usize,
        retries: &mut HashMap<usize, u32>,
        ex: &mut dyn Exchange,
    ) -> Next {
        let step = &self.program.workflows[w].steps[i];
        let (ok, current) = match step.call {
            Call::Workflow(nested) => {
                let inputs = match self.values(w, step, ex) {
                    Some(v) => v.into_iter().map(|(n, _, v)| (n, v)).collect(),
                    None => return Next::End(false),
                };
                self.inputs.insert(nested, inputs);
                let ok = self.workflow(nested, ex).await;
                let outs = self.outputs.get(&nested).cloned().unwrap_or_default();
                self.step_outputs.insert((w, step.id.clone()), outs);
                (ok, None)
            }
            Call::Operation { api, op } => {
                let Some(request) = self.request(w, step, api, op, ex) else {
                    return Next::End(false);
                };
                // No answer to judge (a transport failure, a dry run): the workflow ends here,
                // the step's own findings say why.
                let Some(got) = ex.send(request.clone()).await else {
                    ex.judged(Vec::new(), false);
                    return Next::End(false);
                };
                let current = (request, got);
                let failures = self.judge(w, step, &current);
                let ok = current.1.conforms && failures.is_empty();
                if ok {
                    ex.judged(failures, false);
                } else {
                    let action = self.decide(w, i, false, Some(&current), retries);
                    ex.judged(failures, handles(action.as_ref()));
                    return self.follow(i, false, action, ex).await;
                }
                (ok, Some(current))
            }
        };
        if ok && !self.keep_outputs(w, step, current.as_ref(), ex) {
            return Next::End(false);
        }
        let action = self.decide(w, i, ok, current.as_ref(), retries);
        self.follow(i, ok, action, ex).await
    }

    /// The step's success criteria that do not hold (or cannot be evaluated).
    fn judge(&self, w: usize, step: &Step, current: &(Request, Exchanged)) -> Vec<Failure> {
        let ctx = self.ctx(w, Some(current));
        let mut out = Vec::new();
        for (c, pos) in &step.criteria {
            let message = match c.holds(&ctx) {
                Ok(true) => continue,
                Ok(false) => format!("success criterion `{}` does not hold", c.describe()),
                Err(e) => format!(
                    "success criterion `{}`: {}: {}",
                    c.describe(),
                    e.expr,
                    e.reason
                ),
            };
            out.push(Failure { message, pos: *pos });
        }
        out
    }

    fn keep_outputs(
        &mut self,
        w: usize,
        step: &Step,
        current: Option<&(Request, Exchanged)>,
        ex: &mut dyn Exchange,
    ) -> bool {
        if step.outputs.is_empty() {
            return true;
        }
        let mut out = self
            .step_outputs
            .get(&(w, step.id.clone()))
            .cloned()
            .unwrap_or_default();
        for (name, e, pos) in &step.outputs {
            match expr::eval(e, &self.ctx(w, current)) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                }
                Err(err) => {
                    let message = format!("output `{name}`: {}: {}", err.expr, err.reason);
                    ex.failed(&step.id, Failure { message, pos: *pos });
                    return false;
                }
            }
        }
        self.step_outputs.insert((w, step.id.clone()), out);
        true
    }

    /// The action that applies after the step; a retry past its limit is none.
    fn decide(
        &self,
        w: usize,
        i: usize,
        ok: bool,
        current: Option<&(Request, Exchanged)>,
        retries: &mut HashMap<usize, u32>,
    ) -> Option<Do> {
        let wf = &self.program.workflows[w];
        let step = &wf.steps[i];
        let actions = match (ok, step.on_success.is_empty(), step.on_failure.is_empty()) {
            (true, false, _) => &step.on_success,
            (true, true, _) => &wf.success_actions,
            (false, _, false) => &step.on_failure,
            (false, _, true) => &wf.failure_actions,
        };
        let what = self.applicable(w, actions, current)?.what;
        if let Do::Retry { limit, .. } = what {
            let n = retries.entry(i).or_default();
            if *n >= limit {
                return None;
            }
            *n += 1;
        }
        Some(what)
    }

    /// Where `action` leads after step `i`.
    async fn follow(
        &mut self,
        i: usize,
        ok: bool,
        action: Option<Do>,
        ex: &mut dyn Exchange,
    ) -> Next {
        match action {
            None if ok => Next::Step(i + 1),
            None => Next::End(false),
            Some(Do::End) => Next::End(ok),
            Some(Do::GotoStep(j)) => Next::Step(j),
            Some(Do::GotoWorkflow(other)) => {
                let done = self.workflow(other, ex).await;
                Next::End(done && ok)
            }
            Some(Do::Retry { after, .. }) => {
                if ex.wait(after).await {
                    return Next::End(false);
                }
                Next::Step(i)
            }
        }
    }

    fn applicable<'a>(
        &self,
        w: usize,
        actions: &'a [Action],
        current: Option<&(Request, Exchanged)>,
    ) -> Option<&'a Action> {
        let ctx = self.ctx(w, current);
        actions.iter().find(|a| {
            a.criteria
                .iter()
                .all(|(c, _)| c.holds(&ctx).unwrap_or(false))
        })
    }

    /// The step's parameters rendered; `None` after reporting the first that has no value.
    fn values(
        &self,
        w: usize,
        step: &Step,
        ex: &mut dyn Exchange,
    ) -> Option<Vec<(String, Option<ParamIn>, Value)>> {
        let ctx = self.ctx(w, None);
        let mut out = Vec::new();
        for (name, location, t) in &step.params {
            match t.render(&ctx) {
                Ok(v) => out.push((name.clone(), *location, v)),
                Err(e) => {
                    no_value(ex, step, &format!("parameter `{name}`"), &e);
                    return None;
                }
            }
        }
        Some(out)
    }

    fn request(
        &self,
        w: usize,
        step: &Step,
        api: usize,
        op: usize,
        ex: &mut dyn Exchange,
    ) -> Option<Request> {
        let mut r = Request {
            api,
            op,
            step: step.id.clone(),
            pos: step.pos,
            call_pos: step.call_pos,
            path: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            extras: step.extras.clone(),
            status_judged: step.status_judged,
        };
        let mut cookies = Vec::new();
        for (name, location, v) in self.values(w, step, ex)? {
            match location {
                Some(ParamIn::Path) => r.path.push((name, v)),
                Some(ParamIn::Header) => r.headers.push((name, v)),
                Some(ParamIn::Cookie) => cookies.push(format!("{name}={}", text(&v))),
                _ => r.query.push((name, v)),
            }
        }
        if !cookies.is_empty() {
            r.headers
                .push(("Cookie".into(), Value::String(cookies.join("; "))));
        }
        let ctx = self.ctx(w, None);
        if let Some(body) = &step.body {
            match body.render(&ctx) {
                Ok(mut v) => {
                    for (pointer, t) in &step.replacements {
                        let new = t.render(&ctx).unwrap_or(Value::Null);
                        if let Some(slot) = v.pointer_mut(pointer) {
                            *slot = new;
                        }
                    }
                    r.body = Some(v);
                }
                Err(e) => {
                    no_value(ex, step, "request body", &e);
                    return None;
                }
            }
        }
        Some(r)
    }
}

/// Reports a value of `step`'s request that has none (`what`: which value).
fn no_value(ex: &mut dyn Exchange, step: &Step, what: &str, e: &expr::EvalError) {
    let message = format!("{what}: {}: {}", e.expr, e.reason);
    ex.broken(
        &step.id,
        Failure {
            message,
            pos: step.pos,
        },
    );
}

/// Whether a failure action takes the workflow on (a retry or a goto), rather than ending it.
fn handles(action: Option<&Do>) -> bool {
    matches!(
        action,
        Some(Do::Retry { .. } | Do::GotoStep(_) | Do::GotoWorkflow(_))
    )
}

pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

mod context;
#[cfg(test)]
mod tests;

use context::Ctx;
