//! The [`Derived`] page as an OpenAPI 3.1 document: one operation, parameters, a request body
//! and a success response built from the tables (nested rows as nested schemas), and statuses
//! from the status tables.

use serde_json::{Map, Value, json};

use super::tables::{Derived, Example, Field, Place};

impl Derived {
    /// The draft as an OpenAPI 3.1 document with one operation. Examples go in only when they
    /// agree with the tables, so the draft passes `conform specs check` as it is.
    pub fn document(&self) -> Value {
        let mut op = Map::new();
        op.insert("operationId".into(), json!(operation_id(&self.title)));
        if !self.title.is_empty() {
            op.insert("summary".into(), json!(self.title));
        }
        let params = self.parameters();
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        let clean = |response: bool| !self.disagreements.iter().any(|d| d.response == response);
        if let Some(schema) = self.object_schema(Place::Body) {
            let mut media = Map::new();
            let example = self.examples.iter().find(|e| !e.response);
            media.insert("schema".into(), wrap(schema, example));
            if let Some(e) = example.filter(|_| clean(false)) {
                media.insert("example".into(), e.value.clone());
            }
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": media}}),
            );
        }
        let responses = self.responses(clean(true));
        op.insert("responses".into(), Value::Object(responses));
        let path = self.path.clone().unwrap_or_else(|| "/unknown".into());
        let method = self.method.clone().unwrap_or_else(|| "get".into());
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": if self.title.is_empty() { "draft" } else { self.title.as_str() },
                "version": "draft",
                "description": format!("Drafted by `conform derive` from a {} page: review every field before moving it into specs/.", self.format),
            },
            "paths": { path: { method: Value::Object(op) } }
        })
    }

    /// The path, query, header and cookie rows at the top level, as OpenAPI parameters.
    fn parameters(&self) -> Vec<Value> {
        self.fields
            .iter()
            .filter(|f| f.parent.is_empty() && !matches!(f.place, Place::Body | Place::Response))
            .map(|f| {
                let mut p = Map::new();
                p.insert("name".into(), json!(f.name));
                p.insert("in".into(), json!(f.place.name()));
                p.insert("required".into(), json!(f.required));
                if !f.description.is_empty() {
                    p.insert("description".into(), json!(f.description));
                }
                p.insert("schema".into(), f.schema.clone());
                if let Some(e) = f
                    .example
                    .as_deref()
                    .and_then(|e| typed_example(e, &f.schema))
                {
                    p.insert("example".into(), e);
                }
                Value::Object(p)
            })
            .collect()
    }

    /// The responses by status code; the success schema (and its example when `clean`, i.e.
    /// the response example agrees with the tables) goes under the first 2xx.
    fn responses(&self, clean: bool) -> Map<String, Value> {
        let mut responses = Map::new();
        let success = self.object_schema(Place::Response);
        let has_2xx = self.statuses.iter().any(|s| s.code.starts_with('2'));
        if !has_2xx {
            responses.insert(
                "200".into(),
                json!({"description": "Success (inferred: the page lists no success status)"}),
            );
        }
        for s in &self.statuses {
            let description = if s.description.is_empty() {
                format!("HTTP {}", s.code)
            } else {
                s.description.clone()
            };
            match responses.get_mut(&s.code).and_then(Value::as_object_mut) {
                Some(existing) => {
                    let before = existing.get("description").and_then(Value::as_str);
                    let joined = format!("{}; {description}", before.unwrap_or_default());
                    existing.insert("description".into(), json!(joined));
                }
                None => {
                    responses.insert(s.code.clone(), json!({"description": description}));
                }
            }
        }
        if let Some(schema) = success {
            let example = self.examples.iter().find(|e| e.response);
            let mut media = Map::new();
            media.insert("schema".into(), wrap(schema, example));
            if let Some(e) = example.filter(|_| clean) {
                media.insert("example".into(), e.value.clone());
            }
            let code = responses
                .keys()
                .find(|k| k.starts_with('2'))
                .cloned()
                .unwrap_or_else(|| "200".into());
            if let Some(r) = responses.get_mut(&code).and_then(Value::as_object_mut) {
                r.insert("content".into(), json!({"application/json": media}));
            }
        }
        responses
    }

    /// An object schema of the top-level fields at `place`, `None` when there are none.
    fn object_schema(&self, place: Place) -> Option<Value> {
        let fields: Vec<&Field> = self.fields.iter().filter(|f| f.place == place).collect();
        if fields.is_empty() {
            return None;
        }
        Some(object_of(&fields, &[]))
    }

    /// The YAML draft.
    pub fn to_yaml(&self) -> String {
        super::yaml::to_yaml(&self.document())
    }
}

/// An array example means the table describes each element.
fn wrap(schema: Value, example: Option<&Example>) -> Value {
    match example {
        Some(e) if e.value.is_array() => json!({"type": "array", "items": schema}),
        _ => schema,
    }
}

/// An example cell as the JSON value its schema wants; `None` when it is not one (`true` for a
/// boolean, digits for an integer), so a draft never carries an example its schema refuses.
fn typed_example(text: &str, schema: &Value) -> Option<Value> {
    let value = match schema.get("type").and_then(Value::as_str) {
        Some("integer" | "number" | "boolean") => serde_json::from_str(text).ok()?,
        _ => json!(text),
    };
    jsonschema::draft202012::is_valid(schema, &value).then_some(value)
}

/// `CancelDeletion` stays; `Cancel Deletion Request` -> `cancelDeletionRequest`; words in
/// parentheses and punctuation are dropped.
fn operation_id(title: &str) -> String {
    let words: Vec<String> = title
        .split('(')
        .next()
        .unwrap_or("")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    match words.as_slice() {
        [] => "draftOperation".into(),
        [one] => one.clone(),
        [first, rest @ ..] => {
            let mut id = first.to_lowercase();
            for w in rest {
                let mut chars = w.chars();
                if let Some(c) = chars.next() {
                    id.extend(c.to_uppercase());
                    id.push_str(&chars.as_str().to_lowercase());
                }
            }
            id
        }
    }
}

/// An object schema of the fields under `parent`; a field with rows below it gets them as its
/// properties, or as its items' properties when it is an array.
fn object_of(fields: &[&Field], parent: &[String]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in fields.iter().filter(|f| f.parent == parent) {
        let mut s = f.schema.as_object().cloned().unwrap_or_default();
        if !f.description.is_empty() {
            s.insert("description".into(), json!(f.description));
        }
        let mut path = parent.to_vec();
        path.push(f.name.clone());
        if fields.iter().any(|g| g.parent == path) {
            let inner = object_of(fields, &path);
            if s.get("type") == Some(&json!("array")) {
                s.insert("items".into(), inner);
            } else if let Value::Object(inner) = inner {
                s.extend(inner);
            }
        }
        props.insert(f.name.clone(), Value::Object(s));
        if f.required {
            required.push(json!(f.name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("properties".into(), Value::Object(props));
    Value::Object(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids() {
        assert_eq!(operation_id("CancelDeletion"), "CancelDeletion");
        assert_eq!(
            operation_id("Cancel Deletion Request"),
            "cancelDeletionRequest"
        );
        assert_eq!(
            operation_id("Restore Soft-Deleted Instance (Restore Action) - x"),
            "restoreSoftDeletedInstance"
        );
    }
}
