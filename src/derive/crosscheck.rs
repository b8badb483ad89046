//! The page against itself: each JSON example is compared with the table of its side (request
//! body or response), and every [`Disagreement`] is kept: a field spelled with another case, a
//! value of another type, a `null` where the table says a plain type, a field no table lists,
//! and a required field the example leaves out. Which one is right is for a person (and the
//! spec's NOTES.md) to decide; derive only makes sure none goes unseen.

use std::fmt;

use serde_json::Value;

use super::tables::{Example, Field, Place};

/// What an example and its table disagree about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The example spells a table's field with other letter case.
    NameCase,
    /// The example's value is not of the table's type.
    Type,
    /// The example has `null` where the table gives a non-null type.
    Nullability,
    /// The example has a field no table lists.
    Undocumented,
    /// The example leaves out a field the table marks required.
    Missing,
}

impl Kind {
    /// The kebab-case name shown in `disagreement[...]` lines.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NameCase => "name-case",
            Kind::Type => "type",
            Kind::Nullability => "nullability",
            Kind::Undocumented => "undocumented",
            Kind::Missing => "missing",
        }
    }
}

/// One place where a page's example and its table say different things.
#[derive(Clone, Debug, PartialEq)]
pub struct Disagreement {
    /// What they disagree about.
    pub kind: Kind,
    /// The field as the table names it (or, if undocumented, as the example does).
    pub field: String,
    /// Whether the example is of the response (else of the request body).
    pub response: bool,
    /// The sentence for the user, naming both lines of the page.
    pub message: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "disagreement[{}] {}", self.kind.name(), self.message)
    }
}

/// Every disagreement between `examples` and the `fields` of their side, in page order,
/// without repeats.
pub fn check(fields: &[Field], examples: &[Example]) -> Vec<Disagreement> {
    let mut out: Vec<Disagreement> = Vec::new();
    for ex in examples {
        let place = if ex.response {
            Place::Response
        } else {
            Place::Body
        };
        let table: Vec<&Field> = fields.iter().filter(|f| f.place == place).collect();
        if table.is_empty() {
            continue;
        }
        // An array example illustrates the table once per element.
        let objects: Vec<&serde_json::Map<String, Value>> = match &ex.value {
            Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
            Value::Object(m) => vec![m],
            _ => Vec::new(),
        };
        for obj in objects {
            for d in compare(&table, &[], obj, ex) {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
    }
    out
}

/// The fields under `parent` against one object of the example, then each nested object.
fn compare(
    all: &[&Field],
    parent: &[String],
    obj: &serde_json::Map<String, Value>,
    ex: &Example,
) -> Vec<Disagreement> {
    let table: Vec<&Field> = all.iter().copied().filter(|f| f.parent == parent).collect();
    // Nested fields are named by their path: `Owner.Emails.Primary`.
    let dotted = |name: &str| {
        let mut p = parent.to_vec();
        p.push(name.to_owned());
        p.join(".")
    };
    let mut nested: Vec<(Vec<String>, &Value)> = Vec::new();
    let side = if ex.response {
        "response field"
    } else {
        "request body field"
    };
    let mut out = Vec::new();
    let mut push = |kind: Kind, field: &str, message: String| {
        out.push(Disagreement {
            kind,
            field: field.to_owned(),
            response: ex.response,
            message,
        })
    };
    for (key, value) in obj {
        let at = format!("the example (line {})", line_of(ex, key));
        let field = match table.iter().find(|f| f.name == *key) {
            Some(f) => f,
            None => match table.iter().find(|f| f.name.eq_ignore_ascii_case(key)) {
                Some(f) => {
                    push(
                        Kind::NameCase,
                        &dotted(&f.name),
                        format!(
                            "{side} `{}` (table, line {}) is spelled `{key}` in {at}",
                            dotted(&f.name),
                            f.line
                        ),
                    );
                    f
                }
                None => {
                    push(
                        Kind::Undocumented,
                        &dotted(key),
                        format!("{side} `{}` in {at} is in no table", dotted(key)),
                    );
                    continue;
                }
            },
        };
        let mut path = parent.to_vec();
        path.push(field.name.clone());
        nested.push((path, value));
        if let Some((k, message)) = type_disagreement(field, value, &dotted(&field.name), side, &at)
        {
            push(k, &dotted(&field.name), message);
        }
    }
    for f in &table {
        if f.required && !obj.keys().any(|k| k.eq_ignore_ascii_case(&f.name)) {
            push(
                Kind::Missing,
                &dotted(&f.name),
                format!(
                    "{side} `{}` is required by the table (line {}) but absent from the example (line {})",
                    dotted(&f.name),
                    f.line,
                    ex.line
                ),
            );
        }
    }
    out.extend(compare_nested(all, nested, ex));
    out
}

/// How `value` contradicts the type `field`'s table gives, if it does: `null` for a plain
/// type, or a value of another type. `name` is the dotted field name, `at` the example's line.
fn type_disagreement(
    field: &Field,
    value: &Value,
    name: &str,
    side: &str,
    at: &str,
) -> Option<(Kind, String)> {
    let ty = field.schema.get("type").and_then(Value::as_str)?;
    let written = if field.type_text.is_empty() {
        ty.to_owned()
    } else {
        field.type_text.clone()
    };
    if value.is_null() && ty != "null" {
        Some((
            Kind::Nullability,
            format!(
                "{side} `{name}` is `{written}` in the table (line {}) but null in {at}",
                field.line
            ),
        ))
    } else if !value.is_null() && !fits(ty, value) {
        Some((
            Kind::Type,
            format!(
                "{side} `{name}` is `{written}` in the table (line {}) but {} `{value}` in {at}",
                field.line,
                kind(value),
            ),
        ))
    } else {
        None
    }
}

/// The example's nested objects (an object, or each object of an array) against the rows
/// under their path; values whose path has no rows are not compared.
fn compare_nested(
    all: &[&Field],
    nested: Vec<(Vec<String>, &Value)>,
    ex: &Example,
) -> Vec<Disagreement> {
    let mut out = Vec::new();
    for (path, value) in nested {
        if !all.iter().any(|f| f.parent == path) {
            continue;
        }
        let inner: Vec<&serde_json::Map<String, Value>> = match value {
            Value::Object(m) => vec![m],
            Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        };
        for m in inner {
            out.extend(compare(all, &path, m, ex));
        }
    }
    out
}

fn fits(ty: &str, v: &Value) -> bool {
    match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        _ => true,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The page line of `"key"` inside the example's code block (its first line if not found).
fn line_of(ex: &Example, key: &str) -> usize {
    let quoted = format!("\"{key}\"");
    ex.text
        .lines()
        .position(|l| l.contains(&quoted))
        .map_or(ex.line, |i| ex.line + i)
}
