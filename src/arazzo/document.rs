//! The typed Arazzo model, [`Document`], read from a YAML/JSON tree ([`Node`]) so every name,
//! expression and criterion keeps its line and column for diagnostics. Reading collects every
//! shape problem (a missing `workflowId`, a list where a map belongs) instead of stopping at the
//! first; meaning (do operations exist, do gotos land) is [`super::compile`]'s.

use std::path::Path;

use crate::source::{Diagnostic, Node, NodeKind, Pos, Spanned};

/// An Arazzo document: its sources, workflows and reusable components.
#[derive(Debug)]
pub struct Document {
    /// The `arazzo` version, as written.
    pub version: Spanned<String>,
    /// `sourceDescriptions`, in order.
    pub sources: Vec<Source>,
    /// `workflows`, in order.
    pub workflows: Vec<Workflow>,
    /// `components`.
    pub components: Components,
}

/// A source description: an OpenAPI document (or another Arazzo document) the steps call.
#[derive(Debug)]
pub struct Source {
    /// Its `name`, which `$sourceDescriptions.NAME` refers to.
    pub name: Spanned<String>,
    /// Its `url`: a path relative to the Arazzo document, or a URL.
    pub url: Spanned<String>,
    /// Its `type`: `openapi` (the default) or `arazzo`.
    pub kind: Spanned<String>,
}

/// One workflow: a scenario of its own.
#[derive(Debug)]
pub struct Workflow {
    /// Its `workflowId`.
    pub id: Spanned<String>,
    /// Its `summary`.
    pub summary: Option<String>,
    /// Its `inputs`, a JSON Schema.
    pub inputs: Option<Node>,
    /// Workflows that must run before it.
    pub depends_on: Vec<Spanned<String>>,
    /// Its steps, in order.
    pub steps: Vec<Step>,
    /// Actions when a step succeeds and has no `onSuccess` of its own.
    pub success_actions: Vec<Action>,
    /// Actions when a step fails and has no `onFailure` of its own.
    pub failure_actions: Vec<Action>,
    /// Its outputs: name and runtime expression.
    pub outputs: Vec<(Spanned<String>, Spanned<String>)>,
    /// Parameters every operation step of it gets.
    pub parameters: Vec<Param>,
}

/// What a step calls.
#[derive(Debug)]
pub enum Call {
    /// `operationId`, maybe `$sourceDescriptions.NAME.opId`.
    OperationId(Spanned<String>),
    /// `operationPath`: `{$sourceDescriptions.NAME.url}#/paths/~1pets/get`.
    OperationPath(Spanned<String>),
    /// `workflowId`: another workflow run as this step.
    WorkflowId(Spanned<String>),
}

/// One step of a workflow.
#[derive(Debug)]
pub struct Step {
    /// Its `stepId`.
    pub id: Spanned<String>,
    /// Where the step starts.
    pub pos: Pos,
    /// What it calls; `None` when it names none (an error already reported).
    pub call: Option<Call>,
    /// Its parameters.
    pub parameters: Vec<Param>,
    /// Its `requestBody`.
    pub body: Option<Body>,
    /// Its `successCriteria`.
    pub criteria: Vec<CriterionDoc>,
    /// `onSuccess`.
    pub on_success: Vec<Action>,
    /// `onFailure`.
    pub on_failure: Vec<Action>,
    /// Its outputs: name and runtime expression.
    pub outputs: Vec<(Spanned<String>, Spanned<String>)>,
    /// The `x-conform-*` switches written by `conform export`.
    pub extras: super::program::Extras,
}

/// A parameter, or a reference to a reusable one.
#[derive(Debug, Clone)]
pub enum Param {
    /// Written in place.
    Inline {
        /// Its name.
        name: Spanned<String>,
        /// `in`: path, query, header or cookie; `None` for a workflow step's inputs.
        location: Option<Spanned<String>>,
        /// Its value: a literal or a runtime expression (or a string embedding some).
        value: Node,
    },
    /// `reference: $components.parameters.NAME`, with an optional `value` override.
    Reusable {
        /// The reference expression.
        reference: Spanned<String>,
        /// The override.
        value: Option<Node>,
    },
}

/// A step's request body.
#[derive(Debug)]
pub struct Body {
    /// `contentType`.
    pub content_type: Option<Spanned<String>>,
    /// `payload`: literal with embedded expressions.
    pub payload: Option<Node>,
    /// `replacements`: JSON pointer `target` and `value`.
    pub replacements: Vec<(Spanned<String>, Node)>,
}

/// A criterion as written.
#[derive(Debug, Clone)]
pub struct CriterionDoc {
    /// The `condition`.
    pub condition: Spanned<String>,
    /// The `context` expression.
    pub context: Option<Spanned<String>>,
    /// The `type`: `simple`, `regex`, `jsonpath`, `xpath`; or the expression type object's.
    pub kind: Option<Spanned<String>>,
    /// The expression type object's `version`.
    pub version: Option<String>,
}

/// A success or failure action, or a reference to a reusable one.
#[derive(Debug, Clone)]
pub enum Action {
    /// Written in place.
    Inline(ActionDoc),
    /// `reference: $components.successActions.NAME` (or `failureActions`).
    Reusable(Spanned<String>),
}

/// An action written in place.
#[derive(Debug, Clone)]
pub struct ActionDoc {
    /// Its `name`.
    pub name: String,
    /// Its `type`: `end`, `goto` or `retry`.
    pub kind: Spanned<String>,
    /// `stepId` to go to.
    pub step_id: Option<Spanned<String>>,
    /// `workflowId` to go to.
    pub workflow_id: Option<Spanned<String>>,
    /// `retryAfter`, in seconds.
    pub retry_after: Option<f64>,
    /// `retryLimit`.
    pub retry_limit: Option<u64>,
    /// When it applies; always when empty.
    pub criteria: Vec<CriterionDoc>,
}

/// `components`: what steps and workflows refer to by name.
#[derive(Debug, Default)]
pub struct Components {
    /// Input schemas.
    pub inputs: Vec<(String, Node)>,
    /// Parameters.
    pub parameters: Vec<(String, Param)>,
    /// Success actions.
    pub success_actions: Vec<(String, ActionDoc)>,
    /// Failure actions.
    pub failure_actions: Vec<(String, ActionDoc)>,
}

/// Reads a tree into a [`Document`], collecting its shape problems.
pub(super) struct Reader<'a> {
    pub path: &'a Path,
    pub problems: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn problem(&mut self, pos: Pos, message: String, help: &str) {
        self.problems
            .push(Diagnostic::new(self.path, pos, message).help(help));
    }

    fn string(&mut self, node: &Node) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::String(s) => Some(Spanned::with_span(s.clone(), node.span())),
            NodeKind::Number(n) => Some(Spanned::with_span(n.to_string(), node.span())),
            _ => {
                let found = node.kind_name();
                self.problem(
                    node.pos,
                    format!("expected a string, found {found}"),
                    "quote it",
                );
                None
            }
        }
    }

    fn field(&mut self, node: &Node, key: &str) -> Option<Spanned<String>> {
        let v = node.get(key)?;
        self.string(v)
    }

    fn required(&mut self, node: &Node, key: &str, what: &str) -> Option<Spanned<String>> {
        if node.get(key).is_none() {
            self.problem(node.pos, format!("{what} has no `{key}`"), "add it");
            return None;
        }
        self.field(node, key)
    }

    fn list<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        match node.get(key).map(|v| &v.kind) {
            Some(NodeKind::Seq(items)) => items,
            None | Some(NodeKind::Null) => &[],
            Some(_) => {
                let at = node.get(key).map_or(node.pos, |v| v.pos);
                self.problem(
                    at,
                    format!("`{key}` must be a list"),
                    "write it as `- item` lines",
                );
                &[]
            }
        }
    }

    fn entries<'n>(&mut self, node: Option<&'n Node>, key: &str) -> &'n [(Spanned<String>, Node)] {
        match node.map(|v| &v.kind) {
            Some(NodeKind::Map(m)) => m,
            None | Some(NodeKind::Null) => &[],
            Some(_) => {
                let at = node.map_or(Pos::UNKNOWN, |v| v.pos);
                self.problem(
                    at,
                    format!("`{key}` must be a map"),
                    "write it as `name: value` lines",
                );
                &[]
            }
        }
    }

    /// The whole document.
    pub fn document(&mut self, root: &Node) -> Document {
        let mut doc = Document {
            version: Spanned::new(String::new(), root.pos),
            sources: Vec::new(),
            workflows: Vec::new(),
            components: Components::default(),
        };
        if root.as_map().is_none() {
            self.problem(
                root.pos,
                "an Arazzo document is a map".into(),
                "start it with `arazzo: 1.0.1`",
            );
            return doc;
        }
        doc.version = self
            .required(root, "arazzo", "the document")
            .unwrap_or_else(|| Spanned::new(String::new(), root.pos));
        for s in self.list(root, "sourceDescriptions") {
            let name = self.required(s, "name", "the source description");
            let url = self.required(s, "url", "the source description");
            let kind = self
                .field(s, "type")
                .unwrap_or_else(|| Spanned::new("openapi".into(), s.pos));
            if let (Some(name), Some(url)) = (name, url) {
                doc.sources.push(Source { name, url, kind });
            }
        }
        for w in self.list(root, "workflows") {
            if let Some(w) = self.workflow(w) {
                doc.workflows.push(w);
            }
        }
        doc.components = self.components(root.get("components"));
        doc
    }

    fn workflow(&mut self, w: &Node) -> Option<Workflow> {
        let id = self.required(w, "workflowId", "the workflow")?;
        let depends_on = self
            .list(w, "dependsOn")
            .iter()
            .filter_map(|d| self.string(d))
            .collect();
        let steps = self
            .list(w, "steps")
            .iter()
            .filter_map(|s| self.step(s))
            .collect();
        Some(Workflow {
            summary: w.get("summary").and_then(Node::as_str).map(str::to_owned),
            inputs: w.get("inputs").cloned(),
            depends_on,
            steps,
            success_actions: self.actions(w, "successActions"),
            failure_actions: self.actions(w, "failureActions"),
            outputs: self.outputs(w),
            parameters: self.params(w),
            id,
        })
    }

    fn step(&mut self, s: &Node) -> Option<Step> {
        let id = self.required(s, "stepId", "the step")?;
        let calls: Vec<Call> = [
            (
                "operationId",
                Call::OperationId as fn(Spanned<String>) -> Call,
            ),
            ("operationPath", Call::OperationPath),
            ("workflowId", Call::WorkflowId),
        ]
        .into_iter()
        .filter_map(|(k, f)| self.field(s, k).map(f))
        .collect();
        if calls.len() != 1 {
            let m = format!(
                "step `{}` must name exactly one of `operationId`, `operationPath`, `workflowId`",
                id.value
            );
            self.problem(s.pos, m, "keep the one the step calls");
        }
        let body = s.get("requestBody").map(|b| Body {
            content_type: self.field(b, "contentType"),
            payload: b.get("payload").cloned(),
            replacements: self
                .list(b, "replacements")
                .iter()
                .filter_map(|r| {
                    Some((
                        self.required(r, "target", "the replacement")?,
                        r.get("value")?.clone(),
                    ))
                })
                .collect(),
        });
        Some(Step {
            pos: s.pos,
            call: if calls.len() == 1 {
                calls.into_iter().next()
            } else {
                None
            },
            parameters: self.params(s),
            body,
            criteria: self.criteria(s, "successCriteria"),
            on_success: self.actions(s, "onSuccess"),
            on_failure: self.actions(s, "onFailure"),
            outputs: self.outputs(s),
            extras: extras(s),
            id,
        })
    }

    fn params(&mut self, node: &Node) -> Vec<Param> {
        self.list(node, "parameters")
            .iter()
            .filter_map(|p| self.param(p))
            .collect()
    }

    fn param(&mut self, p: &Node) -> Option<Param> {
        if p.get("reference").is_some() {
            return Some(Param::Reusable {
                reference: self.field(p, "reference")?,
                value: p.get("value").cloned(),
            });
        }
        let name = self.required(p, "name", "the parameter")?;
        let Some(value) = p.get("value").cloned() else {
            self.problem(
                p.pos,
                format!("parameter `{}` has no `value`", name.value),
                "add `value:`",
            );
            return None;
        };
        Some(Param::Inline {
            location: self.field(p, "in"),
            name,
            value,
        })
    }

    fn criteria(&mut self, node: &Node, key: &str) -> Vec<CriterionDoc> {
        let mut out = Vec::new();
        for c in self.list(node, key) {
            let Some(condition) = self.required(c, "condition", "the criterion") else {
                continue;
            };
            let (kind, version) = match c.get("type") {
                Some(t) if t.as_map().is_some() => (
                    self.field(t, "type"),
                    t.get("version").and_then(Node::as_str).map(str::to_owned),
                ),
                Some(t) => (self.string(t), None),
                None => (None, None),
            };
            out.push(CriterionDoc {
                condition,
                context: self.field(c, "context"),
                kind,
                version,
            });
        }
        out
    }

    fn actions(&mut self, node: &Node, key: &str) -> Vec<Action> {
        let mut out = Vec::new();
        for a in self.list(node, key) {
            if a.get("reference").is_some() {
                out.extend(self.field(a, "reference").map(Action::Reusable));
            } else if let Some(a) = self.action(a) {
                out.push(Action::Inline(a));
            }
        }
        out
    }

    fn action(&mut self, a: &Node) -> Option<ActionDoc> {
        let kind = self.required(a, "type", "the action")?;
        let number = |k: &str| a.get(k).and_then(|v| v.to_json().as_f64());
        Some(ActionDoc {
            name: a
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_owned(),
            step_id: self.field(a, "stepId"),
            workflow_id: self.field(a, "workflowId"),
            retry_after: number("retryAfter"),
            retry_limit: number("retryLimit").map(|n| n.max(0.0) as u64),
            criteria: self.criteria(a, "criteria"),
            kind,
        })
    }

    fn outputs(&mut self, node: &Node) -> Vec<(Spanned<String>, Spanned<String>)> {
        let mut out = Vec::new();
        for (k, v) in self.entries(node.get("outputs"), "outputs") {
            if let Some(v) = self.string(v) {
                out.push((k.clone(), v));
            }
        }
        out
    }

    fn components(&mut self, c: Option<&Node>) -> Components {
        let mut out = Components::default();
        let Some(c) = c else { return out };
        for (k, v) in self.entries(c.get("inputs"), "inputs") {
            out.inputs.push((k.value.clone(), v.clone()));
        }
        for (k, v) in self.entries(c.get("parameters"), "parameters") {
            if let Some(p) = self.param(v) {
                out.parameters.push((k.value.clone(), p));
            }
        }
        for (k, v) in self.entries(c.get("successActions"), "successActions") {
            out.success_actions
                .extend(self.action(v).map(|a| (k.value.clone(), a)));
        }
        for (k, v) in self.entries(c.get("failureActions"), "failureActions") {
            out.failure_actions
                .extend(self.action(v).map(|a| (k.value.clone(), a)));
        }
        out
    }
}

/// A step's `x-conform-*` switches (see [`super::program::Extras`]).
fn extras(s: &Node) -> super::program::Extras {
    let invalid = s.get("x-conform-invalid-request");
    super::program::Extras {
        no_auth: s.get("x-conform-auth").and_then(Node::as_str) == Some("none"),
        body_raw: s
            .get("x-conform-body-raw")
            .and_then(Node::as_str)
            .map(str::to_owned),
        invalid_request: invalid
            .filter(|n| matches!(n.kind, NodeKind::Bool(true)))
            .map(|n| n.pos),
    }
}
