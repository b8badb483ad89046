//! [`ValueTemplate`]: a request value or expected literal (path, query and header values, bodies,
//! `vars`) compiled once: subtrees without `${...}` are plain JSON, the rest keep their parsed
//! [`Template`]s, so a run only substitutes and never parses.

use serde_json::{Map, Value};

use crate::scenario::{Scope, Template};
use crate::source::{Node, NodeKind, Pos};

/// A JSON value with parsed templates in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueTemplate {
    /// Where the value is written.
    pub pos: Pos,
    /// The value, with its templates.
    pub kind: ValueKind,
}

#[derive(Debug, Clone, PartialEq)]
/// The forms a [`ValueTemplate`] takes: templates are kept only where `${...}` occurs.
pub enum ValueKind {
    /// No template anywhere below: the value as written.
    Literal(Value),
    /// A string with at least one `${...}`.
    Text(Template),
    /// An array with a template somewhere below.
    Seq(Vec<ValueTemplate>),
    /// An object with a template somewhere below, its keys in the order written.
    Map(Vec<(String, ValueTemplate)>),
}

/// A template that could not be filled in: which variable, and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderError {
    /// Where the template is written.
    pub pos: Pos,
    /// What could not be filled in, naming the variable.
    pub message: String,
}

impl ValueTemplate {
    /// Compiles `node`; `parse_error` receives each string whose `${...}` does not parse (it is
    /// then kept as literal text, and the caller reports it).
    pub fn compile(node: &Node, parse_error: &mut dyn FnMut(Pos, String)) -> ValueTemplate {
        let kind = match &node.kind {
            NodeKind::String(s) if s.contains('$') => match Template::parse(s) {
                Ok(t) if t.is_literal() => ValueKind::Literal(Value::String(t.literal_text())),
                Ok(t) => ValueKind::Text(t),
                Err(e) => {
                    parse_error(node.pos, e.to_string());
                    ValueKind::Literal(Value::String(s.clone()))
                }
            },
            NodeKind::Seq(items) => {
                let items: Vec<ValueTemplate> = items
                    .iter()
                    .map(|n| ValueTemplate::compile(n, parse_error))
                    .collect();
                if items.iter().all(ValueTemplate::is_literal) {
                    ValueKind::Literal(Value::Array(
                        items.into_iter().map(ValueTemplate::into_literal).collect(),
                    ))
                } else {
                    ValueKind::Seq(items)
                }
            }
            NodeKind::Map(entries) => {
                let entries: Vec<(String, ValueTemplate)> = entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), ValueTemplate::compile(v, parse_error)))
                    .collect();
                if entries.iter().all(|(_, v)| v.is_literal()) {
                    ValueKind::Literal(Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k, v.into_literal()))
                            .collect(),
                    ))
                } else {
                    ValueKind::Map(entries)
                }
            }
            _ => ValueKind::Literal(node.to_json()),
        };
        ValueTemplate {
            pos: node.pos,
            kind,
        }
    }

    /// Whether it holds no template at all: rendering it is a copy.
    pub fn is_literal(&self) -> bool {
        matches!(self.kind, ValueKind::Literal(_))
    }

    fn into_literal(self) -> Value {
        match self.kind {
            ValueKind::Literal(v) => v,
            _ => Value::Null,
        }
    }

    /// The literal value, when there is no template below.
    pub fn literal(&self) -> Option<&Value> {
        match &self.kind {
            ValueKind::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// Every template below, with its position.
    pub fn templates<'a>(&'a self, f: &mut dyn FnMut(Pos, &'a Template)) {
        match &self.kind {
            ValueKind::Literal(_) => {}
            ValueKind::Text(t) => f(self.pos, t),
            ValueKind::Seq(items) => items.iter().for_each(|i| i.templates(f)),
            ValueKind::Map(entries) => entries.iter().for_each(|(_, v)| v.templates(f)),
        }
    }

    /// The value with every template filled in from `scope`.
    pub fn render(&self, scope: &dyn Scope) -> Result<Value, RenderError> {
        Ok(match &self.kind {
            ValueKind::Literal(v) => v.clone(),
            ValueKind::Text(t) => t.render(scope).map_err(|e| RenderError {
                pos: self.pos,
                message: e.to_string(),
            })?,
            ValueKind::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(|i| i.render(scope))
                    .collect::<Result<_, _>>()?,
            ),
            ValueKind::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.clone(), v.render(scope)?);
                }
                Value::Object(map)
            }
        })
    }

    /// The value as written, templates shown as their source (for showing a failed expectation).
    pub fn as_written(&self) -> Value {
        match &self.kind {
            ValueKind::Literal(v) => v.clone(),
            ValueKind::Text(t) => Value::String(t.source()),
            ValueKind::Seq(items) => Value::Array(items.iter().map(|i| i.as_written()).collect()),
            ValueKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_written()))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{Vars, node};
    use serde_json::json;

    fn compile(yaml: &str) -> ValueTemplate {
        let node = node(yaml);
        let mut errors = Vec::new();
        let v = ValueTemplate::compile(&node, &mut |p, e| errors.push((p, e)));
        assert!(errors.is_empty(), "{errors:?}");
        v
    }

    #[test]
    fn subtrees_without_templates_are_plain_json() {
        let v = compile("a: {b: [1, x]}\nc: ${id}\n");
        let ValueKind::Map(entries) = &v.kind else {
            panic!("a map with a template stays a map: {v:?}");
        };
        assert_eq!(entries[0].1.literal(), Some(&json!({"b": [1, "x"]})));
        assert_eq!(
            v.render(&Vars),
            Ok(json!({"a": {"b": [1, "x"]}, "c": 7723}))
        );
        assert_eq!(v.as_written(), json!({"a": {"b": [1, "x"]}, "c": "${id}"}));
    }

    #[test]
    fn escapes_become_literals_and_missing_variables_say_where() {
        assert_eq!(compile("'$${x}'").literal(), Some(&json!("${x}")));
        let e = compile("x: a-${nope}")
            .render(&Vars)
            .expect_err("nope has no value");
        assert_eq!(e.pos.line, 1);
        assert!(e.message.contains("`${nope}`"), "{}", e.message);
    }
}
