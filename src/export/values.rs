//! conform's `${...}` templates said as Arazzo runtime expressions: [`Names`] knows which names
//! are the scenario's variables (Arazzo inputs), which are captures (step outputs), and turns the
//! rest (environment variables, built-ins) into inputs with a default, each one noted as unsaid.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::scenario::{Pos, Segment, Template, VarRef};
use crate::source::{Node, NodeKind};

use super::Unsaid;

/// What the names of a scenario are in the workflow being written.
#[derive(Default)]
pub(super) struct Names {
    /// Inputs in order of first use: name to default (`None`: the input has no default).
    pub inputs: BTreeMap<String, Option<Value>>,
    /// The inputs that carry credentials: optional, since conform sends its target's own.
    pub credentials: std::collections::BTreeSet<String>,
    /// A capture's name to the step id that last captured it.
    pub captures: BTreeMap<String, String>,
    /// Built-in `${uuid}`s seen so far (each one a fresh value in conform, an input here).
    uuids: usize,
    /// The scenario's name, for `${scenario.name}`.
    pub scenario_name: String,
    /// What could not be said, in the order met.
    pub unsaid: Vec<Unsaid>,
}

impl Names {
    /// The runtime expression for `${var}` at `pos` (noting what Arazzo cannot say), or the
    /// literal text it always has.
    fn expr(&mut self, var: &VarRef, pos: Pos) -> Result<String, String> {
        let name = var.name.as_str();
        if let Some(step) = self.captures.get(name) {
            return Ok(format!("$steps.{step}.outputs.{}", input_name(name)));
        }
        if self.inputs.contains_key(name) {
            return Ok(format!("$inputs.{name}"));
        }
        if let Some(env) = name.strip_prefix("env.") {
            let input = input_name(env);
            let default = var.default.clone().map(Value::String);
            self.note(pos, format!("`${{{name}}}` reads the environment, which Arazzo cannot: input `{input}` instead{}",
                if default.is_some() { ", its default the fallback" } else { ", with no default" }));
            self.inputs.entry(input.clone()).or_insert(default);
            return Ok(format!("$inputs.{input}"));
        }
        let (input, default, what) = match name {
            "scenario.name" => return Err(self.scenario_name.clone()),
            "uuid" => {
                self.uuids += 1;
                let n = self.uuids;
                (
                    format!("uuid_{n}"),
                    // Distinct per scenario (a hash of its name), so the workflows of one
                    // run against one target do not share an idempotency token or an id.
                    format!("{:08x}-0000-4000-8000-{n:012}", fnv1a(&self.scenario_name)),
                    "a fresh UUID on every use",
                )
            }
            "run.id" => ("run_id".into(), "arazzo".into(), "the run's id"),
            "now" => (
                "now".into(),
                "2026-01-01T00:00:00Z".into(),
                "the time of the step",
            ),
            "now.date" => (
                "now_date".into(),
                "2026-01-01".into(),
                "the date of the step",
            ),
            "now.epoch" => (
                "now_epoch".into(),
                "1767225600".into(),
                "the time of the step",
            ),
            _ => return Ok(format!("$inputs.{}", input_name(name))),
        };
        self.note(pos, format!("`${{{name}}}` is {what}; Arazzo has no generator: input `{input}` with a fixed default"));
        self.inputs
            .entry(input.clone())
            .or_insert(Some(Value::String(default)));
        Ok(format!("$inputs.{input}"))
    }

    /// Notes something conform says that the workflow does not.
    pub fn note(&mut self, pos: Pos, what: String) {
        self.unsaid.push(Unsaid { pos, what });
    }

    /// A string as Arazzo writes it: one whole `${x}` becomes the expression (keeping its JSON
    /// type), text with `${x}` inside becomes text with `{$expr}` embedded.
    pub fn string(&mut self, text: &str, pos: Pos) -> Value {
        let Ok(template) = Template::parse(text) else {
            // conform refuses it when it runs; the text is kept as written.
            return Value::String(text.to_owned());
        };
        if let [Segment::Var(var)] = template.segments.as_slice() {
            return Value::String(self.expr(var, pos).unwrap_or_else(|lit| lit));
        }
        let mut out = String::new();
        for seg in &template.segments {
            match seg {
                Segment::Text(t) => out.push_str(t),
                Segment::Var(var) => match self.expr(var, pos) {
                    Ok(e) => {
                        out.push('{');
                        out.push_str(&e);
                        out.push('}');
                    }
                    Err(lit) => out.push_str(&lit),
                },
            }
        }
        Value::String(out)
    }

    /// A string that is one whole `${x}`, as its expression; `None` for text with variables
    /// inside, which leaves no trace (no input made for it, nothing noted about its names).
    pub fn try_string(&mut self, text: &str, pos: Pos) -> Option<String> {
        let (inputs, unsaid, uuids) = (self.inputs.clone(), self.unsaid.len(), self.uuids);
        match self.string(text, pos) {
            Value::String(e) if e.starts_with('$') && !e.contains('{') => Some(e),
            _ => {
                (self.inputs, self.uuids) = (inputs, uuids);
                self.unsaid.truncate(unsaid);
                None
            }
        }
    }

    /// A request value (body, parameter) with every template said as an expression.
    pub fn value(&mut self, node: &Node) -> Value {
        match &node.kind {
            NodeKind::String(s) => self.string(s, node.pos),
            NodeKind::Seq(items) => Value::Array(items.iter().map(|n| self.value(n)).collect()),
            NodeKind::Map(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    map.insert(k.value.clone(), self.value(v));
                }
                Value::Object(map)
            }
            _ => node.to_json(),
        }
    }

    /// The scenario's `vars` as inputs, each default what the variable holds when nothing is
    /// given (environment fallbacks and built-ins rendered as their inputs' defaults).
    pub fn vars(&mut self, vars: Option<&Node>) {
        let Some(entries) = vars.and_then(Node::as_map) else {
            return;
        };
        for (k, v) in entries {
            let default = self.default_of(v);
            self.inputs.insert(k.value.clone(), Some(default));
        }
    }

    fn default_of(&mut self, node: &Node) -> Value {
        let NodeKind::String(text) = &node.kind else {
            return node.to_json();
        };
        let Ok(template) = Template::parse(text) else {
            return Value::String(text.clone());
        };
        // Inputs made only to compute this default (an environment variable's, a built-in's)
        // are not the workflow's: the variable is.
        let kept = self.inputs.clone();
        let mut out = String::new();
        for seg in &template.segments {
            match seg {
                Segment::Text(t) => out.push_str(t),
                Segment::Var(var) => {
                    let value = match self.expr(var, node.pos) {
                        Ok(e) => e
                            .strip_prefix("$inputs.")
                            .and_then(|i| self.inputs.get(i).cloned().flatten()),
                        Err(lit) => Some(Value::String(lit)),
                    };
                    match value {
                        Some(Value::String(s)) => out.push_str(&s),
                        Some(other) => out.push_str(&other.to_string()),
                        None => {}
                    }
                }
            }
        }
        self.inputs = kept;
        Value::String(out)
    }

    /// The workflow's `inputs`: a JSON Schema object, each input typed by its default.
    pub fn inputs_schema(&self) -> Option<Value> {
        if self.inputs.is_empty() {
            return None;
        }
        let mut props = Map::new();
        let mut required = Vec::new();
        for (name, default) in &self.inputs {
            let mut p = Map::new();
            let ty = match default {
                Some(Value::Number(n)) if n.is_i64() || n.is_u64() => "integer",
                Some(Value::Number(_)) => "number",
                Some(Value::Bool(_)) => "boolean",
                Some(Value::Array(_)) => "array",
                Some(Value::Object(_)) => "object",
                _ => "string",
            };
            p.insert("type".into(), ty.into());
            if self.credentials.contains(name) {
                p.insert("description".into(), CREDENTIAL.into());
                props.insert(name.clone(), Value::Object(p));
                continue;
            }
            match default {
                Some(Value::Null) | None => required.push(Value::String(name.clone())),
                Some(d) => {
                    p.insert("default".into(), d.clone());
                }
            }
            props.insert(name.clone(), Value::Object(p));
        }
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        Some(Value::Object(schema))
    }
}

/// The 32-bit FNV-1a hash of `text`: stable across runs and builds, unlike std's hasher, so
/// the export's fixed defaults do not change from one export to the next.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// What a credential input is for: a runner that does not authenticate as the target is
/// configured to (Respect) needs it; conform sends the target's credentials and leaves it unset.
const CREDENTIAL: &str = "the credentials for runners that do not send the target's own (Respect); conform sends its target's";

/// A name Arazzo accepts for an input or a step: letters, digits, `_` and `-`; anything else
/// becomes `_` (`env.OS_IMAGE` -> `OS_IMAGE`'s input is `OS_IMAGE`).
pub(super) fn input_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
