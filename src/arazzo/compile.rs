//! [`compile`]: an Arazzo [`Document`] and a workflow of it into a [`Program`], against the
//! registry's specs. Every problem (an unknown operation, a goto to no step, a bad expression,
//! duplicate step ids) is collected with its line and column and a fix.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::document::{self as doc, Document};
use super::expr::ExprError;
use super::program::{Call, Program, Step, Workflow};
use crate::openapi::Registry;
use crate::source::{Diagnostic, Node, Pos, Span, Spanned, did_you_mean};

/// How many times a retry action may resend when it sets no `retryLimit`: the spec leaves it
/// open, and a run must stay bounded.
pub const DEFAULT_RETRY_LIMIT: u32 = 10;

/// Compiles workflow `entry` (a `workflowId`) of `document`, read from `path` whose text is
/// `text`, with every workflow it may call.
pub fn compile(
    path: &Path,
    text: &str,
    document: &Document,
    entry: &str,
    registry: &Registry,
) -> Result<Program, Vec<Diagnostic>> {
    let mut c = Compiler {
        path,
        text,
        doc: document,
        problems: Vec::new(),
        apis: Vec::new(),
        sources: Vec::new(),
    };
    c.sources(registry);
    let ids: Vec<&str> = document
        .workflows
        .iter()
        .map(|w| w.id.value.as_str())
        .collect();
    let workflows = document.workflows.iter().map(|w| c.workflow(w)).collect();
    let Some(entry) = ids.iter().position(|w| *w == entry) else {
        let d = Diagnostic::new(path, Pos::UNKNOWN, format!("no workflow `{entry}`")).help_opt(
            did_you_mean(entry, ids.iter().copied()).map(|s| format!("did you mean `{s}`?")),
        );
        return Err(vec![d]);
    };
    if !c.problems.is_empty() {
        return Err(c
            .problems
            .into_iter()
            .map(|d| d.with_source(text))
            .collect());
    }
    Ok(Program {
        path: path.to_path_buf(),
        apis: c.apis.into_iter().flatten().collect(),
        sources: c.sources,
        workflows,
        entry,
    })
}

mod parts;
mod refs;

struct Compiler<'a> {
    path: &'a Path,
    text: &'a str,
    doc: &'a Document,
    problems: Vec<Diagnostic>,
    /// By source index: its API, when it is an OpenAPI source that resolved.
    apis: Vec<Option<(String, Arc<crate::openapi::ApiSpec>)>>,
    sources: Vec<(String, String)>,
}

impl Compiler<'_> {
    fn problem(&mut self, span: Span, message: String, help: Option<String>) {
        self.problems
            .push(Diagnostic::spanned(self.path, span, message).help_opt(help));
    }

    /// An expression error in the string `s`: underlines its token (offset within the string,
    /// one more when the scalar is quoted).
    fn expr_problem(&mut self, s: &Spanned<String>, e: ExprError) {
        let line = self
            .text
            .lines()
            .nth((s.pos.line as usize).wrapping_sub(1))
            .unwrap_or("");
        let at = line.chars().nth((s.pos.col as usize).wrapping_sub(1));
        let quote = u32::from(matches!(at, Some('"' | '\'')));
        let col = s.pos.col + quote + e.offset as u32;
        let start = Pos::new(s.pos.line, col);
        let end = Pos::new(s.pos.line, col + e.len.max(1) as u32);
        self.problem(Span { start, end }, e.message, e.help);
    }

    fn sources(&mut self, registry: &Registry) {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        for s in &self.doc.sources {
            let url = resolve(dir, &s.url.value);
            self.sources
                .push((s.name.value.clone(), url.display().to_string()));
            if s.kind.value != "openapi" {
                let m = format!(
                    "source `{}` is of type `{}`: conform runs workflows over OpenAPI sources only",
                    s.name.value, s.kind.value
                );
                self.problem(
                    s.kind.span(),
                    m,
                    Some("copy the workflows you need into this document".into()),
                );
                self.apis.push(None);
                continue;
            }
            match api_of(registry, &s.name.value, &url) {
                Some(api) => match registry.api(&api) {
                    Ok(spec) => self.apis.push(Some((api, spec))),
                    Err(d) => {
                        self.problems.push(d);
                        self.apis.push(None);
                    }
                },
                None => {
                    let m = format!(
                        "no API of the run has the spec {} (source `{}`)",
                        url.display(),
                        s.name.value
                    );
                    let help = format!(
                        "put the spec under the specs folder, or name the source `{}`'s spec for the run as `{}=PATH`",
                        s.name.value, s.name.value
                    );
                    self.problem(s.url.span(), m, Some(help));
                    self.apis.push(None);
                }
            }
        }
    }

    fn workflow(&mut self, w: &doc::Workflow) -> Workflow {
        let mut seen: Vec<&str> = Vec::new();
        for s in &w.steps {
            if seen.contains(&s.id.value.as_str()) {
                let m = format!(
                    "step id `{}` is used twice in workflow `{}`",
                    s.id.value, w.id.value
                );
                self.problem(
                    s.id.span(),
                    m,
                    Some("give each step its own `stepId`".into()),
                );
            }
            seen.push(&s.id.value);
        }
        let depends_on = w
            .depends_on
            .iter()
            .filter_map(|d| self.workflow_index(d))
            .collect();
        let step_ids: Vec<&str> = w.steps.iter().map(|s| s.id.value.as_str()).collect();
        let steps = w
            .steps
            .iter()
            .filter_map(|s| self.step(s, w, &step_ids))
            .collect();
        let compiled = Workflow {
            id: w.id.value.clone(),
            pos: w.id.pos,
            name: w.summary.clone().unwrap_or_else(|| w.id.value.clone()),
            inputs: w.inputs.as_ref().map(|i| self.inputs(i)),
            inputs_pos: w.inputs.as_ref().map_or(w.id.pos, |i| i.pos),
            depends_on,
            steps,
            success_actions: self.actions(&w.success_actions, &step_ids, false),
            failure_actions: self.actions(&w.failure_actions, &step_ids, true),
            outputs: self.outputs(&w.outputs),
        };
        self.references(w, compiled.inputs.as_ref());
        compiled
    }

    /// The inputs schema with `$ref: '#/components/inputs/NAME'` replaced by that schema.
    fn inputs(&mut self, node: &Node) -> serde_json::Value {
        let mut v = node.to_json();
        if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
            let name = r.trim_start_matches("#/components/inputs/");
            match self.doc.components.inputs.iter().find(|(n, _)| n == name) {
                Some((_, schema)) => v = schema.to_json(),
                None => self.problem(
                    node.span(),
                    format!("no input schema `{name}` under components"),
                    None,
                ),
            }
        }
        v
    }

    fn workflow_index(&mut self, id: &Spanned<String>) -> Option<usize> {
        let ids: Vec<&str> = self
            .doc
            .workflows
            .iter()
            .map(|w| w.id.value.as_str())
            .collect();
        let found = ids.iter().position(|w| *w == id.value);
        if found.is_none() {
            let help = did_you_mean(&id.value, ids.iter().copied())
                .map(|s| format!("did you mean `{s}`?"));
            self.problem(
                id.span(),
                format!("no workflow `{}` in this document", id.value),
                help,
            );
        }
        found
    }

    fn step(&mut self, s: &doc::Step, w: &doc::Workflow, step_ids: &[&str]) -> Option<Step> {
        let (call, call_pos) = match s.call.as_ref()? {
            doc::Call::OperationId(id) => (self.operation_id(id)?, id.pos),
            doc::Call::OperationPath(p) => (self.operation_path(p)?, p.pos),
            doc::Call::WorkflowId(id) => (Call::Workflow(self.workflow_index(id)?), id.pos),
        };
        let mut params = Vec::new();
        for p in w.parameters.iter().chain(&s.parameters) {
            if let Some(p) = self.param(p) {
                params.push(p);
            }
        }
        let body = s.body.as_ref();
        let criteria = self.criteria(&s.criteria);
        let status_judged = criteria
            .iter()
            .any(|(c, _)| c.describe().contains("$statusCode"));
        Some(Step {
            id: s.id.value.clone(),
            pos: s.pos,
            call_pos,
            call,
            params,
            body: body
                .and_then(|b| b.payload.as_ref())
                .map(|n| self.template(n)),
            content_type: body
                .and_then(|b| b.content_type.as_ref())
                .map(|c| c.value.clone()),
            replacements: body
                .map(|b| {
                    b.replacements
                        .iter()
                        .map(|(t, v)| (t.value.clone(), self.template(v)))
                        .collect()
                })
                .unwrap_or_default(),
            criteria,
            status_judged,
            on_success: self.actions(&s.on_success, step_ids, false),
            on_failure: self.actions(&s.on_failure, step_ids, true),
            outputs: self.outputs(&s.outputs),
            extras: s.extras.clone(),
        })
    }
}

/// A source URL as a path: relative to the Arazzo file's folder (a `file:` URL's path as is).
fn resolve(dir: &Path, url: &str) -> PathBuf {
    let url = url.strip_prefix("file://").unwrap_or(url);
    if url.contains("://") || Path::new(url).is_absolute() {
        PathBuf::from(url)
    } else {
        dir.join(url)
    }
}

/// The registry API a source is: one named like the source whose spec is given, else the one
/// whose spec file is the source's.
fn api_of(registry: &Registry, name: &str, url: &Path) -> Option<String> {
    let wanted = std::fs::canonicalize(url).ok();
    let names = registry.api_names();
    let same = |api: &String| {
        wanted.is_some() && std::fs::canonicalize(registry.spec_path(api)).ok() == wanted
    };
    names
        .iter()
        .find(|api| *api == name && registry.has_spec(api) && (same(api) || wanted.is_none()))
        .or_else(|| names.iter().find(|api| same(api)))
        .or_else(|| {
            names
                .iter()
                .find(|api| *api == name && registry.has_spec(api))
        })
        .cloned()
}
