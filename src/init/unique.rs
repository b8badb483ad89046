//! Names unique per run and per scenario: [`unique_names`] rewrites the name-like fields of the
//! bodies a scenario sends (`name`, `title`, `username`...) so that two scenarios of one run, or
//! two runs, never ask a real server for the same name (a 409 under `--jobs`). `${run.id}` is the
//! same for every scenario of a run, so the scenario's own slug is added to it.

use serde_json::Value;

use super::emit::Draft;
use super::raw::{Doc, compiled};
use crate::openapi::ApiSpec;

/// How many characters of the scenario's slug go into a name.
const SLUG_CHARS: usize = 24;

/// What `${run.id}` renders to, in characters ([`crate::run::new_run_id`]).
const RUN_ID_CHARS: usize = 12;

/// Field names that usually name a resource a server keeps unique.
const NAME_LIKE: &[&str] = &[
    "name", "title", "username", "login", "slug", "label", "handle",
];

/// Makes every name-like string field of the bodies `d` sends unique to the run and to the
/// scenario `slug`, where its schema leaves room (no enum, format or pattern; `maxLength` met).
pub fn unique_names(spec: &ApiSpec, doc: &Doc, d: &mut Draft, slug: &str) {
    let short: String = slug.chars().take(SLUG_CHARS).collect();
    for s in d.steps.iter_mut().chain(d.finally.iter_mut()) {
        let Some(op) = spec.operations.iter().find(|o| o.id == s.call) else {
            continue;
        };
        let Some(body) = s.body.as_mut() else {
            continue;
        };
        let Some(schema) = compiled::body(op).or_else(|| doc.request_media(op)?.get("schema"))
        else {
            continue;
        };
        if uniquify(doc, schema, &mut body.value, &short) {
            let was = body.comment.take().unwrap_or_default();
            body.comment = Some(format!(
                "{was}; names made unique per run and scenario (`${{run.id}}`)"
            ));
        }
    }
}

/// Rewrites the top-level name-like string fields of `value`; whether any changed.
fn uniquify(doc: &Doc, schema: &Value, value: &mut Value, short: &str) -> bool {
    let Some(fields) = value.as_object_mut() else {
        return false;
    };
    let mut changed = false;
    for (key, v) in fields.iter_mut() {
        let Some(text) = v.as_str() else {
            continue;
        };
        let lower = key.to_ascii_lowercase();
        let generated = text.ends_with("${run.id}") && !text.ends_with("$${run.id}");
        if !generated
            && !NAME_LIKE
                .iter()
                .any(|n| lower == *n || lower.ends_with("name"))
        {
            continue;
        }
        let new = if generated {
            // Letters and digits, as `values` makes them: the value may be an id in a path.
            let own: String = short.chars().filter(char::is_ascii_alphanumeric).collect();
            format!("{text}{own}")
        } else {
            format!("{text}-${{run.id}}-{short}")
        };
        if property(doc, schema, key, 0).is_some_and(|p| fits(doc.resolve(p), &new)) {
            *v = Value::String(new);
            changed = true;
        }
    }
    changed
}

/// Whether `text` (as it renders) meets the schema without a rule it cannot know it meets.
fn fits(schema: &Value, text: &str) -> bool {
    if ["enum", "const", "format", "pattern"]
        .iter()
        .any(|k| schema.get(k).is_some())
    {
        return false;
    }
    let rendered = text.replace("${run.id}", &"x".repeat(RUN_ID_CHARS));
    schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .is_none_or(|max| rendered.chars().count() as u64 <= max)
}

/// The schema of property `name` of `schema`, through `$ref`s and `allOf`.
fn property<'a>(doc: &'a Doc, schema: &'a Value, name: &str, depth: usize) -> Option<&'a Value> {
    if depth > 8 {
        return None;
    }
    let schema = doc.resolve(schema);
    if let Some(p) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(p);
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|part| property(doc, part, name, depth + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_like_fields_get_the_run_and_the_scenario_where_the_schema_allows() {
        let doc = Doc::from_value(json!({}));
        let schema = json!({"properties": {
            "name": {"type": "string"},
            "title": {"type": "string", "maxLength": 10},
            "status": {"type": "string", "enum": ["a"]},
            "note": {"type": "string"},
            "nickname": {"type": "string"},
        }});
        let mut v = json!({"name": "doggie", "title": "t", "status": "a",
            "note": "conform${run.id}", "nickname": 3});
        assert!(uniquify(&doc, &schema, &mut v, "pet-lifecycle"));
        assert_eq!(
            v,
            json!({"name": "doggie-${run.id}-pet-lifecycle", "title": "t", "status": "a",
                "note": "conform${run.id}petlifecycle", "nickname": 3})
        );
        let mut same = json!({"status": "a"});
        assert!(!uniquify(&doc, &schema, &mut same, "x"));
    }
}
