//! Matchers for volatile values in expectations: a mapping whose keys all start with `$`.
//!
//! `$`-prefixed keys cannot collide with real API fields (a body may well have a `type` field),
//! so `{type: uuid}` stays a literal expectation and `{$type: uuid}` is a matcher.

use regex::Regex;
use serde_json::Value;

use crate::scenario::{Node, NodeKind, Pos};

/// The names `$type` accepts.
pub const TYPES: &[&str] = &[
    "string",
    "number",
    "integer",
    "boolean",
    "array",
    "object",
    "null",
    "uuid",
    "date-time",
    "date",
];

pub const MATCHERS: &[&str] = &[
    "$any",
    "$absent",
    "$type",
    "$regex",
    "$len",
    "$contains",
    "$exact",
];

#[derive(Debug, Clone)]
pub enum Matcher<'a> {
    /// Present, with any value (also `null`).
    Any,
    /// Not present.
    Absent,
    Type(&'a str),
    Regex(Regex),
    Len(u64),
    /// An array with at least one element that matches (as a subset).
    Contains(&'a Node),
    /// Matches with no extra keys or elements anywhere below.
    Exact(&'a Node),
}

/// The matchers of `node`, `None` when it is not a matcher mapping, or the position and text of
/// what is wrong with it.
pub fn parse(node: &Node) -> Result<Option<Vec<Matcher<'_>>>, (Pos, String)> {
    let NodeKind::Map(entries) = &node.kind else {
        return Ok(None);
    };
    let dollar = entries
        .iter()
        .filter(|(k, _)| k.value.starts_with('$'))
        .count();
    if dollar == 0 {
        return Ok(None);
    }
    if dollar != entries.len() {
        return Err((
            node.pos,
            "a mapping mixes matcher keys (`$...`) with field names; put matchers on the field they test".into(),
        ));
    }
    let mut out = Vec::new();
    for (key, value) in entries {
        let want_true = |m: Matcher<'static>| match value.kind {
            NodeKind::Bool(true) => Ok(m),
            _ => Err((value.pos, format!("`{}` takes `true`", key.value))),
        };
        let m = match key.value.as_str() {
            "$any" => want_true(Matcher::Any)?,
            "$absent" => want_true(Matcher::Absent)?,
            "$type" => {
                let t = value
                    .as_str()
                    .filter(|t| TYPES.contains(t))
                    .ok_or_else(|| {
                        (
                            value.pos,
                            format!("`$type` takes one of: {}", TYPES.join(", ")),
                        )
                    })?;
                Matcher::Type(t)
            }
            "$regex" => {
                let src = value
                    .as_str()
                    .ok_or((value.pos, "`$regex` takes a string".to_owned()))?;
                Matcher::Regex(
                    Regex::new(src)
                        .map_err(|e| (value.pos, format!("`$regex` does not compile: {e}")))?,
                )
            }
            "$len" => match &value.kind {
                NodeKind::Number(n) if n.as_u64().is_some() => {
                    Matcher::Len(n.as_u64().unwrap_or(0))
                }
                _ => return Err((value.pos, "`$len` takes a whole number".into())),
            },
            "$contains" => Matcher::Contains(value),
            "$exact" => Matcher::Exact(value),
            other => {
                let help = crate::suggest::did_you_mean(other, MATCHERS.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err((
                    key.pos,
                    format!(
                        "unknown matcher `{other}` (matchers: {}){help}",
                        MATCHERS.join(", ")
                    ),
                ));
            }
        };
        out.push(m);
    }
    Ok(Some(out))
}

/// Whether `value` has the JSON type or format `name`.
pub fn has_type(name: &str, value: &Value) -> bool {
    match name {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        "uuid" => value
            .as_str()
            .is_some_and(|s| uuid::Uuid::try_parse(s).is_ok() && s.len() == 36),
        "date-time" => value
            .as_str()
            .is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok()),
        "date" => value
            .as_str()
            .is_some_and(|s| s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok()),
        _ => false,
    }
}

/// Checks every matcher in `node` (recursively) for validity, for load-time errors.
pub fn validate_tree(node: &Node, out: &mut Vec<(Pos, String)>) {
    match parse(node) {
        Err(e) => out.push(e),
        Ok(Some(ms)) => {
            for m in ms {
                if let Matcher::Contains(n) | Matcher::Exact(n) = m {
                    validate_tree(n, out);
                }
            }
        }
        Ok(None) => match &node.kind {
            NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| validate_tree(v, out)),
            NodeKind::Seq(items) => items.iter().for_each(|v| validate_tree(v, out)),
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_and_formats() {
        assert!(has_type(
            "uuid",
            &json!("d682b6b3-b425-46da-a5fc-5f5c60553622")
        ));
        assert!(has_type(
            "uuid",
            &json!("D682B6B3-B425-46DA-A5FC-5F5C60553622")
        ));
        assert!(!has_type(
            "uuid",
            &json!("D682B6B3B42546DAA5FC5F5C60553622")
        ));
        assert!(has_type("date-time", &json!("2017-12-24T09:31:25.000Z")));
        assert!(!has_type("date-time", &json!("2017-12-24")));
        assert!(has_type("date", &json!("2017-12-24")));
        assert!(has_type("integer", &json!(7723)));
        assert!(!has_type("integer", &json!("7723")));
    }
}
