//! The names a workflow's expressions use, checked before anything is sent: every
//! `$steps.ID.outputs.NAME` names a step of the workflow that declares that output (a nested
//! workflow's step, the outputs of that workflow), and every `$inputs.NAME` a property of the
//! workflow's inputs schema when it lists them. Otherwise the run would send the first steps
//! (create a resource on a real vendor) and then stop on a value that could never exist.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::Compiler;
use crate::arazzo::document as doc;
use crate::arazzo::expr::ExprError;
use crate::source::{Node, NodeKind, Spanned, did_you_mean};

/// `$steps.ID.outputs.NAME` and `$inputs.NAME`, as the Arazzo ABNF spells step ids and names.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\$(?:steps\.([A-Za-z0-9_\-]+)\.outputs\.([A-Za-z0-9_\-]+)|inputs\.([A-Za-z0-9_\-]+))",
    )
    .expect("a valid pattern")
});

impl Compiler<'_> {
    /// Checks the references of workflow `w`, whose compiled inputs schema is `inputs`.
    pub(super) fn references(&mut self, w: &doc::Workflow, inputs: Option<&Value>) {
        let declared: Vec<(&str, Vec<String>)> = w
            .steps
            .iter()
            .map(|s| (s.id.value.as_str(), self.outputs_of(s)))
            .collect();
        let properties: Option<Vec<&str>> = inputs
            .and_then(|i| i.get("properties"))
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect());
        let mut texts = Vec::new();
        for s in &w.steps {
            strings_of_step(s, &mut texts);
        }
        texts.extend(w.outputs.iter().map(|(_, e)| e.clone()));
        for text in texts {
            for m in REFERENCE.captures_iter(&text.value) {
                let whole = m.get(0).expect("group 0 is the match");
                let problem = match (m.get(1), m.get(2), m.get(3)) {
                    (Some(step), Some(name), _) => {
                        unknown_output(&declared, step.as_str(), name.as_str())
                    }
                    (_, _, Some(name)) => properties
                        .as_ref()
                        .and_then(|p| unknown_input(p, name.as_str())),
                    _ => None,
                };
                if let Some((message, help)) = problem {
                    let e = ExprError {
                        offset: whole.start(),
                        len: whole.len(),
                        message,
                        help: Some(help),
                    };
                    self.expr_problem(&text, e);
                }
            }
        }
    }

    /// The outputs step `s` declares: its own, or the called workflow's.
    fn outputs_of(&self, s: &doc::Step) -> Vec<String> {
        let mut names: Vec<String> = s.outputs.iter().map(|(n, _)| n.value.clone()).collect();
        if let Some(doc::Call::WorkflowId(id)) = &s.call
            && let Some(nested) = self.doc.workflows.iter().find(|w| w.id.value == id.value)
        {
            names.extend(nested.outputs.iter().map(|(k, _)| k.value.clone()));
        }
        names
    }
}

/// Why `$steps.STEP.outputs.NAME` can have no value, with the fix.
fn unknown_output(
    declared: &[(&str, Vec<String>)],
    step: &str,
    name: &str,
) -> Option<(String, String)> {
    let Some((_, outputs)) = declared.iter().find(|(id, _)| *id == step) else {
        let help = match did_you_mean(step, declared.iter().map(|(id, _)| *id)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "name a `stepId` of this workflow".into(),
        };
        return Some((format!("no step `{step}` in this workflow"), help));
    };
    let known = outputs
        .iter()
        .any(|o| *o == name || o.strip_prefix(name).is_some_and(|r| r.starts_with('.')));
    if known {
        return None;
    }
    let help = match did_you_mean(name, outputs.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None if outputs.is_empty() => format!(
            "declare it under step `{step}`'s `outputs`, e.g. `{name}: $response.body#/{name}`"
        ),
        None => format!(
            "declare it under step `{step}`'s `outputs`, or use one it declares: {}",
            outputs.join(", ")
        ),
    };
    Some((format!("step `{step}` declares no output `{name}`"), help))
}

/// Why `$inputs.NAME` can have no value, when the inputs schema lists its properties.
fn unknown_input(properties: &[&str], name: &str) -> Option<(String, String)> {
    if properties.contains(&name) {
        return None;
    }
    let help = match did_you_mean(name, properties.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("add `{name}` to the workflow's `inputs` properties"),
    };
    Some((format!("the workflow's inputs have no `{name}`"), help))
}

/// Every string of step `s` an expression may be written in, with its position.
fn strings_of_step(s: &doc::Step, out: &mut Vec<Spanned<String>>) {
    for p in &s.parameters {
        match p {
            doc::Param::Inline { value, .. } => strings_of(value, out),
            doc::Param::Reusable { value, .. } => {
                if let Some(v) = value {
                    strings_of(v, out);
                }
            }
        }
    }
    if let Some(b) = &s.body {
        if let Some(p) = &b.payload {
            strings_of(p, out);
        }
        for (_, v) in &b.replacements {
            strings_of(v, out);
        }
    }
    for c in &s.criteria {
        out.push(c.condition.clone());
        out.extend(c.context.clone());
    }
    out.extend(s.outputs.iter().map(|(_, e)| e.clone()));
}

/// The strings of a value tree, each with its span.
fn strings_of(node: &Node, out: &mut Vec<Spanned<String>>) {
    node.walk(&mut |n| {
        if let NodeKind::String(s) = &n.kind
            && s.contains('$')
        {
            out.push(Spanned::with_span(s.clone(), n.span()));
        }
    });
}
