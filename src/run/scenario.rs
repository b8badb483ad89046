//! Running one compiled [`Plan`]: the guards (target, `mock-only`, writes to a real vendor),
//! `vars`, the main steps until the first failure, then every `finally` step.

use std::time::Instant;

use super::events::{Event, EventSink};
use super::result::{Outcome, Phase, ScenarioResult, StepResult};
use super::scope::StepScope;
use super::{Runner, step};
use crate::check::body::render;
use crate::check::{CheckKind, Finding};
use crate::plan::{Plan, PlannedStep};
use crate::source::Diagnostic;
use crate::targets::Target;

impl Runner {
    /// Runs a compiled scenario against its API's target; the result keeps every exchange.
    pub async fn run_plan(&self, plan: &Plan, sink: &dyn EventSink) -> ScenarioResult {
        self.run_plan_recording(plan, sink, true).await
    }

    /// [`Runner::run_plan`], recording a passing scenario's exchanges only when
    /// `record_passing`: a run whose results go only to sinks that do not read them.
    pub(super) async fn run_plan_recording(
        &self,
        plan: &Plan,
        sink: &dyn EventSink,
        record_passing: bool,
    ) -> ScenarioResult {
        let started = Instant::now();
        let mut result = ScenarioResult::of_plan(plan);
        let Some(target) = self.guard(plan, &mut result) else {
            return result;
        };
        let (mut scope, vars_failed) = self.scope(plan);
        let limiter = self.limiter(&plan.api);
        let mut ctx = self.step_context(target, &plan.api, limiter.as_deref());
        ctx.deadline = plan.timeout.map(|t| Instant::now() + t);
        ctx.record_now = self.options.dry_run || record_passing;
        match vars_failed {
            Some(f) => result
                .steps
                .push(StepResult::synthetic("vars", Phase::Main, *f)),
            None => {
                self.main_steps(plan, &mut scope, &ctx, &mut result, sink)
                    .await;
            }
        }
        // Clean-up has its own budget: a scenario that ran out of time must still clean up.
        let finally_ctx = step::StepContext {
            deadline: None,
            ..ctx
        };
        self.finally_steps(plan, &mut scope, &finally_ctx, &mut result, sink)
            .await;
        self.conclude(&mut result);
        result.record_exchanges(&ctx.live_redactor());
        self.in_flight.finished(&plan.id);
        result.duration = started.elapsed();
        result
    }

    /// How a step of `api` runs against `target`: the run's options, no deadline, no step before.
    pub(super) fn step_context<'a>(
        &'a self,
        target: &'a Target,
        api: &'a str,
        rate: Option<&'a super::rate::RateLimiter>,
    ) -> step::StepContext<'a> {
        step::StepContext {
            client: &self.client,
            target,
            redactor: &self.redactor,
            strict: self.options.strict,
            step_timeout: self.options.step_timeout,
            dry_run: self.options.dry_run,
            min_poll_timeout: self.options.min_poll_timeout,
            rate,
            deadline: None,
            interrupt: &self.options.interrupt,
            max_body: self.options.max_body,
            api,
            remedies: &*self.options.remedies,
            before: None,
            answers: &self.answers,
            record_now: true,
        }
    }

    /// The target of the plan's API, or `None` when the scenario must not run (no target, a
    /// `mock-only` scenario against a real one, writes not allowed), said in `result`.
    fn guard<'t>(&'t self, plan: &Plan, result: &mut ScenarioResult) -> Option<&'t Target> {
        let Some(target) = self.targets.get(&plan.api) else {
            // Why the spec's `servers:` could not serve, when that was tried.
            let why = match self.targets.unusable(&plan.api) {
                Some(why) => format!(": {why}"),
                None => String::new(),
            };
            result.errors.push(
                Diagnostic::new(
                    &plan.path,
                    plan.api_pos,
                    format!("no target for API `{}`{why}", plan.api),
                )
                .help(self.options.remedies.give_target(&plan.api)),
            );
            result.outcome = Outcome::Errored;
            return None;
        };
        if !target.is_mock && plan.tags.iter().any(|t| t == "mock-only") {
            result.outcome = Outcome::Skipped;
            result.skipped = Some("tagged `mock-only`, and the target is not a mock".into());
            return None;
        }
        if let Some(why) = self.unmet_need(plan, target) {
            result.outcome = Outcome::Skipped;
            result.skipped = Some(why);
            return None;
        }
        if !self.options.allow_writes
            && !self.options.dry_run
            && !target.is_local()
            && let Some(op) = plan.first_write()
        {
            let what = format!(
                "the scenario changes state on {} ({} {} via {}), which is not a mock",
                target.base_url, op.method, op.path, op.id
            );
            result.errors.push(
                Diagnostic::new(&plan.path, plan.name_pos, what)
                    .help(self.options.remedies.allow_writes()),
            );
            result.outcome = Outcome::Errored;
            return None;
        }
        Some(target)
    }

    /// Why the scenario cannot run, when one of its `needs` has no value: a variable neither the
    /// run's inputs nor the scenario's `vars` give, or a credential the target does not send.
    /// Not the target's fault, so a skip that says how to give it, never a failure.
    fn unmet_need(&self, plan: &Plan, target: &Target) -> Option<String> {
        let remedies = &self.options.remedies;
        let inputs = self.options.inputs.names();
        for (name, _) in &plan.needs {
            if name == crate::plan::NEEDS_CREDENTIALS {
                let has_header = target
                    .headers
                    .iter()
                    .any(|(n, _)| crate::redact::Redactor::is_secret_header(n));
                if target.auth.is_none() && !has_header {
                    return Some(format!(
                        "needs a credential the spec declares no way to send: {}",
                        remedies.send_credentials()
                    ));
                }
            } else if !inputs.contains(name) && !plan.vars.iter().any(|(v, _)| v == name) {
                return Some(format!(
                    "needs `{name}`: set it under `vars:` in the scenario or {}",
                    remedies.give_var()
                ));
            }
        }
        None
    }

    /// The scenario's scope with its `vars` set, and the finding of the first that cannot be.
    fn scope(&self, plan: &Plan) -> (StepScope, Option<Box<Finding>>) {
        let inputs = &self.options.inputs;
        let mut scope = StepScope {
            run_id: self.options.run_id.clone(),
            scenario_name: plan.name.clone(),
            vars: inputs.seed(),
            inputs: inputs.clone(),
        };
        for (name, value) in &plan.vars {
            // Inputs override the scenario's `vars`, which override the env file.
            if inputs.var(name).is_some() {
                continue;
            }
            match render(value, &scope) {
                Ok(v) => {
                    scope.vars.insert(name.clone(), v);
                }
                Err(f) => return (scope, Some(f)),
            }
        }
        (scope, None)
    }

    /// The main steps, until the first that fails; after an interrupt none starts.
    async fn main_steps(
        &self,
        plan: &Plan,
        scope: &mut StepScope,
        ctx: &step::StepContext<'_>,
        result: &mut ScenarioResult,
        sink: &dyn EventSink,
    ) {
        for st in &plan.steps {
            // After an interrupt no main step starts; the clean-up still runs.
            if let Some(signal) = self.options.interrupt.signal() {
                result.interrupted = true;
                let why = format!("not run: the run was interrupted ({signal})");
                result
                    .steps
                    .push(skip(st, Phase::Main, why, &plan.id, sink));
                continue;
            }
            // A dry run has no responses, so values captured from them do not exist.
            if self.options.dry_run
                && let Some(missing) = missing_var(st, scope)
            {
                let why = format!("dry run: needs `${{{missing}}}` from an earlier response");
                result
                    .steps
                    .push(skip(st, Phase::Main, why, &plan.id, sink));
                continue;
            }
            let ctx = step::StepContext {
                before: before(result),
                ..*ctx
            };
            let r = step::run(st, Phase::Main, plan.operation(st), scope, &ctx).await;
            self.note_captures(plan, st, scope);
            if r.findings.iter().any(|f| f.check == CheckKind::Interrupted) {
                result.interrupted = true;
            }
            let stop = r.outcome > Outcome::Skipped;
            finished(&plan.id, r, result, sink);
            if stop {
                break;
            }
        }
    }

    /// Every `finally` step whose variables have values.
    async fn finally_steps(
        &self,
        plan: &Plan,
        scope: &mut StepScope,
        ctx: &step::StepContext<'_>,
        result: &mut ScenarioResult,
        sink: &dyn EventSink,
    ) {
        for st in &plan.finally {
            if let Some(missing) = missing_var(st, scope) {
                let why =
                    format!("`${{{missing}}}` has no value (the step that sets it did not run)");
                result
                    .steps
                    .push(skip(st, Phase::Finally, why, &plan.id, sink));
                continue;
            }
            let ctx = step::StepContext {
                before: before(result),
                ..*ctx
            };
            let r = step::run(st, Phase::Finally, plan.operation(st), scope, &ctx).await;
            finished(&plan.id, r, result, sink);
        }
    }

    /// The scenario's outcome from its steps'.
    pub(super) fn conclude(&self, result: &mut ScenarioResult) {
        // Nothing ran (a dry run, or every step skipped): nothing was proven either way.
        let all_skipped =
            !result.steps.is_empty() && result.steps.iter().all(|s| s.outcome == Outcome::Skipped);
        result.outcome = result
            .steps
            .iter()
            .map(|s| s.outcome)
            .filter(|o| *o != Outcome::Skipped)
            .max()
            .unwrap_or(if all_skipped {
                Outcome::Skipped
            } else {
                Outcome::Passed
            });
        if all_skipped && self.options.dry_run {
            result.skipped = Some("dry run".into());
        }
    }

    /// Keeps what `st` captured, redacted, for the message of a second interrupt.
    fn note_captures(&self, plan: &Plan, st: &PlannedStep, scope: &StepScope) {
        for (name, _) in &st.captures {
            if let Some(v) = scope.vars.get(name) {
                self.in_flight
                    .captured(&plan.id, name, &self.redactor.json(v));
            }
        }
    }
}

/// The last step of `result` that got an answer, for the step about to run.
fn before(result: &ScenarioResult) -> Option<step::Before<'_>> {
    let (i, step) =
        (result.steps.iter().enumerate().rev()).find(|(_, s)| s.last_response().is_some())?;
    Some(step::Before {
        number: i + 1,
        step,
    })
}

/// A step that ran: streamed, then kept in the scenario's result.
fn finished(scenario: &str, r: StepResult, result: &mut ScenarioResult, sink: &dyn EventSink) {
    sink.event(&Event::StepFinished { scenario, step: &r });
    result.steps.push(r);
}

/// A step not run, reported as skipped with the reason.
fn skip(
    st: &PlannedStep,
    phase: Phase,
    why: String,
    scenario: &str,
    sink: &dyn EventSink,
) -> StepResult {
    let mut r = StepResult::not_run(st, phase);
    r.outcome = Outcome::Skipped;
    r.skipped = Some(why);
    sink.event(&Event::StepFinished { scenario, step: &r });
    r
}

/// The first variable a step's request uses that has no value yet (clean-up after an early
/// failure); the plan lists them, so nothing is parsed here.
fn missing_var(step: &PlannedStep, scope: &StepScope) -> Option<String> {
    step.needs.iter().find(|name| !scope.has(name)).cloned()
}
