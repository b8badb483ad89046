//! Values that break exactly one rule ([`Generator::negatives`]): a valid value with one place
//! changed (wrong type, a required property taken out, a number past its bound, a string too
//! short, too long, off its pattern or format, a value outside the `enum`, too few or too many
//! items, a repeated item, an unknown property). Each is kept only if the validator refuses it
//! for that rule at that place and for nothing else.

use serde_json::{Map, Value};

use super::boundary::child;
use super::numbers::{Bounds, to_json};
use super::resolve::{Ctx, types};
use super::strings::{bad_format, len_bounds};
use super::values::DEEP;
use super::{Generator, Negative, Optional, Place, Rule, Schema, errors};

/// Wrong-type stand-ins, in the order tried; the first of a type the schema refuses is used.
const WRONG: &[(&str, &str)] = &[
    ("string", "\"not-a-number\""),
    ("integer", "12345"),
    ("boolean", "true"),
    ("object", "{}"),
    ("array", "[]"),
    ("null", "null"),
];

/// A longest `maxLength` or `maxItems` a negative goes past (a request stays small).
const LONGEST: u64 = 10_000;

impl Generator {
    /// Values that break exactly one rule of `schema`, each refused by the validator for that
    /// rule at that pointer alone.
    pub fn negatives(&mut self, schema: &Schema, place: Place) -> Vec<Negative> {
        let Ok(validator) = schema.validator() else {
            return Vec::new();
        };
        // A base with every property gives the most places to break.
        self.place = place;
        self.optional = Optional::All;
        let base = self.valid_all(schema, place);
        self.optional = Optional::Random;
        let Ok(mut cx) = Ctx::new(schema) else {
            return Vec::new();
        };
        let root = cx.root.clone();
        let mut found = Vec::new();
        self.breaks(
            &mut cx,
            &root,
            base.as_ref().unwrap_or(&Value::Null),
            "",
            0,
            &mut found,
        );
        let mut out: Vec<Negative> = Vec::new();
        for (at, v, rule) in found {
            let value = put(base.as_ref().unwrap_or(&Value::Null), &at, v);
            if super::empty_segment(place, &value) {
                // `/terminals/` is another route: a 200 from it would be blamed on this one.
                continue;
            }
            let taken = out
                .iter()
                .any(|n| n.rule.keyword == rule.keyword && n.rule.pointer == rule.pointer);
            if taken {
                continue;
            }
            let errs = errors(validator, schema, place, &value);
            let only = !errs.is_empty()
                && errs
                    .iter()
                    .all(|e| e.keyword == rule.keyword && e.pointer == rule.pointer);
            if only {
                out.push(Negative { value, rule });
            }
        }
        out
    }

    /// A valid value with every optional property, else any valid value.
    fn valid_all(&mut self, schema: &Schema, place: Place) -> Option<Value> {
        let validator = schema.validator().ok()?;
        let mut cx = Ctx::new(schema).ok()?;
        let root = cx.root.clone();
        for _ in 0..8 {
            if let Ok(v) = self.value(&mut cx, &root, 0)
                && errors(validator, schema, place, &v).is_empty()
            {
                return Some(v);
            }
        }
        self.valid(schema, place).ok()
    }

    /// A value of a type the schema does not accept (a string, as a parameter travels, when
    /// the value is a parameter).
    fn type_break(
        &self,
        m: &Map<String, Value>,
        shown: &str,
        push: &mut impl FnMut(Value, &'static str, String),
    ) {
        if let Some(ts) = types(m).filter(|ts| !ts.is_empty()) {
            let accepts = |t: &str| {
                ts.iter()
                    .any(|a| a == t || (a == "number" && t == "integer"))
            };
            let param_string = self.place.is_text() && accepts("string");
            if !param_string {
                let wrong = WRONG
                    .iter()
                    .filter(|(t, _)| self.place == Place::Body || *t == "string")
                    .find(|(t, _)| !accepts(t));
                if let Some((t, json)) = wrong {
                    let mut value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                    if *t == "string" {
                        let noun = match ts[0].as_str() {
                            "integer" | "number" => "number",
                            "boolean" => "boolean",
                            "array" => "list",
                            other => other,
                        };
                        value = Value::String(format!("not-a-{noun}"));
                    }
                    push(
                        value,
                        "type",
                        format!("`{shown}` is of type {t}, not {}", ts.join(" or ")),
                    );
                }
            }
        }
    }

    /// Candidates that break one rule of `schema` at `at`, whose valid value is `v`: (where the
    /// change goes, the value put there, the rule).
    fn breaks(
        &mut self,
        cx: &mut Ctx<'_>,
        schema: &Value,
        v: &Value,
        at: &str,
        depth: usize,
        out: &mut Vec<(String, Value, Rule)>,
    ) {
        let Ok(flat) = cx.flatten(schema) else {
            return;
        };
        // With alternatives, only the keywords every branch shares are sure rules.
        let has_choices = !flat.choices.is_empty();
        let m = flat.map;
        let shown = if at.is_empty() { "the value" } else { at };
        let mut push = |value: Value, keyword: &'static str, description: String| {
            out.push((
                at.to_owned(),
                value,
                Rule {
                    keyword,
                    pointer: at.to_owned(),
                    description,
                },
            ));
        };
        self.type_break(&m, shown, &mut push);
        value_breaks(&m, shown, &mut push);
        match v {
            Value::String(s) => string_breaks(&m, s, shown, &mut push),
            Value::Number(n) => {
                let integer = types(&m).is_some_and(|ts| !ts.iter().any(|t| t == "number"));
                number_breaks(&m, n.as_f64().unwrap_or(0.0), integer, shown, &mut push);
            }
            Value::Array(items) => {
                self.array_breaks(cx, &m, items, shown, &mut push);
            }
            Value::Object(o) => object_breaks(&m, o, shown, &mut push),
            _ => {}
        }
        if has_choices || depth >= DEEP {
            return;
        }
        match v {
            Value::Object(o) => {
                let Some(props) = m.get("properties").and_then(Value::as_object) else {
                    return;
                };
                for (name, child_v) in o {
                    if let Some(s) = props.get(name) {
                        let s = s.clone();
                        self.breaks(cx, &s, child_v, &child(at, name), depth + 1, out);
                    }
                }
            }
            Value::Array(items) => {
                let schema = match (m.get("prefixItems"), m.get("items")) {
                    (Some(Value::Array(p)), _) if !p.is_empty() => p[0].clone(),
                    (_, Some(s)) => s.clone(),
                    _ => return,
                };
                if let Some(first) = items.first() {
                    self.breaks(cx, &schema, first, &format!("{at}/0"), depth + 1, out);
                }
            }
            _ => {}
        }
    }

    fn array_breaks(
        &mut self,
        cx: &mut Ctx<'_>,
        m: &Map<String, Value>,
        items: &[Value],
        shown: &str,
        push: &mut impl FnMut(Value, &'static str, String),
    ) {
        let count = |k: &str| m.get(k).and_then(Value::as_u64);
        if let Some(min) = count("minItems").filter(|n| *n > 0) {
            let fewer: Vec<Value> = items.iter().take(min as usize - 1).cloned().collect();
            let n = fewer.len();
            push(
                Value::Array(fewer),
                "minItems",
                format!("`{shown}` has {n} items, below minItems {min}"),
            );
        }
        let item_schema = m.get("items").cloned().unwrap_or(Value::Bool(true));
        let unique = m.get("uniqueItems").and_then(Value::as_bool) == Some(true);
        if let Some(max) = count("maxItems").filter(|n| *n < LONGEST) {
            let mut more = items.to_vec();
            let mut tries = 0;
            while more.len() <= max as usize && tries < 4 * (max as usize + 1) {
                tries += 1;
                let Ok(item) = self.value(cx, &item_schema, DEEP) else {
                    break;
                };
                if !unique || !more.contains(&item) {
                    more.push(item);
                }
            }
            let n = more.len();
            push(
                Value::Array(more),
                "maxItems",
                format!("`{shown}` has {n} items, above maxItems {max}"),
            );
        }
        if unique {
            let mut twice = items.to_vec();
            let first = match twice.first() {
                Some(f) => Some(f.clone()),
                None => self.value(cx, &item_schema, DEEP).ok(),
            };
            if let Some(first) = first {
                if twice.is_empty() {
                    twice.push(first.clone());
                }
                let room = count("maxItems").is_none_or(|max| (twice.len() as u64) < max);
                if room {
                    twice.push(first);
                } else if twice.len() >= 2 {
                    let last = twice.len() - 1;
                    twice[last] = first;
                }
                push(
                    Value::Array(twice),
                    "uniqueItems",
                    format!("`{shown}` repeats an item, which uniqueItems forbids"),
                );
            }
        }
    }
}
/// A value other than the `const`, and one outside the `enum`.
fn value_breaks(
    m: &Map<String, Value>,
    shown: &str,
    push: &mut impl FnMut(Value, &'static str, String),
) {
    if let Some(c) = m.get("const") {
        let other = match c {
            Value::String(s) => Value::String(format!("{s}-other")),
            Value::Number(n) => to_json(n.as_f64().unwrap_or(0.0) + 1.0),
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::String("other".into()),
        };
        push(other, "const", format!("`{shown}` is not the const {c}"));
    }
    if let Some(Value::Array(options)) = m.get("enum") {
        let other = if options.iter().all(Value::is_number) {
            let top = options.iter().filter_map(Value::as_f64).fold(0.0, f64::max);
            to_json(top.floor() + 1.0)
        } else {
            let mut s = "not-in-enum".to_owned();
            while options.contains(&Value::String(s.clone())) {
                s.push('x');
            }
            Value::String(s)
        };
        push(
            other.clone(),
            "enum",
            format!("`{shown}` is {other}, not one of the enum values"),
        );
    }
}

fn string_breaks(
    m: &Map<String, Value>,
    s: &str,
    shown: &str,
    push: &mut impl FnMut(Value, &'static str, String),
) {
    let (min, max) = len_bounds(m);
    let chars: Vec<char> = s.chars().collect();
    if min > 0 {
        let n = min - 1;
        let head: String = chars.iter().take(n).collect();
        let tail: String = chars[chars.len().saturating_sub(n)..].iter().collect();
        for shorter in [head, tail] {
            push(
                Value::String(shorter),
                "minLength",
                format!("`{shown}` is {n} characters, below minLength {min}"),
            );
        }
    }
    if let Some(max) = max.filter(|x| (*x as u64) < LONGEST) {
        // Longer by repeating its own characters, so a character class still holds.
        let source = if chars.is_empty() {
            vec!['a']
        } else {
            chars.clone()
        };
        let last = source[source.len() - 1];
        let cycled: String = source.iter().cycle().take(max + 1).collect();
        let padded: String = chars
            .iter()
            .copied()
            .chain(std::iter::repeat(last))
            .take(max + 1)
            .collect();
        for longer in [padded, cycled] {
            push(
                Value::String(longer),
                "maxLength",
                format!("`{shown}` is {} characters, above maxLength {max}", max + 1),
            );
        }
    }
    if let Some(p) = m.get("pattern").and_then(Value::as_str) {
        let mut candidates = vec![format!("{s}!"), "!".to_owned(), "~ ~".to_owned()];
        if !chars.is_empty() {
            // Same length, other characters: survives the length bounds.
            let swap: String = chars
                .iter()
                .map(|c| if c.is_ascii_alphanumeric() { '!' } else { 'a' })
                .collect();
            candidates.insert(0, swap);
            candidates.insert(1, "0".repeat(chars.len()));
            candidates.insert(2, "A".repeat(chars.len()));
        }
        for c in candidates {
            push(
                Value::String(c.clone()),
                "pattern",
                format!("`{shown}` is \"{c}\", which does not match pattern `{p}`"),
            );
        }
    }
    if let Some(f) = m.get("format").and_then(Value::as_str)
        && let Some(bad) = bad_format(f)
    {
        push(
            Value::String(bad.to_owned()),
            "format",
            format!("`{shown}` is \"{bad}\", not a valid {f}"),
        );
    }
}

fn number_breaks(
    m: &Map<String, Value>,
    v: f64,
    integer: bool,
    shown: &str,
    push: &mut impl FnMut(Value, &'static str, String),
) {
    let b = Bounds::of(m, integer);
    if let Some(below) = b.below() {
        let (keyword, bound) = match (b.min, b.exclusive_min) {
            (Some(a), Some(e)) if e >= a => ("exclusiveMinimum", e),
            (Some(a), _) => ("minimum", a),
            (None, e) => ("exclusiveMinimum", e.unwrap_or(0.0)),
        };
        let word = if keyword == "minimum" {
            "below"
        } else {
            "not above"
        };
        push(
            to_json(below),
            keyword,
            format!("`{shown}` is {}, {word} {keyword} {bound}", to_json(below)),
        );
    }
    if let Some(above) = b.above() {
        let (keyword, bound) = match (b.max, b.exclusive_max) {
            (Some(a), Some(e)) if e <= a => ("exclusiveMaximum", e),
            (Some(a), _) => ("maximum", a),
            (None, e) => ("exclusiveMaximum", e.unwrap_or(0.0)),
        };
        let word = if keyword == "maximum" {
            "above"
        } else {
            "not below"
        };
        push(
            to_json(above),
            keyword,
            format!("`{shown}` is {}, {word} {keyword} {bound}", to_json(above)),
        );
    }
    if let Some(step) = b.multiple {
        // An integer stays an integer (else `type` fails too); a step of 1 has no miss.
        let off = match (integer, step.fract() == 0.0) {
            (true, true) if step > 1.0 => to_json(v + 1.0),
            (true, _) => return,
            (false, _) => to_json(v + step / 2.0),
        };
        push(
            off.clone(),
            "multipleOf",
            format!("`{shown}` is {off}, not a multiple of {step}"),
        );
    }
}

fn object_breaks(
    m: &Map<String, Value>,
    o: &Map<String, Value>,
    shown: &str,
    push: &mut impl FnMut(Value, &'static str, String),
) {
    for r in m
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if o.contains_key(r) {
            let mut without = o.clone();
            without.shift_remove(r);
            push(
                Value::Object(without),
                "required",
                format!("`{shown}` lacks required property `{r}`"),
            );
        }
    }
    for keyword in ["additionalProperties", "unevaluatedProperties"] {
        if m.get(keyword) != Some(&Value::Bool(false)) {
            continue;
        }
        let mut name = "unexpected_property".to_owned();
        while o.contains_key(&name) {
            name.push('_');
        }
        let mut with = o.clone();
        with.insert(name.clone(), Value::String("x".into()));
        let keyword: &'static str = if keyword == "additionalProperties" {
            "additionalProperties"
        } else {
            "unevaluatedProperties"
        };
        push(
            Value::Object(with),
            keyword,
            format!("`{shown}` has property `{name}`, which {keyword}: false forbids"),
        );
    }
}

/// `base` with the value at `pointer` replaced by `v`.
fn put(base: &Value, pointer: &str, v: Value) -> Value {
    if pointer.is_empty() {
        return v;
    }
    let mut out = base.clone();
    if let Some(slot) = out.pointer_mut(pointer) {
        *slot = v;
    }
    out
}
