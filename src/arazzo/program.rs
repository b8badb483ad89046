//! The compiled form of an Arazzo document, [`Program`]: every name resolved (operations to
//! their spec's index, gotos to step indices, reusable components inlined), every expression
//! and criterion parsed once. [`super::runtime`] only evaluates it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::criteria::Criterion;
use super::expr::{Context, EvalError, Expr, Interpolated};
use crate::openapi::{ApiSpec, ParamIn};
use crate::source::Pos;

/// One workflow to run (the entry), with every workflow of its document it may call.
#[derive(Debug)]
pub struct Program {
    /// The Arazzo file.
    pub path: PathBuf,
    /// The APIs of its OpenAPI sources: registry name and spec, by source index.
    pub apis: Vec<(String, Arc<ApiSpec>)>,
    /// Its sources' names and resolved URLs, for `$sourceDescriptions.NAME.url`.
    pub sources: Vec<(String, String)>,
    /// Every workflow of the document.
    pub workflows: Vec<Workflow>,
    /// The one this program runs.
    pub entry: usize,
}

/// A compiled workflow.
#[derive(Debug)]
pub struct Workflow {
    /// Its `workflowId`.
    pub id: String,
    /// Where `workflowId` is written.
    pub pos: Pos,
    /// Its summary, or its id.
    pub name: String,
    /// Its inputs' JSON Schema, `$ref`s to components resolved.
    pub inputs: Option<Value>,
    /// Where the inputs schema is written (the workflow's id when it has none).
    pub inputs_pos: Pos,
    /// Workflows that run first.
    pub depends_on: Vec<usize>,
    /// Its steps.
    pub steps: Vec<Step>,
    /// Default actions on success.
    pub success_actions: Vec<Action>,
    /// Default actions on failure.
    pub failure_actions: Vec<Action>,
    /// Its outputs.
    pub outputs: Vec<(String, Expr, Pos)>,
}

/// What a step calls.
#[derive(Debug)]
pub enum Call {
    /// An operation: the API (index in [`Program::apis`]) and the operation's index in its spec.
    Operation {
        /// Index in [`Program::apis`].
        api: usize,
        /// Index in that spec's operations.
        op: usize,
    },
    /// Another workflow (index in [`Program::workflows`]).
    Workflow(usize),
}

/// A compiled step.
#[derive(Debug)]
pub struct Step {
    /// Its `stepId`.
    pub id: String,
    /// Where it starts.
    pub pos: Pos,
    /// Where its `operationId` (or path, or workflow) is written.
    pub call_pos: Pos,
    /// What it calls.
    pub call: Call,
    /// Parameters: name, where (none for a workflow's inputs), value.
    pub params: Vec<(String, Option<ParamIn>, Template)>,
    /// The JSON body.
    pub body: Option<Template>,
    /// The body's content type, when given.
    pub content_type: Option<String>,
    /// Body replacements: JSON pointer and value.
    pub replacements: Vec<(String, Template)>,
    /// `successCriteria`, each with where its condition is written.
    pub criteria: Vec<(Criterion, Pos)>,
    /// Whether a success criterion tests `$statusCode`: found once here, not per request.
    pub status_judged: bool,
    /// `onSuccess`.
    pub on_success: Vec<Action>,
    /// `onFailure`.
    pub on_failure: Vec<Action>,
    /// Outputs.
    pub outputs: Vec<(String, Expr, Pos)>,
    /// What `conform export` kept of a scenario step that Arazzo cannot say.
    pub extras: Extras,
}

/// The `x-conform-*` switches `conform export` writes on a step, read back so conform sends
/// the request its scenario did (other runners ignore them; the export lists them as unsaid).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// `x-conform-auth: none`: send no credentials.
    pub no_auth: bool,
    /// `x-conform-body-raw`: these bytes as the body, the payload ignored.
    pub body_raw: Option<String>,
    /// Where `x-conform-invalid-request: true` is written: the request breaks the spec on purpose.
    pub invalid_request: Option<Pos>,
}

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Do {
    /// End the workflow.
    End,
    /// Go to a step of this workflow.
    GotoStep(usize),
    /// Run another workflow, then end this one.
    GotoWorkflow(usize),
    /// Send the step again after a wait, at most `limit` times.
    Retry {
        /// The wait before each resend.
        after: Duration,
        /// Resends at most.
        limit: u32,
    },
}

/// A compiled action.
#[derive(Debug, Clone)]
pub struct Action {
    /// Its name, for messages.
    pub name: String,
    /// What it does.
    pub what: Do,
    /// When it applies: all hold (none: always).
    pub criteria: Vec<(Arc<Criterion>, Pos)>,
}

/// A value with runtime expressions in its strings.
#[derive(Debug, Clone)]
pub enum Template {
    /// No expression below.
    Literal(Value),
    /// A string with `$...` or `{$...}`.
    Text(Interpolated),
    /// A whole runtime expression.
    Expr(Expr),
    /// An array.
    Seq(Vec<Template>),
    /// An object.
    Map(Vec<(String, Template)>),
}

impl Template {
    /// The value in `ctx`.
    pub fn render(&self, ctx: &dyn Context) -> Result<Value, EvalError> {
        Ok(match self {
            Template::Literal(v) => v.clone(),
            Template::Text(t) => t.render(ctx)?,
            Template::Expr(e) => super::expr::eval(e, ctx)?,
            Template::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(|t| t.render(ctx))
                    .collect::<Result<_, _>>()?,
            ),
            Template::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, t)| Ok((k.clone(), t.render(ctx)?)))
                    .collect::<Result<_, EvalError>>()?,
            ),
        })
    }
}
