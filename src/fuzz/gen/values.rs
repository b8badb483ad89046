//! Building one value from a schema: picking a `oneOf`/`anyOf` branch and a type, then a
//! scalar, an array or an object. Optional properties and extra items stop past [`DEEP`] levels,
//! so a recursive schema (a tree of nodes) ends; a request leaves readOnly properties out.

use rand::RngExt;
use serde_json::{Map, Value};

use super::numbers::{Bounds, to_json};
use super::resolve::{Ctx, Flat, types};
use super::{GenError, Generator, Optional, Place, strings};

/// Past this depth only what is required is made.
pub(super) const DEEP: usize = 3;
/// Past this depth nothing is made: a schema that requires itself has no finite value.
const HARD: usize = 24;
/// Rounds of `oneOf`/`anyOf` inside a chosen branch followed when settling a schema.
const CHOICE_ROUNDS: usize = 8;

impl Generator {
    /// A value for `schema` (most likely valid: the caller checks it).
    pub(super) fn value(
        &mut self,
        cx: &mut Ctx<'_>,
        schema: &Value,
        depth: usize,
    ) -> Result<Value, GenError> {
        let flat = cx.flatten(schema)?;
        let map = self.settle(cx, flat, None)?;
        self.build(cx, &map, depth)
    }

    /// The keywords of `flat` with one branch of each choice merged in: `forced` names the
    /// branch of the first group, else each is drawn at random.
    pub(super) fn settle(
        &mut self,
        cx: &mut Ctx<'_>,
        mut flat: Flat,
        forced: Option<usize>,
    ) -> Result<Map<String, Value>, GenError> {
        let mut forced = forced;
        for _ in 0..CHOICE_ROUNDS {
            if flat.choices.is_empty() {
                break;
            }
            for group in std::mem::take(&mut flat.choices) {
                if group.is_empty() {
                    continue;
                }
                let i = match forced.take() {
                    Some(i) => i.min(group.len() - 1),
                    None => self.rng.random_range(0..group.len()),
                };
                let branch = cx.flatten(&group[i])?;
                flat.merge(branch);
            }
        }
        Ok(flat.map)
    }

    /// The types `m` allows at this place, explicit or read from its keywords.
    pub(super) fn allowed(&self, m: &Map<String, Value>) -> Vec<String> {
        let mut ts = types(m).unwrap_or_else(|| inferred(m));
        if self.place.is_text() && ts.iter().any(|t| t != "null" && t != "object") {
            // A parameter is text: `null` would arrive as the string "null".
            ts.retain(|t| t != "null" && t != "object");
        }
        ts
    }

    pub(super) fn build(
        &mut self,
        cx: &mut Ctx<'_>,
        m: &Map<String, Value>,
        depth: usize,
    ) -> Result<Value, GenError> {
        if depth > HARD {
            return Err(GenError::TooDeep {
                reason: format!(
                    "more than {HARD} levels of required values (a schema that requires itself?)"
                ),
            });
        }
        if let Some(c) = m.get("const") {
            return Ok(c.clone());
        }
        if let Some(Value::Array(options)) = m.get("enum") {
            let usable: Vec<&Value> = options
                .iter()
                .filter(|v| self.place == Place::Body || !v.is_null())
                .collect();
            if usable.is_empty() {
                return Err(GenError::Unsatisfiable {
                    reason: "the `enum` has no value left (empty, or emptied by `allOf`)".into(),
                });
            }
            return Ok(usable[self.rng.random_range(0..usable.len())].clone());
        }
        let ts = self.allowed(m);
        if ts.is_empty() {
            return Err(GenError::Unsatisfiable {
                reason: "no type is left (the `type`s of `allOf` members do not overlap)".into(),
            });
        }
        let non_null: Vec<&String> = ts.iter().filter(|t| *t != "null").collect();
        let t = if non_null.is_empty() || (non_null.len() < ts.len() && self.rng.random_bool(0.2)) {
            "null".to_owned()
        } else {
            non_null[self.rng.random_range(0..non_null.len())].clone()
        };
        self.of_type(cx, m, &t, depth)
    }

    pub(super) fn of_type(
        &mut self,
        cx: &mut Ctx<'_>,
        m: &Map<String, Value>,
        t: &str,
        depth: usize,
    ) -> Result<Value, GenError> {
        Ok(match t {
            "null" => Value::Null,
            "boolean" => Value::Bool(self.rng.random_bool(0.5)),
            "integer" | "number" => {
                let b = Bounds::of(m, t == "integer");
                let v = b
                    .random(&mut self.rng)
                    .ok_or_else(|| GenError::Unsatisfiable {
                        reason: "no number lies within the bounds and `multipleOf`".into(),
                    })?;
                to_json(v)
            }
            "string" => Value::String(strings::string(
                &mut self.rng,
                &mut self.patterns,
                m,
                self.place,
            )?),
            "array" => self.array(cx, m, depth)?,
            "object" => self.object(cx, m, depth)?,
            other => {
                return Err(GenError::Unsatisfiable {
                    reason: format!("unknown type `{other}`"),
                });
            }
        })
    }

    fn array(
        &mut self,
        cx: &mut Ctx<'_>,
        m: &Map<String, Value>,
        depth: usize,
    ) -> Result<Value, GenError> {
        let count = |k: &str| m.get(k).and_then(Value::as_u64).map(|n| n as usize);
        let min = count("minItems").unwrap_or(0);
        let max = count("maxItems");
        let n = if depth >= DEEP {
            min
        } else {
            let hi = max.unwrap_or(usize::MAX).min(min + 3);
            if hi <= min {
                min
            } else {
                self.rng.random_range(min..=hi)
            }
        };
        let prefix: Vec<Value> = match m.get("prefixItems") {
            Some(Value::Array(p)) => p.clone(),
            _ => Vec::new(),
        };
        let rest = m.get("items").cloned().unwrap_or(Value::Bool(true));
        let unique = m.get("uniqueItems").and_then(Value::as_bool) == Some(true);
        let mut items: Vec<Value> = Vec::with_capacity(n);
        for i in 0..n {
            let schema = prefix.get(i).unwrap_or(&rest).clone();
            let schema = match (i, m.get("contains")) {
                (0, Some(c)) => serde_json::json!({ "allOf": [schema, c] }),
                _ => schema,
            };
            let mut item = self.value(cx, &schema, depth + 1)?;
            // A few draws for an item not seen yet; the validator decides if none comes.
            for _ in 0..8 {
                if !unique || !items.contains(&item) {
                    break;
                }
                item = self.value(cx, &schema, depth + 1)?;
            }
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn object(
        &mut self,
        cx: &mut Ctx<'_>,
        m: &Map<String, Value>,
        depth: usize,
    ) -> Result<Value, GenError> {
        let empty = Map::new();
        let props = m
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = m
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let min_props = m.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        let mut out = Map::new();
        let mut optional: Vec<(&String, Map<String, Value>)> = Vec::new();
        for (name, schema) in props {
            let is_required = required.contains(&name.as_str());
            let flat = cx.flatten(schema)?;
            let map = self.settle(cx, flat, None)?;
            // A request leaves readOnly properties out, unless the schema requires them (the
            // request check validates against the schema as written, which then demands them).
            let read_only = map.get("readOnly").and_then(Value::as_bool) == Some(true);
            if is_required {
                let v = self.build(cx, &map, depth + 1)?;
                out.insert(name.clone(), v);
                continue;
            }
            if read_only || depth >= DEEP {
                continue;
            }
            let take = match self.optional {
                Optional::All => true,
                Optional::None => false,
                Optional::Random => self.rng.random_bool(0.5),
            };
            if take {
                // An optional property that cannot be made is left out, not a failure.
                if let Ok(v) = self.build(cx, &map, depth + 1) {
                    out.insert(name.clone(), v);
                }
            } else {
                optional.push((name, map));
            }
        }
        let extra = match m.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(s @ Value::Object(_)) => Some(s.clone()),
            _ if m.get("unevaluatedProperties") == Some(&Value::Bool(false)) => None,
            _ => Some(serde_json::json!({ "type": "string" })),
        };
        for name in &required {
            if !out.contains_key(*name) {
                let schema = extra.clone().unwrap_or(Value::Bool(true));
                let v = self.value(cx, &schema, depth + 1)?;
                out.insert((*name).to_owned(), v);
            }
        }
        // `dependentRequired`: a present property brings the ones it names.
        let wanted: Vec<String> = m
            .get("dependentRequired")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(k, _)| out.contains_key(*k))
            .flat_map(|(_, deps)| deps.as_array().into_iter().flatten())
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        for (name, map) in optional {
            if out.len() >= min_props && !wanted.contains(name) {
                continue;
            }
            if let Ok(v) = self.build(cx, &map, depth + 1) {
                out.insert(name.clone(), v);
            }
        }
        let mut i = 0;
        while out.len() < min_props
            && let Some(schema) = &extra
        {
            i += 1;
            let v = self.value(cx, schema, depth + 1)?;
            out.insert(format!("extra{i}"), v);
        }
        Ok(Value::Object(out))
    }
}

/// The type a schema without `type` most likely means, from its keywords; a schema with none
/// of them accepts anything, and a string is the simplest thing.
fn inferred(m: &Map<String, Value>) -> Vec<String> {
    let has = |keys: &[&str]| keys.iter().any(|k| m.contains_key(*k));
    let t = if has(&[
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        "patternProperties",
    ]) {
        "object"
    } else if has(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
    ]) {
        "array"
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        "number"
    } else {
        "string"
    };
    vec![t.to_owned()]
}
