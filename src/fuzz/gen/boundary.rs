//! Accepted values at the edges of a schema ([`Generator::boundaries`]): the shortest and
//! longest strings, the first and last numbers inside the bounds, the fewest and most items,
//! the ends of an `int32`/`int64` format left unbounded, each `enum` value and each
//! `oneOf`/`anyOf` branch, an object with only what is required and
//! one with every property, `null` when allowed, and the same for each property of an object.

use serde_json::{Map, Value};

use super::numbers::{Bounds, to_json};
use super::resolve::Ctx;
use super::{Generator, Optional, Place, Schema, errors, escape};

/// At most this many boundary values per schema (the first ones are the top level's).
const MAX: usize = 64;
/// Boundary values kept per property of an object.
const PER_PROPERTY: usize = 8;
/// Lengths and counts above this are not generated as a boundary (a request stays small).
const LONGEST: u64 = 4096;

impl Generator {
    /// Accepted values at the edges of `schema`, each checked valid, duplicates removed.
    pub fn boundaries(&mut self, schema: &Schema, place: Place) -> Vec<Value> {
        self.place = place;
        let Ok(validator) = schema.validator() else {
            return Vec::new();
        };
        let Ok(mut cx) = Ctx::new(schema) else {
            return Vec::new();
        };
        let root = cx.root.clone();
        let mut found = Vec::new();
        self.edges(&mut cx, &root, 0, &mut found);
        self.optional = Optional::Random;
        if let Ok(v) = self.valid(schema, place) {
            found.push(v);
        }
        let mut out: Vec<Value> = Vec::new();
        for v in found {
            if out.len() >= MAX {
                break;
            }
            if !out.contains(&v) && errors(validator, schema, place, &v).is_empty() {
                out.push(v);
            }
        }
        out
    }

    /// The edge candidates of `schema` (unchecked) appended to `out`.
    fn edges(&mut self, cx: &mut Ctx<'_>, schema: &Value, depth: usize, out: &mut Vec<Value>) {
        let Ok(flat) = cx.flatten(schema) else {
            return;
        };
        if let Some(group) = flat.choices.first() {
            for i in 0..group.len() {
                if let Ok(m) = self.settle(cx, flat.clone(), Some(i))
                    && let Ok(v) = self.build(cx, &m, depth)
                {
                    out.push(v);
                }
            }
        }
        let Ok(m) = self.settle(cx, flat, None) else {
            return;
        };
        if let Some(c) = m.get("const") {
            out.push(c.clone());
            return;
        }
        if let Some(Value::Array(options)) = m.get("enum") {
            out.extend(options.iter().cloned());
            return;
        }
        for t in self.allowed(&m) {
            let mut typed = m.clone();
            typed.insert("type".into(), Value::String(t.clone()));
            match t.as_str() {
                "null" => out.push(Value::Null),
                "boolean" => out.extend([Value::Bool(false), Value::Bool(true)]),
                "integer" | "number" => {
                    let b = Bounds::of(&m, t == "integer");
                    out.extend(b.first().into_iter().chain(b.last()).map(to_json));
                    out.extend(format_edges(&m, &b).into_iter().map(to_json));
                }
                "string" => {
                    if !m.contains_key("minLength") {
                        out.push(Value::String(String::new()));
                    }
                    self.tightened(cx, &typed, "minLength", "maxLength", depth, out);
                    self.tightened(cx, &typed, "maxLength", "minLength", depth, out);
                }
                "array" => {
                    if !m.contains_key("minItems") {
                        out.push(Value::Array(Vec::new()));
                    }
                    self.tightened(cx, &typed, "minItems", "maxItems", depth, out);
                    self.tightened(cx, &typed, "maxItems", "minItems", depth, out);
                }
                "object" => self.object_edges(cx, &typed, depth, out),
                _ => {}
            }
        }
    }

    /// A value with `to` pinned to the value of `from` (`maxLength := minLength`: the shortest).
    fn tightened(
        &mut self,
        cx: &mut Ctx<'_>,
        m: &Map<String, Value>,
        from: &str,
        to: &str,
        depth: usize,
        out: &mut Vec<Value>,
    ) {
        let Some(n) = m
            .get(from)
            .and_then(Value::as_u64)
            .filter(|n| *n <= LONGEST)
        else {
            return;
        };
        let mut pinned = m.clone();
        pinned.insert(to.into(), Value::from(n));
        if let Ok(v) = self.build(cx, &pinned, depth) {
            out.push(v);
        }
    }

    fn object_edges(
        &mut self,
        cx: &mut Ctx<'_>,
        m: &Map<String, Value>,
        depth: usize,
        out: &mut Vec<Value>,
    ) {
        let saved = self.optional;
        self.optional = Optional::None;
        let minimal = self.build(cx, m, depth);
        self.optional = Optional::All;
        let full = self.build(cx, m, depth);
        self.optional = saved;
        out.extend(full.iter().cloned());
        let Ok(Value::Object(base)) = minimal else {
            return;
        };
        out.push(Value::Object(base.clone()));
        if depth > 0 {
            return;
        }
        let Some(props) = m.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (name, schema) in props {
            if is_read_only(cx, schema) && !base.contains_key(name) {
                continue;
            }
            let mut each = Vec::new();
            self.edges(cx, schema, depth + 1, &mut each);
            for v in each.into_iter().take(PER_PROPERTY) {
                let mut o = base.clone();
                o.insert(name.clone(), v);
                out.push(Value::Object(o));
            }
        }
    }
}

/// The ends of an integer `format` where the schema sets no bound of its own: a server that
/// stores an `int32` in fewer bits, or an `int64` in a float, breaks there. An `int64` stops
/// where JSON numbers stay exact (2^53 - 1).
fn format_edges(m: &Map<String, Value>, b: &Bounds) -> Vec<f64> {
    let (lo, hi) = match m.get("format").and_then(Value::as_str) {
        Some("int32") => (f64::from(i32::MIN), f64::from(i32::MAX)),
        Some("int64") => (-9_007_199_254_740_991.0, 9_007_199_254_740_991.0),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    if b.first().is_none() {
        out.push(lo);
    }
    if b.last().is_none() {
        out.push(hi);
    }
    out
}

fn is_read_only(cx: &mut Ctx<'_>, schema: &Value) -> bool {
    cx.flatten(schema)
        .is_ok_and(|f| f.map.get("readOnly").and_then(Value::as_bool) == Some(true))
}

/// The pointer of property `name` under `at`.
pub(super) fn child(at: &str, name: &str) -> String {
    format!("{at}/{}", escape(name))
}
