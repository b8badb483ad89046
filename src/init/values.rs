//! Request values for a first corpus: [`Filled`], the spec's example where it has one, else a
//! minimal value generated from the schema's required fields (types, formats, enums, bounds).
//! A pattern is only satisfied when the plain candidate already matches; otherwise the value is
//! marked for the user to edit, never guessed at.

use serde_json::{Map, Value, json};

use super::raw::Doc;

/// How deep nested objects are filled before giving up (a recursive schema stops here).
const MAX_DEPTH: usize = 8;

/// A value and where it came from, for the comment written beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    pub value: Value,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The spec's own `example`/`examples`.
    Example,
    /// Made from the schema: plausible, but the user should look.
    Generated,
    /// Made from the schema, but a rule (a pattern) could not be met: the user must edit it.
    Edit,
}

impl Origin {
    /// The comment written after the value.
    pub fn comment(self) -> &'static str {
        match self {
            Origin::Example => "from the spec's example",
            Origin::Generated => "generated from the schema: edit to a real value",
            Origin::Edit => "EDIT: generated, but it does not meet the schema's pattern",
        }
    }

    /// The weaker of two origins, for a value assembled from parts.
    pub fn and(self, other: Origin) -> Origin {
        match (self, other) {
            (Origin::Edit, _) | (_, Origin::Edit) => Origin::Edit,
            (Origin::Generated, _) | (_, Origin::Generated) => Origin::Generated,
            _ => Origin::Example,
        }
    }
}

/// `${` would be read as a template: a value from the spec is sent as written.
pub fn escape(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("${", "$${")),
        Value::Array(a) => Value::Array(a.into_iter().map(escape).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, escape(v))).collect()),
        other => other,
    }
}

/// A value for `schema`: its own example, default, const or first enum value, else generated.
pub fn fill(doc: &Doc, schema: &Value) -> Filled {
    fill_at(doc, schema, 0)
}

fn fill_at(doc: &Doc, schema: &Value, depth: usize) -> Filled {
    let schema = doc.resolve(schema);
    let example = |v: &Value| Filled {
        value: escape(v.clone()),
        origin: Origin::Example,
    };
    if let Some(v) = schema.get("example") {
        return example(v);
    }
    if let Some(v) = schema
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return example(v);
    }
    for key in ["const", "default"] {
        if let Some(v) = schema.get(key) {
            return generated(escape(v.clone()));
        }
    }
    if let Some(v) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return generated(escape(v.clone()));
    }
    if depth >= MAX_DEPTH {
        return generated(Value::Null);
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        return all_of(doc, schema, parts, depth);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return fill_at(doc, first, depth + 1);
        }
    }
    match type_of(schema).as_deref() {
        Some("string") => string(schema),
        Some("integer") => generated(json!(number(schema, true) as i64)),
        Some("number") => generated(json!(number(schema, false))),
        Some("boolean") => generated(json!(true)),
        Some("null") => generated(Value::Null),
        Some("array") => array(doc, schema, depth),
        Some("object") => object(doc, schema, depth),
        _ if schema.get("properties").is_some() => object(doc, schema, depth),
        _ => generated(json!("value")),
    }
}

fn generated(value: Value) -> Filled {
    Filled {
        value,
        origin: Origin::Generated,
    }
}

/// The schema's type; of a list (`[string, "null"]`), the first that is not null.
fn type_of(schema: &Value) -> Option<String> {
    match schema.get("type")? {
        Value::String(t) => Some(t.clone()),
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .map(str::to_owned),
        _ => None,
    }
}

fn string(schema: &Value) -> Filled {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let pattern = schema.get("pattern").and_then(Value::as_str);
    let candidate = match format {
        "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_owned(),
        "date-time" => "2024-01-01T00:00:00Z".to_owned(),
        "date" => "2024-01-01".to_owned(),
        "time" => "00:00:00Z".to_owned(),
        "email" => "user@example.com".to_owned(),
        "uri" | "url" => "https://example.com/".to_owned(),
        "hostname" => "example.com".to_owned(),
        "ipv4" => "192.0.2.1".to_owned(),
        "ipv6" => "2001:db8::1".to_owned(),
        _ => {
            let min = bound(schema, "minLength").unwrap_or(0.0) as usize;
            let max = bound(schema, "maxLength").map(|m| m as usize);
            // A unique name per run where it fits: a real target keeps what a run creates.
            // Letters and digits only (`${run.id}` is 12 hex digits): such a value often ends
            // up as an id in a path, and servers route ids by `\w+` or `[A-Za-z0-9]+` (jupyter's
            // `/api/config/{section_name}` 404s on `conform-1`). A schema `pattern` or `format`
            // still decides where it has one (above, and the pattern check below).
            let unique = "conform${run.id}";
            if pattern.is_none() && max.is_none_or(|m| m >= 20) && min <= 20 {
                unique.to_owned()
            } else {
                let len = min.max(1).min(max.unwrap_or(usize::MAX)).max(min);
                "x".repeat(len)
            }
        }
    };
    let origin = match pattern.map(regex::Regex::new) {
        Some(Ok(re)) if !re.is_match(&candidate) => Origin::Edit,
        Some(Err(_)) => Origin::Edit,
        _ => Origin::Generated,
    };
    Filled {
        value: Value::String(candidate),
        origin,
    }
}

fn bound(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

/// 1 where the bounds allow it, else the nearest value inside them.
fn number(schema: &Value, integer: bool) -> f64 {
    let step = if integer { 1.0 } else { 0.5 };
    let mut low = bound(schema, "minimum");
    if let Some(x) = bound(schema, "exclusiveMinimum") {
        low = Some(low.map_or(x + step, |l: f64| l.max(x + step)));
    }
    let mut high = bound(schema, "maximum");
    if let Some(x) = bound(schema, "exclusiveMaximum") {
        high = Some(high.map_or(x - step, |h: f64| h.min(x - step)));
    }
    let mut v = 1.0_f64;
    if let Some(l) = low {
        v = v.max(if integer { l.ceil() } else { l });
    }
    if let Some(h) = high {
        v = v.min(if integer { h.floor() } else { h });
    }
    v
}

fn array(doc: &Doc, schema: &Value, depth: usize) -> Filled {
    let n = bound(schema, "minItems").unwrap_or(0.0) as usize;
    let item = schema.get("items").cloned().unwrap_or(json!({}));
    let mut origin = Origin::Generated;
    let items = (0..n.min(16))
        .map(|_| {
            let f = fill_at(doc, &item, depth + 1);
            origin = origin.and(f.origin);
            f.value
        })
        .collect();
    Filled {
        value: Value::Array(items),
        origin,
    }
}

/// The required properties, and every optional one with a simple value (an example, a
/// default, an enum, or a plain string, number or boolean), in the schema's order: a user's
/// request sends what it knows, and a spec is often looser than its server (jupyter's `POST
/// /api/sessions` marks nothing required and refuses a body without `path` and `type`).
/// Optional objects and lists, and `readOnly` properties, are left out.
fn object(doc: &Doc, schema: &Value, depth: usize) -> Filled {
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required = required(schema);
    let wanted = props
        .iter()
        .filter(|(name, sub)| !required.contains(name) && simple(doc.resolve(sub)))
        .map(|(name, _)| name.clone());
    let mut out = Map::new();
    let mut origin = Origin::Generated;
    for name in required.iter().cloned().chain(wanted) {
        let sub = props.get(&name).cloned().unwrap_or(json!({}));
        let f = fill_at(doc, &sub, depth + 1);
        origin = origin.and(f.origin);
        out.insert(name, f.value);
    }
    Filled {
        value: Value::Object(out),
        origin,
    }
}

/// An optional property worth sending: not `readOnly`, and a scalar the spec gives or that
/// is plain to make.
fn simple(schema: &Value) -> bool {
    if schema.get("readOnly").and_then(Value::as_bool) == Some(true) {
        return false;
    }
    let given = ["example", "examples", "default", "const", "enum"]
        .iter()
        .any(|k| schema.get(k).is_some());
    given
        || matches!(
            type_of(schema).as_deref(),
            Some("string" | "integer" | "number" | "boolean")
        )
}

pub fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn all_of(doc: &Doc, schema: &Value, parts: &[Value], depth: usize) -> Filled {
    let mut out = Map::new();
    let mut origin = Origin::Generated;
    let mut own = schema.clone();
    if let Some(o) = own.as_object_mut() {
        o.remove("allOf");
    }
    for part in parts.iter().chain(std::iter::once(&own)) {
        let f = fill_at(doc, part, depth + 1);
        origin = origin.and(f.origin);
        match f.value {
            Value::Object(o) => out.extend(o),
            // A non-object part (a constrained string...) is the value itself.
            other if out.is_empty() && !other.is_null() => {
                return Filled {
                    value: other,
                    origin,
                };
            }
            _ => {}
        }
    }
    Filled {
        value: Value::Object(out),
        origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill_json(schema: Value) -> Filled {
        let doc = Doc::from_value(
            json!({"components": {"schemas": {"Size": {"type": "integer", "minimum": 3}}}}),
        );
        fill(&doc, &schema)
    }

    #[test]
    fn required_fields_get_values_within_their_bounds() {
        let f = fill_json(json!({
            "type": "object",
            "required": ["name", "size", "kind", "when"],
            "properties": {
                "name": {"type": "string", "maxLength": 5},
                "size": {"$ref": "#/components/schemas/Size"},
                "kind": {"enum": ["a", "b"]},
                "when": {"type": "string", "format": "date-time"},
                "optional": {"type": "string"}
            }
        }));
        assert_eq!(
            f.value,
            json!({"name": "x", "size": 3, "kind": "a", "when": "2024-01-01T00:00:00Z",
                "optional": "conform${run.id}"})
        );
        assert_eq!(f.origin, Origin::Generated);
    }

    #[test]
    fn optional_scalars_are_sent_and_optional_objects_and_read_only_ones_are_not() {
        let f = fill_json(json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "id": {"type": "string", "readOnly": true},
                "kernel": {"type": "object", "properties": {"name": {"type": "string"}}},
                "tags": {"type": "array", "items": {"type": "string"}},
                "kind": {"enum": ["a", "b"]},
                "count": {"type": "integer"}
            }
        }));
        assert_eq!(
            f.value,
            json!({"path": "conform${run.id}", "kind": "a", "count": 1})
        );
    }

    #[test]
    fn an_example_wins_and_is_escaped() {
        let f = fill_json(json!({"type": "string", "example": "${not a var}"}));
        assert_eq!(f.value, json!("$${not a var}"));
        assert_eq!(f.origin, Origin::Example);
    }

    #[test]
    fn an_unmet_pattern_asks_for_an_edit_and_a_met_one_does_not() {
        assert_eq!(
            fill_json(json!({"type": "string", "pattern": "^[0-9]+$"})).origin,
            Origin::Edit
        );
        assert_eq!(
            fill_json(json!({"type": "string", "pattern": "^x+$"})).origin,
            Origin::Generated
        );
    }

    #[test]
    fn exclusive_bounds_are_kept() {
        assert_eq!(
            fill_json(json!({"type": "integer", "exclusiveMinimum": 5})).value,
            json!(6)
        );
        assert_eq!(
            fill_json(json!({"type": "integer", "maximum": 0})).value,
            json!(0)
        );
        assert_eq!(
            fill_json(json!({"type": "number", "exclusiveMaximum": 1})).value,
            json!(0.5)
        );
    }
}
