//! Arazzo workflows run by the [`Runner`]: a found workflow (`file#workflowId`) is loaded and
//! compiled ([`crate::arazzo::compile`]), its inputs taken from the run's variables and checked
//! against the workflow's schema, and run by [`Machine`] through [`WorkflowExchange`], which
//! sends every request as a conform step ([`step::run_answered`]): the spec checks, the request
//! check, redaction, records and reports all apply; a success criterion that fails is a
//! finding of its step at the criterion's line.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::events::{Event, EventSink};
use super::result::{Outcome, Phase, ScenarioResult, StepResult};
use super::scope::StepScope;
use super::{Runner, step};
use crate::arazzo::program::Program;
use crate::arazzo::runtime::{BoxFuture, Exchange, Exchanged, Failure, Machine, Request};
use crate::check::{CheckKind, Finding};
use crate::plan::{Expectation, PlannedStep, Rejected, ValueKind, ValueTemplate};
use crate::scenario::{AuthMode, Found, StatusItem, StatusSpec};
use crate::source::{Diagnostic, Pos, Spanned};

impl Runner {
    /// Reads and compiles the workflow `f` names; `Err` with every problem of the document.
    pub(super) fn compile_workflow(&self, f: &Found) -> Result<Program, Rejected> {
        let reject = |diagnostics: Vec<Diagnostic>| Rejected {
            name: f.workflow().unwrap_or(&f.id).to_owned(),
            api: String::new(),
            tags: Vec::new(),
            diagnostics,
        };
        let (doc, text) = crate::arazzo::load::load(&f.path).map_err(reject)?;
        let Some(entry) = f.workflow() else {
            let d = Diagnostic::new(&f.path, Pos::UNKNOWN, "the Arazzo document has no workflow")
                .help("add one under `workflows:`, with a `workflowId` and `steps`");
            return Err(reject(vec![d]));
        };
        crate::arazzo::compile::compile(&f.path, &text, &doc, entry, &self.registry).map_err(reject)
    }

    /// Runs a compiled workflow against its APIs' targets.
    pub(super) async fn run_workflow(
        &self,
        f: &Found,
        program: &Program,
        sink: &dyn EventSink,
    ) -> ScenarioResult {
        let started = Instant::now();
        let wf = &program.workflows[program.entry];
        let api = program.apis.first().map_or("", |(a, _)| a.as_str());
        let mut result = ScenarioResult::empty(
            &f.id,
            &f.path.display().to_string(),
            &wf.name,
            api,
            Vec::new(),
        );
        let inputs = match self.workflow_inputs(f, program) {
            Ok(i) => i,
            Err(Missing::Skip(why)) => {
                result.outcome = Outcome::Skipped;
                result.skipped = Some(why);
                return result;
            }
            Err(Missing::Invalid(d)) => {
                result.outcome = Outcome::Errored;
                result.errors.push(*d);
                return result;
            }
        };
        if let Some(d) = self.unservable(f, program) {
            result.outcome = Outcome::Errored;
            result.errors.push(d);
            return result;
        }
        let mut ex = WorkflowExchange {
            runner: self,
            program,
            id: &f.id,
            sink,
            scope: StepScope {
                run_id: self.options.run_id.clone(),
                scenario_name: wf.name.clone(),
                vars: Default::default(),
                inputs: self.options.inputs.clone(),
            },
            pending: None,
            held: None,
            result: &mut result,
        };
        let mut machine = Machine::new(program, inputs);
        machine.run(&mut ex).await;
        ex.release();
        self.conclude(&mut result);
        self.in_flight.finished(&f.id);
        result.duration = started.elapsed();
        result
    }

    /// Why the workflow cannot run here: an API without a target, or writes to a real vendor.
    fn unservable(&self, f: &Found, program: &Program) -> Option<Diagnostic> {
        let pos = program.workflows[program.entry].pos;
        for (api, spec) in &program.apis {
            let Some(target) = self.targets.get(api) else {
                return Some(
                    Diagnostic::new(&f.path, pos, format!("no target for API `{api}`"))
                        .help(self.options.remedies.give_target(api)),
                );
            };
            let writes = spec
                .operations
                .iter()
                .any(|o| !crate::openapi::is_safe(&o.method));
            if writes && !self.options.allow_writes && !self.options.dry_run && !target.is_local() {
                let what = format!(
                    "the workflow may change state on {}, which is not a mock",
                    target.base_url
                );
                return Some(
                    Diagnostic::new(&f.path, pos, what).help(self.options.remedies.allow_writes()),
                );
            }
        }
        None
    }

    /// The entry workflow's inputs from the run's variables, read by the schema's types and
    /// checked against it.
    fn workflow_inputs(&self, f: &Found, program: &Program) -> Result<Map<String, Value>, Missing> {
        let wf = &program.workflows[program.entry];
        let mut out = Map::new();
        let Some(schema) = &wf.inputs else {
            return Ok(out);
        };
        let props = schema.get("properties").and_then(Value::as_object);
        for (name, prop) in props.into_iter().flatten() {
            if let Some(text) = self.options.inputs.var(name) {
                out.insert(name.clone(), typed(text, prop));
            } else if let Some(d) = prop.get("default") {
                out.insert(name.clone(), d.clone());
            }
        }
        let required = schema.get("required").and_then(Value::as_array);
        for name in required.into_iter().flatten().filter_map(Value::as_str) {
            if !out.contains_key(name) {
                let how = self.options.remedies.give_var();
                return Err(Missing::Skip(format!(
                    "needs input `{name}` of workflow `{}`: {how}",
                    wf.id
                )));
            }
        }
        let invalid =
            |m: String| Missing::Invalid(Box::new(Diagnostic::new(&f.path, wf.inputs_pos, m)));
        let validator = jsonschema::validator_for(schema).map_err(|e| {
            invalid(format!(
                "the workflow's inputs schema is not a valid JSON Schema: {e}"
            ))
        })?;
        let value = Value::Object(out);
        if let Some(e) = validator.iter_errors(&value).next() {
            let at = e.instance_path().to_string();
            let d = Diagnostic::new(
                &f.path,
                wf.inputs_pos,
                format!(
                    "input {at} of workflow `{}` does not match its schema: {e}",
                    wf.id
                ),
            )
            .help("give a value its `inputs` schema accepts");
            return Err(Missing::Invalid(Box::new(d)));
        }
        let Value::Object(out) = value else {
            unreachable!("built as an object")
        };
        Ok(out)
    }
}

/// Why a workflow does not start.
enum Missing {
    /// A required input has no value: not the target's fault.
    Skip(String),
    /// An input breaks its schema.
    Invalid(Box<Diagnostic>),
}

/// A variable's text as the value its schema's type asks for (text when it does not parse).
fn typed(text: &str, schema: &Value) -> Value {
    let ty = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    if ty == "string" {
        return Value::String(text.to_owned());
    }
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The runner's side of a [`Machine`]: requests become conform steps.
struct WorkflowExchange<'a> {
    runner: &'a Runner,
    program: &'a Program,
    id: &'a str,
    sink: &'a dyn EventSink,
    scope: StepScope,
    /// The step of the last exchange, until the workflow has judged it.
    pending: Option<StepResult>,
    /// A step whose failure a retry or a goto took on: reported when the workflow moves on,
    /// or folded into the next attempt when the same step is sent again (a retry).
    held: Option<StepResult>,
    result: &'a mut ScenarioResult,
}

fn literal(v: Value, pos: Pos) -> ValueTemplate {
    ValueTemplate {
        pos,
        kind: ValueKind::Literal(v),
    }
}

fn planned(r: &Request, op_id: &str) -> PlannedStep {
    let lit = |list: &[(String, Value)]| {
        list.iter()
            .map(|(n, v)| (n.clone(), literal(v.clone(), r.call_pos)))
            .collect()
    };
    PlannedStep {
        name: r.step.clone(),
        call: op_id.to_owned(),
        pos: r.pos,
        call_pos: r.call_pos,
        op: r.op,
        path: lit(&r.path),
        query: lit(&r.query),
        headers: lit(&r.headers),
        body: r.body.clone().map(|b| literal(b, r.call_pos)),
        body_raw: r
            .extras
            .body_raw
            .clone()
            .map(|b| literal(Value::String(b), r.call_pos)),
        invalid_request: r.extras.invalid_request,
        auth: if r.extras.no_auth {
            AuthMode::None
        } else {
            AuthMode::Default
        },
        follow_redirects: None,
        // A step whose criteria test the status expects what they say (a 404 after a delete):
        // they judge it, an unexpected server error included; otherwise a success, as a
        // scenario step without `expect.status` does.
        expect: r.status_judged.then(|| any_status(r.call_pos)),
        captures: Vec::new(),
        capture_pos: r.pos,
        until: None,
        fail_if: None,
        every: crate::plan::DEFAULT_POLL_EVERY,
        poll_timeout: crate::plan::DEFAULT_POLL_TIMEOUT,
        timeout: None,
        needs: Vec::new(),
    }
}

/// Any status: a step's `successCriteria` judge its status (Arazzo's meaning, so a step that
/// expects a 401 says so in a criterion); a step without criteria still expects success.
fn any_status(pos: Pos) -> Expectation {
    let classes = (1..=5)
        .map(|d| StatusItem::Class(format!("{d}xx")))
        .collect();
    Expectation {
        pos,
        status: Some(Spanned::new(StatusSpec::Mixed(classes), pos)),
        headers: Vec::new(),
        body: None,
        undocumented: false,
        items: None,
    }
}

impl WorkflowExchange<'_> {
    fn push(&mut self, r: StepResult) {
        self.sink.event(&Event::StepFinished {
            scenario: self.id,
            step: &r,
        });
        self.result.steps.push(r);
    }

    /// Reports the held step, if any: the workflow has moved on from it.
    fn release(&mut self) {
        if let Some(h) = self.held.take() {
            self.push(h);
        }
    }

    async fn exchange(&mut self, request: Request) -> Option<Exchanged> {
        // The same step again after a handled failure is a retry: one step, several attempts,
        // as a scenario's `until` polls.
        let again = match self.held.take() {
            Some(h) if h.name == request.step => Some(h),
            held => {
                self.held = held;
                self.release();
                None
            }
        };
        let (api, spec) = &self.program.apis[request.api];
        let op = &spec.operations[request.op];
        let target = self.runner.targets.get(api)?;
        let limiter = self.runner.limiter(api);
        let ctx = self.runner.step_context(target, api, limiter.as_deref());
        let st = planned(&request, &op.id);
        let (mut r, received) =
            step::run_answered(&st, Phase::Main, op, &mut self.scope, &ctx).await;
        if let Some(before) = again {
            r.attempts += before.attempts;
            r.duration += before.duration;
        }
        let got = received.map(|resp| Exchanged {
            url: r
                .request
                .as_ref()
                .map(|q| q.url.clone())
                .unwrap_or_default(),
            method: op.method.clone(),
            status: resp.status,
            headers: resp.headers.iter().cloned().collect(),
            body: resp.json().cloned(),
            text: Some(resp.body.text().into_owned()),
            conforms: r.outcome == Outcome::Passed,
        });
        self.pending = Some(r);
        got
    }
}

impl Exchange for WorkflowExchange<'_> {
    fn send(&mut self, request: Request) -> BoxFuture<'_, Option<Exchanged>> {
        Box::pin(self.exchange(request))
    }

    fn judged(&mut self, failures: Vec<Failure>, handled: bool) {
        let Some(mut r) = self.pending.take() else {
            return;
        };
        if handled {
            // A failure action takes the workflow on (a retry polls, a goto branches): the unmet
            // criteria are the workflow's expected way, as a scenario's `until` is, not findings.
            // conform's own findings of the answer stay; a retry's are replaced by its next
            // attempt's, as a poll's are.
            self.held = Some(r);
            return;
        }
        for f in failures {
            r.findings
                .push(Finding::violation(CheckKind::Scenario, f.message).at(f.pos));
        }
        r.outcome = Outcome::of(&r.findings);
        self.push(r);
    }

    fn wait(&mut self, d: Duration) -> BoxFuture<'_, bool> {
        Box::pin(self.runner.options.interrupt.sleep(d))
    }

    fn failed(&mut self, step: &str, failure: Failure) {
        self.release();
        let f = Finding::violation(CheckKind::Scenario, failure.message).at(failure.pos);
        self.push(StepResult::synthetic(step, Phase::Main, f));
    }

    fn broken(&mut self, step: &str, failure: Failure) {
        self.release();
        let message = format!(
            "{} (the workflow's to fix, not the target's)",
            failure.message
        );
        let f = Finding::error(CheckKind::Scenario, message).at(failure.pos);
        self.push(StepResult::synthetic(step, Phase::Main, f));
    }
}
