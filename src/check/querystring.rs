//! OpenAPI 3.2's `in: querystring` parameter, the whole query string as one value: written
//! onto the wire from a step's object or string ([`pairs_of`]), and read back off it as the
//! typed object its schema describes ([`value_of`]), the form (`application/x-www-form-urlencoded`)
//! serialization either way.

use serde_json::{Map, Value};

use super::schema::coerce;

/// How a querystring value goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Wire {
    /// Form pairs, each encoded by the URL's serializer: an object's properties in order, an
    /// array property repeated, a nested object or array as its JSON text.
    Pairs(Vec<(String, String)>),
    /// A string given as the query string itself, sent as written.
    Raw(String),
}

/// The text of one form value.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What a step's querystring value sends.
pub fn pairs_of(value: &Value) -> Wire {
    match value {
        Value::Object(map) => Wire::Pairs(
            map.iter()
                .flat_map(|(k, v)| match v {
                    Value::Array(items) => items.iter().map(|i| (k.clone(), text(i))).collect(),
                    other => vec![(k.clone(), text(other))],
                })
                .collect(),
        ),
        Value::String(s) => Wire::Raw(s.trim_start_matches('?').to_owned()),
        other => Wire::Raw(text(other)),
    }
}

/// The query string's `pairs` as the object `schema` describes: each property's text read as
/// its type (`limit=5` is the integer 5 when `limit` is an integer), a repeated or array
/// property as a list.
pub fn value_of(pairs: &[(String, String)], schema: &Value) -> Value {
    let props = schema.get("properties");
    let prop = |k: &str| props.and_then(|p| p.get(k)).cloned().unwrap_or(Value::Null);
    let is_array = |s: &Value| match s.get("type") {
        Some(Value::String(t)) => t == "array",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "array"),
        _ => false,
    };
    let mut out = Map::new();
    for (k, v) in pairs {
        let s = prop(k);
        if is_array(&s) {
            let items = s.get("items").cloned().unwrap_or(Value::Null);
            let entry = out
                .entry(k.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(coerce(v, &items));
            }
        } else {
            out.insert(k.clone(), coerce(v, &s));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_object_goes_as_form_pairs_and_comes_back_typed() {
        let v = json!({"term": "red shoes", "limit": 5, "tag": ["a", "b"]});
        let Wire::Pairs(pairs) = pairs_of(&v) else {
            panic!("an object is sent as pairs")
        };
        assert_eq!(pairs.len(), 4);
        let schema = json!({"type": "object", "properties": {
            "term": {"type": "string"}, "limit": {"type": "integer"},
            "tag": {"type": "array", "items": {"type": "string"}}}});
        assert_eq!(value_of(&pairs, &schema), v);
    }

    #[test]
    fn a_string_is_the_query_string_itself() {
        assert_eq!(pairs_of(&json!("?a=1&b=2")), Wire::Raw("a=1&b=2".into()));
    }
}
