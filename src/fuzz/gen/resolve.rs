//! Inner `$ref`s and `allOf`, read the way the validator reads them: [`Ctx`] looks a reference
//! up in the spec's own schema registry (so a `$ref` into another file of a multi-file spec
//! resolves as it does for validation), and [`Flat`] is a schema with its `$ref`s and `allOf`
//! members merged into one set of keywords, its `oneOf`/`anyOf` (and `if`/`else`) left as
//! choices for the generator to pick from.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::GenError;
use crate::openapi::Schema;

/// `$ref` chains deeper than this are a cycle through `allOf` (the loader refuses pure cycles).
const MAX_REFS: usize = 48;

/// Keys that hold data or prose, not rules: never merged, never walked for `$ref`s.
const NOT_RULES: &[&str] = &[
    "enum",
    "const",
    "default",
    "example",
    "examples",
    "description",
    "title",
    "$comment",
    "$defs",
    "definitions",
];

/// One schema's resolution context: the registry its validator is compiled against, and the
/// subschemas already looked up, with their `$ref`s made absolute.
pub(super) struct Ctx<'r> {
    registry: &'r jsonschema::Registry<'static>,
    base: jsonschema::Uri<String>,
    cache: HashMap<String, Value>,
    pub(super) root: Value,
}

impl<'r> Ctx<'r> {
    pub(super) fn new(schema: &'r Schema) -> Result<Self, GenError> {
        let reference = schema
            .wrapper
            .get("$ref")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let file = reference.split('#').next().unwrap_or_default();
        let base = jsonschema::uri::from_str(file).map_err(|e| GenError::Unresolvable {
            reference: reference.clone(),
            reason: e.to_string(),
        })?;
        let mut cx = Ctx {
            registry: &schema.registry,
            base,
            cache: HashMap::new(),
            root: Value::Null,
        };
        cx.root = cx.lookup(&reference)?;
        Ok(cx)
    }

    /// The schema an absolute reference names, its own `$ref`s made absolute.
    fn lookup(&mut self, reference: &str) -> Result<Value, GenError> {
        if let Some(v) = self.cache.get(reference) {
            return Ok(v.clone());
        }
        let unresolvable = |e: &dyn std::fmt::Display| GenError::Unresolvable {
            reference: reference.to_owned(),
            reason: e.to_string(),
        };
        let resolver = self.registry.resolver(self.base.clone());
        let resolved = resolver.lookup(reference).map_err(|e| unresolvable(&e))?;
        let base = resolved.resolver().base_uri();
        let mut value = resolved.contents().clone();
        absolutize(self.registry, &base, &mut value);
        self.cache.insert(reference.to_owned(), value.clone());
        Ok(value)
    }

    /// `schema` with its `$ref`s and `allOf` merged in.
    pub(super) fn flatten(&mut self, schema: &Value) -> Result<Flat, GenError> {
        self.flatten_at(schema, 0)
    }

    fn flatten_at(&mut self, schema: &Value, refs: usize) -> Result<Flat, GenError> {
        if refs > MAX_REFS {
            return Err(GenError::TooDeep {
                reason: format!("more than {MAX_REFS} nested `$ref`/`allOf` levels"),
            });
        }
        let map = match schema {
            Value::Bool(false) => {
                return Err(GenError::Unsatisfiable {
                    reason: "the schema is `false`: it accepts nothing".into(),
                });
            }
            Value::Object(map) => map,
            _ => return Ok(Flat::default()),
        };
        let mut flat = Flat::default();
        for (k, v) in map {
            match k.as_str() {
                "$ref" | "allOf" | "oneOf" | "anyOf" | "if" | "then" | "else" => {}
                "enum" | "const" => {
                    flat.map.insert(k.clone(), v.clone());
                }
                _ if NOT_RULES.contains(&k.as_str()) => {}
                _ => merge_key(&mut flat.map, k, v),
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get(key) {
                flat.choices.push(branches.clone());
            }
        }
        if let Some(cond) = map.get("if")
            && (map.contains_key("then") || map.contains_key("else"))
        {
            let then = map.get("then").cloned().unwrap_or(Value::Bool(true));
            let other = map.get("else").cloned().unwrap_or(Value::Bool(true));
            flat.choices
                .push(vec![serde_json::json!({ "allOf": [cond, then] }), other]);
        }
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let target = self.lookup(reference)?;
            let inner = self.flatten_at(&target, refs + 1)?;
            flat.merge(inner);
        }
        if let Some(Value::Array(members)) = map.get("allOf") {
            for m in members {
                let inner = self.flatten_at(m, refs + 1)?;
                flat.merge(inner);
            }
        }
        Ok(flat)
    }
}

/// A schema's keywords with `$ref`s and `allOf` merged, and its alternatives still to choose.
#[derive(Debug, Clone, Default)]
pub(super) struct Flat {
    pub map: Map<String, Value>,
    /// Each `oneOf`/`anyOf` (and `if`/`else`) group: one branch of each is to hold.
    pub choices: Vec<Vec<Value>>,
}

impl Flat {
    pub(super) fn merge(&mut self, other: Flat) {
        for (k, v) in &other.map {
            merge_key(&mut self.map, k, v);
        }
        self.choices.extend(other.choices);
    }
}

/// The JSON types a schema allows, when it says (`type`, a string or a list).
pub(super) fn types(map: &Map<String, Value>) -> Option<Vec<String>> {
    match map.get("type")? {
        Value::String(t) => Some(vec![t.clone()]),
        Value::Array(ts) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

/// Adds keyword `k` to `into`, combined with what is there so that both hold: the tighter bound,
/// the union of `required`, the intersection of `type` and `enum`, properties merged by name.
fn merge_key(into: &mut Map<String, Value>, k: &str, v: &Value) {
    let Some(old) = into.get(k).cloned() else {
        into.insert(k.to_owned(), v.clone());
        return;
    };
    let merged = match k {
        "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties" => {
            pick_num(&old, v, f64::max)
        }
        "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties" => {
            pick_num(&old, v, f64::min)
        }
        "required" => {
            let mut all = old.as_array().cloned().unwrap_or_default();
            for r in v.as_array().into_iter().flatten() {
                if !all.contains(r) {
                    all.push(r.clone());
                }
            }
            Value::Array(all)
        }
        "type" => {
            let a = types(&Map::from_iter([("type".to_owned(), old.clone())])).unwrap_or_default();
            let b = types(&Map::from_iter([("type".to_owned(), v.clone())])).unwrap_or_default();
            let both: Vec<Value> = a
                .iter()
                .filter_map(|t| {
                    if b.contains(t) {
                        Some(t.clone())
                    } else if t == "number" && b.iter().any(|u| u == "integer") {
                        Some("integer".to_owned())
                    } else if t == "integer" && b.iter().any(|u| u == "number") {
                        Some(t.clone())
                    } else {
                        None
                    }
                })
                .map(Value::String)
                .collect();
            Value::Array(both)
        }
        "enum" => {
            let b = v.as_array().cloned().unwrap_or_default();
            Value::Array(
                old.as_array()
                    .into_iter()
                    .flatten()
                    .filter(|x| b.contains(x))
                    .cloned()
                    .collect(),
            )
        }
        "properties" | "patternProperties" | "dependentSchemas" => {
            let mut props = old.as_object().cloned().unwrap_or_default();
            for (name, s) in v.as_object().into_iter().flatten() {
                let combined = match props.get(name) {
                    Some(prev) if prev != s => serde_json::json!({ "allOf": [prev, s] }),
                    _ => s.clone(),
                };
                props.insert(name.clone(), combined);
            }
            Value::Object(props)
        }
        "readOnly" | "writeOnly" | "uniqueItems" => {
            Value::Bool(old.as_bool().unwrap_or(false) || v.as_bool().unwrap_or(false))
        }
        "additionalProperties" | "items" | "unevaluatedProperties" | "contains" | "not" => {
            if old == Value::Bool(false) || v == &Value::Bool(false) {
                Value::Bool(false)
            } else if &old == v {
                old
            } else {
                serde_json::json!({ "allOf": [old, v] })
            }
        }
        // pattern, format, multipleOf...: the first stays; the validator check catches the rest.
        _ => old,
    };
    into.insert(k.to_owned(), merged);
}

fn pick_num(a: &Value, b: &Value, f: fn(f64, f64) -> f64) -> Value {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            let r = f(x, y);
            if r == x { a.clone() } else { b.clone() }
        }
        _ => a.clone(),
    }
}

/// Rewrites every `$ref` in `value` (outside data keys) as an absolute URI against `base`, so
/// a subschema taken out of its file still names what it meant.
fn absolutize(
    registry: &jsonschema::Registry<'static>,
    base: &jsonschema::Uri<String>,
    value: &mut Value,
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if r.starts_with('#') {
                    *r = format!("{}{r}", base.as_str());
                } else {
                    let (file, fragment) = r.split_once('#').unwrap_or((r.as_str(), ""));
                    if let Ok(uri) = registry.resolve_uri(&base.borrow(), file) {
                        *r = format!("{}#{fragment}", uri.as_str());
                    }
                }
            }
            for (k, child) in map.iter_mut() {
                if k != "$ref" && !NOT_RULES[..6].contains(&k.as_str()) {
                    absolutize(registry, base, child);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                absolutize(registry, base, child);
            }
        }
        _ => {}
    }
}
