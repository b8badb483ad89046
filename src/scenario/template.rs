//! `${...}` interpolation: [`Template`] parsing (at load time, so syntax errors have a line) and
//! rendering against a [`Scope`] of variables, captures, environment and built-ins.
//!
//! A string that is exactly one `${x}` takes the value of `x` with its JSON type (a captured
//! integer stays an integer); anything else is rendered as text. `$${` writes a literal `${`.

use serde_json::Value;

/// A parsed string with interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The literal texts and variable references, in order.
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
/// One piece of a [`Template`].
pub enum Segment {
    /// Text as written (`$${` already turned into `${`).
    Text(String),
    /// A `${...}` reference.
    Var(VarRef),
}

/// `${name}`, `${env.NAME}`, `${env.NAME:-default}`.
#[derive(Debug, Clone, PartialEq)]
pub struct VarRef {
    /// The variable's name (`id`, `env.TOKEN`, `run.id`).
    pub name: String,
    /// The value after `:-`, used when the variable has none.
    pub default: Option<String>,
}

/// Names that are always defined.
pub const BUILTINS: &[&str] = &[
    "uuid",
    "run.id",
    "now",
    "now.date",
    "now.epoch",
    "scenario.name",
];

/// Why a template cannot be parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A `${` with no `}` after it, at a 1-based character.
    #[error("`${{` at character {0} is never closed by `}}`")]
    Unclosed(usize),
    /// What is between `${` and `}` is no variable name.
    #[error("`${{{0}}}` is not a variable reference; names use letters, digits, `_`, `-` and `.`")]
    NotAReference(String),
    /// A variable with no value and no default: the scope's message.
    #[error("{0}")]
    NoValue(String),
    /// An array or an object in the middle of text.
    #[error(
        "`${{{name}}}` holds a JSON {kind} and cannot be spliced into text; use it as the whole value"
    )]
    NotText { name: String, kind: &'static str },
}

impl Template {
    /// Parses `text`; the error says what is wrong and at which character.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut segments = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            lit.push_str(&rest[..i]);
            let after = &rest[i..];
            if let Some(escaped) = after.strip_prefix("$${") {
                lit.push_str("${");
                rest = escaped;
            } else if let Some(inner) = after.strip_prefix("${") {
                let end = inner
                    .find('}')
                    .ok_or(TemplateError::Unclosed(text.len() - after.len() + 1))?;
                let body = inner[..end].trim();
                let (name, default) = match body.split_once(":-") {
                    Some((n, d)) => (n.trim(), Some(d.to_owned())),
                    None => (body, None),
                };
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                {
                    return Err(TemplateError::NotAReference(body.to_owned()));
                }
                if !lit.is_empty() {
                    segments.push(Segment::Text(std::mem::take(&mut lit)));
                }
                segments.push(Segment::Var(VarRef {
                    name: name.to_owned(),
                    default,
                }));
                rest = &inner[end + 1..];
            } else {
                lit.push('$');
                rest = &after[1..];
            }
        }
        lit.push_str(rest);
        if !lit.is_empty() || segments.is_empty() {
            segments.push(Segment::Text(lit));
        }
        Ok(Template { segments })
    }

    /// The text of a template without variables (`$${` already turned into `${`).
    pub fn literal_text(&self) -> String {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Text(t) => Some(t.as_str()),
                Segment::Var(_) => None,
            })
            .collect()
    }

    /// The template as it would be written (`${name}`, `${env.X:-default}`, `$${` for `${`).
    pub fn source(&self) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => out.push_str(&t.replace("${", "$${")),
                Segment::Var(VarRef { name, default }) => match default {
                    Some(d) => out.push_str(&format!("${{{name}:-{d}}}")),
                    None => out.push_str(&format!("${{{name}}}")),
                },
            }
        }
        out
    }

    /// Whether it holds no `${...}`: rendering it gives its text.
    pub fn is_literal(&self) -> bool {
        self.segments.iter().all(|s| matches!(s, Segment::Text(_)))
    }

    /// The variable references, in order.
    pub fn vars(&self) -> impl Iterator<Item = &VarRef> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var(v) => Some(v),
            Segment::Text(_) => None,
        })
    }

    /// Renders against `scope`; the error names the first variable that has no value.
    pub fn render(&self, scope: &dyn Scope) -> Result<Value, TemplateError> {
        if let [Segment::Var(v)] = self.segments.as_slice() {
            return lookup(v, scope);
        }
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => out.push_str(t),
                Segment::Var(v) => match lookup(v, scope)? {
                    Value::String(s) => out.push_str(&s),
                    Value::Null => out.push_str("null"),
                    other @ (Value::Bool(_) | Value::Number(_)) => out.push_str(&other.to_string()),
                    held @ (Value::Array(_) | Value::Object(_)) => {
                        return Err(TemplateError::NotText {
                            name: v.name.clone(),
                            kind: if held.is_array() { "array" } else { "object" },
                        });
                    }
                },
            }
        }
        Ok(Value::String(out))
    }
}

fn lookup(v: &VarRef, scope: &dyn Scope) -> Result<Value, TemplateError> {
    match scope.get(&v.name) {
        Some(val) => Ok(val),
        None => match &v.default {
            Some(d) => Ok(Value::String(d.clone())),
            None => Err(TemplateError::NoValue(scope.missing(&v.name))),
        },
    }
}

/// Where variables get their values.
pub trait Scope {
    /// The value of variable `name`, if it has one.
    fn get(&self, name: &str) -> Option<Value>;
    /// The message for a name with no value.
    fn missing(&self, name: &str) -> String {
        match name.strip_prefix("env.") {
            Some(var) => format!(
                "environment variable `{var}` is not set (write `${{env.{var}:-default}}` for a default)"
            ),
            None => format!("`${{{name}}}` has no value"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, Value>);
    impl Scope for Map {
        fn get(&self, name: &str) -> Option<Value> {
            self.0.get(name).cloned()
        }
    }

    fn scope() -> Map {
        Map(HashMap::from([
            ("id", Value::from(7723)),
            ("name", Value::from("web")),
            ("obj", serde_json::json!({"a": 1})),
        ]))
    }

    #[test]
    fn whole_reference_keeps_type() {
        let t = Template::parse("${id}").unwrap();
        assert_eq!(t.render(&scope()).unwrap(), Value::from(7723));
    }

    #[test]
    fn splices_text() {
        let t = Template::parse("srv-${name}-${id}").unwrap();
        assert_eq!(t.render(&scope()).unwrap(), Value::from("srv-web-7723"));
    }

    #[test]
    fn escapes_and_lone_dollars() {
        let t = Template::parse("cost $5, literal $${x}").unwrap();
        assert!(t.is_literal());
        assert_eq!(
            t.render(&scope()).unwrap(),
            Value::from("cost $5, literal ${x}")
        );
    }

    #[test]
    fn defaults_and_missing() {
        let t = Template::parse("${env.NOPE:-fallback}").unwrap();
        assert_eq!(t.render(&scope()).unwrap(), Value::from("fallback"));
        let err = Template::parse("${env.NOPE}")
            .unwrap()
            .render(&scope())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("environment variable `NOPE` is not set"),
            "{err}"
        );
        let err = Template::parse("x${nope}")
            .unwrap()
            .render(&scope())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`${nope}` has no value"), "{err}");
    }

    #[test]
    fn objects_cannot_be_spliced() {
        let err = Template::parse("a ${obj}")
            .unwrap()
            .render(&scope())
            .unwrap_err()
            .to_string();
        assert!(err.contains("JSON object"), "{err}");
        assert_eq!(
            Template::parse("${obj}").unwrap().render(&scope()).unwrap()["a"],
            1
        );
    }

    #[test]
    fn syntax_errors() {
        assert!(
            Template::parse("${unclosed")
                .unwrap_err()
                .to_string()
                .contains("never closed")
        );
        assert!(
            Template::parse("${a b}")
                .unwrap_err()
                .to_string()
                .contains("not a variable reference")
        );
        assert!(Template::parse("${}").is_err());
    }
}
