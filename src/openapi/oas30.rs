//! OpenAPI 3.0 on load: [`convert`] rewrites a 3.0 file's schemas in place into the 3.1 form
//! conform compiles (JSON Schema 2020-12), without moving anything the file wrote, so every
//! pointer a finding names is still the file's own.
//!
//! - `nullable: true` with a `type`: the type becomes `[type, "null"]` and an `enum` gains
//!   `null`. Without a `type` (`allOf: [$ref]` + `nullable`), the schema's keywords move under
//!   `$defs/conform-non-null` and the schema becomes "null, or else those keywords"
//!   (`if`/`else`, which 3.0 does not have); [`original_pointer`] takes that segment out of a
//!   keyword location again.
//! - boolean `exclusiveMinimum`/`exclusiveMaximum` take the numeric form (the bound moves from
//!   `minimum`/`maximum` onto the key the file wrote `exclusive...` on).
//! - a `$ref` object keeps only `$ref` (3.0 ignores a reference's siblings; 2020-12 would not).
//! - a schema's `example` stays and is also given as `examples: [example]`.
//! - `format: byte` gains `contentEncoding: base64` (what 2020-12 calls it).

use percent_encoding::utf8_percent_encode;
use serde_json::{Map, Value, json};

use super::fileset::DATA_KEYS;
use super::lint::token;

/// Where a no-`type` nullable schema's own keywords go.
pub(crate) const NON_NULL: &str = "conform-non-null";

/// Whether a document's `openapi` version is 3.0.x.
pub(crate) fn is_30(doc: &Value) -> bool {
    doc.get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.0."))
}

/// A keyword location of a converted schema, as the file wrote it.
pub(crate) fn original_pointer(pointer: &str) -> String {
    pointer.replace(&format!("/$defs/{NON_NULL}"), "")
}

/// Converts every schema of one 3.0 file in place. `in_schema` says whether the file's root is
/// itself a schema (a file referenced from a schema); inside a document, schemas are found by
/// the keys that hold them.
pub(crate) fn convert(value: &mut Value, in_schema: bool) {
    walk(value, String::new(), in_schema, false);
}

/// Keywords whose value is a schema, a map of schemas, a list of schemas (as in 3.0).
const SUB_ONE: &[&str] = &["items", "additionalProperties", "not"];
const SUB_MAP: &[&str] = &["properties"];
const SUB_LIST: &[&str] = &["allOf", "anyOf", "oneOf"];

fn walk(v: &mut Value, ptr: String, schema: bool, path_item: bool) {
    match v {
        Value::Object(map) => {
            if !path_item && map.get("$ref").is_some_and(Value::is_string) {
                map.retain(|k, _| k == "$ref");
                return;
            }
            if schema || looks_like_schema(map) {
                convert_schema(map, &ptr, schema);
            }
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if DATA_KEYS.contains(&k.as_str())
                    || (k.starts_with("x-") && !k.starts_with("x-conform-"))
                {
                    continue;
                }
                let child_ptr = format!("{ptr}/{}", token(&k));
                let Some(child) = map.get_mut(&k) else {
                    continue;
                };
                if k == "$defs" {
                    if let Some(inner) = child.get_mut(NON_NULL) {
                        walk(inner, format!("{child_ptr}/{NON_NULL}"), true, false);
                    }
                    continue;
                }
                if schema && SUB_MAP.contains(&k.as_str()) {
                    if let Some(m) = child.as_object_mut() {
                        for (name, sub) in m.iter_mut() {
                            walk(sub, format!("{child_ptr}/{}", token(name)), true, false);
                        }
                    }
                    continue;
                }
                let child_schema = k == "schema"
                    || (schema
                        && (SUB_ONE.contains(&k.as_str()) || SUB_LIST.contains(&k.as_str())));
                if k == "schemas" || k == "paths" {
                    // `components.schemas` holds schemas; `paths` holds path items (whose
                    // `$ref` may have siblings).
                    if let Some(m) = child.as_object_mut() {
                        for (name, sub) in m.iter_mut() {
                            walk(
                                sub,
                                format!("{child_ptr}/{}", token(name)),
                                k == "schemas",
                                k == "paths",
                            );
                        }
                    }
                    continue;
                }
                walk(child, child_ptr, child_schema, false);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, format!("{ptr}/{i}"), schema, false);
            }
        }
        _ => {}
    }
}

/// A 3.0-only schema keyword outside a known schema place (a referenced file's fragment).
fn looks_like_schema(map: &Map<String, Value>) -> bool {
    map.get("nullable") == Some(&Value::Bool(true))
        || map.get("exclusiveMinimum").is_some_and(Value::is_boolean)
        || map.get("exclusiveMaximum").is_some_and(Value::is_boolean)
}

/// A 3.1 document that still writes `exclusiveMinimum: true` (OpenAI's does) would not compile
/// at all; the 3.0 reading is the only one it can mean, so it is taken (`specs check` still
/// reports the keyword as invalid 2020-12).
pub(crate) fn repair_31(v: &mut Value) {
    match v {
        Value::Object(map) => {
            fix_exclusive(map);
            for (k, child) in map.iter_mut() {
                if !DATA_KEYS.contains(&k.as_str()) {
                    repair_31(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(repair_31),
        _ => {}
    }
}

fn fix_exclusive(map: &mut Map<String, Value>) {
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match map.get(exclusive) {
            Some(Value::Bool(true)) => match map.remove(bound) {
                Some(b) => {
                    map.insert(exclusive.to_owned(), b);
                }
                None => {
                    map.remove(exclusive);
                }
            },
            Some(Value::Bool(false)) => {
                map.remove(exclusive);
            }
            _ => {}
        }
    }
}

fn convert_schema(map: &mut Map<String, Value>, ptr: &str, known: bool) {
    fix_exclusive(map);
    if known
        && let Some(example) = map.get("example")
        && !map.contains_key("examples")
    {
        let list = json!([example]);
        map.insert("examples".into(), list);
    }
    if map.get("format").and_then(Value::as_str) == Some("byte")
        && !map.contains_key("contentEncoding")
    {
        map.insert("contentEncoding".into(), json!("base64"));
    }
    if map.get("nullable") != Some(&Value::Bool(true)) {
        return;
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = map.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
        }
        Some(_) => {}
        None => {
            let rest: Map<String, Value> = std::mem::take(map)
                .into_iter()
                .filter(|(k, _)| k != "nullable")
                .collect();
            let fragment = utf8_percent_encode(ptr, super::load::FRAGMENT);
            map.insert("nullable".into(), Value::Bool(true));
            map.insert("$defs".into(), json!({ NON_NULL: rest }));
            map.insert("if".into(), json!({"type": "null"}));
            map.insert(
                "else".into(),
                json!({"$ref": format!("#{fragment}/$defs/{NON_NULL}")}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(v: Value) -> Value {
        let mut doc = json!({"openapi": "3.0.3", "components": {"schemas": {"S": v}}});
        convert(&mut doc, false);
        doc["components"]["schemas"]["S"].take()
    }

    #[test]
    fn nullable_with_a_type_adds_null_to_type_and_enum() {
        let s = converted(json!({"type": "string", "nullable": true, "enum": ["a"]}));
        assert_eq!(s["type"], json!(["string", "null"]));
        assert_eq!(s["enum"], json!(["a", null]));
    }

    #[test]
    fn nullable_without_a_type_keeps_its_keywords_under_defs() {
        let s = converted(json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/T"}]}));
        assert_eq!(
            s["$defs"][NON_NULL]["allOf"][0]["$ref"],
            "#/components/schemas/T"
        );
        assert_eq!(
            s["else"]["$ref"],
            format!("#/components/schemas/S/$defs/{NON_NULL}")
        );
        assert_eq!(
            original_pointer(&format!("/components/schemas/S/$defs/{NON_NULL}/allOf/0")),
            "/components/schemas/S/allOf/0"
        );
    }

    #[test]
    fn boolean_exclusive_bounds_become_numbers() {
        let s = converted(
            json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true,
            "maximum": 9, "exclusiveMaximum": false}),
        );
        assert_eq!(s["exclusiveMinimum"], 1);
        assert!(s.get("minimum").is_none());
        assert_eq!(s["maximum"], 9);
        assert!(s.get("exclusiveMaximum").is_none());
    }

    #[test]
    fn ref_siblings_are_dropped_but_examples_and_data_are_kept() {
        let s = converted(json!({"type": "object", "example": {"nullable": true},
            "properties": {"a": {"$ref": "#/x", "description": "ignored in 3.0"}}}));
        assert_eq!(s["properties"]["a"], json!({"$ref": "#/x"}));
        assert_eq!(s["examples"], json!([{"nullable": true}]));
    }

    /// A file a schema refers to as a whole is a schema: a property named like a data key
    /// (`example`) is still a schema there.
    #[test]
    fn a_whole_schema_file_is_converted_as_a_schema() {
        let mut file = json!({"type": "object", "properties": {"example": {"type": "string", "nullable": true}}});
        convert(&mut file, true);
        assert_eq!(
            file["properties"]["example"]["type"],
            json!(["string", "null"])
        );
    }
}
