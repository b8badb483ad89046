//! The documents' type words to JSON Schema: `String`, `xsd:string`, `Long`, `csapi:UUID`,
//! `Boolean`, ..., with the `*(Required)*` mark and a trailing pattern
//! (`String ^[a-zA-Z0-9_]{1,20}$`) read from the same cell.

use serde_json::{Map, Value, json};

use super::squash;

/// A type cell to a schema: the type word, an optional `*(Required)*`, an optional pattern.
/// Returns the schema, whether the cell marks the field required, and a note when the type
/// word is unknown.
pub fn schema_of(cell: &str) -> (Value, bool, Option<String>) {
    let lower = cell.to_ascii_lowercase();
    let required = lower.contains("(required)");
    let cleaned = squash(&cell.replace("*(Required)*", "").replace("(Required)", ""));
    let (word, rest) = cleaned.split_once(' ').unwrap_or((&cleaned, ""));
    let bare = word.to_ascii_lowercase();
    let bare = bare
        .rsplit_once(':')
        .map_or(bare.as_str(), |(_, w)| w)
        .to_owned();
    let mut schema = match bare.as_str() {
        "" => Map::new(),
        "string" | "str" | "text" | "char" => obj(json!({"type": "string"})),
        "boolean" | "bool" => obj(json!({"type": "boolean"})),
        "integer" | "int" | "int32" | "short" => obj(json!({"type": "integer"})),
        "long" | "int64" => obj(json!({"type": "integer", "format": "int64"})),
        "number" | "float" | "double" | "decimal" => obj(json!({"type": "number"})),
        "object" | "map" | "dict" | "struct" => obj(json!({"type": "object"})),
        "array" | "list" => obj(json!({"type": "array"})),
        "uuid" => obj(json!({"type": "string", "format": "uuid"})),
        "datetime" | "date-time" | "timestamp" => {
            obj(json!({"type": "string", "format": "date-time"}))
        }
        "date" => obj(json!({"type": "string", "format": "date"})),
        "uri" | "url" | "anyuri" => obj(json!({"type": "string", "format": "uri"})),
        "null" => obj(json!({"type": "null"})),
        _ => {
            return (
                json!({}),
                required,
                Some(format!("unknown type word `{word}`; left untyped")),
            );
        }
    };
    let rest = rest.trim();
    if rest.starts_with('^') && regex::Regex::new(rest).is_ok() {
        schema.insert("pattern".into(), json!(rest));
    }
    (Value::Object(schema), required, None)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The values a description lists after `Valid values:` as `- value` or `- value: meaning`
/// items, when each value is one word (so prose lists are not mistaken for an enum).
pub fn valid_values(description: &str) -> Option<Vec<String>> {
    let (_, list) = description.split_once("Valid values:")?;
    let values: Vec<String> = list
        .split(" - ")
        .map(|item| item.trim().trim_start_matches('-').trim())
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.split_once(':')
                .map_or(item, |(v, _)| v)
                .trim()
                .trim_matches('`')
                .to_owned()
        })
        .collect();
    let words = values
        .iter()
        .all(|v| !v.is_empty() && !v.contains(char::is_whitespace));
    (values.len() >= 2 && words).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_words() {
        let t = |c: &str| schema_of(c);
        assert_eq!(t("String").0, json!({"type": "string"}));
        assert_eq!(
            t("xsd:string *(Required)*"),
            (json!({"type": "string"}), true, None)
        );
        assert_eq!(
            t("csapi:UUID").0,
            json!({"type": "string", "format": "uuid"})
        );
        assert_eq!(t("Long").0, json!({"type": "integer", "format": "int64"}));
        assert_eq!(t("Boolean").0, json!({"type": "boolean"}));
        assert_eq!(
            t("String ^[a-zA-Z0-9_]{1,20}$").0,
            json!({"type": "string", "pattern": "^[a-zA-Z0-9_]{1,20}$"})
        );
        assert!(t("Gizmo").2.is_some_and(|n| n.contains("`Gizmo`")));
    }

    #[test]
    fn valid_values_lists() {
        assert_eq!(
            valid_values(
                "The type. Valid values: - immediate: deleted at once. - protective: kept 24 hours."
            ),
            Some(vec!["immediate".to_owned(), "protective".to_owned()])
        );
        assert_eq!(
            valid_values("Valid values: - true - false").map(|v| v.len()),
            Some(2)
        );
        assert_eq!(
            valid_values("Valid values: - any text you like - or more"),
            None
        );
        assert_eq!(valid_values("No list here."), None);
    }
}
